"""convcalc benchmarks: start-up against its floor, torchinfo, batch throughput, huge specs.

    python benchmarks/bench.py            # about a minute on 2 cores; --quick for a smoke run

Everything runs under the interpreter that runs this script (``sys.executable -m convcalc``).
Commands that are compared run alternately (A B C A B C …, the order rotating each round) so
drift in machine load hits them alike; the figures are medians.  Goals (issue 5):

* ``--jsonl`` over 10,000 different specs on stdin: ≥ 10,000 specs/s;
* one spec of 10,000 layers in ≤ 1 s, and 20,000 layers in ≤ 2.2 × that (no quadratic path);
* peak RSS ≤ 250 MB for any spec within the limits (issue 9; the memory section runs the
  100,000-layer specs that peaked at 852 MB before the sinks streamed), and every time is
  printed beside its run's peak RSS.

The last section prints the slowest imports of ``python -X importtime -m convcalc SPEC``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable
SPEC = "28x28x1 conv3x3s2p1x32 pool2 dense5"
CONVCALC = [PY, "-m", "convcalc"]
BUDGET = 110.0  # seconds: optional repeats stop once the run has used this much

START = time.perf_counter()
summary: list[tuple[str, str, str, str]] = []  # (measure, value, goal, verdict)


def elapsed() -> float:
    return time.perf_counter() - START


def env() -> dict[str, str]:
    e = dict(os.environ)
    e.pop("FORCE_COLOR", None)
    e["NO_COLOR"] = "1"
    # -m convcalc imports the interpreter's own install, never a convcalc/ in the current
    # directory (compare.py runs a second venv's older install side by side)
    e["PYTHONSAFEPATH"] = "1"
    return e


def run_once(
    cmd: list[str],
    stdin: bytes | None = None,
    output: list[bytes] | None = None,
    path: str | None = None,
) -> tuple[float, float]:
    """Wall time and peak RSS (MB) of one run; output discarded (not a terminal, as in a
    pipeline), or appended to ``output`` when given; ``path``: the child's PYTHONPATH.  The
    peak comes from wait4's rusage of that child alone."""
    child_env = env()
    if path is not None:
        child_env["PYTHONPATH"] = path
    with tempfile.TemporaryFile() as captured:
        t = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=captured if output is not None else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=child_env,
        )
        if stdin is not None:
            assert proc.stdin is not None
            try:
                proc.stdin.write(stdin)
            except BrokenPipeError:
                pass
            proc.stdin.close()
        assert proc.stderr is not None
        errors = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        took = time.perf_counter() - t
        if output is not None:
            captured.seek(0)
            output.append(captured.read())
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[:4]} failed ({proc.returncode}): {errors.decode()[-500:]}")
    return took, usage.ru_maxrss / 1024  # Linux: KiB


PEAKS: dict[str, float] = {}  # name → the largest peak RSS (MB) seen for it


def alternate(cmds: dict[str, tuple[list[str], bytes | None]], rounds: int) -> dict[str, float]:
    """Median wall time of each command, run alternately with a rotating order (the largest
    peak RSS of each lands in PEAKS)."""
    times: dict[str, list[float]] = {name: [] for name in cmds}
    names = list(cmds)
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            cmd, stdin = cmds[name]
            took, peak = run_once(cmd, stdin)
            times[name].append(took)
            PEAKS[name] = max(PEAKS.get(name, 0.0), peak)
        if elapsed() > BUDGET and r >= 1:
            break
    return {name: statistics.median(ts) for name, ts in times.items()}


def show(title: str, medians: dict[str, float], base: str) -> None:
    print(f"\n{title}")
    width = max(len(n) for n in medians)
    for name, t in medians.items():
        print(
            f"  {name:<{width}}  {t * 1000:8.1f} ms   ×{t / medians[base]:5.2f} of {base}"
            f"   peak {PEAKS.get(name, 0):5.0f} MB"
        )


def startup(rounds: int) -> None:
    medians = alternate(
        {
            "convcalc (table)": ([*CONVCALC, SPEC], None),
            "convcalc --json": ([*CONVCALC, "--json", SPEC], None),
            "floor: typer + rich table": ([PY, str(HERE / "floor_app.py")], None),
            "python -c pass": ([PY, "-c", "pass"], None),
        },
        rounds,
    )
    show(
        f"start-up, one small spec (median of ≤ {rounds} alternating runs)",
        medians,
        "floor: typer + rich table",
    )
    over = medians["convcalc (table)"] - medians["floor: typer + rich table"]
    bare = medians["convcalc (table)"] - medians["python -c pass"]
    print(
        f"  convcalc costs {over * 1000:+.1f} ms over the floor, "
        f"{bare * 1000:.1f} ms over bare Python"
    )
    summary.append(
        ("start-up: convcalc table", f"{medians['convcalc (table)'] * 1000:.0f} ms", "", "")
    )
    summary.append(
        (
            "start-up: floor typer app",
            f"{medians['floor: typer + rich table'] * 1000:.0f} ms",
            "",
            "",
        )
    )
    summary.append(
        (
            "convcalc / floor",
            f"×{medians['convcalc (table)'] / medians['floor: typer + rich table']:.2f}",
            "",
            "",
        )
    )


