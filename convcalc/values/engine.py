"""The value engine: numbers through one convolution (:func:`convolve`) or through a parsed
network (:func:`evaluate`, in :mod:`convcalc.values.network`).

It sits beside the shape engine: it reads the typed layers and the shape engine's window
arithmetic, and the shape engine knows nothing of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from math import prod

from ..errors import ConvcalcError, LimitError
from .matrix import Num, Tensor, is_symmetric_180, json_nested, json_value
from .ops import RULES, Ctx, Geometry, conv_forward
from .show import Doc
from .work import Work

__all__ = ["LIMITS", "LOSSES", "ConvResult", "EvalError", "EvalResult", "convolve", "evaluate"]

LIMITS = {
    "macs": 10_000_000,  # multiply-adds of one run
    "explain_macs": 1_000_000,  # multiply-adds written out by --explain
}


class ValueError_(ConvcalcError):
    """Numbers that do not fit the operation (shapes, channels, bias length, loss)."""


@dataclass(slots=True)
class ConvResult:
    """One convolution of given numbers: the output ``[F][*O]`` and how each cell came about."""

    input: Tensor  # [C][*S]
    kernel: Tensor  # [F][C][*K], as given (before --flip)
    bias: list[Num] | None
    geometry: list[Geometry]
    flip: bool
    symmetric: bool
    output: Tensor
    work: list[Work] = field(default_factory=list)

    @property
    def operation(self) -> str:
        return "convolution" if self.flip else "cross-correlation"

    def statement(self) -> str:
        """Which operation was computed, and whether the other one differs."""
        if self.flip:
            text = "convolution (the kernel turned 180°, the textbook's Σ w(s,t)·f(x−s, y−t))"
            other = "cross-correlation (without --flip, what PyTorch computes)"
        else:
            text = (
                "cross-correlation (what PyTorch's conv computes; "
                "--flip for the textbook convolution)"
            )
            other = "convolution (--flip)"
        turn = "the kernel is symmetric under a 180° turn"
        if self.symmetric:
            return f"{text}; {turn}, so {other} gives the same result"
        return f"{text}; {turn.replace('is', 'is not', 1)}: {other} gives a different result"

    def doc(self, explain: bool) -> Doc:
        doc = Doc()
        doc.text(self.statement())
        geo = self.geometry
        doc.text(
            "stride "
            + "×".join(str(g.stride) for g in geo)
            + ", padding before "
            + "×".join(str(g.pad) for g in geo)
            + ", dilation "
            + "×".join(str(g.dilation) for g in geo)
        )
        doc.grid("f", _squeeze(self.input))
        doc.grid("w", _squeeze_kernel(self.kernel))
        if self.bias is not None:
            doc.grid("b", Tensor((len(self.bias),), list(self.bias)))
        doc.grid("g", _squeeze(self.output))
        if explain:
            doc.heading(
                "each output cell, its sum of products" + (" (kernel flipped)" if self.flip else "")
            )
            doc.work(self.work)
        return doc

    def to_json(self, explain: bool) -> dict[str, object]:
        from .show import render_text

        data: dict[str, object] = {
            "schema_version": 1,
            "operation": self.operation,
            "symmetric_kernel": self.symmetric,
            "stride": [g.stride for g in self.geometry],
            "padding": [[g.pad, _pad_after(g)] for g in self.geometry],
            "dilation": [g.dilation for g in self.geometry],
            "input": json_nested(self.input),
            "kernel": json_nested(self.kernel),
            "bias": None if self.bias is None else [json_value(b) for b in self.bias],
            "output": json_nested(self.output),
        }
        if explain:
            doc = Doc()
            doc.work(self.work)
            data["explain"] = render_text(doc, None).strip("\n").split("\n  ")
            data["explain"][0] = data["explain"][0].lstrip()  # type: ignore[index]
        return data


def _pad_after(g: Geometry) -> int:
    return max((g.out - 1) * g.stride + g.dilation * (g.kernel - 1) + 1 - g.size - g.pad, 0)


def _squeeze(t: Tensor) -> Tensor:
    """One channel plane (or one filter) shows without its leading 1."""
    return t.reshape(t.shape[1:]) if t.shape[0] == 1 and len(t.shape) > 1 else t


def _squeeze_kernel(t: Tensor) -> Tensor:
    """[F][C][*K] shows as [*K] when F = C = 1, as [C][*K] when F = 1."""
    return _squeeze(_squeeze(t)) if t.shape[0] == 1 else t


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape))


def convolve(
    x: Tensor,
    x_depth: int,
    k: Tensor,
    k_depth: int,
    *,
    stride: int = 1,
    padding: int | str = 0,
    dilation: int = 1,
    bias: Tensor | None = None,
    flip: bool = False,
    one_d: bool = False,
    explain: bool = False,
) -> ConvResult:
    """One convolution of given numbers (``convcalc conv``).

    ``x`` is ``[L]``, ``[H][W]`` or ``[C][H][W]`` (with ``one_d``: ``[L]`` or ``[C][L]``);
    ``k`` is one plane ``[kh][kw]``, ``[C][kh][kw]`` (one filter) or ``[F][C][kh][kw]``.
    """
    if one_d:
        if x_depth > 2:
            raise ValueError_(
                f"input: a 1-D input is [L] or [C][L], got {_shape(x.shape)}", "input"
            )
        rank = 1
    else:
        if x_depth > 3:
            raise ValueError_(
                f"input: a matrix of {x_depth} dims ({_shape(x.shape)}); "
                "give [L], [H][W] or [C][H][W]",
                "input",
            )
        rank = 1 if x_depth == 1 else 2
    x = x.reshape((1, *x.shape)) if len(x.shape) == rank else x
    c = x.shape[0]
    extra = k_depth - rank
    if extra < 0 or extra > 2:
        raise ValueError_(
            f"kernel: shape {_shape(k.shape)} does not fit a rank-{rank} input {_shape(x.shape)}: "
            f"give [{']['.join('k' * rank)}], [C]{'[k]' * rank} or [F][C]{'[k]' * rank}",
            "kernel",
        )
    k = k.reshape((1,) * (2 - extra) + k.shape)
    if k.shape[1] != c:
        raise ValueError_(
            f"kernel: {k.shape[1]} channel plane{'s' * (k.shape[1] != 1)} per filter "
            f"(kernel {_shape(k.shape)}, [F][C]{'[k]' * rank}) but the input has {c} "
            f"(input {_shape(x.shape)}, [C]{'[n]' * rank})",
            "kernel",
        )
    filters = k.shape[0]
    b: list[Num] | None = None
    if bias is not None:
        b = list(bias.data)
        if len(b) == 1 and filters > 1 and not bias.shape:
            b = b * filters
        if len(b) != filters:
            raise ValueError_(
                f"bias: {len(b)} value{'s' * (len(b) != 1)} "
                f"for {filters} filter{'s' * (filters != 1)}",
                "bias",
            )
    geo = []
    for d, (size, kern) in enumerate(zip(x.shape[1:], k.shape[2:])):
        eff = dilation * (kern - 1) + 1
        if padding == "same":
            out = -(-size // stride)
            total = max((out - 1) * stride + eff - size, 0)
            pad = total // 2
        else:
            pad = int(padding)
            if size + 2 * pad < eff:
                raise ValueError_(
                    f"kernel: the dilated kernel ({eff}) is larger than the padded input "
                    f"({size} + 2·{pad} = {size + 2 * pad}) along dim {d + 1}",
                    "kernel",
                )
            out = (size + 2 * pad - eff) // stride + 1
        geo.append(Geometry(size, kern, stride, pad, dilation, out))
    macs = filters * c * prod(g.out for g in geo) * prod(k.shape[2:])
    _check_limits(macs, explain)
    symmetric = is_symmetric_180(k, rank)
    used = _flipped(k, rank) if flip else k
    work: list[Work] | None = [] if explain else None
    out = conv_forward(x, used, b, geo, 1, "g", work)
    return ConvResult(x, k, b, geo, flip, symmetric, out, work or [])


def _flipped(k: Tensor, rank: int) -> Tensor:
    size = prod(k.shape[-rank:])
    data: list[Num] = []
    for start in range(0, len(k.data), size):
        data += k.data[start : start + size][::-1]
    return Tensor(k.shape, data)


def _check_limits(macs: int, explain: bool) -> None:
    if macs > LIMITS["macs"]:
        raise LimitError(
            f"{macs:,} multiply-adds, more than the limit of {LIMITS['macs']:,} for exact values"
        )
    if explain and macs > LIMITS["explain_macs"]:
        raise LimitError(
            f"--explain would write out {macs:,} multiply-adds, more than the limit of "
            f"{LIMITS['explain_macs']:,}; drop --explain or use smaller matrices"
        )


# --------------------------------------------------------------------------------------------
# a network on numbers: convcalc eval


class EvalError(ConvcalcError):
    """Numbers that do not fit the network: weights, biases, the input or the loss.

    ``arg`` names the option the error is about (``--weight 2``), ``text`` is the matrix text
    when the error points into one.
    """


LOSSES = ("output", "sum", "mean", "mse:TARGET", "ce:CLASS")

#: --random fills with integers in these ranges (inclusive)
RANDOM_RANGES = {"input": (0, 4), "weight": (-2, 2), "bias": (-2, 2)}


@dataclass(slots=True)
class Row:
    """One layer (or res/cat) of a run: where it stands, its values and, with --grad, its
    gradients."""

    index: int
    path: str
    token: str
    kind: str
    out_name: str
    output: Tensor
    ctx: Ctx | None = None  # None for res/cat
    branches: list[list[Row]] | None = None
    merge: str = ""  # res/cat: how the branches were merged, as text
    grad_out: Tensor | None = None


@dataclass(slots=True)
class EvalResult:
    """A network run on numbers: every row's values, and with --grad the loss and gradients."""

    spec: str
    input: Tensor
    rows: list[Row]
    output: Tensor
    loss_rule: str | None = None
    loss: Num | None = None
    loss_work: list[Work] = field(default_factory=list)
    grad_input: Tensor | None = None
    notes: list[str] = field(default_factory=list)
    explain: bool = False

    def all_rows(self) -> list[Row]:
        """Every row in table order: a res/cat, then its branches' layers."""
        out: list[Row] = []

        def walk(rows: list[Row]) -> None:
            for row in rows:
                out.append(row)
                for branch in row.branches or []:
                    walk(branch)

        walk(self.rows)
        return out

    @property
    def exact(self) -> bool:
        tensors = [self.input, *(r.output for r in self.all_rows())]
        if self.grad_input is not None:
            tensors.append(self.grad_input)
        return all(t.exact for t in tensors) and not isinstance(self.loss, float)

    def doc(self) -> Doc:
        doc = Doc()
        doc.text(
            "values: maps are channel planes first ([C][H][W]); one channel shows as a plain "
            "matrix; cells are indexed from 0"
        )
        doc.grid("X", _squeeze(self.input))
        for row in self.all_rows():
            doc.heading(f"{row.path} {row.token}")
            ctx = row.ctx
            if ctx is None:
                doc.text(row.merge)
            else:
                if "weight" in ctx.params:
                    doc.grid(f"W{row.path}", _squeeze_kernel(ctx.params["weight"]))
                if "bias" in ctx.params:
                    doc.grid(f"b{row.path}", ctx.params["bias"])
            doc.grid(row.out_name, _squeeze(row.output))
            if ctx is not None:
                for note in dict.fromkeys(ctx.notes):
                    doc.text(note)
                if self.explain:
                    doc.work(ctx.work)
        if self.loss_rule is not None:
            doc.heading(f"loss: {self.loss_rule}")
            doc.work(self.loss_work)
            doc.heading("backward (from the loss back to the input)")
            for row in reversed(self.all_rows()):
                assert row.grad_out is not None
                doc.heading(f"{row.path} {row.token}")
                doc.grid(f"∂L/∂{row.out_name}", _squeeze(row.grad_out))
                ctx = row.ctx
                if ctx is not None:
                    if "weight" in ctx.grads:
                        doc.grid(f"∂L/∂W{row.path}", _squeeze_kernel(ctx.grads["weight"]))
                    if "bias" in ctx.grads:
                        doc.grid(f"∂L/∂b{row.path}", ctx.grads["bias"])
                    if self.explain:
                        doc.work(ctx.back_work)
            assert self.grad_input is not None
            doc.heading("input")
            doc.grid("∂L/∂X", _squeeze(self.grad_input))
        for note in self.notes:
            doc.text(note)
        return doc

    def to_json(self) -> dict[str, object]:
        from .show import render_text

        def lines(work: list[Work]) -> list[str] | None:
            if not self.explain:
                return None
            return [render_text(Doc([("work", [w])]), None).strip() for w in work]

        layers = []
        grads = []
        for row in self.all_rows():
            ctx = row.ctx
            entry: dict[str, object] = {
                "index": row.index,
                "path": row.path,
                "token": row.token,
                "kind": row.kind,
                "output": json_nested(row.output),
            }
            if ctx is not None and "weight" in ctx.params:
                entry["weight"] = json_nested(ctx.params["weight"])
            if ctx is not None and "bias" in ctx.params:
                entry["bias"] = json_nested(ctx.params["bias"])
            if ctx is not None:
                entry["notes"] = list(dict.fromkeys(ctx.notes))
                if self.explain:
                    entry["explain"] = lines(ctx.work)
            layers.append(entry)
            if row.grad_out is not None:
                g: dict[str, object] = {
                    "index": row.index,
                    "path": row.path,
                    "output": json_nested(row.grad_out),
                }
                if ctx is not None and "weight" in ctx.grads:
                    g["weight"] = json_nested(ctx.grads["weight"])
                if ctx is not None and "bias" in ctx.grads:
                    g["bias"] = json_nested(ctx.grads["bias"])
                if ctx is not None and self.explain:
                    g["explain"] = lines(ctx.back_work)
                grads.append(g)
        data: dict[str, object] = {
            "schema_version": 1,
            "spec": self.spec,
            "exact": self.exact,
            "input": json_nested(self.input),
            "layers": layers,
            "loss": None,
            "grad": None,
            "notes": self.notes,
        }
        if self.loss_rule is not None:
            assert self.loss is not None and self.grad_input is not None
            data["loss"] = {
                "rule": self.loss_rule,
                "value": json_value(self.loss),
                "explain": lines(self.loss_work),
            }
            data["grad"] = {"input": json_nested(self.grad_input), "layers": grads}
        return data


