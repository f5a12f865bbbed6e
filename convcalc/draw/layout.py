"""A report → a picture's layout: boxes, lines, labels and merge nodes with coordinates.

The layout is computed once from the :class:`~convcalc.engine.Report`; ``svg.py`` and
``tikz.py`` only write its primitives out, so both formats draw the same picture.

The picture reads left to right, in the "LeNet style": each feature map is a 3-D box whose
height grows with log H and whose thickness grows with log C (the receding edge with log W);
a vector is a thin bar.  Between two maps, an arrow carries the layer's token; element-wise
layers (``bn relu``, any layer whose registry ``FAMILY`` is ``elementwise``) fold into that
arrow's label.  A run of identical layers or blocks (same tokens, same shapes) folds into one
copy in a dashed frame marked ``×N``.  Branches (``res``, ``cat``, and any other structure the
report nests) are lanes stacked top to bottom between a fork and a merge node (⊕ add, ⧺
concatenate, ⊗ multiply).

Coordinates are SVG user units (y grows downwards).  Text widths are estimated for a monospace
font (DejaVu Sans Mono: 0.602 em a character); the estimate is generous, and the browser tests
measure the real boxes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from math import log2
from typing import Literal, Union

from ..engine import LayerReport, Report
from ..errors import display_width
from ..fmt import fmt_shape
from ..render import human

__all__ = [
    "FAMILIES",
    "Box",
    "Frame",
    "Label",
    "Layout",
    "Line",
    "Node",
    "layout",
    "printable",
    "text_width",
]

CHAR = 0.62  # em per character, a little over DejaVu Sans Mono's 0.602
ASCENT, DESCENT = 0.95, 0.3  # of the font size, around the baseline (generous)
OP_SIZE, SHAPE_SIZE, EXTRA_SIZE, TITLE_SIZE, LEGEND_SIZE = 11, 10, 10, 16, 11
MARGIN = 16
LANE_GAP = 14
MAX_PERIOD = 16  # the longest block (in rows) that repeat folding looks for
WRAP = 1400.0  # a longer network continues on a new row
ROW_GAP = 26.0

#: the families a box can be coloured by, in the legend's order
FAMILIES = ("input", "conv", "pool", "dense", "up", "other")

MERGE = {"res": "add", "cat": "cat", "split": "cat", "mul": "mul"}
"""How each kind of branch row merges its lanes (a kind not here, like ``aux``, does not)."""


@dataclass(frozen=True, slots=True)
class Box:
    """A feature map (``vector`` False: a 3-D box) or a vector (a flat bar).

    ``x, y`` is the front face's top-left corner, ``w`` its width (the channels), ``h`` its
    height; the top and side faces recede by ``d`` to the right and ``0.8·d`` upwards.
    """

    x: float
    y: float
    w: float
    h: float
    d: float
    family: str
    vector: bool = False


@dataclass(frozen=True, slots=True)
class Line:
    """A polyline; ``head`` puts an arrowhead on its last point."""

    points: tuple[tuple[float, float], ...]
    head: bool = False


@dataclass(frozen=True, slots=True)
class Label:
    """A line of text: ``x`` is its anchor point (start, middle or end), ``y`` its baseline."""

    x: float
    y: float
    text: str
    size: float
    anchor: Literal["start", "middle", "end"] = "middle"
    role: str = "op"  # op, extra, shape, repeat, title, legend, note
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Node:
    """A merge node: a circle at ``x, y`` holding ⊕ (``add``), ⧺ (``cat``) or ⊗ (``mul``)."""

    x: float
    y: float
    r: float
    op: str


@dataclass(frozen=True, slots=True)
class Frame:
    """The dashed frame around a folded repeat."""

    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True, slots=True)
class Swatch:
    """A legend square of a family's colour."""

    x: float
    y: float
    size: float
    family: str


Item = Union[Box, Line, Label, Node, Frame, Swatch]


@dataclass
class Layout:
    """A whole picture: its size and its primitives (drawn lines first, then shapes, then text)."""

    width: float
    height: float
    items: list[Item]
    title: str
    description: str


