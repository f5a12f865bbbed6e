"""The worked sums of --explain: one :class:`Work` per cell, written as text, Markdown or LaTeX.

A cell's work is structured (its operands, not a string), so each output format writes it its
own way: ``g(0, 2) = 1×0 + (−8)×10 + … = −70`` as text, ``1 \\times 0 + (-8) \\times 10`` in
LaTeX.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from .matrix import Num, fmt_value

__all__ = ["Work", "work_latex", "work_text"]

WorkKind = Literal["dot", "sum", "max", "mean", "fn", "value"]


@dataclass(slots=True)
class Work:
    """How one cell's value came about.

    * ``dot``: Σ a·b over ``terms`` (pairs), plus ``bias`` when given;
    * ``sum``: Σ of ``terms`` (plain values); ``mean``: their mean (divided by ``divisor``);
    * ``max``: the largest of ``terms``; ``note`` says which one was taken;
    * ``fn``: ``fn(terms[0])`` (an activation), ``value``: just the value.
    """

    name: str
    index: tuple[int, ...]
    kind: WorkKind
    value: Num
    terms: list = field(default_factory=list)
    bias: Num | None = None
    fn: str = ""
    divisor: int = 0
    note: str = ""


def _operand(v: Num, decimals: int | None, minus: str) -> str:
    text = fmt_value(v, decimals, minus=minus)
    if text.startswith(minus) or (isinstance(v, Fraction) and "/" in text):
        return f"({text})"
    return text


def _label(name: str, index: tuple[int, ...]) -> str:
    return f"{name}({', '.join(map(str, index))})" if index else name


def work_text(w: Work, decimals: int | None = None, *, ascii_only: bool = False) -> str:
    """``g(0, 2) = 1×0 + 1×0 + … = −70`` (``*`` and ``-`` with ``ascii_only``)."""
    minus, times = ("-", "*") if ascii_only else ("−", "×")

    def v(x: Num) -> str:
        return _operand(x, decimals, minus)

    rhs = _rhs(w, v, times, "max", lambda parts, n: f"({parts})/{n}")
    value = fmt_value(w.value, decimals, minus=minus)
    line = (
        f"{_label(w.name, w.index)} = {rhs} = {value}"
        if rhs
        else f"{_label(w.name, w.index)} = {value}"
    )
    return f"{line}   ({w.note})" if w.note else line


def work_latex(w: Work, decimals: int | None = None) -> str:
    """The same sum in LaTeX math (no delimiters): ``g(0, 2) = 1 \\times 0 + … = -70``."""

    def v(x: Num) -> str:
        return _latex_operand(x, decimals)

    rhs = _rhs(w, v, " \\times ", "\\max", lambda parts, n: f"\\frac{{{parts}}}{{{n}}}")
    name = _latex_name(w.name)
    label = f"{name}({', '.join(map(str, w.index))})" if w.index else name
    value = latex_value(w.value, decimals)
    line = f"{label} = {rhs} = {value}" if rhs else f"{label} = {value}"
    return f"{line} \\quad \\text{{({_math_note(w.note)})}}" if w.note else line


def _rhs(w: Work, v, times: str, max_word: str, mean) -> str:
    if w.kind == "dot":
        parts = [f"{v(a)}{times}{v(b)}" for a, b in w.terms]
        if w.bias is not None:
            parts.append(v(w.bias))
        return " + ".join(parts) if parts else "0"
    if w.kind == "sum":
        return " + ".join(v(t) for t in w.terms)
    if w.kind == "mean":
        return mean(" + ".join(v(t) for t in w.terms), w.divisor or len(w.terms))
    if w.kind == "max":
        return f"{max_word}(" + ", ".join(v(t) for t in w.terms) + ")"
    if w.kind == "fn":
        return f"{w.fn}(" + ", ".join(v(t) for t in w.terms) + ")"
    return ""


def _latex_name(name: str) -> str:
    name = name.replace("∂", "\\partial ")
    if name.startswith("\\partial L/\\partial "):
        rest = name[len("\\partial L/\\partial ") :]
        return f"\\frac{{\\partial L}}{{\\partial {_subscript(rest)}}}"
    return _subscript(name)


def _subscript(name: str) -> str:
    """``Y12`` → ``Y_{12}``, ``W2.1.1`` → ``W_{2.1.1}``."""
    head = name.rstrip("0123456789.")
    tail = name[len(head) :]
    return f"{head}_{{{tail}}}" if tail else name


def _latex_operand(v: Num, decimals: int | None) -> str:
    text = latex_value(v, decimals)
    return f"\\left({text}\\right)" if text.startswith("-") or "frac" in text else text


def latex_value(v: Num, decimals: int | None = None) -> str:
    """A value in LaTeX: ``-3``, ``-\\frac{3}{2}``, ``0.731059``."""
    text = fmt_value(v, decimals, minus="-")
    if "/" in text:
        sign = "-" if text.startswith("-") else ""
        p, q = text.lstrip("-").split("/")
        return f"{sign}\\frac{{{p}}}{{{q}}}"
    return text


#: symbols of the value commands' own sentences, spelled out before escaping
_WORDS = {
    "°": " degrees",
    "Σ": "sum ",
    "∂": "d",
    "⋆": "*",
    "′": "'",
    "²": "^2",
    "·": "*",
    "⌈": "ceil(",
    "⌉": ")",
}


def _math_note(text: str) -> str:
    """A note (the commands' own words and layer names) for ``\\text{…}`` in math, which both
    LaTeX and MathJax read: symbols spelled out, ASCII only, TeX's specials escaped."""
    spelled = "".join(_WORDS.get(c, c) for c in text).replace("−", "-").replace("×", "x")
    ascii_only = "".join(c if " " <= c <= "~" else "?" for c in spelled)
    return "".join(f"\\{c}" if c in "{}_%&#$" else "" if c in "\\^~" else c for c in ascii_only)


def latex_text(text: str) -> str:
    """Plain text made safe for LaTeX, set in typewriter type (``\\texttt{…}``): the escaping
    of :func:`convcalc.draw.tikz.latex_text` (special characters as font slots, any other
    non-ASCII character ``?``), after this module's symbols are spelled out."""
    from ..draw.tikz import latex_text as escape

    spelled = "".join(_WORDS.get(c, c) for c in text)
    return "\\texttt{" + escape(spelled) + "}"
