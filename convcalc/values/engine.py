"""The value engine: numbers through one convolution (:func:`convolve`) or through a parsed
network (:func:`evaluate`, in :mod:`convcalc.values.network`).

It sits beside the shape engine: it reads the typed layers and the shape engine's window
arithmetic, and the shape engine knows nothing of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import prod

from ..errors import ConvcalcError, LimitError
from .matrix import Num, Tensor, is_symmetric_180, json_nested, json_value
from .ops import Geometry, conv_forward
from .show import Doc
from .work import Work

__all__ = ["LIMITS", "ConvResult", "convolve"]

LIMITS = {
    "macs": 10_000_000,  # multiply-adds of one run
    "explain_macs": 1_000_000,  # multiply-adds written out by --explain
}


class ValueError_(ConvcalcError):
    """Numbers that do not fit the operation (shapes, channels, bias length, loss)."""


@dataclass(slots=True)
class ConvResult:
    """One convolution of given numbers: the output ``[F][*O]`` and how each cell came about."""

    input: Tensor  # [C][*S]
    kernel: Tensor  # [F][C][*K], as given (before --flip)
    bias: list[Num] | None
    geometry: list[Geometry]
    flip: bool
    symmetric: bool
    output: Tensor
    work: list[Work] = field(default_factory=list)

    @property
    def operation(self) -> str:
        return "convolution" if self.flip else "cross-correlation"

    def statement(self) -> str:
        """Which operation was computed, and whether the other one differs."""
        if self.flip:
            text = "convolution (the kernel turned 180°, the textbook's Σ w(s,t)·f(x−s, y−t))"
            other = "cross-correlation (without --flip, what PyTorch computes)"
        else:
            text = (
                "cross-correlation (what PyTorch's conv computes; "
                "--flip for the textbook convolution)"
            )
            other = "convolution (--flip)"
        turn = "the kernel is symmetric under a 180° turn"
        if self.symmetric:
            return f"{text}; {turn}, so {other} gives the same result"
        return f"{text}; {turn.replace('is', 'is not', 1)}: {other} gives a different result"

    def doc(self, explain: bool) -> Doc:
        doc = Doc()
        doc.text(self.statement())
        geo = self.geometry
        doc.text(
            "stride "
            + "×".join(str(g.stride) for g in geo)
            + ", padding before "
            + "×".join(str(g.pad) for g in geo)
            + ", dilation "
            + "×".join(str(g.dilation) for g in geo)
        )
        doc.grid("f", _squeeze(self.input))
        doc.grid("w", _squeeze_kernel(self.kernel))
        if self.bias is not None:
            doc.grid("b", Tensor((len(self.bias),), list(self.bias)))
        doc.grid("g", _squeeze(self.output))
        if explain:
            doc.heading(
                "each output cell, its sum of products" + (" (kernel flipped)" if self.flip else "")
            )
            doc.work(self.work)
        return doc

    def to_json(self, explain: bool) -> dict[str, object]:
        from .show import render_text

        data: dict[str, object] = {
            "schema_version": 1,
            "operation": self.operation,
            "symmetric_kernel": self.symmetric,
            "stride": [g.stride for g in self.geometry],
            "padding": [[g.pad, _pad_after(g)] for g in self.geometry],
            "dilation": [g.dilation for g in self.geometry],
            "input": json_nested(self.input),
            "kernel": json_nested(self.kernel),
            "bias": None if self.bias is None else [json_value(b) for b in self.bias],
            "output": json_nested(self.output),
        }
        if explain:
            doc = Doc()
            doc.work(self.work)
            data["explain"] = render_text(doc, None).strip("\n").split("\n  ")
            data["explain"][0] = data["explain"][0].lstrip()  # type: ignore[index]
        return data


def _pad_after(g: Geometry) -> int:
    return max((g.out - 1) * g.stride + g.dilation * (g.kernel - 1) + 1 - g.size - g.pad, 0)


def _squeeze(t: Tensor) -> Tensor:
    """One channel plane (or one filter) shows without its leading 1."""
    return t.reshape(t.shape[1:]) if t.shape[0] == 1 and len(t.shape) > 1 else t


def _squeeze_kernel(t: Tensor) -> Tensor:
    """[F][C][*K] shows as [*K] when F = C = 1, as [C][*K] when F = 1."""
    return _squeeze(_squeeze(t)) if t.shape[0] == 1 else t


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape))


def convolve(
    x: Tensor,
    x_depth: int,
    k: Tensor,
    k_depth: int,
    *,
    stride: int = 1,
    padding: int | str = 0,
    dilation: int = 1,
    bias: Tensor | None = None,
    flip: bool = False,
    one_d: bool = False,
    explain: bool = False,
) -> ConvResult:
    """One convolution of given numbers (``convcalc conv``).

    ``x`` is ``[L]``, ``[H][W]`` or ``[C][H][W]`` (with ``one_d``: ``[L]`` or ``[C][L]``);
    ``k`` is one plane ``[kh][kw]``, ``[C][kh][kw]`` (one filter) or ``[F][C][kh][kw]``.
    """
    if one_d:
        if x_depth > 2:
            raise ValueError_(
                f"input: a 1-D input is [L] or [C][L], got {_shape(x.shape)}", "input"
            )
        rank = 1
    else:
        if x_depth > 3:
            raise ValueError_(
                f"input: a matrix of {x_depth} dims ({_shape(x.shape)}); "
                "give [L], [H][W] or [C][H][W]",
                "input",
            )
        rank = 1 if x_depth == 1 else 2
    x = x.reshape((1, *x.shape)) if len(x.shape) == rank else x
    c = x.shape[0]
    extra = k_depth - rank
    if extra < 0 or extra > 2:
        raise ValueError_(
            f"kernel: shape {_shape(k.shape)} does not fit a rank-{rank} input {_shape(x.shape)}: "
            f"give [{']['.join('k' * rank)}], [C]{'[k]' * rank} or [F][C]{'[k]' * rank}",
            "kernel",
        )
    k = k.reshape((1,) * (2 - extra) + k.shape)
    if k.shape[1] != c:
        raise ValueError_(
            f"kernel: {k.shape[1]} channel plane{'s' * (k.shape[1] != 1)} per filter "
            f"(kernel {_shape(k.shape)}, [F][C]{'[k]' * rank}) but the input has {c} "
            f"(input {_shape(x.shape)}, [C]{'[n]' * rank})",
            "kernel",
        )
    filters = k.shape[0]
    b: list[Num] | None = None
    if bias is not None:
        b = list(bias.data)
        if len(b) == 1 and filters > 1 and not bias.shape:
            b = b * filters
        if len(b) != filters:
            raise ValueError_(
                f"bias: {len(b)} value{'s' * (len(b) != 1)} "
                f"for {filters} filter{'s' * (filters != 1)}",
                "bias",
            )
    geo = []
    for d, (size, kern) in enumerate(zip(x.shape[1:], k.shape[2:])):
        eff = dilation * (kern - 1) + 1
        if padding == "same":
            out = -(-size // stride)
            total = max((out - 1) * stride + eff - size, 0)
            pad = total // 2
        else:
            pad = int(padding)
            if size + 2 * pad < eff:
                raise ValueError_(
                    f"kernel: the dilated kernel ({eff}) is larger than the padded input "
                    f"({size} + 2·{pad} = {size + 2 * pad}) along dim {d + 1}",
                    "kernel",
                )
            out = (size + 2 * pad - eff) // stride + 1
        geo.append(Geometry(size, kern, stride, pad, dilation, out))
    macs = filters * c * prod(g.out for g in geo) * prod(k.shape[2:])
    _check_limits(macs, explain)
    symmetric = is_symmetric_180(k, rank)
    used = _flipped(k, rank) if flip else k
    work: list[Work] | None = [] if explain else None
    out = conv_forward(x, used, b, geo, 1, "g", work)
    return ConvResult(x, k, b, geo, flip, symmetric, out, work or [])


def _flipped(k: Tensor, rank: int) -> Tensor:
    size = prod(k.shape[-rank:])
    data: list[Num] = []
    for start in range(0, len(k.data), size):
        data += k.data[start : start + size][::-1]
    return Tensor(k.shape, data)


def _check_limits(macs: int, explain: bool) -> None:
    if macs > LIMITS["macs"]:
        raise LimitError(
            f"{macs:,} multiply-adds, more than the limit of {LIMITS['macs']:,} for exact values"
        )
    if explain and macs > LIMITS["explain_macs"]:
        raise LimitError(
            f"--explain would write out {macs:,} multiply-adds, more than the limit of "
            f"{LIMITS['explain_macs']:,}; drop --explain or use smaller matrices"
        )
