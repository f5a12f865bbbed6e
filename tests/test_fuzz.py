"""Hypothesis: no text breaks convcalc, and every valid spec from a grammar works and round-trips.

* Arbitrary text, and text built from spec-ish pieces, may only ever raise ``ConvcalcError`` from
  ``analyze`` (with a token that stands at its position in the spec); through the CLI it may
  only exit 0 or 1, never with a traceback.
* Valid specs are drawn from a grammar that tracks the shape as it goes, so each one is valid by
  construction and its final shape is known from the contract's formulas; ``analyze`` must accept
  it, give that shape, and its JSON must round-trip through ``Report`` and match ``--json``.
"""

from __future__ import annotations

import json
from math import prod

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import convcalc
from convcalc import Report
from convcalc.cli import app

runner = CliRunner()

FUZZ = settings(
    max_examples=1500,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CLI = settings(FUZZ, max_examples=150)

# --------------------------------------------------------------------------------------------
# arbitrary and spec-ish text

NAMES = [
    "conv", "dwconv", "sepconv", "deconv", "convt", "pool", "maxpool", "avgpool", "gap", "gmp",
    "flatten", "dense", "fc", "linear", "bn", "relu", "relu6", "leakyrelu", "elu", "gelu",
    "silu", "sigmoid", "tanh", "softmax", "dropout", "upsample", "up", "zpad", "id",
]  # fmt: skip
PIECES = [
    *NAMES, "res(", "cat(", "(", ")", "|", "*", "*2", "*0", "x", "X", "×", "s", "p", "d", "g",
    "op", "nb", "ceil", "psame", "pvalid", " ", ",", ".", "0", "1", "2", "3", "7", "32",
    "2147483648", "28x28x1 ", "100x16 ", "8x8x8x2 ", "1x1x1 ", "\x1b", "[red]", "\u00b3", "٣",
]  # fmt: skip
ALPHABET = "0123456789xX×convdwseptrlaigfmbuhkyz()|*,. \t_+-"
INPUTS = ["28x28x1 ", "100x16 ", "8x8x8x2 ", "1x1x1 ", "64x64x3 "]

spec_ish = st.one_of(
    st.text(alphabet=ALPHABET, max_size=60),
    st.lists(st.sampled_from(PIECES), max_size=25).map("".join),
    st.tuples(
        st.sampled_from(INPUTS), st.lists(st.sampled_from(PIECES), max_size=25).map("".join)
    ).map("".join),
)
any_text = st.one_of(st.text(max_size=80), spec_ish)


def _check_error(spec: str, err: convcalc.ConvcalcError) -> None:
    assert err.message
    assert err.position is not None and 0 <= err.position <= len(spec)
    assert spec[err.position :].startswith(err.token), (spec, err.token, err.position)
    err.render(spec)


@FUZZ
@given(st.text(max_size=120))
def test_arbitrary_text_raises_only_convcalc_error(spec: str):
    try:
        convcalc.analyze(spec)
    except convcalc.ConvcalcError as err:
        _check_error(spec, err)


@FUZZ
@given(spec_ish)
def test_spec_ish_text_raises_only_convcalc_error(spec: str):
    try:
        convcalc.analyze(spec)
    except convcalc.ConvcalcError as err:
        _check_error(spec, err)


@CLI
@given(any_text, st.sampled_from([[], ["--json"], ["--jsonl"]]))
def test_cli_exits_0_or_1_without_traceback(spec: str, flags: list[str]):
    result = runner.invoke(app, [*flags, "--", spec], catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    if result.exit_code == 1 and spec != "-":
        assert result.stderr


# --------------------------------------------------------------------------------------------
# valid specs, built from a grammar that tracks the shape

ACTIVATIONS = ["relu", "relu6", "leakyrelu", "elu", "gelu", "silu", "sigmoid", "tanh", "softmax"]
RATES = ["", "0.25", ".1", "0.", "0", "0.999"]


def _window(w: int, k: int, s: int, p: int, d: int, ceil: bool = False) -> int:
    span = w + 2 * p - d * (k - 1) - 1
    if not ceil:
        return span // s + 1
    o = -(-span // s) + 1
    return o - 1 if (o - 1) * s >= w + p else o


def _options(draw, opts: list[str]) -> str:
    return "".join(draw(st.permutations(opts))) if opts else ""


def _kernel_text(draw, kernel: list[int]) -> str:
    if len(set(kernel)) == 1 and draw(st.booleans()):
        return str(kernel[0])
    return "x".join(map(str, kernel))


def _conv_like(draw, name: str, shape: tuple[int, ...]) -> tuple[str, tuple[int, ...]]:
    """conv, sepconv, dwconv or deconv whose output is ≥ 1 by construction."""
    spatial, c = list(shape[:-1]), shape[-1]
    rank = len(spatial)
    kernel = [draw(st.integers(1, min(5, w + 2))) for w in spatial]
    stride = draw(st.integers(1, 3))
    dilation = draw(st.integers(1, 2))
    pad: int | str = draw(st.one_of(st.integers(0, 2), st.sampled_from(["same", "valid"])))
    opts = []
    if stride > 1 or draw(st.booleans()):
        opts.append(f"s{stride}")
    if dilation > 1:
        opts.append(f"d{dilation}")
    if draw(st.booleans()):
        opts.append("nb")
    groups = 1
    if name in ("conv", "deconv"):
        groups = draw(st.sampled_from([g for g in range(1, c + 1) if c % g == 0][:4]))
        if groups > 1:
            opts.append(f"g{groups}")
    filters = groups * draw(st.integers(1, 8))
    if name == "deconv":
        p = 0 if pad in ("same", "valid") else pad
        if pad == "same":
            opts.append("psame")
            out = [w * stride for w in spatial]
        else:
            op = draw(st.integers(0, max(stride, dilation) - 1))
            out = [
                (w - 1) * stride - 2 * p + dilation * (k - 1) + op + 1
                for w, k in zip(spatial, kernel)
            ]
            if min(out) < 1:  # too much padding for this input: drop it
                p = 0
                out = [
                    (w - 1) * stride + dilation * (k - 1) + op + 1 for w, k in zip(spatial, kernel)
                ]
            opts += [f"p{p}"] * (p > 0 or draw(st.booleans())) + [f"op{op}"] * (op > 0)
    else:
        if pad == "same":
            opts.append("psame")
            out = [-(-w // stride) for w in spatial]
        else:
            p = 0 if pad == "valid" else pad
            if any(dilation * (k - 1) + 1 > w + 2 * p for w, k in zip(spatial, kernel)):
                kernel, dilation = [1] * rank, 1
                opts = [o for o in opts if not o.startswith("d")]
            opts.append("pvalid" if pad == "valid" else f"p{p}")
            out = [_window(w, k, stride, p, dilation) for w, k in zip(spatial, kernel)]
    opt_text = _options(draw, opts)
    ktext = _kernel_text(draw, kernel)
    if name == "dwconv":
        m = draw(st.integers(1, 3))
        if m == 1 and draw(st.booleans()):
            token = f"dwconv{ktext}{opt_text}"
        elif opt_text and draw(st.booleans()):
            token = f"dwconv{ktext}{opt_text}x{m}"
        else:
            token = f"dwconv{'x'.join(map(str, kernel))}x{m}{opt_text}"
        return token, (*out, c * m)
    spelled = draw(st.sampled_from(["convt", "deconv"])) if name == "deconv" else name
    if draw(st.booleans()):
        token = f"{spelled}{ktext}{opt_text}x{filters}"
    else:
        token = f"{spelled}{ktext}x{filters}{opt_text}"
    return token, (*out, filters)


def _pool(draw, shape: tuple[int, ...]) -> tuple[str, tuple[int, ...]]:
    spatial, c = list(shape[:-1]), shape[-1]
    name = draw(st.sampled_from(["pool", "maxpool", "avgpool"]))
    k = draw(st.integers(1, min(3, min(spatial))))
    stride = draw(st.one_of(st.none(), st.integers(1, 3)))
    p = draw(st.integers(0, k // 2))
    d = draw(st.integers(1, 2)) if name != "avgpool" else 1
    if d * (k - 1) + 1 > min(spatial) + 2 * p:
        d = 1
    ceil = draw(st.booleans())
    opts = [f"s{stride}"] * (stride is not None) + [f"d{d}"] * (d > 1) + ["ceil"] * ceil
    opts += [f"p{p}"] * (p > 0 or draw(st.booleans()))
    s = stride or k
    if not ceil and not opts and draw(st.booleans()):  # psame
        out = [-(-w // s) for w in spatial]
        return f"{name}{k}psame", (*out, c)
    out = [_window(w, k, s, p, d, ceil) for w in spatial]
    ktext = "" if k == 2 and draw(st.booleans()) else str(k)
    return f"{name}{ktext}{_options(draw, opts)}", (*out, c)


def _same_shape(draw, shape: tuple[int, ...]) -> str:
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return draw(st.sampled_from(ACTIVATIONS))
    if choice == 1:
        return "dropout" + draw(st.sampled_from(RATES))
    return ["bn", "id"][choice - 2]


def _layer(draw, shape: tuple[int, ...], depth: int) -> tuple[str, tuple[int, ...]]:
    c = shape[-1]
    is_map = len(shape) > 1
    kinds = ["same", "dense", "flatten", "repeat"]
    if is_map:
        kinds += ["conv", "conv", "dwconv", "sepconv", "deconv", "pool", "pool", "global"]
        kinds += ["zpad", "res"]
        if max(shape[:-1]) <= 32:
            kinds.append("up")
    if c <= 64:
        kinds.append("cat")
    if depth < 3:
        kinds.append("group")
    kind = draw(st.sampled_from(kinds))
    if kind == "same":
        return _same_shape(draw, shape), shape
    if kind == "dense":
        n = draw(st.integers(1, 64))
        name = draw(st.sampled_from(["dense", "fc", "linear"]))
        return f"{name}{n}{'nb' if draw(st.booleans()) else ''}", (n,)
    if kind == "flatten":
        return "flatten", (prod(shape),)
    if kind == "global":
        return draw(st.sampled_from(["gap", "gmp"])), (c,)
    if kind == "up":
        f = draw(st.integers(1, 2))
        name = draw(st.sampled_from(["up", "upsample"]))
        if f == 2 and draw(st.booleans()):
            return name, (*(w * 2 for w in shape[:-1]), c)
        return f"{name}{f}", (*(w * f for w in shape[:-1]), c)
    if kind == "zpad":
        n = draw(st.integers(0, 2))
        return f"zpad{n}", (*(w + 2 * n for w in shape[:-1]), c)
    if kind in ("conv", "dwconv", "sepconv", "deconv"):
        return _conv_like(draw, kind, shape)
    if kind == "pool":
        return _pool(draw, shape)
    if kind == "repeat":
        n = draw(st.integers(1, 3))
        body = [_same_shape(draw, shape) for _ in range(draw(st.integers(1, 3)))]
        if len(body) == 1 and draw(st.booleans()):
            return f"{body[0]}*{n}", shape
        return f"({' '.join(body)})*{n}", shape
    if kind == "group":
        items, out = _sequence(draw, shape, depth + 1, 1, 3)
        return f"({' '.join(items)})", out
    if kind == "res":
        k = draw(st.sampled_from([1, 3, 5]))
        body = f"conv{k}p{k // 2}x{c}nb bn relu"
        if draw(st.booleans()):
            return f"res({body})", shape
        f = draw(st.integers(1, 16))
        down = f"conv3s2p1x{f} bn | conv1s2x{f}"
        return f"res({down})", (*((w - 1) // 2 + 1 for w in shape[:-1]), f)
    # cat: branches on the same input that keep the spatial dims
    branches, channels = [], 0
    for _ in range(draw(st.integers(2, 3))):
        if is_map:
            branch = draw(st.sampled_from(["id", "conv1x{f}", "conv3p1x{f}", "pool3s1p1"]))
        else:
            branch = draw(st.sampled_from(["id", "dense{f}", "bn relu"]))
        f = draw(st.integers(1, 8))
        channels += f if "{f}" in branch else c
        branches.append(branch.format(f=f))
    return f"cat({' | '.join(branches)})", (*shape[:-1], channels)


def _sequence(draw, shape, depth, low, high):
    items = []
    for _ in range(draw(st.integers(low, high))):
        item, shape = _layer(draw, shape, depth)
        items.append(item)
    return items, shape


@st.composite
def valid_specs(draw) -> tuple[str, bool, list[int]]:
    """(spec, channels_first, expected final shape in the display layout)."""
    rank = draw(st.integers(1, 3))
    top = 12 if rank == 3 else 64
    spatial = [draw(st.integers(3, top)) for _ in range(rank)]
    c = draw(st.integers(1, 16))
    items, out = _sequence(draw, (*spatial, c), 0, 0, 7)
    cf = draw(st.booleans())
    dims = [c, *spatial] if cf else [*spatial, c]
    times = draw(st.sampled_from(["x", "x", "X", "×"]))
    sep = draw(st.sampled_from([" ", "  ", ", ", ",", "\t", " ,\t"]))
    if draw(st.integers(0, 4)) == 0:
        items = [item.upper() for item in items]
    spec = sep.join([times.join(map(str, dims)), *items])
    shown = [out[-1], *out[:-1]] if cf and len(out) > 1 else list(out)
    return spec, cf, shown


@settings(FUZZ, max_examples=400)
@given(valid_specs())
def test_valid_specs_succeed_and_json_round_trips(case):
    spec, cf, shape = case
    report = convcalc.analyze(spec, channels_first=cf)
    assert report.totals.output_shape == shape
    dumped = report.model_dump_json()
    again = Report.model_validate_json(dumped)
    assert again.model_dump_json() == dumped
    assert again == Report.model_validate_json(again.model_dump_json())


@settings(FUZZ, max_examples=100)
@given(valid_specs())
def test_cli_json_equals_analyze(case):
    spec, cf, _ = case
    flags = ["--channels-first"] * cf
    expected = convcalc.analyze(spec, channels_first=cf).model_dump_json(exclude_none=True)
    result = runner.invoke(app, [*flags, "--json", "--", spec], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(expected)
    result = runner.invoke(app, [*flags, "--jsonl", "--", spec], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == expected + "\n"
