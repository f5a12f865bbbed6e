"""``convcalc emit``: the CLI, hostile input, lint-clean output, refusals (no framework needed).

The emitted code is executed against PyTorch and Keras in test_emit_torch.py and
test_emit_keras.py; here it is only read, compiled and linted.
"""

from __future__ import annotations

import ast

import pytest
from emit_check import ruff
from hypothesis import given, settings
from hypothesis import strategies as st
from test_torch_oracle import specs
from typer.testing import CliRunner

from convcalc import zoo
from convcalc.cli import subcommand
from convcalc.emit import EmitError
from convcalc.emit import keras as emit_keras
from convcalc.emit import torch as emit_torch
from convcalc.errors import ConvcalcError

runner = CliRunner()
SPEC = "28x28x1 conv3x3s2p1x32 pool2 dense5"
EMITTERS = {"torch": emit_torch.emit, "keras": emit_keras.emit}


def cli(*args: str):
    return runner.invoke(subcommand("emit"), list(args))


# --------------------------------------------------------------------------------------------
# the command


@pytest.mark.parametrize("framework", sorted(EMITTERS))
def test_cli_prints_the_module(framework):
    done = cli(framework, SPEC)
    assert done.exit_code == 0, done.output
    assert done.stdout == EMITTERS[framework](SPEC)
    compile(done.stdout, "<emitted>", "exec")


def test_cli_spec_may_be_several_arguments():
    assert cli("torch", *SPEC.split()).stdout == cli("torch", SPEC).stdout


@pytest.mark.parametrize("framework", sorted(EMITTERS))
def test_cli_writes_a_file(tmp_path, framework):
    target = tmp_path / "net.py"
    done = cli(framework, SPEC, "-o", str(target))
    assert done.exit_code == 0 and done.stdout == ""
    assert target.read_text() == EMITTERS[framework](SPEC)


def test_cli_unwritable_output_is_exit_74(tmp_path):
    done = cli("torch", SPEC, "-o", str(tmp_path / "missing" / "net.py"))
    assert done.exit_code == 74
    assert done.stderr.startswith("convcalc: cannot write") and done.stderr.count("\n") == 1


def test_cli_zoo_model():
    done = cli("torch", "-m", "ResNet-18")
    assert done.exit_code == 0
    assert "ResNet-18" in done.stdout
    assert done.stdout.count("Residual(") == 9  # the class, and 8 basic blocks


@pytest.mark.parametrize(
    ("framework", "args", "want"),
    [
        ("torch", ("--input", "64x64x3"), "torch.zeros(1, 3, 64, 64)"),
        ("torch", ("--input", "3x96x64", "--channels-first"), "torch.zeros(1, 3, 96, 64)"),
        ("keras", ("--input", "64x96x3"), "keras.Input(shape=(64, 96, 3)"),
    ],
)
def test_cli_zoo_model_at_another_input(framework, args, want):
    """--input emits the zoo model at another input: the spec line and the module say so."""
    done = cli(framework, "-m", "resnet18", *args)
    assert done.exit_code == 0, done.output
    assert want in done.stdout
    shape = args[1]
    comments = " ".join(line[2:] for line in done.stdout.splitlines() if line.startswith("# "))
    assert f"spec: {shape} conv7s2p3x64nb" in comments and f"at input {shape}" in comments


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        # AlexNet at 32×32: the third max pool meets a 1×1 map (⌊(1 − 3)/2⌋ + 1 = 0)
        (("-m", "alexnet", "--input", "32x32x3"), 1, "maxpool on 1×1×256"),
        (("-m", "alexnet", "--input", "32x32"), 1, "alexnet takes 2"),
        (("-m", "alexnet", "--input", "32x32x3x"), 1, "bad input shape '32x32x3x'"),
        ((SPEC, "--input", "32x32x3"), 2, "--input goes with --model"),
    ],
)
def test_cli_bad_input_shape(args, code, message):
    done = cli("keras", *args)
    assert done.exit_code == code
    assert done.stdout == "" and message in done.stderr and "Traceback" not in done.stderr


def test_cli_bad_spec_names_the_token_with_a_caret():
    done = cli("torch", "28x28x1 conv3x3x8 dnse5")
    assert done.exit_code == 1
    assert done.stdout == ""
    first, spec, caret = done.stderr.splitlines()
    assert first == "convcalc: error: unknown layer 'dnse5' (did you mean 'dense'?)"
    assert caret.index("^") == spec.index("dnse5") and caret.count("^") == 5


