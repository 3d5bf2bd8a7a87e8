"""TF1 and Keras programs of the G8 batch (in this folder, as written; tiny sizes, synthetic
data), run as scripts on dlcore_static: tf.nn.raw_rnn as its documentation writes it
(tf_raw_rnn.py), a tf.layers CNN on a [None, None, None, 1] placeholder with SAME convolutions
and a global max (tf_cnn_any_image_size.py); keras.io's 'text classification from scratch'
with a callable standardize, adapt on a dataset and a bigram variant
(keras_text_classification_from_scratch.py), a multi-label tagger with Resizing
(pad_to_aspect_ratio) and AUC(multi_label=True) (keras_multi_label_image_tags.py, against
Keras 3's metric), a stateful LSTM saved and reloaded (keras_stateful_lstm_save_reload.py), a
hand-written seq2seq with greedy decoding in tf.while_loop (tf_seq2seq_greedy_while_loop.py);
checked by its printed properties and against NumPy where the values can be
recomputed."""

from __future__ import annotations

import re
import string
from collections import Counter

import numpy as np
import pytest
from test_programs_keras import keras3, line, numbers, run_program  # noqa: F401


def test_raw_rnn_docs_example_trains(capsys):
    out, env = run_program("tf_raw_rnn.py", capsys)
    assert "outputs shape (6, 4, 8)" in out
    assert "zeros after each length [0.0, 0.0, 0.0, 0.0]" in out
    assert "final h is the last valid output True" in out
    first = numbers(line(out, "step 0 loss"))[0]
    final = numbers(line(out, "final loss"))[0]
    assert final < 0.1 * first
    assert env["outputs"].shape.as_list() == [None, 4, 8]
    np.testing.assert_array_equal(env["lengths"], [6, 4, 3, 5])


def test_cnn_on_images_of_any_size(capsys):
    out, _ = run_program("tf_cnn_any_image_size.py", capsys)
    assert "static shapes: (?, ?, ?, 8) (?, ?, ?, 2) (?, 2)" in out
    losses = [numbers(ln)[-1] for ln in out.splitlines() if ln.startswith("step")]
    assert len(losses) == 4 and losses[-1] < losses[0]
    for size, fmap in (("12x12", "[12, 12]"), ("16x20", "[16, 20]"), ("9x7", "[9, 7]")):
        ln = line(out, f"size {size} feature map")
        assert fmap in ln and numbers(ln)[-1] > 0.8


def _custom(t):
    return re.sub(f"[{re.escape(string.punctuation)}]", "", t.lower().replace("<br />", " "))


def test_text_classification_from_scratch(capsys):
    out, env = run_program("keras_text_classification_from_scratch.py", capsys)
    counts = Counter(w for t in env["texts"][:64] for w in _custom(t).split())
    vocab = ["", "[UNK]"] + sorted(counts, key=lambda w: (counts[w], w), reverse=True)[:28]
    assert env["vectorize_layer"].get_vocabulary() == vocab
    assert numbers(line(out, "val_accuracy"))[0] > 0.9
    losses = numbers(line(out, "loss:"))
    assert len(losses) == 6 and losses[-1] < 0.5 * losses[0]
    raw = np.array([[t] for t in env["texts"][64:70]])
    ids = np.zeros((6, 10), np.int64)          # padded to output_sequence_length
    for row, t in zip(ids, env["texts"][64:70]):
        got = [vocab.index(w) if w in vocab else 1 for w in _custom(t).split()][:10]
        row[:len(got)] = got
    np.testing.assert_allclose(env["end_to_end_model"].predict(raw),
                               env["model"].predict(ids), rtol=1e-5, atol=1e-6)
    sample = line(out, "bigram vocabulary sample")
    assert sample.count(" ") >= 6
    assert numbers(line(out, "bag of bigrams accuracy"))[0] > 0.7


def test_multi_label_image_tags_auc_matches_keras3(capsys, keras3):  # noqa: F811
    out, env = run_program("keras_multi_label_image_tags.py", capsys)
    probs, y_val = env["probs"], env["y_val"]
    loss, auc, wauc = numbers(line(out, "evaluate:"))
    for kw, got in (({}, auc), ({"label_weights": [1.0, 1.0, 2.0]}, wauc)):
        ref = keras3.metrics.AUC(multi_label=True, **kw)
        ref.update_state(y_val, probs)
        assert got == pytest.approx(float(np.asarray(ref.result())), abs=1e-4)
    assert "padded input shape (1, 8, 8, 1) top rows are fill: 0.0" in out
    hist = env["history"].history
    assert hist["val_auc"][-1] == pytest.approx(auc, abs=1e-4)
    bce = -np.mean(y_val * np.log(probs) + (1 - y_val) * np.log(1 - probs))
    assert loss == pytest.approx(bce, abs=1e-3)


def test_stateful_lstm_save_reload(capsys):
    out, _ = run_program("keras_stateful_lstm_save_reload.py", capsys)
    for name in ("stateful.h5", "stateful.keras"):
        assert f"{name} stateful: True in config: True batch: 4" in out
        assert f"{name} same predictions: True" in out
    losses = [numbers(ln)[-1] for ln in out.splitlines() if ln.startswith("Epoch")]
    assert len(losses) == 6 and losses[-1] < 0.2 * losses[0]


def test_seq2seq_greedy_decoding_with_while_loop(capsys):
    out, env = run_program("tf_seq2seq_greedy_while_loop.py", capsys)
    assert "decoded shape (64, 5)" in out
    assert numbers(line(out, "greedy token accuracy"))[0] > 0.8
    losses = [numbers(ln)[-1] for ln in out.splitlines() if ln.startswith("step")]
    assert losses[-1] < 0.3 * losses[0]
    # the while_loop's tokens are what the teacher-forced graph predicts when fed them back
    assert "teacher forcing on the greedy tokens gives them back: True" in out
    dec = env["decoded"]
    assert dec.shape == (64, 5) and set(np.unique(dec)) <= set(range(10))
