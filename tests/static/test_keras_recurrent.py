"""Keras sequence layers on the static engine against NumPy written from Keras' equations
(weights read back with get_weights): LSTM/GRU/SimpleRNN with return_sequences, return_state,
go_backwards and masks from Embedding(mask_zero); Bidirectional, TimeDistributed,
RepeatVector, Masking; a model trains (loss goes down)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.keras import backend as K
from dlcore_static.keras.layers import Dense, Input, RepeatVector
from dlcore_static.keras.layers import recurrent as R
from dlcore_static.keras.models import Model, Sequential


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def _hsig(x):
    """Keras 2's ``hard_sigmoid`` (what the explicit Keras 2 arguments below ask for)."""
    return np.clip(0.2 * x + 0.5, 0, 1)


def _keras2_hard_sigmoid(x):
    return K.clip(0.2 * x + 0.5, 0.0, 1.0)


def _np_keras(kind, x, w, mask=None, backwards=False, gate=_sig):
    """x (B, T, D); returns (sequence outputs, final states) as Keras computes them, with
    recurrent activation ``gate`` (Keras 3's default sigmoid) and, for a GRU whose bias has
    two rows, Keras 3's default ``reset_after=True`` (the reset gate after the matmul)."""
    k, u, b = w
    rb = None
    if b.ndim == 2:                                     # GRU reset_after: input, recurrent
        b, rb = b
    B, T, _ = x.shape
    n = u.shape[0]
    h = np.zeros((B, n))
    c = np.zeros((B, n))
    outs = []
    steps = range(T - 1, -1, -1) if backwards else range(T)
    for t in steps:
        xw = x[:, t] @ k + b
        if kind == "LSTM":
            z = xw + h @ u
            i, f, g, o = np.split(z, 4, -1)
            c2 = gate(f) * c + gate(i) * np.tanh(g)
            h2 = gate(o) * np.tanh(c2)
        elif kind == "GRU" and rb is not None:
            xz, xr, xh = np.split(xw, 3, -1)
            hz, hr, hu = np.split(h @ u + rb, 3, -1)
            zt, r = gate(xz + hz), gate(xr + hr)
            hh = np.tanh(xh + r * hu)
            h2, c2 = zt * h + (1 - zt) * hh, c
        elif kind == "GRU":
            xz, xr, xh = np.split(xw, 3, -1)
            zt = gate(xz + h @ u[:, :n])
            r = gate(xr + h @ u[:, n:2 * n])
            hh = np.tanh(xh + (r * h) @ u[:, 2 * n:])
            h2, c2 = zt * h + (1 - zt) * hh, c
        else:
            h2, c2 = np.tanh(xw + h @ u), c
        if mask is not None:
            m = mask[:, t:t + 1]
            h2, c2 = np.where(m, h2, h), np.where(m, c2, c)
        h, c = h2, c2
        outs.append(h)
    return np.stack(outs, 1), (h, c)


@pytest.mark.parametrize("kind,backwards,keras2", [
    ("LSTM", False, False), ("GRU", False, False), ("SimpleRNN", False, False),
    ("LSTM", True, False), ("GRU", True, False), ("SimpleRNN", True, False),
    ("LSTM", False, True), ("GRU", True, True)])     # Keras 2's defaults, asked for explicitly
def test_recurrent_layer_with_mask_matches_numpy(kind, backwards, keras2):
    ids = np.array([[3, 1, 4, 0, 0], [2, 7, 1, 8, 2]])
    from dlcore_static.keras import Input
    inp = Input(shape=(5,), dtype="int32")
    emb = R.Embedding(10, 3, mask_zero=True)
    kw = {}
    if keras2:
        kw = {"recurrent_activation": _keras2_hard_sigmoid}
        if kind == "GRU":
            kw["reset_after"] = False
    layer = getattr(R, kind)(4, return_sequences=True, return_state=True,
                             go_backwards=backwards, **kw)
    outs = layer(emb(inp))
    model = Model(inp, outs)
    got = model.predict(ids)
    E = emb.get_weights()[0]
    w = layer.get_weights()
    if kind == "GRU":
        assert w[2].shape == ((3 * 4,) if keras2 else (2, 3 * 4))
    ref, (h, c) = _np_keras(kind, E[ids], w, ids != 0, backwards, _hsig if keras2 else _sig)
    np.testing.assert_allclose(got[0], ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1], h, rtol=1e-5, atol=1e-6)
    if kind == "LSTM":
        np.testing.assert_allclose(got[2], c, rtol=1e-5, atol=1e-6)
        assert np.all(w[2][4:8] == 1.0)              # unit_forget_bias


