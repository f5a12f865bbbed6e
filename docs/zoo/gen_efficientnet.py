"""Write the EfficientNet zoo specs from the frameworks' block tables and rounding rules.

    python docs/zoo/gen_efficientnet.py          # rewrite convcalc/models/*efficientnet*.spec
    python docs/zoo/gen_efficientnet.py --check  # exit 1 if a committed spec is stale

Not imported by the package: it is here for the next engineer (a new variant, another
resolution).  The arithmetic follows the sources, written out below:

* torchvision/models/efficientnet.py (github.com/pytorch/vision): ``_efficientnet_conf``'s
  tables, ``MBConvConfig.adjust_channels`` (``_make_divisible(c · width, 8)``, never more than
  10 % down) and ``adjust_depth`` (``ceil(n · depth)``), ``MBConv``, ``FusedMBConv``, the stem
  (3×3 stride 2), the head (1×1 to ``4 · C`` or 1280, average pool, dropout, linear);
* keras/src/applications/efficientnet.py and efficientnet_v2.py (github.com/keras-team/keras,
  Keras 3.15): ``DEFAULT_BLOCKS_ARGS``, ``round_filters`` / ``round_repeats`` (V1 has the 10 %
  rule, V2 does not), ``block`` / ``MBConvBlock`` / ``FusedMBConvBlock``, the stem
  (``Rescaling``, ``Normalization``, ``ZeroPadding2D(correct_pad)`` before a valid stride-2
  conv in V1; ``padding="same"`` throughout V2), the top (1×1 conv, average pool, dropout,
  dense with softmax).

Stages are written one per line, each block's repeated residual copies as ``res(…)*n``.
"""

from __future__ import annotations

import math
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from specfiles import write_or_check


@dataclass(frozen=True)
class Stage:
    """One row of a block table: (fused?, expansion, kernel, stride, C in, C out, blocks, SE?)."""

    fused: bool
    expand: int
    kernel: int
    stride: int
    cin: int
    cout: int
    blocks: int
    se: bool = True


def make_divisible(v: float, divisor: int = 8) -> int:
    """torchvision's ``_make_divisible`` = Keras V1's ``round_filters``: the nearest multiple of
    ``divisor``, at least ``divisor``, never more than 10 % below ``v``."""
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def round_filters_v2(v: float, divisor: int = 8) -> int:
    """Keras V2's ``round_filters`` (``min_depth`` 8): no 10 % rule."""
    return max(divisor, int(v + divisor / 2) // divisor * divisor)


# (expand, kernel, stride, C in, C out, blocks): EfficientNet-B0, Table 1 of the paper; the same
# in torchvision's _efficientnet_conf and Keras' DEFAULT_BLOCKS_ARGS
V1 = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
      (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)]  # fmt: skip

# (fused, expand, kernel, stride, C in, C out, blocks): the V2 tables; fused stages have no SE
_F, _M = True, False
V2 = {
    "s": [(_F, 1, 3, 1, 24, 24, 2), (_F, 4, 3, 2, 24, 48, 4), (_F, 4, 3, 2, 48, 64, 4),
          (_M, 4, 3, 2, 64, 128, 6), (_M, 6, 3, 1, 128, 160, 9), (_M, 6, 3, 2, 160, 256, 15)],
    "m": [(_F, 1, 3, 1, 24, 24, 3), (_F, 4, 3, 2, 24, 48, 5), (_F, 4, 3, 2, 48, 80, 5),
          (_M, 4, 3, 2, 80, 160, 7), (_M, 6, 3, 1, 160, 176, 14), (_M, 6, 3, 2, 176, 304, 18),
          (_M, 6, 3, 1, 304, 512, 5)],
    "l": [(_F, 1, 3, 1, 32, 32, 4), (_F, 4, 3, 2, 32, 64, 7), (_F, 4, 3, 2, 64, 96, 7),
          (_M, 4, 3, 2, 96, 192, 10), (_M, 6, 3, 1, 192, 224, 19), (_M, 6, 3, 2, 224, 384, 25),
          (_M, 6, 3, 1, 384, 640, 7)],
    # Keras' EfficientNetV2-B0…B3 base table (scaled by width and depth per variant)
    "b": [(_F, 1, 3, 1, 32, 16, 1), (_F, 4, 3, 2, 16, 32, 2), (_F, 4, 3, 2, 32, 48, 2),
          (_M, 4, 3, 2, 48, 96, 3), (_M, 6, 3, 1, 96, 112, 5), (_M, 6, 3, 2, 112, 192, 8)],
}  # fmt: skip

