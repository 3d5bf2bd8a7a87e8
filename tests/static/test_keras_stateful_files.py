"""A stateful LSTM model saved and loaded (.h5 and .keras): the file's layer configuration says
stateful=True with the fixed batch size in the input shape, the loaded layer is stateful and
keeps its states between batches as the original does (equal predictions after
reset_states, and again on the following batch, which continues from the kept states); real
Keras 3.15 loads the .keras file as a stateful model with the same predictions."""

from __future__ import annotations

import json
import zipfile

import h5py
import numpy as np

from dlcore_static import keras
from dlcore_static.keras import layers as L
from tests.io.real_keras import keras3

RNG = np.random.default_rng(3)
X = RNG.random((4, 3, 1)).astype("float32")
Y = RNG.random((4, 1)).astype("float32")


def _model():
    keras.backend.clear_session()
    model = keras.models.Sequential([L.LSTM(4, stateful=True, recurrent_activation="sigmoid",
                                            batch_input_shape=(2, 3, 1)),
                                     L.Dense(1)])
    model.compile("adam", "mse")
    model.fit(X, Y, batch_size=2, epochs=1, shuffle=False, verbose=0)
    return model


def _two_batches(model):
    model.reset_states()
    return [model.predict(X[:2], batch_size=2), model.predict(X[2:], batch_size=2)]


def test_stateful_lstm_round_trips_through_files(tmp_path):
    model = _model()
    want = _two_batches(model)
    assert not np.allclose(want[1], model.predict(X[2:], batch_size=2))   # states are kept
    for name in ("m.h5", "m.keras"):
        path = str(tmp_path / name)
        model.save(path)
        if name.endswith(".h5"):
            with h5py.File(path, "r") as f:
                cfg = json.loads(f.attrs["model_config"])
        else:
            with zipfile.ZipFile(path) as z:
                cfg = json.loads(z.read("config.json"))
        layers = cfg["config"]["layers"]
        lstm = next(ly for ly in layers if ly["class_name"] == "LSTM")
        assert lstm["config"]["stateful"] is True
        assert 2 in [(ly["config"].get("batch_shape") or ly["config"].get("batch_input_shape")
                      or [None])[0] for ly in layers]
        again = keras.models.load_model(path)
        assert again.layers[0].stateful
        got = _two_batches(again)
        for a, b in zip(got, want):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    k3 = keras3()
    real = k3.models.load_model(str(tmp_path / "m.keras"))
    assert real.layers[0].stateful
    real.layers[0].reset_states()
    got = [real.predict(X[:2], batch_size=2, verbose=0), real.predict(X[2:], batch_size=2,
                                                                      verbose=0)]
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
