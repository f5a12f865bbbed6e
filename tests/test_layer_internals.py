"""The layer registry's shortcuts must agree with the plain way: the window geometry worked
out once per set of fields (``Slide``), and layers written to JSON by their own class."""

from __future__ import annotations

import json
from typing import Annotated, get_args

import pytest
from pydantic import Field, TypeAdapter

import convcalc
from convcalc.layers import REGISTRY, AnyLayer, Window
from convcalc.layers.base import _slide

# one spec per layer class, so that every member of AnyLayer is written at least once
SPECS = [
    "32x32x8 conv3x3s2p1x16 dwconv3x2 sepconv3s1_2p0_1d2x8nb deconv4s2psamex4 gn2 ln bn",
    "32x32x8 pool2 avgpool3s1p1 maxpool3s2ceil gap",
    "30x30x8 apool3 flatten dense10nb relu prelu dropout.2 droppath0.1 softmax",
    "16x16x8 se2 shuffle2 id up2 zpad0:1 scale rescale0.5 norm amaxpool1",
]


def _layers() -> list[object]:
    out = []
    for spec in SPECS:
        for row in convcalc.analyze(spec).layers:
            out.append(row.layer)
    return out


def test_the_specs_cover_every_layer_class() -> None:
    assert {type(layer) for layer in _layers()} == set(get_args(get_args(AnyLayer)[0]))
    assert set(REGISTRY.values()) == set(get_args(get_args(AnyLayer)[0]))


@pytest.mark.parametrize("layer", _layers(), ids=lambda layer: layer.kind)
def test_a_layer_serialises_as_the_plain_union_would(layer: object) -> None:
    """AnyLayer carries SerializeAsAny (a layer written by its own class): the same JSON as
    the discriminated union without it, in every mode the reports use."""
    plain = TypeAdapter(Annotated[get_args(AnyLayer)[0], Field(discriminator="kind")])
    fast = TypeAdapter(AnyLayer)
    for options in ({}, {"exclude_none": True}):
        assert fast.dump_json(layer, **options) == plain.dump_json(layer, **options)
        assert fast.dump_python(layer, **options) == plain.dump_python(layer, **options)
    # PerDim and Padding fields serialise as any too: the JSON is the field values as they are
    fields = {name: getattr(layer, name) for name in type(layer).model_fields}
    assert fast.dump_json(layer) == json.dumps(fields, separators=(",", ":")).encode()


def test_serialise_as_any_keeps_the_schema() -> None:
    plain = TypeAdapter(Annotated[get_args(AnyLayer)[0], Field(discriminator="kind")])
    fast = TypeAdapter(AnyLayer)
    for mode in ("validation", "serialization"):
        assert fast.json_schema(mode=mode) == plain.json_schema(mode=mode)


@pytest.mark.parametrize(
    ("fields", "windows"),
    [
        # kernel 3, stride 2, padding 1: D·(F−1) + 1 = 3
        (((3, 3), 2, 1, 1), [Window(3, 2, 1), Window(3, 2, 1)]),
        # dilation 2 on a kernel 3: 2·(3−1) + 1 = 5; per-dim stride and padding
        (((3, 5), (1, 2), (2, 0), 2), [Window(5, 1, 2), Window(9, 2, 0)]),
        # psame: the padding before depends on the input, so no fixed windows
        (((3,), 2, "same", 1), None),
    ],
)
def test_slide_windows_by_hand(fields: tuple, windows: list[Window] | None) -> None:
    slide = _slide(*fields)
    assert (list(slide.windows) if slide.windows is not None else None) == windows


def test_slide_is_shared_by_equal_fields_only() -> None:
    a = convcalc.analyze("9x9x1 conv3s2x4 conv3s2x4").layers
    b = convcalc.analyze("9x9x1 conv3s1x4").layers
    assert a[0].layer.slide is a[1].layer.slide
    assert a[0].layer.slide.stride == (2, 2)
    assert b[0].layer.slide.stride == (1, 1)
