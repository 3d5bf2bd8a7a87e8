"""An unbuilt Keras ``Sequential`` (no input shape yet) as Keras 3.15: ``get_config()`` (no
InputLayer record, no ``build_input_shape``), ``save`` to ``.keras``/``.h5`` and ``load_model``
(unbuilt again; real Keras 3 reads dlcore's file), ``save_weights``'s ValueError, and ``fit`` on
a ``tf.data`` dataset or a ``keras.utils.Sequence`` builds it from the data's input spec."""

from __future__ import annotations

import os

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from tests.io.real_keras import keras3

X = np.random.RandomState(0).rand(8, 4).astype("float32")
Y = np.random.RandomState(1).rand(8, 1).astype("float32")


def _unbuilt(K):
    return K.Sequential([K.layers.Dense(3, activation="relu"), K.layers.Dense(1)])


def _no_names(cfg: dict) -> dict:
    out = {k: v for k, v in cfg.items() if k != "name"}
    out["layers"] = [{**r, "config": {k: v for k, v in r["config"].items()
                                      if k not in ("name", "quantization_config")}}
                     for r in cfg["layers"]]
    return out


def test_unbuilt_get_config_equals_keras3():
    k3 = keras3()
    ours, theirs = _unbuilt(keras).get_config(), _unbuilt(k3).get_config()
    assert _no_names(ours) == _no_names(theirs)
    again = keras.Sequential.from_config(ours)
    assert again.built is False and _no_names(again.get_config()) == _no_names(ours)
    built = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]).get_config()
    assert built["build_input_shape"] == (None, 4)
    del built["layers"][0]                       # Keras 3's config without the InputLayer
    assert keras.Sequential.from_config(built).input_shape == (None, 4)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_unbuilt_save_and_load(tmp_path, suffix):
    path = str(tmp_path / ("m" + suffix))
    _unbuilt(keras).save(path)                  # was: ValueError 'not yet been built'
    m = keras.models.load_model(path)
    assert m.built is False and [type(ly).__name__ for ly in m.layers] == ["Dense", "Dense"]
    assert m.predict(X, verbose=0).shape == (8, 1) and m.built
    if suffix == ".keras":
        k = keras3().models.load_model(path)
        assert k.built is False and [ly.units for ly in k.layers] == [3, 1]


def test_unbuilt_save_weights_refused_as_keras3(tmp_path):
    k3 = keras3()
    with pytest.raises(ValueError) as theirs:
        _unbuilt(k3).save_weights(str(tmp_path / "k.weights.h5"))
    for name in ("m.weights.h5", "m.h5", "m.npz"):
        with pytest.raises(ValueError) as ours:
            _unbuilt(keras).save_weights(str(tmp_path / name))
        assert str(ours.value) == str(theirs.value)
    assert not os.listdir(tmp_path)


def test_fit_on_a_dataset_builds_the_model():
    ds = tf.data.Dataset.from_tensor_slices((X, Y)).batch(4)
    m = _unbuilt(keras)
    m.compile(keras.optimizers.SGD(0.1), "mse")
    assert m.built is False
    h = m.fit(ds, epochs=2, verbose=0)          # was: ValueError 'not yet been built'
    assert m.built and m.input_shape == (None, 4) and len(h.history["loss"]) == 2
    ref = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"),
                            keras.layers.Dense(1)])
    ref.set_weights(m.get_weights())
    np.testing.assert_allclose(ref.predict(X, verbose=0), m.predict(X, verbose=0), rtol=1e-6)
    di = tf.data.Dataset.from_tensor_slices((X.astype("int32"), Y)).batch(4)
    mi = _unbuilt(keras)
    mi.compile("sgd", "mse")
    mi.fit(di, epochs=1, verbose=0)
    assert mi.inputs[0].aval.dtype == np.int32


def test_fit_on_a_sequence_builds_the_model():
    class Batches(keras.utils.Sequence):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return X[4 * i:4 * i + 4], Y[4 * i:4 * i + 4]

    m = _unbuilt(keras)
    m.compile(keras.optimizers.SGD(0.1), "mse")
    m.fit(Batches(), epochs=1, verbose=0)
    assert m.built and m.input_shape == (None, 4)
