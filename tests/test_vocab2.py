"""Vocabulary, part 2 (spec-language.md): the rules the PyTorch oracle cannot see — notes,
floor warnings after a zpad, errors, --explain lines, suggestions.  Shapes, parameters and MACs
of every new form are checked against torch.nn in tests/test_torch_oracle.py."""

from __future__ import annotations

import pytest

import convcalc
from convcalc.errors import ConvcalcError


def notes(spec: str, index: int = -1) -> list[str]:
    return convcalc.analyze(spec).layers[index].notes


# ---- per-dim values


@pytest.mark.parametrize(
    ("written", "plain"),
    [
        ("8x8x3 conv3p1_1x4", "8x8x3 conv3p1x4"),  # the same value in every dim is the plain one
        ("8x8x3 conv3s2_2d1_1x4", "8x8x3 conv3s2x4"),
        ("8x8x3 pool3s2_2p1_1", "8x8x3 pool3s2p1"),
        ("8x8x3 zpad1:1", "8x8x3 zpad1"),
        ("8x8x3 zpad2:2_2:2", "8x8x3 zpad2"),
        ("8x8x3 zpad0:1", "8x8x3 zpad0:1_0:1"),
        ("8x8x3 swish hardswish hardsigmoid", "8x8x3 silu hswish hsigmoid"),
        ("8x8x3 adaptiveavgpool3x3", "8x8x3 apool3"),
    ],
)
def test_spellings_parse_alike(written: str, plain: str) -> None:
    assert convcalc.parse(written).nodes == convcalc.parse(plain).nodes


def test_per_dim_fields_are_tuples() -> None:
    (node,) = convcalc.parse("28x28x3 conv1x7p0_3s1_2d2_1x128").nodes
    assert node.layer.padding == (0, 3)
    assert node.layer.stride == (1, 2)
    assert node.layer.dilation == (2, 1)
    (node,) = convcalc.parse("8x8x3 zpad0:1_2:3").nodes
    assert node.layer.pad == ((0, 1), (2, 3))


# ---- notes


@pytest.mark.parametrize(
    ("spec", "noted"),
    [
        ("9x9x2 conv3s2d2psamex4", True),
        ("9x9x2 dwconv3s2_1d1_2psame", True),  # per dim: some stride > 1 and some dilation > 1
        ("9x9x2 sepconv3s2d2psamex4", True),
        ("9x9x2 conv3s2psamex4", False),
        ("9x9x2 conv3d2psamex4", False),
        # Keras 3 refuses stride > 1 with dilation > 1 whatever the padding, but the contract
        # asks for the note on psame only (p0 and pvalid are the same layer once parsed)
        ("9x9x2 conv3s2d2p2x4", False),
    ],
)
def test_tensorflow_refusal_note(spec: str, noted: bool) -> None:
    assert any("TensorFlow refuses" in n for n in notes(spec)) == noted


def test_deconv_pvalid_notes_the_pytorch_output_padding() -> None:
    # 1 + 0 < stride 2: Keras gives 5·2 = 10, PyTorch's p0 gives 9: output_padding=1
    assert notes("5x5x2 deconv1s2pvalidx4") == [
        "H: pvalid gives 5·2 + max(1 − 2, 0) = 10 (Keras); in PyTorch output_padding=1",
        "W: pvalid gives 5·2 + max(1 − 2, 0) = 10 (Keras); in PyTorch output_padding=1",
    ]
    assert notes("5x5x2 deconv3s2pvalidx4") == []  # the kernel covers the stride: as p0


# ---- floor warnings after a zpad


@pytest.mark.parametrize(
    ("with_zpad", "with_padding"),
    [
        # 10 + 6 − 7 = 9, 9 mod 2 = 1 ≤ 3 padding: no warning either way
        ("10x10x3 zpad3 conv7s2x4", "10x10x3 conv7s2p3x4"),
        # 13 + 2 − 5 = 10, 10 mod 4 = 2 > 1: 1 row lost either way
        ("13x13x1 zpad1 conv5s4x1", "13x13x1 conv5s4p1x1"),
        ("13x13x1 zpad1 pool5s4", "13x13x1 pool5s4p1"),
        ("11x11x1 zpad1 maxpool3s2", "11x11x1 maxpool3s2p1"),
    ],
)
def test_zpad_rows_count_as_padding(with_zpad: str, with_padding: str) -> None:
    a = convcalc.analyze(with_zpad).warnings
    b = convcalc.analyze(with_padding).warnings
    assert len(a) == len(b)
    assert [w.split("lost", 1)[0].count("the last 1 ") for w in a] == [
        w.split("lost", 1)[0].count("the last 1 ") for w in b
    ]


