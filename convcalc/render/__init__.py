"""Renderers: stage three.  Each output format is one :class:`Sink` class in :data:`SINKS`.

A sink receives reports (and errors) one spec at a time, so a stdin batch streams.  Machine
formats (JSON, JSON Lines) are written with plain writes, never through rich; rich is imported
only by the table sink, and only when it prints.
"""

from __future__ import annotations

from typing import Any, Callable

from .cells import (
    explain_blocks,
    human,
    human_bytes,
    rf_cells,
    table_rows,
    total_lines,
)
from .documents import CsvSink, MarkdownSink, TsvSink
from .machine import JsonlSink, JsonSink
from .streams import AsciiWriter, Sink, Spool, ascii_safe, to_ascii
from .table import TableSink, plain_table, write_rich

__all__ = [
    "SINKS",
    "AsciiWriter",
    "CsvSink",
    "JsonSink",
    "JsonlSink",
    "MarkdownSink",
    "Sink",
    "Spool",
    "TableSink",
    "TsvSink",
    "ascii_safe",
    "explain_blocks",
    "human",
    "human_bytes",
    "plain_table",
    "rf_cells",
    "table_rows",
    "to_ascii",
    "total_lines",
    "write_rich",
]


def _drawing(name: str) -> Callable[..., Sink]:
    """A sink of ``convcalc.draw``, imported when it is made: drawings read this module (its
    table rows, totals), so it cannot import them, and tables need not load them."""

    def make(*args: Any, **options: Any) -> Sink:
        from ..draw import sinks

        return getattr(sinks, name)(*args, **options)  # type: ignore[no-any-return]

    return make


SINKS: dict[str, Callable[..., Sink]] = {
    "table": TableSink,
    "json": JsonSink,
    "jsonl": JsonlSink,
    "markdown": MarkdownSink,
    "csv": CsvSink,
    "tsv": TsvSink,
    "svg": _drawing("SvgSink"),
    "tikz": _drawing("TikzSink"),
    "html": _drawing("HtmlSink"),
}
"""Output format name → sink class (or factory).  ``--format`` choices are the keys."""
