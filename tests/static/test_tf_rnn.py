"""Static sequence models: TensorFlow's cells, static_rnn, dynamic_rnn (a while_loop, with
sequence_length masking and time_major), bidirectional_dynamic_rnn, scan/map_fn/foldl/foldr,
and gather/unstack/range/sequence_mask/embedding_lookup/reverse_sequence.  Values against NumPy
written from TensorFlow's equations (the variables' values are fetched from the session);
gradients through the loops against central finite differences in float64."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _np_lstm(x, h, c, w, b, fb=1.0):
    z = np.concatenate([x, h], -1) @ w + b
    i, j, f, o = np.split(z, 4, -1)
    c2 = c * _sig(f + fb) + _sig(i) * np.tanh(j)
    return np.tanh(c2) * _sig(o), c2


def _np_gru(x, h, wg, bg, wc, bc):
    r, u = np.split(_sig(np.concatenate([x, h], -1) @ wg + bg), 2, -1)
    c = np.tanh(np.concatenate([x, r * h], -1) @ wc + bc)
    return u * h + (1 - u) * c


def _np_run(step, xs, lengths, state):
    """Reference: xs (B, T, D); the state freezes and outputs are zero after each length."""
    B, T, _ = xs.shape
    outs = np.zeros(xs.shape[:2] + (state[0].shape[-1],))
    for t in range(T):
        out, new = step(xs[:, t], state)
        m = (t < np.asarray(lengths))[:, None]
        outs[:, t] = np.where(m, out, 0)
        state = tuple(np.where(m, n, s) for n, s in zip(new, state))
    return outs, state


def _lstm_step(w, b):
    return lambda x, s: (lambda h, c: (h, (c, h)))(*_np_lstm(x, s[1], s[0], w, b))


def _fd_check(sess, loss, x, feed, value, eps=1e-6, n=6, seed=0):
    """Central differences of ``loss`` along random directions in ``x``'s value."""
    g = sess.run(tf.gradients(loss, [x])[0], {**feed, x: value})
    rng = np.random.default_rng(seed)
    for _ in range(n):
        d = rng.standard_normal(value.shape)
        lp = sess.run(loss, {**feed, x: value + eps * d})
        lm = sess.run(loss, {**feed, x: value - eps * d})
        np.testing.assert_allclose(np.sum(g * d), (lp - lm) / (2 * eps), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("time_major", [False, True])
def test_dynamic_rnn_lstm_with_sequence_length_matches_numpy(time_major):
    B, T, D, H = 3, 5, 2, 4
    xs = np.random.default_rng(0).standard_normal((B, T, D))
    lengths = [5, 2, 3]
    x = tf.placeholder(tf.float64, (T, None, D) if time_major else (None, T, D))
    cell = tf.nn.rnn_cell.BasicLSTMCell(H)
    out, st = tf.nn.dynamic_rnn(cell, x, sequence_length=tf.constant(lengths),
                                dtype=tf.float64, time_major=time_major)
    assert [v.name for v in tf.trainable_variables()] == ["rnn/basic_lstm_cell/kernel:0",
                                                          "rnn/basic_lstm_cell/bias:0"]
    assert isinstance(st, tf.nn.rnn_cell.LSTMStateTuple)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(tf.trainable_variables()[1].assign(np.linspace(-1, 1, 4 * H)))
        w, b = s.run(tf.trainable_variables())
        feed = xs.transpose(1, 0, 2) if time_major else xs
        o, c, h = s.run([out, st.c, st.h], {x: feed})
        ref, (rc, rh) = _np_run(_lstm_step(w, b), xs, lengths, (np.zeros((B, H)),) * 2)
        np.testing.assert_allclose(o.transpose(1, 0, 2) if time_major else o, ref, atol=1e-12)
        np.testing.assert_allclose(c, rc, atol=1e-12)
        np.testing.assert_allclose(h, rh, atol=1e-12)
        loss = tf.reduce_sum(out * np.random.default_rng(1).standard_normal(
            (T, B, H) if time_major else (B, T, H))) + tf.reduce_sum(st.c * st.c)
        _fd_check(s, loss, x, {}, feed)
        wvar = tf.trainable_variables()[0]
        gw = s.run(tf.gradients(loss, [wvar])[0], {x: feed})
        d = np.random.default_rng(2).standard_normal(w.shape)
        vals = []
        for sign in (1, -1):
            wvar.load(w + sign * 1e-6 * d, s)
            vals.append(s.run(loss, {x: feed}))
        np.testing.assert_allclose(np.sum(gw * d), (vals[0] - vals[1]) / 2e-6, rtol=1e-5)


def test_static_rnn_gru_and_initial_state_match_numpy():
    B, T, D, H = 2, 3, 3, 2
    xs = np.random.default_rng(3).standard_normal((B, T, D))
    h0 = np.random.default_rng(4).standard_normal((B, H))
    x = tf.placeholder(tf.float64, (B, T, D))
    cell = tf.contrib.rnn.GRUCell(H)
    outs, st = tf.nn.static_rnn(cell, tf.unstack(x, axis=1), initial_state=tf.constant(h0),
                                sequence_length=[3, 1])
    assert len(outs) == T
    names = [v.name for v in tf.trainable_variables()]
    assert names == ["rnn/gru_cell/gates/kernel:0", "rnn/gru_cell/gates/bias:0",
                     "rnn/gru_cell/candidate/kernel:0", "rnn/gru_cell/candidate/bias:0"]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        wg, bg, wc, bc = s.run(tf.trainable_variables())
        assert np.all(bg == 1.0) and np.all(bc == 0.0)
        o, hT = s.run([tf.stack(outs, 1), st], {x: xs})
    ref, (rh,) = _np_run(lambda xt, st_: (lambda h: (h, (h,)))(_np_gru(xt, st_[0], wg, bg, wc,
                                                                       bc)),
                         xs, [3, 1], (h0,))
    np.testing.assert_allclose(o, ref, atol=1e-12)
    np.testing.assert_allclose(hT, rh, atol=1e-12)


def test_multi_rnn_cell_dropout_wrapper_and_basic_rnn():
    B, T, D, H = 2, 4, 3, 3
    xs = np.random.default_rng(5).standard_normal((B, T, D))
    x = tf.constant(xs)
    cells = tf.nn.rnn_cell.MultiRNNCell([
        tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.BasicRNNCell(H), output_keep_prob=1.0),
        tf.nn.rnn_cell.BasicRNNCell(H)])
    out, st = tf.nn.dynamic_rnn(cells, x, dtype=tf.float64)
    assert [v.name for v in tf.trainable_variables()] == [
        "rnn/multi_rnn_cell/cell_0/basic_rnn_cell/kernel:0",
        "rnn/multi_rnn_cell/cell_0/basic_rnn_cell/bias:0",
        "rnn/multi_rnn_cell/cell_1/basic_rnn_cell/kernel:0",
        "rnn/multi_rnn_cell/cell_1/basic_rnn_cell/bias:0"]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        w0, b0, w1, b1 = s.run(tf.trainable_variables())
        o, (s0, s1) = s.run([out, st])
    h0 = h1 = np.zeros((B, H))
    for t in range(T):
        h0 = np.tanh(np.concatenate([xs[:, t], h0], -1) @ w0 + b0)
        h1 = np.tanh(np.concatenate([h0, h1], -1) @ w1 + b1)
        np.testing.assert_allclose(o[:, t], h1, atol=1e-12)
    np.testing.assert_allclose(s0, h0, atol=1e-12)
    with pytest.raises(ValueError, match="Parameter output_keep_prob must be between 0 and 1"):
        tf.nn.rnn_cell.DropoutWrapper(cells, output_keep_prob=1.5)


