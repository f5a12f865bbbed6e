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
import sys

import typer

from .common import EXIT_INTERNAL, output_failed
from .main import app

__all__ = ["SUBCOMMANDS", "app", "run", "subcommand"]

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
    """Console-script entry point: the typer app, with a last-resort guard against tracebacks."""
    # A CLI process is short-lived: exempt the import-time object graph (pydantic's schemas)
    # from the cyclic GC and collect young objects less often.  A batch allocates many acyclic
    # reports that reference counting frees anyway (10,000 specs: 1.4–1.7 s → 1.1–1.3 s).
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    args = sys.argv[1:] if argv is None else argv
    target, prog = app, "convcalc"
    try:
        if args and args[0] in SUBCOMMANDS:
            target, prog, args = subcommand(args[0]), f"convcalc {args[0]}", args[1:]
        target(args=args, prog_name=prog)
    except KeyboardInterrupt:
        sys.stderr.write("convcalc: interrupted\n")
        sys.exit(130)
    except OSError as err:  # output not writable outside a sink, e.g. --help > /dev/full
        try:
            output_failed(err)
        except typer.Exit as done:
            sys.exit(done.exit_code)
    except Exception as err:
        sys.stderr.write(
            f"convcalc: internal error: {type(err).__name__}: {err} (please report this)\n"
        )
        sys.exit(EXIT_INTERNAL)
