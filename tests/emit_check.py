"""Helpers for the emit tests: run emitted code, and lint it with ruff in one call.

Not a test module (conftest's ``collect_ignore``): the torch half imports torch.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def load(code: str, name: str = "emitted") -> dict[str, object]:
    """Execute an emitted module's source as an imported module would run (no ``__main__``)."""
    namespace: dict[str, object] = {"__name__": name}
    exec(compile(code, f"<{name}>", "exec"), namespace)
    return namespace


def ruff(folder: Path, *, isolated: bool) -> list[str]:
    """``ruff check`` and ``ruff format --check`` on every file in ``folder``; the complaints.

    ``isolated``: ruff's defaults (88 columns, rules E4 E7 E9 F); otherwise this project's
    stricter configuration (E W F I B UP RUF, 100 columns).
    """
    config = (
        ["--isolated"]
        if isolated
        else ["--config", str(Path(__file__).parents[1] / "pyproject.toml")]
    )
    problems = []
    for args in (["check", "--quiet"], ["format", "--check", "--quiet"]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *args, *config, str(folder)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            problems.append(done.stdout + done.stderr)
    return problems
