"""Shared fixtures.  The PyTorch oracle tests skip without torch, except in CI where they fail."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# a helper module imported by the oracle tests once torch is known to be there, not a test
# module: --doctest-modules must not import it (that would need torch)
collect_ignore = ["torch_oracle.py", "emit_check.py"]
# the golden emitted modules are data, read by tests/test_emit_golden.py, not modules to import
collect_ignore_glob = ["golden/*"]

# CI gates a landing, so its Hypothesis runs are reproducible (derandomized: the same examples
# every run); local runs stay random and keep exploring.  The machines are shared and noisy:
# no deadlines, and no "too slow" health check.
_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("ci", derandomize=True, deadline=None, suppress_health_check=_SLOW_OK)
settings.register_profile("dev", deadline=None, suppress_health_check=_SLOW_OK)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def require_torch():
    """Import torch, or skip the test (fail under CI, where the oracle must run)."""
    try:
        import torch
    except ImportError:  # pragma: no cover - depends on the machine
        if os.environ.get("CI"):
            pytest.fail("CI is set but torch is not installed: the PyTorch oracle must run")
        pytest.skip("torch is not installed (pip install torch==2.13.0)")
    return torch


@pytest.fixture
def torch():
    return require_torch()


def require_keras():
    """Import Keras 3 on the torch backend, or skip (fail under CI, where it must run)."""
    os.environ["KERAS_BACKEND"] = "torch"
    require_torch()
    try:
        import keras
    except ImportError:  # pragma: no cover - depends on the machine
        if os.environ.get("CI"):
            pytest.fail("CI is set but keras is not installed: the Keras emit tests must run")
        pytest.skip("keras is not installed (pip install keras)")
    if keras.backend.backend() != "torch":  # pragma: no cover - imported earlier elsewhere
        pytest.fail(f"keras runs on {keras.backend.backend()}, not torch: set KERAS_BACKEND=torch")
    return keras
