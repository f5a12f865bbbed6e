"""``convcalc eval SPEC``: a small network of the spec language run on given numbers, exact,
forward and (``--grad``) backward."""

from __future__ import annotations

import re
import sys
from typing import Annotated, NoReturn, Optional

import typer

from ..errors import ConvcalcError
from .common import EXIT_INVALID, new_app
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

EVAL_HELP = (
    "Run a small network of the spec language on numbers, every value exact, and with --grad "
    "backpropagate a loss: per layer the forward values, ∂L/∂(its output), ∂L/∂(its weights) "
    "and ∂L/∂(its bias), then ∂L/∂(input).\n\n"
    "Example: convcalc eval '3x3x1 conv2x1 gap' --input '1 2 3; 4 5 6; 7 8 9' "
    "--weight '1=1 0; 0 -1' --bias 1=0 --grad --explain\n\n"
    "Layers with values: conv (stride, padding incl. psame, dilation, groups, bias), dwconv, "
    "maxpool/avgpool (padding, ceil), gap, gmp, flatten, dense, relu, leakyrelu (slope 0.01, "
    "PyTorch's), sigmoid, tanh, softmax (over the channels), id, zpad, dropout (the identity, "
    "as at inference), res(…), cat(…). Any other "
    "layer is refused by name (the shape report covers it). Sigmoid, tanh, softmax and ce are "
    "not rational: their values are floats, and the output says so.\n\n"
    "Layouts: the spec's input shape is channels last (5x5x1) but matrices are channel planes "
    "first ([C][H][W]; a plain matrix when C = 1). Weights use PyTorch's layout: conv "
    "[F][C/groups][kh][kw] (a plain matrix when F = C = 1), dense [out][in]; "
    "a bias is a list of F (or one number). flatten (and dense on a map) flattens in "
    "PyTorch's C, H, W order. Max pooling routes the gradient to the first maximum of a "
    "window (PyTorch's tie-break).\n\n"
    "Layer numbers are the shape report's: 2.1.1 is layer 1 of branch 1 of layer 2.\n\n"
    + MATRIX_HELP
)

_PATH = re.compile(r"[0-9]+(?:\.[0-9]+\.[0-9]+)*\Z", re.ASCII)


def _assignments(items: list[str], what: str) -> dict[str, object]:
    """``N=M`` options: layer path → the tensor (a kernel name allowed for weights)."""
    from ..values.engine import EvalError

    out: dict[str, object] = {}
    for item in items:
        path, sep, text = item.partition("=")
        path = path.strip()
        if not sep or not _PATH.match(path):
            raise EvalError(
                f"--{what} {item[:40]!r}: write N=MATRIX with N a layer number (1, or 2.1.1 "
                "inside a branch)",
                "--" + what,
            )
        if path in out:
            raise EvalError(f"--{what} {path} is given twice", "--" + what)
        tensor, _, _ = matrix_argument(text, f"--{what} {path}")
        out[path] = tensor
    return out


@app.command(help=EVAL_HELP, no_args_is_help=True)
def eval_command(
    spec: Annotated[
        Optional[list[str]],
        typer.Argument(help="The network, e.g. '3x3x1 conv2x1 gap' (joined with spaces)."),
    ] = None,
    input_text: Annotated[
        Optional[str], typer.Option("--input", "-i", help="The input matrix, [C][H][W].")
    ] = None,
    weight: Annotated[
        Optional[list[str]],
        typer.Option("--weight", "-w", help="N=MATRIX or N=KERNEL-NAME: layer N's weights."),
    ] = None,
    bias: Annotated[
        Optional[list[str]], typer.Option("--bias", "-b", help="N=VALUES: layer N's bias.")
    ] = None,
    random: Annotated[
        bool,
        typer.Option(
            "--random",
            help="Fill the input (integers 0 to 4) and every weight and bias not given "
            "(integers -2 to 2): an exercise and its answer key.",
        ),
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="The seed of --random.")] = 0,
    grad: Annotated[bool, typer.Option("--grad", "-g", help="Backpropagate the loss.")] = False,
    loss: Annotated[
        str,
        typer.Option(
            "--loss",
            "-l",
            help="With --grad: output (the network ends in one number, L is it), sum, mean, "
            "mse:TARGET (mean squared error; TARGET a matrix or one number), ce:CLASS "
            "(softmax cross-entropy of a vector of scores).",
        ),
    ] = "output",
    explain: Annotated[
        bool,
        typer.Option("--explain", "-e", help="Write every cell as its sum, forward and backward."),
    ] = False,
    fmt: Annotated[
        ValueFormat,
        typer.Option(
            "--format", "-f", help="table (grids), markdown or latex (the worked sums), csv."
        ),
    ] = ValueFormat.table,
    decimals: DecimalsOption = None,
    as_json: JsonOption = False,
    schema: SchemaOption = False,
    ascii_only: AsciiOption = False,
) -> None:
    if schema:
        from ..values.schema import EvalJson

        print_schema(EvalJson)
        return
    if not spec:
        raise typer.BadParameter("give a SPEC", param_hint="SPEC")
    check_format(fmt, as_json)
    text = " ".join(spec)
    from ..values.engine import evaluate
    from ..values.matrix import load_matrix

    try:
        x = load_matrix(input_text, "input")[0] if input_text is not None else None
        weights = _assignments(weight or [], "weight")
        biases = _assignments(bias or [], "bias")
        target = None
        if loss.startswith("mse:"):
            target = load_matrix(loss[4:], "loss target")[0]
        result = evaluate(
            text,
            input=x,
            weights=weights,  # type: ignore[arg-type]
            biases=biases,  # type: ignore[arg-type]
            random=random,
            seed=seed,
            grad=grad,
            loss=loss.split(":")[0] if loss.startswith("mse:") else loss,
            target=target,
            explain=explain,
        )
    except ConvcalcError as err:
        _report(err, text, as_json)
    show(
        result.to_json,
        result.doc,
        fmt=fmt,
        decimals=decimals,
        as_json=as_json,
        ascii_only=ascii_only,
    )


def _report(err: ConvcalcError, spec: str, as_json: bool) -> NoReturn:
    """A spec error with a caret under its token; a matrix error under its cell; else a line."""
    from ..values.matrix import MatrixError

    if isinstance(err, MatrixError) or as_json or err.position is None:
        report_error(err, as_json)
    sys.stderr.write(f"convcalc: error: {err.render(spec)}\n")
    raise typer.Exit(EXIT_INVALID)
