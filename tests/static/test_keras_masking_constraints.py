"""Keras 2 masking, weight constraints and activity regularizers on the static engine.

Masks from Embedding(mask_zero=True) and Masking pass through the layers that support masking
(Dense, Dropout, Activation, ...) into LSTM/GRU/SimpleRNN, whose state is carried through
masked steps: a padded batch gives each sample what its unpadded sequence gives alone.
Masked outputs weight the loss and metrics (Keras' weighted_masked_objective); a layer that does
not support masking refuses a mask.  Constraints are applied after each optimizer update;
activity regularizers add to the loss.  References: NumPy from Keras' formulas."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.keras import Input, constraints, regularizers
from dlcore_static.keras import backend as K
from dlcore_static.keras import optimizers
from dlcore_static.keras.layers import (GRU, LSTM, Activation, Concatenate, Dense, Dropout,
                                        Embedding, Flatten, GlobalAveragePooling1D, Masking,
                                        SimpleRNN, TimeDistributed)
from dlcore_static.keras.models import Model, Sequential

RNG = np.random.default_rng(5)


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    K.clear_session()
    yield


IDS = np.array([[3, 1, 4, 0, 0], [2, 7, 1, 8, 2], [5, 0, 0, 0, 0]])


@pytest.mark.parametrize("rnn", [LSTM, GRU, SimpleRNN])
def test_masked_steps_carry_the_state_through_layers_that_pass_the_mask(rnn):
    """Embedding(mask_zero) -> Dense -> Dropout -> Activation -> RNN: each padded sample's
    output equals its unpadded sequence's, run alone."""
    model = Sequential([Embedding(10, 3, mask_zero=True),
                        Dense(4), Dropout(0.5), Activation("tanh"), rnn(5)])
    padded = model.predict(IDS)
    for row, out in zip(IDS, padded):
        alone = model.predict(row[row != 0][None])
        np.testing.assert_allclose(out, alone[0], rtol=1e-5, atol=1e-6)
    plain = Sequential([Embedding(10, 3), rnn(5)])                 # no mask: padding counts
    assert not np.allclose(plain.predict(IDS)[0], plain.predict(IDS[:1, :3])[0])


def test_masking_layer_into_lstm_with_return_sequences():
    x = RNG.standard_normal((2, 4, 3)).astype(np.float32)
    x[0, 2:] = 0.0
    inp = Input(shape=(4, 3))
    seq = LSTM(2, return_sequences=True)(Masking(0.0)(inp))
    model = Model(inp, seq)
    got = model.predict(x)
    np.testing.assert_allclose(got[0, 2], got[0, 1], rtol=1e-6)     # masked: carried over
    np.testing.assert_allclose(got[0, 3], got[0, 1], rtol=1e-6)
    np.testing.assert_allclose(got[0, :2], model.predict(np.concatenate(
        [x[:1, :2], np.zeros((1, 2, 3), np.float32)], 1))[0, :2], rtol=1e-6)


def test_layers_without_masking_refuse_a_mask():
    inp = Input(shape=(5,), dtype="int32")
    emb = Embedding(10, 3, mask_zero=True)(inp)
    with pytest.raises(TypeError, match="Layer flatten.* does not support masking, but was "
                                        "passed an input_mask"):
        Flatten()(emb)
    Flatten()(Embedding(10, 3)(inp))                 # no mask: fine


def test_masked_loss_metrics_and_pooling():
    inp = Input(shape=(5,), dtype="int32")
    h = Embedding(10, 3, mask_zero=True)(inp)
    seq = TimeDistributed(Dense(2))(LSTM(4, return_sequences=True)(h))
    model = Model(inp, seq)
    model.compile("sgd", "mse", metrics=["mae"])
    y = RNG.standard_normal((3, 5, 2)).astype(np.float32)
    pred = model.predict(IDS)
    mask = (IDS != 0).astype(np.float64)
    per_step = ((pred - y) ** 2).mean(-1)
    loss = np.mean(per_step * mask / (mask.mean() + 1e-7))
    mae = np.mean(np.abs(pred - y).mean(-1) * mask / (mask.mean() + 1e-7))
    got = model.evaluate(IDS, y, verbose=0)
    np.testing.assert_allclose(got, [loss, mae], rtol=1e-5)
    pooled = Model(inp, GlobalAveragePooling1D()(h)).predict(IDS)
    emb = model.layers[1].get_weights()[0][IDS]
    np.testing.assert_allclose(pooled, (emb * mask[..., None]).sum(1) / mask.sum(1, keepdims=True),
                               rtol=1e-6)


