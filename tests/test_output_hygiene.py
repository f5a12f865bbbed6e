"""Output hygiene: escape codes only on a colour terminal, safe echoes, unwritable or closed output.

These run the real program (``python -m convcalc``) in a subprocess: colour depends on whether
stdout is a terminal (a real pty here), and /dev/full and closed pipes need real file descriptors.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys

import pytest

pty = pytest.importorskip("pty")

CONVCALC = [sys.executable, "-m", "convcalc"]
# a floor warning (yellow), notes (dim) and a bold header: everything rich could colour
COLOURFUL = "28x28x1 conv3s2x8 conv3x3s2p1x32 pool2 dense5"
BIG = "28x28x1 (conv3p1x8 relu)*5000"  # 10,000 layers: about a megabyte of output
# rich renders about 2,000 table rows a second here, so table tests that need only more output
# than a pipe holds (64 KiB) use 2,000 layers; the shell `| head -c1` test uses the full BIG
MEDIUM = "28x28x1 (conv3p1x8 relu)*1000"
ESC = "\x1b"


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("NO_COLOR", "FORCE_COLOR", "TERM", "COLORTERM", "CLICOLOR_FORCE")
    }
    env["TERM"] = "xterm-256color"
    env.update(extra)
    return env


def _run(
    args: list[str], env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CONVCALC, *args],
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env or _env(),
        timeout=60,
    )


def _run_pty(args: list[str], env: dict[str, str], stdin: str | None = None) -> tuple[int, str]:
    """Run with stdout and stderr on a real pseudo-terminal; returns (exit code, all output)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [*CONVCALC, *args],
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    if stdin is not None:
        proc.stdin.write(stdin.encode())
        proc.stdin.close()
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError as err:  # EIO: the child closed the terminal
            if err.errno != errno.EIO:
                raise
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return proc.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


# --------------------------------------------------------------------------------------------
# escape codes


@pytest.mark.parametrize(
    "extra",
    [{}, {"NO_COLOR": "1"}, {"TERM": "dumb"}],
    ids=["piped", "piped-NO_COLOR", "piped-TERM-dumb"],
)
@pytest.mark.parametrize("args", [[COLOURFUL], ["28x28x1 foo"]], ids=["table", "error"])
def test_no_escape_codes_when_not_a_terminal(extra: dict[str, str], args: list[str]):
    proc = _run(args, _env(**extra))
    assert proc.returncode in (0, 1)
    assert ESC not in proc.stdout
    assert ESC not in proc.stderr


def test_no_escape_codes_in_a_piped_batch():
    proc = _run([], _env(), input=f"{COLOURFUL}\n28x28x1 foo\n{COLOURFUL}\n")
    assert proc.returncode == 1
    assert proc.stdout.count("line ") == 2
    assert ESC not in proc.stdout + proc.stderr


def test_colour_on_a_real_terminal():
    code, out = _run_pty([COLOURFUL], _env())
    assert code == 0
    assert "\x1b[" in out
    assert "dense5" in out


@pytest.mark.parametrize(
    "extra", [{"NO_COLOR": "1"}, {"TERM": "dumb"}, {"NO_COLOR": "1", "FORCE_COLOR": "1"}]
)
def test_no_escape_codes_on_a_terminal_when_told(extra: dict[str, str]):
    code, out = _run_pty([COLOURFUL], _env(**extra))
    assert code == 0
    assert "dense5" in out
    assert ESC not in out


def test_batch_on_a_terminal_keeps_its_colour_per_spec():
    code, out = _run_pty([], _env(), stdin=f"{COLOURFUL}\n28x28x1 relu\n")
    assert code == 0
    assert "\x1b[" in out
    assert "line 2" in out


# --------------------------------------------------------------------------------------------
# text echoed from the spec


def _error_run(spec: str, terminal: bool) -> tuple[int, str]:
    """(exit code, stderr) of a bad spec, on a real pty or piped (piped: stdout stays empty)."""
    if terminal:
        return _run_pty([spec], _env())
    proc = _run([spec])
    assert proc.stdout == ""
    return proc.returncode, proc.stderr


@pytest.mark.parametrize("terminal", [False, True], ids=["piped", "pty"])
def test_control_characters_in_errors_are_escaped(terminal: bool):
    code, err = _error_run("28x28x1 conv3x8 \x1b[31mred\x1b[0m \x07 \x9b2J", terminal)
    assert code == 1
    assert ESC not in err and "\x07" not in err and "\x9b" not in err
    assert "\\x1b[31mred\\x1b[0m" in err


