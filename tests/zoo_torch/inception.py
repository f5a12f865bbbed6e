"""Inception v3 in torch.nn, following torchvision's source (github.com/pytorch/vision,
torchvision/models/inception.py), with the auxiliary classifier of the published weights.

Two departures, neither changing a count: torchvision pools and flattens with functional calls
(F.avg_pool2d, F.max_pool2d, torch.flatten), which forward hooks cannot see, so these are
modules here; and AuxLogits runs in eval mode too (torchvision runs it only in training) so
that the hooks record its layers, marked ``aux`` (the zoo tests count its MACs apart, as
convcalc's ``aux(…)`` does: totals.aux_macs)."""

from __future__ import annotations

# torchvision's documented figures: Inception_V3_Weights.IMAGENET1K_V1's meta in
# torchvision/models/inception.py (github.com/pytorch/vision, main), "num_params" (the
# AuxLogits head's 3,326,696 included) and "_ops" (GFLOPS as shown, counting MACs, without the
# aux head's)
PUBLISHED: dict[str, tuple[int, str]] = {
    "inception_v3": (27_161_264, "5.713"),
}


def models(torch) -> dict:
    """Each network's builder and its input (C, H, W), by zoo name."""
    nn = torch.nn
    F = torch.nn.functional

    class BasicConv2d(nn.Module):
        def __init__(self, in_channels, out_channels, **kwargs):
            super().__init__()
            self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
            self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

        def forward(self, x):
            return F.relu(self.bn(self.conv(x)), inplace=True)

    conv_block = BasicConv2d

    class InceptionA(nn.Module):
        def __init__(self, in_channels, pool_features):
            super().__init__()
            self.branch1x1 = conv_block(in_channels, 64, kernel_size=1)
            self.branch5x5_1 = conv_block(in_channels, 48, kernel_size=1)
            self.branch5x5_2 = conv_block(48, 64, kernel_size=5, padding=2)
            self.branch3x3dbl_1 = conv_block(in_channels, 64, kernel_size=1)
            self.branch3x3dbl_2 = conv_block(64, 96, kernel_size=3, padding=1)
            self.branch3x3dbl_3 = conv_block(96, 96, kernel_size=3, padding=1)
            self.pool = nn.AvgPool2d(kernel_size=3, stride=1, padding=1)  # F.avg_pool2d
            self.branch_pool = conv_block(in_channels, pool_features, kernel_size=1)

        def forward(self, x):
            branch1x1 = self.branch1x1(x)
            branch5x5 = self.branch5x5_2(self.branch5x5_1(x))
            branch3x3dbl = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
            branch_pool = self.branch_pool(self.pool(x))
            return torch.cat([branch1x1, branch5x5, branch3x3dbl, branch_pool], 1)

    class InceptionB(nn.Module):
        def __init__(self, in_channels):
            super().__init__()
            self.branch3x3 = conv_block(in_channels, 384, kernel_size=3, stride=2)
            self.branch3x3dbl_1 = conv_block(in_channels, 64, kernel_size=1)
            self.branch3x3dbl_2 = conv_block(64, 96, kernel_size=3, padding=1)
            self.branch3x3dbl_3 = conv_block(96, 96, kernel_size=3, stride=2)
            self.pool = nn.MaxPool2d(kernel_size=3, stride=2)  # F.max_pool2d

        def forward(self, x):
            branch3x3 = self.branch3x3(x)
            branch3x3dbl = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
            return torch.cat([branch3x3, branch3x3dbl, self.pool(x)], 1)

    class InceptionC(nn.Module):
        def __init__(self, in_channels, channels_7x7):
            super().__init__()
            c7 = channels_7x7
            self.branch1x1 = conv_block(in_channels, 192, kernel_size=1)
            self.branch7x7_1 = conv_block(in_channels, c7, kernel_size=1)
            self.branch7x7_2 = conv_block(c7, c7, kernel_size=(1, 7), padding=(0, 3))
            self.branch7x7_3 = conv_block(c7, 192, kernel_size=(7, 1), padding=(3, 0))
            self.branch7x7dbl_1 = conv_block(in_channels, c7, kernel_size=1)
            self.branch7x7dbl_2 = conv_block(c7, c7, kernel_size=(7, 1), padding=(3, 0))
            self.branch7x7dbl_3 = conv_block(c7, c7, kernel_size=(1, 7), padding=(0, 3))
            self.branch7x7dbl_4 = conv_block(c7, c7, kernel_size=(7, 1), padding=(3, 0))
            self.branch7x7dbl_5 = conv_block(c7, 192, kernel_size=(1, 7), padding=(0, 3))
            self.pool = nn.AvgPool2d(kernel_size=3, stride=1, padding=1)  # F.avg_pool2d
            self.branch_pool = conv_block(in_channels, 192, kernel_size=1)

        def forward(self, x):
            branch1x1 = self.branch1x1(x)
            branch7x7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
            branch7x7dbl = self.branch7x7dbl_1(x)
            branch7x7dbl = self.branch7x7dbl_3(self.branch7x7dbl_2(branch7x7dbl))
            branch7x7dbl = self.branch7x7dbl_5(self.branch7x7dbl_4(branch7x7dbl))
            branch_pool = self.branch_pool(self.pool(x))
            return torch.cat([branch1x1, branch7x7, branch7x7dbl, branch_pool], 1)

    class InceptionD(nn.Module):
        def __init__(self, in_channels):
            super().__init__()
            self.branch3x3_1 = conv_block(in_channels, 192, kernel_size=1)
            self.branch3x3_2 = conv_block(192, 320, kernel_size=3, stride=2)
            self.branch7x7x3_1 = conv_block(in_channels, 192, kernel_size=1)
            self.branch7x7x3_2 = conv_block(192, 192, kernel_size=(1, 7), padding=(0, 3))
            self.branch7x7x3_3 = conv_block(192, 192, kernel_size=(7, 1), padding=(3, 0))
            self.branch7x7x3_4 = conv_block(192, 192, kernel_size=3, stride=2)
            self.pool = nn.MaxPool2d(kernel_size=3, stride=2)  # F.max_pool2d

        def forward(self, x):
            branch3x3 = self.branch3x3_2(self.branch3x3_1(x))
            branch7x7x3 = self.branch7x7x3_2(self.branch7x7x3_1(x))
            branch7x7x3 = self.branch7x7x3_4(self.branch7x7x3_3(branch7x7x3))
            return torch.cat([branch3x3, branch7x7x3, self.pool(x)], 1)

    class InceptionE(nn.Module):
        def __init__(self, in_channels):
            super().__init__()
            self.branch1x1 = conv_block(in_channels, 320, kernel_size=1)
            self.branch3x3_1 = conv_block(in_channels, 384, kernel_size=1)
            self.branch3x3_2a = conv_block(384, 384, kernel_size=(1, 3), padding=(0, 1))
            self.branch3x3_2b = conv_block(384, 384, kernel_size=(3, 1), padding=(1, 0))
            self.branch3x3dbl_1 = conv_block(in_channels, 448, kernel_size=1)
            self.branch3x3dbl_2 = conv_block(448, 384, kernel_size=3, padding=1)
            self.branch3x3dbl_3a = conv_block(384, 384, kernel_size=(1, 3), padding=(0, 1))
            self.branch3x3dbl_3b = conv_block(384, 384, kernel_size=(3, 1), padding=(1, 0))
            self.pool = nn.AvgPool2d(kernel_size=3, stride=1, padding=1)  # F.avg_pool2d
            self.branch_pool = conv_block(in_channels, 192, kernel_size=1)

        def forward(self, x):
            branch1x1 = self.branch1x1(x)
            branch3x3 = self.branch3x3_1(x)
            branch3x3 = torch.cat([self.branch3x3_2a(branch3x3), self.branch3x3_2b(branch3x3)], 1)
            branch3x3dbl = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
            branch3x3dbl = torch.cat(
                [self.branch3x3dbl_3a(branch3x3dbl), self.branch3x3dbl_3b(branch3x3dbl)], 1
            )
            branch_pool = self.branch_pool(self.pool(x))
            return torch.cat([branch1x1, branch3x3, branch3x3dbl, branch_pool], 1)

    class InceptionAux(nn.Module):
        def __init__(self, in_channels, num_classes):
            super().__init__()
            self.pool = nn.AvgPool2d(kernel_size=5, stride=3)  # F.avg_pool2d
            self.conv0 = conv_block(in_channels, 128, kernel_size=1)
            self.conv1 = conv_block(128, 768, kernel_size=5)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))  # F.adaptive_avg_pool2d
            self.flatten = nn.Flatten(1)  # torch.flatten
            self.fc = nn.Linear(768, num_classes)

        def forward(self, x):
            x = self.conv1(self.conv0(self.pool(x)))
            return self.fc(self.flatten(self.avgpool(x)))

    class Inception3(nn.Module):
        def __init__(self, num_classes=1000, dropout=0.5):
            super().__init__()
            self.Conv2d_1a_3x3 = conv_block(3, 32, kernel_size=3, stride=2)
            self.Conv2d_2a_3x3 = conv_block(32, 32, kernel_size=3)
            self.Conv2d_2b_3x3 = conv_block(32, 64, kernel_size=3, padding=1)
            self.maxpool1 = nn.MaxPool2d(kernel_size=3, stride=2)
            self.Conv2d_3b_1x1 = conv_block(64, 80, kernel_size=1)
            self.Conv2d_4a_3x3 = conv_block(80, 192, kernel_size=3)
            self.maxpool2 = nn.MaxPool2d(kernel_size=3, stride=2)
            self.Mixed_5b = InceptionA(192, pool_features=32)
            self.Mixed_5c = InceptionA(256, pool_features=64)
            self.Mixed_5d = InceptionA(288, pool_features=64)
            self.Mixed_6a = InceptionB(288)
            self.Mixed_6b = InceptionC(768, channels_7x7=128)
            self.Mixed_6c = InceptionC(768, channels_7x7=160)
            self.Mixed_6d = InceptionC(768, channels_7x7=160)
            self.Mixed_6e = InceptionC(768, channels_7x7=192)
            self.AuxLogits = InceptionAux(768, num_classes)
            for module in self.AuxLogits.modules():
                module.aux = True  # its MACs are the aux head's
            self.Mixed_7a = InceptionD(768)
            self.Mixed_7b = InceptionE(1280)
            self.Mixed_7c = InceptionE(2048)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.avgpool.keeps_map = True  # convcalc's apool1: dropout acts on the 1×1 map
            self.dropout = nn.Dropout(p=dropout)
            self.flatten = nn.Flatten(1)  # torch.flatten
            self.fc = nn.Linear(2048, num_classes)

        def forward(self, x):
            x = self.maxpool1(self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x))))
            x = self.maxpool2(self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x)))
            x = self.Mixed_5d(self.Mixed_5c(self.Mixed_5b(x)))
            x = self.Mixed_6a(x)
            x = self.Mixed_6e(self.Mixed_6d(self.Mixed_6c(self.Mixed_6b(x))))
            self.AuxLogits(x)  # torchvision: only in training, its output returned beside x
            x = self.Mixed_7c(self.Mixed_7b(self.Mixed_7a(x)))
            return self.fc(self.flatten(self.dropout(self.avgpool(x))))

    return {"inception_v3": (Inception3, (3, 299, 299))}
