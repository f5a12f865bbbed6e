"""``convcalc emit torch|keras SPEC``: the network as a PyTorch or Keras module."""

from __future__ import annotations

import importlib
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..emit import EMITTERS
from ..errors import ConvcalcError
from .common import EXIT_INVALID, EXIT_IOERR, new_app, write
from .main import _zoo_spec

app = new_app()


Framework = Enum("Framework", {name: name for name in EMITTERS}, type=str)  # type: ignore[misc]


HELP = (
    "Write the network as code: a self-contained PyTorch module (class Net(nn.Module); "
    "python FILE runs a zero input through it) or a Keras 3 functional-API module "
    "(build_model() -> keras.Model, channels last, layers named after the rows; python FILE "
    "prints model.summary()), with a comment per layer giving convcalc's row number, token "
    "and output shape.\n\n"
    'Example: convcalc emit torch "28x28x1 conv3x3s2p1x32 pool2 dense5" -o net.py; '
    "convcalc emit keras -m resnet50 --input 512x512x3.\n\n"
    "aux(…) side heads run in training only (torch: Aux.output, Net.aux_outputs()) or are "
    "the Keras model's further outputs.\n\n"
    "A layer the framework cannot build faithfully (Keras: a dilated pool; a transposed "
    "conv with stride and dilation, with groups, or with output padding ≥ stride) is "
    "refused in one line naming the token. "
    "Exit codes: 0 ok; 1 invalid spec or a refused layer; 2 usage error; 74 output not "
    "writable."
)


@app.command(help=HELP, no_args_is_help=True)
def emit_command(
    framework: Annotated[
        Framework,
        typer.Argument(
            help=f"The framework: {' or '.join(EMITTERS)}.",
            case_sensitive=False,
            show_default=False,
        ),
    ],
    spec: Annotated[
        Optional[list[str]],
        typer.Argument(
            help="The spec, as one quoted argument or several (joined with spaces).",
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        Optional[str],
        typer.Option(
            "--model",
            "-m",
            help="Emit a network of the model zoo instead of a SPEC (list: convcalc zoo).",
            show_default=False,
        ),
    ] = None,
    input_shape: Annotated[
        Optional[str],
        typer.Option(
            "--input",
            help="With --model: emit the model at this input shape instead of its own "
            "(512x512x3; CxHxW with --channels-first). A size the network cannot take is an "
            "error naming the layer.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Optional[Path],
        typer.Option("--output", "-o", help="Write the module to this file.", show_default=False),
    ] = None,
    class_name: Annotated[
        str,
        typer.Option(
            "--class-name",
            help="torch: the name of the nn.Module class (a Python identifier).",
        ),
    ] = "Net",
    channels_first: Annotated[
        bool,
        typer.Option(
            "--channels-first",
            help="Read the spec's input as CxHxW (the comments show shapes that way). The "
            "PyTorch module always takes N, C, … tensors, the Keras one N, …, C.",
        ),
    ] = False,
) -> None:
    text = " ".join(spec or [])
    title = None
    if model is not None:
        if spec:
            raise typer.BadParameter("give a SPEC or --model, not both", param_hint="--model")
        from .. import zoo

        text = _zoo_spec(model, channels_first, input_shape)
        item = zoo.get(model)
        title = f"{item.title} (convcalc zoo {item.name}; source: {item.source})"
        if input_shape is not None:
            title += f", at input {text.partition(' ')[0]}"
    elif input_shape is not None:
        raise typer.BadParameter("--input goes with --model (a SPEC starts with its own input)")
    elif not text.strip():
        raise typer.BadParameter("give a SPEC or --model NAME", param_hint="SPEC")
    emitter = importlib.import_module(f"convcalc.emit.{EMITTERS[framework.value]}")
    options: dict[str, object] = {"channels_first": channels_first, "title": title}
    if framework.value == "torch":
        options["class_name"] = class_name
    elif class_name != "Net":
        raise typer.BadParameter("--class-name is for torch", param_hint="--class-name")
    try:
        code = emitter.emit(text, **options)
    except ConvcalcError as err:
        spec_text = text if err.position is not None else None
        sys.stderr.write(f"convcalc: error: {err.render(spec_text)}\n")
        raise typer.Exit(EXIT_INVALID) from None
    if output is None:
        write(code)
        return
    try:
        output.write_text(code, encoding="utf-8")
    except OSError as err:
        sys.stderr.write(f"convcalc: cannot write {output}: {err.strerror or err}\n")
        raise typer.Exit(EXIT_IOERR) from None
