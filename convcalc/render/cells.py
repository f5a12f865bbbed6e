"""The cells every format shares: a report's rows in display order (branches under their
structure), their labels and notes, receptive-field cells, the totals' lines, human units."""

from __future__ import annotations

from ..engine import LayerReport, Report
from ..receptive import fmt_number


def human(n: float) -> str:
    """64288 → '64.29 K' (SI units, as torchinfo and the torchvision docs use)."""
    for unit, size in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n:g}"


def human_bytes(n: int) -> str:
    """32660 → '31.89 KiB'."""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{int(size)} B" if unit == "B" else f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} TiB"  # pragma: no cover


def shape_text(shape: list[int]) -> str:
    """A shape as the tables write it: ``28×28×1``."""
    return "×".join(str(n) for n in shape)


def table_rows(
    layers: list[LayerReport], depth: int | None = None, *, branch_headers: bool = False
) -> list[tuple[str, str, LayerReport]]:
    """Flatten the tree into (path, tree-drawn lead, layer) rows, torchinfo style.

    Paths name a layer inside branches: ``3.2.1`` is layer 1 of branch 2 of layer 3.  ``depth`` 1
    shows only the top level; deeper rows are folded into their parent, whose params and MACs
    already are the sums of its branches.  With ``branch_headers`` a res/cat of several
    branches gets one summary row per branch (path ``3.2``) above that branch's layers.
    """
    rows: list[tuple[str, str, LayerReport]] = []

    def seq(items: list[LayerReport], prefix: str, indent: str, level: int) -> None:
        for k, item in enumerate(items):
            last = k == len(items) - 1
            path = prefix + str(item.index)
            rows.append((path, indent + ("└─ " if last else "├─ "), item))
            children(item, path, indent + ("   " if last else "│  "), level)

    def children(layer: LayerReport, path: str, indent: str, level: int) -> None:
        if not layer.branches or (depth is not None and level >= depth):
            return
        if branch_headers and len(layer.branches) > 1:
            count = len(layer.branches)
            for b, branch in enumerate(layer.branches, 1):
                last = b == count
                header = _branch_row(layer.kind, b, count, branch)
                rows.append((f"{path}.{b}", indent + ("└─ " if last else "├─ "), header))
                seq(branch, f"{path}.{b}.", indent + ("   " if last else "│  "), level + 1)
        else:
            for b, branch in enumerate(layer.branches, 1):
                seq(branch, f"{path}.{b}.", indent, level + 1)

    for layer in layers:
        rows.append((str(layer.index), "", layer))
        children(layer, str(layer.index), "", 1)
    return rows


def _branch_row(kind: str, b: int, count: int, branch: list[LayerReport]) -> LayerReport:
    name = f"branch {b}" + (" (shortcut)" if kind == "res" and b == count == 2 else "")
    return LayerReport.model_construct(
        index=b,
        token=name,
        kind="branch",
        output_shape=branch[-1].output_shape,
        params=sum(x.params for x in branch),
        trainable_params=sum(x.trainable_params for x in branch),
        non_trainable_params=sum(x.non_trainable_params for x in branch),
        # aux heads' MACs stay out of a branch's sum, as out of every structure's (but an aux
        # row's own branch shows them)
        macs=sum(x.macs for x in branch if kind == "aux" or x.kind != "aux"),
        notes=[],
        layer=None,
        branches=None,
    )


def row_label(layer: LayerReport) -> str:
    """A row's label: its token, or a structure's kind and branch count."""
    if layer.branches is not None:
        n = len(layer.branches)
        return f"{layer.kind} ({n} branch{'es' if n != 1 else ''})"
    return layer.token


def row_notes(layer: LayerReport, rf: bool) -> list[str]:
    """A row's notes; with ``--rf`` also where a res/cat's branches see different fields."""
    if rf and isinstance(layer.rf, dict) and layer.rf.get("notes"):
        return [*layer.notes, *layer.rf["notes"]]
    return layer.notes


def _per_dim(values: list[int | float], sep: str) -> str:
    texts = [fmt_number(v) for v in values]
    return texts[0] if len(set(texts)) == 1 else sep.join(texts)


def rf_cells(layer: LayerReport, sep: str = "×") -> tuple[str, str, str]:
    """(size, jump, start) for the ``--rf`` columns: '5', '3×5' when the dims differ, 'global',
    'beyond' (a value past 2⁵⁰−1)."""
    rf = layer.rf
    if rf is None:
        return "", "", ""
    if isinstance(rf, str):
        return rf, "", ""
    return _per_dim(rf["size"], sep), _per_dim(rf["jump"], sep), _per_dim(rf["start"], sep)


def total_lines(report: Report) -> list[str]:
    """The totals printed under a table (the table and Markdown formats)."""
    t = report.totals
    dtype = report.dtype
    lines = [
        f"Total params: {t.params:,}",
        f"Trainable params: {t.trainable_params:,}",
        f"Non-trainable params: {t.non_trainable_params:,}",
        f"Total MACs: {t.macs:,} ({human(t.macs)})    FLOPs: {t.flops:,} ({human(t.flops)})",
        f"Params size ({dtype}): {human_bytes(t.param_bytes)}",
        f"Activation memory ({dtype}): {human_bytes(t.activation_bytes)}",
    ]
    if t.aux_macs:
        lines.insert(4, f"Aux-head MACs (training only, not in the total): {t.aux_macs:,}")
    return lines


def explain_blocks(rows: list[tuple[str, str, LayerReport]]) -> list[tuple[str, list[str]]]:
    """``--explain``: (``path label``, the layer's lines) for each row that carries them."""
    return [
        (f"{path} {row_label(layer)}", layer.explain) for path, _, layer in rows if layer.explain
    ]
