"""The floor: a minimal typer app that prints one rich table (what any typer+rich CLI costs).

``python benchmarks/floor_app.py`` — bench.py times it next to convcalc to show how much of
convcalc's start-up is ours and how much is typer, click and rich.
"""

from __future__ import annotations

import typer

app = typer.Typer()


@app.command()
def main(spec: str = "28x28x1 conv3x3s2p1x32 pool2 dense5") -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("#", "Layer", "Output shape", "Params", "MACs")
    table.add_row("1", "conv3x3s2p1x32", "14×14×32", "320", "56,448")
    table.add_row("2", "pool2", "7×7×32", "0", "0")
    table.add_row("3", "dense5", "5", "7,845", "7,840")
    Console().print(table)


if __name__ == "__main__":
    app()
