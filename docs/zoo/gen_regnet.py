"""Write the zoo's RegNetX and RegNetY specs (convcalc/models/regnet_[xy]_*.spec).

    python docs/zoo/gen_regnet.py          # rewrite the spec files
    python docs/zoo/gen_regnet.py --check  # exit 1 if a committed spec differs

The stages come from torchvision's BlockParams.from_init_params, computed in torch's float32 as
torchvision does (tests/zoo_torch/regnet.py, ``stages``; needs torch). The figures in the
headers are torchvision's published ones (that module's ``PUBLISHED``), not convcalc's output:
tests/test_zoo.py checks that convcalc and the torch.nn rebuild both reach them.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "docs" / "zoo"))

from specfiles import write_or_check  # noqa: E402
from zoo_torch.regnet import INIT_PARAMS, PUBLISHED, SE_RATIO, se_ratio, stages  # noqa: E402

SOURCE = (
    'Radosavovic et al., "Designing Network Design Spaces", CVPR 2020; torchvision.models.{name} '
    "(torchvision/models/regnet.py, weights enum meta num_params / _ops)"
)


def title(name: str) -> str:
    """regnet_y_1_6gf → RegNetY-1.6GF"""
    _, kind, size = name.split("_", 2)
    return f"RegNet{kind.upper()}-{size.replace('_', '.').upper()}"


def block(cin: int, w: int, stride: int, group_width: int, ratio: float | None) -> str:
    s = "s2" if stride == 2 else ""
    g = f"g{w // group_width}" if w != group_width else ""
    se = f" se{round(ratio * cin)}" if ratio else ""
    body = f"conv1x{w}nb bn relu conv3{s}p1{g}x{w}nb bn relu{se} conv1x{w}nb bn"
    project = f" | conv1{s}x{w}nb bn" if cin != w or stride != 1 else ""
    return f"res({body}{project}) relu"


def spec(name: str) -> str:
    import torch

    params = INIT_PARAMS[name]
    found = stages(torch, **params)
    ratio = se_ratio(name)
    args = ", ".join(f"{k}={v}" for k, v in params.items())
    if ratio:
        args += f", se_ratio={SE_RATIO}"
    note = (
        f"torchvision's generator BlockParams.from_init_params({args}) gives the stages (width, "
        f"depth, group width) {found}. Stem conv3s2 bn relu; each block is a residual bottleneck "
        "(1×1, grouped 3×3 with the stage's stride on the first block, 1×1; bias-free with batch "
        "norm), a 1×1 + BN projection where the width or the size changes, ReLU after the add."
    )
    if ratio:
        note += (
            " RegNetY puts a squeeze-and-excitation block after the grouped conv's ReLU: "
            f"torchvision's SqueezeExcitation(w, round({SE_RATIO}·w_in)) with ReLU and sigmoid, "
            "w_in the block's input width, so a stage's first block squeezes to a quarter of the "
            "previous stage's width."
        )
    count, shown = PUBLISHED[name]
    lines = [
        f"# name: {name}",
        f"# title: {title(name)}",
        f"# source: {SOURCE.format(name=name)}",
        f"# params: {count}",
        f"# gmacs: {shown}",
        *textwrap.wrap(note, 98, initial_indent="# ", subsequent_indent="# "),
        "224x224x3",
        "conv3s2p1x32nb bn relu",
    ]
    c = 32
    for w, depth, group_width in found:
        lines.append(block(c, w, 2, group_width, ratio))
        rest = block(w, w, 1, group_width, ratio)
        if depth == 2:
            lines.append(rest)
        elif depth > 2:
            lines.append(f"({rest})*{depth - 1}")
        c = w
    lines.append("gap dense1000")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    return write_or_check({name: spec(name) for name in INIT_PARAMS}, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