def _fit(given: Tensor, want: tuple[int, ...]) -> Tensor | None:
    """``given`` as shape ``want`` when the two agree but for dims of size 1 (a plain matrix
    for one channel plane, one row per plane written ``1 2 | 3 4``), else None."""
    if [d for d in given.shape if d != 1] == [d for d in want if d != 1]:
        return Tensor(want, given.data)
    return None


class _Run:
    """One forward (and backward) walk over the nodes of a parsed network."""

    def __init__(
        self,
        weights: dict[str, Tensor],
        biases: dict[str, Tensor],
        rng: object | None,
        explain: bool,
    ) -> None:
        self.weights = weights
        self.biases = biases
        self.rng = rng
        self.explain = explain
        self.used: set[str] = set()
        self.work_done = 0
        self.limit = LIMITS["explain_macs"] if explain else LIMITS["macs"]

    def random(self, shape: tuple[int, ...], what: str) -> Tensor:
        lo, hi = RANDOM_RANGES[what]
        return Tensor(shape, [Fraction(self.rng.randint(lo, hi)) for _ in range(prod(shape))])  # type: ignore[attr-defined]

    def forward(
        self, nodes: tuple, x: Tensor, x_name: str, prefix: str
    ) -> tuple[list[Row], Tensor]:
        from ..spec import LayerNode

        rows: list[Row] = []
        for i, node in enumerate(nodes, 1):
            path = f"{prefix}{i}"
            if isinstance(node, LayerNode):
                row = self.layer(node, i, path, x, x_name)
            else:
                row = self.branch(node, i, path, x, x_name)
            rows.append(row)
            x, x_name = row.output, row.out_name
        return rows, x

    def layer(self, node: object, index: int, path: str, x: Tensor, x_name: str) -> Row:
        layer = node.layer  # type: ignore[attr-defined]
        rule = RULES[layer.kind]
        cl = x.shape if len(x.shape) < 2 else (*x.shape[1:], x.shape[0])
        out_cl = layer.forward(cl).shape
        out_shape = out_cl if len(out_cl) < 2 else (out_cl[-1], *out_cl[:-1])
        ctx = Ctx(layer, x.shape, out_shape, x_name, f"Y{path}", path, explain=self.explain)
        token = node.token  # type: ignore[attr-defined]
        for what, shape in rule.param_shapes(ctx).items():
            ctx.params[what] = self.param(what, shape, path, node, layer.kind)
        for table, what in ((self.weights, "weight"), (self.biases, "bias")):
            if path in table and what not in ctx.params:
                self.used.add(f"{what}:{path}")
                has = "no weights" if not rule.param_shapes(ctx) else f"no {what} (nb)"
                raise EvalError(
                    f"--{what} {path}: layer {path} {token} has {has}",
                    token,
                    node.position,  # type: ignore[attr-defined]
                )
        cost = rule.work_count(ctx) * (3 if self.explain else 1)
        self.work_done += cost
        if self.work_done > self.limit:
            which = "--explain would write out" if self.explain else "the run needs"
            raise LimitError(
                f"{which} more than {self.limit:,} multiply-adds (at layer {path} {token}); "
                "use smaller matrices",
                token,
                node.position,  # type: ignore[attr-defined]
            )
        ctx.x = x
        y = rule.forward(ctx, x)
        ctx.y = y
        return Row(index, path, token, layer.kind, ctx.out_name, y, ctx)

    def param(
        self, what: str, shape: tuple[int, ...], path: str, node: object, kind: str
    ) -> Tensor:
        """A layer's weight or bias: given (fitted to its shape), drawn (--random), or an error
        with a caret under the layer's token."""
        token, position = node.token, node.position  # type: ignore[attr-defined]
        table = self.weights if what == "weight" else self.biases
        given = table.get(path)
        layout = _LAYOUTS.get(kind, "") if what == "weight" else "[F]"
        if given is None:
            if self.rng is not None:
                return self.random(shape, what)
            raise EvalError(
                f"layer {path} {token} needs --{what} {path}=… ({layout} = {_shape(shape)}), "
                "or --random",
                token,
                position,
            )
        self.used.add(f"{what}:{path}")
        fitted = _fit(given, shape)
        if fitted is None:
            raise EvalError(
                f"--{what} {path}: shape {_shape(given.shape)} does not match layer {path} "
                f"{token}: its {what} is {layout} = {_shape(shape)}"
                + (" (a list of F, or one number when F = 1)" if what == "bias" else ""),
                token,
                position,
            )
        return fitted

    def branch(self, node: object, index: int, path: str, x: Tensor, x_name: str) -> Row:
        kind = node.kind  # type: ignore[attr-defined]
        branches = []
        outs = []
        for b, nodes in enumerate(node.branches, 1):  # type: ignore[attr-defined]
            rows, y = self.forward(nodes, x, x_name, f"{path}.{b}.")
            branches.append(rows)
            outs.append((y, rows[-1].out_name if rows else x_name))
        name = f"Y{path}"
        if kind == "res":
            terms = [o for o, _ in outs] + ([x] if len(outs) == 1 else [])
            names = [n for _, n in outs] + ([x_name] if len(outs) == 1 else [])
            data = [sum(vals, Fraction(0)) for vals in zip(*(t.data for t in terms))]
            y = Tensor(terms[0].shape, data)
            merge = f"{name} = " + " + ".join(reversed(names) if len(outs) == 1 else names)
        else:
            data = [v for o, _ in outs for v in o.data]
            y = Tensor((sum(o.shape[0] for o, _ in outs), *outs[0][0].shape[1:]), data)
            merge = f"{name} = the channels of " + ", ".join(n for _, n in outs) + " in order"
        return Row(index, path, node.token, kind, name, y, None, branches, merge)  # type: ignore[attr-defined]

    def backward(self, rows: list[Row], gy: Tensor) -> Tensor:
        for row in reversed(rows):
            row.grad_out = gy
            if row.ctx is not None:
                gy = RULES[row.kind].backward(row.ctx, gy)
                continue
            assert row.branches is not None
            if row.kind == "res":
                total = list(gy.data) if len(row.branches) == 1 else None
                for branch in row.branches:
                    g = self.backward(branch, gy) if branch else gy
                    total = (
                        list(g.data) if total is None else [a + b for a, b in zip(total, g.data)]
                    )
                in_shape = _in_shape(row)
                gy = Tensor(in_shape, total)  # type: ignore[arg-type]
            else:
                total = None
                start = 0
                for branch in row.branches:
                    size = len(branch[-1].output.data)
                    part = Tensor(branch[-1].output.shape, gy.data[start : start + size])
                    start += size
                    g = self.backward(branch, part)
                    total = (
                        list(g.data) if total is None else [a + b for a, b in zip(total, g.data)]
                    )
                gy = Tensor(_in_shape(row), total)  # type: ignore[arg-type]
        return gy


