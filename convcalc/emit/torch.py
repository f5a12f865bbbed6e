"""``convcalc emit torch``: a report → one self-contained PyTorch module.

The whole network is one ``nn.Sequential`` whose entries are convcalc's rows, in order, each
under a comment with its row number, token and output shape (``# 3  dense5  → 5``).  A row that
needs more than one module (a flatten before a dense, TensorFlow ``same`` padding before a conv)
is a small ``nn.Sequential`` of its own, so every row is exactly one module: forward hooks see
each row's output.  ``res(…)`` and ``cat(…)`` become the small modules ``Residual`` and
``Concat``, defined in the emitted file only when used, whose branches are ``nn.Sequential`` runs
of rows again.

One rule per layer kind, in :data:`RULES`; a kind without a rule is refused, naming its token.
"""

from __future__ import annotations

from collections.abc import Callable
from math import prod

from .base import (
    Call,
    EmitError,
    Expr,
    Row,
    call,
    check_identifier,
    comment_lines,
    comment_text,
    ints,
    kwarg,
    lines,
    per_dim,
    prepare,
    rows,
    same_split,
    summary,
    tuple_text,
)

__all__ = ["RULES", "emit"]

#: module-level names of the emitted file, which ``--class-name`` may not take
TAKEN = frozenset({"torch", "nn", "F", "model", "x", "y", "Residual", "Concat", "Pad", "Crop"})
TAKEN |= {"TFAvgPool", "LayerNorm2d", "BatchNormNoScale", "LayerScale", "StochasticDepth"}
TAKEN |= {"Rescaling", "Normalization", "Multiply", "SqueezeExcitation", "Split", "Aux"}
TAKEN |= {"FixedNormalization"}

