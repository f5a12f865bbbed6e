"""The command line, table-driven through typer's CliRunner, plus a few real subprocesses."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import convcalc
from convcalc.cli import app
from convcalc.engine import Report
from convcalc.render import TableSink

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = "28x28x1 conv3x3s2p1x32 pool2 dense5"
runner = CliRunner()


def invoke(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input, env={"NO_COLOR": "1"})


EXIT_CODES = [
    # (args, stdin, exit code)
    ([EXAMPLE], None, 0),
    (["28x28x1", "conv3x32"], None, 0),  # several arguments are joined
    ([EXAMPLE, "--json"], None, 0),
    (["--jsonl", EXAMPLE], None, 0),
    (["-f", "json", EXAMPLE], None, 0),
    (["28x28x1 cnv3x3x32"], None, 1),
    (["5x5x1 conv7x7x8"], None, 1),
    (["--json", "5x5x1 conv7x7x8"], None, 1),
    ([EXAMPLE, "--format", "nope"], None, 2),
    ([EXAMPLE, "--dtype", "float13"], None, 2),
    ([EXAMPLE, "--no-such-option"], None, 2),
    ([EXAMPLE, "--json", "--jsonl"], None, 2),
    (["--format", "jsonl", "--json", EXAMPLE], None, 2),
    ([EXAMPLE, "--depth", "0"], None, 2),
    ([], "28x28x1 conv3x32\n", 0),
    (["-"], "28x28x1 conv3x32\n", 0),
    ([], "28x28x1 conv3x32\nbad\n28x28x1 relu\n", 1),
    (["--version"], None, 0),
    (["--schema"], None, 0),
]


@pytest.mark.parametrize("args,stdin,code", EXIT_CODES, ids=[" ".join(a) for a, _, _ in EXIT_CODES])
def test_exit_codes(args: list[str], stdin: str | None, code: int) -> None:
    result = invoke(*args, input=stdin)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output


def test_table_is_clean_when_piped() -> None:
    result = invoke(EXAMPLE)
    out = result.stdout
    assert "\x1b[" not in out
    assert "…" not in out  # no truncated cells even though the runner is not a terminal
    assert all(line == line.rstrip() for line in out.splitlines())
    for fragment in ("conv3x3s2p1x32", "14×14×32", "56,448", "7×7×32", "7,845", "8,165"):
        assert fragment in out
    assert re.search(r"Total params: 8,165", out)
    assert re.search(r"Non-trainable params: 0", out)
    assert "Total MACs: 64,288 (64.29 K)" in out
    assert "FLOPs: 128,576 (128.58 K)" in out
    assert "Params size (float32): 31.89 KiB" in out  # 8,165·4 = 32,660 B


def test_table_at_fixed_width() -> None:
    """Rendered into an 80-column StringIO console, as rich's own table tests do."""
    buf = io.StringIO()
    sink = TableSink(buf, io.StringIO(), batch=False, width=80)
    sink.report(convcalc.analyze(EXAMPLE), None)
    lines = buf.getvalue().splitlines()
    assert all(len(line) <= 80 for line in lines)
    header = lines[0].split()
    assert header[:5] == ["#", "Layer", "Output", "shape", "Params"]
    row = next(line for line in lines if "pool2" in line).split()
    assert row == ["2", "pool2", "7×7×32", "0", "0"]


def test_tree_rows_and_depth() -> None:
    spec = "56x56x64 res(conv3x3p1x64 relu | id) relu"
    full = invoke(spec).stdout
    assert "├─ conv3x3p1x64" in full and "└─ id" in full
    assert re.search(r"^1\.1\.1\s", full, re.M)
    folded = invoke(spec, "--depth", "1").stdout
    assert "conv3x3p1x64" not in folded and "res (2 branches)" in folded


def test_json_matches_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(invoke("--schema").stdout)
    for spec in (EXAMPLE, "56x56x64 res(conv3x3p1x64 bn | id) cat(id | pool3s1p1) gap fc10"):
        data = json.loads(invoke(spec, "--json").stdout)
        jsonschema.validate(data, schema)
        assert Report.model_validate(data).model_dump() == convcalc.analyze(spec).model_dump()


def test_json_error_goes_to_stderr_as_json() -> None:
    result = invoke("--json", "28x28x1 cnv3x3x32")
    assert result.stdout == ""
    err = json.loads(result.stderr)
    assert err["error"]["token"] == "cnv3x3x32"
    assert err["error"]["position"] == 8
    assert "did you mean 'conv'" in err["error"]["message"]


