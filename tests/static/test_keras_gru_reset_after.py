"""GRU and GRUCell with reset_after=True (Keras 3's and tf.keras 2's default: bias (2, 3 units),
the reset gate applied after the recurrent matmul) against real Keras 3.15 (NumPy backend): the
same weights give the same outputs (masked, backwards, in a cell, Bidirectional), and .keras
files go both ways."""

from __future__ import annotations

import numpy as np

from dlcore_static import keras
from dlcore_static.keras import layers as L
from tests.io.real_keras import keras3

RNG = np.random.default_rng(3)
X = RNG.normal(size=(2, 5, 3)).astype("float32")
X[1, -2:] = 0.0                                   # padding for the masked model


def _weights(units=4, d=3):
    return [RNG.normal(size=(d, 3 * units)).astype("float32") * 0.5,
            RNG.normal(size=(units, 3 * units)).astype("float32") * 0.5,
            RNG.normal(size=(2, 3 * units)).astype("float32") * 0.5]


def test_gru_reset_after_same_outputs_as_keras3():
    k3 = keras3()
    w = _weights()
    keras.backend.clear_session()
    x = keras.Input((5, 3))
    m = L.Masking(0.0)(x)
    # both libraries' defaults (Keras 3: reset_after=True, recurrent_activation='sigmoid'), and
    # Keras 2's GRU asked for explicitly (reset_after=False: one bias row)
    k2 = {"reset_after": False, "recurrent_activation": "sigmoid"}
    layers = [L.GRU(4, return_sequences=True), L.GRU(4, go_backwards=True),
              L.RNN(L.GRUCell(4), return_sequences=True), L.GRU(4, **k2)]
    model = keras.Model(x, [layers[0](m), layers[1](m), layers[2](x), layers[3](m)])
    w2 = [w[0], w[1], w[2][0] + w[2][1]]
    for ly in layers[:3]:
        assert [v.shape for v in ly.get_weights()] == [(3, 12), (4, 12), (2, 12)]
        ly.set_weights(w)
    layers[3].set_weights(w2)
    assert layers[0].get_config()["reset_after"] is True
    assert layers[0].get_config()["recurrent_activation"] == "sigmoid"
    got = model.predict(X)
    kx = k3.Input((5, 3))
    km = k3.layers.Masking(0.0)(kx)
    kl = [k3.layers.GRU(4, return_sequences=True), k3.layers.GRU(4, go_backwards=True),
          k3.layers.RNN(k3.layers.GRUCell(4), return_sequences=True), k3.layers.GRU(4, **k2)]
    kmodel = k3.Model(kx, [kl[0](km), kl[1](km), kl[2](kx), kl[3](km)])
    for ly in kl[:3]:
        ly.set_weights(w)
    kl[3].set_weights(w2)
    for a, b in zip(got, kmodel.predict(X, verbose=0)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_gru_reset_after_keras_files_both_ways(tmp_path):
    k3 = keras3()
    w = _weights()
    kmodel = k3.Sequential([k3.Input((5, 3)), k3.layers.Bidirectional(k3.layers.GRU(4)),
                            k3.layers.Dense(1)])
    kmodel.layers[0].set_weights(w + _weights())
    kmodel.save(tmp_path / "k3.keras")
    ours = keras.models.load_model(str(tmp_path / "k3.keras"))
    want = kmodel.predict(X, verbose=0)
    np.testing.assert_allclose(ours.predict(X), want, rtol=1e-5, atol=1e-6)
    ours.save(str(tmp_path / "dl.keras"))
    back = k3.saving.load_model(tmp_path / "dl.keras")
    assert back.layers[0].forward_layer.reset_after
    np.testing.assert_allclose(back.predict(X, verbose=0), want, rtol=1e-5, atol=1e-6)


def test_gru_reset_after_trains_and_drops_out():
    """fit moves both bias rows; recurrent dropout draws per-gate masks while training only."""
    keras.backend.clear_session()
    model = keras.models.Sequential([
        L.GRU(3, reset_after=True, recurrent_dropout=0.5, input_shape=(5, 3)), L.Dense(1)])
    model.compile("sgd", "mse")
    before = model.layers[0].get_weights()[2].copy()
    model.fit(X, np.ones((2, 1)), epochs=1, verbose=0)
    after = model.layers[0].get_weights()[2]
    assert (np.abs(after - before).max(axis=1) > 0).all()
    # no dropout at predict: equal to one float32 step (the first run is interpreted, the second
    # compiled, whose float32 sigmoid/tanh loops may round the last bit differently)
    np.testing.assert_allclose(model.predict(X), model.predict(X), rtol=1e-6, atol=1e-7)
