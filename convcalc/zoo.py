"""The model zoo: well-known networks written in the spec language, with their published figures.

Each model is a package data file ``convcalc/models/<name>.spec``: header comment lines
(``# name:``, ``# title:``, ``# source:``, and ``# params:`` / ``# gmacs:`` where a figure is
published; any other header comment is a note on the modelling choices), then the spec, which may
span several lines (lines are joined with spaces, ``#`` comments are stripped).

A published figure is compared the way its framework counts: a torchvision model's ``params`` is
PyTorch's ``sum(p.numel())`` (convcalc's ``trainable_params``), a Keras model's (``keras-…``) is
``count_params()`` (convcalc's ``params``, with BN's moving statistics); GMACs are compared to the
digits the header shows (``4.23`` to two decimals, ``0.714`` to three).

Nothing is read at import time; the files are read on first use and kept.

>>> from convcalc import zoo
>>> zoo.get("ResNet-18").params
11689512
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from .errors import ConvcalcError, clip

if TYPE_CHECKING:
    from .engine import Totals

__all__ = ["ZooModel", "get", "models"]

_HEADER_KEYS = ("name", "title", "source", "params", "gmacs")


@dataclass(frozen=True)
class ZooModel:
    """One zoo network: its spec and, where published, its parameter count and GMACs."""

    name: str
    title: str
    source: str
    spec: str
    params: int | None = None
    gmacs: float | None = None
    notes: str = ""
    gmacs_decimals: int = 3

    @property
    def keras(self) -> bool:
        """Counted the Keras way (``count_params()``): the ``keras-`` models."""
        return self.name.startswith("keras-")

    def counted_params(self, totals: Totals) -> int:
        """The count of ``totals`` that the published ``params`` figure is."""
        return totals.params if self.keras else totals.trainable_params

    def with_input(self, shape: str, *, channels_first: bool = False) -> str:
        """This model's spec at another input ``shape`` (``512x512x3``; ``3x512x512`` with
        ``channels_first``, for a spec that will be read that way), of the model's rank.

        >>> get("resnet18").with_input("512x512x3").split()[:2]
        ['512x512x3', 'conv7s2p3x64nb']
        """
        first, _, rest = self.spec.partition(" ")
        rank = first.count("x")
        if not _SHAPE.fullmatch(shape):
            raise ConvcalcError(
                f"bad input shape '{shape}': write dims joined by x, e.g. "
                f"{_example(first, channels_first)}",
                shape,
                0,
            )
        if len(_DIM_SEP.split(shape)) - 1 != rank:
            raise ConvcalcError(
                f"input '{shape}' has {_dims(len(_DIM_SEP.split(shape)) - 1)}; "
                f"{self.name} takes {rank}, e.g. {_example(first, channels_first)}",
                shape,
                0,
            )
        return f"{shape} {rest}"

    def matches(self, totals: Totals) -> bool | None:
        """Whether ``totals`` equal the published figures (``None``: nothing is published)."""
        if self.params is None and self.gmacs is None:
            return None
        if self.params is not None and self.counted_params(totals) != self.params:
            return False
        return self.gmacs is None or round(totals.macs / 1e9, self.gmacs_decimals) == self.gmacs


_SHAPE = re.compile(r"[0-9]+(?:[xX×][0-9]+)+", re.ASCII)
_DIM_SEP = re.compile("[xX×]")


def _dims(n: int) -> str:
    return f"{n} spatial dim" + ("" if n == 1 else "s")


def _example(first: str, channels_first: bool) -> str:
    """The model's own input in the layout the user writes."""
    if not channels_first:
        return first
    *spatial, channels = first.split("x")
    return "x".join([channels, *spatial])


def _key(name: str) -> str:
    return name.lower().replace("-", "").replace("_", "")


def _parse_file(stem: str, text: str) -> ZooModel:
    header: dict[str, str] = {}
    notes: list[str] = []
    body: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not body and (stripped.startswith("#") or not stripped):
            comment = stripped[1:].strip()
            key, sep, value = comment.partition(":")
            if sep and key.strip().lower() in _HEADER_KEYS:
                header[key.strip().lower()] = value.strip()
            elif comment:
                notes.append(comment)
            continue
        code = line.split("#", 1)[0].strip()
        if code:
            body.append(code)
    if not body:
        raise ConvcalcError(f"zoo model file {stem}.spec has no spec", stem, 0)
    params = header.get("params")
    gmacs = header.get("gmacs")
    return ZooModel(
        name=header.get("name", stem),
        title=header.get("title", stem),
        source=header.get("source", ""),
        spec=" ".join(body),
        params=int(params.replace(",", "").replace("_", "")) if params else None,
        gmacs=float(gmacs) if gmacs else None,
        notes=" ".join(notes),
        gmacs_decimals=len(gmacs.partition(".")[2]) if gmacs else 3,
    )


@cache
def _load() -> dict[str, ZooModel]:
    folder = resources.files("convcalc").joinpath("models")
    found: dict[str, ZooModel] = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".spec"):
            model = _parse_file(entry.name[: -len(".spec")], entry.read_text(encoding="utf-8"))
            found[model.name] = model
    return dict(sorted(found.items()))


def models() -> list[ZooModel]:
    """Every zoo model, sorted by name."""
    return list(_load().values())


def get(name: str) -> ZooModel:
    """The zoo model called ``name`` (case, ``-`` and ``_`` do not matter: ``ResNet-18``).

    Raises :class:`~convcalc.errors.ConvcalcError` for an unknown name, suggesting a close one.
    """
    exact = {m.name.lower(): m for m in _load().values()}
    if name.lower() in exact:  # first: regnet_x_16gf and regnet_x_1_6gf share a loose key
        return exact[name.lower()]
    by_key = {_key(m.name): m for m in _load().values()}
    model = by_key.get(_key(name))
    if model is not None:
        return model
    close = difflib.get_close_matches(_key(name), list(by_key), n=1, cutoff=0.6)
    hint = f" (did you mean '{by_key[close[0]].name}'?)" if close else ""
    # the zoo is too big to list in one line: the zoo command lists it
    listing = f"'convcalc zoo' lists all {len(_load())}"
    raise ConvcalcError(f"unknown model '{clip(name)}'{hint}; {listing}", name, 0)