def text_width(text: str, size: float) -> float:
    """The estimated advance width of ``text`` in the monospace font at ``size``."""
    return display_width(text) * CHAR * size


def printable(text: str) -> str:
    """User text as one line: control and other unprintable characters become spaces."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else " " for c in text)


def _moved(item: Item, dx: float, dy: float) -> Item:
    if isinstance(item, Line):
        return Line(tuple((x + dx, y + dy) for x, y in item.points), item.head)
    return replace(item, x=item.x + dx, y=item.y + dy)  # type: ignore[type-var]


@dataclass
class _Block:
    """A laid-out piece: ``width`` wide, ``above``/``below`` its centre line (y = 0), which
    every block enters at x = 0 and leaves at x = width. Its line out is drawn as far as
    ``reach`` (a shape label can be wider than its box); what follows draws the rest, so a
    lane or a network that ends there has no stub dangling."""

    width: float = 0.0
    above: float = 0.0
    below: float = 0.0
    items: list[Item] = field(default_factory=list)
    reach: float | None = None  # None: the whole width

    @property
    def end(self) -> float:
        """Where the line out of this block stops."""
        return self.width if self.reach is None else self.reach

    def put(self, other: _Block, dx: float, dy: float = 0.0) -> None:
        self.items.extend(_moved(i, dx, dy) for i in other.items)
        self.above = max(self.above, other.above - dy)
        self.below = max(self.below, other.below + dy)

    def then(self, other: _Block) -> None:
        """Append ``other`` to the right, on the same centre line."""
        if self.end < self.width:
            self.items.append(Line(((self.end, 0.0), (self.width, 0.0))))
        self.put(other, self.width)
        self.reach = None if other.reach is None else self.width + other.reach
        self.width += other.width


# --------------------------------------------------------------------------------------------
# what is drawn: a tree of steps, branches and repeats built from the report's rows


@dataclass
class _Step:
    """An arrow (the layer's token, then folded element-wise tokens) into the map it makes."""

    main: str
    extras: list[str]
    shape: list[int]
    family: str
    dashed: bool = False


@dataclass
class _Branch:
    kind: str
    lanes: list[list[_Part]]
    after: _Step  # the arrow out of the merge node (folded element-wise layers) and the result


@dataclass
class _Repeat:
    count: int
    parts: list[_Part]


_Part = Union[_Step, _Branch, _Repeat]


def _family(row: LayerReport) -> str:
    return getattr(type(row.layer), "FAMILY", "other") if row.layer is not None else "other"


def _signature(row: LayerReport) -> tuple[str, tuple[int, ...]]:
    return row.token, tuple(row.output_shape)


def _runs(rows: list[LayerReport]) -> list[tuple[int, list[LayerReport]]]:
    """Split rows into (count, block) runs: the same block of rows ``count`` times in a row.

    At each position the longest stretch covered by whole copies wins (the shortest block on
    a tie), so ``(conv relu)*3`` is one run of 3 and ``conv*100`` one run of 100.
    """
    sigs = [_signature(r) for r in rows]
    out: list[tuple[int, list[LayerReport]]] = []
    i, n = 0, len(rows)
    while i < n:
        best_k, best_count = 1, 1
        # a folded block never starts with a folded-away row (``relu``), so a res block's
        # repeats read ``res relu`` and not ``relu res``
        periods = (
            range(1, min(MAX_PERIOD, (n - i) // 2) + 1)
            if _family(rows[i])
            not in (
                "elementwise",
                "identity",
            )
            else range(0)
        )
        for k in periods:
            count = 1
            while (
                i + (count + 1) * k <= n
                and sigs[i + count * k : i + (count + 1) * k] == sigs[i : i + k]
            ):
                count += 1
            if count > 1 and count * k > best_count * best_k:
                best_k, best_count = k, count
        out.append((best_count, rows[i : i + best_k]))
        i += best_k * best_count
    return out


def _plan(rows: list[LayerReport], depth: int | None, level: int) -> list[_Part]:
    """The parts of one sequence of rows (``level`` 1 is the top, as ``--depth`` counts)."""
    parts: list[_Part] = []
    for count, block in _runs(rows):
        if count > 1:
            parts.append(_Repeat(count, _plan(block, depth, level)))
            continue
        row = block[0]
        family = _family(row)
        if row.branches is not None:
            if depth is not None and level >= depth:
                n = len(row.branches)
                label = f"{row.kind} ({n} branch{'es' if n != 1 else ''})"
                parts.append(_Step(label, [], row.output_shape, "other", dashed=True))
            else:
                lanes = [_plan(b, depth, level + 1) for b in row.branches]
                if row.kind in ("res", "mul") and len(lanes) == 1:
                    lanes.append([])  # the skip: x itself
                if row.kind == "aux":
                    lanes.insert(0, [])  # x passes by the side head unchanged
                after = _Step("", [], row.output_shape, "other")
                parts.append(_Branch(row.kind, lanes, after))
        elif family == "identity":
            continue
        elif family == "elementwise":
            last = parts[-1] if parts else None
            if isinstance(last, _Branch):
                last = last.after
            if isinstance(last, _Step) and last.shape == row.output_shape:
                last.extras.append(row.token)
            else:
                parts.append(_Step("", [row.token], row.output_shape, "other"))
        else:
            parts.append(_Step(row.token, [], row.output_shape, family))
    return parts


# --------------------------------------------------------------------------------------------
# geometry


def _scale(n: int, per_doubling: float, base: float, cap: float) -> float:
    return min(cap, base + per_doubling * log2(max(n, 1)))


def _box_size(shape: list[int], channels_first: bool) -> tuple[float, float, float, bool]:
    """(thickness, height, receding depth, is a vector) of the box for a shape."""
    if len(shape) == 1:
        return 6.0, _scale(shape[0], 7, 10, 150), 0.0, True
    if channels_first:
        channels, spatial = shape[0], shape[1:]
    else:
        channels, spatial = shape[-1], shape[:-1]
    height = _scale(spatial[-2] if len(spatial) >= 2 else spatial[0], 11, 10, 150)
    depth = 0.4 * _scale(spatial[-1], 11, 10, 150) if len(spatial) >= 2 else 4.0
    return _scale(channels, 4.5, 3, 56), height, depth, False


def _text_block(label: Label) -> tuple[float, float]:
    """(top, bottom) of a label's glyph box."""
    return label.y - ASCENT * label.size, label.y + DESCENT * label.size


def _tensor(shape: list[int], family: str, cf: bool, x: float) -> tuple[_Block, float]:
    """A box with its shape label under it, in a column starting at ``x``; returns the block
    (width = the column's right edge) and the box's left edge."""
    w, h, d, vector = _box_size(shape, cf)
    text = fmt_shape(tuple(shape))
    col = max(w + d, text_width(text, SHAPE_SIZE)) + 10
    left = x + (col - w - d) / 2
    block = _Block(width=x + col)
    block.items.append(Box(left, -h / 2, w, h, d, family, vector))
    shape_label = Label(
        x + col / 2, h / 2 + 4 + ASCENT * SHAPE_SIZE, text, SHAPE_SIZE, role="shape"
    )
    block.items.append(shape_label)
    block.above = h / 2 + 0.8 * d + 2
    block.below = _text_block(shape_label)[1] + 2
    block.reach = left + w
    return block, left


def _step(step: _Step, cf: bool) -> _Block:
    step.main = printable(step.main)
    step.extras = [printable(t) for t in step.extras]
    lines = [t for t in (step.main, " ".join(step.extras)) if t]
    arrow = max(30.0, *(text_width(t, OP_SIZE) + 14 for t in lines)) if lines else 30.0
    block, left = _tensor(step.shape, step.family, cf, arrow)
    block.items.insert(0, Line(((0.0, 0.0), (left, 0.0)), head=True))
    if step.main:
        main = Label(arrow / 2, -5, step.main, OP_SIZE, role="op", bold=not step.dashed)
        block.items.append(main)
        block.above = max(block.above, -_text_block(main)[0] + 2)
    if step.extras:
        text = " ".join(step.extras)
        if step.main:
            extra = Label(arrow / 2, 4 + ASCENT * EXTRA_SIZE, text, EXTRA_SIZE, role="extra")
            block.below = max(block.below, _text_block(extra)[1] + 2)
        else:
            extra = Label(arrow / 2, -5, text, EXTRA_SIZE, role="extra")
            block.above = max(block.above, -_text_block(extra)[0] + 2)
        block.items.append(extra)
    return block


def _sequence(parts: list[_Part], cf: bool) -> _Block:
    block = _Block()
    for part in parts:
        if isinstance(part, _Step):
            block.then(_step(part, cf))
        elif isinstance(part, _Repeat):
            block.then(_repeat(part, cf))
        else:
            block.then(_branch(part, cf))
    return block


def _repeat(part: _Repeat, cf: bool) -> _Block:
    inner = _sequence(part.parts, cf)
    pad = 8.0
    block = _Block(width=inner.width + 2 * pad)
    block.items.append(Line(((0.0, 0.0), (pad, 0.0))))
    block.items.append(Line(((pad + inner.end, 0.0), (block.width, 0.0))))
    block.put(inner, pad)
    top, bottom = -inner.above - 4, inner.below + 4
    block.items.append(Frame(pad / 2, top, inner.width + pad, bottom - top))
    mark = Label(block.width - pad / 2, top - 4, f"×{part.count}", OP_SIZE, "end", "repeat", True)
    block.items.append(mark)
    block.above = max(block.above, -_text_block(mark)[0] + 2)
    block.below = max(block.below, bottom + 2)
    return block


def _branch(part: _Branch, cf: bool) -> _Block:
    lanes = [_sequence(p, cf) for p in part.lanes]
    for lane in lanes:
        if not lane.width:  # an id lane: a plain line
            lane.above = lane.below = 6.0
    centres: list[float] = []
    y = 0.0
    for lane in lanes:
        centres.append(y + lane.above)
        y += lane.above + lane.below + LANE_GAP
    if part.kind in MERGE and part.kind not in ("cat", "split"):
        main = centres[0]
    elif part.kind in MERGE:
        main = (centres[0] + centres[-1]) / 2
    else:
        main = centres[0]
    centres = [c - main for c in centres]
    fork, start = 10.0, 26.0
    inner = max(lane.width for lane in lanes)
    join = start + inner + 10
    op = MERGE.get(part.kind)
    r = 8.0
    node_x = join + 16 + r
    block = _Block()
    for lane, c in zip(lanes, centres):
        block.put(lane, start, c)
        end = start + lane.end
        block.items.append(Line(((0.0, 0.0), (fork, 0.0), (start - 6, c), (start, c))))
        if op is not None:
            block.items.append(Line(((end, c), (join, c), (node_x - r, 0.0))))
        elif c == 0:
            block.items.append(Line(((end, c), (node_x + r, 0.0))))
    if op is None or part.kind == "split":  # name the fork: "split", or an "aux" side head
        k = len(lanes) - 1 if op is None else 0
        note = Label(start, centres[k] - lanes[k].above - 3, part.kind, EXTRA_SIZE, "start", "note")
        block.items.append(note)
        block.above = max(block.above, -_text_block(note)[0] + 2)
    if op is not None:
        block.items.append(Node(node_x, 0.0, r, op))
    block.width = node_x + r
    block.above = max(block.above, r + 2)
    block.below = max(block.below, r + 2)
    block.then(_step(part.after, cf))
    return block


# --------------------------------------------------------------------------------------------
# the whole picture


def _legend(report: Report, families: list[str], y: float) -> tuple[list[Item], float, float]:
    """The totals and the colour key at the foot, from baseline ``y``: (items, width, bottom)."""
    t = report.totals
    lines = [
        f"params {t.params:,} ({t.trainable_params:,} trainable)",
        f"MACs {t.macs:,} ({human(t.macs)})",
    ]
    aux = getattr(t, "aux_macs", 0) or 0
    if aux:  # aux(…) side heads: their MACs are not in the inference cost
        lines[-1] += f", side heads {aux:,} more"
    items: list[Item] = []
    width = 0.0
    for text in lines:
        items.append(Label(MARGIN, y, text, LEGEND_SIZE, "start", "legend"))
        width = max(width, text_width(text, LEGEND_SIZE))
        y += LEGEND_SIZE * 1.5
    x = float(MARGIN)
    for fam in families:
        items.append(Swatch(x, y - LEGEND_SIZE * 0.8, LEGEND_SIZE, fam))
        items.append(Label(x + LEGEND_SIZE + 4, y, fam, LEGEND_SIZE, "start", "legend"))
        x += LEGEND_SIZE + 4 + text_width(fam, LEGEND_SIZE) + 12
    width = max(width, x - MARGIN)
    return items, width, y + DESCENT * LEGEND_SIZE


def _part(part: _Part, cf: bool) -> _Block:
    if isinstance(part, _Step):
        return _step(part, cf)
    return _repeat(part, cf) if isinstance(part, _Repeat) else _branch(part, cf)


def _rows(blocks: list[_Block], wrap: float | None) -> _Block:
    """The top-level blocks left to right, wrapped into rows no wider than ``wrap`` (a block
    wider than that gets a row of its own); a line leads from each row's end, under it and
    back to the next row's start.  y = 0 is the first row's centre line."""
    rows: list[_Block] = [_Block()]
    for block in blocks:
        if wrap is not None and rows[-1].width and rows[-1].width + block.width > wrap:
            rows.append(_Block())
        rows[-1].then(block)
    inset = 10.0 if len(rows) > 1 else 0.0
    body = _Block()
    y = 0.0
    for r, row in enumerate(rows):
        if r:
            before = rows[r - 1]
            gap_y = y + before.below + ROW_GAP / 2
            new_y = y + before.below + ROW_GAP + row.above
            end = inset + before.width
            body.items.append(
                Line(
                    (
                        (end, y),
                        (end + 8, y),
                        (end + 8, gap_y),
                        (3, gap_y),
                        (3, new_y),
                        (inset, new_y),
                    )
                )
            )
            y = new_y
        body.put(row, inset, y)
        body.width = max(body.width, inset + row.width + (8 if r < len(rows) - 1 else 0))
    last = rows[-1]
    tail = [
        i for i in body.items if isinstance(i, Line) and i.points[-1] == (inset + last.width, y)
    ]
    if tail and not tail[-1].head:  # the line out of the last box leads nowhere
        body.items.remove(tail[-1])
    return body


def layout(
    report: Report,
    *,
    depth: int | None = None,
    title: str | None = None,
    wrap: float | None = WRAP,
) -> Layout:
    """Lay out the picture of one report (``depth`` as ``--depth`` folds table rows).

    A network wider than ``wrap`` units continues on a new row (None: one row, however long).
    """
    cf = report.channels_first
    first, _ = _tensor(report.input_shape, "input", cf, 0.0)
    start = Label(first.width / 2, -first.above - 4, "input", EXTRA_SIZE, role="note")
    first.items.append(start)
    first.above = -_text_block(start)[0] + 2
    blocks = [first, *(_part(p, cf) for p in _plan(report.layers, depth, 1))]
    body = _rows(blocks, wrap)

    y = float(MARGIN)
    items: list[Item] = []
    width = body.width
    title = printable(title or "")
    if title:
        head = Label(MARGIN, y + ASCENT * TITLE_SIZE, title, TITLE_SIZE, "start", "title", True)
        items.append(head)
        width = max(width, text_width(title, TITLE_SIZE) * 1.1)
        y = _text_block(head)[1] + 10
    centre = y + body.above
    items.extend(_moved(i, MARGIN, centre) for i in body.items)
    y = centre + body.below + 14
    families = [f for f in FAMILIES if any(isinstance(i, Box) and i.family == f for i in items)]
    legend, legend_width, bottom = _legend(report, families, y + ASCENT * LEGEND_SIZE)
    items.extend(legend)
    width = max(width, legend_width)
    return Layout(
        width=round(width + 2 * MARGIN, 1),
        height=round(bottom + MARGIN, 1),
        items=items,
        title=title,
        description=printable(report.spec),
    )
