"""--explain: each layer's arithmetic as a student writes it, checked against hand arithmetic.

Every expected line below was worked out by hand (the working is in the comment beside it), never
copied from convcalc's output.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

import convcalc
from convcalc.cli import app
from convcalc.layers import Layer
from convcalc.render import AsciiWriter, ascii_safe, to_ascii

HOMEWORK = "28x28x1 conv3x3s2p1x32 pool2 dense5"


def lines_of(spec: str, path: str, *, channels_first: bool = False) -> list[str]:
    """The explain lines of the row at ``path`` ("2", or "3.1.2" inside branches)."""
    report = convcalc.analyze(spec, channels_first=channels_first, explain=True)
    layers = report.layers
    parts = [int(p) for p in path.split(".")]
    row = layers[parts[0] - 1]
    for b, i in zip(parts[1::2], parts[2::2]):
        row = row.branches[b - 1][i - 1]
    assert row.explain is not None
    return row.explain


# (spec, row path, channels_first, expected lines: exact, or a prefix when ending in "…")
CASES = [
    # the homework: (28 + 2 − 3)/2 = 27/2 = 13.5 → 13 + 1 = 14; 27 mod 2 = 1 ≤ p = 1
    (
        HOMEWORK,
        "1",
        False,
        [
            "H: ⌊(28 + 2·1 − 3)/2⌋ + 1 = ⌊13.5⌋ + 1 = 14; 27 mod 2 = 1 ≤ padding 1: "
            "only padding is left out, no input pixel lost",
            "W: ⌊(28 + 2·1 − 3)/2⌋ + 1 = ⌊13.5⌋ + 1 = 14; 27 mod 2 = 1 ≤ padding 1: "
            "only padding is left out, no input pixel lost",
            "C: 32 filters",
            "params: (3·3·1 + 1)·32 = 320",  # 10·32
            "MACs: 14·14·32 · 3·3·1 = 56,448",  # 6,272·9
        ],
    ),
    # pool2 on 14: (14 − 2)/2 = 6 exactly, + 1 = 7
    (
        HOMEWORK,
        "2",
        False,
        ["H: ⌊(14 + 2·0 − 2)/2⌋ + 1 = 6 + 1 = 7", "W: ⌊(14 + 2·0 − 2)/2⌋ + 1 = 6 + 1 = 7"],
    ),
    # dense after the implied flatten: 7·7·32 = 1,568 inputs; (1,568 + 1)·5 = 7,845
    (
        HOMEWORK,
        "3",
        False,
        ["flatten: 7·7·32 = 1,568", "params: (1,568 + 1)·5 = 7,845", "MACs: 1,568·5 = 7,840"],
    ),
    # channels first: the channel line first, weights in PyTorch's (C_in, kH, kW) order
    (
        "1x28x28 conv3x3s2p1x32",
        "1",
        True,
        [
            "C: 32 filters",
            "H: ⌊(28 + 2·1 − 3)/2⌋ + 1 = ⌊13.5⌋ + 1 = 14…",
            "W: ⌊(28 + 2·1 − 3)/2⌋ + 1 = ⌊13.5⌋ + 1 = 14…",
            "params: (1·3·3 + 1)·32 = 320",
            "MACs: 32·14·14 · 1·3·3 = 56,448",
        ],
    ),
    # BN on 32 channels: γ, β trainable; running mean, var not
    ("14x14x32 bn", "1", False, ["params: 2·32 trainable + 2·32 running statistics = 128"]),
    # dilated: D(F − 1) + 1 = 5; (32 − 5)/2 = 13.5 → 14; 27 mod 2 = 1 > p = 0 and 5 ≥ 2: 1 lost
    (
        "32x32x3 conv3s2d2x8",
        "1",
        False,
        [
            "H: ⌊(32 + 2·0 − 2·(3 − 1) − 1)/2⌋ + 1 = ⌊13.5⌋ + 1 = 14; 27 mod 2 = 1 > padding 0: "
            "the last 1 input row is lost",
            "W: ⌊(32 + 2·0 − 2·(3 − 1) − 1)/2⌋ + 1 = ⌊13.5⌋ + 1 = 14; 27 mod 2 = 1 > padding 0: "
            "the last 1 input column is lost",
            "C: 8 filters",
            "params: (3·3·3 + 1)·8 = 224",  # 28·8
            "MACs: 14·14·8 · 3·3·3 = 42,336",  # 1,568·27
        ],
    ),
    # dilated, stride 1, exact: 32 + 2·2 − 2·2 − 1 = 31, + 1 = 32
    ("32x32x3 conv3d2p2x8", "1", False, ["H: ⌊(32 + 2·2 − 2·(3 − 1) − 1)/1⌋ + 1 = 31 + 1 = 32…"]),
    # ceil pool: (7 − 2)/2 = 2.5 → ⌈⌉ 3, + 1 = 4 (window 4 starts at 6 < 7: kept)
    ("7x7x8 pool2ceil", "1", False, ["H: ⌈(7 + 2·0 − 2)/2⌉ + 1 = ⌈2.5⌉ + 1 = 4", "W: …"]),
    # ceil pool whose last window would start in the right padding: (5 + 2 − 2)/2 = 2.5 → 3,
    # + 1 = 4; window 4 starts at (4 − 1)·2 = 6 ≥ 5 + 1: dropped, 3 (PyTorch's rule)
    (
        "5x5x8 avgpool2s2p1ceil",
        "1",
        False,
        [
            "H: ⌈(5 + 2·1 − 2)/2⌉ + 1 = ⌈2.5⌉ + 1 = 4 − 1 = 3: window 4 would start in the "
            "right padding",
            "W: …",
        ],
    ),
    # transposed: (14 − 1)·2 − 2·1 + 3 + 1 = 26 − 2 + 3 + 1 = 28; weights 3·3·32·16 + 16
    (
        "14x14x32 deconv3s2p1op1x16",
        "1",
        False,
        [
            "H: (14 − 1)·2 − 2·1 + 3 + 1 (output padding) = 28",
            "W: (14 − 1)·2 − 2·1 + 3 + 1 (output padding) = 28",
            "C: 16 filters",
            "params: (3·3·32 + 1)·16 = 4,624",  # 289·16
            "MACs: 14·14·32 · 3·3·16 = 903,168",  # input elements 6,272 · 144
        ],
    ),
    # transposed, dilated: (8 − 1)·1 − 0 + 2·(3 − 1) + 1 = 12
    ("8x8x2 deconv3d2x2", "1", False, ["H: (8 − 1)·1 − 2·0 + 2·(3 − 1) + 1 = 12", "W: …"]),
    # transposed psame (Keras): W·S
    ("7x7x4 deconv3s2psamex2", "1", False, ["H: 7·2 = 14 (psame: W·S, as Keras)", "W: …"]),
    # grouped: each filter sees 16/4 = 4 channels: (3·3·4 + 1)·32 = 37·32 = 1,184;
    # MACs 28·28·32 · 36 = 25,088·36 = 903,168
    (
        "28x28x16 conv3x3p1x32g4",
        "1",
        False,
        [
            "H: ⌊(28 + 2·1 − 3)/1⌋ + 1 = 27 + 1 = 28",
            "W: ⌊(28 + 2·1 − 3)/1⌋ + 1 = 27 + 1 = 28",
            "C: 32 filters",
            "params: (3·3·(16/4) + 1)·32 = 1,184",
            "MACs: 28·28·32 · 3·3·(16/4) = 903,168",
        ],
    ),
    # psame, stride 2: ⌈27/2⌉ = 14; padding (14 − 1)·2 + 3 − 27 = 2: 1 before, 1 after
    (
        "27x27x3 conv3s2psamex4",
        "1",
        False,
        ["H: ⌈27/2⌉ = ⌈13.5⌉ = 14; psame pads (14 − 1)·2 + 3 − 27 = 2: 1 before, 1 after", "W: …"],
    ),
    # psame with the kernel below the stride: (14 − 1)·3 + 1 − 41 = −1 → no padding at all
    (
        "41x41x3 conv1s3psamex4",
        "1",
        False,
        [
            "H: ⌈41/3⌉ = 14; psame pads max((14 − 1)·3 + 1 − 41, 0) = 0: 0 before, 0 after",
            "W: …",
        ],
    ),
    # quotients are exact: a decimal only when it ends within 6 places, else the division.
    # (601 − 2)/600 = 599/600 < 1, not "1.00…"; 2,097,151/2²¹ ends after 21 places
    (
        "601x1 conv2s600x1",
        "1",
        False,
        [
            "L: ⌊(601 + 2·0 − 2)/600⌋ + 1 = ⌊599/600⌋ + 1 = 1; 599 mod 600 = 599: the kernel (2) "
            "< the stride (600) skips input on purpose",
            "C: …",
        ],
    ),
    (
        "2097153x1 conv2s2097152x1",
        "1",
        False,
        [
            "L: ⌊(2,097,153 + 2·0 − 2)/2,097,152⌋ + 1 = ⌊2,097,151/2,097,152⌋ + 1 = 1; 2,097,151 "
            "mod 2,097,152 = 2,097,151: the kernel (2) < the stride (2,097,152) skips input on "
            "purpose",
            "C: …",
        ],
    ),
    # ⌈4,194,305/2,097,152⌉ = ⌈2 + 1/2,097,152⌉ = 3 (the old text said ⌈2.⌉ = 3)
    (
        "4194305x1 conv1s2097152psamex1",
        "1",
        False,
        [
            "L: ⌈4,194,305/2,097,152⌉ = 3; psame pads (3 − 1)·2,097,152 + 1 − 4,194,305 = 0: 0 "
            "before, 0 after",
            "C: …",
        ],
    ),
    # a ceil pool: (10 − 3)/4 = 1.75 exactly, ⌈1.75⌉ + 1 = 3
    ("10x1 pool3s4ceil", "1", False, ["L: ⌈(10 + 2·0 − 3)/4⌉ + 1 = ⌈1.75⌉ + 1 = 3"]),
    # 26/3 does not end: the division is shown
    (
        "29x1 conv3s3x1",
        "1",
        False,
        [
            "L: ⌊(29 + 2·0 − 3)/3⌋ + 1 = ⌊26/3⌋ + 1 = 9; 26 mod 3 = 2 > padding 0: the last 2 "
            "input positions are lost",
            "C: …",
        ],
    ),
    # a kernel smaller than its stride skips on purpose: (28 − 1)/2 = 13.5 → 14, 27 mod 2 = 1
    (
        "28x28x4 conv1s2x4nb",
        "1",
        False,
        [
            "H: ⌊(28 + 2·0 − 1)/2⌋ + 1 = ⌊13.5⌋ + 1 = 14; 27 mod 2 = 1: the kernel (1) < the "
            "stride (2) skips input on purpose",
            "W: …",
            "C: 4 filters",
            "params: 1·1·4·4 = 16",  # no bias
            "MACs: 14·14·4 · 1·1·4 = 3,136",
        ],
    ),
    # depthwise ×2: 8·2 = 16 channels; (3·3 + 1)·8·2 = 160; MACs 8·8·16 · 9 = 9,216
    (
        "10x10x8 dwconv3x3x2",
        "1",
        False,
        [
            "H: ⌊(10 + 2·0 − 3)/1⌋ + 1 = 7 + 1 = 8",
            "W: ⌊(10 + 2·0 − 3)/1⌋ + 1 = 7 + 1 = 8",
            "C: 8·2 = 16 (channels · multiplier)",
            "params: (3·3 + 1)·8·2 = 160",
            "MACs: 8·8·16 · 3·3 = 9,216",
        ],
    ),
    # separable: 3·3·8 + 8·16 + 16 = 72 + 128 + 16 = 216; MACs 10·10·8·(9 + 16) = 20,000
    (
        "10x10x8 sepconv3p1x16",
        "1",
        False,
        [
            "H: …",
            "W: …",
            "C: 16 filters",
            "params: 3·3·8 depthwise + 8·16 pointwise + 16 = 216",
            "MACs: 10·10·8 · 3·3 + 10·10·8 · 16 = 20,000",
        ],
    ),
    ("5x6x2 zpad1", "1", False, ["H: 5 + 2·1 = 7", "W: 6 + 2·1 = 8"]),
    ("5x6x2 up3", "1", False, ["H: 5·3 = 15", "W: 6·3 = 18"]),
    ("5x6x2 gap", "1", False, ["C: 2 values, each the mean of 5·6 positions"]),
    ("5x6x2 flatten", "1", False, ["flatten: 5·6·2 = 60"]),
    ("5x6x2 relu", "1", False, ["shape unchanged: 5×6×2"]),
    # dense on a vector: (60 + 1)·10 = 610, no flatten line
    ("5x6x2 flatten dense10", "2", False, ["params: (60 + 1)·10 = 610", "MACs: 60·10 = 600"]),
    # cat: conv1x2 has (1·1·4 + 1)·2 = 10 params, conv1x3 (4 + 1)·3 = 15
    (
        "8x8x4 cat(conv1x2 | conv1x3)",
        "1",
        False,
        [
            "cat: channels 2 + 3 = 5, giving 8×8×5",
            "params: 10 + 15 = 25",
            "MACs: 512 + 768 = 1,280",  # 8·8·2·4 and 8·8·3·4
        ],
    ),
    # res(BODY): conv3p1x4 on 8×8×4 has (9·4 + 1)·4 = 148 params, 8·8·4·36 = 9,216 MACs
    (
        "8x8x4 res(conv3p1x4 relu)",
        "1",
        False,
        [
            "res: input + body, element-wise: 8×8×4 + 8×8×4",
            "params: the body's 148",
            "MACs: the body's 9,216",
        ],
    ),
    ("8x8x4 res(conv3p1x4 relu)", "1.1.1", False, ["H: ⌊(8 + 2·1 − 3)/1⌋ + 1 = 7 + 1 = 8", "…"]),
]


def _matches(got: list[str], want: list[str]) -> None:
    """Line by line; an expected line ending in … is a prefix (and allows more lines after)."""
    if any(w.endswith("…") for w in want):
        got = got[: len(want)]
    assert len(got) == len(want), got
    for g, w in zip(got, want):
        if w.endswith("…"):
            assert g.startswith(w[:-1]), (g, w)
        else:
            assert g == w


@pytest.mark.parametrize(
    "spec,path,channels_first,want", CASES, ids=[f"{c[0]}@{c[1]}" for c in CASES]
)
def test_explain_lines(spec: str, path: str, channels_first: bool, want: list[str]) -> None:
    _matches(lines_of(spec, path, channels_first=channels_first), want)


ANY_SPECS = [
    HOMEWORK,
    "32x32x3 conv3s2d2x8 bn relu pool3s2p1ceil conv1x16nb gap fc10",
    "16x16x8 deconv4s2p1x4g2 up2 zpad1 dwconv3s2psame sepconv3psamex8 flatten dense4nb",
    "28x28x3 conv5p2x6 avgpool2 conv5x16 pool2 flatten fc120 fc84 fc10",
    "100x16 conv7s2p3x32 pool3s2psame conv3d2p2x32",
    "8x16x16x3 conv3p1x8 pool2 conv3x3x1s1p1x8 gap",
]


@pytest.mark.parametrize("spec", ANY_SPECS)
def test_every_row_explains_its_own_numbers(spec: str) -> None:
    """The result at the end of each line is the row's own figure: dims, params, MACs."""
    report = convcalc.analyze(spec, explain=True)
    for layer in report.layers:
        assert layer.explain, layer.token
        dims = [x for x in layer.explain if re.match(r"[LDHW]: ", x)]
        if dims:
            assert [_final_number(x) for x in dims] == layer.output_shape[:-1], dims
        for label, value in (("params", layer.params), ("MACs", layer.macs)):
            mine = [x for x in layer.explain if x.startswith(label + ":")]
            if mine:
                assert _final_number(mine[0]) == value, mine


