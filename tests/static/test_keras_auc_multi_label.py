"""keras.metrics.AUC(multi_label=True) (one curve per label, their mean or label_weights'
weighted mean) and label_weights on the flattened counts, against real Keras 3.15's metric on
the same predictions: ROC and PR, every summation method, sample weights of shape (batch,);
its config round-trips; in fit, the epoch's value is the whole epoch's multi-label AUC."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore_static import keras
from dlcore_static.keras import layers as L
from tests.io.real_keras import keras3

RNG = np.random.default_rng(0)
Y = (RNG.random((30, 3)) > 0.5).astype("float32")
P = RNG.random((30, 3)).astype("float32")
SW = RNG.random(30).astype("float32")


@pytest.mark.parametrize("kw", [
    {"multi_label": True}, {"multi_label": True, "curve": "PR"},
    {"multi_label": True, "label_weights": [1, 0, 3]},
    {"multi_label": False, "label_weights": [1, 0.5, 3]},
    {"multi_label": True, "num_labels": 3, "summation_method": "majoring", "num_thresholds": 9},
    {"multi_label": True, "curve": "PR", "summation_method": "minoring"}])
def test_multi_label_auc_equals_keras3(kw):
    k3 = keras3()
    for w in (None, SW):
        want = k3.metrics.AUC(**kw)
        want.update_state(Y, P, sample_weight=w)
        want.update_state(Y[:10], P[:10] * 0.9)
        keras.backend.clear_session()
        m = keras.metrics.AUC(**kw)
        ups = [m.update_state(Y, P, sample_weight=w), m.update_state(Y[:10], P[:10] * 0.9)]
        sess = keras.backend.get_session()
        for up in ups:
            sess.run(up)
        np.testing.assert_allclose(sess.run(m.result()), np.asarray(want.result()), rtol=1e-5)
    config = m.get_config()
    assert config["multi_label"] == kw["multi_label"] and config["num_labels"] in (3, None)
    again = type(m)(**{k: v for k, v in config.items() if k != "dtype"})
    assert again.get_config() == config


def test_multi_label_auc_in_fit_counts_the_epoch():
    k3 = keras3()
    keras.backend.clear_session()
    x = RNG.normal(size=(24, 4)).astype("float32")
    model = keras.models.Sequential([L.Dense(3, activation="sigmoid", input_shape=(4,))])
    model.compile(keras.optimizers.SGD(learning_rate=0.0), "binary_crossentropy",
                  metrics=[keras.metrics.AUC(multi_label=True, name="auc")])
    p = model.predict(x)
    want = k3.metrics.AUC(multi_label=True)
    want.update_state(Y[:24], p)
    hist = model.fit(x, Y[:24], batch_size=8, epochs=2, verbose=0).history
    np.testing.assert_allclose(hist["auc"], [float(np.asarray(want.result()))] * 2, rtol=1e-5)
    with pytest.raises(ValueError, match="number of labels is not known"):
        keras.metrics.AUC(multi_label=True).result()
