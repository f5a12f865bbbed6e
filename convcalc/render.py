"""Renderers: stage three.  Each output format is one :class:`Sink` class in :data:`SINKS`.

A sink receives reports (and errors) one spec at a time, so a stdin batch streams.  Machine
formats (JSON, JSON Lines) are written with plain writes, never through rich; rich is imported
only by the table sink, and only when it prints.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import re
import tempfile
from typing import Any, Callable, Iterable, Iterator, TextIO

from .engine import LayerReport, Report, ReportStream
from .errors import ConvcalcError, display_width, escape_text
from .receptive import fmt_number

__all__ = [
    "SINKS",
    "AsciiWriter",
    "Sink",
    "ascii_safe",
    "human",
    "human_bytes",
    "rf_cells",
    "table_rows",
    "to_ascii",
    "total_lines",
]


def human(n: float) -> str:
    """64288 → '64.29 K' (SI units, as torchinfo and the torchvision docs use)."""
    for unit, size in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n:g}"


def human_bytes(n: int) -> str:
    """32660 → '31.89 KiB'."""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{int(size)} B" if unit == "B" else f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} TiB"  # pragma: no cover


def _color_system() -> str | None:
    """None (no escape codes at all, not even bold) when NO_COLOR is set and not empty."""
    return None if os.environ.get("NO_COLOR") else "auto"


def write_rich(out: TextIO, *renderables: object, width: int | None = None) -> None:
    """Print rich renderables at their natural width, line-end padding stripped.

    Rich assumes 80 columns when stdout is not a terminal, and at a terminal fits tables to its
    width by cutting cells (``11,6…``; at ``COLUMNS=0`` it printed nothing).  A number must
    never be cut, so a table is drawn whole; a terminal narrower than it wraps the lines.
    At a terminal the styles stay (colour as for the main table).
    """
    from rich.console import Console

    styled = width is None and _colour(_isatty(out))
    buf = io.StringIO()
    Console(
        file=buf,
        width=width or 10_000,
        highlight=False,
        soft_wrap=False,
        force_terminal=styled,
        color_system="standard" if styled else None,
    ).print(*renderables)
    out.write("\n".join(line.rstrip() for line in buf.getvalue().split("\n")))


def _shape(shape: list[int]) -> str:
    return "×".join(str(n) for n in shape)


def table_rows(
    layers: list[LayerReport], depth: int | None = None, *, branch_headers: bool = False
) -> list[tuple[str, str, LayerReport]]:
    """Flatten the tree into (path, tree-drawn lead, layer) rows, torchinfo style.

    Paths name a layer inside branches: ``3.2.1`` is layer 1 of branch 2 of layer 3.  ``depth`` 1
    shows only the top level; deeper rows are folded into their parent, whose params and MACs
    already are the sums of its branches.  With ``branch_headers`` a res/cat of several
    branches gets one summary row per branch (path ``3.2``) above that branch's layers.
    """
    rows: list[tuple[str, str, LayerReport]] = []

    def seq(items: list[LayerReport], prefix: str, indent: str, level: int) -> None:
        for k, item in enumerate(items):
            last = k == len(items) - 1
            path = prefix + str(item.index)
            rows.append((path, indent + ("└─ " if last else "├─ "), item))
            children(item, path, indent + ("   " if last else "│  "), level)

    def children(layer: LayerReport, path: str, indent: str, level: int) -> None:
        if not layer.branches or (depth is not None and level >= depth):
            return
        if branch_headers and len(layer.branches) > 1:
            count = len(layer.branches)
            for b, branch in enumerate(layer.branches, 1):
                last = b == count
                header = _branch_row(layer.kind, b, count, branch)
                rows.append((f"{path}.{b}", indent + ("└─ " if last else "├─ "), header))
                seq(branch, f"{path}.{b}.", indent + ("   " if last else "│  "), level + 1)
        else:
            for b, branch in enumerate(layer.branches, 1):
                seq(branch, f"{path}.{b}.", indent, level + 1)

    for layer in layers:
        rows.append((str(layer.index), "", layer))
        children(layer, str(layer.index), "", 1)
    return rows


def _branch_row(kind: str, b: int, count: int, branch: list[LayerReport]) -> LayerReport:
    name = f"branch {b}" + (" (shortcut)" if kind == "res" and b == count == 2 else "")
    return LayerReport.model_construct(
        index=b,
        token=name,
        kind="branch",
        output_shape=branch[-1].output_shape,
        params=sum(x.params for x in branch),
        trainable_params=sum(x.trainable_params for x in branch),
        non_trainable_params=sum(x.non_trainable_params for x in branch),
        # aux heads' MACs stay out of a branch's sum, as out of every structure's (but an aux
        # row's own branch shows them)
        macs=sum(x.macs for x in branch if kind == "aux" or x.kind != "aux"),
        notes=[],
        layer=None,
        branches=None,
    )


def _label(layer: LayerReport) -> str:
    if layer.branches is not None:
        n = len(layer.branches)
        return f"{layer.kind} ({n} branch{'es' if n != 1 else ''})"
    return layer.token


def _notes(layer: LayerReport, rf: bool) -> list[str]:
    """A row's notes; with ``--rf`` also where a res/cat's branches see different fields."""
    if rf and isinstance(layer.rf, dict) and layer.rf.get("notes"):
        return [*layer.notes, *layer.rf["notes"]]
    return layer.notes


def _per_dim(values: list[int | float], sep: str) -> str:
    texts = [fmt_number(v) for v in values]
    return texts[0] if len(set(texts)) == 1 else sep.join(texts)


def rf_cells(layer: LayerReport, sep: str = "×") -> tuple[str, str, str]:
    """(size, jump, start) for the ``--rf`` columns: '5', '3×5' when the dims differ, 'global',
    'beyond' (a value past 2⁵⁰−1)."""
    rf = layer.rf
    if rf is None:
        return "", "", ""
    if isinstance(rf, str):
        return rf, "", ""
    return _per_dim(rf["size"], sep), _per_dim(rf["jump"], sep), _per_dim(rf["start"], sep)


def total_lines(report: Report) -> list[str]:
    """The totals printed under a table (the table and Markdown formats)."""
    t = report.totals
    dtype = report.dtype
    lines = [
        f"Total params: {t.params:,}",
        f"Trainable params: {t.trainable_params:,}",
        f"Non-trainable params: {t.non_trainable_params:,}",
        f"Total MACs: {t.macs:,} ({human(t.macs)})    FLOPs: {t.flops:,} ({human(t.flops)})",
        f"Params size ({dtype}): {human_bytes(t.param_bytes)}",
        f"Activation memory ({dtype}): {human_bytes(t.activation_bytes)}",
    ]
    if t.aux_macs:
        lines.insert(4, f"Aux-head MACs (training only, not in the total): {t.aux_macs:,}")
    return lines


def explain_blocks(rows: list[tuple[str, str, LayerReport]]) -> list[tuple[str, list[str]]]:
    """``--explain``: (``path label``, the layer's lines) for each row that carries them."""
    return [(f"{path} {_label(layer)}", layer.explain) for path, _, layer in rows if layer.explain]


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


class TableSink(Sink):
    """The default: a table per spec, with torchinfo-like totals under it.

    The text is written by :func:`plain_table`, which draws rich's ``SIMPLE_HEAD`` table
    byte for byte at a fraction of the cost (rich costs about 0.5 ms a row: a 100,000-row
    table took 30 s at a terminal), so a terminal and a pipe cost the same.  Piped, the table
    has its natural width; at a terminal it is fitted to the width (``COLUMNS`` when it is a
    positive number) by wrapping the notes, then moving them under their rows: a number is
    never cut.  Colour (bold header, dim paths and notes, yellow warnings) follows
    ``NO_COLOR``/``FORCE_COLOR``/``TERM=dumb`` and the terminal.  A fixed ``width`` draws with
    rich itself (the reference the tests compare :func:`plain_table` with).
    """

    def __init__(
        self,
        out: TextIO,
        err: TextIO,
        *,
        batch: bool,
        depth: int | None = None,
        width: int | None = None,
        **options: bool,
    ) -> None:
        super().__init__(out, err, batch=batch, depth=depth, **options)
        self.width = width
        self.rich = width is not None
        tty = _isatty(out)
        self.colour = _colour(tty)
        self.fit = terminal_width(out) if tty else None
        self.console: object = None
        self.first = True

    def _columns(self, has_notes: bool) -> list[tuple[str, bool]]:
        """(header, right-justified) of each column."""
        columns = [("#", True), ("Layer", False), ("Output shape", False)]
        columns += [("Params", True), ("MACs", True)]
        if self.rf:
            columns += [("RF", True), ("Jump", True), ("Start", True)]
        if has_notes:
            columns.append(("Notes", False))
        return columns

    def report(self, report: Report, line: int | None) -> None:
        rows = table_rows(report.layers, self.depth, branch_headers=True)
        notes = [_notes(layer, self.rf) for _, _, layer in rows]
        has_notes = any(notes)
        columns = self._columns(has_notes)
        blank = [""] * (3 * self.rf + has_notes)
        cells = [["", "input", _shape(report.input_shape), "", "", *blank]]
        for (path, lead, layer), note in zip(rows, notes):
            row = [
                path,
                lead + _label(layer),
                _shape(layer.output_shape),
                f"{layer.params:,}",
                f"{layer.macs:,}",
            ]
            if self.rf:
                row.extend(rf_cells(layer))
            if has_notes:
                row.append("; ".join(note))
            cells.append(row)
        title = None
        if self.batch:
            # escaped: a control character that splits tokens (\x1f, U+0085) stays in the spec
            title = (f"line {line}: " if line is not None else "") + escape_text(report.spec)
        work = explain_blocks(rows)
        if self.rich:
            self._rich(columns, cells, title, report, work)
        else:
            self._plain(columns, cells, title, report, work)
        self.first = False

    def report_stream(self, stream: ReportStream, line: int | None) -> None:
        """Each row's cells and --explain lines go to a spool as the row comes, and only
        the column widths stay in memory (a terminal gets the same text, styled)."""
        if self.rich:
            return super().report_stream(stream, line)
        n = 6 + 3 * self.rf  # cells of a row, the notes last
        input_row = ["", "input", _shape(stream.input_shape), "", "", *[""] * (n - 5)]
        widths = [display_width(c) for c in input_row]
        has_notes = False
        with Spool() as cells, Spool() as work:
            for top in stream:
                for path, lead, layer in table_rows([top], self.depth, branch_headers=True):
                    row = [
                        path,
                        lead + _label(layer),
                        _shape(layer.output_shape),
                        f"{layer.params:,}",
                        f"{layer.macs:,}",
                    ]
                    if self.rf:
                        row.extend(rf_cells(layer))
                    row.append("; ".join(_notes(layer, self.rf)))
                    has_notes = has_notes or bool(row[-1])
                    for i, cell in enumerate(row):
                        w = display_width(cell)
                        if w > widths[i]:
                            widths[i] = w
                    cells.write("\x00".join(row) + "\n")  # cells hold no NUL nor newline
                    if layer.explain:
                        head = f"{path} {_label(layer)}\n"
                        work.write(head + "".join(f"    {x}\n" for x in layer.explain))
            report = stream.shell()
            columns = self._columns(has_notes)
            if not has_notes:
                widths.pop()
            for i, (header, _) in enumerate(columns):
                widths[i] = max(widths[i], display_width(header))
            rights = [right for _, right in columns]
            out = self.out
            bold, yellow = (_style("1"), _style("33")) if self.colour else (_plain, _plain)
            if self.batch:
                title = (f"line {line}: " if line is not None else "") + escape_text(report.spec)
                out.write(("\n" if not self.first else "") + bold(title) + "\n")
            # at a terminal: fitted (the notes wrap or move under their rows) and styled
            if self.fit is not None or self.colour:
                table = {"width": self.fit, "colour": self.colour, "widths": widths}
                out.write(plain_table(columns, [input_row[: len(widths)]], **table))
                for text in cells.lines():
                    row = text[:-1].split("\x00")[: len(widths)]
                    out.write(plain_table(columns, [row], rows_only=True, **table))
            else:
                out.write(_plain_line([h for h, _ in columns], widths, rights) + "\n")
                out.write("─" * (sum(widths) + 3 * (len(widths) - 1)) + "\n")
                out.write(_plain_line(input_row, widths, rights) + "\n")
                for text in cells.lines():
                    out.write(_plain_line(text[:-1].split("\x00"), widths, rights) + "\n")
            out.write("\n".join(total_lines(report)) + "\n")
            if work.tell():
                out.write("\nWorking:\n")
                work.copy_to(out)
            out.write("".join(yellow(f"warning: {w}") + "\n" for w in report.warnings))
        self.first = False

    def _plain(
        self,
        columns: list[tuple[str, bool]],
        cells: list[list[str]],
        title: str | None,
        report: Report,
        work: list[tuple[str, list[str]]],
    ) -> None:
        bold, yellow = (_style("1"), _style("33")) if self.colour else (_plain, _plain)
        parts: list[str] = []
        if title is not None:
            parts.append(("\n" if not self.first else "") + bold(title) + "\n")
        parts.append(plain_table(columns, cells, width=self.fit, colour=self.colour))
        parts.append("\n".join(total_lines(report)) + "\n")
        if work:
            parts.append("\n" + bold("Working:") + "\n")
            for head, lines in work:
                parts.append(bold(head) + "\n" + "".join(f"    {x}\n" for x in lines))
        parts.extend(yellow(f"warning: {w}") + "\n" for w in report.warnings)
        self.out.write("".join(parts))

    def _rich(
        self,
        columns: list[tuple[str, bool]],
        cells: list[list[str]],
        title: str | None,
        report: Report,
        work: list[tuple[str, list[str]]],
    ) -> None:
        from rich import box
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        if self.console is None:
            self.console = Console(
                file=self.out,
                width=self.width,
                highlight=False,
                soft_wrap=False,
                color_system=_color_system(),
            )
        console: Console = self.console  # type: ignore[assignment]
        if title is not None:
            if not self.first:
                console.print()
            console.print(Text(title, style="bold"))
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
        for header, right in columns:
            style = "dim" if header in ("#", "Notes") else None
            table.add_column(header, justify="right" if right else "left", style=style)
        for row in cells:
            table.add_row(*(Text(cell) for cell in row))
        console.print(table)
        console.print(Text("\n".join(total_lines(report))))
        if work:
            console.print(Text("\nWorking:", style="bold"))
            for head, lines in work:
                console.print(Text(head, style="bold"))
                console.print(Text("\n".join("    " + x for x in lines)))
        for warning in report.warnings:
            console.print(Text("warning: " + warning, style="yellow"))

    def close(self) -> None:
        self.out.flush()


def _plain_line(row: list[str], widths: list[int], rights: list[bool]) -> str:
    """One line of :func:`plain_table`: cells padded to their column, three spaces apart."""
    out = []
    for cell, width, right in zip(row, widths, rights):
        pad = " " * (width - display_width(cell))
        out.append(pad + cell if right else cell + pad)
    return "   ".join(out).rstrip()


def _plain(text: str) -> str:
    return text


def _style(code: str) -> object:
    return lambda text: f"\x1b[{code}m{text}\x1b[0m" if text else text


def _isatty(out: TextIO) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _colour(tty: bool) -> bool:
    """Colour as rich decides it: never with NO_COLOR or a dumb terminal, forced by
    FORCE_COLOR, otherwise on a terminal only."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return tty and os.environ.get("TERM", "").lower() not in ("dumb", "unknown")


def terminal_width(out: TextIO) -> int:
    """Columns to fit a table to: ``COLUMNS`` when a positive number, else the terminal's."""
    value = os.environ.get("COLUMNS", "")
    if value.isdigit() and int(value) > 0:
        return int(value)
    try:
        return os.get_terminal_size(out.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80


NOTES_MIN = 16  # narrower than this, the notes move under their rows


def plain_table(
    columns: list[tuple[str, bool]],
    cells: list[list[str]],
    *,
    width: int | None = None,
    colour: bool = False,
    widths: list[int] | None = None,
    rows_only: bool = False,
) -> str:
    """A table as rich's ``box.SIMPLE_HEAD`` (no edges) draws it, without rich.

    Columns are three spaces apart, a rule of ``─`` under the header, line ends stripped.
    With ``width``, a table wider than that wraps its last column when that is ``Notes``
    (at spaces; it moves under each row, indented, when fewer than :data:`NOTES_MIN` columns
    are left); no other cell is ever cut, so a narrow terminal wraps the long lines itself.
    ``colour``: a bold header, the ``#`` and ``Notes`` columns dim.  A streamed table gives
    its column ``widths`` and writes its rows a few at a time (``rows_only``).
    """
    given = widths is not None
    widths = list(widths) if widths is not None else [display_width(h) for h, _ in columns]
    for row in [] if given else cells:
        for i, cell in enumerate(row):
            n = display_width(cell)
            if n > widths[i]:
                widths[i] = n
    rights = [right for _, right in columns]
    notes = len(columns) - 1 if columns and columns[-1][0] == "Notes" else None
    below = False
    total = sum(widths) + 3 * (len(widths) - 1)
    if width is not None and notes is not None and total > width:
        room = width - (total - widths[notes])
        if room >= NOTES_MIN:
            widths[notes] = room
        else:
            below = True
    dim = {0, notes} if colour else set()

    def line(row: list[str]) -> str:
        out = []
        for i, (cell, w, right) in enumerate(zip(row, widths, rights)):
            pad = " " * max(0, w - display_width(cell))
            text = pad + cell if right else cell + pad
            out.append(f"\x1b[2m{text}\x1b[0m" if i in dim and cell else text)
        return "   ".join(out).rstrip()

    def rows(row: list[str]) -> list[str]:
        if notes is None or (display_width(row[notes]) <= widths[notes] and not below):
            return [line(row)]
        if below:
            head, note = line([*row[:notes], ""]), row[notes]
            if not note:
                return [head]
            return [head, f"\x1b[2m      {note}\x1b[0m" if colour else f"      {note}"]
        import textwrap

        parts = textwrap.wrap(row[notes], widths[notes], break_long_words=False) or [""]
        blank = [""] * notes
        return [line([*row[:notes], parts[0]]), *(line([*blank, p]) for p in parts[1:])]

    header = line([h for h, _ in columns]).replace("\x1b[2m", "").replace("\x1b[0m", "")
    if colour:
        header = f"\x1b[1m{header}\x1b[0m"
    shown = [w for i, w in enumerate(widths) if not (below and i == notes)]
    rule = "─" * (sum(shown) + 3 * (len(shown) - 1))
    body: list[str] = []
    for row in cells:
        body.extend(rows(row))
    if rows_only:
        return "".join(x + "\n" for x in body)
    return "\n".join([header, rule, *body]) + "\n"


class JsonSink(Sink):
    """``--json``: one indented object; a batch becomes a JSON array in input order."""

    def __init__(
        self, out: TextIO, err: TextIO, *, batch: bool, depth: int | None = None, **options: bool
    ) -> None:
        super().__init__(out, err, batch=batch, depth=depth, **options)
        self.count = 0

    def _item(self, text: str) -> None:
        if self.batch:
            self.out.write(("[\n" if self.count == 0 else ",\n") + text)
        else:
            self.out.write(text + "\n")
        self.count += 1

    def report(self, report: Report, line: int | None) -> None:
        self._item(report.model_dump_json(exclude_none=True, indent=2))

    def report_stream(self, stream: ReportStream, line: int | None) -> None:
        before = ("[\n" if self.count == 0 else ",\n") if self.batch else ""
        _write_json(stream, self.out, indent=True, before=before)
        if not self.batch:
            self.out.write("\n")
        self.count += 1

    def error(self, error: ConvcalcError, spec: str, line: int | None) -> None:
        if self.batch:
            super().error(error, spec, line)
            self._item(json.dumps(_error_object(error, spec, line), ensure_ascii=False, indent=2))
        else:
            error_object = {"schema_version": SCHEMA_VERSION, "error": error.to_dict()}
            self.err.write(json.dumps(error_object, ensure_ascii=False) + "\n")

    def close(self) -> None:
        if self.batch:
            self.out.write("[]\n" if self.count == 0 else "\n]\n")
        self.out.flush()


class JsonlSink(Sink):
    """``--jsonl``: one compact object per line; a bad line keeps its place as an error object."""

    def report(self, report: Report, line: int | None) -> None:
        self.out.write(report.model_dump_json(exclude_none=True) + "\n")

    def report_stream(self, stream: ReportStream, line: int | None) -> None:
        _write_json(stream, self.out, indent=False)
        self.out.write("\n")

    def error(self, error: ConvcalcError, spec: str, line: int | None) -> None:
        super().error(error, spec, line)
        # compact, as the result lines are
        text = json.dumps(_error_object(error, spec, line), ensure_ascii=False, separators=COMPACT)
        self.out.write(text + "\n")


ROWS_AT_ONCE = 256
"""A spec of up to this many top-level rows is serialised in one call (nearly every spec);
a longer one row by row, each as it comes."""


def _write_json(stream: ReportStream, out: TextIO, *, indent: bool, before: str = "") -> None:
    """Write ``before``, then the report's JSON, exactly ``model_dump_json(exclude_none=True)``;
    nothing before the last row has come, so that a late error leaves no partial output.

    One call of pydantic's serializer for a whole report costs a fraction of one per row plus
    the frame; past :data:`ROWS_AT_ONCE` top-level rows, the rows go to a :class:`Spool` one by
    one as they come, and are written inside the frame of the report without them.
    """
    rows: list[LayerReport] = []
    it = iter(stream)
    for row in it:
        rows.append(row)
        if len(rows) > ROWS_AT_ONCE:
            break
    else:
        report = stream.shell(rows)
        out.write(before + report.model_dump_json(exclude_none=True, indent=2 if indent else None))
        return
    with Spool() as spooled:
        _json_rows(itertools.chain(rows, it), spooled, indent=indent)
        head, tail = _json_frame(stream.shell(), indent=indent)
        out.write(before + head)
        spooled.copy_to(out)
        out.write(tail)


def _json_rows(rows: Iterable[LayerReport], out: Spool, *, indent: bool) -> None:
    """Each top-level row as the report's JSON would hold it, written as it comes."""
    sep = ""
    for row in rows:
        if indent:  # inside "layers" at depth 2; JSON strings hold no raw newline
            text = row.model_dump_json(exclude_none=True, indent=2).replace("\n", "\n    ")
            out.write(f"{sep}\n    {text}")
            sep = ","
        else:
            out.write(sep + row.model_dump_json(exclude_none=True))
            sep = ","


def _json_frame(shell: Report, *, indent: bool) -> tuple[str, str]:
    """The report's JSON before and after its rows: exactly ``model_dump_json`` around them."""
    text = shell.model_dump_json(exclude_none=True, indent=2 if indent else None)
    key = '"layers": []' if indent else '"layers":[]'
    head, _, tail = text.partition(key)  # the key's quotes cannot occur unescaped in a value
    return head + key[:-1], ("\n  ]" if indent else "]") + tail


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


class MarkdownSink(Sink):
    """``--format markdown``: a GitHub table per spec, the totals under it as a list.

    One row per layer (nested rows by their path, ``3.1.2``); a stdin batch gives one table per
    spec under a ``### line N`` heading.  ``--explain`` adds a "Working" list after the totals.
    """

    def __init__(self, out: TextIO, err: TextIO, **options: object) -> None:
        super().__init__(out, err, **options)  # type: ignore[arg-type]
        self.count = 0

    def report(self, report: Report, line: int | None) -> None:
        text: list[str] = []
        if self.batch:
            text += [
                *([""] if self.count else []),
                f"### line {line}: `{escape_text(report.spec)}`",
                "",
            ]
        self.count += 1
        head = ["#", "Layer", "Output shape", "Params", "MACs"]
        align = ["--:", ":--", ":--", "--:", "--:"]
        if self.rf:
            head += ["RF", "Jump", "Start"]
            align += ["--:"] * 3
        head.append("Notes")
        align.append(":--")
        text += ["| " + " | ".join(head) + " |", "|" + "|".join(align) + "|"]
        blank = [""] * (len(head) - 3)
        text.append("| " + " | ".join(["", "input", _shape(report.input_shape), *blank]) + " |")
        rows = table_rows(report.layers, self.depth)
        for path, _, layer in rows:
            cells = [
                path,
                f"`{_label(layer)}`",
                _shape(layer.output_shape),
                f"{layer.params:,}",
                f"{layer.macs:,}",
            ]
            if self.rf:
                cells.extend(rf_cells(layer))
            cells.append("; ".join(_notes(layer, self.rf)))
            text.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
        text.append("")
        text += [f"- {x}" for x in total_lines(report)]
        text += [f"- **warning:** {w}" for w in report.warnings]
        work = explain_blocks(rows)
        if work:
            text += ["", "**Working**", ""]
            for head_line, lines in work:
                text.append(f"- `{head_line}`")
                text += [f"  - `{x}`" for x in lines]
        self.out.write("\n".join(text) + "\n")


class CsvSink(Sink):
    """``--format csv``: a header row, then one row per layer (nested rows carry their path).

    ``depth`` is 1 for a top-level row; a res/cat row has ``is_container`` true and its params
    and MACs are its branches' sums, so a column total counts the rows that are not containers.

    Numbers are plain (no thousands separators), shapes and per-dim fields are x-joined
    (``14x14x32``), notes ``; ``-joined and ``--explain`` lines `` | ``-joined.  A stdin batch
    adds a leading ``line`` column: the input line each row comes from.
    """

    delimiter = ","

    def __init__(self, out: TextIO, err: TextIO, **options: object) -> None:
        super().__init__(out, err, **options)  # type: ignore[arg-type]
        import csv

        self.writer = csv.writer(out, delimiter=self.delimiter, lineterminator="\n")
        self.started = False

    def columns(self) -> list[str]:
        cols = ["line"] if self.batch else []
        cols += ["path", "depth", "is_container", "token", "kind", "output_shape", "params"]
        cols += ["trainable_params"]
        cols += ["non_trainable_params", "macs", "notes"]
        if self.rf:
            cols += ["rf_size", "rf_jump", "rf_start"]
        if self.explain:
            cols.append("explain")
        return cols

    def start(self) -> None:
        if not self.started:
            self.writer.writerow(self.columns())
            self.started = True

    def report(self, report: Report, line: int | None) -> None:
        self.start()
        self._rows(report.layers, line, self.writer)

    def report_stream(self, stream: ReportStream, line: int | None) -> None:
        import csv

        self.start()
        with Spool() as rows:
            writer = csv.writer(rows, delimiter=self.delimiter, lineterminator="\n")
            for top in stream:
                self._rows([top], line, writer)
            rows.copy_to(self.out)

    def _rows(self, layers: list[LayerReport], line: int | None, writer: Any) -> None:
        for path, _, layer in table_rows(layers, self.depth):
            row: list[object] = [line] if self.batch else []
            row += [
                path,
                path.count(".") // 2 + 1,  # 3.2.1: layer 1 of branch 2 of layer 3, depth 2
                "true" if layer.branches is not None else "false",
                layer.token,
                layer.kind,
                "x".join(str(n) for n in layer.output_shape),
                layer.params,
                layer.trainable_params,
                layer.non_trainable_params,
                layer.macs,
                "; ".join(_notes(layer, self.rf)),
            ]
            if self.rf:
                rf = layer.rf
                if isinstance(rf, dict):
                    row += ["x".join(str(v) for v in rf[k]) for k in ("size", "jump", "start")]
                else:
                    row += [rf or "", "", ""]
            if self.explain:
                row.append(" | ".join(layer.explain or []))
            writer.writerow(row)

    def close(self) -> None:
        self.start()
        super().close()


class TsvSink(CsvSink):
    """``--format tsv``: as csv, tab-separated."""

    delimiter = "\t"


COMPACT = (",", ":")  # json.dumps separators of --jsonl, as pydantic writes the results
SCHEMA_VERSION = 1  # of every JSON object convcalc writes, results and errors alike


def _error_object(error: ConvcalcError, spec: str, line: int | None) -> dict[str, object]:
    return {"schema_version": SCHEMA_VERSION, "line": line, "spec": spec, "error": error.to_dict()}


def _drawing(name: str) -> Callable[..., Sink]:
    """A sink of ``convcalc.draw``, imported when it is made: drawings read this module (its
    table rows, totals), so it cannot import them, and tables need not load them."""

    def make(*args: Any, **options: Any) -> Sink:
        from .draw import sinks

        return getattr(sinks, name)(*args, **options)  # type: ignore[no-any-return]

    return make


SINKS: dict[str, Callable[..., Sink]] = {
    "table": TableSink,
    "json": JsonSink,
    "jsonl": JsonlSink,
    "markdown": MarkdownSink,
    "csv": CsvSink,
    "tsv": TsvSink,
    "svg": _drawing("SvgSink"),
    "tikz": _drawing("TikzSink"),
    "html": _drawing("HtmlSink"),
}
"""Output format name → sink class (or factory).  ``--format`` choices are the keys."""
