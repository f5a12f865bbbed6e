"""``convcalc conv INPUT KERNEL``: one convolution of given numbers, exact, cell by cell."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..errors import ConvcalcError
from ..values.kernels import kernels_help
from .common import new_app
from .worked import (
    MATRIX_HELP,
    AsciiOption,
    DecimalsOption,
    JsonOption,
    SchemaOption,
    ValueFormat,
    check_format,
    matrix_argument,
    print_schema,
    report_error,
    show,
)

app = new_app()


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
    decimals: DecimalsOption = None,
    as_json: JsonOption = False,
    schema: SchemaOption = False,
    ascii_only: AsciiOption = False,
) -> None:
    if schema:
        from ..values.schema import ConvJson

        print_schema(ConvJson)
        return
    if input_text is None or kernel_text is None:
        raise typer.BadParameter("give INPUT and KERNEL", param_hint="INPUT KERNEL")
    check_format(fmt, as_json)
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
    show(
        lambda: result.to_json(explain),
        lambda: result.doc(explain),
        fmt=fmt,
        decimals=decimals,
        as_json=as_json,
        ascii_only=ascii_only,
    )
