"""A :class:`~convcalc.draw.layout.Layout` → a TikZ ``tikzpicture`` (the same picture as the SVG).

One layout unit is 0.02 cm (y pointing down, as in SVG), so the coordinates are the SVG's.  The
picture needs only ``\\usepackage{tikz}``.  Every piece of user text is escaped for LaTeX: the
ten special characters (``\\ { } # $ % & _ ^ ~``, and ``" < > |``) become ``{\\char92}``-style slots
of the typewriter font (which holds every ASCII character where ASCII puts it), the symbols of
shapes (``×``, ``·``) math, and any other non-ASCII character ``?``, so no text can run a
command or break the picture.
"""

from __future__ import annotations

from .layout import Box, Frame, Label, Layout, Line, Node, Swatch
from .palette import FILLS, faces, mono

__all__ = ["latex_text", "tikz"]

_LATEX = {ch: f"{{\\char{ord(ch)}}}" for ch in '\\{}#$%&_^~"<>|'}
"""The characters TeX treats specially (and those OT1 fonts misplace) → their slot in the
typewriter font, which has every ASCII character where ASCII puts it."""
_LATEX.update(
    {
        "×": r"\ensuremath{\times}",
        "·": r"\ensuremath{\cdot}",
        "−": "-",
        "…": "...",
    }
)


def latex_text(text: str) -> str:
    """Escape text for LaTeX (in ``\\ttfamily``): safe inside a node, a comment or an argument."""
    out = []
    for ch in text:
        if ch in _LATEX:
            out.append(_LATEX[ch])
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            out.append("?")
    return "".join(out)


def _n(v: float) -> str:
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _pt(p: tuple[float, float]) -> str:
    return f"({_n(p[0])},{_n(p[1])})"


def _rgb(colour: str) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"{{rgb,255:red,{r};green,{g};blue,{b}}}"


def _path(points: tuple[tuple[float, float], ...]) -> str:
    return " -- ".join(_pt(p) for p in points)


def _size(size: float) -> str:
    if size >= 14:
        return r"\normalsize"
    return r"\scriptsize" if size >= 11 else r"\tiny"


def _box(b: Box, bw: bool) -> list[str]:
    front, top, side = faces(b.family, bw)
    x, y, w, h, d = b.x, b.y, b.w, b.h, b.d
    out = [rf"\filldraw[fill={_rgb(front)}, edge] {_pt((x, y))} rectangle {_pt((x + w, y + h))};"]
    if d:
        up = 0.8 * d
        top_face = ((x, y), (x + d, y - up), (x + w + d, y - up), (x + w, y))
        side_face = ((x + w, y), (x + w + d, y - up), (x + w + d, y + h - up), (x + w, y + h))
        out.append(rf"\filldraw[fill={_rgb(top)}, edge] {_path(top_face)} -- cycle;")
        out.append(rf"\filldraw[fill={_rgb(side)}, edge] {_path(side_face)} -- cycle;")
    return out


def _node(n: Node) -> list[str]:
    x, y, r = n.x, n.y, n.r
    k = r * 0.55
    if n.op == "add":
        strokes = [((x - k, y), (x + k, y)), ((x, y - k), (x, y + k))]
    elif n.op == "mul":
        q = k * 0.75
        strokes = [((x - q, y - q), (x + q, y + q)), ((x - q, y + q), (x + q, y - q))]
    else:
        g = k * 0.4
        strokes = [((x - k, y), (x + k, y)), ((x - g, y - k), (x - g, y + k))]
        strokes.append(((x + g, y - k), (x + g, y + k)))
    out = [rf"\filldraw[fill=white, edge] {_pt((x, y))} circle[radius={_n(r)}];"]
    out += [rf"\draw[edge] {_pt(a)} -- {_pt(b)};" for a, b in strokes]
    return out


_ANCHOR = {"start": "base west", "middle": "base", "end": "base east"}


def tikz(picture: Layout) -> str:
    """The ``tikzpicture`` of one layout."""
    bw = mono()
    lines, shapes, texts = [], [], []
    for item in picture.items:
        if isinstance(item, Line):
            tip = ", ->" if item.head else ""
            lines.append(rf"\draw[link{tip}] {_path(item.points)};")
        elif isinstance(item, Box):
            shapes += _box(item, bw)
        elif isinstance(item, Node):
            shapes += _node(item)
        elif isinstance(item, Frame):
            corner = (item.x + item.w, item.y + item.h)
            lines.append(rf"\draw[frame] {_pt((item.x, item.y))} rectangle {_pt(corner)};")
        elif isinstance(item, Swatch):
            fill = "white" if bw else _rgb(FILLS.get(item.family, FILLS["other"]))
            corner = (item.x + item.size, item.y + item.size)
            shapes.append(
                rf"\filldraw[fill={fill}, edge] {_pt((item.x, item.y))} rectangle {_pt(corner)};"
            )
        elif isinstance(item, Label):
            font = r"\ttfamily" + _size(item.size) + (r"\bfseries" if item.bold else "")
            texts.append(
                rf"\node[anchor={_ANCHOR[item.anchor]}, inner sep=0pt, font={font}] at "
                rf"{_pt((item.x, item.y))} {{{latex_text(item.text)}}};"
            )
    grey = "black" if bw else "black!75"
    head = [
        f"% convcalc --format tikz: {latex_text(picture.description)}",
        r"% needs \usepackage{tikz} in the preamble",
        r"\begin{tikzpicture}[x=0.02cm, y=-0.02cm, >=stealth, line join=round,",
        f"  link/.style={{draw={grey}, line width=0.6pt}},",
        "  edge/.style={draw=black!90, line width=0.4pt},",
        f"  frame/.style={{draw={grey}, dashed, rounded corners=3pt}}]",
        rf"\path {_pt((0, 0))} rectangle {_pt((picture.width, picture.height))};",
    ]
    return "\n".join([*head, *lines, *shapes, *texts, r"\end{tikzpicture}"]) + "\n"