def _in_shape(row: Row) -> tuple[int, ...]:
    first = row.branches[0][0]  # type: ignore[index]
    while first.ctx is None:
        first = first.branches[0][0]  # type: ignore[index]
    return first.ctx.in_shape


_LAYOUTS = {
    "conv": "[F][C/groups][kh][kw]",
    "dwconv": "[C·m][1][kh][kw]",
    "dense": "[out][in]",
}


def _check_supported(nodes: tuple) -> None:
    from ..spec import LayerNode

    for node in nodes:
        if isinstance(node, LayerNode):
            if node.layer.kind not in RULES:
                raise EvalError(
                    f"'{node.token}': convcalc eval has no value rule for {node.layer.kind} "
                    f"(values are computed for {', '.join(sorted(RULES))}, res and cat; "
                    "the shape report covers every layer)",
                    node.token,
                    node.position,
                )
        else:
            if node.kind not in ("res", "cat"):
                raise EvalError(
                    f"'{node.kind}(…)': convcalc eval computes res(…) and cat(…) only",
                    node.token,
                    node.position,
                )
            for branch in node.branches:
                _check_supported(branch)


def evaluate(
    spec: str,
    *,
    input: Tensor | None = None,
    weights: dict[str, Tensor] | None = None,
    biases: dict[str, Tensor] | None = None,
    random: bool = False,
    seed: int = 0,
    grad: bool = False,
    loss: str = "output",
    target: Tensor | None = None,
    explain: bool = False,
) -> EvalResult:
    """Run a spec's network on numbers (``convcalc eval``).

    ``input`` is ``[C][*S]`` (a plain matrix when C = 1); ``weights``/``biases`` map a layer's
    path (``"1"``, ``"2.1.1"``) to its values in PyTorch's layout.  With ``random`` every value
    not given is a small integer drawn with ``seed``.  With ``grad`` the loss (``output``,
    ``sum``, ``mean``, ``mse`` with ``target``, or ``ce:CLASS``) is backpropagated.
    """
    import random as random_module

    from ..engine import propagate
    from ..spec import parse

    network = parse(spec)
    _check_supported(network.nodes)
    propagate(network)  # the shape rules' errors, with their positions
    cl = network.input_shape
    shape = (cl[-1], *cl[:-1])
    rng = random_module.Random(seed) if random else None
    run = _Run(weights or {}, biases or {}, rng, explain)
    if input is None:
        if rng is None:
            raise EvalError("give the input: --input M, or --random", "--input")
        x = run.random(shape, "input")
    else:
        fitted = _fit(input, shape)
        if fitted is None:
            raise EvalError(
                f"--input: shape {_shape(input.shape)} does not match the spec's input "
                f"{_shape(cl)} (channels last); give [C][H][W] = {_shape(shape)}",
                "--input",
            )
        x = fitted
    rows, y = run.forward(network.nodes, x, "X", "")
    for table, what in ((run.weights, "weight"), (run.biases, "bias")):
        for path in table:
            if f"{what}:{path}" not in run.used:
                raise EvalError(
                    f"--{what} {path}: there is no layer {path} with a {what}", "--" + what
                )
    result = EvalResult(spec, x, rows, y, explain=explain)
    if grad:
        value, seed_grad, work, rule = _loss(loss, y, target, rows[-1].out_name if rows else "X")
        result.loss_rule, result.loss, result.loss_work = rule, value, work
        result.grad_input = run.backward(rows, seed_grad)
    return result


