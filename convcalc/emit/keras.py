"""``convcalc emit keras``: a report → one Keras 3 functional-API module.

``build_model() -> keras.Model`` takes channels-last tensors, as the spec is written, and every
layer is named after convcalc's row: ``conv_1``, ``bn_3_1_2`` (row 3.1.2); a row that needs more
than one Keras layer names the extra ones after it (``conv_1_pad``, ``dense_3_flatten``), and
the row's own name stays on the layer that gives the row's output.  ``res(…)`` ends in an
``Add`` and ``cat(…)`` in a ``Concatenate`` named ``res_N`` / ``cat_N``.

Keras has fewer knobs than PyTorch.  Where a faithful form exists it is written: PyTorch's
symmetric padding (and a ``ceil`` pool) become ``ZeroPadding`` then ``valid``, unless
``same`` gives the very same windows; a transposed conv's PyTorch padding becomes ``Cropping``.
Where none exists the layer is refused, naming its token and the reason (:data:`REFUSALS`).

One rule per layer kind, in :data:`RULES`; a kind without a rule is refused, naming its token.
"""

from __future__ import annotations

from collections.abc import Callable

from .base import (
    Call,
    Row,
    RowComment,
    call,
    comment_lines,
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

__all__ = ["REFUSALS", "RULES", "emit"]

#: every reason a valid network is refused, as the error says it (the README lists them)
REFUSALS = {
    "stride_dilation": "Keras refuses strides > 1 together with dilation_rate > 1",
    "pool_dilation": "Keras pooling layers have no dilation",
    "deconv_groups": "Keras transposed convolutions have no groups",
    "deconv_op": "Keras needs the output padding smaller than the stride",
}

#: a layer and the suffix its name gets after the row's name ("" for the row's own layer)
Step = tuple[str, Call]
Rule = Callable[[Row], list[Step]]


def _rank(row: Row) -> int:
    return len(row.shape_in) - 1


def _one(rank: int) -> tuple[int, ...]:
    return (1,) * rank


def _refuse_stride_dilation(row: Row, strides: tuple, dilations: tuple) -> None:
    if strides != _one(len(strides)) and dilations != _one(len(dilations)):
        raise row.error(REFUSALS["stride_dilation"])


def _padding(row: Row, kernel, strides, dilations, padding) -> tuple[list[Step], str]:
    """(a ZeroPadding step or none, the Keras padding word) for a sliding window.

    ``same`` when TensorFlow's split reads the very same windows as the PyTorch padding
    (the same output and the same padding before), else zero padding then ``valid``: before =
    P, after = P, or more where a ``ceil`` pool's last window hangs over the end.
    """
    if padding == "same":
        return [], '"same"'
    rank = _rank(row)
    pads = per_dim(padding, rank)
    spatial = row.shape_in[:-1]
    outs = row.shape_out[:-1]
    pairs = []
    for w, f, s, d, p, o in zip(spatial, kernel, strides, dilations, pads, outs):
        need = (o - 1) * s + d * (f - 1) + 1  # the padded length the windows read
        pairs.append((p, max(p, need - w - p)))
    if all(b == 0 and a == 0 for b, a in pairs):  # a ceil that adds no window, too
        return [], '"valid"'
    same = all(
        -(-w // s) == o and same_split(w, f, s, d)[0] == b
        for w, f, s, d, o, (b, _) in zip(spatial, kernel, strides, dilations, outs, pairs)
    )
    if same:
        return [], '"same"'
    return _zero_padding(rank, pairs), '"valid"'


def _conv(row: Row) -> list[Step]:
    """conv, dwconv, sepconv; with a stride and a dilation together, which Keras refuses, the
    faithful form: zero padding, the dilated conv at stride 1, then ``MaxPoolingND(1,
    strides=S)``, a pure subsampling (the stride-1 output has W + 2P − D(F−1) positions, and
    every S-th of them is what the strided conv computes)."""
    layer = row.layer
    rank = _rank(row)
    kernel = per_dim(layer.kernel, rank)
    strides = per_dim(layer.stride, rank)
    dilations = per_dim(layer.dilation, rank)
    if strides != _one(rank) and dilations != _one(rank):
        if layer.padding == "same":
            pairs = [
                same_split(w, f, s, d)
                for w, f, s, d in zip(row.shape_in[:-1], kernel, strides, dilations)
            ]
        else:
            pairs = [(p, p) for p in per_dim(layer.padding, rank)]
        first = _zero_padding(rank, pairs) if any(map(any, pairs)) else []
        steps = _conv_layers(row, kernel, _one(rank), dilations, first, '"valid"')
        subsample = call(f"layers.MaxPooling{rank}D", "1", kwarg("strides", ints(strides)))
        return [(suffix or "conv", layer) for suffix, layer in steps] + [("", subsample)]
    first, word = _padding(row, kernel, strides, dilations, layer.padding)
    return _conv_layers(row, kernel, strides, dilations, first, word)


def _conv_layers(row: Row, kernel, strides, dilations, first: list[Step], word: str) -> list[Step]:
    layer = row.layer
    rank = _rank(row)
    kw = []
    if strides != _one(rank):
        kw.append(kwarg("strides", ints(strides)))
    if word != '"valid"':
        kw.append(kwarg("padding", word))
    if dilations != _one(rank):
        kw.append(kwarg("dilation_rate", ints(dilations)))
    bias = [] if layer.bias else ["use_bias=False"]
    k = ints(kernel)
    c_in = row.shape_in[-1]
    if layer.kind == "conv":
        groups = [kwarg("groups", layer.groups)] if layer.groups > 1 else []
        return [
            *first,
            ("", call(f"layers.Conv{rank}D", str(layer.filters), k, *kw, *groups, *bias)),
        ]
    m = layer.multiplier
    if layer.kind == "dwconv":
        if rank == 3:  # no DepthwiseConv3D: a grouped Conv3D is the same layer
            conv = call("layers.Conv3D", str(c_in * m), k, *kw, kwarg("groups", c_in), *bias)
        else:
            multiplier = [kwarg("depth_multiplier", m)] if m > 1 else []
            conv = call(f"layers.DepthwiseConv{rank}D", k, *kw, *multiplier, *bias)
        return [*first, ("", conv)]
    if rank == 3:  # no SeparableConv3D: depthwise (a grouped Conv3D, no bias), then 1×1
        depthwise = call(
            "layers.Conv3D", str(c_in * m), k, *kw, kwarg("groups", c_in), "use_bias=False"
        )
        pointwise = call("layers.Conv3D", str(layer.filters), "1", *bias)
        return [*first, ("depthwise", depthwise), ("", pointwise)]
    multiplier = [kwarg("depth_multiplier", m)] if m > 1 else []
    return [
        *first,
        ("", call(f"layers.SeparableConv{rank}D", str(layer.filters), k, *kw, *multiplier, *bias)),
    ]


def _deconv(row: Row) -> list[Step]:
    layer = row.layer
    rank = _rank(row)
    kernel = per_dim(layer.kernel, rank)
    strides = per_dim(layer.stride, rank)
    dilations = per_dim(layer.dilation, rank)
    _refuse_stride_dilation(row, strides, dilations)
    if layer.groups > 1:
        raise row.error(REFUSALS["deconv_groups"])
    kw = []
    if strides != _one(rank):
        kw.append(kwarg("strides", ints(strides)))
    crop: list[Step] = []
    if layer.padding == "same":  # Keras' own rule: W·S
        kw.append('padding="same"')
    elif layer.padding == "valid":
        pass  # Keras' default, and convcalc's pvalid: W·S + max(D(F − 1) + 1 − S, 0)
    else:
        # valid with an explicit output padding gives (W − 1)·S + D(F − 1) + 1 + OP, PyTorch's
        # size before its padding P is taken off each side: crop P
        ops = per_dim(layer.output_padding, rank)
        if any(op >= s for op, s in zip(ops, strides)):
            raise row.error(REFUSALS["deconv_op"])
        effs = [d * (f - 1) + 1 for f, d in zip(kernel, dilations)]
        if any(ops) or any(e < s for e, s in zip(effs, strides)):
            # Keras' default is W·S + max(D(F − 1) + 1 − S, 0): the same unless D(F−1)+1 < S
            kw.append(kwarg("output_padding", ints(ops)))
        pads = per_dim(layer.padding, rank)
        if any(pads):
            crop = [("", call(f"layers.Cropping{rank}D", ints(pads)))]
    if dilations != _one(rank):
        kw.append(kwarg("dilation_rate", ints(dilations)))
    if not layer.bias:
        kw.append("use_bias=False")
    conv = call(f"layers.Conv{rank}DTranspose", str(layer.filters), ints(kernel), *kw)
    if crop:
        return [("transpose", conv), *crop]
    return [("", conv)]


def _pool(row: Row) -> list[Step]:
    layer = row.layer
    rank = _rank(row)
    kernel = per_dim(layer.kernel, rank)
    strides = per_dim(layer.stride, rank)
    dilations = per_dim(layer.dilation, rank)
    if dilations != _one(rank):
        raise row.error(REFUSALS["pool_dilation"])
    if layer.kind == "avgpool" and layer.padding != "same":
        # PyTorch averages over the zero padding (count_include_pad): ZeroPadding, then valid
        first, word = _padding(row, kernel, strides, dilations, layer.padding)
        if word == '"same"':  # Keras' same would leave the padding out of the mean
            first, word = _zero_pad(row, kernel, strides, layer.padding), '"valid"'
    else:
        first, word = _padding(row, kernel, strides, dilations, layer.padding)
    name = "MaxPooling" if layer.kind == "maxpool" else "AveragePooling"
    kw = [ints(kernel)]
    if strides != kernel:
        kw.append(kwarg("strides", ints(strides)))
    if word != '"valid"':
        kw.append(kwarg("padding", word))
    return [*first, ("", call(f"layers.{name}{rank}D", *kw))]


def _zero_pad(row: Row, kernel, strides, padding) -> list[Step]:
    rank = _rank(row)
    pads = per_dim(padding, rank)
    pairs = [
        (p, max(p, (o - 1) * s + f - w - p))
        for w, f, s, p, o in zip(row.shape_in[:-1], kernel, strides, pads, row.shape_out[:-1])
    ]
    return _zero_padding(rank, pairs)


def _zero_padding(rank: int, pairs: list[tuple[int, int]]) -> list[Step]:
    """A ZeroPadding step: ``1`` when every side is the same, else (before, after) pairs per
    dim (ZeroPadding1D takes one pair)."""
    if len(set(pairs)) == 1 and pairs[0][0] == pairs[0][1]:
        arg = str(pairs[0][0])
    elif rank == 1:
        arg = tuple_text(pairs[0])
    else:
        arg = tuple_text(tuple(tuple_text(p) for p in pairs))
    return [("pad", call(f"layers.ZeroPadding{rank}D", arg))]


def _global_pool(row: Row) -> list[Step]:
    name = "GlobalAveragePooling" if row.kind == "gap" else "GlobalMaxPooling"
    return [("", call(f"layers.{name}{_rank(row)}D"))]


def _flatten(row: Row) -> list[Step]:
    return [("", call("layers.Flatten"))]


def _dense(row: Row) -> list[Step]:
    layer = row.layer
    bias = [] if layer.bias else ["use_bias=False"]
    dense = ("", call("layers.Dense", str(layer.units), *bias))
    if len(row.shape_in) == 1:
        return [dense]
    # Keras flattens H, W, C (PyTorch C, H, W): the same count, another order
    return [("flatten", call("layers.Flatten")), dense]


def _bn(row: Row) -> list[Step]:
    # PyTorch's defaults: ε = 1e-5, running averages updated by 0.1 (Keras momentum 0.9)
    noscale = [] if getattr(row.layer, "scale", True) else ["scale=False"]
    return [("", call("layers.BatchNormalization", "momentum=0.9", "epsilon=1e-5", *noscale))]


def _ln(row: Row) -> list[Step]:
    # over the channels at each position, as torchvision's LayerNorm2d; PyTorch's ε
    return [("", call("layers.LayerNormalization", "epsilon=1e-5"))]


def _gn(row: Row) -> list[Step]:
    return [("", call("layers.GroupNormalization", str(row.layer.groups), "epsilon=1e-5"))]


def _scale(row: Row) -> list[Step]:
    return [("", call("LayerScale"))]


def _shuffle(row: Row) -> list[Step]:
    # channels last: (…, C) → (…, g, C/g) → swap the last two → (…, C), as nn.ChannelShuffle
    g = row.layer.groups
    *spatial, c = row.shape_in
    rank = len(spatial)
    split = tuple_text((*spatial, g, c // g))
    swap = tuple_text((*range(1, rank + 1), rank + 2, rank + 1))
    return [
        ("split", call("layers.Reshape", split)),
        ("swap", call("layers.Permute", swap)),
        ("", call("layers.Reshape", tuple_text(tuple(row.shape_in)))),
    ]


def _droppath(row: Row) -> list[Step]:
    # stochastic depth: a dropout whose mask is one number per sample
    noise = tuple_text(("None", *[1] * len(row.shape_in)))
    return [("", call("layers.Dropout", repr(float(row.layer.rate)), kwarg("noise_shape", noise)))]


def _rescale(row: Row) -> list[Step]:
    scale = row.layer.scale
    return [("", call("layers.Rescaling", "1 / 255" if scale is None else repr(float(scale))))]


def _norm(row: Row) -> list[Step]:
    if row.layer.fixed:  # given constants (set yours): Keras 3 keeps them out of the weights
        return [("", call("layers.Normalization", "mean=0.0", "variance=1.0"))]
    # mean, variance and count, adapted from data (model.get_layer(…).adapt(…)), not trained
    return [("", call("layers.Normalization"))]


ACTIVATIONS = {
    "relu": call("layers.ReLU"),
    "relu6": call("layers.ReLU", "max_value=6.0"),
    "leakyrelu": call("layers.LeakyReLU", "negative_slope=0.01"),  # PyTorch's slope
    "elu": call("layers.ELU"),
    "gelu": call("layers.Activation", '"gelu"'),
    "silu": call("layers.Activation", '"silu"'),
    "sigmoid": call("layers.Activation", '"sigmoid"'),
    "tanh": call("layers.Activation", '"tanh"'),
    "softmax": call("layers.Softmax"),  # over the last axis: the channels
    "hswish": call("layers.Activation", '"hard_swish"'),
    "hsigmoid": call("layers.Activation", '"hard_sigmoid"'),  # relu6(x + 3)/6, as PyTorch
    "mish": call("layers.Activation", '"mish"'),
    "selu": call("layers.Activation", '"selu"'),
    "softplus": call("layers.Activation", '"softplus"'),
}


def _activation(row: Row) -> list[Step]:
    template = ACTIVATIONS[row.kind]
    return [("", call(template.func, *template.args))]


def _prelu(row: Row) -> list[Step]:
    # PyTorch's nn.PReLU(): one slope shared by every position and channel, initially 0.25
    axes = tuple_text(tuple(range(1, len(row.shape_in) + 1)))
    init = "alpha_initializer=keras.initializers.Constant(0.25)"
    return [("", call("layers.PReLU", init, kwarg("shared_axes", axes)))]


def _adaptive_pool(row: Row) -> list[Step]:
    name = "AdaptiveAveragePooling" if row.kind == "apool" else "AdaptiveMaxPooling"
    return [("", call(f"layers.{name}{_rank(row)}D", ints(per_dim(row.layer.size, _rank(row)))))]


def _dropout(row: Row) -> list[Step]:
    return [("", call("layers.Dropout", repr(float(row.layer.rate))))]


def _upsample(row: Row) -> list[Step]:
    return [("", call(f"layers.UpSampling{_rank(row)}D", str(row.layer.factor)))]


def _zpad(row: Row) -> list[Step]:
    pad = row.layer.pad
    if isinstance(pad, int):
        return [("", call(f"layers.ZeroPadding{_rank(row)}D", str(pad)))]
    (step,) = _zero_padding(_rank(row), [tuple(p) for p in pad])
    return [("", step[1])]


def _identity(row: Row) -> list[Step]:
    return [("", call("layers.Identity"))]


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
    "prelu": _prelu,
    "dropout": _dropout,
    "upsample": _upsample,
    "zpad": _zpad,
    "id": _identity,
}
"""Layer kind → the rule that writes its Keras layers (``res``/``cat`` are the structure)."""

MERGES = {"res": "layers.Add", "cat": "layers.Concatenate"}
#: the structures, each written by the _Writer method of its name
STRUCTURES = ("res", "cat", "mul", "split", "aux")


def layer_name(row: Row) -> str:
    """The Keras name of a row's layer: its kind and path, ``conv_3_1_2``."""
    return f"{row.kind}_{row.path.replace('.', '_')}"


def _named(layer: Call, name: str) -> Call:
    return layer.add(f'name="{name}"')


class _Writer:
    def __init__(self) -> None:
        self.body: list[str] = []
        #: the aux(…) heads' output tensors: the model's outputs after the main one
        self.aux: list[str] = []
        #: the helper layers the module defines (LayerScale, Split)
        self.helpers: set[str] = set()

    def add(self, layer: Call, name: str, source: str, target: str = "x") -> None:
        self.body += lines(_named(layer, name), 4, f"{target} = ", f"({source})")

    def rows(self, branch: tuple[Row, ...], source: str) -> None:
        """Statements for a run of rows starting from the tensor ``source``; the result is x."""
        for row in branch:
            self.body.append(
                "    # " + RowComment(row.path, row.report.token, _shape(row)).text(84)
            )
            if row.kind in STRUCTURES:
                getattr(self, f"_{row.kind}")(row, source)
            elif row.kind == "se":
                self._se(row, source)
            else:
                rule = RULES.get(row.kind)
                if rule is None:
                    raise row.error(
                        f"convcalc emit keras has no rule for the layer kind '{row.kind}' yet"
                    )
                name = layer_name(row)
                for suffix, layer in rule(row):
                    if layer.func == "LayerScale":
                        self.helpers.add("LayerScale")
                    self.add(layer, f"{name}_{suffix}" if suffix else name, source)
                    source = "x"
            source = "x"

    def _block(self, row: Row, source: str) -> tuple[str, str]:
        """(tag, the variable holding the structure's input): ``3_1_2``, ``block_3_1_2``."""
        tag = row.path.replace(".", "_")
        block = f"block_{tag}"
        self.body.append(f"    {block} = {source}")
        return tag, block

    def _branches(self, row: Row, tag: str, sources: list[str]) -> list[str]:
        """Each branch from its source; the variables holding their outputs (the last is x)."""
        outs = []
        for b, (branch, source) in enumerate(zip(row.branches, sources), 1):
            self.rows(branch, source)
            if b < len(row.branches):
                out = f"branch_{tag}_{b}"
                self.body.append(f"    {out} = x")
                outs.append(out)
        return [*outs, "x"]

    def _merge(self, row: Row, outs: list[str]) -> None:
        self.add(call(MERGES[row.kind]), layer_name(row), f"[{', '.join(outs)}]")

    def _res(self, row: Row, source: str) -> None:
        tag, block = self._block(row, source)
        outs = self._branches(row, tag, [block] * len(row.branches))
        if len(row.branches) == 1:
            outs = ["x", block]  # res(BODY): the body plus the block's input
        self._merge(row, outs)

    def _cat(self, row: Row, source: str) -> None:
        tag, block = self._block(row, source)
        self._merge(row, self._branches(row, tag, [block] * len(row.branches)))

    def _mul(self, row: Row, source: str) -> None:
        """x times the body's output: the same shape, a 1×…×1×C map, or a vector of C,
        reshaped to 1×…×1×C so that it broadcasts over the positions (channels last)."""
        tag, block = self._block(row, source)
        self._branches(row, tag, [block])
        gate = row.branches[0][-1].shape_out
        if len(gate) < len(row.shape_in):
            ones = tuple_text((*(1,) * (len(row.shape_in) - 1), gate[-1]))
            self.add(call("layers.Reshape", ones), f"{layer_name(row)}_gate", "x")
        self.add(call("layers.Multiply"), layer_name(row), f"[{block}, x]")

    def _se(self, row: Row, source: str) -> None:
        """``se<r>`` as keras.applications.EfficientNet writes it: the global mean kept as a
        1×…×1×C map, a 1×1 conv to r with ReLU, a 1×1 conv back to C with sigmoid, the
        product with the input."""
        _, block = self._block(row, source)
        rank, c, name = _rank(row), row.shape_in[-1], layer_name(row)
        pool = call(f"layers.GlobalAveragePooling{rank}D", "keepdims=True")
        reduce = call(f"layers.Conv{rank}D", str(row.layer.squeeze), "1", 'activation="relu"')
        expand = call(f"layers.Conv{rank}D", str(c), "1", 'activation="sigmoid"')
        self.add(pool, f"{name}_squeeze", block)
        self.add(reduce, f"{name}_reduce", "x")
        self.add(expand, f"{name}_expand", "x")
        self.add(call("layers.Multiply"), name, f"[{block}, x]")

    def _split(self, row: Row, source: str) -> None:
        """The channels in n equal shares (a ``Split`` layer written into the module), each
        branch on its share, the outputs concatenated."""
        tag = row.path.replace(".", "_")
        shares = f"shares_{tag}"
        self.helpers.add("Split")
        n = len(row.branches)
        self.add(call("Split", str(n)), f"{layer_name(row)}_shares", source, shares)
        outs = self._branches(row, tag, [f"{shares}[{i}]" for i in range(n)])
        self.add(call("layers.Concatenate"), layer_name(row), f"[{', '.join(outs)}]")

    def _aux(self, row: Row, source: str) -> None:
        """A side head: its output becomes one more output of the model (after the main one),
        and the main path goes on from the block's input (an ``Identity`` named after the
        row)."""
        tag, block = self._block(row, source)
        head = f"aux_{tag}"
        self.aux.append(head)  # before any aux inside it: the outputs are in row order
        self._branches(row, tag, [block])
        self.body.append(f"    {head} = x")
        self.add(call("layers.Identity"), layer_name(row), block)


HELPERS = {
    "LayerScale": '''
class LayerScale(layers.Layer):
    """ConvNeXt's layer scale: a learned factor per channel, starting at 1e-6."""

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        self.gamma = self.add_weight(
            shape=(input_shape[-1],), initializer=keras.initializers.Constant(1e-6)
        )

    def call(self, x):
        return x * self.gamma
''',
    "Split": '''
@keras.saving.register_keras_serializable(package="convcalc")
class Split(layers.Layer):
    """convcalc split(…): the channels (the last axis) in n equal shares, a list."""

    def __init__(self, n: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.n = n

    def call(self, x):
        return keras.ops.split(x, self.n, axis=-1)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> list[tuple]:
        share = (*input_shape[:-1], input_shape[-1] // self.n)
        return [share] * self.n

    def get_config(self) -> dict:
        return {**super().get_config(), "n": self.n}
''',
}


def _shape(row: Row) -> str:
    """A row's output shape as the Keras tensor has it: channels last."""
    return "×".join(str(n) for n in row.shape_out)


def emit(spec: str, *, channels_first: bool = False, title: str | None = None) -> str:
    """The Keras module for ``spec`` as Python source text.

    Raises :class:`~convcalc.errors.ConvcalcError` for a bad spec, and
    :class:`~convcalc.emit.base.EmitError` for a layer Keras cannot build faithfully
    (:data:`REFUSALS`) or a layer kind this emitter has no rule for.
    """
    network, report = prepare(spec, channels_first)
    writer = _Writer()
    writer.rows(rows(network, report), "inputs")
    shape_in = tuple_text(network.input_shape)
    out = report.totals.output_shape
    keras_out = out if not channels_first or len(out) == 1 else [*out[1:], out[0]]
    main = "x" if writer.body else "inputs"
    # aux(…) heads are more outputs, after the main one (Keras keeps only the layers that
    # lead to an output: this is how their weights stay in the model)
    outputs = f"[{', '.join([main, *writer.aux])}]" if writer.aux else main
    src = ['"""A Keras 3 model written by convcalc emit keras from the spec below."""', ""]
    if title:
        src += comment_lines(title)
    src += comment_lines(f"spec: {report.spec}")
    src.append(f"# {summary(report)}")
    src += ["", "import keras", "from keras import layers"]
    for helper in sorted(writer.helpers):
        src += ["", "", *HELPERS[helper].strip("\n").split("\n")]
    src += [
        "",
        "",
        "def build_model() -> keras.Model:",
        f'    """Input (N, {", ".join(map(str, network.input_shape))}), channels last; '
        f'output (N, {", ".join(map(str, keras_out))})."""',
        f'    inputs = keras.Input(shape={shape_in}, name="input")',
        *writer.body,
        *lines(call("keras.Model", "inputs", outputs, 'name="net"'), 4, "return "),
        "",
        "",
        'if __name__ == "__main__":',
        "    build_model().summary()",
    ]
    return "\n".join(src) + "\n"


__all__ += ["layer_name"]