def test_error_caret_stands_under_the_token() -> None:
    result = invoke("28x28x1 conv3x32 cnv3x3x32 pool2")
    assert result.exit_code == 1 and result.stdout == ""
    first, shown, carets = result.stderr.splitlines()
    assert first.startswith("convcalc: error: unknown layer 'cnv3x3x32'")
    assert shown == "  28x28x1 conv3x32 cnv3x3x32 pool2"
    assert carets == "  " + " " * 17 + "^" * 9


def test_jsonl_batch_keeps_lines_aligned() -> None:
    stdin = "# comment\n28x28x1 conv3x32\n\n28x28x1 cnv3\n10x10x3 gap\n"
    result = invoke("--jsonl", input=stdin)
    assert result.exit_code == 1
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [x.get("line") for x in lines] == [None, 4, None]
    assert lines[0]["totals"]["output_shape"] == [26, 26, 32]
    assert lines[1]["error"]["token"] == "cnv3" and lines[1]["spec"] == "28x28x1 cnv3"
    assert lines[2]["totals"]["output_shape"] == [3]
    assert "line 4" in result.stderr


def test_json_batch_is_an_array() -> None:
    result = invoke("--json", input="28x28x1 relu\n8x8x2 gap\n")
    data = json.loads(result.stdout)
    assert [d["totals"]["output_shape"] for d in data] == [[28, 28, 1], [2]]


def test_version() -> None:
    assert invoke("--version").stdout.strip() == f"convcalc {convcalc.__version__}"


def _help_options(text: str) -> set[str]:
    return set(re.findall(r"(--[a-z][a-z-]+)", text))


def test_every_option_is_in_help_and_readme() -> None:
    """Every option of the command appears in --help and in the README."""
    import typer.main

    command = typer.main.get_command(app)
    names = {
        opt
        for param in command.params
        for opt in param.opts
        if opt.startswith("--") and opt not in ("--install-completion", "--show-completion")
    }
    help_text = invoke("--help").stdout
    readme = (ROOT / "README.md").read_text()
    assert names <= _help_options(help_text)
    missing = sorted(n for n in names if n not in readme)
    assert not missing, f"options missing from the README: {missing}"


def test_completions_are_current() -> None:
    script = ROOT / "completions" / "generate.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_python_m_convcalc_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "convcalc", EXAMPLE, "--jsonl"], capture_output=True, text=True
    )
    assert done.returncode == 0
    assert json.loads(done.stdout)["totals"]["params"] == 8165


def test_internal_error_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from convcalc import cli
    from convcalc.cli import main

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(main, "analyze_stream", boom)
    with pytest.raises(SystemExit) as info:
        cli.run([EXAMPLE])
    assert info.value.code == 70
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error" in err and "Traceback" not in err


# published torchvision figures (params = PyTorch's sum(p.numel()), GMACs to 3 decimals)
PUBLISHED = {"resnet18": (11_689_512, 1.814), "vgg16": (138_357_544, 15.470)}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_model_option_reproduces_published_figures(name: str) -> None:
    data = json.loads(invoke("--model", name, "--json").stdout)
    params, gmacs = PUBLISHED[name]
    assert data["totals"]["trainable_params"] == params
    assert round(data["totals"]["macs"] / 1e9, 3) == gmacs


def test_zoo_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    from convcalc.cli import run

    with pytest.raises(SystemExit) as info:
        run(["zoo", "--json"])
    assert info.value.code == 0
    entries = {e["name"]: e for e in json.loads(capsys.readouterr().out)}
    assert entries["resnet18"]["trainable_params"] == PUBLISHED["resnet18"][0]
    with pytest.raises(SystemExit) as info:
        run(["zoo", "resnt18"])
    assert info.value.code == 1
    assert "did you mean 'resnet18'" in capsys.readouterr().err


def test_model_and_spec_together_is_a_usage_error() -> None:
    assert invoke("--model", "resnet18", EXAMPLE).exit_code == 2


def test_model_channels_first_rotates_the_input() -> None:
    data = json.loads(invoke("--model", "alexnet", "--channels-first", "--json").stdout)
    assert data["input_shape"] == [3, 224, 224]
    assert data["layers"][0]["output_shape"] == [64, 55, 55]


# --------------------------------------------------------------------------------------------
# completion, usage errors in convcalc's words, help layout (issue 9: items 10, 19, 20)

