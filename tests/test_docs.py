"""The README's pictures are generated (docs/generate.py) and must match the drawing code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_pictures_are_current() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "generate.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_readme_shows_the_homework_picture() -> None:
    assert "](docs/homework.svg)" in (ROOT / "README.md").read_text()
