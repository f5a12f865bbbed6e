"""The main command: convcalc SPEC → ``convcalc.analyze_stream`` → a sink from ``render.SINKS``."""

from __future__ import annotations

import json
import sys
from enum import Enum
from typing import Annotated, Iterator, Optional

import typer

from .. import __version__
from ..engine import DTYPES, Report, analyze_stream
from ..errors import ConvcalcError, SpecSyntaxError
from ..render import SINKS, ascii_safe
from .common import EXIT_INVALID, EXIT_USAGE, fail, output_failed, write

Format = Enum("Format", {name: name for name in SINKS}, type=str)  # type: ignore[misc]
Dtype = Enum("Dtype", {name: name for name in DTYPES}, type=str)  # type: ignore[misc]

HELP = (
    "Conv-net shapes, parameters and MACs, layer by layer, from a one-line spec.\n\n"
    'Example: convcalc "28x28x1 conv3x3s2p1x32 pool2 dense5"\n\n'
    "The spec is the input shape (channels last, 28x28x1) then layer tokens: conv3x3s2p1x32 "
    "is a 3×3 conv, stride 2, padding 1, 32 filters. With no SPEC (or SPEC '-') one spec per "
    "line is read from stdin; blank lines and # comments are skipped. The README teaches the "
    "whole language.\n\n"
    "Model zoo: convcalc zoo lists well-known networks; convcalc --model resnet18 analyzes "
    "one. Sizes: convcalc solve 28 14 --kernel 3 lists the strides and paddings that take 28 "
    "to 14 (convcalc solve --help). Code: convcalc emit torch|keras SPEC writes the "
    "network as a PyTorch or Keras module (convcalc emit --help).\n\n"
    "Exit codes: 0 ok; 1 invalid spec or network (in a batch: any line); 2 usage error; "
    "70 internal error; 74 output not writable."
)

