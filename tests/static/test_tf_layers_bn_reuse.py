"""tf.layers.batch_normalization makes its variables as TF1's tf.layers do: get_variable in
variable_scope(name, default_name="batch_normalization"), so a network rebuilt in a reusing
variable scope (a GAN's discriminator on real and fake images) or a layer called again with
reuse=True shares gamma, beta and the moving statistics, and a second layer with the same name
and no reuse is TF's "already exists" ValueError."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


def _net(x, training, reuse=False):
    with tf.variable_scope("D", reuse=reuse):
        h = tf.layers.dense(x, 3)
        h = tf.layers.batch_normalization(h, training=training)
        return tf.layers.batch_normalization(h, training=training, momentum=0.5)


def test_reusing_scope_shares_gamma_beta_and_moving_statistics():
    x = tf.placeholder(tf.float32, [None, 2])
    a = _net(x, True)
    b = _net(x * 2.0, True, reuse=True)
    names = [v.name for v in tf.global_variables()]
    assert names == ["D/dense/kernel:0", "D/dense/bias:0",
                     "D/batch_normalization/gamma:0", "D/batch_normalization/beta:0",
                     "D/batch_normalization/moving_mean:0",
                     "D/batch_normalization/moving_variance:0",
                     "D/batch_normalization_1/gamma:0", "D/batch_normalization_1/beta:0",
                     "D/batch_normalization_1/moving_mean:0",
                     "D/batch_normalization_1/moving_variance:0"]
    assert [v.name for v in tf.trainable_variables()] == [n for n in names if "moving" not in n]
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    assert len(updates) == 8                      # both applications update the shared stats
    xv = np.random.RandomState(0).randn(5, 2).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        kernel, bias = sess.run(tf.trainable_variables()[:2])
        sess.run([a, b] + updates[:4], {x: xv})            # the first application's updates
        mm = sess.run(tf.global_variables()[4])
    h = xv @ kernel + bias
    np.testing.assert_allclose(mm, 0.01 * h.mean(0), rtol=1e-4, atol=1e-7)  # momentum 0.99


def test_layer_reuse_argument_and_duplicate_name():
    x = tf.placeholder(tf.float32, [None, 3])
    tf.layers.batch_normalization(x, name="bn")
    tf.layers.batch_normalization(x, name="bn", reuse=True)
    assert len(tf.global_variables()) == 4
    with pytest.raises(ValueError, match=r"^Variable bn/gamma already exists, disallowed\. "
                                         r"Did you mean to set reuse=True"):
        tf.layers.batch_normalization(x, name="bn")
    assert len(tf.global_variables()) == 4
