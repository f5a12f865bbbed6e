"""The command line: typer options → ``convcalc.analyze`` → a sink from ``render.SINKS``.

This module is glue.  Domain errors (:class:`~convcalc.errors.ConvcalcError`) are caught in one
place, :func:`_analyze_all`; everything else that escapes is a bug, reported in one line with
exit code 70 by :func:`run`.

Exit codes: 0 ok · 1 an invalid spec or network (in a batch: any line) · 2 usage error ·
70 internal error · 74 output could not be written.
"""

from __future__ import annotations

import errno
import gc
import json
import os
import sys
from enum import Enum
from typing import Annotated, Iterator, Optional, TextIO

import typer

from . import __version__
from .engine import DTYPES, Report, analyze
from .errors import ConvcalcError, SpecSyntaxError
from .render import SINKS, ascii_safe, write_rich

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL, EXIT_IOERR = 0, 1, 2, 70, 74

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
    "to 14 (convcalc solve --help).\n\n"
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
        _write(f"convcalc {__version__}\n")
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
            "as 3.1.2). A stdin batch: table and markdown print one table per spec under a "
            "'line N' heading, csv and tsv add a leading 'line' column.",
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
            "--depth", min=1, help="Table: show nesting down to this depth (1 = top level only)."
        ),
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
            "or a global pool. JSON always has them ('rf').",
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
        _write(json.dumps(Report.model_json_schema(), indent=2) + "\n")
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
        text = _zoo_spec(model, channels_first)
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
    )
    items = _stdin_specs() if from_stdin else iter([(None, text, None)])
    try:
        failed = _analyze_all(
            items, sink, channels_first=channels_first, dtype=dtype.value, explain=explain
        )
        sink.close()
    except OSError as err:
        _output_failed(err)
    if failed:
        raise typer.Exit(EXIT_INVALID)


def _zoo_spec(name: str, channels_first: bool) -> str:
    """The spec of a zoo model (written channels last), its input rotated for --channels-first."""
    from . import zoo

    try:
        spec = zoo.get(name).spec
    except ConvcalcError as err:
        sys.stderr.write(f"convcalc: error: {err.message}\n")
        raise typer.Exit(EXIT_INVALID) from None
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
            report = analyze(text, channels_first=channels_first, dtype=dtype, explain=explain)
        except ConvcalcError as err:
            failed = True
            sink.error(err, text, line)  # type: ignore[attr-defined]
            continue
        sink.report(report, line)  # type: ignore[attr-defined]
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


def _write(text: str, out: TextIO | None = None) -> None:
    stream = out or sys.stdout
    try:
        stream.write(text)
        stream.flush()
    except OSError as err:
        _output_failed(err)


def _output_failed(err: OSError) -> None:
    """A closed pipe ends quietly; any other write error is one line and exit 74."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    if err.errno == errno.EPIPE:
        raise typer.Exit(EXIT_OK)
    sys.stderr.write(f"convcalc: cannot write the output: {err.strerror or err}\n")
    raise typer.Exit(EXIT_IOERR)


zoo_app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@zoo_app.command(
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
    from . import zoo

    if name is not None:
        try:
            item = zoo.get(name)
        except ConvcalcError as err:
            sys.stderr.write(f"convcalc: error: {err.message}\n")
            raise typer.Exit(EXIT_INVALID) from None
        if as_json:
            _write(json.dumps(_zoo_entry(item), indent=2) + "\n")
        else:
            notes = f"# {item.notes}\n" if item.notes else ""
            _write(f"# {item.title}\n# source: {item.source}\n{notes}{item.spec}\n")
        return
    entries = [_zoo_entry(item) for item in zoo.models()]
    if as_json:
        _write(json.dumps(entries, indent=2) + "\n")
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


solve_app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

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


@solve_app.command(help=SOLVE_HELP)
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
    from . import solve

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
        sys.stderr.write(f"convcalc: error: {err.message}\n")
        raise typer.Exit(EXIT_INVALID) from None
    out = ascii_safe(sys.stdout, ascii_only)
    if as_json:
        data = {
            "input": size_in,
            "output": size_out,
            "transposed": transposed,
            "answers": [a.to_dict() for a in answers],
        }
        _write(json.dumps(data, indent=2, ensure_ascii=False) + "\n", out)
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
            _output_failed(err)
    if not answers:
        kind = "transposed conv" if transposed else "conv"
        sys.stderr.write(
            f"convcalc: no {kind} in range takes {size_in} to {size_out}; widen a range, "
            "e.g. --kernel 1-11\n"
        )
        raise typer.Exit(EXIT_INVALID)


def _values(text: str | None, name: str) -> list[int] | str | None:
    from .solve import parse_values

    return None if text is None else parse_values(text, name, allow_same=name == "padding")


#: ``convcalc NAME …`` subcommands.  A spec always starts with its input shape (a digit), so a
#: first argument naming one of these can never be a spec; each is its own typer app.
SUBCOMMANDS: dict[str, typer.Typer] = {"zoo": zoo_app, "solve": solve_app}


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point: the typer app, with a last-resort guard against tracebacks."""
    # A CLI process is short-lived: exempt the import-time object graph (pydantic's schemas)
    # from the cyclic GC and collect young objects less often.  A batch allocates many acyclic
    # reports that reference counting frees anyway (10,000 specs: 1.4–1.7 s → 1.1–1.3 s).
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    args = sys.argv[1:] if argv is None else argv
    target, prog = app, "convcalc"
    if args and args[0] in SUBCOMMANDS:
        target, prog, args = SUBCOMMANDS[args[0]], f"convcalc {args[0]}", args[1:]
    try:
        target(args=args, prog_name=prog)
    except KeyboardInterrupt:
        sys.stderr.write("convcalc: interrupted\n")
        sys.exit(130)
    except OSError as err:  # output not writable outside a sink, e.g. --help > /dev/full
        try:
            _output_failed(err)
        except typer.Exit as done:
            sys.exit(done.exit_code)
    except Exception as err:
        sys.stderr.write(
            f"convcalc: internal error: {type(err).__name__}: {err} (please report this)\n"
        )
        sys.exit(EXIT_INTERNAL)
