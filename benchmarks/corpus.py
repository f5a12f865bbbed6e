"""The specs the throughput benchmarks run (compare.py, library_loop.py): seeded, so that every
version and every run sees the same ones.

* :func:`residual_specs`: random networks of 3–12 layers with residual blocks, as a script
  sweeping a design space writes them (a stem conv, activations, norms, pools, ``res`` blocks
  with and without a projection shortcut, a head).  Each is valid by construction.
* ``bench.many_specs``: the 10,000 different small specs of the batch benchmark.
"""

from __future__ import annotations

import random


def residual_specs(n: int, seed: int = 13) -> list[str]:
    """``n`` random specs of 3–12 layers (a ``res`` block counts its layers) with residual
    blocks; the feature map never shrinks below 2 pixels, so every spec is valid."""
    rng = random.Random(seed)
    specs: list[str] = []
    while len(specs) < n:
        size = rng.choice([16, 24, 28, 32, 48, 56, 64, 96, 112, 128, 224]) + rng.randrange(8)
        channels = rng.choice([1, 3, 4, 8, 16])
        parts = [f"{size}x{size}x{channels}"]
        layers = rng.randint(3, 12)
        count = 0
        while count < layers:
            r = rng.random()
            if r < 0.3:
                k, s = rng.choice([1, 3, 5, 7]), rng.choice([1, 1, 2])
                out = (size + 2 * (k // 2) - k) // s + 1
                if out < 2:
                    continue
                channels = rng.choice([8, 16, 24, 32, 48, 64, 96, 128]) + rng.randrange(4)
                parts.append(f"conv{k}s{s}p{k // 2}x{channels}")
                size, count = out, count + 1
            elif r < 0.45:
                parts.append(rng.choice(["relu", "bn", "gelu", "silu", "relu6"]))
                count += 1
            elif r < 0.55:
                if size < 4:
                    continue
                parts.append("pool2")
                size, count = size // 2, count + 1
            elif r < 0.75:
                c = channels
                parts.append(f"res(conv3p1x{c} bn relu conv3p1x{c} bn)")
                count += 5
            elif r < 0.85:
                if size < 4:
                    continue
                c = rng.choice([16, 32, 64, 128])
                parts.append(f"res(conv3s2p1x{c} relu conv3p1x{c} | conv1s2x{c})")
                size, channels, count = (size - 1) // 2 + 1, c, count + 4
            else:
                parts.append(rng.choice(["dropout0.1", "id", "bn"]))
                count += 1
        parts.append(rng.choice(["gap", "gap dense10", f"flatten dense{rng.randint(2, 1000)}"]))
        specs.append(" ".join(parts))
    return specs
