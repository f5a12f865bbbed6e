"""Named 3×3 kernels of image processing, for ``convcalc conv`` and ``--weight N=NAME``.

Each is written as its rows; ``box`` and ``gaussian3`` are exact fractions.  The table is shown
in ``convcalc conv --help`` and the README.
"""

from __future__ import annotations

from fractions import Fraction

from .matrix import Tensor, fmt_value

__all__ = ["KERNELS", "kernel", "kernels_help"]

_F = Fraction

KERNELS: dict[str, list[list[Fraction]]] = {
    "identity": [[_F(0), _F(0), _F(0)], [_F(0), _F(1), _F(0)], [_F(0), _F(0), _F(0)]],
    "box": [[_F(1, 9)] * 3 for _ in range(3)],
    "gaussian3": [
        [_F(1, 16), _F(2, 16), _F(1, 16)],
        [_F(2, 16), _F(4, 16), _F(2, 16)],
        [_F(1, 16), _F(2, 16), _F(1, 16)],
    ],
    "laplacian4": [[_F(0), _F(1), _F(0)], [_F(1), _F(-4), _F(1)], [_F(0), _F(1), _F(0)]],
    "laplacian8": [[_F(1), _F(1), _F(1)], [_F(1), _F(-8), _F(1)], [_F(1), _F(1), _F(1)]],
    "sobel-x": [[_F(-1), _F(0), _F(1)], [_F(-2), _F(0), _F(2)], [_F(-1), _F(0), _F(1)]],
    "sobel-y": [[_F(-1), _F(-2), _F(-1)], [_F(0), _F(0), _F(0)], [_F(1), _F(2), _F(1)]],
    "prewitt-x": [[_F(-1), _F(0), _F(1)], [_F(-1), _F(0), _F(1)], [_F(-1), _F(0), _F(1)]],
    "prewitt-y": [[_F(-1), _F(-1), _F(-1)], [_F(0), _F(0), _F(0)], [_F(1), _F(1), _F(1)]],
    "sharpen": [[_F(0), _F(-1), _F(0)], [_F(-1), _F(5), _F(-1)], [_F(0), _F(-1), _F(0)]],
    "emboss": [[_F(-2), _F(-1), _F(0)], [_F(-1), _F(1), _F(1)], [_F(0), _F(1), _F(2)]],
}


def kernel(name: str) -> Tensor | None:
    """The named kernel as a 3×3 tensor, or None when ``name`` is not one."""
    rows = KERNELS.get(name.lower())
    if rows is None:
        return None
    return Tensor((len(rows), len(rows[0])), [v for row in rows for v in row])


def kernels_help() -> str:
    """The table for --help and the README: each name, then its rows ``[a b c; …]``."""
    lines = []
    for name, rows in KERNELS.items():
        text = "; ".join(" ".join(fmt_value(v, minus="-") for v in row) for row in rows)
        lines.append(f"{name}: [{text}]")
    return "\n".join(lines)
