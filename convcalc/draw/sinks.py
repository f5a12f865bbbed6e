"""The ``--format svg``, ``tikz`` and ``html`` sinks (``render.SINKS`` imports this module only
when one of them is asked for).

A picture is a whole document, so these sinks keep each spec's layout and write at ``close``:
a stdin batch gives one SVG with the pictures stacked, one TikZ picture per spec, or one HTML
page with a section per spec.  Bad specs are reported on stderr as by every sink.
"""

from __future__ import annotations

from typing import TextIO

from ..engine import Report
from ..render import Sink
from .layout import Layout, layout

__all__ = ["HtmlSink", "SvgSink", "TikzSink"]


class _DrawingSink(Sink):
    def __init__(self, out: TextIO, err: TextIO, **options: object) -> None:
        super().__init__(out, err, **options)  # type: ignore[arg-type]
        self.pictures: list[tuple[Report, Layout, int | None]] = []

    def report(self, report: Report, line: int | None) -> None:
        title = self.title
        if self.batch:
            title = (f"{title} · " if title else "") + f"line {line}: {report.spec}"
        self.pictures.append((report, layout(report, depth=self.depth, title=title), line))

    def write(self) -> None:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def close(self) -> None:
        if self.pictures:
            self.write()
        self.out.flush()


class SvgSink(_DrawingSink):
    """``--format svg``: one standalone SVG document."""

    def write(self) -> None:
        from .svg import svg

        self.out.write(svg([p for _, p, _ in self.pictures]))


class TikzSink(_DrawingSink):
    """``--format tikz``: a ``tikzpicture`` per spec (``\\usepackage{tikz}`` in the preamble)."""

    def write(self) -> None:
        from .tikz import tikz

        self.out.write("\n".join(tikz(p) for _, p, _ in self.pictures))


class HtmlSink(_DrawingSink):
    """``--format html``: one offline page: the table, the diagram, with ``--explain`` the
    worked arithmetic."""

    def write(self) -> None:
        from .html import page

        self.out.write(page(self.pictures, depth=self.depth, title=self.title))
