"""Session.partial_run_setup / partial_run: TF 1.15's example, values, and its errors."""

import numpy as np
import pytest

import dlcore_static as tf


def _graph():
    a = tf.placeholder(tf.float32, shape=[], name="a")
    b = tf.placeholder(tf.float32, shape=[], name="b")
    c = tf.placeholder(tf.float32, shape=[], name="c")
    r1 = tf.add(a, b, name="r1")
    r2 = tf.multiply(r1, c, name="r2")
    return a, b, c, r1, r2


def test_tf_docs_example():
    with tf.Graph().as_default(), tf.Session() as sess:
        a, b, c, r1, r2 = _graph()
        h = sess.partial_run_setup([r1, r2], [a, b, c])
        res = sess.partial_run(h, r1, feed_dict={a: 1, b: 2})
        assert res == 3.0
        res = sess.partial_run(h, r2, feed_dict={c: res})
        assert res == 9.0


def test_one_value_per_tensor_across_parts():
    with tf.Graph().as_default(), tf.Session() as sess:
        x = tf.placeholder(tf.float32, [], name="x")
        r = tf.random_uniform([3], seed=1)
        y = r * x
        h = sess.partial_run_setup([r, y], [x])
        rv = sess.partial_run(h, r)
        yv = sess.partial_run(h, {"y": y}, feed_dict={"x:0": 2.0})
        np.testing.assert_allclose(yv["y"], 2 * rv, rtol=1e-6)


def test_errors_as_tf():
    with tf.Graph().as_default(), tf.Session() as sess:
        a, b, c, r1, r2 = _graph()
        h = sess.partial_run_setup([r1, r2], [a, b, c])
        err = tf.errors.InvalidArgumentError
        with pytest.raises(err, match="Must run 'setup' before performing partial runs!"):
            sess.partial_run("nope", r1, {a: 1, b: 2})
        with pytest.raises(err, match="Fetch r2:0 can't be computed from the feeds that have "
                                      "been fed so far"):
            sess.partial_run(h, r2, {a: 1, b: 2})
        d = tf.placeholder(tf.float32, [], name="d")
        with pytest.raises(err, match="The feed d:0 was not specified in partial_run_setup"):
            sess.partial_run(h, r1, {a: 1, b: 2, d: 3})
        with pytest.raises(err, match="The fetch add:0 was not specified"):
            sess.partial_run(h, a + 1.0, {a: 1})
        assert sess.partial_run(h, r1, {a: 1, b: 2}) == 3.0     # (the failures changed nothing)
        with pytest.raises(err, match="The feed a:0 has already been fed"):
            sess.partial_run(h, r2, {a: 1, c: 2})
        with pytest.raises(err, match="The fetch r1:0 has already been fetched"):
            sess.partial_run(h, r1)
        assert sess.partial_run(h, [r2], {c: 2.0}) == [6.0]


def test_each_op_runs_once_across_parts():
    """A random op shared by two parts has one value, an assign_add feeding both runs once
    (review finding rv19 F1)."""
    with tf.Graph().as_default(), tf.Session() as sess:
        a = tf.placeholder(tf.float32, [], name="a")
        c = tf.placeholder(tf.float32, [], name="c")
        x = tf.random_uniform([3], seed=1)
        r1, r2 = x + a, x * c
        h = sess.partial_run_setup([r1, r2], [a, c])
        v1 = sess.partial_run(h, r1, {a: 0.0})
        v2 = sess.partial_run(h, r2, {c: 1.0})
        np.testing.assert_array_equal(v1, v2)
        v = tf.Variable(0.0)
        inc = tf.assign_add(v, 1.0)
        s1, s2 = inc + a, inc * c
        sess.run(v.initializer)
        h = sess.partial_run_setup([s1, s2], [a, c])
        assert sess.partial_run(h, s1, {a: 0.0}) == 1.0
        assert sess.partial_run(h, s2, {c: 1.0}) == 1.0
        assert sess.run(v) == 1.0


def test_a_control_dependency_run_again_is_refused():
    with tf.Graph().as_default(), tf.Session() as sess:
        a = tf.placeholder(tf.float32, [], name="a")
        c = tf.placeholder(tf.float32, [], name="c")
        v = tf.Variable(0.0, name="v")
        inc = tf.assign_add(v, 1.0, name="inc")
        with tf.control_dependencies([inc]):
            s1 = tf.identity(a, name="s1")
            s2 = tf.identity(c, name="s2")
        sess.run(v.initializer)
        h = sess.partial_run_setup([s1, s2], [a, c])
        assert sess.partial_run(h, s1, {a: 2.0}) == 2.0
        with pytest.raises(tf.errors.InvalidArgumentError, match="op 'inc' .* ran in an earlier "
                                                                 "part"):
            sess.partial_run(h, s2, {c: 1.0})
        assert sess.run(v) == 1.0
