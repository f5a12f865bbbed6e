"""One standalone, offline HTML page: per spec the table, the diagram (inline SVG) and, with
``--explain``, the worked arithmetic.  No scripts, no external fonts or style sheets; every
piece of user text is HTML-escaped."""

from __future__ import annotations

from ..engine import Report
from ..render.cells import explain_blocks, row_label, table_rows, total_lines
from .layout import Layout, printable
from .svg import FONT, svg, xml_text

__all__ = ["page"]

_CSS = f"""\
body{{font-family:{FONT};margin:1.5rem;color:#1a1a1a;background:#ffffff}}
h1{{font-size:1.3rem}} h2{{font-size:1rem;font-weight:normal}}
table{{border-collapse:collapse;margin:1rem 0}}
th,td{{padding:.15rem .8rem;border-bottom:1px solid #ccc;text-align:left;white-space:pre}}
td.n,th.n{{text-align:right}}
figure{{margin:1rem 0;overflow-x:auto}} figure svg{{max-width:none}}
pre{{background:#f3f3f3;padding:.6rem;overflow-x:auto}}
@media (prefers-color-scheme: dark){{
body{{color:#e6e6e6;background:#1b1d21}} th,td{{border-color:#444}} pre{{background:#26292e}}
}}
"""


def _table(report: Report, depth: int | None) -> list[str]:
    head = ["#", "Layer", "Output shape", "Params", "MACs", "Notes"]
    numeric = {"Params", "MACs"}
    out = ["<table>", "<thead><tr>"]
    out += [f"<th{' class=n' if h in numeric else ''}>{h}</th>" for h in head]
    out.append("</tr></thead><tbody>")
    shape = "×".join(str(n) for n in report.input_shape)
    out.append(f"<tr><td></td><td>input</td><td>{shape}</td><td></td><td></td><td></td></tr>")
    for path, lead, layer in table_rows(report.layers, depth, branch_headers=True):
        cells = [
            path,
            lead + row_label(layer),
            "×".join(str(n) for n in layer.output_shape),
            f"{layer.params:,}",
            f"{layer.macs:,}",
            "; ".join(layer.notes),
        ]
        out.append(
            "<tr>"
            + "".join(
                f"<td{' class=n' if h in numeric else ''}>{xml_text(printable(c))}</td>"
                for h, c in zip(head, cells)
            )
            + "</tr>"
        )
    out.append("</tbody></table>")
    return out


def page(
    pictures: list[tuple[Report, Layout, int | None]],
    *,
    depth: int | None = None,
    title: str | None = None,
) -> str:
    """The page for the reports of one run (several under one heading in a stdin batch)."""
    heading = printable(title) if title else "convcalc"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light dark">',
        f"<title>{xml_text(heading)}</title>",
        f"<style>\n{_CSS}</style>",
        "</head><body>",
        f"<h1>{xml_text(heading)}</h1>",
    ]
    for report, picture, line in pictures:
        where = f"line {line}: " if line is not None else ""
        out.append("<section>")
        out.append(f"<h2>{xml_text(where + printable(report.spec))}</h2>")
        out.append("<figure>" + svg([picture], standalone=False) + "</figure>")
        out += _table(report, depth)
        lines = total_lines(report) + [f"warning: {w}" for w in report.warnings]
        out.append("<pre>" + xml_text(_lines(lines)) + "</pre>")
        work = explain_blocks(table_rows(report.layers, depth))
        if work:
            out.append("<h2>Working</h2>")
            text = "\n".join(
                head + "\n" + "".join(f"    {x}\n" for x in lines) for head, lines in work
            )
            out.append("<pre>" + xml_text(_lines(text.split("\n"))) + "</pre>")
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _lines(lines: list[str]) -> str:
    return "\n".join(printable(x) for x in lines)
