"""The model zoo: every spec parses, matches its published figures, and matches the same network
built by hand in torch.nn (following torchvision's source; torchvision itself is not a test
dependency), layer by layer.

Expected numbers come from PyTorch (``sum(p.numel())`` and MACs counted by forward hooks) and
from torchvision's published table — never from convcalc's own output.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import FrozenInstanceError
from functools import cache
from math import prod
from pathlib import Path

import pytest
from conftest import require_torch
from zoo_torch import PUBLISHED, builders

import convcalc
from convcalc import zoo
from convcalc.errors import ConvcalcError

# zoo models with no published total (the paper gives none for the form written here)
UNPUBLISHED = ["lenet5", "unet"]

TORCHVISION = sorted(PUBLISHED)
NAMES = sorted([*PUBLISHED, *UNPUBLISHED])


def gmacs(macs: int, shown: str = "0.000") -> str:
    """MACs in G, written to as many decimals as ``shown`` has."""
    return f"{macs / 1e9:.{len(shown.partition('.')[2])}f}"


# --------------------------------------------------------------------------------------------
# the zoo as data


def test_the_zoo_lists_every_model_sorted():
    names = [m.name for m in zoo.models() if not m.keras]
    assert names == NAMES


@pytest.mark.parametrize("model", zoo.models(), ids=lambda m: m.name)
def test_spec_parses_and_matches_published(model: zoo.ZooModel):
    assert model.title and model.source
    assert "#" not in model.spec and "\n" not in model.spec
    report = convcalc.analyze(model.spec)
    assert model.matches(report.totals) is (None if model.name in UNPUBLISHED else True)
    if model.params is not None:
        assert model.counted_params(report.totals) == model.params
    if model.gmacs is not None:
        assert float(gmacs(report.totals.macs, str(model.gmacs))) == model.gmacs


@pytest.mark.parametrize("name", NAMES)
def test_header_figures_are_torchvisions(name: str):
    model = zoo.get(name)
    params, shown = PUBLISHED.get(name, (None, None))
    assert (model.params, model.gmacs) == (params, float(shown) if shown else None)
    if shown:
        assert model.gmacs_decimals == len(shown.partition(".")[2])


def test_matches_compares_to_the_digits_shown():
    model = zoo.get("resnext50_32x4d")  # published 4.23 GMACs: two decimals
    totals = convcalc.analyze(model.spec).totals
    assert model.matches(totals)
    # 4.2349… G still shows as 4.23, 4.2351 G does not; one parameter more never matches
    assert model.matches(totals.model_copy(update={"macs": 4_234_900_000}))
    assert not model.matches(totals.model_copy(update={"macs": 4_235_100_000}))
    assert not model.matches(totals.model_copy(update={"trainable_params": model.params + 1}))
    assert zoo.get("lenet5").matches(totals) is None


@pytest.mark.parametrize(
    ("asked", "name"),
    [
        ("resnet18", "resnet18"),
        ("ResNet-18", "resnet18"),
        ("RESNET_18", "resnet18"),
        ("MobileNet-V2", "mobilenet_v2"),
        ("mobilenetv2", "mobilenet_v2"),
        ("SqueezeNet1-0", "squeezenet1_0"),
        ("VGG16", "vgg16"),
    ],
)
def test_get_ignores_case_dashes_and_underscores(asked: str, name: str):
    assert zoo.get(asked).name == name


def test_get_unknown_suggests_a_close_name():
    with pytest.raises(ConvcalcError) as info:
        zoo.get("resnet19")
    err = info.value
    assert isinstance(err, ValueError)
    assert "did you mean 'resnet18'" in err.message
    assert (err.token, err.position) == ("resnet19", 0)


def test_get_unknown_without_close_name_points_to_the_list():
    with pytest.raises(ConvcalcError) as info:
        zoo.get("transformer")
    assert "did you mean" not in info.value.message
    assert info.value.message.endswith(f"'convcalc zoo' lists all {len(zoo.models())}")


def test_models_are_frozen():
    with pytest.raises(FrozenInstanceError):
        zoo.get("vgg11").params = 1  # type: ignore[misc]


def test_notes_and_body_comments():
    googlenet = zoo.get("googlenet")
    assert "ceil_mode=True" in googlenet.notes
    assert "3a" not in googlenet.spec  # a comment inside the spec body is stripped
    assert zoo.get("lenet5").params is None


def test_spec_file_format(tmp_path):
    text = (
        "# name: toy\n# title: Toy\n# source: here\n# params: 1,234\n# gmacs: 0.5\n"
        "# a note\n#   on two lines\n\n28x28x1   # input\nconv3x8 # a conv\n\n dense10\n"
    )
    model = zoo._parse_file("toy", text)
    assert model == zoo.ZooModel(
        name="toy",
        title="Toy",
        source="here",
        spec="28x28x1 conv3x8 dense10",
        params=1234,
        gmacs=0.5,
        notes="a note on two lines",
        gmacs_decimals=1,
    )


def test_importing_the_zoo_reads_no_file():
    code = "import convcalc.zoo as z; print(z._load.cache_info().currsize)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


# --------------------------------------------------------------------------------------------
# the same networks in torch.nn, following torchvision's source


def _channels_last(shape) -> tuple[int, ...]:
    """A torch output shape (batch first, channels second) in convcalc's layout."""
    dims = tuple(shape)[1:]
    return dims if len(dims) == 1 else (*dims[1:], dims[0])