def torchinfo(rounds: int) -> None:
    missing = [m for m in ("torch", "torchinfo") if importlib.util.find_spec(m) is None]
    if missing:
        print(f"\ntorchinfo comparison skipped: {', '.join(missing)} not installed")
        summary.append(("torchinfo summary", "skipped", "", f"no {', '.join(missing)}"))
        return
    medians = alternate(
        {
            "convcalc (table)": ([*CONVCALC, SPEC], None),
            "torchinfo.summary (same net)": ([PY, str(HERE / "torch_summary.py")], None),
        },
        rounds,
    )
    show(f"against torchinfo (median of ≤ {rounds} alternating runs)", medians, "convcalc (table)")
    ratio = medians["torchinfo.summary (same net)"] / medians["convcalc (table)"]
    summary.append(
        (
            "torchinfo summary",
            f"{medians['torchinfo.summary (same net)'] * 1000:.0f} ms",
            "",
            f"convcalc ×{ratio:.1f} faster",
        )
    )


def many_specs(n: int) -> list[str]:
    """n different valid specs."""
    specs: list[str] = []
    i = 0
    while len(specs) < n:
        h, w = 16 + i % 64, 16 + (i // 64) % 48
        k = (1, 3, 5)[i % 3]
        s = 1 + (i // 7) % 2
        f = 1 + (i * 7) % 64
        units = 1 + (i * 13) % 100
        specs.append(f"{h}x{w}x{1 + i % 4} conv{k}x{k}s{s}p{k // 2}x{f} relu pool2 dense{units}")
        i += 1
    assert len(set(specs)) == n
    return specs


def batch(rounds: int, n: int) -> None:
    data = ("\n".join(many_specs(n)) + "\n").encode()
    medians = alternate(
        {
            f"--jsonl, {n:,} specs on stdin": ([*CONVCALC, "--jsonl"], data),
            "python -m convcalc --version": ([*CONVCALC, "--version"], None),
        },
        rounds,
    )
    total = medians[f"--jsonl, {n:,} specs on stdin"]
    net = total - medians["python -m convcalc --version"]
    print(f"\nbatch --jsonl (median of ≤ {rounds} runs)")
    start = medians["python -m convcalc --version"]
    print(
        f"  {n:,} specs in {total:.2f} s: {n / total:,.0f} specs/s end to end, "
        f"{n / net:,.0f} specs/s after start-up ({start * 1000:.0f} ms)"
    )
    rate = n / total
    summary.append(
        (
            "--jsonl batch throughput",
            f"{rate:,.0f} specs/s",
            "≥ 10,000/s",
            "ok" if rate >= 10_000 else "MISSED",
        )
    )


def huge(rounds: int, quick: bool) -> None:
    small, big = (1000, 2000) if quick else (5000, 10000)
    spec_a = f"28x28x1 (conv3p1x8 relu)*{small}"
    spec_b = f"28x28x1 (conv3p1x8 relu)*{big}"
    la, lb = 2 * small, 2 * big
    print(f"\nhuge specs: {spec_a!r} ({la:,} layers) and ×{big // small} ({lb:,} layers)")

    # in-process: the library alone
    sys.path.insert(0, str(HERE.parent))
    import convcalc

    def lib(spec: str) -> float:
        t = time.perf_counter()
        convcalc.analyze(spec).model_dump_json()
        return time.perf_counter() - t

    a = statistics.median(lib(spec_a) for _ in range(3))
    b = statistics.median(lib(spec_b) for _ in range(3))
    print(f"  analyze() + JSON in-process: {a:.2f} s, {b:.2f} s  (ratio {b / a:.2f})")
    summary.append((f"analyze(), {la:,} layers", f"{a:.2f} s", "", ""))

    for label, flags, reps in (("--jsonl", ["--jsonl"], rounds), ("table", [], 1)):
        ka, kb = f"{label} {la}", f"{label} {lb}"
        m = alternate({ka: ([*CONVCALC, *flags, spec_a], None)}, reps)[ka]
        if label == "table" and m > 10:
            print(
                f"  CLI {label}: {m:.2f} s (peak {PEAKS[ka]:.0f} MB) for {la:,} layers; "
                f"{lb:,} skipped to keep in budget"
            )
            summary.append((f"CLI {label}, {la:,} layers", f"{m:.2f} s", "≤ 1 s", "MISSED"))
            continue
        n = alternate({kb: ([*CONVCALC, *flags, spec_b], None)}, reps)[kb]
        ratio = n / m
        print(
            f"  CLI {label}: {m:.2f} s (peak {PEAKS[ka]:.0f} MB), {n:.2f} s (peak "
            f"{PEAKS[kb]:.0f} MB)  (ratio {ratio:.2f})"
        )
        summary.append(
            (f"CLI {label}, {la:,} layers", f"{m:.2f} s", "≤ 1 s", "ok" if m <= 1 else "MISSED")
        )
        summary.append(
            (
                f"CLI {label}, {lb:,}/{la:,} ratio",
                f"{ratio:.2f}",
                "≤ 2.2",
                "ok" if ratio <= 2.2 else "MISSED",
            )
        )


MEMORY_GOAL_MB = 250
MEMORY_SPECS = [  # the largest specs within the limits that issue 9 measured
    (["--explain", "--json"], "28x28x8 (sepconv3psamex8)*100000"),
    (["--explain"], "28x28x8 (sepconv3psamex8)*100000"),
    ([], "28x28x8 (res(relu|relu))*33333"),
    (["--json"], "28x28x8 (res(relu|relu))*33333"),
]


def memory(quick: bool) -> None:
    """Peak RSS of the largest specs within the limits (100,000 layers), once each."""
    scale = 10 if quick else 1
    print(f"\nmemory: peak RSS of one run each, goal ≤ {MEMORY_GOAL_MB} MB")
    for flags, spec in MEMORY_SPECS:
        if scale > 1:
            spec = spec.rsplit("*", 1)[0] + f"*{int(spec.rsplit('*', 1)[1]) // scale}"
        took, peak = run_once([*CONVCALC, *flags, spec])
        label = f"{' '.join(flags) or 'table'} {spec!r}"
        print(f"  {label:<60}  {took:6.2f} s   peak {peak:5.0f} MB")
        verdict = "ok" if peak <= MEMORY_GOAL_MB else "MISSED"
        summary.append(
            (
                f"peak RSS {label}",
                f"{peak:.0f} MB ({took:.1f} s)",
                f"≤ {MEMORY_GOAL_MB} MB",
                verdict,
            )
        )


def importtime(top: int, py: str = PY, path: str | None = None) -> None:
    """The slowest imports of ``py -X importtime -m convcalc SPEC`` (``path``: PYTHONPATH)."""
    child_env = env()
    if path is not None:
        child_env["PYTHONPATH"] = path
    proc = subprocess.run(
        [py, "-X", "importtime", "-m", "convcalc", "28x28x1 conv3x32"],
        capture_output=True,
        text=True,
        env=child_env,
        timeout=60,
    )
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        head, cumulative, name = line.split("|", 2)
        rows.append((int(cumulative), int(head.split(":")[1]), name.rstrip()))
    rows.sort(reverse=True)
    print(f"\npython -X importtime -m convcalc '28x28x1 conv3x32': top {top} by cumulative time")
    print(f"  {'cumulative':>10}  {'self':>8}  module")
    for cumulative, self_us, name in rows[:top]:
        print(f"  {cumulative / 1000:8.1f}ms  {self_us / 1000:6.1f}ms  {name}")


def print_summary() -> None:
    print(f"\nsummary (python {sys.version.split()[0]}, {os.cpu_count()} cpus, {elapsed():.0f} s)")
    widths = [max(len(r[i]) for r in summary) for i in range(4)]
    for row in [("measure", "value", "goal", "verdict"), *summary]:
        print("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="a fast smoke run (fewer, smaller runs)"
    )
    args = parser.parse_args()
    q = args.quick
    sections = [
        ("start-up", lambda: startup(3 if q else 11)),
        ("torchinfo", lambda: torchinfo(2 if q else 5)),
        ("batch", lambda: batch(2 if q else 3, 1000 if q else 10_000)),
        ("huge specs", lambda: huge(1 if q else 3, q)),
        ("memory", lambda: memory(q)),
        ("importtime", lambda: importtime(15)),
    ]
    failed = False
    for name, section in sections:
        try:
            section()
        except Exception as err:  # report the section, keep the others
            failed = True
            print(f"\n{name}: FAILED: {type(err).__name__}: {err}")
            summary.append((name, "failed", "", f"{type(err).__name__}"))
    print_summary()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
