"""A PyTorch module written by convcalc emit torch from the spec below."""

# spec: 7x7x2 conv3s2psamex4 bn relu pool3s2psame avgpool2ceil dropout.25 dense3nb
# 96 trainable + 8 non-trainable parameters, 1,164 MACs

import torch
import torch.nn.functional as F
from torch import nn


class Pad(nn.Module):
    """Constant padding as F.pad takes it: (before, after) pairs, the last dim first."""

    def __init__(self, pads: tuple[int, ...], value: float = 0.0) -> None:
        super().__init__()
        self.pads = pads
        self.value = value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pad(x, self.pads, value=self.value)


class Net(nn.Module):
    """Input (N, 2, 7, 7), output (N, 3)."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            # 1  conv3s2psamex4  → 4×4×4
            nn.Sequential(Pad((1, 1, 1, 1)), nn.Conv2d(2, 4, kernel_size=3, stride=2)),
            # 2  bn  → 4×4×4
            nn.BatchNorm2d(4),
            # 3  relu  → 4×4×4
            nn.ReLU(),
            # 4  pool3s2psame  → 2×2×4
            nn.Sequential(
                Pad((0, 1, 0, 1), value=float("-inf")),
                nn.MaxPool2d(kernel_size=3, stride=2),
            ),
            # 5  avgpool2ceil  → 1×1×4
            nn.AvgPool2d(kernel_size=2, ceil_mode=True),
            # 6  dropout.25  → 1×1×4
            nn.Dropout(p=0.25),
            # 7  dense3nb  → 3
            nn.Sequential(nn.Flatten(), nn.Linear(4, 3, bias=False)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


if __name__ == "__main__":
    model = Net().eval()
    with torch.no_grad():
        y = model(torch.zeros(1, 2, 7, 7))
    print(tuple(y.shape))  # (1, 3)
