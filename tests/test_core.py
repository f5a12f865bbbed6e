"""Hand-checked figures: the homework arithmetic, each case worked out in its comment."""

from __future__ import annotations

import pytest

import convcalc
from convcalc.errors import ShapeError


def layer_rows(spec: str) -> list[tuple[list[int], int, int]]:
    return [(r.output_shape, r.params, r.macs) for r in convcalc.analyze(spec).layers]


HOMEWORK = [
    # (spec, per-layer (output_shape, params, MACs))
    (
        # W2 = (28 − 3 + 2·1)/2 + 1 = ⌊13.5⌋ + 1 = 14; params (3·3·1 + 1)·32 = 320;
        # MACs 14·14·32 · 3·3·1 = 56,448
        "28x28x1 conv3x3s2p1x32",
        [([14, 14, 32], 320, 56_448)],
    ),
    (
        # pool2: kernel 2, stride 2 (the kernel): 14/2 = 7
        "28x28x1 conv3x3s2p1x32 pool2",
        [([14, 14, 32], 320, 56_448), ([7, 7, 32], 0, 0)],
    ),
    (
        # flatten 7·7·32 = 1,568; dense32 (1,568 + 1)·32 = 50,208 params, 1,568·32 = 50,176 MACs;
        # dense5 after it (32 + 1)·5 = 165 params, 160 MACs
        "28x28x1 conv3x3s2p1x32 pool2 flatten dense32 dense5",
        [
            ([14, 14, 32], 320, 56_448),
            ([7, 7, 32], 0, 0),
            ([1568], 0, 0),
            ([32], 50_208, 50_176),
            ([5], 165, 160),
        ],
    ),
    (
        # dense on a map flattens first: (1,568 + 1)·5 = 7,845 params, 1,568·5 = 7,840 MACs
        "28x28x1 conv3x3s2p1x32 pool2 dense5",
        [([14, 14, 32], 320, 56_448), ([7, 7, 32], 0, 0), ([5], 7_845, 7_840)],
    ),
    (
        # a 1×1 conv that cuts channels: 1·1·256·64 + 64 = 16,448; MACs 56·56·64·256
        "56x56x256 conv1x1x64",
        [([56, 56, 64], 16_448, 56 * 56 * 64 * 256)],
    ),
    (
        # no bias: 3·3·3·16 = 432; BN 2·16 trainable + 2·16 running stats = 64
        "32x32x3 conv3x3p1x16nb bn relu",
        [([32, 32, 16], 432, 32 * 32 * 16 * 27), ([32, 32, 16], 64, 0), ([32, 32, 16], 0, 0)],
    ),
    (
        # groups 4: 3·3·(16/4)·32 + 32 = 1,184; MACs 30·30·32 · 9·4
        "32x32x16 conv3x3g4x32",
        [([30, 30, 32], 1_184, 30 * 30 * 32 * 36)],
    ),
    (
        # dilation 2: effective kernel 2·(3−1)+1 = 5; (32 + 2·2 − 5)/1 + 1 = 32
        "32x32x8 conv3d2p2x8",
        [([32, 32, 8], 3 * 3 * 8 * 8 + 8, 32 * 32 * 8 * 72)],
    ),
    (
        # ceil pool: ⌈(7 − 2)/2⌉ + 1 = 4 (floor would give 3)
        "7x7x4 pool2ceil",
        [([4, 4, 4], 0, 0)],
    ),
    (
        # psame at stride 2: ⌈28/2⌉ = 14 whatever the kernel
        "28x28x1 conv5x5s2psamex8",
        [([14, 14, 8], 5 * 5 * 8 + 8, 14 * 14 * 8 * 25)],
    ),
    (
        # transposed: (7 − 1)·2 − 2·1 + 1·(4 − 1) + 0 + 1 = 14; params 4·4·16·8 + 8;
        # MACs = input elements 7·7·16 · 4·4 · 8
        "7x7x16 deconv4s2p1x8",
        [([14, 14, 8], 4 * 4 * 16 * 8 + 8, 7 * 7 * 16 * 16 * 8)],
    ),
    (
        # depthwise, multiplier 2: 3·3·8·2 + 16 = 160; MACs 10·10·16 · 9
        "10x10x8 dwconv3p1x2",
        [([10, 10, 16], 160, 10 * 10 * 16 * 9)],
    ),
    (
        # Keras SeparableConv2D: 3·3·8 (depthwise, no bias) + 8·16 + 16 = 216;
        # MACs 8·8·8·9 + 8·8·8·16
        "10x10x8 sepconv3x16",
        [([8, 8, 16], 216, 8 * 8 * 8 * 9 + 8 * 8 * 8 * 16)],
    ),
    (
        # rank 1 and rank 3
        "100x16 conv5x32 gap",
        [([96, 32], 5 * 16 * 32 + 32, 96 * 32 * 80), ([32], 0, 0)],
    ),
    (
        "16x32x32x3 conv3x3x3p1x8",
        [([16, 32, 32, 8], 27 * 3 * 8 + 8, 16 * 32 * 32 * 8 * 81)],
    ),
    (
        # upsample ×2, zero pad 1 each side
        "7x7x4 up2 zpad1 upsample3",
        [([14, 14, 4], 0, 0), ([16, 16, 4], 0, 0), ([48, 48, 4], 0, 0)],
    ),
]


