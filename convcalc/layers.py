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

from dataclasses import dataclass, field
from math import prod
from typing import Annotated, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from .errors import ShapeError, SpecSyntaxError

Shape = tuple[int, ...]
Padding = Union[int, Literal["same"]]

MAX_INT = 2**31 - 1

DIM_NAMES: dict[int, tuple[str, ...]] = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def fmt_shape(shape: Shape) -> str:
    return "×".join(str(n) for n in shape)


def fmt_int(n: int) -> str:
    return f"{n:,}"


def num(n: int) -> str:
    """An integer for arithmetic shown to people: a real minus sign, −1 not -1."""
    return f"−{-n}" if n < 0 else str(n)


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
        raise ShapeError(
            f"{kind} needs a feature map with spatial dims, got the vector {fmt_shape(shape)}"
        )
    return len(shape) - 1


def _kernel(name: str, nums: list[int], rank: int) -> tuple[int, ...]:
    if len(nums) == 1:
        return (nums[0],) * rank
    if len(nums) == rank:
        return tuple(nums)
    raise SpecSyntaxError(
        f"'{name}' kernel takes 1 or {rank} numbers for a rank-{rank} input, got {len(nums)}"
    )


def _check_kernel_rank(kind: str, kernel: tuple[int, ...], shape: Shape) -> None:
    if len(kernel) != len(shape) - 1:
        raise ShapeError(
            f"{kind} kernel {fmt_shape(kernel)} does not fit the rank-{len(shape) - 1} "
            f"input {fmt_shape(shape)}"
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
            o = -(-w // stride)
            total = max((o - 1) * stride + eff - w, 0)
            before = total // 2
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
                    f"{kind} on {fmt_shape(shape)}: {name}: ⌈({w} + 2·{p} − {kern})/{stride}⌉ + 1"
                    f" = {num(o)} < 1"
                )
        else:
            o = span // stride + 1
            if span < 0:
                raise ShapeError(
                    f"{kind} on {fmt_shape(shape)}: {name}: ⌊({w} + 2·{p} − {kern})/{stride}⌋ + 1"
                    f" = {num(o)}: the kernel ({eff}) is larger than the padded input ({w + 2 * p})"
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


# --------------------------------------------------------------------------------------------
# convolution family

_CONV_OPTS = frozenset({"s", "p", "d", "nb"})


@register
class Conv(Layer):
    """``conv``: nn.Conv{1,2,3}d / Keras ConvND."""

    NAMES = ("conv",)
    OPTIONS = _CONV_OPTS | {"g"}
    NUMBERS = "ints"
    TRAILING_X = True

    kind: Literal["conv"] = "conv"
    kernel: tuple[int, ...]
    filters: int
    stride: int = 1
    padding: Padding = 0
    dilation: int = 1
    groups: int = 1
    bias: bool = True

    @classmethod
    def from_token(cls, name: str, nums: list[int], opts: dict[str, object], rank: int) -> Conv:
        nums = nums + opts.get("x", [])  # type: ignore[operator]
        if len(nums) < 2:
            raise SpecSyntaxError(
                f"'{name}' needs a kernel and a filter count, e.g. {name}3x3x32 "
                "(the last x-number is the filter count)"
            )
        return cls(
            kernel=_kernel(name, nums[:-1], rank),
            filters=nums[-1],
            stride=opts.get("s", 1),
            padding=_padding(opts),
            dilation=opts.get("d", 1),
            groups=opts.get("g", 1),
            bias="nb" not in opts,
        )

    @classmethod
    def reading_notes(
        cls, name: str, nums: list[int], opts: dict[str, object], rank: int
    ) -> list[str]:
        # conv3x3 reads as kernel 3 with 3 filters, which is rarely what was meant
        if rank >= 2 and len(nums) == 2 and nums[0] == nums[1] and "x" not in opts:
            k = nums[0]
            return [f"read as kernel {k}, {k} filters: write {name}{k}x{k}xN for N filters"]
        return []

    def forward(self, shape: Shape) -> Effect:
        _need_map(self.kind, shape)
        _check_kernel_rank(self.kind, self.kernel, shape)
        c_in = shape[-1]
        _check_groups(self.kind, self.groups, c_in, self.filters)
        effect = Effect(shape=())
        strides = (self.stride,) * len(self.kernel)
        spatial = _windows(
            self.kind, shape, self.kernel, strides, self.padding, self.dilation, False, effect
        )
        effect.shape = (*spatial, self.filters)
        k = prod(self.kernel)
        effect.trainable = k * (c_in // self.groups) * self.filters + self.filters * self.bias
        effect.macs = prod(effect.shape) * k * (c_in // self.groups)
        return effect


@register
class DepthwiseConv(Layer):
    """``dwconv``: a conv with groups = C_in and C_in·m filters (Keras DepthwiseConv2D)."""

    NAMES = ("dwconv",)
    OPTIONS = _CONV_OPTS
    NUMBERS = "ints"
    TRAILING_X = True

    kind: Literal["dwconv"] = "dwconv"
    kernel: tuple[int, ...]
    multiplier: int = 1
    stride: int = 1
    padding: Padding = 0
    dilation: int = 1
    bias: bool = True

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
            stride=opts.get("s", 1),
            padding=_padding(opts),
            dilation=opts.get("d", 1),
            bias="nb" not in opts,
        )

    def forward(self, shape: Shape) -> Effect:
        _need_map(self.kind, shape)
        _check_kernel_rank(self.kind, self.kernel, shape)
        c_out = shape[-1] * self.multiplier
        effect = Effect(shape=())
        strides = (self.stride,) * len(self.kernel)
        spatial = _windows(
            self.kind, shape, self.kernel, strides, self.padding, self.dilation, False, effect
        )
        effect.shape = (*spatial, c_out)
        k = prod(self.kernel)
        effect.trainable = k * c_out + c_out * self.bias
        effect.macs = prod(effect.shape) * k
        return effect


@register
class SeparableConv(Layer):
    """``sepconv``: Keras SeparableConv2D — depthwise (no bias) then a 1×1 conv (with bias)."""

    NAMES = ("sepconv",)
    OPTIONS = _CONV_OPTS
    NUMBERS = "ints"
    TRAILING_X = True

    @classmethod
    def reading_notes(
        cls, name: str, nums: list[int], opts: dict[str, object], rank: int
    ) -> list[str]:
        return Conv.reading_notes(name, nums, opts, rank)

    kind: Literal["sepconv"] = "sepconv"
    kernel: tuple[int, ...]
    filters: int
    multiplier: int = 1
    stride: int = 1
    padding: Padding = 0
    dilation: int = 1
    bias: bool = True

    @classmethod
    def from_token(
        cls, name: str, nums: list[int], opts: dict[str, object], rank: int
    ) -> SeparableConv:
        conv = Conv.from_token(name, nums, opts, rank)
        return cls(
            kernel=conv.kernel,
            filters=conv.filters,
            stride=conv.stride,
            padding=conv.padding,
            dilation=conv.dilation,
            bias=conv.bias,
        )

    def forward(self, shape: Shape) -> Effect:
        _need_map(self.kind, shape)
        _check_kernel_rank(self.kind, self.kernel, shape)
        c_mid = shape[-1] * self.multiplier
        effect = Effect(shape=())
        strides = (self.stride,) * len(self.kernel)
        spatial = _windows(
            self.kind, shape, self.kernel, strides, self.padding, self.dilation, False, effect
        )
        effect.shape = (*spatial, self.filters)
        k = prod(self.kernel)
        positions = prod(spatial)
        effect.trainable = k * c_mid + c_mid * self.filters + self.filters * self.bias
        effect.macs = positions * c_mid * k + positions * c_mid * self.filters
        return effect


@register
class ConvTranspose(Layer):
    """``deconv`` / ``convt``: nn.ConvTranspose{1,2,3}d; ``psame`` follows Keras (output W·S)."""

    NAMES = ("deconv", "convt")
    OPTIONS = _CONV_OPTS | {"g", "op"}
    NUMBERS = "ints"
    TRAILING_X = True

    @classmethod
    def reading_notes(
        cls, name: str, nums: list[int], opts: dict[str, object], rank: int
    ) -> list[str]:
        return Conv.reading_notes(name, nums, opts, rank)

    kind: Literal["deconv"] = "deconv"
    kernel: tuple[int, ...]
    filters: int
    stride: int = 1
    padding: Padding = 0
    output_padding: int = 0
    dilation: int = 1
    groups: int = 1
    bias: bool = True

    @classmethod
    def from_token(
        cls, name: str, nums: list[int], opts: dict[str, object], rank: int
    ) -> ConvTranspose:
        conv = Conv.from_token(name, nums, opts, rank)
        stride, dilation = conv.stride, conv.dilation
        op = opts.get("op", 0)
        if conv.padding == "same" and "op" in opts:
            raise SpecSyntaxError(f"'{name}': op goes with an explicit padding p<n>, not psame")
        if op >= max(stride, dilation):  # type: ignore[operator]
            raise SpecSyntaxError(
                f"'{name}': output padding op{op} must be smaller than max(stride, dilation) = "
                f"{max(stride, dilation)}"
            )
        return cls(
            kernel=conv.kernel,
            filters=conv.filters,
            stride=stride,
            padding=conv.padding,
            output_padding=op,
            dilation=dilation,
            groups=conv.groups,
            bias=conv.bias,
        )

    def torch_padding(self, f: int) -> tuple[int, int]:
        """(padding, output_padding) that make PyTorch produce the Keras ``same`` size W·S."""
        t = self.dilation * (f - 1) + 1 - self.stride
        if t <= 0:
            return 0, -t
        return (t + 1) // 2, (t + 1) // 2 * 2 - t

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
                p, op = self.torch_padding(f)
                effect.notes.append(
                    f"{name}: psame gives {w}·{s} = {o} (Keras); in PyTorch padding={p}, "
                    f"output_padding={op}"
                )
            else:
                p, op = self.padding, self.output_padding
                o = (w - 1) * s - 2 * p + d * (f - 1) + op + 1
                if o < 1:
                    raise ShapeError(
                        f"{self.kind} on {fmt_shape(shape)}: {name}: ({w} − 1)·{s} − 2·{p} + "
                        f"{d}·({f} − 1) + {op} + 1 = {num(o)} < 1"
                    )
            spatial.append(o)
        effect.shape = (*spatial, self.filters)
        k = prod(self.kernel)
        effect.trainable = k * c_in * (self.filters // self.groups) + self.filters * self.bias
        effect.macs = prod(shape) * k * (self.filters // self.groups)
        return effect


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


@register
class GlobalPool(Layer):
    """``gap`` / ``gmp``: global average / max pooling to a vector of C."""

    NAMES = ("gap", "gmp")

    kind: Literal["gap", "gmp"]

    def forward(self, shape: Shape) -> Effect:
        _need_map(self.kind, shape)
        return Effect(shape=(shape[-1],))


# --------------------------------------------------------------------------------------------
# vectors


@register
class Flatten(Layer):
    """``flatten``: a vector of the product (a vector stays as it is)."""

    NAMES = ("flatten",)

    kind: Literal["flatten"] = "flatten"

    def forward(self, shape: Shape) -> Effect:
        return Effect(shape=(prod(shape),))


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
            effect.notes.append(f"flattened {fmt_shape(shape)} = {fmt_int(n_in)} first")
        effect.trainable = (n_in + self.bias) * self.units
        effect.macs = n_in * self.units
        return effect


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
