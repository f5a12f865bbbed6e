"""Values written out: a list of blocks (text, a named grid, worked sums) and one writer per
output format — plain text (piped), rich (a terminal), Markdown, LaTeX and CSV.

The writers are shared by ``convcalc conv`` and ``convcalc eval``; JSON is built by each
command's result (``to_json``) and never goes through here.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from .matrix import Tensor, fmt_value, grid_rows, plain_grid
from .work import Work, latex_text, work_latex, work_text

__all__ = ["FORMATS", "Doc", "write_doc"]


@dataclass(slots=True)
class Doc:
    """What a command shows, in order: ``("heading", text)``, ``("text", text)``,
    ``("grid", name, tensor)`` and ``("work", [Work])`` blocks."""

    blocks: list[tuple] = field(default_factory=list)

    def heading(self, text: str) -> None:
        self.blocks.append(("heading", text))

    def text(self, text: str) -> None:
        self.blocks.append(("text", text))

    def grid(self, name: str, tensor: Tensor) -> None:
        self.blocks.append(("grid", name, tensor))

    def work(self, items: list[Work]) -> None:
        if items:
            self.blocks.append(("work", items))


def _plane_label(c: int, tensor: Tensor) -> str:
    if len(tensor.shape) == 4:
        return f"  filter {c // tensor.shape[1]}, channel {c % tensor.shape[1]}:"
    return f"  channel {c}:" if len(tensor.shape) == 3 else ""


def _shape_text(tensor: Tensor) -> str:
    return "×".join(map(str, tensor.shape))


def render_text(doc: Doc, decimals: int | None, ascii_only: bool = False) -> str:
    minus = "-" if ascii_only else "−"
    lines: list[str] = []
    for block in doc.blocks:
        kind = block[0]
        if kind == "heading":
            lines += ["", block[1]] if lines else [block[1]]
        elif kind == "text":
            lines.append(block[1])
        elif kind == "grid":
            _, name, tensor = block
            lines.append(f"{name} ({_shape_text(tensor)}):")
            for c, plane in enumerate(grid_rows(tensor, decimals, minus)):
                label = _plane_label(c, tensor)
                if label:
                    lines.append(label)
                indent = "    " if label else "  "
                lines += [indent + row for row in plain_grid(plane)]
        elif kind == "work":
            lines += ["  " + work_text(w, decimals, ascii_only=ascii_only) for w in block[1]]
    return "\n".join(lines) + "\n"


def render_rich(doc: Doc, decimals: int | None, out: TextIO) -> None:
    """A terminal: the same text, each grid drawn as a rich table with lines between cells."""
    from rich import box
    from rich.table import Table

    from ..render import write_rich

    items: list[object] = []
    for block in doc.blocks:
        if block[0] == "grid":
            _, name, tensor = block
            items.append(f"{name} ({_shape_text(tensor)}):")
            for c, plane in enumerate(grid_rows(tensor, decimals)):
                label = _plane_label(c, tensor)
                if label:
                    items.append(label)
                table = Table(show_header=False, box=box.SQUARE, padding=(0, 1))
                for _ in plane[0]:
                    table.add_column(justify="right")
                for row in plane:
                    table.add_row(*row)
                items.append(table)
        else:
            if block[0] == "heading" and items:
                items.append("")
            items.append(render_text(Doc([block]), decimals).rstrip("\n"))
    from rich.console import Group
    from rich.text import Text

    write_rich(out, Group(*[Text(i) if isinstance(i, str) else i for i in items]))


def _bmatrix(tensor: Tensor, decimals: int | None) -> str:
    planes = []
    for plane in grid_rows(tensor, decimals, "-"):
        rows = [" & ".join(_latex_cell(c) for c in row) for row in plane]
        planes.append("\\begin{bmatrix} " + " \\\\ ".join(rows) + " \\end{bmatrix}")
    return " , ".join(planes)


def _latex_cell(text: str) -> str:
    if "/" in text:
        sign = "-" if text.startswith("-") else ""
        p, q = text.lstrip("-").split("/")
        return f"{sign}\\frac{{{p}}}{{{q}}}"
    return text


def _latex_grid_name(name: str) -> str:
    from .work import _latex_name

    return _latex_name(name)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|$~])")


def md_text(text: str) -> str:
    """Plain text made inert in Markdown: its punctuation escaped, HTML special characters as
    entities (user tokens such as ``</script>`` stay text)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = "".join(c if c.isprintable() else " " for c in text)
    return _MD_SPECIAL.sub(r"\\\1", text)


def render_markdown(doc: Doc, decimals: int | None) -> str:
    out: list[str] = []
    for block in doc.blocks:
        kind = block[0]
        if kind == "heading":
            out.append(f"### {md_text(block[1])}\n")
        elif kind == "text":
            out.append(md_text(block[1]) + "\n")
        elif kind == "grid":
            _, name, tensor = block
            label = _latex_grid_name(name)
            out.append(f"$$ {label} = {_bmatrix(tensor, decimals)} $$\n")
        elif kind == "work":
            out.append("\n\n".join(f"$${work_latex(w, decimals)}$$" for w in block[1]) + "\n")
    return "\n".join(out)


def render_latex(doc: Doc, decimals: int | None) -> str:
    out: list[str] = []
    for block in doc.blocks:
        kind = block[0]
        if kind == "heading":
            out.append(f"\\paragraph{{{latex_text(block[1])}}}")
        elif kind == "text":
            out.append(latex_text(block[1]) + "\n")
        elif kind == "grid":
            _, name, tensor = block
            out.append(f"\\[ {_latex_grid_name(name)} = {_bmatrix(tensor, decimals)} \\]")
        elif kind == "work":
            out += [f"\\[ {work_latex(w, decimals)} \\]" for w in block[1]]
    return "\n".join(out) + "\n"


def render_csv(doc: Doc, decimals: int | None) -> str:
    """One row per value of every grid: ``quantity,index,value`` (index 0-based, channel
    first, space-separated)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["quantity", "index", "value"])
    for block in doc.blocks:
        if block[0] != "grid":
            continue
        _, name, tensor = block
        dims = tensor.shape
        for j, v in enumerate(tensor.data):
            idx, rest = [], j
            for d in reversed(dims):
                rest, r = divmod(rest, d)
                idx.append(r)
            writer.writerow(
                [name, " ".join(map(str, reversed(idx))), fmt_value(v, decimals, minus="-")]
            )
    return buf.getvalue()


FORMATS: dict[str, Callable[[Doc, int | None], str]] = {
    "markdown": render_markdown,
    "latex": render_latex,
    "csv": render_csv,
}
"""``--format`` name → writer (the table format is :func:`write_doc`'s own)."""


def write_doc(doc: Doc, fmt: str, decimals: int | None, out: TextIO, ascii_only: bool) -> None:
    """Write ``doc`` in ``fmt``: the table view is rich at a terminal, plain text when piped."""
    if fmt == "table":
        if out.isatty() and not ascii_only:
            render_rich(doc, decimals, out)
        else:
            out.write(render_text(doc, decimals, ascii_only))
    else:
        out.write(FORMATS[fmt](doc, decimals))