app = typer.Typer(
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        write(f"convcalc {__version__}\n")
        raise typer.Exit()


@app.command(help=HELP)
def main(
    ctx: typer.Context,
    spec: Annotated[
        Optional[list[str]],
        typer.Argument(
            help="The spec, as one quoted argument or several (joined with spaces). "
            "None or '-': read specs from stdin, one per line.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        Format,
        typer.Option(
            "--format",
            "-f",
            help="Output format: table; json; jsonl; markdown (a GitHub table, totals under it); "
            "csv or tsv (a header row, then one row per layer, nested rows by their path such "
            "as 3.1.2); svg (a diagram: a box per feature map, an arrow per layer); tikz (the "
            "same as a LaTeX tikzpicture); html (one offline page: the table, the diagram, "
            "with --explain the arithmetic). A stdin batch: table and markdown print one table "
            "per spec under a 'line N' heading, csv and tsv add a leading 'line' column, svg "
            "stacks the pictures.",
            case_sensitive=False,
        ),
    ] = Format.table,  # type: ignore[attr-defined]
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="Shorthand for --format json: one JSON object (a batch: an array)."
        ),
    ] = False,
    as_jsonl: Annotated[
        bool,
        typer.Option("--jsonl", help="Shorthand for --format jsonl: one JSON object per line."),
    ] = False,
    channels_first: Annotated[
        bool,
        typer.Option(
            "--channels-first", help="Read the input as CxHxW and print shapes that way (PyTorch)."
        ),
    ] = False,
    dtype: Annotated[
        Dtype,
        typer.Option("--dtype", help="Element type for the memory figures.", case_sensitive=False),
    ] = Dtype.float32,  # type: ignore[attr-defined]
    depth: Annotated[
        Optional[int],
        typer.Option(
            "--depth",
            min=1,
            help="Table and drawings: show nesting down to this depth (1 = top level only).",
        ),
    ] = None,
    title: Annotated[
        Optional[str],
        typer.Option("--title", help="A heading for the svg, tikz and html drawings."),
    ] = None,
    model: Annotated[
        Optional[str],
        typer.Option(
            "--model",
            "-m",
            help="Analyze a network of the model zoo instead of a SPEC (list: convcalc zoo).",
            show_default=False,
        ),
    ] = None,
    input_shape: Annotated[
        Optional[str],
        typer.Option(
            "--input",
            help="With --model: analyze the model at this input shape instead of its own "
            "(512x512x3; CxHxW with --channels-first). A size the network cannot take is an "
            "error naming the layer.",
            show_default=False,
        ),
    ] = None,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Show the work: every layer's arithmetic with the numbers in (output size per "
            "dim, params, MACs), under the table; an 'explain' list in JSON, a column in csv.",
        ),
    ] = False,
    rf: Annotated[
        bool,
        typer.Option(
            "--rf",
            help="Add receptive-field columns: size, jump (effective stride) and start (centre "
            "of the first unit) in input pixels per spatial dim; 'global' after flatten, dense "
            "or a global pool; 'beyond' once a value would pass 2^50-1. JSON always has them "
            "('rf').",
        ),
    ] = False,
    ascii_only: Annotated[
        bool,
        typer.Option(
            "--ascii",
            help="Plain ASCII output: floor(x) for ⌊x⌋, ceil(x) for ⌈x⌉, * for ·, x for ×, - "
            "for −. Automatic when the output encoding cannot show those symbols.",
        ),
    ] = False,
    schema: Annotated[
        bool,
        typer.Option("--schema", help="Print the JSON Schema of the --json output and exit."),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    if schema:
        write(json.dumps(Report.model_json_schema(), indent=2) + "\n")
        return
    fmt_name = fmt.value
    for flag, name in ((as_json, "json"), (as_jsonl, "jsonl")):
        if flag:
            if fmt_name not in ("table", name):
                raise typer.BadParameter(f"--{name} contradicts --format {fmt_name}")
            fmt_name = name
    if as_json and as_jsonl:
        raise typer.BadParameter("give one of --json and --jsonl")

    text = " ".join(spec or [])
    if model is not None:
        if spec:
            raise typer.BadParameter("give a SPEC or --model, not both", param_hint="--model")
        text = _zoo_spec(model, channels_first, input_shape)
    elif input_shape is not None:
        raise typer.BadParameter("--input goes with --model (a SPEC starts with its own input)")
    from_stdin = model is None and (not spec or spec == ["-"])
    if from_stdin and sys.stdin is not None and sys.stdin.isatty():
        typer.echo(ctx.get_help())
        raise typer.Exit(EXIT_USAGE)
    sink = SINKS[fmt_name](
        ascii_safe(sys.stdout, ascii_only),
        ascii_safe(sys.stderr, ascii_only),
        batch=from_stdin,
        depth=depth,
        rf=rf,
        explain=explain,
        title=title,
    )
    items = _stdin_specs() if from_stdin else iter([(None, text, None)])
    try:
        failed = _analyze_all(
            items, sink, channels_first=channels_first, dtype=dtype.value, explain=explain
        )
        sink.close()
    except OSError as err:
        output_failed(err)
    if failed:
        raise typer.Exit(EXIT_INVALID)


def _zoo_spec(name: str, channels_first: bool, input_shape: str | None = None) -> str:
    """The spec of a zoo model (written channels last), its input rotated for --channels-first,
    or replaced by --input (written in the user's layout)."""
    from .. import zoo

    try:
        item = zoo.get(name)
        if input_shape is not None:
            return item.with_input(input_shape, channels_first=channels_first)
        spec = item.spec
    except ConvcalcError as err:
        fail(err)
    if channels_first:
        first, _, rest = spec.partition(" ")
        *spatial, channels = first.split("x")
        spec = "x".join([channels, *spatial]) + " " + rest
    return spec


def _analyze_all(
    items: Iterator[tuple[int | None, str, ConvcalcError | None]],
    sink: object,
    *,
    channels_first: bool,
    dtype: str,
    explain: bool = False,
) -> bool:
    """Feed every spec to the sink; the one place domain errors are caught.  True if any failed."""
    failed = False
    for line, text, problem in items:
        try:
            if problem is not None:
                raise problem
            stream = analyze_stream(
                text, channels_first=channels_first, dtype=dtype, explain=explain
            )
            # rows are written as they are made; a late layer's error still leaves no partial
            # output, as the sink writes a spec only once its last row has come
            sink.report_stream(stream, line)  # type: ignore[attr-defined]
        except ConvcalcError as err:
            failed = True
            sink.error(err, text, line)  # type: ignore[attr-defined]
    return failed


def _stdin_specs() -> Iterator[tuple[int, str, ConvcalcError | None]]:
    """(line number, spec, decoding error) for each non-blank, non-comment line of stdin."""
    stream = sys.stdin.buffer if sys.stdin is not None else None
    if stream is None:
        return
    for number, raw in enumerate(stream, 1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            if raw.lstrip().startswith(b"#"):
                continue  # a comment, whatever its encoding
            shown = raw[: err.start].decode("utf-8", "replace").lstrip()
            yield (
                number,
                raw.decode("utf-8", "replace").strip(),
                SpecSyntaxError(f"not valid UTF-8 at byte {err.start}", "\ufffd", len(shown)),
            )
            continue
        text = text.strip()
        if text and not text.startswith("#"):
            yield number, text, None