def _final_number(line: str) -> int:
    """The value a line arrives at: the last '= N' before any remark."""
    head = line.split(";")[0]
    head = re.sub(r": window \d+ would start.*| \([^()]*\)$", "", head)
    return int(head.rsplit("=", 1)[1].strip().replace(",", ""))


def test_explain_is_built_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(self, shape, effect, channels_first=False):  # pragma: no cover - must not run
        raise AssertionError("explain built on the default path")

    for cls in {type(node.layer) for node in convcalc.parse(ANY_SPECS[1]).nodes}:
        monkeypatch.setattr(cls, "explain", boom)
    monkeypatch.setattr(Layer, "explain", boom)
    report = convcalc.analyze(ANY_SPECS[1])
    assert all(layer.explain is None for layer in report.layers)
    assert '"explain"' not in report.model_dump_json(exclude_none=True)


# --------------------------------------------------------------------------------------------
# the CLI: grouped under the table, in JSON, and the ASCII fallback

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), env={"NO_COLOR": "1"})


def test_table_groups_the_work_per_layer() -> None:
    out = invoke(HOMEWORK, "--explain").stdout
    table, _, work = out.partition("Working:")
    assert "conv3x3s2p1x32" in table and "Total params: 8,165" in table
    blocks = work.strip().split("\n")
    assert blocks[0] == "1 conv3x3s2p1x32"
    assert blocks[1] == "    H: ⌊(28 + 2·1 − 3)/2⌋ + 1 = ⌊13.5⌋ + 1 = 14" + blocks[1][47:]
    assert "    params: (3·3·1 + 1)·32 = 320" in blocks
    assert blocks.index("2 pool2") < blocks.index("3 dense5")
    assert "    flatten: 7·7·32 = 1,568" in blocks
    assert "    params: (1,568 + 1)·5 = 7,845" in blocks
    assert "Working:" not in invoke(HOMEWORK).stdout


