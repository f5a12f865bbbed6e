"""Bad input, one fault per case: exit code, empty stdout, the message, and the caret's column.

The table follows toml-test's habit of naming each invalid input after its one fault.  Every case
runs in-process through typer's CliRunner (fast); a handful also run as a real subprocess; the
unbounded ones (huge repeats, deep nesting, a 10 MB line) also go straight to
``convcalc.analyze``, which must refuse them at once because limits are checked before anything
is expanded.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass

import pytest
from typer.testing import CliRunner

import convcalc
from convcalc.cli import app

WINDOW = 72  # a spec up to this long is shown whole above the caret


@dataclass(frozen=True)
class Case:
    id: str
    spec: str
    message: str  # a substring of the error message
    at: str | int  # the offending token: its text (first occurrence) or its offset
    code: int = 1
    last: bool = False  # `at` is the last occurrence of the text, not the first

    @property
    def position(self) -> int:
        if isinstance(self.at, int):
            return self.at
        found = self.spec.rfind(self.at) if self.last else self.spec.find(self.at)
        assert found >= 0, f"{self.at!r} is not in the spec"
        return found


IN = "28x28x1 "  # a 2-D input to put layers on
HUGE = "9" * 5000
BIG = 2**31 - 1

CASES = [
    # ---- empty, blank, the input shape
    Case("empty-spec", "", "empty spec", 0),
    Case("blank-spec", "   ", "empty spec", 0),
    Case("only-commas", " , ,, ", "empty spec", 0),
    Case("missing-input-shape", "conv3x8 relu", "missing input shape", "conv3x8"),
    Case("layer-before-input", "relu 28x28x1", "missing input shape", "relu"),
    Case("input-single-number", "28 conv3x8", "bad input shape", "28"),
    Case("input-trailing-x", "28x28x1x relu", "bad input shape", "28x28x1x"),
    Case("input-underscore", "28x28x1_0 relu", "bad input shape", "28x28x1_0"),
    Case("input-negative", "-28x28x1 relu", "missing input shape", "-28x28x1"),
    Case("input-zero-dim", "0x28x1 conv3x8", "0 is not allowed", "0x28x1"),
    Case("input-zero-channels", "28x28x0 relu", "0 is not allowed", "28x28x0"),
    Case("input-four-spatial-dims", "28x28x1x3x3 relu", "4 spatial dims", "28x28x1x3x3"),
    Case("input-given-twice", IN + "28x28x1", "only once", 8),
    Case("input-5000-nines", HUGE + "x1 relu", "larger than 2³¹−1", 0),
    Case("input-dim-2-pow-31", "2147483648x1 relu", "larger than 2³¹−1", 0),
    Case("input-elements-over-2-pow-31", "46341x46341x1", "larger than 2³¹−1", 0),
    Case("input-fullwidth-digits", "２８x28x1 relu", "ASCII digits", 0),
    # ---- numbers
    Case("conv-filters-5000-nines", IN + "conv3x" + HUGE, "larger than 2³¹−1", "conv"),
    Case("conv-filters-2-pow-31", IN + "conv3x2147483648", "larger than 2³¹−1", "conv"),
    Case("conv-zero-filters", IN + "conv3x0", "0 is not allowed", "conv"),
    Case("conv-zero-kernel", IN + "conv0x8", "0 is not allowed", "conv"),
    Case("conv-zero-stride", IN + "conv3s0x8", "0 is not allowed", "conv"),
    Case("conv-zero-dilation", IN + "conv3d0x8", "0 is not allowed", "conv"),
    Case("conv-zero-groups", IN + "conv3g0x8", "0 is not allowed", "conv"),
    Case("conv-negative-filters", IN + "conv3x-8", "unexpected 'x-8'", "conv"),
    Case("conv-negative-padding", IN + "conv3p-1x8", "unexpected 'p-1x8'", "conv"),
    Case("dense-zero-units", IN + "dense0", "0 is not allowed", "dense0"),
    Case("upsample-zero", IN + "up0", "0 is not allowed", "up0"),
    Case("dwconv-zero-multiplier", IN + "dwconv3x0", "0 is not allowed", "dwconv"),
    Case("repeat-zero", IN + "relu*0", "0 is not allowed", "*0"),
    Case("repeat-over-2-pow-31", IN + "relu*99999999999", "larger than 2³¹−1", "*9"),
    Case("superscript-digit", IN + "conv³x8", "ASCII digits", "conv"),
    Case("arabic-indic-digit", IN + "conv3x٨", "ASCII digits", "conv"),
    Case("plus-in-number", IN + "conv+3x8", "unexpected '+3x8'", "conv"),
    Case("underscore-in-number", IN + "conv3x1_0", "unexpected '_0'", "conv"),
    Case("exponent-in-number", IN + "conv3e1x8", "unexpected 'e1x8'", "conv"),
    # ---- unknown and misspelt layers
    Case("unknown-layer", IN + "foo", "unknown layer 'foo'", "foo"),
    Case("unknown-layer-after-commas", IN + "conv3x3s2p1x32,,pool2,,dense5,foo", "'foo'", "foo"),
    Case("misspelt-conv", IN + "cnov3x8", "did you mean 'conv'", "cnov"),
    Case("misspelt-maxpool", IN + "maxpol2", "did you mean 'maxpool'", "maxpol2"),
    Case("misspelt-dropout", IN + "dropuot", "did you mean 'dropout'", "dropuot"),
    Case("misspelt-flatten", IN + "flaten", "did you mean 'flatten'", "flaten"),
    Case("number-on-activation", IN + "relu7", "'relu' takes no options", "relu7"),
    Case("res-without-parens", IN + "res relu", "needs its branches in parentheses", "res"),
    Case("cat-without-parens", IN + "cat", "needs its branches in parentheses", "cat"),
    Case("emoji-token", IN + "🔥", "not a layer token", "🔥"),
    # ---- duplicate options
    Case("duplicate-stride", IN + "conv3s1s2x8", "option 's' given twice", "conv"),
    Case("duplicate-padding", IN + "conv3p1p1x8", "option 'p' given twice", "conv"),
    Case("duplicate-psame-pvalid", IN + "conv3psamepvalidx8", "option 'p' given twice", "conv"),
    Case("duplicate-dilation", IN + "conv3d2d2x8", "option 'd' given twice", "conv"),
    Case("duplicate-nb", IN + "conv3nbnbx8", "option 'nb' given twice", "conv"),
    Case("duplicate-ceil", IN + "pool2ceilceil", "option 'ceil' given twice", "pool"),
    # ---- options on the wrong layer
    Case("ceil-on-conv", IN + "conv3ceilx8", "'ceil' does not apply to 'conv'", "conv"),
    Case("op-on-conv", IN + "conv3op1x8", "'op1' does not apply to 'conv'", "conv"),
    Case("d-on-avgpool", IN + "avgpool2d2", "does not apply to 'avgpool'", "avgpool"),
    Case("g-on-pool", IN + "pool2g2", "'g2' does not apply to 'pool'", "pool"),
    Case("g-on-dwconv", IN + "dwconv3g2", "'g2' does not apply to 'dwconv'", "dwconv"),
    Case("g-on-sepconv", IN + "sepconv3g2x8", "'g2' does not apply to 'sepconv'", "sepconv"),
    Case("stride-on-dense", IN + "dense5s2", "'s2' does not apply to 'dense'", "dense"),
    Case("x-after-options-on-pool", IN + "pool2s2x2", "only for the conv family", "pool"),
    # ---- filters, kernels and numbers of a token
    Case("conv-missing-filters", IN + "conv3", "needs a kernel and a filter count", "conv"),
    Case("conv-bare", IN + "conv", "needs a kernel and a filter count", "conv"),
    Case("conv-trailing-x", IN + "conv3x", "unexpected 'x'", "conv"),
    Case("conv-trailing-x-after-filters", IN + "conv3x8x", "unexpected 'x'", "conv"),
    Case("conv-kernel-rank-3-on-2d", IN + "conv3x3x3x8", "1 or 2 numbers", "conv"),
    Case("pool-kernel-rank-2-on-1d", "100x16 pool2x2", "takes 1 number", "pool"),
    Case("dwconv-no-kernel", IN + "dwconv", "needs a kernel", "dwconv"),
    Case("dwconv-two-multipliers", IN + "dwconv3s1x2x2", "one depth multiplier", "dwconv"),
    Case("dense-no-units", IN + "dense", "takes one number", "dense"),
    Case("dense-two-numbers", IN + "dense5x5", "takes one number", "dense"),
    Case("zpad-no-number", IN + "zpad", "takes one number", "zpad"),
    Case("upsample-two-numbers", IN + "up2x2", "takes one number", "up2x2"),
    # ---- validity rules
    Case("kernel-larger-than-input", IN + "conv29x8", "larger than the padded input", "conv"),
    Case("dilated-kernel-too-large", IN + "conv3d14x8", "larger than the padded input", "conv"),
    Case("pool-larger-than-input", "1x1x1 pool2", "larger than the padded input", "pool2"),
    Case("third-conv-shrinks-below-1", "5x5x1 conv3x8 conv3x8 conv3x8", "= −1", "conv", last=True),
    Case("deconv-output-below-1", "4x4x1 deconv1p2x8", "= 0 < 1", "deconv"),
    Case("groups-dont-divide-input", "28x28x3 conv3g2x8", "groups g2 must divide", "conv"),
    Case("groups-dont-divide-filters", "28x28x4 conv3g4x6", "groups g4 must divide", "conv"),
    Case("deconv-groups-dont-divide", "28x28x3 deconv3g2x8", "groups g2 must divide", "deconv"),
    Case("pool-padding-over-half", IN + "pool2p2", "at most half the kernel", "pool"),
    Case("pool3-padding-2", IN + "maxpool3p2", "at most half the kernel", "maxpool"),
    Case("output-padding-equals-stride", IN + "deconv3s2op2x8", "must be smaller", "deconv"),
    Case("output-padding-stride-1", IN + "deconv3op1x8", "must be smaller", "deconv"),
    Case("output-padding-with-psame", IN + "deconv3s2psameop1x8", "not psame", "deconv"),
    Case("ceil-with-psame", IN + "pool2psameceil", "not psame", "pool"),
    Case("dropout-rate-1", IN + "dropout1", "not in [0, 1)", "dropout"),
    Case("dropout-rate-1.0", IN + "dropout1.0", "not in [0, 1)", "dropout"),
    Case("dropout-rate-1.5", IN + "dropout1.5", "not in [0, 1)", "dropout"),
    Case("dropout-rate-400-nines", IN + "dropout" + "9" * 400, "not in [0, 1)", "dropout"),
    Case("dropout-rate-negative", IN + "dropout-0.1", "unexpected '-0.1'", "dropout"),
    Case("dropout-rate-nan", IN + "dropoutnan", "did you mean 'dropout'", "dropout"),
    Case("dropout-rate-inf", IN + "dropoutinf", "did you mean 'dropout'", "dropout"),
    Case("dropout-rate-1e309", IN + "dropout1e309", "unexpected 'e309'", "dropout"),
    Case("dropout-rate-two-dots", IN + "dropout0.5.5", "unexpected '.5'", "dropout"),
    # ---- brackets and bars
    Case("unclosed-paren", IN + "(relu", "never closed", "("),
    Case("unclosed-res", IN + "res(relu", "'res(' is never closed", "res("),
    Case("unbalanced-close", IN + "relu)", "unbalanced ')'", ")"),
    Case("close-before-open", IN + ")(relu)", "unbalanced ')'", ")"),
    Case("close-after-res", IN + "res(relu))", "unbalanced ')'", ")", last=True),
    Case("bar-outside-group", IN + "relu | relu", "'|' separates branches", "|"),
    Case("bar-first", IN + "| relu", "'|' separates branches", "|"),
    Case("bar-in-plain-group", IN + "(relu | relu)", "not a plain group", "|"),
    Case("repeat-with-no-count", IN + "relu*", "needs a count", "*"),
    Case("repeat-of-nothing", IN + "*3", "there is none", "*3"),
    # ---- limits, all refused before anything is expanded
    Case("open-paren-100000", IN + "(" * 100_000, "longer than 64 KiB", 0),
    Case("spec-10-MB", IN + "conv3p1x8 " * 1_000_000, "longer than 64 KiB", 0),
    Case("spec-64-KiB-of-bytes", IN + "×" * 33_000, "longer than 64 KiB", 0),
    Case("nesting-33-deep", IN + "(" * 33 + "relu" + ")" * 33, "more than 32 deep", 8 + 32),
    Case("res-nesting-33-deep", IN + "res(" * 33 + "id" + ")" * 33, "more than 32", 8 + 4 * 32),
    Case("repeat-1e9", IN + "(conv3p1x8)*1000000000", "1,000,000,000 layers", "*"),
    Case("repeat-nested-1e6", IN + "((conv3p1x8)*1000)*1000", "1,000,000 layers", "*", last=True),
    Case("repeat-100001", IN + "relu*100001", "limit is 100,000", "*"),
    Case("layers-over-100000-in-sum", IN + "(relu*60000) (relu*60000)", "100,000", "(", last=True),
    Case("layers-over-100000-in-branches", IN + "cat(relu*60000 | relu*60000)", "100,000", "cat("),
    Case("res-branches-count-in-repeat", IN + "res(relu | relu)*50000", "150,000", "*"),
    Case("input-65536-squared-then-up2", "65536x65536x1 up2", "larger than 2³¹−1", 0),
    Case("upsample-over-2-pow-31", "32768x32768x1 up2", "larger than 2³¹−1", "up2"),
    Case("filters-over-2-pow-31-elements", IN + f"conv3x{BIG}", "larger than 2³¹−1", "conv"),
    Case("cat-channels-over-2-pow-31", "1x1x1073741824 cat(id|id)", "2³¹−1", "cat("),
    # params and MACs are bounded at 2⁵⁰−1 (every JSON number exact in JavaScript): the first
    # dense alone has (2³¹−1 + 1)·(2³¹−1) ≈ 2⁶² params; the conv keeps 1,048,578 params but
    # costs (2³¹−1)·1,048,577 ≈ 2⁵¹ MACs
    Case("params-over-2-pow-50", "1x1x2147483647 dense2147483647*1000", "params pass", "dense"),
    Case("macs-over-2-pow-50", "2147483647x1 conv1048577p524288x1", "MACs pass 2⁵⁰−1", "conv"),
    # ---- text that must be echoed safely
    Case("rich-markup-close-tag", IN + "pool[/]", "unexpected '[/]'", "pool"),
    Case("rich-markup-red", IN + "[red]", "'[red]' is not a layer token", "[red]"),
    Case("rich-markup-in-token", IN + "conv[bold]3x8", "'[bold]3x8'", "conv"),
    Case("ansi-escape", IN + "\x1b[31mconv", "\\x1b[31mconv", 8),
    Case("nul-in-spec", IN + "co\x00nv3x8", "co\\x00nv3x8", 8),
    Case("delete-char", IN + "relu\x7f", "\\x7f", 8),
    Case("zero-width-space", IN + "relu\u200b", "\\u200b", 8),
    # ---- structure and shapes
    Case("global-pool-on-vector", IN + "flatten gap", "needs a feature map", "gap"),
    Case("global-pool-twice", IN + "gap gmp", "needs a feature map", "gmp"),
    Case("pool-after-global-pool", IN + "gap pool2", "needs a feature map", "pool2"),
    Case("conv-after-flatten", IN + "flatten conv3x8", "needs a feature map", "conv"),
    Case("conv-after-dense", IN + "dense5 conv3x8", "needs a feature map", "conv"),
    Case("upsample-on-vector", IN + "dense5 up2", "needs a feature map", "up2"),
    Case("zpad-on-vector", IN + "dense5 zpad1", "needs a feature map", "zpad1"),
    Case("res-shape-mismatch", IN + "res(conv3x8)", "res: the body gives 26×26×8", "res("),
    Case("res-branch-mismatch", IN + "res(conv3p1x8 | conv1x4)", "they must match", "res("),
    Case("cat-spatial-mismatch", IN + "cat(conv3x8 | conv1x4)", "all but the channels", "cat("),
    Case("cat-rank-mismatch", IN + "cat(conv3p1x8 | flatten)", "all but the channels", "cat("),
    Case("empty-group", IN + "()", "empty branch", ")"),
    Case("empty-res", IN + "res()", "empty branch", ")"),
    Case("empty-second-branch", IN + "res(relu|)", "empty branch", ")"),
    Case("empty-first-branch", IN + "cat(|relu)", "empty branch", "|"),
    Case("res-three-branches", IN + "res(relu|relu|relu)", "at most 2 branches", "res("),
    Case("cat-one-branch", IN + "cat(relu)", "at least 2 branches", "cat("),
    # ---- PyTorch and Keras names and call syntax: the convcalc token to write instead
    Case("torch-globalavgpool", IN + "globalavgpool", "write gap", "globalavgpool"),
    Case("torch-AdaptiveAvgPool2d", IN + "AdaptiveAvgPool2d", "write apool", "Adaptive"),
    Case("torch-call-AdaptiveAvgPool2d", IN + "AdaptiveAvgPool2d((7, 7))", "write apool7", 8),
    Case("torch-batchnorm", IN + "batchnorm", "write bn", "batchnorm"),
    Case("torch-BatchNorm2d", IN + "BatchNorm2d", "write bn", "BatchNorm2d"),
    Case("torch-Conv2d", IN + "Conv2d", "write conv, e.g. conv3x32", "Conv2d"),
    Case("torch-MaxPool2d", IN + "MaxPool2d", "write maxpool", "MaxPool2d"),
    Case("torch-Linear", IN + "Linear", "takes one number, the units", "Linear"),
    Case("keras-GlobalAveragePooling2D", IN + "GlobalAveragePooling2D", "write gap", 8),
    # Conv2d(in 3, out 32, kernel 3) → kernel 3, 32 filters
    Case("torch-call-Conv2d", IN + "Conv2d(3,32,3)", "write conv3x32", "Conv2d"),
    Case("torch-call-dropout", IN + "dropout(0.5)", "write dropout0.5", "dropout"),
    Case("torch-call-ReLU", IN + "ReLU()", "write relu", "ReLU"),
    Case("torch-call-Linear", IN + "Linear(512, 10)", "write dense10", "Linear"),
    # MaxPool2d(kernel 3, stride 2, padding 1)
    Case("torch-call-MaxPool2d", IN + "MaxPool2d(3, 2, 1)", "write maxpool3s2p1", "MaxPool2d"),
    Case(
        "torch-call-keywords",
        IN + "nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)",
        "write conv7s2p3nbx64",
        "nn.Conv2d",
    ),
    # Keras puts the filters first: Conv2D(filters 32, kernel 3)
    Case(
        "keras-call-Conv2D", IN + "Conv2D(32, 3, strides=2, padding='same')", "conv3s2psamex32", 8
    ),
    Case("keras-call-Dense", IN + "Dense(10)", "write dense10", "Dense"),
    Case("keras-call-Flatten", IN + "Flatten()", "write flatten", "Flatten"),
]

UNBOUNDED = [
    c
    for c in CASES
    if c.id
    in {
        "open-paren-100000",
        "spec-10-MB",
        "repeat-1e9",
        "repeat-nested-1e6",
        "repeat-100001",
        "layers-over-100000-in-sum",
        "layers-over-100000-in-branches",
        "res-branches-count-in-repeat",
        "nesting-33-deep",
        "input-5000-nines",
        "conv-filters-5000-nines",
    }
]

SUBPROCESS = ["empty-spec", "misspelt-conv", "ansi-escape", "repeat-1e9", "cat-one-branch"]

runner = CliRunner()


def escaped(text: str) -> str:
    """What the contract asks of echoed text: control characters as \\x1b-style escapes."""
    return "".join(
        c if c.isprintable() else (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")
        for c in text
    )


def _invoke(args: list[str]):
    return runner.invoke(app, args, catch_exceptions=False)


def _caret_column(caret_line: str) -> int:
    assert "^" in caret_line, f"no caret in {caret_line!r}"
    return caret_line.index("^")


def check_text_error(case: Case, stdout: str, stderr: str, code: int) -> None:
    assert code == case.code, stderr
    assert stdout == ""
    assert "Traceback" not in stderr
    lines = stderr.rstrip("\n").split("\n")
    assert len(lines) == 3, f"want message, spec, caret: {lines!r}"
    head, shown, carets = lines
    assert head.startswith("convcalc: error: ")
    assert case.message in head
    assert shown.startswith("  ") and carets.startswith("  ")
    assert "\x1b" not in stderr and "\x00" not in stderr
    column = _caret_column(carets)
    pos = case.position
    if len(case.spec) <= WINDOW:
        assert shown == "  " + escaped(case.spec)  # the whole spec, indented by 2
        assert column == 2 + pos, f"caret at {column}, token at offset {pos}"
    else:  # windowed: the caret still sits under the token's first character
        assert shown[column] == case.spec[pos]


def test_the_table_is_big_and_ids_are_unique():
    assert len(CASES) >= 80
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case):
    result = _invoke(["--", case.spec])
    check_text_error(case, result.stdout, result.stderr, result.exit_code)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_json(case: Case):
    """Under --json the same error is one JSON object on stderr, stdout stays empty."""
    result = _invoke(["--json", "--", case.spec])
    assert result.exit_code == case.code
    assert result.stdout == ""
    error = json.loads(result.stderr)["error"]
    assert set(error) == {"message", "token", "position"}
    assert case.message in escaped(error["message"])
    assert error["position"] == case.position
    if error["token"]:
        assert case.spec[error["position"] :].startswith(error["token"])


@pytest.mark.parametrize("case", UNBOUNDED, ids=[c.id for c in UNBOUNDED])
def test_unbounded_input_is_refused_at_once(case: Case):
    start = time.perf_counter()
    with pytest.raises(convcalc.ConvcalcError) as info:
        convcalc.analyze(case.spec)
    elapsed = time.perf_counter() - start
    assert case.message in info.value.message
    assert info.value.position == case.position
    assert elapsed < 2.0, f"{elapsed:.2f} s: limits must be checked before expanding"


def test_errors_are_value_errors_with_structure():
    with pytest.raises(ValueError) as info:
        convcalc.analyze("28x28x1 cnov3x8")
    err = info.value
    assert isinstance(err, convcalc.SpecSyntaxError)
    assert (err.token, err.position) == ("cnov3x8", 8)
    assert err.to_dict() == {"message": err.message, "token": "cnov3x8", "position": 8}


def test_echoed_markup_is_printed_literally():
    result = _invoke(["28x28x1 [red]x[/red] [bold]"])
    assert result.exit_code == 1
    assert "[red]x[/red]" in result.stderr


@pytest.mark.parametrize("args", [["--frobnicate", "28x28x1 relu"], ["--dtype", "int3", "28x28x1"]])
def test_usage_errors_exit_2(args: list[str]):
    result = _invoke(args)
    assert result.exit_code == 2
    assert result.stdout == ""


@pytest.mark.parametrize("name", SUBPROCESS)
def test_bad_input_in_a_real_process(name: str):
    case = next(c for c in CASES if c.id == name)
    proc = subprocess.run(
        [sys.executable, "-m", "convcalc", "--", case.spec],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    check_text_error(case, proc.stdout, proc.stderr, proc.returncode)


# --------------------------------------------------------------------------------------------
# Bad numbers for the value commands (convcalc conv, convcalc eval): one line naming the fault,
# then (for a matrix) the matrix text with a caret under the cell; exit 1; nothing on stdout.


@dataclass(frozen=True)
class ValueCase:
    id: str
    args: tuple[str, ...]
    message: str  # a substring of the error line
    caret: str | None = None  # the matrix text shown, if the error points into one
    at: int = 0  # the caret's offset in that text


VQ = "0 0 10 0 0; 0 0 10 0 0; 0 0 10 0 0; 0 0 10 0 0; 0 0 10 0 0"

VALUE_CASES = [
    ValueCase("conv-ragged-rows", ("conv", "1 2 3; 4 5", "box"), "ragged rows", "1 2 3; 4 5", 7),
    ValueCase(
        "conv-not-a-number", ("conv", "1 2; 3 x", "box"), "'x' is not a number", "1 2; 3 x", 7
    ),
    ValueCase(
        "conv-exponent", ("conv", "1 2; 3 1e3", "[[1]]"), "'1e3' is not a number", "1 2; 3 1e3", 7
    ),
    ValueCase("conv-divide-by-zero", ("conv", "1 2; 3 4", "1/0"), "divides by zero", "1/0", 0),
    ValueCase("conv-empty-matrix", ("conv", " ; ", "box"), "empty matrix"),
    ValueCase("conv-empty-plane", ("conv", "1 2 | ", "[[1]]"), "plane 2 is empty", "1 2 | ", 4),
    ValueCase(
        "conv-planes-differ",
        ("conv", "1 2; 3 4 | 5 6", "[[1]]"),
        "plane 2 has 1 rows",
        "1 2; 3 4 | 5 6",
        9,
    ),
    ValueCase("conv-json-ragged", ("conv", "[[1, 2], [3]]", "box"), "ragged rows"),
    ValueCase("conv-json-empty", ("conv", "[]", "box"), "empty list"),
    ValueCase(
        "conv-json-bad", ("conv", "[[1, 2], [3, 4]", "box"), "bad JSON", "[[1, 2], [3, 4]", 15
    ),
    ValueCase(
        "conv-json-not-number", ("conv", '[[1, "a"]]', "[[1]]"), "[0][1]: 'a' is not a number"
    ),
    ValueCase("conv-json-bool", ("conv", "[[1, true]]", "[[1]]"), "true is not a number"),
    ValueCase(
        "conv-kernel-too-large",
        ("conv", "1 2; 3 4", "box"),
        "larger than the padded input (2 + 2·0 = 2)",
    ),
    ValueCase(
        "conv-dilated-kernel-too-large",
        ("conv", VQ, "box", "-d", "3"),
        "dilated kernel (7) is larger than the padded input (5",
    ),
    ValueCase(
        "conv-channels-differ",
        ("conv", "1 2; 3 4 | 5 6; 7 8", "[[[1]], [[1]], [[1]]]"),
        "kernel 1×3×1×1",
    ),
    ValueCase(
        "conv-kernel-rank", ("conv", VQ, "1 2 3"), "shape 3 does not fit a rank-2 input 1×5×5"
    ),
    ValueCase(
        "conv-bias-length",
        ("conv", VQ, "[[[[1]]], [[[2]]]]", "-b", "1 2 3"),
        "bias: 3 values for 2 filters",
    ),
    ValueCase(
        "conv-bias-not-number", ("conv", VQ, "box", "-b", "one"), "'one' is not a number", "one", 0
    ),
    ValueCase(
        "conv-missing-file",
        ("conv", "@/nonexistent/m.txt", "box"),
        "cannot read '/nonexistent/m.txt'",
    ),
    # 300×300 input, a 1×15 kernel, padding 7: output (300 + 14 − 1 + 1)×(300 + 14 − 15 + 1)
    # = 314×300, each cell 15 products: 314·300·15 = 1,413,000 > 10⁶
    ValueCase(
        "conv-explain-limit",
        (
            "conv",
            "[" + ",".join(["[" + ",".join(["1"] * 300) + "]"] * 300) + "]",
            "[[" + ",".join(["1"] * 15) + "]]",
            "-e",
            "-p",
            "7",
        ),
        "--explain would write out 1,413,000 multiply-adds",
    ),
    ValueCase(
        "conv-number-too-long",
        ("conv", "1" * 41, "[[1]]"),
        "longer than 40 characters",
        "1" * 41,
        0,
    ),
]


def _value_app(name: str):
    from convcalc.cli import subcommand

    return subcommand(name)


@pytest.mark.parametrize("case", VALUE_CASES, ids=[c.id for c in VALUE_CASES])
def test_bad_numbers(case: ValueCase):
    check_bad_numbers(case)


@pytest.mark.parametrize("case", VALUE_CASES, ids=[c.id for c in VALUE_CASES])
def test_bad_numbers_json(case: ValueCase):
    check_bad_numbers_json(case)


def check_bad_numbers(case: ValueCase):
    result = runner.invoke(_value_app(case.args[0]), list(case.args[1:]), catch_exceptions=False)
    assert result.exit_code == 1, result.stderr
    assert result.stdout == ""
    lines = result.stderr.rstrip("\n").split("\n")
    assert lines[0].startswith("convcalc: error: ") and case.message in lines[0], lines[0]
    assert "Traceback" not in result.stderr
    if case.caret is None:
        assert len(lines) == 1, lines
    else:
        assert lines[1] == "  " + case.caret
        assert _caret_column(lines[2]) == 2 + case.at


def check_bad_numbers_json(case: ValueCase):
    """Under --json the same error is one JSON object on stderr, stdout stays empty."""
    result = runner.invoke(
        _value_app(case.args[0]), [*case.args[1:], "--json"], catch_exceptions=False
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    error = json.loads(result.stderr)["error"]
    assert case.message in error["message"]
    if case.caret is not None:
        assert error["position"] == case.at


# convcalc eval: spec errors keep their caret under the token; numbers that do not fit a layer
# point at that layer's token in the spec; matrix errors at the cell.  (ValueCase.caret is the
# text shown above the caret: the spec, or the matrix.)
ES = "3x3x1 conv2x1 gap"
EX = "1 2 3; 4 5 6; 7 8 9"

EVAL_CASES = [
    ValueCase(
        "eval-unsupported-layer",
        ("eval", "3x3x1 conv2x1 bn gap", "--random"),
        "no value rule for bn",
        "3x3x1 conv2x1 bn gap",
        14,
    ),
    ValueCase(
        "eval-misspelt-layer",
        ("eval", "3x3x1 cnv2x1", "--random"),
        "unknown layer 'cnv2x1'",
        "3x3x1 cnv2x1",
        6,
    ),
    ValueCase(
        "eval-kernel-larger-than-input",
        ("eval", "3x3x1 conv4x1", "--random"),
        "larger than the padded input (3)",
        "3x3x1 conv4x1",
        6,
    ),
    ValueCase("eval-no-input", ("eval", ES), "give the input: --input M, or --random"),
    ValueCase(
        "eval-input-shape",
        ("eval", ES, "--input", "1 2; 3 4", "--random"),
        "--input: shape 2×2 does not match the spec's input 3×3×1",
    ),
    ValueCase(
        "eval-input-channels", ("eval", "3x3x2 gap", "--input", EX), "give [C][H][W] = 2×3×3"
    ),
    ValueCase(
        "eval-input-ragged",
        ("eval", ES, "--input", "1 2 3; 4 5", "--random"),
        "input: ragged rows",
        "1 2 3; 4 5",
        7,
    ),
    ValueCase(
        "eval-missing-weight",
        ("eval", ES, "--input", EX),
        "layer 1 conv2x1 needs --weight 1=… ([F][C/groups][kh][kw] = 1×1×2×2)",
        ES,
        6,
    ),
    ValueCase(
        "eval-weight-shape",
        ("eval", ES, "--random", "--weight", "1=box"),
        "--weight 1: shape 3×3 does not match layer 1 conv2x1: its weight is "
        "[F][C/groups][kh][kw] = 1×1×2×2",
        ES,
        6,
    ),
    ValueCase(
        "eval-dense-weight-shape",
        ("eval", "1x2x1 flatten dense2", "--random", "--weight", "2=1 2 3"),
        "its weight is [out][in] = 2×2",
        "1x2x1 flatten dense2",
        14,
    ),
    ValueCase(
        "eval-weight-ragged",
        ("eval", ES, "--random", "--weight", "1=1 2; 3"),
        "--weight 1: ragged rows",
        "1 2; 3",
        5,
    ),
    ValueCase(
        "eval-bias-length",
        ("eval", ES, "--random", "--bias", "1=1 2"),
        "--bias 1: shape 2 does not match layer 1 conv2x1: its bias is [F] = 1",
        ES,
        6,
    ),
    ValueCase(
        "eval-weight-on-relu",
        ("eval", "3x3x1 relu", "--random", "--weight", "1=1"),
        "layer 1 relu has no weights",
        "3x3x1 relu",
        6,
    ),
    ValueCase(
        "eval-bias-on-nb",
        ("eval", "3x3x1 conv1nbx1", "--random", "--bias", "1=1"),
        "has no bias (nb)",
        "3x3x1 conv1nbx1",
        6,
    ),
    ValueCase(
        "eval-weight-no-such-layer",
        ("eval", ES, "--random", "--weight", "5=1"),
        "--weight 5: there is no layer 5 with a weight",
    ),
    ValueCase(
        "eval-weight-bad-path",
        ("eval", ES, "--random", "--weight", "x=1"),
        "write N=MATRIX with N a layer number",
    ),
    ValueCase(
        "eval-weight-twice",
        ("eval", ES, "--random", "-w", "1=1 1; 1 1", "-w", "1=box"),
        "--weight 1 is given twice",
    ),
    ValueCase(
        "eval-loss-output-not-scalar",
        ("eval", "3x3x1 conv2x1", "--random", "--grad"),
        "--loss output needs a network that ends in one number; it ends in 1×2×2 values",
    ),
    ValueCase(
        "eval-loss-unknown",
        ("eval", ES, "--random", "--grad", "--loss", "hinge"),
        "--loss 'hinge': give one of output, sum, mean, mse:TARGET, ce:CLASS",
    ),
    ValueCase(
        "eval-loss-ce-class",
        ("eval", ES + " dense2", "--random", "--grad", "--loss", "ce:3"),
        "CLASS is 0 to 1 for 2 scores, got '3'",
    ),
    ValueCase(
        "eval-loss-ce-on-map",
        ("eval", "3x3x1 conv2x1", "--random", "--grad", "--loss", "ce:0"),
        "--loss ce needs a vector of class scores; the output is 1×2×2",
    ),
    ValueCase(
        "eval-loss-mse-shape",
        ("eval", "3x3x1 conv2x1", "--random", "--grad", "--loss", "mse:1 2 3"),
        "the target's shape 3 does not match the output's 1×2×2",
    ),
    ValueCase(
        "eval-loss-mse-bad-number",
        ("eval", ES, "--random", "--grad", "--loss", "mse:1 z"),
        "loss target: 'z' is not a number",
        "1 z",
        2,
    ),
    # 20×20 input, conv5x16: 16·16·16·25 = 102,400 multiply-adds, ×3 with --explain (forward
    # and the two backward sums) = 307,200; a second conv5x16 adds 12·12·16·25·16 = 921,600,
    # ×3 = 2,764,800: over 10⁶ at layer 2, refused before layer 2 runs
    ValueCase(
        "eval-explain-limit",
        ("eval", "20x20x1 conv5x16 conv5x16", "--random", "-e"),
        "--explain would write out more than 1,000,000 multiply-adds (at layer 2 conv5x16)",
        "20x20x1 conv5x16 conv5x16",
        17,
    ),
    ValueCase(
        "eval-compute-limit",
        ("eval", "200x200x3 conv3x64 conv3x64", "--random"),
        "the run needs more than 10,000,000 multiply-adds (at layer 1 conv3x64)",
        "200x200x3 conv3x64 conv3x64",
        10,
    ),
]


@pytest.mark.parametrize("case", EVAL_CASES, ids=[c.id for c in EVAL_CASES])
def test_bad_numbers_eval(case: ValueCase):
    check_bad_numbers(case)


@pytest.mark.parametrize("case", EVAL_CASES, ids=[c.id for c in EVAL_CASES])
def test_bad_numbers_eval_json(case: ValueCase):
    check_bad_numbers_json(case)


# every message that quotes the user clips the quote (errors.clip): a 60,000-character token
# never comes back whole, whichever rule refuses it
LONG = 20_000
LONG_TOKENS = [
    IN + "conv3" + "s1" * LONG,  # an option given twice
    IN + "☃" * LONG,  # an unknown non-ASCII token
    IN + "é" + "a" * LONG,  # an unknown token that starts with a letter outside ASCII
    "28x28x1" + "x" * LONG + "1 relu",  # a bad input shape
    "a" * LONG + " relu",  # no input shape
    "28x28" + "x1" * LONG + " relu",  # too many spatial dims
    IN + "0" * LONG + "1x1",  # a second input shape
    IN + "relu*" + "0" * LONG + "200000",  # a repeat over the limit
    IN + "relu *" + "0" * LONG,  # a repeat of 0
    IN + "dense1x" + "1" * LONG,  # a number over 2³¹−1
    IN + "relu " + "c" * LONG + "(relu)",  # an unknown group name
    IN + "pool2" + "x" + "2" * 5 + "q" * LONG,  # unexpected text after the options
]


@pytest.mark.parametrize("spec", LONG_TOKENS, ids=range(len(LONG_TOKENS)))
def test_a_long_token_is_clipped_in_every_message(spec: str):
    with pytest.raises(convcalc.ConvcalcError) as info:
        convcalc.analyze(spec)
    assert len(info.value.message) < 300, info.value.message[:300]
    result = _invoke(["--", spec])
    assert result.exit_code == 1
    assert all(len(line) < 400 for line in result.stderr.splitlines())


def test_a_long_dtype_or_model_name_is_clipped():
    with pytest.raises(convcalc.ConvcalcError) as info:
        convcalc.analyze(IN + "relu", dtype="f" * LONG)
    assert len(info.value.message) < 300
    from convcalc import zoo

    with pytest.raises(convcalc.ConvcalcError) as info:
        zoo.get("x" * LONG)
    assert len(info.value.message) < 1000


def test_every_suggested_token_is_valid():
    """The token a call-syntax message suggests is itself a valid spec on the same input."""
    import re

    for case in CASES:
        if case.id.startswith(("torch-call", "keras-call")):
            with pytest.raises(convcalc.SpecSyntaxError) as info:
                convcalc.analyze(case.spec)
            token = re.search(r"write (\S+)$", info.value.message).group(1)
            convcalc.analyze(IN + token)


def test_a_relu_before_a_plain_group_is_still_a_relu():
    # call syntax needs literal arguments: relu(id) is a relu and a group, as before
    assert [layer.kind for layer in convcalc.analyze(IN + "relu(id)").layers] == ["relu", "id"]
