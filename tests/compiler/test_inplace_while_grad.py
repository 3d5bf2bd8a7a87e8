"""In-place updates of weights read by a while_loop or a cond (issue 19): the captures'
gradients a WhileGrad returns, and a Cond gradient's matmuls and zeros, are fresh arrays
(codegen._fresh), so ``w_r - lr * dw_r`` writes into w_r's spare buffer; same values as the
interpreter for 0..3 trips and both branches, and a failing run changes no variable."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import compiler


def _loop_model():
    x = tf.placeholder(tf.float64, shape=(4, 3))
    n = tf.placeholder(tf.int32, shape=())
    w_r = tf.Variable(np.linspace(-0.9, 0.8, 9).reshape(3, 3), name="w_r")
    w_o = tf.Variable(np.linspace(0.5, -0.5, 6).reshape(3, 2), name="w_o")
    _, h = tf.while_loop(lambda i, h: i < n, lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w_r))),
                         [tf.constant(0), x])
    loss = tf.reduce_sum(tf.matmul(h, w_o) ** 2)
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    return x, n, w_r, w_o, loss, train


def _session(passes):
    x, n, w_r, w_o, loss, train = _loop_model()
    sess = tf.Session(passes=passes)
    sess.run(tf.global_variables_initializer())
    return sess, x, n, w_r, w_o, loss, train


def test_loop_weight_updates_in_place_with_the_interpreters_values():
    got = _session("all")
    ref = _session(())
    xv = np.linspace(-1, 1, 12).reshape(4, 3)
    for trips in (2, 3, 0, 1, 2):
        out = []
        for sess, x, n, w_r, w_o, loss, train in (got, ref):
            out.append(sess.run([loss, train], {x: xv, n: trips})[0])
            out.append(sess.run([w_r, w_o]))
        np.testing.assert_allclose(out[0], out[2], rtol=1e-12)
        for a, b in zip(out[1], out[3]):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    sess, x, n, w_r, w_o, loss, train = got
    rep = compiler.explain(sess, [loss, train], {x: xv, n: 2})
    assert rep.compiled and "w_r" in rep.codegen["inplace"]


def test_a_failing_loop_run_changes_no_variable():
    x, n, w_r, w_o, loss, _ = _loop_model()
    a = tf.placeholder(tf.float64, shape=(None, None))
    total = loss + tf.reduce_sum(tf.matmul(a, w_r, name="BadMatMul"))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(total)
    sess = tf.Session(passes="all")
    sess.run(tf.global_variables_initializer())
    feed = {x: np.linspace(-1, 1, 12).reshape(4, 3), n: 2, a: np.ones((2, 3))}
    for _ in range(3):
        sess.run([total, train], feed)
    assert "w_r" in compiler.explain(sess, [total, train], feed).codegen["inplace"]
    before = sess.run([w_r, w_o])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[\[node BadMatMul"):
        sess.run([total, train], {**feed, a: np.ones((2, 4))})
    for got, want in zip(sess.run([w_r, w_o]), before):
        np.testing.assert_array_equal(got, want)
    sess.run([total, train], feed)
    assert not np.array_equal(sess.run(w_r), before[0])


def test_cond_weight_updates_in_place_with_the_interpreters_values():
    def build(passes):
        x = tf.placeholder(tf.float64, shape=(4, 3))
        w_a = tf.Variable(np.linspace(-0.9, 0.8, 9).reshape(3, 3), name="w_a")
        w_b = tf.Variable(np.linspace(0.7, -0.6, 9).reshape(3, 3), name="w_b")
        h = tf.cond(tf.reduce_mean(x) > 0, lambda: tf.matmul(x, w_a), lambda: tf.matmul(x, w_b))
        loss = tf.reduce_sum(tf.tanh(h) ** 2)
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        sess = tf.Session(passes=passes)
        sess.run(tf.global_variables_initializer())
        return sess, x, [w_a, w_b], loss, train
    got, ref = build("all"), build(())
    xs = [np.linspace(-1, 1.5, 12).reshape(4, 3), np.linspace(-1.5, 1, 12).reshape(4, 3)]
    for k in range(5):
        out = []
        for sess, x, ws, loss, train in (got, ref):
            out.append(sess.run([loss, train], {x: xs[k % 2]})[0])
            out.append(sess.run(ws))
        np.testing.assert_allclose(out[0], out[2], rtol=1e-12)
        for a, b in zip(out[1], out[3]):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    sess, x, ws, loss, train = got
    rep = compiler.explain(sess, [loss, train], {x: xs[0]})
    assert {"w_a", "w_b"} <= set(rep.codegen["inplace"])
