"""Files written by real Keras 3 (NumPy backend) read by ``dlcore_static.keras``, and back:
a Sequential CNN (Conv2D, BatchNormalization with non-trivial moving statistics, MaxPooling2D,
strided Conv2D, Flatten, Dense) and a two-input functional model (Embedding, LSTM, GRU,
GlobalAveragePooling1D, Dense, BatchNormalization, Concatenate), each as ``.keras`` and
``.h5``: dlcore's predictions equal Keras's, dlcore's re-saved file loads in Keras with the
same predictions, and Keras's ``.weights.h5`` loads into dlcore's model."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras as dk
from tests.io.real_keras import keras3 as _real_keras3

pytest.importorskip("h5py")


@pytest.fixture(scope="module")
def keras3():
    return _real_keras3()           # (Keras 3 on the NumPy backend, or the test is skipped)


def _randomize(model, rng) -> None:
    for layer in model.layers:
        ws = [rng.standard_normal(w.shape).astype(w.dtype) * 0.5 for w in layer.get_weights()]
        if type(layer).__name__ == "BatchNormalization":
            ws[3] = np.abs(ws[3]) + 0.5                        # a moving variance
        layer.set_weights(ws)


def _cnn(k):
    L = k.layers
    return k.Sequential([k.Input((8, 8, 3)), L.Conv2D(4, 3, padding="same", activation="relu"),
                         L.BatchNormalization(), L.MaxPooling2D(), L.Conv2D(2, 3, strides=2),
                         L.Flatten(), L.Dense(3, activation="softmax")])


def _two_inputs(k):
    L = k.layers
    ids, feats = k.Input((6,), dtype="int32", name="ids"), k.Input((4,), name="feats")
    e = L.Embedding(12, 5)(ids)
    h = L.LSTM(7)(e)
    h2 = L.GlobalAveragePooling1D()(L.GRU(3, return_sequences=True)(e))
    f = L.BatchNormalization()(L.Dense(4)(feats))
    return k.Model([ids, feats], L.Dense(2)(L.Concatenate()([h, h2, f])))


def _inputs(kind, rng):
    if kind == "cnn":
        return rng.standard_normal((2, 8, 8, 3)).astype(np.float32)
    return [rng.integers(0, 12, (2, 6)).astype(np.int32),
            rng.standard_normal((2, 4)).astype(np.float32)]


def _fresh():
    tf.reset_default_graph()
    dk.backend.clear_session()


@pytest.mark.parametrize("ext", ["keras", "h5"])
@pytest.mark.parametrize("kind", ["cnn", "two_inputs"])
def test_real_keras_files_load_predict_and_go_back(tmp_path, keras3, kind, ext):
    rng = np.random.default_rng(3)
    model = (_cnn if kind == "cnn" else _two_inputs)(keras3)
    _randomize(model, rng)
    x = _inputs(kind, rng)
    want = model.predict(x, verbose=0)
    model.save(str(tmp_path / f"k.{ext}"))
    _fresh()
    mine = dk.models.load_model(str(tmp_path / f"k.{ext}"), compile=False)
    kinds = [type(ly).__name__ for ly in mine.layers]
    assert "BatchNormalization" in kinds and ("Conv2D" in kinds or "LSTM" in kinds)
    np.testing.assert_allclose(mine.predict(x), want, rtol=1e-5, atol=1e-6)
    mine.save(str(tmp_path / f"d.{ext}"))
    back = keras3.models.load_model(str(tmp_path / f"d.{ext}"), compile=False)
    np.testing.assert_allclose(back.predict(x, verbose=0), want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kind", ["cnn", "two_inputs"])
def test_real_keras_weights_file_loads_into_dlcore(tmp_path, keras3, kind):
    rng = np.random.default_rng(4)
    make = _cnn if kind == "cnn" else _two_inputs
    model = make(keras3)
    _randomize(model, rng)
    model.save(str(tmp_path / "arch.keras"))
    _randomize(model, rng)                                  # other weights in the weights file
    model.save_weights(str(tmp_path / "w.weights.h5"))
    x = _inputs(kind, rng)
    want = model.predict(x, verbose=0)
    _fresh()
    mine = dk.models.load_model(str(tmp_path / "arch.keras"), compile=False)
    assert not np.allclose(mine.predict(x), want, atol=1e-3)
    mine.load_weights(str(tmp_path / "w.weights.h5"))
    np.testing.assert_allclose(mine.predict(x), want, rtol=1e-5, atol=1e-6)


def test_a_damaged_keras_weights_file_leaves_the_model_as_it_was(tmp_path, keras3):
    import h5py
    from dlcore_static.keras.saving import KerasFileError
    rng = np.random.default_rng(5)
    model = _cnn(keras3)
    _randomize(model, rng)
    model.save(str(tmp_path / "arch.keras"))
    _randomize(model, rng)
    model.save_weights(str(tmp_path / "w.weights.h5"))
    with h5py.File(tmp_path / "w.weights.h5", "r+") as f:
        paths: list = []
        f.visititems(lambda n, o: paths.append(n) if isinstance(o, h5py.Dataset) else None)
        last = sorted(paths)[-1]
        del f[last]
        f[last] = np.zeros((7, 7), np.float32)             # the last weight misshapen
    _fresh()
    mine = dk.models.load_model(str(tmp_path / "arch.keras"), compile=False)
    before = [w.copy() for w in mine.get_weights()]
    with pytest.raises(KerasFileError, match=r"load_weights: weight .* has shape .*, the file "
                                             r"has \(7, 7\)"):
        mine.load_weights(str(tmp_path / "w.weights.h5"))
    for a, b in zip(before, mine.get_weights()):
        np.testing.assert_array_equal(a, b)