COMPLETIONS = [
    # (words before the cursor, the word being typed, must offer, must not offer)
    ([], "so", {"solve"}, set()),
    ([], "", {"zoo", "solve", "emit"}, set()),
    (["solve"], "--k", {"--kernel"}, {"--json"}),
    (["solve"], "-", {"--kernel", "--stride", "--padding", "--dilation", "--transposed"}, {"--rf"}),
    (["zoo"], "res", {"resnet18", "resnet34", "resnet50"}, {"vgg16"}),
    (["--model"], "vg", {"vgg11", "vgg16", "vgg19"}, set()),
    (["-m"], "", {"alexnet", "unet"}, set()),
    (["--json"], "--d", {"--dtype", "--depth"}, set()),
    (["--format"], "", {"table", "jsonl", "csv"}, set()),
    (["28x28x1"], "", set(), {"zoo", "solve"}),  # after a spec word: no subcommand names
    (["emit", "torch", "--model"], "res", {"resnet18"}, set()),
]


@pytest.mark.parametrize(("args", "incomplete", "offered", "not_offered"), COMPLETIONS)
def test_completion_knows_subcommands_their_options_and_models(
    args: list[str], incomplete: str, offered: set[str], not_offered: set[str]
) -> None:
    from typer._click.shell_completion import ShellComplete

    from convcalc.cli.completion import completion_group

    class Probe(ShellComplete):
        def get_completion_args(self):  # pragma: no cover - not used
            return args, incomplete

        def source_vars(self):  # pragma: no cover - not used
            return {}

        def format_completion(self, item):  # pragma: no cover - not used
            return item.value

    probe = Probe(completion_group(), {}, "convcalc", "_CONVCALC_COMPLETE")
    got = {item.value for item in probe.get_completions(list(args), incomplete)}
    assert offered <= got, got
    assert not (not_offered & got), got


def test_completion_through_the_shell_protocol() -> None:
    """What the generated bash script does: call convcalc back with COMP_WORDS/COMP_CWORD."""
    env = {**os.environ, "_CONVCALC_COMPLETE": "complete_bash"}
    env |= {"COMP_WORDS": "convcalc solve --ke", "COMP_CWORD": "2"}
    done = subprocess.run(
        [sys.executable, "-m", "convcalc"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["--kernel"]


USAGE_ERRORS = [
    # (args, the words convcalc must use)
    (["--format", "xml", EXAMPLE], "--format takes one of 'table', 'json'"),
    (["--dtype", "f", EXAMPLE], "--dtype takes one of 'float32'"),
    (["--depth", "0", EXAMPLE], "--depth must be at least 1, not '0'"),
    (["--depth", "abc", EXAMPLE], "--depth takes a whole number, not 'abc'"),
    (["--depth"], "Option '--depth' requires an argument"),
    (["solve", "abc", "1"], "IN takes a whole number, not 'abc'"),
    (["solve", "28", "x"], "OUT takes a whole number, not 'x'"),
    (["solve", "28"], "Missing argument 'OUT'"),
    (["--json=true", EXAMPLE], "Option '--json' does not take a value"),
    (["zoo", "--frobnicate"], "No such option: --frobnicate"),
]


@pytest.mark.parametrize(
    ("args", "words"), USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS]
)
def test_usage_errors_are_in_convcalcs_words(
    args: list[str], words: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from convcalc.cli import run

    monkeypatch.setattr(sys, "stdout", sys.stdout)  # run() wraps both; restored after the test
    monkeypatch.setattr(sys, "stderr", sys.stderr)
    with pytest.raises(SystemExit) as done:
        run(args)
    out, err = capsys.readouterr()
    assert done.value.code == 2
    assert out == ""
    first, *usage, hint = err.splitlines()
    assert first.startswith(f"convcalc: error: {words}")
    for leak in ("Input should", "Value error", "pydantic", "╭", "│"):
        assert leak not in err
    assert all(line.startswith("Usage: convcalc") for line in usage)
    assert hint.startswith("Try 'convcalc") and hint.endswith(" --help' for help.")


@pytest.mark.parametrize("command", [[], ["zoo"], ["solve"], ["emit"]])
def test_help_layout(command: list[str]) -> None:
    """Flags show no <bool>, usage lines use one style, nothing breaks mid-word at 80 columns."""
    env = {**os.environ, "COLUMNS": "80"}
    done = subprocess.run(
        [sys.executable, "-m", "convcalc", *command, "--help"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    text = done.stdout
    assert "<bool>" not in text
    usage = text.splitlines()[0]
    assert "{" not in usage and not any(w.islower() for w in re.findall(r"\[(\w+)\]", usage))
    assert all(len(line) <= 80 for line in text.splitlines())
    choices = re.findall(r"<([a-z0-9|]+)", text)  # a choice list is never split across lines
    for choice in choices:
        assert choice.endswith(tuple("abcdefghijklmnopqrstuvwxyz0123456789")), choice


def test_short_version_flag() -> None:
    assert invoke("-V").output == invoke("--version").output
    assert invoke("-V").output.startswith("convcalc ")