@pytest.mark.parametrize(
    ("spec", "warned"),
    [
        ("12x12x1 zpad0:1 conv4s2x1", False),  # 13 − 4 = 9, 9 mod 2 = 1 ≤ the 1 row after
        ("12x12x1 zpad1:0 conv4s2x1", True),  # the padding is before: the last real row is lost
        ("12x12x1 zpad0:1 relu conv4s2x1", True),  # not just before: a plain 13-row input
        ("12x12x1 zpad0:1_1:0 conv4s2x1", True),  # only W's last row is lost
        ("12x12x1 conv4s2x1", False),  # 12 − 4 = 8: exact without the zpad
    ],
)
def test_zpad_counts_only_just_before_and_only_after(spec: str, warned: bool) -> None:
    warnings = convcalc.analyze(spec).warnings
    assert bool(warnings) == warned
    if spec.endswith("0:1_1:0 conv4s2x1"):
        assert len(warnings) == 1 and "W:" in warnings[0]


def test_zpad_explain_counts_its_rows() -> None:
    layers = convcalc.analyze("10x10x3 zpad3 conv7s2x4", explain=True).layers
    assert layers[1].explain[0] == (
        "H: ⌊(16 + 2·0 − 7)/2⌋ + 1 = ⌊4.5⌋ + 1 = 5; 9 mod 2 = 1 ≤ padding 0 + 3 from the zpad "
        "before: no input pixel lost"
    )


# ---- --explain


@pytest.mark.parametrize(
    ("spec", "lines"),
    [
        ("8x8x3 zpad0:1_2:2", ["H: 8 + 0 + 1 = 9", "W: 8 + 2·2 = 12"]),
        (
            "14x10x3 apool7x4",
            [
                "H: 7 windows of 14/7 = 2, stride 2",
                "W: 4 windows, window i spans ⌊i·10/4⌋ to ⌈(i+1)·10/4⌉ (at most 3 wide)",
                "output 7·4·3: each value the mean of its window, per channel; no parameters",
            ],
        ),
        (
            "5x5x2 deconv1s2pvalidx4",
            [
                "H: 5·2 + max(1 − 2, 0) = 10 (pvalid: as Keras)",
                "W: 5·2 + max(1 − 2, 0) = 10 (pvalid: as Keras)",
                "C: 4 filters",
                "params: (1·1·2 + 1)·4 = 12",
                "MACs: 5·5·2 · 1·1·4 = 200",
            ],
        ),
        (
            "28x28x3 conv1x7p0_3x128",
            [
                "H: ⌊(28 + 2·0 − 1)/1⌋ + 1 = 27 + 1 = 28",
                "W: ⌊(28 + 2·3 − 7)/1⌋ + 1 = 27 + 1 = 28",
                "C: 128 filters",
                "params: (1·7·3 + 1)·128 = 2,816",
                "MACs: 28·28·128 · 1·7·3 = 2,107,392",
            ],
        ),
        ("4x4x3 prelu", ["params: 1 slope shared by every channel (PyTorch nn.PReLU())"]),
        ("4x4x6 bnnoscale", ["params: 6 trainable (β, no γ) + 2·6 running statistics = 18"]),
        ("4x4x6 ln", ["normalizes the 6 channels at each position", "params: 2·6 (γ, β) = 12"]),
        ("4x4x6 gn3", ["normalizes 3 groups of 6/3 = 2 channels", "params: 2·6 (γ, β) = 12"]),
        ("4x4x6 scale", ["params: one factor per channel = 6"]),
        ("4x4x6 shuffle3", ["C: 6 channels as 3 groups of 2, interleaved; no parameters"]),
        (
            "4x4x6 norm",
            ["params: 2·6 + 1 non-trainable (mean and variance per channel, and the count) = 13"],
        ),
        ("4x4x6 normfixed", ["(x − mean)/√variance with given constants: no parameters"]),
        ("4x4x6 rescale0.17", ["x·0.17 + offset with fixed numbers: no parameters"]),
    ],
)
def test_explain(spec: str, lines: list[str]) -> None:
    assert convcalc.analyze(spec, explain=True).layers[-1].explain == lines


# ---- receptive fields


