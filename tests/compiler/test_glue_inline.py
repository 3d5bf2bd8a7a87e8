"""The compiled plan's glue writes a matrix product and the variable reads and assigns inline
(issue 19): the values of the interpreter (to float rounding: the compiled tanh is not
NumPy's), and the same errors, by type and
TensorFlow's message, with nothing committed by a failed run."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


def _step(dtype, passes):
    rng = np.random.default_rng(1)
    xv = rng.standard_normal((5, 4)).astype(dtype)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(dtype, shape=(5, 4))
        w = tf.Variable(rng.standard_normal((4, 3)).astype(dtype), name="w")
        v = tf.Variable(rng.standard_normal((3, 2)).astype(dtype), name="v")
        loss = tf.reduce_sum(tf.tanh(tf.matmul(tf.matmul(x, w), v)) ** 2)
        step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        copy = v.assign(tf.matmul(tf.transpose(w), w)[:3, :2])    # an Assign of a product
        init = tf.global_variables_initializer()
    sess = tf.Session(graph=g, passes=passes)
    sess.run(init)
    return sess, x, xv, w, v, loss, step, copy


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_inline_products_and_updates_match_the_interpreter(dtype):
    out = []
    for passes in ((), "all"):
        sess, x, xv, w, v, loss, step, copy = _step(dtype, passes)
        with sess:
            losses = [sess.run([loss, step], {x: xv})[0] for _ in range(3)]
            if passes:
                names = sess.plan([loss, step], {x: xv}).compiled_run.__code__.co_varnames
                assert "_dot" in names and "_stg" in names      # written inline
            out.append((losses, sess.run(w), sess.run(copy), sess.run(copy), sess.run(v)))
    for a, b in zip(*out):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=2e-5, atol=1e-6)


def test_a_compiled_read_of_an_uninitialized_variable_raises_and_commits_nothing():
    sess, x, xv, w, v, loss, step, _ = _step(np.float32, "all")
    with sess:
        for _ in range(2):
            sess.run([loss, step], {x: xv})
        assert sess.plan([loss, step], {x: xv}).compiler.compiled
        w_before = sess.run(w)
        sess.variables._values.pop(v.op)         # v uninitialized again; w still set
        with pytest.raises(tf.errors.FailedPreconditionError,
                           match="Attempting to use uninitialized value v"):
            sess.run([loss, step], {x: xv})
        np.testing.assert_array_equal(sess.run(w), w_before)    # the failed step wrote nothing


def test_assigning_a_variable_read_keeps_the_committed_value_read_only():
    g = tf.Graph()
    with g.as_default():
        a = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="a")
        b = tf.Variable(np.zeros((2, 3), np.float32), name="b")
        put = b.assign(a.read_value())           # a read-only committed value, assigned
        init = tf.global_variables_initializer()
    with tf.Session(graph=g, passes="all") as sess:
        sess.run(init)
        for _ in range(3):
            got = sess.run(put)
        np.testing.assert_array_equal(got, np.arange(6).reshape(2, 3))
        np.testing.assert_array_equal(sess.run(b), sess.run(a))
        got[...] = 7.0                          # a fetched value is the caller's own
        np.testing.assert_array_equal(sess.run(b), np.arange(6).reshape(2, 3))


def test_past_the_inline_bound_the_executors_run_with_the_same_values(monkeypatch):
    from dlcore_static.compiler import source
    monkeypatch.setattr(source, "MAX_INLINED", 2)        # the first two nodes inline, no more
    out = []
    for passes in ((), "all"):
        sess, x, xv, w, v, loss, step, _ = _step(np.float32, passes)
        with sess:
            losses = [sess.run([loss, step], {x: xv})[0] for _ in range(3)]
            out.append((losses, sess.run(w), sess.run(v)))
    for a, b in zip(*out):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=2e-5, atol=1e-6)
