"""How numbers, shapes and formulas are written for people: one place for every renderer.

Shapes are tuples in channels-last order; :func:`in_layout` turns one into the display layout.
"""

from __future__ import annotations

__all__ = ["Shape", "fmt_int", "fmt_shape", "fmt_signed", "in_layout"]

Shape = tuple[int, ...]


def fmt_shape(shape: Shape) -> str:
    return "×".join(map(str, shape))


def fmt_int(n: int) -> str:
    return f"{n:,}"


def fmt_signed(x: int) -> str:
    """An integer in a formula shown to people: thousands separated, a real minus sign (−1)."""
    return f"−{-x:,}" if x < 0 else f"{x:,}"


def in_layout(shape: Shape, channels_first: bool) -> Shape:
    """A shape (kept channels last) in the display layout: channels first on request."""
    if channels_first and len(shape) > 1:
        return (shape[-1], *shape[:-1])
    return shape
