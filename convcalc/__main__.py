"""``python -m convcalc`` and the ``convcalc`` console script.

Ctrl-C is handled before anything heavy is imported: typer, pydantic and the engine take
~150 ms to import, and an interrupt then must still be exit 130 without a traceback.  (The
package's ``__init__`` loads its API lazily, so importing this module costs almost nothing.)
"""

from __future__ import annotations

import os
import signal

__all__ = ["main"]


def _interrupted(signum: int, frame: object) -> None:
    try:
        os.write(2, b"convcalc: interrupted\n")
    except OSError:
        pass
    raise SystemExit(130)


def main() -> None:
    """Run the command line (``convcalc.cli.run``) with Ctrl-C as a quiet exit 130."""
    try:
        signal.signal(signal.SIGINT, _interrupted)
    except (ValueError, OSError):  # not the main thread
        pass
    from .cli import run

    run()


if __name__ == "__main__":
    main()
