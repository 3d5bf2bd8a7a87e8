"""TF1 programs written as their public sources are (``import tensorflow as tf`` renamed ``import
dlcore_static as tf``; tiny sizes, generated data), checked against NumPy (or torch)
recomputations from the trained variables and against what TensorFlow 1 gives:

* tf_truncated_bptt_lstm_tuple.py: R2RT's truncated-BPTT stacked LSTM (MultiRNNCell state as
  a tuple of LSTMStateTuples fed back through ``feed_dict={init_state: state}``).
* tf_nesterov_exp_decay.py: Hands-On ML ch. 11 (exponential_decay + global_step, Nesterov
  momentum, clip_by_global_norm over compute/apply_gradients) vs a NumPy re-run.
* tf_scan_map_fn_foldl.py: tf.scan/map_fn/foldl/foldr, an RNN by tf.scan over a run-time length.
* tf_py_func_custom_gradient.py: py_func with a RegisterGradient/gradient_override_map gradient.
* tf_conv2d_transpose_autoencoder.py: conv2d_transpose with a ``tf.stack`` output_shape.
* tf_losses_regularizers.py: tf.losses reductions/weights/label smoothing, layer and
  get_variable regularizers, get_regularization_loss/get_total_loss.
* tf_metrics_auc_streaming.py: tf.metrics accuracy/auc (ROC, PR)/precision/recall/mean.
* tf_dataset_feedable_iterator.py: the "Importing Data" guide's four iterator kinds.
* tf_batch_norm_moments_ema.py: R2RT's batch normalization by hand (moments, assign under
  control_dependencies, a test graph restored by a Saver)."""

from __future__ import annotations

import os
import re
import runpy
import sys

import numpy as np
import pytest

import dlcore_static as tf

HERE = os.path.dirname(__file__)


def run_program(name, capsys):
    tf.reset_default_graph()
    old = sys.argv
    sys.argv = [name]
    try:
        env = runpy.run_path(os.path.join(HERE, name), run_name="__main__")
    finally:
        sys.argv = old
    return capsys.readouterr().out, env


