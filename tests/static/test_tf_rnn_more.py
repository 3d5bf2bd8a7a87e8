"""TensorFlow 1's block cells, residual and device wrappers and stacked bidirectional runners
(``dlcore_static/rnn_cell_extra.py``): values against NumPy written from TensorFlow's equations
(the variables fetched from the session), the fused layer where the maths is one (and the
loop's values there), variable names, and the errors TensorFlow raises."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from rnn_ab import fused_or_loop

RNN = tf.contrib.rnn


def _sig(v):
    return 1 / (1 + np.exp(-v))


def _np_lstm(x, w, b, fb=1.0, h=None, c=None, lengths=None):
    """TensorFlow's LSTM (i, j, f, o; forget_bias) over batch-major x (B, T, D)."""
    nb, n = x.shape[0], b.shape[0] // 4
    h = np.zeros((nb, n)) if h is None else h
    c = np.zeros((nb, n)) if c is None else c
    outs = []
    for t in range(x.shape[1]):
        i, j, f, o = np.split(np.concatenate([x[:, t], h], 1) @ w + b, 4, 1)
        c2 = c * _sig(f + fb) + _sig(i) * np.tanh(j)
        h2 = np.tanh(c2) * _sig(o)
        keep = np.ones((nb, 1), bool) if lengths is None else (t < lengths)[:, None]
        c, h = np.where(keep, c2, c), np.where(keep, h2, h)
        outs.append(np.where(keep, h2, 0.0))
    return np.stack(outs, 1), c, h


def _np_gru(x, wg, bg, wc, bc):
    nb, n = x.shape[0], bc.shape[0]
    h, outs = np.zeros((nb, n)), []
    for t in range(x.shape[1]):
        r, u = np.split(_sig(np.concatenate([x[:, t], h], 1) @ wg + bg), 2, 1)
        cand = np.tanh(np.concatenate([x[:, t], r * h], 1) @ wc + bc)
        h = u * h + (1 - u) * cand
        outs.append(h)
    return np.stack(outs, 1), h


def _types(g) -> set:
    return {op.type for op in g.get_operations()}


def _x(shape=(3, 5, 2), seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def test_lstm_block_cell_is_lstm_cells_maths_on_the_fused_layer():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, (3, 5, 2))
        n = tf.placeholder(tf.int32, (3,))
        cell = RNN.LSTMBlockCell(4, forget_bias=0.5)
        out, state = tf.nn.dynamic_rnn(cell, x, sequence_length=n, dtype=tf.float64)
        assert "LstmSeq" in _types(g) and "While" not in _types(g)
        assert [v.name for v in cell.trainable_variables] == ["rnn/lstm_cell/kernel:0",
                                                              "rnn/lstm_cell/bias:0"]
        with tf.Session(graph=g) as sess:
            sess.run(tf.global_variables_initializer())
            w, b = cell.trainable_variables
            sess.run(b.assign(np.linspace(-1, 1, 16)))
            lengths = np.array([5, 0, 3], np.int32)
            o, (c_n, h_n), wv, bv = sess.run([out, state, w, b], {x: _x(), n: lengths})
    want = _np_lstm(_x(), wv, bv, 0.5, lengths=lengths)
    for a, b_ in zip((o, c_n, h_n), want):
        np.testing.assert_allclose(a, b_, rtol=1e-10, atol=1e-12)


def test_lstm_block_cell_peepholes_and_clip_keep_the_loop_as_lstm_cell():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, (3, 5, 2))
        tf.set_random_seed(1)
        block = RNN.LSTMBlockCell(4, cell_clip=0.3, use_peephole=True, name="a")
        tf.set_random_seed(1)
        plain = tf.nn.rnn_cell.LSTMCell(4, cell_clip=0.3, use_peepholes=True, name="b")
        outs = [tf.nn.dynamic_rnn(c, x, dtype=tf.float64, scope=s)[0]
                for c, s in ((block, "p"), (plain, "q"))]
        assert "While" in _types(g) and "LstmSeq" not in _types(g)
        assert [v.name.split("/")[-1] for v in block.trainable_variables] == \
            ["kernel:0", "bias:0", "w_f_diag:0", "w_i_diag:0", "w_o_diag:0"]
        with tf.Session(graph=g) as sess:
            sess.run(tf.global_variables_initializer())
            for u, v in zip(plain.trainable_variables, block.trainable_variables):
                sess.run(u.assign(v))
            a, b = sess.run(outs, {x: _x()})
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert np.abs(a).max() < 0.3                     # (|h| <= tanh(clip))


