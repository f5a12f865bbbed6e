"""The ``--jsonl`` path writes each row's JSON without making the row (ReportStream.json_rows,
json_frame): it must be byte for byte pydantic's ``model_dump_json(exclude_none=True)``."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from test_fuzz import FUZZ, valid_specs
from typer.testing import CliRunner

import convcalc
from convcalc import engine, zoo
from convcalc.cli import app


def written(spec: str, **options: object) -> str:
    """The report's JSON as the --jsonl path writes it (or the error it raises)."""
    try:
        stream = engine.analyze_stream(spec, **options)  # type: ignore[arg-type]
        rows = list(stream.json_rows())
    except convcalc.ConvcalcError as err:
        return f"error: {err!r}"
    head, tail = stream.json_frame()
    return head + ",".join(rows) + tail


def pydantic_json(spec: str, **options: object) -> str:
    try:
        report = convcalc.analyze(spec, **options)  # type: ignore[arg-type]
    except convcalc.ConvcalcError as err:
        return f"error: {err!r}"
    return report.model_dump_json(exclude_none=True)


EDGES = [
    # reading notes, psame's uneven padding notes, floor warnings, an input-shape warning
    "28x28x1 conv3x3 conv3x3s2psamex8 pool3s2 dense5",
    "3x28x28 conv3x8",
    "33x33x3 zpad0:1 conv3s2x8 pool3s2ceil",
    # fractional receptive fields (floats, pydantic's forms), global, and beyond 2⁵⁰−1
    "8x8x4 up2 deconv3s2psamex4 gap",
    "7x7x2 up3 conv3p1x2 up3 conv3p1x2",
    "64x64x3 conv3p1x8 up5 conv3p1x8 pool2 flatten dense3",
    "9x9x1 (conv1s4096x1)*5 conv1x1",
    # dropout rates: floats as pydantic writes them (1e-05 is 0.00001)
    "32x3 dropout0.5 dropout.00001 dropout0.999 dense4",
    # every structure, nested, with merge notes on the field
    "64x64x3 conv7s2p3x64 bn relu pool3s2p1 res(conv3p1x64 bn relu conv3p1x64 bn) "
    "cat(id | pool3s1p1) res(conv3s2p1x32 | conv1s2x32) gap dense10",
    "16x16x3 aux(gap dense4) mul(gap dense3 sigmoid) split(conv1x2 | conv3p1x2 | id) gap",
    "32x32x8 res(res(conv3p1x8 | id) relu | cat(conv1x4 | conv1x4))",
    # separators and the multiplication sign, written back in "spec" as typed
    "28×28×1,\tconv3x3x4\u3000relu\x1cgap",
    "10x10x10x2 conv3p1x4 pool2 gap",
    "100x16 conv5x8 pool2 flatten dense1",
]


@pytest.mark.parametrize("spec", EDGES)
@pytest.mark.parametrize("channels_first", [False, True])
def test_edge_specs_match_pydantic(spec: str, channels_first: bool) -> None:
    if not channels_first:  # every edge spec is valid as written (channels last)
        assert not pydantic_json(spec).startswith("error")
    for dtype in ("float32", "int8"):
        expected = pydantic_json(spec, channels_first=channels_first, dtype=dtype)
        assert written(spec, channels_first=channels_first, dtype=dtype) == expected


def test_explain_rows_match_pydantic() -> None:
    """With --explain the rows are the models' JSON: the same bytes either way."""
    for spec in EDGES:
        assert written(spec, explain=True) == pydantic_json(spec, explain=True)


def test_every_zoo_model_matches_pydantic() -> None:
    for model in zoo.models():
        for cf in (False, True):
            assert written(model.spec, channels_first=cf) == pydantic_json(
                model.spec, channels_first=cf
            ), model.name


@settings(FUZZ, max_examples=300)
@given(valid_specs())
def test_generated_specs_match_pydantic(case: tuple[str, bool, list[int]]) -> None:
    spec, cf, _ = case
    assert written(spec, channels_first=cf) == pydantic_json(spec, channels_first=cf)


def test_layer_json_is_kept_per_layer_object() -> None:
    """The kept JSON of a layer is its own even after the memos clear and an id is reused."""
    for _ in range(3):
        engine._LAYER_JSON.clear()
        engine._RF_JSON.clear()
        for spec in EDGES:
            assert written(spec) == pydantic_json(spec)


def test_long_spec_through_the_spool_matches_pydantic() -> None:
    """Past ROWS_AT_ONCE top-level rows, --jsonl spools the rows: the same line."""
    spec = "8x8x2 " + " ".join(["relu", "conv3p1x2", "bn"] * 120)
    result = CliRunner().invoke(app, ["--jsonl", "--", spec], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout == pydantic_json(spec) + "\n"


def test_the_stream_keeps_its_totals_and_warnings_after_json_rows() -> None:
    spec = EDGES[0]
    stream = engine.analyze_stream(spec)
    assert stream.totals is None
    rows = list(stream.json_rows())
    report = convcalc.analyze(spec)
    assert stream.totals == report.totals
    assert stream.warnings == report.warnings
    assert len(rows) == len(report.layers)
    with pytest.raises(RuntimeError):
        engine.analyze_stream(spec).json_frame()  # before the iteration