def test_merged_masks():
    a, b = Input(shape=(4,), dtype="int32"), Input(shape=(4,), dtype="int32")
    ea, eb = Embedding(10, 2, mask_zero=True)(a), Embedding(10, 2, mask_zero=True)(b)
    cat = Concatenate()([ea, eb])
    time_cat = Concatenate(axis=1)([ea, eb])
    eb_plain = Embedding(10, 2)(b)
    half = Concatenate()([ea, eb_plain])
    from dlcore_static.keras.engine import MASKS
    xa, xb = np.array([[1, 2, 0, 0]]), np.array([[3, 0, 4, 0]])
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        m1, m2, m3 = s.run([MASKS[cat], MASKS[time_cat], MASKS[half]], {a: xa, b: xb})
    np.testing.assert_array_equal(m1, (xa != 0) & (xb != 0))
    np.testing.assert_array_equal(m2, np.concatenate([xa != 0, xb != 0], 1))
    np.testing.assert_array_equal(m3, xa != 0)


# ----------------------------------------------------------------------------- constraints
def _np_norms(w, axis=0):
    return np.sqrt(np.sum(w ** 2, axis=axis, keepdims=True))


CONSTRAINTS = [
    (constraints.MaxNorm(0.5), lambda w: w * np.clip(_np_norms(w), 0, 0.5) /
     (1e-7 + _np_norms(w))),
    (constraints.NonNeg(), lambda w: w * (w >= 0)),
    (constraints.UnitNorm(axis=1), lambda w: w / (1e-7 + _np_norms(w, 1))),
    (constraints.MinMaxNorm(0.2, 0.6, rate=0.5), lambda w: w * (
        0.5 * np.clip(_np_norms(w), 0.2, 0.6) + 0.5 * _np_norms(w)) / (1e-7 + _np_norms(w))),
]


@pytest.mark.parametrize("k", range(len(CONSTRAINTS)))
def test_constraints_are_applied_after_each_update(k):
    con, ref = CONSTRAINTS[k]
    x = RNG.standard_normal((8, 3)).astype(np.float32)
    t = RNG.standard_normal((8, 2)).astype(np.float32)
    model = Sequential([Dense(2, input_shape=(3,), kernel_constraint=con,
                              bias_constraint=constraints.get("non_neg"))])
    model.compile(optimizers.SGD(0.5), "mse")
    w0, b0 = model.get_weights()
    model.train_on_batch(x, t)
    y = x @ w0 + b0
    gy = 2 * (y - t) / y.size
    w_want = ref(w0 - 0.5 * (x.T @ gy))
    b_want = np.maximum(b0 - 0.5 * gy.sum(0), 0)
    w1, b1 = model.get_weights()
    np.testing.assert_allclose(w1, w_want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b1, b_want, rtol=1e-5, atol=1e-6)


def test_constraint_lookup_and_other_layers():
    assert isinstance(constraints.get("max_norm"), constraints.MaxNorm)
    assert isinstance(constraints.get("UnitNorm"), constraints.UnitNorm)
    c = constraints.get({"class_name": "MaxNorm", "config": {"max_value": 3, "axis": 1}})
    assert (c.max_value, c.axis) == (3, 1) and constraints.serialize(c)["class_name"] == "MaxNorm"
    with pytest.raises(ValueError, match="Unknown constraint: nope"):
        constraints.get("nope")
    v = K.variable(np.ones(2), constraint=constraints.NonNeg())
    assert isinstance(v.constraint, constraints.NonNeg)
    model = Sequential([Embedding(5, 2, input_length=3, embeddings_constraint="non_neg"),
                        LSTM(2, kernel_constraint="unit_norm", recurrent_constraint="non_neg")])
    model.compile(optimizers.Adam(0.1), "mse")
    for _ in range(3):
        model.train_on_batch(np.array([[1, 2, 3], [4, 0, 1]]), np.ones((2, 2), np.float32) * 5)
    emb, kernel, rec, _ = model.get_weights()
    assert emb.min() >= 0 and rec.min() >= 0
    np.testing.assert_allclose(_np_norms(kernel), 1.0, rtol=1e-5)


# ----------------------------------------------------------------------------- activity reg.
def test_activity_regularizer_adds_to_the_loss():
    x = RNG.standard_normal((6, 3)).astype(np.float32)
    t = RNG.standard_normal((6, 2)).astype(np.float32)
    model = Sequential([Dense(2, input_shape=(3,), activity_regularizer=regularizers.l2(0.1)),
                        Dense(2, activity_regularizer=regularizers.l1(0.01),
                              kernel_regularizer=regularizers.l2(0.05))])
    model.compile("sgd", "mse")
    assert len(model.losses) == 3
    w1, b1, w2, b2 = model.get_weights()
    h = x @ w1 + b1
    y = h @ w2 + b2
    want = np.mean((y - t) ** 2) + (0.1 * np.sum(h ** 2) + 0.01 * np.sum(np.abs(y))) / 6 + \
        0.05 * np.sum(w2 ** 2)            # (activity penalties per sample, as Keras 3)
    np.testing.assert_allclose(model.evaluate(x, t, verbose=0), want, rtol=1e-5)
    from dlcore_static.keras.layers import Conv1D
    conv = Conv1D(2, 2, kernel_regularizer="l2", activity_regularizer="l1",
                  bias_constraint="non_neg")
    conv(Input(shape=(5, 3)))
    assert len(conv.losses) == 2 and isinstance(conv.bias.constraint, constraints.NonNeg)
