"""Receptive fields: against the closed form of Araujo et al. and against PyTorch autograd.

Closed form (Distill, 2019), for a chain of layers l = 1…L with kernel k_l (dilated), stride
s_l and padding before p_l, in input pixels with pixel centres at 0, 1, 2, …:

    r = 1 + Σ_l (k_l − 1)·∏_{i<l} s_i        jump = ∏_l s_l
    u = −Σ_l p_l·∏_{i<l} s_i                 (the first output unit's leftmost input pixel)
    start = u + (r − 1)/2                    (its centre)

The autograd oracle: all-ones weights, average pooling, zero bias, an all-ones input.  Every
path then carries a positive gradient, so the input pixels with a non-zero gradient of one
output unit are exactly the pixels it depends on, and their extent is its receptive field.
"""

from __future__ import annotations

from fractions import Fraction
from math import prod

import pytest
from conftest import require_torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import convcalc
from convcalc.errors import ConvcalcError

# --------------------------------------------------------------------------------------------
# hand-worked examples


def rf(spec: str, index: int = -1):
    return convcalc.analyze(spec).layers[index].rf


EXAMPLES = [
    # the brief: conv3 s2 p1 → RF 3, jump 2; + pool2 → 3 + (2 − 1)·2 = 5, jump 4
    ("28x28x1 conv3x3s2p1x32", {"size": [3, 3], "jump": [2, 2], "start": [0, 0]}),
    # start: conv centre 0 + (1 − 1)·1 = 0; pool 0 + (1/2 − 0)·2 = 1
    ("28x28x1 conv3x3s2p1x32 pool2", {"size": [5, 5], "jump": [4, 4], "start": [1, 1]}),
    # VGG-style 3×3 stack: 1 + 2 + 2 = 5, then pool2: 5 + 1 = 6, then 3×3: 6 + 2·2 = 10
    ("32x32x3 conv3p1x8 conv3p1x8 pool2 conv3p1x8", {"size": [10, 10], "jump": [2, 2]}),
    # dilation 2: k_eff = 5; then 3×3 d4: k_eff 9 → 1 + 4 + 8 = 13
    ("64x64x1 conv3d2p2x4 conv3d4p4x4", {"size": [13, 13], "jump": [1, 1], "start": [0, 0]}),
    # non-square kernel 1×7 on H, W: H 1, W 7; start W (7 − 1)/2 − 0 = 3
    ("20x20x1 conv1x7x4", {"size": [1, 7], "jump": [1, 1], "start": [0, 3]}),
    # an even kernel puts the centre between pixels: (2 − 1)/2 = 0.5
    ("9x1 conv2x1", {"size": [2], "jump": [1], "start": [0.5]}),
    # psame, stride 2 on 27: pads 1 before (TF) → start (3 − 1)/2 − 1 = 0
    ("27x27x1 conv3s2psamex1", {"size": [3, 3], "jump": [2, 2], "start": [0, 0]}),
    # psame, stride 2 on 28: pads 0 before, 1 after → start 1
    ("28x28x1 conv3s2psamex1", {"size": [3, 3], "jump": [2, 2], "start": [1, 1]}),
    # zpad shifts the start by the padding: 0 − 2 = −2, then conv5: −2 + 2 = 0
    ("10x10x1 zpad2 conv5x1", {"size": [5, 5], "jump": [1, 1], "start": [0, 0]}),
    # 3-D, D, H, W in order: the conv (stride 2 on every dim) sees 3, 1, 1; the pool then adds
    # (k − 1)·2 = 0, 2, 2 and multiplies the jumps by 1, 2, 2
    ("8x16x16x1 conv3x1x1s2x1 pool1x2x2", {"size": [3, 3, 3], "jump": [2, 4, 4]}),
    # upsample ×2 as a transposed conv with ones-kernel 2, stride 2: jump ½, size 1 + 1·½,
    # start 0 + (0 − ½)·½ = −¼ (the centre of the first fine cell)
    ("8x8x1 up2", {"size": [1.5, 1.5], "jump": [0.5, 0.5], "start": [-0.25, -0.25]}),
    # pool2 then up2: 2 + ½·2 = 3, jump 1, start ½ − ¼·2 = 0
    ("8x8x1 pool2 up2", {"size": [3, 3], "jump": [1, 1], "start": [0, 0]}),
    # transposed k4 s2 p1 (DCGAN): fine grid jump ½, size 1 + 3·½ = 2.5,
    # start 0 + (1 − 3/2)·½ = −¼
    ("8x8x1 deconv4s2p1x1", {"size": [2.5, 2.5], "jump": [0.5, 0.5], "start": [-0.25, -0.25]}),
    # up3: jump ⅓ — shown as a float
    ("8x1 up3", {"size": [5 / 3], "jump": [1 / 3]}),
]


