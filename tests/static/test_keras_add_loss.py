"""Keras 2's add_loss: model.add_loss / Layer.add_loss, compile without a loss, fit without
targets (the variational-autoencoder example), checked against the same loss given to compile."""

import numpy as np
import pytest

from dlcore_static.keras import backend as K
from dlcore_static.keras.layers import Dense, Input, Lambda, Layer
from dlcore_static.keras.models import Model


def _pair(seed=0):
    x = np.random.RandomState(seed).randn(40, 5).astype("float32")
    inp = Input(shape=(5,))
    out = Dense(5, kernel_regularizer="l2")(Dense(3, activation="tanh")(inp))
    return x, inp, out


def test_add_loss_trains_like_the_same_loss_in_compile():
    x, inp, out = _pair()
    a = Model(inp, out)
    a.compile(optimizer="sgd", loss="mse")
    x2, inp2, out2 = _pair()
    b = Model(inp2, out2)
    b.add_loss(K.mean(K.square(out2 - inp2)))
    b.compile(optimizer="sgd")
    b.set_weights(a.get_weights())
    ha = a.fit(x, x, batch_size=8, epochs=2, shuffle=False, verbose=0,
               validation_data=(x[:10], x[:10]))
    hb = b.fit(x, batch_size=8, epochs=2, shuffle=False, verbose=0,
               validation_data=(x[:10], None))
    np.testing.assert_allclose(hb.history["loss"], ha.history["loss"], rtol=1e-5)
    np.testing.assert_allclose(hb.history["val_loss"], ha.history["val_loss"], rtol=1e-5)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wb, wa, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b.evaluate(x, verbose=0), a.evaluate(x, x, verbose=0),
                               rtol=1e-5)
    with pytest.raises(ValueError, match="expected no data"):
        b.fit(x, x, verbose=0)


def test_layer_add_loss_in_call_and_no_loss_error():
    class ActivityPenalty(Layer):
        def call(self, inputs):
            self.add_loss(0.5 * K.sum(K.square(inputs)))
            return inputs

    x = np.random.RandomState(1).randn(6, 4).astype("float32")
    inp = Input(shape=(4,))
    h = ActivityPenalty()(Dense(2, use_bias=False)(inp))
    m = Model(inp, h)
    m.compile(optimizer="sgd")
    w = m.get_weights()[0]
    loss = m.train_on_batch(x, None)
    np.testing.assert_allclose(loss, 0.5 * np.sum((x @ w) ** 2), rtol=1e-5)
    plain = Model(inp, Dense(1)(inp))
    with pytest.raises(ValueError, match="has no loss to optimize"):
        plain.compile(optimizer="sgd")


def test_variational_autoencoder_example_runs():
    """keras/examples/variational_autoencoder.py (Keras 2.2.4), small random data."""
    def sampling(args):
        z_mean, z_log_var = args
        batch = K.shape(z_mean)[0]
        dim = K.int_shape(z_mean)[1]
        epsilon = K.random_normal(shape=(batch, dim))
        return z_mean + K.exp(0.5 * z_log_var) * epsilon

    from dlcore_static.keras.losses import binary_crossentropy
    x_train = (np.random.RandomState(0).rand(64, 16) > 0.5).astype("float32")
    inputs = Input(shape=(16,), name="encoder_input")
    x = Dense(8, activation="relu")(inputs)
    z_mean = Dense(2, name="z_mean")(x)
    z_log_var = Dense(2, name="z_log_var")(x)
    z = Lambda(sampling, output_shape=(2,), name="z")([z_mean, z_log_var])
    encoder = Model(inputs, [z_mean, z_log_var, z], name="encoder")
    latent_inputs = Input(shape=(2,), name="z_sampling")
    outputs = Dense(16, activation="sigmoid")(Dense(8, activation="relu")(latent_inputs))
    decoder = Model(latent_inputs, outputs, name="decoder")
    outputs = decoder(encoder(inputs)[2])
    vae = Model(inputs, outputs, name="vae_mlp")
    reconstruction_loss = binary_crossentropy(inputs, outputs) * 16
    kl_loss = -0.5 * K.sum(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var), axis=-1)
    vae.add_loss(K.mean(reconstruction_loss + kl_loss))
    vae.compile(optimizer="adam")
    h = vae.fit(x_train, epochs=2, batch_size=16, verbose=0, validation_data=(x_train, None))
    assert set(h.history) == {"loss", "val_loss"}
    assert all(np.isfinite(h.history["loss"])) and 5 < h.history["loss"][0] < 30
    means = encoder.predict(x_train, batch_size=16)[0]
    assert means.shape == (64, 2)
