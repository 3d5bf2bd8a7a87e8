"""The compiled plan's per-call glue (issues 12/19): what it may skip must not change a value.

* a loop that is a whole segment fills an array the glue allocates instead of returning one (a
  returned array costs Numba a boxing call): each run still gets its own result array;
* after its first call the glue calls its segments' compiled entry points (no type resolution);
* the glue's ``run`` binds its executors as positional defaults (fast locals), so an extra
  positional argument would have replaced one: it raises instead.
"""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


def _one_op():
    g = tf.Graph()
    with g.as_default():
        a = tf.placeholder(tf.float32, shape=(3,))
        out = a * 2.0 + 1.0
    return g, a, out


def test_each_run_gets_its_own_result_array():
    g, a, out = _one_op()
    with tf.Session(graph=g, passes="all") as sess:
        x1 = np.array([1.0, 2.0, 3.0], np.float32)
        r1 = sess.run(out, {a: x1})
        r2 = sess.run(out, {a: x1 + 1})
        assert sess.plan(out, {a: x1}).compiler.compiled
        np.testing.assert_array_equal(r1, [3.0, 5.0, 7.0])
        np.testing.assert_array_equal(r2, [5.0, 7.0, 9.0])
        assert not np.shares_memory(r1, r2)
        # a non-contiguous feed is copied for the segment, not read with the wrong strides
        x3 = np.arange(6, dtype=np.float32)[::2]
        np.testing.assert_array_equal(sess.run(out, {a: x3}), x3 * 2 + 1)


def test_an_extra_positional_argument_raises_instead_of_replacing_an_executor():
    g, a, out = _one_op()
    with tf.Session(graph=g, passes="all") as sess:
        x = np.ones(3, np.float32)
        sess.run(out, {a: x})
        run = sess.plan(out, {a: x}).compiled_run
        np.testing.assert_array_equal(run(x)[0], [3.0, 3.0, 3.0])
        with pytest.raises(TypeError, match=r"takes 1 positional argument\(s\) \(the fed "
                                            r"values\) but more were given"):
            run(x, x)
        np.testing.assert_array_equal(sess.run(out, {a: x}), [3.0, 3.0, 3.0])


def test_a_training_step_with_a_one_loop_update_segment_matches_the_interpreter():
    rng = np.random.default_rng(0)
    xv = rng.standard_normal((4, 3)).astype(np.float32)
    w0 = rng.standard_normal((3, 2)).astype(np.float32)
    got = []
    for passes in ((), "all"):
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.float32, shape=(4, 3))
            w = tf.Variable(w0)
            loss = tf.reduce_sum(tf.matmul(x, w) ** 2)
            step = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
        with tf.Session(graph=g, passes=passes) as sess:
            sess.run(tf.variables_initializer([w]))
            losses = [sess.run([loss, step], {x: xv})[0] for _ in range(3)]
            got.append((np.array(losses), sess.run(w)))
    np.testing.assert_allclose(got[1][0], got[0][0], rtol=1e-6)
    np.testing.assert_allclose(got[1][1], got[0][1], rtol=1e-6)


def test_after_the_first_call_the_glue_calls_the_segments_entry_points():
    from numba.core.dispatcher import Dispatcher

    g, a, out = _one_op()
    with tf.Session(graph=g, passes="all") as sess:
        x = np.ones(3, np.float32)
        plan = sess.plan(out, {a: x})
        assert any(isinstance(d, Dispatcher) for d in plan.compiled_run.__defaults__)
        np.testing.assert_array_equal(sess.run(out, {a: x}), [3.0, 3.0, 3.0])
        assert "first_call" in plan.compiler.seconds
        assert not any(isinstance(d, Dispatcher) for d in plan.compiled_run.__defaults__)
        for k in range(3):
            np.testing.assert_array_equal(sess.run(out, {a: x + k}), 2 * (x + k) + 1)


def test_views_and_strided_feeds_reach_later_segments_c_contiguous():
    # a BLAS matmul left to Python splits the plan in two segments: the first one's transpose
    # (a view inside Numba) is read by the matmul and by the second segment, which also reads
    # the strided feed: the glue tests the feed once, and passes the first segment's output
    # (returned C-contiguous) as it is
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal((3, 3)).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, shape=(3, 3))
        t = tf.transpose(tf.tanh(x))
        m = tf.matmul(t, tf.constant(w0))
        out = tf.exp(t * 0.5) + m * x - tf.transpose(t)
    feeds = [np.ascontiguousarray(rng.standard_normal((3, 3)), np.float32),
             rng.standard_normal((3, 3)).astype(np.float32).T,         # F-contiguous
             rng.standard_normal((6, 6)).astype(np.float32)[::2, 1::2]]  # strided
    with tf.Session(graph=g, passes="all") as sess:
        for xv in feeds:
            tv = np.tanh(xv).T
            want = np.exp(tv * 0.5) + (tv @ w0) * xv - tv.T
            np.testing.assert_allclose(sess.run(out, {x: xv}), want, rtol=1e-5, atol=1e-6)
        plan = sess.plan(out, {x: feeds[0]})
        assert plan.compiler.compiled
        with open(plan.compiled_run.__code__.co_filename) as f:
            glue = f.read()
        assert glue.count(" = S") == 2, glue
        assert "_c(" not in glue and ".flags.c_contiguous" in glue
