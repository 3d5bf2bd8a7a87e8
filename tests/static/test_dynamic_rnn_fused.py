"""``tf.nn.dynamic_rnn`` (with ``sequence_length`` or not) runs LSTM and Elman cells (and a
MultiRNNCell of them) as dlcore's fused layers (``lstm_seq``, ``rnn_seq``) instead of a
``while_loop`` (``dlcore_static/rnn_fused.py``): the graph's ops, outputs, final states and
gradients against the loop's (the fused path turned off) and against NumPy written from
TensorFlow's LSTM equations, a training step, and the cells and arguments that keep the loop."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import rnn as rnn_module
from rnn_ab import fused_or_loop

RNN = tf.nn.rnn_cell


def _cell(kind):
    return {"lstm": lambda: RNN.BasicLSTMCell(5),
            "lstm_fb0": lambda: RNN.BasicLSTMCell(5, forget_bias=0.0),
            "lstm_cell": lambda: RNN.LSTMCell(5),
            "lstm_concat": lambda: RNN.BasicLSTMCell(5, state_is_tuple=False),
            "rnn_tanh": lambda: RNN.BasicRNNCell(5),
            "rnn_relu": lambda: RNN.BasicRNNCell(5, activation=tf.nn.relu),
            "multi": lambda: RNN.MultiRNNCell([RNN.BasicLSTMCell(5), RNN.BasicLSTMCell(4)]),
            "multi_mixed": lambda: RNN.MultiRNNCell([RNN.BasicRNNCell(4), RNN.LSTMCell(3)]),
            "gru": lambda: RNN.GRUCell(5),
            "multi_gru": lambda: RNN.MultiRNNCell([RNN.GRUCell(4), RNN.LSTMCell(3)]),
            }[kind]()


def _run(kind, time_major, fused, monkeypatch, shape=(None, None, 3), lengths=None,
         pads=(7.0, 1e30, -1e30)):
    """Outputs, final state leaves and gradients of a loss w.r.t. the input and every
    variable, and the graph's op types (``lengths``: fed as ``sequence_length``, the steps
    past each length filled with ``pads`` in turn: they must reach no result)."""
    with fused_or_loop(fused, monkeypatch, 3) as g:
        x = tf.placeholder(tf.float64 if kind == "lstm_cell" else tf.float32,
                           (shape[1], shape[0], shape[2]) if time_major else shape)
        n = None if lengths is None else tf.placeholder(tf.int32, (None,))
        out, state = tf.nn.dynamic_rnn(_cell(kind), x, sequence_length=n, dtype=x.dtype,
                                       time_major=time_major)
        leaves = tf.nest.flatten(state)
        loss = tf.reduce_sum(out * out) + sum(tf.reduce_sum(s) * (k + 2)
                                              for k, s in enumerate(leaves))
        variables = tf.trainable_variables()
        grads = tf.gradients(loss, [x] + variables)
        types = {op.type for op in g.get_operations()}
        rng = np.random.default_rng(0)
        xv = rng.standard_normal((4, 2, 3) if time_major else (2, 4, 3))
        feed = {}
        if lengths is not None:
            for b, k in enumerate(lengths):     # padding that must not leak into a result
                pad = pads[b % len(pads)]
                if time_major:
                    xv[k:, b] = pad
                else:
                    xv[b, k:] = pad
            feed[n] = lengths
        with tf.Session(graph=g) as sess:
            sess.run(tf.global_variables_initializer())
            for v in variables:                 # non-zero biases: the gate order matters
                sess.run(v.assign(rng.uniform(-0.7, 0.7, v.shape.as_list())))
            feed[x] = xv.astype(x.dtype.as_numpy_dtype)
            got = sess.run([out] + leaves + grads, feed)
    monkeypatch.undo()
    return got, types


@pytest.mark.parametrize("kind", ["lstm", "lstm_fb0", "lstm_cell", "lstm_concat", "rnn_tanh",
                                  "rnn_relu", "multi", "multi_mixed", "gru", "multi_gru"])
@pytest.mark.parametrize("time_major", [False, True])
def test_fused_layers_equal_the_loop(kind, time_major, monkeypatch):
    got, types = _run(kind, time_major, True, monkeypatch)
    want, loop_types = _run(kind, time_major, False, monkeypatch)
    seq = {"rnn": "RnnSeq", "gru": "GruRbSeq"}.get(kind[:3], "LstmSeq")
    assert seq in types and "While" not in types
    assert "While" in loop_types and seq not in loop_types
    if kind == "multi_mixed":
        assert {"RnnSeq", "LstmSeq"} <= types
    if kind == "multi_gru":
        assert {"GruRbSeq", "LstmSeq"} <= types
    assert len(got) == len(want)
    tol = 1e-12 if kind == "lstm_cell" else 2e-5            # (float64 / float32)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("kind", ["lstm", "lstm_concat", "rnn_relu", "multi_mixed", "gru"])
@pytest.mark.parametrize("time_major", [False, True])
@pytest.mark.parametrize("lengths", [[4, 2], [0, 3], [1, 9]])
@pytest.mark.parametrize("steps", [4, None])
def test_sequence_lengths_equal_the_masked_loop(kind, time_major, lengths, steps, monkeypatch):
    """With ``sequence_length`` (the number of steps known or not): outputs zero past a length,
    each final state at its own length (the initial one for 0; lengths past the steps stop at
    the last), gradients equal to the masked loop's, the padding (7, +-1e30) in none of them;
    the gradient of the input is zero past each length."""
    shape = (None, steps, 3)
    got, types = _run(kind, time_major, True, monkeypatch, shape, np.array(lengths, np.int32))
    want, loop_types = _run(kind, time_major, False, monkeypatch, shape,
                            np.array(lengths, np.int32))
    assert {"LstmSeq", "RnnSeq", "GruRbSeq"} & types and "While" not in types
    assert "While" in loop_types
    for a, b in zip(got, want):
        assert np.all(np.isfinite(a))
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-5)
    out, gx = got[0], got[_LEAVES[kind] + 1]          # ([out] + state leaves + [d/dx, ...])
    assert gx.shape == out.shape[:2] + (3,)
    for b, k in enumerate(lengths):
        for a in (out, gx):
            past = a[k:, b] if time_major else a[b, k:]
            assert not past.any()
        if k:                                          # (the gradient flows before a length)
            assert (gx[:k, b] if time_major else gx[b, :k]).any()


_LEAVES = {"lstm": 2, "lstm_concat": 1, "rnn_relu": 1, "multi_mixed": 3, "gru": 1}


@pytest.mark.parametrize("kind", ["lstm", "multi_mixed"])
def test_nan_padding_reaches_no_result(kind, monkeypatch):
    """NaN past a sequence's length: every output, state and gradient equals the zero-padded
    run's.  (The masked loop, like TF 1's select, lets it into the gradients: each padded
    step's cell runs on it and its zero cotangent times NaN is NaN, so the input's and the
    weights' gradients were NaN there.)"""
    lengths = np.array([0, 3], np.int32)
    got, _ = _run(kind, False, True, monkeypatch, (None, 4, 3), lengths, pads=(np.nan,))
    want, _ = _run(kind, False, True, monkeypatch, (None, 4, 3), lengths, pads=(0.0,))
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    loop, _ = _run(kind, False, False, monkeypatch, (None, 4, 3), lengths, pads=(np.nan,))
    assert not all(np.isfinite(a).all() for a in loop)      # (what the loop gives)


