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

import re
from dataclasses import asdict, dataclass
from itertools import product
from typing import Literal, Union

from .errors import ConvcalcError, ShapeError
from .layers import MAX_INT, Conv, ConvTranspose

__all__ = ["RANGES", "Answer", "parse_values", "solve"]

RANGES: dict[str, tuple[int, int]] = {"kernel": (1, 7), "stride": (1, 4), "dilation": (1, 3)}
"""The default search range of each unpinned parameter (inclusive)."""

MAX_VALUES = 1024
"""At most this many values per parameter, so no request makes the search slow."""

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
                f"--{name} takes a number, a range A-B or a list A,B,C{same}, not '{part}'",
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
    a list of paddings only those.
    """
    for name, value in (("input", size_in), ("output", size_out)):
        if not 1 <= value <= MAX_INT:
            raise ConvcalcError(f"the {name} size must be between 1 and 2³¹−1, got {value}")
    kernels = kernel or _default("kernel")
    strides = stride or _default("stride")
    dilations = dilation or _default("dilation")
    answers: list[Answer] = []
    for k, s, d in product(kernels, strides, dilations):
        eff = d * (k - 1) + 1
        if padding != "same":
            pads = padding if padding is not None else range(eff // 2 + 1)
            for p in pads:
                if transposed:
                    answers.extend(_transposed(size_in, size_out, k, s, p, d))
                else:
                    answer = _conv(size_in, size_out, k, s, p, d)
                    if answer is not None:
                        answers.append(answer)
        if padding is None or padding == "same":
            same = (_transposed_same if transposed else _conv_same)(size_in, size_out, k, s, d)
            if same is not None:
                answers.append(same)
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
    answers = []
    for op in range(max(s, d)):
        layer = ConvTranspose(
            kernel=(k,), filters=1, stride=s, padding=p, output_padding=op, dilation=d
        )
        try:
            out = layer.forward((n, 1)).shape[0]
        except ShapeError:
            continue
        if out != want:
            continue
        # taps of the dilated kernel per output phase (Odena et al. 2016, checkerboard)
        taps = [0] * s
        for m in range(k):
            taps[d * m % s] += 1
        if min(taps) == 0:
            status: Status = "gaps"
            note = "some outputs get no input at all (only the bias)"
        elif min(taps) == max(taps):
            status, note = "even", "every output gets the same number of taps"
        else:
            status = "uneven"
            spread = f"{min(taps)} to {max(taps)}"
            note = f"outputs get {spread} taps: uneven overlap (checkerboard artifacts)"
        token = f"deconv{k}s{s}p{p}" + (f"op{op}" if op else "") + _suffix(d)
        answers.append(Answer(token, f"{n}x1 {token}x1", k, s, p, d, op, status, note))
    return answers


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