def test_bidirectional_dynamic_rnn_reverses_each_sequence_over_its_length():
    B, T, D, H = 2, 4, 2, 3
    xs = np.random.default_rng(6).standard_normal((B, T, D))
    lengths = [4, 2]
    (of, ob), (sf, sb) = tf.nn.bidirectional_dynamic_rnn(
        tf.nn.rnn_cell.LSTMCell(H), tf.nn.rnn_cell.LSTMCell(H), tf.constant(xs),
        sequence_length=tf.constant(lengths), dtype=tf.float64)
    names = [v.name for v in tf.trainable_variables()]
    assert names[0] == "bidirectional_rnn/fw/lstm_cell/kernel:0"
    assert names[2] == "bidirectional_rnn/bw/lstm_cell/kernel:0"
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        wf, bf, wb, bb = s.run(tf.trainable_variables())
        rof, rob, rsb = s.run([of, ob, sb.h])
    ref_f, _ = _np_run(_lstm_step(wf, bf), xs, lengths, (np.zeros((B, H)),) * 2)
    np.testing.assert_allclose(rof, ref_f, atol=1e-12)
    for b, n in enumerate(lengths):
        rev = xs[b:b + 1, :n][:, ::-1]
        ref_b, (_, hb) = _np_run(_lstm_step(wb, bb), rev, [n], (np.zeros((1, H)),) * 2)
        np.testing.assert_allclose(rob[b, :n], ref_b[0, ::-1], atol=1e-12)
        np.testing.assert_allclose(rob[b, n:], 0, atol=0)
        np.testing.assert_allclose(rsb[b], hb[0], atol=1e-12)


