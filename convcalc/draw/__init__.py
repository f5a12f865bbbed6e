"""Pictures of a network, drawn from the shape engine's report (never inside it).

``layout`` computes boxes, lines and labels once; ``svg`` and ``tikz`` write that layout out;
``html`` puts the table, the SVG and the worked arithmetic on one offline page; ``sinks`` holds
the ``--format svg|tikz|html`` sinks that ``render.SINKS`` names.
"""

from __future__ import annotations

from .layout import Layout, layout

__all__ = ["Layout", "layout"]
