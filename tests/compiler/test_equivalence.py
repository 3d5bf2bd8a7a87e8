"""Every pass configuration gives the same values and gradients as the plain interpreter.

The programs are the seed notes' static programs (placeholders for weights, ``tf.gradients``,
``assign``/``group``, ``GradientDescentOptimizer.minimize``, ``tf.layers.dense`` +
``tf.losses.mean_squared_error``, ``tf.cond``) at small sizes, plus a while_loop and Adam.  Each
graph is built once; one Session per configuration, all starting from the same variable values;
several training steps, comparing the fetched values after every step.
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf

from .conftest import CONFIGS

N, D, H = 8, 12, 6
RNG = np.random.default_rng(0)


def _feeds(*shapes):
    return [RNG.standard_normal(s).astype(np.float32) for s in shapes]


def seed_placeholders():
    x = tf.placeholder(tf.float32, shape=(N, D))
    y = tf.placeholder(tf.float32, shape=(N, D))
    w1 = tf.placeholder(tf.float32, shape=(D, H))
    w2 = tf.placeholder(tf.float32, shape=(H, D))
    h = tf.maximum(tf.matmul(x, w1), 0)
    y_pred = tf.matmul(h, w2)
    diff = y_pred - y
    loss = tf.reduce_mean(tf.reduce_sum(diff ** 2, axis=1))
    grad_w1, grad_w2 = tf.gradients(loss, [w1, w2])
    vals = _feeds((N, D), (N, D), (D, H), (H, D))
    return [loss, grad_w1, grad_w2], dict(zip([x, y, w1, w2], vals)), 1


def seed_assign_group():
    x = tf.placeholder(tf.float32, shape=(N, D))
    y = tf.placeholder(tf.float32, shape=(N, D))
    w1 = tf.Variable(tf.random_normal((D, H)))
    w2 = tf.Variable(tf.random_normal((H, D)))
    h = tf.maximum(tf.matmul(x, w1), 0)
    y_pred = tf.matmul(h, w2)
    diff = y_pred - y
    loss = tf.reduce_mean(tf.reduce_sum(diff ** 2, axis=1))
    grad_w1, grad_w2 = tf.gradients(loss, [w1, w2])
    new_w1 = w1.assign(w1 - 1e-3 * grad_w1)
    new_w2 = w2.assign(w2 - 1e-3 * grad_w2)
    updates = tf.group(new_w1, new_w2)
    vals = _feeds((N, D), (N, D))
    return [loss, updates], dict(zip([x, y], vals)), 4


def seed_optimizer():
    x = tf.placeholder(tf.float32, shape=(N, D))
    y = tf.placeholder(tf.float32, shape=(N, D))
    w1 = tf.Variable(tf.random_normal((D, H)))
    w2 = tf.Variable(tf.random_normal((H, D)))
    h = tf.maximum(tf.matmul(x, w1), 0)
    y_pred = tf.matmul(h, w2)
    diff = y_pred - y
    loss = tf.reduce_mean(tf.reduce_sum(diff * diff, axis=1))
    updates = tf.train.GradientDescentOptimizer(1e-3).minimize(loss)
    vals = _feeds((N, D), (N, D))
    return [loss, updates], dict(zip([x, y], vals)), 4


def seed_layers():
    x = tf.placeholder(tf.float32, shape=(N, D))
    y = tf.placeholder(tf.float32, shape=(N, D))
    init = tf.contrib.layers.xavier_initializer()
    h = tf.layers.dense(inputs=x, units=H, activation=tf.nn.relu, kernel_initializer=init)
    y_pred = tf.layers.dense(inputs=h, units=D, kernel_initializer=init)
    loss = tf.losses.mean_squared_error(y_pred, y)
    updates = tf.train.GradientDescentOptimizer(1e-1).minimize(loss)
    vals = _feeds((N, D), (N, D))
    return [loss, updates], dict(zip([x, y], vals)), 4


def seed_cond():
    x = tf.placeholder(tf.float32, shape=(3, 4))
    z = tf.placeholder(tf.float32, shape=None)
    w1 = tf.placeholder(tf.float32, shape=(4, 5))
    w2 = tf.placeholder(tf.float32, shape=(4, 5))
    y = tf.cond(tf.less(z, 0), lambda: tf.matmul(x, w1), lambda: tf.matmul(x, w2))
    g = tf.gradients(tf.reduce_sum(y * y), [w1, w2, x])
    vals = _feeds((3, 4), (4, 5), (4, 5))
    return [y] + g, {x: vals[0], z: np.float32(-1.0), w1: vals[1], w2: vals[2]}, 1


def while_training():
    x = tf.placeholder(tf.float32, shape=(N, D))
    depth = tf.placeholder(tf.int32, shape=())
    w = tf.Variable(RNG.standard_normal((D, D)).astype(np.float32) * 0.3)
    b = tf.Variable(np.zeros(D, np.float32))
    _, h = tf.while_loop(lambda i, h: tf.less(i, depth),
                         lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w) + b)), [tf.constant(0), x])
    branch = tf.cond(tf.greater(tf.reduce_mean(h), 0.0), lambda: h * 2.0, lambda: h - 1.0)
    loss = tf.reduce_sum(branch ** 2)
    train = tf.train.GradientDescentOptimizer(1e-3).minimize(loss)
    return [loss, h, train], {x: _feeds((N, D))[0], depth: np.int32(3)}, 3


def adam_bias_relu():
    x = tf.placeholder(tf.float32, shape=(None, D))
    w = tf.Variable(RNG.standard_normal((D, H)).astype(np.float32) * 0.3)
    b = tf.Variable(np.full(H, 0.1, np.float32))
    h = tf.nn.relu(tf.matmul(x, w) + b)
    loss = tf.reduce_mean(tf.sigmoid(h) * tf.exp(-h)) + tf.reduce_sum(tf.transpose(
        tf.transpose(w)) * 1.0 + 0.0)
    train = tf.train.AdamOptimizer(0.01).minimize(loss)
    return [loss, train, h], {x: _feeds((N, D))[0]}, 3


PROGRAMS = [seed_placeholders, seed_assign_group, seed_optimizer, seed_layers, seed_cond,
            while_training, adam_bias_relu]


def _run_config(graph, fetches, feed, steps, passes, init_values):
    sess = tf.Session(graph=graph, passes=passes)
    variables = graph.get_collection("variables")
    if variables:
        sess.run(tf.global_variables_initializer())
        for v, val in zip(variables, init_values):
            v.load(val, sess)
    out = []
    for _ in range(steps):
        out.append(sess.run(fetches, feed_dict=feed))
    final = [sess.run(v) for v in variables]
    return out, final


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda f: f.__name__)
def test_every_configuration_matches_the_interpreter(program, fresh_graph):
    fetches, feed, steps = program()
    variables = fresh_graph.get_collection("variables")
    init_values = []
    if variables:
        with tf.Session(graph=fresh_graph) as s0:
            s0.run(tf.global_variables_initializer())
            init_values = [s0.run(v) for v in variables]
    ref, ref_final = _run_config(fresh_graph, fetches, feed, steps, (), init_values)
    for name, passes in CONFIGS.items():
        got, final = _run_config(fresh_graph, fetches, feed, steps, passes, init_values)
        for step, (a, b) in enumerate(zip(ref, got)):
            for i, (x, y) in enumerate(zip(a, b)):
                if x is None:
                    assert y is None
                    continue
                np.testing.assert_allclose(y, x, rtol=2e-5, atol=1e-5,
                                           err_msg=f"{name}: step {step}, fetch {i}")
        for x, y in zip(ref_final, final):
            np.testing.assert_allclose(y, x, rtol=2e-5, atol=1e-5, err_msg=f"{name}: variables")
