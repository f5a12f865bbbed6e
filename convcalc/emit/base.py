"""What the emitters share: a walk over the parsed network beside its report, a small code
writer whose output ``ruff format`` leaves as it is, and the error an emitter raises.

An emitter reads the shape engine's :class:`~convcalc.engine.Report` and the parsed
:class:`~convcalc.spec.Network` (for token positions); it never reaches into the engine.
"""

from __future__ import annotations

import keyword
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Union

from ..engine import LayerReport, Report, propagate
from ..errors import ConvcalcError, escape_text
from ..fmt import Shape, fmt_int, fmt_shape
from ..spec import BranchNode, Network, Node, parse

__all__ = [
    "WIDTH",
    "Call",
    "EmitError",
    "Row",
    "RowComment",
    "call",
    "check_identifier",
    "comment_lines",
    "comment_text",
    "lines",
    "per_dim",
    "prepare",
    "rows",
    "same_split",
]

#: the longest line emitted: ruff's default (88), under this project's 100
WIDTH = 88

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)


class EmitError(ConvcalcError):
    """A valid network that the target framework cannot build faithfully (one token named)."""


# --------------------------------------------------------------------------------------------
# the network beside its report


@dataclass(frozen=True)
class Row:
    """One row of the report with what an emitter needs: the node (token, position), the
    typed layer (``None`` for a structure: res, cat, mul, split, aux), the path (``3.2.1``),
    and the input and output shapes channels last (as the layers' own rules see them; a
    split branch's input is its share of the channels)."""

    node: Node
    report: LayerReport
    path: str
    shape_in: Shape
    shape_out: Shape
    branches: tuple[tuple[Row, ...], ...] = ()

    @property
    def kind(self) -> str:
        return self.report.kind

    @property
    def layer(self) -> object:
        return self.report.layer

    def error(self, reason: str) -> EmitError:
        """An error naming this row's token: ``'pool3d2' (row 3): <reason>``."""
        node = self.node
        token = node.token
        return EmitError(f"'{clip(token)}' (row {self.path}): {reason}", token, node.position)


def _channels_last(shape: list[int], channels_first: bool) -> Shape:
    if channels_first and len(shape) > 1:
        return (*shape[1:], shape[0])
    return tuple(shape)


