"""Floating-point kernels follow IEEE/NumPy semantics: division by zero gives inf or nan, it does
not raise (Numba's default Python error model would raise ZeroDivisionError)."""

import numpy as np

from dlcore import ops


def test_division_by_zero_gives_inf_and_nan():
    a = np.array([1.0, -1.0, 0.0], np.float32)
    out = ops.div(a, np.zeros(3, np.float32))
    assert out.dtype == np.float32
    assert np.isposinf(out[0]) and np.isneginf(out[1]) and np.isnan(out[2])


def test_broadcast_and_strided_division_by_zero():
    a = np.arange(6, dtype=np.float64).reshape(2, 3).T        # strided
    out = ops.div(a, np.zeros(2))
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(out, a / 0.0)


def test_log_and_sqrt_gradients_at_zero_are_inf_not_errors():
    from dlcore.functional import grad
    g = grad(lambda x: ops.sum(ops.sqrt(x)))(np.array([0.0, 4.0]))
    assert np.isposinf(g[0]) and g[1] == 0.25
    g = grad(lambda x: ops.sum(ops.log(x)))(np.array([0.0, 2.0]))
    assert np.isposinf(g[0]) and g[1] == 0.5
