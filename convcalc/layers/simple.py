"""Vectors (flatten, dense), shape-preserving layers (bn, activations, dropout, id), and
resizing (upsample, zpad)."""

from __future__ import annotations

from math import prod
from typing import Literal, Union, get_args

from ..errors import ShapeError, SpecSyntaxError
from ..fmt import Shape, fmt_int, in_layout
from ..fmt import fmt_signed as _n
from .base import (
    DIM_NAMES,
    INPUT,
    Effect,
    Layer,
    Window,
    _dot,
    _need_map,
    register,
)

# --------------------------------------------------------------------------------------------
# vectors


@register
class Flatten(Layer):
    """``flatten``: a vector of the product (a vector stays as it is)."""

    NAMES = ("flatten",)

    kind: Literal["flatten"] = "flatten"

    def forward(self, shape: Shape) -> Effect:
        return Effect((prod(shape),), windows=None)  # no positions left: the field is global

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        if len(shape) == 1:
            return [f"a vector stays as it is: {_n(shape[0])}"]
        return [f"flatten: {_dot(in_layout(shape, channels_first))} = {_n(effect.shape[0])}"]


@register
class Dense(Layer):
    """``dense<n>`` / ``fc<n>`` / ``linear<n>``: nn.Linear; a map is flattened first."""

    FAMILY = "dense"
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
        n_in, units = prod(shape), self.units
        # set field by field: each keyword argument to Effect costs more than an assignment
        effect = Effect((units,))
        effect.trainable = (n_in + self.bias) * units
        effect.macs = n_in * units
        if len(shape) > 1:
            effect.notes = (f"flattened {INPUT} = {fmt_int(n_in)}",)
        effect.windows = None  # no positions left: the field is global
        return effect

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
    """``bn``: nn.BatchNorm{1,2,3}d — 2C trainable (γ, β) and 2C running statistics.

    ``bnnoscale`` is Keras ``BatchNormalization(scale=False)`` (InceptionV3): no γ, so C
    trainable (β) and 2C running statistics."""

    FAMILY = "elementwise"
    NAMES = ("bn",)
    OPTIONS = frozenset({"noscale"})

    kind: Literal["bn"] = "bn"
    scale: bool = True

    @classmethod
    def from_token(
        cls, name: str, nums: list[int], opts: dict[str, object], rank: int
    ) -> BatchNorm:
        if nums:
            raise SpecSyntaxError(f"'{name}' takes no numbers")
        return cls(scale="noscale" not in opts)

    def forward(self, shape: Shape) -> Effect:
        c = shape[-1]
        return Effect(shape, trainable=(1 + self.scale) * c, non_trainable=2 * c)

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        c, total = _n(shape[-1]), _n(effect.trainable + effect.non_trainable)
        if not self.scale:
            return [f"params: {c} trainable (β, no γ) + 2·{c} running statistics = {total}"]
        return [f"params: 2·{c} trainable + 2·{c} running statistics = {total}"]


ActivationName = Literal[
    "relu",
    "relu6",
    "leakyrelu",
    "elu",
    "gelu",
    "silu",
    "sigmoid",
    "tanh",
    "softmax",
    "hswish",
    "hsigmoid",
    "mish",
    "selu",
    "softplus",
]

#: alias → the kind it spells
_ACTIVATION_ALIASES = {"swish": "silu", "hardswish": "hswish", "hardsigmoid": "hsigmoid"}


@register
class Activation(Layer):
    """An element-wise activation (softmax over the channels): shape unchanged, no parameters.

    ``swish`` is ``silu``; ``hardswish``/``hardsigmoid`` are ``hswish``/``hsigmoid``."""

    FAMILY = "elementwise"
    NAMES = (*get_args(ActivationName), *_ACTIVATION_ALIASES)

    kind: ActivationName

    @classmethod
    def from_token(
        cls, name: str, nums: list[int], opts: dict[str, object], rank: int
    ) -> Activation:
        if nums:
            raise SpecSyntaxError(f"'{name}' takes no numbers")
        return cls(kind=_ACTIVATION_ALIASES.get(name, name))  # type: ignore[arg-type]

    def forward(self, shape: Shape) -> Effect:
        return Effect(shape)


@register
class PReLU(Layer):
    """``prelu``: nn.PReLU() — one learned slope shared by every channel (1 parameter)."""

    FAMILY = "elementwise"
    NAMES = ("prelu",)

    kind: Literal["prelu"] = "prelu"

    def forward(self, shape: Shape) -> Effect:
        return Effect(shape, trainable=1)

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        return ["params: 1 slope shared by every channel (PyTorch nn.PReLU())"]


@register
class Dropout(Layer):
    """``dropout`` (rate 0.5), ``dropout0.25``, ``dropout.25``."""

    FAMILY = "elementwise"
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
        return Effect(shape)


def _rate(name: str, opts: dict[str, object], default: float) -> float:
    """A dropout-style rate from the token, checked to lie in [0, 1)."""
    rate = opts.get("rate", default)
    if not 0 <= rate < 1:  # type: ignore[operator]
        raise SpecSyntaxError(f"{name} rate {opts.get('rate_text')} is not in [0, 1)")
    return rate  # type: ignore[return-value]


