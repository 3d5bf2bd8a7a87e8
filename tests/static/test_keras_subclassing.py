"""Subclassed Keras models (``dlcore_static/keras/subclassing.py``): compile deferred to the
first data, layers and weights in attribute order, inputs/outputs named as Keras 2.2 names
them, errors by type and message."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import backend as K
from dlcore_static.keras import layers


@pytest.fixture(autouse=True)
def fresh_graph():                      # replaces conftest's: Keras uses the global default graph
    K.clear_session()
    tf.set_random_seed(3)
    yield
    K.clear_session()


class TwoTowers(keras.Model):
    def __init__(self):
        super().__init__(name="two_towers")
        self.head = layers.Dense(1)                     # made first, called last
        self.towers = [layers.Dense(3, activation="tanh"), layers.Dense(3, activation="tanh")]

    def call(self, inputs):
        a, b = inputs
        return self.head(layers.concatenate([self.towers[0](a), self.towers[1](b)]))


def _numpy(model, a, b):
    w = model.get_weights()                  # head kernel, bias, tower 0 ..., tower 1 ...
    h = np.concatenate([np.tanh(a @ w[2] + w[3]), np.tanh(b @ w[4] + w[5])], 1)
    return h @ w[0] + w[1]


def test_compile_waits_for_data_then_fit_trains():
    rs = np.random.RandomState(0)
    a, b = rs.randn(64, 4).astype("float32"), rs.randn(64, 2).astype("float32")
    y = (a[:, :1] - b[:, 1:]).astype("float32")
    model = TwoTowers()
    model.compile(optimizer="sgd", loss="mse")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):            # Keras 3: the unbuilt layers, no error
        model.summary()
    assert out.getvalue().count("0 (unbuilt)") == 3
    before = model.evaluate([a, b], y, verbose=0)
    assert model.layers == [model.head] + model.towers
    assert [w.shape for w in model.get_weights()] == [(6, 1), (1,), (4, 3), (3,), (2, 3), (3,)]
    assert model.input_names == ["input_1", "input_2"] and model.output_names == ["output_1"]
    np.testing.assert_allclose(before, np.mean((_numpy(model, a, b) - y) ** 2), rtol=1e-5)
    hist = model.fit([a, b], y, epochs=3, batch_size=16, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    np.testing.assert_allclose(model.predict([a, b]), _numpy(model, a, b), atol=1e-5)


def test_predict_builds_without_compile_and_int_inputs_keep_their_dtype():
    class Bag(keras.Model):
        def __init__(self):
            super().__init__()
            self.embed = layers.Embedding(10, 4)
            self.pool = layers.GlobalAveragePooling1D()

        def call(self, ids):
            return self.pool(self.embed(ids))

    ids = np.array([[1, 2, 3], [4, 5, 6]], dtype="int32")
    model = Bag()
    out = model.predict(ids)
    assert model.inputs[0].dtype == tf.int32
    np.testing.assert_allclose(out, model.get_weights()[0][ids].mean(1), atol=1e-6)
    with pytest.raises(RuntimeError, match="You must compile your model before"):
        model.fit(ids, out)


def test_dict_inputs_reach_call_as_a_dict():
    """Keras 3 passes a dict of arrays to ``call`` as it is (session 21: the inputs are named
    by the keys); a ``call`` that unpacks a list fails in the user's code, nothing built."""
    class DictTowers(TwoTowers):
        def call(self, inputs):
            return super().call([inputs["a"], inputs["b"]])

    a = np.random.default_rng(0).random((5, 4)).astype("float32")
    b = np.random.default_rng(1).random((5, 2)).astype("float32")
    model = DictTowers()
    model.compile(optimizer="sgd", loss="mse")
    model.fit({"a": a, "b": b}, np.ones((5, 1), "float32"), verbose=0)
    assert model.input_names == ["a", "b"]
    np.testing.assert_allclose(model.predict({"a": a, "b": b}, verbose=0),
                               _numpy(model, a, b), rtol=1e-5, atol=1e-6)
    model = TwoTowers()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="not enough values to unpack"):
        model.fit({"a": a}, np.ones((5, 1), "float32"), verbose=0)
    assert not model._compiled


def test_a_functional_model_subclass_is_not_deferred():
    class Wrapped(keras.Model):
        def call(self, inputs):                       # never used: the graph is given
            raise AssertionError

    x = layers.Input((3,))
    model = Wrapped(inputs=x, outputs=layers.Dense(2)(x))
    model.compile("sgd", "mse")
    assert model._compiled and model.predict(np.ones((1, 3), "float32")).shape == (1, 2)