@pytest.mark.parametrize("spec,want", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_examples(spec: str, want: dict[str, list[float]]) -> None:
    got = rf(spec)
    for key, values in want.items():
        assert got[key] == pytest.approx(values), key


def test_global_after_flatten_dense_and_global_pools() -> None:
    report = convcalc.analyze("16x16x3 conv3x8 gap fc10 relu")
    assert [layer.rf for layer in report.layers][1:] == ["global"] * 3
    assert rf("16x16x3 flatten") == "global"
    assert rf("16x16x3 dense4") == "global"
    assert rf("16x16x3 gmp") == "global"


def test_branches_take_the_largest_field_and_note_disagreement() -> None:
    # branch 1: conv3 → 3; branch 2: conv3 conv3 → 5; merged 5, with a note per dim
    field = rf("16x16x4 cat(conv3p1x2 | conv3p1x2 conv3p1x2)", 0)
    assert field["size"] == [5, 5]
    assert field["notes"][0].startswith("RF H: the branches see 3 (branch 1), 5 (branch 2)")
    # res(BODY): the body's field; the skip seeing less is no news
    field = rf("16x16x4 res(conv3p1x4 conv3p1x4)", 0)
    assert field["size"] == [5, 5] and "notes" not in field
    # a downsampling block: both branches jump 2; 3 + 2·2 = 7 against 1
    field = rf("16x16x4 res(conv3s2p1x8 conv3p1x8 | conv1s2x8)", 0)
    assert field["size"] == [7, 7] and field["jump"] == [2, 2] and len(field["notes"]) == 2
    # the note stays on the merge row: the next layers carry only their own field
    report = convcalc.analyze("16x16x4 cat(conv3p1x2 | id) relu")
    assert "notes" not in report.layers[1].rf
    assert report.layers[1].rf["size"] == [3, 3]


def test_json_always_has_them() -> None:
    import json

    from typer.testing import CliRunner

    from convcalc.cli import app

    spec = "16x16x4 res(conv3p1x4 | id) gap"
    data = json.loads(CliRunner().invoke(app, [spec, "--json"]).stdout)
    assert data["layers"][0]["rf"]["size"] == [3, 3]
    assert data["layers"][0]["branches"][0][0]["rf"]["size"] == [3, 3]
    assert data["layers"][1]["rf"] == "global"


def test_rf_columns_in_the_table() -> None:
    from typer.testing import CliRunner

    from convcalc.cli import app

    out = CliRunner().invoke(app, ["28x28x1 conv3x3s2p1x32 pool2 dense5", "--rf"]).stdout
    head = out.splitlines()[0].split()
    assert head[-4:] == ["RF", "Jump", "Start", "Notes"]
    conv = next(x for x in out.splitlines() if "conv3x3s2p1x32" in x).split()
    pool = next(x for x in out.splitlines() if "pool2" in x).split()
    assert conv[-3:] == ["3", "2", "0"] and pool[-3:] == ["5", "4", "1"]
    assert "global" in next(x for x in out.splitlines() if "dense5" in x)


# --------------------------------------------------------------------------------------------
# closed form, Hypothesis over conv/pool chains


@st.composite
def chains(draw):
    """A chain of conv/pool/zpad layers as (token, [(k_eff, stride, pad_before), …] per dim)."""
    rank = draw(st.integers(1, 2))
    layers = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["conv", "conv", "avgpool", "maxpool", "zpad"]))
        if kind == "zpad":
            p = draw(st.integers(0, 2))
            layers.append((f"zpad{p}", [(1, 1, p)] * rank))
            continue
        ks = [draw(st.integers(1, 4)) for _ in range(rank)]
        s = draw(st.integers(1, 3))
        d = draw(st.integers(1, 3)) if kind != "avgpool" else 1
        p = draw(st.integers(0, min(ks) // 2))
        kernel = "x".join(map(str, ks))
        dil = f"d{d}" if d > 1 else ""
        token = f"conv{kernel}s{s}p{p}{dil}x2" if kind == "conv" else f"{kind}{kernel}s{s}p{p}{dil}"
        layers.append((token, [(d * (k - 1) + 1, s, p) for k in ks]))
    return rank, layers


def closed_form(windows: list[list[tuple[int, int, int]]], rank: int) -> dict[str, list]:
    out = {"size": [], "jump": [], "start": []}
    for dim in range(rank):
        r, u, jumps = 1, Fraction(0), [1]
        for layer in windows:
            k, s, p = layer[dim]
            r += (k - 1) * prod(jumps)
            u -= p * prod(jumps)
            jumps.append(s)
        out["size"].append(r)
        out["jump"].append(prod(jumps))
        out["start"].append(u + Fraction(r - 1, 2))
    return out


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(chains(), st.integers(16, 200))
def test_matches_the_closed_form(chain, size: int) -> None:
    rank, layers = chain
    spec = "x".join([str(size)] * rank) + "x2 " + " ".join(t for t, _ in layers)
    try:
        report = convcalc.analyze(spec)
    except ConvcalcError:
        assume(False)
    for n in range(1, len(layers) + 1):
        want = closed_form([w for _, w in layers[:n]], rank)
        got = report.layers[n - 1].rf
        assert got["size"] == want["size"]
        assert got["jump"] == want["jump"]
        assert got["start"] == [float(x) for x in want["start"]]


# --------------------------------------------------------------------------------------------
# PyTorch autograd: the non-zero extent of an input gradient


TORCH_WARNINGS = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")


def _torch_extent(spec: str):
    """Per spatial dim, (lowest, highest) input index with a non-zero gradient of the central
    output unit, the input sizes, and the unit's index — from PyTorch alone."""
    torch = require_torch()
    import torch_oracle

    network = convcalc.parse(spec)
    *spatial, c = network.input_shape
    x = torch.ones(1, c, *spatial, dtype=torch.float64, requires_grad=True)
    y = x
    for node in network.nodes:
        module = torch_oracle.build_layer(node.layer, y).double()
        with torch.no_grad():
            for name, param in module.named_parameters():
                param.fill_(0.0 if name.endswith("bias") else 1.0)
        y = module(y)
    centre = [n // 2 for n in y.shape[2:]]
    y[(0, 0, *centre)].backward()
    grad = x.grad[0].abs().sum(0)
    extents = []
    for dim in range(len(spatial)):
        others = [i for i in range(len(spatial)) if i != dim]
        hit = (grad.sum(others) if others else grad).nonzero().flatten().tolist()
        extents.append((min(hit), max(hit)) if hit else None)
    return extents, spatial, centre


def _check_against_torch(spec: str, exact: bool) -> int:
    """Containment always; equality of the extent where the field lies inside the input.
    Returns the number of dims checked exactly."""
    field = rf(spec)
    extents, sizes, centre = _torch_extent(spec)
    checked = 0
    for dim, (extent, n) in enumerate(zip(extents, sizes)):
        size, jump, start = (field[k][dim] for k in ("size", "jump", "start"))
        mid = start + centre[dim] * jump
        lo, hi = mid - (size - 1) / 2, mid + (size - 1) / 2
        if extent is None:  # the unit sees only padding
            continue
        assert lo - 1e-9 <= extent[0] and extent[1] <= hi + 1e-9, (spec, dim, extent, lo, hi)
        if exact and lo >= 0 and hi <= n - 1:
            assert extent == (lo, hi), (spec, dim, extent, lo, hi)
            assert extent[1] - extent[0] + 1 == size
            checked += 1
    return checked


TORCH_EXAMPLES = [
    "28x28x1 conv3x3s2p1x2 avgpool2",
    "40x40x1 conv3d2p2x2 conv3s2x2 avgpool3s2p1 conv1x7x2",
    "33x35x1 conv5s2psamex2 avgpool3s1psame conv3d3x2",
    "30x30x1 zpad2 conv4s3x2 conv2x2",
    "64x1 conv7s2p3x2 avgpool3s2p1ceil conv3x2",
    # vocabulary part 2: per-dim values, zpad<b>:<a>, an adaptive pool that divides evenly
    "30x30x1 conv3x5s1_2p1_2d2_1x2 avgpool3s2_1p1_0",
    "30x30x1 zpad0:2_1:0 conv3s2x2 conv3x2",
    "28x28x1 apool7 conv3x2",
]


@TORCH_WARNINGS
@pytest.mark.parametrize("spec", TORCH_EXAMPLES)
def test_extent_equals_the_field_in_pytorch(spec: str) -> None:
    assert _check_against_torch(spec, exact=True) >= 1


@st.composite
def torch_specs(draw):
    """Small random 2-D specs of convs (dilated, strided, psame), average pools, zpads."""
    h = draw(st.integers(24, 56))
    w = draw(st.integers(8, 40))
    tokens = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["conv", "conv", "avgpool", "zpad", "zpad2"]))
        if kind == "zpad":
            tokens.append(f"zpad{draw(st.integers(0, 2))}")
            continue
        if kind == "zpad2":  # zpad<b>:<a> per dim
            b1, a1, b2, a2 = (draw(st.integers(0, 2)) for _ in range(4))
            tokens.append(f"zpad{b1}:{a1}_{b2}:{a2}")
            continue
        kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
        s = draw(st.integers(1, 2))
        if kind == "avgpool":
            p = draw(st.integers(0, min(kh, kw) // 2))
            ceil = draw(st.sampled_from(["", "ceil"]))
            tokens.append(f"avgpool{kh}x{kw}s{s}p{p}{ceil}")
            continue
        d = draw(st.sampled_from(["1", "2", "1_2", "2_1"]))
        p = draw(st.sampled_from(["p0", "p1", "p2", "psame", "p0_1", "p2_0"]))
        s = draw(st.sampled_from([str(s), str(s), "1_2", "2_1"]))
        tokens.append(f"conv{kh}x{kw}s{s}{p}d{d}x2")
    return f"{h}x{w}x1 " + " ".join(tokens)


@TORCH_WARNINGS
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(torch_specs())
def test_extent_equals_the_field_hypothesis(spec: str) -> None:
    require_torch()
    try:
        convcalc.analyze(spec)
    except ConvcalcError:
        assume(False)
    _check_against_torch(spec, exact=True)


UPSAMPLING = [
    "8x8x1 up2 conv3x2",
    "8x8x1 up2 conv2x2",
    "8x8x1 up3 conv4x2",
    "10x10x1 conv3s2x2 up2 conv3p1x2",
    "8x8x1 deconv4s2p1x2 conv3x2",
    "8x8x1 deconv3s2p1op1x2 conv2x2",
    "8x8x1 deconv3s2d2x2 conv3x2",
    "8x8x1 deconv2s2x2 pool2 conv3x2",
    "9x9x1 conv3s2x2 deconv3s3x2 up2 avgpool3s2",
    # adaptive pools whose windows are uneven (n does not divide W), larger than W too
    "10x10x1 apool4 conv3x2",
    "13x9x1 conv2x2 apool5x4 conv2x2",
    "5x5x1 apool7 conv2x2",
    "8x8x1 deconv1s2pvalidx2 conv3x2",
]


@TORCH_WARNINGS
@pytest.mark.parametrize("spec", UPSAMPLING)
def test_upsampling_fields_are_upper_bounds(spec: str) -> None:
    """After an upsample or a transposed conv the size is fractional and bounds the real field."""
    _check_against_torch(spec, exact=False)


@st.composite
def upsampling_specs(draw):
    """Random chains mixing upsamples and transposed convs (explicit padding) with convs."""
    tokens = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["conv", "avgpool", "up", "deconv", "deconv"]))
        if kind == "up":
            tokens.append(f"up{draw(st.integers(2, 3))}")
            continue
        k, s = draw(st.integers(1, 4)), draw(st.integers(1, 3))
        if kind == "avgpool":
            tokens.append(f"avgpool{k}s{s}p{draw(st.integers(0, k // 2))}")
            continue
        d = draw(st.integers(1, 2))
        p = draw(st.integers(0, (d * (k - 1) + 1) // 2 + 1))
        if kind == "conv":
            tokens.append(f"conv{k}s{s}p{p}d{d}x2")
        else:
            op = draw(st.integers(0, max(s, d) - 1))
            tokens.append(f"deconv{k}s{s}p{p}op{op}d{d}x2")
    h, w = draw(st.integers(4, 20)), draw(st.integers(4, 20))
    return f"{h}x{w}x1 " + " ".join(tokens)


@TORCH_WARNINGS
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(upsampling_specs())
def test_upsampling_upper_bound_hypothesis(spec: str) -> None:
    require_torch()
    try:
        convcalc.analyze(spec)
    except ConvcalcError:
        assume(False)
    _check_against_torch(spec, exact=False)


# --------------------------------------------------------------------------------------------
# bounded and exact: a value past 2⁵⁰−1 makes the field "beyond", never an overflow or a float
# that rounds


def _numbers(data):
    if isinstance(data, dict):
        for v in data.values():
            yield from _numbers(v)
    elif isinstance(data, list):
        for v in data:
            yield from _numbers(v)
    elif isinstance(data, (int, float)) and not isinstance(data, bool):
        yield data


def test_fields_past_the_limit_are_beyond_and_the_rest_exact() -> None:
    # conv2s2p1 on a 2-wide dim keeps the shape 2×2; after n of them (Araujo): jump = 2ⁿ,
    # size = 1 + Σ_{l<n} 1·2ˡ = 2ⁿ, start = Σ_{l<n} (½ − 1)·2ˡ = −(2ⁿ − 1)/2.  Conv 49 (row
    # 97) is the last below 2⁵⁰: size 2⁴⁹, start −(2⁴⁹ − 1)/2, a half-integer
    report = convcalc.analyze("2x2x3 (conv2s2p1x3 relu)*1030 flatten")
    field = report.layers[96].rf
    assert field["size"] == [2**49] * 2 and field["jump"] == [2**49] * 2
    assert [Fraction(x) for x in field["start"]] == [-Fraction(2**49 - 1, 2)] * 2
    assert report.layers[98].rf == "beyond"  # conv 50: size 2⁵⁰ > 2⁵⁰ − 1
    assert {layer.rf for layer in report.layers[98:-1]} == {"beyond"}
    assert report.layers[-1].rf == "global"  # flatten: every unit sees the whole input


def test_json_numbers_stay_exact_in_javascript() -> None:
    import json

    from typer.testing import CliRunner

    from convcalc.cli import app

    spec = "1x1 up2 conv1s2147483647p1x1*3"
    result = CliRunner().invoke(app, ["--json", spec])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    # up2: jump ½, size 1 + 1·½, start (0 − ½)·½ = −¼; the conv (k 1, p 1): start −¼ − 1·½,
    # jump (2³¹ − 1)/2 = 1,073,741,823.5; the next conv's jump (2³¹ − 1)²/2 ≈ 2⁶¹ is beyond
    fields = [layer["rf"] for layer in data["layers"]]
    assert fields[0] == {"size": [1.5], "jump": [0.5], "start": [-0.25]}
    assert fields[1] == {"size": [1.5], "jump": [1073741823.5], "start": [-0.75]}
    assert fields[2:] == ["beyond", "beyond"]
    assert all(abs(x) <= 2**53 for x in _numbers(data))


@pytest.mark.parametrize(
    "args",
    [
        ["2x2x3 (conv2s2p1x3 relu)*1030"],
        ["--json", "2x2x3 (conv2s2p1x3 relu)*1030"],
        ["--rf", "1x1 conv1s2147483647p1x1*462"],
        ["--rf", "--format", "csv", "1x1 conv1s2147483647p1x1*462"],
    ],
)
def test_huge_fields_never_crash_an_output(args: list[str]) -> None:
    from typer.testing import CliRunner

    from convcalc.cli import app

    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    if "--rf" in args:
        assert "beyond" in result.stdout


def test_a_huge_field_in_a_batch_keeps_every_line() -> None:
    import json

    from typer.testing import CliRunner

    from convcalc.cli import app

    lines = "28x28x1 relu\n2x1 conv2s2p1x1*1030\n28x28x1 relu\n"
    result = CliRunner().invoke(app, ["--jsonl"], input=lines)
    assert result.exit_code == 0, result.stderr
    objects = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(objects) == 3 and objects[1]["layers"][-1]["rf"] == "beyond"
