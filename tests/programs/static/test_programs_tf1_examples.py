"""aymericdamien/TensorFlow-Examples TF1 programs (autoencoder, nearest_neighbor,
bidirectional_rnn, dcgan, variational_autoencoder; in this folder as tf_*.py, tiny sizes,
synthetic data), run as scripts on dlcore_static.  Their printed results are checked against
NumPy recomputations from the trained variables and against what TensorFlow 1 gives (variable
names, collections, shapes)."""

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
    finally:
        sys.argv = old
        s = env.get("sess") if "env" in locals() else None
        if s is not None:
            s.close()
    return capsys.readouterr().out, env


def numbers(line: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+\.\d+(?:e[-+]?\d+)?", line)]


def _sig(z):
    return 1 / (1 + np.exp(-z))


def test_autoencoder_raw_matmuls_rmsprop(capsys):
    out, env = run_program("tf_autoencoder_rmsprop.py", capsys)
    losses = [numbers(ln)[-1] for ln in out.splitlines() if ln.startswith("Step")]
    assert len(losses) == 4 and losses[-1] < 0.1 * losses[0]
    W, B, x = env["W"], env["B"], env["test_x"]
    h = x
    for k in ("encoder_h1", "encoder_h2", "decoder_h1", "decoder_h2"):
        h = _sig(h @ W[k] + B[k.replace("_h", "_b")])
    np.testing.assert_allclose(env["test_g"], h, rtol=1e-4, atol=1e-6)
    assert numbers(out.split("reconstruction mse:")[1])[0] == \
        pytest.approx(np.mean((h - x) ** 2), rel=1e-3)


def test_nearest_neighbor_arg_min(capsys):
    out, env = run_program("tf_nearest_neighbor.py", capsys)
    d = np.abs(env["Xtr"][None] - env["Xte"][:, None]).sum(-1)
    assert env["predictions"] == list(d.argmin(1))
    acc = np.mean(env["Ytr"][d.argmin(1)].argmax(1) == env["Yte"].argmax(1))
    assert numbers(out.split("Accuracy:")[1])[0] == pytest.approx(acc)
    assert "dtype: int64 shape: ()" in out                  # tf.arg_min's output_type


def test_bidirectional_rnn_static_bidirectional_rnn(capsys):
    out, env = run_program("tf_bidirectional_rnn.py", capsys)
    assert "outputs: 6 (?, 16)" in out
    assert ("'bidirectional_rnn/fw/basic_lstm_cell/kernel:0', "
            "'bidirectional_rnn/fw/basic_lstm_cell/bias:0', "
            "'bidirectional_rnn/bw/basic_lstm_cell/kernel:0'") in out
    steps = [numbers(ln) for ln in out.splitlines() if ln.startswith("Step")]
    assert steps[-1][0] < 0.2 * steps[0][0] and steps[-1][1] == 1.0
    v, x = env["values"], env["test_data"]

    def lstm(xs, w, b):
        h = c = np.zeros((len(x), 8))
        outs = []
        for xt in xs:
            i, j, f, o = np.split(np.concatenate([xt, h], 1) @ w + b, 4, 1)
            c = c * _sig(f + 1.0) + _sig(i) * np.tanh(j)
            h = np.tanh(c) * _sig(o)
            outs.append(h)
        return outs
    xs = list(x.transpose(1, 0, 2))
    fw = lstm(xs, v["bidirectional_rnn/fw/basic_lstm_cell/kernel:0"],
              v["bidirectional_rnn/fw/basic_lstm_cell/bias:0"])
    bw = lstm(xs[::-1], v["bidirectional_rnn/bw/basic_lstm_cell/kernel:0"],
              v["bidirectional_rnn/bw/basic_lstm_cell/bias:0"])[::-1]
    for t in range(6):
        np.testing.assert_allclose(env["test_outputs"][t], np.concatenate([fw[t], bw[t]], 1),
                                   atol=1e-5)
    assert float(out.split("Testing Accuracy:")[1].split()[0]) >= 0.95


def test_dcgan_batch_norm_update_ops_and_reuse(capsys):
    out, env = run_program("tf_dcgan_batchnorm.py", capsys)
    assert "shapes: (?, 8, 8, 1) (?, 2)" in out
    assert "update ops: 4 18" in out                  # each discriminator call adds its own
    assert "moving stats: 10 Generator/batch_normalization/moving_mean:0" in out   # shared
    assert "moving stats changed: 10/10" in out
    losses = np.array([numbers(ln) for ln in out.splitlines() if ln.startswith("Step")])
    assert losses.shape == (4, 2) and np.all(np.isfinite(losses))
    assert losses[-1, 1] < losses[0, 1]                      # the discriminator learns
    assert "generated: (4, 8, 8, 1)" in out and "inference repeatable: True" in out
    g = env["g"]
    assert np.all(np.abs(g) <= 1)
    names = [v.name for v in env["disc_vars"]]
    assert len(names) == 14 and not any("Discriminator_" in n for n in names)


def test_variational_autoencoder_random_normal_reparameterization(capsys):
    out, env = run_program("tf_variational_autoencoder.py", capsys)
    scales = numbers(out.split("sqrt(fan_in / 2):")[1].splitlines()[0])
    assert all(0.75 < s < 1.3 for s in scales)               # stddev 1 / sqrt(fan_in / 2)
    losses = [numbers(ln)[-1] for ln in out.splitlines() if ln.startswith("Step")]
    assert len(losses) == 5 and losses[-1] < 0.6 * losses[0]
    assert "eps shape: (64, 2) fresh each run: True" in out
    W, B, x = env["W"], env["B"], env["test_x"]
    h = np.tanh(x @ W["encoder_h1"] + B["encoder_b1"])
    np.testing.assert_allclose(env["zm"], h @ W["z_mean"] + B["z_mean"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(env["zs"], h @ W["z_std"] + B["z_std"], rtol=1e-4, atol=1e-5)
    d = np.tanh(env["grid"] @ W["decoder_h1"] + B["decoder_b1"])
    np.testing.assert_allclose(env["x_decoded"],
                               _sig(d @ W["decoder_out"] + B["decoder_out"]), atol=1e-5)
    e = env["e1"]
    assert abs(e.mean()) < 0.3 and 0.7 < e.std() < 1.3


def test_cnn_saver_restore_and_summaries(capsys, tmp_path):
    out, env = run_program("tf_cnn_saver_summaries.py", capsys, [str(tmp_path)])
    steps = [numbers(ln) for ln in out.splitlines() if ln.startswith("Step")]
    assert len(steps) == 4 and steps[-1][0] < 0.1 * steps[0][0]
    assert "Model saved in file: model.ckpt" in out
    assert "restored max diff 0.000e+00" in out and "Second Optimization Finished!" in out
    W, B, x = env["W"], env["B"], env["test_x"]             # the restored-and-trained weights

    def conv_relu_pool(a, w, b):                             # SAME 3x3 conv, 2x2 max pool
        n, h, wd, _ = a.shape
        p = np.pad(a, ((0, 0), (1, 1), (1, 1), (0, 0)))
        y = sum(p[:, i:i + h, j:j + wd] @ w[i, j] for i in range(3) for j in range(3))
        y = np.maximum(y + b, 0)
        return y.reshape(n, h // 2, 2, wd // 2, 2, -1).max((2, 4))
    h = conv_relu_pool(conv_relu_pool(x.reshape(-1, 8, 8, 1), W["wc1"], B["bc1"]),
                       W["wc2"], B["bc2"])
    z = np.maximum(h.reshape(len(x), -1) @ W["wd1"] + B["bd1"], 0) @ W["out"] + B["out"]
    acc = float(out.split("Testing Accuracy:")[-1].split()[0])
    assert acc == pytest.approx(np.mean(z.argmax(1) == env["test_y"].argmax(1)), abs=1e-6)
    ea = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    events = ea.EventAccumulator(str(tmp_path), size_guidance={"scalars": 0})
    events.Reload()
    # TF1: the summary scopes 'loss'/'accuracy' meet the scopes 'Loss'/'Accuracy' (names are
    # unique case-insensitively), so the tags are loss_1/accuracy_1 (tensorflow/tensorflow#6150)
    assert sorted(events.Tags()["scalars"]) == ["accuracy_1", "loss_1"]
    assert [e.step for e in events.Scalars("loss_1")] == list(range(1, 61))
    assert events.Tags()["graph"]


def test_cbow_sampled_softmax_loss(capsys):
    out, env = run_program("tf_cbow_sampled_softmax.py", capsys)
    avg = [numbers(ln)[-1] for ln in out.splitlines() if ln.startswith("Average loss")]
    assert len(avg) == 4 and avg[-1] < 0.8 * avg[0]
    E, W, b, data = env["E"], env["W"], env["b"], np.array(env["data"])
    n = E / np.sqrt((E ** 2).sum(1, keepdims=True))
    np.testing.assert_allclose(env["final_embeddings"], n, rtol=1e-5, atol=1e-6)
    sim = n[env["valid_examples"]] @ n.T
    np.testing.assert_allclose(env["sim"], sim, atol=1e-5)
    for i, w in enumerate(env["valid_examples"]):
        want = ", ".join(str(k) for k in (-sim[i]).argsort()[1:5])
        assert f"Nearest to {w}: {want}" in out
    ctx = np.stack([data[:-2], data[2:]], 1)                 # the full softmax, in NumPy
    z = E[ctx].sum(1) @ W.T + b
    z -= z.max(1, keepdims=True)
    xent = np.mean(np.log(np.exp(z).sum(1)) - z[np.arange(len(z)), data[1:-1]])
    assert xent < 0.85 * np.log(20)                          # below a uniform guess
    same = np.mean([n[a] @ n[c] for a in range(10) for c in range(10) if a != c])
    cross = np.mean([n[a] @ n[c + 10] for a in range(10) for c in range(10)])
    assert same > cross + 0.2                                # the two topics separate
