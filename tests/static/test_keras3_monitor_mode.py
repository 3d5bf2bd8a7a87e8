"""EarlyStopping, ModelCheckpoint and ReduceLROnPlateau with ``mode="auto"`` follow Keras 3's
``MonitorCallback._set_monitor_op``: at the first epoch's end, ``loss`` goes down and a
compiled metric goes the way it says (accuracies, AUC, precision, recall, cosine similarity
up; errors, crossentropies, hinge down); where Keras 3 cannot tell (a metric function of the
user's, a name no compiled metric has) it raises its ValueError.  Each case is compared with
the installed Keras 3.  One departure (fidtf12): Keras 2's ``acc``/``val_acc`` for a metric
compiled as ``accuracy`` goes up and reads the ``accuracy`` log, as Keras 2.2 and tf.keras 1.15
(which logged it as ``acc``) did for the Keras 2 examples that monitor it; Keras 3 raises."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore_static import keras
from tests.io.real_keras import keras3


def my_metric(y_true, y_pred):
    return y_pred[:, 0] * 0.0


def _model(K, metric):
    m = K.Sequential([K.Input((3,)), K.layers.Dense(2, activation="softmax")])
    m.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=[metric])
    x, y = np.ones((4, 3), "float32"), np.eye(2, dtype="float32")[[0, 1, 0, 1]]
    m.evaluate(x, y, verbose=0)                    # (Keras 3 builds its metrics here)
    return m


def _outcome(K, metric, monitor, cls="EarlyStopping"):
    """'up', 'down' or the ValueError's text, after one epoch's end."""
    model = _model(K, metric)
    cb = getattr(K.callbacks, cls)(**({"filepath": "never.keras", "save_best_only": True}
                                      if cls == "ModelCheckpoint" else {}), monitor=monitor)
    cb.set_model(model)
    cb.on_train_begin({})
    try:
        cb._set_monitor_op() if cb.monitor_op is None else None
    except ValueError as e:
        return str(e)
    return "up" if cb.monitor_op(1.0, 0.0) else "down"


CASES = [("accuracy", "val_accuracy"), ("accuracy", "accuracy"), ("mae", "val_mae"),
         ("mse", "mse"), ("binary_crossentropy", "val_binary_crossentropy"),
         ("categorical_accuracy", "val_categorical_accuracy"), ("accuracy", "val_loss"),
         ("mae", "val_mean_absolute_error"), ("accuracy", "lr"),
         ("cosine_similarity", "cosine_similarity")]


@pytest.mark.parametrize("metric,monitor", CASES)
def test_auto_mode_matches_keras3(metric, monitor):
    k3 = keras3()
    assert _outcome(keras, metric, monitor) == _outcome(k3, metric, monitor)


@pytest.mark.parametrize("cls", ["EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau"])
def test_keras2_acc_for_accuracy_goes_up_where_keras3_raises(cls):
    assert _outcome(keras, "accuracy", "val_acc", cls) == "up"
    assert _outcome(keras, "accuracy", "acc", cls) == "up"
    assert "isn't able to automatically determine" in _outcome(keras3(), "accuracy", "val_acc",
                                                               cls)


@pytest.mark.parametrize("cls", ["EarlyStopping", "ModelCheckpoint", "ReduceLROnPlateau"])
def test_user_metric_function_cannot_be_told(cls):
    k3 = keras3()
    want = _outcome(k3, my_metric, "val_my_metric", cls)
    assert want.startswith(f"{cls} callback received monitor=val_my_metric, but Keras isn't")
    assert _outcome(keras, my_metric, "val_my_metric", cls) == want


def test_explicit_mode_and_fit_raise_at_the_first_epoch_end():
    x, y = np.ones((4, 3), "float32"), np.eye(2, dtype="float32")[[0, 1, 0, 1]]
    m = _model(keras, my_metric)
    es = keras.callbacks.EarlyStopping(monitor="my_metric", mode="max")
    m.fit(x, y, epochs=2, verbose=0, callbacks=[es])       # max: no question asked
    assert es.monitor_op(1.0, 0.0)
    with pytest.raises(ValueError, match="isn't able to automatically determine"):
        m.fit(x, y, epochs=2, verbose=0,
              callbacks=[keras.callbacks.EarlyStopping(monitor="my_metric")])
    assert _outcome(keras, "accuracy", "val_accuracy") == "up"
    assert _outcome(keras, "mae", "val_loss") == "down"


@pytest.mark.parametrize("path,weights_only", [
    ("m.ckpt", False), ("m", False), ("m.keras", True),
    ("m.ckpt", True), ("w-{epoch:02d}", True)])
def test_checkpoint_extension_errors_are_keras3s(path, weights_only):
    k3 = keras3()
    msgs = []
    for K in (k3, keras):
        with pytest.raises(ValueError) as e:
            K.callbacks.ModelCheckpoint(path, save_weights_only=weights_only)
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


@pytest.mark.parametrize("path,weights_only", [
    ("m.keras", False), ("m.h5", False), ("m.weights.h5", True)])
def test_checkpoint_extensions_keras3_accepts(path, weights_only):
    k3 = keras3()
    for K in (k3, keras):
        K.callbacks.ModelCheckpoint(path, save_weights_only=weights_only)
    # Keras 2's and dlcore's documented formats stay accepted (Keras 3 refuses them)
    for p, w in (("m.hdf5", False), ("w.h5", True), ("w.hdf5", True), ("w.npz", True)):
        keras.callbacks.ModelCheckpoint(p, save_weights_only=w)
