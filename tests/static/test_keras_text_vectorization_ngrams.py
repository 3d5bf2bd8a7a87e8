"""keras.layers.TextVectorization with ngrams (an int n: widths 1..n; a tuple: those widths;
each width's n-grams in order, joined by a space, as tf.strings.ngrams) and with a callable
standardize written with tf.strings ops (keras.io's custom_standardization), in adapt and in
the model.  Keras 3's TextVectorization needs TensorFlow (not installed): the vocabularies and
outputs are checked against a plain-Python recomputation of Keras's rules.  Also: an object
array of str fed to a tf.string placeholder arrives as bytes, as in TensorFlow."""

from __future__ import annotations

import re
import string
from collections import Counter

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static import keras

TEXTS = np.array(["The cat sat.", "the dog, the cat<br />ran", "A bird!"])


def _grams(tokens, widths):
    return [" ".join(tokens[i:i + n]) for n in widths for i in range(len(tokens) - n + 1)]


def _vocab(docs, widths):
    counts = Counter(g for d in docs for g in _grams(d.split(), widths))
    return sorted(counts, key=lambda t: (counts[t], t), reverse=True)


def _predict(layer, texts):
    inp = keras.Input((1,), dtype="string")
    return keras.Model(inp, layer(inp)).predict(texts[:, None])


def custom_standardization(input_data):
    lowercase = tf.strings.lower(input_data)
    stripped_html = tf.strings.regex_replace(lowercase, "<br />", " ")
    return tf.strings.regex_replace(stripped_html, f"[{re.escape(string.punctuation)}]", "")


def _keras_default(t):
    return re.sub(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']', "", t.lower())


def _custom(t):
    return re.sub(f"[{re.escape(string.punctuation)}]", "", t.lower().replace("<br />", " "))


@pytest.mark.parametrize("ngrams,widths", [(2, (1, 2)), ((1, 3), (1, 3))])
def test_ngrams_vocabulary_and_outputs(ngrams, widths):
    keras.backend.clear_session()
    docs = [_keras_default(t) for t in TEXTS]
    layer = keras.layers.TextVectorization(ngrams=ngrams, output_sequence_length=8)
    layer.adapt(TEXTS)
    vocab = ["", "[UNK]"] + _vocab(docs, widths)
    assert layer.get_vocabulary() == vocab
    want = np.zeros((3, 8), np.int64)
    for row, d in zip(want, docs):
        ids = [vocab.index(g) for g in _grams(d.split(), widths)][:8]
        row[:len(ids)] = ids
    np.testing.assert_array_equal(_predict(layer, TEXTS), want)
    assert layer.get_config()["ngrams"] == ngrams
    hot = keras.layers.TextVectorization(ngrams=ngrams, output_mode="multi_hot", max_tokens=9)
    hot.adapt(TEXTS)
    kept = ["[UNK]"] + _vocab(docs, widths)[:8]
    got = _predict(hot, TEXTS[1:2])[0]
    grams = _grams(docs[1].split(), widths)
    assert got.tolist() == [float(t in grams) if t != "[UNK]" else
                            float(any(g not in kept for g in grams)) for t in kept]


def test_callable_standardize_in_adapt_and_call():
    keras.backend.clear_session()
    layer = keras.layers.TextVectorization(standardize=custom_standardization, ngrams=2,
                                           output_sequence_length=10)
    layer.adapt(TEXTS)
    docs = [_custom(t) for t in TEXTS]
    vocab = ["", "[UNK]"] + _vocab(docs, (1, 2))
    assert layer.get_vocabulary() == vocab
    out = _predict(layer, np.array(["THE DOG<br />sat!", "zebra"], dtype=object))
    grams = _grams(["the", "dog", "sat"], (1, 2))
    assert out[0, :5].tolist() == [vocab.index(g) if g in vocab else 1 for g in grams]
    assert "dog sat" in grams and "dog sat" not in vocab
    assert out[1].tolist() == [1] + [0] * 9
    with pytest.raises(ValueError, match="`ngrams` must be None, an integer, or a tuple"):
        keras.layers.TextVectorization(ngrams=[1, 2])


def test_object_array_of_str_is_fed_as_bytes():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.string, [None])
        n = tf.strings.length(x)
    with tf.Session(graph=g) as sess:
        v, k = sess.run([x, n], {x: np.array(["A", "é"], dtype=object)})
    assert v.tolist() == [b"A", "é".encode()] and k.tolist() == [1, 2]


@pytest.mark.parametrize("ngrams", [2, (1, 3)])
def test_ngrams_survive_a_model_file(tmp_path, ngrams):
    keras.backend.clear_session()
    layer = keras.layers.TextVectorization(ngrams=ngrams, output_sequence_length=6)
    layer.adapt(TEXTS)
    inp = keras.Input((1,), dtype="string")
    model = keras.Model(inp, layer(inp))
    x = np.array([["the cat sat down"], ["a dog"]])
    want = model.predict(x)
    path = str(tmp_path / "t.keras")
    model.save(path)
    again = keras.models.load_model(path)
    tv = next(ly for ly in again.layers if type(ly).__name__ == "TextVectorization")
    assert tv.ngrams == ngrams
    np.testing.assert_array_equal(again.predict(x), want)