HELPERS: dict[str, str] = {
    "Residual": '''
class Residual(nn.Module):
    """convcalc res(…): body(x) + x, or body(x) + shortcut(x) with a shortcut branch."""

    def __init__(self, body: nn.Module, shortcut: nn.Module | None = None) -> None:
        super().__init__()
        self.body = body
        self.shortcut = shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = x if self.shortcut is None else self.shortcut(x)
        return self.body(x) + skip
''',
    "Concat": '''
class Concat(nn.Module):
    """convcalc cat(…): every branch on the same input, outputs joined on the channels."""

    def __init__(self, *branches: nn.Module) -> None:
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([branch(x) for branch in self.branches], dim=1)
''',
    "Pad": '''
class Pad(nn.Module):
    """Constant padding as F.pad takes it: (before, after) pairs, the last dim first."""

    def __init__(self, pads: tuple[int, ...], value: float = 0.0) -> None:
        super().__init__()
        self.pads = pads
        self.value = value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pad(x, self.pads, value=self.value)
''',
    "Crop": '''
class Crop(nn.Module):
    """Drop (before, after) rows from each spatial dim."""

    def __init__(self, *crops: tuple[int, int]) -> None:
        super().__init__()
        self.crops = crops

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        index = [slice(None), slice(None)]
        for i, (before, after) in enumerate(self.crops):
            index.append(slice(before, x.shape[2 + i] - after))
        return x[tuple(index)]
''',
    "TFAvgPool": '''
class TFAvgPool(nn.Module):
    """Average pool with TensorFlow 'same' padding: the padding is left out of each mean."""

    def __init__(self, pool: nn.Module, pads: tuple[int, ...]) -> None:
        super().__init__()
        self.pool = pool
        self.pads = pads

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ones = torch.ones_like(x[:1, :1])
        return self.pool(F.pad(x, self.pads)) / self.pool(F.pad(ones, self.pads))
''',
    "LayerNorm2d": '''
class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channels at each position (torchvision's LayerNorm2d)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.movedim(1, -1)).movedim(-1, 1)
''',
    "BatchNormNoScale": '''
class BatchNormNoScale(nn.Module):
    """Keras BatchNormalization(scale=False): running statistics, a learned shift, no scale."""

    def __init__(self, bn: nn.Module) -> None:
        super().__init__()
        self.bn = bn
        self.beta = nn.Parameter(torch.zeros(bn.num_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(x) + self.beta.view(1, -1, *[1] * (x.dim() - 2))
''',
    "LayerScale": '''
class LayerScale(nn.Module):
    """ConvNeXt's layer scale: a learned factor per channel, starting at 1e-6."""

    def __init__(self, channels: int, rank: int) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.full((channels, *[1] * rank), 1e-6))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.gamma * x
''',
    "StochasticDepth": '''
class StochasticDepth(nn.Module):
    """Drops whole samples with probability p in training (torchvision's "row" mode)."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        keep = torch.empty(x.shape[0], *[1] * (x.dim() - 1), device=x.device)
        return x * keep.bernoulli_(1 - self.p) / (1 - self.p)
''',
    "Rescaling": '''
class Rescaling(nn.Module):
    """Keras Rescaling: x * scale + offset, fixed numbers, no parameters."""

    def __init__(self, scale: float = 1 / 255, offset: float = 0.0) -> None:
        super().__init__()
        self.scale = scale
        self.offset = offset

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale + self.offset
''',
    "Normalization": '''
class Normalization(nn.Module):
    """Keras Normalization: per-channel mean and variance and the sample count, adapted from
    data and never trained (buffers)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(channels))
        self.register_buffer("variance", torch.ones(channels))
        self.register_buffer("count", torch.zeros((), dtype=torch.int64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = (1, -1, *[1] * (x.dim() - 2))
        return (x - self.mean.view(shape)) / self.variance.view(shape).sqrt()
''',
    "FixedNormalization": '''
class FixedNormalization(nn.Module):
    """Keras Normalization(mean=..., variance=...): given per-channel constants (set yours),
    kept out of the state dict as Keras keeps them out of its weights."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.register_buffer("given_mean", torch.zeros(channels), persistent=False)
        self.register_buffer("given_variance", torch.ones(channels), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = (1, -1, *[1] * (x.dim() - 2))
        mean, variance = self.given_mean.view(shape), self.given_variance.view(shape)
        return (x - mean) / variance.sqrt()
''',
    "Multiply": '''
class Multiply(nn.Module):
    """convcalc mul(…): x times body(x); a gate of shape (N, C) is broadcast over positions."""

    def __init__(self, body: nn.Module) -> None:
        super().__init__()
        self.body = body

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate = self.body(x)
        if gate.dim() == 2:
            gate = gate.view(*gate.shape, *[1] * (x.dim() - 2))
        return x * gate
''',
    "SqueezeExcitation": '''
class SqueezeExcitation(nn.Module):
    """convcalc se<r>, torchvision's SqueezeExcitation: x times a per-channel gate,
    sigmoid(fc2(relu(fc1(mean of each channel)))), fc1 and fc2 1×1 convs."""

    def __init__(self, channels: int, squeeze: int, dims: int = 2) -> None:
        super().__init__()
        pools = [nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d]
        conv = [nn.Conv1d, nn.Conv2d, nn.Conv3d][dims - 1]
        self.avgpool = pools[dims - 1](1)
        self.fc1 = conv(channels, squeeze, 1)
        self.activation = nn.ReLU()
        self.fc2 = conv(squeeze, channels, 1)
        self.scale_activation = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.fc2(self.activation(self.fc1(self.avgpool(x))))
        return self.scale_activation(scale) * x
''',
    "Split": '''
class Split(nn.Module):
    """convcalc split(…): the channels in equal shares, one per branch (ShuffleNetV2's
    chunk), each branch on its share, the outputs joined on the channels."""

    def __init__(self, *branches: nn.Module) -> None:
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shares = x.chunk(len(self.branches), dim=1)
        return torch.cat([b(share) for b, share in zip(self.branches, shares)], dim=1)
''',
    "Aux": '''
class Aux(nn.Module):
    """convcalc aux(…): a training-time side head, as torchvision's Inception3.AuxLogits.
    x passes on unchanged.  In training the head runs on x and its result is kept in
    .output, for the loss; in eval it is skipped (.output is None).  Its weights always
    exist, in parameters() and the state dict."""

    def __init__(self, head: nn.Module) -> None:
        super().__init__()
        self.head = head
        self.output: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.output = self.head(x) if self.training else None
        return x
''',
}


