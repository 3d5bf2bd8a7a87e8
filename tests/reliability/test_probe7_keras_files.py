"""Probe 7: ``hard_sigmoid`` in Keras model files (see dlcore_static/keras/_activation_files.py).

dlcore's recurrent layers defaulted to Keras 2's ``hard_sigmoid`` (``clip(0.2 x + 0.5)``) and
the files wrote the bare name, which real Keras 3 reads as its own ``relu6(x + 3) / 6``.  Now
the layers default to Keras 3's ``sigmoid`` and ``activations.hard_sigmoid`` is Keras 3's, so
default models go to Keras 3 and back unchanged; Keras 2's formula, met in an old ``.h5`` file,
is kept when read and written back as a registered function that Keras 3 refuses unless given
it; a Keras 3 file's ``hard_sigmoid`` is Keras 3's formula in dlcore too.
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
def test_default_recurrent_layers_round_trip_and_keras3_matches(tmp_path, name, k3):
    tf.reset_default_graph()
    keras.backend.clear_session()
    m = keras.models.Sequential([L.LSTM(4, input_shape=(3, 4), return_sequences=True),
                                 L.GRU(3)])
    want = m.predict(X)
    path = str(tmp_path / name)
    m.save(path)
    np.testing.assert_array_equal(keras.models.load_model(path).predict(X), want)
    k = k3.models.load_model(path, compile=False)
    assert k.layers[1].reset_after and k.layers[0].get_config()["recurrent_activation"] == \
        "sigmoid"
    np.testing.assert_allclose(k.predict(X, verbose=0), want, atol=1e-6)


def test_a_keras2_h5_hard_sigmoid_stays_keras2s(tmp_path, k3):
    """An .h5 file whose keras_version is 2.x, whose LSTM names the bare 'hard_sigmoid' and
    whose GRU has no reset_after key (what Keras 2 wrote) is read with Keras 2's formula and
    reset_after=False, and written back with the function registered."""
    import json

    import h5py

    from dlcore_static.keras import _activation_files as AF
    tf.reset_default_graph()
    keras.backend.clear_session()
    m = keras.models.Sequential([L.LSTM(4, input_shape=(3, 4), return_sequences=True,
                                        recurrent_activation="hard_sigmoid"),
                                 L.GRU(3, reset_after=False)])
    path = str(tmp_path / "k2.h5")
    m.save(path)
    with h5py.File(path, "r+") as f:                # as Keras 2.2.4 wrote it
        assert f.attrs["keras_version"] in ("2.2.4", b"2.2.4")
        cfg = f.attrs["model_config"]
        cfg = json.loads(cfg.decode() if isinstance(cfg, bytes) else cfg)
        layers = cfg["config"]["layers"] if isinstance(cfg["config"], dict) else cfg["config"]
        assert layers[-2]["config"]["recurrent_activation"]["config"] == AF.K3_NAME
        layers[-2]["config"]["recurrent_activation"] = "hard_sigmoid"
        del layers[-1]["config"]["reset_after"]
        f.attrs["model_config"] = json.dumps(cfg)
    r = keras.models.load_model(path)
    assert r.layers[0].recurrent_activation is AF.keras2_hard_sigmoid
    assert r.layers[1].reset_after is False
    k2 = k3.Sequential([k3.Input((3, 4)), k3.layers.LSTM(
        4, return_sequences=True,
        recurrent_activation=lambda x: k3.ops.clip(0.2 * x + 0.5, 0.0, 1.0)),
        k3.layers.GRU(3, reset_after=False)])
    k2.set_weights(r.get_weights())
    want = k2.predict(X, verbose=0)
    np.testing.assert_allclose(r.predict(X), want, atol=1e-6)
    again = str(tmp_path / "again.keras")
    r.save(again)
    with pytest.raises(TypeError, match="dlcore>keras2_hard_sigmoid"):
        k3.models.load_model(again, compile=False)
    k = k3.models.load_model(again, compile=False, custom_objects={
        "dlcore>keras2_hard_sigmoid": lambda x: k3.ops.clip(0.2 * x + 0.5, 0.0, 1.0)})
    np.testing.assert_allclose(k.predict(X, verbose=0), want, atol=1e-6)
    np.testing.assert_allclose(keras.models.load_model(again).predict(X), want, atol=1e-6)


def test_conv_lstm2d_default_round_trips(tmp_path):
    tf.reset_default_graph()
    keras.backend.clear_session()
    x = X.reshape(2, 3, 2, 2, 1)
    m = keras.models.Sequential([L.ConvLSTM2D(2, 2, padding="same", input_shape=(3, 2, 2, 1))])
    want = m.predict(x)
    path = str(tmp_path / "c.keras")
    m.save(path)
    r = keras.models.load_model(path)
    assert r.layers[0].recurrent_activation is keras.activations.sigmoid
    np.testing.assert_allclose(r.predict(x), want, rtol=1e-6)


def test_hard_sigmoid_is_keras3s(k3):
    x = np.linspace(-4, 4, 17, dtype=np.float32)
    with tf.Session() as s:
        got = s.run(keras.activations.hard_sigmoid(tf.constant(x)))
    np.testing.assert_allclose(got, np.asarray(k3.activations.hard_sigmoid(x)), atol=1e-7)
    np.testing.assert_allclose(got, np.clip(x / 6 + 0.5, 0, 1), atol=1e-7)
    assert keras.activations.get("hard_sigmoid") is keras.activations.hard_sigmoid


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
