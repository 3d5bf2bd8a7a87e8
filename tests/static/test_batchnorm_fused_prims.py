"""``tf.layers.batch_normalization`` in training mode on a 4-D input (TF's fused kernel, its
default) runs the core's fused batch-norm primitives with channels last
(dlcore/ops/batch_norm_prims.py, ``last=True``; channels first for ``axis=1``): the graph holds
``batch_norm_stats``/``batch_norm_train``, and the output, the gradients and the moving
statistics equal NumPy's TF-fused formulas (unbiased variance for the moving average)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


@pytest.mark.parametrize("axis", [-1, 1])
def test_fused_layer_runs_the_primitives_and_matches_numpy(axis):
    rng = np.random.default_rng(7)
    xv = (rng.standard_normal((3, 4, 5, 6)) * 2 + 1).astype(np.float32)
    gv = rng.standard_normal(xv.shape).astype(np.float32)
    x = tf.placeholder(tf.float32, xv.shape)
    y = tf.layers.batch_normalization(x, axis=axis, momentum=0.8, epsilon=1e-3, training=True)
    types = {op.type for op in tf.get_default_graph().get_operations()}
    assert {"BatchNormStats", "BatchNormTrain"} <= types, types
    loss = tf.reduce_sum(y * gv)
    dx, = tf.gradients(loss, [x])
    upd = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    gamma, beta, mm, mv = tf.global_variables()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got_y, got_dx, _ = sess.run([y, dx, upd], {x: xv})
        got_mm, got_mv = sess.run([mm, mv])
    ch = axis % 4
    ax = tuple(i for i in range(4) if i != ch)
    shp = [1, 1, 1, 1]
    shp[ch] = -1
    x64, g64 = xv.astype(np.float64), gv.astype(np.float64)
    mu, var = x64.mean(ax), x64.var(ax)
    rstd = 1 / np.sqrt(var + 1e-3)
    xhat = (x64 - mu.reshape(shp)) * rstd.reshape(shp)
    np.testing.assert_allclose(got_y, xhat, rtol=1e-4, atol=1e-5)
    n = xv.size // xv.shape[ch]
    want_dx = rstd.reshape(shp) * (g64 - g64.mean(ax).reshape(shp)
                                   - xhat * (g64 * xhat).mean(ax).reshape(shp))
    np.testing.assert_allclose(got_dx, want_dx, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got_mm, 0.2 * mu, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_mv, 0.8 + 0.2 * var * n / (n - 1), rtol=1e-5)


def test_a_training_placeholder_selects_the_primitives_or_the_moving_statistics():
    rng = np.random.default_rng(8)
    xv = (rng.standard_normal((4, 3, 3, 5)) * 3 - 1).astype(np.float32)
    x = tf.placeholder(tf.float32, xv.shape)
    is_training = tf.placeholder(tf.bool, [])
    y = tf.layers.batch_normalization(x, momentum=0.5, epsilon=1e-3, training=is_training)
    assert "BatchNormTrain" in {op.type for op in tf.get_default_graph().get_operations()}
    upd = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    mm, mv = tf.global_variables()[2:]
    ax = (0, 1, 2)
    mu, var = xv.astype(np.float64).mean(ax), xv.astype(np.float64).var(ax)
    n = xv.size // 5
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        infer, _ = sess.run([y, upd], {x: xv, is_training: False})
        np.testing.assert_allclose(infer, xv / np.sqrt(1 + 1e-3), rtol=1e-5)   # mean 0, var 1
        np.testing.assert_allclose(sess.run(mm), 0.0)                          # not updated
        train, _ = sess.run([y, upd], {x: xv, is_training: True})
        np.testing.assert_allclose(train, (xv - mu) / np.sqrt(var + 1e-3), rtol=1e-4,
                                   atol=1e-5)
        np.testing.assert_allclose(sess.run(mm), 0.5 * mu, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(sess.run(mv), 0.5 + 0.5 * var * n / (n - 1), rtol=1e-5)
