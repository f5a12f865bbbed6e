"""Propagate shapes, parameters and MACs through a parsed network: stage two.

The :class:`Report` built here *is* the JSON contract (``schema_version`` 1): renderers read it,
``--json`` dumps it, and ``convcalc --schema`` prints its JSON Schema; ``--jsonl`` has the same
bytes written row by row without the models (:meth:`ReportStream.json_rows`).  Layer kinds are
never named here; each layer's own ``forward`` (in ``layers/``) answers for it.  This module
knows only the structure: sequences, ``res`` (add), ``cat`` (concatenate on channels), ``mul``,
``split`` and ``aux``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring as _quote
from math import prod
from typing import Annotated, Literal, NamedTuple, Optional, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import to_json

from .errors import ConvcalcError, LimitError, ShapeError, expect_type
from .errors import clip as _clip
from .layers import (
    INPUT,
    MAX_COUNT,
    MAX_INT,
    AnyLayer,
    AsAny,
    Layer,
    Shape,
    Window,
    fmt_int,
    fmt_shape,
    in_layout,
)
from .receptive import (
    BEYOND,
    Exact,
    Key,
    ReceptiveField,
    State,
    key_of,
    merge,
    merge_keys,
    past_limit,
    step_exact,
    step_key,
    to_exact,
)
from .spec import BranchNode, LayerNode, Network, Node, parse

__all__ = [
    "DTYPES",
    "LayerReport",
    "Report",
    "ReportStream",
    "Totals",
    "analyze",
    "analyze_stream",
    "propagate",
]

SCHEMA_VERSION = 1

DTYPES: dict[str, int] = {
    "float32": 4,
    "float16": 2,
    "bfloat16": 2,
    "float64": 8,
    "int8": 1,
}
"""Bytes per element of each ``--dtype``."""


# Written as its value's own type: pydantic's union serializer would try each member in turn
# for every row (the same JSON and schema; tests/test_layer_internals.py checks the layers').
RowField = Annotated[Union[ReceptiveField, Literal["global", "beyond"], None], AsAny()]


# The report models' validators and serializers are built when first used, not at import:
# the table and --jsonl never use them (the engine makes the models with _construct; --jsonl
# writes their JSON itself), and building them was ~10 ms of every start-up.
_ON_FIRST_USE = ConfigDict(defer_build=True)


class LayerReport(BaseModel):
    """One row: a written layer (repeats expanded), or a ``res``/``cat`` with its branches."""

    model_config = _ON_FIRST_USE

    index: int = Field(description="1-based position; restarts at 1 inside each branch")
    token: str = Field(description="the token as written; for res/cat the whole res(…) text")
    kind: str = Field(
        description="the layer kind: conv, maxpool, dense, relu, …, or a structure: res, cat, "
        "mul, split, aux"
    )
    output_shape: list[int] = Field(description="in the display layout (channels last by default)")
    params: int = Field(description="trainable + non-trainable")
    trainable_params: int
    non_trainable_params: int
    macs: int = Field(description="multiply-accumulates, bias excluded (fvcore convention)")
    notes: list[str] = Field(default_factory=list)
    layer: Optional[AnyLayer] = Field(
        default=None, description="the typed layer as parsed (absent for structures)"
    )
    branches: Optional[list[list[LayerReport]]] = Field(
        default=None,
        description="structures only (res, cat, mul, split, aux): the layers of each branch; an "
        "aux row's macs are its head's, every other row's leave aux heads out",
    )
    rf: RowField = Field(
        default=None,
        description="receptive field of the output units; 'global' after flatten, dense or a "
        "global pool: every unit sees the whole input; 'beyond' once a size, jump or start "
        "would pass 2^50-1 in magnitude (until a later 'global'). Values are JSON numbers: "
        "integers, or exact half-integers and other binary fractions; a fraction with another "
        "denominator (after up3, say) is the nearest double",
    )
    explain: Optional[list[str]] = Field(
        default=None, description="--explain: the arithmetic with the numbers in, line by line"
    )


def _construct(cls: type[_M], values: dict[str, object]) -> _M:
    """``cls.model_construct(**values)`` without its loop over the fields, for the hot path.

    ``values`` holds every field, in field order (the callers write them so;
    tests/test_engine_internals.py checks each model it makes): the model gets exactly the
    four attributes ``model_construct`` sets (pydantic 2), at a fraction of the cost.
    """
    model = _new(cls)
    _set_dict(model, values)
    # Every field is set, so every model of a class can share one set of their names: pydantic
    # only ever adds a name to it (on assignment: one that is there already) and copies it for
    # a copy.  A set per model was 2% of analyze().
    _set_fields_set(model, _FIELD_SETS[cls])
    _set_extra(model, None)
    _set_private(model, None)
    return model


_M = TypeVar("_M", bound=BaseModel)
_new = object.__new__
# BaseModel's four slots, set through their descriptors: object.__setattr__ would look each up
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


class Totals(BaseModel):
    model_config = _ON_FIRST_USE

    params: int
    trainable_params: int
    non_trainable_params: int
    macs: int = Field(
        description="inference multiply-accumulates: every row's but those of aux(…) heads"
    )
    flops: int = Field(description="2 · macs")
    output_shape: list[int]
    activation_elements: int = Field(description="sum of every layer's output elements")
    param_bytes: int = Field(description="params × bytes of dtype")
    activation_bytes: int = Field(description="activation_elements × bytes of dtype")
    aux_macs: int = Field(
        default=0,
        description="MACs of the aux(…) side heads (training only), not in macs; their params "
        "are in every params total",
    )


class Report(BaseModel):
    """The whole analysis of one spec — the ``--json`` object."""

    model_config = _ON_FIRST_USE

    schema_version: Literal[1] = SCHEMA_VERSION
    spec: str
    input_shape: list[int]
    channels_first: bool = False
    dtype: str = "float32"
    layers: list[LayerReport]
    totals: Totals
    warnings: list[str] = Field(default_factory=list)


_FIELD_SETS = {cls: set(cls.model_fields) for cls in (LayerReport, Totals, Report)}


def _display(shape: Shape, channels_first: bool) -> list[int]:
    """A shape as the JSON and the table show it (a list, in the display layout)."""
    return list(in_layout(shape, channels_first))


class _Walk:
    """State of one propagation: the layout, the warnings, the activation element count, and
    the receptive field of the current position."""

    def __init__(
        self, channels_first: bool, rank: int = 2, explain: bool = False, json: bool = False
    ) -> None:
        self.cf = channels_first
        self.json = json  # rows as their JSON text, no model made (see json_row)
        self.warnings: list[str] = []
        self.activations = 0
        # running sums over every layer: the totals, the 2⁵⁰−1 count limit, and a structure's
        # row (the difference across its branches)
        self.params = 0
        self.trainable = 0
        self.macs = 0  # aux heads' included
        self.hidden = 0  # the MACs of aux heads, which inference does not run
        self.explain = explain
        self.rf: ReceptiveField | Literal["global", "beyond"] = {
            "size": [1] * rank,
            "jump": [1] * rank,
            "start": [0] * rank,
        }
        self.exact: Exact | None = None  # set once a jump is fractional
        self.key: Key | None = ((1,) * rank, (1,) * rank, (0,) * rank)  # None once exact

    def field(self, windows: tuple[Window, ...] | None) -> None:
        """Move the receptive field through one layer, given its windows (``Effect.windows``)."""
        rf = self.rf
        if windows is None:
            self.rf, self.exact, self.key = "global", None, None
        elif isinstance(rf, str):  # global stays global, beyond stays beyond
            return
        elif windows:
            key = self.key
            after = step_key(key, windows) if key is not None else None
            if after is None:  # fractions: an upsample, or a field already fractional
                self.exact, self.rf = step_exact(self.exact or to_exact(rf), windows)
                self.key = None
                if past_limit(self.rf):  # type: ignore[arg-type]
                    self.rf, self.exact = BEYOND, None
            elif after == BEYOND:
                self.rf, self.key = BEYOND, None
            else:  # a fresh view for the row; lists that did not change are shared with the last
                self.rf = {
                    "size": list(after[0]),
                    "jump": rf["jump"] if after[1] == key[1] else list(after[1]),  # type: ignore[index]
                    "start": rf["start"] if after[2] == key[2] else list(after[2]),  # type: ignore[index]
                }
                self.key = after  # type: ignore[assignment]

    def merge(self, states: list[State], keys: list[Key | None], labelled: bool) -> list[str]:
        """Set the field to the merge of the branches' (:func:`~convcalc.receptive.merge`);
        returns its notes.  Memoized on the default path, where every branch has a key."""
        if None in keys:
            labels = [f"branch {b}" for b in range(1, len(states) + 1)] if labelled else None
            merged, notes = merge(states, labels)
            self.restore(merged)
            return notes
        key, notes_kept = merge_keys(tuple(keys), labelled)  # type: ignore[arg-type]
        self.rf = {"size": list(key[0]), "jump": list(key[1]), "start": list(key[2])}
        self.exact, self.key = None, key
        return list(notes_kept)

    def restore(self, state: State) -> None:
        """Set the field to a saved ``(view, exact)`` state (a branch's input, a merge)."""
        self.rf, self.exact = state
        rf = self.rf
        self.key = key_of(rf) if self.exact is None and not isinstance(rf, str) else None

    def past_limit(self, node: LayerNode) -> LimitError:
        """The error once the running params or MACs pass 2⁵⁰−1 at ``node``."""
        what = "params" if self.params > MAX_COUNT else "MACs"
        return LimitError(
            f"the network's {what} pass 2⁵⁰−1 ({fmt_int(MAX_COUNT)}) at '{_clip(node.token)}':"
            " larger counts are refused, so that every figure stays exact",
            node.token,
            node.position,
        )

    def run(
        self, nodes: tuple[Node, ...], shape: Shape, prefix: str
    ) -> tuple[list[LayerReport], Shape]:
        rows = list(self.rows(nodes, shape, prefix))
        return rows, self.out

    def rows(self, nodes: tuple[Node, ...], shape: Shape, prefix: str) -> Iterator[LayerReport]:
        """The rows of a sequence, each as soon as it is made; ``self.out`` is its output shape
        once the iterator is exhausted."""
        # rows a zpad just before added after the input: padding in this layer's floor warning
        after: tuple[int, ...] | None = None
        cf = self.cf
        for i, node in enumerate(nodes, 1):
            if isinstance(node, BranchNode):
                row, shape = self.branch(node, shape, f"{prefix}{i}", i)
                after = None
                self.activations += prod(shape)
                yield row
                continue
            layer = node.layer
            step = _STEPS.get((id(layer), shape, cf)) or _step(node, shape, cf)
            self.params += step.params
            self.trainable += step.trainable
            self.macs += step.macs
            if self.params > MAX_COUNT or self.macs > MAX_COUNT:
                raise self.past_limit(node)
            if step.windows != ():  # () keeps every position: the field stays
                self.field(step.windows)
            warnings = step.warnings
            lines = None
            if self.explain:
                eff = layer.forward(shape)
                lines = layer.explain(shape, eff, cf)
            if warnings:
                if after is not None:
                    redone = layer.warnings_after_pad(shape, after)
                    if redone is not None:
                        warnings = redone
                        if lines is not None:
                            lines = layer.explain_after_pad(shape, eff, cf, after)
                for w in warnings:
                    self.warnings.append(f"layer {prefix}{i} {node.token}: {w}")
            after = step.pads_after
            shape = step.shape
            self.activations += step.elements
            if self.json:  # --jsonl: the row's JSON, with no model made
                yield self.json_row(i, node, step)
                continue
            yield _construct(
                LayerReport,
                {
                    "index": i,
                    "token": node.token,
                    "kind": layer.kind,
                    "output_shape": list(step.output_shape),
                    "params": step.params,
                    "trainable_params": step.trainable,
                    "non_trainable_params": step.non_trainable,
                    "macs": step.macs,
                    "notes": [*node.notes, *step.notes] if node.notes else list(step.notes),
                    "layer": layer,
                    "branches": None,
                    "rf": self.rf,
                    "explain": lines,
                },
            )
        self.out = shape

    def branch(
        self, node: BranchNode, shape: Shape, path: str, index: int
    ) -> tuple[LayerReport, Shape]:
        outs: list[Shape] = []
        branch_rows: list[list[LayerReport]] = []
        counts_in = self.params, self.trainable, self.macs, self.hidden
        state_in: State = (self.rf, self.exact)
        key_in = self.key
        states: list[State] = []
        keys: list[Key | None] = []
        show = lambda s: fmt_shape(tuple(_display(s, self.cf)))  # noqa: E731
        shape_in = shape
        if node.kind == "split":  # each branch sees its share of the channels
            n = len(node.branches)
            if len(shape) < 2 or shape[-1] % n:
                raise ShapeError(
                    f"split: {n} branches need the channels of {show(shape)} to divide by {n}",
                    node.token,
                    node.position,
                )
            shape_in = (*shape[:-1], shape[-1] // n)
        for b, nodes in enumerate(node.branches, 1):
            self.rf, self.exact, self.key = *state_in, key_in
            rows, out = self.run(nodes, shape_in, f"{path}.{b}.")
            branch_rows.append(rows)
            outs.append(out)
            states.append((self.rf, self.exact))
            keys.append(self.key)
        rf_notes: list[str] = []
        if node.kind in ("mul", "aux"):
            out = shape
            if node.kind == "mul":
                gate = outs[0]
                ones = (*(1,) * (len(shape) - 1), shape[-1])
                if gate not in (shape, (shape[-1],), ones):
                    raise ShapeError(
                        f"mul: the body gives {show(gate)}; to multiply {show(shape)} it must "
                        f"give {show(shape)}, {show(ones)} or a vector of {shape[-1]}",
                        node.token,
                        node.position,
                    )
            if node.kind == "aux" or states[0][0] in ("global", "beyond"):
                # aux does not move the main path; a broadcast gate keeps x's positions
                self.rf, self.exact, self.key = *state_in, key_in
                if node.kind == "mul" and states[0][0] == "global" and isinstance(self.rf, dict):
                    rf_notes = ["RF: the gate sees the whole input; the positions are x's"]
            else:
                rf_notes = self.merge([states[0], state_in], [keys[0], key_in], False)
        elif node.kind == "res":
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
        params = self.params - counts_in[0]
        trainable = self.trainable - counts_in[1]
        macs = self.macs - counts_in[2]  # every layer's in the branches
        hidden = self.hidden - counts_in[3]  # of the aux heads among them
        # an aux row shows its head's MACs; every other row counts inference MACs only
        if node.kind == "aux":
            self.hidden += macs - hidden
        else:
            macs -= hidden
        if node.kind in ("res", "cat", "split"):
            labelled = len(states) > 1  # res(BODY) has no notes: its skip always sees less
            if not labelled:  # res(BODY): the skip, the input itself, is the other branch
                states.append(state_in)
                keys.append(key_in)
            rf_notes = self.merge(states, keys, labelled)
        if self.json:
            counts = params, trainable, macs
            return self.json_structure_row(index, node, out, counts, branch_rows, rf_notes), out
        row = _construct(
            LayerReport,
            {
                "index": index,
                "token": node.token,
                "kind": node.kind,
                "output_shape": _display(out, self.cf),
                "params": params,
                "trainable_params": trainable,
                "non_trainable_params": params - trainable,
                "macs": macs,
                "notes": [],
                "layer": None,
                "branches": branch_rows,
                "rf": {**self.rf, "notes": rf_notes} if rf_notes else self.rf,  # type: ignore[typeddict-item]
                "explain": self.merge_lines(node.kind, shape_in, outs, out, branch_rows)
                if self.explain
                else None,
            },
        )
        return row, out

    def merge_lines(
        self,
        kind: str,
        shape: Shape,
        outs: list[Shape],
        out: Shape,
        branch_rows: list[list[LayerReport]],
    ) -> list[str]:
        """--explain for a structure's row: how the branches merge, and the sums."""
        show = lambda s: fmt_shape(tuple(_display(s, self.cf)))  # noqa: E731
        if kind == "split":
            n = len(outs)
            channels = " + ".join(fmt_int(o[-1]) for o in outs)
            lines = [
                f"split: {fmt_int(shape[-1] * n)} channels in {n} shares of {fmt_int(shape[-1])}",
                f"cat: channels {channels} = {fmt_int(out[-1])}, giving {show(out)}",
            ]
        elif kind == "cat":
            channels = " + ".join(fmt_int(o[-1]) for o in outs)
            lines = [f"cat: channels {channels} = {fmt_int(out[-1])}, giving {show(out)}"]
        elif kind == "mul":
            lines = [f"mul: input ⊙ body, broadcast: {show(shape)} ⊙ {show(outs[0])}"]
        elif kind == "aux":
            lines = [
                f"aux: a side head on {show(shape)} giving {show(outs[0])}; the input passes on",
                "its params count in every total; its MACs only in totals.aux_macs",
            ]
        elif len(outs) == 1:
            lines = [f"res: input + body, element-wise: {show(shape)} + {show(out)}"]
        else:
            lines = [f"res: branch 1 + branch 2, element-wise: {show(outs[0])} + {show(outs[1])}"]
        for label, field in (("params", "params"), ("MACs", "macs")):
            if field == "macs" and kind != "aux":
                terms = [_inference_macs(rows) for rows in branch_rows]
            else:
                terms = [sum(getattr(r, field) for r in rows) for rows in branch_rows]
            total = fmt_int(sum(terms))
            if len(terms) == 1:
                lines.append(f"{label}: the body's {total}")
            else:
                lines.append(f"{label}: {' + '.join(fmt_int(t) for t in terms)} = {total}")
        return lines

    # ----------------------------------------------------------------------------------------
    # --jsonl's rows: each row's JSON written as it is made, with no model made for it
    #
    # Exactly ``row.model_dump_json(exclude_none=True)`` (tests/test_json_rows.py compares them
    # over the corpora, the zoo and edge specs).  Integers and the fixed keys are written here;
    # every value whose form pydantic decides is pydantic's own JSON, kept per layer and per
    # integer field: the typed layer, and a receptive field, whose floats pydantic writes its
    # way (0.00001 where Python writes 1e-05).  Strings are quoted by the json module's
    # encoder, whose escapes are serde_json's: ", \\ and the control characters.

    def json_row(self, index: int, node: LayerNode, step: _Step) -> str:
        """A layer's row (no --explain), its field as it stands after the layer."""
        layer = node.layer
        kept = _LAYER_JSON.get(id(layer))
        if kept is None or kept[0] is not layer:
            kept = (layer, layer.kind, to_json(layer, exclude_none=True).decode())
            _keep_json(_LAYER_JSON, id(layer), kept)
        notes = [*node.notes, *step.notes] if node.notes else step.notes
        return (
            f'{{"index":{index},"token":{_quote(node.token)},"kind":"{kept[1]}",'
            f'"output_shape":[{",".join(map(str, step.output_shape))}],"params":{step.params},'
            f'"trainable_params":{step.trainable},"non_trainable_params":{step.non_trainable},'
            f'"macs":{step.macs},"notes":{_strings(notes) if notes else "[]"},'
            f'"layer":{kept[2]},"rf":{self.rf_json()}}}'
        )

    def json_structure_row(
        self,
        index: int,
        node: BranchNode,
        out: Shape,
        counts: tuple[int, int, int],
        branch_rows: list[list[str]],
        rf_notes: list[str],
    ) -> str:
        """A structure's row (no --explain): ``counts`` are its params, trainable params, MACs."""
        params, trainable, macs = counts
        branches = ",".join(f"[{','.join(rows)}]" for rows in branch_rows)
        rf = self.rf_json()
        if rf_notes:
            rf = f'{rf[:-1]},"notes":{_strings(rf_notes)}}}'
        return (
            f'{{"index":{index},"token":{_quote(node.token)},"kind":"{node.kind}",'
            f'"output_shape":[{",".join(map(str, _display(out, self.cf)))}],"params":{params},'
            f'"trainable_params":{trainable},"non_trainable_params":{params - trainable},'
            f'"macs":{macs},"notes":[],"branches":[{branches}],"rf":{rf}}}'
        )

    def rf_json(self) -> str:
        """The field's JSON: pydantic's, kept per integer field."""
        key = self.key
        if key is None:  # "global", "beyond", or fractions (pydantic's float forms)
            return to_json(self.rf).decode()
        text = _RF_JSON.get(key)
        if text is None:
            text = _keep_json(_RF_JSON, key, to_json(self.rf).decode())
        return text

    @staticmethod
    def check_size(shape: Shape, token: str, position: int) -> None:
        if max(shape) > MAX_INT or prod(shape) > MAX_INT:
            raise LimitError(
                f"output {fmt_shape(shape)} is larger than 2³¹−1 elements", token, position
            )


# The JSON of each layer (pydantic's), by its id, with the layer, so that the id stays its own
# while the entry lives; and of each integer receptive field, by its key.  Bounded: cleared
# whole when full, like the step memo.
_LAYER_JSON: dict[int, tuple[Layer, str, str]] = {}  # (layer, its kind, its JSON)
_RF_JSON: dict[Key, str] = {}
_JSON_KEPT = 4096

_K = TypeVar("_K")
_V = TypeVar("_V")


def _keep_json(memo: dict[_K, _V], key: _K, value: _V) -> _V:
    if len(memo) >= _JSON_KEPT:
        memo.clear()
    memo[key] = value
    return value


def _strings(texts: Iterable[str]) -> str:
    """A JSON array of strings, as pydantic writes it."""
    return f"[{','.join(map(_quote, texts))}]"


def _inference_macs(rows: list[LayerReport]) -> int:
    """The MACs of rows at inference: an ``aux`` head's are left out."""
    return sum(r.macs for r in rows if r.kind != "aux")


class _Step(NamedTuple):
    """One layer on one input shape: all that its row takes from the two alone."""

    layer: Layer  # kept, so that its id (the memo's key) stays its own while the entry lives
    shape: Shape  # the output, channels last
    trainable: int
    non_trainable: int
    macs: int
    warnings: tuple[str, ...]
    windows: tuple[Window, ...] | None  # for the receptive field
    output_shape: tuple[int, ...]  # in the display layout
    notes: tuple[str, ...]  # the effect's notes, the input shape written in
    pads_after: tuple[int, ...] | None
    elements: int  # of the output
    params: int  # trainable + non-trainable
    # Only immutable values (and the layer, which the parser's token cache holds anyway): the
    # garbage collector then skips every part of the ~10,000 entries a batch leaves here but
    # the tuple itself (the Effect's notes, warnings and windows are tuples already).  The
    # Effect is made again for --explain, which needs it.


# What a layer does to an input shape never changes (layers are frozen), and networks and
# batches apply the same layer to the same shape again and again (a repeated block, relu on
# every map): remember the step.  Keyed by the layer's id: the parser gives every use of a
# token the same layer object, and pydantic would hash a frozen model field by field on each
# lookup.  Errors are never kept, so each carries its own token and position.  Bounded:
# cleared whole when full, at ~13 MB (a sweep of 5,000 residual specs with random input sizes
# fills 23,000 entries: half as many entries cleared it once, for 1.6% more instructions).
_STEPS: dict[tuple[int, Shape, bool], _Step] = {}
_STEPS_SIZE = 32768


def _step(node: LayerNode, shape: Shape, cf: bool) -> _Step:
    """``node``'s layer on ``shape`` (``cf``: the display layout), worked out and remembered
    (the caller has looked in :data:`_STEPS` first)."""
    layer = node.layer
    try:
        eff = layer.forward(shape)
    except ConvcalcError as err:
        message = err.message.replace(INPUT, fmt_shape(tuple(_display(shape, cf))))
        raise type(err)(message, node.token, node.position) from None
    out = eff.shape
    elements = prod(out)
    if not 0 < elements <= MAX_INT:  # the product bounds every dim, unless one is 0
        _Walk.check_size(out, node.token, node.position)
    notes = eff.notes
    if notes and INPUT in "".join(notes):  # any() with a generator cost more than the join
        shown = fmt_shape(in_layout(shape, cf))
        notes = tuple([n.replace(INPUT, shown) for n in notes])
    trainable, non_trainable = eff.trainable, eff.non_trainable
    step = _new_tuple(  # _Step(…) without NamedTuple's Python-level __new__
        _Step,
        (
            layer,
            out,
            trainable,
            non_trainable,
            eff.macs,
            eff.warnings,
            eff.windows,
            in_layout(out, cf) if cf else out,
            notes,
            eff.pads_after,
            elements,
            trainable + non_trainable,
        ),
    )
    if len(_STEPS) >= _STEPS_SIZE:
        _STEPS.clear()
    _STEPS[id(layer), shape, cf] = step
    return step


_new_tuple = tuple.__new__


class ReportStream:
    """A :class:`Report` made one top-level row at a time, so that a sink can write each row
    as it is made and hold only what it still needs (the memory goal of benchmarks/bench.py).

    Iterate it once for the rows (a ``res``/``cat`` row carries its branches); ``totals`` and
    the complete ``warnings`` exist once the iteration has ended.  A bad layer raises its
    :class:`~convcalc.errors.ConvcalcError` during the iteration, so a sink writes nothing for
    the spec until the last row has come (``render`` spools the rows meanwhile).
    :meth:`report` collects the whole :class:`Report`.
    """

    def __init__(self, network: Network, *, dtype: str = "float32", explain: bool = False):
        if type(network) is not Network or type(dtype) is not str or type(explain) is not bool:
            expect_type(network, Network, "propagate", "network")
            expect_type(dtype, str, "propagate", "dtype")
            expect_type(explain, bool, "propagate", "explain")
        if dtype not in DTYPES:
            raise ConvcalcError(
                f"unknown dtype '{_clip(dtype)}' (one of {', '.join(DTYPES)})", dtype
            )
        self.network = network
        self.spec = network.text
        self.input_shape = _display(network.input_shape, network.channels_first)
        self.channels_first = network.channels_first
        self.dtype = dtype
        self.explain = explain
        self.warnings: list[str] = []
        self._started = False
        self._sums: dict[str, int | list[int]] | None = None  # Totals' fields, at the end
        self._totals: Totals | None = None

    @property
    def totals(self) -> Totals | None:
        """The totals, once the iteration has ended (None before)."""
        if self._totals is None and self._sums is not None:
            self._totals = _construct(Totals, self._sums)
        return self._totals

    def __iter__(self) -> Iterator[LayerReport]:
        return self._rows(json=False)

    def json_rows(self) -> Iterator[str]:
        """The rows as iterating the stream gives them, each as its compact JSON: exactly
        ``row.model_dump_json(exclude_none=True)``, written without making the row (the
        ``--jsonl`` path).  :meth:`json_frame` gives the rest of the report's JSON."""
        if self.explain:  # the arithmetic's lines: the models' JSON
            return (row.model_dump_json(exclude_none=True) for row in self._rows(json=False))
        return self._rows(json=True)  # type: ignore[return-value]

    def json_frame(self) -> tuple[str, str]:
        """After the iteration, the report's compact JSON before its rows and after them:
        ``head + ",".join(json_rows) + tail`` is ``report.model_dump_json(exclude_none=True)``."""
        t = self._sums  # the --jsonl path makes no Totals model either
        if t is None:
            raise RuntimeError("json_frame comes after the iteration")
        head = (
            f'{{"schema_version":{SCHEMA_VERSION},"spec":{_quote(self.spec)},'
            f'"input_shape":[{",".join(map(str, self.input_shape))}],'
            f'"channels_first":{"true" if self.channels_first else "false"},'
            f'"dtype":{_quote(self.dtype)},"layers":['
        )
        tail = (
            f'],"totals":{{"params":{t["params"]},"trainable_params":{t["trainable_params"]},'
            f'"non_trainable_params":{t["non_trainable_params"]},"macs":{t["macs"]},'
            f'"flops":{t["flops"]},"output_shape":[{",".join(map(str, t["output_shape"]))}],'  # type: ignore[call-overload]
            f'"activation_elements":{t["activation_elements"]},'
            f'"param_bytes":{t["param_bytes"]},"activation_bytes":{t["activation_bytes"]},'
            f'"aux_macs":{t["aux_macs"]}}},'
            f'"warnings":{_strings(self.warnings)}}}'
        )
        return head, tail

    def _rows(self, json: bool) -> Iterator[LayerReport]:
        if self._started:
            raise RuntimeError("a ReportStream is iterated once")
        self._started = True
        network = self.network
        walk = _Walk(network.channels_first, len(network.input_shape) - 1, self.explain, json)
        walk.warnings.extend(network.notes)
        self.warnings = walk.warnings
        try:
            yield from walk.rows(network.nodes, network.input_shape, "")
        except ConvcalcError as err:
            if not network.notes:
                raise
            # the likely cause of an impossible layer: a misread input shape
            raise type(err)(f"{err.message}; {network.notes[0]}", err.token, err.position) from None
        trainable, non_trainable = walk.trainable, walk.params - walk.trainable
        macs, aux_macs = walk.macs - walk.hidden, walk.hidden
        size = DTYPES[self.dtype]
        self._sums = {  # Totals' fields in order; the model is made when asked for (totals)
            "params": trainable + non_trainable,
            "trainable_params": trainable,
            "non_trainable_params": non_trainable,
            "macs": macs,
            "flops": 2 * macs,
            "output_shape": _display(walk.out, network.channels_first),
            "activation_elements": walk.activations,
            "param_bytes": (trainable + non_trainable) * size,
            "activation_bytes": walk.activations * size,
            "aux_macs": aux_macs,
        }

    def shell(self, rows: list[LayerReport] | None = None) -> Report:
        """The report after the iteration, with ``rows`` as its layers; without them, the frame
        a sink writes its rows in."""
        return self._report(rows or [])

    def report(self) -> Report:
        """Every row collected into one :class:`Report`."""
        return self._report(list(self._rows(json=False)))

    def _report(self, rows: list[LayerReport]) -> Report:
        return _construct(
            Report,
            {
                "schema_version": SCHEMA_VERSION,
                "spec": self.spec,
                "input_shape": self.input_shape,
                "channels_first": self.channels_first,
                "dtype": self.dtype,
                "layers": rows,
                "totals": self.totals,
                "warnings": self.warnings,
            },
        )


def propagate(network: Network, *, dtype: str = "float32", explain: bool = False) -> Report:
    """Run the shape/parameter/MAC rules over a parsed :class:`~convcalc.spec.Network`.

    Every row gets its receptive field (``rf``); ``explain`` adds the arithmetic as text.
    Arguments of the wrong type raise a ``TypeError`` naming the parameter.
    """
    return ReportStream(network, dtype=dtype, explain=explain).report()


def analyze(
    spec: str, *, channels_first: bool = False, dtype: str = "float32", explain: bool = False
) -> Report:
    """Parse and propagate one spec: ``analyze("28x28x1 conv3x3s2p1x32 pool2 dense5")``.

    ``explain=True`` fills each row's ``explain`` with the arithmetic, as a student writes it.
    Raises :class:`~convcalc.errors.ConvcalcError` (a ``ValueError``) for any bad input, and a
    ``TypeError`` naming the parameter for an argument of the wrong type (``analyze(b"…")``).
    """
    if not _plain_types(spec, channels_first, dtype, explain):
        expect_type(spec, str, "analyze", "spec")
        expect_type(channels_first, bool, "analyze", "channels_first")
        expect_type(dtype, str, "analyze", "dtype")
        expect_type(explain, bool, "analyze", "explain")
    network = parse(spec, channels_first=channels_first)
    return ReportStream(network, dtype=dtype, explain=explain).report()


def analyze_stream(
    spec: str, *, channels_first: bool = False, dtype: str = "float32", explain: bool = False
) -> ReportStream:
    """:func:`analyze` one row at a time: a :class:`ReportStream` (the CLI's sinks use it)."""
    if not _plain_types(spec, channels_first, dtype, explain):
        expect_type(spec, str, "analyze", "spec")
        expect_type(channels_first, bool, "analyze", "channels_first")
    network = parse(spec, channels_first=channels_first)
    return ReportStream(network, dtype=dtype, explain=explain)


def _plain_types(spec: object, channels_first: object, dtype: object, explain: object) -> bool:
    """The arguments' usual types, in one test: the per-argument checks, which name the
    argument of a wrong type, run only when this fails."""
    return (
        type(spec) is str
        and type(dtype) is str
        and type(channels_first) is bool
        and type(explain) is bool
    )
