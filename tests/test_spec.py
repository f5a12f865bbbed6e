"""The parser, table-driven: each token of the contract and what it must read as."""

from __future__ import annotations

import pytest

from convcalc import layers as L
from convcalc.errors import LimitError, SpecSyntaxError
from convcalc.spec import BranchNode, LayerNode, parse

TOKENS = [
    # (input, token, expected layer) — every spelling of the contract's table
    ("28x28x1", "conv3x3s2p1x32", L.Conv(kernel=(3, 3), filters=32, stride=2, padding=1)),
    ("28x28x1", "conv3x3x32s2p1", L.Conv(kernel=(3, 3), filters=32, stride=2, padding=1)),
    ("28x28x1", "conv3s2p1x32", L.Conv(kernel=(3, 3), filters=32, stride=2, padding=1)),
    ("28x28x1", "CONV3X3S2P1X32", L.Conv(kernel=(3, 3), filters=32, stride=2, padding=1)),
    ("28x28x1", "conv3×3s2p1×32", L.Conv(kernel=(3, 3), filters=32, stride=2, padding=1)),
    ("28x28x1", "conv3x32", L.Conv(kernel=(3, 3), filters=32)),
    ("28x28x1", "conv1x7x64", L.Conv(kernel=(1, 7), filters=64)),
    ("28x28x1", "conv3x3", L.Conv(kernel=(3, 3), filters=3)),
    ("28x28x1", "conv3psamex8", L.Conv(kernel=(3, 3), filters=8, padding="same")),
    ("28x28x1", "conv3pvalidx8", L.Conv(kernel=(3, 3), filters=8, padding=0)),
    ("28x28x1", "conv3d2g1nbx8", L.Conv(kernel=(3, 3), filters=8, dilation=2, bias=False)),
    ("28x28x4", "conv3x3x128nb", L.Conv(kernel=(3, 3), filters=128, bias=False)),
    (
        "28x28x4",
        "conv3x3s2p1x128nb",
        L.Conv(kernel=(3, 3), filters=128, stride=2, padding=1, bias=False),
    ),
    ("100x16", "conv5x32", L.Conv(kernel=(5,), filters=32)),
    ("8x8x8x2", "conv3x3x1x4", L.Conv(kernel=(3, 3, 1), filters=4)),
    ("8x8x8x2", "conv3x4", L.Conv(kernel=(3, 3, 3), filters=4)),
    ("28x28x8", "dwconv3x3", L.DepthwiseConv(kernel=(3, 3))),
    ("28x28x8", "dwconv3x3x2", L.DepthwiseConv(kernel=(3, 3), multiplier=2)),
    ("28x28x8", "dwconv3s1p1x2", L.DepthwiseConv(kernel=(3, 3), multiplier=2, padding=1)),
    ("28x28x8", "dwconv3x2", L.DepthwiseConv(kernel=(3, 2))),  # rank numbers = the kernel
    ("28x28x8", "sepconv3x16", L.SeparableConv(kernel=(3, 3), filters=16)),
    ("28x28x8", "deconv4s2p1x8", L.ConvTranspose(kernel=(4, 4), filters=8, stride=2, padding=1)),
    (
        "28x28x8",
        "convt3s2p1op1x8",
        L.ConvTranspose(kernel=(3, 3), filters=8, stride=2, padding=1, output_padding=1),
    ),
    ("28x28x8", "pool", L.Pool(kind="maxpool", kernel=(2, 2), stride=(2, 2))),
    ("28x28x8", "pool2", L.Pool(kind="maxpool", kernel=(2, 2), stride=(2, 2))),
    ("28x28x8", "maxpool3s2", L.Pool(kind="maxpool", kernel=(3, 3), stride=(2, 2))),
    ("28x28x8", "avgpool3x2", L.Pool(kind="avgpool", kernel=(3, 2), stride=(3, 2))),
    (
        "28x28x8",
        "pool3s2p1ceil",
        L.Pool(kind="maxpool", kernel=(3, 3), stride=(2, 2), padding=1, ceil=True),
    ),
    ("28x28x8", "poolceil", L.Pool(kind="maxpool", kernel=(2, 2), stride=(2, 2), ceil=True)),
    ("28x28x8", "maxpool3d2", L.Pool(kind="maxpool", kernel=(3, 3), stride=(3, 3), dilation=2)),
    ("28x28x8", "gap", L.GlobalPool(kind="gap")),
    ("28x28x8", "gmp", L.GlobalPool(kind="gmp")),
    ("28x28x8", "flatten", L.Flatten()),
    ("28x28x8", "dense10", L.Dense(units=10)),
    ("28x28x8", "fc10nb", L.Dense(units=10, bias=False)),
    ("28x28x8", "linear10", L.Dense(units=10)),
    ("28x28x8", "bn", L.BatchNorm()),
    ("28x28x8", "relu6", L.Activation(kind="relu6")),
    ("28x28x8", "LeakyReLU", L.Activation(kind="leakyrelu")),
    ("28x28x8", "softmax", L.Activation(kind="softmax")),
    ("28x28x8", "dropout", L.Dropout(rate=0.5)),
    ("28x28x8", "dropout0.25", L.Dropout(rate=0.25)),
    ("28x28x8", "dropout.25", L.Dropout(rate=0.25)),
    ("28x28x8", "upsample", L.Upsample(factor=2)),
    ("28x28x8", "up3", L.Upsample(factor=3)),
    ("28x28x8", "zpad0", L.ZeroPad(pad=0)),
    ("28x28x8", "zpad2", L.ZeroPad(pad=2)),
    ("28x28x8", "id", L.Identity()),
]