class _Module:
    """What one emitted module needs: the helpers used (in order of first use)."""

    def __init__(self) -> None:
        self.helpers: list[str] = []

    def use(self, name: str) -> str:
        if name not in self.helpers:
            self.helpers.append(name)
        return name


Rule = Callable[[_Module, Row], Expr]


# --------------------------------------------------------------------------------------------
# small shared pieces


def _rank(row: Row) -> int:
    return len(row.shape_in) - 1


def _seq(*modules: Expr) -> Expr:
    """One module, or an ``nn.Sequential`` of several (one row stays one module)."""
    if len(modules) == 1:
        return modules[0]
    return Call("nn.Sequential", list(modules), [[] for _ in modules])


def _same_pads(row: Row, kernel, strides, dilations) -> tuple[int, ...]:
    """TensorFlow ``same`` as F.pad takes it: (before, after) per dim, the last dim first."""
    pads: list[int] = []
    for w, f, s, d in reversed(list(zip(row.shape_in[:-1], kernel, strides, dilations))):
        pads += same_split(w, f, s, d)
    return tuple(pads)


def _window(m: _Module, row: Row, layer) -> tuple[list[Expr], list[str]]:
    """(modules before, keyword arguments) for the padding of a conv-family layer."""
    rank = _rank(row)
    kernel = per_dim(layer.kernel, rank)
    strides = per_dim(layer.stride, rank)
    dilations = per_dim(layer.dilation, rank)
    kw: list[str] = []
    if strides != (1,) * rank:
        kw.append(kwarg("stride", ints(strides)))
    first: list[Expr] = []
    if layer.padding == "same":
        odd = all((d * (f - 1)) % 2 == 0 for f, d in zip(kernel, dilations))
        if strides == (1,) * rank and odd:
            kw.append('padding="same"')
        else:
            pads = _same_pads(row, kernel, strides, dilations)
            if any(pads):
                first.append(Call(m.use("Pad"), [tuple_text(pads)], [[]]))
    elif per_dim(layer.padding, rank) != (0,) * rank:
        kw.append(kwarg("padding", ints(per_dim(layer.padding, rank))))
    if dilations != (1,) * rank:
        kw.append(kwarg("dilation", ints(dilations)))
    return first, kw


# --------------------------------------------------------------------------------------------
# one rule per layer kind


def _conv(m: _Module, row: Row) -> Expr:
    layer = row.layer
    rank, c_in = _rank(row), row.shape_in[-1]
    first, kw = _window(m, row, layer)
    kernel = kwarg("kernel_size", ints(per_dim(layer.kernel, rank)))
    groups = getattr(layer, "groups", 1)
    if layer.kind == "conv":
        extra = [kwarg("groups", groups)] if groups > 1 else []
        extra += [] if layer.bias else ["bias=False"]
        return _seq(
            *first, call(f"nn.Conv{rank}d", str(c_in), str(layer.filters), kernel, *kw, *extra)
        )
    c_mid = c_in * layer.multiplier
    depthwise = [kwarg("groups", c_in)]
    if layer.kind == "dwconv":
        bias = [] if layer.bias else ["bias=False"]
        return _seq(
            *first, call(f"nn.Conv{rank}d", str(c_in), str(c_mid), kernel, *kw, *depthwise, *bias)
        )
    # sepconv: Keras SeparableConv — depthwise without bias, then 1×1 with the bias
    dw = call(f"nn.Conv{rank}d", str(c_in), str(c_mid), kernel, *kw, *depthwise, "bias=False")
    pw_bias = [] if layer.bias else ["bias=False"]
    pw = call(f"nn.Conv{rank}d", str(c_mid), str(layer.filters), "kernel_size=1", *pw_bias)
    return _seq(*first, dw, pw)


