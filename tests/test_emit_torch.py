"""``convcalc emit torch`` executed: every zoo model and hundreds of random specs.

Each emitted module is run as Python (torch 2.13 CPU): the network is built, a zero tensor goes
through, and PyTorch's own answers are compared with convcalc's report — ``sum(p.numel())``
against ``trainable_params``, the BatchNorm running statistics against
``non_trainable_params``, every row's output shape (a forward hook on each row's module) and
the final output.  The random specs come from the PyTorch oracle's Hypothesis strategy
(tests/test_torch_oracle.py), so the emitter sees everything the oracle checks.
"""

from __future__ import annotations

import pytest
from conftest import require_torch
from emit_check import VOCAB2_CORNERS, load
from hypothesis import given, note, settings
from test_torch_oracle import ORACLE_SETTINGS, specs

import convcalc
from convcalc import zoo
from convcalc.emit.torch import emit

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")


#: buffers that count as non-trainable parameters: BatchNorm's running statistics, and the
#: mean, variance and count of Keras' Normalization
FROZEN = ("running_mean", "running_var", "mean", "variance", "count")


def _layout(shape: list[int], channels_first: bool) -> tuple[int, ...]:
    """A report shape in PyTorch's N-less layout: (C, *spatial), or a vector as it is."""
    if channels_first or len(shape) < 2:
        return tuple(shape)
    return (shape[-1], *shape[:-1])


def _hook_rows(layers, modules, seen: dict[str, tuple[int, ...]], prefix: str = "") -> list:
    """Forward hooks recording each row's output shape, by path; res/cat recurse."""
    assert len(layers) == len(modules), f"{prefix}: one module per row"
    handles = []
    for row, module in zip(layers, modules):
        path = f"{prefix}{row.index}"

        def hook(_m, _i, out, path=path):
            seen[path] = tuple(out.shape[1:])

        handles.append(module.register_forward_hook(hook))
        if row.branches is not None:
            if row.kind == "res":
                subs = [module.body] + ([module.shortcut] if module.shortcut is not None else [])
            elif row.kind == "mul":
                subs = [module.body]
            elif row.kind == "aux":
                subs = [module.head]
            else:  # cat, split
                subs = list(module.branches)
            for b, (branch, sub) in enumerate(zip(row.branches, subs), 1):
                handles += _hook_rows(branch, list(sub), seen, f"{path}.{b}.")
    return handles


def _expected(layers, channels_first: bool, prefix: str = "") -> dict[str, tuple[int, ...]]:
    out = {}
    for row in layers:
        path = f"{prefix}{row.index}"
        out[path] = _layout(row.output_shape, channels_first)
        for b, branch in enumerate(row.branches or [], 1):
            out.update(_expected(branch, channels_first, f"{path}.{b}."))
    return out


def check(spec: str, channels_first: bool = False, device: str = "cpu") -> None:
    """Emit, run and compare ``spec`` with convcalc's report.

    ``device="meta"`` builds and runs the module on PyTorch's meta device: every module and
    tensor has its real shape and no data, so big networks cost no weight init and no compute.
    """
    torch = require_torch()
    report = convcalc.analyze(spec, channels_first=channels_first)
    code = emit(spec, channels_first=channels_first)
    with torch.device(device):
        model = load(code)["Net"]().eval()
    seen: dict[str, tuple[int, ...]] = {}
    handles = _hook_rows(report.layers, list(model.layers), seen)
    shape = (
        report.input_shape if channels_first else report.input_shape[-1:] + report.input_shape[:-1]
    )
    with torch.no_grad():
        y = model(torch.zeros(1, *shape, device=device))
        if hasattr(
            model, "aux_outputs"
        ):  # aux heads run in training only: a second pass shows their rows
            model.train()  # (a batch of 2: BatchNorm in training needs 2 values a channel)
            model(torch.zeros(2, *shape, device=device))
            heads = model.aux_outputs()
            assert heads and all(h is not None for h in heads)
    for h in handles:
        h.remove()
    assert sum(p.numel() for p in model.parameters()) == report.totals.trainable_params
    running = sum(
        b.numel() for name, b in model.named_buffers() if name.rsplit(".", 1)[-1] in FROZEN
    )
    assert running == report.totals.non_trainable_params
    assert seen == _expected(report.layers, channels_first)
    assert tuple(y.shape[1:]) == _layout(report.totals.output_shape, channels_first)


