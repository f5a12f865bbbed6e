"""``convcalc solve IN OUT``: the layers that take one size to another."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Optional

import typer

from ..errors import ConvcalcError
from ..render import ascii_safe, write_rich
from .common import EXIT_INVALID, fail, new_app, output_failed, write

app = new_app()

SOLVE_HELP = (
    "Which layers take a dim of size IN to size OUT? Lists every (kernel, stride, padding, "
    "dilation) in range that gives OUT exactly, best first: windows that cover the input "
    "exactly, then ones that leave only padding unused, then the psame rows (TensorFlow's "
    "rule), then kernels smaller than their stride (they skip input on purpose), then those "
    "that lose input rows. With --transposed: transposed convs and their output padding (even "
    "overlap first, then psame, then uneven overlap, then outputs that get no input).\n\n"
    "Example: convcalc solve 28 14 --kernel 3\n\n"
    "Default ranges: kernel 1-7, stride 1-4, dilation 1-3, padding 0 to half the dilated "
    "kernel, output padding 0 to max(stride, dilation) - 1. Each answer's token (conv3s2p1: "
    "append x<filters>) re-checks through convcalc, e.g. convcalc 28x1 conv3s2p1x1. "
    "Exit code 1 when nothing in range fits."
)


@app.command(help=SOLVE_HELP)
def solve_command(
    size_in: Annotated[int, typer.Argument(metavar="IN", help="The input size (one dim).")],
    size_out: Annotated[int, typer.Argument(metavar="OUT", help="The wanted output size.")],
    kernel: Annotated[
        Optional[str],
        typer.Option(
            "--kernel", "-k", help="Pin the kernel: 3, a range 1-11 or a list 1,3,5 (default 1-7)."
        ),
    ] = None,
    stride: Annotated[
        Optional[str],
        typer.Option("--stride", "-s", help="Pin the stride: N, A-B or A,B (default 1-4)."),
    ] = None,
    padding: Annotated[
        Optional[str],
        typer.Option(
            "--padding",
            "-p",
            help="Pin the padding: N, A-B, A,B, or 'same' for the psame rows only (default: 0 "
            "to half the dilated kernel, and psame).",
        ),
    ] = None,
    dilation: Annotated[
        Optional[str],
        typer.Option("--dilation", "-d", help="Pin the dilation: N, A-B or A,B (default 1-3)."),
    ] = None,
    transposed: Annotated[
        bool,
        typer.Option(
            "--transposed", "-t", help="Solve for a transposed conv (deconv), with output padding."
        ),
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print JSON: {input, output, transposed, answers: [...]}."),
    ] = False,
    ascii_only: Annotated[
        bool, typer.Option("--ascii", help="Plain ASCII output (automatic when needed).")
    ] = False,
) -> None:
    from .. import solve

    try:
        answers = solve.solve(
            size_in,
            size_out,
            kernel=_values(kernel, "kernel"),
            stride=_values(stride, "stride"),
            padding=_values(padding, "padding"),
            dilation=_values(dilation, "dilation"),
            transposed=transposed,
        )
    except ConvcalcError as err:
        fail(err)
    out = ascii_safe(sys.stdout, ascii_only)
    if as_json:
        data = {
            "input": size_in,
            "output": size_out,
            "transposed": transposed,
            "answers": [a.to_dict() for a in answers],
        }
        write(json.dumps(data, indent=2, ensure_ascii=False) + "\n", out)
    elif answers:
        from rich.table import Table

        table = Table(box=None, pad_edge=False)
        columns = ["token", "kernel", "stride", "padding", "dilation"]
        columns += ["output padding"] if transposed else []
        for column in [*columns, "fit", "note"]:
            table.add_column(column, justify="right" if column in columns[1:] else "left")
        for a in answers:
            cells = [a.token, str(a.kernel), str(a.stride), str(a.padding), str(a.dilation)]
            cells += [str(a.output_padding)] if transposed else []
            table.add_row(*cells, a.status, a.note)
        try:
            write_rich(out, table)
        except OSError as err:
            output_failed(err)
    if not answers:
        kind = "transposed conv" if transposed else "conv"
        sys.stderr.write(
            f"convcalc: no {kind} in range takes {size_in} to {size_out}; widen a range, "
            "e.g. --kernel 1-11\n"
        )
        raise typer.Exit(EXIT_INVALID)


def _values(text: str | None, name: str) -> list[int] | str | None:
    from ..solve import parse_values

    return None if text is None else parse_values(text, name, allow_same=name == "padding")
