"""The classic torchvision networks in torch.nn, following torchvision's source
(github.com/pytorch/vision, torchvision/models/<family>.py): AlexNet, VGG, ResNet and its
variants, SqueezeNet, DenseNet, GoogLeNet, MnasNet, MobileNetV2, and LeNet-5 and U-Net
from their papers."""

from __future__ import annotations

from itertools import pairwise

# torchvision's documented figures: the weights enums' meta in torchvision/models/<family>.py
# (github.com/pytorch/vision, main), "num_params" and "_ops" (its docs' "GFLOPS" column, which
# counts MACs, bias excluded); GMACs are compared to the digits shown there.
PUBLISHED: dict[str, tuple[int, str]] = {
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
}


def models(torch) -> dict:
    """Each network's builder and its input (C, H, W), by zoo name."""
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
