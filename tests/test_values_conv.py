"""``convcalc conv``: exact convolutions of given numbers, against hand arithmetic and PyTorch.

Expected values are worked by hand in the comments, or come from torch.nn.functional.conv1d /
conv2d in float64 (exact here: the numbers are small dyadic rationals, so every float64 sum is
exact and must equal the exact Fraction rounded to float64, with no tolerance).
"""

from __future__ import annotations

import json
from fractions import Fraction

import jsonschema
import pytest
from conftest import require_torch
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from convcalc.cli import subcommand
from convcalc.values.engine import convolve
from convcalc.values.kernels import KERNELS
from convcalc.values.matrix import Tensor, fmt_value, parse_matrix, parse_number
from convcalc.values.schema import ConvJson

runner = CliRunner()
Q1_INPUT = "0 0 10 0 0; 0 0 10 0 0; 0 0 10 0 0; 0 0 10 0 0; 0 0 10 0 0"


@pytest.fixture(scope="module")
def torch_mod():
    return require_torch()


def conv(*args: str):
    return runner.invoke(subcommand("conv"), list(args), catch_exceptions=False)


def test_homework_q1_laplacian8_padding_1():
    # Interior cell (1, 2): the window is rows 0–2, cols 1–3: the column of 10s is in the
    # middle, so 1·10 + (−8)·10 + 1·10 = −60.  Cell (1, 1): the 10s are the right column:
    # 3·1·10 = 30.  Cell (0, 2): the top row of the window is padding, so 10s only at
    # (0, 2) and (1, 2): −8·10 + 1·10 = −70; (0, 1): 2·10 = 20; column 0 never sees a 10.
    result = conv(Q1_INPUT, "laplacian8", "--padding", "1", "--json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)["output"]
    assert out == [
        [
            [0, 20, -70, 20, 0],
            [0, 30, -60, 30, 0],
            [0, 30, -60, 30, 0],
            [0, 30, -60, 30, 0],
            [0, 20, -70, 20, 0],
        ]
    ]


def test_homework_q1_table_and_explain():
    result = conv(Q1_INPUT, "laplacian8", "-p", "1", "--explain")
    assert result.exit_code == 0
    text = result.stdout
    assert "  0  20  −70  20  0\n" in text
    assert "  0  30  −60  30  0\n" in text
    # the homework's own line, term by term (padding row first)
    want = "g(0, 2) = 1×0 + 1×0 + 1×0 + 1×0 + (−8)×10 + 1×0 + 1×0 + 1×10 + 1×0 = −70"
    assert want in text
    assert "cross-correlation" in text and "symmetric under a 180° turn, so" in text


def test_fractions_bias_and_flip_by_hand():
    # f = [[1 2 3] [4 5 6] [7 8 9]], w = [[1 0] [0 −1/2]], b = 1/3, cross-correlation:
    # g(0,0) = 1 − 5/2 + 1/3 = −7/6; g(0,1) = 2 − 3 + 1/3 = −2/3;
    # g(1,0) = 4 − 4 + 1/3 = 1/3; g(1,1) = 5 − 9/2 + 1/3 = 5/6.
    result = conv("1 2 3; 4 5 6; 7 8 9", "1 0; 0 -1/2", "--bias", "1/3", "--json")
    data = json.loads(result.stdout)
    assert data["output"] == [[["-7/6", "-2/3"], ["1/3", "5/6"]]]
    assert data["operation"] == "cross-correlation" and data["symmetric_kernel"] is False
    # --flip turns w to [[−1/2 0] [0 1]]: g(0,0) = −1/2 + 5 = 9/2; g(0,1) = −1 + 6 = 5;
    # g(1,0) = −2 + 8 = 6; g(1,1) = −5/2 + 9 = 13/2.
    result = conv("1 2 3; 4 5 6; 7 8 9", "1 0; 0 -1/2", "--flip", "--json")
    data = json.loads(result.stdout)
    assert data["output"] == [[["9/2", 5], [6, "13/2"]]]
    assert data["operation"] == "convolution"
    text = conv("1 2 3; 4 5 6; 7 8 9", "1 0; 0 -1/2", "--flip").stdout
    assert "not symmetric under a 180° turn" in text and "gives a different result" in text


def test_decimals_one_d_stride_dilation_by_hand():
    # 1-D: f = 1 2 3 4 5 6 7, w = 1 1 (dilation 2 spans 3 cells), stride 2:
    # g(0) = 1 + 3 = 4, g(1) = 3 + 5 = 8, g(2) = 5 + 7 = 12
    data = json.loads(conv("1 2 3 4 5 6 7", "1 1", "-d", "2", "-s", "2", "--json").stdout)
    assert data["output"] == [[4, 8, 12]]
    # box on a 3×3 of 1..9: the mean 45/9 = 5; box on 1 1 1; 1 1 1; 1 1 2: 10/9 = 1.111…
    assert json.loads(conv("1 1 1; 1 1 1; 1 1 2", "box", "--json").stdout)["output"] == [[["10/9"]]]
    assert "1.11" in conv("1 1 1; 1 1 1; 1 1 2", "box", "--decimals", "2").stdout


def test_same_padding_multichannel_and_filters():
    # 2 channels, 2 filters of 1×1: filter 0 adds the channels, filter 1 subtracts them
    data = json.loads(
        conv("1 2; 3 4 | 10 20; 30 40", "[[[[1]],[[1]]],[[[1]],[[-1]]]]", "--json").stdout
    )
    assert data["output"] == [[[11, 22], [33, 44]], [[-9, -18], [-27, -36]]]
    # same padding, stride 1, kernel 2: one cell after (TensorFlow and PyTorch agree)
    data = json.loads(conv("1 2; 3 4", "1 1; 1 1", "-p", "same", "--json").stdout)
    assert data["output"] == [[[10, 6], [7, 4]]]
    assert data["padding"] == [[0, 1], [0, 1]]


@pytest.mark.parametrize(
    "fmt, wanted",
    [
        (
            "markdown",
            "$$g(0, 2) = 1 \\times 0 + 1 \\times 0 + 1 \\times 0 + 1 \\times 0 + "
            "\\left(-8\\right) \\times 10",
        ),
        ("latex", "\\begin{bmatrix} 0 & 20 & -70 & 20 & 0 \\\\ 0 & 30 & -60"),
        ("csv", "g,0 2,-70"),
    ],
)
def test_formats(fmt: str, wanted: str):
    result = conv(Q1_INPUT, "laplacian8", "-p", "1", "-e", "--format", fmt)
    assert result.exit_code == 0
    assert wanted in result.stdout


def test_json_follows_its_schema():
    schema = json.loads(conv("--schema").stdout)
    assert schema == json.loads(json.dumps(ConvJson.model_json_schema()))
    for args in (
        [Q1_INPUT, "laplacian8", "-p", "1", "-e"],
        ["1 2 | 3 4", "[[[1], [2]]]", "--1d", "-b", "1/2"],
    ):
        jsonschema.validate(json.loads(conv(*args, "--json").stdout), schema)


def test_named_kernels_are_in_help():
    text = " ".join(conv("--help").stdout.split())  # however the help is wrapped
    for name in KERNELS:
        assert name in text
    assert "laplacian8: [1 1 1; 1 -8 1; 1 1 1]" in text
    assert "laplacian4: [0 1 0; 1 -4 1; 0 1 0]" in text


@pytest.mark.parametrize(
    "text, want",
    [
        ("3", 3),
        ("-2", -2),
        ("−2", -2),
        ("0.25", Fraction(1, 4)),
        (".5", Fraction(1, 2)),
        ("1/4", Fraction(1, 4)),
        ("-3/2", Fraction(-3, 2)),
        ("2.5/5", Fraction(1, 2)),
    ],
)
def test_numbers(text: str, want: Fraction):
    assert parse_number(text) == want


@pytest.mark.parametrize("text", ["1e3", "+1", "1/0", "x", "1//2", "٣", "--1", "1_000"])
def test_not_numbers(text: str):
    with pytest.raises(ValueError):
        parse_number(text)


def test_matrix_forms_agree(tmp_path):
    text = parse_matrix("1, 2\n3 4")[0]
    assert text == parse_matrix("1 2; 3 4")[0] == parse_matrix("[[1, 2], [3, 4]]")[0]
    assert text == parse_matrix('[["1", "2"], [3.0, 4]]')[0]
    assert parse_matrix("1 2 | 3 4")[0].shape == (2, 2)
    assert parse_matrix("1 2; 3 4 | 5 6; 7 8")[0].shape == (2, 2, 2)
    path = tmp_path / "m.txt"
    path.write_text("0 1\n2 3\n")
    result = conv(f"@{path}", "1", "--json")
    assert result.exit_code != 0  # a 1-number kernel on a 2-D input: no rank fits
    assert json.loads(conv(f"@{path}", "[[1]]", "--json").stdout)["output"] == [[[0, 1], [2, 3]]]
    stdin = runner.invoke(subcommand("conv"), ["-", "[[2]]", "--json"], input="1 2; 3 4\n")
    assert json.loads(stdin.stdout)["output"] == [[[2, 4], [6, 8]]]


def test_fmt_value():
    assert fmt_value(Fraction(-3, 2)) == "−3/2"
    assert fmt_value(Fraction(-3, 2), 2) == "−1.50"
    assert fmt_value(Fraction(-1, 1000), 2) == "0.00"  # no minus zero
    assert fmt_value(Fraction(2, 3), 3) == "0.667"
    assert fmt_value(0.5) == "0.5"


# --------------------------------------------------------------------------------------------
# PyTorch oracle: conv1d / conv2d in float64

dyadic = st.integers(-12, 12).map(lambda n: Fraction(n, 4))


@st.composite
def conv_cases(draw):
    rank = draw(st.sampled_from([1, 2]))
    c, f = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kernel = [draw(st.integers(1, 3)) for _ in range(rank)]
    dilation = draw(st.integers(1, 2))
    stride = draw(st.integers(1, 3))
    padding = draw(st.integers(0, 2))
    size = [draw(st.integers(max(1, dilation * (k - 1) + 1 - 2 * padding), 6)) for k in kernel]
    x = [draw(dyadic) for _ in range(c * _prod(size))]
    w = [draw(dyadic) for _ in range(f * c * _prod(kernel))]
    bias = [draw(dyadic) for _ in range(f)] if draw(st.booleans()) else None
    flip = draw(st.booleans())
    return rank, c, f, kernel, dilation, stride, padding, size, x, w, bias, flip


def _prod(xs):
    out = 1
    for v in xs:
        out *= v
    return out


@settings(max_examples=150)
@given(case=conv_cases())
def test_conv_matches_torch(torch_mod, case):
    torch = torch_mod
    import torch.nn.functional as F

    rank, c, f, kernel, dilation, stride, padding, size, x, w, bias, flip = case
    xt = Tensor((c, *size), x)
    kt = Tensor((f, c, *kernel), w)
    bt = Tensor((f,), bias) if bias is not None else None
    depth = rank + 1
    result = convolve(
        xt,
        depth,
        kt,
        rank + 2,
        stride=stride,
        padding=padding,
        dilation=dilation,
        bias=bt,
        flip=flip,
        one_d=rank == 1,
    )
    tx = torch.tensor([float(v) for v in x], dtype=torch.float64).reshape(1, c, *size)
    tw = torch.tensor([float(v) for v in w], dtype=torch.float64).reshape(f, c, *kernel)
    if flip:
        tw = tw.flip(dims=list(range(2, 2 + rank)))
    tb = torch.tensor([float(v) for v in bias], dtype=torch.float64) if bias else None
    fn = F.conv1d if rank == 1 else F.conv2d
    want = fn(tx, tw, tb, stride=stride, padding=padding, dilation=dilation)[0]
    assert tuple(want.shape) == result.output.shape
    assert [float(v) for v in result.output.data] == want.flatten().tolist()


def test_readme_shows_real_output():
    """Every line of the README's Q1 block is a line of the real output (a cut is '…')."""
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    block = readme.split("$ convcalc conv '0 0 10", 1)[1].split("```", 1)[0]
    _, *shown = block.split("\n")
    out = conv(Q1_INPUT, "laplacian8", "--padding", "1", "--explain").stdout.split("\n")
    shown = [line for line in shown if line.strip() and line.strip() != "…"]
    assert len(shown) >= 10
    for line in shown:
        assert line in out, line


def test_terminal_draws_grids_with_rich():
    import io

    from convcalc.values.show import write_doc

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    x, d = parse_matrix("1 2; 3 4")
    k, kd = parse_matrix("1 0; 0 -1/2")
    out = Terminal()
    write_doc(convolve(x, d, k, kd, explain=True).doc(True), "table", None, out, False)
    text = out.getvalue()
    assert "┌────┐\n│ −1 │\n└────┘" in text  # 1·1 + (−1/2)·4 = −1, drawn in a box
    assert "\ng (1×1):\n" in text and "\n  g(0, 0) = 1×1 + 0×2 + 0×3 + (−1/2)×4 = −1\n" in text
