"""A PyTorch module written by convcalc emit torch from the spec below."""

# spec: 28x28x1 conv3x3s2p1x32 pool2 dense5
# 8,165 trainable + 0 non-trainable parameters, 64,288 MACs

import torch
from torch import nn


class Net(nn.Module):
    """Input (N, 1, 28, 28), output (N, 5)."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            # 1  conv3x3s2p1x32  → 14×14×32
            nn.Conv2d(1, 32, kernel_size=3, stride=2, padding=1),
            # 2  pool2  → 7×7×32
            nn.MaxPool2d(kernel_size=2),
            # 3  dense5  → 5
            nn.Sequential(nn.Flatten(), nn.Linear(1568, 5)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


if __name__ == "__main__":
    model = Net().eval()
    with torch.no_grad():
        y = model(torch.zeros(1, 1, 28, 28))
    print(tuple(y.shape))  # (1, 5)
