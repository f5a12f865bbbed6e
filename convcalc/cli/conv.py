"""``convcalc conv INPUT KERNEL``: one convolution of given numbers, exact, cell by cell."""

from __future__ import annotations

import json
import sys
from enum import Enum
from typing import Annotated, Optional

import typer

from ..errors import ConvcalcError
from ..values.kernels import kernels_help
from .common import EXIT_INVALID, new_app, output_failed, write

app = new_app()


class ValueFormat(str, Enum):
    table = "table"
    markdown = "markdown"
    latex = "latex"
    csv = "csv"


MATRIX_HELP = (
    "Matrices: rows separated by ';' or newlines, cells by spaces or commas, channel planes by "
    "'|' ('0 0 10; 0 0 10 | 1 1 1; 1 1 1'); or JSON nested lists ('[[1, 2], [3, 4]]'); or "
    "@path for a file holding either; or - for stdin. Numbers: integers, decimals (0.25) or "
    "fractions (1/4), negative with - or −. Arithmetic is exact: fractions print as 3/2 "
    "(--decimals N for decimals)."
)

CONV_HELP = (
    "One convolution of given numbers, every output cell exact. "
    "INPUT is [L], [H][W] or [C][H][W] (channel planes first); KERNEL is one plane, "
    "[C][kh][kw] (one filter) or [F][C][kh][kw] (F filters, F output planes), "
    "or a kernel name.\n\n"
    "By default convcalc computes what PyTorch's conv computes, cross-correlation: "
    "g(x, y) = Σ_s Σ_t w(s, t) f(x + s, y + t). --flip computes the textbook convolution "
    "(w ⋆ f)(x, y) = Σ_s Σ_t w(s, t) f(x − s, y − t), the kernel turned by 180°. The output "
    "says which, and whether the other gives a different result.\n\n"
    "Example: convcalc conv '0 0 10 0 0; 0 0 10 0 0; 0 0 10 0 0; 0 0 10 0 0; 0 0 10 0 0' "
    "laplacian8 --padding 1 --explain\n\n" + MATRIX_HELP + "\n\n"
    "Named kernels (3×3):\n\n" + "\n\n".join(kernels_help().split("\n"))
)


def matrix_argument(text: str, what: str) -> tuple[object, int, str]:
    """A matrix option or argument, or a kernel name (for kernels)."""
    from ..values.kernels import kernel
    from ..values.matrix import load_matrix

    if what == "kernel" or what.startswith("--weight"):
        named = kernel(text.strip())
        if named is not None:
            return named, 2, text
    return load_matrix(text, what)


def report_error(err: ConvcalcError, as_json: bool) -> None:
    """One line (then the matrix text with a caret under the cell, for a matrix), exit 1."""
    from ..errors import caret_lines, escape_text
    from ..values.matrix import MatrixError

    if as_json:
        sys.stderr.write(json.dumps({"error": err.to_dict()}, ensure_ascii=False) + "\n")
        raise typer.Exit(EXIT_INVALID)
    lines = [f"convcalc: error: {escape_text(err.message)}"]
    if isinstance(err, MatrixError) and err.position is not None and err.text:
        text, pos = err.text, err.position
        start = text.rfind("\n", 0, pos) + 1
        end = text.find("\n", pos)
        line = text[start : end if end >= 0 else len(text)]
        lines += caret_lines(line, pos - start, len(err.token) or 1)
    sys.stderr.write("\n".join(lines) + "\n")
    raise typer.Exit(EXIT_INVALID)


def decimals_option() -> object:
    return typer.Option(
        "--decimals", min=0, max=30, help="Print values as decimals with N places (exact rounding)."
    )


@app.command(help=CONV_HELP, no_args_is_help=True)
def conv_command(
    input_text: Annotated[
        Optional[str], typer.Argument(metavar="INPUT", help="The input matrix (see Matrices).")
    ] = None,
    kernel_text: Annotated[
        Optional[str],
        typer.Argument(metavar="KERNEL", help="The kernel matrix, or a name (see below)."),
    ] = None,
    stride: Annotated[int, typer.Option("--stride", "-s", min=1, help="Stride.")] = 1,
    padding: Annotated[
        str,
        typer.Option(
            "--padding",
            "-p",
            help="Zero padding on every side: N, or 'same' (output ⌈n/stride⌉, TensorFlow's "
            "split: the odd cell after).",
        ),
    ] = "0",
    dilation: Annotated[int, typer.Option("--dilation", "-d", min=1, help="Dilation.")] = 1,
    bias: Annotated[
        Optional[str],
        typer.Option("--bias", "-b", help="Bias: one number, or one per filter ('1 -2')."),
    ] = None,
    flip: Annotated[
        bool, typer.Option("--flip", help="True convolution: turn the kernel by 180° first.")
    ] = False,
    one_d: Annotated[
        bool, typer.Option("--1d", help="Read a matrix INPUT as [C][L] (1-D with channels).")
    ] = False,
    explain: Annotated[
        bool, typer.Option("--explain", "-e", help="Write every output cell as its sum.")
    ] = False,
    fmt: Annotated[
        ValueFormat,
        typer.Option(
            "--format",
            "-f",
            help="table (grids), markdown or latex (the worked sums "
            "as math), csv (quantity,index,value).",
        ),
    ] = ValueFormat.table,
    decimals: Annotated[Optional[int], decimals_option()] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (schema_version 1).")] = False,
    schema: Annotated[
        bool, typer.Option("--schema", help="Print the JSON Schema of the --json output and exit.")
    ] = False,
    ascii_only: Annotated[
        bool, typer.Option("--ascii", help="Plain ASCII output (automatic when needed).")
    ] = False,
) -> None:
    from ..render import ascii_safe

    if schema:
        from ..values.schema import ConvJson

        write(json.dumps(ConvJson.model_json_schema(), indent=2) + "\n")
        return
    if input_text is None or kernel_text is None:
        raise typer.BadParameter("give INPUT and KERNEL", param_hint="INPUT KERNEL")
    if as_json and fmt is not ValueFormat.table:
        raise typer.BadParameter(f"--json contradicts --format {fmt.value}")
    pad: int | str
    if padding.strip().lower() == "same":
        pad = "same"
    elif padding.strip().isdigit() and padding.strip().isascii():
        pad = int(padding)
    else:
        raise typer.BadParameter(
            f"{padding!r}: give a number ≥ 0 or 'same'", param_hint="--padding"
        )
    from ..values.engine import convolve
    from ..values.matrix import parse_matrix

    try:
        x, x_depth, _ = matrix_argument(input_text, "input")
        k, k_depth, _ = matrix_argument(kernel_text, "kernel")
        b = parse_matrix(bias, "bias")[0] if bias is not None else None
        if b is not None and b.shape == (1,):
            b.shape = ()
        result = convolve(
            x,  # type: ignore[arg-type]
            x_depth,
            k,  # type: ignore[arg-type]
            k_depth,
            stride=stride,
            padding=pad,
            dilation=dilation,
            bias=b,
            flip=flip,
            one_d=one_d,
            explain=explain,
        )
    except ConvcalcError as err:
        report_error(err, as_json)
    out = ascii_safe(sys.stdout, ascii_only)
    if as_json:
        write(json.dumps(result.to_json(explain), ensure_ascii=False) + "\n", out)
        return
    from ..values.show import write_doc

    try:
        write_doc(result.doc(explain), fmt.value, decimals, out, ascii_only)
        out.flush()
    except OSError as err:
        output_failed(err)
