"""Keras 3.15 behaviours of fit's logs, a functional model's shapes and activity regularizers:
LearningRateScheduler and ReduceLROnPlateau log ``'learning_rate'`` (so CSVLogger writes that
column; History still reads Keras 2's ``'lr'``), ``Model.input_shape``/``output_shape`` of a
functional model are its inputs'/outputs' shapes, and an activity regularizer's loss is divided
by the batch size (Keras 3's ``Layer.__call__``)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from dlcore_static import keras
from tests.io.real_keras import keras3

X = np.random.RandomState(0).rand(6, 3).astype("float32")


def _functional(K, reg=None):
    a, b = K.Input((3,)), K.Input((5,))
    h = K.layers.Dense(2, activity_regularizer=reg)(a)
    return K.Model(a, h), K.Model([a, b], [h, K.layers.Dense(4)(b)])


def test_learning_rate_callbacks_log_keras3_key(tmp_path):
    k3 = keras3()
    keys = {}
    for name, K in (("dlcore", keras), ("keras", k3)):
        m = _functional(K)[0]
        m.compile(K.optimizers.SGD(0.1), "mse")
        cb = K.callbacks.LearningRateScheduler(lambda e: 0.5)
        cb.set_model(m)
        logs = {"loss": 1.0}
        cb.on_epoch_begin(0, logs)
        cb.on_epoch_end(0, logs)
        rl = K.callbacks.ReduceLROnPlateau(monitor="loss")
        rl.set_model(m)
        rl.on_train_begin()
        logs2 = {"loss": 1.0}
        rl.on_epoch_end(0, logs2)
        keys[name] = (sorted(logs), sorted(logs2), logs["learning_rate"])
    assert keys["dlcore"] == keys["keras"] == (["learning_rate", "loss"],) * 2 + (0.5,)
    m = _functional(keras)[0]
    m.compile(keras.optimizers.SGD(0.1), "mse")
    path = str(tmp_path / "log.csv")
    h = m.fit(X, np.zeros((6, 2)), epochs=2, verbose=0, callbacks=[
        keras.callbacks.LearningRateScheduler(lambda e: 0.1 / (e + 1)),
        keras.callbacks.CSVLogger(path)])
    with open(path) as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "learning_rate", "loss"]   # (Keras 3's CSVLogger sorts keys)
    assert [float(r[1]) for r in rows[1:]] == pytest.approx([0.1, 0.05])
    assert h.history["learning_rate"] == h.history["lr"] == pytest.approx([0.1, 0.05])


def test_functional_model_shapes_as_keras3():
    k3 = keras3()
    got = {}
    for name, K in (("dlcore", keras), ("keras", k3)):
        one, two = _functional(K)
        seq = K.Sequential([K.Input((3,)), K.layers.Dense(2)])
        got[name] = [one.input_shape, one.output_shape, two.input_shape, two.output_shape,
                     seq.input_shape, seq.output_shape]
    assert got["dlcore"] == got["keras"]
    assert got["dlcore"][3] == [(None, 2), (None, 4)]


def test_activity_regularizer_loss_is_per_sample():
    k3 = keras3()
    m3 = _functional(k3, k3.regularizers.L2(0.1))[0]
    m3(X)
    want = float(m3.losses[0])
    m = _functional(keras, keras.regularizers.L2(0.1))[0]
    m.set_weights(m3.get_weights())
    sess = keras.backend.get_session()
    got = sess.run(m.losses[0], {m.inputs[0]: X})
    np.testing.assert_allclose(got, want, rtol=1e-5)
    y = X @ m3.get_weights()[0] + m3.get_weights()[1]
    np.testing.assert_allclose(got, 0.1 * np.sum(y ** 2) / 6, rtol=1e-5)
    assert sess.run(m.losses[0], {m.inputs[0]: X[:0]}) == 0.0


def test_regularizer_functions_are_keras3_aliases():
    k3 = keras3()
    for name, args, kw in (("l1", (0.1,), {}), ("l2", (0.2,), {}), ("l1_l2", (), {"l1": 0.1}),
                           ("l1_l2", (), {})):
        ours = getattr(keras.regularizers, name)(*args, **kw)
        theirs = getattr(k3.regularizers, name)(*args, **kw)
        assert type(ours).__name__ == type(theirs).__name__
        assert ours.get_config() == pytest.approx(theirs.get_config())
    w = np.array([1.0, -2.0], "float32")        # l1_l2(l1=0.1): no L2 term (Keras 2: 0.01)
    got = keras.backend.get_session().run(keras.regularizers.l1_l2(l1=0.1)(
        keras.backend.constant(w)))
    np.testing.assert_allclose(got, 0.3, rtol=1e-6)
