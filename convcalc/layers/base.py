"""The base of the layer registry: :class:`Layer`, :class:`Effect`, :data:`REGISTRY`, and the
sliding-window arithmetic (output sizes, floor warnings, receptive-field windows, --explain lines)
that the families share.  Family modules import this one, never the package.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from math import gcd
from typing import Annotated, ClassVar, Literal, NamedTuple, Union

from pydantic import BaseModel, ConfigDict
from pydantic_core import core_schema

from ..errors import ShapeError, SpecSyntaxError
from ..fmt import Shape, fmt_shape, in_layout
from ..fmt import fmt_signed as _n


class AsAny:
    """``Annotated`` metadata: a value is written to JSON by its own type, not matched against
    each member of its union in turn (pydantic's union serializer does that for every value).

    pydantic's ``SerializeAsAny()`` does exactly this; importing it loads
    ``pydantic.functional_serializers``, ~9 M instructions (~2 ms) of every start-up, for one
    class.  The JSON and the schema are the same as without it (tests/test_layer_internals.py).
    """

    __slots__ = ()

    def __get_pydantic_core_schema__(
        self, source: object, handler: Callable[[object], core_schema.CoreSchema]
    ) -> core_schema.CoreSchema:
        schema = handler(source)
        target = schema
        while target["type"] == "definitions":
            target = target["schema"]  # type: ignore[typeddict-item]
        target["serialization"] = core_schema.simple_ser_schema("any")
        return schema


#: one value for every spatial dim, or one per dim (``p0_3`` is ``(0, 3)``).  Written to JSON
#: as the value is (AsAny: the same JSON, without pydantic's union serializer trying
#: each member in turn)
PerDim = Annotated[Union[int, tuple[int, ...]], AsAny()]
Padding = Annotated[Union[int, tuple[int, ...], Literal["same"]], AsAny()]

MAX_INT = 2**31 - 1

#: The largest params, MACs, activation-element or receptive-field value convcalc carries:
#: 2⁵⁰−1, so that every derived figure (FLOPs = 2·MACs, bytes ≤ 8·count) stays below 2⁵³ and
#: every number in the JSON is exact in JavaScript too (a half-integer RF start included).
MAX_COUNT = 2**50 - 1

DIM_NAMES: dict[int, tuple[str, ...]] = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


#: Stands for "the layer's input shape" in messages and notes: the engine writes the shape in
#: the display layout (channels first or last), which a layer does not know.
INPUT = "{input}"


@dataclass(slots=True)
class Effect:
    """What one layer does to its input: the output shape, what the layer costs, and how its
    output positions map onto its input's — all that the engine takes from ``forward``."""

    shape: Shape
    trainable: int = 0
    non_trainable: int = 0
    macs: int = 0
    # Tuples, added to with +=: most layers write none, and the empty tuple is shared (two
    # default_factory lists made for every effect were a tenth of a step-memo miss).
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    #: the window the layer slides over each spatial dim, for receptive fields: () (the default)
    #: when every position stays where it is; None when the output has no positions left
    #: (flatten, dense, global pools): the field becomes the whole input
    windows: tuple[Window, ...] | None = ()
    #: zero rows the layer adds after its input, per spatial dim (``zpad``); else None
    pads_after: tuple[int, ...] | None = None


# --------------------------------------------------------------------------------------------
# base class and registry


class Layer(BaseModel):
    """Base of every layer kind.  Subclasses set ``kind``, ``NAMES``, ``OPTIONS``."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    NAMES: ClassVar[tuple[str, ...]] = ()
    OPTIONS: ClassVar[frozenset[str]] = frozenset()
    #: how the numbers after the name are read: "ints" (x-joined integers), "rate", or "none"
    NUMBERS: ClassVar[str] = "none"
    #: conv-family tokens may also put ``x<n>`` after the options
    TRAILING_X: ClassVar[bool] = False
    #: how a drawing (``convcalc.draw``) shows the layer: "conv", "pool", "dense", "up" (a
    #: box coloured by family), "other", "elementwise" (folded into the label of the arrow
    #: before it: bn, activations) or "identity" (no arrow at all: an ``id`` branch is a line)
    FAMILY: ClassVar[str] = "other"

    @classmethod
    def from_token(cls, name: str, nums: list[int], opts: dict[str, object], rank: int) -> Layer:
        """Build the layer from a token's numbers and options (already checked as allowed)."""
        if nums:
            raise SpecSyntaxError(f"'{name}' takes no numbers")
        return cls(kind=name)  # type: ignore[call-arg]

    @classmethod
    def reading_notes(
        cls, name: str, nums: list[int], opts: dict[str, object], rank: int
    ) -> list[str]:
        """Notes on how an ambiguous-looking token was read (shown on its row)."""
        return []

    def forward(self, shape: Shape) -> Effect:  # pragma: no cover - every subclass overrides
        """The layer on ``shape``: the output shape, the parameters and MACs, notes and floor
        warnings, and the receptive-field windows (:class:`Effect`).  Raises a
        :class:`~convcalc.errors.ShapeError` for an input it cannot take."""
        raise NotImplementedError

    def rf_window(self, shape: Shape) -> tuple[Window, ...] | None:
        """The window this layer slides over ``shape``, one per spatial dim, for receptive fields
        (``forward``'s :attr:`Effect.windows`, for a caller that wants only them).

        ``()`` when every position stays where it is; ``None`` when the output has no positions
        left (flatten, dense, global pools): the field becomes the whole input.
        """
        return self.forward(shape).windows

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        """The arithmetic of ``forward`` with the numbers in, one line per step (``--explain``)."""
        return [f"shape unchanged: {fmt_shape(in_layout(effect.shape, channels_first))}"]

    def warnings_after_pad(self, shape: Shape, extra: tuple[int, ...]) -> tuple[str, ...] | None:
        """The floor warnings when a ``zpad`` just before added ``extra`` rows after the input
        (they count as padding); None when this layer's warnings do not depend on it."""
        return None

    def explain_after_pad(
        self, shape: Shape, effect: Effect, channels_first: bool, extra: tuple[int, ...]
    ) -> list[str]:
        """``explain`` when a ``zpad`` just before added ``extra`` rows after the input."""
        return self.explain(shape, effect, channels_first)


REGISTRY: dict[str, type[Layer]] = {}
"""Every token name and alias → its layer class.  Duplicate names are refused."""


def register(cls: type[Layer]) -> type[Layer]:
    for name in cls.NAMES:
        if name in REGISTRY:
            raise RuntimeError(f"layer name {name!r} registered twice")
        REGISTRY[name] = cls
    return cls


# --------------------------------------------------------------------------------------------
# shared helpers


def _need_map(kind: str, shape: Shape) -> int:
    """The spatial rank of ``shape``; an error when it is a vector."""
    if len(shape) < 2:
        raise ShapeError(f"{kind} needs a feature map with spatial dims, got the vector {INPUT}")
    return len(shape) - 1


def _kernel(name: str, nums: list[int], rank: int) -> tuple[int, ...]:
    if len(nums) == 1:
        return (nums[0],) * rank
    if len(nums) == rank:
        return tuple(nums)
    raise SpecSyntaxError(
        f"'{name}' kernel takes {'1 number' if rank == 1 else f'1 or {rank} numbers'} for a "
        f"rank-{rank} input, got {len(nums)}"
    )


def _check_kernel_rank(kind: str, kernel: tuple[int, ...], shape: Shape) -> None:
    """A kernel of one value per spatial dim of ``shape`` (a vector is refused first)."""
    if len(kernel) != len(shape) - 1:
        _need_map(kind, shape)
        raise ShapeError(
            f"{kind} kernel {fmt_shape(kernel)} does not fit the rank-{len(shape) - 1} "
            f"input {INPUT}"
        )


def _padding(opts: dict[str, object]) -> Padding:
    p = opts.get("p", 0)
    return 0 if p == "valid" else p  # type: ignore[return-value]


def _dims(value: PerDim, rank: int) -> tuple[int, ...]:
    """A per-dim field (one value for every dim, or a tuple of them) as ``rank`` values."""
    return value if isinstance(value, tuple) else (value,) * rank


class Window(NamedTuple):
    """One spatial dim of the window a layer slides, for receptive-field arithmetic.

    ``kernel`` is the dilated extent D·(F−1) + 1 and ``pad`` the padding before (top/left).
    ``up`` > 1 means the window slides on an ``up``-times finer grid than the layer's input
    (upsample, transposed conv — the fractionally strided view), ``kernel`` and ``pad`` counted
    on that grid.
    """

    kernel: int
    stride: int
    pad: int
    up: int = 1


class Slide(NamedTuple):
    """The geometry of a conv's or pool's sliding window, one value per spatial dim, as
    ``forward``, ``rf_window`` and ``explain`` read it: :func:`_slide` works it out from the
    layer's fields."""

    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    #: padding before and after; None for psame, whose padding depends on the input size
    pad: tuple[int, ...] | None
    #: the dilated kernel D·(F−1) + 1
    extent: tuple[int, ...]
    #: the receptive-field windows, which depend on the input only under psame (then None)
    windows: tuple[Window, ...] | None


@lru_cache(maxsize=4096)
def _slide(kernel: tuple[int, ...], stride: PerDim, padding: Padding, dilation: PerDim) -> Slide:
    """The :class:`Slide` of a conv or pool from its fields; remembered, since a network (and a
    batch) slides the same window over many input shapes."""
    rank = len(kernel)
    strides, dilations = _dims(stride, rank), _dims(dilation, rank)
    extent = tuple(d * (f - 1) + 1 for f, d in zip(kernel, dilations))
    if padding == "same":
        return Slide(kernel, strides, dilations, None, extent, None)
    pads = _dims(padding, rank)
    windows = tuple(Window(e, s, p) for e, s, p in zip(extent, strides, pads))
    return Slide(kernel, strides, dilations, pads, extent, windows)


def _windows(
    kind: str,
    shape: Shape,
    slide: Slide,
    ceil: bool,
    effect: Effect,
    extra: tuple[int, ...] | None = None,
) -> list[int]:
    """Output spatial sizes of a sliding window (conv or pool), per the contract's rules.

    Checks the input is a map of the kernel's rank; adds psame padding notes, floor warnings and
    the receptive-field windows to ``effect``; raises on an output < 1.  ``extra``: rows a
    ``zpad`` just before added after the input, per dim; they count as padding in the floor
    warning.
    """
    if len(shape) != len(slide.kernel) + 1:
        _check_kernel_rank(kind, slide.kernel, shape)
    if slide.pad is None:
        return _same_windows(shape, slide, effect)
    effect.windows = slide.windows
    outs: list[int] = []
    # zip stops at the kernel's end: shape's last entry, the channels, is left out.  A message
    # finds its dim at len(outs) (an enumerate was a tenth of a conv's miss)
    for w, eff, stride, p in zip(shape, slide.extent, slide.stride, slide.pad):
        span = w + 2 * p - eff
        if ceil:
            o = -(-span // stride) + 1
            if (o - 1) * stride >= w + p:
                o -= 1
            if o < 1:
                name, k = _dim_terms(slide, len(outs))
                raise ShapeError(
                    f"{kind} on {INPUT}: {name}: ⌈({w} + 2·{p} − {k})/{stride}⌉ + 1 = {_n(o)} < 1"
                )
        else:
            o = span // stride + 1
            if span < 0:
                name, k = _dim_terms(slide, len(outs))
                raise ShapeError(
                    f"{kind} on {INPUT}: {name}: ⌊({w} + 2·{p} − {k})/{stride}⌋ + 1"
                    f" = {_n(o)}: the kernel ({eff}) is larger than the padded input ({w + 2 * p})"
                )
            r = span % stride
            # input rows past the last window, unless padding (or a zpad's rows) covers them
            if r > p and eff >= stride:
                a = extra[len(outs)] if extra else 0
                if r > p + a:
                    name, k = _dim_terms(slide, len(outs))
                    lost = r - p - a
                    rows = "row" if lost == 1 else "rows"
                    past = f" (before the zpad's {a})" if a else ""
                    effect.warnings += (
                        f"{name}: ({w} + 2·{p} − {k}) mod {stride} = {r}: the last {lost} "
                        f"input {rows}{past} along {name} {'is' if lost == 1 else 'are'} never "
                        "covered by a window",
                    )
        outs.append(o)
    return outs


def _same_windows(shape: Shape, slide: Slide, effect: Effect) -> list[int]:
    """Output spatial sizes under psame: ⌈W/S⌉, with a note where the padding is uneven; the
    windows (into ``effect``) pad before by the TensorFlow rule."""
    outs = []
    windows = []
    for name, w, eff, stride in zip(
        DIM_NAMES[len(slide.kernel)], shape, slide.extent, slide.stride
    ):
        o, before, total = _same_split(w, eff, stride)
        if total % 2:
            effect.notes += (
                f"{name}: psame pads {before} before, {total - before} after (TensorFlow rule)",
            )
        outs.append(o)
        windows.append(Window(eff, stride, before))
    effect.windows = tuple(windows)
    return outs


def _dim_terms(slide: Slide, i: int) -> tuple[str, str]:
    """The name of spatial dim ``i`` and the kernel term of a message about its window: F, or
    D·(F−1) − 1 when dilated (written only when a message is: it is not on the hot path)."""
    f, d = slide.kernel[i], slide.dilation[i]
    return DIM_NAMES[len(slide.kernel)][i], f"{f}" if d == 1 else f"{d}·({f}−1) − 1"


def _check_groups(kind: str, groups: int, c_in: int, c_out: int) -> None:
    if groups > 1 and (c_in % groups or c_out % groups):
        raise ShapeError(
            f"{kind}: groups g{groups} must divide both the input channels ({c_in}) "
            f"and the output channels ({c_out})"
        )


def _same_split(w: int, eff: int, stride: int) -> tuple[int, int, int]:
    """psame by the TensorFlow rule: (output ⌈W/S⌉, padding before, total padding)."""
    o = -(-w // stride)
    total = max((o - 1) * stride + eff - w, 0)
    return o, total // 2, total


# --------------------------------------------------------------------------------------------
# --explain: the arithmetic as a student writes it (built only when asked)

_DIM_WORDS = {"L": "position", "D": "slice", "H": "row", "W": "column"}


def _dot(nums: Iterable[int]) -> str:
    return "·".join(_n(x) for x in nums)


def _quotient(a: int, b: int) -> str:
    """a/b exactly, for a floor or a ceiling: 14; 13.5 (a decimal only when it ends within
    :data:`_PLACES` places); else the division itself, 599/600 — never a rounded decimal."""
    if a % b == 0:
        return _n(a // b)
    d = b // gcd(a, b)
    twos = fives = 0
    while d % 2 == 0:
        d, twos = d // 2, twos + 1
    while d % 5 == 0:
        d, fives = d // 5, fives + 1
    places = max(twos, fives)
    if d != 1 or places > _PLACES:
        return f"{_n(a)}/{_n(b)}"
    scaled = abs(a) * 10**places // b  # exact: 10^places/b's denominator is whole
    whole, frac = divmod(scaled, 10**places)
    return ("−" if a < 0 else "") + f"{whole:,}.{frac:0{places}d}"


_PLACES = 6


def _layout(spatial: list[str], channels: str | None, channels_first: bool) -> list[str]:
    """Per-dim lines in the layout's own order: the channel line last, or first."""
    if channels is None:
        return spatial
    return [channels, *spatial] if channels_first else [*spatial, channels]


def _kernel_text(f: int, d: int) -> str:
    """The kernel term subtracted in the output formula: F, or D·(F − 1) − 1 when dilated."""
    return _n(f) if d == 1 else f"{_n(d)}·({_n(f)} − 1) − 1"


def _window_lines(
    shape: Shape, slide: Slide, ceil: bool, extra: tuple[int, ...] | None = None
) -> list[str]:
    """One line per spatial dim of a conv or pool: ⌊(W + 2·P − F)/S⌋ + 1 with the numbers in.

    ``extra``: rows a ``zpad`` just before added after the input (they count as padding)."""
    lines = []
    rank = len(slide.kernel)
    pads = slide.pad or (None,) * rank
    rows = zip(DIM_NAMES[rank], shape[:-1], slide.kernel, slide.stride, slide.dilation, pads)
    for (name, w, f, s, dilation, p), a in zip(rows, extra or (0,) * rank):
        eff = dilation * (f - 1) + 1
        if p is None:
            o, before, total = _same_split(w, eff, s)
            head = f"{name}: ⌈{_n(w)}/{_n(s)}⌉ = "
            q = _quotient(w, s)
            head += f"{_n(o)}" if w % s == 0 or "/" in q else f"⌈{q}⌉ = {_n(o)}"
            k = _n(eff) if dilation == 1 else f"({_n(dilation)}·({_n(f)} − 1) + 1)"
            pad = f"({_n(o)} − 1)·{_n(s)} + {k} − {_n(w)}"
            raw = (o - 1) * s + eff - w
            pad = f"max({pad}, 0) = 0" if raw < 0 else f"{pad} = {_n(total)}"
            lines.append(
                f"{head}; psame pads {pad}: {_n(before)} before, {_n(total - before)} after"
            )
            continue
        span = w + 2 * p - eff
        expr = f"({_n(w)} + 2·{_n(p)} − {_kernel_text(f, dilation)})/{_n(s)}"
        if ceil:
            o = -(-span // s) + 1
            text = f"{name}: ⌈{expr}⌉ + 1 = "
            text += f"{_n(o - 1)} + 1" if span % s == 0 else f"⌈{_quotient(span, s)}⌉ + 1"
            text += f" = {_n(o)}"
            if (o - 1) * s >= w + p:
                o -= 1
                text += f" − 1 = {_n(o)}: window {_n(o + 1)} would start in the right padding"
            lines.append(text)
            continue
        if span % s == 0:
            lines.append(f"{name}: ⌊{expr}⌋ + 1 = {_n(span // s)} + 1 = {_n(span // s + 1)}")
            continue
        r = span % s
        text = f"{name}: ⌊{expr}⌋ + 1 = ⌊{_quotient(span, s)}⌋ + 1 = {_n(span // s + 1)}; "
        text += f"{_n(span)} mod {_n(s)} = {_n(r)}"
        if r <= p:
            text += f" ≤ padding {_n(p)}: only padding is left out, no input pixel lost"
        elif r <= p + a:
            text += f" ≤ padding {_n(p)} + {_n(a)} from the zpad before: no input pixel lost"
        elif eff < s:
            text += f": the kernel ({_n(eff)}) < the stride ({_n(s)}) skips input on purpose"
        else:
            lost = r - p - a
            word = _DIM_WORDS[name] + (" is" if lost == 1 else "s are")
            by = f"padding {_n(p)}" if not a else f"padding {_n(p)} + the zpad's {_n(a)}"
            text += f" > {by}: the last {_n(lost)} input {word} lost"
        lines.append(text)
    return lines


def _per_filter(kernel: tuple[int, ...], c_in: int, groups: int, channels_first: bool) -> str:
    """Weights per filter, in the layout's order: 3·3·16, or 16·3·3 (PyTorch), (16/4) grouped."""
    c = _n(c_in) if groups == 1 else f"({_n(c_in)}/{_n(groups)})"
    k = _dot(kernel)
    return f"{c}·{k}" if channels_first else f"{k}·{c}"


def _params_line(per: str, filters: int, bias: bool, total: int) -> str:
    if bias:
        return f"params: ({per} + 1)·{_n(filters)} = {_n(total)}"
    return f"params: {per}·{_n(filters)} = {_n(total)}"