# variant: (width, depth, torchvision crop size = Keras default_size except b2, dropout)
V1_SCALING = {
    "b0": (1.0, 1.0, 224, 0.2),
    "b1": (1.0, 1.1, 240, 0.2),
    "b2": (1.1, 1.2, 288, 0.3),
    "b3": (1.2, 1.4, 300, 0.3),
    "b4": (1.4, 1.8, 380, 0.4),
    "b5": (1.6, 2.2, 456, 0.4),
    "b6": (1.8, 2.6, 528, 0.5),
    "b7": (2.0, 3.1, 600, 0.5),
}
KERAS_V1_SIZE = {"b2": 260}  # Keras' default_size where it differs from torchvision's crop
KERAS_V2_SCALING = {  # width, depth, default_size (dropout 0.2 for all)
    "b0": (1.0, 1.0, 224),
    "b1": (1.0, 1.1, 240),
    "b2": (1.1, 1.2, 260),
    "b3": (1.2, 1.4, 300),
    "s": (1.0, 1.0, 384),
}
TV_V2 = {"s": (384, 0.2), "m": (480, 0.3), "l": (480, 0.4)}  # crop size, dropout

# torchvision's weights enums' meta (num_params, _ops as shown); Keras' count_params() of
# keras.applications.<Class>(weights=None), Keras 3.15
PUBLISHED = {
    "efficientnet_b0": (5288548, "0.386"),
    "efficientnet_b1": (7794184, "0.687"),
    "efficientnet_b2": (9109994, "1.088"),
    "efficientnet_b3": (12233232, "1.827"),
    "efficientnet_b4": (19341616, "4.394"),
    "efficientnet_b5": (30389784, "10.266"),
    "efficientnet_b6": (43040704, "19.068"),
    "efficientnet_b7": (66347960, "37.746"),
    "efficientnet_v2_s": (21458488, "8.366"),
    "efficientnet_v2_m": (54139356, "24.582"),
    "efficientnet_v2_l": (118515272, "56.08"),
    "keras-efficientnetb0": (5330571, None),
    "keras-efficientnetb1": (7856239, None),
    "keras-efficientnetb2": (9177569, None),
    "keras-efficientnetb3": (12320535, None),
    "keras-efficientnetb4": (19466823, None),
    "keras-efficientnetb5": (30562527, None),
    "keras-efficientnetb6": (43265143, None),
    "keras-efficientnetb7": (66658687, None),
    "keras-efficientnetv2b0": (7200312, None),
    "keras-efficientnetv2b1": (8212124, None),
    "keras-efficientnetv2b2": (10178374, None),
    "keras-efficientnetv2b3": (14467622, None),
    "keras-efficientnetv2s": (21612360, None),
}

TV_SOURCE = (
    "torchvision.models.{fn} (torchvision/models/efficientnet.py, weights enum meta "
    "num_params / _ops); generated by docs/zoo/gen_efficientnet.py"
)
KERAS_SOURCE = (
    "keras.applications.{cls} (keras/src/applications/{file}.py, Keras 3.15); params: "
    "count_params() of {cls}(weights=None); generated by docs/zoo/gen_efficientnet.py"
)
V1_PAPER = (
    'Tan, Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks", ICML 2019'
)
V2_PAPER = 'Tan, Le, "EfficientNetV2: Smaller Models and Faster Training", ICML 2021'


# --------------------------------------------------------------------------------------------
# one block in the spec language


@dataclass(frozen=True)
class Style:
    """What differs between the frameworks' blocks."""

    act: str  # silu (torchvision's nn.SiLU) or swish (Keras' "swish")
    keras: bool
    v1: bool