def test_basic_lstm_cell_matches_numpy_from_tensorflows_equations():
    """i, j, f, o = split([x, h] W + b);  c' = c s(f + forget_bias) + s(i) tanh(j);
    h' = tanh(c') s(o), from the cell's own variables (float64)."""
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, (2, 4, 3))
        cell = RNN.BasicLSTMCell(5, forget_bias=0.7)
        out, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float64)
        assert "LstmSeq" in {op.type for op in g.get_operations()}
        rng = np.random.default_rng(1)
        xv = rng.standard_normal((2, 4, 3))
        with tf.Session(graph=g) as sess:
            sess.run(tf.global_variables_initializer())
            w, b = cell.trainable_variables
            sess.run([w.assign(rng.uniform(-0.6, 0.6, (8, 20))),
                      b.assign(rng.uniform(-0.6, 0.6, (20,)))])
            wv, bv = sess.run([w, b])
            o, c_n, h_n = sess.run([out, state.c, state.h], {x: xv})

    def s(v):
        return 1 / (1 + np.exp(-v))
    h, c, hs = np.zeros((2, 5)), np.zeros((2, 5)), []
    for t in range(4):
        i, j, f, o_ = np.split(np.concatenate([xv[:, t], h], 1) @ wv + bv, 4, 1)
        c = c * s(f + 0.7) + s(i) * np.tanh(j)
        h = np.tanh(c) * s(o_)
        hs.append(h)
    np.testing.assert_allclose(o, np.stack(hs, 1), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c_n, c, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h_n, h, rtol=1e-12, atol=1e-12)


