"""The convolution family: conv, dwconv, sepconv, deconv/convt."""

from __future__ import annotations

from math import prod
from typing import ClassVar, Literal, Union

from ..errors import ShapeError, SpecSyntaxError
from ..fmt import Shape, in_layout
from ..fmt import fmt_signed as _n
from .base import (
    DIM_NAMES,
    INPUT,
    Effect,
    Layer,
    Padding,
    PerDim,
    Slide,
    Window,
    _check_groups,
    _check_kernel_rank,
    _dims,
    _dot,
    _kernel,
    _layout,
    _padding,
    _params_line,
    _per_filter,
    _slide,
    _window_lines,
    _windows,
    register,
)

# --------------------------------------------------------------------------------------------
# convolution family


def _tf_note(slide: Slide, effect: Effect) -> None:
    """PyTorch takes a stride with a dilation; TensorFlow refuses them together in psame (the
    caller has checked that the padding is psame: ``slide.pad is None``)."""
    if max(slide.stride) > 1 and max(slide.dilation) > 1:
        effect.notes += (
            "psame with stride > 1 and dilation > 1: TensorFlow refuses this layer "
            "(PyTorch takes it)",
        )


_CONV_OPTS = frozenset({"s", "p", "d", "nb"})


class _ConvFamily(Layer):
    """What conv, dwconv, sepconv and deconv share: a kernel per spatial dim that slides with
    one stride, padding and dilation, and an optional bias.  Not registered itself."""

    FAMILY = "conv"
    OPTIONS = _CONV_OPTS
    NUMBERS = "ints"
    TRAILING_X = True
    #: the last x-number is the filter count (all but dwconv)
    FILTER_COUNT: ClassVar[bool] = True

    kind: str
    kernel: tuple[int, ...]
    stride: PerDim = 1
    padding: Padding = 0
    dilation: PerDim = 1
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
    def slide(self) -> Slide:
        """Stride, dilation, padding and windows per spatial dim."""
        return _slide(self.kernel, self.stride, self.padding, self.dilation)

    @property
    def strides(self) -> tuple[int, ...]:
        return self.slide.stride

    @property
    def dilations(self) -> tuple[int, ...]:
        return self.slide.dilation

    def spatial(self, shape: Shape, effect: Effect) -> list[int]:
        """Output spatial sizes (floor rule); psame notes, floor warnings and the receptive-field
        windows into ``effect``."""
        slide = self.slide  # read once: each reading is an lru_cache lookup on four fields
        if slide.pad is None:  # psame
            _tf_note(slide, effect)
        return _windows(self.kind, shape, slide, False, effect)

    def warnings_after_pad(self, shape: Shape, extra: tuple[int, ...]) -> tuple[str, ...] | None:
        effect = Effect(())
        _windows(self.kind, shape, self.slide, False, effect, extra)
        return effect.warnings

    def window_lines(self, shape: Shape, extra: tuple[int, ...] | None = None) -> list[str]:
        return _window_lines(shape, self.slide, False, extra)

    def explain_after_pad(
        self, shape: Shape, effect: Effect, channels_first: bool, extra: tuple[int, ...]
    ) -> list[str]:
        return self.explain(shape, effect, channels_first, extra)


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
        c_in, filters, groups = shape[-1], self.filters, self.groups
        effect = Effect(())
        spatial = self.spatial(shape, effect)
        if groups > 1:
            _check_groups(self.kind, groups, c_in, filters)
        effect.shape = (*spatial, filters)
        per = prod(self.kernel) * (c_in // groups)  # weights per filter
        effect.trainable = per * filters + filters * self.bias
        effect.macs = prod(effect.shape) * per
        return effect

    def explain(
        self,
        shape: Shape,
        effect: Effect,
        channels_first: bool = False,
        extra: tuple[int, ...] | None = None,
    ) -> list[str]:
        dims = self.window_lines(shape, extra)
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
        effect = Effect(())
        spatial = self.spatial(shape, effect)
        c_out = shape[-1] * self.multiplier
        effect.shape = (*spatial, c_out)
        k = prod(self.kernel)
        effect.trainable = k * c_out + c_out * self.bias
        effect.macs = prod(effect.shape) * k
        return effect

    def explain(
        self,
        shape: Shape,
        effect: Effect,
        channels_first: bool = False,
        extra: tuple[int, ...] | None = None,
    ) -> list[str]:
        dims = self.window_lines(shape, extra)
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
        effect = Effect(())
        spatial = self.spatial(shape, effect)
        c_mid = shape[-1] * self.multiplier
        effect.shape = (*spatial, self.filters)
        k = prod(self.kernel)
        positions = prod(spatial)
        effect.trainable = k * c_mid + c_mid * self.filters + self.filters * self.bias
        effect.macs = positions * c_mid * k + positions * c_mid * self.filters
        return effect

    def explain(
        self,
        shape: Shape,
        effect: Effect,
        channels_first: bool = False,
        extra: tuple[int, ...] | None = None,
    ) -> list[str]:
        dims = self.window_lines(shape, extra)
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

    FAMILY = "up"
    NAMES = ("deconv", "convt")
    OPTIONS = _CONV_OPTS | {"g", "op"}

    kind: Literal["deconv"] = "deconv"
    filters: int
    output_padding: int = 0
    groups: int = 1
    #: "valid" (pvalid) follows Keras: W·S + max(D(F−1) + 1 − S, 0); p0 stays PyTorch's
    padding: Union[int, tuple[int, ...], Literal["same", "valid"]] = 0

    @classmethod
    def from_token(
        cls, name: str, nums: list[int], opts: dict[str, object], rank: int
    ) -> ConvTranspose:
        kernel, filters = cls.kernel_and_filters(name, nums, opts, rank)
        sliding = cls.sliding_options(opts)
        if opts.get("p") == "valid":
            sliding["padding"] = "valid"
        strides = _dims(sliding["stride"], rank)  # type: ignore[arg-type]
        dilations = _dims(sliding["dilation"], rank)  # type: ignore[arg-type]
        op = opts.get("op", 0)
        # op0 with pvalid was always legal (pvalid was p0 before transposed convs followed Keras)
        if (sliding["padding"] == "same" and "op" in opts) or (
            sliding["padding"] == "valid" and op
        ):
            raise SpecSyntaxError(
                f"'{name}': op goes with an explicit padding p<n>, not p{sliding['padding']}"
            )
        limit = min(max(s, d) for s, d in zip(strides, dilations))
        if op >= limit:  # type: ignore[operator]
            raise SpecSyntaxError(
                f"'{name}': output padding op{op} must be smaller than max(stride, dilation) = "
                f"{limit}"
            )
        return cls(
            kernel=kernel,
            filters=filters,
            output_padding=op,  # type: ignore[arg-type]
            groups=opts.get("g", 1),  # type: ignore[arg-type]
            **sliding,  # type: ignore[arg-type]
        )

    def torch_padding(self, f: int, dim: int = 0) -> tuple[int, int, int]:
        """(padding, output_padding, crop) that make PyTorch produce the Keras size along
        spatial dim ``dim``: W·S for ``psame``, W·S + max(D(F−1) + 1 − S, 0) for ``pvalid``.

        ``crop`` is 1 where no legal output padding (< max(stride, dilation)) fits — stride and
        dilation 1 with an even kernel: PyTorch's output is then one longer; drop its last row.
        """
        s, d = self.strides[dim], self.dilations[dim]
        t = d * (f - 1) + 1 - s
        if t <= 0:
            return 0, -t, 0
        if self.padding == "valid":
            return 0, 0, 0
        p = (t + 1) // 2
        if 2 * p - t < max(s, d):
            return p, 2 * p - t, 0
        return t // 2, 0, 1

    def forward(self, shape: Shape) -> Effect:
        _check_kernel_rank(self.kind, self.kernel, shape)
        c_in = shape[-1]
        _check_groups(self.kind, self.groups, c_in, self.filters)
        slide, padding = self.slide, self.padding
        effect = Effect(())
        if padding == "same":
            _tf_note(slide, effect)
        rank = len(self.kernel)
        spatial: list[int] = []
        windows: list[Window] = []
        pads = (0,) * rank if padding in ("same", "valid") else _dims(padding, rank)  # type: ignore[arg-type]
        rows = zip(DIM_NAMES[rank], shape[:-1], self.kernel, slide.stride, slide.dilation, pads)
        for i, (name, w, f, s, d, p) in enumerate(rows):
            eff = d * (f - 1) + 1
            if padding == "same":
                o = w * s
                tp, op, crop = self.torch_padding(f, i)
                effect.notes += (
                    f"{name}: psame gives {w}·{s} = {o} (Keras); in PyTorch padding={tp}, "
                    f"output_padding={op}" + (", then drop the last row" if crop else ""),
                )
                p = max(eff - s, 0) // 2  # the P that Keras's W·S crops before (the window's)
            elif padding == "valid":
                o = w * s + max(eff - s, 0)
                if eff < s:
                    effect.notes += (
                        f"{name}: pvalid gives {w}·{s} + max({eff} − {s}, 0) = {o} (Keras); "
                        f"in PyTorch output_padding={s - eff}",
                    )
            else:
                op = self.output_padding
                o = (w - 1) * s - 2 * p + d * (f - 1) + op + 1
                if o < 1:
                    raise ShapeError(
                        f"{self.kind} on {INPUT}: {name}: ({w} − 1)·{s} − 2·{p} + "
                        f"{d}·({f} − 1) + {op} + 1 = {_n(o)} < 1"
                    )
            spatial.append(o)
            # the receptive field's window: a stride-1 conv of the dilated kernel on the S-times
            # finer grid (zeros between the inputs), padded by D·(F−1) − P before: the
            # fractionally strided view
            windows.append(Window(eff, 1, eff - 1 - p, s))
        effect.shape = (*spatial, self.filters)
        effect.windows = tuple(windows)
        k = prod(self.kernel)
        effect.trainable = k * c_in * (self.filters // self.groups) + self.filters * self.bias
        effect.macs = prod(shape) * k * (self.filters // self.groups)
        return effect

    def explain(self, shape: Shape, effect: Effect, channels_first: bool = False) -> list[str]:
        op = self.output_padding
        dims = []
        rank = len(self.kernel)
        names = DIM_NAMES[rank]
        pads = (0,) * rank if self.padding in ("same", "valid") else _dims(self.padding, rank)  # type: ignore[arg-type]
        rows = zip(names, shape[:-1], self.kernel, effect.shape, self.strides, self.dilations, pads)
        for name, w, f, o, s, d, p in rows:
            if self.padding == "same":
                dims.append(f"{name}: {_n(w)}·{_n(s)} = {_n(o)} (psame: W·S, as Keras)")
                continue
            k = _n(f) if d == 1 else f"{_n(d)}·({_n(f)} − 1) + 1"
            if self.padding == "valid":
                dims.append(
                    f"{name}: {_n(w)}·{_n(s)} + max({k} − {_n(s)}, 0) = {_n(o)} (pvalid: as Keras)"
                )
                continue
            extra = f" + {_n(op)} (output padding)" if op else ""
            dims.append(f"{name}: ({_n(w)} − 1)·{_n(s)} − 2·{_n(p)} + {k}{extra} = {_n(o)}")
        lines = _layout(dims, f"C: {_n(self.filters)} filters", channels_first)
        per = _per_filter(self.kernel, shape[-1], self.groups, channels_first)
        lines.append(_params_line(per, self.filters, self.bias, effect.trainable))
        f = _n(self.filters) if self.groups == 1 else f"({_n(self.filters)}/{_n(self.groups)})"
        kern = f"{f}·{_dot(self.kernel)}" if channels_first else f"{_dot(self.kernel)}·{f}"
        lines.append(f"MACs: {_dot(in_layout(shape, channels_first))} · {kern} = {_n(effect.macs)}")
        return lines
