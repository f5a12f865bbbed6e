"""Stdin batches: one spec per line, each line keeps its result, and bad lines keep their place.

The batch below mixes everything a file from another tool may hold: a UTF-8 BOM, CRLF line ends,
a line that is not UTF-8, blank and ``#`` comment lines, and bad specs in the middle.  Every good
line must still get its own result, in order; every bad line an error object in its place (JSON
Lines), a ``line N`` message on stderr, and the exit code is 1.
"""

from __future__ import annotations

import json
import os
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
    obj = next(o for o in map(json.loads, result.stdout.splitlines()) if o.get("line") == 5)
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


# --------------------------------------------------------------------------------------------
# over-long lines are never held whole (issue 9, item 3)

# Peak memory of the child itself: VmHWM (ru_maxrss would carry over the forked parent's).
PROBE_RSS = """
import sys
from convcalc.cli import run
try:
    run(sys.argv[1:])
except SystemExit as done:
    code = done.code
with open("/proc/self/status") as status:
    peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
sys.stderr.write(f"\\nrc={code} maxrss_kib={peak}")
"""


def _probe(args: list[str], stdin: object) -> tuple[bytes, str, int, int]:
    if not os.path.exists("/proc/self/status"):
        pytest.skip("peak memory is read from /proc (Linux)")
    proc = subprocess.run(
        [sys.executable, "-c", PROBE_RSS, *args], stdin=stdin, capture_output=True, timeout=120
    )
    err = proc.stderr.decode("utf-8", "replace")
    tail = err.rsplit("\nrc=", 1)[1]
    code, rss = tail.split(" maxrss_kib=")
    return proc.stdout, err, int(code), int(rss)


@pytest.mark.parametrize("line_end", [b"\n", b"\r\n", b""], ids=["lf", "crlf", "eof"])
def test_a_100_mb_line_costs_no_memory_and_echoes_a_clip(tmp_path, line_end: bytes):
    path = tmp_path / "big.txt"
    with path.open("wb") as f:
        f.write(b"28x28x1 relu\n28x28x1 ")
        for _ in range(100):
            f.write(b"relu " * 200_000)  # 100 MB in all
        f.write(line_end)
        if line_end:
            f.write(b"28x28x1 bn\n")
    with path.open("rb") as stdin:
        out, err, code, rss = _probe(["--jsonl"], stdin)
    assert code == 1
    objs = [json.loads(t) for t in out.splitlines()]
    assert len(objs) == (3 if line_end else 2)
    assert "error" not in objs[0] and objs[1]["line"] == 2
    assert "64 KiB" in objs[1]["error"]["message"]
    assert len(objs[1]["spec"]) < 200 and objs[1]["spec"].startswith("28x28x1 relu relu")
    if line_end:
        assert objs[2]["spec"] == "28x28x1 bn"
    assert len(out) < 10_000 and len(err) < 10_000
    assert rss < 150_000, f"peak memory {rss} KiB for a 100 MB line"  # it was 4 × the line


def test_dev_zero_ends_with_one_error_and_bounded_memory():
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    with open("/dev/zero", "rb") as stdin:
        out, err, code, rss = _probe(["--jsonl"], stdin)
    assert code == 1
    (obj,) = [json.loads(t) for t in out.splitlines()]
    assert obj["line"] == 1 and "reading stopped" in obj["error"]["message"]
    assert "MemoryError" not in err and "Traceback" not in err
    assert rss < 150_000


def test_a_line_just_at_the_limit_is_read_whole():
    limit = 64 * 1024
    at_limit = b"28x28x1 " + b"y" * (limit - 8)  # exactly 64 KiB: a spec error, not the limit
    result = _invoke(["--jsonl"], at_limit + b"\n" + at_limit + b"y\n")
    first, second = (json.loads(t) for t in result.stdout.splitlines())
    assert "unknown layer" in first["error"]["message"]
    assert "64 KiB" in second["error"]["message"]


def test_at_file_reads_a_batch_and_a_bare_file_name_says_how(tmp_path):
    path = tmp_path / "specs.txt"
    path.write_bytes(b"28x28x1 relu\n# comment\n28x28x1 foo\n28x28x1 bn\n")
    result = _invoke(["--jsonl", f"@{path}"], b"")
    assert result.exit_code == 1
    assert [json.loads(t).get("line") for t in result.stdout.splitlines()] == [None, 3, None]
    proc = subprocess.run(
        [sys.executable, "-m", "convcalc", str(path)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert "is a file, not a spec" in proc.stderr and f"@{path}" in proc.stderr
    assert f"< {path}" in proc.stderr and "missing input shape" not in proc.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "convcalc", f"@{tmp_path}/nope.txt"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 1 and "cannot read" in missing.stderr
