"""Session.run's path for a compiled (or tiered) plan: one step called with the feeds, no slot
list or interpreter loop (``Plan.one_step``, issue 19).  Values, fetch structures, errors (type
and message) and the variables after a failed run are the interpreter's.  Each test builds
in a fresh default graph (tests/compiler/conftest.py); the Sessions say when they optimise."""

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.compiler import Pipeline


def _sessions():
    """(compiled before its first run, tiered: compiled on its 2nd run, the interpreter)."""
    return (tf.Session(pipeline=Pipeline("all", after=1)),
            tf.Session(pipeline=Pipeline("all", after=2)), tf.Session(passes=()))


def _error(fn, *args):
    with pytest.raises(Exception) as info:
        fn(*args)
    return type(info.value), str(info.value)


def test_values_and_fetch_structures_match_the_interpreter():
    x = tf.placeholder(tf.float32, (3,))
    y = tf.exp(x) + 1.0
    s = tf.reduce_sum(y)
    op = tf.no_op()
    feed = {x: np.array([0.0, 1.0, -1.0], np.float32)}
    compiled, tiered, interp = _sessions()
    ref = interp.run([y, s], feed)
    for sess in (compiled, tiered):
        for _ in range(3):                               # tiered: both sides of the switch
            got = sess.run([y, s], feed)
            assert type(got) is list and len(got) == 2
            np.testing.assert_allclose(got[0], ref[0], rtol=1e-6)
            assert type(got[1]) is np.float32 and np.isclose(got[1], ref[1])
            again = sess.run([y, s], feed)
            assert again is not got                      # a fresh list each run
        assert sess.plan([y, s], feed).one_step
        assert sess.run([y, op, y], feed)[1] is None
        out = sess.run({"s": s, "pair": (y, [s])}, feed)
        assert set(out) == {"s", "pair"} and type(out["pair"]) is tuple
        assert type(sess.run(s, feed)) is np.float32
    assert compiled.plan([y, s], feed).compiled_run is not None
    assert not interp.plan([y, s], feed).one_step


def test_feed_and_fetch_errors_are_the_interpreters():
    x = tf.placeholder(tf.float32, (2,))
    k = tf.placeholder(tf.int32, ())
    y = x * 2.0 + tf.cast(k, tf.float32)
    good = {x: np.ones(2, np.float32), k: 1}
    cases = [
        lambda sess: sess.run(y, {x: np.ones(3, np.float32), k: 1}),        # shape
        lambda sess: sess.run(y, {x: np.ones(2, np.float32)}),              # missing feed
        lambda sess: sess.run(y, {x: np.ones(2, np.float32), k: 2 ** 40}),  # overflow
        lambda sess: sess.run([y, 3.5], good),                              # not a tensor
        lambda sess: sess.run(y, {x: ["a", "b"], k: 1}),                    # not a number
    ]
    compiled, tiered, interp = _sessions()
    for sess in (compiled, tiered):
        for _ in range(2):
            sess.run(y, good)                            # the good plan is cached (compiled)
        for case in cases:
            assert _error(case, sess) == _error(case, interp)
        np.testing.assert_array_equal(sess.run(y, good), [3.0, 3.0])


def test_a_run_that_fails_inside_the_plan_changes_no_variable():
    w = tf.Variable(np.arange(4, dtype=np.float32))
    i = tf.placeholder(tf.int32, (2,))
    picked = tf.gather(w, i)
    step = tf.assign_add(w, tf.ones(4))
    fetches = [picked, step]
    for sess in _sessions():
        sess.run(tf.global_variables_initializer())
        sess.run(fetches, {i: np.array([0, 3], np.int32)})
        sess.run(fetches, {i: np.array([0, 3], np.int32)})
        before = sess.run(w)
        err = _error(sess.run, fetches, {i: np.array([0, 9], np.int32)})
        assert err[0] is tf.errors.InvalidArgumentError
        np.testing.assert_array_equal(sess.run(w), before)
        got, _ = sess.run(fetches, {i: np.array([1, 2], np.int32)})
        np.testing.assert_array_equal(got, before[[1, 2]])
        np.testing.assert_array_equal(sess.run(w), before + 1)
    errors = {_error(s.run, fetches, {i: np.array([0, 9], np.int32)})
              for s in _sessions() if not s.run(tf.global_variables_initializer())}
    assert len(errors) == 1                              # same type and message everywhere


def test_a_fetched_variable_is_the_callers_copy_and_tracing_still_names_the_ops():
    w = tf.Variable(np.ones((2, 2), np.float32), name="w")
    y = tf.matmul(w, w, name="y")
    compiled = tf.Session(pipeline=Pipeline("all", after=1))
    compiled.run(tf.global_variables_initializer())
    for _ in range(2):
        wv, yv = compiled.run([w, y])
        assert wv.flags.writeable
        wv[...] = 7.0
        yv[...] = 7.0
    np.testing.assert_array_equal(compiled.run(w), np.ones((2, 2)))
    md = tf.RunMetadata()
    np.testing.assert_array_equal(compiled.run(y, run_metadata=md), np.full((2, 2), 2.0))
    assert "y" in md.executed_ops