@pytest.mark.parametrize(
    ("spec", "want"),
    [
        # zpad2:0 shifts by its padding before only: start 0 − 2 = −2
        ("10x10x1 zpad2:0_0:2 conv3x1", {"size": [3, 3], "jump": [1, 1], "start": [-1, 1]}),
        # 28 → 7: windows of 4, stride 4, start (4 − 1)/2
        ("28x28x1 apool7", {"size": [4, 4], "jump": [4, 4], "start": [1.5, 1.5]}),
        # 10 → 4 (uneven): jump 10/4, size 10/4 + 2 − 2/4 = 4, start 10/8 − 1/2 = 0.75
        ("10x10x1 apool4", {"size": [4, 4], "jump": [2.5, 2.5], "start": [0.75, 0.75]}),
        # per-dim stride and dilation
        ("9x9x1 conv3s1_2d2_1x1", {"size": [5, 3], "jump": [1, 2], "start": [2, 1]}),
    ],
)
def test_receptive_fields(spec: str, want: dict) -> None:
    assert convcalc.analyze(spec).layers[-1].rf == want


def test_apool1_makes_the_field_global() -> None:
    assert convcalc.analyze("9x9x3 apool1").layers[-1].rf == "global"


# ---- errors


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("8x8x3 conv3s1_2_3x4", "s1_2_3 gives 3 values; a rank-2 input takes 1 or 2 joined by _"),
        ("8x3 conv3p1_2x4", "a rank-1 input takes one"),
        ("8x8x3 conv3g1_2x4", "g takes one number"),
        ("8x8x3 deconv3s2op1_1x4", "unexpected '_1x4'"),
        ("8x8x3 pool3p2_1", "pool padding p2 must be at most half the kernel"),
        ("8x8x3 conv3s0_1x4", "0 is not allowed here"),
        ("8x8x3 zpad1_2_3", "'zpad' takes 1 or 2 paddings joined by _ for a rank-2 input, got 3"),
        ("8x8x3 zpad1:2:3", "unexpected ':3'"),
        ("8x8x3 zpad", "takes one number"),
        ("8x8x3 apool", "'apool' needs the output size"),
        ("8x8x3 apool2x2x2", "output size takes 1 or 2 numbers for a rank-2 input, got 3"),
        ("8x8x3 gap apool2", "apool needs a feature map"),
        ("8x8x3 deconv3s2pvalidop1x4", "op goes with an explicit padding p<n>, not pvalid"),
        ("8x8x3 prelu2", "unexpected '2'"),
        ("8x8x3 AdaptiveAvgPool2d", "'AdaptiveAvgPool2d' is a PyTorch/Keras name: write apool"),
        ("8x8x3 AdaptiveMaxPool2d", "'AdaptiveMaxPool2d' is a PyTorch/Keras name: write amaxpool"),
        ("8x8x6 gn4", "gn4: the groups must divide the channels (6)"),
        ("8x8x6 gn", "'gn' takes one number, the groups"),
        ("8x8x6 shuffle4", "shuffle4: the groups must divide the channels (6)"),
        ("8x8x6 gap shuffle2", "shuffle needs a feature map"),
        ("8x8x6 droppath", "'droppath' needs its rate"),
        ("8x8x6 droppath1.5", "droppath rate 1.5 is not in [0, 1)"),
        ("8x8x6 bnnoscalenoscale", "option 'noscale' given twice"),
        ("8x8x6 lnnoscale", "option 'noscale' does not apply to 'ln'"),
        ("8x8x6 convnoscale3x4", "does not apply to 'conv'"),
        ("8x8x6 LayerNorm", "is a PyTorch/Keras name: write ln"),
        ("8x8x6 LayerNorm2d", "is a PyTorch/Keras name: write ln"),
        ("8x8x6 GroupNorm", "is a PyTorch/Keras name: write gn"),
        ("8x8x6 ChannelShuffle", "is a PyTorch/Keras name: write shuffle"),
        ("8x8x6 StochasticDepth", "is a PyTorch/Keras name: write droppath"),
        ("8x8x6 Rescaling", "is a PyTorch/Keras name: write rescale"),
        ("8x8x6 Normalization", "is a PyTorch/Keras name: write norm"),
    ],
)
def test_errors(spec: str, message: str) -> None:
    with pytest.raises(ConvcalcError) as info:
        convcalc.analyze(spec)
    assert message in info.value.message
    assert info.value.token in spec


def test_deconv_pvalid_takes_op0() -> None:
    """pvalid was p0 on transposed convs before they followed Keras, and op0 went with it."""
    assert convcalc.analyze("5x5x2 deconv3s2pvalidop0x4").totals.output_shape == [11, 11, 4]


def test_schema_documents_the_new_layers() -> None:
    schema = convcalc.Report.model_json_schema()
    names = set(schema["$defs"])
    assert {"AdaptivePool", "PReLU", "LayerNorm", "GroupNorm", "LayerScale"} <= names
    assert {"ChannelShuffle", "DropPath", "Rescaling", "Normalization"} <= names


# ---- structures


