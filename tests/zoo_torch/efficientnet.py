"""EfficientNet B0–B7 and EfficientNetV2 S/M/L in torch.nn, following torchvision's source
(github.com/pytorch/vision, torchvision/models/efficientnet.py: MBConvConfig, MBConv,
FusedMBConv, EfficientNet, _efficientnet_conf), each at the crop size of its weights'
transforms, at which torchvision counted its ``_ops``."""

from __future__ import annotations

import math
from functools import partial

from .common import parts

# torchvision's documented figures: the weights enums' meta in torchvision/models/efficientnet.py
# (github.com/pytorch/vision, main), "num_params" and "_ops" (GFLOPS in its docs, counting MACs)
PUBLISHED: dict[str, tuple[int, str]] = {
    "efficientnet_b0": (5_288_548, "0.386"),
    "efficientnet_b1": (7_794_184, "0.687"),
    "efficientnet_b2": (9_109_994, "1.088"),
    "efficientnet_b3": (12_233_232, "1.827"),
    "efficientnet_b4": (19_341_616, "4.394"),
    "efficientnet_b5": (30_389_784, "10.266"),
    "efficientnet_b6": (43_040_704, "19.068"),
    "efficientnet_b7": (66_347_960, "37.746"),
    "efficientnet_v2_s": (21_458_488, "8.366"),
    "efficientnet_v2_m": (54_139_356, "24.582"),
    "efficientnet_v2_l": (118_515_272, "56.08"),
}

# (expand ratio, kernel, stride, C in, C out, blocks) of _efficientnet_conf; V2 rows start
# with True for FusedMBConvConfig, False for MBConvConfig
B0 = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
      (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)]  # fmt: skip
V2 = {
    "s": [(True, 1, 3, 1, 24, 24, 2), (True, 4, 3, 2, 24, 48, 4), (True, 4, 3, 2, 48, 64, 4),
          (False, 4, 3, 2, 64, 128, 6), (False, 6, 3, 1, 128, 160, 9),
          (False, 6, 3, 2, 160, 256, 15)],
    "m": [(True, 1, 3, 1, 24, 24, 3), (True, 4, 3, 2, 24, 48, 5), (True, 4, 3, 2, 48, 80, 5),
          (False, 4, 3, 2, 80, 160, 7), (False, 6, 3, 1, 160, 176, 14),
          (False, 6, 3, 2, 176, 304, 18), (False, 6, 3, 1, 304, 512, 5)],
    "l": [(True, 1, 3, 1, 32, 32, 4), (True, 4, 3, 2, 32, 64, 7), (True, 4, 3, 2, 64, 96, 7),
          (False, 4, 3, 2, 96, 192, 10), (False, 6, 3, 1, 192, 224, 19),
          (False, 6, 3, 2, 224, 384, 25), (False, 6, 3, 1, 384, 640, 7)],
}  # fmt: skip
# (width_mult, depth_mult, dropout, crop size); B5–B7 use BatchNorm2d(eps=1e-3, momentum=0.01)
V1_VARIANTS = {
    "b0": (1.0, 1.0, 0.2, 224), "b1": (1.0, 1.1, 0.2, 240), "b2": (1.1, 1.2, 0.3, 288),
    "b3": (1.2, 1.4, 0.3, 300), "b4": (1.4, 1.8, 0.4, 380), "b5": (1.6, 2.2, 0.4, 456),
    "b6": (1.8, 2.6, 0.5, 528), "b7": (2.0, 3.1, 0.5, 600),
}  # fmt: skip
V2_VARIANTS = {"s": (0.2, 384), "m": (0.3, 480), "l": (0.4, 480)}  # (dropout, crop size)


def models(torch) -> dict:
    """Each network's builder and its input (C, H, W), by zoo name."""
    nn = torch.nn
    shared = parts(torch)
    make_divisible = shared.make_divisible

    def conv_norm_act(cin, cout, kernel, stride=1, groups=1, norm=nn.BatchNorm2d, act=True):
        """torchvision's Conv2dNormActivation: padding (k − 1) / 2, no bias before the norm."""
        layers = [nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, groups=groups,
                            bias=False), norm(cout)]  # fmt: skip
        return [*layers, nn.SiLU(inplace=True)] if act else layers

    class Block(nn.Module):
        """MBConv or FusedMBConv: the body, then (stride 1, channels kept) stochastic depth
        and the residual add."""

        def __init__(self, fused, expand, kernel, stride, cin, cout, norm, sd_prob):
            super().__init__()
            self.use_res_connect = stride == 1 and cin == cout
            mid = make_divisible(cin * expand, 8)
            layers = []
            if fused:
                if mid != cin:
                    layers += conv_norm_act(cin, mid, kernel, stride, norm=norm)
                    layers += conv_norm_act(mid, cout, 1, norm=norm, act=False)
                else:
                    layers += conv_norm_act(cin, cout, kernel, stride, norm=norm)
            else:
                if mid != cin:
                    layers += conv_norm_act(cin, mid, 1, norm=norm)
                layers += conv_norm_act(mid, mid, kernel, stride, groups=mid, norm=norm)
                layers.append(shared.SqueezeExcitationLayers(mid, max(1, cin // 4), nn.SiLU))
                layers += conv_norm_act(mid, cout, 1, norm=norm, act=False)
            self.block = nn.Sequential(*layers)
            self.stochastic_depth = shared.StochasticDepth(sd_prob)

        def forward(self, x):
            result = self.block(x)
            if self.use_res_connect:
                result = self.stochastic_depth(result) + x
            return result

    def efficientnet(setting, dropout, last_channel, norm):
        """EfficientNet: the stem, the stages (stochastic depth 0.2 · block / blocks), the
        head. ``setting`` rows are (fused, expand, kernel, stride, C in, C out, blocks)."""
        layers = conv_norm_act(3, setting[0][4], 3, 2, norm=norm)
        total = sum(row[-1] for row in setting)
        block_id = 0
        for fused, expand, kernel, stride, cin, cout, blocks in setting:
            for i in range(blocks):
                sd_prob = 0.2 * block_id / total
                first = i == 0
                layers.append(Block(fused, expand, kernel, stride if first else 1,
                                    cin if first else cout, cout, norm, sd_prob))  # fmt: skip
                block_id += 1
        last_in = setting[-1][5]
        last = last_channel or 4 * last_in
        layers += conv_norm_act(last_in, last, 1, norm=norm)
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout),
                   nn.Linear(last, 1000)]  # fmt: skip
        return nn.Sequential(*layers)

    def v1(variant, width, depth, dropout):
        def adjust(c):
            return make_divisible(c * width, 8)

        setting = [
            (False, e, k, s, adjust(ci), adjust(co), math.ceil(n * depth))
            for e, k, s, ci, co, n in B0
        ]
        norm = nn.BatchNorm2d
        if variant in ("b5", "b6", "b7"):
            norm = partial(nn.BatchNorm2d, eps=1e-3, momentum=0.01)
        return lambda: efficientnet(setting, dropout, None, norm)

    def v2(variant, dropout):
        norm = partial(nn.BatchNorm2d, eps=1e-3)
        return lambda: efficientnet(V2[variant], dropout, 1280, norm)

    found = {
        f"efficientnet_{v}": (v1(v, width, depth, dropout), (3, size, size))
        for v, (width, depth, dropout, size) in V1_VARIANTS.items()
    }
    found |= {
        f"efficientnet_v2_{v}": (v2(v, dropout), (3, size, size))
        for v, (dropout, size) in V2_VARIANTS.items()
    }
    return found
