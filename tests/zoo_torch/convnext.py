"""ConvNeXt in torch.nn, following torchvision's source (github.com/pytorch/vision,
torchvision/models/convnext.py)."""

from __future__ import annotations

from functools import partial

from .common import parts

# torchvision's documented figures: the weights enums' meta in torchvision/models/convnext.py
# (github.com/pytorch/vision, main), "num_params" and "_ops" (GFLOPS as shown, counting MACs)
PUBLISHED: dict[str, tuple[int, str]] = {
    "convnext_tiny": (28_589_128, "4.5"),
    "convnext_small": (50_223_688, "8.7"),
    "convnext_base": (88_591_464, "15.4"),
    "convnext_large": (197_767_336, "34.4"),
}

# (input channels, output channels or None, blocks) per stage, and the stochastic depth
SETTINGS = {
    "convnext_tiny": ([(96, 192, 3), (192, 384, 3), (384, 768, 9), (768, None, 3)], 0.1),
    "convnext_small": ([(96, 192, 3), (192, 384, 3), (384, 768, 27), (768, None, 3)], 0.4),
    "convnext_base": ([(128, 256, 3), (256, 512, 3), (512, 1024, 27), (1024, None, 3)], 0.5),
    "convnext_large": ([(192, 384, 3), (384, 768, 3), (768, 1536, 27), (1536, None, 3)], 0.5),
}


def models(torch) -> dict:
    """Each network's builder and its input (C, H, W), by zoo name."""
    nn = torch.nn
    F = torch.nn.functional
    shared = parts(torch)
    Permute, StochasticDepth, channels_last = (
        shared.Permute,
        shared.StochasticDepth,
        shared.channels_last,
    )

    class LayerNorm2d(nn.LayerNorm):
        def forward(self, x):
            x = x.permute(0, 2, 3, 1)
            x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
            return x.permute(0, 3, 1, 2)

    class LayerScale(nn.Module):
        """torchvision keeps γ as CNBlock.layer_scale, a parameter of the block; here it is a
        module of its own so that it is a row of its own, as convcalc's ``scale``."""

        def __init__(self, dim, layer_scale):
            super().__init__()
            self.layer_scale = nn.Parameter(torch.ones(dim, 1, 1) * layer_scale)

        def forward(self, x):
            return self.layer_scale * x

    class CNBlock(nn.Module):
        def __init__(self, dim, layer_scale, stochastic_depth_prob):
            super().__init__()
            self.block = nn.Sequential(
                nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim, bias=True),
                *channels_last(
                    Permute([0, 2, 3, 1]),
                    nn.LayerNorm(dim, eps=1e-6),
                    nn.Linear(in_features=dim, out_features=4 * dim, bias=True),
                    nn.GELU(),
                    nn.Linear(in_features=4 * dim, out_features=dim, bias=True),
                ),
                Permute([0, 3, 1, 2]),
            )
            self.layer_scale = LayerScale(dim, layer_scale)
            self.stochastic_depth = StochasticDepth(stochastic_depth_prob)

        def forward(self, input):
            result = self.layer_scale(self.block(input))
            result = self.stochastic_depth(result)
            result += input
            return result

    class ConvNeXt(nn.Module):
        def __init__(self, block_setting, stochastic_depth_prob, layer_scale=1e-6):
            super().__init__()
            norm_layer = partial(LayerNorm2d, eps=1e-6)
            first = block_setting[0][0]
            layers: list = [
                nn.Sequential(nn.Conv2d(3, first, kernel_size=4, stride=4), norm_layer(first))
            ]
            total_stage_blocks = sum(n for _, _, n in block_setting)
            stage_block_id = 0
            for cin, cout, n in block_setting:
                stage = []
                for _ in range(n):
                    sd_prob = stochastic_depth_prob * stage_block_id / (total_stage_blocks - 1.0)
                    stage.append(CNBlock(cin, layer_scale, sd_prob))
                    stage_block_id += 1
                layers.append(nn.Sequential(*stage))
                if cout is not None:
                    downsample = nn.Conv2d(cin, cout, kernel_size=2, stride=2)
                    layers.append(nn.Sequential(norm_layer(cin), downsample))
            self.features = nn.Sequential(*layers)
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.avgpool.keeps_map = True  # convcalc's apool1: a 1×1 map, LayerNorm2d follows
            last = block_setting[-1][0]
            self.classifier = nn.Sequential(norm_layer(last), nn.Flatten(1), nn.Linear(last, 1000))

        def forward(self, x):
            return self.classifier(self.avgpool(self.features(x)))

    return {
        name: (partial(ConvNeXt, setting, p), (3, 224, 224))
        for name, (setting, p) in SETTINGS.items()
    }
