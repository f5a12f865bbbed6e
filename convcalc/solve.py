"""Solve for a layer: which (kernel, stride, padding, dilation) take an input size to an output.

``convcalc solve 28 14 --kernel 3`` asks: which convolutions turn a length-28 dim into 14?
:func:`solve` tries every combination in the ranges below (any of them pinned or widened by the
caller), runs each through the layer registry's own rules (``layers.Conv`` / ``ConvTranspose``
``forward``), and keeps those that give the wanted size exactly.  Answers are sorted best
first: for a conv, windows that cover the input exactly, then ones that leave only padding
unused, then the ``psame`` rows (TensorFlow's rule), then kernels smaller than their stride
(they skip input on purpose), then the ones that lose input rows.  Each answer carries its
token (``conv3s2p1``; append ``x<filters>``) and a one-dim spec that re-checks it through the
engine (``28x1 conv3s2p1x1``).

Default ranges (``RANGES``): kernel 1–7, stride 1–4, dilation 1–3, padding 0 to half the
dilated kernel, ⌊(D·(F−1) + 1)/2⌋ (more padding only adds windows that see nothing but
zeros; PyTorch's pools allow no more), and for transposed convs every output padding the
frameworks accept, 0 ≤ op < max(stride, dilation).
"""

from __future__ import annotations

import operator
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from itertools import islice, product
from math import gcd
from typing import Literal, Union

from .errors import ConvcalcError, ShapeError, clip, expect_type
from .layers import MAX_INT, Conv, ConvTranspose

__all__ = ["RANGES", "Answer", "parse_values", "solve"]

RANGES: dict[str, tuple[int, int]] = {"kernel": (1, 7), "stride": (1, 4), "dilation": (1, 3)}
"""The default search range of each unpinned parameter (inclusive)."""

MAX_VALUES = 1024
"""At most this many values per parameter."""

MAX_SEARCH = 100_000
"""At most this many (kernel, stride, dilation) combinations are tried: the search itself is
bounded, not only each list.  Paddings and output paddings are never enumerated: for each
combination they are solved for (an interval), so huge kernels, strides or dilations cost
nothing extra."""

MAX_ANSWERS = 1000
"""A request with more answers than this is refused (pin a parameter): no list is built that
nobody can read, and every solve answers at once."""

Status = Literal["exact", "padding", "same", "subsample", "lossy", "even", "uneven", "gaps"]

_RANK: dict[str, int] = {
    # conv: no input lost first; psame next; kernel < stride skips by design; lost rows last
    "exact": 0,
    "padding": 1,
    "same": 2,
    "subsample": 3,
    "lossy": 4,
    # transposed: every output gets the same number of taps; psame; checkerboard; holes
    "even": 0,
    "uneven": 3,
    "gaps": 4,
}


@dataclass(frozen=True)
class Answer:
    """One way to get the wanted size."""

    token: str
    """the layer token without filters, e.g. ``conv3s2p1``: append ``x<filters>``"""
    spec: str
    """a one-dim spec that re-checks it, e.g. ``28x1 conv3s2p1x1``"""
    kernel: int
    stride: int
    padding: Union[int, Literal["same"]]
    dilation: int
    output_padding: int
    status: Status
    note: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def parse_values(text: str, name: str, *, allow_same: bool = False) -> list[int] | Literal["same"]:
    """``3`` → [3]; ``1-11`` → [1 … 11]; ``1,3,5`` → [1, 3, 5]; ``same`` (padding only)."""
    text = text.strip().lower()
    if allow_same and text in ("same", "psame"):
        return "same"
    values: list[int] = []
    for part in text.split(","):
        m = re.fullmatch(r"\s*([0-9]+)\s*(?:(?:-|\.\.)\s*([0-9]+)\s*)?", part, re.ASCII)
        if m is None:
            same = " or 'same'" if allow_same else ""
            raise ConvcalcError(
                f"--{name} takes a number, a range A-B or a list A,B,C{same}, not '{clip(part)}'",
                part,
            )
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) is not None else lo
        if hi < lo:
            raise ConvcalcError(f"--{name}: the range {lo}-{hi} is empty", part)
        if hi - lo >= MAX_VALUES or len(values) + hi - lo >= MAX_VALUES:
            raise ConvcalcError(f"--{name}: at most {MAX_VALUES} values", part)
        values.extend(range(lo, hi + 1))
    minimum = 0 if name == "padding" else 1
    for v in values:
        if not minimum <= v <= MAX_INT:
            raise ConvcalcError(f"--{name}: {v} is out of range (≥ {minimum})", str(v))
    return sorted(set(values))


def _default(name: str) -> list[int]:
    lo, hi = RANGES[name]
    return list(range(lo, hi + 1))


