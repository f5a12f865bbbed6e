"""The value engine: numbers through one convolution or a parsed network, exact, beside the
shape engine (which knows nothing of it).

>>> from convcalc.values import convolve, evaluate, parse_matrix
>>> x, depth = parse_matrix("1 2 0; 3 1 2; 0 1 3")
>>> k, k_depth = parse_matrix("1 -1; 2 0")
>>> convolve(x, depth, k, k_depth).output.data
[Fraction(5, 1), Fraction(4, 1), Fraction(2, 1), Fraction(1, 1)]
>>> run = evaluate("3x3x1 conv2x1 gap", input=x, weights={"1": k},
...                biases={"1": parse_matrix("1/2")[0]}, grad=True)
>>> run.loss, run.rows[0].ctx.grads["weight"].data[0]
(Fraction(7, 2), Fraction(7, 4))
"""

from __future__ import annotations

from .engine import ConvResult, EvalResult, convolve, evaluate
from .kernels import KERNELS
from .matrix import MatrixError, Tensor, fmt_value, json_value, load_matrix, parse_matrix
from .ops import RULES

__all__ = [
    "KERNELS",
    "RULES",
    "ConvResult",
    "EvalResult",
    "MatrixError",
    "Tensor",
    "convolve",
    "evaluate",
    "fmt_value",
    "json_value",
    "load_matrix",
    "parse_matrix",
]
