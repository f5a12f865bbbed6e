"""The Keras oracle: convcalc against Keras 3 (torch backend, no TensorFlow).

1. Every ``keras-…`` zoo entry is built as ``keras.applications.<Class>(weights=None)`` and
   compared with convcalc: total, trainable and non-trainable params (Keras' BN keeps 4C: 2C
   trainable, 2C moving statistics), MACs counted from each layer's config (the fvcore rules,
   bias excluded), and the output shape. Each application is built once per session, its
   weights on PyTorch's meta device (counting needs only the shapes: no weight is initialised).
2. A Hypothesis strategy of single Keras layers — conv, depthwise, separable and transposed
   convs and pools in 1-D, 2-D and 3-D, ``psame``/``pvalid``, strides, dilations, depth
   multipliers, groups, BN — compared for output shape and params.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from math import prod

import pytest
from hypothesis import event, given, note, settings
from hypothesis import strategies as st

import convcalc
from convcalc import zoo

KERAS_MODELS = [m.name for m in zoo.models() if m.keras]


def require_keras():
    """Import Keras on the torch backend, or skip (fail under CI, where the oracle must run)."""
    os.environ["KERAS_BACKEND"] = "torch"
    try:
        import keras
    except ImportError:  # pragma: no cover - depends on the machine
        if os.environ.get("CI"):
            pytest.fail("CI is set but keras is not installed: the Keras oracle must run")
        pytest.skip("keras is not installed (pip install keras; KERAS_BACKEND=torch)")
    assert keras.backend.backend() == "torch", "KERAS_BACKEND must be torch (no TensorFlow)"
    return keras


@pytest.fixture(scope="module")
def keras():
    return require_keras()


# --------------------------------------------------------------------------------------------
# MACs from a layer's config and its input/output shapes (fvcore's rules, bias excluded)


def layer_macs(keras, layer) -> int:
    L = keras.layers
    if isinstance(layer, L.Dense):
        return prod(layer.input.shape[1:]) * layer.units
    convs = (L.Conv1D, L.Conv2D, L.Conv3D, L.DepthwiseConv1D, L.DepthwiseConv2D,
             L.SeparableConv1D, L.SeparableConv2D,
             L.Conv1DTranspose, L.Conv2DTranspose, L.Conv3DTranspose)  # fmt: skip
    if not isinstance(layer, convs):
        return 0
    cin = layer.input.shape[-1]
    window = prod(layer.kernel_size)
    out = layer.output.shape[1:]
    if isinstance(layer, (L.Conv1DTranspose, L.Conv2DTranspose, L.Conv3DTranspose)):
        return prod(layer.input.shape[1:]) * window * layer.filters
    if isinstance(layer, (L.DepthwiseConv1D, L.DepthwiseConv2D)):
        return prod(out) * window  # each output channel reads one input channel
    if isinstance(layer, (L.SeparableConv1D, L.SeparableConv2D)):
        mid = cin * layer.depth_multiplier
        return prod(out[:-1]) * mid * window + prod(out[:-1]) * mid * layer.filters
    return prod(out) * window * cin // layer.groups


def _nested_layers(model):
    for layer in model.layers:
        if hasattr(layer, "layers"):
            yield from _nested_layers(layer)
        else:
            yield layer


@dataclass(frozen=True)
class KerasCount:
    params: int
    trainable: int
    non_trainable: int
    macs: int
    output_shape: tuple[int, ...]


@cache
def application(name: str, input_shape: tuple[int, ...] | None = None) -> KerasCount:
    """Build ``keras.applications.<Class>(weights=None)`` once and count it (at
    ``input_shape``, channels last, if given)."""
    keras = require_keras()
    classes = {n.lower(): n for n in dir(keras.applications) if n[0].isupper()}
    cls = getattr(keras.applications, classes[name.removeprefix("keras-")])
    # the weights on PyTorch's meta device: shapes only, so no initialiser does real work (a
    # StatelessScope defers them, but runs them all when it exits: most of the build time)
    with keras.device("meta"):
        model = cls(weights=None, input_shape=input_shape)
        if None in model.input_shape[1:]:
            # a size-free default input (MobileNetV3's (None, None, 3)) has no MACs to count:
            # build it again at the zoo spec's input size
            shape = convcalc.analyze(zoo.get(name).spec).input_shape
            model = cls(weights=None, input_shape=tuple(shape))
    return KerasCount(
        params=model.count_params(),
        trainable=sum(prod(w.shape) for w in model.trainable_weights),
        non_trainable=sum(prod(w.shape) for w in model.non_trainable_weights),
        macs=sum(layer_macs(keras, layer) for layer in _nested_layers(model)),
        output_shape=tuple(model.output_shape[1:]),
    )


@pytest.mark.parametrize("name", KERAS_MODELS)
def test_application_matches_keras(keras, name: str):
    model = zoo.get(name)
    totals = convcalc.analyze(model.spec).totals
    theirs = application(name)
    assert model.params == theirs.params  # the pinned figure is Keras' count_params()
    assert totals.params == theirs.params
    assert totals.trainable_params == theirs.trainable
    assert totals.non_trainable_params == theirs.non_trainable
    assert totals.macs == theirs.macs
    assert tuple(totals.output_shape) == theirs.output_shape
    assert model.matches(totals)


@pytest.mark.parametrize(
    ("name", "shape"),
    [
        # odd and even sizes: Keras pads a stride-2 conv by correct_pad, which depends on the
        # size at that layer; the specs write it psame, TensorFlow's split, equal at every size
        ("keras-efficientnetb0", (225, 225, 3)),
        ("keras-efficientnetb0", (193, 256, 3)),
        ("keras-efficientnetv2b0", (225, 225, 3)),
        ("keras-mobilenetv2", (225, 225, 3)),
        ("keras-mobilenetv3small", (193, 193, 3)),  # size-free: a fixed zpad0:1 at every size
        ("keras-resnet50", (225, 225, 3)),
        ("keras-inceptionv3", (301, 300, 3)),
        ("keras-convnexttiny", (256, 256, 3)),
    ],
)
def test_application_at_another_input_matches_keras(keras, name: str, shape: tuple[int, ...]):
    """``--input``: a Keras zoo model at another size is the application built at that size."""
    spec = zoo.get(name).with_input("x".join(map(str, shape)))
    totals = convcalc.analyze(spec).totals
    theirs = application(name, shape)
    assert (totals.params, totals.macs) == (theirs.params, theirs.macs)
    assert tuple(totals.output_shape) == theirs.output_shape


def test_macs_rule_on_a_known_layer(keras):
    """The MAC counter itself, on hand arithmetic: a 3×3 conv, 8→16 channels, 10×10 'same'
    output: 10·10·16 outputs × 9 × 8 = 115,200; a separable one: depthwise 10·10·8·9 = 7,200
    plus pointwise 10·10·8·16 = 12,800."""
    x = keras.Input((10, 10, 8))
    conv = keras.layers.Conv2D(16, 3, padding="same")
    sep = keras.layers.SeparableConv2D(16, 3, padding="same")
    conv(x), sep(x)
    assert layer_macs(keras, conv) == 115_200
    assert layer_macs(keras, sep) == 7_200 + 12_800


# --------------------------------------------------------------------------------------------
# single Keras layers, drawn by Hypothesis

LIMIT = {1: 40, 2: 24, 3: 9}


@st.composite
def keras_layers(draw):
    """(convcalc spec, a function building the same Keras layer, the input shape)."""
    rank = draw(st.sampled_from([1, 2, 3]))
    shape = tuple(draw(st.integers(1, LIMIT[rank])) for _ in range(rank))
    cin = draw(st.integers(1, 12))
    kinds = ["conv", "deconv", "maxpool", "avgpool", "bn"]
    kinds += ["dwconv", "sepconv"] if rank < 3 else []
    kind = draw(st.sampled_from(kinds))
    if kind == "bn":
        spec = "bn"

        def build(keras):
            return keras.layers.BatchNormalization()

        return spec, build, (*shape, cin)
    k = draw(st.integers(1, 5))
    s = draw(st.integers(1, 3))
    padding = draw(st.sampled_from(["same", "valid"]))
    d = 1
    if kind in ("conv", "dwconv", "sepconv") and s == 1:
        d = draw(st.integers(1, 3))  # Keras refuses stride > 1 with dilation > 1 on convs
    opts = f"s{s}p{padding}" + (f"d{d}" if d > 1 else "")
    tag = {1: "1D", 2: "2D", 3: "3D"}[rank]

    if kind in ("maxpool", "avgpool"):
        spec = f"{kind}{k}{opts}"
        name = ("MaxPooling" if kind == "maxpool" else "AveragePooling") + tag

        def build(keras):
            return getattr(keras.layers, name)(pool_size=k, strides=s, padding=padding)

    elif kind == "dwconv":
        m = draw(st.integers(1, 3))
        bias = draw(st.booleans())
        spec = f"dwconv{k}{opts}{'' if bias else 'nb'}x{m}"

        def build(keras):
            return getattr(keras.layers, "DepthwiseConv" + tag)(
                k, strides=s, padding=padding, depth_multiplier=m, dilation_rate=d, use_bias=bias
            )

    else:
        f = draw(st.integers(1, 12))
        bias = draw(st.booleans())
        groups = 1
        if kind == "conv":
            groups = draw(st.sampled_from([g for g in (1, 2, 3) if cin % g == 0 and f % g == 0]))
        gopt = f"g{groups}" if groups > 1 else ""
        spec = f"{kind}{k}{opts}{gopt}{'' if bias else 'nb'}x{f}"
        name = {"conv": "Conv", "sepconv": "SeparableConv", "deconv": "Conv"}[kind] + tag
        name += "Transpose" if kind == "deconv" else ""

        def build(keras):
            extra = {"groups": groups} if kind == "conv" else {}
            if kind != "deconv":
                extra["dilation_rate"] = d
            return getattr(keras.layers, name)(
                f, k, strides=s, padding=padding, use_bias=bias, **extra
            )

    return spec, build, (*shape, cin)


@settings(max_examples=150)
@given(case=keras_layers())
def test_single_layers_match_keras(case):
    keras = require_keras()
    token, build, shape = case
    spec = "x".join(map(str, shape)) + " " + token
    note(f"spec: {spec}")
    try:
        report = convcalc.analyze(spec)
    except convcalc.ConvcalcError:
        event("refused by convcalc")
        return _keras_refuses(keras, build, shape)
    event(f"rank {len(shape) - 1} {re.match('[a-z]+', token).group()}")
    layer = build(keras)
    out = layer(keras.Input(shape))
    assert tuple(report.totals.output_shape) == tuple(out.shape[1:])
    assert report.totals.params == layer.count_params()
    assert report.totals.trainable_params == sum(prod(w.shape) for w in layer.trainable_weights)
    assert report.totals.macs == layer_macs(keras, layer)


def _keras_refuses(keras, build, shape) -> None:
    """convcalc refused: Keras must refuse too, or produce an empty (size < 1) output."""
    try:
        out = build(keras)(keras.Input(shape))
    except ValueError:
        return
    assert min(out.shape[1:]) < 1, f"Keras accepts it: output {tuple(out.shape[1:])}"
