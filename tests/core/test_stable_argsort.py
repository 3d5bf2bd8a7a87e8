"""The CPU argsort's quicksort-then-ties path (``dlcore.kernels.cpu.scan._stable_argsort``)
gives NumPy's stable order exactly: ties, signed zeros and NaNs included, along every axis,
both directions (``argsort``'s descending form)."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore.kernels.cpu.scan import _stable_argsort, argsort


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_equals_numpy_stable_argsort(dtype):
    rng = np.random.default_rng(0)
    for trial in range(200):
        shape = tuple(int(d) for d in rng.integers(1, 7, rng.integers(1, 4)))
        x = rng.integers(-3, 4, shape).astype(dtype) if trial % 3 == 0 else \
            rng.standard_normal(shape).astype(dtype)
        if trial % 5 == 0:
            x.flat[rng.integers(0, x.size, 3)] = np.nan
        if trial % 7 == 0:
            x.flat[rng.integers(0, x.size, 2)] = -0.0
        for ax in range(x.ndim):
            np.testing.assert_array_equal(_stable_argsort(x, ax),
                                          np.argsort(x, axis=ax, kind="stable"))
            want = (x.shape[ax] - 1) - np.flip(np.argsort(np.flip(x, ax), axis=ax,
                                                          kind="stable"), ax)
            np.testing.assert_array_equal(argsort(x, axis=ax, descending=True), want)


def test_ties_only_in_some_rows_and_other_dtypes():
    x = np.random.default_rng(1).standard_normal((50, 40)).astype(np.float32)
    x[7, 3] = x[7, 30]
    x[21, :5] = 1.0
    np.testing.assert_array_equal(_stable_argsort(x, 1), np.argsort(x, 1, kind="stable"))
    for dt in ("int64", "int32", "bool", "float16"):
        y = (x * 3).astype(dt)
        np.testing.assert_array_equal(_stable_argsort(y, 1), np.argsort(y, 1, kind="stable"))


def test_float32_lines_as_packed_integer_keys():
    """float32 lines sort as one int64 key each (the value's order key above its index:
    ``_packed_argsort32``): NumPy's stable order with infinities, both NaNs and both zeros
    mixed into long tied lines, along each axis of a strided operand."""
    rng = np.random.default_rng(2)
    x = np.round(rng.standard_normal((9, 300, 4)) * 2).astype(np.float32) / 2
    x.flat[::7] = np.nan
    x.flat[1::9] = -np.nan
    x.flat[2::11] = -0.0
    x.flat[3::13] = np.inf
    x.flat[4::17] = -np.inf
    x.flat[5::19] = np.finfo(np.float32).tiny / 4            # (a subnormal)
    for view in (x, x[:, ::-2, 1:], x.transpose(2, 0, 1)):
        for ax in range(view.ndim):
            got = _stable_argsort(view, ax)
            assert got.dtype == np.int64 and got.flags.c_contiguous
            np.testing.assert_array_equal(got, np.argsort(view, axis=ax, kind="stable"))
