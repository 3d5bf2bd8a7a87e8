"""keras.optimizers.schedules (values against Keras 3's own schedules; the rate following the
step inside a compiled model) and keras.optimizers.AdamW (against a NumPy transcription of
Keras's update: w -= lr * wd * w, then the Adam step)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from dlcore_static import keras as dk

S = dk.optimizers.schedules


def _keras3():
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    k3 = pytest.importorskip("keras")
    if k3.backend.backend() != "numpy":
        pytest.skip("Keras 3 with the numpy backend is the oracle")
    return k3


CASES = [("ExponentialDecay", (0.1, 3, 0.5), {}), ("ExponentialDecay", (0.1, 3, 0.5),
                                                   {"staircase": True}),
         ("InverseTimeDecay", (0.2, 2, 0.7), {}), ("InverseTimeDecay", (0.2, 2, 0.7),
                                                   {"staircase": True}),
         ("PiecewiseConstantDecay", ([2, 5], [1.0, 0.5, 0.1]), {}),
         ("PolynomialDecay", (0.1, 4), {"end_learning_rate": 0.01, "power": 2.0}),
         ("PolynomialDecay", (0.1, 4), {"cycle": True}),
         ("CosineDecay", (0.1, 5), {"alpha": 0.1})]


@pytest.mark.parametrize("name,args,kw", CASES, ids=[f"{c[0]}{len(c[2])}" for c in CASES])
def test_schedules_match_keras3(name, args, kw):
    k3 = _keras3()
    ours, theirs = getattr(S, name)(*args, **kw), getattr(k3.optimizers.schedules, name)(
        *args, **kw)
    for step in (0, 1, 2, 3, 5, 6, 9):
        assert float(ours(step)) == pytest.approx(float(theirs(step)), rel=1e-6), step


def _linear_model(opt):
    from dlcore_static.keras.layers import Dense
    from dlcore_static.keras.models import Sequential
    m = Sequential([Dense(1, use_bias=False, kernel_initializer="ones", input_shape=(2,))])
    m.compile(opt, "mse")
    return m


def test_sgd_with_a_schedule_uses_the_rate_of_each_step():
    sched = S.ExponentialDecay(0.1, 1, 0.5)
    m = _linear_model(dk.optimizers.SGD(learning_rate=sched))
    x, y = np.array([[1.0, 2.0]], np.float32), np.array([[0.0]], np.float32)
    w = np.ones(2)
    for t in range(3):
        m.train_on_batch(x, y)
        w = w - 0.1 * 0.5 ** t * 2 * (x[0] @ w) * x[0]          # d/dw (x w)^2
    np.testing.assert_allclose(m.get_weights()[0][:, 0], w, rtol=1e-5)
    with pytest.raises(TypeError, match="its learning rate is not settable"):
        m.optimizer.lr = 0.5


def test_adamw_matches_keras_update_rule():
    m = _linear_model(dk.optimizers.AdamW(learning_rate=0.05, weight_decay=0.1))
    x, y = np.array([[1.0, -2.0]], np.float32), np.array([[1.0]], np.float32)
    w, mm, vv = np.ones(2), np.zeros(2), np.zeros(2)
    for t in range(1, 4):
        m.train_on_batch(x, y)
        g = 2 * (x[0] @ w - 1.0) * x[0]
        w = w - 0.05 * 0.1 * w
        mm = 0.9 * mm + 0.1 * g
        vv = 0.999 * vv + 0.001 * g * g
        w = w - 0.05 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t) * mm / (np.sqrt(vv) + 1e-7)
    np.testing.assert_allclose(m.get_weights()[0][:, 0], w, rtol=1e-5)
    assert dk.optimizers.get("adamw").weight_decay == 0.004
