"""Keras programs written the way keras.io's examples and the Keras guides write them (in this
folder: keras_*.py), run as scripts on dlcore_static.keras.  Their printed results are checked
against NumPy recomputations and the properties the programs state, and the trained models'
outputs against real Keras 3 (NumPy backend, inference only) given the same weights."""

from __future__ import annotations

import os
import re
import runpy
import sys

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.keras import backend as K
from tests.io.real_keras import keras3 as _real_keras3

HERE = os.path.dirname(__file__)


def run_program(name, capsys, argv=(), graph_seed=None):
    """Runs a program as ``python name argv...``; returns (stdout, the script's globals).
    ``graph_seed``: ``tf.set_random_seed`` on the fresh graph first, for a program whose
    unseeded initial weights decide whether it reaches the accuracy a test checks."""
    tf.reset_default_graph()
    K.clear_session()
    if graph_seed is not None:
        tf.set_random_seed(graph_seed)
    old = sys.argv
    sys.argv = [name] + [str(a) for a in argv]
    try:
        env = runpy.run_path(os.path.join(HERE, name), run_name="__main__")
    finally:
        sys.argv = old
    return capsys.readouterr().out, env


def numbers(line: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", line)]


def line(out: str, start: str) -> str:
    return next(ln for ln in out.splitlines() if ln.startswith(start))


@pytest.fixture(scope="module")
def keras3():
    return _real_keras3()       # (Keras 3 on the NumPy backend, or the test is skipped)


def test_text_cnn_imdb_style(capsys, keras3):
    out, env = run_program("keras_text_cnn.py", capsys)
    assert "x_train shape: (320, 20)" in out and "x_test shape: (80, 20)" in out
    assert "Total params: 1,009" in out
    ep = np.array([numbers(ln) for ln in out.splitlines() if ln.startswith("epoch")])
    assert ep.shape == (8, 4) and ep[-1, 0] < ep[0, 0] - 0.05 and ep[-1, 3] > 0.9
    score, acc = numbers(line(out, "Test score"))[0], numbers(line(out, "Test accuracy"))[0]
    assert (score, acc) == pytest.approx((ep[-1, 2], ep[-1, 3]), abs=1e-4)
    model, x_test, y_test = env["model"], env["x_test"], env["y_test"]
    p = model.predict(x_test)[:, 0].astype(np.float64)
    bce = -np.mean(y_test * np.log(p) + (1 - y_test) * np.log(1 - p))
    assert bce == pytest.approx(score, abs=1e-4)
    assert ((p > 0.5) == y_test).mean() == pytest.approx(acc)
    L = keras3.layers                          # the same network in Keras 3, same weights
    ref = keras3.Sequential([keras3.Input((20,)), L.Embedding(40, 8), L.Dropout(0.2),
                             L.Conv1D(16, 3, activation="relu"), L.GlobalMaxPooling1D(),
                             L.Dense(16), L.Dropout(0.2), L.Activation("relu"), L.Dense(1),
                             L.Activation("sigmoid")])
    ref.set_weights(model.get_weights())
    np.testing.assert_allclose(ref.predict(x_test, verbose=0)[:, 0], p, atol=1e-5)


def test_bidirectional_lstm_over_masked_embeddings(capsys, keras3):
    out, env = run_program("keras_bidirectional_lstm.py", capsys)
    assert "x_train shape: (256, 8)" in out
    losses = numbers(line(out, "loss:"))
    val_acc = numbers(line(out, "val_accuracy:"))
    assert len(losses) == 8 and losses[-1] < 0.5 * losses[0] and val_acc[-1] > 0.9
    assert numbers(line(out, "accuracy from predict"))[0] == pytest.approx(val_acc[-1])
    model, x_test = env["model"], env["x_test"]
    L = keras3.layers
    ref = keras3.Sequential([keras3.Input((8,)), L.Embedding(12, 8, mask_zero=True),
                             L.Bidirectional(L.LSTM(8, recurrent_activation="sigmoid")),
                             L.Dropout(0.25), L.Dense(1, activation="sigmoid")])
    ref.set_weights(model.get_weights())
    np.testing.assert_allclose(ref.predict(x_test, verbose=0), model.predict(x_test),
                               atol=1e-5)


def test_cnn_with_early_stopping_checkpoint_and_load_model(capsys, tmp_path, keras3):
    out, env = run_program("keras_cnn_callbacks.py", capsys, [tmp_path])
    assert "x_train shape: (240, 10, 10, 1)" in out
    assert line(out, "history keys") == \
        "history keys: ['accuracy', 'loss', 'val_accuracy', 'val_loss']"
    n = int(line(out, "epochs run").split()[-1])
    val = numbers(line(out, "val_loss:"))
    best = int(np.argmin(val))
    assert n == len(val) < 25 and n == best + 3             # patience 2 after the best epoch
    assert f"Epoch {n}: early stopping" in out
    assert f"Epoch {best + 1}: val_loss improved" in out
    assert f"Epoch {n}: val_loss did not improve" in out
    model, x_test, y_test = env["model"], env["x_test"], env["y_test"]
    probs = model.predict(x_test).astype(np.float64)
    test_loss = numbers(line(out, "Test loss"))[0]
    assert -np.mean(np.sum(y_test * np.log(probs), 1)) == pytest.approx(test_loss, abs=1e-4)
    acc = (probs.argmax(1) == y_test.argmax(1)).mean()
    assert numbers(line(out, "Test accuracy"))[0] == pytest.approx(acc) and acc > 0.9
    # restore_best_weights and the best checkpoint hold the same weights
    assert "max |restored - model| on predict: 0.00e+00" in out
    ref = keras3.models.load_model(str(tmp_path / "best_model.h5"), compile=False)
    np.testing.assert_allclose(ref.predict(x_test, verbose=0), probs, atol=1e-5)


def test_functional_shared_lstm_two_outputs(capsys, tmp_path):
    out, env = run_program("keras_shared_layers_multi_output.py", capsys, [tmp_path])
    assert line(out, "history keys") == ("history keys: ['loss', 'same_author_accuracy', "
                                         "'same_author_loss', 'topic_accuracy', 'topic_loss']")
    losses = numbers(line(out, "loss:"))
    assert losses[-1] < 0.6 * losses[0]
    ev = dict(re.findall(r"(\w+)=(\d+\.\d+)", line(out, "evaluate:")))
    ev = {k: float(v) for k, v in ev.items()}
    assert ev["loss"] == pytest.approx(ev["same_author_loss"] + 0.5 * ev["topic_loss"],
                                       abs=2e-4)
    p_same, p_topic = (np.asarray(a, np.float64) for a in (env["p_same"], env["p_topic"]))
    y, t = env["same_author"], env["topic_onehot"]
    bce = -np.mean(y * np.log(p_same[:, 0]) + (1 - y) * np.log(1 - p_same[:, 0]))
    assert bce == pytest.approx(ev["same_author_loss"], abs=1e-4)
    assert -np.mean(np.sum(t * np.log(p_topic), 1)) == pytest.approx(ev["topic_loss"], abs=1e-4)
    assert ((p_same[:, 0] > 0.5) == y).mean() == pytest.approx(ev["same_author_accuracy"],
                                                              abs=1e-4)
    assert ev["topic_accuracy"] > 0.9
    assert "predict shapes: (192, 1) (192, 3)" in out
    assert "max |restored - model|: 0.00e+00" in out
    assert (tmp_path / "tweets.weights.h5").exists()


def test_subclassed_model_trained_by_fit(capsys, keras3):
    out, env = run_program("keras_subclassed_model.py", capsys)
    assert line(out, "layers:") == "layers: ['dense', 'dropout', 'dense_1']"
    assert line(out, "weights:") == "weights: [(16, 32), (32,), (32, 4), (4,)]"
    losses, accs = numbers(line(out, "loss:")), numbers(line(out, "accuracy:"))
    assert len(losses) == 10 and losses[-1] < 0.7 * losses[0] and accs[-1] > accs[0]
    assert "output shape: (?, 4)" in out
    model, data, labels = env["model"], env["data"], env["labels"]
    w1, b1, w2, b2 = model.get_weights()
    z = np.maximum(data @ w1 + b1, 0) @ w2 + b2
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    loss, acc = numbers(line(out, "evaluate:"))
    assert -np.mean(np.sum(labels * np.log(p), 1)) == pytest.approx(loss, abs=1e-4)
    assert (p.argmax(1) == labels.argmax(1)).mean() == pytest.approx(acc)

    class MyModel(keras3.Model):                  # the same class in Keras 3, same weights
        def __init__(self, num_classes=10):
            super().__init__(name="my_model")
            self.dense_1 = keras3.layers.Dense(32, activation="relu")
            self.dropout = keras3.layers.Dropout(0.1)
            self.dense_2 = keras3.layers.Dense(num_classes, activation="softmax")

        def call(self, inputs):
            return self.dense_2(self.dropout(self.dense_1(inputs)))

    ref = MyModel(num_classes=4)
    ref(data[:1])                                 # builds it
    ref.set_weights(model.get_weights())
    np.testing.assert_allclose(ref.predict(data, verbose=0), model.predict(data), atol=1e-5)


def test_tokenizer_pad_sequences_to_categorical_and_an_mlp(capsys, keras3):
    import collections
    out, env = run_program("keras_tokenizer_bag_of_words.py", capsys)
    texts, sequences = env["texts"], env["sequences"]
    counts = collections.Counter()                 # Keras's order: by count, ties by first use
    for t in texts:
        counts.update(w.strip("!").lower() for w in t.split())
    ranked = sorted(counts, key=lambda w: -counts[w])
    assert env["tokenizer"].word_index == {w: i + 1 for i, w in enumerate(ranked)}
    ref_seq = [[ranked.index(w.strip("!").lower()) + 1 for w in t.split()] for t in texts]
    assert sequences == [[i for i in s if i < 30] for s in ref_seq]        # num_words=30
    np.testing.assert_array_equal(
        env["padded"], keras3.utils.pad_sequences(sequences, maxlen=8, padding="post",
                                                  truncating="pre"))
    np.testing.assert_array_equal(env["y"], keras3.utils.to_categorical(env["labels"], 3))
    want = np.zeros((len(texts), 30))
    for r, s in enumerate(sequences):
        want[r, s] = 1
    np.testing.assert_array_equal(env["x"], want)
    losses = numbers(line(out, "loss:"))
    assert losses[-1] < 0.2 * losses[0] and numbers(line(out, "val_accuracy"))[0] > 0.9
