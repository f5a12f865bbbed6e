"""Propagate shapes, parameters and MACs through a parsed network: stage two.

The :class:`Report` built here *is* the JSON contract (``schema_version`` 1): renderers read it,
``--json`` dumps it, and ``convcalc --schema`` prints its JSON Schema.  Layer kinds are never
named here; each layer's own ``forward`` (in ``layers.py``) answers for it.  This module knows
only the structure: sequences, ``res`` (add) and ``cat`` (concatenate on channels).
"""

from __future__ import annotations

from math import prod
from typing import Literal, Optional

from pydantic import BaseModel, Field

from .errors import ConvcalcError, LimitError, ShapeError
from .layers import MAX_INT, AnyLayer, Shape, fmt_shape
from .spec import BranchNode, Network, Node, parse

__all__ = ["DTYPES", "LayerReport", "Report", "Totals", "analyze", "propagate"]

SCHEMA_VERSION = 1

DTYPES: dict[str, int] = {
    "float32": 4,
    "float16": 2,
    "bfloat16": 2,
    "float64": 8,
    "int8": 1,
}
"""Bytes per element of each ``--dtype``."""


class LayerReport(BaseModel):
    """One row: a written layer (repeats expanded), or a ``res``/``cat`` with its branches."""

    index: int = Field(description="1-based position; restarts at 1 inside each branch")
    token: str = Field(description="the token as written; for res/cat the whole res(…) text")
    kind: str = Field(description="the layer kind: conv, maxpool, dense, relu, res, cat, …")
    output_shape: list[int] = Field(description="in the display layout (channels last by default)")
    params: int = Field(description="trainable + non-trainable")
    trainable_params: int
    non_trainable_params: int
    macs: int = Field(description="multiply-accumulates, bias excluded (fvcore convention)")
    notes: list[str] = Field(default_factory=list)
    layer: Optional[AnyLayer] = Field(
        default=None, description="the typed layer as parsed (absent for res/cat)"
    )
    branches: Optional[list[list[LayerReport]]] = Field(
        default=None, description="res/cat only: the layers of each branch"
    )


class Totals(BaseModel):
    params: int
    trainable_params: int
    non_trainable_params: int
    macs: int
    flops: int = Field(description="2 · macs")
    output_shape: list[int]
    activation_elements: int = Field(description="sum of every layer's output elements")
    param_bytes: int = Field(description="params × bytes of dtype")
    activation_bytes: int = Field(description="activation_elements × bytes of dtype")


class Report(BaseModel):
    """The whole analysis of one spec — the ``--json`` object."""

    schema_version: Literal[1] = SCHEMA_VERSION
    spec: str
    input_shape: list[int]
    channels_first: bool = False
    dtype: str = "float32"
    layers: list[LayerReport]
    totals: Totals
    warnings: list[str] = Field(default_factory=list)


def _display(shape: Shape, channels_first: bool) -> list[int]:
    if channels_first and len(shape) > 1:
        return [shape[-1], *shape[:-1]]
    return list(shape)


