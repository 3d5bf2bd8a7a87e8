"""Two shortcuts of the CPU sum (dlcore/kernels/cpu/reduce.py): a per-channel sum of an NCHW
array (axes (0, 2, 3): a conv's or a norm's bias gradient) summed in place by
``_jit_reduce.sum_mid`` (``sum_mid_par`` when parallel), where the general path copied the
transpose first; and a sum whose reduced axes are all broadcast (stride 0: the cotangent of
``loss = y.sum()``) as one value times the count (float32 and integers: the loops' bits).
Both against NumPy's float64 sums."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dlcore.kernels.cpu import _jit_reduce, reduce


def _want(x, axes, keepdims):
    acc = np.int64 if x.dtype.kind in "iub" else np.float64
    out = np.add.reduce(x, axis=axes, dtype=acc, keepdims=keepdims)
    return np.asarray(out).astype(np.int64 if x.dtype.kind == "b" else x.dtype)


@pytest.mark.parametrize("shape,axes", [((8, 16, 16, 16), (0, 2, 3)), ((4, 3, 5, 700), (0, 3)),
                                        ((2, 3, 4, 5, 300), (0, 3, 4)),
                                        ((64, 10, 200), (0, 2))])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("keepdims", [False, True])
def test_per_channel_sums_equal_numpys(shape, axes, dtype, keepdims):
    rng = np.random.default_rng(len(shape))
    x = (rng.standard_normal(shape) + 3).astype(dtype)
    assert reduce._middle(x.shape, axes) is not None          # (the path under test)
    got = reduce.sum(x, axes=axes, keepdims=keepdims)
    assert got.dtype == dtype and got.shape == _want(x, axes, keepdims).shape
    np.testing.assert_allclose(got, _want(x, axes, keepdims), rtol=1e-6 if dtype == np.float32
                               else 1e-13)
    got2 = reduce._reduce(x, axes, keepdims, "sum")            # (the general entry too)
    np.testing.assert_allclose(got2, got, rtol=1e-6, atol=0)


def test_the_parallel_loop_and_the_plain_one_agree():
    x = np.random.default_rng(2).standard_normal((3, 7, 50))
    a, b = np.zeros(7), np.ones(7)
    _jit_reduce.sum_mid(x, a)
    _jit_reduce.sum_mid_par(x, b)                   # (adds into what acc held)
    np.testing.assert_allclose(a, x.sum((0, 2)), rtol=1e-13)
    np.testing.assert_allclose(b, x.sum((0, 2)) + 1, rtol=1e-13)


@pytest.mark.parametrize("shape,axes", [((8, 4), (0, 1)), ((2, 3, 4), (0, 2)),
                                        ((3, 1, 5), (1,))])
def test_what_is_not_a_middle_block(shape, axes):
    assert reduce._middle(shape, axes) is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.bool_])
@pytest.mark.parametrize("keepdims", [False, True])
def test_sums_over_broadcast_axes_are_the_loops_bits(dtype, keepdims):
    rng = np.random.default_rng(3)
    v = (rng.standard_normal((1, 6, 1, 1)) * 10).astype(dtype)
    x = np.broadcast_to(v, (8, 6, 16, 16))               # axes 0, 2, 3 broadcast
    for axes in [(0, 2, 3), (0, 2), (0, 1, 2, 3)]:
        want = _want(np.ascontiguousarray(x), axes, keepdims)
        got = reduce._reduce(x, axes, keepdims, "sum")
        assert got.dtype == want.dtype and got.shape == want.shape
        if axes == (0, 1, 2, 3):                         # axis 1 is not broadcast: the loops
            np.testing.assert_allclose(got, want, rtol=1e-6)
        elif dtype == np.float64:                        # the exact sum, rounded once
            count = x.size // v.size if axes == (0, 2, 3) else 8 * 16
            exact = [math.fsum([float(e)] * count) for e in v.reshape(-1)]
            np.testing.assert_array_equal(got.reshape(-1)[:6] if axes == (0, 2, 3) else
                                          got.reshape(6, -1)[:, 0], exact)
        else:                                            # equal float32 terms add exactly
            np.testing.assert_array_equal(got, want)


def test_a_scalar_broadcast_to_a_large_shape():
    x = np.broadcast_to(np.float32(0.1), (8, 16, 16, 16))
    got = reduce.sum(x, axes=(0, 2, 3), keepdims=False)
    want = np.add.reduce(np.ascontiguousarray(x), axis=(0, 2, 3), dtype=np.float64)
    np.testing.assert_array_equal(got, want.astype(np.float32))
    np.testing.assert_array_equal(reduce.sum(x, axes=(0, 1, 2, 3), keepdims=False),
                                  np.float32(np.float64(np.float32(0.1)) * 32768))