def test_a_training_step_equals_the_loops(monkeypatch):
    def step(fused):
        if not fused:
            monkeypatch.setattr(rnn_module, "fused_layers", lambda *a: None)
        g = tf.Graph()
        with g.as_default():
            tf.set_random_seed(5)
            x = tf.placeholder(tf.float32, (3, 6, 2))
            cell = RNN.MultiRNNCell([RNN.LSTMCell(4), RNN.LSTMCell(4)])
            out, _ = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
            loss = tf.reduce_mean(tf.square(out[:, -1] - 0.5))
            train = tf.train.AdamOptimizer(0.05).minimize(loss)
            xv = np.random.default_rng(2).standard_normal((3, 6, 2)).astype(np.float32)
            with tf.Session(graph=g) as sess:
                sess.run(tf.global_variables_initializer())
                losses = [sess.run([loss, train], {x: xv})[0] for _ in range(5)]
                weights = sess.run(tf.trainable_variables())
        monkeypatch.undo()
        return losses, weights
    (l1, w1), (l2, w2) = step(True), step(False)
    np.testing.assert_allclose(l1, l2, rtol=1e-5)
    assert l1[-1] < l1[0]
    for a, b in zip(w1, w2):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("case", ["peepholes", "cell_clip", "num_proj", "gru_relu", "dropout",
                                  "sigmoid", "projection_sums_all", "subclass"])
def test_what_keeps_the_loop(case):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (2, 4, 3))
        cell = {"peepholes": lambda: RNN.LSTMCell(5, use_peepholes=True),
                "cell_clip": lambda: RNN.LSTMCell(5, cell_clip=1.0),
                "num_proj": lambda: RNN.LSTMCell(5, num_proj=3),
                "gru_relu": lambda: RNN.GRUCell(5, activation=tf.nn.relu),
                "dropout": lambda: RNN.DropoutWrapper(RNN.BasicLSTMCell(5),
                                                      state_keep_prob=0.5),
                "sigmoid": lambda: RNN.BasicRNNCell(5, activation=tf.sigmoid),
                # (an activation over more than each step's row: the loop's per-step values)
                "projection_sums_all": lambda: tf.contrib.rnn.OutputProjectionWrapper(
                    RNN.BasicLSTMCell(5), 2, activation=lambda y: y / tf.reduce_sum(y)),
                "subclass": lambda: _OwnCell(5)}[case]()
        before = len(g.get_operations())
        tf.nn.dynamic_rnn(cell, x, sequence_length=[4, 2], dtype=tf.float32)
        types = {op.type for op in g.get_operations()[before:]}
    assert "While" in types and not {"LstmSeq", "RnnSeq", "GruRbSeq"} & types


class _OwnCell(RNN.LSTMCell):
    """A user's own cell (a subclass: its step may differ from the fused layer's)."""

    def call(self, inputs, state):
        return super().call(inputs, state)