class _Walk:
    """State of one propagation: the layout, the warnings, the activation element count."""

    def __init__(self, channels_first: bool) -> None:
        self.cf = channels_first
        self.warnings: list[str] = []
        self.activations = 0

    def run(
        self, nodes: tuple[Node, ...], shape: Shape, prefix: str
    ) -> tuple[list[LayerReport], Shape]:
        rows: list[LayerReport] = []
        for i, node in enumerate(nodes, 1):
            path = f"{prefix}{i}"
            if isinstance(node, BranchNode):
                row, shape = self.branch(node, shape, path, i)
            else:
                try:
                    eff = node.layer.forward(shape)
                except ConvcalcError as err:
                    raise type(err)(err.message, node.token, node.position) from None
                self.check_size(eff.shape, node.token, node.position)
                shape = eff.shape
                for w in eff.warnings:
                    self.warnings.append(f"layer {path} {node.token}: {w}")
                row = LayerReport.model_construct(
                    index=i,
                    token=node.token,
                    kind=node.layer.kind,
                    output_shape=_display(shape, self.cf),
                    params=eff.trainable + eff.non_trainable,
                    trainable_params=eff.trainable,
                    non_trainable_params=eff.non_trainable,
                    macs=eff.macs,
                    notes=[*node.notes, *eff.notes] if node.notes else eff.notes,
                    layer=node.layer,
                    branches=None,
                )
            self.activations += prod(shape)
            rows.append(row)
        return rows, shape

    def branch(
        self, node: BranchNode, shape: Shape, path: str, index: int
    ) -> tuple[LayerReport, Shape]:
        outs: list[Shape] = []
        branch_rows: list[list[LayerReport]] = []
        for b, nodes in enumerate(node.branches, 1):
            rows, out = self.run(nodes, shape, f"{path}.{b}.")
            branch_rows.append(rows)
            outs.append(out)
        show = lambda s: fmt_shape(tuple(_display(s, self.cf)))  # noqa: E731
        if node.kind == "res":
            if len(outs) == 1 and outs[0] != shape:
                raise ShapeError(
                    f"res: the body gives {show(outs[0])} but its input is {show(shape)}; "
                    "add a shortcut branch to match them: res(BODY | SHORTCUT)",
                    node.token,
                    node.position,
                )
            if len(outs) == 2 and outs[0] != outs[1]:
                raise ShapeError(
                    f"res: branch 1 gives {show(outs[0])} but branch 2 gives {show(outs[1])}; "
                    "they must match to be added",
                    node.token,
                    node.position,
                )
            out = outs[0]
        else:
            first = outs[0]
            for b, o in enumerate(outs[1:], 2):
                if len(o) != len(first) or o[:-1] != first[:-1]:
                    raise ShapeError(
                        f"cat: branch 1 gives {show(first)} but branch {b} gives {show(o)}; "
                        "all but the channels must match",
                        node.token,
                        node.position,
                    )
            out = (*first[:-1], sum(o[-1] for o in outs))
            self.check_size(out, node.token, node.position)
        trainable = sum(r.trainable_params for rows in branch_rows for r in rows)
        non_trainable = sum(r.non_trainable_params for rows in branch_rows for r in rows)
        row = LayerReport.model_construct(
            index=index,
            token=node.token,
            kind=node.kind,
            output_shape=_display(out, self.cf),
            params=trainable + non_trainable,
            trainable_params=trainable,
            non_trainable_params=non_trainable,
            macs=sum(r.macs for rows in branch_rows for r in rows),
            notes=[],
            layer=None,
            branches=branch_rows,
        )
        return row, out

    @staticmethod
    def check_size(shape: Shape, token: str, position: int) -> None:
        if max(shape) > MAX_INT or prod(shape) > MAX_INT:
            raise LimitError(
                f"output {fmt_shape(shape)} is larger than 2³¹−1 elements", token, position
            )


def propagate(network: Network, *, dtype: str = "float32") -> Report:
    """Run the shape/parameter/MAC rules over a parsed :class:`~convcalc.spec.Network`."""
    if dtype not in DTYPES:
        raise ConvcalcError(f"unknown dtype '{dtype}' (one of {', '.join(DTYPES)})", dtype)
    walk = _Walk(network.channels_first)
    rows, out = walk.run(network.nodes, network.input_shape, "")
    trainable = sum(r.trainable_params for r in rows)
    non_trainable = sum(r.non_trainable_params for r in rows)
    macs = sum(r.macs for r in rows)
    size = DTYPES[dtype]
    totals = Totals.model_construct(
        params=trainable + non_trainable,
        trainable_params=trainable,
        non_trainable_params=non_trainable,
        macs=macs,
        flops=2 * macs,
        output_shape=_display(out, network.channels_first),
        activation_elements=walk.activations,
        param_bytes=(trainable + non_trainable) * size,
        activation_bytes=walk.activations * size,
    )
    return Report.model_construct(
        schema_version=SCHEMA_VERSION,
        spec=network.text,
        input_shape=_display(network.input_shape, network.channels_first),
        channels_first=network.channels_first,
        dtype=dtype,
        layers=rows,
        totals=totals,
        warnings=walk.warnings,
    )


def analyze(spec: str, *, channels_first: bool = False, dtype: str = "float32") -> Report:
    """Parse and propagate one spec: ``analyze("28x28x1 conv3x3s2p1x32 pool2 dense5")``.

    Raises :class:`~convcalc.errors.ConvcalcError` (a ``ValueError``) for any bad input.
    """
    return propagate(parse(spec, channels_first=channels_first), dtype=dtype)