def test_scan_map_fold_values_and_gradients():
    v = np.random.default_rng(7).standard_normal((4, 2))
    x = tf.placeholder(tf.float64, (4, 2))
    sc = tf.scan(lambda a, e: a * tf.tanh(e) + e, x)
    sc_r = tf.scan(lambda a, e: a * 0.5 + e, x, initializer=tf.constant(np.ones(2)),
                   reverse=True)
    mp = tf.map_fn(lambda e: tf.reduce_sum(e * e), x)
    fl = tf.foldl(lambda a, e: a * e, x)
    fr = tf.foldr(lambda a, e: a * 2.0 + e, x, initializer=tf.constant(np.zeros(2)))
    pair = tf.scan(lambda a, e: (a[0] + e, a[1] * e), x,
                   initializer=(tf.constant(np.zeros(2)), tf.constant(np.ones(2))))
    ref = [v[0]]
    for e in v[1:]:
        ref.append(ref[-1] * np.tanh(e) + e)
    ref_r, a = [None] * 4, np.ones(2)
    for t in range(3, -1, -1):
        a = a * 0.5 + v[t]
        ref_r[t] = a
    a = np.zeros(2)
    for t in range(3, -1, -1):
        a = a * 2 + v[t]
    with tf.Session() as s:
        r = s.run([sc, sc_r, mp, fl, fr, pair[0], pair[1]], {x: v})
        np.testing.assert_allclose(r[0], np.array(ref), atol=1e-12)
        np.testing.assert_allclose(r[1], np.array(ref_r), atol=1e-12)
        np.testing.assert_allclose(r[2], (v * v).sum(1), atol=1e-12)
        np.testing.assert_allclose(r[3], v.prod(0), atol=1e-12)
        np.testing.assert_allclose(r[4], a, atol=1e-12)
        np.testing.assert_allclose(r[5], np.cumsum(v, 0), atol=1e-12)
        np.testing.assert_allclose(r[6], np.cumprod(v, 0), atol=1e-12)
        w = np.random.default_rng(8).standard_normal((4, 2))
        for y in (sc * w, mp * w[:, 0], fl * w[0], fr * w[1]):
            _fd_check(s, tf.reduce_sum(y), x, {}, v)


def test_gather_unstack_range_sequence_mask_embedding_reverse_sequence():
    p = np.arange(24.0).reshape(2, 3, 4)
    params = tf.placeholder(tf.float64, (2, 3, 4))
    g1 = tf.gather(params, [2, 0], axis=1)
    emb = tf.nn.embedding_lookup(tf.constant(np.arange(12.0).reshape(6, 2)), [[5, 1], [1, 1]])
    mask = tf.sequence_mask([1, 3], 4)
    rs = tf.reverse_sequence(params, tf.constant([2, 3]), seq_axis=1, batch_axis=0)
    with tf.Session() as s:
        r = s.run([g1, emb, mask, tf.range(1, 7, 2), tf.range(3.0), rs] +
                  tf.unstack(params, axis=2), {params: p})
    np.testing.assert_array_equal(r[0], p[:, [2, 0]])
    np.testing.assert_array_equal(r[1], np.arange(12.0).reshape(6, 2)[[[5, 1], [1, 1]]])
    np.testing.assert_array_equal(r[2], [[1, 0, 0, 0], [1, 1, 1, 0]])
    np.testing.assert_array_equal(r[3], [1, 3, 5])
    assert r[3].dtype == np.int32 and r[4].dtype == np.float32
    ref_rs = p.copy()
    ref_rs[0, :2] = p[0, 1::-1]
    ref_rs[1, :3] = p[1, ::-1]
    np.testing.assert_array_equal(r[5], ref_rs)
    for k in range(4):
        np.testing.assert_array_equal(r[6 + k], p[:, :, k])
    w = tf.Variable(np.ones((5, 2)))
    gw = tf.gradients(tf.reduce_sum(tf.nn.embedding_lookup(w, [1, 1, 4])), [w])[0]
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(s.run(gw), [[0, 0], [2, 2], [0, 0], [0, 0], [1, 1]])


def test_errors_name_what_was_wrong():
    with pytest.raises(ValueError, match="dynamic_rnn: inputs must be at least rank 3"):
        tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(2), tf.constant(np.ones((2, 3))),
                          dtype=tf.float64)
    with pytest.raises(ValueError, match="last dimension of the inputs to an RNN cell"):
        tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(2),
                          tf.placeholder(tf.float32, (2, 3, None)), dtype=tf.float32)
    with pytest.raises(ValueError, match="scan: the elements must be tensors of rank >= 1"):
        tf.scan(lambda a, e: a, tf.constant(1.0), initializer=tf.constant(0.0))


