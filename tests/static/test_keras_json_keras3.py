"""``model.to_json()`` read by real Keras 3's ``keras.models.model_from_json`` (NumPy backend)
and dlcore's: Sequential and functional models of common layers, the same weights, the same
predictions; dlcore also reads Keras 3's JSON and its own older Keras 2-style text."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dlcore_static import keras as dk
from tests.io.real_keras import keras3


def _sequential(lib):
    return lib.Sequential([lib.Input((6,)), lib.layers.Dense(5, activation="relu"),
                           lib.layers.BatchNormalization(), lib.layers.Dropout(0.3),
                           lib.layers.Dense(3, activation="hard_sigmoid")])


def _functional(lib):
    a, b = lib.Input((7, 4)), lib.Input((3,))
    h = lib.layers.LSTM(5, return_sequences=True)(a)
    h = lib.layers.Conv1D(4, 3, padding="same", activation="tanh")(h)
    h = lib.layers.GlobalMaxPooling1D()(h)
    h = lib.layers.Concatenate()([h, lib.layers.Dense(2)(b)])
    return lib.Model([a, b], [lib.layers.Dense(1, activation="sigmoid")(h),
                              lib.layers.Dense(2, activation="softmax")(h)])


def _inputs(model):
    rng = np.random.RandomState(3)
    return [(rng.randn(4, *[int(d) for d in t.aval.shape[1:]]) * 2).astype("float32")
            for t in model.inputs]


def _same(a, b):
    a = a if isinstance(a, list) else [a]
    b = b if isinstance(b, list) else [b]
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("build", [_sequential, _functional])
def test_keras3_reads_dlcores_json(build):
    k3 = keras3()
    ours = build(dk)
    xs = _inputs(ours)
    text = ours.to_json()
    cfg = json.loads(text)
    assert cfg["keras_version"] == "3.0.0" and cfg["backend"] == "tensorflow"
    theirs = k3.models.model_from_json(text)
    assert sorted((ly.name, type(ly).__name__) for ly in theirs.layers) == \
        sorted((ly.name, type(ly).__name__) for ly in ours.layers)
    for ly in ours.layers:                      # (the functional layers' order may differ)
        theirs.get_layer(ly.name).set_weights(ly.get_weights())
    _same(theirs.predict(xs, verbose=0), ours.predict(xs, verbose=0))
    again = dk.models.model_from_json(text)             # dlcore reads its own
    again.set_weights(ours.get_weights())
    _same(again.predict(xs, verbose=0), ours.predict(xs, verbose=0))


@pytest.mark.parametrize("build", [_sequential, _functional])
def test_dlcore_reads_keras3s_json(build):
    k3 = keras3()
    theirs = build(k3)
    ours = dk.models.model_from_json(theirs.to_json())
    if build is _sequential:                    # (built lazily: its weights as a whole)
        ours.set_weights(theirs.get_weights())
    for ly in theirs.layers if build is _functional else ():
        ours.get_layer(ly.name).set_weights(ly.get_weights())
    xs = _inputs(ours)
    _same(ours.predict(xs, verbose=0), theirs.predict(xs, verbose=0))


def test_older_keras2_style_json_is_still_read():
    """The text dlcore wrote before (tf.keras 2's layout, keras_version 2.2.4)."""
    text = ('{"class_name": "Sequential", "config": {"name": "sequential", "layers": ['
            '{"class_name": "InputLayer", "config": {"batch_input_shape": [null, 3], '
            '"dtype": "float32", "sparse": false, "name": "dense_input"}}, '
            '{"class_name": "Dense", "config": {"name": "dense", "trainable": true, '
            '"units": 4, "activation": "relu", "use_bias": true}}]}, '
            '"keras_version": "2.2.4", "backend": "tensorflow"}')
    m = dk.models.model_from_json(text)
    k, b = np.arange(12, dtype="float32").reshape(3, 4) / 10 - 0.5, np.ones(4, "float32")
    m.set_weights([k, b])
    x = np.random.RandomState(0).randn(2, 3).astype("float32")
    np.testing.assert_allclose(m.predict(x, verbose=0), np.maximum(x @ k + b, 0), rtol=1e-6)
