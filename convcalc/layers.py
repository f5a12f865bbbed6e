"""The layer registry: one class per layer kind, and the only module that knows layer kinds.

Each class is a pydantic model (its ``kind`` a ``Literal``) that holds, side by side:

* ``NAMES`` – the tokens that spell it (the first is canonical) and ``OPTIONS`` it accepts;
* ``from_token`` – how the x-numbers and options of a token become typed fields;
* ``forward`` – its shape rule, parameter rule and MAC rule, given the input shape.

``spec.py`` looks names up in :data:`REGISTRY`; ``engine.py`` only calls ``forward``.  Adding a
layer kind means adding one class here (decorated with :func:`register`) and its tests.

Shapes are tuples in channels-last order: ``(*spatial, C)`` for a feature map of rank 1–3, and
``(N,)`` for a vector.  ``--channels-first`` is converted at the edges (parser, engine output).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from math import gcd, prod
from typing import Annotated, ClassVar, Literal, NamedTuple, Union

from pydantic import BaseModel, ConfigDict, Field

from .errors import ShapeError, SpecSyntaxError

Shape = tuple[int, ...]
Padding = Union[int, Literal["same"]]

MAX_INT = 2**31 - 1

DIM_NAMES: dict[int, tuple[str, ...]] = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


#: Stands for "the layer's input shape" in messages and notes: the engine writes the shape in
#: the display layout (channels first or last), which a layer does not know.
INPUT = "{input}"


def fmt_shape(shape: Shape) -> str:
    return "×".join(str(n) for n in shape)


def fmt_int(n: int) -> str:
    return f"{n:,}"


def _n(x: int) -> str:
    """An integer in a formula shown to people: thousands separated, a real minus sign (−1)."""
    return f"−{-x:,}" if x < 0 else f"{x:,}"


def in_layout(shape: Shape, channels_first: bool) -> Shape:
    """A shape (kept channels last) in the display layout: channels first on request."""
    if channels_first and len(shape) > 1:
        return (shape[-1], *shape[:-1])
    return shape


@dataclass(slots=True)
class Effect:
    """What one layer does to its input: the output shape and what the layer costs."""

    shape: Shape
    trainable: int = 0
    non_trainable: int = 0
    macs: int = 0
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# base class and registry


class Layer(BaseModel):
    """Base of every layer kind.  Subclasses set ``kind``, ``NAMES``, ``OPTIONS``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    NAMES: ClassVar[tuple[str, ...]] = ()
    OPTIONS: ClassVar[frozenset[str]] = frozenset()
    #: how the numbers after the name are read: "ints" (x-joined integers), "rate", or "none"
    NUMBERS: ClassVar[str] = "none"
    #: conv-family tokens may also put ``x<n>`` after the options
    TRAILING_X: ClassVar[bool] = False

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
        raise NotImplementedError

    def rf_window(self, shape: Shape) -> tuple[Window, ...] | None:
        """The window this layer slides over ``shape``, one per spatial dim, for receptive fields.

        ``()`` (this default) when every position stays where it is; ``None`` when the output has
        no positions left (flatten, dense, global pools): the field becomes the whole input.
        """
        return ()

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        """The arithmetic of ``forward`` with the numbers in, one line per step (``--explain``)."""
        return [f"shape unchanged: {fmt_shape(in_layout(effect.shape, channels_first))}"]


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
    if len(kernel) != len(shape) - 1:
        raise ShapeError(
            f"{kind} kernel {fmt_shape(kernel)} does not fit the rank-{len(shape) - 1} "
            f"input {INPUT}"
        )


def _padding(opts: dict[str, object]) -> Padding:
    p = opts.get("p", 0)
    return 0 if p == "valid" else p  # type: ignore[return-value]


