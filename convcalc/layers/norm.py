"""Normalization and per-channel learned layers: layer norm, group norm, layer scale, and the
Keras input layers Rescaling and Normalization.  (Batch norm, the oldest, lives in ``simple``.)
Every one keeps its input's shape and costs 0 MACs."""

from __future__ import annotations

from typing import Literal

from ..errors import ShapeError, SpecSyntaxError
from ..fmt import Shape
from ..fmt import fmt_signed as _n
from .base import Effect, Layer, register


@register
class LayerNorm(Layer):
    """``ln``: layer norm over the channels at each position — torchvision's ``LayerNorm2d``
    and ConvNeXt's blocks (``nn.LayerNorm(C)`` on channels-last): 2C trainable (γ, β)."""

    FAMILY = "elementwise"
    NAMES = ("ln",)

    kind: Literal["ln"] = "ln"

    def forward(self, shape: Shape) -> Effect:
        return Effect(shape, trainable=2 * shape[-1])

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        c = _n(shape[-1])
        return [
            f"normalizes the {c} channels at each position",
            f"params: 2·{c} (γ, β) = {_n(effect.trainable)}",
        ]


@register
class GroupNorm(Layer):
    """``gn<g>``: nn.GroupNorm(g, C) — g divides C; 2C trainable (γ, β)."""

    FAMILY = "elementwise"
    NAMES = ("gn",)
    NUMBERS = "ints"

    kind: Literal["gn"] = "gn"
    groups: int

    @classmethod
    def from_token(
        cls, name: str, nums: list[int], opts: dict[str, object], rank: int
    ) -> GroupNorm:
        if len(nums) != 1:
            raise SpecSyntaxError(f"'{name}' takes one number, the groups, e.g. {name}32")
        return cls(groups=nums[0])

    def forward(self, shape: Shape) -> Effect:
        c = shape[-1]
        if c % self.groups:
            raise ShapeError(f"gn{self.groups}: the groups must divide the channels ({c})")
        return Effect(shape, trainable=2 * c)

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        c, g = shape[-1], self.groups
        return [
            f"normalizes {_n(g)} groups of {_n(c)}/{_n(g)} = {_n(c // g)} channels",
            f"params: 2·{_n(c)} (γ, β) = {_n(effect.trainable)}",
        ]


@register
class LayerScale(Layer):
    """``scale``: a learned factor per channel (ConvNeXt's layer scale γ): C trainable."""

    FAMILY = "elementwise"
    NAMES = ("scale",)

    kind: Literal["scale"] = "scale"

    def forward(self, shape: Shape) -> Effect:
        return Effect(shape, trainable=shape[-1])

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        return [f"params: one factor per channel = {_n(effect.trainable)}"]


@register
class Rescaling(Layer):
    """``rescale``: Keras ``Rescaling`` (x·scale + offset, both fixed): no parameters.
    ``rescale<s>`` gives the scale (InceptionResNetV2's residual ``0.17``); bare ``rescale``
    leaves it unsaid (an input's 1/255, say)."""

    FAMILY = "elementwise"
    NAMES = ("rescale",)
    NUMBERS = "rate"

    kind: Literal["rescale"] = "rescale"
    scale: float | None = None

    @classmethod
    def from_token(
        cls, name: str, nums: list[int], opts: dict[str, object], rank: int
    ) -> Rescaling:
        return cls(scale=opts.get("rate"))  # type: ignore[arg-type]

    def forward(self, shape: Shape) -> Effect:
        return Effect(shape)

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        scale = "scale" if self.scale is None else f"{self.scale:g}"
        return [f"x·{scale} + offset with fixed numbers: no parameters"]


@register
class Normalization(Layer):
    """``norm``: Keras ``Normalization`` — a mean and a variance per channel and a sample count,
    fitted by ``adapt()``, none trained: 2C + 1 non-trainable.  ``normfixed`` is
    ``Normalization(mean=…, variance=…)``: statistics given as constants, which Keras 3 keeps
    out of the weights (ConvNeXt's and EfficientNetV2's inputs): no parameters."""

    FAMILY = "elementwise"
    NAMES = ("norm",)
    OPTIONS = frozenset({"fixed"})

    kind: Literal["norm"] = "norm"
    fixed: bool | None = None  # None: adapt()'s statistics (the JSON leaves it out)

    @classmethod
    def from_token(
        cls, name: str, nums: list[int], opts: dict[str, object], rank: int
    ) -> Normalization:
        return cls(fixed=True if opts.get("fixed") else None)

    def forward(self, shape: Shape) -> Effect:
        if self.fixed:
            return Effect(shape)
        return Effect(shape, non_trainable=2 * shape[-1] + 1)

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        if self.fixed:
            return ["(x − mean)/√variance with given constants: no parameters"]
        c = _n(shape[-1])
        return [
            f"params: 2·{c} + 1 non-trainable (mean and variance per channel, and the count) = "
            f"{_n(effect.non_trainable)}"
        ]
