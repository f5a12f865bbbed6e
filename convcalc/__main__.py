"""``python -m convcalc``: the same as the ``convcalc`` command."""

from .cli import run

if __name__ == "__main__":
    run()