@cache
def torch_run(name: str, chw: tuple[int, ...] | None = None) -> dict:
    """Build the torch network once, run one forward pass on zeros (of its own input size, or
    ``chw``), and record every leaf module call in execution order: (output shape channels
    last, own params, MACs). A module marked ``channels_last`` already runs channels last
    (ConvNeXt's LayerNorm and Linear, after a Permute); a global average pool is read as
    convcalc's ``gap`` (a vector) unless marked ``keeps_map`` (convcalc's ``apool1``). Calls
    of modules marked ``aux`` (Inception v3's AuxLogits, run in eval mode too by its builder)
    are recorded in their place, and their MACs counted apart, as convcalc's ``aux(…)``."""
    torch = require_torch()
    nn = torch.nn
    build, own = builders(torch)[name]
    chw = chw or own
    with torch.device("meta"):  # shapes and counts only: no weights are allocated or run
        model = build().eval()
    calls: list[tuple[tuple[int, ...], int, int]] = []
    aux: list[bool] = []  # whether each call is inside an auxiliary (training-only) head

    def hook(module, inputs, output):
        macs = 0
        if isinstance(module, nn.modules.conv._ConvTransposeNd):
            macs = inputs[0].numel() * prod(module.kernel_size) * module.out_channels
            macs //= module.groups
        elif isinstance(module, nn.modules.conv._ConvNd):
            macs = output.numel() * prod(module.kernel_size) * module.in_channels
            macs //= module.groups
        elif isinstance(module, nn.Linear):
            macs = output.numel() * module.in_features  # out elements · in features
        if getattr(module, "channels_last", False):  # after a Permute([0, 2, 3, 1])
            shape = tuple(output.shape)[1:]
        else:
            shape = _channels_last(output.shape)
        if hasattr(module, "row_macs"):
            macs = module.row_macs
        global_pool = isinstance(module, nn.AdaptiveAvgPool2d) and set(shape[:-1]) == {1}
        if global_pool and not getattr(module, "keeps_map", False):
            shape = shape[-1:]  # a head's global pool: convcalc's gap gives the vector of C
        own = sum(p.numel() for p in module.parameters(recurse=hasattr(module, "row_macs")))
        calls.append((shape, own, macs))
        aux.append(getattr(module, "aux", False))

    whole = [m for m in model.modules() if hasattr(m, "row_macs")]  # one row each
    inside = {id(sub) for m in whole for sub in m.modules() if sub is not m}
    for module in model.modules():
        if id(module) not in inside and (module in whole or not list(module.children())):
            module.register_forward_hook(hook)
    with torch.no_grad():
        out = model(torch.zeros(1, *chw, device="meta"))
    return {
        "params": sum(p.numel() for p in model.parameters()),
        "macs": sum(macs for (_, _, macs), side in zip(calls, aux, strict=True) if not side),
        "aux_macs": sum(macs for (_, _, macs), side in zip(calls, aux, strict=True) if side),
        "output_shape": _channels_last(out.shape),
        "calls": calls,
    }


def convcalc_calls(rows) -> list[tuple[tuple[int, ...], int, int]]:
    """convcalc's layer rows depth first (branches in order, as torch runs them), ids left out."""
    calls = []
    for row in rows:
        if row.branches is not None:
            for branch in row.branches:
                calls += convcalc_calls(branch)
        elif row.kind != "id":
            calls.append((tuple(row.output_shape), row.trainable_params, row.macs))
    return calls


def _collapse(shapes):
    out = []
    for s in shapes:
        if not out or out[-1] != s:
            out.append(s)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_totals_match_torch(torch, name: str):
    ours = convcalc.analyze(zoo.get(name).spec)
    theirs = torch_run(name)
    assert ours.totals.trainable_params == theirs["params"]
    assert ours.totals.macs == theirs["macs"]
    assert ours.totals.aux_macs == theirs["aux_macs"]
    assert tuple(ours.totals.output_shape) == theirs["output_shape"]


@pytest.mark.parametrize("name", NAMES)
def test_layers_match_torch(torch, name: str):
    ours = convcalc_calls(convcalc.analyze(zoo.get(name).spec).layers)
    theirs = torch_run(name)["calls"]
    # every layer with weights, one to one: shape, own params, MACs
    assert [c for c in ours if c[1]] == [c for c in theirs if c[1]]
    # and the sequence of shapes the data passes through (layers that keep it, like relu or
    # torchvision's identity AdaptiveAvgPool2d at 224, fold into their neighbour)
    assert _collapse(c[0] for c in ours) == _collapse(c[0] for c in theirs)


