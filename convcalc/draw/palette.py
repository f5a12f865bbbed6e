"""The colours of a drawing, shared by the SVG and TikZ writers.

Each family's fill has its own lightness, so the picture still reads printed in greyscale
(``tests/test_draw.py`` checks the luma steps).  A box's top face is its fill lightened and its
side face darkened, which keeps the 3-D reading in greyscale too.  ``NO_COLOR`` (any non-empty
value, https://no-color.org) gives black lines on white faces.
"""

from __future__ import annotations

import os

__all__ = ["FILLS", "MONO", "faces", "luma", "mono"]

FILLS: dict[str, str] = {
    "input": "#ededed",
    "pool": "#f7cd7e",
    "up": "#b98fd6",
    "other": "#8c8c8c",
    "conv": "#3a78b8",
    "dense": "#2a5e38",
}
"""Front-face fill per family, lightest to darkest (luma about .93 .82 .64 .55 .43 .29)."""

MONO = "#ffffff"


def mono() -> bool:
    """True when ``NO_COLOR`` is set and not empty: black and white."""
    return bool(os.environ.get("NO_COLOR"))


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _mix(colour: str, target: int, amount: float) -> str:
    return "#" + "".join(f"{round(c + (target - c) * amount):02x}" for c in _rgb(colour))


def luma(colour: str) -> float:
    """Rec. 601 luma in [0, 1]: the grey a printer or a greyscale filter makes of it."""
    r, g, b = _rgb(colour)
    return (0.299 * r + 0.587 * g + 0.114 * b) / 255


def faces(family: str, black_and_white: bool = False) -> tuple[str, str, str]:
    """(front, top, side) fills of a box of ``family``."""
    if black_and_white:
        return MONO, MONO, MONO
    front = FILLS.get(family, FILLS["other"])
    return front, _mix(front, 255, 0.35), _mix(front, 0, 0.25)
