"""keras.layers.ConvLSTM2D on the static engine: outputs equal to Keras 3's layer with the same
weights ('same' and 'valid' padding, strides, return_sequences, return_state, go_backwards);
the input gradient by central differences; a small model trains; Keras's errors."""

from __future__ import annotations

import os

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras as dk

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 3, 5, 6, 2)).astype(np.float32)


def _keras3():
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    k3 = pytest.importorskip("keras")
    if k3.backend.backend() != "numpy":
        pytest.skip("Keras 3 with the numpy backend is the oracle")
    return k3


def _set(sess, layer, weights):
    sess.run([v.assign(w) for v, w in zip([layer.kernel, layer.recurrent_kernel, layer.bias],
                                          weights)])


@pytest.mark.parametrize("kw", [{"padding": "same", "return_state": True},
                                {"padding": "valid", "return_sequences": True,
                                 "strides": (1, 2), "go_backwards": True}],
                         ids=["same_state", "valid_seq_back"])
def test_conv_lstm_2d_matches_keras3(kw):
    k3 = _keras3()
    theirs = k3.layers.ConvLSTM2D(4, (3, 3), recurrent_activation="sigmoid", **kw)
    want = theirs(X)
    ours = dk.layers.ConvLSTM2D(4, (3, 3), recurrent_activation="sigmoid", **kw)
    y = ours(tf.constant(X))
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        _set(s, ours, theirs.get_weights())
        got = s.run(y)
    want = want if isinstance(want, (list, tuple)) else [want]
    got = got if isinstance(got, list) else [got]
    assert len(got) == len(want)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-5, atol=1e-6)
    shapes = ours.compute_output_shape((None,) + X.shape[1:])
    shapes = shapes if isinstance(shapes, list) else [shapes]
    assert [tuple(s[1:]) for s in shapes] == [a.shape[1:] for a in got]


def test_conv_lstm_2d_input_gradient_by_finite_differences():
    x = RNG.standard_normal((1, 2, 3, 3, 1)).astype(np.float32)
    p = tf.placeholder(tf.float32, x.shape)
    layer = dk.layers.ConvLSTM2D(2, (2, 2), padding="same", recurrent_activation="sigmoid")
    w = RNG.standard_normal((1, 3, 3, 2)).astype(np.float32)
    loss = tf.reduce_sum(layer(p) * w)
    (g,) = tf.gradients(loss, [p])
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        gv = s.run(g, {p: x})
        num = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            xp, xm = x.copy(), x.copy()
            xp[i] += 1e-2
            xm[i] -= 1e-2
            num[i] = (s.run(loss, {p: xp}) - s.run(loss, {p: xm})) / 2e-2
    np.testing.assert_allclose(gv, num, rtol=2e-2, atol=2e-3)


def test_conv_lstm_2d_in_a_model_and_errors():
    from dlcore_static.keras.layers import Dense, Flatten
    from dlcore_static.keras.models import Sequential
    np.random.seed(0)
    m = Sequential([dk.layers.ConvLSTM2D(2, (3, 3), padding="same", input_shape=X.shape[1:]),
                    Flatten(), Dense(1)])
    m.compile("adam", "mse")
    assert m.output_shape == (None, 1)
    y = np.ones((2, 1), np.float32)
    h = m.fit(X, y, epochs=3, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0]
    with pytest.raises(ValueError, match="expected ndim=5, found ndim=4"):
        dk.layers.ConvLSTM2D(2, 3)(tf.constant(X[0]))
    with pytest.raises(NotImplementedError, match="dropout"):
        dk.layers.ConvLSTM2D(2, 3, dropout=0.1)
