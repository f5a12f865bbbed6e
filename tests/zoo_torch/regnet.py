"""RegNetX and RegNetY in torch.nn, following torchvision's source
(github.com/pytorch/vision, torchvision/models/regnet.py): a 3×3 stem, then residual bottleneck
blocks (bottleneck multiplier 1) whose stages come from ``BlockParams.from_init_params``;
RegNetY adds a squeeze-and-excitation block (se_ratio 0.25 of the block's input width) after the
grouped conv's ReLU.

docs/zoo/gen_regnet.py writes the zoo's specs from the same stage computation, ``stages``.
"""

from __future__ import annotations

import math

from .common import make_divisible, parts

# torchvision's documented figures: the weights enums' meta in torchvision/models/regnet.py
# (github.com/pytorch/vision, main), "num_params" and "_ops" (its docs' "GFLOPS" column, which
# counts MACs, bias excluded); GMACs are compared to the digits shown there.
PUBLISHED: dict[str, tuple[int, str]] = {
    "regnet_x_400mf": (5_495_976, "0.414"),
    "regnet_x_800mf": (7_259_656, "0.8"),
    "regnet_x_1_6gf": (9_190_136, "1.603"),
    "regnet_x_3_2gf": (15_296_552, "3.177"),
    "regnet_x_8gf": (39_572_648, "7.995"),
    "regnet_x_16gf": (54_278_536, "15.941"),
    "regnet_x_32gf": (107_811_560, "31.736"),
    "regnet_y_400mf": (4_344_144, "0.402"),
    "regnet_y_800mf": (6_432_512, "0.834"),
    "regnet_y_1_6gf": (11_202_430, "1.612"),
    "regnet_y_3_2gf": (19_436_338, "3.176"),
    "regnet_y_8gf": (39_381_472, "8.473"),
    "regnet_y_16gf": (83_590_140, "15.912"),
    "regnet_y_32gf": (145_046_770, "32.28"),
}

#: torchvision's regnet_<x|y>_* builders: BlockParams.from_init_params's arguments
#: (every regnet_y_* also passes se_ratio=0.25)
INIT_PARAMS: dict[str, dict[str, float]] = {
    "regnet_x_400mf": {"depth": 22, "w_0": 24, "w_a": 24.48, "w_m": 2.54, "group_width": 16},
    "regnet_x_800mf": {"depth": 16, "w_0": 56, "w_a": 35.73, "w_m": 2.28, "group_width": 16},
    "regnet_x_1_6gf": {"depth": 18, "w_0": 80, "w_a": 34.01, "w_m": 2.25, "group_width": 24},
    "regnet_x_3_2gf": {"depth": 25, "w_0": 88, "w_a": 26.31, "w_m": 2.25, "group_width": 48},
    "regnet_x_8gf": {"depth": 23, "w_0": 80, "w_a": 49.56, "w_m": 2.88, "group_width": 120},
    "regnet_x_16gf": {"depth": 22, "w_0": 216, "w_a": 55.59, "w_m": 2.1, "group_width": 128},
    "regnet_x_32gf": {"depth": 23, "w_0": 320, "w_a": 69.86, "w_m": 2.0, "group_width": 168},
    "regnet_y_400mf": {"depth": 16, "w_0": 48, "w_a": 27.89, "w_m": 2.09, "group_width": 8},
    "regnet_y_800mf": {"depth": 14, "w_0": 56, "w_a": 38.84, "w_m": 2.4, "group_width": 16},
    "regnet_y_1_6gf": {"depth": 27, "w_0": 48, "w_a": 20.71, "w_m": 2.65, "group_width": 24},
    "regnet_y_3_2gf": {"depth": 21, "w_0": 80, "w_a": 42.63, "w_m": 2.66, "group_width": 24},
    "regnet_y_8gf": {"depth": 17, "w_0": 192, "w_a": 76.82, "w_m": 2.19, "group_width": 56},
    "regnet_y_16gf": {"depth": 18, "w_0": 200, "w_a": 106.23, "w_m": 2.48, "group_width": 112},
    "regnet_y_32gf": {"depth": 20, "w_0": 232, "w_a": 115.89, "w_m": 2.53, "group_width": 232},
}

SE_RATIO = 0.25  # RegNetY; RegNetX has no SE


def stages(torch, depth, w_0, w_a, w_m, group_width) -> list[tuple[int, int, int]]:
    """torchvision's BlockParams.from_init_params (bottleneck multiplier 1): the stages'
    (width, depth, group width), computed in torch's float32 as torchvision does."""
    widths_cont = torch.arange(depth, device="cpu") * w_a + w_0  # not on meta
    capacity = torch.round(torch.log(widths_cont / w_0) / math.log(w_m))
    widths = (torch.round(torch.divide(w_0 * torch.pow(w_m, capacity), 8)) * 8).int().tolist()
    splits = [
        w != wp or r != rp
        for w, wp, r, rp in zip([*widths, 0], [0, *widths], [*widths, 0], [0, *widths])
    ]
    stage_widths = [w for w, t in zip(widths, splits[:-1]) if t]
    stage_depths = torch.diff(
        torch.tensor([d for d, t in enumerate(splits) if t], device="cpu")
    ).tolist()
    groups = [min(group_width, w) for w in stage_widths]
    stage_widths = [make_divisible(w, g) for w, g in zip(stage_widths, groups)]
    return list(zip(stage_widths, stage_depths, groups))


def se_ratio(name: str) -> float | None:
    return SE_RATIO if name.startswith("regnet_y_") else None


def models(torch) -> dict:
    """Each network's builder and its input (C, H, W), by zoo name."""
    nn = torch.nn
    F = torch.nn.functional
    shared = parts(torch)
    SqueezeExcitation, conv_bn = shared.SqueezeExcitation, shared.conv_bn

    class RegNetBlock(nn.Module):
        def __init__(self, cin, w, stride, group_width, se_ratio):
            super().__init__()
            layers = [*conv_bn(cin, w), nn.ReLU(), *conv_bn(w, w, 3, stride, w // group_width)]
            layers.append(nn.ReLU())
            if se_ratio:  # the SE width is relative to the block's input width
                layers.append(SqueezeExcitation(w, round(se_ratio * cin)))
            self.f = nn.Sequential(*layers, *conv_bn(w, w))
            project = cin != w or stride != 1
            self.proj = nn.Sequential(*conv_bn(cin, w, 1, stride)) if project else None

        def forward(self, x):  # the body runs first, as convcalc lists res branches
            f = self.f(x)
            return F.relu(f + (self.proj(x) if self.proj is not None else x))

    def regnet(name):
        def build():
            layers = [*conv_bn(3, 32, 3, 2), nn.ReLU()]
            c = 32
            for w, depth, group_width in stages(torch, **INIT_PARAMS[name]):
                for i in range(depth):
                    stride = 2 if i == 0 else 1
                    layers.append(RegNetBlock(c, w, stride, group_width, se_ratio(name)))
                    c = w
            layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 1000)]
            return nn.Sequential(*layers)

        return build

    return {name: (regnet(name), (3, 224, 224)) for name in INIT_PARAMS}
