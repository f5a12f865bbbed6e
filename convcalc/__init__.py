"""convcalc: conv-net shapes, parameters and MACs from a one-line spec.

>>> import convcalc
>>> report = convcalc.analyze("28x28x1 conv3x3s2p1x32 pool2 dense5")
>>> report.totals.params, report.totals.macs
(8165, 64288)

The pipeline is ``spec.parse`` (text → typed layers) → ``engine.propagate`` (shapes, params,
MACs → :class:`Report`) → ``render`` (table, JSON, …).  The CLI in ``cli.py`` is glue over these.
"""

from __future__ import annotations

from .engine import LayerReport, Report, Totals, analyze, propagate
from .errors import ConvcalcError, LimitError, ShapeError, SpecSyntaxError
from .spec import Network, parse

__version__ = "0.1.0"

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
