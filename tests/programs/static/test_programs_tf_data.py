"""The tf.data tutorial program (``tf_data_classifier.py``) run as a script: its training is
recomputed in NumPy, batch by batch, in the order its seeded shuffle gives, and its printed
losses, validation accuracies and final weights are checked against that."""

from __future__ import annotations

import os
import re
import runpy

import numpy as np

import dlcore_static as tf

HERE = os.path.dirname(__file__)


def _softmax_xent(logits, y):
    z = logits - logits.max(1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    loss = -np.log(p[np.arange(len(y)), y]).mean()
    g = p.copy()
    g[np.arange(len(y)), y] -= 1
    return loss, g / len(y)


def test_tf_data_classifier_matches_numpy(capsys):
    tf.reset_default_graph()
    env = runpy.run_path(os.path.join(HERE, "tf_data_classifier.py"), run_name="__main__")
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("Epoch:")]
    assert len(lines) == env["training_epochs"] == 8

    # the order of the seeded shuffle (graph seed 1, op seed 42, a buffer of 1000 > 480):
    # a permutation, the same at every initialisation (TF1: re-initialising restarts the seed)
    tf.reset_default_graph()
    tf.set_random_seed(1)
    nxt = tf.data.Dataset.range(480).shuffle(1000, seed=42).batch(480) \
        .make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        order = sess.run(nxt)
    assert sorted(order.tolist()) == list(range(480))

    x = ((env["x_train"] - env["mean"]) / env["std"]).astype(np.float32)[order]
    y = env["y_train"][order]
    xv = ((env["x_val"] - env["mean"]) / env["std"]).astype(np.float32)
    yv = env["y_val"]
    W, b = np.zeros((4, 3), np.float32), np.zeros(3, np.float32)
    for line in lines:
        losses = []
        for i in range(0, 480, 32):
            loss, g = _softmax_xent(x[i:i + 32] @ W + b, y[i:i + 32])
            losses.append(loss)
            W, b = W - 0.5 * x[i:i + 32].T @ g, b - 0.5 * g.sum(0)
        acc = ((xv @ W + b).argmax(1) == yv).mean()
        steps, mean_loss, val_acc = (float(v) for v in re.findall(r"[\d.]+", line)[1:])
        assert steps == 15                              # ceil(480 / 32), last batch full
        np.testing.assert_allclose(mean_loss, np.mean(losses), rtol=1e-4)
        assert abs(val_acc - acc) < 1e-4
    np.testing.assert_allclose(env["W_value"], W, rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(env["b_value"], b, rtol=1e-3, atol=1e-5)
    assert val_acc > 0.9
