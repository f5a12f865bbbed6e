"""Regenerate the pictures the README shows.

    python docs/generate.py          # rewrite docs/*.svg
    python docs/generate.py --check  # exit 1 if a committed picture is stale

tests/test_docs.py runs the check, so a change to the drawing that forgets to regenerate the
README's pictures fails the tests.  The pictures are drawn in colour (NO_COLOR is ignored here).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

PICTURES = {
    "homework.svg": ("28x28x1 conv3x3s2p1x32 pool2 dense5", None),
}
"""File → (spec, title): what the README shows."""


def draw(spec: str, title: str | None) -> str:
    import convcalc
    from convcalc.draw.layout import layout
    from convcalc.draw.svg import svg

    os.environ.pop("NO_COLOR", None)
    return svg([layout(convcalc.analyze(spec), title=title)])


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name, (spec, title) in PICTURES.items():
        path = HERE / name
        text = draw(spec, title)
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"stale: {', '.join(stale)}; run python docs/generate.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
