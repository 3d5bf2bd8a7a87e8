"""Compiled metrics' names as tf.keras 2 sets them (``compile_utils._set_metric_names``, the
Keras semantics dlcore follows): the output's name first in a multi-output model, ``weighted_``
before a weighted metric whose name is taken, one list of metrics per output, and a repeated
name a ``ValueError: Found two metrics with the same name: a_mae`` (Keras 3 appends ``_1``; a
silent merge lost one of the two), raised by compile with the model left as it was."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore_static import keras

X = np.random.default_rng(0).standard_normal((8, 3)).astype("float32")
Y = [X[:, :1] * 2, X[:, 1:2] - 1]


def _two():
    x = keras.Input((3,))
    return keras.Model(x, [keras.layers.Dense(1, name="a")(x), keras.layers.Dense(1, name="b")(x)])


def _one():
    x = keras.Input((3,))
    return keras.Model(x, keras.layers.Dense(1, name="a")(x))


@pytest.mark.parametrize("metrics, weighted, keys", [
    ({"a": "mae", "b": ["mae", "mse"]}, None, ["a_mae", "b_mae", "b_mse"]),
    ([["mae"], ["mse", "mae"]], None, ["a_mae", "b_mse", "b_mae"]),   # (a list per output)
    ([["mae"], None], None, ["a_mae"]),
    (["mae"], {"a": "mae"}, ["a_mae", "a_weighted_mae", "b_mae"]),
    ({"a": [keras.metrics.MeanAbsoluteError(name="z")],
      "b": [keras.metrics.MeanAbsoluteError(name="z")]}, None, ["a_z", "b_z"]),
])
def test_multi_output_names(metrics, weighted, keys):
    m = _two()
    m.compile("sgd", "mse", metrics=metrics, weighted_metrics=weighted)
    assert m.metrics_names == ["loss", "a_loss", "b_loss"] + keys
    h = m.fit(X, Y, epochs=1, verbose=0)
    assert sorted(h.history) == sorted(["loss", "a_loss", "b_loss"] + keys)
    got = m.evaluate(X, Y, verbose=0)
    pred = m.predict(X, verbose=0)
    want = {"a_mae": np.mean(np.abs(pred[0] - Y[0])), "b_mae": np.mean(np.abs(pred[1] - Y[1])),
            "b_mse": np.mean((pred[1] - Y[1]) ** 2), "a_z": np.mean(np.abs(pred[0] - Y[0])),
            "b_z": np.mean(np.abs(pred[1] - Y[1])),
            "a_weighted_mae": np.mean(np.abs(pred[0] - Y[0]))}
    for k, v in zip(m.metrics_names[3:], got[3:]):
        np.testing.assert_allclose(v, want[k], rtol=1e-5)


@pytest.mark.parametrize("model, metrics, name", [
    (_two, {"a": ["mae", "mae"]}, "a_mae"),
    (_two, [["mae", "mean_absolute_error", "mae"], ["mse"]], "a_mae"),
    (_one, ["mae", "mae"], "mae"),
    (_one, [keras.metrics.MeanAbsoluteError(name="z"), keras.metrics.MeanSquaredError(name="z")],
     "z"),
])
def test_a_repeated_name_is_compiles_error_and_the_model_is_unchanged(model, metrics, name):
    m = model()
    m.compile("sgd", "mse", metrics=["mse"])
    before = list(m.metrics_names)
    with pytest.raises(ValueError, match=f"^Found two metrics with the same name: {name}$"):
        m.compile("adam", "mae", metrics=metrics)
    assert m.metrics_names == before and m.loss == "mse"
    assert type(m.optimizer).__name__ == "SGD"
    y = Y if len(m.outputs) == 2 else Y[0]
    h = m.fit(X, y, epochs=1, verbose=0)                   # (still compiled as before)
    assert sorted(h.history) == sorted(before)


def test_single_output_weighted_name_taken():
    m = _one()
    m.compile("sgd", "mse", metrics=["mae"], weighted_metrics=["mae"])
    assert m.metrics_names == ["loss", "mae", "weighted_mae"]
