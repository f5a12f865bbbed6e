"""Pooling: max/average pools and global pools."""

from __future__ import annotations

from typing import Literal

from ..errors import SpecSyntaxError
from ..fmt import Shape, in_layout
from ..fmt import fmt_signed as _n
from .base import (
    DIM_NAMES,
    Effect,
    Layer,
    Padding,
    PerDim,
    Slide,
    Window,
    _check_kernel_rank,
    _dims,
    _dot,
    _kernel,
    _need_map,
    _padding,
    _slide,
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
    dilation: PerDim = 1
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
        if padding != "same":
            for p, f in zip(_dims(padding, rank), kernel):
                if p > f // 2:
                    raise SpecSyntaxError(
                        f"'{name}': pool padding p{p} must be at most half the kernel "
                        f"({f} // 2 = {f // 2})"
                    )
        stride = _dims(opts["s"], rank) if "s" in opts else kernel  # type: ignore[arg-type]
        return cls(
            kind=kind,
            kernel=kernel,
            stride=stride,  # type: ignore[arg-type]
            padding=padding,
            dilation=opts.get("d", 1),  # type: ignore[arg-type]
            ceil=bool(opts.get("ceil")),
        )

    @property
    def slide(self) -> Slide:
        """Stride, dilation, padding and windows per spatial dim."""
        return _slide(self.kernel, self.stride, self.padding, self.dilation)

    def forward(self, shape: Shape) -> Effect:
        effect = Effect(())
        spatial = _windows(self.kind, shape, self.slide, self.ceil, effect)
        effect.shape = (*spatial, shape[-1])
        return effect

    def warnings_after_pad(self, shape: Shape, extra: tuple[int, ...]) -> tuple[str, ...] | None:
        if self.ceil:
            return None
        effect = Effect(())
        _windows(self.kind, shape, self.slide, False, effect, extra)
        return effect.warnings

    def explain(
        self,
        shape: Shape,
        effect: Effect,
        channels_first: bool = False,
        extra: tuple[int, ...] | None = None,
    ) -> list[str]:
        return _window_lines(shape, self.slide, self.ceil, extra)

    def explain_after_pad(
        self, shape: Shape, effect: Effect, channels_first: bool, extra: tuple[int, ...]
    ) -> list[str]:
        return self.explain(shape, effect, channels_first, None if self.ceil else extra)


@register
class GlobalPool(Layer):
    """``gap`` / ``gmp``: global average / max pooling to a vector of C."""

    FAMILY = "pool"
    NAMES = ("gap", "gmp")

    kind: Literal["gap", "gmp"]

    def forward(self, shape: Shape) -> Effect:
        _need_map(self.kind, shape)
        return Effect((shape[-1],), windows=None)  # no positions left: the field is global

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        how = "mean" if self.kind == "gap" else "maximum"
        return [f"C: {_n(shape[-1])} values, each the {how} of {_dot(shape[:-1])} positions"]


@register
class AdaptivePool(Layer):
    """``apool<n>`` (alias ``adaptiveavgpool``), ``amaxpool<n>``: nn.AdaptiveAvgPool /
    AdaptiveMaxPool to an output of n per spatial dim (one number, or one per dim).

    Output position i along a dim of W covers the input rows ⌊i·W/n⌋ … ⌈(i+1)·W/n⌉ − 1
    (PyTorch's rule); ``apool1`` is a global pool that keeps a 1×…×1 map.
    """

    FAMILY = "pool"
    NAMES = ("apool", "adaptiveavgpool", "amaxpool")
    NUMBERS = "ints"

    kind: Literal["apool", "amaxpool"]
    size: tuple[int, ...]

    @classmethod
    def from_token(
        cls, name: str, nums: list[int], opts: dict[str, object], rank: int
    ) -> AdaptivePool:
        if not nums:
            raise SpecSyntaxError(f"'{name}' needs the output size, e.g. {name}1 or {name}7")
        if len(nums) not in (1, rank):
            raise SpecSyntaxError(
                f"'{name}' output size takes {'1 number' if rank == 1 else f'1 or {rank} numbers'}"
                f" for a rank-{rank} input, got {len(nums)}"
            )
        kind = "amaxpool" if name == "amaxpool" else "apool"
        return cls(kind=kind, size=_kernel(name, nums, rank))

    def forward(self, shape: Shape) -> Effect:
        _check_kernel_rank(self.kind, self.size, shape)
        return Effect((*self.size, shape[-1]), windows=self.windows(shape))

    @staticmethod
    def widest(w: int, n: int) -> int:
        """The widest window of an adaptive pool from W to n: max ⌈(i+1)W/n⌉ − ⌊iW/n⌋ (for a
        huge n, its bound ⌈W/n⌉ + 1)."""
        if n > 4096:
            return -(-w // n) + 1
        return max(-(-(i + 1) * w // n) - i * w // n for i in range(n))

    def windows(self, shape: Shape) -> tuple[Window, ...] | None:
        """The receptive-field windows (:attr:`Effect.windows`)."""
        if all(n == 1 for n in self.size):
            return None  # one window over everything: every unit sees the whole input
        windows = []
        for w, n in zip(shape[:-1], self.size):
            if w % n == 0:
                windows.append(Window(w // n, w // n, 0))
                continue
            # uneven windows: window i lies strictly inside (i·W/n − 1, (i+1)·W/n), around
            # (2i + 1)·W/(2n) − 1/2 within ± (W/n + 1)/2 − 1/n.  On an n-times finer grid that is
            # a kernel of W + n − 1, stride W, padding n − 1: the jump W/n, the size an upper
            # bound (W/n + 2 − 2/n)
            windows.append(Window(w + n - 1, w, n - 1, n))
        return tuple(windows)

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        how = "mean" if self.kind == "apool" else "maximum"
        lines = []
        for name, w, n in zip(DIM_NAMES[len(self.size)], shape[:-1], self.size):
            if w % n == 0:
                lines.append(
                    f"{name}: {_n(n)} windows of {_n(w)}/{_n(n)} = {_n(w // n)}, stride "
                    f"{_n(w // n)}"
                )
            else:
                lines.append(
                    f"{name}: {_n(n)} windows, window i spans ⌊i·{_n(w)}/{_n(n)}⌋ to "
                    f"⌈(i+1)·{_n(w)}/{_n(n)}⌉ (at most {_n(self.widest(w, n))} wide)"
                )
        lines.append(
            f"output {_dot(in_layout(effect.shape, channels_first))}: each value the {how} of "
            "its window, per channel; no parameters"
        )
        return lines
