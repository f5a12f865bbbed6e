"""PyTorch and Keras names → the convcalc token to write instead: the one table of them.

``SUGGEST`` is keyed by the framework name lowercased (``BatchNorm2d`` → ``batchnorm2d``); its
value is a convcalc token name.  Adding a framework name is one line here.  The parser looks a
word up here before it guesses with difflib, and :func:`from_call` turns PyTorch or Keras call
syntax (``Conv2d(3, 32, 3, stride=2)``) into the token with the numbers in (``conv3s2x32``).
"""

from __future__ import annotations

import ast
import warnings

__all__ = ["SUGGEST", "from_call", "suggestion"]

SUGGEST: dict[str, str] = {
    # convolutions (PyTorch Conv2d, Keras Conv2D)
    "conv1d": "conv",
    "conv2d": "conv",
    "conv3d": "conv",
    "convolution2d": "conv",
    "convtranspose1d": "deconv",
    "convtranspose2d": "deconv",
    "convtranspose3d": "deconv",
    "conv2dtranspose": "deconv",
    "conv1dtranspose": "deconv",
    "conv3dtranspose": "deconv",
    "depthwiseconv2d": "dwconv",
    "depthwiseconv1d": "dwconv",
    "separableconv2d": "sepconv",
    "separableconv1d": "sepconv",
    # pools
    "maxpool1d": "maxpool",
    "maxpool2d": "maxpool",
    "maxpool3d": "maxpool",
    "maxpooling1d": "maxpool",
    "maxpooling2d": "maxpool",
    "maxpooling3d": "maxpool",
    "avgpool1d": "avgpool",
    "avgpool2d": "avgpool",
    "avgpool3d": "avgpool",
    "averagepooling1d": "avgpool",
    "averagepooling2d": "avgpool",
    "averagepooling3d": "avgpool",
    "globalavgpool": "gap",
    "globalaveragepool": "gap",
    "globalaveragepooling": "gap",
    "globalaveragepooling1d": "gap",
    "globalaveragepooling2d": "gap",
    "globalaveragepooling3d": "gap",
    "adaptiveavgpool1d": "apool",
    "adaptiveavgpool2d": "apool",
    "adaptiveavgpool3d": "apool",
    "globalmaxpool": "gmp",
    "globalmaxpooling1d": "gmp",
    "globalmaxpooling2d": "gmp",
    "globalmaxpooling3d": "gmp",
    "adaptivemaxpool1d": "amaxpool",
    "adaptivemaxpool2d": "amaxpool",
    "adaptivemaxpool3d": "amaxpool",
    # vectors, norms, the rest
    "linear": "dense",
    "dense": "dense",
    "flatten": "flatten",
    "batchnorm": "bn",
    "batchnorm1d": "bn",
    "batchnorm2d": "bn",
    "batchnorm3d": "bn",
    "batchnormalization": "bn",
    "relu": "relu",
    "relu6": "relu6",
    "leakyrelu": "leakyrelu",
    "elu": "elu",
    "gelu": "gelu",
    "silu": "silu",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "softmax": "softmax",
    "activation": "relu",
    "dropout": "dropout",
    "dropout2d": "dropout",
    "spatialdropout2d": "dropout",
    "upsample": "upsample",
    "upsampling1d": "upsample",
    "upsampling2d": "upsample",
    "upsampling3d": "upsample",
    "zeropad2d": "zpad",
    "zeropadding1d": "zpad",
    "zeropadding2d": "zpad",
    "zeropadding3d": "zpad",
    "identity": "id",
    # vocabulary part 2 (torchvision and Keras names of the modern layers)
    "layernorm": "ln",
    "layernorm2d": "ln",
    "layernormalization": "ln",
    "groupnorm": "gn",
    "groupnormalization": "gn",
    "channelshuffle": "shuffle",
    "stochasticdepth": "droppath",
    "droppath": "droppath",
    "layerscale": "scale",
    "rescaling": "rescale",
    "normalization": "norm",
    "hardswish": "hswish",
    "hardsigmoid": "hsigmoid",
    "prelu": "prelu",
    "mish": "mish",
    "selu": "selu",
    "softplus": "softplus",
    "squeezeexcitation": "se",
    "squeezeexcite": "se",
}
"""Framework name, lowercased → the convcalc token name to write instead."""

# how a token of each kind is written, for the message when no numbers are known
_EXAMPLES = {
    "conv": "conv3x32 (kernel 3, 32 filters; s2 stride, p1 padding)",
    "deconv": "deconv4s2p1x64",
    "dwconv": "dwconv3",
    "sepconv": "sepconv3x64",
    "maxpool": "maxpool2 or maxpool3s2",
    "avgpool": "avgpool2",
    "dense": "dense10",
    "dropout": "dropout0.5",
    "apool": "apool1 (global, keeps a 1×1 map) or apool7",
    "amaxpool": "amaxpool1",
    "upsample": "up2",
    "zpad": "zpad1, or zpad0:1 (before:after)",
    "gn": "gn32 (32 groups)",
    "shuffle": "shuffle2",
    "droppath": "droppath0.2",
    "se": "se8 (squeeze width 8; mul(…) for other gates)",
}


