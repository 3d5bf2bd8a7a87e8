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


@pytest.fixture(autouse=True)
def _grad_mode_left_on():
    """A test that leaves grad mode off (a bare ``no_grad().__enter__()``, dlcore's or torch's)
    fails here, by name, with grad mode put back on: such a leak once made every later eager test
    on its worker fail (630 of them) far from its cause."""
    yield
    import dlcore_eager
    torch = sys.modules.get("torch")
    left = [name for name, lib in (("dlcore_eager", dlcore_eager), ("torch", torch))
            if lib is not None and not lib.is_grad_enabled()]
    for name in left:
        (dlcore_eager if name == "dlcore_eager" else torch).set_grad_enabled(True)
    if left:
        pytest.fail(f"the test left grad mode off in {', '.join(left)}")
