"""The package as users install it: a wheel built from this tree, installed in a fresh venv.

Building (setuptools, no build isolation, so no download) and a fresh venv take ~10 s, so
this runs in CI (``CI`` set) and on request (``CONVCALC_PACKAGING=1``); ``pipx install .``
does the same build and install.  Every file under ``convcalc/`` that git tracks (the zoo's
spec files, ``py.typed``, any template) must be in the wheel, and the installed console
script must run the zoo from the installed copy, not from this tree.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    not (os.environ.get("CI") or os.environ.get("CONVCALC_PACKAGING")),
    reason="builds a wheel and a venv (~10 s): set CI or CONVCALC_PACKAGING=1",
)


def _tracked_package_files() -> set[str]:
    done = subprocess.run(
        ["git", "ls-files", "convcalc"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return {line for line in done.stdout.splitlines() if "__pycache__" not in line}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (path,) = out.glob("convcalc-*.whl")
    return path


def test_the_wheel_holds_every_package_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    tracked = _tracked_package_files()
    assert tracked, "git ls-files found nothing: not a git checkout?"
    missing = sorted(tracked - names)
    assert not missing, f"not in the wheel: {missing}"
    assert "convcalc/py.typed" in names
    assert any(n.startswith("convcalc/models/") and n.endswith(".spec") for n in names)
    entry = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "convcalc = convcalc.__main__:main" in zipfile.ZipFile(wheel).read(entry).decode()


def test_the_installed_wheel_runs_the_zoo(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    # the runtime dependencies (typer, rich, pydantic) from this environment, without a download:
    # a plain path line, so this tree's editable install (a .pth hook there) is not seen
    fresh_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    deps = [p for p in site.getsitepackages() if Path(p, "typer").exists()]
    Path(fresh_site, "convcalc_test_deps.pth").write_text("\n".join(deps) + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run(
        [str(bindir / "convcalc"), "zoo", "resnet18"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# ResNet-18")
    assert "224x224x3 conv7s2p3x64nb" in done.stdout
    where = subprocess.run(
        [str(python), "-c", "import convcalc.zoo as z; print(z.__file__, len(z.models()))"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    path, count = where.stdout.split()
    assert Path(path).is_relative_to(env_dir), path  # the installed copy, not this tree
    assert int(count) == len([f for f in _tracked_package_files() if f.endswith(".spec")])
