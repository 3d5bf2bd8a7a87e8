"""Keras 2's ``dropout`` and ``recurrent_dropout`` on LSTM, GRU and SimpleRNN (the IMDB LSTM
example uses both): one mask per gate, the same at every time step of a batch, applied to the
input and to the previous output before their matmuls; off outside training.  Checked against
NumPy written from Keras 2.2's cells (their recurrent_activation hard_sigmoid and GRU
reset_after=False given explicitly: Keras 3's defaults differ), with the uniform noise replaced
by known arrays."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import random_ops
from dlcore_static.keras import Input
from dlcore_static.keras import backend as K
from dlcore_static.keras.layers import Dense
from dlcore_static.keras.layers import recurrent as R
from dlcore_static.keras.models import Model, Sequential


def _hsig(x):
    return np.clip(0.2 * x + 0.5, 0, 1)


def _keras2_hard_sigmoid(x):
    return K.clip(0.2 * x + 0.5, 0.0, 1.0)


B, T, D, N = 3, 4, 5, 2
RATE, REC_RATE = 0.3, 0.4


def _np_cell(kind, x, w, in_masks, rec_masks):
    k, u, b = w
    gates = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}[kind]
    h = np.zeros((B, N))
    c = np.zeros((B, N))
    ks = np.split(k, gates, -1)
    us = np.split(u, gates, -1)
    bs = np.split(b, gates, -1)
    for t in range(T):
        xg = [(x[:, t] * in_masks[g]) @ ks[g] + bs[g] for g in range(gates)]
        hg = [h * rec_masks[g] for g in range(gates)]
        if kind == "LSTM":
            i, f, o = (_hsig(xg[q] + hg[q] @ us[q]) for q in (0, 1, 3))
            c = f * c + i * np.tanh(xg[2] + hg[2] @ us[2])
            h = o * np.tanh(c)
        elif kind == "GRU":
            z = _hsig(xg[0] + hg[0] @ us[0])
            r = _hsig(xg[1] + hg[1] @ us[1])
            hh = np.tanh(xg[2] + (r * hg[2]) @ us[2])
            h = z * h + (1 - z) * hh
        else:
            h = np.tanh(xg[0] + hg[0] @ us[0])
    return h


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
def test_dropout_masks_per_gate_constant_over_time_match_numpy(kind, monkeypatch):
    rng = np.random.default_rng(7)
    noise: list = []

    def known_uniform(like, seed=None):
        shape = (B,) + tuple(like.aval.shape[1:])
        u = rng.uniform(size=shape).astype(np.float32)
        noise.append(u)
        return tf.constant(u)

    monkeypatch.setattr(random_ops, "random_uniform_like", known_uniform)
    x = rng.standard_normal((B, T, D)).astype(np.float32)
    inp = Input(shape=(T, D))
    k2 = {"LSTM": {"recurrent_activation": _keras2_hard_sigmoid},
          "GRU": {"recurrent_activation": _keras2_hard_sigmoid, "reset_after": False}}
    layer = getattr(R, kind)(N, dropout=RATE, recurrent_dropout=REC_RATE, **k2.get(kind, {}))
    model = Model(inp, layer(inp, training=True))
    got = model.predict(x)
    gates = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}[kind]
    assert len(noise) == 2 * gates                   # input masks, then recurrent masks
    in_masks = [(u >= RATE) / (1 - RATE) for u in noise[:gates]]
    rec_masks = [(u >= REC_RATE) / (1 - REC_RATE) for u in noise[gates:]]
    assert noise[0].shape == (B, D) and noise[-1].shape == (B, N)
    want = _np_cell(kind, x, layer.get_weights(), in_masks, rec_masks)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_dropout_is_off_outside_training_and_on_in_fit():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((8, T, D)).astype(np.float32)
    y = rng.integers(0, 2, (8, 1)).astype(np.float32)
    model = Sequential([R.LSTM(N, dropout=0.5, recurrent_dropout=0.5, input_shape=(T, D)),
                        Dense(1)])
    plain = Sequential([R.LSTM(N, input_shape=(T, D)), Dense(1)])
    plain.set_weights(model.get_weights())
    # predict: off (the plain LSTM runs as the fused layer, the dropout one as the step loop:
    # equal to float32 rounding)
    np.testing.assert_allclose(model.predict(x), plain.predict(x), rtol=1e-5, atol=1e-7)
    model.compile("sgd", "mse")
    plain.compile("sgd", "mse")
    # one training step each from the same weights: the dropout model's step differs
    model.train_on_batch(x, y)
    plain.train_on_batch(x, y)
    assert not np.allclose(model.get_weights()[0], plain.get_weights()[0])
    # in a graph with the learning phase fed: 0 gives the plain output
    f = K.function([model.input, K.learning_phase()], [model.output])
    plain.set_weights(model.get_weights())
    np.testing.assert_allclose(f([x, 0])[0], plain.predict(x), rtol=1e-5, atol=1e-7)
    assert not np.allclose(f([x, 1])[0], plain.predict(x))


def test_rates_are_clipped_and_stateful_is_accepted():
    assert R.GRU(2, dropout=1.5, recurrent_dropout=-1).dropout == 1.0
    assert R.LSTM(2, stateful=True).stateful       # (tests/programs/static: lstm_stateful)
