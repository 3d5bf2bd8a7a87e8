"""Graph tensors' AVals read directly (``registry.AVAL_ATTR_TYPES``, issue 19): ``aval_of`` and
the vjp rules' ``bind_like`` (``sum_to``/``broadcast_like``) take a graph tensor's ``aval``
without the ``__dlcore_aval__`` call; the results are those of the general path."""

from __future__ import annotations

import numpy as np

import dlcore_static as tf
from dlcore.ops.broadcast import broadcast_like, sum_to
from dlcore.registry import AVAL_ATTR_TYPES, aval_of
from dlcore_static.graph import Tensor


def test_graph_tensor_is_registered_and_aval_of_is_its_own():
    assert Tensor in AVAL_ATTR_TYPES
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 3])
        assert aval_of(x) is x.aval
        assert aval_of(x) == x.__dlcore_aval__()
        assert aval_of(x).shape == (None, 3)


def test_sum_to_of_equal_known_shapes_is_the_value_itself():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [2, 3])
        y = tf.tanh(x)
        n = len(g.get_operations())
        assert sum_to(y, x) is y
        assert broadcast_like(y, x) is y
        assert len(g.get_operations()) == n          # no node made


def test_sum_to_with_an_unknown_dimension_still_makes_its_node():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 3])
        y = tf.tanh(x)
        n = len(g.get_operations())
        s = sum_to(y, x)
        assert s is not y and len(g.get_operations()) == n + 1
        with tf.Session() as sess:
            v = np.arange(6, dtype=np.float32).reshape(2, 3) / 7
            np.testing.assert_allclose(sess.run(s, {x: v}), np.tanh(v), rtol=1e-6)


def test_gradient_of_a_broadcast_bias_sums_over_the_batch():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [4, 3])
        b = tf.placeholder(tf.float32, [3])
        loss = tf.reduce_sum(tf.tanh(x + b))
        gx, gb = tf.gradients(loss, [x, b])
        xv = np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)
        bv = np.array([0.1, -0.2, 0.3], np.float32)
        with tf.Session() as sess:
            gxv, gbv = sess.run([gx, gb], {x: xv, b: bv})
        d = 1 - np.tanh(xv + bv) ** 2
        np.testing.assert_allclose(gxv, d, rtol=1e-6)
        np.testing.assert_allclose(gbv, d.sum(0), rtol=1e-6)
        assert gb.shape.as_list() == [3]
