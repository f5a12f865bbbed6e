"""What every convcalc command shares: exit codes, safe writes, and the typer app factory."""

from __future__ import annotations

import errno
import os
import sys
from typing import NoReturn, TextIO

import typer

from ..errors import ConvcalcError

__all__ = [
    "EXIT_INTERNAL",
    "EXIT_INVALID",
    "EXIT_IOERR",
    "EXIT_OK",
    "EXIT_USAGE",
    "fail",
    "new_app",
    "output_failed",
    "write",
]

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL, EXIT_IOERR = 0, 1, 2, 70, 74


def new_app() -> typer.Typer:
    """A typer app configured as every convcalc command is (no pretty tracebacks, -h)."""
    return typer.Typer(
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )


def fail(err: ConvcalcError) -> NoReturn:
    """A domain error outside a spec (a zoo name, a solve range): one line, exit 1."""
    sys.stderr.write(f"convcalc: error: {err.message}\n")
    raise typer.Exit(EXIT_INVALID)


def write(text: str, out: TextIO | None = None) -> None:
    stream = out or sys.stdout
    try:
        stream.write(text)
        stream.flush()
    except OSError as err:
        output_failed(err)


def output_failed(err: OSError) -> None:
    """A closed pipe ends quietly; any other write error is one line and exit 74."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    if err.errno == errno.EPIPE:
        raise typer.Exit(EXIT_OK)
    sys.stderr.write(f"convcalc: cannot write the output: {err.strerror or err}\n")
    raise typer.Exit(EXIT_IOERR)
