"""JSON and JSON Lines: the contract's formats, written with plain writes, never through rich."""

from __future__ import annotations

import itertools
import json
from typing import Iterable, TextIO

from ..engine import LayerReport, Report, ReportStream
from ..errors import ConvcalcError
from .streams import Sink, Spool


class JsonSink(Sink):
    """``--json``: one indented object; a batch becomes a JSON array in input order."""

    def __init__(
        self, out: TextIO, err: TextIO, *, batch: bool, depth: int | None = None, **options: bool
    ) -> None:
        super().__init__(out, err, batch=batch, depth=depth, **options)
        self.count = 0

    def _item(self, text: str) -> None:
        if self.batch:
            self.out.write(("[\n" if self.count == 0 else ",\n") + text)
        else:
            self.out.write(text + "\n")
        self.count += 1

    def report(self, report: Report, line: int | None) -> None:
        self._item(report.model_dump_json(exclude_none=True, indent=2))

    def report_stream(self, stream: ReportStream, line: int | None) -> None:
        before = ("[\n" if self.count == 0 else ",\n") if self.batch else ""
        _write_json(stream, self.out, before=before)
        if not self.batch:
            self.out.write("\n")
        self.count += 1

    def error(self, error: ConvcalcError, spec: str, line: int | None) -> None:
        if self.batch:
            super().error(error, spec, line)
            self._item(json.dumps(_error_object(error, spec, line), ensure_ascii=False, indent=2))
        else:
            error_object = {"schema_version": SCHEMA_VERSION, "error": error.to_dict()}
            self.err.write(json.dumps(error_object, ensure_ascii=False) + "\n")

    def close(self) -> None:
        if self.batch:
            self.out.write("[]\n" if self.count == 0 else "\n]\n")
        self.out.flush()


class JsonlSink(Sink):
    """``--jsonl``: one compact object per line; a bad line keeps its place as an error object."""

    def report(self, report: Report, line: int | None) -> None:
        self.out.write(report.model_dump_json(exclude_none=True) + "\n")

    def report_stream(self, stream: ReportStream, line: int | None) -> None:
        _write_jsonl(stream, self.out)
        self.out.write("\n")

    def error(self, error: ConvcalcError, spec: str, line: int | None) -> None:
        super().error(error, spec, line)
        # compact, as the result lines are
        text = json.dumps(_error_object(error, spec, line), ensure_ascii=False, separators=COMPACT)
        self.out.write(text + "\n")


ROWS_AT_ONCE = 256
"""A spec of up to this many top-level rows is written in one piece (nearly every spec); a
longer one row by row, each as it comes, to a :class:`Spool`."""


def _write_jsonl(stream: ReportStream, out: TextIO) -> None:
    """Write the report's compact JSON, exactly ``model_dump_json(exclude_none=True)``, from
    its rows' JSON (:meth:`~convcalc.engine.ReportStream.json_rows`, which makes no model);
    nothing before the last row has come, so that a late error leaves no partial output."""
    rows: list[str] = []
    it = stream.json_rows()
    for row in it:
        rows.append(row)
        if len(rows) > ROWS_AT_ONCE:
            break
    else:
        head, tail = stream.json_frame()
        out.write(head + ",".join(rows) + tail)
        return
    with Spool() as spooled:
        spooled.write(",".join(rows))
        for row in it:
            spooled.write("," + row)
        head, tail = stream.json_frame()
        out.write(head)
        spooled.copy_to(out)
        out.write(tail)


def _write_json(stream: ReportStream, out: TextIO, *, before: str = "") -> None:
    """Write ``before``, then the report's indented JSON, exactly
    ``model_dump_json(exclude_none=True, indent=2)``; nothing before the last row has come.

    One call of pydantic's serializer for a whole report costs a fraction of one per row plus
    the frame; past :data:`ROWS_AT_ONCE` top-level rows, the rows go to a :class:`Spool` one by
    one as they come, and are written inside the frame of the report without them.
    """
    rows: list[LayerReport] = []
    it = iter(stream)
    for row in it:
        rows.append(row)
        if len(rows) > ROWS_AT_ONCE:
            break
    else:
        report = stream.shell(rows)
        out.write(before + report.model_dump_json(exclude_none=True, indent=2))
        return
    with Spool() as spooled:
        _json_rows(itertools.chain(rows, it), spooled)
        head, tail = _json_frame(stream.shell())
        out.write(before + head)
        spooled.copy_to(out)
        out.write(tail)


def _json_rows(rows: Iterable[LayerReport], out: Spool) -> None:
    """Each top-level row as the indented report's JSON holds it, written as it comes."""
    sep = ""
    for row in rows:
        # inside "layers" at depth 2; JSON strings hold no raw newline
        text = row.model_dump_json(exclude_none=True, indent=2).replace("\n", "\n    ")
        out.write(f"{sep}\n    {text}")
        sep = ","


def _json_frame(shell: Report) -> tuple[str, str]:
    """The indented report's JSON before and after its rows: exactly ``model_dump_json``
    around them."""
    text = shell.model_dump_json(exclude_none=True, indent=2)
    key = '"layers": []'
    head, _, tail = text.partition(key)  # the key's quotes cannot occur unescaped in a value
    return head + key[:-1], "\n  ]" + tail


COMPACT = (",", ":")  # json.dumps separators of --jsonl, as pydantic writes the results
SCHEMA_VERSION = 1  # of every JSON object convcalc writes, results and errors alike


def _error_object(error: ConvcalcError, spec: str, line: int | None) -> dict[str, object]:
    return {"schema_version": SCHEMA_VERSION, "line": line, "spec": spec, "error": error.to_dict()}
