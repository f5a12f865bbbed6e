"""ShuffleNetV2 in torch.nn, following torchvision's source (github.com/pytorch/vision,
torchvision/models/shufflenetv2.py)."""

from __future__ import annotations

# torchvision's documented figures: the weights enums' meta in torchvision/models/shufflenetv2.py
# (github.com/pytorch/vision, main), "num_params" and "_ops" (its docs' "GFLOPS" column, which
# counts MACs, bias excluded); GMACs are compared to the digits shown there.
PUBLISHED: dict[str, tuple[int, str]] = {
    "shufflenet_v2_x0_5": (1_366_792, "0.04"),
    "shufflenet_v2_x1_0": (2_278_604, "0.145"),
    "shufflenet_v2_x1_5": (3_503_624, "0.296"),
    "shufflenet_v2_x2_0": (7_393_996, "0.583"),
}

#: torchvision's shufflenet_v2_*: (stages_repeats, stages_out_channels)
SETTINGS = {
    "shufflenet_v2_x0_5": ([4, 8, 4], [24, 48, 96, 192, 1024]),
    "shufflenet_v2_x1_0": ([4, 8, 4], [24, 116, 232, 464, 1024]),
    "shufflenet_v2_x1_5": ([4, 8, 4], [24, 176, 352, 704, 1024]),
    "shufflenet_v2_x2_0": ([4, 8, 4], [24, 244, 488, 976, 2048]),
}


def models(torch) -> dict:
    """Each network's builder and its input (C, H, W), by zoo name."""
    nn = torch.nn

    class ChannelShuffle(nn.Module):
        """torchvision's channel_shuffle(x, groups), as a module so that its row is hooked
        (convcalc's shuffle2 row: the concatenated shape)."""

        def __init__(self, groups):
            super().__init__()
            self.groups = groups

        def forward(self, x):
            n, c, h, w = x.size()
            x = x.view(n, self.groups, c // self.groups, h, w).transpose(1, 2).contiguous()
            return x.view(n, -1, h, w)

    def depthwise(c, stride):
        return nn.Conv2d(c, c, 3, stride, 1, bias=False, groups=c)

    class InvertedResidual(nn.Module):
        def __init__(self, inp, oup, stride):
            super().__init__()
            self.stride = stride
            self.shuffle = ChannelShuffle(2)
            b = oup // 2
            if stride > 1:
                self.branch1 = nn.Sequential(
                    depthwise(inp, stride), nn.BatchNorm2d(inp),
                    nn.Conv2d(inp, b, 1, bias=False), nn.BatchNorm2d(b), nn.ReLU(inplace=True),
                )  # fmt: skip
            self.branch2 = nn.Sequential(
                nn.Conv2d(inp if stride > 1 else b, b, 1, bias=False),
                nn.BatchNorm2d(b), nn.ReLU(inplace=True),
                depthwise(b, stride), nn.BatchNorm2d(b),
                nn.Conv2d(b, b, 1, bias=False), nn.BatchNorm2d(b), nn.ReLU(inplace=True),
            )  # fmt: skip

        def forward(self, x):
            if self.stride == 1:
                x1, x2 = x.chunk(2, dim=1)
                out = torch.cat((x1, self.branch2(x2)), dim=1)
            else:
                out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
            return self.shuffle(out)

    def shufflenet(repeats, channels):
        def build():
            layers = [
                nn.Conv2d(3, channels[0], 3, 2, 1, bias=False),
                nn.BatchNorm2d(channels[0]), nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
            ]  # fmt: skip
            c = channels[0]
            for n, out in zip(repeats, channels[1:]):
                layers.append(InvertedResidual(c, out, 2))
                layers += [InvertedResidual(out, out, 1) for _ in range(n - 1)]
                c = out
            layers += [
                nn.Conv2d(c, channels[-1], 1, bias=False),
                nn.BatchNorm2d(channels[-1]), nn.ReLU(inplace=True),
                # torchvision's x.mean([2, 3]): the same global average, as a module to hook
                nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels[-1], 1000),
            ]  # fmt: skip
            return nn.Sequential(*layers)

        return build

    return {name: (shufflenet(*s), (3, 224, 224)) for name, s in SETTINGS.items()}
