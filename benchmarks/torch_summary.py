"""The same network as ``28x28x1 conv3x3s2p1x32 pool2 dense5``, summarised by torchinfo.

``python benchmarks/torch_summary.py`` — bench.py times it next to convcalc.  It exits 3 when
torch or torchinfo is missing, so the benchmark can skip it with a note.
"""

from __future__ import annotations

import sys

try:
    import torch
    from torch import nn
    from torchinfo import summary
except ImportError as err:  # pragma: no cover - depends on the machine
    print(f"skipped: {err}", file=sys.stderr)
    sys.exit(3)


def network() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 32, kernel_size=3, stride=2, padding=1),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(7 * 7 * 32, 5),
    )


if __name__ == "__main__":
    torch.set_num_threads(1)
    stats = summary(network(), input_size=(1, 1, 28, 28), verbose=0)
    print(stats)
