"""Keras 3 (dlcore_static.keras) against real Keras 3.15 (NumPy backend): ``optimizer.iterations``
under ``gradient_accumulation_steps`` (Keras 3's property: the updates applied,
``iterations // n``; the variable of every step stays first in ``optimizer.variables``)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import backend as K
from tests.io.real_keras import keras3


@pytest.mark.parametrize("n", [None, 2, 3])
def test_iterations_counts_applied_updates_as_keras3(n):
    k3 = keras3()
    kw = {} if n is None else {"gradient_accumulation_steps": n}
    rng = np.random.default_rng(5)
    grads = [rng.standard_normal(2).astype("float32") for _ in range(7)]
    ref = k3.optimizers.SGD(0.1, **kw)
    rv = k3.Variable(np.zeros(2, "float32"))
    want = []
    for g in grads:
        ref.apply([g], [rv])
        want.append((int(np.asarray(ref.iterations)), int(np.asarray(ref.variables[0]))))
    with tf.Graph().as_default():
        opt = keras.optimizers.SGD(0.1, **kw)
        assert opt.iterations is None                   # not built yet
        v = tf.Variable(np.zeros(2, "float32"))
        ph = tf.placeholder(tf.float32, [2])
        step = opt.apply_gradients([(ph, v)])
        assert opt.iterations is opt.iterations         # (one node, made once)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            got = []
            for g in grads:
                s.run(step, {ph: g})
                got.append((int(s.run(opt.iterations)), int(s.run(opt.variables[0]))))
            np.testing.assert_allclose(s.run(v), np.asarray(rv.numpy()), rtol=1e-6)
    assert got == want
    if n:
        assert want[-1] == (7 // n, 7)


def test_iterations_in_fit_with_accumulation():
    x = np.arange(16, dtype="float32").reshape(8, 2) / 10
    y = np.ones((8, 1), "float32")
    with tf.Graph().as_default():
        m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        opt = keras.optimizers.Adam(0.01, gradient_accumulation_steps=2)
        m.compile(optimizer=opt, loss="mse")
        m.fit(x, y, batch_size=2, epochs=1, verbose=0, shuffle=False)   # 4 steps, 2 updates
        assert int(K.get_value(opt.iterations)) == 2
        assert int(K.get_value(opt.variables[0])) == 4


class _Endpoint(keras.layers.Layer):
    """keras.io's endpoint layer pattern: a loss and a metric of the targets, in call."""

    def __init__(self, name=None):
        super().__init__(name=name)
        self.accuracy_metric = keras.metrics.BinaryAccuracy(name="accuracy")

    def call(self, logits, targets=None):
        if targets is not None:
            self.add_loss(tf.reduce_mean(tf.square(targets - logits)))
            self.accuracy_metric.update_state(targets, logits)
        return logits


def test_layer_metric_shared_by_two_models_takes_each_models_batches():
    ep = _Endpoint()
    models = []
    with tf.Graph().as_default():
        for n in (2, 3):
            x, t = keras.Input((n,), name=f"x{n}"), keras.Input((1,), name=f"t{n}")
            dense = keras.layers.Dense(1, kernel_initializer="ones", bias_initializer="zeros")
            m = keras.Model([x, t], ep(dense(x), t))
            m.compile(optimizer=keras.optimizers.SGD(0.0))      # (weights kept)
            models.append(m)
        xa = np.array([[0.1, 0.1], [0.4, 0.4], [0.1, 0.2], [0.3, 0.3]], "float32")
        ta = np.array([[1], [1], [0], [0]], "float32")
        xb = np.array([[0.3, 0.3, 0.3], [0.0, 0.1, 0.0], [0.2, 0.2, 0.2]], "float32")
        tb = np.ones((3, 1), "float32")
        # the accuracy of each model's own batches (logits = row sums, threshold 0.5)
        acc_a = np.mean((xa.sum(1, keepdims=True) > 0.5) == ta)
        acc_b = np.mean((xb.sum(1, keepdims=True) > 0.5) == tb)
        assert (acc_a, round(acc_b, 4)) == (0.5, 0.6667)
        ha = models[0].fit([xa, ta], batch_size=2, epochs=1, verbose=0, shuffle=False)
        hb = models[1].fit([xb, tb], batch_size=3, epochs=1, verbose=0, shuffle=False)
        np.testing.assert_allclose(ha.history["accuracy"], [acc_a], rtol=1e-6)
        np.testing.assert_allclose(hb.history["accuracy"], [acc_b], rtol=1e-6)
        loss, acc = models[0].evaluate([xa, ta], verbose=0)
        np.testing.assert_allclose(acc, acc_a, rtol=1e-6)
        np.testing.assert_allclose(loss, np.mean((ta - xa.sum(1, keepdims=True)) ** 2),
                                   rtol=1e-5)
