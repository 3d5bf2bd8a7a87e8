"""pow's CPU kernel with a 0-d exponent of 2 (``elementwise.SCALAR_SPECIAL``): NumPy's
``a * a``, bit for bit the primitive's expression ``{0} * {0} if {1} == 2`` as the Numba loop
computes it, silent on overflow; other exponents, dtypes and layouts take the loop."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from dlcore import ops

KERNEL = ops.power.pow_p.kernels["cpu"]


def _loop(a, b):
    return KERNEL.kernel._call((a, b), {})


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1,), (16, 100), (3, 4, 5)])
def test_square_is_the_loop_bit_for_bit(dtype, shape):
    rng = np.random.default_rng(0)
    a = (rng.standard_normal(shape) * 10).astype(dtype)
    flat = a.reshape(-1)
    special = np.array([-0.0, np.nan, np.inf, -np.inf, np.finfo(dtype).max, 1e-30], dtype)
    flat[:min(flat.size, 6)] = special[:min(flat.size, 6)]
    two = np.asarray(2, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # (overflow: silent, as the loop)
        out = KERNEL(a, two)
    ref = _loop(a, two)
    assert out.dtype == a.dtype and out.shape == a.shape and out.flags.c_contiguous
    assert out.tobytes() == ref.tobytes()


@pytest.mark.parametrize("exponent", [3.0, 2.5, 1.0, 0.5, -2.0])
def test_other_exponents_and_layouts(exponent):
    a = np.abs(np.random.default_rng(1).standard_normal((6, 5))).astype(np.float32) + 0.5
    e = np.asarray(exponent, np.float32)
    assert KERNEL(a, e).tobytes() == _loop(a, e).tobytes()
    t = a.T                                      # (not C-contiguous: the general path)
    np.testing.assert_array_equal(KERNEL(t, np.asarray(2, np.float32)), t * t)
    i = np.arange(-3, 4)
    np.testing.assert_array_equal(KERNEL(i, np.asarray(2)), i * i)
