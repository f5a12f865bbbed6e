"""What every convcalc command shares: exit codes, safe streams and writes, usage errors in
convcalc's own words, and the typer app factory."""

from __future__ import annotations

import codecs
import errno
import os
import re
import sys
from typing import Any, NoReturn, TextIO

import typer

from ..errors import ConvcalcError

__all__ = [
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_INVALID",
    "EXIT_IOERR",
    "EXIT_OK",
    "EXIT_USAGE",
    "OutputClosed",
    "complete_model",
    "decode_argv",
    "fail",
    "new_app",
    "output_failed",
    "prepare_streams",
    "tidy_usage",
    "usage_message",
    "write",
]

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL, EXIT_IOERR = 0, 1, 2, 70, 74
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C


def new_app() -> typer.Typer:
    """A typer app configured as every convcalc command is.

    No pretty tracebacks; ``-h``; and click's plain help formatter (``rich_markup_mode=None``):
    flags show no ``<bool>``, a choice list is never broken mid-word, and the help is plain
    text that an ASCII terminal can show.
    """
    return typer.Typer(
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
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


def output_failed(err: OSError | OutputClosed) -> NoReturn:
    """A closed pipe ends quietly; any other write error is one line and exit 74."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    if isinstance(err, OutputClosed) or err.errno == errno.EPIPE:
        raise typer.Exit(EXIT_OK)
    sys.stderr.write(f"convcalc: cannot write the output: {err.strerror or err}\n")
    raise typer.Exit(EXIT_IOERR)


# --------------------------------------------------------------------------------------------
# the process's streams, made safe once for every command (run() calls prepare_streams)


def _fallback(err: UnicodeError) -> tuple[bytes, int]:
    """The ``convcalc`` codec error handler: what an output encoding cannot show.

    A lone surrogate (a non-UTF-8 byte of argv, decoded by Python with surrogateescape) becomes
    U+FFFD, or ``?`` where that cannot be shown either; any other character its ASCII spelling
    (⌊x⌋ → floor(x), × → x, box drawing → - |) or a ``\\uXXXX`` escape.  So no command can fail
    on an ASCII or C locale, and no raw surrogate or stray byte ever reaches the output.
    """
    if not isinstance(err, UnicodeEncodeError):
        raise err
    from ..render import to_ascii

    out = []
    for ch in err.object[err.start : err.end]:
        if "\ud800" <= ch <= "\udfff":
            try:
                out.append("\ufffd".encode(err.encoding))
            except (UnicodeError, LookupError):
                out.append(b"?")
        else:
            out.append(to_ascii(ch).encode("ascii"))
    # bytes, not str: the UTF-8 encoder accepts only ASCII text from a handler
    return b"".join(out), err.end  # type: ignore[return-value]


codecs.register_error("convcalc", _fallback)


class OutputClosed(Exception):
    """stdout's reader went away (EPIPE).  Not an OSError, so that no option parser on the
    way (typer exits 1 on a broken pipe) mistakes it for a failure: ``run`` ends quietly."""


class _Stream:
    """stdout or stderr as convcalc writes them, with no ``buffer`` for click to bypass.

    ``closed_at_start``: the stream was closed before convcalc started (``>&-``); every write
    fails, so stdout reports "cannot write the output" (exit 74) as for ``/dev/full``.
    ``best_effort``: stderr.  Messages are a courtesy, so a full or closed stderr never stops
    the results on stdout (``2>/dev/full``, ``2>&-``): after one failed write it stops trying.
    """

    def __init__(self, stream: TextIO | None, *, best_effort: bool = False) -> None:
        self.stream = stream
        self.best_effort = best_effort
        self.encoding = getattr(stream, "encoding", None) or "utf-8"
        self.errors = getattr(stream, "errors", None) or "strict"

    def write(self, text: str) -> int:
        if self.stream is None:
            if self.best_effort:
                return len(text)
            raise OSError(errno.EBADF, "the stream is closed")
        try:
            return self.stream.write(text)
        except (OSError, ValueError) as err:
            self._failed(err)
            return len(text)

    def flush(self) -> None:
        if self.stream is None:
            return
        try:
            self.stream.flush()
        except (OSError, ValueError) as err:
            self._failed(err)

    def _failed(self, err: Exception) -> None:
        if self.best_effort:
            self.stream = None  # the rest of the run must not pay for it
        elif isinstance(err, OSError) and err.errno == errno.EPIPE:
            raise OutputClosed() from err
        else:
            raise err

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        try:
            return self.stream is not None and self.stream.isatty()
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:
        if self.stream is None:
            raise OSError(errno.EBADF, "the stream is closed")
        return self.stream.fileno()


def prepare_streams() -> None:
    """Make stdout and stderr safe for every command, before any of them writes.

    * Characters an encoding cannot show go through the ``convcalc`` error handler.
    * Both are wrapped (:class:`_Stream`, no ``buffer``: click would otherwise write UTF-8
      bytes past an ASCII stream).  A closed stdout fails every write (exit 74); a broken pipe
      raises :class:`OutputClosed`.  stderr is written best-effort.
    """
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="convcalc")
            except (ValueError, OSError):
                pass
    sys.stdout = _Stream(sys.stdout)  # type: ignore[assignment]
    sys.stderr = _Stream(sys.stderr, best_effort=True)  # type: ignore[assignment]


def decode_argv(args: list[str]) -> list[str]:
    """argv as UTF-8, whatever the locale: under ``LC_ALL=C`` Python decodes a ``×`` as two
    surrogate escapes; they are the UTF-8 bytes of ``×``.  Bytes that are not UTF-8 stay
    surrogate escapes (a file name still round-trips); a spec refuses them by position."""
    out = []
    for arg in args:
        if arg.isascii():
            out.append(arg)
            continue
        try:
            raw = os.fsencode(arg)
        except UnicodeError:
            out.append(arg)
            continue
        out.append(raw.decode("utf-8", "surrogateescape"))
    return out


# --------------------------------------------------------------------------------------------
# usage errors in convcalc's words, not the option parser's or the validator's


def _param_name(param: Any) -> str:
    if param is None:
        return ""
    if getattr(param, "param_type_name", "") == "option":
        return max(param.opts, key=len)
    return (getattr(param, "metavar", None) or param.name or "").upper()


def usage_message(err: Exception) -> str:
    """One line for a usage error: which option or argument, and what it takes."""
    param = getattr(err, "param", None)
    name = _param_name(param)
    cause = err.__cause__
    problems = cause.errors(include_url=False) if hasattr(cause, "errors") else []
    if name and problems:
        problem = problems[0]
        kind, given, ctx = problem.get("type", ""), problem.get("input"), problem.get("ctx", {})
        shown = repr(given) if isinstance(given, str) else str(given)
        if kind == "int_parsing":
            return f"{name} takes a whole number, not {shown}"
        if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
            bound = {"greater_than_equal": ("at least", "ge"), "greater_than": ("more than", "gt")}
            bound |= {"less_than_equal": ("at most", "le"), "less_than": ("less than", "lt")}
            words, key = bound[kind]
            return f"{name} must be {words} {ctx.get(key)}, not {shown}"
        choices = re.search(r"is not one of (.*?)\.?$", str(ctx.get("error", "")))
        if choices:
            return f"{name} takes one of {choices.group(1)}, not {shown}"
        return f"{name}: {problem.get('msg', '').removeprefix('Value error, ')} ({shown})"
    if type(err).__name__ == "BadParameter" and cause is None:
        return str(getattr(err, "message", err))  # raised by convcalc: already in its words
    message = err.format_message() if hasattr(err, "format_message") else str(err)
    return message.rstrip(".")


def tidy_usage(command: Any) -> Any:
    """One usage style for every command: arguments in capitals, optional ones in brackets,
    required ones bare (``convcalc solve [OPTIONS] IN OUT``, ``convcalc [OPTIONS] [SPEC]...``)
    rather than typer's mix of ``[spec]...``, ``[name]`` and ``{IN} {OUT}``.  Help written
    for rich markup (``\\[`` escapes a bracket there) reads plainly in click's formatter."""
    if command.help:
        command.help = command.help.replace("\\[", "[")
    for param in command.params:
        if getattr(param, "help", None):
            param.help = param.help.replace("\\[", "[")
        if getattr(param, "param_type_name", "") != "argument":
            continue
        name = (param.metavar or param.name or "").upper()
        param.metavar = name
        usage = (name if param.required else f"[{name}]") + ("..." if param.nargs != 1 else "")
        param._usage_display_name = lambda usage=usage: usage
    return command


def complete_model(incomplete: str) -> list[str]:
    """Shell completion: the zoo's model names (after ``--model`` and ``zoo``)."""
    from .. import zoo

    return [m.name for m in zoo.models() if m.name.startswith(incomplete.lower())]
