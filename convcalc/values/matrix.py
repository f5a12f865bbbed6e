"""Exact numbers in and out: matrices from text, JSON, files or stdin; values written for people.

A value is a :class:`~fractions.Fraction` while it is rational and a ``float`` once a layer that
is not rational (sigmoid, tanh, softmax, cross-entropy) has touched it.  A :class:`Tensor` is a
shape and its values in row-major order; maps are channel planes first (``[C][H][W]``).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import prod
from pathlib import Path
from typing import Union

from ..errors import ConvcalcError, LimitError

__all__ = [
    "MAX_CELLS",
    "MatrixError",
    "Num",
    "Tensor",
    "fmt_value",
    "is_symmetric_180",
    "json_value",
    "load_matrix",
    "parse_matrix",
    "parse_number",
]

Num = Union[Fraction, float]

#: the most numbers one matrix may hold (a homework matrix has tens)
MAX_CELLS = 100_000
#: the longest number accepted, in characters (exact arithmetic on huge numbers is slow)
MAX_NUMBER_CHARS = 40


class MatrixError(ConvcalcError):
    """A matrix that cannot be read: ragged rows, a non-number, an empty matrix …

    ``position`` is a character offset into the matrix text (``text``), so the error can be shown
    with a caret under the cell, as spec errors are.
    """

    def __init__(
        self, message: str, token: str = "", position: int | None = None, text: str = ""
    ) -> None:
        super().__init__(message, token, position)
        self.text = text


@dataclass(slots=True)
class Tensor:
    """A shape and its values in row-major order (``shape == ()`` for one number)."""

    shape: tuple[int, ...]
    data: list[Num]

    def nested(self) -> object:
        """The values as nested lists (a number for shape ``()``)."""
        if not self.shape:
            return self.data[0]

        def build(offset: int, dims: tuple[int, ...]) -> list[object]:
            if len(dims) == 1:
                return list(self.data[offset : offset + dims[0]])
            step = prod(dims[1:])
            return [build(offset + i * step, dims[1:]) for i in range(dims[0])]

        return build(0, self.shape)

    @classmethod
    def zeros(cls, shape: tuple[int, ...]) -> Tensor:
        return cls(shape, [Fraction(0)] * prod(shape))

    def reshape(self, shape: tuple[int, ...]) -> Tensor:
        return Tensor(shape, self.data)

    @property
    def exact(self) -> bool:
        return all(isinstance(v, Fraction) for v in self.data)


# --------------------------------------------------------------------------------------------
# numbers

_NUMBER = re.compile(r"([-−]?)(?:([0-9]+)(?:\.([0-9]*))?|\.([0-9]+))(?:/([0-9]+))?\Z", re.ASCII)


def parse_number(text: str) -> Fraction:
    """``3``, ``-2``, ``−2``, ``0.25``, ``.5``, ``1/4``, ``-3/2`` → an exact Fraction.

    Raises :class:`ValueError` with a reason for anything else.
    """
    m = _NUMBER.match(text.replace("−", "-", 1) if text.startswith("−") else text)
    if m is None or len(text) > MAX_NUMBER_CHARS:
        if m is not None:
            raise ValueError(f"'{text}' is longer than {MAX_NUMBER_CHARS} characters")
        raise ValueError(
            f"'{text}' is not a number (write an integer, a decimal such as 0.25 or a "
            "fraction such as 1/4)"
        )
    sign, whole, frac, bare, denom = m.groups()
    digits = whole if bare is None else ""
    decimals = (frac or "") if bare is None else bare
    value = Fraction(int(digits + decimals or "0"), 10 ** len(decimals))
    if denom is not None:
        if int(denom) == 0:
            raise ValueError(f"'{text}' divides by zero")
        value /= int(denom)
    return -value if sign else value


# --------------------------------------------------------------------------------------------
# matrices in

_CELL = re.compile(r"[^\s,;|]+")


def parse_matrix(text: str, what: str = "matrix") -> tuple[Tensor, int]:
    """A matrix from text: JSON nested lists (text starting with ``[``), or rows separated by
    ``;`` or newlines, cells by spaces or commas, channel planes by ``|``.

    Returns the tensor and its depth as written (1 for a row, 2 for rows, 3 for planes of rows),
    which is its number of dims: ``"1 2; 3 4"`` is 2×2, ``"1 2 | 3 4"`` is 2 planes of one row
    each, also 2×2.  Raises :class:`MatrixError` with the offending cell's offset.
    """
    stripped = text.strip()
    if stripped.startswith("["):
        return _from_json(text, what)
    planes: list[list[list[tuple[str, int]]]] = []
    start = 0
    for plane_text in text.split("|"):
        rows = []
        row_start = start
        for row_text in re.split(r";|\r?\n", plane_text):
            cells = [(m.group(), row_start + m.start()) for m in _CELL.finditer(row_text)]
            row_start += len(row_text) + 1
            if cells:
                rows.append(cells)
        planes.append(rows)
        start += len(plane_text) + 1
    rows_written = ";" in text or len([r for r in stripped.splitlines() if r.strip()]) > 1
    depth = 1 + rows_written + (len(planes) > 1)
    if not any(planes):
        raise MatrixError(f"{what}: empty matrix (write rows such as '1 2; 3 4')", "", None, text)
    for p, rows in enumerate(planes):
        if not rows:
            pos = _nth_bar(text, p)
            raise MatrixError(f"{what}: channel plane {p + 1} is empty", "|", pos, text)
    width = len(planes[0][0])
    height = len(planes[0])
    for p, rows in enumerate(planes):
        if len(rows) != height:
            pos = _nth_bar(text, p)
            raise MatrixError(
                f"{what}: channel plane {p + 1} has {len(rows)} rows, plane 1 has {height}",
                "|",
                pos,
                text,
            )
        for r, cells in enumerate(rows):
            if len(cells) != width:
                token, pos = cells[0]
                raise MatrixError(
                    f"{what}: ragged rows: row {r + 1} has {len(cells)} "
                    f"number{'s' * (len(cells) != 1)}, row 1 has {width}",
                    token,
                    pos,
                    text,
                )
    total = len(planes) * height * width
    if total > MAX_CELLS:
        raise LimitError(f"{what}: {total:,} numbers, more than the limit of {MAX_CELLS:,}")
    data: list[Num] = []
    for rows in planes:
        for cells in rows:
            for token, pos in cells:
                try:
                    data.append(parse_number(token))
                except ValueError as err:
                    raise MatrixError(f"{what}: {err}", token, pos, text) from None
    shape: tuple[int, ...]
    if depth == 1:
        shape = (width,)
    elif depth == 2:
        shape = (len(planes), width) if len(planes) > 1 else (height, width)
    else:
        shape = (len(planes), height, width)
    return Tensor(shape, data), depth


def _nth_bar(text: str, plane: int) -> int:
    """The offset of the ``|`` before plane ``plane`` (0-based), or 0 for the first plane."""
    pos = -1
    for _ in range(plane):
        pos = text.index("|", pos + 1)
    return max(pos, 0)


def _from_json(text: str, what: str) -> tuple[Tensor, int]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise MatrixError(f"{what}: bad JSON: {err.msg}", "", err.pos, text) from None
    if not isinstance(value, list):
        raise MatrixError(f"{what}: JSON must be nested lists of numbers", "", None, text)
    data: list[Num] = []

    def shape_of(item: object, path: str) -> tuple[int, ...]:
        if isinstance(item, list):
            if not item:
                raise MatrixError(f"{what}: empty list at {path or 'the top'}", "", None, text)
            shapes = [shape_of(x, f"{path}[{i}]") for i, x in enumerate(item)]
            for i, s in enumerate(shapes):
                if s != shapes[0]:
                    raise MatrixError(
                        f"{what}: ragged rows: {path}[{i}] has shape {_shape(s)}, "
                        f"{path}[0] has {_shape(shapes[0])}",
                        "",
                        None,
                        text,
                    )
            return (len(item), *shapes[0])
        if len(data) >= MAX_CELLS:
            raise LimitError(f"{what}: more numbers than the limit of {MAX_CELLS:,}")
        if isinstance(item, bool) or not isinstance(item, (int, float, str)):
            raise MatrixError(f"{what}: {path}: {json.dumps(item)} is not a number", "", None, text)
        try:
            data.append(parse_number(repr(item) if isinstance(item, float) else str(item)))
        except ValueError as err:
            raise MatrixError(f"{what}: {path}: {err}", "", None, text) from None
        return ()

    shape = shape_of(value, "")
    return Tensor(shape, data), len(shape)


def _shape(shape: Sequence[int]) -> str:
    return "×".join(map(str, shape)) or "a number"


def load_matrix(arg: str, what: str) -> tuple[Tensor, int, str]:
    """An argument as given on the command line: inline text, ``@path`` or ``-`` (stdin).

    Returns the tensor, its depth and the text it was read from (for error carets).
    """
    text = arg
    if arg == "-":
        text = sys.stdin.read()
    elif arg.startswith("@"):
        try:
            text = Path(arg[1:]).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as err:
            reason = getattr(err, "strerror", None) or str(err)
            raise ConvcalcError(f"{what}: cannot read {arg[1:]!r}: {reason}", arg, 0) from None
    tensor, depth = parse_matrix(text, what)
    return tensor, depth, text


# --------------------------------------------------------------------------------------------
# values out


def fmt_value(v: Num, decimals: int | None = None, *, minus: str = "−") -> str:
    """A value for people: ``3``, ``−3/2`` (exact), or decimals (``--decimals N``, and floats).

    A float (a value that is not rational) prints with up to 6 decimals unless ``decimals``.
    """
    if isinstance(v, Fraction):
        if decimals is None:
            text = str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"
        else:
            text = _decimal_text(v, decimals) if decimals else str(round(v))
    else:
        text = f"{v:.{6 if decimals is None else decimals}f}"
        if decimals is None:
            text = text.rstrip("0").rstrip(".") if "." in text else text
    if text.startswith("-"):
        text = text[1:] if set(text[1:]) <= set("0./") else minus + text[1:]
    return text


def _decimal_text(v: Fraction, decimals: int) -> str:
    """An exact fraction rounded (half to even) to ``decimals`` places, without float error."""
    scaled = round(v * 10**decimals)
    sign = "-" if scaled < 0 else ""
    digits = str(abs(scaled)).rjust(decimals + 1, "0")
    return f"{sign}{digits[:-decimals]}.{digits[-decimals:]}"


def json_value(v: Num) -> int | str | float:
    """The JSON encoding of one value: an integer when integral, ``"p/q"`` when rational, a
    float when not rational (after sigmoid, tanh, softmax or cross-entropy)."""
    if isinstance(v, Fraction):
        return v.numerator if v.denominator == 1 else f"{v.numerator}/{v.denominator}"
    return float(v)


def json_nested(t: Tensor) -> object:
    """A tensor as JSON: nested lists of :func:`json_value`."""
    return _map_nested(t.nested(), json_value)


def _map_nested(item: object, fn: object) -> object:
    if isinstance(item, list):
        return [_map_nested(x, fn) for x in item]
    return fn(item)  # type: ignore[operator]


def is_symmetric_180(t: Tensor, spatial: int) -> bool:
    """Whether every kernel plane (the last ``spatial`` dims) equals itself turned by 180°."""
    size = prod(t.shape[-spatial:]) if spatial else 1
    for start in range(0, len(t.data), size):
        plane = t.data[start : start + size]
        if plane != plane[::-1]:
            return False
    return True


def grid_rows(t: Tensor, decimals: int | None = None, minus: str = "−") -> list[list[list[str]]]:
    """A tensor as planes of rows of cell texts: ``[C][H][W]`` → C planes; a vector → one row."""
    cells = [fmt_value(v, decimals, minus=minus) for v in t.data]
    if len(t.shape) <= 1:
        return [[cells]]
    width = t.shape[-1]
    rows = [cells[i : i + width] for i in range(0, len(cells), width)]
    if len(t.shape) == 2:
        return [rows]
    height = t.shape[-2]
    return [rows[i : i + height] for i in range(0, len(rows), height)]


def plain_grid(rows: Iterable[Sequence[str]]) -> list[str]:
    """Rows of cells right-aligned in columns, two spaces apart."""
    rows = [list(r) for r in rows]
    widths = [max(len(r[j]) for r in rows) for j in range(len(rows[0]))]
    return ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in rows]
