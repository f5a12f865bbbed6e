"""Markdown, CSV and TSV: the table as a document another program reads."""

from __future__ import annotations

from typing import Any, TextIO

from ..engine import LayerReport, Report, ReportStream
from ..errors import escape_text
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
        text.append("| " + " | ".join(["", "input", shape_text(report.input_shape), *blank]) + " |")
        rows = table_rows(report.layers, self.depth)
        for path, _, layer in rows:
            cells = [
                path,
                f"`{row_label(layer)}`",
                shape_text(layer.output_shape),
                f"{layer.params:,}",
                f"{layer.macs:,}",
            ]
            if self.rf:
                cells.extend(rf_cells(layer))
            cells.append("; ".join(row_notes(layer, self.rf)))
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
                "; ".join(row_notes(layer, self.rf)),
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
