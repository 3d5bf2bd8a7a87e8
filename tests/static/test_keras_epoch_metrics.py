"""Keras's confusion metrics (Precision, Recall, AUC, TruePositives, ...) accumulated over the
whole epoch in fit and evaluate (not batch-averaged), against real Keras 3.15's metric objects
on the same predictions; and Reshape with a -1 entry and an unknown batch."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore_static import keras
from dlcore_static.keras import layers as L
from tests.io.real_keras import keras3

RNG = np.random.default_rng(5)
X = RNG.normal(size=(40, 4)).astype("float32")
Y = (X[:, :1] + 0.8 * RNG.normal(size=(40, 1)) > 0).astype("float32")


def _real(k3, cls, y, p, **kw):
    m = getattr(k3.metrics, cls)(**kw)
    m.update_state(y, p)
    return float(np.asarray(m.result()))


def test_evaluate_and_fit_count_the_whole_epoch():
    """Batches of 8 (one plan for evaluate, one for fit); SGD with lr=0 keeps the predictions,
    so each epoch's value is the evaluation's."""
    k3 = keras3()
    keras.backend.clear_session()
    model = keras.models.Sequential([L.Dense(1, activation="sigmoid", input_shape=(4,))])
    model.compile(keras.optimizers.SGD(learning_rate=0.0), "binary_crossentropy",
                  metrics=[keras.metrics.Precision(), keras.metrics.Recall(),
                           keras.metrics.AUC(), "TruePositives"])
    model.layers[0].set_weights([np.array([[1.0], [0.6], [-0.4], [0.3]], "float32"),
                                 np.array([0.1], "float32")])    # mixed predictions
    p = model.predict(X)
    assert 0 < (p > 0.5).sum() < len(p)
    want = [_real(k3, "Precision", Y, p), _real(k3, "Recall", Y, p), _real(k3, "AUC", Y, p),
            _real(k3, "TruePositives", Y, p)]
    got = model.evaluate(X, Y, batch_size=8, verbose=0)
    np.testing.assert_allclose(got[1:], want, rtol=1e-5, atol=1e-6)
    batch_mean = np.mean([_real(k3, "Precision", Y[s:s + 8], p[s:s + 8])
                          for s in range(0, 40, 8)])
    assert abs(batch_mean - want[0]) > 1e-3            # the number a batch average would give
    hist = model.fit(X, Y, batch_size=8, epochs=2, verbose=0, validation_data=(X, Y)).history
    # Keras 3's order: sorted by name, the validation results among them
    assert list(hist) == ["auc", "loss", "precision", "recall", "true_positives", "val_auc",
                          "val_loss", "val_precision", "val_recall", "val_true_positives"]
    for key, w in zip(("precision", "recall", "auc", "true_positives"), want):
        np.testing.assert_allclose(hist[key], [w, w], rtol=1e-5, atol=1e-6)   # reset per epoch
        np.testing.assert_allclose(hist["val_" + key], [w, w], rtol=1e-5, atol=1e-6)


def test_metric_objects_on_their_own_and_errors():
    k3 = keras3()
    keras.backend.clear_session()
    y = np.array([[0, 1, 1, 0, 1]], "float32")
    p = np.array([[0.1, 0.7, 0.4, 0.8, 0.9]], "float32")
    for cls, kw in (("Precision", {"thresholds": [0.3, 0.5, 0.85]}), ("Recall", {}),
                    ("AUC", {"num_thresholds": 7, "summation_method": "minoring"}),
                    ("AUC", {"curve": "PR"}), ("FalseNegatives", {"thresholds": 0.3})):
        m = getattr(keras.metrics, cls)(**kw)
        upd = m.update_state(y, p)
        sess = keras.backend.get_session()
        sess.run(upd)
        sess.run(upd)                                     # the counts add up
        want = getattr(k3.metrics, cls)(**kw)
        want.update_state(y, p)
        want.update_state(y, p)
        np.testing.assert_allclose(sess.run(m.result()), np.asarray(want.result()), rtol=1e-5)
        m.reset_state()
        np.testing.assert_allclose(sess.run(m.result()), 0.0 * np.asarray(want.result()))
    with pytest.raises(ValueError, match="Threshold values must be in \\[0, 1\\]"):
        keras.metrics.Precision(thresholds=1.5)
    with pytest.raises(ValueError, match='Invalid AUC curve value: "XY"'):
        keras.metrics.AUC(curve="XY")


def test_reshape_minus_one_with_unknown_batch():
    keras.backend.clear_session()
    model = keras.models.Sequential([L.Reshape((-1, 2), input_shape=(6,)), L.Dense(1)])
    assert model.output_shape == (None, 3, 1)
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 6)), np.ones((4, 3, 1)), batch_size=3, verbose=0)
    assert model.predict(np.ones((5, 6), "float32")).shape == (5, 3, 1)
    x = keras.Input((4, 6))
    assert tuple(L.Reshape((2, -1))(x).shape.as_list()) == (None, 2, 12)
    with pytest.raises(ValueError, match="total size of new array must be unchanged"):
        L.Reshape((-1, 5))(x)
    with pytest.raises(ValueError, match="Can only specify one unknown dimension"):
        L.Reshape((-1, -1))(x)


def test_auc_config_keeps_explicit_thresholds():
    """Keras writes given thresholds into AUC's config; a copy made from it (compile's copy for a
    second output) must count at those thresholds, not at evenly spaced ones."""
    a = keras.metrics.AUC(thresholds=[0.7, 0.3])
    config = a.get_config()
    assert config["thresholds"] == [0.3, 0.7] and config["num_thresholds"] == 4
    again = type(a)(**{k: v for k, v in config.items() if k != "dtype"})
    np.testing.assert_allclose(again._thresholds[1:-1], [0.3, 0.7])
    assert "thresholds" not in keras.metrics.AUC(num_thresholds=5).get_config()