@pytest.mark.parametrize("inp,token,expected", TOKENS, ids=[t for _, t, _ in TOKENS])
def test_token_reads_as(inp: str, token: str, expected: L.Layer) -> None:
    net = parse(f"{inp} {token}")
    (node,) = net.nodes
    assert isinstance(node, LayerNode)
    assert node.layer == expected
    assert (node.token, node.position) == (token, len(inp) + 1)


@pytest.mark.parametrize(
    "spec,shape",
    [
        ("28x28x1 relu", (28, 28, 1)),
        ("100x16 relu", (100, 16)),
        ("16x112x112x3 relu", (16, 112, 112, 3)),
        ("28X28×1 relu", (28, 28, 1)),
    ],
)
def test_input_shapes(spec: str, shape: tuple[int, ...]) -> None:
    assert parse(spec).input_shape == shape


def test_channels_first_input() -> None:
    assert parse("3x224x224 relu", channels_first=True).input_shape == (224, 224, 3)


def test_separators_and_several_arguments_agree() -> None:
    a = parse("28x28x1 conv3x32 pool2")
    b = parse("28x28x1,conv3x32,  pool2")
    c = parse("28x28x1\tconv3x32 ,pool2")
    assert a.nodes == b.nodes == c.nodes


def test_positions_do_not_count_in_equality() -> None:
    assert parse("28x28x1 relu").nodes == parse("28x28x1    relu").nodes


def test_structure_nodes() -> None:
    net = parse("8x8x4 res(conv3p1x4 | id)*2 cat(id | id | relu)")
    assert [type(n) for n in net.nodes] == [BranchNode] * 3
    res = net.nodes[0]
    assert res.kind == "res" and res.token == "res(conv3p1x4 | id)" and res.position == 6
    assert len(net.nodes[2].branches) == 3


