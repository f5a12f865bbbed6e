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
from convcalc.spec import parse

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


# --------------------------------------------------------------------------------------------
# forward gives the receptive-field windows and a zpad's rows after (Effect.windows,
# Effect.pads_after) in the same call as the shape: each row below worked out by hand

W = Window
WINDOWS = [
    # kernel 3, stride 2, padding 1 (2-D): D·(F−1) + 1 = 3
    ("28x28x1 conv3s2p1x8", (W(3, 2, 1),) * 2, None),
    # (8 − 3) mod 2 = 1 row never covered: a floor warning, the same windows
    ("8x8x3 conv3s2x4", (W(3, 2, 0),) * 2, None),
    # dilation 2 on a kernel 3: 2·(3−1) + 1 = 5; per-dim stride and padding (3-D)
    ("9x9x9x2 conv3s1_2_1p2_0_1d2x4", (W(5, 1, 2), W(5, 2, 0), W(5, 1, 1)), None),
    # psame, W 7, S 2: ⌈7/2⌉ = 4, total (4−1)·2 + 3 − 7 = 2, before 2 // 2 = 1
    ("7x7x3 conv3s2psamex4", (W(3, 2, 1),) * 2, None),
    # psame, W 8: total (4−1)·2 + 3 − 8 = 1, before 0 (the odd row goes after)
    ("8x8x3 dwconv3s2psame", (W(3, 2, 0),) * 2, None),
    # psame dilated: kernel 2·2 + 1 = 5, total 3·2 + 5 − 8 = 3, before 1 (1-D)
    ("8x3 sepconv3s2psamed2x4", (W(5, 2, 1),), None),
    # a pool's stride defaults to its kernel; ceil leaves the windows as they are
    ("7x7x3 pool3s2ceil", (W(3, 2, 0),) * 2, None),
    ("4x4x4x2 avgpool2", (W(2, 2, 0),) * 3, None),
    ("8x8x3 maxpool3s1psame", (W(3, 1, 1),) * 2, None),
    # transposed: stride 1 on the 2-times finer grid, kernel 3 padded 3 − 1 − P = 1 before
    ("8x3 deconv3s2p1x4", (W(3, 1, 1, 2),), None),
    # psame (Keras) crops max(4 − 2, 0) // 2 = 1: padding 4 − 1 − 1 = 2 before
    ("8x8x3 deconv4s2psamex4", (W(4, 1, 2, 2),) * 2, None),
    # pvalid crops nothing: 3 − 1 = 2 before
    ("8x8x3 convt3s2pvalidx4", (W(3, 1, 2, 2),) * 2, None),
    # nearest up3: an all-ones kernel 3, stride 3 transposed: (3, 1, 3 − 1 = 2) on a 3× grid
    ("5x5x3 up3", (W(3, 1, 2, 3),) * 2, None),
    # adaptive 8 → 4: windows of 8/4 = 2; 10 → 4 uneven: kernel 10 + 4 − 1 = 13, stride 10,
    # padding 4 − 1 = 3 on a 4-times finer grid
    ("8x3 apool4", (W(2, 2, 0),), None),
    ("10x3 amaxpool4", (W(13, 10, 3, 4),), None),
    # zpad: a kernel-1 window with the padding before; the rows after go to the next layer
    ("8x8x3 zpad0:1_2:0", (W(1, 1, 0), W(1, 1, 2)), (1, 0)),
    ("8x8x8x3 zpad1", (W(1, 1, 1),) * 3, (1, 1, 1)),
    # no positions left: the field becomes the whole input
    ("8x8x3 gap", None, None),
    ("8x8x3 gmp", None, None),
    ("8x8x3 apool1", None, None),
    ("8x8x3 flatten", None, None),
    ("8x8x3 dense5", None, None),
    # every position stays where it is
    *((f"8x8x4 {token}", (), None) for token in (
        "bn", "ln", "gn2", "scale", "rescale", "norm", "relu", "prelu", "dropout",
        "droppath0.1", "shuffle2", "se2", "id",
    )),
]  # fmt: skip


def _first(spec: str) -> tuple[object, tuple[int, ...]]:
    network = parse(spec)
    return network.nodes[0].layer, network.input_shape


def test_the_window_table_covers_every_layer_class() -> None:
    assert {type(_first(spec)[0]) for spec, _, _ in WINDOWS} == set(REGISTRY.values())


@pytest.mark.parametrize(("spec", "windows", "after"), WINDOWS, ids=lambda x: str(x))
def test_forward_gives_the_windows_by_hand(
    spec: str, windows: tuple[Window, ...] | None, after: tuple[int, ...] | None
) -> None:
    layer, shape = _first(spec)
    effect = layer.forward(shape)
    assert effect.windows == windows
    assert effect.pads_after == after
    assert layer.rf_window(shape) == windows


@pytest.mark.parametrize("spec", [spec for spec, _, _ in WINDOWS])
def test_an_effect_holds_only_tuples(spec: str) -> None:
    """The engine's step memo keeps an effect's notes, warnings and windows as they are: they
    must be tuples, which no later row can change (and the garbage collector skips)."""
    layer, shape = _first(spec)
    effect = layer.forward(shape)
    assert type(effect.notes) is tuple and type(effect.warnings) is tuple
    assert effect.windows is None or type(effect.windows) is tuple
