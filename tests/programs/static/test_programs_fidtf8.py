"""TF1 programs of session 19 (fidtf8), written as their public sources are (``import tensorflow
as tf`` renamed ``import dlcore_static as tf``; tiny sizes, synthetic data), each checked for a
real outcome and against NumPy recomputations from the fetched values:

* tf_charrnn_fidtf8.py: sherjilozair/char-rnn-tensorflow (legacy_seq2seq.rnn_decoder with and
  without loop_function, sequence_loss_by_example, Saver round trip, sampling).
* tf_reinforce_fidtf8.py: a REINFORCE policy gradient with tf.distributions.Categorical.
* tf_detection_post_fidtf8.py: detection post-processing (non_max_suppression,
  crop_and_resize, tf.contrib.lookup for class names).
* tf_vae_danijar_fidtf8.py: danijar's VAE post (tf.make_template, contrib.distributions'
  MultivariateNormalDiag, Independent(Bernoulli), kl_divergence).
"""

from __future__ import annotations

import os
import runpy
import sys

import numpy as np
from scipy.special import ndtr

import dlcore_static as tf

HERE = os.path.dirname(__file__)


def run_program(name, capsys, argv=()):
    tf.reset_default_graph()
    old = sys.argv
    sys.argv = [name, *[str(a) for a in argv]]
    env = {}
    try:
        env = runpy.run_path(os.path.join(HERE, name), run_name="__main__")
    finally:
        sys.argv = old
    return capsys.readouterr().out, env


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _lstm(x, c, h, kernel, bias):
    i, j, f, o = np.split(np.concatenate([x, h], 1) @ kernel + bias, 4, 1)
    c2 = c * _sigmoid(f + 1.0) + _sigmoid(i) * np.tanh(j)
    return np.tanh(c2) * _sigmoid(o), c2


def _char_rnn_step(w, x, states):
    """One step of the trained 2-layer char-rnn: (logits, new states)."""
    h = w["embedding:0"][x]
    new = []
    for k, (c, hh) in enumerate(states):
        pre = f"rnnlm/multi_rnn_cell/cell_{k}/basic_lstm_cell/"
        h, c2 = _lstm(h, c, hh, w[pre + "kernel:0"], w[pre + "bias:0"])
        new.append((c2, h))
    return h @ w["rnnlm/softmax_w:0"] + w["rnnlm/softmax_b:0"], new


def test_char_rnn_trains_samples_and_decodes_greedily(capsys, tmp_path):
    out, env = run_program("tf_charrnn_fidtf8.py", capsys, [tmp_path])
    assert ("variables ['rnnlm/softmax_w:0', 'rnnlm/softmax_b:0', 'embedding:0', "
            "'rnnlm/multi_rnn_cell/cell_0/basic_lstm_cell/kernel:0'") in out    # TF's names
    losses = env["losses"]
    assert len(losses) == 8 * env["data_loader"].num_batches
    assert np.mean(losses[-12:]) < 0.35 * np.mean(losses[:12])
    # the last batch's per-example loss, recomputed in NumPy from the trained variables and
    # the fed initial state
    w, feed, m = env["trained"], env["last_feed"], env["model"]
    states = [(feed[c], feed[h]) for c, h in m.initial_state]
    x, y = env["last_x"], env["last_y"]
    logits = []
    for t in range(x.shape[1]):
        lg, states = _char_rnn_step(w, x[:, t], states)
        logits.append(lg)
    lg = np.stack(logits, 1).reshape(-1, lg.shape[-1])
    lg = lg - lg.max(1, keepdims=True)
    ce = -(lg - np.log(np.exp(lg).sum(1, keepdims=True)))[np.arange(lg.shape[0]), y.ravel()]
    np.testing.assert_allclose(env["last_loss_by_example"], ce, rtol=2e-4, atol=2e-5)
    # sampling (argmax, sampling_type 0) from the restored checkpoint, and the loop_function
    # decode, both recomputed in NumPy
    chars, vocab = env["data_loader"].chars, env["data_loader"].vocab
    zero = [(np.zeros((1, 24)), np.zeros((1, 24)))] * 2
    st, text = zero, "the "
    for ch in "the"[:3]:
        _, st = _char_rnn_step(w, np.array([vocab[ch]]), st)
    ch = " "
    for _ in range(40):
        lg, st = _char_rnn_step(w, np.array([vocab[ch]]), st)
        ch = chars[int(lg.argmax())]
        text += ch
    assert out.splitlines()[-2] == "sample: " + text and "cat" in text
    st, sym, greedy = zero, vocab["t"], "t"
    for _ in range(8):
        lg, st = _char_rnn_step(w, np.array([sym]), st)
        sym = int(lg.argmax())
        greedy += chars[sym]
    assert out.splitlines()[-1] == "greedy: " + greedy[:9]