def numbers(line: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", line)]


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_nesterov_exponential_decay_clip_matches_numpy(capsys):
    out, env = run_program("tf_nesterov_exp_decay.py", capsys)
    init, final = env["initial_values"], env["final_values"]
    X, y = env["X_train"], env["y_train"]
    W1, b1 = init["hidden1/kernel"].astype(np.float64), init["hidden1/bias"].astype(np.float64)
    W2, b2 = init["outputs/kernel"].astype(np.float64), init["outputs/bias"].astype(np.float64)
    params = [W1, b1, W2, b2]
    accum = [np.zeros_like(p) for p in params]
    lrs, norms = [], []
    for step in range(20):
        i = step % 4
        xb, yb = X[i * 50:(i + 1) * 50], y[i * 50:(i + 1) * 50]
        z1 = xb @ W1 + b1
        h = np.maximum(z1, 0)
        logits = h @ W2 + b2
        d = _softmax(logits)
        d[np.arange(len(yb)), yb] -= 1
        d /= len(yb)
        gW2, gb2 = h.T @ d, d.sum(0)
        dh = d @ W2.T * (z1 > 0)
        grads = [xb.T @ dh, dh.sum(0), gW2, gb2]
        gn = np.sqrt(sum((g ** 2).sum() for g in grads))
        grads = [g * 1.0 / max(gn, 1.0) for g in grads]
        lr = 0.1 * 0.1 ** (step / 10)          # exponential_decay, staircase=False
        lrs.append(lr)
        norms.append(gn)
        for p, a, g in zip(params, accum, grads):     # TF's ApplyMomentum, use_nesterov
            a *= 0.9
            a += g
            p -= lr * g + lr * 0.9 * a
    np.testing.assert_allclose([h[0] for h in env["history"]], lrs, rtol=1e-5)
    np.testing.assert_allclose([h[1] for h in env["history"]], norms, rtol=1e-3)
    for name, p in zip(["hidden1/kernel", "hidden1/bias", "outputs/kernel", "outputs/bias"],
                       params):
        np.testing.assert_allclose(final[name], p, rtol=2e-3, atol=2e-5)
        np.testing.assert_allclose(final[name + "/Momentum"],
                                   accum[["hidden1/kernel", "hidden1/bias", "outputs/kernel",
                                          "outputs/bias"].index(name)], rtol=2e-3, atol=2e-5)
    assert final["train/global_step"] == 20
    assert env["slot_names"] == ["hidden1/bias/Momentum", "hidden1/kernel/Momentum",
                                 "outputs/bias/Momentum", "outputs/kernel/Momentum"]
    lines = [ln for ln in out.splitlines() if "Train accuracy" in ln]
    assert [int(numbers(ln)[1]) for ln in lines] == [4, 8, 12, 16, 20]
    assert "lr: 0.050119" in lines[0] and "lr: 0.001259" in lines[-1]


def test_scan_map_fn_fold_values_and_scan_rnn(capsys):
    out, env = run_program("tf_scan_map_fn_foldl.py", capsys)
    env["sess"].close()
    lines = out.splitlines()
    assert lines[0] == "cumsum: [ 1  3  6 10 15 21]"
    assert lines[1] == "fib: [1 1 2 3 5 8] [ 1  2  3  5  8 13]"
    assert lines[2] == "squares: [ 1  4  9 16 25 36]"
    assert lines[3].startswith("alternate: (array([1, 2, 3, 4, 5, 6], dtype=int32), "
                               "array([-1, -2, -3, -4, -5, -6], dtype=int32))")
    assert lines[4] == "foldl: 31 foldr: 654321"
    w, x = env["weights"], env["test_x"]
    h = np.zeros((x.shape[0], 16))
    ref = []
    for t in range(x.shape[1]):
        h = np.tanh(h @ w["W_hh"] + x[:, t] @ w["W_hx"] + w["b_h"])
        ref.append(h @ w["W_yh"] + w["b_y"])
    np.testing.assert_allclose(env["test_logits"], np.stack(ref, 1), rtol=1e-4, atol=1e-5)
    hist = env["loss_history"]
    assert np.mean(hist[-20:]) < 0.5 * np.mean(hist[:20])
    assert "states shape: [None, None, 16] logits: (4, 6, 1)" in out


def test_py_func_with_overridden_gradient(capsys):
    out, env = run_program("tf_py_func_custom_gradient.py", capsys)
    lines = out.splitlines()
    assert lines[0] == "[1. 2.] [1. 4.] [20. 40.]"
    D = env["D"]
    m, s = numbers(lines[1].split("std:")[0]), numbers(lines[1].split("std:")[1])
    np.testing.assert_allclose(m, D.mean(0), rtol=1e-5)
    np.testing.assert_allclose(s, D.std(0), rtol=1e-5)
    np.testing.assert_allclose(env["w_final"], [0.5, -0.3, 0.2], atol=1e-3)
    assert env["op_types"] == ["PyFunc", "PyFuncStateless"]       # stateful=False: TF1's type


def _tf_conv_same_s2(x, w):
    """TF's conv2d (NHWC, HWIO), stride 2, SAME: pad (0, 1) for 12 -> 6 with a 3x3 kernel."""
    import torch
    xt = torch.tensor(x).permute(0, 3, 1, 2)
    wt = torch.tensor(w).permute(3, 2, 0, 1)
    h = xt.shape[2]
    out = -(-h // 2)
    pad = max((out - 1) * 2 + w.shape[0] - h, 0)
    xt = torch.nn.functional.pad(xt, (pad // 2, pad - pad // 2, pad // 2, pad - pad // 2))
    return torch.nn.functional.conv2d(xt, wt, stride=2).permute(0, 2, 3, 1).numpy()


def _tf_conv_transpose(y, w, out_hw, c_out):
    """conv2d_transpose as the gradient of the conv above with respect to its input."""
    import torch
    x = torch.zeros((y.shape[0], out_hw, out_hw, c_out), dtype=torch.float64,
                    requires_grad=True)
    wt = torch.tensor(w, dtype=torch.float64).permute(3, 2, 0, 1)
    h = out_hw
    pad = max((-(-h // 2) - 1) * 2 + w.shape[0] - h, 0)
    xp = torch.nn.functional.pad(x.permute(0, 3, 1, 2),
                                 (pad // 2, pad - pad // 2, pad // 2, pad - pad // 2))
    out = torch.nn.functional.conv2d(xp, wt, stride=2).permute(0, 2, 3, 1)
    (out * torch.tensor(y, dtype=torch.float64)).sum().backward()
    return x.grad.numpy()


def test_conv2d_transpose_autoencoder_with_stacked_output_shape(capsys):
    pytest.importorskip("torch")
    out, env = run_program("tf_conv2d_transpose_autoencoder.py", capsys)
    sess = env["sess"]
    with sess.graph.as_default():
        W1, b1, W2, b2, b3, b4 = sess.run(tf.trainable_variables())
    sess.close()
    x = env["test_xs_norm"].reshape(-1, 12, 12, 1).astype(np.float64)
    h1 = np.maximum(_tf_conv_same_s2(x, W1.astype(np.float64)) + b1, 0)
    z = np.maximum(_tf_conv_same_s2(h1, W2.astype(np.float64)) + b2, 0)
    d1 = np.maximum(_tf_conv_transpose(z, W2, 6, 6) + b3, 0)
    y = np.maximum(_tf_conv_transpose(d1, W1, 12, 1) + b4, 0)
    np.testing.assert_allclose(env["code"], z, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(env["recon"], y, rtol=1e-4, atol=1e-5)
    assert env["costs"][-1] < 0.5 * env["costs"][0]
    assert "code: (5, 3, 3, 6) recon: (5, 12, 12, 1)" in out
    assert "static shapes: [None, 3, 3, 6] [None, 12, 12, 1]" in out


def test_conv2d_transpose_output_shape_forms():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 3, 3, 2])
    w = tf.ones([2, 2, 1, 2])
    dyn = tf.nn.conv2d_transpose(x, w, tf.stack([tf.shape(x)[0], 6, 6, 1]), [1, 2, 2, 1])
    const = tf.nn.conv2d_transpose(x, w, tf.constant([2, 6, 6, 1]), [1, 2, 2, 1])
    lst = tf.nn.conv2d_transpose(x, w, [2, 6, 6, 1], [1, 2, 2, 1])
    assert dyn.shape.as_list() == [None, 6, 6, 1]
    v = np.arange(36, dtype=np.float32).reshape(2, 3, 3, 2)
    with tf.Session() as sess:
        a, b, c = sess.run([dyn, const, lst], {x: v})
    # each input pixel spreads the sum of its channels over its own 2x2 block
    ref = np.repeat(np.repeat(v.sum(-1), 2, 1), 2, 2)[..., None]
    for r in (a, b, c):
        np.testing.assert_array_equal(r, ref)
    with pytest.raises(ValueError, match="conv2d_transpose: the output_shape's spatial sizes "
                                         "must be known when the graph is built"):
        tf.nn.conv2d_transpose(x, w, tf.stack([2, tf.shape(x)[1] * 2, 6, 1]), [1, 2, 2, 1])
