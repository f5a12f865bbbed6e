"""One value rule per layer kind, forward and backward: :data:`RULES`, keyed by the layer's
``kind`` (the registry's names for it).

A rule reads the typed layer from :mod:`convcalc.layers` (its kernel, stride, padding …) and the
shape engine's own window arithmetic (``forward``'s windows for the padding before, its shape
for the output size), so the value engine and the shape report can never disagree on a shape.
Adding a kind is one class here, decorated ``@rule("kind", …)``, and its tests.

Maps are channel planes first (``[C][H][W]``, ``[C][L]``); a vector is ``[N]``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import product
from math import prod
from typing import Any, ClassVar

from .matrix import Num, Tensor
from .work import Work

__all__ = [
    "LEAKY_SLOPE",
    "RULES",
    "Ctx",
    "Geometry",
    "Rule",
    "conv_backward",
    "conv_forward",
    "taps",
]

ZERO = Fraction(0)
ONE = Fraction(1)
#: leakyrelu's slope for x < 0: PyTorch's default, 0.01 (Keras' default is 0.3)
LEAKY_SLOPE = Fraction(1, 100)


# --------------------------------------------------------------------------------------------
# sliding windows


@dataclass(frozen=True, slots=True)
class Geometry:
    """One spatial dim of a sliding window: input size, kernel, stride, padding before (top or
    left), dilation and output size."""

    size: int
    kernel: int
    stride: int
    pad: int
    dilation: int
    out: int


def taps(geo: list[Geometry]) -> list[list[int]]:
    """For each output position (row-major), the flat input index under each kernel position
    (row-major), or -1 where the window lies on padding."""
    kernel_coords = list(product(*(range(g.kernel) for g in geo)))
    table = []
    for out in product(*(range(g.out) for g in geo)):
        row = []
        for kc in kernel_coords:
            idx = 0
            for g, o, k in zip(geo, out, kc):
                i = o * g.stride - g.pad + k * g.dilation
                if i < 0 or i >= g.size:
                    idx = -1
                    break
                idx = idx * g.size + i
            row.append(idx)
        table.append(row)
    return table


def _coords(flat: int, dims: tuple[int, ...]) -> tuple[int, ...]:
    out = []
    for d in reversed(dims):
        flat, r = divmod(flat, d)
        out.append(r)
    return tuple(reversed(out))


def cell_index(channel: int, flat: int, spatial: tuple[int, ...], channels: int) -> tuple:
    """A cell's index as shown: (c, i, j), or (i, j) when there is one channel."""
    pos = _coords(flat, spatial)
    return pos if channels == 1 else (channel, *pos)


def conv_forward(
    x: Tensor,
    w: Tensor,
    bias: list[Num] | None,
    geo: list[Geometry],
    groups: int = 1,
    name: str = "Y",
    work: list[Work] | None = None,
) -> Tensor:
    """Cross-correlation of ``x`` ``[C][*S]`` with ``w`` ``[F][C/groups][*K]`` (what PyTorch's
    conv computes), plus ``bias``.  With ``work``, every output cell's sum is appended to it,
    padding cells included as the ``×0`` terms a hand-worked sum shows."""
    c_in, spatial = x.shape[0], x.shape[1:]
    filters = w.shape[0]
    out_sp = tuple(g.out for g in geo)
    n_in, n_out, n_k = prod(spatial), prod(out_sp), prod(w.shape[2:])
    cpg, fpg = c_in // groups, filters // groups
    table = taps(geo)
    data: list[Num] = []
    xd, wd = x.data, w.data
    for f in range(filters):
        group = f // fpg
        b = bias[f] if bias is not None else None
        for o in range(n_out):
            tap = table[o]
            acc: Num = b if b is not None else ZERO
            terms = []
            for cc in range(cpg):
                xbase = (group * cpg + cc) * n_in
                wbase = (f * cpg + cc) * n_k
                for k, i in enumerate(tap):
                    if i >= 0:
                        acc += wd[wbase + k] * xd[xbase + i]
                        if work is not None:
                            terms.append((wd[wbase + k], xd[xbase + i]))
                    elif work is not None:
                        terms.append((wd[wbase + k], ZERO))
            data.append(acc)
            if work is not None:
                work.append(Work(name, cell_index(f, o, out_sp, filters), "dot", acc, terms, b))
    return Tensor((filters, *out_sp), data)


