"""tf.nn.raw_rnn (dlcore_static/raw_rnn.py) against dynamic_rnn with the same LSTMCell and
sequence lengths: the same outputs (zeros past each length) and final state, and the same
gradients; a loop_state carried through the loop and an emit_structure different from the
cell's output (the emitted values are loop_fn's, zeros once finished); loop_fn must be
callable."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf

T, B, D, H = 5, 3, 2, 4


def _inputs():
    rs = np.random.RandomState(1)
    return rs.randn(T, B, D).astype(np.float32), np.array([5, 2, 3], np.int32)


def test_raw_rnn_equals_dynamic_rnn_values_and_gradients():
    x, lengths = _inputs()
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(0)
        inputs = tf.constant(x)
        ta = tf.TensorArray(tf.float32, size=T).unstack(inputs)
        cell = tf.nn.rnn_cell.LSTMCell(H)

        def loop_fn(time, cell_output, cell_state, loop_state):
            state = cell.zero_state(B, tf.float32) if cell_output is None else cell_state
            finished = time >= lengths
            nxt = tf.cond(tf.reduce_all(finished), lambda: tf.zeros([B, D]),
                          lambda: ta.read(time))
            count = tf.constant(0) if loop_state is None else loop_state + 1
            return finished, nxt, state, cell_output, count

        out_ta, (c, h), steps = tf.nn.raw_rnn(cell, loop_fn)
        raw = out_ta.stack()
        dyn, (dc, dh) = tf.nn.dynamic_rnn(cell, inputs, sequence_length=lengths,
                                          time_major=True, dtype=tf.float32)
        grads = tf.gradients(tf.reduce_sum(raw * raw) + tf.reduce_sum(h), cell.weights)
        dgrads = tf.gradients(tf.reduce_sum(dyn * dyn) + tf.reduce_sum(dh), cell.weights)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            r, d, hc, dhc, n, gr, gd = sess.run([raw, dyn, (c, h), (dc, dh), steps, grads,
                                                 dgrads])
    np.testing.assert_allclose(r, d, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hc, dhc, rtol=1e-5, atol=1e-6)
    assert n == T and r.shape == (T, B, H)      # loop_fn called after each of the T steps
    for a, b in zip(gr, gd):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_emit_structure_and_errors():
    x, lengths = _inputs()
    g = tf.Graph()
    with g.as_default():
        ta = tf.TensorArray(tf.float32, size=T).unstack(tf.constant(x))
        cell = tf.nn.rnn_cell.BasicRNNCell(H)

        def loop_fn(time, cell_output, cell_state, loop_state):
            if cell_output is None:
                return (time >= lengths, ta.read(0), cell.zero_state(B, tf.float32),
                        tf.zeros([B, 1]), None)
            finished = time >= lengths
            nxt = tf.cond(tf.reduce_all(finished), lambda: tf.zeros([B, D]),
                          lambda: ta.read(tf.minimum(time, T - 1)))
            emit = tf.reduce_sum(cell_output, 1, keepdims=True)
            return finished, nxt, cell_state, emit, None

        out_ta, _, final_loop_state = tf.nn.raw_rnn(cell, loop_fn)
        sums = out_ta.stack()
        outs, _ = tf.nn.dynamic_rnn(cell, tf.constant(x), sequence_length=lengths,
                                    time_major=True, dtype=tf.float32)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            s, o = sess.run([sums, outs])
    assert final_loop_state is None and s.shape == (T, B, 1)
    np.testing.assert_allclose(s[..., 0], o.sum(-1), rtol=1e-5, atol=1e-6)
    with pytest.raises(TypeError, match="loop_fn must be a callable"):
        tf.nn.raw_rnn(cell, None)
