"""The layer registry: one class per layer kind, and the only package that knows layer kinds.

Each class is a pydantic model (its ``kind`` a ``Literal``) that holds, side by side:

* ``NAMES`` – the tokens that spell it (the first is canonical) and ``OPTIONS`` it accepts;
* ``from_token`` – how the x-numbers and options of a token become typed fields;
* ``forward`` – its shape rule, parameter rule and MAC rule, given the input shape, and the
  window it slides, for receptive fields (all in one :class:`Effect`: a step-memo miss in the
  engine makes one call); ``explain`` – its arithmetic.

The kinds live in one module per family (``conv``, ``pool``, ``norm``, ``simple``,
``block``), each importing
``base`` and never this package.  ``spec.py`` looks names up in :data:`REGISTRY`; ``engine.py``
only calls ``forward``.  Adding a layer kind means adding one class to its family module
(decorated with :func:`register`), one entry in :data:`AnyLayer` below, and its tests.

Shapes are tuples in channels-last order: ``(*spatial, C)`` for a feature map of rank 1–3, and
``(N,)`` for a vector.  ``--channels-first`` is converted at the edges (parser, engine output).
"""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from ..fmt import Shape, fmt_int, fmt_shape, in_layout
from .base import (
    DIM_NAMES,
    INPUT,
    MAX_COUNT,
    MAX_INT,
    REGISTRY,
    AsAny,
    Effect,
    Layer,
    Padding,
    PerDim,
    Window,
    register,
)
from .block import SqueezeExcite
from .conv import Conv, ConvTranspose, DepthwiseConv, SeparableConv
from .norm import GroupNorm, LayerNorm, LayerScale, Normalization, Rescaling
from .pool import AdaptivePool, GlobalPool, Pool
from .simple import (
    Activation,
    BatchNorm,
    ChannelShuffle,
    Dense,
    Dropout,
    DropPath,
    Flatten,
    Identity,
    PReLU,
    Upsample,
    ZeroPad,
)

__all__ = [
    "DIM_NAMES",
    "INPUT",
    "MAX_COUNT",
    "MAX_INT",
    "REGISTRY",
    "Activation",
    "AdaptivePool",
    "AnyLayer",
    "AsAny",
    "BatchNorm",
    "ChannelShuffle",
    "Conv",
    "ConvTranspose",
    "Dense",
    "DepthwiseConv",
    "DropPath",
    "Dropout",
    "Effect",
    "Flatten",
    "GlobalPool",
    "GroupNorm",
    "Identity",
    "Layer",
    "LayerNorm",
    "LayerScale",
    "Normalization",
    "PReLU",
    "Padding",
    "PerDim",
    "Pool",
    "Rescaling",
    "SeparableConv",
    "Shape",
    "SqueezeExcite",
    "Upsample",
    "Window",
    "ZeroPad",
    "fmt_int",
    "fmt_shape",
    "in_layout",
    "register",
]

AnyLayer = Annotated[
    Union[
        Conv,
        DepthwiseConv,
        SeparableConv,
        ConvTranspose,
        Pool,
        GlobalPool,
        AdaptivePool,
        Flatten,
        Dense,
        BatchNorm,
        LayerNorm,
        GroupNorm,
        LayerScale,
        Rescaling,
        Normalization,
        Activation,
        PReLU,
        Dropout,
        DropPath,
        ChannelShuffle,
        SqueezeExcite,
        Identity,
        Upsample,
        ZeroPad,
    ],
    Field(discriminator="kind"),
    AsAny(),
]
"""The typed output of the parser and input of the engine: a union discriminated on ``kind``.

``AsAny`` (pydantic's ``SerializeAsAny``): a layer is written to JSON by its own class, which
it always is one of.
Same JSON and schema; pydantic's union serializer would first build the layer's dict, then
write that (a report's JSON took a third longer for its layers)."""
