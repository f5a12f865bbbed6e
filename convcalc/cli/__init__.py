"""The command line: glue over the library, one module per command.

``main`` is ``convcalc SPEC`` (typer options → ``convcalc.analyze`` → a sink from
``render.SINKS``); every other command is a module here with its own typer ``app``, listed in
:data:`SUBCOMMANDS` and imported only when it runs.  Domain errors
(:class:`~convcalc.errors.ConvcalcError`) are caught in one place per command; everything else
that escapes is a bug, reported in one line with exit code 70 by :func:`run`.

Exit codes: 0 ok · 1 an invalid spec or network (in a batch: any line) · 2 usage error ·
70 internal error · 74 output could not be written.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys

import typer

from .common import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    OutputClosed,
    decode_argv,
    output_failed,
    prepare_streams,
    tidy_usage,
    usage_message,
)
from .main import app

__all__ = ["COMPLETE_VAR", "SUBCOMMANDS", "app", "run", "subcommand"]

#: The environment variable through which the shell completion scripts call back.
COMPLETE_VAR = "_CONVCALC_COMPLETE"

#: ``convcalc NAME …`` subcommands → the module under ``convcalc.cli`` that holds its ``app``.
#: A spec always starts with its input shape (a digit), so a first argument naming one of these
#: can never be a spec.  A command's module is imported only when it runs.
SUBCOMMANDS: dict[str, str] = {
    "zoo": "zoo",
    "solve": "solve",
    "emit": "emit",
    "conv": "conv",
    "eval": "eval",
}


def subcommand(name: str) -> typer.Typer:
    """The typer app of ``convcalc NAME``."""
    return importlib.import_module(f"{__name__}.{SUBCOMMANDS[name]}").app


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point: the typer app, with a last-resort guard against tracebacks.

    What every command needs is done here, once: safe streams (:func:`prepare_streams`), argv
    as UTF-8, usage errors in convcalc's words, a closed pipe that ends quietly, Ctrl-C as exit
    130, shell completion that knows the subcommands.
    """
    # A CLI process is short-lived: exempt the import-time object graph (pydantic's schemas)
    # from the cyclic GC and collect young objects less often.  A batch allocates many acyclic
    # reports that reference counting frees anyway (10,000 specs: 1.4–1.7 s → 1.1–1.3 s).
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        prepare_streams()
        if os.environ.get(COMPLETE_VAR):
            from .completion import complete

            sys.exit(complete())
        args = decode_argv(sys.argv[1:] if argv is None else argv)
        sys.exit(_dispatch(args))
    except KeyboardInterrupt:
        sys.stderr.write("convcalc: interrupted\n")
        sys.exit(EXIT_INTERRUPTED)


def _dispatch(args: list[str]) -> int:
    """Run ``convcalc …`` or ``convcalc SUBCOMMAND …``; the exit code."""
    from typer import _click as click

    target, prog = app, "convcalc"
    try:
        if args and args[0] in SUBCOMMANDS:
            target, prog, args = subcommand(args[0]), f"convcalc {args[0]}", args[1:]
        command = tidy_usage(typer.main.get_command(target))
        code = command.main(args=args, prog_name=prog, standalone_mode=False)
        sys.stdout.flush()
        return code if isinstance(code, int) else EXIT_OK
    except click.exceptions.NoArgsIsHelpError as err:
        sys.stderr.write(err.format_message() + "\n")
        return EXIT_USAGE
    except click.exceptions.ClickException as err:
        ctx = getattr(err, "ctx", None)
        sys.stderr.write(f"convcalc: error: {usage_message(err)}\n")
        if ctx is not None:
            sys.stderr.write(ctx.get_usage() + "\n")
        sys.stderr.write(f"Try '{ctx.command_path if ctx else prog} --help' for help.\n")
        return getattr(err, "exit_code", EXIT_USAGE)
    except typer.Abort:
        sys.stderr.write("convcalc: interrupted\n")
        return EXIT_INTERRUPTED
    except (OSError, OutputClosed) as err:  # output not writable, e.g. --help > /dev/full
        try:
            output_failed(err)
        except typer.Exit as done:
            return done.exit_code
    except Exception as err:
        sys.stderr.write(
            f"convcalc: internal error: {type(err).__name__}: {err} (please report this)\n"
        )
        return EXIT_INTERNAL
