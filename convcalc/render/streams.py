"""Where output goes: the ASCII fallback (``--ascii``, or an encoding that cannot show the
arithmetic's symbols), the spool that holds a spec's output until its last row, and
:class:`Sink`, the base of every format."""

from __future__ import annotations

import re
import tempfile
from typing import Iterator, TextIO

from ..engine import Report, ReportStream
from ..errors import ConvcalcError

# --------------------------------------------------------------------------------------------
# ASCII fallback: --ascii, or an output encoding that cannot show the arithmetic's symbols

_ASCII = str.maketrans(
    {
        "⌊": "floor(",
        "⌋": ")",
        "⌈": "ceil(",
        "⌉": ")",
        "·": "*",
        "×": "x",
        "−": "-",
        "≤": "<=",
        "≥": ">=",
        "≠": "!=",
        "…": "...",
        "→": "->",
        "—": "--",
        "–": "-",
        "─": "-",
        "━": "-",
        "│": "|",
        "┃": "|",
        "├": "|",
        "└": "`",
        "┌": "+",
        "┐": "+",
        "┘": "+",
        "┤": "|",
        "┬": "+",
        "┴": "+",
        "┼": "+",
        "γ": "gamma",
        "β": "beta",
    }
)
_SUPERSCRIPTS = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def to_ascii(text: str) -> str:
    """The one ASCII translation: ⌊x⌋ → floor(x), ⌈x⌉ → ceil(x), · → *, × → x, − → -, ≤ → <=,
    2³¹ → 2^31, box drawing → - | `; any other non-ASCII character becomes a \\uXXXX escape
    (which keeps JSON valid)."""
    if text.isascii():
        return text
    text = _SUPERSCRIPTS.sub(lambda m: "^" + m.group().translate(_DIGITS), text)
    text = text.translate(_ASCII)
    if text.isascii():
        return text
    return "".join(ch if ch.isascii() else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


class AsciiWriter:
    """A text stream that writes through :func:`to_ascii` (and tells rich it is ASCII-only)."""

    encoding = "ascii"

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(to_ascii(text))

    def __getattr__(self, name: str) -> object:
        return getattr(self.stream, name)


def can_show(stream: TextIO) -> bool:
    """True when ``stream``'s encoding can show ⌊ ⌋ ⌈ ⌉ · × −."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        "⌊⌋⌈⌉·×−".encode(encoding)
    except (UnicodeError, LookupError):
        return False
    return True


def ascii_safe(stream: TextIO, force: bool = False) -> TextIO:
    """``stream``, or an :class:`AsciiWriter` over it (``--ascii``, or when it cannot show them)."""
    if force or not can_show(stream):
        return AsciiWriter(stream)  # type: ignore[return-value]
    return stream


SPOOL_BYTES = 4 * 1024 * 1024
"""A spec's spooled output stays in memory up to this many characters, then goes to a
temporary file."""


class Spool:
    """Where a sink writes a spec's rows as they come: a list of strings in memory, moved to a
    temporary file once it passes :data:`SPOOL_BYTES`, so that no spec holds its whole output
    (the memory goal).  A list costs a fraction of ``tempfile.SpooledTemporaryFile``, whose
    text wrapper over a byte buffer was a tenth of a small spec's time in a batch."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._size = 0
        self._file: TextIO | None = None

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()

    def write(self, text: str) -> None:
        self._size += len(text)
        if self._file is not None:
            self._file.write(text)
            return
        self._parts.append(text)
        if self._size > SPOOL_BYTES:
            self._file = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")
            self._file.write("".join(self._parts))
            self._parts = []

    def tell(self) -> int:
        """The characters written so far."""
        return self._size

    def lines(self) -> Iterator[str]:
        """What was written, line by line (split at ``\\n`` only), each with its ``\\n``."""
        if self._file is None:
            text = "".join(self._parts)
            yield from (line + "\n" for line in text.split("\n")[:-1])
            return
        self._file.seek(0)
        yield from self._file

    def copy_to(self, out: TextIO) -> None:
        if self._file is None:
            out.write("".join(self._parts))
            return
        self._file.seek(0)
        while chunk := self._file.read(1 << 16):
            out.write(chunk)


class Sink:
    """Receives each spec's result in input order; ``close`` ends the stream."""

    def __init__(
        self,
        out: TextIO,
        err: TextIO,
        *,
        batch: bool,
        depth: int | None = None,
        rf: bool = False,
        explain: bool = False,
        title: str | None = None,
    ) -> None:
        self.out = out
        self.err = err
        self.batch = batch
        self.depth = depth
        self.rf = rf  # --rf: receptive-field columns (JSON always has the fields)
        self.explain = explain  # --explain: the reports carry the arithmetic
        self.title = title  # --title: the drawings' heading

    def report(self, report: Report, line: int | None) -> None:  # pragma: no cover
        raise NotImplementedError

    def report_stream(self, stream: ReportStream, line: int | None) -> None:
        """Write a spec whose rows come one at a time.  This default collects the whole
        report; the table (piped), JSON, JSON Lines and CSV/TSV sinks spool each row as it
        comes instead (:func:`spool`), and write the spec only when its last row has come, so
        an error in a late layer still leaves no partial output."""
        self.report(stream.report(), line)

    def error(self, error: ConvcalcError, spec: str, line: int | None) -> None:
        where = f"line {line}: " if line is not None else ""
        self.err.write(f"convcalc: error: {where}{error.render(spec)}\n")

    def close(self) -> None:
        self.out.flush()
