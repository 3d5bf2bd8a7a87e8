"""Keras fit/evaluate/predict on tf.data datasets, as the TF 1.x Keras guide writes them
(``model.fit(dataset, epochs=10, steps_per_epoch=30, validation_data=val_dataset,
validation_steps=3)``), checked against the same training on NumPy arrays; History keys follow
the metric name the user passed ('accuracy' or 'acc'), as tf.keras 1.15."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.keras import backend as K
from dlcore_static.keras.callbacks import Callback
from dlcore_static.keras.layers import Dense
from dlcore_static.keras.models import Sequential

RNG = np.random.default_rng(0)
X = RNG.standard_normal((20, 4)).astype(np.float32)
Y = (X.sum(1) > 0).astype(np.float32)


def _model(metric="accuracy"):
    K.clear_session()
    tf.set_random_seed(0)
    m = Sequential([Dense(6, activation="relu", input_shape=(4,), kernel_initializer="ones"),
                    Dense(1, activation="sigmoid", kernel_initializer="ones")])
    m.compile(tf.train.GradientDescentOptimizer(0.1), "binary_crossentropy", metrics=[metric])
    return m


class Sizes(Callback):
    def on_train_begin(self, logs=None):
        self.sizes = []

    def on_batch_end(self, batch, logs=None):
        self.sizes.append(logs["size"])


@pytest.mark.parametrize("metric", ["accuracy", "acc"])
def test_fit_on_dataset_equals_fit_on_arrays(metric):
    m = _model(metric)
    ref = m.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0,
                validation_data=(X[:10], Y[:10]))
    w_ref = m.get_weights()
    m = _model(metric)
    ds = tf.data.Dataset.from_tensor_slices((X, Y)).batch(8)
    val = tf.data.Dataset.from_tensor_slices((X[:10], Y[:10])).batch(4)
    h = m.fit(ds, epochs=2, verbose=0, validation_data=val)
    # Keras 3's order: the epoch's logs sorted by name (CallbackList's pythonify_logs)
    assert list(h.history) == sorted(["loss", metric, "val_loss", f"val_{metric}"])
    assert list(ref.history) == list(h.history)
    for k in h.history:
        np.testing.assert_allclose(h.history[k], ref.history[k], rtol=1e-5)
    for a, b in zip(m.get_weights(), w_ref):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    assert m.metrics_names == ["loss", metric]
    np.testing.assert_allclose(m.evaluate(ds, verbose=0), m.evaluate(X, Y, verbose=0),
                               rtol=1e-5)
    np.testing.assert_allclose(m.evaluate(ds, steps=1, verbose=0),
                               m.evaluate(X[:8], Y[:8], verbose=0), rtol=1e-5)


def test_steps_per_epoch_continues_the_iterator_across_epochs():
    m = _model()
    cb = Sizes()
    ds = tf.data.Dataset.from_tensor_slices((X[:10], Y[:10])).batch(4).repeat()
    val = tf.data.Dataset.from_tensor_slices((X, Y)).batch(5).repeat()
    h = m.fit(ds, epochs=3, steps_per_epoch=2, verbose=0, callbacks=[cb],
              validation_data=val, validation_steps=2)
    assert cb.sizes == [4, 4, 2, 4, 4, 2]                    # 10 samples: 4, 4, 2, 4, ...
    assert len(h.history["val_loss"]) == 3
    vl = m.evaluate(X[:10], Y[:10], verbose=0)[0]
    np.testing.assert_allclose(h.history["val_loss"][-1], vl, rtol=1e-5)


def test_finite_dataset_restarts_each_epoch_and_running_out_warns():
    m = _model()
    cb = Sizes()
    ds = tf.data.Dataset.from_tensor_slices((X[:10], Y[:10])).batch(4)
    m.fit(ds, epochs=2, verbose=0, callbacks=[cb])
    assert cb.sizes == [4, 4, 2, 4, 4, 2]
    with pytest.warns(UserWarning, match="Your dataset iterator ran out of data"):
        m.fit(ds, epochs=3, steps_per_epoch=2, verbose=0, callbacks=[cb])
    assert cb.sizes == [4, 4, 2]


def test_sample_weights_in_the_dataset_and_predict():
    w = np.linspace(0.5, 2.0, 20).astype(np.float32)
    m = _model()
    ref = m.fit(X, Y, sample_weight=w, batch_size=10, epochs=1, shuffle=False, verbose=0)
    m = _model()
    h = m.fit(tf.data.Dataset.from_tensor_slices((X, Y, w)).batch(10), verbose=0)
    np.testing.assert_allclose(h.history["loss"], ref.history["loss"], rtol=1e-5)
    xs_only = tf.data.Dataset.from_tensor_slices(X).batch(6)
    pairs = tf.data.Dataset.from_tensor_slices((X, Y)).batch(6)
    want = m.predict(X)
    np.testing.assert_allclose(m.predict(xs_only), want, rtol=1e-6)
    np.testing.assert_allclose(m.predict(pairs, steps=2), want[:12], rtol=1e-6)


def test_errors_with_tensorflow_wording():
    m = _model()
    rep = tf.data.Dataset.from_tensor_slices((X, Y)).batch(4).repeat()
    with pytest.raises(ValueError, match="When passing an infinitely repeating dataset, you "
                                         "must specify the `steps_per_epoch` argument"):
        m.fit(rep, verbose=0)
    with pytest.raises(ValueError, match="must specify the `steps` argument"):
        m.evaluate(rep, verbose=0)
    ds = tf.data.Dataset.from_tensor_slices((X, Y)).batch(4)
    with pytest.raises(ValueError, match=r"you should not specify a target \(`y`\)"):
        m.fit(ds, Y, verbose=0)
    with pytest.raises(ValueError, match="`sample_weight` argument is not supported"):
        m.fit(ds, sample_weight=np.ones(20), verbose=0)
    with pytest.raises(ValueError, match="`validation_split` argument is not supported"):
        m.fit(ds, validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="list or tuple of 2 or 3 elements"):
        m.fit(tf.data.Dataset.from_tensor_slices(X).batch(4), verbose=0)


def test_functional_model_with_named_inputs_from_a_dataset():
    from dlcore_static.keras.layers import Input, concatenate
    from dlcore_static.keras.models import Model

    def build():
        K.clear_session()
        a, b = Input((2,), name="a"), Input((3,), name="b")
        out = Dense(1, kernel_initializer="ones")(concatenate([a, b]))
        m = Model([a, b], out)
        m.compile(tf.train.GradientDescentOptimizer(0.05), "mse")
        return m
    xa, xb = X[:6, :2], X[:6, 1:]
    y = Y[:6, None]
    ref = build().fit([xa, xb], y, batch_size=3, shuffle=False, verbose=0).history["loss"]
    m = build()
    ds = tf.data.Dataset.from_tensor_slices(({"a": xa, "b": xb}, y)).batch(3)
    np.testing.assert_allclose(m.fit(ds, verbose=0).history["loss"], ref, rtol=1e-5)
    tup = tf.data.Dataset.from_tensor_slices(((xa, xb), y)).batch(4)
    np.testing.assert_allclose(m.predict(tup), m.predict([xa, xb]), rtol=1e-6)