def test_bidirectional_timedistributed_repeatvector_masking_and_training():
    from dlcore_static.keras import Input
    x = np.random.default_rng(0).standard_normal((6, 4, 3)).astype(np.float32)
    x[:, 3] = 0.0
    inp = Input(shape=(4, 3))
    masked = R.Masking(0.0)(inp)
    bi = R.Bidirectional(R.SimpleRNN(2, return_sequences=True), merge_mode="concat")
    y = bi(masked)
    td = R.TimeDistributed(Dense(1))(y)
    model = Model(inp, td)
    got = model.predict(x)
    assert got.shape == (6, 4, 1)
    wf, wb, wd = bi.forward_layer.get_weights(), bi.backward_layer.get_weights(), \
        model.layers[-1].get_weights()
    mask = np.any(x != 0, -1)
    f, _ = _np_keras("SimpleRNN", x, wf, mask)
    b, _ = _np_keras("SimpleRNN", x, wb, mask, backwards=True)
    ref = np.concatenate([f, b[:, ::-1]], -1) @ wd[0] + wd[1]
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)
    rep = Model(inp, RepeatVector(2)(R.LSTM(3)(inp))).predict(x)
    assert rep.shape == (6, 2, 3) and np.allclose(rep[:, 0], rep[:, 1])
    model.compile("adam", "mse")
    target = np.ones((6, 4, 1), np.float32)
    before = model.evaluate(x, target, verbose=0)
    model.fit(x, target, epochs=20, verbose=0)
    assert model.evaluate(x, target, verbose=0) < before


def test_sequential_lstm_classifier_and_errors():
    model = Sequential([R.Embedding(50, 8, input_length=7), R.LSTM(6), Dense(1)])
    model.compile("adam", "mse")
    ids = np.random.default_rng(1).integers(0, 50, (5, 7))
    assert model.predict(ids).shape == (5, 1)
    with pytest.raises(ValueError, match="Invalid merge mode"):
        R.Bidirectional(R.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="If a RNN is stateful, it needs to know its batch"):
        R.LSTM(2, stateful=True)(Input((3, 1)))      # the batch size is unknown
    _ = (tf, K)


def test_time_distributed_over_an_unknown_number_of_steps():
    # Embedding without input_length -> (None, None, 8): TimeDistributed reads T at run time, as
    # Keras 2 (it failed to build: "only one dimension of the new shape [-1, -1, 5] can be -1")
    m = Sequential([R.Embedding(50, 8), R.TimeDistributed(Dense(5))])
    m.compile("sgd", "mse")
    assert m.output_shape == (None, None, 5)
    emb = m.layers[0].get_weights()[0]
    w, b = m.layers[1].get_weights()
    x = np.random.RandomState(0).randint(0, 50, (4, 7))
    for xs in (x, x[:, :3]):                    # two lengths through the same graph
        got = m.predict(xs, verbose=0)
        np.testing.assert_allclose(got, emb[xs] @ w + b, rtol=1e-5, atol=1e-6)
    seq = Sequential([R.Embedding(50, 8), R.LSTM(16, return_sequences=True),
                      R.TimeDistributed(Dense(5, activation="softmax"))])
    seq.compile("adam", "sparse_categorical_crossentropy")
    loss = seq.fit(x, x % 5, epochs=2, verbose=0).history["loss"]
    assert np.isfinite(loss).all() and len(loss) == 2
