"""The JSON contract of ``convcalc conv --json`` and ``convcalc eval --json`` (schema_version 1),
as pydantic models whose JSON Schema ``--schema`` prints.  The tests validate real output
against it.

Values: a JSON integer when integral, a string ``"p/q"`` when rational (exact), a JSON float when
not rational (after sigmoid, tanh, softmax or cross-entropy).  Maps are nested lists, channel
planes first (``[C][H][W]``, ``[C][L]``); a vector is a list.
"""

from __future__ import annotations

from typing import Literal, Optional, Union

from pydantic import BaseModel, Field
from typing_extensions import TypeAliasType

__all__ = ["ConvJson", "EvalJson"]

Value = Union[int, str, float]
Values = TypeAliasType("Values", Union[int, str, float, list["Values"]])  # type: ignore[misc]


class ConvJson(BaseModel):
    """``convcalc conv --json``."""

    schema_version: Literal[1] = 1
    operation: Literal["cross-correlation", "convolution"]
    symmetric_kernel: bool = Field(description="the kernel equals itself turned by 180°")
    stride: list[int]
    padding: list[list[int]] = Field(description="[before, after] per spatial dim")
    dilation: list[int]
    input: Values = Field(description="[C][H][W] (or [C][L])")
    kernel: Values = Field(description="[F][C][kh][kw] (or [F][C][k]), before --flip")
    bias: Optional[list[Value]]
    output: Values = Field(description="[F][H][W] (or [F][L])")
    explain: Optional[list[str]] = Field(default=None, description="--explain: one sum per cell")


class EvalLayer(BaseModel):
    index: int = Field(description="as in the shape report: restarts at 1 inside each branch")
    path: str = Field(description="2.1.1 is layer 1 of branch 1 of layer 2 (--weight PATH=…)")
    token: str
    kind: str
    output: Values
    weight: Optional[Values] = None
    bias: Optional[Values] = None
    notes: list[str] = Field(default_factory=list)
    explain: Optional[list[str]] = None


class GradLayer(BaseModel):
    index: int
    path: str
    output: Values = Field(description="∂L/∂(the layer's output)")
    weight: Optional[Values] = Field(default=None, description="∂L/∂(its weight)")
    bias: Optional[Values] = Field(default=None, description="∂L/∂(its bias)")
    explain: Optional[list[str]] = None


class Grad(BaseModel):
    input: Values = Field(description="∂L/∂(the network's input)")
    layers: list[GradLayer]
    explain: Optional[list[str]] = None


class Loss(BaseModel):
    rule: str = Field(description="output, sum, mean, mse:TARGET or ce:CLASS")
    value: Value
    explain: Optional[list[str]] = None


class EvalJson(BaseModel):
    """``convcalc eval --json``."""

    schema_version: Literal[1] = 1
    spec: str
    exact: bool = Field(description="every value is rational (no sigmoid, tanh, softmax, ce)")
    input: Values = Field(description="[C][H][W] (or [C][L]): channel planes first")
    layers: list[EvalLayer]
    loss: Optional[Loss] = None
    grad: Optional[Grad] = None
    notes: list[str] = Field(default_factory=list)
