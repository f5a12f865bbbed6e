"""The README's pictures are generated (docs/generate.py) and must match the drawing code."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_readme_pictures_are_current() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "generate.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "script", sorted((ROOT / "docs" / "zoo").glob("gen_*.py")), ids=lambda p: p.stem
)
def test_zoo_specs_are_what_their_generator_writes(torch, script: Path) -> None:
    """A zoo family written by a generator (docs/zoo/gen_<family>.py): the committed specs are
    its output, so a hand edit of one spec, or of the generator alone, fails here."""
    spec = importlib.util.spec_from_file_location(script.stem, script)
    module = importlib.util.module_from_spec(spec)
    sys.modules[script.stem] = module  # as an import would: dataclasses look themselves up there
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0


def test_readme_shows_the_homework_picture() -> None:
    assert "](docs/homework.svg)" in (ROOT / "README.md").read_text()


def test_readme_main_example_is_real_and_fits_80_columns() -> None:
    """The first screen's table: convcalc's own piped output, and no wider than a terminal."""
    from convcalc.errors import display_width

    readme = (ROOT / "README.md").read_text()
    command = 'convcalc "28x28x1 conv3x3s2p1x32 pool2 dense5"'
    block = readme.split(f"$ {command}\n", 1)[1].split("```", 1)[0]
    done = subprocess.run(
        [sys.executable, "-m", "convcalc", "28x28x1 conv3x3s2p1x32 pool2 dense5"],
        capture_output=True,
        text=True,
        env={"NO_COLOR": "1", "PATH": ""},
        timeout=60,
    )
    assert block == done.stdout
    assert max(display_width(line) for line in block.splitlines()) <= 80
    assert f"{command}\n" in readme  # the install-and-run line runs the same spec
