"""Probe 7: ``hard_sigmoid`` in Keras model files (see dlcore_static/keras/_activation_files.py).

dlcore's recurrent layers default to Keras 2's ``hard_sigmoid`` (``clip(0.2 x + 0.5)``); the
files wrote the bare name, which real Keras 3 reads as its own ``relu6(x + 3) / 6``: a default
LSTM loaded in Keras 3 predicted differently, silently.  Now Keras 3 refuses such a file unless
given the function, dlcore reads its files back exactly, and a Keras 3 file's ``hard_sigmoid``
is Keras 3's formula in dlcore too (it was read as Keras 2's).
"""

import os

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import layers as L

X = (np.random.default_rng(0).random((2, 3, 4)).astype(np.float32) * 6 - 3)


@pytest.fixture(scope="module")
def k3():
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    k = pytest.importorskip("keras")
    if k.backend.backend() != "numpy" or int(k.__version__.split(".")[0]) < 3:
        pytest.skip("Keras 3 with the numpy backend is needed")
    return k


@pytest.mark.parametrize("name", ["m.keras", "m.h5"])
def test_default_recurrent_layers_round_trip_and_keras3_refuses_or_matches(tmp_path, name, k3):
    tf.reset_default_graph()
    keras.backend.clear_session()
    m = keras.models.Sequential([L.LSTM(4, input_shape=(3, 4), return_sequences=True),
                                 L.GRU(3)])
    want = m.predict(X)
    path = str(tmp_path / name)
    m.save(path)
    np.testing.assert_array_equal(keras.models.load_model(path).predict(X), want)
    with pytest.raises(TypeError, match="dlcore>keras2_hard_sigmoid"):
        k3.models.load_model(path, compile=False)
    k = k3.models.load_model(path, compile=False, custom_objects={
        "dlcore>keras2_hard_sigmoid": lambda x: k3.ops.clip(0.2 * x + 0.5, 0.0, 1.0)})
    np.testing.assert_allclose(k.predict(X, verbose=0), want, atol=1e-6)


def test_conv_lstm2d_default_round_trips(tmp_path):
    tf.reset_default_graph()
    keras.backend.clear_session()
    x = X.reshape(2, 3, 2, 2, 1)
    m = keras.models.Sequential([L.ConvLSTM2D(2, 2, padding="same", input_shape=(3, 2, 2, 1))])
    want = m.predict(x)
    path = str(tmp_path / "c.keras")
    m.save(path)
    r = keras.models.load_model(path)
    assert r.layers[0].recurrent_activation is keras.activations.hard_sigmoid
    np.testing.assert_allclose(r.predict(x), want, rtol=1e-6)


@pytest.mark.parametrize("name", ["k.keras"])
def test_a_keras3_hard_sigmoid_is_read_as_keras3s(tmp_path, name, k3):
    k = k3.Sequential([k3.Input((3, 4)),
                       k3.layers.LSTM(4, recurrent_activation="hard_sigmoid",
                                      return_sequences=True),
                       k3.layers.Dense(2, activation="hard_sigmoid")])
    want = k.predict(X, verbose=0)
    path = str(tmp_path / name)
    k.save(path)
    r = keras.models.load_model(path, compile=False)
    np.testing.assert_allclose(r.predict(X), want, atol=1e-6)
    again = str(tmp_path / ("again_" + name))
    r.save(again)                               # and written back so that Keras 3 agrees
    # (to one float32 step: a Session interprets a plan's first run and compiles its second,
    # and the compiled float32 tanh/sigmoid loops may round the last bit differently)
    np.testing.assert_allclose(keras.models.load_model(again, compile=False).predict(X),
                               r.predict(X), rtol=1e-6, atol=1e-7)
    if name.endswith(".keras"):
        np.testing.assert_allclose(k3.models.load_model(again, compile=False).predict(
            X, verbose=0), want, atol=1e-6)
