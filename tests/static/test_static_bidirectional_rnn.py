"""tf.nn.static_bidirectional_rnn (also tf.contrib.rnn.static_bidirectional_rnn) against a NumPy
transcription of TensorFlow 1's rnn.py: forward static_rnn over the list, backward over it
reversed (per sequence over its length with sequence_length), outputs concatenated per step,
variables under bidirectional_rnn/fw and /bw; and TensorFlow's errors."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.contrib import rnn

T, B, D, H = 4, 3, 2, 3


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _lstm(xs, w, b, lengths):
    """BasicLSTMCell (forget_bias 1) over the list xs; zeros/frozen state past each length."""
    h, c = np.zeros((B, H)), np.zeros((B, H))
    outs = []
    for t, x in enumerate(xs):
        i, j, f, o = np.split(np.concatenate([x, h], 1) @ w + b, 4, 1)
        c2 = c * _sig(f + 1.0) + _sig(i) * np.tanh(j)
        h2 = np.tanh(c2) * _sig(o)
        m = (t < lengths)[:, None]
        h, c = np.where(m, h2, h), np.where(m, c2, c)
        outs.append(np.where(m, h2, 0.0))
    return outs, (c, h)


def _reverse(xs, lengths):
    a = np.stack(xs)
    r = a.copy()
    for k, n in enumerate(lengths):
        r[:n, k] = a[:n, k][::-1]
    return list(r)


@pytest.mark.parametrize("with_lengths", [False, True])
def test_values_states_and_variable_names(with_lengths):
    rs = np.random.RandomState(0)
    x = rs.randn(B, T, D)
    lengths = np.array([4, 2, 3]) if with_lengths else np.array([T] * B)
    xp = tf.placeholder(tf.float64, [None, T, D])
    seq = tf.placeholder(tf.int32, [None]) if with_lengths else None
    outs, st_fw, st_bw = tf.nn.static_bidirectional_rnn(
        rnn.BasicLSTMCell(H), rnn.BasicLSTMCell(H), tf.unstack(xp, T, 1), dtype=tf.float64,
        sequence_length=seq)
    names = [v.name for v in tf.trainable_variables()]
    assert names == ["bidirectional_rnn/fw/basic_lstm_cell/kernel:0",
                     "bidirectional_rnn/fw/basic_lstm_cell/bias:0",
                     "bidirectional_rnn/bw/basic_lstm_cell/kernel:0",
                     "bidirectional_rnn/bw/basic_lstm_cell/bias:0"]
    assert len(outs) == T and outs[0].shape.as_list() == [None, 2 * H]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        wf, bf, wb, bb = sess.run(tf.trainable_variables())
        feed = {xp: x, **({seq: lengths} if with_lengths else {})}
        got, gf, gb = sess.run([outs, st_fw, st_bw], feed)
    xs = list(x.transpose(1, 0, 2))
    of, sf = _lstm(xs, wf, bf, lengths)
    ob, sb = _lstm(_reverse(xs, lengths), wb, bb, lengths)
    ob = _reverse(ob, lengths)
    for t in range(T):
        np.testing.assert_allclose(got[t], np.concatenate([of[t], ob[t]], 1), atol=1e-12)
    np.testing.assert_allclose(gf.c, sf[0], atol=1e-12)
    np.testing.assert_allclose(gb.h, sb[1], atol=1e-12)


def test_errors_in_tensorflows_words():
    x = [tf.zeros([2, 3])]
    cell = rnn.BasicLSTMCell(2)
    with pytest.raises(TypeError, match="^cell_fw must be an instance of RNNCell$"):
        tf.nn.static_bidirectional_rnn(None, cell, x, dtype=tf.float32)
    with pytest.raises(TypeError, match="^inputs must be a list$"):
        tf.nn.static_bidirectional_rnn(cell, cell, tf.zeros([2, 3]), dtype=tf.float32)
    with pytest.raises(ValueError, match="^inputs must not be empty$"):
        tf.nn.static_bidirectional_rnn(cell, cell, [], dtype=tf.float32)