def test_while_grad_reuses_the_forward_loop_of_the_same_run_only():
    """WhileGrad takes the iterations' values from the forward While of the same run (no
    second forward loop), and never from an earlier run whose inputs changed in place."""
    from dlcore_static import loop_history as cf
    w = tf.Variable(np.array([0.5, -0.3]))
    x = tf.placeholder(tf.float64, (3, 2))
    ys = tf.scan(lambda a, e: tf.tanh(a * w + e), x)
    loss = tf.reduce_sum(ys * ys)
    gw = tf.gradients(loss, [w])[0]
    from dlcore_static.compiler import control_loops
    calls = []
    original = cf.run_forward
    original_driver = control_loops.forward_driver

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    def counting_driver(*args, **kwargs):       # a compiled loop's forward runs by its driver
        drive = original_driver(*args, **kwargs)
        return lambda *a, **k: calls.append(1) or drive(*a, **k)
    v = np.random.default_rng(0).standard_normal((3, 2))

    def ref(wv):
        a = v[0]
        seq = [a]
        for e in v[1:]:
            a = np.tanh(a * wv + e)
            seq.append(a)
        return float(np.sum(np.square(seq)))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        cf.run_forward = counting
        control_loops.forward_driver = counting_driver
        try:
            g1 = s.run(gw, {x: v})
            assert len(calls) == 1                       # the forward loop ran once
            s.run(loss, {x: v})                          # a forward-only run keeps no history
            s.run(w.assign(np.array([1.5, 0.2])))        # ... then the variable changes
            g2 = s.run(gw, {x: v})
        finally:
            cf.run_forward = original
            control_loops.forward_driver = original_driver
    for wv, g in ((np.array([0.5, -0.3]), g1), (np.array([1.5, 0.2]), g2)):
        fd = [(ref(wv + 1e-6 * d) - ref(wv - 1e-6 * d)) / 2e-6 for d in np.eye(2)]
        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-9)


def test_rnn_cell_and_contrib_rnn_hold_tensorflows_names_only():
    """``tf.nn.rnn_cell`` holds the cells and wrappers, ``tf.contrib.rnn`` those and the static
    runners, as TensorFlow 1's (not the defining module's imports: no ``zeros`` or
    ``get_variable`` there, no ``dynamic_rnn`` outside ``tf.nn``); ``from
    tensorflow.contrib.rnn import LSTMCell`` renamed imports."""
    from dlcore_static.contrib.rnn import LSTMCell, MultiRNNCell, static_rnn
    assert LSTMCell is tf.nn.rnn_cell.LSTMCell is tf.contrib.rnn.LSTMCell
    assert MultiRNNCell is tf.nn.rnn_cell.MultiRNNCell and static_rnn is tf.nn.static_rnn
    cells = {"BasicLSTMCell", "BasicRNNCell", "DeviceWrapper", "DropoutWrapper", "GRUCell",
             "LSTMCell", "LSTMStateTuple", "MultiRNNCell", "OutputProjectionWrapper", "RNNCell",
             "ResidualWrapper"}
    assert {n for n in dir(tf.nn.rnn_cell) if not n.startswith("_")} == cells
    assert {n for n in dir(tf.contrib.rnn) if not n.startswith("_")} == \
        cells | {"static_rnn", "static_bidirectional_rnn", "LSTMBlockCell", "GRUBlockCellV2",
                 "LSTMBlockFusedCell", "stack_bidirectional_dynamic_rnn",
                 "stack_bidirectional_rnn"}
    for name in ("zeros", "get_variable", "dynamic_rnn", "static_rnn"):
        assert not hasattr(tf.nn.rnn_cell, name)


def test_tf_contrib_holds_tensorflows_module_names_only():
    """``tf.contrib``'s public names are TensorFlow 1.15's contrib modules: the files that
    implement some of them (the CRF's decoder, seq2seq's attention, beam search and dynamic
    decoding, ``optimize_loss``) are private modules, not ``tf.contrib.seq2seq_beam``; the
    names their users reach are where TensorFlow has them."""
    assert {n for n in dir(tf.contrib) if not n.startswith("_")} == {
        "crf", "distributions", "framework", "layers", "legacy_seq2seq", "lookup", "rnn",
        "seq2seq", "slim"}
    assert callable(tf.contrib.crf.crf_decode) and callable(tf.contrib.layers.optimize_loss)
    for name in ("BeamSearchDecoder", "BahdanauAttention", "AttentionWrapper", "dynamic_decode",
                 "BasicDecoder", "TrainingHelper", "tile_batch", "sequence_loss"):
        assert hasattr(tf.contrib.seq2seq, name), name