@pytest.mark.parametrize("terminal", [False, True], ids=["piped", "pty"])
def test_rich_markup_in_errors_is_printed_literally(terminal: bool):
    code, err = _error_run("28x28x1 conv3x8 [bold red]pool[/] [link=http://x]y[/link]", terminal)
    assert code == 1
    assert ESC not in err
    assert "[bold red]pool[/]" in err


def test_json_errors_escape_control_characters():
    proc = _run(["--json", "28x28x1 \x1b[2Jx"])
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert ESC not in proc.stderr
    assert "\x1b[2Jx" in json.loads(proc.stderr)["error"]["token"]


def test_batch_errors_escape_control_characters():
    proc = _run(["--jsonl"], input="28x28x1 relu\n28x28x1 \x1b[31m\n")
    assert proc.returncode == 1
    assert ESC not in proc.stdout + proc.stderr
    assert "line 2" in proc.stderr and "\\x1b[31m" in proc.stderr


# --------------------------------------------------------------------------------------------
# output that cannot be written


@pytest.mark.parametrize(
    "args",
    [
        ["28x28x1 conv3x8"],
        ["--json", "28x28x1 conv3x8"],
        ["--jsonl", "28x28x1 conv3x8"],
        [MEDIUM],
        ["--jsonl", BIG],
        ["--schema"],
        ["--version"],
        ["--help"],
    ],
    ids=["table", "json", "jsonl", "big-table", "big-jsonl", "schema", "version", "help"],
)
def test_dev_full_is_one_line_and_exit_74(args: list[str]):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [*CONVCALC, *args],
            stdout=full,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=_env(),
            timeout=60,
        )
    assert proc.returncode == 74, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("convcalc: ")