@pytest.mark.parametrize("spec,expected", HOMEWORK, ids=[s for s, _ in HOMEWORK])
def test_homework(spec: str, expected: list[tuple[list[int], int, int]]) -> None:
    assert layer_rows(spec) == expected


def test_homework_totals() -> None:
    t = convcalc.analyze("28x28x1 conv3x3s2p1x32 pool2 dense5").totals
    assert (t.params, t.trainable_params, t.non_trainable_params) == (8_165, 8_165, 0)
    assert (t.macs, t.flops) == (64_288, 128_576)
    assert t.output_shape == [5]
    # activation memory: (14·14·32 + 7·7·32 + 5)·4 bytes
    assert t.activation_bytes == (6_272 + 1_568 + 5) * 4
    assert t.param_bytes == 8_165 * 4


def test_bn_counts_running_stats_as_non_trainable() -> None:
    t = convcalc.analyze("8x8x10 bn flatten bn").totals
    # 2·10 + 2·640 trainable, the same again as running mean/var
    assert (t.trainable_params, t.non_trainable_params) == (20 + 1280, 20 + 1280)
    assert t.params == 2 * 1300


def test_contract_json_example() -> None:
    """The JSON object of spec-language.md, field by field."""
    data = convcalc.analyze("28x28x1 conv3x3s2p1x32 pool2 dense5").model_dump(exclude_none=True)
    assert data["schema_version"] == 1
    assert data["spec"] == "28x28x1 conv3x3s2p1x32 pool2 dense5"
    assert data["input_shape"] == [28, 28, 1]
    first = data["layers"][0]
    assert {k: first[k] for k in first if k not in ("layer", "rf", "explain")} == {
        "index": 1,
        "token": "conv3x3s2p1x32",
        "kind": "conv",
        "output_shape": [14, 14, 32],
        "params": 320,
        "trainable_params": 320,
        "non_trainable_params": 0,
        "macs": 56448,
        "notes": [],
    }
    totals = data["totals"]
    assert {k: totals[k] for k in ("params", "trainable_params", "non_trainable_params")} == {
        "params": 8165,
        "trainable_params": 8165,
        "non_trainable_params": 0,
    }
    assert (totals["macs"], totals["output_shape"]) == (64288, [5])
    assert data["warnings"] == []


def test_channels_first_reads_and_prints_c_first() -> None:
    r = convcalc.analyze("1x28x28 conv3x3s2p1x32 pool2", channels_first=True)
    assert r.input_shape == [1, 28, 28]
    assert [x.output_shape for x in r.layers] == [[32, 14, 14], [32, 7, 7]]
    assert r.layers[0].params == 320


def test_residual_block_that_halves() -> None:
    # the contract's ResNet basic block: body 3·3·64·128 + BN + 3·3·128·128 + BN,
    # shortcut 1·1·64·128 + BN
    r = convcalc.analyze(
        "56x56x64 res(conv3x3s2p1x128nb bn relu conv3x3p1x128nb bn | conv1x1s2x128nb bn) relu"
    )
    block = r.layers[0]
    assert block.kind == "res" and block.output_shape == [28, 28, 128]
    trainable = 9 * 64 * 128 + 256 + 9 * 128 * 128 + 256 + 64 * 128 + 256
    assert block.trainable_params == trainable
    assert block.non_trainable_params == 3 * 256
    assert block.macs == 28 * 28 * 128 * (9 * 64 + 9 * 128 + 64)
    assert [len(b) for b in block.branches] == [5, 2]
    assert [x.index for x in block.branches[1]] == [1, 2]


def test_cat_concatenates_channels() -> None:
    r = convcalc.analyze("28x28x192 cat(conv1x1x64 | conv1x1x96 conv3x3p1x128 | pool3s1p1)")
    assert r.layers[0].output_shape == [28, 28, 64 + 128 + 192]


def test_repeats_expand() -> None:
    r = convcalc.analyze("8x8x4 (conv3p1x4 relu)*3 conv3p1x4*2")
    assert [x.token for x in r.layers] == ["conv3p1x4", "relu"] * 3 + ["conv3p1x4"] * 2
    assert [x.index for x in r.layers] == list(range(1, 9))


def test_plain_group_flattens() -> None:
    a = convcalc.analyze("8x8x4 (conv3p1x4 (relu bn))")
    assert [x.token for x in a.layers] == ["conv3p1x4", "relu", "bn"]


def test_impossible_layer_shows_the_arithmetic() -> None:
    with pytest.raises(ShapeError) as info:
        convcalc.analyze("5x5x1 conv7x7x8")
    err = info.value
    assert err.token == "conv7x7x8" and err.position == 6
    assert "⌊(5 + 2·0 − 7)/1⌋ + 1 = −1" in err.message


