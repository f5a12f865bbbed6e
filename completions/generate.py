"""Regenerate the shell completion scripts in this folder from the typer app.

    python completions/generate.py          # rewrite convcalc.bash, _convcalc, convcalc.fish
    python completions/generate.py --check  # exit 1 if a committed script is stale

tests/test_completions.py runs the check, so a change to the CLI's options that forgets to
regenerate these files fails the tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = {"bash": "convcalc.bash", "zsh": "_convcalc", "fish": "convcalc.fish"}


def generate(shell: str) -> str:
    env = {**os.environ, "_CONVCALC_COMPLETE": f"source_{shell}"}
    out = subprocess.run(
        [sys.executable, "-m", "convcalc"], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for shell, name in FILES.items():
        text = generate(shell)
        path = HERE / name
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    if stale:
        print(f"stale completion scripts: {', '.join(stale)}; run python completions/generate.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
