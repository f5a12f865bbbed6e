"""``convcalc zoo [NAME]``: the model zoo, beside the published figures."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ..engine import analyze
from ..errors import ConvcalcError
from ..render import write_rich
from .common import complete_model, fail, new_app, write

if TYPE_CHECKING:
    from ..zoo import ZooModel

app = new_app()


@app.command(
    help="List the model zoo: each network with its parameters and MACs as convcalc counts "
    "them, beside the published figures (params as the model's framework counts them: "
    "torchvision's sum(p.numel()), Keras' count_params()). With NAME, print that model's spec "
    "and source. "
    "Analyze one with: convcalc --model NAME."
)
def zoo_command(
    name: Annotated[
        Optional[str],
        typer.Argument(
            metavar="NAME",
            help="A model to show.",
            show_default=False,
            autocompletion=complete_model,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead.")] = False,
) -> None:
    from .. import zoo

    if name is not None:
        try:
            item = zoo.get(name)
        except ConvcalcError as err:
            fail(err)
        if as_json:
            write(json.dumps(_zoo_entry(item), indent=2) + "\n")
        else:
            notes = f"# {item.notes}\n" if item.notes else ""
            write(f"# {item.title}\n# source: {item.source}\n{notes}{item.spec}\n")
        return
    entries = [_zoo_entry(item) for item in zoo.models()]
    if as_json:
        write(json.dumps(entries, indent=2) + "\n")
        return
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for column in ("name", "model", "params", "GMACs", "published"):
        table.add_column(column, justify="right" if column in ("params", "GMACs") else "left")
    for e in entries:
        published = "—"
        if e["published_params"] is not None:
            gmacs = e["published_gmacs"]
            shown = f"{e['published_params']:,}"
            if gmacs is not None:
                shown += f" / {gmacs:.{e['published_gmacs_decimals']}f}"
            published = ("matches " if e["matches"] else "differs: ") + shown
        table.add_row(
            e["name"],
            e["title"],
            f"{e['counted_params']:,}",
            f"{e['macs'] / 1e9:.3f}",
            published,
        )
    write_rich(sys.stdout, table)


def _zoo_entry(item: ZooModel) -> dict[str, object]:
    report = analyze(item.spec)
    return {
        "name": item.name,
        "title": item.title,
        "source": item.source,
        "spec": item.spec,
        "params": report.totals.params,
        "trainable_params": report.totals.trainable_params,
        "macs": report.totals.macs,
        "counted_as": "keras count_params()" if item.keras else "torch sum(p.numel())",
        "counted_params": item.counted_params(report.totals),
        "published_params": item.params,
        "published_gmacs": item.gmacs,
        "published_gmacs_decimals": item.gmacs_decimals,
        "matches": item.matches(report.totals),
    }
