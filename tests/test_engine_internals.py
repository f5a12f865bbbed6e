"""The engine's hot-path shortcuts must agree with the slow, obvious way."""

from __future__ import annotations

import pytest

import convcalc
from convcalc import engine, receptive

SPECS = [
    "28x28x1 conv3x3s2p1x32 pool2 dense5",
    "56x56x64 res(conv3x3s2p1x128nb bn relu | conv1x1s2x128nb bn) relu cat(id | pool3s1p1)",
    "8x8x4 up2 deconv3s2psamex4 gap",
]


@pytest.mark.parametrize("cls", [engine.LayerReport, engine.Totals, engine.Report])
def test_construct_matches_model_construct(cls: type) -> None:
    """_construct sets what pydantic's model_construct sets (a pydantic upgrade that changes
    model internals fails here, not in a user's hands)."""
    report = convcalc.analyze(SPECS[1])
    source = {engine.LayerReport: report.layers[0], engine.Totals: report.totals}.get(cls, report)
    values = {name: getattr(source, name) for name in cls.model_fields}
    fast = engine._construct(cls, dict(values))
    slow = cls.model_construct(**values)
    assert fast == slow
    assert fast.__pydantic_fields_set__ == slow.__pydantic_fields_set__
    assert fast.model_dump_json() == slow.model_dump_json()


@pytest.mark.parametrize("spec", [*SPECS, "16x16x3 aux(gap dense4) mul(gap dense3 sigmoid)"])
def test_constructed_models_hold_every_field_in_order(spec: str) -> None:
    """_construct trusts its callers to give every field in field order, as model_construct
    would store them: check every model the engine makes."""
    report = convcalc.analyze(spec, explain=True)

    def check(model: object) -> None:
        assert list(vars(model)) == list(type(model).model_fields)
        assert model.model_fields_set == set(type(model).model_fields)

    def rows(layers: list[engine.LayerReport]) -> None:
        for row in layers:
            check(row)
            for branch in row.branches or []:
                rows(branch)

    check(report)
    check(report.totals)
    rows(report.layers)


@pytest.mark.parametrize("spec", SPECS)
def test_memoized_effects_give_the_same_report(spec: str) -> None:
    """A report built from the effect memo equals one built from a cold memo."""
    warm = convcalc.analyze(spec).model_dump_json()
    engine._STEPS.clear()
    receptive._KEY_STEPS.clear()
    receptive._KEY_MERGES.clear()
    cold = convcalc.analyze(spec).model_dump_json()
    assert warm == cold


def test_memo_is_bounded_and_keeps_no_errors() -> None:
    engine._STEPS.clear()
    for n in range(engine._STEPS_SIZE + 10):
        convcalc.analyze(f"{n + 1}x3 relu")
    assert len(engine._STEPS) <= engine._STEPS_SIZE
    with pytest.raises(convcalc.ShapeError) as first:
        convcalc.analyze("5x5x1 conv7x7x8")
    with pytest.raises(convcalc.ShapeError) as again:
        convcalc.analyze("5x5x1 relu conv7x7x8")
    assert (first.value.position, again.value.position) == (6, 11)


def test_rows_do_not_share_mutable_notes() -> None:
    a = convcalc.analyze("28x28x1 conv3x3s2p1x32 pool2 dense5")
    a.layers[2].notes.append("mine")
    b = convcalc.analyze("28x28x1 conv3x3s2p1x32 pool2 dense5")
    assert b.layers[2].notes == ["flattened 7×7×32 = 1,568"]


def test_models_share_their_fields_set_safely() -> None:
    """_construct gives every model of a class one shared set of field names: assigning a
    field, copying, or dumping with exclude_unset must behave as with a set of its own."""
    first, second = convcalc.analyze(SPECS[0]).layers[:2]
    assert first.__pydantic_fields_set__ is second.__pydantic_fields_set__
    names = set(engine.LayerReport.model_fields)
    first.index = 9
    first.notes = ["changed"]
    copied = first.model_copy(update={"index": 3})
    assert copied.__pydantic_fields_set__ is not first.__pydantic_fields_set__
    for row in (first, second, copied):
        assert row.model_fields_set == names
        assert set(row.model_dump(exclude_unset=True)) == names
    assert (second.index, second.notes) == (2, [])
