"""Blocks written as one token: ``se<r>``, the squeeze-and-excitation block."""

from __future__ import annotations

from typing import Literal

from ..errors import SpecSyntaxError
from ..fmt import Shape
from ..fmt import fmt_signed as _n
from .base import Effect, Layer, _need_map, register


@register
class SqueezeExcite(Layer):
    """``se<r>``: ``mul(apool1 conv1x<r> relu conv1x<C> sigmoid)`` with C from the input —
    torchvision's ``SqueezeExcitation(C, r)``: x times a per-channel gate computed from the
    global average.  C·r + r + r·C + C parameters, 2·r·C MACs (the two 1×1 convs on 1×1)."""

    FAMILY = "other"
    NAMES = ("se",)
    NUMBERS = "ints"

    kind: Literal["se"] = "se"
    squeeze: int

    @classmethod
    def from_token(
        cls, name: str, nums: list[int], opts: dict[str, object], rank: int
    ) -> SqueezeExcite:
        if len(nums) != 1:
            raise SpecSyntaxError(f"'{name}' takes one number, the squeeze width, e.g. {name}8")
        return cls(squeeze=nums[0])

    def forward(self, shape: Shape) -> Effect:
        rank = _need_map(self.kind, shape)
        c, r = shape[-1], self.squeeze
        ones = "×".join(["1"] * rank)
        return Effect(
            shape,
            trainable=c * r + r + r * c + c,
            macs=2 * r * c,
            notes=(f"se{r} = mul(apool1 conv1x{r} relu conv1x{c} sigmoid), gate {ones}×{c}",),
        )

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        c, r = _n(shape[-1]), _n(self.squeeze)
        return [
            f"squeeze: the mean of each channel, then 1×1 convs {c} → {r} → {c}, sigmoid gate",
            f"params: ({c} + 1)·{r} + ({r} + 1)·{c} = {_n(effect.trainable)}",
            f"MACs: {c}·{r} + {r}·{c} = {_n(effect.macs)} (on the 1×1 map)",
        ]
