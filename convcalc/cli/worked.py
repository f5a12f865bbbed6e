"""What ``convcalc conv`` and ``convcalc eval`` share: the matrix help, their output options
(declared once here, as ``Annotated`` types), reading a matrix or a kernel name, reporting an
error under its cell, and writing a worked result in the chosen format or as JSON.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any, NoReturn, Optional

import typer

from ..errors import ConvcalcError
from .common import EXIT_INVALID, output_failed, write

__all__ = [
    "MATRIX_HELP",
    "AsciiOption",
    "DecimalsOption",
    "JsonOption",
    "SchemaOption",
    "ValueFormat",
    "matrix_argument",
    "report_error",
    "show",
]

MATRIX_HELP = (
    "Matrices: rows separated by ';' or newlines, cells by spaces or commas, channel planes by "
    "'|' ('0 0 10; 0 0 10 | 1 1 1; 1 1 1'); or JSON nested lists ('[[1, 2], [3, 4]]'); or "
    "@path for a file holding either; or - for stdin. Numbers: integers, decimals (0.25) or "
    "fractions (1/4), negative with - or −. Arithmetic is exact: fractions print as 3/2 "
    "(--decimals N for decimals)."
)


class ValueFormat(str, Enum):
    table = "table"
    markdown = "markdown"
    latex = "latex"
    csv = "csv"


DecimalsOption = Annotated[
    Optional[int],
    typer.Option(
        "--decimals", min=0, max=30, help="Print values as decimals with N places (exact rounding)."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (schema_version 1).")]
SchemaOption = Annotated[
    bool, typer.Option("--schema", help="Print the JSON Schema of the --json output and exit.")
]
AsciiOption = Annotated[
    bool, typer.Option("--ascii", help="Plain ASCII output (automatic when needed).")
]


def matrix_argument(text: str, what: str) -> tuple[object, int, str]:
    """A matrix option or argument, or a kernel name (for kernels and weights)."""
    from ..values.kernels import kernel
    from ..values.matrix import load_matrix

    if what == "kernel" or what.startswith("--weight"):
        named = kernel(text.strip())
        if named is not None:
            return named, 2, text
    return load_matrix(text, what)


def report_error(err: ConvcalcError, as_json: bool) -> NoReturn:
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


def check_format(fmt: ValueFormat, as_json: bool) -> None:
    """``--json`` is its own format: it contradicts any ``--format`` but the default."""
    if as_json and fmt is not ValueFormat.table:
        raise typer.BadParameter(f"--json contradicts --format {fmt.value}")


def print_schema(model: Any) -> None:
    """The JSON Schema of a pydantic model (``--schema``)."""
    write(json.dumps(model.model_json_schema(), indent=2) + "\n")


def show(
    to_json: Callable[[], dict[str, Any]],
    doc: Callable[[], Any],
    *,
    fmt: ValueFormat,
    decimals: int | None,
    as_json: bool,
    ascii_only: bool,
) -> None:
    """Write a worked result: its JSON (one line) or its document in ``fmt``."""
    from ..render import ascii_safe

    out = ascii_safe(sys.stdout, ascii_only)
    if as_json:
        write(json.dumps(to_json(), ensure_ascii=False) + "\n", out)
        return
    from ..values.show import write_doc

    try:
        write_doc(doc(), fmt.value, decimals, out, ascii_only)
        out.flush()
    except OSError as err:
        output_failed(err)
