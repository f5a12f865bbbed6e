"""The piped table (plain_table, no rich) must read exactly as rich draws it."""

from __future__ import annotations

import io
import json

import pytest

import convcalc
from convcalc.render import TableSink, plain_table

SPECS = [
    "28x28x1 conv3x3s2p1x32 pool2 dense5",
    "56x56x64 res(conv3x3s2p1x128nb bn relu conv3x3p1x128nb bn | conv1x1s2x128nb bn) relu",
    "28x28x192 cat(conv1x1x64 | conv1x1x96 conv3x3p1x128 | pool3s1psame conv1x32) conv3x3 gap",
    "8x8x4 up2 deconv4s1psamex4 dropout.25 dense10nb",
]


def _render(spec: str, use_rich: bool, **options: bool) -> str:
    buf = io.StringIO()
    sink = TableSink(buf, io.StringIO(), batch=True, width=10_000 if use_rich else None, **options)
    sink.rich = use_rich
    for line in (1, 2):  # two reports: the batch separator too
        sink.report(convcalc.analyze(spec, explain=options.get("explain", False)), line)
    return "\n".join(x.rstrip() for x in buf.getvalue().split("\n"))


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize(
    "options", [{}, {"rf": True}, {"explain": True}, {"rf": True, "explain": True}]
)
def test_plain_table_is_rich_text(spec: str, options: dict[str, bool]) -> None:
    assert _render(spec, False, **options) == _render(spec, True, **options)


def test_plain_table_layout() -> None:
    text = plain_table([("#", True), ("Layer", False)], [["1", "relu"], ["10", "bn"]])
    assert text.splitlines() == [" #   Layer", "─" * 10, " 1   relu", "10   bn"]


def test_piped_table_does_not_import_rich() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from convcalc.cli import run\n"
        "try:\n    run(['28x28x1 conv3x3s2p1x32 pool2 dense5'])\n"
        "except SystemExit:\n    pass\n"
        "sys.stderr.write(str(sorted(m for m in sys.modules if m.startswith('rich'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={"NO_COLOR": "1"}
    )
    assert "8,165" in done.stdout
    assert "rich.table" not in done.stderr and "rich.console" not in done.stderr, done.stderr


# --------------------------------------------------------------------------------------------
# streaming: the CLI's sinks write each row as it is made (ReportStream); the text must be
# exactly what the collected Report gives, and a late error must leave no partial output

STREAM_SPECS = [
    "28x28x1 conv3x3s2p1x32 pool2 dense5",
    "56x56x64 res(conv3x3s2p1x128nb bn relu conv3x3p1x128nb bn | conv1x1s2x128nb bn) relu",
    "28x28x1",  # no layers at all
    "3x224x224 conv3x8 cat(id|conv1x2) gap dense3",  # a warning about the input
    "9x9x1 conv2s2x2 conv3x2",  # a floor warning
    '28x28x1 relu "quoted" \\ [red]',
]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "table", "csv", "tsv", "markdown"])
@pytest.mark.parametrize("batch", [False, True])
@pytest.mark.parametrize("options", [{}, {"rf": True, "explain": True}, {"depth": 1}])
def test_streamed_output_equals_the_collected_report(
    fmt: str, batch: bool, options: dict, monkeypatch: pytest.MonkeyPatch
):
    import io

    from convcalc.engine import analyze, analyze_stream
    from convcalc.errors import ConvcalcError
    from convcalc.render import SINKS, machine

    if fmt in ("json", "jsonl") and options.get("depth"):
        # depth does not apply to JSON: the run checks the row-by-row path instead of the
        # one-call path of specs of up to ROWS_AT_ONCE top-level rows
        monkeypatch.setattr(machine, "ROWS_AT_ONCE", 0)

    explain = options.get("explain", False)
    whole, streamed = io.StringIO(), io.StringIO()
    a = SINKS[fmt](whole, io.StringIO(), batch=batch, **options)
    b = SINKS[fmt](streamed, io.StringIO(), batch=batch, **options)
    for line, spec in enumerate(STREAM_SPECS, 1):
        try:
            report = analyze(spec, explain=explain)
        except ConvcalcError:
            continue
        a.report(report, line)
        b.report_stream(analyze_stream(spec, explain=explain), line)
    a.close()
    b.close()
    assert streamed.getvalue() == whole.getvalue()


@pytest.mark.parametrize(
    ("fmt", "rows_at_once"),
    [("json", 256), ("json", 8), ("jsonl", 256), ("jsonl", 8), ("table", 0), ("csv", 0)],
)
def test_an_error_in_a_late_layer_leaves_no_partial_output(
    fmt: str, rows_at_once: int, monkeypatch: pytest.MonkeyPatch
):
    from typer.testing import CliRunner

    from convcalc.cli import app
    from convcalc.render import machine

    monkeypatch.setattr(machine, "ROWS_AT_ONCE", rows_at_once)  # JSON: one call, or row by row

    # layer 41 is impossible: 41 rows would stream before it fails
    lines = "28x28x1 relu\n28x28x1 relu*40 conv30x8\n8x8x1 gap\n"
    result = CliRunner().invoke(app, ["--format", fmt], input=lines)
    assert result.exit_code == 1
    if fmt == "json":
        objects = json.loads(result.stdout)
    elif fmt == "jsonl":
        objects = [json.loads(x) for x in result.stdout.splitlines()]
    if fmt in ("json", "jsonl"):
        assert [o.get("line") for o in objects] == [None, 2, None]
        assert "layers" not in objects[1] and "error" in objects[1]
    elif fmt == "table":
        assert "line 2" not in result.stdout and "relu*40" not in result.stdout
    else:  # csv: a leading line column; no row of line 2
        rows = result.stdout.splitlines()[1:]
        assert [r.split(",")[0] for r in rows] == ["1", "3"]


def test_memory_stays_flat_for_a_long_explained_spec():
    """Peak RSS of convcalc --explain --json on 20,000 separable convs: 198 MB when the whole
    report and its JSON text were held (2026-12-04), about 38 MB streamed.  The bound is the
    hang-and-leak detector, far from both; benchmarks/bench.py measures the 100,000-layer
    specs against the 250 MB goal."""
    import subprocess
    import sys

    probe = (
        "import resource, subprocess, sys;"
        "subprocess.run([sys.executable, '-m', 'convcalc', '--explain', '--json', sys.argv[1]],"
        " stdout=subprocess.DEVNULL, check=True);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    spec = "28x28x8 (sepconv3psamex8)*20000"
    out = subprocess.run(
        [sys.executable, "-c", probe, spec], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    peak_mb = int(out.stdout) / 1024
    assert peak_mb < 110, f"peak RSS {peak_mb:.0f} MB"
