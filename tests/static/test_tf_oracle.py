"""Where TensorFlow is installed, the same program gives the same values and gradients."""

import numpy as np
import pytest

import dlcore_static


def _program(tf, xv, wv):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, (None, 3))
        w = tf.placeholder(tf.float64, (3, 2))
        h = tf.maximum(tf.matmul(x, w), 0.1)
        y = tf.cond(tf.less(tf.reduce_sum(x), 0.0), lambda: tf.tanh(h), lambda: h ** 2)
        loss = tf.reduce_mean(tf.reduce_sum(y * tf.nn.softmax(h), axis=1))
        grads = tf.gradients(loss, [x, w])
        with tf.Session(graph=g) as sess:
            return sess.run([loss] + grads, {x: xv, w: wv})


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_values_and_gradients_match_tensorflow(sign):
    tfv1 = pytest.importorskip("tensorflow").compat.v1
    tfv1.disable_eager_execution()
    rng = np.random.default_rng(1)
    xv, wv = sign * np.abs(rng.standard_normal((4, 3))), rng.standard_normal((3, 2))
    ours = _program(dlcore_static, xv, wv)
    theirs = _program(tfv1, xv, wv)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)
