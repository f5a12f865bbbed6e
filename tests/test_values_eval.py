"""``convcalc eval``: a network on numbers, forward and backward, against hand arithmetic and
PyTorch autograd (float64).

The autograd oracle builds random small networks, runs them in convcalc (exact) and in torch
(float64, ``requires_grad``), and compares every layer's output, ∂L/∂(each layer's output),
∂L/∂(weights and biases) and ∂L/∂(input).  When every exact value is a small dyadic rational
(a power-of-two denominator), float64 computes it without rounding, so the comparison is exact
(``float(Fraction) == torch``); values after sigmoid, tanh, softmax or cross-entropy must agree
within 1e-9 relative; other rationals (a 1/3, a 1/100 leaky slope) within 1e-12 relative.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

import jsonschema
import pytest
from conftest import require_torch
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import convcalc
from convcalc.cli import subcommand
from convcalc.values.engine import evaluate
from convcalc.values.matrix import Tensor, parse_matrix
from convcalc.values.schema import EvalJson

runner = CliRunner()


def cli(*args: str):
    return runner.invoke(subcommand("eval"), list(args), catch_exceptions=False)


def ev(*args: str) -> dict:
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


Q4 = ("3x3x1 conv2x1 gap", "--input", "1 2 0; 3 1 2; 0 1 3", "--weight", "1=1 -1; 2 0")


def test_q4_forward_and_backward_by_hand():
    """A 3×3 input X, a 2×2 kernel F with bias b = 1/2, global average pooling to L.

    Forward, O(i, j) = Σ_s Σ_t F(s, t)·X(i + s, j + t) + b:
      O(0,0) = 1·1 + (−1)·2 + 2·3 + 0·1 + 1/2 = 11/2
      O(0,1) = 1·2 + (−1)·0 + 2·1 + 0·2 + 1/2 = 9/2
      O(1,0) = 1·3 + (−1)·1 + 2·0 + 0·1 + 1/2 = 5/2
      O(1,1) = 1·1 + (−1)·2 + 2·1 + 0·3 + 1/2 = 3/2
      L = (11/2 + 9/2 + 5/2 + 3/2)/4 = 14/4 = 7/2
    Backward: ∂L/∂O = 1/4 in every cell.
      ∂L/∂F(s,t) = Σ_ij ∂L/∂O(i,j)·X(i+s, j+t):
        F(0,0): (1 + 2 + 3 + 1)/4 = 7/4     F(0,1): (2 + 0 + 1 + 2)/4 = 5/4
        F(1,0): (3 + 1 + 0 + 1)/4 = 5/4     F(1,1): (1 + 2 + 1 + 3)/4 = 7/4
      ∂L/∂b = 4 · 1/4 = 1
      ∂L/∂X(p,q) = Σ ∂L/∂O(i,j)·F(p−i, q−j) over the windows covering (p, q):
        X(0,0): F(0,0) = 1 → 1/4          X(0,1): F(0,1) + F(0,0) = 0 → 0
        X(0,2): F(0,1) = −1 → −1/4        X(1,0): F(1,0) + F(0,0) = 3 → 3/4
        X(1,1): 1 − 1 + 2 + 0 = 2 → 1/2   X(1,2): F(1,1) + F(0,1) = −1 → −1/4
        X(2,0): F(1,0) = 2 → 1/2          X(2,1): F(1,1) + F(1,0) = 2 → 1/2
        X(2,2): F(1,1) = 0 → 0
    """
    data = ev(*Q4, "--bias", "1=1/2", "--grad")
    conv, gap = data["layers"]
    assert conv["output"] == [[["11/2", "9/2"], ["5/2", "3/2"]]]
    assert gap["output"] == ["7/2"]
    assert data["loss"]["value"] == "7/2" and data["loss"]["rule"] == "output"
    g_conv, g_gap = data["grad"]["layers"]
    assert g_gap["output"] == [1]
    assert g_conv["output"] == [[["1/4", "1/4"], ["1/4", "1/4"]]]
    assert g_conv["weight"] == [[[["7/4", "5/4"], ["5/4", "7/4"]]]]
    assert g_conv["bias"] == [1]
    assert data["grad"]["input"] == [
        [["1/4", 0, "-1/4"], ["3/4", "1/2", "-1/4"], ["1/2", "1/2", 0]]
    ]
    assert data["exact"] is True


def test_q4_explain_writes_each_sum():
    text = cli(*Q4, "--bias", "1=1/2", "--grad", "--explain").stdout
    assert "Y1(0, 0) = 1×1 + (−1)×2 + 2×3 + 0×1 + (1/2) = 11/2" in text
    assert "∂L/∂W1(0, 0) = (1/4)×1 + (1/4)×2 + (1/4)×3 + (1/4)×1 = 7/4" in text
    assert "∂L/∂b1(0) = (1/4) + (1/4) + (1/4) + (1/4) = 1" in text
    assert "∂L/∂X(1, 1) = (1/4)×0 + (1/4)×2 + (1/4)×(−1) + (1/4)×1 = 1/2" in text
    latex = cli(*Q4, "--bias", "1=1/2", "--grad", "-e", "--format", "latex").stdout
    assert "\\frac{\\partial L}{\\partial W_{1}}(0, 0) = " in latex


@pytest.mark.parametrize(
    "loss, value, grad",
    [
        # output 1 2; 3 4 (identity): sum = 10, ∂ = 1 each; mean = 10/4 = 5/2, ∂ = 1/4 each
        ("sum", 10, [[[1, 1], [1, 1]]]),
        ("mean", "5/2", [[["1/4", "1/4"], ["1/4", "1/4"]]]),
        # mse:1 — ((0)² + 1² + 2² + 3²)/4 = 14/4 = 7/2; ∂ = 2(y − t)/4 = (y − 1)/2
        ("mse:1", "7/2", [[[0, "1/2"], [1, "3/2"]]]),
        ("mse:1 2; 3 4", 0, [[[0, 0], [0, 0]]]),
    ],
)
def test_losses_by_hand(loss: str, value, grad):
    data = ev("2x2x1 id", "--input", "1 2; 3 4", "--grad", "--loss", loss)
    assert data["loss"]["value"] == value
    assert data["grad"]["input"] == grad


def test_cross_entropy_and_floats():
    # scores 0, ln 3 → softmax 1/4, 3/4; ce:1 = −ln(3/4); ∂ = softmax − onehot = 1/4, −1/4
    data = ev("1x2 flatten", "--input", "0 | 0", "--grad", "--loss", "ce:1")
    assert data["loss"]["value"] == pytest.approx(math.log(2))  # equal scores: ln 2
    assert data["grad"]["input"] == [[0.5], [-0.5]]
    assert data["exact"] is False
    text = cli("1x2 sigmoid", "--input", "0 | 1").stdout
    assert "sigmoid is not rational: its values are floats" in text
    assert "0.5" in text and "0.731059" in text


def test_maxpool_tie_goes_to_the_first_maximum():
    # window [[3 3] [1 3]]: three equal maxima; PyTorch routes ∂ to the first (row-major)
    data = ev("2x2x1 maxpool2", "--input", "3 3; 1 3", "--grad")
    assert data["grad"]["input"] == [[[1, 0], [0, 0]]]
    text = cli("2x2x1 maxpool2", "--input", "3 3; 1 3", "-e").stdout
    assert "the first maximum wins (PyTorch)" in text


def test_relu_leaky_and_gradient_at_zero():
    # relu′(0) = 0 and leakyrelu′(0) = 0.01 in PyTorch; leakyrelu(−2) = −2/100 = −1/50
    data = ev("1x3 relu", "--input", "-1 | 0 | 2", "--grad", "--loss", "sum")
    assert data["layers"][0]["output"] == [[0], [0], [2]]
    assert data["grad"]["input"] == [[0], [0], [1]]
    data = ev("1x3 leakyrelu", "--input", "-2 | 0 | 2", "--grad", "--loss", "sum")
    assert data["layers"][0]["output"] == [["-1/50"], [0], [2]]
    assert data["grad"]["input"] == [["1/100"], ["1/100"], [1]]


def test_flatten_is_channels_first_and_dense_by_hand():
    # input 2 channels of 1×2: planes [1 2] and [3 4]; flatten (C, H, W) = 1 2 3 4
    # dense1 with W = [1 10 100 1000]: 1 + 20 + 300 + 4000 = 4321
    data = ev("1x2x2 flatten dense1nb", "--input", "1 2 | 3 4", "--weight", "2=1 10 100 1000")
    assert data["layers"][0]["output"] == [1, 2, 3, 4]
    assert data["layers"][1]["output"] == [4321]


def test_res_and_cat_by_hand():
    # res(conv1x1 weight 2): y = x + 2x = 3x; ∂L/∂x (sum) = 1 + 2 = 3 each
    data = ev(
        "1x2x1 res(conv1x1nb)", "--input", "1 2", "--weight", "1.1.1=2", "--grad", "--loss", "sum"
    )
    assert data["layers"][0]["output"] == [[[3, 6]]]
    assert data["grad"]["input"] == [[[3, 3]]]
    # cat(id | conv1x1 weight 5): channels [x, 5x]; sum → ∂ = 1 + 5 = 6
    data = ev(
        "1x2x1 cat(id | conv1x1nb)",
        "--input",
        "1 2",
        "--weight",
        "1.2.1=5",
        "--grad",
        "--loss",
        "sum",
    )
    assert data["layers"][0]["output"] == [[[1, 2]], [[5, 10]]]
    assert data["grad"]["input"] == [[[6, 6]]]


def test_random_is_reproducible_and_in_range():
    a = ev("4x4x1 conv3x2 relu gap dense2", "--random", "--seed", "7", "--grad", "--loss", "sum")
    b = ev("4x4x1 conv3x2 relu gap dense2", "--random", "--seed", "7", "--grad", "--loss", "sum")
    assert a == b
    flat = [v for row in a["input"][0] for v in row]
    assert all(isinstance(v, int) and 0 <= v <= 4 for v in flat)
    assert ev("4x4x1 conv3x2", "--random", "--seed", "8")["input"] != a["input"]


def test_json_follows_its_schema():
    schema = json.loads(cli("--schema").stdout)
    assert schema == json.loads(json.dumps(EvalJson.model_json_schema()))
    for args in (
        [*Q4, "--bias", "1=1/2", "--grad", "-e"],
        ["2x2x2 res(conv1x2) softmax gap", "--random", "--grad", "--loss", "ce:0"],
    ):
        jsonschema.validate(ev(*args), schema)


def test_formats():
    md = cli(*Q4, "--bias", "1=1/2", "--format", "markdown", "-e").stdout
    assert "$$Y_{1}(0, 0) = 1 \\times 1 + \\left(-1\\right) \\times 2" in md
    csv = cli(*Q4, "--bias", "1=1/2", "--format", "csv").stdout
    assert "Y1,0 0,11/2" in csv
    assert "Y2,0,7/2" in csv


# --------------------------------------------------------------------------------------------
# the PyTorch autograd oracle

_D = st.integers(-8, 8).map(lambda n: Fraction(n, 4))  # small dyadic numbers: −2 … 2 by 1/4


@st.composite
def networks(draw):
    """A random small spec of the value layers, its input, weights and a loss."""
    rank = draw(st.sampled_from([1, 2]))
    c = draw(st.integers(1, 2))
    # sizes and pool kernels lean to powers of two, so that more networks stay dyadic and
    # are compared exactly
    size = [draw(st.sampled_from([2, 3, 4, 4, 5])) for _ in range(rank)]
    tokens = []
    shape_c = c
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(
            st.sampled_from(["conv", "conv", "dwconv", "maxpool", "avgpool", "act", "res", "cat"])
        )
        if kind == "conv":
            k = draw(st.integers(1, 3))
            f = draw(st.integers(1, 3))
            g = draw(st.sampled_from([g for g in (1, 2) if shape_c % g == 0 and f % g == 0]))
            pad = draw(st.sampled_from(["", "p1", "psame"]))
            s = draw(st.sampled_from(["", "s2"]))
            d = draw(st.sampled_from(["", "", "d2"]))
            nb = draw(st.sampled_from(["", "nb"]))
            gg = f"g{g}" if g > 1 else ""
            tokens.append(f"conv{k}{s}{pad}{d}{gg}{nb}x{f}")
            shape_c = f
        elif kind == "dwconv":
            k = draw(st.integers(1, 3))
            pad = draw(st.sampled_from(["", "p1", "psame"]))
            tokens.append(f"dwconv{k}{pad}")
        elif kind in ("maxpool", "avgpool"):
            k = draw(st.sampled_from([1, 2, 2, 3]))
            s = draw(st.sampled_from(["", "s1", "s2"]))
            p = draw(st.sampled_from(["", "p1"] if k >= 2 else [""]))
            ceil = draw(st.sampled_from(["", "ceil"]))
            tokens.append(f"{kind}{k}{s}{p}{ceil}")
        elif kind == "act":
            tokens.append(
                draw(
                    st.sampled_from(
                        [
                            *("relu", "leakyrelu", "sigmoid", "tanh", "softmax", "id"),
                            *("dropout", "zpad1", "zpad0:1"),
                            "zpad1:0_0:2" if rank == 2 else "zpad2:1",
                        ]
                    )
                )
            )
        elif kind == "res":
            tokens.append(f"res(conv3psamex{shape_c} relu)")
        else:
            tokens.append("cat(id | conv1x1)")
            shape_c += 1
    tail = draw(st.sampled_from(["", "gap", "gmp", "flatten dense2", "gap dense3"]))
    dims = "x".join(map(str, [*size, c]))
    spec = " ".join([dims, *tokens, tail]).strip()
    loss = draw(st.sampled_from(["sum", "mean", "mse", "ce"]))
    x = [draw(_D) for _ in range(c * math.prod(size))]
    seed = draw(st.integers(0, 2**16))
    return spec, (c, *size), x, loss, seed


def _close(exact, got: float, scale: float, rational_ok: bool) -> bool:
    if isinstance(exact, Fraction) and rational_ok:
        return float(exact) == got
    tol = 1e-12 if isinstance(exact, Fraction) else 1e-9
    return math.isclose(float(exact), got, rel_tol=tol, abs_tol=tol * max(1.0, scale))


def _dyadic(v) -> bool:
    return (
        isinstance(v, Fraction)
        and v.denominator & (v.denominator - 1) == 0
        and v.denominator <= 2**20
        and abs(v.numerator) < 2**40
    )


class TorchRun:
    """The same network in torch.nn.functional, float64, on the values convcalc used."""

    def __init__(self, torch):
        self.torch = torch
        self.F = torch.nn.functional
        self.leaves = {}  # (path, "weight"/"bias") → torch leaf
        self.outputs = {}  # path → torch output (retain_grad)

    def t(self, tensor: Tensor, grad: bool = True):
        out = self.torch.tensor([float(v) for v in tensor.data], dtype=self.torch.float64)
        out = out.reshape(tensor.shape)
        return out.requires_grad_(grad)

    def run(self, rows, x):
        for row in rows:
            if row.ctx is None:
                outs = [self.run(branch, x) for branch in row.branches]
                if row.kind == "res":
                    y = sum(outs) + (x if len(outs) == 1 else 0)
                else:
                    y = self.torch.cat(outs, dim=1)
            else:
                y = self.layer(row, x)
            y.retain_grad()
            self.outputs[row.path] = y
            x = y
        return x

    def param(self, row, what):
        if what not in row.ctx.params:
            return None
        leaf = self.t(row.ctx.params[what])
        self.leaves[(row.path, what)] = leaf
        return leaf

    def layer(self, row, x):
        F, layer, kind = self.F, row.ctx.layer, row.kind
        rank = x.dim() - 2
        if kind in ("conv", "dwconv"):
            w, b = self.param(row, "weight"), self.param(row, "bias")
            groups = x.shape[1] if kind == "dwconv" else layer.groups
            x, pad = self.pad(x, layer, rank, 0.0)
            conv = F.conv1d if rank == 1 else F.conv2d
            return conv(
                x, w, b, stride=layer.stride, padding=pad, dilation=layer.dilation, groups=groups
            )
        if kind == "maxpool":
            pool = F.max_pool1d if rank == 1 else F.max_pool2d
            return pool(
                x, layer.kernel, layer.stride, layer.padding, layer.dilation, ceil_mode=layer.ceil
            )
        if kind == "avgpool":
            pool = F.avg_pool1d if rank == 1 else F.avg_pool2d
            return pool(x, layer.kernel, layer.stride, layer.padding, ceil_mode=layer.ceil)
        if kind == "gap":
            return x.mean(dim=tuple(range(2, x.dim())))
        if kind == "gmp":
            pool = F.adaptive_max_pool1d if rank == 1 else F.adaptive_max_pool2d
            return pool(x, 1).flatten(1)
        if kind == "flatten":
            return x.flatten(1)
        if kind == "dense":
            return F.linear(x.flatten(1), self.param(row, "weight"), self.param(row, "bias"))
        if kind == "relu":
            return F.relu(x)
        if kind == "leakyrelu":
            return F.leaky_relu(x, 0.01)
        if kind == "sigmoid":
            return self.torch.sigmoid(x)
        if kind == "tanh":
            return self.torch.tanh(x)
        if kind == "softmax":
            return F.softmax(x, dim=1)
        if kind in ("id", "dropout"):
            return x * 1
        if kind == "zpad":
            pairs = layer.pairs(rank)
            return F.pad(x, [p for pair in reversed(pairs) for p in pair])  # last dim first
        raise AssertionError(kind)

    def pad(self, x, layer, rank, value):
        """psame by TensorFlow's rule (pad before = total // 2), written out here."""
        if layer.padding != "same":
            return x, layer.padding
        pads = []
        for size, k in zip(x.shape[2:], layer.kernel):
            eff = layer.dilation * (k - 1) + 1
            out = -(-size // layer.stride)
            total = max((out - 1) * layer.stride + eff - size, 0)
            pads.append((total // 2, total - total // 2))
        flat = [p for pair in reversed(pads) for p in pair]  # F.pad: last dim first
        return self.F.pad(x, flat, value=value), 0


@pytest.fixture(scope="module")
def torch_mod():
    return require_torch()


@settings(max_examples=300)
@given(case=networks())
def test_autograd_oracle(torch_mod, case):
    torch = torch_mod
    spec, shape, x, loss, seed = case
    try:
        convcalc.analyze(spec)
    except convcalc.ConvcalcError:
        assume(False)  # not counted: 300 networks that the shape rules accept are compared
    x_t = Tensor(shape, x)
    probe = evaluate(spec, input=x_t, random=True, seed=seed)
    out = probe.output
    target = None
    if loss == "ce":
        if len(out.shape) != 1:
            loss = "sum"
        else:
            loss = f"ce:{seed % out.shape[0]}"
    if loss == "mse":
        target = Tensor(out.shape, [Fraction((seed + i) % 5 - 2, 2) for i in range(len(out.data))])
    result = evaluate(spec, input=x_t, random=True, seed=seed, grad=True, loss=loss, target=target)

    run = TorchRun(torch)
    xt = run.t(x_t).unsqueeze(0).detach().requires_grad_(True)
    y = run.run(result.rows, xt)[0]
    F = torch.nn.functional
    if loss == "sum":
        L = y.sum()
    elif loss == "mean":
        L = y.mean()
    elif loss == "mse":
        L = F.mse_loss(y, run.t(target, False))
    else:
        L = F.cross_entropy(y.unsqueeze(0), torch.tensor([int(loss[3:])]))
    L.backward()

    pairs = [(result.loss, [L.item()]), (result.grad_input.data, xt.grad[0].flatten().tolist())]
    for row in result.all_rows():
        got = run.outputs[row.path]
        pairs.append((row.output.data, got[0].flatten().tolist()))
        pairs.append((row.grad_out.data, got.grad[0].flatten().tolist()))
        if row.ctx is not None:
            for what in ("weight", "bias"):
                if what in row.ctx.grads:
                    leaf = run.leaves[(row.path, what)]
                    pairs.append((row.ctx.grads[what].data, leaf.grad.flatten().tolist()))
    values = [v for exact, _ in pairs for v in (exact if isinstance(exact, list) else [exact])]
    rational_ok = all(_dyadic(v) for v in values)
    event("exact (dyadic) comparison" if rational_ok else "tolerance comparison")
    for exact, got in pairs:
        exact = exact if isinstance(exact, list) else [exact]
        assert len(exact) == len(got), spec
        scale = max([abs(g) for g in got] or [1.0])
        for e, g in zip(exact, got):
            assert _close(e, g, scale, rational_ok), (spec, loss, e, g)


def test_value_errors_point_at_the_token():
    result = cli("3x3x1 conv2x1 bn gap", "--random")
    assert result.exit_code == 1 and result.stdout == ""
    head, shown, caret = result.stderr.rstrip("\n").split("\n")
    assert "no value rule for bn" in head
    assert caret.index("^") == shown.index("bn")
    assert parse_matrix("1")[0].shape == (1,)


def test_readme_shows_real_output():
    """Every line of the README's eval block is a line of the real output (a cut is '…')."""
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    block = readme.split("$ convcalc eval '3x3x1 conv2x1 gap'", 1)[1].split("```", 1)[0]
    shown = [line for line in block.split("\n")[1:] if line.strip() and line.strip() != "…"]
    out = cli(*Q4, "--bias", "1=1/2", "--grad", "--explain").stdout.split("\n")
    assert len(shown) >= 30
    for line in shown:
        assert line in out, line


def test_help_tells_the_layouts():
    text = cli("--help").stdout
    for words in ("[F][C/groups][kh][kw]", "C, H, W order", "first maximum", "mse:TARGET"):
        assert words in " ".join(text.split()), words


def test_avgpool_psame_divides_by_real_cells_as_tensorflow():
    # length 3, avgpool2 psame (stride 2): out ⌈3/2⌉ = 2, total padding (2−1)·2 + 2 − 3 = 1, all
    # after. Windows [1 2] → 3/2 and [3 pad] → 3/1 = 3 (TensorFlow counts real cells only)
    data = ev("3x1 avgpool2psame", "--input", "1 2 3", "--grad", "--loss", "sum")
    assert data["layers"][0]["output"] == [["3/2", 3]]
    assert data["grad"]["input"] == [["1/2", "1/2", 1]]
    # p1 (PyTorch, padding counted): windows [pad 1] → 1/2, [2 3] → 5/2
    data = ev("3x1 avgpool2p1", "--input", "1 2 3")
    assert data["layers"][0]["output"] == [["1/2", "5/2"]]


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_tokens_are_escaped_for_the_format(fmt: str):
    text = cli("1x2x1 cat(id | conv1x1nb) softmax", "--random", "-e", "--format", fmt).stdout
    if fmt == "markdown":
        assert "### 1 cat(id \\| conv1x1nb)" in text  # a bare | would start a table cell
        assert "\\[C\\]\\[H\\]\\[W\\]" in text
    else:
        assert "\\paragraph{\\texttt{1 cat(id {\\char124} conv1x1nb)}}" in text
        assert text.isascii()


def test_latex_compiles_with_pdflatex(tmp_path):
    """The LaTeX of both commands (sums, fractions, floats, planes, gradients) compiles."""
    import os
    import shutil
    import subprocess

    exe = shutil.which("pdflatex")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but pdflatex is missing (.ci/run installs texlive)")
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-base)")
    body = cli(
        "1x2x2 cat(id | conv1x2) softmax gap dense2",
        "--random",
        "-g",
        "--loss",
        "ce:1",
        "-e",
        "-f",
        "latex",
    ).stdout
    body += cli(*Q4, "--bias", "1=1/2", "-g", "-e", "-f", "latex").stdout
    body += runner.invoke(
        subcommand("conv"), ["1 2; 3 4 | 5 6; 7 8", "[[[1]], [[-1/2]]]", "-e", "-f", "latex"]
    ).stdout
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n"
        + body
        + "\\end{document}\n"
    )
    done = subprocess.run(
        [exe, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "doc.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:]


def test_readme_python_block_runs():
    """The README's value-engine Python block runs and prints what its comments say."""
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    block = readme.split("from convcalc.values import", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec("from convcalc.values import" + block, namespace)
    run = namespace["run"]
    # mean of 5, 4, 2, 1 (the Q4 outputs without the bias) = 3; ∂L/∂X(0,0) = F(0,0)/4 = 1/4
    assert (run.loss, run.grad_input.data[0]) == (3, Fraction(1, 4))
