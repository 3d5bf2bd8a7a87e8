"""A compiled plan's variable read after the run staged a write (issue 19, helper H5): the glue
reads the staged value of that variable, or the committed value of any other, inline (no call
of the read's executor), with the interpreter's values; an uninitialized variable still raises
TensorFlow's error naming it, and the failed run commits nothing."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


def _graph():
    g = tf.Graph()
    with g.as_default():
        a = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="a")
        b = tf.Variable(np.full((2, 3), 5.0, np.float32), name="b")
        up = tf.assign(a, a * 2.0 + 1.0)
        with tf.control_dependencies([up]):
            ra = tf.identity(a.read_value()) * 1.0       # after the staged write: a's new value
            rb = tf.identity(b.read_value()) * 1.0       # b was not written: committed value
        init = tf.global_variables_initializer()
    return g, a, b, ra, rb, init


@pytest.mark.parametrize("passes", [(), "all"])
def test_reads_after_a_staged_write_see_this_runs_value(passes):
    g, a, b, ra, rb, init = _graph()
    with tf.Session(graph=g, passes=passes) as sess:
        sess.run(init)
        expect = np.arange(6, dtype=np.float32).reshape(2, 3)
        for _ in range(3):                   # the plan is compiled on its second run
            expect = expect * 2 + 1
            got_a, got_b = sess.run([ra, rb])
            np.testing.assert_array_equal(got_a, expect)
            np.testing.assert_array_equal(got_b, np.full((2, 3), 5.0))
        np.testing.assert_array_equal(sess.run(a), expect)
        if passes:
            src = sess.plan([ra, rb]).compiler.codegen["source"]
            assert " in _sd else _cv[" in src, src


def test_an_uninitialized_read_after_a_staged_write_raises_and_commits_nothing():
    g, a, b, ra, rb, init = _graph()
    with tf.Session(graph=g, passes="all") as sess:
        sess.run(init)
        for _ in range(2):
            sess.run([ra, rb])
        assert sess.plan([ra, rb]).compiler.compiled
        a_before = sess.run(a)
        sess.variables._values.pop(b.op)         # b uninitialized again; a still set
        with pytest.raises(tf.errors.FailedPreconditionError,
                           match="Attempting to use uninitialized value b"):
            sess.run([ra, rb])
        np.testing.assert_array_equal(sess.run(a), a_before)     # a's write was not committed
