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


#: corners of vocabulary part 2 that both emitters must build and run: the norms and the Keras
#: input layers (a given Rescaling scale, Normalization with given statistics); mul with each
#: gate (x's shape, 1×1×C, a vector), se, split, aux heads (nested, in a res, on a vector);
#: 1-D and 3-D se and split
VOCAB2_CORNERS = [
    "8x8x4 bn bnnoscale ln gn2 scale shuffle2 droppath0.2 rescale norm dense3 ln bnnoscale",
    "20x6 gn3 shuffle3 res(ln scale droppath.1) norm gap bnnoscale",
    "8x8x3 normfixed rescale0.17 res(conv1x3 rescale0.2) rescale2 conv3x4",
    "16x16x8 se4 mul(apool1 conv1x2 relu conv1x8 hsigmoid) mul(gap dense8 sigmoid) "
    "mul(conv3p1x8 sigmoid) split(id | conv1x4 bn relu) shuffle2 aux(pool2 conv1x3 gap "
    "dense10) gap dense3",
    "20x6 se2 split(id | conv3p1x2 | conv1x5 bn) aux(gap dense2 bn) se1",
    "4x4x4x4 se2 mul(gap dense4 sigmoid) split(conv1x4 | dwconv3p1) aux(gap dense2)",
    "8x8x4 res(aux(conv1x2 aux(gap)) conv3p1x4) aux(bn) gap mul(dense4 sigmoid) aux(dense3)",
]
