"""Renderers: stage three.  Each output format is one :class:`Sink` class in :data:`SINKS`.

A sink receives reports (and errors) one spec at a time, so a stdin batch streams.  Machine
formats (JSON, JSON Lines) are written with plain writes, never through rich; rich is imported
only by the table sink, and only when it prints.
"""

from __future__ import annotations

import io
import json
from typing import TextIO

from .engine import LayerReport, Report
from .errors import ConvcalcError

__all__ = ["SINKS", "Sink", "human", "human_bytes", "table_rows"]


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


def write_rich(out: TextIO, *renderables: object, width: int | None = None) -> None:
    """Print rich renderables; piped, at natural width with line-end padding stripped.

    Rich assumes 80 columns when stdout is not a terminal and would cut wide cells (``colu…``).
    """
    from rich.console import Console

    if out.isatty() and width is None:
        Console(file=out, highlight=False).print(*renderables)
        return
    buf = io.StringIO()
    Console(file=buf, width=width or 10_000, highlight=False, soft_wrap=False).print(*renderables)
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
        macs=sum(x.macs for x in branch),
        notes=[],
        layer=None,
        branches=None,
    )


def _label(layer: LayerReport) -> str:
    if layer.branches is not None:
        n = len(layer.branches)
        return f"{layer.kind} ({n} branch{'es' if n != 1 else ''})"
    return layer.token


class Sink:
    """Receives each spec's result in input order; ``close`` ends the stream."""

    def __init__(self, out: TextIO, err: TextIO, *, batch: bool, depth: int | None = None) -> None:
        self.out = out
        self.err = err
        self.batch = batch
        self.depth = depth

    def report(self, report: Report, line: int | None) -> None:  # pragma: no cover
        raise NotImplementedError

    def error(self, error: ConvcalcError, spec: str, line: int | None) -> None:
        where = f"line {line}: " if line is not None else ""
        self.err.write(f"convcalc: error: {where}{error.render(spec)}\n")

    def close(self) -> None:
        self.out.flush()


class TableSink(Sink):
    """The default: a rich table per spec, with torchinfo-like totals under it."""

    def __init__(
        self,
        out: TextIO,
        err: TextIO,
        *,
        batch: bool,
        depth: int | None = None,
        width: int | None = None,
    ) -> None:
        super().__init__(out, err, batch=batch, depth=depth)
        from rich.console import Console

        # Piped, rich would assume 80 columns and cut cells: render at natural width into a
        # buffer instead, and strip the cell padding from line ends before writing.
        self.tty = out.isatty() and width is None
        self.buffer = None if self.tty else io.StringIO()
        self.console = Console(
            file=out if self.tty else self.buffer,
            width=width or (None if self.tty else 10_000),
            highlight=False,
            soft_wrap=False,
        )
        self.first = True

    def report(self, report: Report, line: int | None) -> None:
        from rich import box
        from rich.table import Table
        from rich.text import Text

        console = self.console
        if self.batch:
            if not self.first:
                console.print()
            head = f"line {line}: " if line is not None else ""
            console.print(Text(head + report.spec, style="bold"))
        self.first = False
        rows = table_rows(report.layers, self.depth, branch_headers=True)
        has_notes = any(layer.notes for _, _, layer in rows)
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
        table.add_column("#", justify="right", style="dim")
        table.add_column("Layer")
        table.add_column("Output shape")
        table.add_column("Params", justify="right")
        table.add_column("MACs", justify="right")
        if has_notes:
            table.add_column("Notes", style="dim")
        table.add_row("", "input", _shape(report.input_shape), "", "", *([""] if has_notes else []))
        for path, lead, layer in rows:
            cells = [
                path,
                Text(lead + _label(layer)),
                _shape(layer.output_shape),
                f"{layer.params:,}",
                f"{layer.macs:,}",
            ]
            if has_notes:
                cells.append(Text("; ".join(layer.notes)))
            table.add_row(*cells)
        console.print(table)
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
        console.print(Text("\n".join(lines)))
        for warning in report.warnings:
            console.print(Text("warning: " + warning, style="yellow"))
        if self.buffer is not None:
            text = self.buffer.getvalue()
            self.buffer.seek(0)
            self.buffer.truncate()
            self.out.write("\n".join(line.rstrip() for line in text.split("\n")))

    def close(self) -> None:
        self.out.flush()


class JsonSink(Sink):
    """``--json``: one indented object; a batch becomes a JSON array in input order."""

    def __init__(self, out: TextIO, err: TextIO, *, batch: bool, depth: int | None = None) -> None:
        super().__init__(out, err, batch=batch, depth=depth)
        self.count = 0

    def _item(self, text: str) -> None:
        if self.batch:
            self.out.write(("[\n" if self.count == 0 else ",\n") + text)
        else:
            self.out.write(text + "\n")
        self.count += 1

    def report(self, report: Report, line: int | None) -> None:
        self._item(report.model_dump_json(exclude_none=True, indent=2))

    def error(self, error: ConvcalcError, spec: str, line: int | None) -> None:
        if self.batch:
            super().error(error, spec, line)
            self._item(json.dumps(_error_object(error, spec, line), ensure_ascii=False, indent=2))
        else:
            self.err.write(json.dumps({"error": error.to_dict()}, ensure_ascii=False) + "\n")

    def close(self) -> None:
        if self.batch:
            self.out.write("[]\n" if self.count == 0 else "\n]\n")
        self.out.flush()


class JsonlSink(Sink):
    """``--jsonl``: one compact object per line; a bad line keeps its place as an error object."""

    def report(self, report: Report, line: int | None) -> None:
        self.out.write(report.model_dump_json(exclude_none=True) + "\n")

    def error(self, error: ConvcalcError, spec: str, line: int | None) -> None:
        super().error(error, spec, line)
        self.out.write(json.dumps(_error_object(error, spec, line), ensure_ascii=False) + "\n")


def _error_object(error: ConvcalcError, spec: str, line: int | None) -> dict[str, object]:
    return {"schema_version": 1, "line": line, "spec": spec, "error": error.to_dict()}


SINKS: dict[str, type[Sink]] = {
    "table": TableSink,
    "json": JsonSink,
    "jsonl": JsonlSink,
}
"""Output format name → sink class.  ``--format`` choices are the keys."""