def test_json_carries_the_explain_list() -> None:
    data = json.loads(invoke(HOMEWORK, "--json", "--explain").stdout)
    assert data["layers"][0]["explain"][3] == "params: (3·3·1 + 1)·32 = 320"
    plain = json.loads(invoke(HOMEWORK, "--json").stdout)
    assert all("explain" not in layer for layer in plain["layers"])


TRANSLATIONS = [
    (
        "H: ⌊(28 + 2·1 − 3)/2⌋ + 1 = ⌊13.5⌋ + 1 = 14",
        "H: floor((28 + 2*1 - 3)/2) + 1 = floor(13.5) + 1 = 14",
    ),
    (
        "H: ⌈(7 + 2·0 − 2)/2⌉ + 1 = ⌈2.5⌉ + 1 = 4",
        "H: ceil((7 + 2*0 - 2)/2) + 1 = ceil(2.5) + 1 = 4",
    ),
    ("14×14×32, r = 1 ≤ p 1 → ok…", "14x14x32, r = 1 <= p 1 -> ok..."),
    ("larger than 2³¹−1", "larger than 2^31-1"),
    ("├─ conv │ └─ id", "|- conv | `- id"),
    ("naïve", "na\\u00efve"),
]


@pytest.mark.parametrize("text,want", TRANSLATIONS)
def test_to_ascii(text: str, want: str) -> None:
    assert to_ascii(text) == want


