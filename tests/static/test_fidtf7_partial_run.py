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
