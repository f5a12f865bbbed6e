"""Shell completion for the whole command line, subcommands included.

``convcalc`` is one typer command (its SPEC words could be anything), and each subcommand is
a separate typer app, so click's completion sees neither the subcommands nor their options.
For completion only, :func:`complete` builds a group: the main command's options, and every
entry of :data:`~convcalc.cli.SUBCOMMANDS` as a subcommand, so a command added there later
completes too.  The shell scripts in ``completions/`` call back through
``_CONVCALC_COMPLETE=complete_<shell> convcalc``, which ``run`` routes here.
"""

from __future__ import annotations

import os
from typing import Any

from typer import _click as click
from typer.core import TyperGroup, TyperOption
from typer.main import get_command

from .common import complete_model, tidy_usage

__all__ = ["complete", "completion_group"]


class _Commands(TyperGroup):
    """The main command's options plus the subcommands, loaded when completion reaches them."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        from . import SUBCOMMANDS, subcommand

        if cmd_name not in SUBCOMMANDS:
            return None
        return _models_complete(tidy_usage(get_command(subcommand(cmd_name))))

    def list_commands(self, ctx: click.Context) -> list[str]:
        from . import SUBCOMMANDS

        return list(SUBCOMMANDS)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[Any]:
        # subcommand names only as the first word: after a spec word, only options
        if ctx._protected_args or ctx.args:
            return click.Command.shell_complete(self, ctx, incomplete)
        return super().shell_complete(ctx, incomplete)


def _models_complete(command: click.Command) -> click.Command:
    """Any command's ``--model`` completes the zoo's names, whoever wrote the command."""
    for param in command.params:
        if "--model" in getattr(param, "opts", ()) and param._custom_shell_complete is None:
            param._custom_shell_complete = lambda ctx, param, incomplete: complete_model(incomplete)
    return command


def completion_group() -> TyperGroup:
    """A group used only to complete: the main command's options and the subcommands."""
    from .main import app

    main = get_command(app)
    options = [p for p in main.params if isinstance(p, TyperOption)]
    return _Commands(name="convcalc", params=options, rich_markup_mode=None)


def complete() -> int:
    """Answer the shell (``source_<shell>`` or ``complete_<shell>``); the exit code."""
    from typer.completion import shell_complete

    from . import COMPLETE_VAR

    instruction = os.environ[COMPLETE_VAR]
    return shell_complete(completion_group(), {}, "convcalc", COMPLETE_VAR, instruction)
