"""Control inputs of pure nodes (``ir.sink_control``): TF1's batch-norm idiom puts the whole
gradient under ``tf.control_dependencies(update_ops)``; the primitives there must still be
simplified and fused, while every ordering between side effects is kept."""

from __future__ import annotations

import numpy as np

import dlcore_static as tf
from dlcore_static import compiler


def _train_under_update_ops():
    rng = np.random.default_rng(0)
    x = tf.placeholder(tf.float32, (8, 6))
    y = tf.placeholder(tf.float32, (8, 3))
    w = tf.Variable(rng.standard_normal((6, 3)).astype(np.float32), name="w")
    mean = tf.Variable(np.zeros(3, np.float32), name="moving_mean")
    h = tf.matmul(x, w)
    update = mean.assign(0.9 * mean + 0.1 * tf.reduce_mean(h, axis=0))
    with tf.control_dependencies([update]):
        loss = tf.reduce_sum(tf.nn.relu(h - y) ** 2)
        train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
    feed = {x: rng.standard_normal((8, 6)).astype(np.float32),
            y: rng.standard_normal((8, 3)).astype(np.float32)}
    return loss, train, mean, w, feed


def test_gradient_under_control_dependencies_is_fused_and_equal():
    results = {}
    for passes in ((), "all"):
        g = tf.Graph()
        with g.as_default():
            loss, train, mean, w, feed = _train_under_update_ops()
            sess = tf.Session(passes=passes)
            sess.run(tf.global_variables_initializer())
            vals = [sess.run([loss, train], feed)[0] for _ in range(3)]
            results[passes] = (vals, sess.run(w), sess.run(mean))
            if passes == "all":
                plan = sess.plan([loss, train], feed)
                nodes = plan.program.nodes
                # every elementwise primitive joined a fused group (18 of them kept control
                # inputs, and stayed unfused, before the control edges were sunk)
                assert not [n.type for n in nodes if n.kind == "prim" and n.prim.expr]
                # (3 loops: the moving mean's 0.9 * mean and 0.1 * mean(h) chains are one
                # since fusion merges producer groups, fusion._merge_producers)
                assert sum(n.kind == "fused" for n in nodes) >= 3
                rep = compiler.explain(sess, [loss, train], feed)
                assert rep.compiled
    (v0, w0, m0), (v1, w1, m1) = results[()], results["all"]
    np.testing.assert_allclose(v1, v0, rtol=1e-6)
    np.testing.assert_allclose(w1, w0, rtol=1e-6)
    np.testing.assert_allclose(m1, m0, rtol=1e-6)


def test_a_read_ordered_after_a_pure_node_still_sees_the_update():
    x = tf.placeholder(tf.float32, (4,))
    v = tf.Variable(0.0, name="counter")
    inc = v.assign_add(1.0)
    with tf.control_dependencies([inc]):
        t = x * 2.0 + 1.0                       # pure, ordered after the increment
    with tf.control_dependencies([t.op]):
        seen = v.read_value()                   # ordered after t, hence after the increment
    out = seen + tf.reduce_sum(t)
    feed = {x: np.arange(4, dtype=np.float32)}
    for passes in ((), "all"):
        sess = tf.Session(passes=passes)
        sess.run(tf.global_variables_initializer())
        got = [float(sess.run(out, feed)) for _ in range(3)]
        assert got == [1.0 + 16.0, 2.0 + 16.0, 3.0 + 16.0], passes
