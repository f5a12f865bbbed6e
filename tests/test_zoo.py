"""The model zoo: every spec parses, matches its published figures, and matches the same network
built by hand in torch.nn (following torchvision's source; torchvision itself is not a test
dependency), layer by layer.

Expected numbers come from PyTorch (``sum(p.numel())`` and MACs counted by forward hooks) and
from torchvision's published table — never from convcalc's own output.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from dataclasses import FrozenInstanceError
from functools import cache
from itertools import pairwise
from math import prod
from pathlib import Path

import pytest
from conftest import require_torch

import convcalc
from convcalc import zoo
from convcalc.errors import ConvcalcError

# torchvision's documented figures: the weights enums' meta in torchvision/models/<family>.py
# (github.com/pytorch/vision, main), "num_params" and "_ops" (its docs' "GFLOPS" column, which
# counts MACs, bias excluded); GMACs are compared to the digits shown there.
PUBLISHED = {
    "alexnet": (61_100_840, "0.714"),  # alexnet.py
    "vgg11": (132_863_336, "7.609"),  # vgg.py
    "vgg11_bn": (132_868_840, "7.609"),
    "vgg13": (133_047_848, "11.308"),
    "vgg13_bn": (133_053_736, "11.308"),
    "vgg16": (138_357_544, "15.47"),
    "vgg16_bn": (138_365_992, "15.47"),
    "vgg19": (143_667_240, "19.632"),
    "vgg19_bn": (143_678_248, "19.632"),
    "resnet18": (11_689_512, "1.814"),  # resnet.py
    "resnet34": (21_797_672, "3.664"),
    "resnet50": (25_557_032, "4.089"),
    "resnet101": (44_549_160, "7.801"),
    "resnet152": (60_192_808, "11.514"),
    "resnext50_32x4d": (25_028_904, "4.23"),
    "resnext101_32x8d": (88_791_336, "16.414"),
    "resnext101_64x4d": (83_455_272, "15.46"),
    "wide_resnet50_2": (68_883_240, "11.398"),
    "wide_resnet101_2": (126_886_696, "22.753"),
    "squeezenet1_0": (1_248_424, "0.819"),  # squeezenet.py
    "squeezenet1_1": (1_235_496, "0.349"),
    "densenet121": (7_978_856, "2.834"),  # densenet.py
    "densenet161": (28_681_000, "7.728"),
    "densenet169": (14_149_480, "3.36"),
    "densenet201": (20_013_928, "4.291"),
    "googlenet": (6_624_904, "1.498"),  # googlenet.py
    "mnasnet0_5": (2_218_512, "0.104"),  # mnasnet.py
    "mnasnet0_75": (3_170_208, "0.215"),
    "mnasnet1_0": (4_383_312, "0.314"),
    "mnasnet1_3": (6_282_256, "0.526"),
    "mobilenet_v2": (3_504_872, "0.301"),  # mobilenetv2.py
    "regnet_x_400mf": (5_495_976, "0.414"),  # regnet.py
    "regnet_x_800mf": (7_259_656, "0.8"),
    "regnet_x_1_6gf": (9_190_136, "1.603"),
    "regnet_x_3_2gf": (15_296_552, "3.177"),
    "regnet_x_8gf": (39_572_648, "7.995"),
    "regnet_x_16gf": (54_278_536, "15.941"),
    "regnet_x_32gf": (107_811_560, "31.736"),
}

# zoo models with no published total (the paper gives none for the form written here)
UNPUBLISHED = ["lenet5", "unet"]

TORCHVISION = sorted(PUBLISHED)
NAMES = sorted([*PUBLISHED, *UNPUBLISHED])


def gmacs(macs: int, shown: str = "0.000") -> str:
    """MACs in G, written to as many decimals as ``shown`` has."""
    return f"{macs / 1e9:.{len(shown.partition('.')[2])}f}"


# --------------------------------------------------------------------------------------------
# the zoo as data


def test_the_zoo_lists_every_model_sorted():
    names = [m.name for m in zoo.models() if not m.keras]
    assert names == NAMES


@pytest.mark.parametrize("model", zoo.models(), ids=lambda m: m.name)
def test_spec_parses_and_matches_published(model: zoo.ZooModel):
    assert model.title and model.source
    assert "#" not in model.spec and "\n" not in model.spec
    report = convcalc.analyze(model.spec)
    assert model.matches(report.totals) is (None if model.name in UNPUBLISHED else True)
    if model.params is not None:
        assert model.counted_params(report.totals) == model.params
    if model.gmacs is not None:
        assert float(gmacs(report.totals.macs, str(model.gmacs))) == model.gmacs


@pytest.mark.parametrize("name", NAMES)
def test_header_figures_are_torchvisions(name: str):
    model = zoo.get(name)
    params, shown = PUBLISHED.get(name, (None, None))
    assert (model.params, model.gmacs) == (params, float(shown) if shown else None)
    if shown:
        assert model.gmacs_decimals == len(shown.partition(".")[2])


def test_matches_compares_to_the_digits_shown():
    model = zoo.get("resnext50_32x4d")  # published 4.23 GMACs: two decimals
    totals = convcalc.analyze(model.spec).totals
    assert model.matches(totals)
    # 4.2349… G still shows as 4.23, 4.2351 G does not; one parameter more never matches
    assert model.matches(totals.model_copy(update={"macs": 4_234_900_000}))
    assert not model.matches(totals.model_copy(update={"macs": 4_235_100_000}))
    assert not model.matches(totals.model_copy(update={"trainable_params": model.params + 1}))
    assert zoo.get("lenet5").matches(totals) is None


@pytest.mark.parametrize("name", NAMES)
def test_analyze_is_fast(name: str):
    spec = zoo.get(name).spec
    start = time.perf_counter()
    convcalc.analyze(spec)
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize(
    ("asked", "name"),
    [
        ("resnet18", "resnet18"),
        ("ResNet-18", "resnet18"),
        ("RESNET_18", "resnet18"),
        ("MobileNet-V2", "mobilenet_v2"),
        ("mobilenetv2", "mobilenet_v2"),
        ("SqueezeNet1-0", "squeezenet1_0"),
        ("VGG16", "vgg16"),
    ],
)
def test_get_ignores_case_dashes_and_underscores(asked: str, name: str):
    assert zoo.get(asked).name == name


def test_get_unknown_suggests_a_close_name():
    with pytest.raises(ConvcalcError) as info:
        zoo.get("resnet19")
    err = info.value
    assert isinstance(err, ValueError)
    assert "did you mean 'resnet18'" in err.message
    assert (err.token, err.position) == ("resnet19", 0)


def test_get_unknown_without_close_name_lists_the_zoo():
    with pytest.raises(ConvcalcError) as info:
        zoo.get("transformer")
    assert "did you mean" not in info.value.message
    assert "lenet5" in info.value.message


def test_models_are_frozen():
    with pytest.raises(FrozenInstanceError):
        zoo.get("vgg11").params = 1  # type: ignore[misc]


def test_notes_and_body_comments():
    googlenet = zoo.get("googlenet")
    assert "ceil_mode=True" in googlenet.notes
    assert "3a" not in googlenet.spec  # a comment inside the spec body is stripped
    assert zoo.get("lenet5").params is None


def test_spec_file_format(tmp_path):
    text = (
        "# name: toy\n# title: Toy\n# source: here\n# params: 1,234\n# gmacs: 0.5\n"
        "# a note\n#   on two lines\n\n28x28x1   # input\nconv3x8 # a conv\n\n dense10\n"
    )
    model = zoo._parse_file("toy", text)
    assert model == zoo.ZooModel(
        name="toy",
        title="Toy",
        source="here",
        spec="28x28x1 conv3x8 dense10",
        params=1234,
        gmacs=0.5,
        notes="a note on two lines",
        gmacs_decimals=1,
    )


def test_importing_the_zoo_reads_no_file():
    code = "import convcalc.zoo as z; print(z._load.cache_info().currsize)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


# --------------------------------------------------------------------------------------------
# the same networks in torch.nn, following torchvision's source


def _torch_models(torch):
    nn = torch.nn
    F = torch.nn.functional

    def lenet5():
        return nn.Sequential(
            nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2),
            nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
            nn.Conv2d(16, 120, 5), nn.Tanh(),
            nn.Flatten(), nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10),
        )  # fmt: skip

    class AlexNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
                nn.Conv2d(64, 192, kernel_size=5, padding=2),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
                nn.Conv2d(192, 384, kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv2d(384, 256, kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.Conv2d(256, 256, kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=3, stride=2),
            )
            self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
            self.flatten = nn.Flatten()
            self.classifier = nn.Sequential(
                nn.Dropout(p=0.5),
                nn.Linear(256 * 6 * 6, 4096),
                nn.ReLU(inplace=True),
                nn.Dropout(p=0.5),
                nn.Linear(4096, 4096),
                nn.ReLU(inplace=True),
                nn.Linear(4096, 1000),
            )

        def forward(self, x):
            return self.classifier(self.flatten(self.avgpool(self.features(x))))

    vgg_cfgs = {
        "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
        "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
        "vgg16": [64, 64, "M", 128, 128, "M", *[256] * 3, "M", *[512] * 3, "M", *[512] * 3, "M"],
        "vgg19": [64, 64, "M", 128, 128, "M", *[256] * 4, "M", *[512] * 4, "M", *[512] * 4, "M"],
    }

    class VGG(nn.Module):
        def __init__(self, cfg, batch_norm=False):
            super().__init__()
            layers: list = []
            c = 3
            for v in cfg:
                if v == "M":
                    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
                else:
                    layers.append(nn.Conv2d(c, v, kernel_size=3, padding=1))
                    layers += [nn.BatchNorm2d(v)] if batch_norm else []
                    layers.append(nn.ReLU(inplace=True))
                    c = v
            self.features = nn.Sequential(*layers)
            self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
            self.flatten = nn.Flatten()
            self.classifier = nn.Sequential(
                nn.Linear(512 * 7 * 7, 4096),
                nn.ReLU(True),
                nn.Dropout(p=0.5),
                nn.Linear(4096, 4096),
                nn.ReLU(True),
                nn.Dropout(p=0.5),
                nn.Linear(4096, 1000),
            )

        def forward(self, x):
            return self.classifier(self.flatten(self.avgpool(self.features(x))))

    def conv3x3(cin, cout, stride=1, groups=1):
        return nn.Conv2d(
            cin, cout, kernel_size=3, stride=stride, padding=1, groups=groups, bias=False
        )

    def conv1x1(cin, cout, stride=1):
        return nn.Conv2d(cin, cout, kernel_size=1, stride=stride, bias=False)

    class BasicBlock(nn.Module):
        expansion = 1

        def __init__(self, inplanes, planes, stride=1, downsample=None, **_):
            super().__init__()
            self.conv1 = conv3x3(inplanes, planes, stride)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = conv3x3(planes, planes)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = downsample

        def forward(self, x):
            identity = x
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            if self.downsample is not None:
                identity = self.downsample(x)
            return self.relu(out + identity)

    class Bottleneck(nn.Module):
        expansion = 4

        def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1, base_width=64):
            super().__init__()
            width = int(planes * (base_width / 64.0)) * groups  # ResNeXt / Wide ResNet
            self.conv1 = conv1x1(inplanes, width)
            self.bn1 = nn.BatchNorm2d(width)
            self.conv2 = conv3x3(width, width, stride, groups)  # v1.5: the stride is on the 3×3
            self.bn2 = nn.BatchNorm2d(width)
            self.conv3 = conv1x1(width, planes * self.expansion)
            self.bn3 = nn.BatchNorm2d(planes * self.expansion)
            self.relu = nn.ReLU(inplace=True)
            self.downsample = downsample

        def forward(self, x):
            identity = x
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.relu(self.bn2(self.conv2(out)))
            out = self.bn3(self.conv3(out))
            if self.downsample is not None:
                identity = self.downsample(x)
            return self.relu(out + identity)

    class ResNet(nn.Module):
        def __init__(self, block, layers, groups=1, width_per_group=64):
            super().__init__()
            self.inplanes = 64
            self.width = {"groups": groups, "base_width": width_per_group}
            self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
            self.layer1 = self._make_layer(block, 64, layers[0])
            self.layer2 = self._make_layer(block, 128, layers[1], stride=2)
            self.layer3 = self._make_layer(block, 256, layers[2], stride=2)
            self.layer4 = self._make_layer(block, 512, layers[3], stride=2)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.flatten = nn.Flatten()
            self.fc = nn.Linear(512 * block.expansion, 1000)

        def _make_layer(self, block, planes, blocks, stride=1):
            downsample = None
            if stride != 1 or self.inplanes != planes * block.expansion:
                downsample = nn.Sequential(
                    conv1x1(self.inplanes, planes * block.expansion, stride),
                    nn.BatchNorm2d(planes * block.expansion),
                )
            layers = [block(self.inplanes, planes, stride, downsample, **self.width)]
            self.inplanes = planes * block.expansion
            layers += [block(self.inplanes, planes, **self.width) for _ in range(1, blocks)]
            return nn.Sequential(*layers)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(self.flatten(self.avgpool(x)))

    def conv_norm_act(cin, cout, kernel_size=3, stride=1, groups=1):
        return nn.Sequential(
            nn.Conv2d(
                cin, cout, kernel_size, stride, (kernel_size - 1) // 2, groups=groups, bias=False
            ),
            nn.BatchNorm2d(cout),
            nn.ReLU6(inplace=True),
        )

    class InvertedResidual(nn.Module):
        def __init__(self, inp, oup, stride, expand_ratio):
            super().__init__()
            hidden_dim = round(inp * expand_ratio)
            self.use_res_connect = stride == 1 and inp == oup
            layers = []
            if expand_ratio != 1:
                layers.append(conv_norm_act(inp, hidden_dim, kernel_size=1))
            layers += [
                conv_norm_act(hidden_dim, hidden_dim, stride=stride, groups=hidden_dim),
                nn.Conv2d(hidden_dim, oup, 1, 1, 0, bias=False),
                nn.BatchNorm2d(oup),
            ]
            self.conv = nn.Sequential(*layers)

        def forward(self, x):
            if self.use_res_connect:
                return x + self.conv(x)
            return self.conv(x)

    class MobileNetV2(nn.Module):
        def __init__(self):
            super().__init__()
            settings = [
                [1, 16, 1, 1],
                [6, 24, 2, 2],
                [6, 32, 3, 2],
                [6, 64, 4, 2],
                [6, 96, 3, 1],
                [6, 160, 3, 2],
                [6, 320, 1, 1],
            ]
            features = [conv_norm_act(3, 32, stride=2)]
            c = 32
            for t, out, n, s in settings:
                for i in range(n):
                    features.append(InvertedResidual(c, out, s if i == 0 else 1, t))
                    c = out
            features.append(conv_norm_act(c, 1280, kernel_size=1))
            self.features = nn.Sequential(*features)
            self.pool = nn.AdaptiveAvgPool2d((1, 1))
            self.flatten = nn.Flatten()
            self.classifier = nn.Sequential(nn.Dropout(p=0.2), nn.Linear(1280, 1000))

        def forward(self, x):
            return self.classifier(self.flatten(self.pool(self.features(x))))

    class BasicConv2d(nn.Module):
        def __init__(self, cin, cout, **kwargs):
            super().__init__()
            self.conv = nn.Conv2d(cin, cout, bias=False, **kwargs)
            self.bn = nn.BatchNorm2d(cout, eps=0.001)

        def forward(self, x):
            return F.relu(self.bn(self.conv(x)), inplace=True)

    class Inception(nn.Module):
        def __init__(self, cin, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj):
            super().__init__()
            self.branch1 = BasicConv2d(cin, ch1x1, kernel_size=1)
            self.branch2 = nn.Sequential(
                BasicConv2d(cin, ch3x3red, kernel_size=1),
                BasicConv2d(ch3x3red, ch3x3, kernel_size=3, padding=1),
            )
            self.branch3 = nn.Sequential(
                BasicConv2d(cin, ch5x5red, kernel_size=1),
                # torchvision's "5×5" branch is a 3×3 conv
                BasicConv2d(ch5x5red, ch5x5, kernel_size=3, padding=1),
            )
            self.branch4 = nn.Sequential(
                nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),
                BasicConv2d(cin, pool_proj, kernel_size=1),
            )

        def forward(self, x):
            branches = (self.branch1, self.branch2, self.branch3, self.branch4)
            return torch.cat([b(x) for b in branches], 1)

    class GoogLeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = BasicConv2d(3, 64, kernel_size=7, stride=2, padding=3)
            self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
            self.conv2 = BasicConv2d(64, 64, kernel_size=1)
            self.conv3 = BasicConv2d(64, 192, kernel_size=3, padding=1)
            self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
            self.inception3a = Inception(192, 64, 96, 128, 16, 32, 32)
            self.inception3b = Inception(256, 128, 128, 192, 32, 96, 64)
            self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
            self.inception4a = Inception(480, 192, 96, 208, 16, 48, 64)
            self.inception4b = Inception(512, 160, 112, 224, 24, 64, 64)
            self.inception4c = Inception(512, 128, 128, 256, 24, 64, 64)
            self.inception4d = Inception(512, 112, 144, 288, 32, 64, 64)
            self.inception4e = Inception(528, 256, 160, 320, 32, 128, 128)
            self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
            self.inception5a = Inception(832, 256, 160, 320, 32, 128, 128)
            self.inception5b = Inception(832, 384, 192, 384, 48, 128, 128)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.flatten = nn.Flatten()
            self.dropout = nn.Dropout(p=0.2)
            self.fc = nn.Linear(1024, 1000)

        def forward(self, x):
            for name in (
                "conv1 maxpool1 conv2 conv3 maxpool2 inception3a inception3b maxpool3 "
                "inception4a inception4b inception4c inception4d inception4e maxpool4 "
                "inception5a inception5b avgpool flatten dropout fc"
            ).split():
                x = getattr(self, name)(x)
            return x

    class Fire(nn.Module):
        def __init__(self, inplanes, squeeze_planes, expand1x1_planes, expand3x3_planes):
            super().__init__()
            self.squeeze = nn.Conv2d(inplanes, squeeze_planes, kernel_size=1)
            self.squeeze_activation = nn.ReLU(inplace=True)
            self.expand1x1 = nn.Conv2d(squeeze_planes, expand1x1_planes, kernel_size=1)
            self.expand1x1_activation = nn.ReLU(inplace=True)
            self.expand3x3 = nn.Conv2d(squeeze_planes, expand3x3_planes, kernel_size=3, padding=1)
            self.expand3x3_activation = nn.ReLU(inplace=True)

        def forward(self, x):
            x = self.squeeze_activation(self.squeeze(x))
            return torch.cat(
                [
                    self.expand1x1_activation(self.expand1x1(x)),
                    self.expand3x3_activation(self.expand3x3(x)),
                ],
                1,
            )

    def squeezenet1_0():
        return nn.Sequential(
            nn.Conv2d(3, 96, kernel_size=7, stride=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
            Fire(96, 16, 64, 64),
            Fire(128, 16, 64, 64),
            Fire(128, 32, 128, 128),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
            Fire(256, 32, 128, 128),
            Fire(256, 48, 192, 192),
            Fire(384, 48, 192, 192),
            Fire(384, 64, 256, 256),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
            Fire(512, 64, 256, 256),
            nn.Dropout(p=0.5),
            nn.Conv2d(512, 1000, kernel_size=1),
            nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d((1, 1)),
            nn.Flatten(),
        )

    def double_conv(cin, cout):
        return nn.Sequential(
            nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU(inplace=True),
        )  # fmt: skip

    class UNet(nn.Module):
        """Ronneberger et al. 2015 with padding-1 convs: 4 levels, a 1024-channel bottom."""

        def __init__(self, in_channels=1, classes=2, widths=(64, 128, 256, 512, 1024)):
            super().__init__()
            self.inc = double_conv(in_channels, widths[0])
            self.downs = nn.ModuleList(
                nn.Sequential(nn.MaxPool2d(2), double_conv(a, b)) for a, b in pairwise(widths)
            )
            rev = widths[::-1]
            self.ups = nn.ModuleList(
                nn.ConvTranspose2d(a, b, kernel_size=2, stride=2) for a, b in pairwise(rev)
            )
            self.up_convs = nn.ModuleList(double_conv(a, b) for a, b in pairwise(rev))
            self.outc = nn.Conv2d(widths[0], classes, kernel_size=1)

        def forward(self, x):
            x = self.inc(x)
            skips = []
            for down in self.downs:
                skips.append(x)
                x = down(x)
            for up, conv, skip in zip(self.ups, self.up_convs, reversed(skips)):
                x = conv(torch.cat([skip, up(x)], 1))
            return self.outc(x)

    def squeezenet1_1():
        return nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=3, stride=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
            Fire(64, 16, 64, 64),
            Fire(128, 16, 64, 64),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
            Fire(128, 32, 128, 128),
            Fire(256, 32, 128, 128),
            nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
            Fire(256, 48, 192, 192),
            Fire(384, 48, 192, 192),
            Fire(384, 64, 256, 256),
            Fire(512, 64, 256, 256),
            nn.Dropout(p=0.5),
            nn.Conv2d(512, 1000, kernel_size=1),
            nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d((1, 1)),
            nn.Flatten(),
        )

    class DenseLayer(nn.Module):
        def __init__(self, cin, growth, bn_size):
            super().__init__()
            self.body = nn.Sequential(
                nn.BatchNorm2d(cin), nn.ReLU(inplace=True),
                nn.Conv2d(cin, bn_size * growth, kernel_size=1, bias=False),
                nn.BatchNorm2d(bn_size * growth), nn.ReLU(inplace=True),
                nn.Conv2d(bn_size * growth, growth, kernel_size=3, padding=1, bias=False),
            )  # fmt: skip

        def forward(self, x):  # torchvision concatenates every earlier output, oldest first
            return torch.cat([x, self.body(x)], 1)

    def densenet(growth, blocks, init, bn_size=4):
        layers = [
            nn.Conv2d(3, init, kernel_size=7, stride=2, padding=3, bias=False),
            nn.BatchNorm2d(init), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        ]  # fmt: skip
        c = init
        for i, n in enumerate(blocks):
            for _ in range(n):
                layers.append(DenseLayer(c, growth, bn_size))
                c += growth
            if i != len(blocks) - 1:  # transition
                layers += [
                    nn.BatchNorm2d(c), nn.ReLU(inplace=True),
                    nn.Conv2d(c, c // 2, kernel_size=1, bias=False),
                    nn.AvgPool2d(kernel_size=2, stride=2),
                ]  # fmt: skip
                c //= 2
        layers += [
            nn.BatchNorm2d(c), nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(c, 1000),
        ]  # fmt: skip
        return nn.Sequential(*layers)

    class MnasResidual(nn.Module):
        def __init__(self, cin, cout, kernel, stride, expansion):
            super().__init__()
            mid = cin * expansion
            self.apply_residual = cin == cout and stride == 1
            self.layers = nn.Sequential(
                nn.Conv2d(cin, mid, 1, bias=False), nn.BatchNorm2d(mid), nn.ReLU(inplace=True),
                nn.Conv2d(mid, mid, kernel, padding=kernel // 2, stride=stride, groups=mid,
                          bias=False),
                nn.BatchNorm2d(mid), nn.ReLU(inplace=True),
                nn.Conv2d(mid, cout, 1, bias=False), nn.BatchNorm2d(cout),
            )  # fmt: skip

        def forward(self, x):
            return self.layers(x) + x if self.apply_residual else self.layers(x)

    def round_to_multiple_of(val, divisor=8, round_up_bias=0.9):
        new_val = max(divisor, int(val + divisor / 2) // divisor * divisor)
        return new_val if new_val >= round_up_bias * val else new_val + divisor

    class MNASNet(nn.Module):
        def __init__(self, alpha):
            super().__init__()
            d = [round_to_multiple_of(c * alpha) for c in [32, 16, 24, 40, 80, 96, 192, 320]]
            layers = [
                nn.Conv2d(3, d[0], 3, padding=1, stride=2, bias=False),
                nn.BatchNorm2d(d[0]), nn.ReLU(inplace=True),
                nn.Conv2d(d[0], d[0], 3, padding=1, groups=d[0], bias=False),
                nn.BatchNorm2d(d[0]), nn.ReLU(inplace=True),
                nn.Conv2d(d[0], d[1], 1, bias=False), nn.BatchNorm2d(d[1]),
            ]  # fmt: skip
            stacks = [(3, 2, 3, 3), (5, 2, 3, 3), (5, 2, 6, 3), (3, 1, 6, 2), (5, 2, 6, 4),
                      (3, 1, 6, 1)]  # fmt: skip
            for (kernel, stride, t, n), cin, cout in zip(stacks, d[1:], d[2:]):
                layers.append(MnasResidual(cin, cout, kernel, stride, t))
                layers += [MnasResidual(cout, cout, kernel, 1, t) for _ in range(1, n)]
            layers += [nn.Conv2d(d[7], 1280, 1, bias=False), nn.BatchNorm2d(1280), nn.ReLU()]
            self.layers = nn.Sequential(*layers)
            self.classifier = nn.Sequential(nn.Dropout(p=0.2), nn.Linear(1280, 1000))

        def forward(self, x):
            return self.classifier(self.layers(x).mean([2, 3]))

    def make_divisible(v, divisor):
        new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
        return new_v + divisor if new_v < 0.9 * v else new_v

    def regnet_stages(depth, w_0, w_a, w_m, group_width):
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

    class SqueezeExcitation(nn.Module):
        """One row for convcalc's se<r>: recorded whole, its MACs two 1×1 convs on a 1×1 map."""

        def __init__(self, channels, squeeze):
            super().__init__()
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc1 = nn.Conv2d(channels, squeeze, 1)
            self.fc2 = nn.Conv2d(squeeze, channels, 1)
            self.row_macs = 2 * channels * squeeze

        def forward(self, x):
            return x * torch.sigmoid(self.fc2(F.relu(self.fc1(self.avgpool(x)))))

    def conv_bn(cin, cout, kernel=1, stride=1, groups=1):
        pad = (kernel - 1) // 2
        return [nn.Conv2d(cin, cout, kernel, stride, pad, groups=groups, bias=False),
                nn.BatchNorm2d(cout)]  # fmt: skip

    class RegNetBlock(nn.Module):
        def __init__(self, cin, w, stride, group_width, se_ratio):
            super().__init__()
            layers = [*conv_bn(cin, w), nn.ReLU(), *conv_bn(w, w, 3, stride, w // group_width)]
            layers.append(nn.ReLU())
            if se_ratio:
                layers.append(SqueezeExcitation(w, round(se_ratio * cin)))
            self.f = nn.Sequential(*layers, *conv_bn(w, w))
            project = cin != w or stride != 1
            self.proj = nn.Sequential(*conv_bn(cin, w, 1, stride)) if project else None

        def forward(self, x):  # the body runs first, as convcalc lists res branches
            f = self.f(x)
            return F.relu(f + (self.proj(x) if self.proj is not None else x))

    def regnet(se_ratio=None, **params):
        def build():
            layers = [*conv_bn(3, 32, 3, 2), nn.ReLU()]
            c = 32
            for w, depth, group_width in regnet_stages(**params):
                for i in range(depth):
                    layers.append(RegNetBlock(c, w, 2 if i == 0 else 1, group_width, se_ratio))
                    c = w
            layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 1000)]
            return nn.Sequential(*layers)

        return build

    def resnet(block, layers, **width):
        return lambda: ResNet(block, layers, **width)

    def vgg(name, batch_norm=False):
        return lambda: VGG(vgg_cfgs[name], batch_norm)

    return {
        "alexnet": (AlexNet, (3, 224, 224)),
        "densenet121": (lambda: densenet(32, (6, 12, 24, 16), 64), (3, 224, 224)),
        "densenet161": (lambda: densenet(48, (6, 12, 36, 24), 96), (3, 224, 224)),
        "densenet169": (lambda: densenet(32, (6, 12, 32, 32), 64), (3, 224, 224)),
        "densenet201": (lambda: densenet(32, (6, 12, 48, 32), 64), (3, 224, 224)),
        "mnasnet0_5": (lambda: MNASNet(0.5), (3, 224, 224)),
        "mnasnet0_75": (lambda: MNASNet(0.75), (3, 224, 224)),
        "mnasnet1_0": (lambda: MNASNet(1.0), (3, 224, 224)),
        "mnasnet1_3": (lambda: MNASNet(1.3), (3, 224, 224)),
        "resnet101": (resnet(Bottleneck, [3, 4, 23, 3]), (3, 224, 224)),
        "resnet152": (resnet(Bottleneck, [3, 8, 36, 3]), (3, 224, 224)),
        "resnext50_32x4d": (
            resnet(Bottleneck, [3, 4, 6, 3], groups=32, width_per_group=4),
            (3, 224, 224),
        ),
        "resnext101_32x8d": (
            resnet(Bottleneck, [3, 4, 23, 3], groups=32, width_per_group=8),
            (3, 224, 224),
        ),
        "resnext101_64x4d": (
            resnet(Bottleneck, [3, 4, 23, 3], groups=64, width_per_group=4),
            (3, 224, 224),
        ),
        "wide_resnet50_2": (resnet(Bottleneck, [3, 4, 6, 3], width_per_group=128), (3, 224, 224)),
        "wide_resnet101_2": (resnet(Bottleneck, [3, 4, 23, 3], width_per_group=128), (3, 224, 224)),
        "squeezenet1_1": (squeezenet1_1, (3, 224, 224)),
        # torchvision/models/regnet.py: regnet_x_*; regnet_y_* (se_ratio 0.25) are ready here
        # and join the zoo once convcalc emit has a rule for se<r>
        "regnet_x_400mf": (
            regnet(depth=22, w_0=24, w_a=24.48, w_m=2.54, group_width=16),
            (3, 224, 224),
        ),
        "regnet_x_800mf": (
            regnet(depth=16, w_0=56, w_a=35.73, w_m=2.28, group_width=16),
            (3, 224, 224),
        ),
        "regnet_x_1_6gf": (
            regnet(depth=18, w_0=80, w_a=34.01, w_m=2.25, group_width=24),
            (3, 224, 224),
        ),
        "regnet_x_3_2gf": (
            regnet(depth=25, w_0=88, w_a=26.31, w_m=2.25, group_width=48),
            (3, 224, 224),
        ),
        "regnet_x_8gf": (
            regnet(depth=23, w_0=80, w_a=49.56, w_m=2.88, group_width=120),
            (3, 224, 224),
        ),
        "regnet_x_16gf": (
            regnet(depth=22, w_0=216, w_a=55.59, w_m=2.1, group_width=128),
            (3, 224, 224),
        ),
        "regnet_x_32gf": (
            regnet(depth=23, w_0=320, w_a=69.86, w_m=2.0, group_width=168),
            (3, 224, 224),
        ),
        "vgg13": (vgg("vgg13"), (3, 224, 224)),
        "vgg11_bn": (vgg("vgg11", True), (3, 224, 224)),
        "vgg13_bn": (vgg("vgg13", True), (3, 224, 224)),
        "vgg16_bn": (vgg("vgg16", True), (3, 224, 224)),
        "vgg19_bn": (vgg("vgg19", True), (3, 224, 224)),
        "googlenet": (GoogLeNet, (3, 224, 224)),
        "lenet5": (lenet5, (1, 32, 32)),
        "mobilenet_v2": (MobileNetV2, (3, 224, 224)),
        "resnet18": (lambda: ResNet(BasicBlock, [2, 2, 2, 2]), (3, 224, 224)),
        "resnet34": (lambda: ResNet(BasicBlock, [3, 4, 6, 3]), (3, 224, 224)),
        "resnet50": (lambda: ResNet(Bottleneck, [3, 4, 6, 3]), (3, 224, 224)),
        "squeezenet1_0": (squeezenet1_0, (3, 224, 224)),
        "unet": (UNet, (1, 256, 256)),
        "vgg11": (lambda: VGG(vgg_cfgs["vgg11"]), (3, 224, 224)),
        "vgg16": (lambda: VGG(vgg_cfgs["vgg16"]), (3, 224, 224)),
        "vgg19": (lambda: VGG(vgg_cfgs["vgg19"]), (3, 224, 224)),
    }


