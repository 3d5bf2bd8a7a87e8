"""Keras 3's custom steps: ``test_step`` and ``predict_step`` overrides run in evaluate,
predict, the ``*_on_batch`` methods and fit's validation, and Keras 3's default steps run
where a class overrides only ``train_step``.

The models are keras.io's "Customizing what happens in fit()" programs (TensorFlow version,
imports renamed ``keras`` -> ``dlcore_static.keras``, ``tensorflow`` -> ``dlcore_static``).
Where the installed Keras 3 (NumPy backend: evaluate and predict, no fit) can run the same
class with the same weights, the results are compared with it; otherwise with NumPy.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras
from tests.io.real_keras import keras3


def _guide_eval_model(K):
    """keras.io: "Providing your own evaluation step"."""

    class CustomModel(K.Model):
        def test_step(self, data):
            # Unpack the data
            x, y = data
            # Compute predictions
            y_pred = self(x, training=False)
            # Updates the metrics tracking the loss
            loss = self.compute_loss(y=y, y_pred=y_pred)
            # Update the metrics.
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            # Return a dict mapping metric names to current value.
            # Note that it will include the loss (tracked in self.metrics).
            return {m.name: m.result() for m in self.metrics}

    inputs = K.Input(shape=(32,))
    outputs = K.layers.Dense(1)(inputs)
    model = CustomModel(inputs, outputs)
    model.compile(loss="mse", metrics=["mae"])
    return model


def _guide_weighted_train_model(K, GradientTape):
    """keras.io: "Supporting sample_weight & class_weight", with its evaluation step."""

    class CustomModel(K.Model):
        def train_step(self, data):
            # Unpack the data. Its structure depends on your model and
            # on what you pass to `fit()`.
            if len(data) == 3:
                x, y, sample_weight = data
            else:
                sample_weight = None
                x, y = data

            with GradientTape() as tape:
                y_pred = self(x, training=True)  # Forward pass
                # Compute the loss value.
                # The loss function is configured in `compile()`.
                loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)

            # Compute gradients
            trainable_vars = self.trainable_variables
            gradients = tape.gradient(loss, trainable_vars)

            # Update weights
            self.optimizer.apply(gradients, trainable_vars)

            # Update the metrics.
            # Metrics are configured in `compile()`.
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred, sample_weight=sample_weight)

            # Return a dict mapping metric names to current value.
            # Note that it will include the loss (tracked in self.metrics).
            return {m.name: m.result() for m in self.metrics}

    inputs = K.Input(shape=(32,))
    outputs = K.layers.Dense(1)(inputs)
    model = CustomModel(inputs, outputs)
    model.compile(optimizer=K.optimizers.SGD(learning_rate=0.05), loss="mse", metrics=["mae"])
    return model


def _data(n=1000, seed=0):
    rs = np.random.RandomState(seed)
    return rs.random_sample((n, 32)).astype("float32"), rs.random_sample((n, 1)).astype("float32")


def test_guide_evaluation_step_matches_keras3():
    k3 = keras3()
    x, y = _data()
    ours, ref = _guide_eval_model(keras), _guide_eval_model(k3)
    ref.set_weights(ours.get_weights())
    got = ours.evaluate(x, y, verbose=0)
    want = ref.evaluate(x, y, verbose=0)
    assert got == pytest.approx(want, rel=1e-5)
    # the logs are the last batch's metric values: the loss tracker's mean of the 32 batch
    # losses (the last batch of 8 weighs as much as the others), compile_metrics' mae
    w, b = ours.get_weights()
    r = x @ w + b - y
    batch_mse = [np.mean(r[i:i + 32] ** 2) for i in range(0, 1000, 32)]
    assert got == pytest.approx([np.mean(batch_mse), np.mean(np.abs(r))], rel=1e-5)
    assert ours.evaluate(x, y, verbose=0, return_dict=True) == \
        pytest.approx(ref.evaluate(x, y, verbose=0, return_dict=True), rel=1e-5)
    assert ours.evaluate(x, y, batch_size=1000, verbose=0) == \
        pytest.approx([np.mean(r ** 2), np.mean(np.abs(r))], rel=1e-5)   # metrics were reset


def test_custom_test_step_reads_what_keras3_passes_it():
    k3 = keras3()
    x, y = _data(8)

    def model(K):
        seen = []

        class Spy(K.Model):
            def test_step(self, data):
                seen.append(("test", len(data) if isinstance(data, tuple) else 0))
                return super().test_step(data)

            def predict_step(self, data):
                seen.append(("predict", len(data) if isinstance(data, tuple) else 0))
                return super().predict_step(data)

        i = K.Input((32,))
        m = Spy(i, K.layers.Dense(1)(i))
        m.compile(optimizer="sgd", loss="mse", metrics=["mae"])
        return m, seen

    (ours, got), (ref, want) = model(keras), model(k3)
    ref.set_weights(ours.get_weights())
    for m in (ours, ref):
        res = [m.evaluate(x, y, verbose=0), m.evaluate(x, y, sample_weight=np.ones(8), verbose=0),
               m.test_on_batch(x, y), m.test_on_batch(x, y, return_dict=True),
               m.predict(x, verbose=0), m.predict_on_batch(x)]
        if m is ours:
            mine = res
    for a, b in zip(mine, res):
        if isinstance(a, dict):
            assert a == pytest.approx(b, rel=1e-5)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-5)
    # evaluate: (x, y), (x, y, w); test_on_batch: (x, y, None); predict: x; on batch: (x,)
    assert sorted(set(got)) == sorted(set(want)) == \
        [("predict", 0), ("predict", 1), ("test", 2), ("test", 3)]


def test_default_test_and_predict_steps_after_custom_train_step_match_keras3():
    k3 = keras3()
    x, y = _data(200)
    ours = _guide_weighted_train_model(keras, tf.GradientTape)
    ref = _guide_weighted_train_model(k3, object)
    sw = np.random.RandomState(1).random_sample((200, 1)).astype("float32")
    h = ours.fit(x, y, sample_weight=sw, epochs=3, batch_size=50, verbose=0,
                 validation_data=(x[:64], y[:64]))
    assert sorted(h.history) == ["loss", "mae", "val_loss", "val_mae"]
    ref.set_weights(ours.get_weights())
    want = ref.evaluate(x[:64], y[:64], verbose=0, return_dict=True)
    assert ours.evaluate(x[:64], y[:64], verbose=0, return_dict=True) == \
        pytest.approx(want, rel=1e-5)
    assert [h.history["val_loss"][-1], h.history["val_mae"][-1]] == \
        pytest.approx([want["loss"], want["mae"]], rel=1e-5)
    np.testing.assert_allclose(ours.predict(x, verbose=0), ref.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_weighted_custom_train_step_one_sgd_step_like_numpy():
    x, y = _data(64)
    model = _guide_weighted_train_model(keras, tf.GradientTape)
    w0, b0 = model.get_weights()
    sw = np.linspace(0.0, 2.0, 64, dtype="float32")[:, None]
    h = model.fit(x, y, sample_weight=sw, batch_size=64, epochs=1, verbose=0, shuffle=False)
    r = x @ w0 + b0 - y
    loss = np.mean(r ** 2 * sw)                    # the compiled mse, weighted
    grad = 2 * r * sw / 64
    np.testing.assert_allclose(model.get_weights()[0], w0 - 0.05 * x.T @ grad, rtol=1e-4)
    assert h.history["loss"] == pytest.approx([loss], rel=1e-5)
    assert h.history["mae"] == pytest.approx([np.sum(np.abs(r) * sw) / np.sum(sw)], rel=1e-5)


def test_fit_validation_split_runs_the_custom_test_step():
    x, y = _data(100)
    calls = []

    class CustomModel(keras.Model):
        def test_step(self, data):
            calls.append("test")
            x, y = data
            y_pred = self(x, training=False)
            return {"gap": keras.ops.mean(keras.ops.abs(y_pred - y))}

    i = keras.Input((32,))
    model = CustomModel(i, keras.layers.Dense(1)(i))
    model.compile(optimizer="sgd", loss="mse")
    h = model.fit(x, y, epochs=2, batch_size=20, validation_split=0.2, verbose=0)
    assert sorted(h.history) == ["loss", "val_gap"] and calls == ["test"]   # built once
    last = np.abs(model.predict(x[80:]) - y[80:])
    assert h.history["val_gap"][-1] == pytest.approx(np.mean(last[-20:]), rel=1e-5)


def test_predict_step_override_returns_its_structure_like_keras3():
    k3 = keras3()
    x = _data(70)[0]

    def model(K):
        class Probs(K.Model):
            def predict_step(self, data):
                logits = self(data, training=False)
                return {"probs": K.ops.softmax(logits), "label": K.ops.argmax(logits, axis=-1)}

        i = K.Input((32,))
        return Probs(i, K.layers.Dense(3)(i))

    ours, ref = model(keras), model(k3)
    ref.set_weights(ours.get_weights())
    got, want = ours.predict(x, batch_size=32), ref.predict(x, batch_size=32, verbose=0)
    assert sorted(got) == sorted(want) == ["label", "probs"]
    np.testing.assert_allclose(got["probs"], want["probs"], rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(got["label"], want["label"])
    np.testing.assert_allclose(ours.predict_on_batch(x[:5])["probs"], got["probs"][:5],
                               rtol=1e-6)


def test_model_without_call_evaluates_through_its_test_step():
    x, y = _data(40)

    class Linear(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1, kernel_initializer="ones")
            self.tracker = keras.metrics.Mean(name="loss")

        @property
        def metrics(self):
            return [self.tracker]

        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                loss = keras.ops.mean(keras.ops.square(self.dense(x) - y))
            grads = tape.gradient(loss, self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
            self.tracker.update_state(loss)
            return {"loss": self.tracker.result()}

        def test_step(self, data):
            x, y = data
            self.tracker.update_state(keras.ops.mean(keras.ops.square(self.dense(x) - y)))
            return {"loss": self.tracker.result()}

    model = Linear()
    model.compile(optimizer="sgd")
    h = model.fit(x, y, epochs=1, batch_size=40, validation_data=(x, y), verbose=0)
    w, b = model.get_weights()
    mse = float(np.mean((x @ w + b - y) ** 2))
    assert h.history["val_loss"] == pytest.approx([mse], rel=1e-5)
    assert model.evaluate(x, y, batch_size=40) == pytest.approx(mse, rel=1e-5)   # one value
    with pytest.raises(NotImplementedError, match="custom train_step and no call"):
        model.predict(x)


def test_tf_keras_era_compiled_loss_and_metrics_shims_as_keras3_tensorflow():
    """Keras 3's TensorFlow backend keeps ``compiled_loss`` and ``compiled_metrics`` for
    tf.keras code, with warnings; its ``compiled_metrics`` updates the loss tracker (a Mean)
    with ``y_pred``."""
    x, y = _data(16)

    class Old(keras.Model):
        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.compiled_metrics.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    i = keras.Input((32,))
    model = Old(i, keras.layers.Dense(1)(i))
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse", metrics=["mae"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    said = " ".join(str(c.message) for c in caught)
    assert "`model.compiled_loss()` is deprecated" in said
    assert "`model.compiled_metrics()` is deprecated" in said
    p = model.predict(x)
    assert h.history["loss"] == pytest.approx([float(np.mean(p))], rel=1e-5)
    assert h.history["mae"] == pytest.approx([float(np.mean(np.abs(p - y)))], rel=1e-5)


def test_evaluate_refuses_unknown_arguments_as_keras3():
    model = _guide_eval_model(keras)
    x, y = _data(4)
    with pytest.raises(ValueError, match="Arguments not recognized: {'nope': 1}"):
        model.evaluate(x, y, nope=1)


def test_class_weight_is_keras3s_sample_weight_of_each_class():
    x, _ = _data(40)
    y = (np.arange(40) % 2).astype("float32")[:, None]
    runs, start = [], None
    for kw in ({"class_weight": {0: 0.5, 1: 2.0}},
               {"sample_weight": np.where(y[:, 0] > 0, 2.0, 0.5).astype("float32")}):
        model = _guide_weighted_train_model(keras, tf.GradientTape)
        start = model.get_weights() if start is None else start
        model.set_weights(start)
        h = model.fit(x, y, batch_size=20, epochs=2, shuffle=False, verbose=0,
                      validation_data=[x[:10], y[:10]], **kw)   # (a list reads as a tuple)
        runs.append((model.get_weights(), h.history))
    for a, b in zip(runs[0][0], runs[1][0]):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert runs[0][1] == pytest.approx(runs[1][1])
    with pytest.raises(ValueError, match="You cannot `class_weight` and `sample_weight` at the "
                                         "same time."):
        model.fit(x, y, class_weight={0: 1.0}, sample_weight=np.ones(40), verbose=0)
