"""The steering callbacks print Keras 3's messages and follow Keras 3's rules.

Each test drives dlcore's callback and the installed Keras 3's (NumPy backend, which cannot
``fit``: the events are called by hand, as ``fit`` calls them) through the same sequence of
epoch logs and compares what both print, to the character; exact strings are checked too, so
the messages stay pinned where Keras 3 is not installed.
"""

from __future__ import annotations

import contextlib
import io
import warnings

import numpy as np
import pytest

from dlcore_static import keras
from tests.io.real_keras import keras3

VAL_LOSSES = [0.5, 0.4, 0.45, 0.3, 0.31, 0.32, 0.33]


def _ours_model():
    m = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    m.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="mse")
    return m


def _keras3_model(k3):
    m = k3.Sequential([k3.Input((3,)), k3.layers.Dense(2)])
    m.compile(optimizer=k3.optimizers.SGD(learning_rate=0.01), loss="mse")
    return m


def _drive(cb, model, losses, key="val_loss"):
    """What ``cb`` prints over a fit whose epochs end with ``losses`` (stops when it says)."""
    cb.set_model(model)
    model.stop_training = False
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cb.on_train_begin({})
        for epoch, v in enumerate(losses):
            cb.on_epoch_begin(epoch, {})
            cb.on_epoch_end(epoch, {"loss": v + 0.1, key: v})
            if model.stop_training:
                break
        cb.on_train_end({})
    return out.getvalue()


def test_early_stopping_messages_are_keras3s():
    cb = keras.callbacks.EarlyStopping(patience=2, verbose=1, restore_best_weights=True)
    text = _drive(cb, _ours_model(), VAL_LOSSES)
    assert text == ("Epoch 6: early stopping\n"
                    "Restoring model weights from the end of the best epoch: 4.\n")
    assert cb.stopped_epoch == 5 and cb.best == 0.3 and cb.best_epoch == 3


def test_model_checkpoint_messages_are_keras3s(tmp_path):
    path = str(tmp_path / "m.keras")
    cb = keras.callbacks.ModelCheckpoint(path, save_best_only=True, verbose=1)
    text = _drive(cb, _ours_model(), VAL_LOSSES[:3])
    assert text == (f"\nEpoch 1: val_loss improved from None to 0.50000, saving model to {path}\n"
                    f"\nEpoch 1: finished saving model to {path}\n"
                    f"\nEpoch 2: val_loss improved from 0.50000 to 0.40000, saving model to "
                    f"{path}\n"
                    f"\nEpoch 2: finished saving model to {path}\n"
                    "\nEpoch 3: val_loss did not improve from 0.40000\n")
    every = keras.callbacks.ModelCheckpoint(str(tmp_path / "e{epoch}.keras"), verbose=1)
    assert _drive(every, _ours_model(), [0.5]) == \
        (f"\nEpoch 1: saving model to {tmp_path / 'e1.keras'}\n"
         f"\nEpoch 1: finished saving model to {tmp_path / 'e1.keras'}\n")
    assert (tmp_path / "e1.keras").exists()
    start = keras.callbacks.ModelCheckpoint(path, save_best_only=True, verbose=1,
                                            initial_value_threshold=0.45)
    assert _drive(start, _ours_model(), [0.5]) == \
        "\nEpoch 1: val_loss did not improve from 0.45000\n"


def test_learning_rate_callbacks_messages_are_keras3s():
    sched = keras.callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1), verbose=1)
    assert _drive(sched, _ours_model(), [0.5, 0.4]) == (
        "\nEpoch 1: LearningRateScheduler setting learning rate to 0.1.\n"
        "\nEpoch 2: LearningRateScheduler setting learning rate to 0.05.\n")
    plateau = keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=1, verbose=1)
    # the rate is a float32 variable: 0.01 reads 0.009999999776482582 (as in Keras 3)
    assert _drive(plateau, _ours_model(), [0.5, 0.6]) == \
        "\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.004999999888241291.\n"


