"""Programs of the fidelity batch (in this folder, as written; tiny sizes, synthetic data), run
as scripts on dlcore_static: the TF1 CIFAR-10 tutorial's weight-decay losses collection,
ExponentialMovingAverage of the losses (a tensor's shadow starts at zero, so it needs no feed
at initialisation: dlcore initialised it from the tensor, which asked for the placeholder) and
of the variables, staircase exponential_decay, and the evaluation restoring the averages
(tf_cifar10_ema_weight_decay.py); keras.io's imbalanced classification with class_weight,
a kernel_regularizer and the confusion metrics (keras3_imbalanced_class_weight.py)."""

from __future__ import annotations

import numpy as np
import pytest
from test_programs_keras import keras3, line, numbers, run_program  # noqa: F401


def test_tf_cifar10_tutorial_ema_and_weight_decay(capsys):
    out, env = run_program("tf_cifar10_ema_weight_decay.py", capsys)
    assert "losses collection: ['local3/weight_loss', 'local4/weight_loss', 'cross_entropy']" \
        in out
    assert "trainable: 10 averages: conv1/weights/ExponentialMovingAverage" in out
    assert "local3 input dim: [32, 32]" in out
    assert "global step 24 checkpoint model.ckpt-24" in out
    assert "restore names: ['conv1/biases/ExponentialMovingAverage', " \
           "'conv1/weights/ExponentialMovingAverage']" in out
    hist = np.array(env["history"], np.float64)
    steps = np.arange(24)
    np.testing.assert_allclose(hist[:, 1], 0.4 * 0.5 ** (steps // 8), rtol=1e-6)
    avg, shown = 0.0, {}
    for s, loss in enumerate(hist[:, 0]):       # the loss average: zeros, then decay 0.9
        avg = 0.9 * avg + 0.1 * loss
        shown[s] = avg
    for ln in out.splitlines():
        if ln.startswith("step "):
            loss, a, _lr = numbers(ln)
            step = int(ln.split(",")[0].split()[1])
            assert a == pytest.approx(shown[step], abs=2e-4)
            assert loss == pytest.approx(hist[step, 0], abs=1e-4)
    assert hist[-6:, 0].mean() < hist[:6, 0].mean() - 0.2          # it learns
    np.testing.assert_array_equal(env["w_restored"], env["w_avg"])  # the averages restored
    assert not np.array_equal(env["w_avg"], env["w"])
    precision, raw = numbers(line(out, "restored step 24"))
    assert 0 <= precision <= 1 and raw > 0.8


def test_ema_of_a_fed_tensor_starts_at_zero_without_a_feed():
    import dlcore_static as tf
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [2])
    loss = tf.reduce_sum(x * x)
    ema = tf.train.ExponentialMovingAverage(0.9, name="avg")
    op = ema.apply([loss])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())     # no feed needed
        assert sess.run(ema.average(loss)) == 0.0
        sess.run(op, {x: [1.0, 2.0]})
        assert sess.run(ema.average(loss)) == pytest.approx(0.5)
        sess.run(op, {x: [0.0, 1.0]})
        assert sess.run(ema.average(loss)) == pytest.approx(0.9 * 0.5 + 0.1)
    assert ema.average(loss).op.name == "Sum/avg"


def _bce(y, p):
    p = np.clip(p.astype(np.float64), 1e-7, 1 - 1e-7)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p))


def test_keras_imbalanced_classification_with_class_weight(capsys, keras3):  # noqa: F811
    out, env = run_program("keras3_imbalanced_class_weight.py", capsys)
    counts = env["counts"]
    assert f"Number of positive samples in training data: {counts[1]} " in out
    assert "Number of training samples: 480" in out and "Total params: 2,369" in out
    assert "checkpoints: ['fraud_model_at_epoch_1.keras', 'fraud_model_at_epoch_2.keras'] 8" \
        in out
    model, xv, yv = env["model"], env["val_features"], env["val_targets"]
    losses = [numbers(ln)[0] for ln in out.splitlines() if ln.startswith("epoch")]
    assert len(losses) == 8 and losses[-1] < losses[0]
    assert max(losses) < 0.02          # class weights 1/count: the loss is ~1/400 of the BCE
    p = model.predict(xv, verbose=0)[:, 0]
    y = yv[:, 0].astype(np.float64)
    w0 = model.layers[0].get_weights()[0].astype(np.float64)
    reg = 1e-4 * np.sum(w0 * w0)
    res = [float(v) for v in line(out, "evaluate:").split("[")[1].strip("]").replace("'", "")
           .split(",")]
    assert res[0] == pytest.approx(np.mean(_bce(y, p)) + reg, abs=1e-4)
    pos = p > 0.5
    tp, fp = np.sum(pos & (y == 1)), np.sum(pos & (y == 0))
    fn, tn = np.sum(~pos & (y == 1)), np.sum(~pos & (y == 0))
    assert res[1:5] == [fn, fp, tn, tp]
    assert res[5] == pytest.approx(tp / (tp + fp), abs=1e-4)
    assert res[6] == pytest.approx(tp / (tp + fn), abs=1e-4)
    # the sample-weighted loss class_weight becomes: mean(w * bce) + the l2 term
    xt, yt = env["train_features"], env["train_targets"]
    w = np.where(yt[:, 0] == 1, env["weight_for_1"], env["weight_for_0"])
    got = model.evaluate(xt, yt, sample_weight=w, verbose=0)[0]
    pt = model.predict(xt, verbose=0)[:, 0]
    assert got == pytest.approx(np.mean(w * _bce(yt[:, 0], pt)) + reg, rel=1e-3)
    L = keras3.layers                          # the same network in Keras 3, same weights
    ref = keras3.Sequential([keras3.Input((6,)), L.Dense(32, activation="relu"),
                             L.Dense(32, activation="relu"), L.Dropout(0.3),
                             L.Dense(32, activation="relu"), L.Dropout(0.3),
                             L.Dense(1, activation="sigmoid")])
    ref.set_weights(model.get_weights())
    np.testing.assert_allclose(ref.predict(xv, verbose=0)[:, 0], p, atol=1e-5)
