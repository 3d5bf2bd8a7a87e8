"""A functional model whose inner layer calls add_loss on its input, reused inside another
model: each model trains and evaluates on the losses of its own inputs (Keras 2's
get_losses_for; was 'You must feed a value for placeholder tensor input_layer')."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore_static import keras

L, K = keras.layers, keras.backend


class _Inner(L.Layer):
    def __init__(self):
        super().__init__()
        self.d = L.Dense(2, kernel_regularizer=keras.regularizers.l2(0.1))

    def call(self, x):
        self.add_loss(0.5 * K.mean(x))
        return self.d(x)


class _Outer(L.Layer):
    def __init__(self):
        super().__init__()
        self.i = _Inner()

    def call(self, x):
        return self.i(x)


def _hand(m, x, y):
    ki, bi, ko, bo = m.get_weights()
    pred = (x @ ki + bi) @ ko + bo
    return ((pred - y) ** 2).mean() + 0.1 * (ki ** 2).sum() + 0.01 * (ko ** 2).sum() \
        + 0.5 * x.mean()


def test_reused_model_evaluates_and_trains_on_its_own_inputs():
    inp = keras.Input((3,))
    out = L.Dense(1, kernel_regularizer=keras.regularizers.l2(0.01))(_Outer()(inp))
    m = keras.Model(inp, out)
    m.compile("sgd", "mse")
    x = np.random.default_rng(0).standard_normal((4, 3)).astype("f4") + 1.0
    y = np.zeros((4, 1), "f4")
    assert m.evaluate(x, y, verbose=0) == pytest.approx(_hand(m, x, y), rel=1e-5)
    inp2 = keras.Input((3,))
    m2 = keras.Model(inp2, m(inp2))
    m2.compile("sgd", "mse")
    assert len(m.losses) == len(m2.losses) == 3      # 2 regularizers + the call's add_loss
    assert m2.evaluate(x, y, verbose=0) == pytest.approx(_hand(m, x, y), rel=1e-5)
    assert m.evaluate(x, y, verbose=0) == pytest.approx(_hand(m, x, y), rel=1e-5)
    before = m.get_weights()
    m2.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert not np.allclose(before[0], m.get_weights()[0])
    assert m2.evaluate(x, y, verbose=0) == pytest.approx(_hand(m, x, y), rel=1e-5)
    m.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert m.evaluate(x, y, verbose=0) == pytest.approx(_hand(m, x, y), rel=1e-5)