def test_unknown_mode_warning_is_keras3s():
    with pytest.warns(UserWarning, match="EarlyStopping mode 'up' is unknown, fallback to "
                                         "auto mode."):
        keras.callbacks.EarlyStopping(mode="up")


def test_model_checkpoint_rejects_batch_save_freq_clearly():
    with pytest.raises(ValueError, match="Unrecognized save_freq: 5"):
        keras.callbacks.ModelCheckpoint("m.keras", save_freq=5)


@pytest.mark.parametrize("make", [
    lambda K, p: K.callbacks.EarlyStopping(patience=2, verbose=1, restore_best_weights=True),
    lambda K, p: K.callbacks.EarlyStopping(patience=1, verbose=1, start_from_epoch=2),
    lambda K, p: K.callbacks.EarlyStopping(patience=1, verbose=1, baseline=0.35),
    lambda K, p: K.callbacks.ModelCheckpoint(p, save_best_only=True, verbose=1),
    lambda K, p: K.callbacks.ModelCheckpoint(p, save_best_only=True, verbose=1,
                                             initial_value_threshold=0.42),
    lambda K, p: K.callbacks.ModelCheckpoint(p, verbose=1),
    lambda K, p: K.callbacks.ReduceLROnPlateau(factor=0.5, patience=1, verbose=1),
    lambda K, p: K.callbacks.ReduceLROnPlateau(factor=0.5, patience=1, cooldown=1, verbose=1,
                                               min_lr=0.004),
    lambda K, p: K.callbacks.LearningRateScheduler(lambda e, lr: lr * 0.5, verbose=1),
], ids=["early", "early_start", "early_baseline", "ckpt_best", "ckpt_threshold", "ckpt_all",
        "plateau", "plateau_cooldown", "scheduler"])
def test_printed_text_matches_installed_keras3(make, tmp_path):
    k3 = keras3()
    path = str(tmp_path / "m.keras")
    want = _drive(make(k3, path), _keras3_model(k3), VAL_LOSSES)
    got = _drive(make(keras, path), _ours_model(), VAL_LOSSES)
    assert got == want
    assert want                                   # every case prints something


def test_early_stopping_rules_match_keras3():
    k3 = keras3()
    for losses in ([1.0, 1.0, 1.0], [3, 2, 1, 1.5, 1.2, 0.9, 2, 2, 2], [0.1] * 5):
        for kw in ({"patience": 0}, {"patience": 2, "min_delta": 0.2},
                   {"patience": 1, "baseline": 0.5}, {"patience": 1, "start_from_epoch": 3}):
            ref, ours = k3.callbacks.EarlyStopping(**kw), keras.callbacks.EarlyStopping(**kw)
            _drive(ref, _keras3_model(k3), losses)
            _drive(ours, _ours_model(), losses)
            assert (ours.stopped_epoch, ours.best, ours.wait) == \
                (ref.stopped_epoch, ref.best, ref.wait), (losses, kw)


def test_reduce_lr_uses_the_float32_rate_as_keras3():
    k3 = keras3()
    ref, ours = _keras3_model(k3), _ours_model()
    for m, K in ((ref, k3), (ours, keras)):
        cb = K.callbacks.ReduceLROnPlateau(factor=0.1, patience=0, min_lr=1e-4)
        _drive(cb, m, [1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(float(keras.backend.get_value(ours.optimizer.lr)),
                               float(np.asarray(ref.optimizer.learning_rate)), rtol=1e-6)


def test_terminate_on_nan_as_keras3():
    m = _ours_model()
    cb = keras.callbacks.TerminateOnNaN()
    cb.set_model(m)
    m.stop_training = False
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cb.on_batch_end(3, {"loss": float("nan")})
    assert out.getvalue() == "Batch 3: Invalid loss, terminating training\n" and m.stop_training
    strict = keras.callbacks.TerminateOnNaN(raise_error=True)
    strict.set_model(m)
    with pytest.raises(RuntimeError, match=r"^NaN or Inf loss encountered at batch 2\. Loss "
                                           r"value: inf\. Terminating training immediately\.$"):
        strict.on_batch_end(2, {"loss": float("inf")})