@pytest.mark.parametrize("name", TORCHVISION)
def test_torch_reproduces_published(torch, name: str):
    params, shown = PUBLISHED[name]
    theirs = torch_run(name)
    assert theirs["params"] == params
    assert gmacs(theirs["macs"], shown) == shown


def test_readme_table_lists_every_model():
    """The README's zoo table has one row per model, with its counts and its comparison."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Model zoo\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0].strip("`")] = cells[1:]
    assert sorted(rows) == [m.name for m in zoo.models()]
    for model in zoo.models():
        totals = convcalc.analyze(model.spec).totals
        title, params, macs, published = rows[model.name]
        assert title == model.title
        assert params == f"{model.counted_params(totals):,}"
        assert macs == f"{totals.macs / 1e9:.3f}"
        expected = {None: "no published total", True: "matches"}[model.matches(totals)]
        assert published == expected


# --------------------------------------------------------------------------------------------
# --input: a zoo model at another size


def cli(*args: str):
    from typer.testing import CliRunner

    from convcalc.cli import app

    return CliRunner().invoke(app, list(args), env={"NO_COLOR": "1"})


@pytest.mark.parametrize(
    ("name", "shape", "chw"),
    [
        ("resnet50", "512x512x3", (3, 512, 512)),
        ("densenet121", "320x256x3", (3, 320, 256)),
        ("mnasnet1_0", "160x160x3", (3, 160, 160)),
        ("efficientnet_b0", "300x300x3", (3, 300, 300)),  # odd sizes on the way: 75, 19
        ("vgg16", "320x320x3", (3, 320, 320)),  # the apool7 head keeps the classifier
        ("alexnet", "320x320x3", (3, 320, 320)),  # the apool6 head
        ("mobilenet_v3_small", "160x192x3", (3, 160, 192)),  # its SE gates keep their size
        ("shufflenet_v2_x1_0", "200x200x3", (3, 200, 200)),  # odd sizes through the branches
        ("squeezenet1_1", "97x97x1", None),  # one channel: the first conv has fewer weights
    ],
)
def test_input_overrides_a_zoo_models_input(torch, name, shape, chw):
    result = cli("-m", name, "--input", shape, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["input_shape"] == [int(d) for d in shape.split("x")]
    if chw is None:
        # squeezenet1_1 at 97×97×1, by hand: the 3×3 stem has 1·9·64 + 64 = 640 weights
        # instead of 3·9·64 + 64 = 1,792, so 1,152 fewer than the published 1,235,496
        assert report["totals"]["trainable_params"] == 1_235_496 - 1_152
        return
    theirs = torch_run(name, chw)
    assert report["totals"]["trainable_params"] == theirs["params"]
    assert report["totals"]["macs"] == theirs["macs"]
    assert tuple(report["totals"]["output_shape"]) == theirs["output_shape"]


def test_input_is_written_in_the_display_layout(torch):
    result = cli("-m", "resnet18", "--channels-first", "--input", "3x64x64", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["input_shape"] == [3, 64, 64]
    assert report["totals"]["macs"] == torch_run("resnet18", (3, 64, 64))["macs"]


def test_input_too_small_names_the_layer(torch):
    """AlexNet at 32×32: 32 → conv11s4p2 7 → pool3s2 3 → conv5p2 3 → pool3s2 1, and the last
    pool3s2 has a 1×1 input: convcalc refuses it, naming that pool, as PyTorch does."""
    result = cli("-m", "alexnet", "--input", "32x32x3")
    assert result.exit_code == 1
    assert "error: maxpool on 1×1×256" in result.stderr
    assert "pool3s2" in result.stderr.splitlines()[1]
    with pytest.raises(RuntimeError):
        torch_run("alexnet", (3, 32, 32))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-m", "resnet50", "--input", "100x3"], "input '100x3' has 1 spatial dim; resnet50"),
        (["-m", "resnet50", "--input", "8x8x8x3"], "resnet50 takes 2, e.g. 224x224x3"),
        (["-m", "resnet50", "--input", "224x224x3 dense5"], "bad input shape '224x224x3 dense5'"),
        (["-m", "resnet50", "--channels-first", "--input", "3x224"], "e.g. 3x224x224"),
        (["-m", "resnt50", "--input", "64x64x3"], "unknown model 'resnt50'"),
        (["28x28x1", "conv3x8", "--input", "32x32x1"], "--input goes with --model"),
    ],
)  # fmt: skip
def test_input_errors(args, message):
    result = cli(*args)
    assert result.exit_code in (1, 2)
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.output


def test_get_prefers_the_exact_name():
    """Loose matching drops '_': regnet_x_16gf and regnet_x_1_6gf would collide without it."""
    assert zoo.get("regnet_x_16gf").params == 54_278_536
    assert zoo.get("REGNET_X_1_6GF").params == 9_190_136
