"""Complete TensorFlow 1 / Keras 2 programs (written as the classic examples write them, in this
folder) run as scripts on dlcore_static; their printed results are checked against NumPy
computations of the same training, or against the properties the program states."""

from __future__ import annotations

import os
import re
import runpy
import sys

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.keras import backend as K
from tests.io.summary_table import summary_rows

HERE = os.path.dirname(__file__)


def run_program(name, capsys, argv=()):
    tf.reset_default_graph()
    K.clear_session()
    old = sys.argv
    sys.argv = [name] + list(argv)
    try:
        runpy.run_path(os.path.join(HERE, name), run_name="__main__")
    except SystemExit as e:
        assert e.code in (0, None)
    finally:
        sys.argv = old
    return capsys.readouterr().out


def numbers(line: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", line)]


def test_linear_regression_with_shapeless_placeholders(capsys):
    np.random.seed(0)
    w, b = np.float32(np.random.randn()), np.float32(np.random.randn())
    np.random.seed(0)
    out = run_program("tf_linear_regression.py", capsys)
    X = np.asarray([3.3, 4.4, 5.5, 6.71, 6.93, 4.168, 9.779, 6.182, 7.59, 2.167, 7.042, 10.791,
                    5.313, 7.997, 5.654, 9.27, 3.1], np.float32)
    Y = np.asarray([1.7, 2.76, 2.09, 3.19, 1.694, 1.573, 3.366, 2.596, 2.53, 1.221, 2.827,
                    3.465, 1.65, 2.904, 2.42, 2.94, 1.3], np.float32)
    n, lr = len(X), np.float32(0.01)
    want = []
    for epoch in range(50):
        for x, y in zip(X, Y):                  # d/dw of (w x + b - y)^2 / (2 n)
            r = w * x + b - y
            w, b = w - lr * (r * x / n), b - lr * (r / n)
        if (epoch + 1) % 10 == 0:
            want.append([((w * X + b - Y) ** 2).sum() / (2 * n), w, b])
    lines = [ln for ln in out.splitlines() if ln.startswith("Epoch:")]
    assert len(lines) == 5
    for ln, ref in zip(lines, want):
        np.testing.assert_allclose(numbers(ln)[-3:], ref, rtol=2e-4)
    assert "Optimization Finished!" in out
    final = numbers([ln for ln in out.splitlines() if ln.startswith("Training cost=")][0])
    np.testing.assert_allclose(final, want[-1], rtol=2e-4)


def _softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def test_logistic_regression_with_saver_and_flags(capsys, tmp_path):
    from dlcore_static.platform import flags as F
    F.FLAGS.reset()
    out = run_program("tf_logistic_regression_saver.py", capsys,
                      ["--model_dir", str(tmp_path), "--epochs=20"])
    F.FLAGS.reset()
    rs = np.random.RandomState(1)
    x = rs.randn(120, 4).astype(np.float32)
    y = np.eye(3)[(x @ rs.randn(4, 3)).argmax(1)]
    W, b = np.zeros((4, 3)), np.zeros(3)
    costs = []
    for _ in range(40):                              # full-batch gradient descent, lr 0.5
        p = _softmax(x @ W + b)
        costs.append(-(y * np.log(p)).sum(1).mean())
        g = (p - y) / len(x)
        W, b = W - 0.5 * x.T @ g, b - 0.5 * g.sum(0)
    lines = [ln for ln in out.splitlines() if ln.startswith("Epoch:")]
    np.testing.assert_allclose([numbers(ln)[0] for ln in lines],
                               [costs[4], costs[9], costs[14], costs[19]], rtol=1e-5)
    assert "Model restored from file: model.ckpt-20" in out
    step_line = [ln for ln in out.splitlines() if ln.startswith("Step:")][0]
    assert step_line.startswith("Step: 40 ")
    np.testing.assert_allclose(numbers(step_line)[0], costs[39], rtol=1e-5)
    acc = [numbers(ln)[0] for ln in out.splitlines() if ln.startswith("Accuracy:")]
    p = _softmax(x @ W + b)
    np.testing.assert_allclose(acc[1], (p.argmax(1) == y.argmax(1)).mean(), rtol=1e-6)
    assert acc[1] >= acc[0] > 0.9
    ckpts = re.findall(r"model\.ckpt-(\d+)", out.splitlines()[-1])
    assert sorted(set(ckpts)) == ["15", "20"]      # max_to_keep=2


def test_mlp_with_rmsprop_and_exponential_decay(capsys):
    out = run_program("tf_mlp_rmsprop_decay.py", capsys)
    lines = [ln for ln in out.splitlines() if ln.startswith("Step ")]
    vals = np.array([numbers(ln) for ln in lines])       # loss, accuracy, lr
    np.testing.assert_allclose(vals[:, 2], [0.01 * 0.5 ** (s // 50) for s in (50, 100, 150, 200)])
    assert np.all(np.diff(vals[:, 0]) < 0) and vals[-1, 0] < 0.25
    assert vals[-1, 1] > 0.9


def test_variable_sharing_with_auto_reuse(capsys):
    out = run_program("tf_variable_sharing.py", capsys).splitlines()
    assert out[0] == ("['two_layers/h1/weights:0', 'two_layers/h1/biases:0', "
                      "'two_layers/h2/weights:0', 'two_layers/h2/biases:0']")
    assert numbers(out[1])[0] < 1e-3 and numbers(out[2])[0] < 1e-3


def test_keras_functional_model_with_two_inputs(capsys):
    out = run_program("keras_functional_two_inputs.py", capsys)
    assert "Connected to" in out
    assert ["concatenate (Concatenate)", "(None, 21)", "0",
            "dense[0][0], aux_input[0][0]"] in summary_rows(out)
    assert "Total params: 562" in out
    first, last = [numbers(ln) for ln in out.splitlines() if ln.startswith("epoch")]
    assert last[0] < first[0] and last[2] < first[2] and last[1] > 0.8
    ev = dict(re.findall(r"(\w+)=(\d+\.\d+)", out.split("evaluate:")[1].splitlines()[0]))
    total = float(ev["main_output_loss"]) + 0.2 * float(ev["aux_output_loss"])
    assert float(ev["loss"]) == pytest.approx(total, abs=2e-4)
    assert "hidden shape: (5, 16)" in out


def test_keras_custom_layer_with_the_backend(capsys):
    out = run_program("keras_custom_layer.py", capsys)
    assert ["my_layer (MyLayer)", "(None, 3)", "12"] in summary_rows(out)
    losses = numbers([ln for ln in out.splitlines() if ln.startswith("losses:")][0])
    assert losses[0] > losses[1] > losses[2]
    acc = numbers([ln for ln in out.splitlines() if ln.startswith("final accuracy")][0])[0]
    assert acc > 0.9
    err = float(out.split("max |predict - numpy|:")[1].split()[0])
    assert err < 1e-5
