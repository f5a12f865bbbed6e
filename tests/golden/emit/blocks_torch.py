"""A PyTorch module written by convcalc emit torch from the spec below."""

# spec: 16x16x4 res(conv3s2p1x8nb bn relu conv3p1x8nb bn | conv1s2x8nb bn) relu
# cat(id | deconv2s2x4 pool2) up2 zpad1 gap dense2
# 1,102 trainable + 48 non-trainable parameters, 65,560 MACs

import torch
from torch import nn


class Residual(nn.Module):
    """convcalc res(…): body(x) + x, or body(x) + shortcut(x) with a shortcut branch."""

    def __init__(self, body: nn.Module, shortcut: nn.Module | None = None) -> None:
        super().__init__()
        self.body = body
        self.shortcut = shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = x if self.shortcut is None else self.shortcut(x)
        return self.body(x) + skip


class Concat(nn.Module):
    """convcalc cat(…): every branch on the same input, outputs joined on the channels."""

    def __init__(self, *branches: nn.Module) -> None:
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([branch(x) for branch in self.branches], dim=1)


class Net(nn.Module):
    """Input (N, 4, 16, 16), output (N, 2)."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            # 1  res(conv3s2p1x8nb bn relu conv3p1x8nb b…  → 8×8×8
            Residual(
                nn.Sequential(
                    # 1.1.1  conv3s2p1x8nb  → 8×8×8
                    nn.Conv2d(4, 8, kernel_size=3, stride=2, padding=1, bias=False),
                    # 1.1.2  bn  → 8×8×8
                    nn.BatchNorm2d(8),
                    # 1.1.3  relu  → 8×8×8
                    nn.ReLU(),
                    # 1.1.4  conv3p1x8nb  → 8×8×8
                    nn.Conv2d(8, 8, kernel_size=3, padding=1, bias=False),
                    # 1.1.5  bn  → 8×8×8
                    nn.BatchNorm2d(8),
                ),
                nn.Sequential(
                    # 1.2.1  conv1s2x8nb  → 8×8×8
                    nn.Conv2d(4, 8, kernel_size=1, stride=2, bias=False),
                    # 1.2.2  bn  → 8×8×8
                    nn.BatchNorm2d(8),
                ),
            ),
            # 2  relu  → 8×8×8
            nn.ReLU(),
            # 3  cat(id | deconv2s2x4 pool2)  → 8×8×12
            Concat(
                nn.Sequential(
                    # 3.1.1  id  → 8×8×8
                    nn.Identity(),
                ),
                nn.Sequential(
                    # 3.2.1  deconv2s2x4  → 16×16×4
                    nn.ConvTranspose2d(8, 4, kernel_size=2, stride=2),
                    # 3.2.2  pool2  → 8×8×4
                    nn.MaxPool2d(kernel_size=2),
                ),
            ),
            # 4  up2  → 16×16×12
            nn.Upsample(scale_factor=2, mode="nearest"),
            # 5  zpad1  → 18×18×12
            nn.ZeroPad2d(1),
            # 6  gap  → 12
            nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten()),
            # 7  dense2  → 2
            nn.Linear(12, 2),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


if __name__ == "__main__":
    model = Net().eval()
    with torch.no_grad():
        y = model(torch.zeros(1, 4, 16, 16))
    print(tuple(y.shape))  # (1, 2)
