"""Keras 2.2's Sequential.predict_classes / predict_proba (removed from later Keras, still in
the classic examples) and model.input / model.output."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore_static.keras.layers import Dense
from dlcore_static.keras.models import Model, Sequential


def test_predict_classes_and_proba():
    x = np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32)
    soft = Sequential([Dense(4, activation="softmax", input_shape=(3,))])
    np.testing.assert_array_equal(soft.predict_classes(x), soft.predict(x).argmax(-1))
    sig = Sequential([Dense(1, activation="sigmoid", input_shape=(3,))])
    got = sig.predict_classes(x)
    assert got.dtype == np.int32 and got.shape == (6, 1)
    np.testing.assert_array_equal(got, (sig.predict(x) > 0.5).astype(np.int32))
    np.testing.assert_array_equal(sig.predict_proba(x), sig.predict(x))
    lin = Sequential([Dense(2, input_shape=(3,), kernel_initializer="ones")])
    with pytest.warns(UserWarning, match="invalid probability values"):
        lin.predict_proba(x * 10)


def test_model_input_and_output_tensors():
    seq = Sequential([Dense(2, input_shape=(3,)), Dense(1)])
    assert seq.input.shape.as_list() == [None, 3] and seq.output.shape.as_list() == [None, 1]
    head = Model(seq.input, Dense(4)(seq.layers[0].output))
    assert head.predict(np.ones((2, 3), np.float32)).shape == (2, 4)
    assert head.input is seq.input and head.output.shape.as_list() == [None, 4]


def test_to_json_and_model_from_json_rebuild_sequential_and_functional_models():
    import json

    from dlcore_static.keras import Input
    from dlcore_static.keras.layers import Concatenate
    from dlcore_static.keras.models import model_from_config, model_from_json
    x = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    seq = Sequential([Dense(3, input_shape=(4,), activation="relu"), Dense(2)])
    text = seq.to_json()
    cfg = json.loads(text)
    assert cfg["class_name"] == "Sequential" and cfg["module"] == "keras"   # Keras 3's records
    assert cfg["keras_version"] == "3.0.0" and cfg["backend"] == "tensorflow"  # tf.keras 2's
    again = model_from_json(text)
    again.set_weights(seq.get_weights())
    np.testing.assert_allclose(again.predict(x), seq.predict(x), rtol=1e-6)
    a, b = Input((4,)), Input((2,))
    f = Model([a, b], Dense(1)(Concatenate()([Dense(3)(a), b])))
    g = model_from_config(json.loads(f.to_json()))
    g.set_weights(f.get_weights())
    np.testing.assert_allclose(g.predict([x, x[:, :2]]), f.predict([x, x[:, :2]]), rtol=1e-6)
    with pytest.raises(ValueError, match="not valid JSON|model JSON"):
        model_from_json("{not json")