def _loss(
    rule: str, y: Tensor, target: Tensor | None, name: str
) -> tuple[Num, Tensor, list[Work], str]:
    """The loss L of the output ``y``, and ∂L/∂y."""
    import math

    n = len(y.data)
    kind, _, arg = rule.partition(":")
    if kind == "output":
        if n != 1:
            raise EvalError(
                f"--loss output needs a network that ends in one number; it ends in "
                f"{_shape(y.shape)} values: use --loss sum, mean, mse:TARGET or ce:CLASS",
                "--loss",
            )
        return (
            y.data[0],
            Tensor(y.shape, [Fraction(1)]),
            [Work("L", (), "value", y.data[0], note=f"L = {name}")],
            rule,
        )
    if kind == "sum":
        value = sum(y.data, Fraction(0))
        return (
            value,
            Tensor(y.shape, [Fraction(1)] * n),
            [Work("L", (), "sum", value, list(y.data))],
            rule,
        )
    if kind == "mean":
        value = sum(y.data, Fraction(0)) / n
        work = [Work("L", (), "mean", value, list(y.data), divisor=n)]
        return value, Tensor(y.shape, [Fraction(1, n)] * n), work, rule
    if kind == "mse":
        if target is None:
            raise EvalError(
                "--loss mse:TARGET needs a target matrix, e.g. mse:0 or mse:'1 0; 0 1'", "--loss"
            )
        t = Tensor(y.shape, target.data * n) if len(target.data) == 1 else _fit(target, y.shape)
        if t is None:
            raise EvalError(
                f"--loss mse: the target's shape {_shape(target.shape)} does not match the "
                f"output's {_shape(y.shape)}",
                "--loss",
            )
        diffs = [a - b for a, b in zip(y.data, t.data)]
        squares = [d * d for d in diffs]
        value = sum(squares, Fraction(0)) / n
        work = [Work("L", (), "mean", value, squares, divisor=n, note="each (y − t)²")]
        return value, Tensor(y.shape, [2 * d / n for d in diffs]), work, rule
    if kind == "ce":
        if len(y.shape) != 1:
            raise EvalError(
                f"--loss ce needs a vector of class scores; the output is {_shape(y.shape)} "
                "(add gap, flatten or dense)",
                "--loss",
            )
        if not arg.isdigit() or not arg.isascii() or int(arg) >= n:
            raise EvalError(
                f"--loss ce:CLASS: CLASS is 0 to {n - 1} for {n} scores, got {arg!r}", "--loss"
            )
        c = int(arg)
        top = max(float(v) for v in y.data)
        lse = top + math.log(math.fsum(math.exp(float(v) - top) for v in y.data))
        value = lse - float(y.data[c])
        from .ops import softmax

        probs = softmax(y.data)
        grad = [p - (1.0 if i == c else 0.0) for i, p in enumerate(probs)]
        work = [
            Work(
                "L", (), "value", value, note=f"−log softmax({name})[{c}] = log Σ exp − {name}({c})"
            )
        ]
        return value, Tensor(y.shape, grad), work, rule
    raise EvalError(f"--loss {rule!r}: give one of {', '.join(LOSSES)}", "--loss")