def conv_backward(
    x: Tensor,
    w: Tensor,
    gy: Tensor,
    geo: list[Geometry],
    groups: int,
    names: tuple[str, str, str],
    work: list[Work] | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """∂L/∂x, ∂L/∂w and ∂L/∂bias of :func:`conv_forward`, given ∂L/∂y.  With ``work``, each
    gradient cell's sum (real input cells only: padding adds 0) is appended, in the order
    bias, weight, input."""
    c_in, spatial = x.shape[0], x.shape[1:]
    filters, n_k = w.shape[0], prod(w.shape[2:])
    out_sp = tuple(g.out for g in geo)
    n_in, n_out = prod(spatial), prod(out_sp)
    cpg, fpg = c_in // groups, filters // groups
    table = taps(geo)
    gx: list[Num] = [ZERO] * len(x.data)
    gw: list[Num] = [ZERO] * len(w.data)
    gb: list[Num] = []
    x_terms: list[list] = [[] for _ in x.data] if work is not None else []
    w_terms: list[list] = [[] for _ in w.data] if work is not None else []
    for f in range(filters):
        group = f // fpg
        gys = gy.data[f * n_out : (f + 1) * n_out]
        gb.append(sum(gys, ZERO))
        if work is not None:
            work.append(Work(names[2], (f,), "sum", gb[-1], list(gys)))
        for cc in range(cpg):
            xbase = (group * cpg + cc) * n_in
            wbase = (f * cpg + cc) * n_k
            for o in range(n_out):
                g = gys[o]
                for k, i in enumerate(table[o]):
                    if i < 0:
                        continue
                    gw[wbase + k] += g * x.data[xbase + i]
                    gx[xbase + i] += g * w.data[wbase + k]
                    if work is not None:
                        w_terms[wbase + k].append((g, x.data[xbase + i]))
                        x_terms[xbase + i].append((g, w.data[wbase + k]))
    if work is not None:
        # a kernel of one filter and one channel plane is indexed as the plane (as shown)
        lead = 2 if w.shape[0] == 1 and w.shape[1] == 1 else 1 if w.shape[0] == 1 else 0
        for j, terms in enumerate(w_terms):
            work.append(Work(names[1], _coords(j, w.shape)[lead:], "dot", gw[j], terms))
        for j, terms in enumerate(x_terms):
            c, flat = divmod(j, n_in)
            work.append(Work(names[0], cell_index(c, flat, spatial, c_in), "dot", gx[j], terms))
    return Tensor(x.shape, gx), Tensor(w.shape, gw), Tensor((filters,), gb)


# --------------------------------------------------------------------------------------------
# the rule table


@dataclass(slots=True)
class Ctx:
    """One layer's run: the typed layer, shapes (channels first), parameters, names and work."""

    layer: Any
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    in_name: str
    out_name: str
    suffix: str  # the layer's path, for W<path> and b<path>
    params: dict[str, Tensor] = field(default_factory=dict)
    grads: dict[str, Tensor] = field(default_factory=dict)
    explain: bool = False
    work: list[Work] = field(default_factory=list)
    back_work: list[Work] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    x: Tensor | None = None
    y: Tensor | None = None
    cache: Any = None

    @property
    def channels_last_in(self) -> tuple[int, ...]:
        return _channels_last(self.in_shape)

    def w(self) -> list[Work] | None:
        return self.work if self.explain else None

    def bw(self) -> list[Work] | None:
        return self.back_work if self.explain else None


def _channels_last(shape: tuple[int, ...]) -> tuple[int, ...]:
    return shape if len(shape) < 2 else (*shape[1:], shape[0])


class Rule:
    """The values of one layer kind: which parameters it takes, forward and backward."""

    KINDS: ClassVar[tuple[str, ...]] = ()

    def param_shapes(self, ctx: Ctx) -> dict[str, tuple[int, ...]]:
        """``{"weight": shape, "bias": shape}`` (PyTorch's layouts), or ``{}``."""
        return {}

    def forward(self, ctx: Ctx, x: Tensor) -> Tensor:  # pragma: no cover - overridden
        raise NotImplementedError

    def backward(self, ctx: Ctx, gy: Tensor) -> Tensor:  # pragma: no cover - overridden
        raise NotImplementedError

    def work_count(self, ctx: Ctx) -> int:
        """Multiply-adds (or comparisons) of forward, to refuse huge work before it starts."""
        return prod(ctx.out_shape)


RULES: dict[str, Rule] = {}
"""Layer kind → its value rule.  A kind missing here is refused by name."""


def rule(cls: type[Rule]) -> type[Rule]:
    for kind in cls.KINDS:
        if kind in RULES:
            raise RuntimeError(f"value rule for {kind!r} registered twice")
        RULES[kind] = cls()
    return cls


def geometry(layer: Any, in_shape: tuple[int, ...]) -> list[Geometry]:
    """The sliding windows of a conv or pool layer on ``in_shape`` (channels first), read from
    the shape engine: ``forward``'s effect gives the windows (the dilated kernel, stride and
    padding before) and the output size."""
    cl = _channels_last(in_shape)
    effect = layer.forward(cl)
    geo = []
    for size, k, win, out in zip(cl[:-1], layer.kernel, effect.windows, effect.shape[:-1]):
        dilation = (win.kernel - 1) // (k - 1) if k > 1 else 1
        geo.append(Geometry(size, k, win.stride, win.pad, dilation, out))
    return geo


@rule
class ConvRule(Rule):
    """conv (groups, bias) and dwconv (groups = C, C·m filters)."""

    KINDS = ("conv", "dwconv")

    @staticmethod
    def groups_filters(ctx: Ctx) -> tuple[int, int]:
        c = ctx.in_shape[0]
        layer = ctx.layer
        if layer.kind == "dwconv":
            return c, c * layer.multiplier
        return layer.groups, layer.filters

    def param_shapes(self, ctx: Ctx) -> dict[str, tuple[int, ...]]:
        groups, filters = self.groups_filters(ctx)
        shapes = {"weight": (filters, ctx.in_shape[0] // groups, *ctx.layer.kernel)}
        if ctx.layer.bias:
            shapes["bias"] = (filters,)
        return shapes

    def work_count(self, ctx: Ctx) -> int:
        groups, _ = self.groups_filters(ctx)
        return prod(ctx.out_shape) * prod(ctx.layer.kernel) * (ctx.in_shape[0] // groups)

    def forward(self, ctx: Ctx, x: Tensor) -> Tensor:
        groups, _ = self.groups_filters(ctx)
        geo = ctx.cache = geometry(ctx.layer, ctx.in_shape)
        bias = ctx.params["bias"].data if "bias" in ctx.params else None
        return conv_forward(x, ctx.params["weight"], bias, geo, groups, ctx.out_name, ctx.w())

    def backward(self, ctx: Ctx, gy: Tensor) -> Tensor:
        groups, _ = self.groups_filters(ctx)
        names = (f"∂L/∂{ctx.in_name}", f"∂L/∂W{ctx.suffix}", f"∂L/∂b{ctx.suffix}")
        assert ctx.x is not None
        gx, gw, gb = conv_backward(
            ctx.x, ctx.params["weight"], gy, ctx.cache, groups, names, ctx.bw()
        )
        ctx.grads["weight"] = gw
        if "bias" in ctx.params:
            ctx.grads["bias"] = gb
        elif ctx.explain:
            ctx.back_work[:] = [w for w in ctx.back_work if w.name != names[2]]
        return gx


@rule
class PoolRule(Rule):
    """maxpool (the first maximum in the window wins, as PyTorch) and avgpool (PyTorch's
    divisor: the window clipped to the padded input, padding counted; psame, a TensorFlow
    mode, divides by the real cells only, as TensorFlow)."""

    KINDS = ("maxpool", "avgpool")

    def forward(self, ctx: Ctx, x: Tensor) -> Tensor:
        layer = ctx.layer
        geo = geometry(layer, ctx.in_shape)
        table = taps(geo)
        c, spatial = x.shape[0], x.shape[1:]
        out_sp = tuple(g.out for g in geo)
        n_in = prod(spatial)
        data: list[Num] = []
        picks: list[list[int]] = []  # per output cell: the input cells it reads (flat, with c)
        divisors: list[int] = []
        if layer.kind == "avgpool":
            for o, out in enumerate(product(*(range(g.out) for g in geo))):
                if layer.padding == "same":
                    divisors.append(sum(1 for i in table[o] if i >= 0))
                else:
                    count = 1
                    for g, oc in zip(geo, out):
                        start = oc * g.stride - g.pad
                        count *= min(start + g.kernel, g.size + g.pad) - start
                    divisors.append(count)
        for ch in range(c):
            base = ch * n_in
            for o, tap in enumerate(table):
                cells = [base + i for i in tap if i >= 0]
                vals = [x.data[i] for i in cells]
                if layer.kind == "maxpool":
                    best = 0
                    for k in range(1, len(vals)):
                        if vals[k] > vals[best]:
                            best = k
                    data.append(vals[best])
                    picks.append([cells[best]])
                    if ctx.explain:
                        pos = tap.index(cells[best] - base)
                        where = ", ".join(map(str, _coords(pos, tuple(g.kernel for g in geo))))
                        note = f"window cell ({where})"
                        if vals.count(vals[best]) > 1:
                            note += ": a tie, the first maximum wins (PyTorch)"
                        ctx.work.append(
                            Work(
                                ctx.out_name,
                                cell_index(ch, o, out_sp, c),
                                "max",
                                vals[best],
                                vals,
                                note=note,
                            )
                        )
                else:
                    div = divisors[o]
                    value = sum(vals, ZERO) / div
                    data.append(value)
                    picks.append(cells)
                    if ctx.explain:
                        ctx.work.append(
                            Work(
                                ctx.out_name,
                                cell_index(ch, o, out_sp, c),
                                "mean",
                                value,
                                vals,
                                divisor=div,
                            )
                        )
        ctx.cache = (picks, divisors, out_sp)
        if layer.kind == "maxpool":
            ctx.notes.append("max pooling: a tie goes to the first maximum in the window (PyTorch)")
        return Tensor((c, *out_sp), data)

    def backward(self, ctx: Ctx, gy: Tensor) -> Tensor:
        picks, divisors, out_sp = ctx.cache
        gx: list[Num] = [ZERO] * prod(ctx.in_shape)
        terms: list[list[Num]] = [[] for _ in gx]
        n_out = prod(out_sp)
        for j, cells in enumerate(picks):
            g = gy.data[j]
            share = g if ctx.layer.kind == "maxpool" else g / divisors[j % n_out]
            for i in cells:
                gx[i] += share
                terms[i].append(share)
        _elementwise_work(ctx, gx, terms)
        return Tensor(ctx.in_shape, gx)


def _elementwise_work(ctx: Ctx, gx: list[Num], terms: list[list[Num]]) -> None:
    """∂L/∂input cells as sums of the shares routed to them (pools)."""
    if not ctx.explain:
        return
    c, spatial = ctx.in_shape[0], ctx.in_shape[1:]
    n = prod(spatial)
    for j, t in enumerate(terms):
        idx = cell_index(j // n, j % n, spatial, c) if spatial else (j,)
        if len(t) > 1:
            ctx.back_work.append(Work(f"∂L/∂{ctx.in_name}", idx, "sum", gx[j], t))
        else:
            ctx.back_work.append(Work(f"∂L/∂{ctx.in_name}", idx, "value", gx[j]))


@rule
class GlobalPoolRule(Rule):
    """gap (mean of each plane) and gmp (its first maximum, as PyTorch's AdaptiveMaxPool)."""

    KINDS = ("gap", "gmp")

    def forward(self, ctx: Ctx, x: Tensor) -> Tensor:
        c, n = x.shape[0], prod(x.shape[1:])
        data: list[Num] = []
        picks = []
        for ch in range(c):
            vals = x.data[ch * n : (ch + 1) * n]
            if ctx.layer.kind == "gap":
                value = sum(vals, ZERO) / n
                picks.append(list(range(ch * n, (ch + 1) * n)))
                if ctx.explain:
                    ctx.work.append(Work(ctx.out_name, (ch,), "mean", value, list(vals)))
            else:
                best = max(range(n), key=lambda k: (vals[k], -k))
                value = vals[best]
                picks.append([ch * n + best])
                if ctx.explain:
                    where = ", ".join(map(str, _coords(best, x.shape[1:])))
                    note = f"cell ({where})"
                    if vals.count(value) > 1:
                        note += ": a tie, the first maximum wins (PyTorch)"
                    ctx.work.append(Work(ctx.out_name, (ch,), "max", value, list(vals), note=note))
            data.append(value)
        ctx.cache = (picks, n)
        if ctx.layer.kind == "gmp":
            ctx.notes.append("global max pooling: a tie goes to the first maximum (PyTorch)")
        return Tensor((c,), data)

    def backward(self, ctx: Ctx, gy: Tensor) -> Tensor:
        picks, n = ctx.cache
        gx: list[Num] = [ZERO] * prod(ctx.in_shape)
        terms: list[list[Num]] = [[] for _ in gx]
        for ch, cells in enumerate(picks):
            share = gy.data[ch] / n if ctx.layer.kind == "gap" else gy.data[ch]
            for i in cells:
                gx[i] += share
                terms[i].append(share)
        _elementwise_work(ctx, gx, terms)
        return Tensor(ctx.in_shape, gx)


@rule
class FlattenRule(Rule):
    """flatten: the planes in PyTorch's order (C, then H, then W), as ``torch.flatten``."""

    KINDS = ("flatten",)

    def forward(self, ctx: Ctx, x: Tensor) -> Tensor:
        return Tensor((len(x.data),), list(x.data))

    def backward(self, ctx: Ctx, gy: Tensor) -> Tensor:
        return Tensor(ctx.in_shape, list(gy.data))


@rule
class DenseRule(Rule):
    """dense: ``y = W·x + b`` with W ``[out][in]`` (nn.Linear); a map is flattened first in
    PyTorch's C, H, W order."""

    KINDS = ("dense",)

    def param_shapes(self, ctx: Ctx) -> dict[str, tuple[int, ...]]:
        shapes = {"weight": (ctx.layer.units, prod(ctx.in_shape))}
        if ctx.layer.bias:
            shapes["bias"] = (ctx.layer.units,)
        return shapes

    def work_count(self, ctx: Ctx) -> int:
        return ctx.layer.units * prod(ctx.in_shape)

    def forward(self, ctx: Ctx, x: Tensor) -> Tensor:
        w = ctx.params["weight"]
        n = len(x.data)
        bias = ctx.params["bias"].data if "bias" in ctx.params else None
        data: list[Num] = []
        for u in range(ctx.layer.units):
            row = w.data[u * n : (u + 1) * n]
            b = bias[u] if bias is not None else None
            acc = sum((a * v for a, v in zip(row, x.data)), b if b is not None else ZERO)
            data.append(acc)
            if ctx.explain:
                ctx.work.append(Work(ctx.out_name, (u,), "dot", acc, list(zip(row, x.data)), b))
        return Tensor((ctx.layer.units,), data)

    def backward(self, ctx: Ctx, gy: Tensor) -> Tensor:
        w = ctx.params["weight"]
        assert ctx.x is not None
        xs = ctx.x.data
        n = len(xs)
        units = ctx.layer.units
        gw = [g * v for g in gy.data for v in xs]
        gx = [sum((gy.data[u] * w.data[u * n + j] for u in range(units)), ZERO) for j in range(n)]
        ctx.grads["weight"] = Tensor(w.shape, gw)
        if "bias" in ctx.params:
            ctx.grads["bias"] = Tensor((units,), list(gy.data))
        if ctx.explain:
            if "bias" in ctx.params:
                for u in range(units):
                    ctx.back_work.append(Work(f"∂L/∂b{ctx.suffix}", (u,), "value", gy.data[u]))
            for u in range(units):
                for j in range(n):
                    ctx.back_work.append(
                        Work(
                            f"∂L/∂W{ctx.suffix}",
                            (u, j),
                            "dot",
                            gw[u * n + j],
                            [(gy.data[u], xs[j])],
                        )
                    )
            c, spatial = ctx.in_shape[0], ctx.in_shape[1:]
            size = prod(spatial)
            for j in range(n):
                terms = [(gy.data[u], w.data[u * n + j]) for u in range(units)]
                idx = cell_index(j // size, j % size, spatial, c) if spatial else (j,)
                ctx.back_work.append(Work(f"∂L/∂{ctx.in_name}", idx, "dot", gx[j], terms))
        return Tensor(ctx.in_shape, gx)


class _Elementwise(Rule):
    """An activation applied cell by cell: ``f`` and its derivative ``df(x, y)``."""

    NAME: ClassVar[str] = ""
    EXACT: ClassVar[bool] = True

    def f(self, x: Num) -> Num:  # pragma: no cover - overridden
        raise NotImplementedError

    def df(self, x: Num, y: Num) -> Num:  # pragma: no cover - overridden
        raise NotImplementedError

    def forward(self, ctx: Ctx, x: Tensor) -> Tensor:
        data = [self.f(v) for v in x.data]
        if not self.EXACT:
            ctx.notes.append(f"{self.NAME} is not rational: its values are floats")
        if ctx.explain:
            for j, (v, y) in enumerate(zip(x.data, data)):
                ctx.work.append(
                    Work(ctx.out_name, _index(ctx.in_shape, j), "fn", y, [v], fn=self.NAME)
                )
        return Tensor(x.shape, data)

    def backward(self, ctx: Ctx, gy: Tensor) -> Tensor:
        assert ctx.x is not None and ctx.y is not None
        slopes = [self.df(v, y) for v, y in zip(ctx.x.data, ctx.y.data)]
        gx = [g * s for g, s in zip(gy.data, slopes)]
        if ctx.explain:
            for j, (g, s, v) in enumerate(zip(gy.data, slopes, gx)):
                ctx.back_work.append(
                    Work(
                        f"∂L/∂{ctx.in_name}",
                        _index(ctx.in_shape, j),
                        "dot",
                        v,
                        [(g, s)],
                        note=f"{self.NAME}′ = {_fmt(s)}",
                    )
                )
        return Tensor(ctx.in_shape, gx)


def _fmt(v: Num) -> str:
    from .matrix import fmt_value

    return fmt_value(v)


def _index(shape: tuple[int, ...], j: int) -> tuple[int, ...]:
    if len(shape) == 1:
        return (j,)
    n = prod(shape[1:])
    return cell_index(j // n, j % n, shape[1:], shape[0])


@rule
class ReluRule(_Elementwise):
    KINDS = ("relu",)
    NAME = "relu"

    def f(self, x: Num) -> Num:
        return x if x > 0 else x * 0

    def df(self, x: Num, y: Num) -> Num:  # PyTorch: the slope at 0 is 0
        return ONE if x > 0 else ZERO


@rule
class LeakyReluRule(_Elementwise):
    KINDS = ("leakyrelu",)
    NAME = "leakyrelu"

    def f(self, x: Num) -> Num:
        return x if x > 0 else x * LEAKY_SLOPE

    def df(self, x: Num, y: Num) -> Num:  # PyTorch: the slope at 0 is the negative slope
        return ONE if x > 0 else LEAKY_SLOPE


@rule
class SigmoidRule(_Elementwise):
    KINDS = ("sigmoid",)
    NAME = "sigmoid"
    EXACT = False

    def f(self, x: Num) -> Num:
        x = float(x)
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)
        return e / (1.0 + e)

    def df(self, x: Num, y: Num) -> Num:
        return y * (1 - y)


@rule
class TanhRule(_Elementwise):
    KINDS = ("tanh",)
    NAME = "tanh"
    EXACT = False

    def f(self, x: Num) -> Num:
        return math.tanh(float(x))

    def df(self, x: Num, y: Num) -> Num:
        return 1 - y * y


@rule
class IdentityRule(Rule):
    KINDS = ("id",)

    def forward(self, ctx: Ctx, x: Tensor) -> Tensor:
        return Tensor(x.shape, list(x.data))

    def backward(self, ctx: Ctx, gy: Tensor) -> Tensor:
        return Tensor(ctx.in_shape, list(gy.data))


@rule
class DropoutRule(IdentityRule):
    """dropout: the identity, as at inference (``model.eval()``); the output says so."""

    KINDS = ("dropout",)

    def forward(self, ctx: Ctx, x: Tensor) -> Tensor:
        ctx.notes.append("dropout passes values unchanged, as at inference (model.eval())")
        return super().forward(ctx, x)


@rule
class ZeroPadRule(Rule):
    """zpad: zeros before and after every spatial dim (the layer's own ``pairs``)."""

    KINDS = ("zpad",)

    @staticmethod
    def offsets(ctx: Ctx) -> list[int]:
        """For each input cell (flat), its flat index in the padded output."""
        spatial, out_sp = ctx.in_shape[1:], ctx.out_shape[1:]
        before = [b for b, _ in ctx.layer.pairs(len(spatial))]
        table = []
        for c in range(ctx.in_shape[0]):
            for pos in product(*(range(n) for n in spatial)):
                idx = c
                for p, b, n in zip(pos, before, out_sp):
                    idx = idx * n + p + b
                table.append(idx)
        return table

    def forward(self, ctx: Ctx, x: Tensor) -> Tensor:
        data: list[Num] = [ZERO] * prod(ctx.out_shape)
        for i, j in enumerate(self.offsets(ctx)):
            data[j] = x.data[i]
        return Tensor(ctx.out_shape, data)

    def backward(self, ctx: Ctx, gy: Tensor) -> Tensor:
        return Tensor(ctx.in_shape, [gy.data[j] for j in self.offsets(ctx)])


def softmax(values: list[Num]) -> list[float]:
    top = max(float(v) for v in values)
    exps = [math.exp(float(v) - top) for v in values]
    total = math.fsum(exps)
    return [e / total for e in exps]


@rule
class SoftmaxRule(Rule):
    """softmax over the channels (of a vector: over it), as the shape engine reads it."""

    KINDS = ("softmax",)

    @staticmethod
    def groups(shape: tuple[int, ...]) -> list[list[int]]:
        """The flat indices softmax normalises together: one channel fibre per position."""
        c, n = shape[0], prod(shape[1:])
        return [[ch * n + p for ch in range(c)] for p in range(n)]

    def forward(self, ctx: Ctx, x: Tensor) -> Tensor:
        data: list[Num] = [0.0] * len(x.data)
        for fibre in self.groups(x.shape):
            for i, v in zip(fibre, softmax([x.data[i] for i in fibre])):
                data[i] = v
        ctx.notes.append("softmax is not rational: its values are floats")
        if ctx.explain:
            for j, v in enumerate(data):
                ctx.work.append(
                    Work(ctx.out_name, _index(x.shape, j), "fn", v, [x.data[j]], fn="softmax")
                )
        return Tensor(x.shape, data)

    def backward(self, ctx: Ctx, gy: Tensor) -> Tensor:
        assert ctx.y is not None
        y = ctx.y.data
        gx: list[Num] = [0.0] * len(y)
        for fibre in self.groups(ctx.in_shape):
            dot = math.fsum(float(gy.data[i]) * y[i] for i in fibre)
            for i in fibre:
                gx[i] = y[i] * (float(gy.data[i]) - dot)
        if ctx.explain:
            for j, v in enumerate(gx):
                ctx.back_work.append(
                    Work(
                        f"∂L/∂{ctx.in_name}",
                        _index(ctx.in_shape, j),
                        "value",
                        v,
                        note="y·(∂L/∂y − Σ ∂L/∂y·y) over the channels",
                    )
                )
        return Tensor(ctx.in_shape, gx)


def supported() -> list[str]:
    return sorted(RULES)


Forward = Callable[[Ctx, Tensor], Tensor]
