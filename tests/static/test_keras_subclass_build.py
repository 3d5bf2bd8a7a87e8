"""Subclassed Keras models before their first data: ``layers`` are the layers assigned to
attributes (Keras tracks them on assignment), and ``model.build(input_shape)`` (tf.keras's
Network.build) calls ``call`` on float32 inputs of those shapes, so ``summary`` and
``get_weights`` work before ``fit``; compared with Keras 3 (numpy backend) where installed."""

from __future__ import annotations

import os

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import backend as K
from dlcore_static.keras import layers
from tests.io.summary_table import summary_rows


@pytest.fixture(autouse=True)
def fresh_graph():                      # replaces conftest's: Keras uses the global default graph
    K.clear_session()
    tf.set_random_seed(3)
    yield
    K.clear_session()


class MyModel(keras.Model):
    def __init__(self, num_classes=4):
        super().__init__(name="my_model")
        self.dense_1 = layers.Dense(8, activation="relu")
        self.dense_2 = layers.Dense(num_classes, activation="softmax")

    def call(self, inputs):
        return self.dense_2(self.dense_1(inputs))


class TwoInputs(keras.Model):
    def __init__(self):
        super().__init__()
        self.a = layers.Dense(2)
        self.b = layers.Dense(2)

    def call(self, inputs):
        x, y = inputs
        return layers.add([self.a(x), self.b(y)])


def test_layers_before_build_then_build_summary_weights_and_fit(capsys):
    m = MyModel()
    assert [ly.name for ly in m.layers] == ["dense", "dense_1"]        # (Keras 3's names)
    assert not m.layers[0].weights                        # nothing built yet
    m.build((None, 16))
    m.summary()
    out = capsys.readouterr().out
    assert summary_rows(out)[0] == ["dense (Dense)", "(None, 8)", "136"]
    assert "Total params: 172" in out
    assert [w.shape for w in m.get_weights()] == [(16, 8), (8,), (8, 4), (4,)]
    m.compile("sgd", "categorical_crossentropy")
    x = np.random.RandomState(0).rand(6, 16).astype(np.float32)
    w1, b1, w2, b2 = m.get_weights()
    z = np.maximum(x @ w1 + b1, 0) @ w2 + b2
    p = np.exp(z - z.max(1, keepdims=True))
    np.testing.assert_allclose(m.predict(x), p / p.sum(1, keepdims=True), rtol=1e-5)
    m.fit(x, np.eye(4)[[0, 1, 2, 3, 0, 1]], epochs=1, verbose=0)
    assert not np.array_equal(m.get_weights()[0], w1)


def test_build_with_several_inputs_and_compile_recorded_before():
    m = TwoInputs()
    m.compile("sgd", "mse")                                # recorded until the model is built
    m.build([(None, 3), (None, 5)])
    assert [w.shape for w in m.get_weights()] == [(3, 2), (2,), (5, 2), (2,)]
    x, y = np.ones((4, 3), np.float32), np.ones((4, 5), np.float32)
    assert np.isfinite(m.train_on_batch([x, y], np.zeros((4, 2), np.float32)))


def test_build_errors_in_tf_keras_words():
    m = MyModel()
    with pytest.raises(ValueError, match="^Input shape must be defined when calling build on "
                                         "a model subclass network.$"):
        m.build()
    with pytest.raises(ValueError, match="build expects a shape tuple with a batch dimension"):
        m.build(("a", 3))
    with pytest.raises(AttributeError, match="'MyModel' object has no attribute 'nope'"):
        m.nope                                             # noqa: B018
    assert [ly.name for ly in m.layers] == ["dense", "dense_1"] and not m.get_weights()


def test_keras3_agrees_on_layers_and_weights_after_build():
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    k3 = pytest.importorskip("keras")
    if k3.backend.backend() != "numpy":
        pytest.skip("Keras 3 is loaded with another backend")

    class Ref(k3.Model):
        def __init__(self):
            super().__init__()
            self.dense_1 = k3.layers.Dense(8, activation="relu")
            self.dense_2 = k3.layers.Dense(4, activation="softmax")

        def call(self, inputs):
            return self.dense_2(self.dense_1(inputs))
    ref, m = Ref(), MyModel()
    assert len(ref.layers) == len(m.layers) == 2
    m.build((None, 16))
    x = np.random.RandomState(1).rand(3, 16).astype(np.float32)
    ref(x[:1])                    # Keras 3.15's build((None, 16)) makes no weights on numpy
    assert [tuple(w.shape) for w in ref.get_weights()] == [w.shape for w in m.get_weights()]
    ref.set_weights(m.get_weights())
    np.testing.assert_allclose(ref.predict(x, verbose=0), m.predict(x), atol=1e-6)