def _channels_last(shape) -> tuple[int, ...]:
    """A torch output shape (batch first, channels second) in convcalc's layout."""
    dims = tuple(shape)[1:]
    return dims if len(dims) == 1 else (*dims[1:], dims[0])


@cache
def torch_run(name: str, chw: tuple[int, ...] | None = None) -> dict:
    """Build the torch network once, run one forward pass on zeros (of its own input size, or
    ``chw``), and record every leaf module call in execution order: (output shape channels
    last, own params, MACs)."""
    torch = require_torch()
    nn = torch.nn
    build, own = _torch_models(torch)[name]
    chw = chw or own
    with torch.device("meta"):  # shapes and counts only: no weights are allocated or run
        model = build().eval()
    calls: list[tuple[tuple[int, ...], int, int]] = []

    def hook(module, inputs, output):
        macs = 0
        if isinstance(module, nn.modules.conv._ConvTransposeNd):
            macs = inputs[0].numel() * prod(module.kernel_size) * module.out_channels
            macs //= module.groups
        elif isinstance(module, nn.modules.conv._ConvNd):
            macs = output.numel() * prod(module.kernel_size) * module.in_channels
            macs //= module.groups
        elif isinstance(module, nn.Linear):
            macs = output.numel() * module.in_features  # out elements · in features
        shape = _channels_last(output.shape)
        if hasattr(module, "row_macs"):
            macs = module.row_macs
        global_pool = isinstance(module, nn.AdaptiveAvgPool2d) and set(shape[:-1]) == {1}
        if global_pool:
            shape = shape[-1:]  # a global pool: convcalc's gap gives the vector of C
        own = sum(p.numel() for p in module.parameters(recurse=hasattr(module, "row_macs")))
        calls.append((shape, own, macs))

    whole = [m for m in model.modules() if hasattr(m, "row_macs")]  # one row each
    inside = {id(sub) for m in whole for sub in m.modules() if sub is not m}
    for module in model.modules():
        if id(module) not in inside and (module in whole or not list(module.children())):
            module.register_forward_hook(hook)
    with torch.no_grad():
        out = model(torch.zeros(1, *chw, device="meta"))
    return {
        "params": sum(p.numel() for p in model.parameters()),
        "macs": sum(macs for _, _, macs in calls),
        "output_shape": _channels_last(out.shape),
        "calls": calls,
    }


