"""Programs written as their public sources are (imports renamed, sizes scaled down), run as
scripts on dlcore_static and checked against NumPy recomputations or the installed Keras 3:

* tf_pde_raindrops.py: TF1's "Partial Differential Equations" tutorial (InteractiveSession,
  depthwise_conv2d Laplacian, tf.group of assigns, Operation.run(feed), Variable.eval,
  ``tf.constant(a, dtype=1)``: TF's DataType number).
* keras_writing_callbacks.py: keras.io's "Writing your own callbacks" (every hook and the keys
  of its logs, running averages per batch, early stopping via model.stop_training, a schedule
  setting optimizer.learning_rate): the printed hook/learning-rate lines equal Keras 3's (3.15,
  JAX backend; NumPy's cannot fit) recorded below."""

from __future__ import annotations

import os
import re
import runpy
import sys

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.keras import backend as K

HERE = os.path.dirname(__file__)


def run_program(name, capsys, argv=()):
    tf.reset_default_graph()
    K.clear_session()
    old = sys.argv
    sys.argv = [name] + list(argv)
    try:
        env = runpy.run_path(os.path.join(HERE, name), run_name="__main__")
    finally:
        sys.argv = old
    return capsys.readouterr().out, env


def numbers(line: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", line)]


def test_pde_raindrops_matches_numpy(capsys):
    out, env = run_program("tf_pde_raindrops.py", capsys)
    env["sess"].close()
    rs = np.random.RandomState(0)
    n = 40
    u = np.zeros((n, n), np.float32)
    ut = np.zeros((n, n), np.float32)
    for _ in range(8):
        a, b = rs.randint(0, n, 2)
        u[a, b] = rs.uniform()
    k = np.array([[0.5, 1.0, 0.5], [1.0, -6., 1.0], [0.5, 1.0, 0.5]], np.float32)

    def laplace(x):
        p = np.pad(x, 1)
        return sum(k[i, j] * p[i:i + n, j:j + n] for i in range(3) for j in range(3))
    sums = []
    for i in range(100):
        u, ut = u + 0.03 * ut, ut + 0.03 * (laplace(u) - 0.04 * ut)
        if i % 25 == 0:
            sums.append((u ** 2).sum())
    got = [numbers(ln)[2] for ln in out.splitlines() if ln.startswith("step")]
    np.testing.assert_allclose(got, sums, rtol=1e-4)
    np.testing.assert_allclose(env["final_u"], u, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(env["final_ut"], ut, rtol=1e-4, atol=1e-5)


# Keras 3's lines for keras_writing_callbacks.py (KERAS_BACKEND=jax, import keras), the
# average-loss lines left out (their numbers depend on the initial weights)
KERAS3_CALLBACK_LINES = """\
Starting training; got log keys: []
Start epoch 0 of training; got log keys: []
...Training: start of batch 0; got log keys: []
...Training: end of batch 0; got log keys: ['loss', 'mean_absolute_error']
Start testing; got log keys: []
...Evaluating: start of batch 0; got log keys: []
...Evaluating: end of batch 0; got log keys: ['loss', 'mean_absolute_error']
Stop testing; got log keys: ['loss', 'mean_absolute_error']
End epoch 0 of training; got log keys: ['loss', 'mean_absolute_error', 'val_loss', 'val_mean_absolute_error']
Stop training; got log keys: ['loss', 'mean_absolute_error', 'val_loss', 'val_mean_absolute_error']
Start testing; got log keys: []
...Evaluating: start of batch 0; got log keys: []
...Evaluating: end of batch 0; got log keys: ['loss', 'mean_absolute_error']
Stop testing; got log keys: ['loss', 'mean_absolute_error']
Start predicting; got log keys: []
...Predicting: start of batch 0; got log keys: []
...Predicting: end of batch 0; got log keys: ['outputs']
Stop predicting; got log keys: []
Restoring model weights from the end of the best epoch.
Epoch 3: early stopping
Epoch 0: Learning rate is 0.10000000149011612.
Epoch 1: Learning rate is 0.10000000149011612.
Epoch 2: Learning rate is 0.10000000149011612.
Epoch 3: Learning rate is 0.05.
Epoch 4: Learning rate is 0.05000000074505806.
Epoch 5: Learning rate is 0.05000000074505806.
Epoch 6: Learning rate is 0.01.
Epoch 7: Learning rate is 0.009999999776482582.
Epoch 8: Learning rate is 0.009999999776482582.
Epoch 9: Learning rate is 0.005.
Epoch 10: Learning rate is 0.004999999888241291.
Epoch 11: Learning rate is 0.004999999888241291.
Epoch 12: Learning rate is 0.001.
Epoch 13: Learning rate is 0.0010000000474974513.
Epoch 14: Learning rate is 0.0010000000474974513.
"""


def test_writing_callbacks_prints_keras3s_hooks(capsys):
    out, env = run_program("keras_writing_callbacks.py", capsys)
    got = [ln for ln in out.splitlines() if ln and "average loss" not in ln]
    assert got == KERAS3_CALLBACK_LINES.splitlines()
    avg = [numbers(ln) for ln in out.splitlines() if ln.startswith("Up to batch")]
    assert all(np.isfinite(v[1]) for v in avg)
    assert env["early"].stopped_epoch > 0 and env["final_lr"] == pytest.approx(0.001)
