"""Write the zoo's ShuffleNetV2 specs (convcalc/models/shufflenet_v2_*.spec).

    python docs/zoo/gen_shufflenet.py          # rewrite the spec files
    python docs/zoo/gen_shufflenet.py --check  # exit 1 if a committed spec differs

The stage settings are torchvision's (tests/zoo_torch/shufflenet.py, ``SETTINGS``); the figures
in the headers are torchvision's published ones (``PUBLISHED``), not convcalc's output.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "docs" / "zoo"))

from specfiles import write_or_check  # noqa: E402
from zoo_torch.shufflenet import PUBLISHED, SETTINGS  # noqa: E402

SOURCE = (
    'Ma, Zhang, Zheng, Sun, "ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture '
    'Design", ECCV 2018; torchvision.models.{name} (torchvision/models/shufflenetv2.py, weights '
    "enum meta num_params / _ops)"
)
NOTE = (
    "torchvision's ShuffleNetV2({repeats}, {channels}). Stem conv3s2 bn relu, maxpool3s2p1; "
    "each stage opens with a stride-2 unit, both branches on the whole input and concatenated "
    "(branch 1: depthwise 3×3 s2, bn, 1×1, bn, relu; branch 2: 1×1, bn, relu, depthwise 3×3 s2, "
    "bn, 1×1, bn, relu), then stride-1 units that split the channels in halves (x.chunk(2)): the "
    "first half passes unchanged, the second goes through branch 2; every unit ends with "
    "channel_shuffle(out, 2). All convs bias-free; a 1×1 conv bn relu, the global mean and the "
    "classifier close the network."
)


def spec(name: str) -> str:
    repeats, channels = SETTINGS[name]
    count, shown = PUBLISHED[name]
    note = NOTE.format(repeats=repeats, channels=channels)
    lines = [
        f"# name: {name}",
        f"# title: ShuffleNetV2 {name.rpartition('_x')[2].replace('_', '.')}×",
        f"# source: {SOURCE.format(name=name)}",
        f"# params: {count}",
        f"# gmacs: {shown}",
        *textwrap.wrap(note, 98, initial_indent="# ", subsequent_indent="# "),
        "224x224x3",
        f"conv3s2p1x{channels[0]}nb bn relu maxpool3s2p1",
    ]
    for n, out in zip(repeats, channels[1:]):
        b = out // 2
        branch1 = f"dwconv3s2p1nb bn conv1x{b}nb bn relu"
        branch2 = f"conv1x{b}nb bn relu dwconv3{{}}p1nb bn conv1x{b}nb bn relu"
        lines.append(f"cat({branch1} | {branch2.format('s2')}) shuffle2")
        lines.append(f"(split(id | {branch2.format('')}) shuffle2)*{n - 1}")
    lines.append(f"conv1x{channels[-1]}nb bn relu gap dense1000")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    return write_or_check({name: spec(name) for name in SETTINGS}, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