def _dropout_run(fused, keep, monkeypatch, lengths=None):
    """A MultiRNNCell of dropout-wrapped LSTM and Elman cells, itself wrapped, the keep
    probability a placeholder_with_default(1.0) fed ``keep``: outputs, final states and
    gradients, and the op types."""
    with fused_or_loop(fused, monkeypatch, 4) as g:
        kp = tf.placeholder_with_default(tf.constant(1.0), ())
        x = tf.placeholder(tf.float64, (16, 8, 3))
        n = tf.placeholder(tf.int32, (16,))
        cell = RNN.DropoutWrapper(RNN.MultiRNNCell([
            RNN.DropoutWrapper(RNN.LSTMCell(5), input_keep_prob=kp, output_keep_prob=kp),
            RNN.DropoutWrapper(RNN.BasicRNNCell(4), output_keep_prob=0.9 if keep < 1 else 1.0)]),
            output_keep_prob=kp, seed=2)
        out, state = tf.nn.dynamic_rnn(cell, x, sequence_length=n, dtype=tf.float64)
        leaves = tf.nest.flatten(state)
        loss = tf.reduce_sum(tf.sin(out)) + sum(tf.reduce_sum(s) for s in leaves)
        grads = tf.gradients(loss, [x] + tf.trainable_variables())
        types = {op.type for op in g.get_operations()}
        rng = np.random.default_rng(5)
        feed = {x: rng.standard_normal((16, 8, 3)), kp: keep,
                n: rng.integers(0, 9, 16).astype(np.int32) if lengths is None else lengths}
        with tf.Session(graph=g) as sess:
            sess.run(tf.global_variables_initializer())
            return sess.run([out] + leaves + grads, feed), types


def test_dropout_wrappers_that_keep_the_state_run_fused(monkeypatch):
    """DropoutWrapper's input and output dropout around the fused layers: kept at 1 the
    values are the loop's; at 0.5 the outputs are dropped (a fraction near 0.5 of them zero,
    every value finite)."""
    got, types = _dropout_run(True, 1.0, monkeypatch)
    assert "LstmSeq" in types and "RnnSeq" in types and "While" not in types
    want, loop_types = _dropout_run(False, 1.0, monkeypatch)
    assert "While" in loop_types
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)
    monkeypatch.undo()
    full = np.full(16, 8, np.int32)
    dropped, _ = _dropout_run(True, 0.5, monkeypatch, full)
    zero = dropped[0] == 0
    assert 0.4 < zero.mean() < 0.6
    assert all(np.isfinite(a).all() for a in dropped)


def _variational_run(fused, monkeypatch):
    with fused_or_loop(fused, monkeypatch, 6) as g:
        x = tf.placeholder(tf.float64, (4, 6, 3))
        cell = RNN.DropoutWrapper(RNN.LSTMCell(5), input_keep_prob=0.6, output_keep_prob=0.5,
                                  variational_recurrent=True, input_size=3, dtype=tf.float64,
                                  seed=9)
        out, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float64)
        loss = tf.reduce_sum(tf.sin(out)) + tf.reduce_sum(state.c)
        grads = tf.gradients(loss, [x] + tf.trainable_variables())
        with tf.Session(graph=g) as sess:
            sess.run(tf.global_variables_initializer())
            return sess.run([out, state.c, state.h] + grads, {x: _x4()}), \
                {op.type for op in g.get_operations()}


def _x4():
    return np.random.default_rng(8).standard_normal((4, 6, 3))


def test_variational_dropout_wrapper_runs_fused_with_the_loops_masks(monkeypatch):
    """``variational_recurrent``: one (1, size) noise per dropout, drawn once per run, so the
    fused layers (one dropout of the whole sequence) compute the loop's values exactly, and
    every step and sequence keep the same output units."""
    got, types = _variational_run(True, monkeypatch)
    assert "LstmSeq" in types and "While" not in types
    want, loop_types = _variational_run(False, monkeypatch)
    assert "While" in loop_types
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    dropped = got[0] == 0                               # (4, 6, 5): the same units everywhere
    assert dropped.any() and not dropped.all()
    assert (dropped == dropped[:1, :1]).all()


