"""The PyTorch half of the oracle: a parsed convcalc network rebuilt from ``torch.nn`` modules.

:func:`run` walks a :class:`convcalc.Network` and, for every written layer, builds the modules a
PyTorch user would write for it from the typed layer's *fields* and the tensor that actually
arrives — never from convcalc's shape, parameter or MAC rules.  A zero tensor (batch 1, NC…
layout) runs through, and each layer yields a :class:`Row`: the output shape as PyTorch sees it,
``sum(p.numel())``, the BatchNorm running statistics, and MACs counted by forward hooks with the
fvcore conventions.  ``res`` adds its branch outputs (or the input and the body), ``cat``
concatenates on dim 1, ``mul`` multiplies the input by its body's output (broadcast), ``split``
chunks the channels between its branches and concatenates, ``aux`` runs a side head whose MACs
stay out of the inference total.

Import this module only after ``require_torch()`` (tests/conftest.py): it imports torch.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from math import prod

with warnings.catch_warnings():  # torch warns when NumPy is absent; the oracle needs no NumPy
    warnings.simplefilter("ignore")
    import torch
    import torch.nn.functional as F
    from torch import nn

from convcalc.spec import BranchNode, Network, Node

__all__ = ["Row", "build_layer", "run", "same_pads", "to_torch_layout"]

CONV = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}
CONVT = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d}
MAXPOOL = {1: nn.MaxPool1d, 2: nn.MaxPool2d, 3: nn.MaxPool3d}
AVGPOOL = {1: nn.AvgPool1d, 2: nn.AvgPool2d, 3: nn.AvgPool3d}
GAP = {1: nn.AdaptiveAvgPool1d, 2: nn.AdaptiveAvgPool2d, 3: nn.AdaptiveAvgPool3d}
GMP = {1: nn.AdaptiveMaxPool1d, 2: nn.AdaptiveMaxPool2d, 3: nn.AdaptiveMaxPool3d}
BATCHNORM = {0: nn.BatchNorm1d, 1: nn.BatchNorm1d, 2: nn.BatchNorm2d, 3: nn.BatchNorm3d}
ZEROPAD = {1: nn.ConstantPad1d, 2: nn.ConstantPad2d, 3: nn.ConstantPad3d}
APOOL = {
    "apool": {1: nn.AdaptiveAvgPool1d, 2: nn.AdaptiveAvgPool2d, 3: nn.AdaptiveAvgPool3d},
    "amaxpool": {1: nn.AdaptiveMaxPool1d, 2: nn.AdaptiveMaxPool2d, 3: nn.AdaptiveMaxPool3d},
}
ACTIVATIONS = {
    "relu": nn.ReLU,
    "relu6": nn.ReLU6,
    "leakyrelu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "softmax": lambda: nn.Softmax(dim=1),
    "hswish": nn.Hardswish,
    "hsigmoid": nn.Hardsigmoid,
    "mish": nn.Mish,
    "selu": nn.SELU,
    "softplus": nn.Softplus,
    "prelu": nn.PReLU,  # one shared slope (num_parameters=1)
}


def dims(value, rank: int) -> tuple:
    """A per-dim field of a typed layer (one value, or one per dim) as ``rank`` values."""
    return tuple(value) if isinstance(value, tuple) else (value,) * rank


@dataclass
class Row:
    """What PyTorch says about one written layer (or one res/cat and its branches)."""

    shape: tuple[int, ...]
    """the output without the batch dim, in PyTorch's layout: ``(C, *spatial)`` or ``(N,)``"""
    trainable: int
    non_trainable: int
    macs: int
    branches: list[list[Row]] | None = None
    aux: bool = False
    """an ``aux(…)`` side head: its MACs stay out of the inference total"""


def to_torch_layout(shape: list[int] | tuple[int, ...], channels_first: bool) -> tuple[int, ...]:
    """A convcalc display shape in PyTorch's layout (vectors and channels-first stay as is)."""
    if channels_first or len(shape) < 2:
        return tuple(shape)
    return (shape[-1], *shape[:-1])


# --------------------------------------------------------------------------------------------
# small modules PyTorch does not have


class Pad(nn.Module):
    """Constant zero padding, ``pads`` as :func:`torch.nn.functional.pad` takes them."""

    def __init__(self, pads: tuple[int, ...]) -> None:
        super().__init__()
        self.pads = pads

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pad(x, self.pads)


class Crop(nn.Module):
    """Crop ``(before, after)`` from each spatial dim (for psame transposed convs)."""

    def __init__(self, crops: list[tuple[int, int]]) -> None:
        super().__init__()
        self.crops = crops

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        index = [slice(None), slice(None)]
        index += [slice(b, x.shape[2 + i] - a) for i, (b, a) in enumerate(self.crops)]
        return x[tuple(index)]


