"""Parts that several families' torchvision networks share (torchvision/ops/misc.py,
torchvision/models/_utils.py), for the zoo tests' torch.nn builders."""

from __future__ import annotations

from types import SimpleNamespace


def make_divisible(v: float, divisor: int) -> int:
    """torchvision's _make_divisible (min_value = divisor): v rounded to a multiple of
    divisor, never more than 10% down."""
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def parts(torch) -> SimpleNamespace:
    """The shared parts, built on ``torch`` (imported by the caller, so that this module
    imports without it)."""
    nn = torch.nn
    F = torch.nn.functional

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

    class SqueezeExcitationLayers(nn.Module):
        """torchvision.ops.SqueezeExcitation with another activation (EfficientNet: SiLU) or
        gate (MobileNetV3: Hardsigmoid), for convcalc's
        ``mul(apool1 conv1x<squeeze> <act> conv1x<C> <gate>)``: every layer is a row; the pool
        keeps its 1×1 map (``keeps_map``: not a head's global pool)."""

        def __init__(self, channels, squeeze, activation, scale_activation=None):
            super().__init__()
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.avgpool.keeps_map = True
            self.fc1 = nn.Conv2d(channels, squeeze, 1)
            self.fc2 = nn.Conv2d(squeeze, channels, 1)
            self.activation = activation()
            self.scale_activation = (scale_activation or nn.Sigmoid)()

        def forward(self, x):
            scale = self.fc2(self.activation(self.fc1(self.avgpool(x))))
            return self.scale_activation(scale) * x

    class StochasticDepth(nn.Module):
        """torchvision.ops.StochasticDepth(p, "row"): drops whole samples' residual branches in
        training, the identity in eval (no parameters)."""

        def __init__(self, p):
            super().__init__()
            self.p = p

        def forward(self, x):
            if not self.training or self.p == 0.0:
                return x
            keep = 1.0 - self.p
            noise = x.new_empty([x.shape[0]] + [1] * (x.ndim - 1)).bernoulli_(keep)
            return x * noise.div_(keep) if keep > 0.0 else x * noise

    class Permute(nn.Module):
        """torchvision.ops.Permute."""

        def __init__(self, dims):
            super().__init__()
            self.dims = dims

        def forward(self, x):
            return torch.permute(x, self.dims)

    def channels_last(*modules):
        """Mark modules whose output is channels last (after a Permute([0, 2, 3, 1])), so that
        the zoo tests read their output shape as it is."""
        for module in modules:
            module.channels_last = True
        return modules

    def conv_bn(cin, cout, kernel=1, stride=1, groups=1):
        pad = (kernel - 1) // 2
        return [nn.Conv2d(cin, cout, kernel, stride, pad, groups=groups, bias=False),
                nn.BatchNorm2d(cout)]  # fmt: skip

    return SimpleNamespace(
        make_divisible=make_divisible,
        SqueezeExcitation=SqueezeExcitation,
        SqueezeExcitationLayers=SqueezeExcitationLayers,
        StochasticDepth=StochasticDepth,
        Permute=Permute,
        channels_last=channels_last,
        conv_bn=conv_bn,
    )