def _log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def test_reinforce_categorical_and_gaussian_policies(capsys):
    out, env = run_program("tf_reinforce_fidtf8.py", capsys)
    bandits = env["bandits"]
    assert env["greedy"].tolist() == bandits.argmax(1).tolist()
    # the learned policy's expected reward (pull: +1 with probability Phi(bandit value))
    arm_value = 2 * ndtr(bandits) - 1
    learned = (env["probs"] * arm_value).sum(1).mean()
    assert learned > arm_value.mean(1).mean() + 0.2, learned     # uniform's: 0.06
    assert learned > 0.8 * arm_value.max(1).mean(), learned
    # the last step's loss recomputed from its fetched logits, actions and advantages
    last = env["last"]
    lp = _log_softmax(last["logits"].astype(np.float64))
    np.testing.assert_allclose(last["log_prob"], lp[np.arange(len(last["a"])), last["a"]],
                               rtol=1e-5, atol=1e-6)
    ent = -(np.exp(lp) * lp).sum(1).mean()
    want = -np.mean(lp[np.arange(len(last["a"])), last["a"]] * last["adv"]) - 0.01 * ent
    np.testing.assert_allclose(last["loss"], want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(env["probs"].sum(1), 1.0, rtol=1e-6)
    # the Gaussian policy's mean learned 2x - 1 (reparameterised log_prob gradients)
    np.testing.assert_allclose(env["means"], [-2.0, -1.0, 0.0], atol=0.12)
    assert "greedy arms" in out and "gaussian means" in out


def _iou(a, b):
    inter = max(min(a[2], b[2]) - max(a[0], b[0]), 0) * max(min(a[3], b[3]) - max(a[1], b[1]),
                                                          0)
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / area


def test_detection_post_processing(capsys, tmp_path):
    _out, env = run_program("tf_detection_post_fidtf8.py", capsys, [tmp_path])
    res, props, table = env["out"], env["props_norm"], env["score_table"]
    np.testing.assert_allclose(res["image"], env["scene"] / 255.0, rtol=1e-6)  # PNG round trip
    want_boxes, want_classes = [], []
    for c in (1, 2):                          # greedy NMS per class, in NumPy
        keep: list[int] = []
        for i in sorted(range(len(props)), key=lambda i: (-table[i, c], i)):
            if table[i, c] > 0.3 and len(keep) < 2 and \
                    all(_iou(props[i], props[j]) < 0.5 for j in keep):   # (TF 1.15: >=)
                keep.append(i)
        want_boxes += [props[i] for i in keep]
        want_classes += [c] * len(keep)
    np.testing.assert_allclose(res["boxes"], want_boxes)
    assert res["classes"].tolist() == want_classes
    assert [n.decode() for n in res["names"]] == ["red_square", "red_square", "blue_square",
                                                  "blue_square"]
    # crop_and_resize recomputed: bilinear samples of the decoded image
    img = res["image"].astype(np.float64)
    for k, (y1, x1, y2, x2) in enumerate(res["boxes"].astype(np.float32)):
        ys = y1 * np.float32(31) + np.arange(14, dtype=np.float32) * ((y2 - y1) * np.float32(
            31) / np.float32(13))
        xs = x1 * np.float32(39) + np.arange(14, dtype=np.float32) * ((x2 - x1) * np.float32(
            39) / np.float32(13))
        y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
        y1i, x1i = np.ceil(ys).astype(int), np.ceil(xs).astype(int)
        fy, fx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
        top = img[y0][:, x0] + (img[y0][:, x1i] - img[y0][:, x0]) * fx
        bot = img[y1i][:, x0] + (img[y1i][:, x1i] - img[y1i][:, x0]) * fx
        np.testing.assert_allclose(res["crops"][k], top + (bot - top) * fy, rtol=1e-5,
                                   atol=1e-5)
    pooled = res["crops"].reshape(4, 7, 2, 7, 2, 3).max((2, 4))
    np.testing.assert_allclose(res["pooled"], pooled)
    assert res["mean_color"][0][0] > 0.7 and res["mean_color"][2][2] > 0.7


def test_vae_contrib_distributions(capsys):
    out, env = run_program("tf_vae_danijar_fidtf8.py", capsys)
    elbos = env["elbos"]
    assert np.mean(elbos[-10:]) > np.mean(elbos[:10]) + 1.0
    c, x = env["check"], env["images"][:8].astype(np.float64)
    # the run's ELBO recomputed from its fetched posterior, code and decoder logits
    lg = c["logits"].astype(np.float64)
    loglik = (x * -np.logaddexp(0, -lg) + (1 - x) * -np.logaddexp(0, lg)).sum(1)
    loc, scale = c["loc"].astype(np.float64), c["scale"].astype(np.float64)
    kl = 0.5 * (scale ** 2 + loc ** 2 - 1 - np.log(scale ** 2)).sum(1)
    np.testing.assert_allclose(c["likelihood"], loglik, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(c["kl"], kl, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(c["elbo"], np.mean(loglik - kl), rtol=1e-4, atol=1e-4)
    assert "samples (5, 16)" in out and "'decoder/dense/bias:0'" in out
