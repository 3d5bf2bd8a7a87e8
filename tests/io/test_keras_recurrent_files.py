"""model.save/load_model and save_weights of recurrent layers and wrappers (SimpleRNN, LSTM, GRU,
Bidirectional, TimeDistributed; Sequential and functional) in Keras 2's .h5 and Keras 3's
.keras/.weights.h5 layouts: dlcore reloads its own files, and real Keras 3 (numpy backend)
loads them and predicts the same."""

from __future__ import annotations


import h5py
import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import layers as L
from dlcore_static.keras.saving import KerasFileError
from tests.io.real_keras import keras3 as _real_keras3

X = np.random.default_rng(0).random((5, 3, 4)).astype(np.float32)


def _sequential(seed=0):
    tf.reset_default_graph()
    keras.backend.clear_session()
    tf.set_random_seed(seed)
    m = keras.models.Sequential([
        L.LSTM(4, input_shape=(3, 4), recurrent_activation="sigmoid"), L.RepeatVector(2),
        L.GRU(4, return_sequences=True, recurrent_activation="sigmoid"),
        L.Bidirectional(L.SimpleRNN(3, return_sequences=True), merge_mode="sum"),
        L.TimeDistributed(L.Dense(5, activation="softmax"))])
    m.compile("adam", "categorical_crossentropy")
    return m


@pytest.fixture(scope="module")
def keras3():
    return _real_keras3()       # (Keras 3 on the NumPy backend, or the test is skipped)


@pytest.mark.parametrize("name", ["m.h5", "m.keras"])
def test_recurrent_sequential_round_trip_and_keras3(tmp_path, name, keras3):
    m = _sequential()
    want = m.predict(X)
    m.save(str(tmp_path / name))
    r = keras.models.load_model(str(tmp_path / name))
    assert [type(ly).__name__ for ly in r.layers] == ["LSTM", "RepeatVector", "GRU",
                                                      "Bidirectional", "TimeDistributed"]
    assert r.layers[3].merge_mode == "sum" and r.layers[2].return_sequences
    np.testing.assert_array_equal(r.predict(X), want)
    k = keras3.models.load_model(str(tmp_path / name), compile=False)
    np.testing.assert_allclose(k.predict(X, verbose=0), want, atol=1e-6)


def test_keras3_weights_layout_of_recurrent_layers(tmp_path, keras3):
    m = _sequential()
    m.save_weights(str(tmp_path / "w.weights.h5"))
    with h5py.File(tmp_path / "w.weights.h5", "r") as f:       # Keras 3's own paths
        shapes = {}
        f.visititems(lambda n, o: shapes.__setitem__(n, o.shape)
                     if isinstance(o, h5py.Dataset) else None)
    assert shapes["layers/lstm/cell/vars/0"] == (4, 16)
    assert shapes["layers/gru/cell/vars/2"] == (2, 12)        # Keras 3's reset_after=True
    assert shapes["layers/bidirectional/backward_layer/cell/vars/1"] == (3, 3)
    assert shapes["layers/time_distributed/layer/vars/0"] == (3, 5)
    L3 = keras3.layers
    k = keras3.Sequential([keras3.Input((3, 4)), L3.LSTM(4), L3.RepeatVector(2),
                           L3.GRU(4, return_sequences=True),
                           L3.Bidirectional(L3.SimpleRNN(3, return_sequences=True),
                                            merge_mode="sum"),
                           L3.TimeDistributed(L3.Dense(5, activation="softmax"))])
    k.load_weights(str(tmp_path / "w.weights.h5"))
    np.testing.assert_allclose(k.predict(X, verbose=0), m.predict(X), atol=1e-6)
    m2 = _sequential(seed=1)
    m2.load_weights(str(tmp_path / "w.weights.h5"))
    np.testing.assert_allclose(m2.predict(X), m.predict(X), atol=1e-7)


def test_functional_bidirectional_lstm_h5(tmp_path):
    tf.reset_default_graph()
    keras.backend.clear_session()
    inp = L.Input((3, 4))
    h = L.Bidirectional(L.LSTM(3, return_sequences=True, go_backwards=False))(inp)
    out = L.Dense(2)(L.LSTM(2, dropout=0.1)(h))
    m = keras.models.Model(inp, out)
    want = m.predict(X)
    m.save(str(tmp_path / "f.h5"))
    r = keras.models.load_model(str(tmp_path / "f.h5"))
    assert r.layers[2].dropout == pytest.approx(0.1)
    np.testing.assert_array_equal(r.predict(X), want)


def test_stateful_in_a_file_is_refused(tmp_path):
    m = _sequential()
    m.save(str(tmp_path / "m.h5"))
    with h5py.File(tmp_path / "m.h5", "r+") as f:
        cfg = f.attrs["model_config"]
        cfg = cfg.decode() if isinstance(cfg, bytes) else cfg
        f.attrs["model_config"] = cfg.replace('"unroll": false', '"unroll": true', 1)
    with pytest.raises(KerasFileError, match="layer 'lstm': unroll=True is not supported"):
        keras.models.load_model(str(tmp_path / "m.h5"))
