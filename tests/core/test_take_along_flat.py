"""``take_along_axis`` of a matrix by flat positions (``scan._flat_take``) gives NumPy's
``take_along_axis`` for every shape, both axes and layouts; negative and out-of-range indices
keep the fancy index's behaviour (a wrap, an IndexError)."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore.kernels.cpu.scan import _take_along_axis_small, take_along_axis


def test_equals_numpy_take_along_axis():
    rng = np.random.default_rng(0)
    for _ in range(150):
        r, c = (int(v) for v in rng.integers(1, 70, 2))
        k = int(rng.integers(1, 70))
        x = rng.standard_normal((r, c)).astype(np.float32)
        for axis in (0, 1):
            i = rng.integers(0, x.shape[axis], (r, k) if axis == 1 else (k, c))
            want = np.take_along_axis(x, i, axis)
            np.testing.assert_array_equal(take_along_axis(x, i, axis=axis), want)
            np.testing.assert_array_equal(take_along_axis(np.asfortranarray(x), i, axis=axis),
                                          want)
            run = _take_along_axis_small([x.shape, i.shape], [x.dtype, i.dtype], axis=axis)
            np.testing.assert_array_equal(run(x, i), want)


def test_negative_wraps_and_out_of_range_raises():
    x = np.arange(64 * 40, dtype=np.float64).reshape(64, 40)
    i = np.tile(np.arange(40), (64, 1))
    i[3, 5] = -1
    np.testing.assert_array_equal(take_along_axis(x, i, axis=1),
                                  np.take_along_axis(x, i, axis=1))
    i[3, 5] = 40
    with pytest.raises(IndexError):
        take_along_axis(x, i, axis=1)
