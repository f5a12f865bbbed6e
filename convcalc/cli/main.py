"""The main command: convcalc SPEC → ``convcalc.analyze_stream`` → a sink from ``render.SINKS``."""

from __future__ import annotations

import json
import os
import sys
from enum import Enum
from typing import Annotated, Iterator, Optional

import typer

from .. import __version__
from ..engine import DTYPES, Report, analyze_stream
from ..errors import ConvcalcError, LimitError, SpecSyntaxError, escape_text
from ..render import SINKS, ascii_safe
from ..spec import LIMITS
from .common import (
    EXIT_INVALID,
    EXIT_USAGE,
    OutputClosed,
    complete_model,
    fail,
    output_failed,
    write,
)

Format = Enum("Format", {name: name for name in SINKS}, type=str)  # type: ignore[misc]
Dtype = Enum("Dtype", {name: name for name in DTYPES}, type=str)  # type: ignore[misc]

#: A batch line longer than the spec limit is read on (and dropped) up to this many bytes, so
#: the lines after it keep their results; past it, reading stops (``convcalc < /dev/zero``).
MAX_DISCARD = 1 << 30
#: Characters of an over-long line echoed in its error.
SPEC_ECHO = 80

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
    rich_markup_mode=None,  # click's plain help: no <bool> after flags, no mid-word breaks
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
            metavar="SPEC",
            help="The spec, as one quoted argument or several (joined with spaces). "
            "None or '-': read specs from stdin, one per line; @FILE: read them from FILE.",
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
            metavar="N",
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
            metavar="NAME",
            help="Analyze a network of the model zoo instead of a SPEC (list: convcalc zoo).",
            show_default=False,
            autocompletion=complete_model,
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
            help="Plain ASCII output: floor(x), ceil(x), *, x and - in place of the floor and "
            "ceiling brackets, the middle dot, the times and the minus sign. Automatic when "
            "the output encoding cannot show those symbols.",
        ),
    ] = False,
    schema: Annotated[
        bool,
        typer.Option("--schema", help="Print the JSON Schema of the --json output and exit."),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            callback=_version,
            is_eager=True,
            help="Print the version and exit.",
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
    source = _batch_source(spec) if model is None else None
    from_stdin = source is not None
    if source is sys.stdin and sys.stdin is not None and sys.stdin.isatty():
        typer.echo(ctx.get_help())
        raise typer.Exit(EXIT_USAGE)
    if not from_stdin:
        _not_a_file(text)
    sink = SINKS[fmt_name](
        ascii_safe(sys.stdout, ascii_only),
        ascii_safe(sys.stderr, ascii_only),
        batch=from_stdin,
        depth=depth,
        rf=rf,
        explain=explain,
        title=title,
    )
    items = _batch_specs(source) if from_stdin else iter([(None, text, None)])
    try:
        failed = _analyze_all(
            items, sink, channels_first=channels_first, dtype=dtype.value, explain=explain
        )
        sink.close()
    except (OSError, OutputClosed) as err:
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


def _batch_source(spec: list[str] | None) -> object | None:
    """Where a batch comes from: stdin (no SPEC, or ``-``), a file (``@FILE``), or None."""
    if not spec or spec == ["-"]:
        return sys.stdin
    if len(spec) == 1 and spec[0].startswith("@") and len(spec[0]) > 1:
        path = spec[0][1:]
        try:
            return open(path, "rb")  # read lazily by the batch; closed at exit
        except (OSError, ValueError) as err:  # an input that cannot be read: exit 1
            reason = getattr(err, "strerror", None) or err
            fail(ConvcalcError(f"cannot read {escape_text(path)}: {reason}"))
    return None


def _not_a_file(text: str) -> None:
    """``convcalc specs.txt``: a spec starts with its input shape, so a first word naming a
    file was meant as a batch; say how to give one instead of "missing input shape"."""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    if not first or first[0].isdigit() or len(first) > 4096:
        return
    try:
        is_file = os.path.isfile(first)
    except (OSError, ValueError):
        return
    if is_file:
        raise typer.BadParameter(
            f"{escape_text(first)!r} is a file, not a spec: to read one spec per line from it, "
            f"write convcalc @{escape_text(first)} or convcalc < {escape_text(first)}",
            param_hint="SPEC",
        )


def _batch_specs(source: object) -> Iterator[tuple[int, str, ConvcalcError | None]]:
    """(line number, spec, error) for each non-blank, non-comment line of a batch.

    Lines are read in bounded pieces: a line longer than the spec limit is never held whole.
    Its first piece is kept (for the echo, clipped), the rest read and dropped, and the line
    becomes a LimitError in its place.  A line that goes on past :data:`MAX_DISCARD` (``<
    /dev/zero``) ends the batch with that error, so no input can make the run endless.
    """
    stream = getattr(source, "buffer", source) if source is not None else None
    if stream is None:
        return
    limit = LIMITS["spec_bytes"]
    number = 0
    while True:
        raw = stream.readline(limit + 1)
        if not raw:
            return
        number += 1
        over = len(raw) > limit and not raw.endswith(b"\n")
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if over:
            total, ended = len(raw), False
            while total <= MAX_DISCARD:
                more = stream.readline(1 << 20)
                total += len(more)
                if not more or more.endswith(b"\n"):
                    ended = True
                    break
            head = raw[:SPEC_ECHO].decode("utf-8", "replace")
            message = f"the line is longer than {limit // 1024} KiB, the limit of a spec"
            if not ended:
                message += f"; it goes on past {MAX_DISCARD >> 20} MiB, so reading stopped here"
            yield number, head + "…", LimitError(message, head[:1], 0)
            if not ended:
                return
            continue
        yield from _one_line(number, raw)


def _one_line(number: int, raw: bytes) -> Iterator[tuple[int, str, ConvcalcError | None]]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        if raw.lstrip().startswith(b"#"):
            return  # a comment, whatever its encoding
        shown = raw[: err.start].decode("utf-8", "replace").lstrip()
        yield (
            number,
            raw.decode("utf-8", "replace").strip(),
            SpecSyntaxError(f"not valid UTF-8 at byte {err.start}", "\ufffd", len(shown)),
        )
        return
    text = text.strip()
    if text and not text.startswith("#"):
        yield number, text, None
