"""tf.contrib.legacy_seq2seq (TF 1.15) against NumPy re-computations from the fetched variables:
decoders with and without loop_function, the seq2seq models' variable names, attention, the
losses; gradients against central differences; misuse by error type and message."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.contrib import legacy_seq2seq as s2s
from tests.static.static_gradcheck import numeric_grad

RNG = np.random.default_rng(3)


@pytest.fixture(autouse=True)
def _fresh_rng():
    """Each test draws the same data however the tests are split between workers."""
    global RNG
    RNG = np.random.default_rng(3)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _lstm(x, c, h, kernel, bias):
    i, j, f, o = np.split(np.concatenate([x, h], 1) @ kernel + bias, 4, 1)
    c2 = c * _sigmoid(f + 1.0) + _sigmoid(i) * np.tanh(j)
    return np.tanh(c2) * _sigmoid(o), c2


def _values(names):
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        return s, {v.name: s.run(v) for v in tf.global_variables() if v.name in names or
                   names is None}


def test_rnn_decoder_with_and_without_loop_function():
    b, d, n, t = 3, 4, 4, 3
    inputs = [tf.placeholder(tf.float64, [None, d]) for _ in range(t)]
    cell = tf.nn.rnn_cell.BasicRNNCell(n)
    h0 = tf.placeholder(tf.float64, [None, n])
    outs, state = s2s.rnn_decoder(inputs, h0, cell)
    loop_outs, _ = s2s.rnn_decoder(inputs, h0, cell, loop_function=lambda prev, i: prev * i,
                                   scope="rnn_decoder")          # the same variables, reused?
    assert [v.name for v in tf.global_variables()] == ["rnn_decoder/basic_rnn_cell/kernel:0",
                                                       "rnn_decoder/basic_rnn_cell/bias:0"]
    xs = [RNG.standard_normal((b, d)) for _ in range(t)]
    hv = RNG.standard_normal((b, n))
    feed = {h0: hv, **dict(zip(inputs, xs))}
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        k, bias = s.run(tf.global_variables())
        got, st, got_loop = s.run([outs, state, loop_outs], feed)
    h, want, h2, want_loop = hv, [], hv, []
    for i, x in enumerate(xs):
        h = np.tanh(np.concatenate([x, h], 1) @ k + bias)
        want.append(h)
        x2 = x if i == 0 else want_loop[-1] * i            # loop_function(prev, i)
        h2 = np.tanh(np.concatenate([x2, h2], 1) @ k + bias)
        want_loop.append(h2)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(st, want[-1], rtol=1e-12)
    np.testing.assert_allclose(got_loop, want_loop, rtol=1e-12)


def test_seq2seq_variable_names_as_tf():
    enc = [tf.placeholder(tf.float32, [2, 3]) for _ in range(2)]
    dec = [tf.placeholder(tf.float32, [2, 3]) for _ in range(2)]
    s2s.basic_rnn_seq2seq(enc, dec, tf.nn.rnn_cell.GRUCell(4))
    s2s.tied_rnn_seq2seq(enc, dec, tf.nn.rnn_cell.BasicLSTMCell(4))
    names = [v.name for v in tf.global_variables()]
    assert names == [
        "basic_rnn_seq2seq/rnn/gru_cell/gates/kernel:0",
        "basic_rnn_seq2seq/rnn/gru_cell/gates/bias:0",
        "basic_rnn_seq2seq/rnn/gru_cell/candidate/kernel:0",
        "basic_rnn_seq2seq/rnn/gru_cell/candidate/bias:0",
        "basic_rnn_seq2seq/rnn_decoder/gru_cell/gates/kernel:0",
        "basic_rnn_seq2seq/rnn_decoder/gru_cell/gates/bias:0",
        "basic_rnn_seq2seq/rnn_decoder/gru_cell/candidate/kernel:0",
        "basic_rnn_seq2seq/rnn_decoder/gru_cell/candidate/bias:0",
        "combined_tied_rnn_seq2seq/tied_rnn_seq2seq/basic_lstm_cell/kernel:0",
        "combined_tied_rnn_seq2seq/tied_rnn_seq2seq/basic_lstm_cell/bias:0"]


def test_embedding_rnn_seq2seq_feed_previous_tensor_and_bool():
    v_in, v_out, emb, n, b, t = 5, 6, 3, 4, 2, 3
    enc = [tf.placeholder(tf.int32, [None]) for _ in range(t)]
    dec = [tf.placeholder(tf.int32, [None]) for _ in range(t)]
    fp = tf.placeholder_with_default(False, [])
    cell = tf.nn.rnn_cell.BasicLSTMCell(n)
    outs, state = s2s.embedding_rnn_seq2seq(enc, dec, cell, v_in, v_out, emb, feed_previous=fp)
    names = [v.name for v in tf.global_variables()]
    proj = "embedding_rnn_seq2seq/embedding_rnn_decoder/rnn_decoder/output_projection_wrapper/"
    assert names == [
        "embedding_rnn_seq2seq/rnn/embedding_wrapper/embedding:0",
        "embedding_rnn_seq2seq/rnn/embedding_wrapper/basic_lstm_cell/kernel:0",
        "embedding_rnn_seq2seq/rnn/embedding_wrapper/basic_lstm_cell/bias:0",
        "embedding_rnn_seq2seq/embedding_rnn_decoder/embedding:0",
        proj + "basic_lstm_cell/kernel:0", proj + "basic_lstm_cell/bias:0",
        proj + "kernel:0", proj + "bias:0"]
    xe = [RNG.integers(0, v_in, b) for _ in range(t)]
    xd = [RNG.integers(0, v_out, b) for _ in range(t)]
    feed = {**dict(zip(enc, xe)), **dict(zip(dec, xd))}
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        w = s.run(tf.global_variables())
        teacher, st = s.run([outs, state], feed)
        greedy = s.run(outs, {**feed, fp: True})
    e_emb, ek, eb, d_emb, dk, db, pk, pb = w
    c, h = np.zeros((b, n)), np.zeros((b, n))
    for x in xe:
        h, c = _lstm(e_emb[x], c, h, ek, eb)
    for mode, got in (("teacher", teacher), ("greedy", greedy)):
        cc, hh, want, prev = c, h, [], None
        for i, x in enumerate(xd):
            inp = d_emb[x] if mode == "teacher" or i == 0 else d_emb[prev.argmax(1)]
            hh, cc = _lstm(inp, cc, hh, dk, db)
            prev = hh @ pk + pb
            want.append(prev)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        if mode == "teacher":
            np.testing.assert_allclose(st.c, cc, rtol=1e-5, atol=1e-6)


def _attention_ref(w, xs, h0, att, heads, softmax_dtype=np.float32):
    """NumPy attention_decoder over a BasicRNNCell; ``w`` the variables by short name; the
    scores' softmax in ``softmax_dtype`` (TF's: float32)."""
    b, _, size = att.shape
    feats = [np.einsum("bls,sk->blk", att, w[f"AttnW_{a}"][0, 0]) for a in range(heads)]

    def attention(q):
        ds = []
        for a in range(heads):
            y = q @ w[f"Attention_{a}/kernel"] + w[f"Attention_{a}/bias"]
            s = (w[f"AttnV_{a}"] * np.tanh(feats[a] + y[:, None, :])).sum(-1)
            p = _softmax(s.astype(softmax_dtype)).astype(np.float64)  # (TF: in float32)
            ds.append((p[:, :, None] * att).sum(1))
        return ds

    attns = [np.zeros((b, size))] * heads
    h, outs = h0, []
    for x in xs:
        xin = np.concatenate([x, *attns], 1) @ w["kernel"] + w["bias"]
        h = np.tanh(np.concatenate([xin, h], 1) @ w["basic_rnn_cell/kernel"] +
                    w["basic_rnn_cell/bias"])
        attns = attention(h)
        outs.append(np.concatenate([h, *attns], 1) @ w["AttnOutputProjection/kernel"] +
                    w["AttnOutputProjection/bias"])
    return outs, h


def test_attention_decoder_matches_numpy_and_gradients():
    b, t, d, n, length, size, heads, out_size = 2, 3, 3, 4, 5, 3, 2, 6
    tf.set_random_seed(5)
    xs = [tf.placeholder(tf.float64, [None, d]) for _ in range(t)]
    att = tf.placeholder(tf.float64, [None, length, size])
    h0 = tf.placeholder(tf.float64, [None, n])
    cell = tf.nn.rnn_cell.BasicRNNCell(n)
    outs, state = s2s.attention_decoder(xs, h0, att, cell, output_size=out_size,
                                        num_heads=heads, dtype=tf.float64)
    names = [v.name for v in tf.global_variables()]
    assert names[:4] == ["attention_decoder/AttnW_0:0", "attention_decoder/AttnV_0:0",
                         "attention_decoder/AttnW_1:0", "attention_decoder/AttnV_1:0"]
    assert "attention_decoder/Attention_1/kernel:0" in names and \
        "attention_decoder/AttnOutputProjection/bias:0" in names and len(names) == 14
    xv = [RNG.standard_normal((b, d)) for _ in range(t)]
    av, hv = RNG.standard_normal((b, length, size)), RNG.standard_normal((b, n))
    feed = {att: av, h0: hv, **dict(zip(xs, xv))}
    cot = RNG.standard_normal((t, b, out_size))
    loss = tf.add_n([tf.reduce_sum(o * c) for o, c in zip(outs, cot)])
    (g_att,) = tf.gradients(loss, [att])
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        w = {v.name[len("attention_decoder/"):-2]: s.run(v) for v in tf.global_variables()}
        got, st, ga = s.run([outs, state, g_att], feed)
    # the gradient against central differences of the NumPy reference with its softmax in
    # float64 (the graph's float32 softmax makes differences of the graph itself noisy; its
    # gradient is the float64 one at the rounded point, within 1e-6)
    num = numeric_grad(lambda a: np.sum(np.stack(_attention_ref(
        w, xv, hv, a, heads, np.float64)[0]) * cot), av.copy())
    want, hw = _attention_ref(w, xv, hv, av, heads)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(st, hw, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ga, num, rtol=1e-4, atol=1e-5)


def test_attention_decoder_loop_function_and_initial_state_attention():
    xs = [tf.placeholder(tf.float32, [2, 3]) for _ in range(3)]
    att = tf.constant(RNG.standard_normal((2, 4, 5)).astype(np.float32))
    cell = tf.nn.rnn_cell.GRUCell(3)
    seen = []

    def loop(prev, i):
        seen.append(i)
        return prev
    outs, _ = s2s.attention_decoder(xs, cell.zero_state(2, tf.float32), att, cell,
                                    loop_function=loop, initial_state_attention=True)
    assert seen == [1, 2] and [o.shape.as_list() for o in outs] == [[2, 3]] * 3
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        assert np.isfinite(s.run(outs, {xs[0]: np.ones((2, 3))})).all()   # later xs unused


def test_sequence_losses_match_numpy():
    t, b, k = 3, 4, 5
    logits = [tf.constant(RNG.standard_normal((b, k))) for _ in range(t)]
    targets = [tf.constant(RNG.integers(0, k, b)) for _ in range(t)]
    weights = [tf.constant(RNG.random(b)) for _ in range(t)]
    per = s2s.sequence_loss_by_example(logits, targets, weights)
    per_sum = s2s.sequence_loss_by_example(logits, targets, weights,
                                           average_across_timesteps=False)
    loss = s2s.sequence_loss(logits, targets, weights)
    total = s2s.sequence_loss(logits, targets, weights, average_across_timesteps=False,
                              average_across_batch=False)
    with tf.Session() as s:
        lv, tv, wv, got = s.run([logits, targets, weights, [per, per_sum, loss, total]])
    ce = np.stack([-np.log(_softmax(lv[i])[np.arange(b), tv[i]]) for i in range(t)])
    ws = np.stack(wv)
    want_per = (ce * ws).sum(0) / (ws.sum(0) + 1e-12)
    np.testing.assert_allclose(got[0], want_per, rtol=1e-12)
    np.testing.assert_allclose(got[1], (ce * ws).sum(0), rtol=1e-12)
    np.testing.assert_allclose(got[2], want_per.sum() / b, rtol=1e-12)
    np.testing.assert_allclose(got[3], (ce * ws).sum(), rtol=1e-12)
    assert per.name.startswith("sequence_loss_by_example/")


def test_errors():
    x = [tf.zeros([2, 3])]
    with pytest.raises(ValueError, match=r"Lengths of logits, weights, and targets must be the "
                                         r"same 1, 2, 1\."):
        s2s.sequence_loss_by_example(x, [tf.zeros([2], tf.int32)], x * 2)
    cell = tf.nn.rnn_cell.GRUCell(3)
    with pytest.raises(ValueError, match="Must provide at least 1 input to attention decoder."):
        s2s.attention_decoder([], cell.zero_state(2, tf.float32), tf.zeros([2, 4, 5]), cell)
    with pytest.raises(ValueError, match="With less than 1 heads"):
        s2s.attention_decoder(x, cell.zero_state(2, tf.float32), tf.zeros([2, 4, 5]), cell,
                              num_heads=0)
    with pytest.raises(ValueError, match=r"Shape\[2\] of attention_states must be known"):
        s2s.attention_decoder(x, cell.zero_state(2, tf.float32),
                              tf.placeholder(tf.float32, [2, 4, None]), cell)
    with pytest.raises(TypeError, match="basic_rnn_seq2seq: encoder_inputs must be a list of "
                                        "tensors"):
        s2s.basic_rnn_seq2seq(tf.zeros([2, 3, 3]), x, cell)
    with pytest.raises(ValueError, match="Both embedding_classes and embedding_size must be"):
        s2s.EmbeddingWrapper(cell, 0, 3)


def test_translate_style_buckets_with_embedding_attention_seq2seq():
    """tensorflow/models' translate seq2seq_model.py: model_with_buckets over
    embedding_attention_seq2seq; the buckets share every variable."""
    v_in, v_out, emb, n, b = 7, 6, 5, 4, 2
    buckets = [(3, 2), (3, 4)]
    enc = [tf.placeholder(tf.int32, [None], name=f"encoder{i}") for i in range(3)]
    dec = [tf.placeholder(tf.int32, [None], name=f"decoder{i}") for i in range(5)]
    wts = [tf.placeholder(tf.float32, [None], name=f"weight{i}") for i in range(4)]
    targets = [dec[i + 1] for i in range(4)]
    fp = tf.placeholder_with_default(False, [])
    cell = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.GRUCell(n) for _ in range(2)])

    def seq2seq_f(encoder_inputs, decoder_inputs):
        return s2s.embedding_attention_seq2seq(encoder_inputs, decoder_inputs, cell, v_in,
                                               v_out, emb, feed_previous=fp)
    outputs, losses = s2s.model_with_buckets(enc, dec, targets, wts, buckets, seq2seq_f)
    names = [v.name for v in tf.global_variables()]
    assert len(names) == len(set(names)) == 28                 # one set for both buckets
    assert not any("_1/" in nm.replace("cell_1/", "") for nm in names)
    wrapper = "embedding_attention_seq2seq/rnn/embedding_wrapper/"
    assert names[:2] == [wrapper + "embedding:0",
                         wrapper + "multi_rnn_cell/cell_0/gru_cell/gates/kernel:0"]
    assert "embedding_attention_seq2seq/embedding_attention_decoder/attention_decoder/" \
           "AttnW_0:0" in names
    # (variable_scope(root scope) re-enters the root name scope, as TF1's: not under
    # model_with_buckets/)
    assert losses[0].name.startswith("sequence_loss/")
    feed = {**{e: RNG.integers(0, v_in, b) for e in enc},
            **{d: RNG.integers(0, v_out, b) for d in dec},
            **{w: np.ones(b, np.float32) for w in wts}}
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        o, lv = s.run([outputs, losses], feed)
        greedy = s.run(outputs[1], {**feed, fp: True})
    np.testing.assert_allclose(o[0], o[1][:2], rtol=1e-5, atol=1e-6)   # shared variables
    np.testing.assert_allclose(greedy[0], o[1][0], rtol=1e-5, atol=1e-6)
    assert not np.allclose(greedy[1:], o[1][1:])                   # fed back its argmax
    for k, (_, d) in enumerate(buckets):
        ce = [-np.log(np.exp(o[k][t] - o[k][t].max(1, keepdims=True)) /
                      np.exp(o[k][t] - o[k][t].max(1, keepdims=True)).sum(1, keepdims=True))
              [np.arange(b), feed[targets[t]]] for t in range(d)]
        np.testing.assert_allclose(lv[k], np.sum(ce) / (d * b), rtol=1e-5)
    with pytest.raises(ValueError, match=r"Length of targets \(4\) must be at least that of "
                                         r"last bucket \(5\)\."):
        s2s.model_with_buckets(enc, dec, targets, wts, [(3, 5)], seq2seq_f)
