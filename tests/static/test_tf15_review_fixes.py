"""Fixes of the review of the TF1 additions (/tmp/team/rv-static-report.md): TF 1.15's
behaviour (values vs NumPy; errors by type and message)."""

import numpy as np
import pytest

import dlcore_static as tf


def test_hessians_through_a_loop_raise_tf1s_typeerror():
    # item 3: a gradient through a while loop's gradient was None, taken as zeros
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, (2,))
        s = tf.scan(lambda acc, t: acc * t, x, initializer=tf.constant(1.0))
        with pytest.raises(TypeError, match="Second-order gradient for while loops not supported"):
            tf.hessians(s[-1], x)
        g, = tf.gradients(s[-1], x)
        with pytest.raises(TypeError, match="Second-order gradient for while loops not supported"):
            tf.gradients(g[0], x)


def test_hessians_without_loops_still_values():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, (2,))
        h, = tf.hessians(x[0] ** 2 * x[1], x)
        with tf.Session() as sess:
            v = sess.run(h, {x: [2.0, 3.0]})
    np.testing.assert_allclose(v, [[6.0, 4.0], [4.0, 0.0]])
