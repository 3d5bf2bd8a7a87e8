"""Functional models as tf.keras 2 builds them from keras.io's structured-data examples:
``Input(shape=())`` (a batch of scalars), a dict of inputs (sorted keys; data dicts read by
those keys), a model called on a Python list of numbers (one batch), and the outputs of one
layer giving several named ``rnn``, ``rnn_1`` (their losses and metrics apart)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import layers


def _f32_bound(magnitude):
    """4 float32 ulps of a sum's terms' magnitude: the rounding a float32 product and sum may
    carry, whatever the cancellation."""
    return 4 * np.finfo(np.float32).eps * magnitude


def test_input_of_shape_empty_is_a_batch_of_scalars():
    x = layers.Input(shape=(), dtype="float32", name="age")
    assert x.shape.as_list() == [None]
    y = layers.Dense(2)(tf.expand_dims(x, -1))
    assert y.shape.as_list() == [None, 2]
    with pytest.raises(ValueError, match="An Input layer should be passed either a "
                                         "`batch_input_shape` or an `input_shape`."):
        layers.InputLayer()


def test_dict_inputs_fit_and_predict_by_key():
    inputs = {"b": layers.Input(shape=(), name="b"), "a": layers.Input(shape=(2,), name="a")}
    h = layers.concatenate([inputs["a"], tf.expand_dims(inputs["b"], -1)])
    m = keras.Model(inputs=inputs, outputs=layers.Dense(1, use_bias=False)(h))
    assert m.input_names == ["a", "b"]                      # (sorted keys, as tf.keras 2)
    w = m.get_weights()[0][:, 0]
    xa = np.arange(8, dtype="float32").reshape(4, 2)
    xb = np.array([1.0, -1.0, 2.0, 0.5], "float32")
    got = m.predict({"b": xb, "a": xa}, verbose=0)[:, 0]
    # (float32 sums: an error bound of a few ulps of the terms' magnitudes; the weights are
    # unseeded, and a row whose terms cancel is not within rtol=1e-6 of the float64 sum)
    terms = np.abs(xa) @ np.abs(w[:2]) + np.abs(xb * w[2])
    np.testing.assert_allclose(got, xa @ w[:2] + xb * w[2], rtol=1e-6,
                               atol=_f32_bound(terms).max())
    m.compile("sgd", "mse")
    m.fit({"a": xa, "b": xb}, np.zeros((4, 1)), epochs=1, verbose=0)
    with pytest.raises(ValueError, match='No data provided for "a". Need data for each key '
                                         r"in: \['a', 'b'\]"):
        m.predict({"b": xb}, verbose=0)


def test_subclassed_model_called_on_a_list_of_numbers():
    class Pick(keras.Model):
        def __init__(self):
            super().__init__()
            self.table = tf.constant(np.arange(12, dtype="float32").reshape(6, 2))
            self.dense = layers.Dense(3)

        def call(self, ids):
            return self.dense(tf.gather(self.table, ids))
    m = Pick()
    out = m([1, 4, 5])
    assert out.shape.as_list() == [3, 3]
    w, b = m.dense.get_weights()
    x = np.arange(12.0).reshape(6, 2)[[1, 4, 5]]
    # (unseeded weights: 5 graph seeds in 200 gave a row whose terms cancel to 1.6e-6 relative
    # error in float32 against the float64 product; the bound is the terms' float32 rounding)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out), x @ w + b, rtol=1e-6,
                               atol=_f32_bound(np.abs(x) @ np.abs(w) + np.abs(b)).max())


def test_outputs_of_one_layer_get_unique_names():
    x = layers.Input((3,))
    a, b = layers.Lambda(lambda t: [t * 2, t + 1], name="two")(x)
    m = keras.Model(x, [a, b])
    assert m.output_names == ["two", "two_1"]
    m.compile("sgd", "mse", metrics=["mae"])
    assert m.metrics_names == ["loss", "two_loss", "two_1_loss", "two_mae", "two_1_mae"]