@register
class DropPath(Layer):
    """``droppath<rate>``: stochastic depth (torchvision ``StochasticDepth``, timm ``DropPath``)
    — drops a whole residual branch in training; the identity at inference."""

    FAMILY = "elementwise"
    NAMES = ("droppath",)
    NUMBERS = "rate"

    kind: Literal["droppath"] = "droppath"
    rate: float

    @classmethod
    def from_token(cls, name: str, nums: list[int], opts: dict[str, object], rank: int) -> DropPath:
        if "rate" not in opts:
            raise SpecSyntaxError(f"'{name}' needs its rate, e.g. {name}0.2")
        return cls(rate=_rate(name, opts, 0.0))

    def forward(self, shape: Shape) -> Effect:
        return Effect(shape)


@register
class ChannelShuffle(Layer):
    """``shuffle<g>``: nn.ChannelShuffle(g) (ShuffleNet) — g divides C; no parameters."""

    FAMILY = "elementwise"
    NAMES = ("shuffle",)
    NUMBERS = "ints"

    kind: Literal["shuffle"] = "shuffle"
    groups: int

    @classmethod
    def from_token(
        cls, name: str, nums: list[int], opts: dict[str, object], rank: int
    ) -> ChannelShuffle:
        if len(nums) != 1:
            raise SpecSyntaxError(f"'{name}' takes one number, the groups, e.g. {name}2")
        return cls(groups=nums[0])

    def forward(self, shape: Shape) -> Effect:
        _need_map(self.kind, shape)
        c = shape[-1]
        if c % self.groups:
            raise ShapeError(f"shuffle{self.groups}: the groups must divide the channels ({c})")
        return Effect(shape)

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        c, g = shape[-1], self.groups
        return [
            f"C: {_n(c)} channels as {_n(g)} groups of {_n(c // g)}, interleaved; no parameters"
        ]


@register
class Identity(Layer):
    """``id``: passes its input through (a skip branch)."""

    FAMILY = "identity"
    NAMES = ("id",)

    kind: Literal["id"] = "id"

    def forward(self, shape: Shape) -> Effect:
        return Effect(shape)


# --------------------------------------------------------------------------------------------
# resizing


@register
class Upsample(Layer):
    """``upsample<f>`` / ``up<f>``: nearest-neighbour upsampling, spatial × f (no number: 2)."""

    FAMILY = "up"
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
        rank = _need_map(self.kind, shape)
        f = self.factor
        return Effect(
            (*(w * f for w in shape[:-1]), shape[-1]),
            # nearest upsampling is a transposed conv with an all-ones kernel f, stride f
            windows=(Window(f, 1, f - 1, f),) * rank,
        )

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        f = _n(self.factor)
        return [
            f"{name}: {_n(w)}·{f} = {_n(w * self.factor)}"
            for name, w in zip(DIM_NAMES[len(shape) - 1], shape[:-1])
        ]


@register
class ZeroPad(Layer):
    """``zpad<n>``: zero padding of n on both sides of every spatial dim; ``zpad<b>:<a>`` pads
    b before and a after; per dim joined by ``_`` (``zpad0:1_0:1`` is Keras
    ``ZeroPadding2D(((0, 1), (0, 1)))``)."""

    NAMES = ("zpad",)
    NUMBERS = "pads"

    kind: Literal["zpad"] = "zpad"
    #: n on both sides of every dim, or (before, after) per spatial dim
    pad: Union[int, tuple[tuple[int, int], ...]]

    @classmethod
    def from_token(cls, name: str, nums: list[int], opts: dict[str, object], rank: int) -> ZeroPad:
        groups: list[tuple[int, int]] = opts.get("pads", [])  # type: ignore[assignment]
        if not groups or nums:
            raise SpecSyntaxError(
                f"'{name}' takes one number, the padding ({name}1), or before:after "
                f"({name}0:1), per dim joined by _ ({name}0:1_0:1)"
            )
        if len(groups) not in (1, rank):
            raise SpecSyntaxError(
                f"'{name}' takes 1 or {rank} paddings joined by _ for a rank-{rank} input, "
                f"got {len(groups)}"
            )
        if len(set(groups)) == 1 and groups[0][0] == groups[0][1]:
            return cls(pad=groups[0][0])
        return cls(pad=tuple(groups) if len(groups) == rank else tuple(groups) * rank)

    def pairs(self, rank: int) -> tuple[tuple[int, int], ...]:
        """(before, after) per spatial dim."""
        if isinstance(self.pad, int):
            return ((self.pad, self.pad),) * rank
        return self.pad

    def forward(self, shape: Shape) -> Effect:
        pairs = self.pairs(_need_map(self.kind, shape))
        return Effect(
            (*(w + b + a for w, (b, a) in zip(shape[:-1], pairs)), shape[-1]),
            windows=tuple(Window(1, 1, b) for b, _ in pairs),
            pads_after=tuple(a for _, a in pairs),
        )

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        rank = len(shape) - 1
        lines = []
        for name, w, (b, a) in zip(DIM_NAMES[rank], shape[:-1], self.pairs(rank)):
            added = f"2·{_n(b)}" if a == b else f"{_n(b)} + {_n(a)}"
            lines.append(f"{name}: {_n(w)} + {added} = {_n(w + b + a)}")
        return lines
