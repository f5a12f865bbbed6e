"""The PyTorch oracle: convcalc's shapes, parameter counts and MACs against torch.nn, per layer.

Every check runs the spec through convcalc and through the PyTorch rebuild in
``tests/torch_oracle.py`` (a zero tensor, batch 1, NC… layout) and compares, layer by layer and
inside every res/cat branch: the output shape, ``sum(p.numel())`` = trainable params, BatchNorm
running statistics = non-trainable params, and MACs counted by forward hooks (fvcore rules).

1. Hypothesis properties over random *valid* specs (a strategy that tracks the shape as it
   writes tokens, in varied legal spellings, and also builds the typed network it means, which
   the parse must equal), and over single layers with arbitrary — often invalid — options,
   where convcalc must refuse exactly what PyTorch refuses.
2. Tables of explicit cases per token and per edge rule, with hand-computed totals.
3. Rejections: what convcalc refuses, PyTorch refuses too.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from math import prod

import pytest
from conftest import require_torch
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import convcalc
from convcalc.errors import ConvcalcError

LIMIT = {1: 64, 2: 32, 3: 10}  # largest spatial dim per rank
CMAX = 16  # most channels a layer sets (a cat may sum a few of these)
VMAX = 4096  # longest vector
CHANNELS_HARD = 48

Shape = tuple[int, ...]


pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")


@pytest.fixture(scope="module")
def oracle():
    require_torch()
    import torch_oracle

    return torch_oracle


def compare(oracle, spec: str, channels_first: bool = False):
    """Check convcalc against PyTorch on ``spec``, layer by layer; returns (report, output)."""
    network = convcalc.parse(spec, channels_first=channels_first)
    report = convcalc.propagate(network)
    rows, out = oracle.run(network)
    _compare_rows(oracle, report.layers, rows, channels_first, "")
    totals = report.totals
    assert oracle.to_torch_layout(totals.output_shape, channels_first) == tuple(out.shape[1:])
    assert totals.trainable_params == sum(r.trainable for r in rows)
    assert totals.non_trainable_params == sum(r.non_trainable for r in rows)
    assert totals.params == totals.trainable_params + totals.non_trainable_params
    # aux(…) heads: their params count, their MACs only in totals.aux_macs
    assert totals.macs == sum(r.macs for r in rows if not r.aux)
    assert totals.aux_macs == _aux_macs(rows)
    return report, out


def _aux_macs(rows) -> int:
    """The MACs PyTorch's hooks counted in aux heads, anywhere in the network."""
    total = 0
    for r in rows:
        if r.aux:
            total += r.macs
        elif r.branches:
            total += sum(_aux_macs(b) for b in r.branches)
    return total


def _compare_rows(oracle, layers, rows, channels_first: bool, path: str) -> None:
    assert len(layers) == len(rows), f"{path or 'top level'}: layer count"
    for i, (ours, theirs) in enumerate(zip(layers, rows), 1):
        where = f"layer {path}{i} {ours.token!r}"
        shape = oracle.to_torch_layout(ours.output_shape, channels_first)
        assert shape == theirs.shape, f"{where}: output shape (PyTorch layout)"
        assert ours.trainable_params == theirs.trainable, f"{where}: sum(p.numel())"
        assert ours.non_trainable_params == theirs.non_trainable, f"{where}: running stats"
        assert ours.params == ours.trainable_params + ours.non_trainable_params, where
        assert ours.macs == theirs.macs, f"{where}: MACs (fvcore hooks)"
        assert (ours.branches is None) == (theirs.branches is None), where
        if theirs.branches is not None:
            assert len(ours.branches) == len(theirs.branches), f"{where}: branch count"
            for b, (mine, its) in enumerate(zip(ours.branches, theirs.branches), 1):
                _compare_rows(oracle, mine, its, channels_first, f"{path}{i}.{b}.")


# ============================================================================================
# 1. random valid specs
#
# The strategy keeps its own shape arithmetic (the contract's formulas), so what it writes is
# valid; PyTorch, not this arithmetic, is the judge of the values compared.


