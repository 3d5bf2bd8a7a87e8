"""The float32 softmax / log-softmax rows along the last axis (``_jit_softmax.softmax_rows32``:
vectorised ``exp32``, see dlcore/kernels/cpu/_jit_softmax.py) against float64 NumPy, through
the kernel, its small (eager lane) form and the other-axis / float64 paths that keep
``math.exp``; rows holding NaN or infinities are NaN throughout, as in PyTorch."""

import numpy as np
import pytest

from dlcore.kernels.cpu import softmax as K


def _ref(x, axis, log):
    x = x.astype(np.float64)
    z = x - x.max(axis=axis, keepdims=True)
    ls = np.log(np.exp(z).sum(axis=axis, keepdims=True))
    return z - ls if log else np.exp(z - ls)


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (5, 33), (4, 1000), (2, 3, 300)])
def test_last_axis_float32_matches_float64(shape, log):
    rng = np.random.default_rng(len(shape) * 100 + shape[-1])
    x = (rng.standard_normal(shape) * 6).astype(np.float32)
    axis = len(shape) - 1
    want = _ref(x, axis, log)
    fn = K.log_softmax if log else K.softmax
    for got in (fn(x, axis=axis), fn.small(shape, x.dtype, axis=axis)(x)):
        assert got.dtype == np.float32 and got.shape == shape
        if log:
            np.testing.assert_allclose(got, want, rtol=2e-6, atol=2e-6)
        else:
            np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-12)
            np.testing.assert_allclose(got.sum(axis=axis), 1.0, rtol=1e-5)


@pytest.mark.parametrize("log", [False, True])
def test_nan_and_infinite_rows(log):
    x = np.array([[0.0, 1.0, 2.0, 3.0],
                  [0.0, np.nan, 2.0, 3.0],
                  [0.0, np.inf, 2.0, 3.0],
                  [-np.inf] * 4,
                  [-np.inf, 0.0, -np.inf, 1.0],
                  [-200.0, 0.0, 1.0, 2.0]], np.float32)
    fn = K.log_softmax if log else K.softmax
    for got in (fn(x, axis=1), fn.small(x.shape, x.dtype, axis=1)(x),
                fn(x.astype(np.float64), axis=1)):
        assert np.all(np.isnan(got[1:4])), got
        want = _ref(x[[0, 4, 5]], 1, log)
        np.testing.assert_allclose(got[[0, 4, 5]], want, rtol=2e-6, atol=1e-30)
        if not log and got.dtype == np.float32:     # exp(-202): float32 flushes below e^-87
            assert got[5, 0] == 0.0


def test_other_axis_and_float64_unchanged_path():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 5, 4)).astype(np.float32)
    for axis in (0, 1):
        np.testing.assert_allclose(K.softmax(x, axis=axis), _ref(x, axis, False), rtol=1e-6)
    x64 = rng.standard_normal((7, 300))
    np.testing.assert_allclose(K.log_softmax(x64, axis=1), _ref(x64, 1, True), rtol=1e-13,
                               atol=1e-13)
    # a non-contiguous float32 operand: copied, then the row loop
    xt = rng.standard_normal((40, 9)).astype(np.float32).T
    np.testing.assert_allclose(K.softmax(xt, axis=1), _ref(xt, 1, False), rtol=2e-5)
