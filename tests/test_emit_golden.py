"""Golden files: the emitted code of three small specs, checked by hand once, diffed here.

Any change to the generated text shows up as a diff in this test, so it is reviewed on purpose.
After checking a deliberate change by hand: ``UPDATE_GOLDEN=1 .venv/bin/pytest
tests/test_emit_golden.py`` rewrites the files.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from convcalc.emit import keras as emit_keras
from convcalc.emit import torch as emit_torch

HERE = Path(__file__).parent / "golden" / "emit"

GOLDEN = {
    # the README's example: symmetric padding at stride 2 (Keras: ZeroPadding then valid),
    # the flatten before the dense (in_features 7·7·32 = 1,568)
    "lenet_like": "28x28x1 conv3x3s2p1x32 pool2 dense5",
    # TensorFlow same at stride 2 on 7 (pads 1 and 1; on 4 for the pool: 0 before, 1 after),
    # a ceil pool, BN, a dropout rate, a dense without bias after a map
    "corners": "7x7x2 conv3s2psamex4 bn relu pool3s2psame avgpool2ceil dropout.25 dense3nb",
    # structure: a ResNet downsampling block, a U-Net-like cat, upsample and zpad
    "blocks": "16x16x4 res(conv3s2p1x8nb bn relu conv3p1x8nb bn | conv1s2x8nb bn) relu "
    "cat(id | deconv2s2x4 pool2) up2 zpad1 gap dense2",
}
EMITTERS = {"torch": emit_torch.emit, "keras": emit_keras.emit}


@pytest.mark.parametrize("framework", sorted(EMITTERS))
@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_emitted_code_matches_the_reviewed_file(name, framework):
    path = HERE / f"{name}_{framework}.py"
    code = EMITTERS[framework](GOLDEN[name])
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(code)
    want = path.read_text()
    diff = "".join(
        difflib.unified_diff(want.splitlines(True), code.splitlines(True), str(path), "emitted now")
    )
    assert code == want, f"the emitted code changed; review it, then update:\n{diff}"


@pytest.mark.parametrize("framework", sorted(EMITTERS))
def test_readme_shows_the_reviewed_example(framework):
    """The README's `convcalc emit torch|keras "28x28x1 conv3x3s2p1x32 pool2 dense5"` output is
    the reviewed golden file, whole."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert f'convcalc emit {framework} "{GOLDEN["lenet_like"]}"' in readme
    assert (HERE / f"lenet_like_{framework}.py").read_text() in readme