def _window(w: int, k: int, s: int, p, d: int, ceil: bool) -> int | None:
    """One spatial dim of a sliding window (conv or pool); None when there is no output."""
    if p == "same":
        return -(-w // s)
    eff = d * (k - 1) + 1
    if ceil:
        o = -(-(w + 2 * p - eff) // s) + 1
        if (o - 1) * s >= w + p:  # PyTorch drops a last window starting in the right padding
            o -= 1
        return o if o >= 1 else None
    if eff > w + 2 * p:
        return None
    return (w + 2 * p - eff) // s + 1


def _pnum(pad) -> int | str | tuple:
    """A generated padding ('none', 'valid', 'same', an int or per-dim ints) as the number,
    the per-dim tuple or 'same'."""
    return 0 if pad in ("none", "valid") else pad


def _at(value, i: int):
    """Dim ``i`` of a generated per-dim value (one value for every dim, or a tuple)."""
    return value[i] if isinstance(value, tuple) else value


def _canon(value):
    """A per-dim tuple as the parser keeps it: one value when every dim has the same."""
    if isinstance(value, tuple) and len(set(value)) == 1:
        return value[0]
    return value


def _layer_out(kind: str, prm: dict, shape: Shape) -> Shape | None:
    """The output of one generated layer; None if it is invalid on ``shape``."""
    is_map = len(shape) > 1
    spatial, c = shape[:-1], shape[-1]
    if kind in ("conv", "dwconv", "sepconv", "deconv", "maxpool", "avgpool", "gap", "gmp"):
        if not is_map:
            return None
    if kind in ("upsample", "zpad", "apool", "amaxpool") and not is_map:
        return None
    if kind in ("conv", "dwconv", "sepconv"):
        g = prm.get("g", 1)
        filters = c * prm["m"] if kind == "dwconv" else prm["filters"]
        if c % g or filters % g:
            return None
        p = _pnum(prm["pad"])
        outs = [
            _window(w, k, _at(prm["s"], i), _at(p, i), _at(prm["d"], i), False)
            for i, (w, k) in enumerate(zip(spatial, prm["kernel"]))
        ]
        return None if None in outs else (*outs, filters)
    if kind == "deconv":
        g, s, d, p = prm["g"], prm["s"], prm["d"], _pnum(prm["pad"])
        if c % g or prm["filters"] % g:
            return None
        if p == "same":
            return (*(w * _at(s, i) for i, w in enumerate(spatial)), prm["filters"])
        if prm["pad"] == "valid":  # Keras: W·S + max(D(F−1) + 1 − S, 0)
            outs = [
                w * _at(s, i) + max(_at(d, i) * (k - 1) + 1 - _at(s, i), 0)
                for i, (w, k) in enumerate(zip(spatial, prm["kernel"]))
            ]
        else:
            outs = [
                (w - 1) * _at(s, i) - 2 * _at(p, i) + _at(d, i) * (k - 1) + prm["op"] + 1
                for i, (w, k) in enumerate(zip(spatial, prm["kernel"]))
            ]
        return None if min(outs) < 1 else (*outs, prm["filters"])
    if kind in ("maxpool", "avgpool"):
        kernel = prm["kernel"]
        stride = prm["stride"] or kernel
        p = _pnum(prm["pad"])
        if p != "same" and any(_at(p, i) > k // 2 for i, k in enumerate(kernel)):
            return None
        if kind == "avgpool" and len(kernel) == 3 and (p != "same" or KERAS):
            # torch's avg_pool3d (alone) wants the *unpadded* input ≥ the kernel; the contract
            # asks only for the padded input — see test_avgpool3d_pytorch_quirk (and KERAS)
            if any(w < k for w, k in zip(spatial, kernel)):
                return None
        outs = [
            _window(w, k, s, _at(p, i), _at(prm["d"], i), prm["ceil"])
            for i, (w, k, s) in enumerate(zip(spatial, kernel, stride))
        ]
        return None if None in outs else (*outs, c)
    if kind in ("apool", "amaxpool"):
        return (*prm["size"], c)
    if kind == "se":
        return shape if is_map else None
    if kind in ("gn", "shuffle"):
        if c % prm["g"] or (kind == "shuffle" and not is_map):
            return None
        if kind == "gn" and c // prm["g"] * prod(spatial) == 1:
            return None  # PyTorch refuses a group of one value: test_group_norm_pytorch_quirk
    if kind in ("gap", "gmp"):
        return (c,)
    if kind == "flatten":
        return (prod(shape),)
    if kind == "dense":
        return (prm["n"],)
    if kind == "upsample":
        return (*(w * prm["f"] for w in spatial), c)
    if kind == "zpad":
        if "pairs" in prm:
            return (*(w + b + a for w, (b, a) in zip(spatial, prm["pairs"])), c)
        return (*(w + 2 * prm["n"] for w in spatial), c)
    return shape  # bn, activations, prelu, dropout, id, ln, gn, scale, shuffle, droppath …


def _fits(shape: Shape | None) -> bool:
    if shape is None:
        return False
    if len(shape) == 1:
        return 1 <= shape[0] <= VMAX
    rank = len(shape) - 1
    return all(1 <= w <= LIMIT[rank] for w in shape[:-1]) and 1 <= shape[-1] <= CHANNELS_HARD


@dataclass
class Item:
    """A generated layer, group, res or cat: what the shape arithmetic needs, and its text."""

    kind: str  # a layer kind, or "group", "res", "cat"
    text: str
    prm: dict = field(default_factory=dict)
    branches: list[list[Item]] = field(default_factory=list)
    repeat: int = 1


def _seq_out(items: list[Item], shape: Shape | None) -> Shape | None:
    for item in items:
        if shape is None:
            return None
        shape = _apply(item, shape)
    return shape


def _apply(item: Item, shape: Shape) -> Shape | None:
    for _ in range(item.repeat):
        shape = _apply_once(item, shape)
        if not _fits(shape):
            return None
    return shape


def _apply_once(item: Item, shape: Shape) -> Shape | None:
    if item.kind == "group":
        return _seq_out(item.branches[0], shape)
    if item.kind == "res":
        outs = [_seq_out(b, shape) for b in item.branches]
        want = shape if len(outs) == 1 else outs[1]
        return outs[0] if outs[0] is not None and outs[0] == want else None
    if item.kind == "mul":
        gate = _seq_out(item.branches[0], shape)
        ones = (*(1,) * (len(shape) - 1), shape[-1])
        return shape if gate in (shape, (shape[-1],), ones) else None
    if item.kind == "aux":
        return shape if _seq_out(item.branches[0], shape) is not None else None
    if item.kind == "split":
        n = len(item.branches)
        if len(shape) < 2 or shape[-1] % n:
            return None
        share = (*shape[:-1], shape[-1] // n)
        outs = [_seq_out(b, share) for b in item.branches]
        if None in outs or len({(len(o), o[:-1]) for o in outs}) != 1:
            return None
        return (*outs[0][:-1], sum(o[-1] for o in outs))
    if item.kind == "cat":
        outs = [_seq_out(b, shape) for b in item.branches]
        if None in outs or len({(len(o), o[:-1]) for o in outs}) != 1:
            return None
        return (*outs[0][:-1], sum(o[-1] for o in outs))
    return _layer_out(item.kind, item.prm, shape)


# ---- spelling


def _spell(draw, text: str) -> str:
    """Whole tokens are case-insensitive."""
    return draw(st.sampled_from([str.lower, str.lower, str.lower, str.upper, str.capitalize]))(text)


def _sep(draw) -> str:
    return draw(st.sampled_from(["x", "x", "x", "X", "×"]))


def _maybe(draw) -> bool:
    """Rarely true: for writing a default option out (s1, d1, g1, op0)."""
    return draw(st.integers(0, 4)) == 0


def _kernel_text(draw, kernel: tuple[int, ...], full: bool = False) -> list[str]:
    if full or len(set(kernel)) > 1 or (len(kernel) > 1 and draw(st.booleans())):
        return [str(k) for k in kernel]
    return [str(kernel[0])]


def _dim_text(value) -> str:
    """A per-dim value as written: 2, or 1_2 (one value per dim joined by _)."""
    return "_".join(map(str, value)) if isinstance(value, tuple) else str(value)


def _pad_opt(draw, pad, deconv: bool = False) -> list[str]:
    if pad == "none":
        return []
    if pad == "valid":  # on a transposed conv pvalid is Keras' rule, not p0
        return ["pvalid"] if deconv else [draw(st.sampled_from(["pvalid", "p0"]))]
    if pad == "same":
        return ["psame"]
    return [f"p{_dim_text(pad)}"]


def _common_opts(draw, prm: dict, deconv: bool = False) -> list[str]:
    opts = _pad_opt(draw, prm["pad"], deconv)
    if prm["s"] != 1 or _maybe(draw):
        opts.append(f"s{_dim_text(prm['s'])}")
    if prm["d"] != 1 or _maybe(draw):
        opts.append(f"d{_dim_text(prm['d'])}")
    if "g" in prm and (prm["g"] != 1 or _maybe(draw)):
        opts.append(f"g{prm['g']}")
    if "op" in prm and prm["pad"] != "same" and (prm["op"] or _maybe(draw)):
        opts.append(f"op{prm['op']}")
    if not prm["bias"]:
        opts.append("nb")
    return opts


def _render(draw, kind: str, prm: dict) -> str:
    """A token for a generated layer, in one of its legal spellings."""
    sep = _sep(draw)
    if kind in ("conv", "sepconv", "deconv", "dwconv"):
        opts = draw(st.permutations(_common_opts(draw, prm, kind == "deconv")))
        name = {"deconv": draw(st.sampled_from(["deconv", "convt"]))}.get(kind, kind)
        if kind == "dwconv":
            m = prm["m"]
            if m == 1 and not _maybe(draw):
                return _spell(
                    draw, name + sep.join(_kernel_text(draw, prm["kernel"])) + "".join(opts)
                )
            if draw(st.booleans()):  # dwconv3x3x2: rank + 1 numbers
                nums = [*_kernel_text(draw, prm["kernel"], full=True), str(m)]
                return _spell(draw, name + sep.join(nums) + "".join(opts))
            # dwconv3s1p1x2: the multiplier after the options (at least one option before it)
            if not opts:
                opts = [draw(st.sampled_from(["s1", "d1"]))]
            knums = _kernel_text(draw, prm["kernel"])
            return _spell(draw, name + sep.join(knums) + "".join(opts) + sep + str(m))
        knums = _kernel_text(draw, prm["kernel"])
        filters = str(prm["filters"])
        if draw(st.booleans()):
            return _spell(draw, name + sep.join([*knums, filters]) + "".join(opts))
        return _spell(draw, name + sep.join(knums) + "".join(opts) + sep + filters)
    if kind in ("maxpool", "avgpool"):
        name = draw(st.sampled_from(["pool", "maxpool"])) if kind == "maxpool" else "avgpool"
        kernel = prm["kernel"]
        knums = _kernel_text(draw, kernel)
        if kernel == (2,) * len(kernel) and draw(st.booleans()):
            knums = []  # no number means 2
        opts = _pad_opt(draw, prm["pad"])
        if prm["stride"] is not None:
            opts.append(f"s{_dim_text(_canon(prm['stride']))}")
        if prm["d"] != 1 or (kind == "maxpool" and _maybe(draw)):
            opts.append(f"d{_dim_text(prm['d'])}")
        if prm["ceil"]:
            opts.append("ceil")
        opts = draw(st.permutations(opts))
        return _spell(draw, name + sep.join(knums) + "".join(opts))
    if kind == "dense":
        name = draw(st.sampled_from(["dense", "dense", "fc", "linear"]))
        return _spell(draw, f"{name}{prm['n']}" + ("" if prm["bias"] else "nb"))
    if kind == "dropout":
        return _spell(draw, "dropout" + prm["rate"])
    if kind == "upsample":
        name = draw(st.sampled_from(["upsample", "up"]))
        f = prm["f"]
        return _spell(draw, name + ("" if f == 2 and draw(st.booleans()) else str(f)))
    if kind == "zpad":
        if "pairs" in prm:
            pairs = prm["pairs"]
            if len(set(pairs)) == 1 and draw(st.booleans()):
                pairs = pairs[:1]  # zpad0:1 pads every dim
            return _spell(draw, "zpad" + "_".join(f"{b}:{a}" for b, a in pairs))
        return _spell(draw, f"zpad{prm['n']}")
    if kind == "bn":
        return _spell(draw, "bn" + ("noscale" if prm.get("noscale") else ""))
    if kind == "rescale":
        return _spell(draw, "rescale" + prm.get("scale", ""))
    if kind == "norm":
        return _spell(draw, "norm" + ("fixed" if prm.get("fixed") else ""))
    if kind in ("gn", "shuffle"):
        return _spell(draw, f"{kind}{prm['g']}")
    if kind == "droppath":
        return _spell(draw, "droppath" + prm["rate"])
    if kind == "se":
        return _spell(draw, f"se{prm['r']}")
    if kind in ("apool", "amaxpool"):
        name = draw(st.sampled_from(["apool", "adaptiveavgpool"])) if kind == "apool" else kind
        return _spell(draw, name + sep.join(_kernel_text(draw, prm["size"])))
    if VOCAB2 and kind in ACTIVATION_ALIASES:
        return _spell(draw, draw(st.sampled_from([kind, *ACTIVATION_ALIASES[kind]])))
    return _spell(draw, kind)


# ---- layers


ACTIVATIONS = ["relu", "relu6", "leakyrelu", "elu", "gelu", "silu", "sigmoid", "tanh", "softmax"]
# vocabulary part 2 (drawn by specs(vocab2=True))
ACTIVATIONS2 = ["hswish", "hsigmoid", "mish", "selu", "softplus", "prelu"]
ACTIVATION_ALIASES = {"silu": ["swish"], "hswish": ["hardswish"], "hsigmoid": ["hardsigmoid"]}

#: set by specs(vocab2=True) while it draws: the strategy then also writes the forms of
#: "Vocabulary, part 2" (per-dim s/p/d, asymmetric zpad, apool, the new activations …).  Off by
#: default, so other users of specs() (the emitter's tests) see only the forms they know.
VOCAB2 = False
#: set by specs(keras=True) while it draws: no 3-D average pool with ``psame`` on an input
#: smaller than its kernel.  Keras' torch backend hands a symmetric ``same`` split to torch's
#: avg_pool3d as its ``padding``, and avg_pool3d alone checks the *unpadded* input against the
#: kernel (test_avgpool3d_pytorch_quirk; pinned for Keras in test_emit_keras.py).  PyTorch's
#: own users (this oracle, convcalc emit torch) pad first and are not affected.
KERAS = False
DROPOUT_RATES = ["", "0.25", ".25", "0", "0.", "0.5", ".1", "0.875"]


def _divisors(n: int) -> list[int]:
    return [g for g in range(1, n + 1) if n % g == 0]


def _draw_kernel(draw, spatial: Shape, cap) -> tuple[int, ...]:
    """A kernel under ``cap(w)`` per dim, or ``cap(w, i)`` when it takes the dim's index."""
    try:
        caps = [cap(w, i) for i, w in enumerate(spatial)]
    except TypeError:
        caps = [cap(w) for w in spatial]
    if len(spatial) == 1 or draw(st.booleans()):
        return (draw(st.integers(1, min(caps))),) * len(spatial)
    return tuple(draw(st.integers(1, c)) for c in caps)


def _draw_params(draw, kind: str, shape: Shape, cmax: int) -> dict:
    spatial, c = shape[:-1], shape[-1]
    if kind in ("conv", "dwconv", "sepconv", "deconv"):
        pad = draw(st.sampled_from(["none", "none", "same", "valid", 0, 1, 2, 3]))
        s = draw(st.sampled_from([1, 1, 2, 3]))
        d = draw(st.sampled_from([1, 1, 1, 2, 3]))
        rank = len(spatial)
        if VOCAB2 and rank > 1 and draw(st.booleans()):  # per-dim values: s1_2 p0_3 d1_2
            s = tuple(draw(st.sampled_from([1, 1, 2, 3])) for _ in spatial)
            d = tuple(draw(st.sampled_from([1, 1, 2])) for _ in spatial)
            if isinstance(pad, int) or draw(st.booleans()):
                pad = tuple(draw(st.integers(0, 3)) for _ in spatial)
        p = _pnum(pad)
        if kind == "deconv":  # a stride that keeps the output within the limits
            most = max(1, LIMIT[rank] // max(spatial))
            s = tuple(min(x, most) for x in s) if isinstance(s, tuple) else min(s, most)
            kernel = _draw_kernel(draw, spatial, lambda w: 4)
        else:
            kernel = _draw_kernel(
                draw,
                spatial,
                lambda w, i: (
                    5 if p == "same" else max(1, min(5, (w + 2 * _at(p, i) - 1) // _at(d, i) + 1))
                ),
            )
        prm = {"kernel": kernel, "pad": pad, "s": s, "d": d, "bias": draw(st.booleans())}
        if kind in ("conv", "deconv"):
            g = draw(st.sampled_from([1, 1, 1, *[g for g in _divisors(c) if g <= cmax]]))
            prm["g"] = g
            prm["filters"] = g * draw(st.integers(1, max(1, cmax // g)))
        if kind == "sepconv":
            prm["filters"] = draw(st.integers(1, cmax))
        if kind == "dwconv":
            prm["m"] = draw(st.integers(1, max(1, cmax // c)))
        if kind == "deconv":
            limit = min(max(_at(s, i), _at(d, i)) for i in range(rank))
            prm["op"] = 0 if pad in ("same", "valid") else draw(st.integers(0, limit - 1))
        return prm
    if kind in ("maxpool", "avgpool"):
        pad = draw(st.sampled_from(["none", "none", "none", "same", "valid", 0, 1, 2]))
        kernel = _draw_kernel(draw, spatial, lambda w: 4)
        if isinstance(pad, int):
            pad = min(pad, min(kernel) // 2)
        stride = None if draw(st.booleans()) else (draw(st.integers(1, 3)),) * len(spatial)
        d = draw(st.sampled_from([1, 1, 2])) if kind == "maxpool" else 1
        if VOCAB2 and len(spatial) > 1 and draw(st.booleans()):  # per-dim s, p, d
            stride = tuple(draw(st.integers(1, 3)) for _ in spatial)
            if pad not in ("same", "valid", "none"):
                pad = tuple(draw(st.integers(0, k // 2)) for k in kernel)
            if kind == "maxpool":
                d = tuple(draw(st.sampled_from([1, 2])) for _ in spatial)
        return {
            "kernel": kernel,
            "stride": stride,
            "pad": pad,
            "d": d,
            "ceil": pad != "same" and draw(st.booleans()),
        }
    if kind == "dense":
        return {"n": draw(st.integers(1, cmax)), "bias": draw(st.booleans())}
    if kind == "dropout":
        return {"rate": draw(st.sampled_from(DROPOUT_RATES))}
    if kind == "upsample":
        return {"f": draw(st.integers(1, 3))}
    if kind == "zpad":
        if VOCAB2 and draw(st.booleans()):  # zpad<b>:<a>, per dim joined by _
            pair = (draw(st.integers(0, 3)), draw(st.integers(0, 3)))
            if draw(st.booleans()):
                return {"pairs": (pair,) * len(spatial)}
            pairs = [(draw(st.integers(0, 3)), draw(st.integers(0, 3))) for _ in spatial]
            return {"pairs": tuple(pairs)}
        return {"n": draw(st.integers(0, 3))}
    if kind in ("apool", "amaxpool"):
        size = _draw_kernel(draw, spatial, lambda w: min(LIMIT[len(spatial)], 2 * w))
        return {"size": size}
    if kind in ("gn", "shuffle"):
        return {"g": draw(st.sampled_from(_divisors(c)))}
    if kind == "droppath":
        return {"rate": draw(st.sampled_from(DROPOUT_RATES[1:]))}
    if kind == "se":
        return {"r": draw(st.integers(1, cmax))}
    if kind == "bn" and VOCAB2:
        return {"noscale": draw(st.booleans())}
    if kind == "rescale":  # Rescaling's scale given (0.17), or not
        return {"scale": draw(st.sampled_from(["", "0.17", "2", ".5"]))}
    if kind == "norm":  # adapt()'s statistics, or given constants
        return {"fixed": draw(st.booleans())}
    return {}


def _layer(draw, kind: str, prm: dict) -> Item:
    return Item(kind, _render(draw, kind, prm), prm)


def _draw_layer(draw, shape: Shape, cmax: int, allow_vector: bool) -> Item:
    if len(shape) > 1:
        kinds = ["conv", "conv", "conv", "dwconv", "sepconv", "deconv", "deconv"]
        kinds += ["maxpool", "maxpool", "avgpool", "upsample", "zpad"]
        if VOCAB2:
            kinds += ["zpad", "apool", "amaxpool"]
        if allow_vector:
            kinds += ["gap", "gmp", "flatten", "dense"]
    else:
        kinds = ["dense", "dense", "flatten"]
    kinds += ["bn", "bn", "activation", "activation", "dropout", "id"]
    if VOCAB2:
        kinds += ["ln", "gn", "scale", "droppath", "rescale", "norm"]
        kinds += ["shuffle", "se"] if len(shape) > 1 else []
    for _ in range(4):
        kind = draw(st.sampled_from(kinds))
        if kind == "activation":
            kind = draw(st.sampled_from(ACTIVATIONS + ACTIVATIONS2 if VOCAB2 else ACTIVATIONS))
        prm = _draw_params(draw, kind, shape, cmax)
        if _fits(_layer_out(kind, prm, shape)):
            return _layer(draw, kind, prm)
    return _layer(draw, "relu", {})


# ---- adapters: a branch tail that brings a shape to a wanted one


def _adapter(draw, have: Shape, want: Shape) -> list[Item]:
    """Layers mapping ``have`` to ``want`` (a vector, or a map of the same rank)."""
    if have == want:
        return []
    if len(want) == 1:
        if len(have) > 1 and have[-1] == want[0] and draw(st.booleans()):
            return [_layer(draw, draw(st.sampled_from(["gap", "gmp"])), {})]
        if len(have) > 1 and prod(have) == want[0]:
            return [_layer(draw, "flatten", {})]
        return [_layer(draw, "dense", {"n": want[0], "bias": draw(st.booleans())})]
    a, t, c = have[:-1], want[:-1], want[-1]
    rank = len(a)
    conv = {"s": 1, "d": 1, "g": 1, "pad": "none", "filters": c, "bias": draw(st.booleans())}
    if a == t:
        return [_layer(draw, "conv", {**conv, "kernel": (1,) * rank})]
    for s in (2, 3):  # a ResNet-style 1×1 strided shortcut
        if all(-(-w // s) == o for w, o in zip(a, t)):
            return [_layer(draw, "conv", {**conv, "kernel": (1,) * rank, "s": s})]
    grow = max(o - w for w, o in zip(a, t))
    n = max(0, -(-grow // 2))
    kernel = tuple(w + 2 * n - o + 1 for w, o in zip(a, t))
    if n and draw(st.booleans()):
        return [_layer(draw, "zpad", {"n": n}), _layer(draw, "conv", {**conv, "kernel": kernel})]
    return [_layer(draw, "conv", {**conv, "kernel": kernel, "pad": n})]


# ---- structure


def _draw_items(
    draw, shape: Shape, count: int, depth: int, cmax: int, allow_vector: bool
) -> tuple[list[Item], Shape]:
    items: list[Item] = []
    for _ in range(count):
        item = _draw_item(draw, shape, depth, cmax, allow_vector)
        out = _apply(item, shape)
        assert out is not None, item.text  # the strategy itself is wrong
        items.append(item)
        shape = out
    return items, shape


def _draw_item(draw, shape: Shape, depth: int, cmax: int, allow_vector: bool) -> Item:
    choices = ["layer"] * 6
    if depth < 2:
        choices += ["group", "res", "res", "cat", "cat"]
        if VOCAB2:
            choices += ["mul", "mul", "split", "split", "aux"]
    choice = draw(st.sampled_from(choices))
    if choice == "layer":
        item = _draw_layer(draw, shape, cmax, allow_vector)
    elif choice == "group":
        body, _ = _draw_items(draw, shape, draw(st.integers(1, 3)), depth + 1, cmax, allow_vector)
        item = Item("group", "(" + " ".join(i.text for i in body) + ")", branches=[body])
    elif choice == "res":
        item = _draw_res(draw, shape, depth, cmax, allow_vector)
    elif choice == "mul":
        item = _draw_mul(draw, shape, depth, cmax)
    elif choice == "split":
        item = _draw_split(draw, shape, depth, cmax, allow_vector)
    elif choice == "aux":
        body, _ = _draw_items(draw, shape, draw(st.integers(1, 3)), depth + 1, cmax, True)
        item = Item("aux", _branch_text(draw, "aux", [body]), branches=[body])
    else:
        item = _draw_cat(draw, shape, depth, cmax, allow_vector)
    if _apply(item, shape) is None:  # a res/cat whose output grew too big
        item = _draw_layer(draw, shape, cmax, allow_vector)
    if draw(st.integers(0, 4)) == 0:
        n = draw(st.integers(2, 3))
        repeated = replace(item, repeat=n, text=f"{item.text}*{n}")
        if _apply(repeated, shape) is not None:
            return repeated
    return item


def _branch_text(draw, name: str, branches: list[list[Item]]) -> str:
    bar = draw(st.sampled_from([" | ", "|", " |", "| "]))
    inner = bar.join(" ".join(i.text for i in b) for b in branches)
    return draw(st.sampled_from([name, name, name.upper()])) + "(" + inner + ")"


def _draw_res(draw, shape: Shape, depth: int, cmax: int, allow_vector: bool) -> Item:
    is_vector = len(shape) == 1
    n = draw(st.integers(1, 3))
    if draw(st.booleans()):  # res(BODY): the body must give its input shape back
        body, out = _draw_items(draw, shape, n, depth + 1, cmax, is_vector)
        body += _adapter(draw, out, shape)
        if not body:
            body = [_layer(draw, "id", {})]
        return Item("res", _branch_text(draw, "res", [body]), branches=[body])
    body, out = _draw_items(draw, shape, n, depth + 1, cmax, allow_vector or is_vector)
    short, s_out = _draw_items(draw, shape, draw(st.integers(0, 2)), depth + 1, cmax, len(out) == 1)
    short += _adapter(draw, s_out, out)
    if not short:
        short = [_layer(draw, "id", {})]
    return Item("res", _branch_text(draw, "res", [body, short]), branches=[body, short])


def _draw_mul(draw, shape: Shape, depth: int, cmax: int) -> Item:
    """mul(BODY): a body giving x's shape, a vector of C, or a 1×…×1×C map (an SE gate)."""
    body, out = _draw_items(draw, shape, draw(st.integers(1, 3)), depth + 1, cmax, len(shape) == 1)
    c = shape[-1]
    want = draw(st.sampled_from(["same", "vector", "ones"])) if len(shape) > 1 else "same"
    if want == "vector":
        body += _adapter(draw, out, (c,))
    elif want == "ones":
        if len(out) > 1:
            body.append(_layer(draw, "apool", {"size": (1,) * (len(out) - 1)}))
            body += _adapter(draw, (*(1,) * (len(out) - 1), out[-1]), (*(1,) * (len(out) - 1), c))
        else:
            body += _adapter(draw, out, (c,))
    else:
        body += _adapter(draw, out, shape)
    body.append(_layer(draw, draw(st.sampled_from(["sigmoid", "hsigmoid", "id"])), {}))
    return Item("mul", _branch_text(draw, "mul", [body]), branches=[body])


def _draw_split(draw, shape: Shape, depth: int, cmax: int, allow_vector: bool) -> Item:
    """split(A | B | …): n branches on C/n channels each, outputs concatenated."""
    ns = [n for n in (2, 3) if len(shape) > 1 and shape[-1] % n == 0]
    if not ns:
        return _draw_layer(draw, shape, cmax, allow_vector)
    n = draw(st.sampled_from(ns))
    share = (*shape[:-1], shape[-1] // n)
    sub = max(1, cmax // n)
    first, out = _draw_items(draw, share, draw(st.integers(1, 3)), depth + 1, sub, False)
    branches = [first]
    for _ in range(n - 1):
        items, b_out = _draw_items(draw, share, draw(st.integers(0, 2)), depth + 1, sub, False)
        want = (*out[:-1], b_out[-1] if b_out[:-1] == out[:-1] else draw(st.integers(1, sub)))
        items += _adapter(draw, b_out, want)
        branches.append(items or [_layer(draw, "id", {})])
    return Item("split", _branch_text(draw, "split", branches), branches=branches)


def _draw_cat(draw, shape: Shape, depth: int, cmax: int, allow_vector: bool) -> Item:
    n = draw(st.integers(2, 3))
    sub = max(1, cmax // n)
    first, out = _draw_items(draw, shape, draw(st.integers(1, 3)), depth + 1, sub, allow_vector)
    branches = [first]
    for _ in range(n - 1):
        items, b_out = _draw_items(
            draw, shape, draw(st.integers(0, 2)), depth + 1, sub, len(out) == 1
        )
        if len(out) == 1:
            want = b_out if len(b_out) == 1 else (draw(st.integers(1, sub)),)
        else:
            want = (*out[:-1], b_out[-1] if b_out[:-1] == out[:-1] else draw(st.integers(1, sub)))
        items += _adapter(draw, b_out, want)
        branches.append(items or [_layer(draw, "id", {})])
    return Item("cat", _branch_text(draw, "cat", branches), branches=branches)


def _typed(kind: str, prm: dict):
    """The typed layer a generated token means, built directly (not through the parser)."""
    from convcalc import layers as L

    if kind in ("conv", "dwconv", "sepconv", "deconv"):
        common = {
            "kernel": prm["kernel"],
            "stride": _canon(prm["s"]),
            "padding": _canon(_pnum(prm["pad"])),
            "dilation": _canon(prm["d"]),
            "bias": prm["bias"],
        }
        if kind == "conv":
            return L.Conv(filters=prm["filters"], groups=prm["g"], **common)
        if kind == "dwconv":
            return L.DepthwiseConv(multiplier=prm["m"], **common)
        if kind == "sepconv":
            return L.SeparableConv(filters=prm["filters"], **common)
        if prm["pad"] == "valid":
            common["padding"] = "valid"
        return L.ConvTranspose(
            filters=prm["filters"], groups=prm["g"], output_padding=prm["op"], **common
        )
    if kind in ("maxpool", "avgpool"):
        return L.Pool(
            kind=kind,
            kernel=prm["kernel"],
            stride=prm["stride"] or prm["kernel"],
            padding=_canon(_pnum(prm["pad"])),
            dilation=_canon(prm["d"]),
            ceil=prm["ceil"],
        )
    if kind in ("apool", "amaxpool"):
        return L.AdaptivePool(kind=kind, size=prm["size"])
    if kind == "prelu":
        return L.PReLU()
    if kind == "zpad" and "pairs" in prm:
        pairs = prm["pairs"]
        if len(set(pairs)) == 1 and pairs[0][0] == pairs[0][1]:
            return L.ZeroPad(pad=pairs[0][0])
        return L.ZeroPad(pad=pairs)
    simple = {
        "gap": lambda: L.GlobalPool(kind="gap"),
        "gmp": lambda: L.GlobalPool(kind="gmp"),
        "flatten": L.Flatten,
        "dense": lambda: L.Dense(units=prm["n"], bias=prm["bias"]),
        "bn": lambda: L.BatchNorm(scale=not prm.get("noscale")),
        "ln": L.LayerNorm,
        "gn": lambda: L.GroupNorm(groups=prm.get("g", 1)),
        "scale": L.LayerScale,
        "shuffle": lambda: L.ChannelShuffle(groups=prm.get("g", 1)),
        "droppath": lambda: L.DropPath(rate=float(prm.get("rate") or 0)),
        "rescale": lambda: L.Rescaling(scale=float(prm["scale"]) if prm.get("scale") else None),
        "norm": lambda: L.Normalization(fixed=True if prm.get("fixed") else None),
        "se": lambda: L.SqueezeExcite(squeeze=prm.get("r", 1)),
        "dropout": lambda: L.Dropout(rate=float(prm["rate"] or 0.5)),
        "id": L.Identity,
        "upsample": lambda: L.Upsample(factor=prm["f"]),
        "zpad": lambda: L.ZeroPad(pad=prm["n"]),
    }
    if kind in simple:
        return simple[kind]()
    return L.Activation(kind=kind)


def _nodes(items: list[Item]) -> tuple:
    """The network the generated text means: repeats expanded, plain groups flattened."""
    from convcalc.spec import BranchNode, LayerNode

    nodes: list = []
    for item in items:
        if item.kind == "group":
            one = list(_nodes(item.branches[0]))
        elif item.kind in ("res", "cat", "mul", "split", "aux"):
            one = [BranchNode(item.kind, tuple(_nodes(b) for b in item.branches), "", 0)]
        else:
            one = [LayerNode(_typed(item.kind, item.prm), "", 0)]
        nodes += one * item.repeat
    return tuple(nodes)


@dataclass
class Spec:
    text: str
    channels_first: bool
    input_shape: Shape  # channels last
    items: list[Item]
    output: Shape  # channels last, from the strategy's own arithmetic


@st.composite
def specs(
    draw,
    ranks=(1, 2, 3),
    structures: bool = True,
    channels_first=None,
    vocab2: bool = False,
    keras: bool = False,
) -> Spec:
    """Random valid specs; ``vocab2`` adds the forms of "Vocabulary, part 2"; ``keras`` leaves
    out the one corner Keras' torch backend cannot run (:data:`KERAS`)."""
    global VOCAB2, KERAS
    VOCAB2, KERAS = vocab2, keras
    try:
        return _specs(draw, ranks, structures, channels_first)
    finally:
        VOCAB2 = KERAS = False


def _specs(draw, ranks, structures: bool, channels_first) -> Spec:
    rank = draw(st.sampled_from(ranks))
    spatial = tuple(draw(st.integers(1, LIMIT[rank])) for _ in range(rank))
    c = draw(st.integers(1, 8))
    cf = draw(st.booleans()) if channels_first is None else channels_first
    shape = (*spatial, c)
    count = draw(st.integers(1, 5 if VOCAB2 else 8))  # vocab2's structures are bigger
    if structures:
        items, out = _draw_items(draw, shape, count, 0, CMAX, True)
    else:
        items, out = _draw_items(draw, shape, count, 2, CMAX, True)
    sep = _sep(draw)
    dims = (c, *spatial) if cf else shape
    gap = draw(st.sampled_from([" ", " ", ", ", ","]))
    text = sep.join(map(str, dims)) + " " + gap.join(i.text for i in items)
    return Spec(text, cf, shape, items, out)


def _check_spec(oracle, spec: Spec) -> None:
    note(f"spec: {spec.text!r}  channels_first={spec.channels_first}")
    network = convcalc.parse(spec.text, channels_first=spec.channels_first)
    # the parser read every token as the strategy meant it (so the oracle, which builds its
    # modules from the parsed layers, is building what the text says)
    assert network.input_shape == spec.input_shape
    assert network.nodes == _nodes(spec.items)
    _, out = compare(oracle, spec.text, spec.channels_first)
    want = spec.output if len(spec.output) == 1 else (spec.output[-1], *spec.output[:-1])
    assert tuple(out.shape[1:]) == want, "the strategy's own shape arithmetic"


ORACLE_SETTINGS = settings(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@settings(ORACLE_SETTINGS, max_examples=200)
@given(spec=specs())
def test_random_networks_match_pytorch(oracle, spec):
    _check_spec(oracle, spec)


@settings(ORACLE_SETTINGS, max_examples=60)
@given(spec=specs(structures=False, channels_first=True))
def test_random_channels_first_layer_stacks_match_pytorch(oracle, spec):
    _check_spec(oracle, spec)


@settings(ORACLE_SETTINGS, max_examples=60)
@given(spec=specs(ranks=(3,)))
def test_random_3d_networks_match_pytorch(oracle, spec):
    _check_spec(oracle, spec)


@settings(ORACLE_SETTINGS, max_examples=300)
@given(spec=specs(vocab2=True))
def test_random_networks_with_vocabulary_part2_match_pytorch(oracle, spec):
    """The forms of "Vocabulary, part 2" (per-dim s/p/d, zpad<b>:<a>, apool/amaxpool, the new
    activations, Keras pvalid on transposed convs …) drawn among the old ones, in random
    nesting."""
    _check_spec(oracle, spec)


# ---- single layers with arbitrary options: convcalc refuses exactly what PyTorch refuses


@st.composite
def single_layers(draw):
    """(spec text, the typed layer built directly — bypassing convcalc's checks —, input)."""
    from convcalc import layers as L

    rank = draw(st.integers(1, 3))
    spatial = tuple(draw(st.integers(1, 8)) for _ in range(rank))
    c = draw(st.integers(1, 8))
    kind = draw(st.sampled_from(["conv", "dwconv", "sepconv", "deconv", "maxpool", "avgpool"]))
    if kind == "avgpool" and rank == 3:  # avoid the avg_pool3d quirk: test_avgpool3d_pytorch_quirk
        kernel = _draw_kernel(draw, spatial, lambda w: w)
    else:
        kernel = _draw_kernel(draw, spatial, lambda w: 7)
    s = draw(st.integers(1, 3))
    d = draw(st.integers(1, 3)) if kind != "avgpool" else 1
    pad = draw(st.sampled_from(["none", "valid", 0, 1, 2, 3, 4]))
    p = _pnum(pad)
    bias = draw(st.booleans())
    if kind in ("maxpool", "avgpool"):
        prm = {
            "kernel": kernel,
            "stride": (s,) * rank if draw(st.booleans()) else None,
            "pad": pad,
            "d": d,
            "ceil": draw(st.booleans()),
        }
        layer = L.Pool(
            kind=kind,
            kernel=kernel,
            stride=prm["stride"] or kernel,
            padding=p,
            dilation=d,
            ceil=prm["ceil"],
        )
    else:
        prm = {"kernel": kernel, "pad": pad, "s": s, "d": d, "bias": bias}
        filters = draw(st.integers(1, 8))
        common = {"kernel": kernel, "stride": s, "padding": p, "dilation": d, "bias": bias}
        if kind in ("conv", "deconv"):
            prm["g"] = draw(st.integers(1, 4))
        if kind in ("conv", "sepconv", "deconv"):
            prm["filters"] = filters
        if kind == "conv":
            layer = L.Conv(filters=filters, groups=prm["g"], **common)
        elif kind == "sepconv":
            layer = L.SeparableConv(filters=filters, **common)
        elif kind == "dwconv":
            prm["m"] = draw(st.integers(1, 3))
            layer = L.DepthwiseConv(multiplier=prm["m"], **common)
        else:
            prm["op"] = draw(st.integers(0, 3))
            if pad == "valid":  # Keras' pvalid on a transposed conv (op goes with p<n> only)
                common["padding"] = "valid"
                prm["op"] = 0
            layer = L.ConvTranspose(
                filters=filters, groups=prm["g"], output_padding=prm["op"], **common
            )
    text = "x".join(map(str, (*spatial, c))) + " " + _render(draw, kind, prm)
    return text, layer, (*spatial, c)


@settings(ORACLE_SETTINGS, max_examples=150)
@given(case=single_layers())
def test_single_layer_accepted_exactly_when_pytorch_accepts(oracle, case):
    import torch

    text, layer, (*spatial, c) = case
    note(f"spec: {text!r}  torch layer: {layer!r}")
    try:
        report = convcalc.analyze(text)
    except ConvcalcError as err:
        ours = err
    else:
        ours = None
    x = torch.zeros(1, c, *spatial)
    try:
        with torch.no_grad():
            theirs = oracle.build_layer(layer, x)(x)
    except (RuntimeError, ValueError) as err:
        theirs = err
    else:
        if theirs.numel() == 0:  # a transposed conv to size 0 gives an empty tensor, no error
            theirs = RuntimeError(f"empty output {tuple(theirs.shape)}")
    note(f"convcalc: {ours!r}  torch: {theirs!r}")
    if ours is not None or isinstance(theirs, Exception):
        assert ours is not None and isinstance(theirs, Exception), "one accepts, one refuses"
        return
    assert report.layers[0].layer == layer, "the token was read as meant"
    shape = oracle.to_torch_layout(report.layers[0].output_shape, False)
    assert shape == tuple(theirs.shape[1:])
    compare(oracle, text)


# ============================================================================================
# 2. explicit cases: every token and every edge rule, totals by hand arithmetic

# (spec, channels_first, output shape as displayed, trainable, non-trainable, MACs)
EXPLICIT = [
    # the homework: conv 3·3·1·32+32 = 320, 14·14·32·9 = 56,448 MACs; dense (1568+1)·5 = 7,845,
    # 1568·5 = 7,840 MACs
    ("28x28x1 conv3x3s2p1x32 pool2 dense5", False, [5], 8165, 0, 64288),
    ("28×28×1 CONV3X3S2P1X32 POOL2 DENSE5", False, [5], 8165, 0, 64288),
    ("28x28x1, conv3x3x32s2p1, maxpool2, fc5", False, [5], 8165, 0, 64288),
    ("28x28x1 conv3s2p1x32 pool linear5", False, [5], 8165, 0, 64288),
    # 1×1 conv cutting channels: 256·64 + 64; 56·56·64·256 MACs
    ("56x56x256 conv1x1x64", False, [56, 56, 64], 16448, 0, 51380224),
    # conv: rank 1, rank 3, a 1×7 kernel, groups, dilation with padding, psame, nb
    ("100x16 conv5s2x32", False, [48, 32], 2592, 0, 122880),
    ("8x16x16x3 conv3p1x8", False, [8, 16, 16, 8], 656, 0, 1327104),
    ("28x28x1 conv1x7x4", False, [28, 22, 4], 32, 0, 17248),
    ("8x8x4 conv3p1g2x6", False, [8, 8, 6], 114, 0, 6912),
    ("9x9x2 conv3d2p2x4", False, [9, 9, 4], 76, 0, 5832),
    ("10x10x2 conv4psamex3", False, [10, 10, 3], 99, 0, 9600),  # stride 1: padding='same'
    ("7x7x1 conv3s2psamex1", False, [4, 4, 1], 10, 0, 144),  # TF split 1 | 1
    ("8x8x1 conv3s2psamex2", False, [4, 4, 2], 20, 0, 288),  # TF split 0 | 1
    ("8x8x3 conv3nbx4", False, [6, 6, 4], 108, 0, 3888),
    # dwconv: multiplier as rank+1 numbers and as x<m> after the options; rank 3
    ("8x8x4 dwconv3x3x2", False, [6, 6, 8], 80, 0, 2592),
    ("8x8x4 dwconv3s1p1x2", False, [8, 8, 8], 80, 0, 4608),
    ("8x8x4 dwconv3s2psamenb", False, [4, 4, 4], 36, 0, 576),
    ("4x4x4x2 dwconv3x3x3x2", False, [2, 2, 2, 4], 112, 0, 864),
    # sepconv: 3·3·4 + 4·8 + 8; 36·4·9 + 36·4·8 MACs
    ("8x8x4 sepconv3x8", False, [6, 6, 8], 76, 0, 2448),
    # transposed conv: output padding = stride − 1, psame, groups + dilation + op, rank 1
    ("7x7x4 deconv3s2p1op1x8", False, [14, 14, 8], 296, 0, 14112),
    ("5x5x2 deconv3s2psamex4", False, [10, 10, 4], 76, 0, 1800),
    ("5x5x2 deconv4s1psamex4", False, [5, 5, 4], 132, 0, 3200),
    ("6x6x4 convt3s1d2op1g2nbx6", False, [11, 11, 6], 108, 0, 3888),
    ("10x3 deconv4s2p1x2", False, [20, 2], 26, 0, 240),
    # pools: default kernel 2, padding = F/2, ceil, dilation, psame, ranks 1 and 3
    ("28x28x3 pool", False, [14, 14, 3], 0, 0, 0),
    ("7x7x1 pool3s2p1", False, [4, 4, 1], 0, 0, 0),
    ("6x6x1 avgpool2p1", False, [4, 4, 1], 0, 0, 0),
    # ceil: ⌈(5+2−2)/2⌉+1 = 4, but window 4 would start at 6 ≥ 5+1, in the right padding: 3
    ("5x5x1 maxpool2s2p1ceil", False, [3, 3, 1], 0, 0, 0),
    ("6x6x1 pool3s2ceil", False, [3, 3, 1], 0, 0, 0),  # floor would give 2
    ("3x3x2 pool4ceil", False, [1, 1, 2], 0, 0, 0),  # kernel > input: a ceil pool needs out ≥ 1
    ("9x9x2 maxpool3s1d2p1", False, [7, 7, 2], 0, 0, 0),
    ("7x7x2 pool3s2psame", False, [4, 4, 2], 0, 0, 0),
    ("5x5x1 avgpool2psame", False, [3, 3, 1], 0, 0, 0),
    ("9x2 pool3s2", False, [4, 2], 0, 0, 0),
    ("4x6x6x2 maxpool2", False, [2, 3, 3, 2], 0, 0, 0),
    ("7x9x2 avgpool3x2s1p1", False, [7, 10, 2], 0, 0, 0),
    # global pools, flatten, dense
    ("7x7x5 gap", False, [5], 0, 0, 0),
    ("4x4x4x3 gmp", False, [3], 0, 0, 0),
    ("10x6 gap", False, [6], 0, 0, 0),
    ("3x4x5 flatten", False, [60], 0, 0, 0),
    ("3x4x5 flatten flatten", False, [60], 0, 0, 0),
    ("3x4x5 dense7", False, [7], 427, 0, 420),
    ("10x3 fc4nb", False, [4], 120, 0, 120),
    ("6x2 gap linear3", False, [3], 9, 0, 6),
    # batch norm on maps of each rank and on a vector: 2C + 2C
    ("4x4x6 bn", False, [4, 4, 6], 12, 12, 0),
    ("10x3 bn", False, [10, 3], 6, 6, 0),
    ("2x2x2x5 bn", False, [2, 2, 2, 5], 10, 10, 0),
    ("10x3 flatten bn", False, [30], 60, 60, 0),
    # activations, dropout forms, upsample, zpad, id
    ("4x4x3 relu relu6 leakyrelu elu gelu silu sigmoid tanh softmax", False, [4, 4, 3], 0, 0, 0),
    ("8x2 flatten softmax", False, [16], 0, 0, 0),
    ("4x4x3 dropout dropout0.25 dropout.25 dropout0", False, [4, 4, 3], 0, 0, 0),
    ("4x4x3 up3", False, [12, 12, 3], 0, 0, 0),
    ("5x2 upsample", False, [10, 2], 0, 0, 0),
    ("2x2x2x1 up", False, [4, 4, 4, 1], 0, 0, 0),
    ("4x4x3 zpad2", False, [8, 8, 3], 0, 0, 0),
    ("4x4x3 zpad0", False, [4, 4, 3], 0, 0, 0),
    ("4x4x3 id", False, [4, 4, 3], 0, 0, 0),
    # structure: res(BODY), a ResNet downsampling block, Inception cat, a U-Net level, nesting
    ("8x8x4 res(conv3p1x4 bn relu conv3p1x4)", False, [8, 8, 4], 304, 8, 18432),
    (
        "8x8x4 res(conv3s2p1x8nb bn relu conv3p1x8nb bn | conv1s2x8nb bn) relu",
        False,
        [4, 4, 8],
        944,
        48,
        14336,
    ),
    ("8x8x4 cat(conv1x4 | conv3p1x6 | pool3s1p1)", False, [8, 8, 14], 242, 0, 14848),
    ("8x8x4 cat(id | pool2 conv3p1x4 up2)", False, [8, 8, 8], 148, 0, 2304),
    ("8x8x2 res(cat(conv1x2 | conv3p1x2) conv1x2)", False, [8, 8, 2], 54, 0, 3072),
    ("6x2 cat(flatten | gap)", False, [14], 0, 0, 0),
    ("10x3 flatten res(dense30 relu)", False, [30], 930, 0, 900),
    # repeats
    ("8x8x4 (conv3p1x4 relu)*2", False, [8, 8, 4], 296, 0, 18432),
    ("8x8x4 conv3p1x4*3", False, [8, 8, 4], 444, 0, 27648),
    ("8x8x4 res(conv3p1x4 relu)*2", False, [8, 8, 4], 296, 0, 18432),
    # channels first: the input is C×…, every shape printed that way
    ("3x32x32 conv3x16", True, [16, 30, 30], 448, 0, 388800),
    ("4x10 conv3x8", True, [8, 8], 104, 0, 768),
    ("2x4x4x4 pool2", True, [2, 2, 2, 2], 0, 0, 0),
    ("3x8x8 res(conv3p1x3 | id) gap", True, [3], 84, 0, 5184),
    # ---- vocabulary part 2
    # per-dim padding: Inception's (1, 7) conv, (0, 3) padding: 1·7·3·128 + 128 = 2,816;
    # 28·28·128 · 21 = 2,107,392 MACs
    ("28x28x3 conv1x7p0_3x128", False, [28, 28, 128], 2816, 0, 2107392),
    # per-dim stride (1, 2): H (28 − 3)/1 + 1 = 26, W ⌊25/2⌋ + 1 = 13; 26·13·64 · 27 = 584,064
    ("28x28x3 conv3s1_2x64", False, [26, 13, 64], 1792, 0, 584064),
    # per-dim dilation and padding: H 9 + 2 − 3 + 1 = 9, W 9 + 4 − 5 + 1 = 9; 81·4 · 18 MACs
    ("9x9x2 conv3d1_2p1_2x4", False, [9, 9, 4], 76, 0, 5832),
    # channels first: C, then H, W; s2_1 is stride 2 along H: ⌊(8 − 3)/2⌋ + 1 = 3, W 6
    ("2x8x8 dwconv3s2_1", True, [2, 3, 6], 20, 0, 324),
    # pools: H ⌊(8 + 2 − 3)/2⌋ + 1 = 4, W ⌊(8 − 3)/2⌋ + 1 = 3; maxpool d1_2: H 7, W 9 − 5 + 1 = 5
    ("8x8x2 pool3s2p1_0", False, [4, 3, 2], 0, 0, 0),
    ("9x9x1 maxpool3s1d1_2", False, [7, 5, 1], 0, 0, 0),
    # asymmetric zero padding: 10 + 0 + 1 = 11; 4 + 1 + 2 = 7, 6 + 1 + 2 = 9; 5 + 0 + 1, 5 + 2 + 0
    ("10x10x3 zpad0:1_0:1", False, [11, 11, 3], 0, 0, 0),
    ("4x6x2 zpad1:2", False, [7, 9, 2], 0, 0, 0),
    ("5x5x1 zpad0:1_2:0", False, [6, 7, 1], 0, 0, 0),
    ("10x2 zpad3:0", False, [13, 2], 0, 0, 0),
    # adaptive pools: to n per dim, larger than the input too; apool1 keeps a 1×1 map, and a
    # 1×1 conv on it: 3·8 + 8 = 32 params, 8·3 = 24 MACs
    ("14x14x8 apool7", False, [7, 7, 8], 0, 0, 0),
    ("13x13x4 adaptiveavgpool6x6", False, [6, 6, 4], 0, 0, 0),
    ("10x3 amaxpool4", False, [4, 3], 0, 0, 0),
    ("5x7x2 amaxpool9x3", False, [9, 3, 2], 0, 0, 0),
    ("4x4x4x2 apool1", False, [1, 1, 1, 2], 0, 0, 0),
    ("7x7x3 apool1 conv1x8", False, [1, 1, 8], 32, 0, 24),
    # activations (aliases too) and prelu's one shared slope
    (
        "4x4x3 hswish hardswish hsigmoid hardsigmoid swish mish selu softplus prelu",
        False,
        [4, 4, 3],
        1,
        0,
        0,
    ),
    ("10x3 flatten prelu prelu", False, [30], 2, 0, 0),
    # Keras pvalid on transposed convs: W·S + max(D(F−1) + 1 − S, 0): 5·2 + 0 = 10 where p0
    # gives 9; params 1·2·4 + 4 = 12, MACs 5·5·2 · 1·4 = 200.  Kernel ≥ stride: as p0, 11.
    ("5x5x2 deconv1s2pvalidx4", False, [10, 10, 4], 12, 0, 200),
    ("5x5x2 deconv3s2pvalidx4", False, [11, 11, 4], 76, 0, 1800),
    ("6x1 convt2s3pvalidx1", False, [18, 1], 3, 0, 12),  # 6·3 + max(2 − 3, 0) = 18
    ("5x5x2 deconv1s2p0x4", False, [9, 9, 4], 12, 0, 200),  # PyTorch: (5 − 1)·2 + 1 = 9
    # psame with stride 2 and dilation 2 (TensorFlow refuses it; noted): ⌈9/2⌉ = 5
    ("9x9x2 conv3s2d2psamex4", False, [5, 5, 4], 76, 0, 1800),
    # norms: ln 2C (γ, β) over the channels; on a vector, over its 60 features: 120
    ("8x8x4 ln", False, [8, 8, 4], 8, 0, 0),
    ("10x6 ln", False, [10, 6], 12, 0, 0),
    ("3x4x5 flatten ln", False, [60], 120, 0, 0),
    # gn: 2C whatever the groups
    ("8x8x4 gn2", False, [8, 8, 4], 8, 0, 0),
    ("2x3x3x6 gn3 gn6 gn1", False, [2, 3, 3, 6], 36, 0, 0),
    # bn noscale: β only, C trainable, + 2C running statistics
    ("8x8x4 bnnoscale", False, [8, 8, 4], 4, 8, 0),
    ("10x3 flatten bnNOSCALE", False, [30], 30, 60, 0),
    # layer scale: C; channel shuffle and stochastic depth: nothing
    ("8x8x4 scale", False, [8, 8, 4], 4, 0, 0),
    ("8x8x4 shuffle2 shuffle4 droppath0.2 droppath.1 droppath0", False, [8, 8, 4], 0, 0, 0),
    ("10x6 shuffle3", False, [10, 6], 0, 0, 0),
    # Keras input layers: rescale nothing; norm 2C + 1 non-trainable: 2·3 + 1 = 7
    ("8x8x3 rescale norm", False, [8, 8, 3], 0, 7, 0),
    # a given scale, and Normalization(mean=…, variance=…): constants, no weights at all
    ("8x8x3 rescale0.17 normfixed rescale2", False, [8, 8, 3], 0, 0, 0),
    ("10x3 flatten norm", False, [30], 0, 61, 0),
    # a ConvNeXt block's tail: dwconv7 (7·7·8 + 8 = 400), ln 16, 1×1 up (8·32 + 32 = 288),
    # gelu, 1×1 down (32·8 + 8 = 264), scale 8, droppath: 400 + 16 + 288 + 264 + 8 = 976;
    # MACs 4·4·8·49 + 4·4·32·8 + 4·4·8·32 = 6,272 + 4,096 + 4,096 = 14,464
    (
        "4x4x8 res(dwconv7p3 ln conv1x32 gelu conv1x8 scale droppath0.1)",
        False,
        [4, 4, 8],
        976,
        0,
        14464,
    ),
    # ---- structures
    # squeeze-and-excitation on 32 channels: (32 + 1)·8 + (8 + 1)·32 = 552; 32·8 + 8·32 MACs
    ("8x8x32 mul(apool1 conv1x8 relu conv1x32 hsigmoid)", False, [8, 8, 32], 552, 0, 512),
    ("8x8x32 se8", False, [8, 8, 32], 552, 0, 512),
    ("4x4x4x6 se2", False, [4, 4, 4, 6], 32, 0, 24),  # (6 + 1)·2 + (2 + 1)·6; 12 + 12
    # a vector gate and a full-map gate: dense (4 + 1)·4, 4·4 MACs; conv 3·3·4·4 + 4, 36·4·36
    ("6x6x4 mul(gap dense4 sigmoid)", False, [6, 6, 4], 20, 0, 16),
    ("6x6x4 MUL(conv3p1x4 sigmoid)", False, [6, 6, 4], 148, 0, 5184),
    # a ShuffleNetV2 unit: 116 = 58 + 58; 58·58 twice + 9·58, BN 3·2·58 + 3·2·58;
    # MACs 64·58·58·2 + 64·58·9 = 464,000
    (
        "8x8x116 split(id | conv1x58nb bn relu dwconv3p1nb bn conv1x58nb bn relu) shuffle2",
        False,
        [8, 8, 116],
        7598,
        348,
        464000,
    ),
    # three shares of 2: 2·2 + 2 and 18·2 + 2 params; 36·2·2 + 36·2·18 MACs
    ("6x6x6 split(conv1x2 | conv3p1x2 | pool3s1p1)", False, [6, 6, 6], 44, 0, 1440),
    # aux: its params count (4·10 + 10), its MACs (40) only in aux_macs; conv 64·2·4 = 512
    ("8x8x4 aux(gap dense10) conv1x2", False, [8, 8, 2], 60, 0, 512),
    # inside a res: 20 + 771 params; 64·4·4 = 1,024 MACs (the head's 256·3 stay out)
    ("8x8x4 res(conv1x4 aux(flatten dense3))", False, [8, 8, 4], 791, 0, 1024),
    # Inception-v3's aux head on 17×17×768: 768·128 + 2·128 + 25·128·768 + 2·768 +
    # 768·1000 + 1000 = 3,326,696 trainable, 2·128 + 2·768 running statistics
    (
        "17x17x768 aux(avgpool5s3 conv1x128nb bn relu conv5x768nb bn relu apool1 flatten "
        "dense1000)",
        False,
        [17, 17, 768],
        3326696,
        1792,
        0,
    ),
]


@pytest.mark.parametrize(
    ("spec", "channels_first", "shape", "trainable", "frozen", "macs"), EXPLICIT
)
def test_explicit_case(oracle, spec, channels_first, shape, trainable, frozen, macs):
    report, _ = compare(oracle, spec, channels_first)
    totals = report.totals
    assert totals.output_shape == shape
    assert (totals.trainable_params, totals.non_trainable_params, totals.macs) == (
        trainable,
        frozen,
        macs,
    )


def test_every_layer_kind_is_in_the_explicit_table():
    from convcalc.layers import REGISTRY

    written = " ".join(spec.lower() for spec, *_ in EXPLICIT)
    missing = [name for name in REGISTRY if name not in written]
    assert not missing, f"no explicit oracle case for {missing}"


# ============================================================================================
# 3. rejections: where convcalc refuses, PyTorch refuses too


def _run(t, module, *shape):
    return module(t.zeros(1, *shape))


REJECTIONS = [
    # pool padding > F/2
    ("6x6x1 pool3p2", lambda t: _run(t, t.nn.MaxPool2d(3, 3, 2), 1, 6, 6)),
    ("6x6x1 avgpool2p2", lambda t: _run(t, t.nn.AvgPool2d(2, 2, 2), 1, 6, 6)),
    ("9x9x2 maxpool3d2p2", lambda t: _run(t, t.nn.MaxPool2d(3, 3, 2, dilation=2), 2, 9, 9)),
    ("9x2 pool2s1p2ceil", lambda t: _run(t, t.nn.MaxPool1d(2, 1, 2, ceil_mode=True), 2, 9)),
    ("4x4x4x1 avgpool3x1x3p1", lambda t: _run(t, t.nn.AvgPool3d((3, 1, 3), None, 1), 1, 4, 4, 4)),
    # output padding ≥ max(stride, dilation)
    ("5x5x2 deconv3s2op2x4", lambda t: _run(t, t.nn.ConvTranspose2d(2, 4, 3, 2, 0, 2), 2, 5, 5)),
    ("5x5x2 deconv3op1x4", lambda t: _run(t, t.nn.ConvTranspose2d(2, 4, 3, 1, 0, 1), 2, 5, 5)),
    (
        "5x5x2 convt3s2d3op3x4",
        lambda t: _run(t, t.nn.ConvTranspose2d(2, 4, 3, 2, 0, 3, dilation=3), 2, 5, 5),
    ),
    ("9x1 deconv2s2op2x1", lambda t: _run(t, t.nn.ConvTranspose1d(1, 1, 2, 2, 0, 2), 1, 9)),
    # groups that do not divide the input channels or the filters
    ("5x5x6 conv3g4x8", lambda t: t.nn.Conv2d(6, 8, 3, groups=4)),
    ("5x5x8 conv3g4x6", lambda t: t.nn.Conv2d(8, 6, 3, groups=4)),
    ("5x5x6 deconv3g4x8", lambda t: t.nn.ConvTranspose2d(6, 8, 3, groups=4)),
    ("5x5x8 deconv3g3x6", lambda t: t.nn.ConvTranspose2d(8, 6, 3, groups=3)),
    # a (dilated) kernel larger than the padded input, and outputs < 1
    ("5x5x2 conv7x4", lambda t: _run(t, t.nn.Conv2d(2, 4, 7), 2, 5, 5)),
    ("5x5x2 conv3p1d4x4", lambda t: _run(t, t.nn.Conv2d(2, 4, 3, padding=1, dilation=4), 2, 5, 5)),
    ("10x2 conv11x4", lambda t: _run(t, t.nn.Conv1d(2, 4, 11), 2, 10)),
    ("4x4x4x2 conv3x5x3x4", lambda t: _run(t, t.nn.Conv3d(2, 4, (3, 5, 3)), 2, 4, 4, 4)),
    ("5x5x2 dwconv6", lambda t: _run(t, t.nn.Conv2d(2, 2, 6, groups=2), 2, 5, 5)),
    ("5x5x2 sepconv6x4", lambda t: _run(t, t.nn.Conv2d(2, 2, 6, groups=2, bias=False), 2, 5, 5)),
    ("5x5x2 pool7", lambda t: _run(t, t.nn.MaxPool2d(7), 2, 5, 5)),
    ("5x5x2 avgpool6s1", lambda t: _run(t, t.nn.AvgPool2d(6, 1), 2, 5, 5)),
    ("5x5x2 maxpool8s1ceil", lambda t: _run(t, t.nn.MaxPool2d(8, 1, ceil_mode=True), 2, 5, 5)),
    ("4x4x4x2 pool5", lambda t: _run(t, t.nn.MaxPool3d(5), 2, 4, 4, 4)),
    ("1x1x2 deconv1p1x2", lambda t: _run(t, t.nn.ConvTranspose2d(2, 2, 1, padding=1), 2, 1, 1)),
    ("4x3 deconv2s1p3x2", lambda t: _run(t, t.nn.ConvTranspose1d(3, 2, 2, padding=3), 3, 4)),
]


@pytest.mark.parametrize(("spec", "in_torch"), REJECTIONS, ids=[s for s, _ in REJECTIONS])
def test_convcalc_and_pytorch_both_reject(torch, spec, in_torch):
    with pytest.raises(ConvcalcError):
        convcalc.analyze(spec)
    with torch.no_grad(), pytest.raises((RuntimeError, ValueError)):
        in_torch(torch)


# ============================================================================================
# known differences between PyTorch and the contract


def test_avgpool3d_pytorch_quirk(oracle, torch):
    """torch's avg_pool3d alone wants the *unpadded* input ≥ the kernel; the contract (and
    avg_pool1d/2d, max_pool3d) ask only for the padded input, so convcalc follows the contract.
    The random strategies avoid this corner; this pins it."""
    report = convcalc.analyze("2x2x2x1 avgpool3s1p1")
    assert report.totals.output_shape == [2, 2, 2, 1]  # (2 + 2 − 3)/1 + 1 = 2
    x = torch.zeros(1, 1, 2, 2, 2)
    assert tuple(torch.nn.MaxPool3d(3, 1, 1)(x).shape) == (1, 1, 2, 2, 2)
    assert tuple(torch.nn.AvgPool2d(3, 1, 1)(x[:, :, 0]).shape) == (1, 1, 2, 2)
    with pytest.raises(RuntimeError, match="smaller than kernel size"):
        torch.nn.AvgPool3d(3, 1, 1)(x)


def test_group_norm_pytorch_quirk(torch):
    """PyTorch's group_norm refuses groups of a single value, even in eval mode ("Expected more
    than 1 value per channel"); Keras' GroupNormalization takes them, and so does convcalc (the
    parameters do not depend on it).  The random strategies avoid this corner; this pins it."""
    assert convcalc.analyze("1x1x4 gn4").totals.trainable_params == 8
    assert convcalc.analyze("4x4 flatten gn16").totals.trainable_params == 32
    norm = torch.nn.GroupNorm(4, 4).eval()
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        norm(torch.zeros(1, 4, 1, 1))
    assert tuple(norm(torch.zeros(1, 4, 1, 2)).shape) == (1, 4, 1, 2)


PSAME_DECONV = [(s, d, f) for s in (1, 2, 3) for d in (1, 2) for f in (1, 2, 3, 4, 5)]


@pytest.mark.parametrize(("stride", "dilation", "kernel"), PSAME_DECONV)
def test_deconv_psame_torch_padding_works_in_pytorch(torch, stride, dilation, kernel):
    """The note 'in PyTorch padding=p, output_padding=op[, then drop the last row]' must be a
    setting PyTorch takes and must give W·S.  Stride 1, dilation 1 and an even kernel have no
    legal output padding (it must be < max(stride, dilation)): there the note says to crop."""
    from convcalc.layers import ConvTranspose

    layer = ConvTranspose(
        kernel=(kernel,), filters=2, stride=stride, dilation=dilation, padding="same"
    )
    p, op, crop = layer.torch_padding(kernel)
    assert op < max(stride, dilation)
    assert crop == (1 if stride == dilation == 1 and kernel % 2 == 0 else 0)
    conv = torch.nn.ConvTranspose1d(3, 2, kernel, stride, p, op, dilation=dilation)
    out = conv(torch.zeros(1, 3, 7))
    assert out.shape[-1] - crop == 7 * stride
