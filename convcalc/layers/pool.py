"""Pooling: max/average pools and global pools."""

from __future__ import annotations

from typing import Literal

from ..errors import SpecSyntaxError
from ..fmt import Shape
from ..fmt import fmt_signed as _n
from .base import (
    Effect,
    Layer,
    Padding,
    Window,
    _check_kernel_rank,
    _dot,
    _kernel,
    _need_map,
    _padding,
    _sliding,
    _window_lines,
    _windows,
    register,
)

# --------------------------------------------------------------------------------------------
# pooling


@register
class Pool(Layer):
    """``pool`` (= max), ``maxpool``, ``avgpool``: nn.MaxPool/AvgPool; stride defaults to F."""

    FAMILY = "pool"
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

    FAMILY = "pool"
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
