"""tf.layers variables made as TF1 makes them: ``get_variable`` inside
``variable_scope(name, default_name='dense')``, so a layer built again in an enclosing
``variable_scope(..., reuse=True)`` shares the first one's variables (a GAN's discriminator on
real and on fake data), unnamed layers are ``dense``, ``dense_1``, and building twice without
reuse is TF1's "already exists, disallowed"."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


def _disc(x, reuse=False):
    with tf.variable_scope("D", reuse=reuse):
        h = tf.layers.dense(x, 3, tf.nn.relu)
        h = tf.layers.conv1d(tf.expand_dims(h, -1), 2, 2, name="c")
        return tf.layers.dense(tf.layers.flatten(h), 1, name="out")


def test_reused_variable_scope_shares_layer_variables():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 2])
        a, b = _disc(x), _disc(x * 2.0, reuse=True)
        names = [v.name for v in tf.global_variables()]
        assert names == ["D/dense/kernel:0", "D/dense/bias:0", "D/c/kernel:0", "D/c/bias:0",
                         "D/out/kernel:0", "D/out/bias:0"]
        with pytest.raises(ValueError, match="Variable D/dense/kernel already exists, "
                                             "disallowed"):
            _disc(x)
        u, v = tf.layers.dense(x, 2), tf.layers.dense(x, 2)
        assert [w.name for w in tf.global_variables()[6:]] == [
            "dense/kernel:0", "dense/bias:0", "dense_1/kernel:0", "dense_1/bias:0"]
        gb = tf.gradients(b, tf.global_variables()[:6])
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            xv = np.array([[0.5, -1.0], [1.0, 2.0]], np.float32)
            av, bv = sess.run(a, {x: 2 * xv}), sess.run(b, {x: xv})
            np.testing.assert_allclose(av, bv, rtol=1e-6)
            assert all(t is not None for t in sess.run(gb, {x: xv}))
        assert u.shape.as_list() == v.shape.as_list() == [None, 2]


def test_layer_reuse_argument():
    x = tf.placeholder(tf.float32, [None, 2])
    tf.layers.dense(x, 2, name="shared")
    y = tf.layers.dense(x, 2, name="shared", reuse=True)
    assert [w.name for w in tf.global_variables()] == ["shared/kernel:0", "shared/bias:0"]
    assert y.shape.as_list() == [None, 2]