def test_ascii_flag_and_automatic_fallback() -> None:
    result = invoke(HOMEWORK, "--explain", "--ascii")
    assert result.exit_code == 0
    assert result.stdout.isascii()
    assert "    H: floor((28 + 2*1 - 3)/2) + 1 = floor(13.5) + 1 = 14" in result.stdout
    assert "    MACs: 14*14*32 * 3*3*1 = 56,448" in result.stdout
    data = json.loads(invoke(HOMEWORK, "--json", "--explain", "--ascii").stdout)
    assert data["layers"][0]["explain"][3] == "params: (3*3*1 + 1)*32 = 320"
    # an output encoding that cannot show ⌊ ⌋ · × − gets the same translation by itself
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    assert isinstance(ascii_safe(stream), AsciiWriter)
    assert ascii_safe(io.TextIOWrapper(io.BytesIO(), encoding="utf-8")) is not None
    assert not isinstance(ascii_safe(io.TextIOWrapper(io.BytesIO(), encoding="utf-8")), AsciiWriter)


def test_ascii_encoding_end_to_end() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "convcalc", HOMEWORK, "--explain"],
        capture_output=True,
        env={"PYTHONIOENCODING": "ascii", "NO_COLOR": "1", "PATH": ""},
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("ascii")
    assert "floor((28 + 2*1 - 3)/2)" in out and "14x14x32" in out