def _walk(
    nodes: tuple[Node, ...],
    layers: list[LayerReport],
    shape: Shape,
    prefix: str,
    cf: bool,
) -> tuple[Row, ...]:
    out: list[Row] = []
    for node, rep in zip(nodes, layers):
        shape_out = _channels_last(rep.output_shape, cf)
        path = f"{prefix}{rep.index}"
        branches: tuple[tuple[Row, ...], ...] = ()
        if isinstance(node, BranchNode):
            # split(…): each branch sees its share of the channels; any other, the input
            share = shape
            if node.kind == "split":
                share = (*shape[:-1], shape[-1] // len(node.branches))
            branches = tuple(
                _walk(b_nodes, b_layers, share, f"{path}.{b}.", cf)
                for b, (b_nodes, b_layers) in enumerate(zip(node.branches, rep.branches or []), 1)
            )
        out.append(Row(node, rep, path, shape, shape_out, branches))
        shape = shape_out
    return tuple(out)


def rows(network: Network, report: Report) -> tuple[Row, ...]:
    """The report's top-level rows, each holding its branches' rows."""
    return _walk(network.nodes, report.layers, network.input_shape, "", network.channels_first)


def prepare(spec: str, channels_first: bool = False) -> tuple[Network, Report]:
    """Parse and propagate ``spec`` (any :class:`ConvcalcError` passes through)."""
    network = parse(spec, channels_first=channels_first)
    return network, propagate(network)


def iter_rows(top: tuple[Row, ...]) -> Iterator[Row]:
    """Every row, depth first, branches after their res/cat row."""
    for row in top:
        yield row
        for branch in row.branches:
            yield from iter_rows(branch)


# --------------------------------------------------------------------------------------------
# user text inside generated code


def clip(text: str, limit: int = 40) -> str:
    """User text made safe for one comment line: white space runs (newlines, U+2028 …) become
    one space, other control characters ``\\xNN``, and at most ``limit`` characters."""
    text = escape_text(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class RowComment:
    """``3  dense5  → 5``: a row's path, token and output shape as convcalc's table shows
    them (the display layout); the token is clipped so that the line fits where it stands."""

    path: str
    token: str
    shape: str

    def text(self, room: int) -> str:
        limit = max(room - len(self.path) - len(self.shape) - 6, 12)
        return f"{self.path}  {clip(self.token, min(limit, 40))}  → {self.shape}"


def comment_text(row: Row) -> RowComment:
    """The comment above a row's code."""
    return RowComment(row.path, row.report.token, fmt_shape(tuple(row.report.output_shape)))


def comment_lines(text: str, width: int = WIDTH - 8) -> list[str]:
    """Free user text (a spec) as ``# …`` lines: escaped, wrapped, nothing can break out."""
    flat = escape_text(" ".join(text.split()))
    return [
        f"# {part}"
        for part in textwrap.wrap(flat, width, break_long_words=True, break_on_hyphens=False)
        or [""]
    ]


def check_identifier(name: str, what: str, taken: frozenset[str] = frozenset()) -> str:
    """``name`` if it is an ASCII Python identifier, not a keyword and not one the module uses."""
    if not _IDENTIFIER.fullmatch(name) or keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise EmitError(
            f"{what} '{clip(name)}' is not a Python identifier (letters, digits and _, "
            "not starting with a digit, not a keyword)",
            name,
            None,
        )
    if name in taken:
        raise EmitError(f"{what} '{name}' is already a name in the emitted module", name, None)
    return name


def summary(report: Report) -> str:
    t = report.totals
    return (
        f"{fmt_int(t.trainable_params)} trainable + {fmt_int(t.non_trainable_params)} "
        f"non-trainable parameters, {fmt_int(t.macs)} MACs"
    )


# --------------------------------------------------------------------------------------------
# the code writer


@dataclass
class Call:
    """A call expression ``func(arg, …)``; ``notes[i]`` are comment lines above argument i.

    It is written on one line when that fits and carries no comment, else one argument a
    line with a trailing comma — the two forms ``ruff format`` keeps as they are.
    """

    func: str
    args: list[Expr] = field(default_factory=list)
    notes: list[list[Note]] = field(default_factory=list)

    def add(self, arg: Expr, *comments: Note) -> Call:
        self.args.append(arg)
        self.notes.append(list(comments))
        return self


Expr = Union[str, Call]
#: a comment line: fixed text, or a row comment that fits itself to the room left
Note = Union[str, RowComment]


def _flat(expr: Expr) -> str | None:
    """The one-line text, or ``None`` when a comment forces the expression open."""
    if isinstance(expr, str):
        return expr
    if any(expr.notes):
        return None
    parts = [_flat(a) for a in expr.args]
    if any(p is None for p in parts):
        return None
    return f"{expr.func}({', '.join(parts)})"  # type: ignore[arg-type]


def lines(expr: Expr, indent: int, lead: str = "", tail: str = "") -> list[str]:
    """``expr`` as source lines at ``indent``, after ``lead`` (``x = ``) and before ``tail``."""
    pad = " " * indent
    flat = _flat(expr)
    if flat is not None and (len(pad + lead + flat + tail) <= WIDTH or isinstance(expr, str)):
        return [pad + lead + flat + tail]
    assert isinstance(expr, Call)
    out = [f"{pad}{lead}{expr.func}("]
    inner = " " * (indent + 4)
    for arg, notes in zip(expr.args, expr.notes):
        room = WIDTH - len(inner) - 2
        out += [f"{inner}# {n if isinstance(n, str) else n.text(room)}" for n in notes]
        out += lines(arg, indent + 4, "", ",")
    out.append(f"{pad}){tail}")
    return out


def call(func: str, *args: Expr) -> Call:
    """``func(args…)`` with no comments."""
    return Call(func, list(args), [[] for _ in args])


def per_dim(value: object, rank: int) -> tuple:
    """A per-dim field (one value for every dim, or a tuple) as a tuple of ``rank`` values."""
    if isinstance(value, (tuple, list)):
        return tuple(value)
    return (value,) * rank


def same_split(w: int, f: int, s: int, d: int) -> tuple[int, int]:
    """TensorFlow ``same`` on one dim: (padding before, after); total =
    max((⌈W/S⌉ − 1)·S + D(F−1) + 1 − W, 0), the odd pixel after."""
    total = max((-(-w // s) - 1) * s + d * (f - 1) + 1 - w, 0)
    return total // 2, total - total // 2


def kwarg(name: str, value: object) -> str:
    return f"{name}={value}"


def ints(values: tuple[int, ...] | list[int]) -> str:
    """One int when all are equal, else a tuple: ``3`` or ``(1, 7)``."""
    values = tuple(values)
    if len(set(values)) == 1:
        return str(values[0])
    return tuple_text(values)


def tuple_text(values: tuple[object, ...]) -> str:
    inner = ", ".join(str(v) for v in values)
    return f"({inner},)" if len(values) == 1 else f"({inner})"
