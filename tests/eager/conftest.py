"""Fixtures shared by the eager tests.

``torch.compile`` (run by the benchmark tests in the same worker) turns real PyTorch's default
argument validation of ``torch.distributions`` off, process-wide; the comparisons with torch
(values and error messages) need torch's own default, so every eager test runs with it on and
puts back what it found."""

from __future__ import annotations

import sys

import pytest


@pytest.fixture(autouse=True)
def _torch_validation_on():
    torch = sys.modules.get("torch")          # not imported: nothing has turned it off
    distributions = getattr(torch, "distributions", None)
    if distributions is None:
        yield
        return
    prev = distributions.Distribution._validate_args
    distributions.Distribution.set_default_validate_args(True)
    yield
    distributions.Distribution.set_default_validate_args(prev)
