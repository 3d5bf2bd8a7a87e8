"""reliab21's probe of the kernel core: values that used to be silently wrong.

* float32 ``sigmoid`` in a compiled plan's fused loop (``_fast32.sigmoid32``, whose ``exp32``
  clamped its argument at -87.33): sigmoid(-inf) and sigmoid(-100) were 1.18e-38, not 0 and
  the subnormal e^-100, so a Session's first run (the op's kernel) and its later, compiled
  runs gave different values for one fetch.
* float32 (complex64) cumsum/cumprod accumulated in float32: 10^5 values 0.1 summed to 9998.557
  (PyTorch's CPU scans accumulate in double: 10000.0)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore.kernels.cpu import transcendental

X = np.float32([-np.inf, -110.0, -104.0, -103.5, -100.0, -95.0, -90.0, -87.4, -87.33, -50.0,
                -1.0, -0.0, 0.0, 3.0, 90.0, np.inf, np.nan])


def _exact_sigmoid(x):
    with np.errstate(over="ignore"):
        return (1.0 / (1.0 + np.exp(-x.astype(np.float64)))).astype(np.float32)


def test_float32_sigmoid_kernel_reaches_zero_and_the_subnormals():
    """The eager float32 kernel (``sigmoid32_into``: exp32 in a compiled loop, no NumPy
    recompute of the tail any more) on a sweep of the far tail: e^x rounded once."""
    x = np.concatenate([X, np.linspace(-104, -87, 3001, dtype=np.float32)])
    got = transcendental.sigmoid(x)
    want = _exact_sigmoid(x)
    assert got[0] == 0.0 and got[1] == 0.0 and np.isnan(got[X.size - 1])
    ok = ~np.isnan(want)
    err = np.abs(got[ok].astype(np.float64) - want[ok])
    assert (err <= np.maximum(2.0 ** -149, 3e-7 * want[ok])).all()


@pytest.mark.parametrize("passes", ["all", "default"])
def test_compiled_sigmoid_of_the_far_negative_tail_as_its_first_run(passes):
    with tf.Graph().as_default():
        p = tf.placeholder(tf.float32, (X.size,))
        y = tf.sigmoid(p * 1.0) + 0.0                      # a fused loop of three members
        with (tf.Session(passes="all") if passes == "all" else tf.Session()) as s:
            runs = [s.run(y, {p: X}) for _ in range(4)]
    want = _exact_sigmoid(X)
    for got in runs:
        assert got[0] == 0.0 and got[1] == 0.0             # sigmoid(-inf), sigmoid(-110)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        ok = ~np.isnan(want)
        err = np.abs(got[ok].astype(np.float64) - want[ok])
        assert (err <= np.maximum(2.0 ** -149, 3e-7 * want[ok])).all(), (got, want)


@pytest.mark.parametrize("reverse", [False, True])
def test_float32_running_sums_and_products_accumulate_in_double_as_torch_cpu(reverse):
    """A float32 cumsum of 10^5 values 0.1 drifted (float32 accumulation: 9998.557 for 10000.0,
    1 % at 10^6); PyTorch's CPU scans accumulate in double and round each output."""
    import dlcore_eager as dl
    from dlcore import ops
    x = np.full(100_000, 0.1, np.float32)
    want = np.cumsum(x.astype(np.float64)[::-1] if reverse else x.astype(np.float64))
    want = (want[::-1] if reverse else want).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(ops.cumsum(x, 0, reverse=reverse)), want)
    p = np.full(3000, 1.0001, np.float32)
    np.testing.assert_array_equal(dl.tensor(p).cumprod(0).numpy(),
                                  np.cumprod(p.astype(np.float64)).astype(np.float32))
    z = (x[:5000] + 1j * x[:5000]).astype(np.complex64)
    np.testing.assert_array_equal(dl.tensor(z).cumsum(0).numpy(),
                                  np.cumsum(z.astype(np.complex128)).astype(np.complex64))
