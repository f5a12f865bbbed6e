"""``convcalc zoo [NAME]``: the model zoo, beside the published figures."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Optional

import typer

from ..engine import analyze
from ..errors import ConvcalcError
from ..render import write_rich
from .common import fail, new_app, write

app = new_app()


@app.command(
    help="List the model zoo: each network with its parameters and MACs as convcalc counts "
    "them, beside the published figures. With NAME, print that model's spec and source. "
    "Analyze one with: convcalc --model NAME."
)
def zoo_command(
    name: Annotated[
        Optional[str], typer.Argument(help="A model to show.", show_default=False)
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
    for column in ("name", "model", "trainable params", "GMACs", "published (PyTorch count)"):
        table.add_column(column, justify="right" if column in ("GMACs",) else "left")
    for e in entries:
        published = "—"
        if e["published_params"] is not None:
            gmacs = e["published_gmacs"]
            same = e["trainable_params"] == e["published_params"] and (
                gmacs is None or round(e["macs"] / 1e9, 3) == gmacs
            )
            shown = f"{e['published_params']:,}" + (f" / {gmacs:.3f}" if gmacs else "")
            published = ("matches " if same else "differs: ") + shown
        table.add_row(
            e["name"],
            e["title"],
            f"{e['trainable_params']:,}",
            f"{e['macs'] / 1e9:.3f}",
            published,
        )
    write_rich(sys.stdout, table)


def _zoo_entry(item: object) -> dict[str, object]:
    report = analyze(item.spec)  # type: ignore[attr-defined]
    return {
        "name": item.name,  # type: ignore[attr-defined]
        "title": item.title,  # type: ignore[attr-defined]
        "source": item.source,  # type: ignore[attr-defined]
        "spec": item.spec,  # type: ignore[attr-defined]
        "params": report.totals.params,
        "trainable_params": report.totals.trainable_params,
        "macs": report.totals.macs,
        "published_params": item.params,  # type: ignore[attr-defined]
        "published_gmacs": item.gmacs,  # type: ignore[attr-defined]
    }