def _deconv(m: _Module, row: Row) -> Expr:
    layer = row.layer
    rank, c_in = _rank(row), row.shape_in[-1]
    kernel = per_dim(layer.kernel, rank)
    strides = per_dim(layer.stride, rank)
    dilations = per_dim(layer.dilation, rank)
    crops: list[tuple[int, int]] = []
    if layer.padding == "same":
        # Keras same gives W·S: padding p, output padding op, and a crop of the last row where
        # no legal output padding (< max(stride, dilation)) gives it
        pads, ops = [], []
        for f, s, d in zip(kernel, strides, dilations):
            t = d * (f - 1) + 1 - s
            if t <= 0:
                p, op, crop = 0, -t, 0
            elif 2 * ((t + 1) // 2) - t < max(s, d):
                p, op, crop = (t + 1) // 2, 2 * ((t + 1) // 2) - t, 0
            else:
                p, op, crop = t // 2, 0, 1
            pads.append(p)
            ops.append(op)
            crops.append((0, crop))
    elif layer.padding == "valid":
        # Keras valid: W·S + max(D(F−1) + 1 − S, 0), PyTorch's p0 plus the missing rows
        pads = [0] * rank
        ops = [max(s - (d * (f - 1) + 1), 0) for f, s, d in zip(kernel, strides, dilations)]
    else:
        pads = list(per_dim(layer.padding, rank))
        ops = list(per_dim(layer.output_padding, rank))
    kw = [kwarg("kernel_size", ints(kernel))]
    if strides != (1,) * rank:
        kw.append(kwarg("stride", ints(strides)))
    if any(pads):
        kw.append(kwarg("padding", ints(pads)))
    if any(ops):
        kw.append(kwarg("output_padding", ints(ops)))
    if layer.groups > 1:
        kw.append(kwarg("groups", layer.groups))
    if not layer.bias:
        kw.append("bias=False")
    if dilations != (1,) * rank:
        kw.append(kwarg("dilation", ints(dilations)))
    conv = call(f"nn.ConvTranspose{rank}d", str(c_in), str(layer.filters), *kw)
    if any(c for _, c in crops):
        return _seq(conv, call(m.use("Crop"), *(tuple_text(c) for c in crops)))
    return conv


def _pool(m: _Module, row: Row) -> Expr:
    layer = row.layer
    rank = _rank(row)
    kernel = per_dim(layer.kernel, rank)
    strides = per_dim(layer.stride, rank)
    dilations = per_dim(layer.dilation, rank)
    name = "MaxPool" if layer.kind == "maxpool" else "AvgPool"
    kw = [kwarg("kernel_size", ints(kernel))]
    if strides != kernel:
        kw.append(kwarg("stride", ints(strides)))
    pads: tuple[int, ...] = ()
    if layer.padding == "same":
        pads = _same_pads(row, kernel, strides, dilations)
    elif per_dim(layer.padding, rank) != (0,) * rank:
        kw.append(kwarg("padding", ints(per_dim(layer.padding, rank))))
    if dilations != (1,) * rank:
        kw.append(kwarg("dilation", ints(dilations)))
    if layer.ceil:
        kw.append("ceil_mode=True")
    pool = call(f"nn.{name}{rank}d", *kw)
    if not any(pads):
        return pool
    if layer.kind == "maxpool":  # TensorFlow's max pool never picks the padding
        return _seq(call(m.use("Pad"), tuple_text(pads), 'value=float("-inf")'), pool)
    return call(m.use("TFAvgPool"), pool, tuple_text(pads))  # type: ignore[arg-type]


def _global_pool(m: _Module, row: Row) -> Expr:
    name = "AdaptiveAvgPool" if row.kind == "gap" else "AdaptiveMaxPool"
    return _seq(call(f"nn.{name}{_rank(row)}d", "1"), call("nn.Flatten"))


def _adaptive_pool(m: _Module, row: Row) -> Expr:
    name = "AdaptiveAvgPool" if row.kind == "apool" else "AdaptiveMaxPool"
    return call(f"nn.{name}{_rank(row)}d", ints(row.layer.size))


def _flatten(m: _Module, row: Row) -> Expr:
    return call("nn.Identity") if len(row.shape_in) == 1 else call("nn.Flatten")


def _dense(m: _Module, row: Row) -> Expr:
    layer = row.layer
    n_in = prod(row.shape_in)  # PyTorch flattens C, H, W: the same count in any order
    bias = [] if layer.bias else ["bias=False"]
    linear = call("nn.Linear", str(n_in), str(layer.units), *bias)
    if len(row.shape_in) == 1:
        return linear
    return _seq(call("nn.Flatten"), linear)


def _bn(m: _Module, row: Row) -> Expr:
    c = str(row.shape_in[-1])
    if getattr(row.layer, "scale", True):
        return call(f"nn.BatchNorm{max(_rank(row), 1)}d", c)
    bn = call(f"nn.BatchNorm{max(_rank(row), 1)}d", c, "affine=False")
    return call(m.use("BatchNormNoScale"), bn)


def _ln(m: _Module, row: Row) -> Expr:
    c = str(row.shape_in[-1])
    return call("nn.LayerNorm", c) if len(row.shape_in) == 1 else call(m.use("LayerNorm2d"), c)


def _gn(m: _Module, row: Row) -> Expr:
    return call("nn.GroupNorm", str(row.layer.groups), str(row.shape_in[-1]))


def _scale(m: _Module, row: Row) -> Expr:
    return call(m.use("LayerScale"), str(row.shape_in[-1]), str(_rank(row)))


def _shuffle(m: _Module, row: Row) -> Expr:
    return call("nn.ChannelShuffle", str(row.layer.groups))


def _droppath(m: _Module, row: Row) -> Expr:
    return call(m.use("StochasticDepth"), repr(float(row.layer.rate)))


def _rescale(m: _Module, row: Row) -> Expr:
    scale = row.layer.scale
    return call(m.use("Rescaling"), *([] if scale is None else [repr(float(scale))]))


def _norm(m: _Module, row: Row) -> Expr:
    helper = "FixedNormalization" if row.layer.fixed else "Normalization"
    return call(m.use(helper), str(row.shape_in[-1]))


ACTIVATIONS = {
    "relu": "nn.ReLU()",
    "relu6": "nn.ReLU6()",
    "leakyrelu": "nn.LeakyReLU(negative_slope=0.01)",
    "elu": "nn.ELU()",
    "gelu": "nn.GELU()",
    "silu": "nn.SiLU()",
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "softmax": "nn.Softmax(dim=1)",
    "hswish": "nn.Hardswish()",
    "hsigmoid": "nn.Hardsigmoid()",
    "mish": "nn.Mish()",
    "selu": "nn.SELU()",
    "softplus": "nn.Softplus()",
    "prelu": "nn.PReLU()",
}


def _activation(m: _Module, row: Row) -> Expr:
    return ACTIVATIONS[row.kind]


def _dropout(m: _Module, row: Row) -> Expr:
    return call("nn.Dropout", kwarg("p", repr(float(row.layer.rate))))


def _upsample(m: _Module, row: Row) -> Expr:
    return call("nn.Upsample", kwarg("scale_factor", row.layer.factor), 'mode="nearest"')


def _zpad(m: _Module, row: Row) -> Expr:
    pad = row.layer.pad
    if isinstance(pad, int):
        return call(f"nn.ZeroPad{_rank(row)}d", str(pad))
    # (before, after) per dim; PyTorch takes them last dim first
    return call(f"nn.ZeroPad{_rank(row)}d", tuple_text(tuple(p for b in reversed(pad) for p in b)))


def _identity(m: _Module, row: Row) -> Expr:
    return call("nn.Identity")


def _branches(m: _Module, row: Row) -> list[Expr]:
    return [_sequential(m, branch) for branch in row.branches]


def _res(m: _Module, row: Row) -> Expr:
    return Call(m.use("Residual"), _branches(m, row), [[] for _ in row.branches])


def _cat(m: _Module, row: Row) -> Expr:
    return Call(m.use("Concat"), _branches(m, row), [[] for _ in row.branches])


def _mul(m: _Module, row: Row) -> Expr:
    return Call(m.use("Multiply"), _branches(m, row), [[]])


def _split(m: _Module, row: Row) -> Expr:
    return Call(m.use("Split"), _branches(m, row), [[] for _ in row.branches])


def _aux(m: _Module, row: Row) -> Expr:
    return Call(m.use("Aux"), _branches(m, row), [[]])


def _se(m: _Module, row: Row) -> Expr:
    rank = _rank(row)
    dims = [] if rank == 2 else [kwarg("dims", rank)]
    return call(m.use("SqueezeExcitation"), str(row.shape_in[-1]), str(row.layer.squeeze), *dims)


RULES: dict[str, Rule] = {
    "conv": _conv,
    "dwconv": _conv,
    "sepconv": _conv,
    "deconv": _deconv,
    "maxpool": _pool,
    "avgpool": _pool,
    "gap": _global_pool,
    "gmp": _global_pool,
    "apool": _adaptive_pool,
    "amaxpool": _adaptive_pool,
    "flatten": _flatten,
    "dense": _dense,
    "bn": _bn,
    "ln": _ln,
    "gn": _gn,
    "scale": _scale,
    "shuffle": _shuffle,
    "droppath": _droppath,
    "rescale": _rescale,
    "norm": _norm,
    **dict.fromkeys(ACTIVATIONS, _activation),
    "dropout": _dropout,
    "upsample": _upsample,
    "zpad": _zpad,
    "id": _identity,
    "se": _se,
    "res": _res,
    "cat": _cat,
    "mul": _mul,
    "split": _split,
    "aux": _aux,
}
"""Layer kind → the rule that writes its module (``res``/``cat`` included)."""


def _sequential(m: _Module, branch: tuple[Row, ...]) -> Call:
    seq = Call("nn.Sequential")
    for row in branch:
        rule = RULES.get(row.kind)
        if rule is None:
            raise row.error(f"convcalc emit torch has no rule for the layer kind '{row.kind}' yet")
        seq.add(rule(m, row), comment_text(row))
    return seq


# --------------------------------------------------------------------------------------------
# the module


#: the method a network with aux(…) heads gets: their outputs, for the training loss
AUX_OUTPUTS = [
    "    def aux_outputs(self) -> list[torch.Tensor]:",
    '        """The outputs of the aux(…) heads in the last forward in training, in row order."""',
    "        return [m.output for m in self.modules() if isinstance(m, Aux) and m.training]",
    "",
]


def emit(
    spec: str,
    *,
    channels_first: bool = False,
    class_name: str = "Net",
    title: str | None = None,
) -> str:
    """The PyTorch module for ``spec`` as Python source text.

    Raises :class:`~convcalc.errors.ConvcalcError` for a bad spec, and
    :class:`~convcalc.emit.base.EmitError` for a layer kind this emitter has no rule for or a
    ``class_name`` that is no Python identifier.
    """
    check_identifier(class_name, "class name", TAKEN)
    network, report = prepare(spec, channels_first)
    m = _Module()
    body = _sequential(m, rows(network, report))
    *spatial, c = network.input_shape
    shape_in = ", ".join(str(n) for n in (1, c, *spatial))
    out = report.totals.output_shape
    torch_out = out if channels_first or len(out) == 1 else [out[-1], *out[:-1]]
    shape_out = ", ".join(str(n) for n in (1, *torch_out))

    src = ['"""A PyTorch module written by convcalc emit torch from the spec below."""', ""]
    if title:
        src += comment_lines(title)
    src += comment_lines(f"spec: {report.spec}")
    src.append(f"# {summary(report)}")
    src.append("")
    src.append("import torch")
    if any(h in ("Pad", "TFAvgPool") for h in m.helpers):
        src.append("import torch.nn.functional as F")
    src.append("from torch import nn")
    for helper in m.helpers:
        src += ["", "", *HELPERS[helper].strip("\n").split("\n")]
    src += [
        "",
        "",
        f"class {class_name}(nn.Module):",
        f'    """Input (N, {", ".join(str(n) for n in (c, *spatial))}), '
        f'output (N, {", ".join(str(n) for n in torch_out)})."""',
        "",
        "    def __init__(self) -> None:",
        "        super().__init__()",
        *lines(body, 8, "self.layers = "),
        "",
        "    def forward(self, x: torch.Tensor) -> torch.Tensor:",
        "        return self.layers(x)",
        "",
        *(AUX_OUTPUTS if "Aux" in m.helpers else []),
        "",
        'if __name__ == "__main__":',
        f"    model = {class_name}().eval()",
        "    with torch.no_grad():",
        f"        y = model(torch.zeros({shape_in}))",
        f"    print(tuple(y.shape))  # ({shape_out})",
    ]
    return "\n".join(src) + "\n"


__all__ += ["EmitError"]
