"""TensorArray rules checked against TF1's kernels: ``read`` of a Python int outside the array
is an ``InvalidArgumentError`` when it runs ("Tried to read from index -1 but array size is:
3"; -1 does not count from the end), and ``unstack`` is TF1's scatter to rows 0..n-1, so fewer
rows than the size are accepted and more are refused ("Max scatter index must be < array
size")."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


def test_read_outside_the_array_raises_when_it_runs():
    ta = tf.TensorArray(tf.float32, size=3).unstack(tf.constant([[1., 2], [3, 4], [5, 6]]))
    last, neg, past = ta.read(2), ta.read(-1), ta.read(3)      # building is fine, as TF1
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(last), [5.0, 6.0])
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Tried to read from index -1 but array size is: 3"):
            sess.run(neg)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Tried to read from index 3 but array size is: 3"):
            sess.run(past)


def test_read_checks_a_dynamic_array_against_its_run_time_size():
    ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
    ta = ta.write(0, [1.0]).write(1, [2.0])
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(ta.read(1)), [2.0])
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Tried to read from index 2 but array size is: 2"):
            sess.run(ta.read(2))


def test_unstack_fewer_rows_than_the_size_writes_the_first_rows():
    ta = tf.TensorArray(tf.float32, size=4).unstack(tf.constant([[1., 2], [3, 4]]))
    ta = ta.write(3, [7.0, 8.0])
    with tf.Session() as sess:
        out, n = sess.run([ta.stack(), ta.size()])
    np.testing.assert_array_equal(out, [[1, 2], [3, 4], [0, 0], [7, 8]])
    assert n == 4
    with pytest.raises(ValueError, match=r"Max scatter index must be < array size \(2 vs. 2\)"):
        tf.TensorArray(tf.float32, size=2).unstack(np.zeros((3, 3), np.float32))


def test_unstack_fewer_rows_gradient():
    x = tf.placeholder(tf.float64, [2, 3])
    ta = tf.TensorArray(tf.float64, size=3).unstack(x)
    y = tf.reduce_sum(ta.stack() * tf.constant([[1.0], [2.0], [3.0]], tf.float64))
    g = tf.gradients(y, [x])[0]
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(g, {x: np.ones((2, 3))}),
                                      [[1, 1, 1], [2, 2, 2]])
