"""The zoo's networks built by hand in torch.nn, one module per family, following the
frameworks' source (torchvision itself is not a test dependency: see tests/test_zoo.py).

Each family module defines ``PUBLISHED`` (name → torchvision's documented ``num_params`` and
GFLOPS as shown, with the source cited) and ``models(torch)`` (name → (builder, (C, H, W))).
A new family is a new module here; nothing else needs to know of it.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import ModuleType

__all__ = ["PUBLISHED", "builders"]


def _families() -> list[ModuleType]:
    return [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
        if info.name != "common"
    ]


#: torchvision's documented figures, by zoo name, from every family
PUBLISHED: dict[str, tuple[int, str]] = {
    name: figures for family in _families() for name, figures in family.PUBLISHED.items()
}


@cache
def builders(torch) -> dict:
    """Every family's builders, by zoo name."""
    found: dict = {}
    for family in _families():
        found.update(family.models(torch))
    return found
