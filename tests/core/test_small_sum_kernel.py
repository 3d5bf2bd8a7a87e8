"""The CPU sum kernel's small-array branches (``dlcore.kernels.cpu.reduce.sum`` once Numba is
loaded): a sum over every axis (``x.sum()``, a loss) takes the row loop directly and gives the
same value, dtype and a 0-d array of its own as the trailing-axes branch, and PyTorch's value
within float rounding."""

from __future__ import annotations

import numba  # noqa: F401 - the branch is taken once Numba is loaded
import numpy as np
import pytest
import torch

from dlcore.kernels.cpu import reduce as R


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(4, 4), (1,), (3, 2, 5), (2, 0), (7,)])
def test_every_axis_as_trailing_branch_and_torch(dtype, shape):
    x = (np.random.default_rng(len(shape)).standard_normal(shape) * 100).astype(dtype)
    axes = tuple(range(x.ndim))
    r = R.sum(x, axes=axes, keepdims=False)
    assert r.shape == () and r.dtype == np.dtype(dtype) and r.base is None
    assert r == R.sum(x, axes=axes, keepdims=True).reshape(())     # the trailing-axes branch
    np.testing.assert_allclose(r, torch.from_numpy(x).sum().numpy(), rtol=1e-6, atol=1e-4)


def test_unsorted_axes_take_the_general_path():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert R.sum(x, axes=(1, 0), keepdims=False) == np.float32(15)


@pytest.mark.parametrize("n", [1, 5, 63, 64, 65, 200])
@pytest.mark.parametrize("kind", ["sum", "max", "min"])
def test_a_whole_reduction_under_a_tiny_parallel_threshold(monkeypatch, kind, n):
    """``$DLCORE_PARALLEL_THRESHOLD`` under 64 elements: a whole-array reduction of fewer
    elements than the parallel pass has rows is not split (every chunk was empty and the tail,
    the whole array, recursed without end: a RecursionError); from 64 on it is, its value as
    NumPy's."""
    monkeypatch.setattr(R, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(R, "SMALL_SUM", 0)      # (the sum too, not NumPy's small-sum branch)
    x = np.random.default_rng(n).standard_normal(n).astype(np.float32) * 10
    got = getattr(R, kind)(x, axes=(0,), keepdims=False)
    want = getattr(np, kind)(x.astype(np.float64))
    np.testing.assert_allclose(got, want, rtol=1e-6)