class LayerNorm2d(nn.LayerNorm):
    """torchvision's ``LayerNorm2d``: ``nn.LayerNorm`` over the channels at each position."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            return super().forward(x)
        return super().forward(x.movedim(1, -1)).movedim(-1, 1)


class BatchNormNoScale(nn.Module):
    """Keras ``BatchNormalization(scale=False)``: running statistics, a learned β, no γ."""

    def __init__(self, bn: nn.Module, channels: int) -> None:
        super().__init__()
        self.bn = bn
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(x) + self.beta.view(1, -1, *[1] * (x.dim() - 2))


class LayerScale(nn.Module):
    """ConvNeXt's layer scale: a learned factor per channel (torchvision's ``layer_scale``)."""

    def __init__(self, channels: int, rank: int) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.full((channels, *[1] * rank), 1e-6))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.gamma * x


class StochasticDepth(nn.Module):
    """torchvision's ``StochasticDepth(p, "row")``: drops whole samples in training."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        keep = torch.empty(x.shape[0], *[1] * (x.dim() - 1)).bernoulli_(1 - self.p)
        return x * keep / (1 - self.p)


class Rescaling(nn.Module):
    """Keras ``Rescaling(scale, offset)``: fixed numbers, no parameters."""

    def __init__(self, scale: float = 1 / 255, offset: float = 0.0) -> None:
        super().__init__()
        self.scale, self.offset = scale, offset

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale + self.offset


