"""The table format: rich's table at a terminal, the same text written plainly when piped."""

from __future__ import annotations

import io
import os
from typing import TextIO

from ..engine import LayerReport, Report, ReportStream
from ..errors import display_width, escape_text
from .cells import (
    explain_blocks,
    rf_cells,
    row_label,
    row_notes,
    shape_text,
    table_rows,
    total_lines,
)
from .streams import Sink, Spool


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
        notes = [row_notes(layer, self.rf) for _, _, layer in rows]
        has_notes = any(notes)
        columns = self._columns(has_notes)
        blank = [""] * (3 * self.rf + has_notes)
        cells = [["", "input", shape_text(report.input_shape), "", "", *blank]]
        for (path, lead, layer), note in zip(rows, notes):
            row = self._cells(path, lead, layer)
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

    def _cells(self, path: str, lead: str, layer: LayerReport) -> list[str]:
        """A row's cells before its notes: the path, the label, shape, params, MACs, RF."""
        row = [
            path,
            lead + row_label(layer),
            shape_text(layer.output_shape),
            f"{layer.params:,}",
            f"{layer.macs:,}",
        ]
        if self.rf:
            row.extend(rf_cells(layer))
        return row

    def report_stream(self, stream: ReportStream, line: int | None) -> None:
        """Each row's cells and --explain lines go to a spool as the row comes, and only
        the column widths stay in memory (a terminal gets the same text, styled)."""
        if self.rich:
            return super().report_stream(stream, line)
        n = 6 + 3 * self.rf  # cells of a row, the notes last
        input_row = ["", "input", shape_text(stream.input_shape), "", "", *[""] * (n - 5)]
        widths = [display_width(c) for c in input_row]
        has_notes = False
        with Spool() as cells, Spool() as work:
            for top in stream:
                for path, lead, layer in table_rows([top], self.depth, branch_headers=True):
                    row = self._cells(path, lead, layer)
                    row.append("; ".join(row_notes(layer, self.rf)))
                    has_notes = has_notes or bool(row[-1])
                    for i, cell in enumerate(row):
                        w = display_width(cell)
                        if w > widths[i]:
                            widths[i] = w
                    cells.write("\x00".join(row) + "\n")  # cells hold no NUL nor newline
                    if layer.explain:
                        head = f"{path} {row_label(layer)}\n"
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
