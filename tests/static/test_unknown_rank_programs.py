"""TF1 tutorials written with shapeless placeholders (``tf.placeholder("float")``,
``tf.placeholder(tf.float32)``): linear regression, logistic regression / softmax MLP with an
accuracy from argmax/equal, a flat image batch reshaped into conv2d, and shapeless
learning-rate / keep_prob / is_training placeholders.  Each is trained here and against the
same model written with shaped placeholders (whose paths other tests check against NumPy and
torch): equal losses and weights step by step."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


def _linear_regression(shaped: bool):
    rng = np.random.RandomState(0)
    xs = rng.uniform(-1, 1, 17).astype(np.float32)
    ys = (2.5 * xs + 0.7 + 0.1 * rng.randn(17)).astype(np.float32)
    with tf.Graph().as_default():
        X = tf.placeholder("float", [None] if shaped else None)
        Y = tf.placeholder("float", [None] if shaped else None)
        W = tf.Variable(np.float32(0.3), name="weight")
        b = tf.Variable(np.float32(-0.2), name="bias")
        pred = tf.add(tf.multiply(X, W), b)
        cost = tf.reduce_sum(tf.pow(pred - Y, 2)) / (2 * len(xs))
        opt = tf.train.GradientDescentOptimizer(0.5).minimize(cost)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            costs = [sess.run([opt, cost], {X: xs, Y: ys})[1] for _ in range(30)]
            return np.array(costs), sess.run([W, b]), str(pred.shape)


def test_linear_regression_tutorial_with_shapeless_placeholders():
    costs, (w, b), shape = _linear_regression(False)
    ref_costs, (rw, rb), ref_shape = _linear_regression(True)
    assert shape == "<unknown>" and ref_shape == "(?,)"
    np.testing.assert_allclose(costs, ref_costs, rtol=1e-5)
    np.testing.assert_allclose([w, b], [rw, rb], rtol=1e-5)
    assert costs[-1] < 0.1 * costs[0] and abs(w - 2.5) < 0.3


def _mlp(shaped: bool, hidden: bool):
    rng = np.random.RandomState(1)
    xv = rng.randn(32, 6).astype(np.float32)
    labels = (xv[:, 0] > 0).astype(int) + (xv[:, 1] > 0).astype(int)
    yv = np.eye(3, dtype=np.float32)[labels]
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 6] if shaped else None)
        y = tf.placeholder(tf.float32, [None, 3] if shaped else None)
        lr = tf.placeholder(tf.float32, [] if shaped else None)
        keep = tf.placeholder(tf.float32, [] if shaped else None)
        init = np.random.RandomState(2)
        if hidden:
            W1 = tf.Variable(init.randn(6, 16).astype(np.float32) * 0.3)
            b1 = tf.Variable(np.zeros(16, np.float32))
            h = tf.nn.relu(tf.matmul(x, W1) + b1)
            h = tf.nn.dropout(h, keep, seed=3)
        else:
            h = x
        W = tf.Variable(init.randn(16 if hidden else 6, 3).astype(np.float32) * 0.3)
        b = tf.Variable(np.zeros(3, np.float32))
        pred = tf.nn.softmax(tf.matmul(h, W) + b)
        cost = tf.reduce_mean(-tf.reduce_sum(y * tf.log(pred), reduction_indices=1))
        step = tf.train.GradientDescentOptimizer(lr).minimize(cost)
        correct = tf.equal(tf.argmax(pred, 1), tf.argmax(y, 1))
        accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            costs = [sess.run([step, cost], {x: xv, y: yv, lr: 0.5, keep: 1.0})[1]
                     for _ in range(40)]
            acc = sess.run(accuracy, {x: xv, y: yv, keep: 1.0})
            return np.array(costs), acc, sess.run(W), str(pred.shape)


@pytest.mark.parametrize("hidden", [False, True], ids=["logistic", "mlp"])
def test_softmax_regression_and_mlp_tutorials(hidden):
    costs, acc, w, shape = _mlp(False, hidden)
    ref_costs, ref_acc, ref_w, ref_shape = _mlp(True, hidden)
    assert shape == "<unknown>" and ref_shape == "(?, 3)"
    np.testing.assert_allclose(costs, ref_costs, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(w, ref_w, rtol=1e-4, atol=1e-5)
    assert acc == ref_acc and acc > 0.8 and costs[-1] < 0.6 * costs[0]


def _conv(shaped: bool):
    rng = np.random.RandomState(4)
    xv = rng.rand(8, 64).astype(np.float32)
    yv = np.eye(2, dtype=np.float32)[(xv[:, :32].sum(1) > xv[:, 32:].sum(1)).astype(int)]
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 64] if shaped else None)
        y = tf.placeholder(tf.float32, [None, 2] if shaped else None)
        img = tf.reshape(x, [-1, 8, 8, 1])
        init = np.random.RandomState(5)
        k = tf.Variable(init.randn(3, 3, 1, 4).astype(np.float32) * 0.3)
        conv = tf.nn.relu(tf.nn.conv2d(img, k, [1, 1, 1, 1], "SAME"))
        pool = tf.nn.max_pool(conv, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
        flat = tf.reshape(pool, [-1, 4 * 4 * 4])
        W = tf.Variable(init.randn(64, 2).astype(np.float32) * 0.1)
        logits = tf.matmul(flat, W)
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y,
                                                                          logits=logits))
        step = tf.train.AdamOptimizer(0.01).minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            losses = [sess.run([step, loss], {x: xv, y: yv})[1] for _ in range(10)]
            return np.array(losses), sess.run(k), str(img.shape), str(logits.shape)


def test_flat_image_batch_reshaped_into_conv2d():
    losses, k, img_shape, logits_shape = _conv(False)
    ref_losses, ref_k, _, _ = _conv(True)
    assert img_shape == "(?, 8, 8, 1)" and logits_shape == "(?, 2)"
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(k, ref_k, rtol=1e-4, atol=1e-5)


def test_is_training_placeholder_batch_norm_and_learning_rate():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 4])
        lr = tf.placeholder(tf.float32)
        training = tf.placeholder(tf.bool)
        h = tf.layers.batch_normalization(x, training=training)
        assert str(h.shape) == "(?, 4)"
        loss = tf.reduce_mean(tf.square(tf.layers.dense(h, 1)))
        with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
            step = tf.train.MomentumOptimizer(lr, 0.9).minimize(loss)
        xv = np.random.RandomState(6).randn(16, 4).astype(np.float32) * 3 + 1
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            l0 = sess.run(loss, {x: xv, training: False})
            for _ in range(20):
                sess.run(step, {x: xv, lr: 0.05, training: True})
            mm = [v for v in tf.global_variables() if "moving_mean" in v.name][0]
            assert sess.run(loss, {x: xv, training: False}) < l0
            np.testing.assert_allclose(sess.run(mm), xv.mean(0) * (1 - 0.99 ** 20), rtol=1e-4)
