"""Keras's Attention, AdditiveAttention and MultiHeadAttention on the static engine: outputs
(and attention scores) equal to Keras 3's layers with the same weights, with value masks,
causal masks and attention masks; a model with MultiHeadAttention trains; Keras's errors."""

from __future__ import annotations

import os

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras as dk

RNG = np.random.default_rng(0)
Q = RNG.standard_normal((2, 3, 4)).astype(np.float32)
V = RNG.standard_normal((2, 3, 4)).astype(np.float32)
VM = np.array([[1, 1, 0], [1, 1, 1]], bool)


def _keras3():
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    k3 = pytest.importorskip("keras")
    if k3.backend.backend() != "numpy":
        pytest.skip("Keras 3 with the numpy backend is the oracle")
    return k3


def _same_weights_run(ours, theirs, y):
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run([v.assign(w) for v, w in zip(ours._weights, theirs.get_weights())])
        return s.run(y)


@pytest.mark.parametrize("name,kw,call", [
    ("Attention", {}, {"return_attention_scores": True}),
    ("Attention", {"use_scale": True, "score_mode": "concat"}, {"use_causal_mask": True}),
    ("AdditiveAttention", {}, {"return_attention_scores": True, "use_causal_mask": True})])
def test_attention_layers_match_keras3(name, kw, call):
    k3 = _keras3()
    theirs = getattr(k3.layers, name)(**kw)
    want = theirs([Q, V], mask=[None, VM], **call)
    ours = getattr(dk.layers, name)(**kw)
    got = _same_weights_run(ours, theirs, ours([tf.constant(Q), tf.constant(V)],
                                               mask=[None, tf.constant(VM)], **call))
    for a, b in zip(got if isinstance(got, list) else [got],
                    want if isinstance(want, (list, tuple)) else [want]):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-5, atol=1e-6)


def test_multi_head_attention_matches_keras3_with_masks():
    k3 = _keras3()
    am = np.array([[[1, 0, 1], [1, 1, 1], [0, 1, 1]]] * 2, bool)
    theirs = k3.layers.MultiHeadAttention(2, 3, value_dim=2)
    want = theirs(Q, V, attention_mask=am, use_causal_mask=True, return_attention_scores=True)
    ours = dk.layers.MultiHeadAttention(2, 3, value_dim=2)
    got = _same_weights_run(ours, theirs, ours(tf.constant(Q), tf.constant(V),
                                               attention_mask=tf.constant(am),
                                               use_causal_mask=True,
                                               return_attention_scores=True))
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-5, atol=1e-6)


def test_self_attention_model_trains_and_errors():
    from dlcore_static.keras.layers import Dense, GlobalAveragePooling1D, Input
    from dlcore_static.keras.models import Model
    inp = Input((3, 4))
    h = dk.layers.MultiHeadAttention(2, 4)(inp, inp)
    out = Dense(1)(GlobalAveragePooling1D()(h))
    m = Model(inp, out)
    m.compile("adam", "mse")
    hist = m.fit(Q, np.ones((2, 1), np.float32), epochs=3, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    with pytest.raises(ValueError, match=r"must be called on a list of inputs, namely "
                       r"\[query, value\]"):
        dk.layers.Attention()(tf.constant(Q))
    with pytest.raises(ValueError, match="Expected a float value between 0 and 1"):
        dk.layers.Attention(dropout=1.5)          # (dropout itself: test_keras3_signatures)
