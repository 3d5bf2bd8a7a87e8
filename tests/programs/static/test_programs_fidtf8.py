"""TF1 programs of session 19 (fidtf8), written as their public sources are (``import tensorflow
as tf`` renamed ``import dlcore_static as tf``; tiny sizes, synthetic data), each checked for a
real outcome and against NumPy recomputations from the fetched values:

* tf_charrnn_fidtf8.py: sherjilozair/char-rnn-tensorflow (legacy_seq2seq.rnn_decoder with and
  without loop_function, sequence_loss_by_example, Saver round trip, sampling).
* tf_reinforce_fidtf8.py: a REINFORCE policy gradient with tf.distributions.Categorical.
* tf_detection_post_fidtf8.py: detection post-processing (non_max_suppression,
  crop_and_resize, tf.contrib.lookup for class names).
"""

from __future__ import annotations

import os
import runpy
import sys

import numpy as np

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