@pytest.mark.parametrize(
    "args",
    [
        ("torch",),
        ("torch", SPEC, "-m", "lenet5"),
        ("tensorflow", SPEC),
        ("keras", SPEC, "--class-name", "Model"),
    ],
)
def test_cli_usage_errors_are_exit_2(args):
    assert cli(*args).exit_code == 2


def test_cli_unknown_zoo_model():
    done = cli("torch", "-m", "resnet19")
    assert done.exit_code == 1 and "did you mean" in done.stderr


# --------------------------------------------------------------------------------------------
# names and user text in the generated code


@pytest.mark.parametrize(
    "name",
    [
        "",
        "1Net",
        "Net-2",
        "my net",
        "class",
        "match",
        "Nét",
        'A"""',
        "Net:\n    pass",
        "torch",
        "nn",
        "F",
        "Residual",
        "model",
    ],
)
def test_class_name_must_be_a_fresh_identifier(name):
    with pytest.raises(EmitError, match="class name"):
        emit_torch.emit(SPEC, class_name=name)
    done = cli("torch", SPEC, "--class-name", name)
    assert done.exit_code == 1 and done.stderr.count("\n") == 1


def test_class_name_is_used():
    code = emit_torch.emit(SPEC, class_name="LeNetLike")
    assert "class LeNetLike(nn.Module):" in code and "model = LeNetLike().eval()" in code


HOSTILE_GAPS = [
    "\n",
    "\r",
    "\r\n",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1d",
    "\x1e",
    "\x85",
    "\u2028",
    "\u2029",
    " \t ",
]


@pytest.mark.parametrize("gap", HOSTILE_GAPS, ids=[repr(g) for g in HOSTILE_GAPS])
@pytest.mark.parametrize("framework", sorted(EMITTERS))
def test_line_breaks_in_the_spec_stay_inside_comments(framework, gap):
    """Every character that some tool reads as a line end, inside the spec and inside a res(…)
    token (which comments quote): the code is the same as for the plain spec."""
    plain = "28x28x1 res(conv3p1x1 relu) pool2 dense5"
    hostile = plain.replace(" ", gap)
    code = EMITTERS[framework](hostile)
    assert ast.dump(ast.parse(code)) == ast.dump(ast.parse(EMITTERS[framework](plain)))
    for line in code.splitlines():  # no line the tokenizer would see but str.splitlines hides
        assert all(ch.isprintable() for ch in line)


@pytest.mark.parametrize("framework", sorted(EMITTERS))
def test_title_cannot_break_out(framework):
    title = 'x"""\nimport os; os.system("boom")\r\u2028# """ \\'
    code = EMITTERS[framework](SPEC, title=title)
    tree = ast.parse(code)
    assert ast.dump(tree) == ast.dump(ast.parse(EMITTERS[framework](SPEC)))


def test_long_token_comments_fit_the_line():
    inner = " ".join(["conv3p1x1"] * 30)
    code = emit_torch.emit(f"8x8x1 res(res(res({inner})))")
    assert max(len(line) for line in code.splitlines()) <= 88


# --------------------------------------------------------------------------------------------
# lint: ruff's defaults and this project's rules


def test_zoo_and_random_modules_are_ruff_clean(tmp_path):
    folder = tmp_path / "emitted"
    folder.mkdir()
    for model in zoo.models():
        for framework, emit in EMITTERS.items():
            (folder / f"{framework}_{model.name}.py").write_text(
                emit(model.spec, title=model.title)
            )

    count = [0]

    @settings(max_examples=120, database=None)
    @given(spec=st.one_of(specs(), specs(vocab2=True)))
    def write(spec):
        for framework, emit in EMITTERS.items():
            try:
                code = emit(spec.text, channels_first=spec.channels_first)
            except EmitError:
                continue
            count[0] += 1
            (folder / f"{framework}_random_{count[0]}.py").write_text(code)

    write()
    assert count[0] >= 120
    assert ruff(folder, isolated=True) == []
    assert ruff(folder, isolated=False) == []


# --------------------------------------------------------------------------------------------
# refusals


@pytest.mark.parametrize("framework", sorted(EMITTERS))
def test_a_kind_without_a_rule_is_refused_naming_its_token(monkeypatch, framework):
    module = {"torch": emit_torch, "keras": emit_keras}[framework]
    monkeypatch.delitem(module.RULES, "bn")
    spec = "28x28x1 conv3x8 cat(id | conv1x8 BN) relu"
    with pytest.raises(EmitError) as info:
        module.emit(spec)
    err = info.value
    assert err.token == "BN" and err.position == spec.index("BN")
    assert "no rule for the layer kind 'bn'" in err.message and "\n" not in err.message


def test_refusal_is_a_convcalc_error():
    assert issubclass(EmitError, ConvcalcError)
