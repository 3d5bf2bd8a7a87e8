"""TF1's tf.layers classes: an object called twice shares its variables (TF1's names), the
convolution equals a NumPy cross-correlation with the fetched kernel, pooling/Flatten/Dropout
as their functions, BatchNormalization's variables and update ops."""

from __future__ import annotations

import numpy as np

import dlcore_static as tf

RNG = np.random.default_rng(0)


def test_conv2d_object_shares_variables_and_computes_the_convolution():
    x = RNG.standard_normal((2, 5, 5, 2)).astype(np.float32)
    p = tf.placeholder(tf.float32, [None, 5, 5, 2])
    conv = tf.layers.Conv2D(3, 2, activation=tf.nn.relu)
    y1, y2 = conv(p), conv(p * 2.0)
    assert [v.name for v in tf.trainable_variables()] == ["conv2d/kernel:0", "conv2d/bias:0"]
    pool = tf.layers.MaxPooling2D(2, 2)(y1)
    flat = tf.layers.Flatten()(pool)
    drop = tf.layers.Dropout(0.5)(flat, training=False)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        a, b, k, bias, pv, fv, dv = s.run([y1, y2, conv.kernel, conv.bias, pool, flat, drop],
                                          {p: x})
    want = np.zeros((2, 4, 4, 3), np.float32)
    for i in range(4):
        for j in range(4):
            want[:, i, j] = np.tensordot(x[:, i:i + 2, j:j + 2], k, 3) + bias
    np.testing.assert_allclose(a, np.maximum(want, 0), rtol=1e-5, atol=1e-6)
    assert b.shape == a.shape
    np.testing.assert_allclose(pv, a.reshape(2, 2, 2, 2, 2, 3).max((2, 4)))
    np.testing.assert_array_equal(fv, pv.reshape(2, -1))
    np.testing.assert_array_equal(dv, fv)


def test_batch_normalization_object_names_and_updates():
    p = tf.placeholder(tf.float32, [None, 3])
    bn = tf.layers.BatchNormalization(momentum=0.5)
    y = bn(p, training=True)
    y_eval = bn(p, training=False)
    assert [v.name for v in tf.global_variables()] == [
        "batch_normalization/gamma:0", "batch_normalization/beta:0",
        "batch_normalization/moving_mean:0", "batch_normalization/moving_variance:0"]
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    x = RNG.standard_normal((6, 3)).astype(np.float32)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        out, _ = s.run([y, updates], {p: x})
        mm = s.run(bn.variables[2])
        ev = s.run(y_eval, {p: x})
    np.testing.assert_allclose(out, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3), rtol=1e-4,
                               atol=1e-5)
    np.testing.assert_allclose(mm, 0.5 * x.mean(0), rtol=1e-5, atol=1e-6)
    assert ev.shape == x.shape and issubclass(tf.layers.Layer, object)
