"""This version against an older one, side by side: the goals of issue 13 as ratios.

    .venv/bin/python benchmarks/compare.py [--baseline .venv-base/bin/python] [--quick]

The baseline is the version before issue 13's work (commit dbaf807), installed in a second
venv; make it once with::

    python3 -m venv .venv-base && .venv-base/bin/pip install "git+file://$PWD@dbaf807"

Both run under the baseline venv's interpreter, so that Python, typer and pydantic are the same:
the old version is its install, the new one a compiled copy of this tree's ``convcalc/`` put
first by ``PYTHONPATH`` (not the tree itself, whose bytecode may be stale and whose
``convcalc.egg-info``, from an editable install, is metadata no installed user has).
They run as ``python -m convcalc`` with ``PYTHONSAFEPATH=1``, in the same run, alternately (the
order rotating each round), and the figures are medians; every time is printed beside the peak
RSS of its runs.  Goals:

* batch: ``--jsonl`` over 10,000 different specs on stdin, end to end: ≥ ×2 the baseline;
* library: ``convcalc.analyze`` in a loop over 5,000 random 3–12-layer specs with residual
  blocks (benchmarks/corpus.py), in a fresh process each run: ≥ ×2 the baseline;
* start-up: the piped example ≤ ×1.15 a script that imports typer and defines one pydantic
  model (floor_pydantic.py).

Both versions' outputs on the two corpora are compared byte for byte ("outputs identical").
The last section prints the slowest imports of ``python -X importtime -m convcalc SPEC``.
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import importtime, many_specs, run_once

HERE = Path(__file__).resolve().parent
NEW = tempfile.mkdtemp(prefix="convcalc-new-")  # PYTHONPATH of the new version: a copy of it
shutil.copytree(
    HERE.parent / "convcalc", Path(NEW) / "convcalc", ignore=shutil.ignore_patterns("__pycache__")
)
# compiled as pip compiles an install: with PYTHONDONTWRITEBYTECODE set (as on this project's
# machine) an uncompiled copy would compile every module on every run, ~60 ms of start-up
compileall.compile_dir(Path(NEW) / "convcalc", quiet=1)
EXAMPLE = "28x28x1 conv3x3s2p1x32 pool2 dense5"


Command = tuple[list[str], bytes | None, str | None]  # argv, stdin, PYTHONPATH


def alternate(cmds: dict[str, Command], rounds: int) -> dict[str, tuple[list[float], float]]:
    """Each command's wall times and largest peak RSS (MB), run alternately with a rotating
    order."""
    times: dict[str, list[float]] = {name: [] for name in cmds}
    peaks: dict[str, float] = {name: 0.0 for name in cmds}
    names = list(cmds)
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            cmd, stdin, path = cmds[name]
            took, peak = run_once(cmd, stdin, path=path)
            times[name].append(took)
            peaks[name] = max(peaks[name], peak)
    return {name: (times[name], peaks[name]) for name in cmds}


def line(name: str, seconds: float, peak: float, extra: str = "") -> None:
    print(f"  {name:<34} {seconds * 1000:8.1f} ms   peak {peak:5.0f} MB{extra}")


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


summary: list[tuple[str, str, str, str]] = []


def digest(cmd: list[str], stdin: bytes, path: str | None) -> str:
    """SHA-256 of a run's output, read in pieces: a child's peak RSS counts the memory of this
    process at its start, so this one never holds the ~15 MB of a batch's output."""
    env = dict(os.environ, PYTHONSAFEPATH="1", **({"PYTHONPATH": path} if path else {}))
    with tempfile.TemporaryFile() as out:
        subprocess.run(cmd, input=stdin, stdout=out, env=env, check=False)
        out.seek(0)
        return hashlib.file_digest(out, "sha256").hexdigest()


def batch(py: str, rounds: int, n: int) -> None:
    data = ("\n".join(many_specs(n)) + "\n").encode()
    cmd = [py, "-m", "convcalc", "--jsonl"]
    same = digest(cmd, data, NEW) == digest(cmd, data, None)  # also a warm-up
    runs = alternate({"new": (cmd, data, NEW), "old": (cmd, data, None)}, rounds)
    print(f"\nbatch: --jsonl, {n:,} different specs on stdin, end to end ({rounds} rounds)")
    med = {name: statistics.median(ts) for name, (ts, _) in runs.items()}
    for name, (_, peak) in runs.items():
        line(name, med[name], peak, f"   {n / med[name]:,.0f} specs/s")
    ratio = med["old"] / med["new"]
    print(f"  old / new: ×{ratio:.2f} (goal ≥ ×2)   outputs identical: {'yes' if same else 'NO'}")
    summary.append(("batch --jsonl, old / new", f"×{ratio:.2f}", "≥ ×2", verdict(ratio >= 2)))
    summary.append(("batch outputs identical", "yes" if same else "NO", "yes", verdict(same)))