def _int(value: object, name: str) -> int:
    """``value`` as an int (anything with ``__index__`` but a bool), else a TypeError naming it."""
    if isinstance(value, bool):
        raise TypeError(f"solve(): {name} must be an int, not bool")
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(f"solve(): {name} must be an int, not {type(value).__name__}") from None


def _checked(value: object, name: str, minimum: int) -> list[int] | None:
    """A parameter's pinned values, validated as the CLI validates them (``parse_values``)."""
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(
            f"solve(): {name} must be a list of ints or None, not {type(value).__name__}"
        )
    values = [_int(v, f"{name} values") for v in islice(value, MAX_VALUES + 1)]
    if len(values) > MAX_VALUES:
        raise ConvcalcError(f"{name}: at most {MAX_VALUES} values", name)
    if not values:
        raise ConvcalcError(f"{name}: give at least one value (or None for the default)", name)
    for v in values:
        if not minimum <= v <= MAX_INT:
            raise ConvcalcError(f"{name}: {v} is out of range ({minimum} to 2³¹−1)", str(v))
    return sorted(set(values))


def solve(
    size_in: int,
    size_out: int,
    *,
    kernel: list[int] | None = None,
    stride: list[int] | None = None,
    padding: list[int] | Literal["same"] | None = None,
    dilation: list[int] | None = None,
    transposed: bool = False,
) -> list[Answer]:
    """Every (kernel, stride, padding, dilation) in range that maps ``size_in`` to ``size_out``.

    ``None`` for a parameter means its default range (:data:`RANGES`; padding: 0 to half the
    dilated kernel, plus the ``psame`` rows); ``padding="same"`` keeps only the ``psame`` rows,
    a list of paddings only those.  Wrong types raise a ``TypeError`` naming the parameter; bad
    values, more than :data:`MAX_SEARCH` combinations to try or more than :data:`MAX_ANSWERS`
    answers raise a :class:`~convcalc.errors.ConvcalcError`.
    """
    for name, value in (("size_in", size_in), ("size_out", size_out)):
        if not 1 <= _int(value, name) <= MAX_INT:
            raise ConvcalcError(f"{name} must be between 1 and 2³¹−1, got {value}", str(value))
    expect_type(transposed, bool, "solve", "transposed")
    n, want = _int(size_in, "size_in"), _int(size_out, "size_out")
    kernels = _checked(kernel, "kernel", 1) or _default("kernel")
    strides = _checked(stride, "stride", 1) or _default("stride")
    dilations = _checked(dilation, "dilation", 1) or _default("dilation")
    pads: list[int] | Literal["same"] | None
    if isinstance(padding, str):
        if padding.lower() not in ("same", "psame"):
            raise ConvcalcError(
                f"padding: a list of ints, None or 'same', not '{clip(padding)}'", padding
            )
        pads = "same"
    else:
        pads = _checked(padding, "padding", 0)
    combos = len(kernels) * len(strides) * len(dilations)
    if combos > MAX_SEARCH:
        raise ConvcalcError(
            f"the search would try {combos:,} (kernel, stride, dilation) combinations; at most "
            f"{MAX_SEARCH:,}: pin a parameter to fewer values"
        )
    answers: list[Answer] = []

    def add(found: list[Answer]) -> None:
        answers.extend(found)
        if len(answers) > MAX_ANSWERS:
            raise ConvcalcError(
                f"more than {MAX_ANSWERS:,} answers: pin a parameter (e.g. the stride or the "
                "dilation) to fewer values"
            )

    for k, s, d in product(kernels, strides, dilations):
        eff = d * (k - 1) + 1
        if pads != "same":
            if transposed:
                # (n − 1)·s − 2p + eff + op = want, 0 ≤ op < max(s, d): an interval of p
                surplus = (n - 1) * s + eff - want  # = 2p − op
                lo, hi = -(-surplus // 2), (surplus + max(s, d) - 1) // 2
            else:
                # ⌊(n + 2p − eff)/s⌋ + 1 = want ⇔ (want − 1)·s ≤ n + 2p − eff ≤ want·s − 1
                lo = -(-((want - 1) * s + eff - n) // 2)
                hi = (want * s - 1 + eff - n) // 2
            for p in _in_range(pads, max(lo, 0), hi, eff // 2):
                if transposed:
                    add(_transposed(n, want, k, s, p, d))
                else:
                    answer = _conv(n, want, k, s, p, d)
                    add([answer] if answer is not None else [])
        if pads is None or pads == "same":
            same = (_transposed_same if transposed else _conv_same)(n, want, k, s, d)
            add([same] if same is not None else [])
    answers.sort(
        key=lambda a: (
            _RANK[a.status],
            a.output_padding,
            a.stride,
            a.dilation,
            a.kernel,
            -1 if a.padding == "same" else a.padding,
        )
    )
    return answers


def _in_range(pads: list[int] | None, lo: int, hi: int, default_hi: int) -> list[int]:
    """The paddings in [lo, hi]: of the pinned list, or of the default range 0 … ``default_hi``.

    At most ``MAX_ANSWERS + 1`` of them: more would be refused anyway."""
    if pads is None:
        hi = min(hi, default_hi)
        return list(range(lo, min(hi, lo + MAX_ANSWERS) + 1)) if lo <= hi else []
    return pads[bisect_left(pads, lo) : bisect_right(pads, hi)][: MAX_ANSWERS + 1]


def _suffix(d: int) -> str:
    return f"d{d}" if d > 1 else ""


def _conv(n: int, want: int, k: int, s: int, p: int, d: int) -> Answer | None:
    layer = Conv(kernel=(k,), filters=1, stride=s, padding=p, dilation=d)
    try:
        out = layer.forward((n, 1)).shape[0]
    except ShapeError:
        return None
    if out != want:
        return None
    eff = d * (k - 1) + 1
    r = (n + 2 * p - eff) % s  # positions after the last window (the contract's floor rule)
    rows = lambda x: f"{x} row{'s' if x != 1 else ''}"  # noqa: E731
    if eff < s:
        status: Status = "subsample"
        note = f"kernel {eff} < stride {s}: skips input between windows on purpose"
    elif r == 0:
        status, note = "exact", "the windows cover the padded input exactly"
    elif r <= p:
        status = "padding"
        note = f"{rows(r)} of padding unused, no input pixel lost"
    else:
        status, note = "lossy", f"the last {rows(r - p)} of input never reach an output"
    token = f"conv{k}s{s}p{p}{_suffix(d)}"
    return Answer(token, f"{n}x1 {token}x1", k, s, p, d, 0, status, note)


def _conv_same(n: int, want: int, k: int, s: int, d: int) -> Answer | None:
    if -(-n // s) != want:
        return None
    layer = Conv(kernel=(k,), filters=1, stride=s, padding="same", dilation=d)
    (window,) = layer.rf_window((n, 1))  # psame's padding before, by the TensorFlow rule
    total = max((want - 1) * s + window.kernel - n, 0)
    note = f"TensorFlow pads {window.pad} before, {total - window.pad} after"
    if d > 1 and s > 1:
        note += " (TensorFlow refuses dilation > 1 with stride > 1)"
    token = f"conv{k}s{s}psame{_suffix(d)}"
    return Answer(token, f"{n}x1 {token}x1", k, s, "same", d, 0, "same", note)


def _transposed(n: int, want: int, k: int, s: int, p: int, d: int) -> list[Answer]:
    op = want - ((n - 1) * s - 2 * p + d * (k - 1) + 1)  # the one output padding that fits
    if not 0 <= op < max(s, d):
        return []
    layer = ConvTranspose(
        kernel=(k,), filters=1, stride=s, padding=p, output_padding=op, dilation=d
    )
    try:
        out = layer.forward((n, 1)).shape[0]
    except ShapeError:
        return []
    if out != want:
        return []
    # taps of the dilated kernel per output phase (Odena et al. 2016, checkerboard): phase r
    # gets the m in 0 … k−1 with d·m ≡ r (mod s).  With g = gcd(d, s) > 1 the phases that are
    # not multiples of g get none; with g = 1, m ↦ d·m mod s is a bijection on every run of s
    # consecutive m, so each phase gets ⌊k/s⌋ or ⌈k/s⌉ taps (no list of s counters is built)
    least, most = k // s, -(-k // s)
    if gcd(d, s) > 1 or least == 0:
        status: Status = "gaps"
        note = "some outputs get no input at all (only the bias)"
    elif least == most:
        status, note = "even", "every output gets the same number of taps"
    else:
        status = "uneven"
        note = f"outputs get {least} to {most} taps: uneven overlap (checkerboard artifacts)"
    token = f"deconv{k}s{s}p{p}" + (f"op{op}" if op else "") + _suffix(d)
    return [Answer(token, f"{n}x1 {token}x1", k, s, p, d, op, status, note)]


def _transposed_same(n: int, want: int, k: int, s: int, d: int) -> Answer | None:
    if n * s != want:
        return None
    layer = ConvTranspose(kernel=(k,), filters=1, stride=s, padding="same", dilation=d)
    p, op, crop = layer.torch_padding(k)
    note = f"Keras: W·S; in PyTorch padding={p}, output_padding={op}"
    if crop:
        note += ", then drop the last row"
    token = f"deconv{k}s{s}psame{_suffix(d)}"
    return Answer(token, f"{n}x1 {token}x1", k, s, "same", d, 0, "same", note)