class FixedNormalization(nn.Module):
    """Keras ``Normalization(mean=…, variance=…)``: given constants, which Keras 3 keeps out of
    its weights: plain tensors here, no parameters and no buffers."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.given_mean, self.given_variance = torch.zeros(channels), torch.ones(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = (1, -1, *[1] * (x.dim() - 2))
        mean, variance = self.given_mean.view(shape), self.given_variance.view(shape)
        return (x - mean.to(x.device)) / variance.to(x.device).sqrt()


class Normalization(nn.Module):
    """Keras ``Normalization``: per-channel mean and variance and the sample count, adapted
    from data and never trained — buffers, as Keras keeps them non-trainable."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(channels))
        self.register_buffer("variance", torch.ones(channels))
        self.register_buffer("count", torch.zeros((), dtype=torch.int64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = (1, -1, *[1] * (x.dim() - 2))
        return (x - self.mean.view(shape)) / self.variance.view(shape).sqrt()


class SqueezeExcitation(nn.Module):
    """torchvision's ``SqueezeExcitation(C, r)``: x times sigmoid(fc2(relu(fc1(avgpool(x)))))."""

    def __init__(self, channels: int, squeeze: int, rank: int) -> None:
        super().__init__()
        self.avgpool = GAP[rank](1)
        self.fc1 = CONV[rank](channels, squeeze, 1)
        self.fc2 = CONV[rank](squeeze, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(self.fc2(torch.relu(self.fc1(self.avgpool(x)))))


class Multiply(nn.Module):
    """``mul(BODY)``: x ⊙ BODY(x), a vector gate broadcast over the positions."""

    def forward(self, x: torch.Tensor, gate: torch.Tensor) -> torch.Tensor:
        if gate.dim() == 2 and x.dim() > 2:
            gate = gate.view(*gate.shape, *[1] * (x.dim() - 2))
        return x * gate


class Split(nn.Module):
    """``split(A | B | …)``: the channels in n equal shares (ShuffleNetV2's ``chunk``)."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return x.chunk(self.n, dim=1)


#: the buffers that count as non-trainable parameters (BN's running statistics, Keras
#: Normalization's mean, variance and count)
FROZEN_BUFFERS = ("running_mean", "running_var", "mean", "variance", "count")


def same_pads(
    sizes: tuple[int, ...], kernel: tuple[int, ...], strides: tuple[int, ...], dilation
) -> tuple[int, ...]:
    """The TensorFlow ``SAME`` split, as :func:`F.pad` wants it (last dim first).

    total = max((ceil(W/S) − 1)·S + D(F−1) + 1 − W, 0); before = total // 2; after = the rest.
    """
    pads: list[int] = []
    dilations = dims(dilation, len(kernel))
    per_dim = list(zip(sizes, kernel, strides, dilations))
    for w, f, s, d in reversed(per_dim):
        total = max((-(-w // s) - 1) * s + d * (f - 1) + 1 - w, 0)
        pads += [total // 2, total - total // 2]
    return tuple(pads)


# --------------------------------------------------------------------------------------------
# one typed layer → torch modules


def _conv_padding(layer, x: torch.Tensor, rank: int) -> tuple[list[nn.Module], object]:
    """(modules to run first, the ``padding`` argument) for a conv-family layer."""
    if layer.padding != "same":
        return [], layer.padding
    if dims(layer.stride, rank) == (1,) * rank:
        return [], "same"
    kernel = layer.kernel
    pads = same_pads(
        tuple(x.shape[2:]), kernel, dims(layer.stride, rank), dims(layer.dilation, rank)
    )
    return [Pad(pads)], 0


def _deconv(layer, c_in: int, rank: int) -> nn.Module:
    s, d = layer.stride, layer.dilation
    args = {
        "stride": s,
        "dilation": d,
        "groups": layer.groups,
        "bias": layer.bias,
    }
    if layer.padding == "valid":
        # Keras valid: W·S + max(D(F−1) + 1 − S, 0); PyTorch's p0 gives (W−1)·S + D(F−1) + 1,
        # S − (D(F−1) + 1) short where the dilated kernel is smaller than the stride
        extra = [
            max(st - (dl * (f - 1) + 1), 0)
            for f, st, dl in zip(layer.kernel, dims(s, rank), dims(d, rank))
        ]
        return CONVT[rank](c_in, layer.filters, layer.kernel, output_padding=tuple(extra), **args)
    if layer.padding != "same":
        return CONVT[rank](
            c_in,
            layer.filters,
            layer.kernel,
            padding=layer.padding,
            output_padding=layer.output_padding,
            **args,
        )
    # convcalc's own note says which PyTorch settings give Keras' W·S: trust but verify
    triples = [layer.torch_padding(f, i) for i, f in enumerate(layer.kernel)]
    conv = CONVT[rank](
        c_in,
        layer.filters,
        layer.kernel,
        padding=tuple(p for p, _, _ in triples),
        output_padding=tuple(op for _, op, _ in triples),
        **args,
    )
    if not any(crop for _, _, crop in triples):
        return conv
    return nn.Sequential(conv, Crop([(0, crop) for _, _, crop in triples]))


def build_layer(layer, x: torch.Tensor) -> nn.Module:
    """The modules a PyTorch user writes for ``layer`` when ``x`` (N, C, …) arrives."""
    rank = x.dim() - 2
    c_in = x.shape[1]
    kind = layer.kind
    if kind in ("conv", "dwconv", "sepconv"):
        first, padding = _conv_padding(layer, x, rank)
        common = {"stride": layer.stride, "padding": padding, "dilation": layer.dilation}
        if kind == "conv":
            conv = CONV[rank](
                c_in, layer.filters, layer.kernel, groups=layer.groups, bias=layer.bias, **common
            )
            return nn.Sequential(*first, conv)
        c_mid = c_in * layer.multiplier
        if kind == "dwconv":
            conv = CONV[rank](c_in, c_mid, layer.kernel, groups=c_in, bias=layer.bias, **common)
            return nn.Sequential(*first, conv)
        depthwise = CONV[rank](c_in, c_mid, layer.kernel, groups=c_in, bias=False, **common)
        pointwise = CONV[rank](c_mid, layer.filters, 1, bias=layer.bias)
        return nn.Sequential(*first, depthwise, pointwise)
    if kind == "deconv":
        return _deconv(layer, c_in, rank)
    if kind in ("maxpool", "avgpool"):
        first: list[nn.Module] = []
        padding = layer.padding
        if padding == "same":
            first = [Pad(same_pads(tuple(x.shape[2:]), layer.kernel, layer.stride, layer.dilation))]
            padding = 0
        if kind == "maxpool":
            pool = MAXPOOL[rank](
                layer.kernel, layer.stride, padding, dilation=layer.dilation, ceil_mode=layer.ceil
            )
        else:
            pool = AVGPOOL[rank](layer.kernel, layer.stride, padding, ceil_mode=layer.ceil)
        return nn.Sequential(*first, pool)
    if kind in APOOL:
        return APOOL[kind][rank](layer.size)
    if kind in ("gap", "gmp"):
        return nn.Sequential((GAP if kind == "gap" else GMP)[rank](1), nn.Flatten())
    if kind == "flatten":
        return nn.Flatten()
    if kind == "dense":
        n_in = prod(x.shape[1:])
        linear = nn.Linear(n_in, layer.units, bias=layer.bias)
        return nn.Sequential(nn.Flatten(), linear) if x.dim() > 2 else linear
    if kind == "bn":
        if not layer.scale:
            return BatchNormNoScale(BATCHNORM[rank](c_in, affine=False), c_in)
        return BATCHNORM[rank](c_in)
    if kind == "ln":
        return LayerNorm2d(c_in)
    if kind == "gn":
        return nn.GroupNorm(layer.groups, c_in)
    if kind == "scale":
        return LayerScale(c_in, rank)
    if kind == "shuffle":
        return nn.ChannelShuffle(layer.groups)
    if kind == "droppath":
        return StochasticDepth(layer.rate)
    if kind == "rescale":
        return Rescaling() if layer.scale is None else Rescaling(layer.scale)
    if kind == "norm":
        return FixedNormalization(c_in) if layer.fixed else Normalization(c_in)
    if kind == "se":
        return SqueezeExcitation(c_in, layer.squeeze, rank)
    if kind in ACTIVATIONS:
        return ACTIVATIONS[kind]()
    if kind == "dropout":
        return nn.Dropout(layer.rate)
    if kind == "upsample":
        return nn.Upsample(scale_factor=layer.factor, mode="nearest")
    if kind == "zpad":
        if isinstance(layer.pad, int):
            return ZEROPAD[rank](layer.pad, 0.0)
        return ZEROPAD[rank](tuple(p for pair in reversed(layer.pad) for p in pair), 0.0)
    if kind == "id":
        return nn.Identity()
    raise NotImplementedError(f"the torch oracle has no mapping for layer kind {kind!r}")


# --------------------------------------------------------------------------------------------
# counting


def _mac_hook(counter: list[int]):
    """A forward hook adding fvcore-convention MACs (bias excluded) to ``counter[0]``."""

    def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...], out: torch.Tensor) -> None:
        x = inputs[0]
        if isinstance(module, tuple(CONVT.values())):
            per = prod(module.kernel_size) * module.out_channels // module.groups
            counter[0] += x.numel() * per
        elif isinstance(module, tuple(CONV.values())):
            counter[0] += (
                out.numel() * prod(module.kernel_size) * module.in_channels // module.groups
            )
        elif isinstance(module, nn.Linear):
            counter[0] += x.numel() // module.in_features * module.in_features * module.out_features

    return hook


def _run_layer(layer, x: torch.Tensor) -> tuple[Row, torch.Tensor]:
    module = build_layer(layer, x).eval()
    counter = [0]
    handles = [m.register_forward_hook(_mac_hook(counter)) for m in module.modules()]
    try:
        y = module(x)
    finally:
        for h in handles:
            h.remove()
    trainable = sum(p.numel() for p in module.parameters())
    running = sum(
        b.numel() for name, b in module.named_buffers() if name.rsplit(".", 1)[-1] in FROZEN_BUFFERS
    )
    return Row(tuple(y.shape[1:]), trainable, running, counter[0]), y


def _run_nodes(nodes: tuple[Node, ...], x: torch.Tensor) -> tuple[list[Row], torch.Tensor]:
    rows: list[Row] = []
    for node in nodes:
        if isinstance(node, BranchNode):
            branch_rows: list[list[Row]] = []
            outs: list[torch.Tensor] = []
            inputs = (
                Split(len(node.branches))(x) if node.kind == "split" else [x] * len(node.branches)
            )
            for branch, x_in in zip(node.branches, inputs):
                b_rows, out = _run_nodes(branch, x_in)
                branch_rows.append(b_rows)
                outs.append(out)
            if node.kind in ("cat", "split"):
                x = torch.cat(outs, dim=1)
            elif node.kind == "mul":
                x = Multiply()(x, outs[0])
            elif node.kind == "aux":
                pass  # a side head: the input passes on
            else:
                terms = [x, *outs] if len(outs) == 1 else outs
                if len({tuple(t.shape) for t in terms}) != 1:  # an add must not broadcast
                    raise RuntimeError(f"res: shapes {[tuple(t.shape) for t in terms]} differ")
                x = sum(terms[1:], terms[0])
            flat = [r for b in branch_rows for r in b]
            # an aux row shows its head's MACs; every other row leaves aux heads out
            counted = flat if node.kind == "aux" else [r for r in flat if not r.aux]
            rows.append(
                Row(
                    tuple(x.shape[1:]),
                    sum(r.trainable for r in flat),
                    sum(r.non_trainable for r in flat),
                    sum(r.macs for r in counted),
                    branch_rows,
                    aux=node.kind == "aux",
                )
            )
        else:
            row, x = _run_layer(node.layer, x)
            rows.append(row)
    return rows, x


def run(network: Network) -> tuple[list[Row], torch.Tensor]:
    """Run a zero tensor through the PyTorch rebuild of ``network``; one :class:`Row` per layer.

    Raises whatever PyTorch raises for a network it cannot build or run.
    """
    *spatial, c = network.input_shape
    x = torch.zeros(1, c, *spatial)
    with torch.no_grad():
        return _run_nodes(network.nodes, x)
