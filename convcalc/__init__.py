"""convcalc: conv-net shapes, parameters and MACs from a one-line spec.

>>> import convcalc
>>> report = convcalc.analyze("28x28x1 conv3x3s2p1x32 pool2 dense5")
>>> report.totals.params, report.totals.macs
(8165, 64288)

The pipeline is ``spec.parse`` (text → typed layers) → ``engine.propagate`` (shapes, params,
MACs → :class:`Report`) → ``render`` (table, JSON, …).  The CLI in ``cli.py`` is glue over these.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import LayerReport, Report, Totals, analyze, propagate
    from .errors import ConvcalcError, LimitError, ShapeError, SpecSyntaxError
    from .spec import Network, parse

__version__ = "0.1.0"

# The API is imported on first use (PEP 562), so ``python -m convcalc`` can handle Ctrl-C
# before pydantic and the engine load; ``from convcalc import analyze`` works as usual.
_LAZY = {
    "LayerReport": "engine",
    "Report": "engine",
    "Totals": "engine",
    "analyze": "engine",
    "propagate": "engine",
    "ConvcalcError": "errors",
    "LimitError": "errors",
    "ShapeError": "errors",
    "SpecSyntaxError": "errors",
    "Network": "spec",
    "parse": "spec",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = [
    "ConvcalcError",
    "LayerReport",
    "LimitError",
    "Network",
    "Report",
    "ShapeError",
    "SpecSyntaxError",
    "Totals",
    "__version__",
    "analyze",
    "parse",
    "propagate",
]