@pytest.mark.parametrize(
    ("spec", "macs", "aux_macs"),
    [
        # the head: 4·10 = 40 MACs; the conv 8·8·2·4 = 512
        ("8x8x4 aux(gap dense10) conv1x2", 512, 40),
        # nested in a res and in another aux: each head once
        ("8x8x4 res(conv1x4 aux(flatten dense3))", 1024, 768),
        ("8x8x4 aux(conv1x2 aux(gap dense3))", 0, 512 + 6),
        ("8x8x4 conv1x2", 512, 0),
    ],
)
def test_aux_macs_stay_out_of_the_inference_total(spec: str, macs: int, aux_macs: int) -> None:
    totals = convcalc.analyze(spec).totals
    assert (totals.macs, totals.aux_macs, totals.flops) == (macs, aux_macs, 2 * macs)


def test_aux_row_shows_its_head_macs_and_parents_do_not() -> None:
    res = convcalc.analyze("8x8x4 res(conv1x4 aux(flatten dense3))").layers[0]
    assert res.macs == 1024
    assert res.branches[0][1].kind == "aux" and res.branches[0][1].macs == 768


def test_se_row_notes_its_expansion() -> None:
    assert notes("8x8x32 se8") == ["se8 = mul(apool1 conv1x8 relu conv1x32 sigmoid), gate 1×1×32"]


@pytest.mark.parametrize(
    ("spec", "want"),
    [
        # a broadcast gate keeps x's positions (and notes that the gate sees everything)
        ("9x9x2 conv3x2 mul(apool1 conv1x2 sigmoid)", {"size": [3, 3], "jump": [1, 1]}),
        # a full-map gate: the larger of x's field and the body's
        ("9x9x2 mul(conv3x3p1x2 sigmoid)", {"size": [3, 3], "jump": [1, 1]}),
        # split keeps positions: the largest branch field
        ("9x9x4 split(id | conv5p2x2)", {"size": [5, 5], "jump": [1, 1]}),
        # aux does not move the main path
        ("9x9x4 conv3x4 aux(conv5s2x2 gap dense3)", {"size": [3, 3], "jump": [1, 1]}),
    ],
)
def test_structure_receptive_fields(spec: str, want: dict) -> None:
    rf = convcalc.analyze(spec).layers[-1].rf
    assert {k: rf[k] for k in want} == want


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("8x8x6 split(id | id | id | id)", "split: 4 branches need the channels of 8×8×6"),
        ("8x8x6 split(id)", "split(…) needs at least 2 branches"),
        ("8x8x6 split(id | conv3x2)", "all but the channels must match"),
        ("8x8x6 mul(id | id)", "mul(…) takes one body, got 2 branches"),
        ("8x8x6 aux(id | id)", "aux(…) takes one body"),
        ("8x8x6 mul(conv1x3)", "mul: the body gives 8×8×3; to multiply 8×8×6 it must give"),
        ("8x8x6 mul(gap dense5)", "mul: the body gives 5"),
        ("8x8x6 mul()", "empty branch"),
        ("8x8x6 mul conv1x2", "'mul' needs its branches in parentheses"),
        ("8x8x6 gap se2", "se needs a feature map"),
        ("8x8x6 se", "'se' takes one number, the squeeze width"),
        ("8x8x6 SqueezeExcitation", "is a PyTorch/Keras name: write se"),
        ("8x8x6 conv1x2 | relu", "'|' separates branches inside res(…), cat(…) or split(…)"),
    ],
)
def test_structure_errors(spec: str, message: str) -> None:
    with pytest.raises(ConvcalcError) as info:
        convcalc.analyze(spec)
    assert message in info.value.message


def test_structure_explain() -> None:
    layers = convcalc.analyze(
        "8x8x4 split(id | conv1x2) mul(gap dense4) aux(gap dense3)", explain=True
    ).layers
    assert layers[0].explain[:2] == [
        "split: 4 channels in 2 shares of 2",
        "cat: channels 2 + 2 = 4, giving 8×8×4",
    ]
    assert layers[1].explain[0] == "mul: input ⊙ body, broadcast: 8×8×4 ⊙ 4"
    assert layers[2].explain[0] == "aux: a side head on 8×8×4 giving 3; the input passes on"
    assert layers[2].explain[-1] == "MACs: the body's 12"


def test_schema_documents_aux_macs() -> None:
    """New Report fields are additive and described, so --schema documents them."""
    totals = convcalc.Report.model_json_schema()["$defs"]["Totals"]["properties"]
    assert "aux(…)" in totals["aux_macs"]["description"]
    assert totals["aux_macs"]["default"] == 0
    assert convcalc.Report.model_fields["schema_version"].default == 1