def suggestion(word: str) -> str | None:
    """The hint for a framework name (``BatchNorm2d``, ``nn.Conv2d``), or None."""
    target = SUGGEST.get(word.rsplit(".", 1)[-1].lower())
    if target is None:
        return None
    example = _EXAMPLES.get(target)
    return f"write {target}" + (f", e.g. {example}" if example else "")


def _args(text: str) -> tuple[list[object], dict[str, object]] | None:
    """``3, 32, kernel_size=(3, 3)`` → ([3, 32], {"kernel_size": (3, 3)}), or None."""
    try:
        with warnings.catch_warnings():  # '\d' in a string: no SyntaxWarning on stderr
            warnings.simplefilter("ignore")
            call = ast.parse(f"f({text})", mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if not isinstance(call, ast.Call):
        return None
    try:
        args = [ast.literal_eval(a) for a in call.args]
        kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg}
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        return None
    return args, kwargs


def _one(value: object) -> str | None:
    """A kernel/stride/padding value as a token number: 3, (3, 3) → '3'; (1, 7) → '1x7'."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return str(value)
    if (
        isinstance(value, (tuple, list))
        and value
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value)
    ):
        return str(value[0]) if len(set(value)) == 1 else "x".join(map(str, value))
    return None


def from_call(name: str, text: str) -> str | None:
    """The convcalc token for a PyTorch or Keras call, ``Conv2d`` with ``3, 32, 3`` inside the
    parentheses → ``conv3x32`` (the bare token name when the numbers do not say enough).  None
    when ``name`` is no framework name or ``text`` is no call's arguments (``relu(id)`` is a
    relu and a plain group)."""
    name = name.rsplit(".", 1)[-1]
    target = SUGGEST.get(name.lower())
    parsed = _args(text) if target is not None and len(text) <= 1000 else None
    if target is None or parsed is None:
        return None
    args, kw = parsed
    keras = name[-1:] == "D" or name.lower() == "dense" or "pool_size" in kw or "units" in kw
    try:
        return _build(target, keras, args, kw) or target
    except (IndexError, TypeError, ValueError):
        return target


def _options(kw: dict[str, object], keras: bool) -> str:
    out = ""
    stride = kw.get("strides" if keras else "stride")
    if stride not in (None, 1, (1, 1), (1,), (1, 1, 1)) and _one(stride):
        out += f"s{_one(stride)}"
    padding = kw.get("padding")
    if padding == "same":
        out += "psame"
    elif padding not in (None, 0, "valid") and _one(padding):
        out += f"p{_one(padding)}"
    dilation = kw.get("dilation_rate" if keras else "dilation")
    if dilation not in (None, 1) and _one(dilation):
        out += f"d{_one(dilation)}"
    if kw.get("groups", 1) not in (1, None) and _one(kw["groups"]):
        out += f"g{kw['groups']}"
    if kw.get("use_bias" if keras else "bias", True) is False:
        out += "nb"
    return out


def _build(target: str, keras: bool, args: list[object], kw: dict[str, object]) -> str | None:
    if target in ("conv", "deconv", "sepconv"):
        if keras:  # Conv2D(filters, kernel_size, strides=…, padding=…)
            filters = kw.get("filters", args[0] if args else None)
            kernel = kw.get("kernel_size", args[1] if len(args) > 1 else None)
        else:  # Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups)
            filters = kw.get("out_channels", args[1] if len(args) > 1 else None)
            kernel = kw.get("kernel_size", args[2] if len(args) > 2 else None)
            for i, key in enumerate(("stride", "padding", "dilation", "groups"), 3):
                if len(args) > i:
                    kw.setdefault(key, args[i])
        if _one(kernel) is None or _one(filters) is None:
            return None
        return f"{target}{_one(kernel)}{_options(kw, keras)}x{filters}"
    if target == "dense":
        units = kw.get("units" if keras else "out_features")
        if units is None and args:
            units = args[0] if keras else (args[1] if len(args) > 1 else None)
        if _one(units) is None:
            return None
        bias = kw.get("use_bias" if keras else "bias", True)
        return f"dense{units}" + ("nb" if bias is False else "")
    if target in ("maxpool", "avgpool"):
        kernel = kw.get("pool_size" if keras else "kernel_size", args[0] if args else 2)
        if not keras:
            for i, key in enumerate(("stride", "padding"), 1):
                if len(args) > i:
                    kw.setdefault(key, args[i])
        elif len(args) > 1:
            kw.setdefault("strides", args[1])
        if _one(kernel) is None:
            return None
        stride = kw.get("strides" if keras else "stride")
        if stride == kernel:
            kw.pop("strides" if keras else "stride")
        text = f"{target}{_one(kernel)}{_options(kw, keras)}"
        return text + ("ceil" if kw.get("ceil_mode") is True else "")
    if target == "dropout":
        rate = kw.get("rate" if keras else "p", args[0] if args else None)
        if isinstance(rate, (int, float)) and not isinstance(rate, bool) and 0 <= rate < 1:
            return f"dropout{rate:g}"
        return target
    if target in ("apool", "amaxpool"):
        size = kw.get("output_size", args[0] if args else None)
        return f"{target}{_one(size)}" if _one(size) else target
    if target == "upsample":
        factor = kw.get("size" if keras else "scale_factor", args[0] if args else None)
        return f"up{_one(factor)}" if _one(factor) else target
    if target == "zpad":
        pad = kw.get("padding", args[0] if args else None)
        return f"zpad{_one(pad)}" if _one(pad) else target
    return target
