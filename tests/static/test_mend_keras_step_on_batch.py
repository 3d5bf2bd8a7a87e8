"""train_on_batch/test_on_batch of a model with Keras 3 steps: class_weight as Keras 3's
class_weight_to_sample_weights, reset_metrics honoured (None: Keras 3's running metrics;
True: tf.keras 2's reset after the batch)."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore_static import keras
from dlcore_static.keras import _step_on_batch as sob
from tests.io.real_keras import keras3 as _real_keras3

L = keras.layers
RNG = np.random.default_rng(0)
X = RNG.standard_normal((6, 3)).astype("f4")
Y = np.eye(2, dtype="f4")[[0, 1, 1, 0, 1, 0]]


class _M(keras.Model):
    def train_step(self, data):
        return super().train_step(data)

    def test_step(self, data):
        return super().test_step(data)


def _model():
    inp = keras.Input((3,))
    m = _M(inp, L.Dense(2, activation="softmax")(inp))
    m.compile("sgd", "categorical_crossentropy", metrics=["categorical_accuracy"])
    return m


@pytest.mark.parametrize("y", [Y, np.array([[0.2], [1.4], [2.0], [0.0]]), np.array([2, 0, 1, 5]),
                               np.array([[0, 0, 1], [1, 0, 0]])])
def test_class_weight_to_sample_weights_as_keras3(y):
    _real_keras3()                               # (sets the NumPy backend first)
    from keras.src.trainers.data_adapters.data_adapter_utils import \
        class_weight_to_sample_weights as theirs
    cw = {0: 0.5, 1: 3.0, 2: 7.0}
    np.testing.assert_array_equal(sob.class_weight_to_sample_weights(y, cw), theirs(y, cw))


def test_class_weight_is_the_sample_weight_of_each_class():
    a, b = _model(), _model()
    b.set_weights(a.get_weights())
    got = sob.on_batch(a, "train_step", X, Y, return_dict=True, class_weight={1: 3.0})
    sw = np.where(Y.argmax(1) == 1, 3.0, 1.0).astype("f4")
    want = sob.on_batch(b, "train_step", X, Y, sw, return_dict=True)
    assert got == pytest.approx(want, rel=1e-6)
    for u, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(u, v, rtol=1e-6)
    plain = _model()
    plain.set_weights(b.get_weights())
    assert sob.on_batch(plain, "test_step", X, Y, return_dict=True)["loss"] != \
        pytest.approx(sob.on_batch(b, "test_step", X, Y, sw, return_dict=True,
                                   reset_metrics=True)["loss"])


def test_class_weight_refusals_as_keras3():
    m = _model()
    w = m.get_weights()
    with pytest.raises(ValueError, match=r"^Arguments `sample_weight` and `class_weight` cannot "
                                         r"be specified at the same time\."):
        sob.on_batch(m, "train_step", X, Y, np.ones(6, "f4"), class_weight={0: 2.0})
    with pytest.raises(ValueError, match="only supported for Models with a single output"):
        sob.on_batch(m, "train_step", X, [Y], class_weight={0: 2.0})
    for u, v in zip(m.get_weights(), w):
        np.testing.assert_array_equal(u, v)                  # (no step ran)


def test_reset_metrics_honoured():
    m = _model()
    one = [sob.on_batch(m, "test_step", X[:2], Y[:2], return_dict=True, reset_metrics=True),
           sob.on_batch(m, "test_step", X[2:], Y[2:], return_dict=True, reset_metrics=True)]
    # Keras 3 (no argument): the loss tracker and accuracy run on over the calls
    sob.on_batch(m, "test_step", X[:2], Y[:2], return_dict=True)
    run = sob.on_batch(m, "test_step", X[2:], Y[2:], return_dict=True)
    for k in ("loss", "categorical_accuracy"):
        assert run[k] == pytest.approx((2 * one[0][k] + 4 * one[1][k]) / 6, rel=1e-6)
    # reset_metrics=True: this batch's logs (with the earlier calls'), then reset
    after = sob.on_batch(m, "test_step", X[2:], Y[2:], return_dict=True, reset_metrics=True)
    assert after["loss"] == pytest.approx((2 * one[0]["loss"] + 8 * one[1]["loss"]) / 10,
                                          rel=1e-6)
    again = sob.on_batch(m, "test_step", X[2:], Y[2:], return_dict=True, reset_metrics=False)
    assert again == pytest.approx(one[1], rel=1e-6)


def test_through_the_models_on_batch_methods():
    a, b = _model(), _model()
    b.set_weights(a.get_weights())
    sw = np.where(Y.argmax(1) == 1, 3.0, 1.0).astype("f4")
    got = a.train_on_batch(X, Y, class_weight={1: 3.0}, return_dict=True)
    assert got == pytest.approx(b.train_on_batch(X, Y, sw, return_dict=True), rel=1e-6)
    for u, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(u, v, rtol=1e-6)
    a.reset_metrics()
    lone = a.test_on_batch(X[2:], Y[2:], return_dict=True, reset_metrics=True)
    a.test_on_batch(X[:2], Y[:2])                          # (Keras 3: runs on)
    both = a.test_on_batch(X[2:], Y[2:], return_dict=True, reset_metrics=True)
    assert both["loss"] != pytest.approx(lone["loss"])
    assert a.test_on_batch(X[2:], Y[2:], return_dict=True) == pytest.approx(lone, rel=1e-6)


def test_reset_metrics_method_of_an_ordinary_model():
    inp = keras.Input((3,))
    m = keras.Model(inp, L.Dense(2, activation="softmax")(inp))
    m.compile("sgd", "categorical_crossentropy", metrics=["categorical_accuracy"])
    lone = m.test_on_batch(X[2:], Y[2:], return_dict=True)
    m.test_on_batch(X[:2], Y[:2], reset_metrics=False)
    run = m.test_on_batch(X[2:], Y[2:], return_dict=True, reset_metrics=False)
    assert run["loss"] != pytest.approx(lone["loss"])
    m.reset_metrics()
    assert m.test_on_batch(X[2:], Y[2:], return_dict=True, reset_metrics=False) == \
        pytest.approx(lone, rel=1e-6)