def test_dev_full_in_a_batch():
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [*CONVCALC, "--jsonl"],
            input="28x28x1 relu\n28x28x1 conv3x8\n",
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
            timeout=60,
        )
    assert proc.returncode == 74
    assert len(proc.stderr.splitlines()) == 1
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "args", [[MEDIUM], ["--json", BIG], ["--jsonl", BIG]], ids=["table", "json", "jsonl"]
)
def test_closed_pipe_ends_quietly(args: list[str]):
    """The reader goes away after one byte (as `| head -c1` does): exit 0 and nothing on stderr."""
    proc = subprocess.Popen(
        [*CONVCALC, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=_env(),
    )
    assert proc.stdout.read(1)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 0, err
    assert err == ""


def test_closed_pipe_in_a_batch_ends_quietly():
    proc = subprocess.Popen(
        [*CONVCALC, "--jsonl"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.PIPE,
        env=_env(),
    )
    proc.stdin.write(f"{BIG}\n".encode() * 4)
    proc.stdin.close()
    assert proc.stdout.read(1)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 0, err
    assert err == ""


def test_head_c1_through_a_shell():
    script = 'set -o pipefail 2>/dev/null; "$0" -m convcalc "$1" | head -c1; echo " rc=$?"'
    proc = subprocess.run(
        ["bash", "-c", script, sys.executable, BIG],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert proc.stdout.endswith(" rc=0\n"), proc.stdout[-200:]
    assert proc.stderr == ""


# --------------------------------------------------------------------------------------------
# machine formats never load the table renderer

PROBE = """
import sys
from convcalc.cli import run
try:
    run(sys.argv[1:])
except SystemExit:
    pass
sys.stderr.write("\\nloaded: " + " ".join(sorted(m for m in sys.modules if m.startswith("rich"))))
"""


@pytest.mark.parametrize(
    ("args", "stdin", "table"),
    [
        (["--json", COLOURFUL], None, False),
        (["--jsonl", COLOURFUL], None, False),
        (["--jsonl"], f"{COLOURFUL}\n28x28x1 foo\n", False),
        (["--json", "28x28x1 foo"], None, False),
        ([COLOURFUL], None, False),  # piped, the table is plain text: no rich either
        (["--format", "markdown", COLOURFUL], None, False),
        (["zoo"], "force-colour", True),  # the control: the zoo's table is rich's
    ],
    ids=["json", "jsonl", "jsonl-batch", "json-error", "table-piped", "markdown", "control"],
)
def test_machine_formats_do_not_import_rich_table(args, stdin, table):
    env = _env()
    if stdin == "force-colour":
        stdin, env = None, {**env, "FORCE_COLOR": "1"}
        env.pop("NO_COLOR", None)
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    loaded = proc.stderr.rsplit("loaded:", 1)[1].split()
    assert ("rich.table" in loaded) is table, loaded


# --------------------------------------------------------------------------------------------
# the process's streams and argv (issue 9: items 4, 5, 6, 7, 12, 13)

MIXED = "28x28x1 relu\n28x28x1 foo\n28x28x1 bn\n28x28x1 bar\n"


def _run_fds(args: list[str], stdin: str, stderr: str) -> subprocess.CompletedProcess:
    """Run with stderr on /dev/full (``full``) or closed (``closed``: the shell's ``2>&-``)."""
    script = '"$@" 2>/dev/full' if stderr == "full" else '"$@" 2>&-'
    return subprocess.run(
        ["bash", "-c", script, "sh", *CONVCALC, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )


@pytest.mark.parametrize("stderr", ["full", "closed"])
@pytest.mark.parametrize("fmt", ["--jsonl", "--json", "--format=csv"])
def test_a_batch_keeps_every_line_when_stderr_cannot_be_written(stderr: str, fmt: str):
    if stderr == "full" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    proc = _run_fds([fmt], MIXED, stderr)
    assert proc.returncode == 1
    if fmt == "--jsonl":
        out = [json.loads(line) for line in proc.stdout.splitlines()]
        assert [("error" in o) for o in out] == [False, True, False, True]
    elif fmt == "--json":
        assert len(json.loads(proc.stdout)) == 4
    else:
        assert [row.split(",")[0] for row in proc.stdout.splitlines()[1:]] == ["1", "3"]


@pytest.mark.parametrize("stderr", ["full", "closed"])
def test_a_single_spec_prints_its_table_when_stderr_cannot_be_written(stderr: str):
    proc = _run_fds(["28x28x1 conv3x8 relu"], "", stderr)
    assert proc.returncode == 0
    assert "Total params: 80" in proc.stdout


def test_closed_stdout_is_exit_74_in_one_line():
    for args in (["28x28x1 relu"], ["--jsonl", "28x28x1 relu"], ["zoo"], ["--help"]):
        proc = subprocess.run(
            ["bash", "-c", '"$@" >&-', "sh", *CONVCALC, *args],
            capture_output=True,
            text=True,
            env=_env(),
            timeout=60,
        )
        assert proc.returncode == 74, (args, proc.stderr)
        assert proc.stderr.startswith("convcalc: cannot write the output"), proc.stderr
        assert len(proc.stderr.splitlines()) == 1


NOT_UTF8 = [b"28x28x1 re\xfflu", b"28x28x1 relu \xe9", b"\xff\xfe", b"28x28x1 conv3x8 \xed\xa0\x80"]


ARGV_CASES = [(raw, enc, "--jsonl") for raw in NOT_UTF8 for enc in (None, "utf-8", "ascii")]
ARGV_CASES += [(NOT_UTF8[0], "utf-8", "--json"), (NOT_UTF8[0], "utf-8", "--format=table")]


@pytest.mark.parametrize(("raw", "encoding", "fmt"), ARGV_CASES)
def test_argv_that_is_not_utf8_never_reaches_the_output(raw: bytes, encoding, fmt: str):
    env = _env() if encoding is None else _env(PYTHONIOENCODING=encoding)
    proc = subprocess.run(
        [os.fsencode(sys.executable), b"-m", b"convcalc", fmt.encode(), raw],
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    for stream in (proc.stdout, proc.stderr):
        text = stream.decode("utf-8")  # valid UTF-8: no raw byte got through
        assert not any("\ud800" <= ch <= "\udfff" for ch in text)
        assert "internal error" not in text and "Traceback" not in text
    if fmt == "--jsonl":
        assert "error" in json.loads(proc.stdout)


LOCALES = {
    "ascii": {"PYTHONIOENCODING": "ascii"},
    "C": {"LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"},
}


def _every_command() -> list[list[str]]:
    """Every command's help and a typical run; subcommands come from the SUBCOMMANDS table."""
    from convcalc.cli import SUBCOMMANDS

    runs = [["--help"], [COLOURFUL], ["--explain", COLOURFUL], ["28x28x1 foo×"], ["zoo"]]
    runs += [["zoo", "resnet18"], ["solve", "28", "14"], ["--model", "resnet18", "--depth", "1"]]
    runs += [[name, "--help"] for name in SUBCOMMANDS]
    return runs


@pytest.mark.parametrize("locale", list(LOCALES))
def test_ascii_and_c_locales_work_everywhere(locale: str):
    for args in _every_command():
        proc = subprocess.run(
            [*CONVCALC, *args],
            capture_output=True,
            stdin=subprocess.DEVNULL,
            env=_env(**LOCALES[locale]),
            timeout=60,
        )
        assert proc.returncode in (0, 1), (args, proc.stderr)
        for stream in (proc.stdout, proc.stderr):
            assert stream.isascii(), (args, stream)
            assert b"convcalc: internal error" not in stream, args
            assert b"PYTHONIOENCODING" not in stream and b"Traceback" not in stream, args
        assert proc.stdout or proc.returncode == 1, args


def test_a_times_sign_in_argv_under_the_c_locale():
    """Python decodes argv as ASCII there; the bytes are UTF-8, and × must still be read as x."""
    proc = subprocess.run(
        [*CONVCALC, "--jsonl", "28×28×1 conv3×3×8"],
        capture_output=True,
        env=_env(**LOCALES["C"]),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["totals"]["output_shape"] == [26, 26, 8]


@pytest.mark.parametrize(
    "command",
    [
        '"$0" -m convcalc --help | head -c1',
        '"$0" -m convcalc zoo | true',
        '"$0" -m convcalc zoo resnet18 | head -c1',
        '"$0" -m convcalc solve 28 14 | head -c1',
        '"$0" -m convcalc --schema | head -c1',
        '"$0" -m convcalc emit --help | head -c1',
    ],
)
def test_closed_pipe_after_any_output_is_exit_0(command: str):
    script = f"set -o pipefail; {command} >/dev/null; echo rc=$?"
    proc = subprocess.run(
        ["bash", "-c", script, sys.executable], capture_output=True, text=True, timeout=60
    )
    assert proc.stdout.strip() == "rc=0", (proc.stdout, proc.stderr)
    assert proc.stderr == ""


@pytest.mark.parametrize("delay", [0.06, 0.1, 0.15, 0.25])
@pytest.mark.parametrize("entry", ["module", "script"])
def test_ctrl_c_at_any_moment_is_exit_130_without_a_traceback(delay: float, entry: str):
    """Imports take ~150 ms: an interrupt then must not print a KeyboardInterrupt traceback."""
    import signal
    import time

    script = os.path.join(os.path.dirname(sys.executable), "convcalc")
    if entry == "script" and not os.path.exists(script):
        pytest.skip("the console script is not installed next to this interpreter")
    command = [script] if entry == "script" else CONVCALC
    # reading a batch from a pipe that stays open: without the interrupt it never ends
    proc = subprocess.Popen(
        [*command, "--jsonl"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    startup = (b"init_import_site", b"Could not import runpy")  # the interpreter's own start
    if proc.returncode == -signal.SIGINT or any(text in err for text in startup):
        pytest.skip("interrupted before Python had started")
    assert proc.returncode == 130, err
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err


# --------------------------------------------------------------------------------------------
# tables at a terminal (issue 9, item 8)


def test_a_long_table_at_a_terminal_costs_what_it_costs_piped():
    """rich drew 100,000 rows in 30 s; the terminal now gets plain_table's text, styled."""
    import time

    spec = "28x28x1 (conv3p1x8)*30000"
    start = time.perf_counter()
    proc = _run([spec])
    piped = time.perf_counter() - start
    assert proc.returncode == 0
    start = time.perf_counter()
    code, out = _run_pty([spec], _env())
    terminal = time.perf_counter() - start
    assert code == 0
    assert out.count("conv3p1x8") == 30000
    assert "\x1b[" in out  # still styled
    assert terminal < 3 * piped + 2, f"terminal {terminal:.1f} s, piped {piped:.1f} s"


NUMBERS = ["56,448", "7,845", "7,840", "8,165", "64,288", "14×14×32", "conv3x3s2p1x32"]


@pytest.mark.parametrize("columns", ["0", "20", "40", "60", "70", "abc", "-5"])
def test_a_narrow_terminal_never_cuts_a_number(columns: str):
    spec = "28x28x1 conv3x3s2p1x32 pool2 dense5"
    code, out = _run_pty([spec], _env(COLUMNS=columns, NO_COLOR="1"))
    assert code == 0
    assert "…" not in out
    for text in NUMBERS:
        assert text in out, (columns, out)
    note = " ".join(out.split())  # the note may wrap or move under its row, but stays whole
    assert "flattened 7×7×32" in note and "1,568" in note
    lines = out.replace("\r\n", "\n").splitlines()
    if columns.isdigit() and int(columns) >= 60:
        assert all(len(line) <= int(columns) for line in lines), lines


def test_a_wide_terminal_keeps_the_notes_beside_their_rows():
    code, out = _run_pty(["28x28x1 conv3x3s2p1x32 pool2 dense5"], _env(COLUMNS="200"))
    assert code == 0
    assert any("dense5" in line and "flattened" in line for line in out.splitlines())


@pytest.mark.parametrize("columns", ["0", "30"])
@pytest.mark.parametrize(
    ("args", "whole"),
    [(["zoo"], ["11,689,512", "138,357,544"]), (["solve", "28", "14", "-k", "3"], ["conv3s2p1"])],
    ids=["zoo", "solve"],
)
def test_other_tables_at_a_narrow_terminal_are_whole(columns: str, args: list[str], whole):
    code, out = _run_pty(args, _env(COLUMNS=columns))
    assert code == 0
    assert "…" not in out
    for text in whole:
        assert text in out
