"""feed_dict keys that stand for several tensors, as TensorFlow 1's Session.run reads them
(``nest.flatten_dict_items`` and the registered expansions): a (named) tuple of tensors, such as
an RNN cell's state, fed with a value of the same structure; a key with a ``_dlcore_feed``
expansion (a SparseTensor's)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


def test_a_tuple_key_feeds_each_tensor_of_an_rnn_state():
    cell = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.LSTMCell(3) for _ in range(2)])
    x = tf.placeholder(tf.float32, [2, 4, 2])
    init = cell.zero_state(2, tf.float32)
    out, fin = tf.nn.dynamic_rnn(cell, x, initial_state=init)
    xv = np.linspace(-1, 1, 16, dtype=np.float32).reshape(2, 4, 2)
    with tf.Session(passes=()) as s:
        s.run(tf.global_variables_initializer())
        state = s.run(fin, {x: xv})
        got = s.run(out, {x: xv, init: state})          # the truncated-BPTT pattern
        one_by_one = {x: xv}
        for c_h, v in zip(init, state):
            one_by_one[c_h.c], one_by_one[c_h.h] = v.c, v.h
        want = s.run(out, one_by_one)
        fresh = s.run(out, {x: xv})
    np.testing.assert_array_equal(got, want)
    assert not np.array_equal(got, fresh)


def test_a_tuple_key_with_another_count_of_values_is_tensorflows_error():
    a = tf.placeholder(tf.float32, [2], name="a")
    b = tf.placeholder(tf.float32, [2], name="b")
    with tf.Session(passes=()) as s:
        assert s.run(a + b, {(a, b): (np.ones(2), [np.full(2, 2.0)])}).tolist() == [3.0, 3.0]
        with pytest.raises(ValueError, match=r"^Could not flatten dictionary\. Key had 2 "
                                             r"elements, but value had 3 elements\."):
            s.run(a + b, {(a, b): (np.ones(2), np.ones(2), np.ones(2))})
        with pytest.raises(ValueError, match=r"^Could not flatten dictionary: key .*'a:0'.* "
                                             r"is not unique\."):
            s.run(a + b, {(a, b): (np.ones(2), np.ones(2)), (a,): (np.ones(2),)})


class _Pair:
    """A composite key with an expansion, as a SparseTensor's ``_dlcore_feed``."""

    def __init__(self, u, v):
        self.u, self.v = u, v

    def _dlcore_feed(self, value):
        return ((self.u, value[0]), (self.v, value[1]))


def test_a_key_with_an_expansion_feeds_its_parts():
    u = tf.placeholder(tf.float32, [3])
    v = tf.placeholder(tf.float32, [3])
    with tf.Session(passes=()) as s:
        got = s.run(u * v, {_Pair(u, v): (np.arange(3.0), np.full(3, 2.0))})
    np.testing.assert_array_equal(got, [0.0, 2.0, 4.0])
