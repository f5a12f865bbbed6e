"""Errors are values: each carries the message, the offending token and its character offset.

Every error convcalc raises for bad input is a :class:`ConvcalcError`, which is also a
:class:`ValueError`, so callers can catch either.  The CLI catches them in exactly one place and
prints :meth:`ConvcalcError.render` (one line, then the spec with a caret under the token).
"""

from __future__ import annotations

import unicodedata

__all__ = [
    "ConvcalcError",
    "LimitError",
    "ShapeError",
    "SpecSyntaxError",
    "clip",
    "escape_text",
    "expect_type",
]

_WINDOW = 72  # characters of the spec shown around the caret


class ConvcalcError(ValueError):
    """Base class of every input error: a message, the token it is about and where it stands."""

    def __init__(self, message: str, token: str = "", position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.token = token
        self.position = position

    def to_dict(self) -> dict[str, object]:
        """The ``{"message", "token", "position"}`` object of the JSON error contract."""
        return {"message": self.message, "token": self.token, "position": self.position}

    def render(self, spec: str | None = None) -> str:
        """The message on one line, then (given the spec) the spec with a caret under the token."""
        lines = [escape_text(self.message)]
        if spec is not None and self.position is not None:
            lines.extend(caret_lines(spec, self.position, len(self.token) or 1))
        return "\n".join(lines)


class SpecSyntaxError(ConvcalcError):
    """The text is not a spec: unknown layer, bad number, option, bracket …"""


class ShapeError(ConvcalcError):
    """The spec parses but the network is impossible (output < 1, groups, branch mismatch …)."""


class LimitError(ConvcalcError):
    """A size limit of the contract was exceeded (spec length, nesting, layer count, 2**31-1)."""


def expect_type(value: object, kind: type | tuple[type, ...], where: str, name: str) -> None:
    """A library argument of the wrong type is a ``TypeError`` naming the parameter, before it
    can reach the arithmetic (``analyze(None)``, ``analyze(spec, channels_first="yes")``)."""
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return
    kinds = kind if isinstance(kind, tuple) else (kind,)
    wanted = " or ".join(k.__name__ for k in kinds)
    hint = " (decode it first)" if isinstance(value, (bytes, bytearray)) and str in kinds else ""
    raise TypeError(f"{where}(): {name} must be {wanted}, not {type(value).__name__}{hint}")


CLIP = 40  # characters of a token echoed inside a message


def clip(text: str, limit: int = CLIP) -> str:
    """At most ``limit`` characters of user text echoed in a message (a 64 KiB token stays
    short), with control characters escaped: every message that quotes the user goes through
    this one helper."""
    if len(text) > limit:
        text = text[:limit] + "…"
    return escape_text(text)


def escape_text(text: str) -> str:
    """Make text from the user safe to echo: control characters become ``\\xNN`` escapes.

    Errors are written with plain writes (never through rich), so markup such as ``[red]`` is
    shown as typed and needs no further escaping.
    """
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable():
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return "".join(out)


def display_width(text: str) -> int:
    """Terminal columns taken by already-escaped text (East Asian wide characters count 2)."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def caret_lines(spec: str, position: int, length: int) -> list[str]:
    """Two lines: the spec (windowed around ``position`` when long) and carets under the token."""
    position = max(0, min(position, len(spec)))
    length = max(1, min(length, len(spec) - position, _WINDOW // 2)) if spec else 1
    start = max(0, min(position - _WINDOW // 3, len(spec) - _WINDOW))
    end = min(len(spec), max(position + length, start + _WINDOW))
    head = "…" if start > 0 else ""
    tail = "…" if end < len(spec) else ""
    before = head + escape_text(spec[start:position])
    token = escape_text(spec[position : position + length])
    shown = before + token + escape_text(spec[position + length : end]) + tail
    return ["  " + shown, "  " + " " * display_width(before) + "^" * max(1, display_width(token))]