#: zoo models up to this many parameters also run on the CPU with real weights, at an input
#: of at most SMALL_SIDE a side: the same modules as at their own input, a fraction of the
#: compute (the meta-device run checks every model at its own input, and the random specs run
#: every layer kind on the CPU).  3 M takes in LeNet-5, SqueezeNet, MnasNet 0.5, ShuffleNetV2
#: (split) and MobileNetV3-Small (the SE gate as mul), torchvision's and Keras'.
SMALL_PARAMS, SMALL_SIDE = 3_000_000, 64


def _small_input(item: zoo.ZooModel) -> str:
    """The model's spec at spatial sides of at most SMALL_SIDE, or at its own input where it
    cannot take that (a size the network refuses)."""
    first = item.spec.partition(" ")[0]
    *spatial, channels = first.split("x")
    small = item.with_input("x".join([*(str(min(int(n), SMALL_SIDE)) for n in spatial), channels]))
    try:
        convcalc.analyze(small)
    except convcalc.ConvcalcError:
        return item.spec
    return small


@pytest.mark.parametrize("name", [m.name for m in zoo.models()])
def test_every_zoo_model_runs_as_emitted(name):
    """Every zoo model on the meta device (the shapes, counts and hooks of the real thing in
    a fraction of a second); the small ones also on the CPU, with real weights, at ≤ 64×64."""
    item = zoo.get(name)
    check(item.spec, device="meta")
    if convcalc.analyze(item.spec).totals.params <= SMALL_PARAMS:
        check(_small_input(item))


def test_a_zoo_model_at_another_input_runs_as_emitted():
    """``--input``'s spec (ZooModel.with_input): ResNet-18 at 96×64, every hook checked."""
    check(zoo.get("resnet18").with_input("96x64x3"), device="meta")


@settings(ORACLE_SETTINGS, max_examples=200)
@given(spec=specs())
def test_random_specs_run_as_emitted(spec):
    note(f"spec: {spec.text!r} channels_first={spec.channels_first}")
    check(spec.text, spec.channels_first)


@settings(ORACLE_SETTINGS, max_examples=60)
@given(spec=specs(vocab2=True))
def test_random_specs_with_vocabulary_part_2_run_as_emitted(spec):
    note(f"spec: {spec.text!r} channels_first={spec.channels_first}")
    check(spec.text, spec.channels_first)


@pytest.mark.parametrize(
    "spec",
    [
        # TensorFlow same at stride 2: 28 → 14 pads 0 before, 1 after; 7 → 4 pads 1 and 1
        "28x28x3 conv3s2psamex8 pool3s2psame avgpool3s2psame conv2s2psamex4",
        "9x9x2 conv4d2psamex3 dwconv3s2psamex2 sepconv3s2psamex5 pool2s2psame avgpool2psame",
        # ceil pools, groups, dilation, output padding, bias off, BN on a vector
        "17x17x4 pool3s2ceil avgpool3s2p1ceil conv3g2d2x8nb deconv3s2p1op1g4x4 dense6nb bn",
        # transposed psame, with the crop where no output padding can give W·S
        "8x8x2 deconv4psamex3 deconv3s2psamex3 deconv2s3psamex2 convt5s2d2psamex2",
        "20x3 conv5s3psamex4 up3 zpad2 dropout0.1 gmp dense3 softmax",
        "6x6x6x2 conv3s2psamex4 pool2psame up2 bn res(conv3p1x4 relu) cat(id | zpad0) flatten",
        "10x10x3 leakyrelu relu6 elu gelu silu sigmoid tanh softmax id",
        # vocabulary part 2: per-dim values, zpad<b>:<a>, adaptive pools, activations, Keras
        # pvalid on transposed convs (1 + 2·0 < stride 2: PyTorch needs output_padding 1)
        "17x17x4 conv1x7p0_3x8 conv3s1_2d2_1p1_0x8 pool3s2_1p1_0 zpad0:1_2:0 apool5x4 amaxpool3",
        "9x9x2 deconv1s2pvalidx3 deconv3s2pvalidx2 hswish hsigmoid swish mish selu softplus prelu",
        *VOCAB2_CORNERS,
    ],
)
def test_corners_run_as_emitted(spec):
    check(spec)


def test_channels_first_module_takes_nchw():
    check("3x32x32 conv3p1x8 pool2 dense4", channels_first=True)
