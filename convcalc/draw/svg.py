"""A :class:`~convcalc.draw.layout.Layout` → one standalone SVG document.

No external fonts, scripts or links: the text asks for a monospace font the system has, the
colours are inline, and a ``prefers-color-scheme: dark`` rule recolours the background, lines
and text.  Every piece of user text (title, tokens, the spec) is XML-escaped.
"""

from __future__ import annotations

from .layout import Box, Frame, Label, Layout, Line, Node, Swatch
from .palette import FILLS, faces, mono

__all__ = ["FONT", "svg", "xml_text"]

FONT = "'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace"

_STYLE = """\
.bg{fill:#ffffff}
text{fill:#1a1a1a}
.ln{fill:none;stroke:#4a4a4a;stroke-width:1.2}
.hd{fill:#4a4a4a}
.edge{stroke:#202020;stroke-width:.8;stroke-linejoin:round}
.frame{fill:none;stroke:#7a7a7a;stroke-dasharray:4 3}
.node{fill:#ffffff;stroke:#202020;stroke-width:1.2}
.sym{stroke:#202020;stroke-width:1.4}
.shape,.extra,.note{font-size:10px}
"""
_DARK = """\
@media (prefers-color-scheme: dark){
.bg{fill:#1b1d21}
text{fill:#e6e6e6}
.ln{stroke:#c8c8c8}
.hd{fill:#c8c8c8}
.frame{stroke:#9a9a9a}
.node{fill:#1b1d21;stroke:#e6e6e6}
.sym{stroke:#e6e6e6}
}
"""
_MONO = """\
.bg{fill:#ffffff}
text{fill:#000000}
.ln{fill:none;stroke:#000000;stroke-width:1.2}
.hd{fill:#000000}
.edge{stroke:#000000;stroke-width:.8;stroke-linejoin:round}
.frame{fill:none;stroke:#000000;stroke-dasharray:4 3}
.node{fill:#ffffff;stroke:#000000;stroke-width:1.2}
.sym{stroke:#000000;stroke-width:1.4}
"""


def xml_text(text: str) -> str:
    """Escape text for an XML (or HTML) text node or a quoted attribute."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def _n(v: float) -> str:
    """A coordinate: at most one decimal, no trailing zeros."""
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _points(points: tuple[tuple[float, float], ...]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in points)


def _box(b: Box, bw: bool) -> str:
    front, top, side = faces(b.family, bw)
    x, y, w, h, d = b.x, b.y, b.w, b.h, b.d
    out = [
        f'<rect class="edge" x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" '
        f'fill="{front}"/>'
    ]
    if d:
        up = 0.8 * d
        top_face = ((x, y), (x + d, y - up), (x + w + d, y - up), (x + w, y))
        side_face = ((x + w, y), (x + w + d, y - up), (x + w + d, y + h - up), (x + w, y + h))
        out.append(f'<polygon class="edge" points="{_points(top_face)}" fill="{top}"/>')
        out.append(f'<polygon class="edge" points="{_points(side_face)}" fill="{side}"/>')
    return "".join(out)


def _node(n: Node) -> str:
    x, y, r = n.x, n.y, n.r
    k = r * 0.55
    if n.op == "add":  # ⊕
        strokes = [((x - k, y), (x + k, y)), ((x, y - k), (x, y + k))]
    elif n.op == "mul":  # ⊗
        q = k * 0.75
        strokes = [((x - q, y - q), (x + q, y + q)), ((x - q, y + q), (x + q, y - q))]
    else:  # ⧺ concatenate: two bars crossed by one
        g = k * 0.4
        strokes = [((x - k, y), (x + k, y)), ((x - g, y - k), (x - g, y + k))]
        strokes.append(((x + g, y - k), (x + g, y + k)))
    names = {"add": "add (⊕)", "mul": "multiply (⊗)", "cat": "concatenate (⧺)"}
    parts = [
        f"<g><title>{names.get(n.op, n.op)}</title>",
        f'<circle class="node" cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}"/>',
    ]
    for (x1, y1), (x2, y2) in strokes:
        parts.append(f'<line class="sym" x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}"/>')
    parts.append("</g>")
    return "".join(parts)


def _label(t: Label) -> str:
    attrs = f'x="{_n(t.x)}" y="{_n(t.y)}" class="{t.role}" font-size="{_n(t.size)}"'
    if t.anchor != "start":
        attrs += f' text-anchor="{t.anchor}"'
    if t.bold:
        attrs += ' font-weight="bold"'
    return f"<text {attrs}>{xml_text(t.text)}</text>"


def svg(pictures: list[Layout], *, standalone: bool = True) -> str:
    """The SVG of one picture, or of several stacked top to bottom (a stdin batch).

    ``standalone`` adds the XML declaration (off for an SVG inlined in HTML).
    """
    bw = mono()
    width = max(p.width for p in pictures)
    height = sum(p.height for p in pictures)
    title = " / ".join(p.title or p.description for p in pictures)
    desc = " / ".join(p.description for p in pictures)
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n'] if standalone else []
    out.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" height="{_n(height)}" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" role="img" '
        f'font-family="{xml_text(FONT)}">\n'
    )
    out.append(f"<title>{xml_text(title)}</title>\n<desc>{xml_text(desc)}</desc>\n")
    out.append("<style>\n" + (_MONO if bw else _STYLE + _DARK) + "</style>\n")
    out.append(
        '<defs><marker id="cc-head" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="8" '
        'markerHeight="8" markerUnits="userSpaceOnUse" orient="auto">'
        '<path class="hd" d="M0,0.5 L8,4 L0,7.5 z"/></marker></defs>\n'
    )
    out.append(f'<rect class="bg" x="0" y="0" width="{_n(width)}" height="{_n(height)}"/>\n')
    top = 0.0
    for picture in pictures:
        out.append(f'<g transform="translate(0 {_n(top)})">\n' if top else "<g>\n")
        out.extend(_items(picture, bw))
        out.append("</g>\n")
        top += picture.height
    out.append("</svg>\n")
    return "".join(out)


def _items(picture: Layout, bw: bool) -> list[str]:
    lines, shapes, texts = [], [], []
    for item in picture.items:
        if isinstance(item, Line):
            head = ' marker-end="url(#cc-head)"' if item.head else ""
            lines.append(f'<polyline class="ln" points="{_points(item.points)}"{head}/>\n')
        elif isinstance(item, Box):
            shapes.append(_box(item, bw) + "\n")
        elif isinstance(item, Node):
            shapes.append(_node(item) + "\n")
        elif isinstance(item, Frame):
            lines.append(
                f'<rect class="frame" x="{_n(item.x)}" y="{_n(item.y)}" width="{_n(item.w)}" '
                f'height="{_n(item.h)}" rx="6"/>\n'
            )
        elif isinstance(item, Swatch):
            fill = FILLS.get(item.family, FILLS["other"]) if not bw else "#ffffff"
            shapes.append(
                f'<rect class="edge" x="{_n(item.x)}" y="{_n(item.y)}" width="{_n(item.size)}" '
                f'height="{_n(item.size)}" fill="{fill}"/>\n'
            )
        else:
            texts.append(_label(item) + "\n")
    return [*lines, *shapes, *texts]