def test_floor_warning_counts_lost_rows() -> None:
    # (28 − 3) mod 2 = 1 > p = 0: one input row per dim is never covered
    r = convcalc.analyze("28x28x1 conv3x3s2x8")
    assert len(r.warnings) == 2 and "last 1 input row" in r.warnings[0]
    # (28 + 2 − 3) mod 2 = 1 ≤ p = 1: only padding goes unused, no warning
    assert convcalc.analyze("28x28x1 conv3x3s2p1x8").warnings == []
    # a kernel smaller than its stride subsamples on purpose: no warning
    assert convcalc.analyze("57x57x8 conv1x1s2x8").warnings == []
    # ceil pools never warn
    assert convcalc.analyze("7x7x4 pool2ceil").warnings == []


def test_conv3x3_notes_how_it_was_read() -> None:
    r = convcalc.analyze("28x28x3 conv3x3 conv3x32")
    assert r.layers[0].output_shape == [26, 26, 3]
    assert "kernel 3, 3 filters" in r.layers[0].notes[0]
    assert r.layers[1].notes == []


def test_channels_first_messages_and_notes_use_the_display_layout() -> None:
    # the input 1×5×5 is C×H×W: an error must show it that way, not as 5×5×1
    with pytest.raises(ShapeError) as info:
        convcalc.analyze("1x5x5 conv7x7x8", channels_first=True)
    assert info.value.message.startswith("conv on 1×5×5: H:")
    r = convcalc.analyze("1x28x28 conv3x3s2p1x32 pool2 dense5", channels_first=True)
    assert r.layers[2].notes == ["flattened 32×7×7 = 1,568"]
    r = convcalc.analyze("28x28x1 conv3x3s2p1x32 pool2 dense5")
    assert r.layers[2].notes == ["flattened 7×7×32 = 1,568"]


@pytest.mark.parametrize(
    "call,name",
    [
        (lambda: convcalc.analyze(None), "spec"),
        (lambda: convcalc.analyze(28), "spec"),
        (lambda: convcalc.analyze(b"28x28x1 relu"), "spec"),
        (lambda: convcalc.analyze(["28x28x1", "relu"]), "spec"),
        (lambda: convcalc.analyze("28x28x1 relu", channels_first="yes"), "channels_first"),
        (lambda: convcalc.analyze("28x28x1 relu", dtype=4), "dtype"),
        (lambda: convcalc.analyze("28x28x1 relu", explain=1), "explain"),
        (lambda: convcalc.propagate("28x28x1 relu"), "network"),
        (lambda: convcalc.parse(b"28x28x1 relu"), "text"),
    ],
)
def test_library_arguments_of_the_wrong_type_name_the_parameter(call, name: str) -> None:
    with pytest.raises(TypeError, match=rf"\(\): {name} must be"):
        call()


def test_library_values_are_checked_as_the_cli_checks_them() -> None:
    with pytest.raises(convcalc.ConvcalcError, match="unknown dtype"):
        convcalc.analyze("28x28x1 relu", dtype="float8")
    # a bool that is really a bool goes through, and lands in the report as one
    assert convcalc.analyze("1x28x28 relu", channels_first=True).channels_first is True


@pytest.mark.parametrize(
    "spec,channels_first,note",
    [
        # C×H×W typed without --channels-first: read as H 3, W 224, 224 channels
        ("3x224x224 conv7s2p3x64", False, "add --channels-first, or write 224x224x3"),
        ("1x28x28 relu", False, "add --channels-first, or write 28x28x1"),
        ("4x64x64x64 relu", False, "add --channels-first"),
        # a batch dimension makes a 2-D image a 3-D input of depth 1
        ("1x3x224x224 conv7s2p3x64", True, "leading 1 is a batch dimension (N×C×H×W)"),
        ("1x224x224x3 relu", False, "leading 1 is a batch dimension (N×H×W×C)"),
    ],
)
def test_likely_misreadings_of_the_input_are_noted(spec: str, channels_first: bool, note: str):
    report = convcalc.analyze(spec, channels_first=channels_first)
    assert any(note in w for w in report.warnings), report.warnings


@pytest.mark.parametrize(
    "spec,channels_first",
    [("28x28x1 relu", False), ("224x224x3 relu", False), ("3x224x224 relu", True),
     ("4x4x512 relu", False), ("16x112x112x3 relu", False), ("100x16 relu", False)],
)  # fmt: skip
def test_ordinary_inputs_get_no_note(spec: str, channels_first: bool):
    assert convcalc.analyze(spec, channels_first=channels_first).warnings == []


def test_an_error_caused_by_a_misread_input_says_so():
    # 1x28x28 is H 1, W 28, 28 channels: a 3×3 kernel does not fit H = 1
    with pytest.raises(ShapeError, match=r"larger than the padded input.*add --channels-first"):
        convcalc.analyze("1x28x28 conv3x8")


def test_five_dims_with_a_leading_1_say_batch():
    with pytest.raises(convcalc.SpecSyntaxError, match="batch dimension"):
        convcalc.analyze("1x3x16x112x112 relu", channels_first=True)
