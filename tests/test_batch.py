"""Stdin batches: one spec per line, each line keeps its result, and bad lines keep their place.

The batch below mixes everything a file from another tool may hold: a UTF-8 BOM, CRLF line ends,
a line that is not UTF-8, blank and ``#`` comment lines, and bad specs in the middle.  Every good
line must still get its own result, in order; every bad line an error object in its place (JSON
Lines), a ``line N`` message on stderr, and the exit code is 1.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

import convcalc
from convcalc.cli import app

runner = CliRunner()

# (the raw line, what it is: "ok" a good spec, "error" a bad one, None skipped)
LINES: list[tuple[bytes, str | None]] = [
    (b"\xef\xbb\xbf28x28x1 conv3x3s2p1x32 pool2 dense5\r\n", "ok"),  # 1: BOM + CRLF
    (b"\r\n", None),  # 2: blank (CRLF)
    (b"# a comment\r\n", None),  # 3
    (b"   # an indented comment, caf\xe9 in Latin-1\n", None),  # 4
    (b"28x28x1 conv3x8 \xff\xfe relu\r\n", "error"),  # 5: not UTF-8
    (b"  100x16 conv3x8 relu  \n", "ok"),  # 6: surrounding blanks
    (b"28x28x1 cnov3x8\n", "error"),  # 7: unknown layer
    (b"\t\n", None),  # 8: blank (a tab)
    (b"28x28x1 res(conv3x8)\n", "error"),  # 9: shape error
    (b"64x64x3 res(conv3p1x3 bn relu | id) gap fc10\r\n", "ok"),  # 10
    (b"28x28x1 (relu)*1000000000\n", "error"),  # 11: limit, refused at once
    (b"28x28x1 \x1b[31mrelu\n", "error"),  # 12: an escape in the spec
    (b"28x28x1 relu", "ok"),  # 13: no newline at the end
]
BATCH = b"".join(line for line, _ in LINES)
SPEC_LINES = [(n, kind) for n, (_, kind) in enumerate(LINES, 1) if kind is not None]
GOOD = [n for n, kind in SPEC_LINES if kind == "ok"]
BAD = [n for n, kind in SPEC_LINES if kind == "error"]


def _spec_of(number: int) -> str:
    raw = LINES[number - 1][0]
    return raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace").strip()


def _invoke(args: list[str], data: bytes):
    return runner.invoke(app, args, input=data, catch_exceptions=False)


def test_jsonl_keeps_one_line_per_spec_in_order():
    result = _invoke(["--jsonl"], BATCH)
    assert result.exit_code == 1
    out = result.stdout.splitlines()
    assert len(out) == len(SPEC_LINES)
    for text, (number, kind) in zip(out, SPEC_LINES):
        obj = json.loads(text)
        assert obj["schema_version"] == 1
        if kind == "ok":
            assert "error" not in obj
            expected = convcalc.analyze(_spec_of(number)).model_dump_json(exclude_none=True)
            assert text == expected
        else:
            assert set(obj) == {"schema_version", "line", "spec", "error"}
            assert obj["line"] == number
            assert obj["spec"] == _spec_of(number)
            error = obj["error"]
            assert set(error) == {"message", "token", "position"}
            assert obj["spec"][error["position"] :].startswith(error["token"])


def test_jsonl_errors_name_their_lines_on_stderr():
    result = _invoke(["--jsonl"], BATCH)
    for number in BAD:
        assert f"line {number}: " in result.stderr
    for number in GOOD:
        assert f"line {number}: " not in result.stderr
    assert "\x1b" not in result.stderr and "\\x1b[31mrelu" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_utf8_line_points_at_the_bad_byte():
    result = _invoke(["--jsonl"], BATCH)
    obj = next(json.loads(t) for t in result.stdout.splitlines() if '"line": 5' in t)
    assert "not valid UTF-8" in obj["error"]["message"]
    assert obj["spec"][obj["error"]["position"]] == "\ufffd"
    assert obj["error"]["position"] == len("28x28x1 conv3x8 ")


def test_json_batch_is_an_array_in_input_order():
    result = _invoke(["--json"], BATCH)
    assert result.exit_code == 1
    items = json.loads(result.stdout)
    assert isinstance(items, list) and len(items) == len(SPEC_LINES)
    for item, (number, kind) in zip(items, SPEC_LINES):
        if kind == "ok":
            assert item["spec"] == _spec_of(number)
            assert "totals" in item
        else:
            assert item["line"] == number and "error" in item
    for number in BAD:
        assert f"line {number}: " in result.stderr


def test_table_batch_shows_every_good_line():
    result = _invoke([], BATCH)
    assert result.exit_code == 1
    for number in GOOD:
        assert f"line {number}: {_spec_of(number)}" in result.stdout
    for number in BAD:
        assert f"line {number}: " in result.stderr
        assert f"line {number}: " not in result.stdout
    assert result.stdout.count("Total params") == len(GOOD)


@pytest.mark.parametrize("args", [[], ["-"], ["--jsonl", "-"], ["--json"]])
def test_a_clean_batch_exits_0(args: list[str]):
    data = b"28x28x1 conv3x8\n\n# c\n100x16 conv3x8\n"
    result = _invoke(args, data)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("args", "expected"), [(["--jsonl"], ""), (["--json"], "[]\n"), ([], "")], ids=str
)
@pytest.mark.parametrize("data", [b"", b"\n\n", b"# only comments\r\n\r\n"], ids=repr)
def test_an_empty_batch_is_empty_output_and_exit_0(args, expected, data):
    result = _invoke(args, data)
    assert result.exit_code == 0
    assert result.stdout == expected


def test_bom_only_on_the_first_line():
    result = _invoke(["--jsonl"], b"28x28x1 relu\n\xef\xbb\xbf28x28x1 relu\n")
    assert result.exit_code == 1
    first, second = (json.loads(t) for t in result.stdout.splitlines())
    assert "error" not in first and second["line"] == 2


def test_a_huge_line_is_refused_and_the_rest_kept():
    data = b"28x28x1 relu\n" + b"28x28x1 " + b"relu " * 2_000_000 + b"\n28x28x1 bn\n"
    result = _invoke(["--jsonl"], data)
    assert result.exit_code == 1
    out = [json.loads(t) for t in result.stdout.splitlines()]
    assert len(out) == 3
    assert "error" not in out[0] and "error" not in out[2]
    assert "64 KiB" in out[1]["error"]["message"]
    assert "line 2: " in result.stderr


def test_nul_in_a_line_is_an_error_in_place():
    result = _invoke(["--jsonl"], b"28x28x1 relu\n28x28x1 re\x00lu\n28x28x1 bn\n")
    assert result.exit_code == 1
    out = [json.loads(t) for t in result.stdout.splitlines()]
    assert [("error" in o) for o in out] == [False, True, False]
    assert "\\x00" in result.stderr and "\x00" not in result.stderr


def test_many_lines_stay_aligned():
    specs = [f"{8 + i % 50}x{8 + i % 7}x{1 + i % 5} conv3x{1 + i % 9} relu" for i in range(500)]
    specs[123] = "28x28x1 conv3x"
    specs[321] = "oops"
    result = _invoke(["--jsonl"], ("\n".join(specs) + "\n").encode())
    assert result.exit_code == 1
    out = [json.loads(t) for t in result.stdout.splitlines()]
    assert len(out) == 500
    for i, (spec, obj) in enumerate(zip(specs, out)):
        assert obj["spec"] == spec
        assert ("error" in obj) == (i in (123, 321))


def test_batch_in_a_real_process():
    proc = subprocess.run(
        [sys.executable, "-m", "convcalc", "--jsonl"],
        input=BATCH,
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert len(proc.stdout.decode().splitlines()) == len(SPEC_LINES)
    stderr = proc.stderr.decode()
    assert "Traceback" not in stderr
    for number in BAD:
        assert f"line {number}: " in stderr


@pytest.mark.parametrize("fmt", ["table", "markdown"])
@pytest.mark.parametrize(
    "char,shown",
    [("\x1f", "\\x1f"), ("\x1c", "\\x1c"), ("\x85", "\\x85"), ("\u2028", "\\u2028")],
)
def test_a_control_character_that_splits_tokens_is_escaped_in_the_title(
    fmt: str, char: str, shown: str
):
    # Python's str.split and the lexer's \s treat these as white space, so the spec is valid;
    # its title must not carry them raw
    result = runner.invoke(app, ["--format", fmt], input=f"28x28x1{char}relu\n")
    assert result.exit_code == 0, result.stderr
    assert char not in result.stdout
    assert f"28x28x1{shown}relu" in result.stdout