ERRORS = [
    # (spec, error class, message fragment, token, position)
    ("", SpecSyntaxError, "empty spec", "", 0),
    ("conv3x32", SpecSyntaxError, "missing input shape", "conv3x32", 0),
    ("28 relu", SpecSyntaxError, "bad input shape", "28", 0),
    ("28x28x1 cnv3x3x32", SpecSyntaxError, "did you mean 'conv'", "cnv3x3x32", 8),
    ("28x28x1 conv3", SpecSyntaxError, "filter count", "conv3", 8),
    ("28x28x1 conv3x3x3x32", SpecSyntaxError, "1 or 2 numbers", "conv3x3x3x32", 8),
    ("28x28x1 conv3x32s2s1", SpecSyntaxError, "given twice", "conv3x32s2s1", 8),
    ("28x28x1 conv3x32p1psame", SpecSyntaxError, "given twice", "conv3x32p1psame", 8),
    ("28x28x1 conv3x32ceil", SpecSyntaxError, "'ceil' does not apply to 'conv'", "conv3x32ceil", 8),
    ("28x28x1 conv3op1x32", SpecSyntaxError, "'op1' does not apply", "conv3op1x32", 8),
    ("28x28x1 avgpool2d2", SpecSyntaxError, "dilation", "avgpool2d2", 8),
    ("28x28x1 pool3p2", SpecSyntaxError, "at most half", "pool3p2", 8),
    ("28x28x1 deconv3s2op2x4", SpecSyntaxError, "smaller than max", "deconv3s2op2x4", 8),
    ("28x28x1 conv0x32", SpecSyntaxError, "≥ 1", "conv0x32", 8),
    ("28x28x1 conv3x32s0", SpecSyntaxError, "≥ 1", "conv3x32s0", 8),
    ("28x28x1 dropout1.5", SpecSyntaxError, "not in [0, 1)", "dropout1.5", 8),
    ("28x28x1 dropout1e309", SpecSyntaxError, "unexpected 'e309'", "dropout1e309", 8),
    ("28x28x1 conv３x32", SpecSyntaxError, "ASCII digits", "conv３x32", 8),
    ("28x28x1 relu3", SpecSyntaxError, "takes no", "relu3", 8),
    ("28x28x1 conv3x99999999999", LimitError, "2³¹−1", "conv3x99999999999", 8),
    ("28x28x1 relu | relu", SpecSyntaxError, "'|' separates", "|", 13),
    ("28x28x1 (relu | relu)", SpecSyntaxError, "not a plain group", "|", 14),
    ("28x28x1 (relu", SpecSyntaxError, "never closed", "(", 8),
    ("28x28x1 relu)", SpecSyntaxError, "unbalanced ')'", ")", 12),
    ("28x28x1 res()", SpecSyntaxError, "empty branch", ")", 12),
    ("28x28x1 res(id|id|id)", SpecSyntaxError, "at most 2 branches", "res(id|id|id)", 8),
    ("28x28x1 cat(id)", SpecSyntaxError, "at least 2 branches", "cat(id)", 8),
    ("28x28x1 res relu", SpecSyntaxError, "parentheses", "res", 8),
    ("28x28x1 *2", SpecSyntaxError, "there is none", "*2", 8),
    ("28x28x1 relu*", SpecSyntaxError, "needs a count", "*", 12),
    ("28x28x1 (relu)*1000000000", LimitError, "limit is 100,000", "*1000000000", 14),
    ("28x28x1 ((relu)*1000)*1000", LimitError, "limit is 100,000", "*1000", 21),
    ("28x28x1 " + "(" * 40 + "relu" + ")" * 40, LimitError, "nest more than 32", "(", 8 + 32),
    ("28x28x1 28x28", SpecSyntaxError, "input shape comes first", "28x28", 8),
]


@pytest.mark.parametrize("spec,cls,fragment,token,position", ERRORS, ids=[e[2] for e in ERRORS])
def test_parse_errors(spec: str, cls: type, fragment: str, token: str, position: int) -> None:
    with pytest.raises(cls) as info:
        parse(spec)
    err = info.value
    assert fragment in err.message
    assert (err.token, err.position) == (token, position)


def test_spec_length_limit_is_checked_first() -> None:
    with pytest.raises(LimitError, match="64 KiB"):
        parse("28x28x1 " + "relu " * 20_000)