def conv(k: int, stride: int, cout: int, style: Style, dw: bool = False) -> str:
    """A bias-free k×k conv (or depthwise conv) and its padding: torchvision pads (k − 1)/2;
    Keras pads 'same' (V1's ZeroPadding2D(correct_pad) before a 'valid' stride-2 conv is
    TensorFlow's 'same' split at every input size: k//2 − 1 before and k//2 after on an even
    size, k//2 on both sides on an odd one; a 1×1 conv needs no padding word)."""
    name = "dwconv" if dw else "conv"
    tail = "nb" if dw else f"x{cout}nb"
    s = f"s{stride}" if stride > 1 else ""
    if k == 1:
        return f"{name}1{s}{tail}"
    if not style.keras:
        return f"{name}{k}{s}p{(k - 1) // 2}{tail}"
    return f"{name}{k}{s}psame{tail}"


def block(st: Stage, cin: int, stride: int, style: Style, drop: str) -> str:
    """One MBConv or Fused-MBConv block with input ``cin`` (its body only, no res)."""
    act = style.act
    mid = make_divisible(cin * st.expand) if not style.keras else cin * st.expand
    parts: list[str] = []
    if st.fused:
        if st.expand != 1:
            parts += [conv(st.kernel, stride, mid, style), "bn", act]
            parts += [conv(1, 1, st.cout, style), "bn"]
        else:
            parts += [conv(st.kernel, stride, st.cout, style), "bn", act]
    else:
        if st.expand != 1:
            parts += [conv(1, 1, mid, style), "bn", act]
        parts += [conv(st.kernel, stride, 0, style, dw=True), "bn", act]
    if st.se:
        squeeze = max(1, cin // 4)
        parts.append(f"mul(apool1 conv1x{squeeze} {act} conv1x{mid} sigmoid)")
    if not st.fused:
        parts += [conv(1, 1, st.cout, style), "bn"]
    residual = stride == 1 and cin == st.cout
    if residual:
        return f"res({' '.join([*parts, drop])})"
    return " ".join(parts)


def stages_text(stages: list[Stage], style: Style, drop: str) -> list[str]:
    """The stages' lines, each stage after a comment."""
    lines = []
    for i, st in enumerate(stages, 1):
        kind = "Fused-MBConv" if st.fused else "MBConv"
        se = ", SE" if st.se and not st.fused else ""
        lines.append(
            f"# stage {i}: {kind}{st.expand} {st.kernel}×{st.kernel}{se}, stride {st.stride}, "
            f"{st.cin} → {st.cout}, {st.blocks} block{'s' if st.blocks > 1 else ''}"
        )
        first = block(st, st.cin, st.stride, style, drop)
        rest = block(st, st.cout, 1, style, drop) if st.blocks > 1 else None
        if rest is None:
            lines.append(first)
        elif first == rest:
            lines.append(f"{rest}*{st.blocks}")
        else:
            lines.append(first)
            lines.append(rest if st.blocks == 2 else f"{rest}*{st.blocks - 1}")
    return lines


# --------------------------------------------------------------------------------------------
# the models


def header(name, title, source, notes: list[str]) -> list[str]:
    params, gmacs = PUBLISHED[name]
    out = [f"# name: {name}", f"# title: {title}", f"# source: {source}", f"# params: {params}"]
    if gmacs:
        out.append(f"# gmacs: {gmacs}")
    text = " ".join(notes)  # the zoo joins note lines with spaces: wrap them afresh
    return out + [f"# {line}" for line in textwrap.wrap(text, 94, break_on_hyphens=False)]


def torchvision_v1(variant: str) -> str:
    width, depth, size, dropout = V1_SCALING[variant]
    stages = [
        Stage(False, e, k, s, make_divisible(ci * width), make_divisible(co * width),
              math.ceil(n * depth))
        for e, k, s, ci, co, n in V1
    ]  # fmt: skip
    style = Style("silu", keras=False, v1=True)
    stem = stages[0].cin
    lines = stages_text(stages, style, "droppath0.2")
    last = stages[-1].cout
    name = f"efficientnet_{variant}"
    bn_note = (
        " torchvision's BatchNorm2d here has eps=1e-3, momentum=0.01 (no count changes)."
        if variant in ("b5", "b6", "b7")
        else ""
    )
    notes = [
        f"At {size}×{size}, the crop size of torchvision's weights, at which its _ops is counted.",
        f"Width ×{width}, depth ×{depth} of B0's table: channels _make_divisible(c·{width}, 8),",
        f"blocks ceil(n·{depth}). MBConv: 1×1 expansion (absent when the ratio is 1), depthwise",
        "k×k with the stage's stride, squeeze-and-excitation (torchvision's SqueezeExcitation",
        "with SiLU: the squeeze is a quarter of the block's input channels), linear 1×1",
        "projection; bias-free convs with BN and SiLU. A block is res(…) when its stride is 1",
        "and its channels stay; its stochastic depth is droppath, written with the network's",
        "stochastic_depth_prob 0.2 (torchvision ramps it 0 → 0.2 over the blocks; the identity",
        f"at inference, it counts nothing).{bn_note}",
    ]
    body = [
        f"{size}x{size}x3",
        f"conv3s2p1x{stem}nb bn silu",
        *lines,
        f"conv1x{4 * last}nb bn silu",
        f"gap dropout{dropout} dense1000",
    ]
    title = f"EfficientNet-{variant.upper()}"
    source = f"{V1_PAPER}; {TV_SOURCE.format(fn=name)}"
    return "\n".join([*header(name, title, source, notes), *body]) + "\n"


def torchvision_v2(variant: str) -> str:
    size, dropout = TV_V2[variant]
    stages = [Stage(f, e, k, s, ci, co, n, se=not f) for f, e, k, s, ci, co, n in V2[variant]]
    style = Style("silu", keras=False, v1=False)
    lines = stages_text(stages, style, "droppath0.2")
    name = f"efficientnet_v2_{variant}"
    notes = [
        f"At {size}×{size}, the crop size of torchvision's weights, at which its _ops is counted.",
        "Fused-MBConv: a k×k conv with the stage's stride expanding the channels, then a linear",
        "1×1 projection (when the ratio is 1, the k×k conv alone, with its SiLU). MBConv as in",
        "EfficientNet V1 (squeeze-and-excitation with SiLU, squeeze a quarter of the block's",
        "input channels). Bias-free convs with BN (eps=1e-3 in torchvision; no count changes)",
        "and SiLU. A block is res(…) when its stride is 1 and its channels stay; stochastic",
        "depth is droppath, written with the network's stochastic_depth_prob 0.2 (torchvision",
        "ramps it 0 → 0.2 over the blocks; the identity at inference, it counts nothing).",
    ]
    body = [
        f"{size}x{size}x3",
        f"conv3s2p1x{stages[0].cin}nb bn silu",
        *lines,
        "conv1x1280nb bn silu",
        f"gap dropout{dropout} dense1000",
    ]
    title = f"EfficientNetV2-{variant.upper()}"
    source = f"{V2_PAPER}; {TV_SOURCE.format(fn=name)}"
    return "\n".join([*header(name, title, source, notes), *body]) + "\n"


def keras_v1(variant: str) -> str:
    width, depth, size, dropout = V1_SCALING[variant]
    size = KERAS_V1_SIZE.get(variant, size)
    stages = [
        Stage(False, e, k, s, make_divisible(ci * width), make_divisible(co * width),
              math.ceil(depth * n))
        for e, k, s, ci, co, n in V1
    ]  # fmt: skip
    style = Style("swish", keras=True, v1=True)
    stem = stages[0].cin
    stem_conv = conv(3, 2, stem, style)
    lines = stages_text(stages, style, "droppath0.2")
    cls = f"EfficientNet{variant.upper()}"
    name = f"keras-efficientnet{variant}"
    notes = [
        f"At {size}×{size}, {cls}'s default_size. The input layers are Rescaling(1/255) and",
        "Normalization (its mean, variance and count are non-trainable weights: 2·3 + 1);",
        "with weights=None Keras adds no third rescaling. A stride-2 conv is ZeroPadding2D",
        "(correct_pad) and a 'valid' conv, written psame: correct_pad pads k//2 − 1 before and",
        "k//2 after on an even size, k//2 on both sides on an odd one, which is TensorFlow's",
        "'same' split at stride 2, so the spec holds at every --input. Blocks as",
        "torchvision's (same rounding), with squeeze-and-excitation as GlobalAveragePooling2D,",
        "Reshape to 1×1×C (together apool1), two 1×1 convs with bias (swish, sigmoid) and a",
        "multiply. The residual Dropout(noise_shape=(None, 1, 1, 1)) is droppath, written with",
        "drop_connect_rate 0.2 (Keras ramps it 0 → 0.2 over the blocks; no count changes).",
    ]
    body = [
        f"{size}x{size}x3",
        "rescale norm",
        f"{stem_conv} bn swish",
        *lines,
        f"conv1x{make_divisible(1280 * width)}nb bn swish",
        f"gap dropout{dropout} dense1000 softmax",
    ]
    title = f"{cls} (Keras)"
    source = f"{V1_PAPER}; {KERAS_SOURCE.format(cls=cls, file='efficientnet')}"
    return "\n".join([*header(name, title, source, notes), *body]) + "\n"


def keras_v2(variant: str) -> str:
    width, depth, size = KERAS_V2_SCALING[variant]
    table = V2["s" if variant == "s" else "b"]
    stages = [
        Stage(f, e, k, s, round_filters_v2(ci * width), round_filters_v2(co * width),
              math.ceil(depth * n), se=not f)
        for f, e, k, s, ci, co, n in table
    ]  # fmt: skip
    style = Style("swish", keras=True, v1=False)
    lines = stages_text(stages, style, "droppath0.2")
    cls = f"EfficientNetV2{variant.upper()}"
    name = f"keras-efficientnetv2{variant}"
    if variant == "s":
        pre = "rescale"
        pre_note = [
            "include_preprocessing: Rescaling(1/128, offset −1), no weights.",
        ]
    else:
        pre = "rescale normfixed"
        pre_note = [
            "include_preprocessing: Rescaling(1/255), then Normalization with ImageNet's mean and",
            "variance given, which Keras keeps as constants, not weights: normfixed (0; norm is",
            "the adapt() form, 2·3 + 1 weights).",
        ]
    notes = [
        f"At {size}×{size}, {cls}'s default_size.",
        *pre_note,
        "Convs pad 'same' (stride 2 included). Fused-MBConv: a k×k conv with the stage's stride",
        "expanding the channels, then a linear 1×1 projection (when the ratio is 1, the k×k",
        "conv alone, with its swish); MBConv with squeeze-and-excitation (GlobalAveragePooling2D",
        "and Reshape, together apool1; two 1×1 convs with bias, swish and sigmoid; a multiply).",
        "Channels round_filters(c·width) (no 10 % rule in V2), blocks ceil(depth·n). The",
        "residual Dropout(noise_shape=(None, 1, 1, 1)) is droppath, written with",
        "drop_connect_rate 0.2 (Keras ramps it 0 → 0.2 over the blocks; no count changes).",
    ]
    body = [
        f"{size}x{size}x3",
        pre,
        f"conv3s2psamex{stages[0].cin}nb bn swish",
        *lines,
        f"conv1x{round_filters_v2(1280 * width)}nb bn swish",
        "gap dropout0.2 dense1000 softmax",
    ]
    title = f"{cls} (Keras)"
    source = f"{V2_PAPER}; {KERAS_SOURCE.format(cls=cls, file='efficientnet_v2')}"
    return "\n".join([*header(name, title, source, notes), *body]) + "\n"


def specs() -> dict[str, str]:
    """Every EfficientNet spec file's text, by zoo name."""
    out = {f"efficientnet_{v}": torchvision_v1(v) for v in V1_SCALING}
    out |= {f"efficientnet_v2_{v}": torchvision_v2(v) for v in TV_V2}
    out |= {f"keras-efficientnet{v}": keras_v1(v) for v in V1_SCALING}
    out |= {f"keras-efficientnetv2{v}": keras_v2(v) for v in KERAS_V2_SCALING}
    return out


def main(argv: list[str]) -> int:
    return write_or_check(specs(), argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
