"""Write the zoo's MobileNetV3 specs: torchvision's mobilenet_v3_small/large and Keras'
MobileNetV3Small/Large (convcalc/models/mobilenet_v3_*.spec, keras-mobilenetv3*.spec).

    python docs/zoo/gen_mobilenetv3.py          # rewrite the spec files
    python docs/zoo/gen_mobilenetv3.py --check  # exit 1 if a committed spec differs

Both frameworks build the same blocks from torchvision's settings table
(tests/zoo_torch/mobilenetv3.py, ``SETTINGS``; Keras' expansion ratios give the same widths).
The figures in the headers are published ones (torchvision's weights meta; Keras'
count_params(), pinned in KERAS_PARAMS below), not convcalc's output: tests/test_zoo.py and
tests/test_keras_oracle.py check that convcalc and the frameworks both reach them.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "docs" / "zoo"))

from specfiles import write_or_check  # noqa: E402
from zoo_torch.common import make_divisible  # noqa: E402
from zoo_torch.mobilenetv3 import PUBLISHED, SETTINGS, squeeze_width  # noqa: E402

PAPER = 'Howard et al., "Searching for MobileNetV3", ICCV 2019'

#: count_params() of keras.applications.MobileNetV3<Size>(weights=None), Keras 3.15
KERAS_PARAMS = {"small": 2_554_968, "large": 5_507_432}

TORCH_NOTE = (
    "torchvision's inverted residual settings (input, kernel, expanded, output, SE, activation, "
    "stride) {settings}. Each block: a 1×1 expansion (absent where the expanded width equals the "
    "input), a k×k depthwise conv with the block's stride, then squeeze-and-excitation where the "
    "table says so, and a linear 1×1 projection; convs bias-free with batch norm; activation "
    "ReLU (RE) or hardswish (HS); res(…) where the stride is 1 and the widths match. The SE is "
    "torchvision's SqueezeExcitation(expanded, _make_divisible(expanded // 4, 8)) with ReLU and "
    "a hardsigmoid gate, written as mul(…) since se<r> means a sigmoid gate (the counts are "
    "the same). Head: 1×1 conv to 6× the last width, bn, hardswish, global mean, then the "
    "classifier Linear({last}) hardswish Dropout(0.2) Linear(1000)."
)
KERAS_NOTE = (
    "Keras builds the blocks of torchvision's table (input, kernel, expanded, output, SE, "
    "activation, stride) {settings}, with these differences. The input is rescaled "
    "(include_preprocessing=True: Rescaling(1/127.5, offset=-1), no weights). The stem conv is "
    "psame. A stride-2 depthwise conv is ZeroPadding2D(correct_pad) then a valid conv, written "
    "psame: built at a given input_shape (as --input means), correct_pad pads k//2 − 1 before "
    "and k//2 after on an even size and k//2 on both sides on an odd one, TensorFlow's 'same' "
    "split at stride 2. (The default size-free (None, None, 3) input always pads k//2 − 1 "
    "before: the same at 224, and at any even size.) The SE squeezes to "
    "_depth(expanded · 0.25) (the same widths), its convs have biases, and its gate is the "
    "module's own hard_sigmoid, ReLU(6)(x + 3) / 6 (hsigmoid; an add, a ReLU6 and a scaling, no "
    "weights); the block's hardswish is Activation('hard_swish'). Head: 1×1 conv to 6× the last "
    "width, bn, hardswish, GlobalAveragePooling2D(keepdims=True) (apool1), a biased 1×1 conv to "
    "{last} in place of a Linear, hardswish, Dropout(0.2), a 1×1 conv to the 1000 logits, "
    "Flatten, softmax. The MACs are those of the convs at 224×224; Keras publishes none."
)


def settings_text(settings) -> str:
    return ", ".join(
        f"({i}, {k}, {e}, {o}, {'SE' if se else '-'}, {act}, {s})"
        for i, k, e, o, se, act, s in settings
    )


def blocks(settings, keras: bool) -> list[str]:
    lines = []
    for cin, k, expanded, cout, use_se, act, stride in settings:
        a = "hswish" if act == "HS" else "relu"
        parts = [f"conv1x{expanded}nb bn {a}"] if expanded != cin else []
        if keras:
            parts.append(f"dwconv{k}{'s2' if stride == 2 else ''}psamenb bn {a}")
        else:
            parts.append(f"dwconv{k}{'s2' if stride == 2 else ''}p{k // 2}nb bn {a}")
        if use_se:
            squeeze = make_divisible(expanded * 0.25, 8) if keras else squeeze_width(expanded)
            parts.append(f"mul(apool1 conv1x{squeeze} relu conv1x{expanded} hsigmoid)")
        parts.append(f"conv1x{cout}nb bn")
        body = " ".join(parts)
        lines.append(f"res({body})" if stride == 1 and cin == cout else body)
    return repeated(lines)


def repeated(lines: list[str]) -> list[str]:
    """Runs of equal blocks as one res(…)*n (only a residual block can repeat: the others
    change the shape)."""
    out: list[tuple[str, int]] = []
    for line in lines:
        if out and out[-1][0] == line:
            out[-1] = (line, out[-1][1] + 1)
        else:
            out.append((line, 1))
    return [line if n == 1 else f"{line}*{n}" for line, n in out]


def spec(name: str) -> str:
    size = name.removeprefix("keras-mobilenetv3").removeprefix("mobilenet_v3_")
    keras = name.startswith("keras-")
    settings, last = SETTINGS[f"mobilenet_v3_{size}"]
    width = 6 * settings[-1][3]
    first = settings[0][0]
    if keras:
        title = f"MobileNetV3{size.title()} (Keras)"
        source = (
            f"{PAPER}; keras.applications.MobileNetV3{size.title()} "
            "(keras/src/applications/mobilenet_v3.py, Keras 3.15); params: count_params() of "
            f"MobileNetV3{size.title()}(weights=None)"
        )
        figures = [f"# params: {KERAS_PARAMS[size]}"]
        note = KERAS_NOTE.format(settings=settings_text(settings), last=last)
        stem = f"rescale conv3s2psamex{first}nb bn hswish"
        head = (
            f"conv1x{width}nb bn hswish apool1 conv1x{last} hswish dropout0.2 conv1x1000 "
            "flatten softmax"
        )
    else:
        title = f"MobileNetV3-{size.title()}"
        source = (
            f"{PAPER}; torchvision.models.{name} (torchvision/models/mobilenetv3.py, weights "
            "enum meta num_params / _ops)"
        )
        count, shown = PUBLISHED[name]
        figures = [f"# params: {count}", f"# gmacs: {shown}"]
        note = TORCH_NOTE.format(settings=settings_text(settings), last=last)
        stem = f"conv3s2p1x{first}nb bn hswish"
        head = f"conv1x{width}nb bn hswish gap dense{last} hswish dropout0.2 dense1000"
    lines = [
        f"# name: {name}",
        f"# title: {title}",
        f"# source: {source}",
        *figures,
        *textwrap.wrap(note, 98, initial_indent="# ", subsequent_indent="# "),
        "224x224x3",
        stem,
        *blocks(settings, keras),
        head,
    ]
    return "\n".join(lines) + "\n"


NAMES = ["mobilenet_v3_small", "mobilenet_v3_large", "keras-mobilenetv3small",
         "keras-mobilenetv3large"]  # fmt: skip


def main(argv: list[str]) -> int:
    return write_or_check({name: spec(name) for name in NAMES}, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
