"""Receptive fields: the recurrence of Araujo et al. (Distill, 2019) run alongside the shapes.

Each layer kind gives its own windows (``Effect.windows``, from ``Layer.forward`` in
``layers/``); this module only moves a field through them and merges the fields of
``res``/``cat`` branches.  ``engine.py`` calls it once per row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, Optional, Union

from pydantic import Field
from typing_extensions import NotRequired, TypedDict

from .layers import DIM_NAMES, MAX_COUNT, Window, fmt_int

if TYPE_CHECKING:
    from fractions import Fraction

__all__ = [
    "BEYOND",
    "Exact",
    "Number",
    "ReceptiveField",
    "State",
    "fmt_number",
    "key_of",
    "merge",
    "merge_keys",
    "past_limit",
    "step_exact",
    "step_fast",
    "step_key",
    "to_exact",
]


Number = Union[int, float]

BEYOND = "beyond"
"""The field of a row where a size, jump or start would pass 2⁵⁰−1 (``MAX_COUNT``) in
magnitude.  The spec stays valid (its shapes, params and MACs are unaffected); the field is
not carried further, so no value grows without bound and every number that is shown is exact
(a half-integer start below 2⁵⁰ is an exact double).  It stays ``"beyond"`` until a flatten,
dense or global pool makes it ``"global"``."""


class ReceptiveField(TypedDict):
    """The receptive field of a layer's output units, per spatial dim (D, H, W order).

    The recurrence of Araujo et al. (Distill, 2019) in input-pixel units, pixel centres at
    0, 1, 2, …: ``size += (k − 1)·jump``, ``start += ((k − 1)/2 − pad)·jump``, ``jump ·= stride``
    with k the dilated kernel and pad the padding before.  After an upsample or a transposed
    conv the jump is fractional (jump/f): the kernel slides on an f-times finer grid, and the
    size is then an upper bound that may be fractional.
    """

    # A TypedDict, not a model: one is built per row on the default path, and a dict is cheap.
    size: Annotated[list[Number], Field(description="input pixels one output unit can see")]
    jump: Annotated[list[Number], Field(description="input pixels between neighbouring units")]
    start: Annotated[list[Number], Field(description="centre of the first unit, input coords")]
    notes: NotRequired[
        Annotated[list[str], Field(description="res/cat: where the branches' fields disagree")]
    ]


# Receptive fields run alongside the shapes.  On the default path the JSON view itself is the
# state: ints, and half-integer floats for window centres (exact far beyond any real network).
# Once an upsample or a transposed conv makes a jump fractional, a branch of the walk switches
# to fractions.Fraction (imported only then) and derives the view from it.
Exact = tuple[list["Fraction"], list["Fraction"], list["Fraction"]]  # sizes, jumps, starts


def step_fast(rf: ReceptiveField, windows: tuple[Window, ...]) -> ReceptiveField | None:
    """size += (k − 1)·jump, start += ((k − 1)/2 − pad)·jump, jump ·= stride, in ints and
    half-integer floats.  None when the fractions are needed: a window on a finer grid, or a
    start past what a float holds exactly.  Unchanged lists are shared with the previous row."""
    sizes, jumps, starts = [], [], []
    for r, j, c, (k, stride, pad, up) in zip(rf["size"], rf["jump"], rf["start"], windows):
        if up != 1:
            return None
        sizes.append(r + (k - 1) * j)
        m = (k - 1 - 2 * pad) * j
        if m:
            c = c + (m >> 1) if not m & 1 else c + m / 2
            if type(c) is float:
                if abs(c) > 2**50:
                    return None
                if c.is_integer():
                    c = int(c)
        starts.append(c)
        jumps.append(j * stride)
    return {
        "size": sizes,
        "jump": rf["jump"] if jumps == rf["jump"] else jumps,
        "start": rf["start"] if starts == rf["start"] else starts,
    }


Key = tuple[tuple[Number, ...], tuple[Number, ...], tuple[Number, ...]]
"""A field on the default path as a hashable value: its sizes, jumps and starts."""

# The same field meets the same window again and again: every spec starts from size 1, jump 1,
# and a batch of networks built from the same blocks moves through the same fields.  Remember
# each step of the recurrence; bounded, cleared whole when full, as the engine's step memo.
_KEY_STEPS: dict[tuple[Key, tuple[Window, ...]], Key | Literal["beyond"] | None] = {}
_KEY_STEPS_SIZE = 16384
_UNKNOWN = object()


def step_key(key: Key, windows: tuple[Window, ...]) -> Key | Literal["beyond"] | None:
    """:func:`step_fast` then :func:`past_limit` on a hashable field, memoized: the next field,
    ``"beyond"`` past the limit, or None when the fractions are needed (:func:`step_exact`)."""
    memo = (key, windows)
    found = _KEY_STEPS.get(memo, _UNKNOWN)
    if found is not _UNKNOWN:
        return found  # type: ignore[return-value]
    fast = step_fast({"size": list(key[0]), "jump": list(key[1]), "start": list(key[2])}, windows)
    result: Key | Literal["beyond"] | None = None
    if fast is not None:
        result = BEYOND if past_limit(fast) else key_of(fast)
    if len(_KEY_STEPS) >= _KEY_STEPS_SIZE:
        _KEY_STEPS.clear()
    _KEY_STEPS[memo] = result
    return result


def key_of(rf: ReceptiveField) -> Key:
    """A field's hashable form (:func:`step_key`)."""
    return tuple(rf["size"]), tuple(rf["jump"]), tuple(rf["start"])


