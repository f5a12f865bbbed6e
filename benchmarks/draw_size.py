"""The SVG grows linearly with the layer count: its bytes and its width per layer.

    .venv/bin/python benchmarks/draw_size.py

Draws plain nets of n distinct conv layers (so nothing folds into a repeat) and residual nets
of n/2 distinct blocks, for n = 100, 200, 400, 800, 1600, and prints bytes per layer and the
ratio of each size to the one before (2.0 = linear).  A benchmark, not a test: it measures.
"""

from __future__ import annotations

import time

import convcalc
from convcalc.draw.layout import layout
from convcalc.draw.svg import svg


def plain(n: int) -> str:
    return "64x64x3 " + " ".join(f"conv3p1x{8 + i}" for i in range(n))


def residual(n: int) -> str:
    return "32x32x16 " + " ".join(
        f"res(conv3p1x{16 + i} relu conv3p1x{16 + i} | conv1x{16 + i})" for i in range(n // 2)
    )


def main() -> None:
    for name, make in (("plain", plain), ("residual", residual)):
        print(f"{name}: layers  bytes  bytes/layer  ×prev  seconds")
        before = None
        for n in (100, 200, 400, 800, 1600):
            report = convcalc.analyze(make(n))
            start = time.perf_counter()
            text = svg([layout(report)])
            took = time.perf_counter() - start
            size = len(text.encode())
            ratio = f"{size / before:.2f}" if before else "    "
            print(f"  {n:6d} {size:9,d} {size / n:9.0f}  {ratio}  {took:.3f}")
            before = size


if __name__ == "__main__":
    main()
