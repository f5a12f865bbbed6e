"""The piped table (plain_table, no rich) must read exactly as rich draws it."""

from __future__ import annotations

import io

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