def convcalc_calls(rows) -> list[tuple[tuple[int, ...], int, int]]:
    """convcalc's layer rows depth first (branches in order, as torch runs them), ids left out."""
    calls = []
    for row in rows:
        if row.branches is not None:
            for branch in row.branches:
                calls += convcalc_calls(branch)
        elif row.kind != "id":
            calls.append((tuple(row.output_shape), row.trainable_params, row.macs))
    return calls


def _collapse(shapes):
    out = []
    for s in shapes:
        if not out or out[-1] != s:
            out.append(s)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_totals_match_torch(torch, name: str):
    ours = convcalc.analyze(zoo.get(name).spec)
    theirs = torch_run(name)
    assert ours.totals.trainable_params == theirs["params"]
    assert ours.totals.macs == theirs["macs"]
    assert tuple(ours.totals.output_shape) == theirs["output_shape"]


@pytest.mark.parametrize("name", NAMES)
def test_layers_match_torch(torch, name: str):
    ours = convcalc_calls(convcalc.analyze(zoo.get(name).spec).layers)
    theirs = torch_run(name)["calls"]
    # every layer with weights, one to one: shape, own params, MACs
    assert [c for c in ours if c[1]] == [c for c in theirs if c[1]]
    # and the sequence of shapes the data passes through (layers that keep it, like relu or
    # torchvision's identity AdaptiveAvgPool2d at 224, fold into their neighbour)
    assert _collapse(c[0] for c in ours) == _collapse(c[0] for c in theirs)


