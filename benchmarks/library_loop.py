"""One timed pass of ``convcalc.analyze`` over the residual corpus, in a fresh process.

    python benchmarks/library_loop.py [N]

Prints one JSON line: ``seconds`` (the loop alone: no start-up, no corpus generation),
``specs`` and ``digest``, a SHA-256 of every report's ``model_dump_json()`` made after the
timed loop, so that two versions' outputs can be compared.  compare.py runs it under each
version's interpreter, alternately; a fresh process per run means the memos start empty, as in
a script that sweeps a design space once.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

import convcalc

# run with PYTHONSAFEPATH=1 (compare.py does), so that convcalc is the interpreter's own
# install: this directory is added by hand, for the corpus alone
sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import residual_specs


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    specs = residual_specs(n)
    analyze = convcalc.analyze  # the engine is imported on first use: not in the timed loop
    start = time.perf_counter()
    for spec in specs:
        analyze(spec)
    seconds = time.perf_counter() - start
    digest = hashlib.sha256()
    for spec in specs:
        digest.update(convcalc.analyze(spec).model_dump_json().encode() + b"\n")
    print(json.dumps({"seconds": seconds, "specs": n, "digest": digest.hexdigest()}))


if __name__ == "__main__":
    main()
