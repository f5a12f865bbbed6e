"""MobileNetV3 in torch.nn, following torchvision's source (github.com/pytorch/vision,
torchvision/models/mobilenetv3.py; its SqueezeExcitation from torchvision/ops/misc.py)."""

from __future__ import annotations

from .common import make_divisible, parts

# torchvision's documented figures: the weights enums' meta in torchvision/models/mobilenetv3.py
# (github.com/pytorch/vision, main), "num_params" and "_ops" (its docs' "GFLOPS" column, which
# counts MACs, bias excluded); GMACs are compared to the digits shown there.
PUBLISHED: dict[str, tuple[int, str]] = {
    "mobilenet_v3_large": (5_483_032, "0.217"),
    "mobilenet_v3_small": (2_542_856, "0.057"),
}

#: torchvision's _mobilenet_v3_conf (width_mult 1, no dilation, no reduced tail): the
#: inverted residual settings (input, kernel, expanded, output, use_se, activation, stride),
#: and last_channel, the classifier's hidden width
SETTINGS: dict[str, tuple[list[tuple[int, int, int, int, bool, str, int]], int]] = {
    "mobilenet_v3_large": (
        [
            (16, 3, 16, 16, False, "RE", 1),
            (16, 3, 64, 24, False, "RE", 2),
            (24, 3, 72, 24, False, "RE", 1),
            (24, 5, 72, 40, True, "RE", 2),
            (40, 5, 120, 40, True, "RE", 1),
            (40, 5, 120, 40, True, "RE", 1),
            (40, 3, 240, 80, False, "HS", 2),
            (80, 3, 200, 80, False, "HS", 1),
            (80, 3, 184, 80, False, "HS", 1),
            (80, 3, 184, 80, False, "HS", 1),
            (80, 3, 480, 112, True, "HS", 1),
            (112, 3, 672, 112, True, "HS", 1),
            (112, 5, 672, 160, True, "HS", 2),
            (160, 5, 960, 160, True, "HS", 1),
            (160, 5, 960, 160, True, "HS", 1),
        ],
        1280,
    ),
    "mobilenet_v3_small": (
        [
            (16, 3, 16, 16, True, "RE", 2),
            (16, 3, 72, 24, False, "RE", 2),
            (24, 3, 88, 24, False, "RE", 1),
            (24, 5, 96, 40, True, "HS", 2),
            (40, 5, 240, 40, True, "HS", 1),
            (40, 5, 240, 40, True, "HS", 1),
            (40, 5, 120, 48, True, "HS", 1),
            (48, 5, 144, 48, True, "HS", 1),
            (48, 5, 288, 96, True, "HS", 2),
            (96, 5, 576, 96, True, "HS", 1),
            (96, 5, 576, 96, True, "HS", 1),
        ],
        1024,
    ),
}


def squeeze_width(expanded: int) -> int:
    """torchvision's SE width: _make_divisible(expanded // 4, 8)."""
    return make_divisible(expanded // 4, 8)


def models(torch) -> dict:
    """Each network's builder and its input (C, H, W), by zoo name."""
    nn = torch.nn
    SqueezeExcitationLayers = parts(torch).SqueezeExcitationLayers

    def conv_norm_act(cin, cout, kernel, stride=1, groups=1, activation=None):
        layers = [
            nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
            nn.BatchNorm2d(cout, eps=0.001, momentum=0.01),
        ]
        return layers + ([activation()] if activation else [])

    class InvertedResidual(nn.Module):
        def __init__(self, cin, kernel, expanded, cout, use_se, act, stride):
            super().__init__()
            self.use_res_connect = stride == 1 and cin == cout
            activation = nn.Hardswish if act == "HS" else nn.ReLU
            layers = []
            if expanded != cin:
                layers += conv_norm_act(cin, expanded, 1, activation=activation)
            layers += conv_norm_act(expanded, expanded, kernel, stride, expanded, activation)
            if use_se:
                squeeze = squeeze_width(expanded)
                layers.append(SqueezeExcitationLayers(expanded, squeeze, nn.ReLU, nn.Hardsigmoid))
            layers += conv_norm_act(expanded, cout, 1)
            self.block = nn.Sequential(*layers)

        def forward(self, x):
            result = self.block(x)
            return result + x if self.use_res_connect else result

    def mobilenet_v3(settings, last_channel):
        def build():
            first, last = settings[0][0], settings[-1][3]
            layers = conv_norm_act(3, first, 3, 2, activation=nn.Hardswish)
            layers += [InvertedResidual(*s) for s in settings]
            layers += conv_norm_act(last, 6 * last, 1, activation=nn.Hardswish)
            layers += [
                nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                nn.Linear(6 * last, last_channel), nn.Hardswish(inplace=True),
                nn.Dropout(p=0.2, inplace=True), nn.Linear(last_channel, 1000),
            ]  # fmt: skip
            return nn.Sequential(*layers)

        return build

    return {name: (mobilenet_v3(*s), (3, 224, 224)) for name, s in SETTINGS.items()}
