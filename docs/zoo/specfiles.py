"""What every zoo generator (docs/zoo/gen_<family>.py) shares: writing its specs to
convcalc/models/, or checking that the committed ones are its output (tests/test_docs.py)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "convcalc" / "models"


def write_or_check(specs: Mapping[str, str], argv: list[str]) -> int:
    """Write each spec (name → the file's text) to ``convcalc/models/<name>.spec``; with
    ``--check`` in ``argv``, write nothing and list the stale files (exit status 1). Other
    arguments name the specs to consider (all by default)."""
    check = "--check" in argv
    only = {a for a in argv if not a.startswith("--")}
    stale = []
    for name, text in specs.items():
        path = MODELS / f"{name}.spec"
        if (only and name not in only) or (
            path.exists() and path.read_text(encoding="utf-8") == text
        ):
            continue
        stale.append(path.name)
        if not check:
            path.write_text(text, encoding="utf-8")
    if stale:
        print(("stale: " if check else "wrote: ") + " ".join(stale))
    return 1 if check and stale else 0
