"""Shared fixtures.  The PyTorch oracle tests skip without torch, except in CI where they fail."""

from __future__ import annotations

import os

import pytest


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