def _windows(
    kind: str,
    shape: Shape,
    kernel: tuple[int, ...],
    strides: tuple[int, ...],
    padding: Padding,
    dilation: int,
    ceil: bool,
    effect: Effect,
) -> list[int]:
    """Output spatial sizes of a sliding window (conv or pool), per the contract's rules.

    Adds psame padding notes and floor warnings to ``effect``; raises on an output < 1.
    """
    names = DIM_NAMES[len(kernel)]
    outs: list[int] = []
    for name, w, f, stride in zip(names, shape[:-1], kernel, strides):
        eff = dilation * (f - 1) + 1
        if padding == "same":
            o, before, total = _same_split(w, eff, stride)
            if total % 2:
                effect.notes.append(
                    f"{name}: psame pads {before} before, {total - before} after (TensorFlow rule)"
                )
            outs.append(o)
            continue
        p = padding
        kern = f"{f}" if dilation == 1 else f"{dilation}·({f}−1) − 1"
        span = w + 2 * p - eff
        if ceil:
            o = -(-span // stride) + 1
            if (o - 1) * stride >= w + p:
                o -= 1
            if o < 1:
                raise ShapeError(
                    f"{kind} on {INPUT}: {name}: ⌈({w} + 2·{p} − {kern})/{stride}⌉ + 1"
                    f" = {_n(o)} < 1"
                )
        else:
            o = span // stride + 1
            if span < 0:
                raise ShapeError(
                    f"{kind} on {INPUT}: {name}: ⌊({w} + 2·{p} − {kern})/{stride}⌋ + 1"
                    f" = {_n(o)}: the kernel ({eff}) is larger than the padded input ({w + 2 * p})"
                )
            r = span % stride
            if r > p and eff >= stride:
                lost = r - p
                rows = "row" if lost == 1 else "rows"
                effect.warnings.append(
                    f"{name}: ({w} + 2·{p} − {kern}) mod {stride} = {r}: the last {lost} input "
                    f"{rows} along {name} {'is' if lost == 1 else 'are'} never covered by a window"
                )
        outs.append(o)
    return outs


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
# receptive-field windows (cheap integer facts; the engine runs the recurrence)


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


def _sliding(
    shape: Shape,
    kernel: tuple[int, ...],
    strides: tuple[int, ...],
    padding: Padding,
    dilation: int,
) -> tuple[Window, ...]:
    """The windows of a conv or pool; psame's padding before by the TensorFlow rule."""
    out = []
    for w, f, s in zip(shape[:-1], kernel, strides):
        eff = dilation * (f - 1) + 1
        pad = _same_split(w, eff, s)[1] if padding == "same" else padding
        out.append(Window(eff, s, pad))
    return tuple(out)


# --------------------------------------------------------------------------------------------
# --explain: the arithmetic as a student writes it (built only when asked)

_DIM_WORDS = {"L": "position", "D": "slice", "H": "row", "W": "column"}


def _dot(nums: Iterable[int]) -> str:
    return "·".join(_n(x) for x in nums)


def _quotient(a: int, b: int) -> str:
    """a/b for a floor or ceiling: 14, 13.5, 9.33…"""
    if a % b == 0:
        return _n(a // b)
    d = b // gcd(a, b)
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    text = f"{abs(a) / b:,.6f}".rstrip("0") if d == 1 else f"{abs(a) / b:,.2f}…"
    return ("−" if a < 0 else "") + text


def _layout(spatial: list[str], channels: str | None, channels_first: bool) -> list[str]:
    """Per-dim lines in the layout's own order: the channel line last, or first."""
    if channels is None:
        return spatial
    return [channels, *spatial] if channels_first else [*spatial, channels]


def _kernel_text(f: int, d: int) -> str:
    """The kernel term subtracted in the output formula: F, or D·(F − 1) − 1 when dilated."""
    return _n(f) if d == 1 else f"{_n(d)}·({_n(f)} − 1) − 1"


def _window_lines(
    shape: Shape,
    kernel: tuple[int, ...],
    strides: tuple[int, ...],
    padding: Padding,
    dilation: int,
    ceil: bool,
) -> list[str]:
    """One line per spatial dim of a conv or pool: ⌊(W + 2·P − F)/S⌋ + 1 with the numbers in."""
    lines = []
    for name, w, f, s in zip(DIM_NAMES[len(kernel)], shape[:-1], kernel, strides):
        eff = dilation * (f - 1) + 1
        if padding == "same":
            o, before, total = _same_split(w, eff, s)
            head = f"{name}: ⌈{_n(w)}/{_n(s)}⌉ = "
            head += f"{_n(o)}" if w % s == 0 else f"⌈{_quotient(w, s)}⌉ = {_n(o)}"
            k = _n(eff) if dilation == 1 else f"({_n(dilation)}·({_n(f)} − 1) + 1)"
            pad = f"({_n(o)} − 1)·{_n(s)} + {k} − {_n(w)}"
            raw = (o - 1) * s + eff - w
            pad = f"max({pad}, 0) = 0" if raw < 0 else f"{pad} = {_n(total)}"
            lines.append(
                f"{head}; psame pads {pad}: {_n(before)} before, {_n(total - before)} after"
            )
            continue
        p = padding
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
        elif eff < s:
            text += f": the kernel ({_n(eff)}) < the stride ({_n(s)}) skips input on purpose"
        else:
            word = _DIM_WORDS[name] + (" is" if r - p == 1 else "s are")
            text += f" > padding {_n(p)}: the last {_n(r - p)} input {word} lost"
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


# --------------------------------------------------------------------------------------------
# convolution family

_CONV_OPTS = frozenset({"s", "p", "d", "nb"})


class _ConvFamily(Layer):
    """What conv, dwconv, sepconv and deconv share: a kernel per spatial dim that slides with
    one stride, padding and dilation, and an optional bias.  Not registered itself."""

    OPTIONS = _CONV_OPTS
    NUMBERS = "ints"
    TRAILING_X = True
    #: the last x-number is the filter count (all but dwconv)
    FILTER_COUNT: ClassVar[bool] = True

    kind: str
    kernel: tuple[int, ...]
    stride: int = 1
    padding: Padding = 0
    dilation: int = 1
    bias: bool = True

    @staticmethod
    def kernel_and_filters(
        name: str, nums: list[int], opts: dict[str, object], rank: int
    ) -> tuple[tuple[int, ...], int]:
        """All the x-numbers in order (after the options too): the last is the filter count."""
        nums = nums + opts.get("x", [])  # type: ignore[operator]
        if len(nums) < 2:
            raise SpecSyntaxError(
                f"'{name}' needs a kernel and a filter count, e.g. {name}3x3x32 "
                "(the last x-number is the filter count)"
            )
        return _kernel(name, nums[:-1], rank), nums[-1]

    @staticmethod
    def sliding_options(opts: dict[str, object]) -> dict[str, object]:
        """The stride, padding, dilation and bias fields from a token's options."""
        return {
            "stride": opts.get("s", 1),
            "padding": _padding(opts),
            "dilation": opts.get("d", 1),
            "bias": "nb" not in opts,
        }

    @classmethod
    def reading_notes(
        cls, name: str, nums: list[int], opts: dict[str, object], rank: int
    ) -> list[str]:
        # conv3x3 reads as kernel 3 with 3 filters, which is rarely what was meant
        if (
            cls.FILTER_COUNT
            and rank >= 2
            and len(nums) == 2
            and nums[0] == nums[1]
            and "x" not in opts
        ):
            k = nums[0]
            return [f"read as kernel {k}, {k} filters: write {name}{k}x{k}xN for N filters"]
        return []

    @property
    def strides(self) -> tuple[int, ...]:
        return (self.stride,) * len(self.kernel)

    def spatial(self, shape: Shape, effect: Effect) -> list[int]:
        """Output spatial sizes (floor rule, psame notes, floor warnings into ``effect``)."""
        _need_map(self.kind, shape)
        _check_kernel_rank(self.kind, self.kernel, shape)
        return _windows(
            self.kind, shape, self.kernel, self.strides, self.padding, self.dilation, False, effect
        )

    def rf_window(self, shape: Shape) -> tuple[Window, ...]:
        return _sliding(shape, self.kernel, self.strides, self.padding, self.dilation)

    def window_lines(self, shape: Shape) -> list[str]:
        return _window_lines(shape, self.kernel, self.strides, self.padding, self.dilation, False)


@register
class Conv(_ConvFamily):
    """``conv``: nn.Conv{1,2,3}d / Keras ConvND."""

    NAMES = ("conv",)
    OPTIONS = _CONV_OPTS | {"g"}

    kind: Literal["conv"] = "conv"
    filters: int
    groups: int = 1

    @classmethod
    def from_token(cls, name: str, nums: list[int], opts: dict[str, object], rank: int) -> Conv:
        kernel, filters = cls.kernel_and_filters(name, nums, opts, rank)
        return cls(
            kernel=kernel,
            filters=filters,
            groups=opts.get("g", 1),
            **cls.sliding_options(opts),  # type: ignore[arg-type]
        )

    def forward(self, shape: Shape) -> Effect:
        c_in = shape[-1]
        effect = Effect(shape=())
        spatial = self.spatial(shape, effect)
        _check_groups(self.kind, self.groups, c_in, self.filters)
        effect.shape = (*spatial, self.filters)
        k = prod(self.kernel)
        effect.trainable = k * (c_in // self.groups) * self.filters + self.filters * self.bias
        effect.macs = prod(effect.shape) * k * (c_in // self.groups)
        return effect

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        dims = self.window_lines(shape)
        lines = _layout(dims, f"C: {_n(self.filters)} filters", channels_first)
        per = _per_filter(self.kernel, shape[-1], self.groups, channels_first)
        lines.append(_params_line(per, self.filters, self.bias, effect.trainable))
        out = _dot(in_layout(effect.shape, channels_first))
        lines.append(f"MACs: {out} · {per} = {_n(effect.macs)}")
        return lines


@register
class DepthwiseConv(_ConvFamily):
    """``dwconv``: a conv with groups = C_in and C_in·m filters (Keras DepthwiseConv2D)."""

    NAMES = ("dwconv",)
    FILTER_COUNT = False

    kind: Literal["dwconv"] = "dwconv"
    multiplier: int = 1

    @classmethod
    def from_token(
        cls, name: str, nums: list[int], opts: dict[str, object], rank: int
    ) -> DepthwiseConv:
        if not nums:
            raise SpecSyntaxError(f"'{name}' needs a kernel, e.g. {name}3x3")
        multiplier = 1
        trailing: list[int] = opts.get("x", [])  # type: ignore[assignment]
        if len(trailing) > 1:
            raise SpecSyntaxError(f"'{name}' takes one depth multiplier x<m>")
        if trailing:
            multiplier = trailing[0]
        elif len(nums) == rank + 1 or (len(nums) == 2 and rank > 2):
            *nums, multiplier = nums
        return cls(
            kernel=_kernel(name, nums, rank),
            multiplier=multiplier,
            **cls.sliding_options(opts),  # type: ignore[arg-type]
        )

    def forward(self, shape: Shape) -> Effect:
        effect = Effect(shape=())
        spatial = self.spatial(shape, effect)
        c_out = shape[-1] * self.multiplier
        effect.shape = (*spatial, c_out)
        k = prod(self.kernel)
        effect.trainable = k * c_out + c_out * self.bias
        effect.macs = prod(effect.shape) * k
        return effect

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        dims = self.window_lines(shape)
        c_in, m = shape[-1], self.multiplier
        c_out = _n(c_in) if m == 1 else f"{_n(c_in)}·{_n(m)}"
        channels = (
            f"C: {_n(c_in)}, one filter per input channel"
            if m == 1
            else f"C: {c_out} = {_n(c_in * m)} (channels · multiplier)"
        )
        lines = _layout(dims, channels, channels_first)
        k = _dot(self.kernel)
        if self.bias:
            lines.append(f"params: ({k} + 1)·{c_out} = {_n(effect.trainable)}")
        else:
            lines.append(f"params: {k}·{c_out} = {_n(effect.trainable)}")
        out = _dot(in_layout(effect.shape, channels_first))
        lines.append(f"MACs: {out} · {k} = {_n(effect.macs)}")
        return lines


@register
class SeparableConv(_ConvFamily):
    """``sepconv``: Keras SeparableConv2D — depthwise (no bias) then a 1×1 conv (with bias)."""

    NAMES = ("sepconv",)

    kind: Literal["sepconv"] = "sepconv"
    filters: int
    multiplier: int = 1

    @classmethod
    def from_token(
        cls, name: str, nums: list[int], opts: dict[str, object], rank: int
    ) -> SeparableConv:
        kernel, filters = cls.kernel_and_filters(name, nums, opts, rank)
        return cls(kernel=kernel, filters=filters, **cls.sliding_options(opts))  # type: ignore[arg-type]

    def forward(self, shape: Shape) -> Effect:
        effect = Effect(shape=())
        spatial = self.spatial(shape, effect)
        c_mid = shape[-1] * self.multiplier
        effect.shape = (*spatial, self.filters)
        k = prod(self.kernel)
        positions = prod(spatial)
        effect.trainable = k * c_mid + c_mid * self.filters + self.filters * self.bias
        effect.macs = positions * c_mid * k + positions * c_mid * self.filters
        return effect

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        dims = self.window_lines(shape)
        lines = _layout(dims, f"C: {_n(self.filters)} filters", channels_first)
        c_in, m = shape[-1], self.multiplier
        mid = _n(c_in) if m == 1 else f"{_n(c_in)}·{_n(m)}"
        k, f = _dot(self.kernel), _n(self.filters)
        bias = f" + {f}" if self.bias else ""
        lines.append(
            f"params: {k}·{mid} depthwise + {mid}·{f} pointwise{bias} = {_n(effect.trainable)}"
        )
        mid_shape = (*effect.shape[:-1], c_in * m)
        out = _dot(in_layout(mid_shape, channels_first))
        lines.append(f"MACs: {out} · {k} + {out} · {f} = {_n(effect.macs)}")
        return lines


@register
class ConvTranspose(_ConvFamily):
    """``deconv`` / ``convt``: nn.ConvTranspose{1,2,3}d; ``psame`` follows Keras (output W·S)."""

    NAMES = ("deconv", "convt")
    OPTIONS = _CONV_OPTS | {"g", "op"}

    kind: Literal["deconv"] = "deconv"
    filters: int
    output_padding: int = 0
    groups: int = 1

    @classmethod
    def from_token(
        cls, name: str, nums: list[int], opts: dict[str, object], rank: int
    ) -> ConvTranspose:
        kernel, filters = cls.kernel_and_filters(name, nums, opts, rank)
        sliding = cls.sliding_options(opts)
        stride, dilation = sliding["stride"], sliding["dilation"]
        op = opts.get("op", 0)
        if sliding["padding"] == "same" and "op" in opts:
            raise SpecSyntaxError(f"'{name}': op goes with an explicit padding p<n>, not psame")
        if op >= max(stride, dilation):  # type: ignore[operator, type-var]
            raise SpecSyntaxError(
                f"'{name}': output padding op{op} must be smaller than max(stride, dilation) = "
                f"{max(stride, dilation)}"  # type: ignore[type-var]
            )
        return cls(
            kernel=kernel,
            filters=filters,
            output_padding=op,  # type: ignore[arg-type]
            groups=opts.get("g", 1),  # type: ignore[arg-type]
            **sliding,  # type: ignore[arg-type]
        )

    def torch_padding(self, f: int) -> tuple[int, int, int]:
        """(padding, output_padding, crop) that make PyTorch produce the Keras ``same`` size W·S.

        ``crop`` is 1 where no legal output padding (< max(stride, dilation)) fits — stride and
        dilation 1 with an even kernel: PyTorch's output is then one longer; drop its last row.
        """
        t = self.dilation * (f - 1) + 1 - self.stride
        if t <= 0:
            return 0, -t, 0
        p = (t + 1) // 2
        if 2 * p - t < max(self.stride, self.dilation):
            return p, 2 * p - t, 0
        return t // 2, 0, 1

    def forward(self, shape: Shape) -> Effect:
        _need_map(self.kind, shape)
        _check_kernel_rank(self.kind, self.kernel, shape)
        c_in = shape[-1]
        _check_groups(self.kind, self.groups, c_in, self.filters)
        effect = Effect(shape=())
        names = DIM_NAMES[len(self.kernel)]
        spatial: list[int] = []
        s, d = self.stride, self.dilation
        for name, w, f in zip(names, shape[:-1], self.kernel):
            if self.padding == "same":
                o = w * s
                p, op, crop = self.torch_padding(f)
                effect.notes.append(
                    f"{name}: psame gives {w}·{s} = {o} (Keras); in PyTorch padding={p}, "
                    f"output_padding={op}" + (", then drop the last row" if crop else "")
                )
            else:
                p, op = self.padding, self.output_padding
                o = (w - 1) * s - 2 * p + d * (f - 1) + op + 1
                if o < 1:
                    raise ShapeError(
                        f"{self.kind} on {INPUT}: {name}: ({w} − 1)·{s} − 2·{p} + "
                        f"{d}·({f} − 1) + {op} + 1 = {_n(o)} < 1"
                    )
            spatial.append(o)
        effect.shape = (*spatial, self.filters)
        k = prod(self.kernel)
        effect.trainable = k * c_in * (self.filters // self.groups) + self.filters * self.bias
        effect.macs = prod(shape) * k * (self.filters // self.groups)
        return effect

    def rf_window(self, shape: Shape) -> tuple[Window, ...]:
        # A stride-1 conv of the dilated kernel on the S-times finer grid (zeros between the
        # inputs), padded by D·(F−1) − P before: the fractionally strided view.
        windows = []
        for f in self.kernel:
            eff = self.dilation * (f - 1) + 1
            crop = max(eff - self.stride, 0) // 2 if self.padding == "same" else self.padding
            windows.append(Window(eff, 1, eff - 1 - crop, self.stride))
        return tuple(windows)

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        s, d, op = self.stride, self.dilation, self.output_padding
        dims = []
        names = DIM_NAMES[len(self.kernel)]
        for name, w, f, o in zip(names, shape[:-1], self.kernel, effect.shape):
            if self.padding == "same":
                dims.append(f"{name}: {_n(w)}·{_n(s)} = {_n(o)} (psame: W·S, as Keras)")
                continue
            k = _n(f) if d == 1 else f"{_n(d)}·({_n(f)} − 1) + 1"
            extra = f" + {_n(op)} (output padding)" if op else ""
            dims.append(
                f"{name}: ({_n(w)} − 1)·{_n(s)} − 2·{_n(self.padding)} + {k}{extra} = {_n(o)}"
            )
        lines = _layout(dims, f"C: {_n(self.filters)} filters", channels_first)
        per = _per_filter(self.kernel, shape[-1], self.groups, channels_first)
        lines.append(_params_line(per, self.filters, self.bias, effect.trainable))
        f = _n(self.filters) if self.groups == 1 else f"({_n(self.filters)}/{_n(self.groups)})"
        kern = f"{f}·{_dot(self.kernel)}" if channels_first else f"{_dot(self.kernel)}·{f}"
        lines.append(f"MACs: {_dot(in_layout(shape, channels_first))} · {kern} = {_n(effect.macs)}")
        return lines


# --------------------------------------------------------------------------------------------
# pooling


@register
class Pool(Layer):
    """``pool`` (= max), ``maxpool``, ``avgpool``: nn.MaxPool/AvgPool; stride defaults to F."""

    NAMES = ("pool", "maxpool", "avgpool")
    OPTIONS = frozenset({"s", "p", "d", "ceil"})
    NUMBERS = "ints"

    kind: Literal["maxpool", "avgpool"]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: Padding = 0
    dilation: int = 1
    ceil: bool = False

    @classmethod
    def from_token(cls, name: str, nums: list[int], opts: dict[str, object], rank: int) -> Pool:
        kind = "avgpool" if name == "avgpool" else "maxpool"
        if kind == "avgpool" and "d" in opts:
            raise SpecSyntaxError("option 'd' (dilation) does not apply to 'avgpool'")
        kernel = _kernel(name, nums or [2], rank)
        padding = _padding(opts)
        if opts.get("ceil") and padding == "same":
            raise SpecSyntaxError(f"'{name}': ceil goes with explicit padding, not psame")
        if isinstance(padding, int):
            for f in kernel:
                if padding > f // 2:
                    raise SpecSyntaxError(
                        f"'{name}': pool padding p{padding} must be at most half the kernel "
                        f"({f} // 2 = {f // 2})"
                    )
        stride = (opts["s"],) * rank if "s" in opts else kernel
        return cls(
            kind=kind,
            kernel=kernel,
            stride=stride,  # type: ignore[arg-type]
            padding=padding,
            dilation=opts.get("d", 1),  # type: ignore[arg-type]
            ceil=bool(opts.get("ceil")),
        )

    def forward(self, shape: Shape) -> Effect:
        _need_map(self.kind, shape)
        _check_kernel_rank(self.kind, self.kernel, shape)
        effect = Effect(shape=())
        spatial = _windows(
            self.kind,
            shape,
            self.kernel,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil,
            effect,
        )
        effect.shape = (*spatial, shape[-1])
        return effect

    def rf_window(self, shape: Shape) -> tuple[Window, ...]:
        return _sliding(shape, self.kernel, self.stride, self.padding, self.dilation)

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        return _window_lines(
            shape, self.kernel, self.stride, self.padding, self.dilation, self.ceil
        )


@register
class GlobalPool(Layer):
    """``gap`` / ``gmp``: global average / max pooling to a vector of C."""

    NAMES = ("gap", "gmp")

    kind: Literal["gap", "gmp"]

    def forward(self, shape: Shape) -> Effect:
        _need_map(self.kind, shape)
        return Effect(shape=(shape[-1],))

    def rf_window(self, shape: Shape) -> None:
        return None

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        how = "mean" if self.kind == "gap" else "maximum"
        return [f"C: {_n(shape[-1])} values, each the {how} of {_dot(shape[:-1])} positions"]


# --------------------------------------------------------------------------------------------
# vectors


@register
class Flatten(Layer):
    """``flatten``: a vector of the product (a vector stays as it is)."""

    NAMES = ("flatten",)

    kind: Literal["flatten"] = "flatten"

    def forward(self, shape: Shape) -> Effect:
        return Effect(shape=(prod(shape),))

    def rf_window(self, shape: Shape) -> None:
        return None

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        if len(shape) == 1:
            return [f"a vector stays as it is: {_n(shape[0])}"]
        return [f"flatten: {_dot(in_layout(shape, channels_first))} = {_n(effect.shape[0])}"]


@register
class Dense(Layer):
    """``dense<n>`` / ``fc<n>`` / ``linear<n>``: nn.Linear; a map is flattened first."""

    NAMES = ("dense", "fc", "linear")
    OPTIONS = frozenset({"nb"})
    NUMBERS = "ints"

    kind: Literal["dense"] = "dense"
    units: int
    bias: bool = True

    @classmethod
    def from_token(cls, name: str, nums: list[int], opts: dict[str, object], rank: int) -> Dense:
        if len(nums) != 1:
            raise SpecSyntaxError(f"'{name}' takes one number, the units, e.g. {name}10")
        return cls(units=nums[0], bias="nb" not in opts)

    def forward(self, shape: Shape) -> Effect:
        n_in = prod(shape)
        effect = Effect(shape=(self.units,))
        if len(shape) > 1:
            effect.notes.append(f"flattened {INPUT} = {fmt_int(n_in)} first")
        effect.trainable = (n_in + self.bias) * self.units
        effect.macs = n_in * self.units
        return effect

    def rf_window(self, shape: Shape) -> None:
        return None

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        n_in, units = prod(shape), _n(self.units)
        lines = []
        if len(shape) > 1:
            lines.append(f"flatten: {_dot(in_layout(shape, channels_first))} = {_n(n_in)}")
        weights = f"({_n(n_in)} + 1)·{units}" if self.bias else f"{_n(n_in)}·{units}"
        lines.append(f"params: {weights} = {_n(effect.trainable)}")
        lines.append(f"MACs: {_n(n_in)}·{units} = {_n(effect.macs)}")
        return lines


# --------------------------------------------------------------------------------------------
# shape-preserving layers


@register
class BatchNorm(Layer):
    """``bn``: nn.BatchNorm{1,2,3}d — 2C trainable (γ, β) and 2C running statistics."""

    NAMES = ("bn",)

    kind: Literal["bn"] = "bn"

    def forward(self, shape: Shape) -> Effect:
        c = shape[-1]
        return Effect(shape=shape, trainable=2 * c, non_trainable=2 * c)

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        c, total = _n(shape[-1]), _n(effect.trainable + effect.non_trainable)
        return [f"params: 2·{c} trainable + 2·{c} running statistics = {total}"]


ActivationName = Literal[
    "relu", "relu6", "leakyrelu", "elu", "gelu", "silu", "sigmoid", "tanh", "softmax"
]


@register
class Activation(Layer):
    """An element-wise activation (softmax over the channels): shape unchanged, no parameters."""

    NAMES = ("relu", "relu6", "leakyrelu", "elu", "gelu", "silu", "sigmoid", "tanh", "softmax")

    kind: ActivationName

    def forward(self, shape: Shape) -> Effect:
        return Effect(shape=shape)


@register
class Dropout(Layer):
    """``dropout`` (rate 0.5), ``dropout0.25``, ``dropout.25``."""

    NAMES = ("dropout",)
    NUMBERS = "rate"

    kind: Literal["dropout"] = "dropout"
    rate: float = 0.5

    @classmethod
    def from_token(cls, name: str, nums: list[int], opts: dict[str, object], rank: int) -> Dropout:
        rate = opts.get("rate", 0.5)
        if not 0 <= rate < 1:  # type: ignore[operator]
            raise SpecSyntaxError(f"dropout rate {opts.get('rate_text')} is not in [0, 1)")
        return cls(rate=rate)

    def forward(self, shape: Shape) -> Effect:
        return Effect(shape=shape)


@register
class Identity(Layer):
    """``id``: passes its input through (a skip branch)."""

    NAMES = ("id",)

    kind: Literal["id"] = "id"

    def forward(self, shape: Shape) -> Effect:
        return Effect(shape=shape)


# --------------------------------------------------------------------------------------------
# resizing


@register
class Upsample(Layer):
    """``upsample<f>`` / ``up<f>``: nearest-neighbour upsampling, spatial × f (no number: 2)."""

    NAMES = ("upsample", "up")
    NUMBERS = "ints"

    kind: Literal["upsample"] = "upsample"
    factor: int = 2

    @classmethod
    def from_token(cls, name: str, nums: list[int], opts: dict[str, object], rank: int) -> Upsample:
        if len(nums) > 1:
            raise SpecSyntaxError(f"'{name}' takes one number, the factor, e.g. {name}2")
        return cls(factor=nums[0] if nums else 2)

    def forward(self, shape: Shape) -> Effect:
        _need_map(self.kind, shape)
        return Effect(shape=(*(w * self.factor for w in shape[:-1]), shape[-1]))

    def rf_window(self, shape: Shape) -> tuple[Window, ...]:
        # nearest upsampling is a transposed conv with an all-ones kernel f, stride f
        f = self.factor
        return (Window(f, 1, f - 1, f),) * (len(shape) - 1)

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        f = _n(self.factor)
        return [
            f"{name}: {_n(w)}·{f} = {_n(w * self.factor)}"
            for name, w in zip(DIM_NAMES[len(shape) - 1], shape[:-1])
        ]


@register
class ZeroPad(Layer):
    """``zpad<n>``: zero padding of n on both sides of every spatial dim."""

    NAMES = ("zpad",)
    NUMBERS = "ints"

    kind: Literal["zpad"] = "zpad"
    pad: int

    @classmethod
    def from_token(cls, name: str, nums: list[int], opts: dict[str, object], rank: int) -> ZeroPad:
        if len(nums) != 1:
            raise SpecSyntaxError(f"'{name}' takes one number, the padding, e.g. {name}1")
        return cls(pad=nums[0])

    def forward(self, shape: Shape) -> Effect:
        _need_map(self.kind, shape)
        return Effect(shape=(*(w + 2 * self.pad for w in shape[:-1]), shape[-1]))

    def rf_window(self, shape: Shape) -> tuple[Window, ...]:
        return (Window(1, 1, self.pad),) * (len(shape) - 1)

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        p = _n(self.pad)
        return [
            f"{name}: {_n(w)} + 2·{p} = {_n(w + 2 * self.pad)}"
            for name, w in zip(DIM_NAMES[len(shape) - 1], shape[:-1])
        ]


AnyLayer = Annotated[
    Union[
        Conv,
        DepthwiseConv,
        SeparableConv,
        ConvTranspose,
        Pool,
        GlobalPool,
        Flatten,
        Dense,
        BatchNorm,
        Activation,
        Dropout,
        Identity,
        Upsample,
        ZeroPad,
    ],
    Field(discriminator="kind"),
]
"""The typed output of the parser and input of the engine: a union discriminated on ``kind``."""

#: numbers that may be 0 (every other number must be ≥ 1)
ZERO_OK = frozenset({"p", "op", "zpad"})