def test_gru_block_cell_v2_is_gru_cell():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, (3, 5, 2))
        cell = RNN.GRUBlockCellV2(4)
        out, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float64)
        names = [v.name for v in cell.trainable_variables]
        assert names == ["rnn/gru_cell/gates/kernel:0", "rnn/gru_cell/gates/bias:0",
                         "rnn/gru_cell/candidate/kernel:0", "rnn/gru_cell/candidate/bias:0"]
        with tf.Session(graph=g) as sess:
            sess.run(tf.global_variables_initializer())
            o, h, vs = sess.run([out, state, cell.trainable_variables], {x: _x()})
    want = _np_gru(_x(), *vs)
    np.testing.assert_allclose(o, want[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h, want[1], rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="give num_units"):
        RNN.GRUBlockCellV2()


def test_lstm_block_fused_cell_runs_a_time_major_sequence():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, (5, 3, 2))                     # (T, B, D)
        n = tf.placeholder(tf.int32, (3,))
        c0, h0 = tf.placeholder(tf.float64, (3, 4)), tf.placeholder(tf.float64, (3, 4))
        cell = RNN.LSTMBlockFusedCell(4)
        out, (c_n, h_n) = cell(x, initial_state=(c0, h0), sequence_length=n)
        assert "LstmSeq" in _types(g)
        assert out.shape.as_list() == [5, 3, 4]
        assert [v.name for v in cell.variables] == ["lstm_fused_cell/kernel:0",
                                                    "lstm_fused_cell/bias:0"]
        rng = np.random.default_rng(2)
        cv, hv = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
        lengths = np.array([2, 5, 4], np.int32)
        with tf.Session(graph=g) as sess:
            sess.run(tf.global_variables_initializer())
            got = sess.run([out, c_n, h_n, cell.variables],
                           {x: _x((5, 3, 2)), n: lengths, c0: cv, h0: hv})
    o, c, h = _np_lstm(_x((5, 3, 2)).transpose(1, 0, 2), *got[3], 1.0, hv, cv, lengths)
    np.testing.assert_allclose(got[0], o.transpose(1, 0, 2), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got[1], c, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got[2], h, rtol=1e-10, atol=1e-12)


def _residual_run(fused, monkeypatch):
    with fused_or_loop(fused, monkeypatch, 7) as g:
        x = tf.placeholder(tf.float64, (3, 5, 4))
        cell = tf.nn.rnn_cell.MultiRNNCell([
            tf.nn.rnn_cell.LSTMCell(4),
            tf.nn.rnn_cell.ResidualWrapper(tf.nn.rnn_cell.DropoutWrapper(
                tf.nn.rnn_cell.LSTMCell(4), output_keep_prob=1.0)),
            tf.nn.rnn_cell.ResidualWrapper(tf.nn.rnn_cell.BasicRNNCell(4))])
        out, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float64)
        loss = tf.reduce_sum(tf.sin(out)) + tf.reduce_sum(state[1].c)
        grads = tf.gradients(loss, [x] + tf.trainable_variables())
        with tf.Session(graph=g) as sess:
            sess.run(tf.global_variables_initializer())
            return sess.run([out] + grads, {x: _x((3, 5, 4))}), _types(g)


def test_residual_wrappers_add_the_input_and_run_fused(monkeypatch):
    got, types = _residual_run(True, monkeypatch)
    assert "LstmSeq" in types and "RnnSeq" in types and "While" not in types
    want, loop_types = _residual_run(False, monkeypatch)
    assert "While" in loop_types
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    g = tf.Graph()
    with g.as_default(), pytest.raises(ValueError, match="output depth 3 is not its input's 4"):
        x = tf.placeholder(tf.float64, (3, 5, 4))
        tf.nn.dynamic_rnn(tf.nn.rnn_cell.ResidualWrapper(tf.nn.rnn_cell.LSTMCell(3)), x,
                          dtype=tf.float64)


