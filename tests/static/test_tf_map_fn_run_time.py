"""tf.map_fn over a batch whose size is known only at run time (a [None, ...] placeholder, a
tf.range(tf.shape(x)[0])): the loop runs to tf.shape(elems)[0]; values and gradients against
NumPy for several batch sizes, 0 included, interpreted and with the graph passes."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


@pytest.mark.parametrize("passes", [(), "all"])
def test_map_fn_over_a_run_time_batch(passes):
    x = tf.placeholder(tf.float64, [None, 3])
    y = tf.map_fn(lambda r: tf.reduce_sum(r * r), x)
    z = tf.map_fn(lambda i: tf.cast(i, tf.float64) * 2, tf.range(tf.shape(x)[0]),
                  dtype=tf.float64)
    first, doubled = tf.map_fn(lambda r: (r[0], r * 2.0), x, dtype=(tf.float64, tf.float64))
    g = tf.gradients(tf.reduce_sum(y) + tf.reduce_sum(doubled), x)[0]
    assert y.shape.as_list() == [None] and doubled.shape.as_list() == [None, 3]
    with tf.Session(passes=passes) as sess:
        for rows in (2, 0, 4):
            xv = np.arange(rows * 3, dtype=np.float64).reshape(rows, 3) - 2.0
            yv, zv, fv, dv, gv = sess.run([y, z, first, doubled, g], {x: xv})
            np.testing.assert_allclose(yv, (xv * xv).sum(1))
            np.testing.assert_array_equal(zv, 2.0 * np.arange(rows))
            np.testing.assert_array_equal(fv, xv[:, 0])
            np.testing.assert_array_equal(dv, 2 * xv)
            np.testing.assert_allclose(gv, 2 * xv + 2.0)
            assert gv.shape == (rows, 3)