@pytest.mark.parametrize("name", TORCHVISION)
def test_torch_reproduces_published(torch, name: str):
    params, shown = PUBLISHED[name]
    theirs = torch_run(name)
    assert theirs["params"] == params
    assert gmacs(theirs["macs"], shown) == shown


def test_readme_table_lists_every_model():
    """The README's zoo table has one row per model, with its counts and its comparison."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Model zoo\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0].strip("`")] = cells[1:]
    assert sorted(rows) == [m.name for m in zoo.models()]
    for model in zoo.models():
        totals = convcalc.analyze(model.spec).totals
        title, params, macs, published = rows[model.name]
        assert title == model.title
        assert params == f"{model.counted_params(totals):,}"
        assert macs == f"{totals.macs / 1e9:.3f}"
        expected = {None: "no published total", True: "matches"}[model.matches(totals)]
        assert published == expected


# --------------------------------------------------------------------------------------------
# --input: a zoo model at another size


def cli(*args: str):
    from typer.testing import CliRunner

    from convcalc.cli import app

    return CliRunner().invoke(app, list(args), env={"NO_COLOR": "1"})


@pytest.mark.parametrize(
    ("name", "shape", "chw"),
    [
        ("resnet50", "512x512x3", (3, 512, 512)),
        ("densenet121", "320x256x3", (3, 320, 256)),
        ("mnasnet1_0", "160x160x3", (3, 160, 160)),
        ("vgg16", "320x320x3", (3, 320, 320)),  # the apool7 head keeps the classifier
        ("alexnet", "320x320x3", (3, 320, 320)),  # the apool6 head
        ("squeezenet1_1", "97x97x1", None),  # one channel: the first conv has fewer weights
    ],
)
def test_input_overrides_a_zoo_models_input(torch, name, shape, chw):
    result = cli("-m", name, "--input", shape, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["input_shape"] == [int(d) for d in shape.split("x")]
    if chw is None:
        # squeezenet1_1 at 97×97×1, by hand: the 3×3 stem has 1·9·64 + 64 = 640 weights
        # instead of 3·9·64 + 64 = 1,792, so 1,152 fewer than the published 1,235,496
        assert report["totals"]["trainable_params"] == 1_235_496 - 1_152
        return
    theirs = torch_run(name, chw)
    assert report["totals"]["trainable_params"] == theirs["params"]
    assert report["totals"]["macs"] == theirs["macs"]
    assert tuple(report["totals"]["output_shape"]) == theirs["output_shape"]


def test_input_is_written_in_the_display_layout(torch):
    result = cli("-m", "resnet18", "--channels-first", "--input", "3x64x64", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["input_shape"] == [3, 64, 64]
    assert report["totals"]["macs"] == torch_run("resnet18", (3, 64, 64))["macs"]


def test_input_too_small_names_the_layer(torch):
    """AlexNet at 32×32: 32 → conv11s4p2 7 → pool3s2 3 → conv5p2 3 → pool3s2 1, and the last
    pool3s2 has a 1×1 input: convcalc refuses it, naming that pool, as PyTorch does."""
    result = cli("-m", "alexnet", "--input", "32x32x3")
    assert result.exit_code == 1
    assert "error: maxpool on 1×1×256" in result.stderr
    assert "pool3s2" in result.stderr.splitlines()[1]
    with pytest.raises(RuntimeError):
        torch_run("alexnet", (3, 32, 32))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-m", "resnet50", "--input", "100x3"], "input '100x3' has 1 spatial dim; resnet50"),
        (["-m", "resnet50", "--input", "8x8x8x3"], "resnet50 takes 2, e.g. 224x224x3"),
        (["-m", "resnet50", "--input", "224x224x3 dense5"], "bad input shape '224x224x3 dense5'"),
        (["-m", "resnet50", "--channels-first", "--input", "3x224"], "e.g. 3x224x224"),
        (["-m", "resnt50", "--input", "64x64x3"], "unknown model 'resnt50'"),
        (["28x28x1", "conv3x8", "--input", "32x32x1"], "--input goes with --model"),
    ],
)  # fmt: skip
def test_input_errors(args, message):
    result = cli(*args)
    assert result.exit_code in (1, 2)
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.output


def test_get_prefers_the_exact_name():
    """Loose matching drops '_': regnet_x_16gf and regnet_x_1_6gf would collide without it."""
    assert zoo.get("regnet_x_16gf").params == 54_278_536
    assert zoo.get("REGNET_X_1_6GF").params == 9_190_136
