"""TensorFlow 1 tutorial programs (the official "MNIST For ML Beginners" mnist_softmax.py and
"Deep MNIST for Experts" with tf.InteractiveSession, Tensor.eval and Operation.run;
aymericdamien/TensorFlow-Examples recurrent_network.py with contrib.rnn.static_rnn), in this
folder as tf_*.py (as written; tiny sizes, synthetic data), run as scripts on dlcore_static.
TensorFlow is not installed: results are checked against NumPy recomputations (the whole
softmax-regression training run; the trained convnet's and LSTM's forward passes) and against
TF1's variable names."""

from __future__ import annotations

import os
import re
import runpy
import sys

import numpy as np
import pytest

import dlcore_static as tf

HERE = os.path.dirname(__file__)


def run_program(name, capsys, argv=()):
    tf.reset_default_graph()
    old = sys.argv
    sys.argv = [name] + list(argv)
    try:
        env = runpy.run_path(os.path.join(HERE, name), run_name="__main__")
    except SystemExit as e:                       # tf.app.run exits with main's result
        assert e.code in (None, 0)
        env = sys.modules["__main__"].__dict__
    finally:
        sys.argv = old
    return capsys.readouterr().out, env


def numbers(line: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", line)]


def _softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def test_mnist_softmax_beginners_matches_numpy_training(capsys, monkeypatch):
    seen = {}
    real_run = tf.app.run

    def app_run(main=None, argv=None):       # keep main's globals: the script exits through it
        try:
            real_run(main=main, argv=argv)
        except SystemExit:
            pass
        seen.update(main.__globals__)
    monkeypatch.setattr(tf.app, "run", app_run)
    out, _ = run_program("tf_mnist_softmax_beginners.py", capsys)
    env = seen
    env["sess"].close()
    tr, te = env["mnist"].train, env["mnist"].test
    W, b = np.zeros((64, 10)), np.zeros(10)
    for i in range(300):                         # the same 300 steps of SGD(0.5) in float64
        s = slice(i * 50 % 1000, i * 50 % 1000 + 50)
        x, y = tr.images[s].astype(np.float64), tr.labels[s]
        g = (_softmax(x @ W + b) - y) / 50
        W -= 0.5 * x.T @ g
        b -= 0.5 * g.sum(0)
    np.testing.assert_allclose(env["W_value"], W, atol=2e-4)
    np.testing.assert_allclose(env["b_value"], b, atol=2e-4)
    acc = np.mean((te.images @ W + b).argmax(1) == te.labels.argmax(1))
    assert float(out.strip().splitlines()[-1]) == pytest.approx(acc, abs=1e-6)
    assert 0.3 < acc < 1.0


def _conv_same(x, w):
    k = w.shape[0]
    p = (k - 1) // 2
    xp = np.pad(x, ((0, 0), (p, k - 1 - p), (p, k - 1 - p), (0, 0)))
    n, h, wd, _ = x.shape
    out = np.zeros((n, h, wd, w.shape[3]))
    for i in range(k):
        for j in range(k):
            out += xp[:, i:i + h, j:j + wd] @ w[i, j]
    return out


def _pool_2x2(x):
    n, h, w, c = x.shape
    return x.reshape(n, h // 2, 2, w // 2, 2, c).max((2, 4))


def test_deep_mnist_interactive_session_eval_and_run(capsys):
    out, env = run_program("tf_deep_mnist_experts.py", capsys)
    sess = env["sess"]
    try:
        assert tf.get_default_session() is sess
        v = {k: env[k].eval() for k in ("W_conv1", "b_conv1", "W_conv2", "b_conv2", "W_fc1",
                                        "b_fc1", "W_fc2", "b_fc2")}
        x = env["test_images"].reshape(-1, 8, 8, 1).astype(np.float64)
        h = _pool_2x2(np.maximum(_conv_same(x, v["W_conv1"]) + v["b_conv1"], 0))
        h = _pool_2x2(np.maximum(_conv_same(h, v["W_conv2"]) + v["b_conv2"], 0))
        h = np.maximum(h.reshape(-1, 32) @ v["W_fc1"] + v["b_fc1"], 0)
        logits = h @ v["W_fc2"] + v["b_fc2"]
        got = env["y_conv"].eval(feed_dict={env["x"]: env["test_images"],
                                            env["keep_prob"]: 1.0})
        np.testing.assert_allclose(got, logits, rtol=1e-4, atol=1e-4)
        acc = np.mean(logits.argmax(1) == env["test_labels"].argmax(1))
        assert numbers(out.splitlines()[-1])[0] == pytest.approx(acc, abs=1e-6)
        steps = [numbers(ln)[1] for ln in out.splitlines() if ln.startswith("step")]
        assert len(steps) == 3 and acc > 0.3
        # dropout with keep_prob 0.5 at run time: kept units scaled by 2, about half dropped
        d = env["h_fc1_drop"].eval(feed_dict={env["x"]: env["test_images"],
                                              env["keep_prob"]: 0.5})
        full = env["h_fc1"].eval(feed_dict={env["x"]: env["test_images"]})
        kept = d != 0
        np.testing.assert_allclose(d[kept], 2 * full[kept], rtol=1e-5)
        assert 0.35 < kept[full > 0].mean() < 0.65
    finally:
        sess.close()


def _sig(z):
    return 1 / (1 + np.exp(-z))


def test_recurrent_network_static_rnn_basic_lstm(capsys):
    out, env = run_program("tf_recurrent_network.py", capsys)
    steps = [numbers(ln) for ln in out.splitlines() if ln.startswith("Step")]
    assert [s[0] for s in steps] == [1, 40, 80, 120] and steps[-1][1] < 0.5 * steps[0][1]
    v = env["variables"]
    assert sorted(v) == ["Variable:0", "Variable_1:0", "rnn/basic_lstm_cell/bias:0",
                         "rnn/basic_lstm_cell/kernel:0"]
    kern, bias = v["rnn/basic_lstm_cell/kernel:0"], v["rnn/basic_lstm_cell/bias:0"]
    assert kern.shape == (8 + 16, 64) and bias.shape == (64,)
    x = env["test_data"].astype(np.float64)
    h = c = np.zeros((len(x), 16))
    for t in range(8):                    # TF1's BasicLSTMCell: gates i, j, f, o; forget_bias 1
        i, j, f, o = np.split(np.concatenate([x[:, t], h], 1) @ kern + bias, 4, axis=1)
        c = c * _sig(f + 1.0) + _sig(i) * np.tanh(j)
        h = np.tanh(c) * _sig(o)
    logits = h @ v["Variable:0"] + v["Variable_1:0"]
    np.testing.assert_allclose(env["test_logits"], logits, rtol=1e-4, atol=1e-4)
    acc = np.mean(logits.argmax(1) == env["test_label"].argmax(1))
    assert numbers(out.splitlines()[-1])[0] == pytest.approx(acc, abs=1e-6) and acc > 0.6


@pytest.mark.slow
def test_tensorboard_advanced_apply_gradients_and_histograms(capsys, tmp_path):
    out, env = run_program("tf_tensorboard_advanced.py", capsys, [str(tmp_path)])
    costs = [numbers(ln)[1] for ln in out.splitlines() if ln.startswith("Epoch:")]
    assert len(costs) == 10 and costs[-1] < 0.4 * costs[0]
    v, m = env["values"], env["mnist"]
    h = np.maximum(m.test_images @ v["w1"] + v["b1"], 0)
    z = np.maximum(h @ v["w2"] + v["b2"], 0) @ v["w3"] + v["b3"]
    acc = np.mean(z.argmax(1) == m.test_labels.argmax(1))
    assert float(out.split("Accuracy:")[1].split()[0]) == pytest.approx(acc, abs=1e-6)
    assert [w.name for _, w in env["grads"]] == ["W1:0", "W2:0", "W3:0", "b1:0", "b2:0", "b3:0"]
    ea = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    events = ea.EventAccumulator(str(tmp_path), size_guidance={"scalars": 0, "histograms": 0})
    events.Reload()
    tags = events.Tags()
    # TF1: the summary scopes 'loss'/'accuracy' meet the scopes 'Loss'/'Accuracy' (names are
    # unique case-insensitively), so the tags are loss_1/accuracy_1 (tensorflow/tensorflow#6150)
    assert sorted(tags["scalars"]) == ["accuracy_1", "loss_1"]
    names = ["W1_0", "W2_0", "W3_0", "b1_0", "b2_0", "b3_0"]     # TF1's clean_tag of 'W1:0'
    assert sorted(tags["histograms"]) == sorted(
        ["Model/relu1", "Model/relu2"] + names + [n + "/gradient" for n in names])
    assert [e.step for e in events.Scalars("loss_1")] == list(range(80))
    last = events.Histograms("W3_0")[-1].histogram_value
    # (fetched with apply_grads in one run: the last histogram is of W3 one step before the end)
    assert last.num == 16 * 10 and last.max == pytest.approx(v["w3"].max(), abs=0.01)
