"""The column sum behind every bias gradient (``sum(x, axis=0)``: ``_jit_reduce.sum_cols``)
adds four rows per pass over its accumulator but each element still in row order, so its
float64 (int64) sums are those of adding the rows one at a time, bit for bit, for any number
of rows (a remainder of 1-3 rows too), strided views and integer inputs; and the kernel behind
``sum_to_shape``/``reduce_sum`` gives it."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore.kernels.cpu import _jit_reduce, reduce


def _row_order(x):
    acc = np.zeros(x.shape[1], np.int64 if x.dtype.kind in "iub" else np.float64)
    for j in range(x.shape[0]):
        acc += x[j]
    return acc


@pytest.mark.parametrize("rows", [1, 2, 3, 4, 5, 7, 8, 9, 203])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32])
def test_four_rows_a_pass_keep_row_order_bits(rows, dtype):
    rng = np.random.default_rng(rows)
    x = (rng.standard_normal((rows, 37)) * 1e3).astype(dtype)
    acc = np.zeros(37, np.int64 if dtype == np.int32 else np.float64)
    _jit_reduce.sum_cols(x, acc)
    np.testing.assert_array_equal(acc, _row_order(x))


def test_a_strided_view_and_an_accumulator_with_values():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((11, 60)).astype(np.float32)[:, ::3]
    acc = rng.standard_normal(20)
    want = acc.copy()
    for j in range(11):
        want += x[j]
    _jit_reduce.sum_cols(x, acc)
    np.testing.assert_array_equal(acc, want)


def test_bias_gradient_shape_sum_goes_through_it():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((300, 64)).astype(np.float32)       # over SMALL_SUM elements
    assert x.size >= reduce.SMALL_SUM
    got = reduce.sum_to_shape(x, (64,))
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, _row_order(x).astype(np.float32))