def library(py: str, rounds: int, n: int) -> None:
    script = str(HERE / "library_loop.py")
    seconds: dict[str, list[float]] = {"new": [], "old": []}
    peaks = {"new": 0.0, "old": 0.0}
    digests: dict[str, set[str]] = {"new": set(), "old": set()}
    for r in range(rounds):
        for name in ("new", "old") if r % 2 == 0 else ("old", "new"):
            out: list[bytes] = []
            path = NEW if name == "new" else None
            _, peak = run_once([py, script, str(n)], None, out, path)
            result = json.loads(out[0])
            seconds[name].append(result["seconds"])
            digests[name].add(result["digest"])
            peaks[name] = max(peaks[name], peak)
    print(
        f"\nlibrary: convcalc.analyze over {n:,} random 3–12-layer residual specs, the loop "
        f"alone, a fresh process each run ({rounds} rounds)"
    )
    med = {name: statistics.median(ts) for name, ts in seconds.items()}
    for name in ("new", "old"):
        line(name, med[name], peaks[name], f"   {n / med[name]:,.0f} specs/s")
    ratio = med["old"] / med["new"]
    same = len(digests["new"]) == 1 and digests["new"] == digests["old"]
    print(f"  old / new: ×{ratio:.2f} (goal ≥ ×2)   outputs identical: {'yes' if same else 'NO'}")
    summary.append(("library analyze(), old / new", f"×{ratio:.2f}", "≥ ×2", verdict(ratio >= 2)))
    summary.append(("library outputs identical", "yes" if same else "NO", "yes", verdict(same)))


def startup(py: str, rounds: int) -> None:
    example = [py, "-m", "convcalc", EXAMPLE]
    runs = alternate(
        {
            "new: convcalc EXAMPLE (piped)": (example, None, NEW),
            "floor: typer + a pydantic model": ([py, str(HERE / "floor_pydantic.py")], None, None),
            "old: convcalc EXAMPLE (piped)": (example, None, None),
            "python -c pass": ([py, "-c", "pass"], None, None),
        },
        rounds,
    )
    print(f"\nstart-up: {EXAMPLE!r}, piped ({rounds} rounds)")
    med = {name: statistics.median(ts) for name, (ts, _) in runs.items()}
    floor = med["floor: typer + a pydantic model"]
    for name, (_, peak) in runs.items():
        line(name, med[name], peak, f"   ×{med[name] / floor:.2f} of the floor")
    ratio = med["new: convcalc EXAMPLE (piped)"] / floor
    print(f"  new / floor: ×{ratio:.2f} (goal ≤ ×1.15)")
    summary.append(("start-up, new / floor", f"×{ratio:.2f}", "≤ ×1.15", verdict(ratio <= 1.15)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path.cwd() / ".venv-base" / "bin" / "python"
    parser.add_argument("--baseline", default=str(default), help="the older version's python")
    parser.add_argument("--quick", action="store_true", help="a smoke run (fewer, smaller)")
    args = parser.parse_args()
    py = args.baseline
    if not Path(py).exists():
        raise SystemExit(f"no baseline interpreter at {py}: see this script's docstring")
    versions = []
    for path in (NEW, None):
        out: list[bytes] = []
        run_once([py, "-c", "import convcalc; print(convcalc.__file__)"], None, out, path)
        versions.append(out[0].decode().strip())
    print(f"new: {versions[0]}\nold: {versions[1]}")
    if versions[0] == versions[1]:
        raise SystemExit("both runs import the same convcalc")
    q = args.quick
    batch(py, 3 if q else 7, 1000 if q else 10_000)
    library(py, 2 if q else 11, 500 if q else 5000)
    startup(py, 3 if q else 11)
    importtime(15, py, NEW)
    shutil.rmtree(NEW, ignore_errors=True)
    print(f"\nsummary (python {sys.version.split()[0]}, {os.cpu_count()} cpus)")
    widths = [max(len(r[i]) for r in summary) for i in range(4)]
    for row in [("measure", "value", "goal", "verdict"), *summary]:
        print("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())


if __name__ == "__main__":
    main()
