"""Vectors (flatten, dense), shape-preserving layers (bn, activations, dropout, id), and
resizing (upsample, zpad)."""

from __future__ import annotations

from math import prod
from typing import Literal

from ..errors import SpecSyntaxError
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

    FAMILY = "elementwise"
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

    FAMILY = "elementwise"
    NAMES = ("relu", "relu6", "leakyrelu", "elu", "gelu", "silu", "sigmoid", "tanh", "softmax")

    kind: ActivationName

    def forward(self, shape: Shape) -> Effect:
        return Effect(shape=shape)


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
        return Effect(shape=shape)


@register
class Identity(Layer):
    """``id``: passes its input through (a skip branch)."""

    FAMILY = "identity"
    NAMES = ("id",)

    kind: Literal["id"] = "id"

    def forward(self, shape: Shape) -> Effect:
        return Effect(shape=shape)


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
