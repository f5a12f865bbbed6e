"""Instructions per spec, old against new, by phase: figures that do not depend on the load.

    .venv/bin/python benchmarks/instructions.py [--baseline .venv-base/bin/python]
        [--phase parse|parse-batch|analyze|jsonl ...] [--n N]

Wall times on a shared machine move by ±30 % from run to run (compare.py takes medians of
alternating runs for that reason); an instruction count under valgrind's callgrind moves by
well under 1 %.  Each phase runs twice per version in a fresh process, once over one spec and
once over N + 1, and the difference divided by N is the phase's cost per spec, start-up and
imports excluded.  The memos start empty, as in compare.py's runs.

* ``parse``: ``convcalc.spec.parse`` over the residual corpus (benchmarks/corpus.py);
* ``parse-batch``: ``convcalc.spec.parse`` over the batch corpus (bench.many_specs), whose
  conv and dense tokens repeat less: about one spec in two misses the token cache;
* ``analyze``: ``convcalc.analyze`` over the residual corpus (compare.py's library goal);
* ``jsonl``: the command line ``--jsonl`` over the batch corpus (bench.many_specs), reading
  stdin and writing the JSON Lines (compare.py's batch goal, start-up excluded).

Instructions are a proxy for time: a cache miss costs more than an add.  compare.py's wall
times stay the measure of the goals; this script says which change moved what.
Needs ``valgrind`` (apt-get install valgrind); N defaults to 1,000 (about a minute a phase).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PHASES = ("parse", "parse-batch", "analyze", "jsonl")


def child(phase: str, n: int, total: int) -> None:
    """Run one phase over the first ``n`` of ``total`` specs in this process (under callgrind);
    the corpus is made whole in every run, so that its making cancels out."""
    sys.path.insert(0, str(HERE))
    from bench import many_specs
    from corpus import residual_specs

    if phase == "jsonl":
        from convcalc.cli import run

        specs = many_specs(total)[:n]
        with tempfile.TemporaryFile("w+") as data:
            data.write("\n".join(specs) + "\n")
            data.seek(0)
            sys.stdin = data
            with open(os.devnull, "w") as sink:
                sys.stdout = sink
                try:
                    run(["--jsonl"])
                except SystemExit:
                    pass
                finally:
                    sys.stdout = sys.__stdout__
        return
    import convcalc
    from convcalc.spec import parse

    specs = many_specs(total)[:n] if phase == "parse-batch" else residual_specs(total)[:n]
    step = convcalc.analyze if phase == "analyze" else parse
    for spec in specs:
        step(spec)


def count(py: str, phase: str, n: int, total: int, path: str | None) -> int:
    env = dict(os.environ, PYTHONSAFEPATH="1")
    if path:
        env["PYTHONPATH"] = path
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    cmd += [py, str(Path(__file__).resolve()), "--child", phase, str(n), str(total)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    m = re.search(r"Collected : (\d+)", done.stderr)
    if m is None:
        raise SystemExit(f"no instruction count from callgrind:\n{done.stderr[-2000:]}")
    return int(m.group(1))


def per_spec(py: str, phase: str, n: int, path: str | None) -> float:
    return (count(py, phase, n + 1, n + 1, path) - count(py, phase, 1, n + 1, path)) / n


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path.cwd() / ".venv-base" / "bin" / "python"
    parser.add_argument("--baseline", default=str(default), help="the older version's python")
    parser.add_argument("--phase", action="append", choices=PHASES, help="default: all")
    parser.add_argument("--n", type=int, default=1000, help="specs per phase (default 1,000)")
    parser.add_argument("--new-only", action="store_true", help="skip the baseline")
    args = parser.parse_args()
    # the new version: this tree, first on the path (compiled or not, start-up is subtracted)
    new = str(HERE.parent)
    for phase in args.phase or PHASES:
        mine = per_spec(args.baseline, phase, args.n, new)
        if args.new_only:
            print(f"{phase:11} new {mine / 1000:8.1f} k instructions per spec")
            continue
        old = per_spec(args.baseline, phase, args.n, None)
        print(
            f"{phase:11} new {mine / 1000:8.1f} k   old {old / 1000:8.1f} k instructions per spec"
            f"   old / new ×{old / mine:.2f}"
        )


if __name__ == "__main__":
    main()