def test_state_dropout_drops_every_state_but_an_lstms_memory():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, (3, 2))
        inner = RNN.MultiRNNCell([RNN.LSTMCell(4), RNN.BasicRNNCell(4)])
        state = inner.zero_state(3, tf.float64)
        out, plain = inner(x, state)
        wrapped = RNN.DropoutWrapper(inner, state_keep_prob=0.5, variational_recurrent=True,
                                     dtype=tf.float64, seed=1)
        _, dropped = wrapped(x, state)
        with tf.Session(graph=g) as sess:
            sess.run(tf.global_variables_initializer())
            a, b = sess.run([plain, dropped], {x: np.random.default_rng(1).standard_normal((3, 2))})
    np.testing.assert_array_equal(b[0].c, a[0].c)                  # c kept
    for u, v in ((a[0].h, b[0].h), (a[1], b[1])):                   # h and the Elman state:
        scale = np.where(v == 0, 0.0, 2.0)                          # 0 or kept / 0.5
        np.testing.assert_allclose(v, u * scale, rtol=1e-12)
        assert (v == 0).any() and (v != 0).any()
        assert ((v == 0) == (v == 0)[:1]).all()                    # (one mask for the batch)


@pytest.mark.parametrize("kwargs,error,msg", [
    ({"variational_recurrent": True, "output_keep_prob": 0.5}, ValueError,
     "When variational_recurrent=True, dtype must be provided"),
    ({"variational_recurrent": True, "input_keep_prob": 0.5, "dtype": tf.float32}, ValueError,
     "input_size must be provided"),
    ({"dropout_state_filter_visitor": lambda s: True}, NotImplementedError,
     "dropout_state_filter_visitor is not supported")])
def test_dropout_wrapper_errors(kwargs, error, msg):
    with pytest.raises(error, match=msg):
        RNN.DropoutWrapper(RNN.LSTMCell(3), **kwargs)


def _projection_run(fused, monkeypatch, activation):
    """OutputProjectionWrapper around a stack whose second layer is itself projected and on a
    device: outputs, final states and gradients, with sequence lengths (padding zeroed)."""
    with fused_or_loop(fused, monkeypatch, 9) as g:
        x = tf.placeholder(tf.float64, (4, 6, 3))
        n = tf.placeholder(tf.int32, (4,))
        cell = tf.contrib.rnn.OutputProjectionWrapper(RNN.MultiRNNCell([
            RNN.LSTMCell(5),
            RNN.DeviceWrapper(tf.contrib.rnn.OutputProjectionWrapper(
                RNN.BasicRNNCell(4, activation=tf.nn.relu), 3, activation=tf.tanh), "/cpu:0")]),
            2, activation=activation)
        out, state = tf.nn.dynamic_rnn(cell, x, sequence_length=n, dtype=tf.float64)
        leaves = tf.nest.flatten(state)
        loss = tf.reduce_sum(tf.sin(out)) + sum(tf.reduce_sum(s) for s in leaves)
        grads = tf.gradients(loss, [x] + tf.trainable_variables())
        types = {op.type for op in g.get_operations()}
        # (the device wrapper's layer, fused or in the loop, built on its device)
        assert {str(op.device) for op in g.get_operations() if op.type in ("RnnSeq", "Relu")} \
            == {"cpu"} or not fused
        rng = np.random.default_rng(3)
        with tf.Session(graph=g) as sess:
            sess.run(tf.global_variables_initializer())
            got = sess.run([out] + leaves + grads,
                           {x: rng.standard_normal((4, 6, 3)), n: [6, 0, 3, 5]})
        return got, types


@pytest.mark.parametrize("activation", [None, "softmax"])
def test_output_projection_and_device_wrappers_run_fused(monkeypatch, activation):
    """``OutputProjectionWrapper`` (the Hands-On ML time-series RNN's, and inside a stack) as
    one matmul of the whole output sequence, ``DeviceWrapper`` as the fused layers on its
    device: the loop's outputs (zeros past each length), states and gradients."""
    act = None if activation is None else tf.nn.softmax
    got, types = _projection_run(True, monkeypatch, act)
    assert {"LstmSeq", "RnnSeq"} <= types and "While" not in types
    want, loop_types = _projection_run(False, monkeypatch, act)
    assert "While" in loop_types
    assert got[0].shape == (4, 6, 2) and not got[0][1].any() and not got[0][2, 3:].any()
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