def test_residual_fn_and_device_wrapper():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, (3, 4))
        h = tf.placeholder(tf.float64, (3, 4))
        inner = tf.nn.rnn_cell.BasicRNNCell(4)
        cell = tf.nn.rnn_cell.ResidualWrapper(tf.nn.rnn_cell.DeviceWrapper(inner, "/cpu:0"),
                                              residual_fn=lambda i, o: i * 2.0 + o)
        before = len(g.get_operations())
        out, new = cell(x, h)
        made = g.get_operations()[before:]
        assert any(op.type == "Tanh" and op.device is not None for op in made)
        assert all(op.device is None for op in made if op.type == "Mul")    # (the residual)
        with tf.Session(graph=g) as sess:
            sess.run(tf.global_variables_initializer())
            xv, hv = _x((3, 4), 1), _x((3, 4), 2)
            o, n_, (w, b) = sess.run([out, new, inner.trainable_variables], {x: xv, h: hv})
    step = np.tanh(np.concatenate([xv, hv], 1) @ w + b)
    np.testing.assert_allclose(n_, step, rtol=1e-12)
    np.testing.assert_allclose(o, 2 * xv + step, rtol=1e-12)


def test_stack_bidirectional_dynamic_rnn_and_its_static_twin():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, (3, 5, 2))
        n = tf.placeholder(tf.int32, (3,))
        cells = [[tf.nn.rnn_cell.LSTMCell(4), tf.nn.rnn_cell.GRUCell(3)] for _ in range(4)]
        out, st_fw, st_bw = RNN.stack_bidirectional_dynamic_rnn(
            cells[0], cells[1], x, sequence_length=n, dtype=tf.float64)
        assert out.shape.as_list() == [3, 5, 6] and len(st_fw) == len(st_bw) == 2
        names = [v.name for v in cells[0][0].trainable_variables]
        assert names[0] == "stack_bidirectional_rnn/cell_0/bidirectional_rnn/fw/lstm_cell/" \
                           "kernel:0"
        outs, s_fw, s_bw = RNN.stack_bidirectional_rnn(
            cells[2], cells[3], tf.unstack(x, axis=1), sequence_length=n, dtype=tf.float64,
            scope="static")
        assert len(outs) == 5 and outs[0].shape.as_list() == [3, 6]
        with tf.Session(graph=g) as sess:
            sess.run(tf.global_variables_initializer())
            for src, dst in ((0, 2), (1, 3)):        # the static stack gets the same weights
                for k in range(2):
                    for a, b in zip(cells[src][k].trainable_variables,
                                    cells[dst][k].trainable_variables):
                        sess.run(b.assign(a))
            feed = {x: _x(), n: np.array([5, 2, 0], np.int32)}
            a, fw, bw = sess.run([out, st_fw, st_bw], feed)
            b, fw2, bw2 = sess.run([tf.stack(outs, 1), s_fw, s_bw], feed)
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    for u, v in zip(tf.nest.flatten(fw) + tf.nest.flatten(bw),
                    tf.nest.flatten(fw2) + tf.nest.flatten(bw2)):
        np.testing.assert_allclose(u, v, rtol=1e-10, atol=1e-12)
    assert not a[2].any() and not a[1, 2:].any()     # (zeros past each length)


@pytest.mark.parametrize("args,msg", [
    (([], [1]), "Must specify at least one fw cell for BidirectionalRNN."),
    (([1], []), "Must specify at least one bw cell for BidirectionalRNN."),
    (((1,), [1]), "cells_fw must be a list of RNNCells"),
    (([1, 2], [1]), "Forward and Backward cells must have the same depth."),
])
def test_stack_bidirectional_errors(args, msg):
    x = tf.placeholder(tf.float64, (3, 5, 2))
    with pytest.raises(ValueError, match=msg.replace(".", r"\.")):
        RNN.stack_bidirectional_dynamic_rnn(*args, x, dtype=tf.float64)