def to_exact(rf: ReceptiveField) -> Exact:
    from fractions import Fraction

    return (
        [Fraction(x) for x in rf["size"]],
        [Fraction(x) for x in rf["jump"]],
        [Fraction(x) for x in rf["start"]],
    )


def step_exact(exact: Exact, windows: tuple[Window, ...]) -> tuple[Exact, ReceptiveField]:
    """The same recurrence in fractions; a window with ``up`` > 1 slides on a finer grid."""
    sizes, jumps, starts = [], [], []
    for r, j, c, (k, stride, pad, up) in zip(*exact, windows):
        j /= up
        sizes.append(r + (k - 1) * j)
        starts.append(c + ((k - 1) / 2 - pad) * j)
        jumps.append(j * stride)
    exact = (sizes, jumps, starts)
    return exact, _view(exact)


def past_limit(rf: ReceptiveField) -> bool:
    """True when a size, jump or start of the field is past 2⁵⁰−1 in magnitude."""
    return (
        max(rf["size"]) > MAX_COUNT
        or max(rf["jump"]) > MAX_COUNT
        or max(map(abs, rf["start"])) > MAX_COUNT
    )


def _plain(x: Number) -> Number:
    """An int, or a float for a fraction that is not whole (JSON has no fractions)."""
    if isinstance(x, (int, float)):
        return int(x) if isinstance(x, float) and x.is_integer() else x
    return int(x) if x.denominator == 1 else float(x)


def _view(exact: Exact) -> ReceptiveField:
    sizes, jumps, starts = exact
    return {
        "size": [_plain(x) for x in sizes],
        "jump": [_plain(x) for x in jumps],
        "start": [_plain(x) for x in starts],
    }


def fmt_number(x: Number) -> str:
    """5 → '5', 1568 → '1,568', 2.5 → '2.5', 1/3 → '0.333'."""
    x = _plain(x)
    if isinstance(x, int):
        return fmt_int(x)
    return f"{x:,.3f}".rstrip("0").rstrip(".")


State = tuple[Union[ReceptiveField, Literal["global", "beyond"]], Optional[Exact]]


def merge(states: list[State], labels: list[str] | None) -> tuple[State, list[str]]:
    """res/cat: per dim the largest field of the branches, and notes where they disagree.

    ``labels`` None: no notes (``res(BODY)``, whose skip always sees less than the body).
    """
    if any(rf == "global" for rf, _ in states):
        return ("global", None), []
    if any(rf == BEYOND for rf, _ in states):
        return (BEYOND, None), []
    views: list[ReceptiveField] = [rf for rf, _ in states]  # type: ignore[misc]
    rank = len(views[0]["size"])
    names = DIM_NAMES[rank]
    best = [max(range(len(views)), key=lambda b, d=d: views[b]["size"][d]) for d in range(rank)]
    merged: ReceptiveField = {
        part: [views[best[d]][part][d] for d in range(rank)]  # type: ignore[misc]
        for part in ("size", "jump", "start")
    }
    notes = []
    for d in range(rank if labels else 0):
        sizes = [v["size"][d] for v in views]
        jumps = [v["jump"][d] for v in views]
        if len(set(sizes)) > 1 or len(set(jumps)) > 1:
            seen = ", ".join(f"{fmt_number(x)} ({lb})" for lb, x in zip(labels, sizes))
            text = f"RF {names[d]}: the branches see {seen}; the largest is kept"
            if len(set(jumps)) > 1:
                text += f" (their jumps differ: {', '.join(fmt_number(x) for x in jumps)})"
            notes.append(text)
    exact = None
    if any(e is not None for _, e in states):
        exacts = [e if e is not None else to_exact(v) for v, (_, e) in zip(views, states)]
        exact = tuple([exacts[best[d]][part][d] for d in range(rank)] for part in range(3))
    return (merged, exact), notes  # type: ignore[return-value]


_KEY_MERGES: dict[tuple[tuple[Key, ...], bool], tuple[Key, tuple[str, ...]]] = {}


def merge_keys(keys: tuple[Key, ...], labelled: bool) -> tuple[Key, tuple[str, ...]]:
    """:func:`merge` of fields on the default path, as keys, memoized (blocks repeat): the
    merged field and the notes; ``labelled`` False as ``labels`` None, else branch 1, 2, …"""
    memo = (keys, labelled)
    found = _KEY_MERGES.get(memo)
    if found is None:
        views: list[State] = [
            ({"size": list(k[0]), "jump": list(k[1]), "start": list(k[2])}, None) for k in keys
        ]
        labels = [f"branch {b}" for b in range(1, len(keys) + 1)] if labelled else None
        (merged, _), notes = merge(views, labels)
        found = key_of(merged), tuple(notes)  # type: ignore[arg-type]
        if len(_KEY_MERGES) >= _KEY_STEPS_SIZE:
            _KEY_MERGES.clear()
        _KEY_MERGES[memo] = found
    return found
