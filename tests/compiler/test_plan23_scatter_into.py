"""``accumulators.scatter_into`` (a compiled loop's row updates of an accumulator) takes its
indices in their own integer type (no int64 copy per call): values for int32, int64 and
unsigned indices, negative ones from the end, an index out of range named and nothing
written."""

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.compiler.accumulators import scatter_into


@pytest.mark.parametrize("dt", [np.int32, np.int64, np.uint8])
def test_rows_added_in_place(dt):
    acc = np.zeros((5, 2, 3), np.float32)
    v = np.arange(12, dtype=np.float32).reshape(2, 2, 3)
    idx = np.array([4, 1], dt)
    scatter_into(acc, v, idx, None)
    scatter_into(acc, v[:1], np.array([4], dt), None)
    want = np.zeros((5, 2, 3), np.float32)
    want[4] += v[0] + v[0]
    want[1] += v[1]
    np.testing.assert_array_equal(acc, want)


def test_negative_and_out_of_range_indices():
    acc = np.zeros((4, 3))
    scatter_into(acc, np.ones((1, 3)), np.array([-1], np.int32), None)
    np.testing.assert_array_equal(acc[3], 1.0)
    with tf.Graph().as_default():
        op = tf.no_op(name="the_scatter")
    before = acc.copy()
    with pytest.raises(tf.errors.InvalidArgumentError, match="(?s)index 4 is out of bounds.*the_scatter"):
        scatter_into(acc, np.ones((2, 3)), np.array([0, 4], np.int32), op)
    np.testing.assert_array_equal(acc, before)
