"""Keras 3's StringLookup, IntegerLookup and TextVectorization on the static graph.  Keras 3
runs these layers through TensorFlow (not installed here), so the oracles are the outputs that
Keras's own docstrings print for the same inputs, and NumPy for tf_idf."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore_static import keras
from dlcore_static.keras import layers as L


def _run(layer, x, dtype):
    keras.backend.clear_session()
    inp = keras.Input(np.shape(x)[1:], dtype=dtype)
    return keras.Model(inp, layer(inp)).predict(np.asarray(x))


def test_text_vectorization_int_as_keras_docstring():
    v = L.TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4)
    v.adapt(["foo bar", "bar baz", "baz bada boom"])       # ties: the later token first
    assert v.get_vocabulary() == ["", "[UNK]", "baz", "bar", "foo", "boom", "bada"]
    got = _run(v, [["foo qux bar"], ["qux baz"]], "string")
    np.testing.assert_array_equal(got, [[4, 1, 3, 0], [1, 2, 0, 0]])
    w = L.TextVectorization(output_sequence_length=4,
                            vocabulary=["earth", "wind", "and", "fire"])
    assert w.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]
    np.testing.assert_array_equal(_run(w, [["Earth, wind & ALSO fire!"]], "string"),
                                  [[2, 3, 1, 5]])            # lower case, punctuation gone
    small = L.TextVectorization(max_tokens=4)
    small.adapt(np.array(["a b b c c c"]))
    assert small.get_vocabulary() == ["", "[UNK]", "c", "b"]
    np.testing.assert_array_equal(_run(small, [["c a"], ["b b b"]], "string"),
                                  [[2, 1, 0], [3, 3, 3]])   # padded to the longest text


def test_text_vectorization_multi_hot_and_tf_idf():
    docs = ["the cat", "the dog sat", "a cat"]
    mh = L.TextVectorization(output_mode="multi_hot")
    mh.adapt(docs)
    assert mh.get_vocabulary() == ["[UNK]", "the", "cat", "sat", "dog", "a"]
    np.testing.assert_array_equal(_run(mh, [["the cat cat zebra"]], "string"),
                                  [[1, 1, 1, 0, 0, 0]])
    tf = L.TextVectorization(output_mode="tf_idf")
    tf.adapt(docs)
    df = np.array([2, 2, 1, 1, 1])
    idf = np.log(1 + 3 / (1 + df))
    got = _run(tf, [["the cat cat"], ["zebra"]], "string")
    np.testing.assert_allclose(got[0], [0, idf[0], 2 * idf[1], 0, 0, 0], rtol=1e-6)
    np.testing.assert_allclose(got[1], [idf.mean(), 0, 0, 0, 0, 0], rtol=1e-6)  # OOV: mean
    with pytest.raises(RuntimeError, match="you must set the layer's vocabulary before"):
        _run(L.TextVectorization(output_mode="count"), [["x"]], "string")


def test_string_and_integer_lookup_as_keras_docstrings():
    vocab = ["a", "b", "c", "d"]
    data = [["a", "c", "d"], ["d", "z", "b"]]
    np.testing.assert_array_equal(_run(L.StringLookup(vocabulary=vocab), data, "string"),
                                  [[1, 3, 4], [4, 0, 2]])
    inv = _run(L.StringLookup(vocabulary=vocab, invert=True), [[1, 3, 4], [4, 0, 2]], "int64")
    assert inv.tolist() == [[b"a", b"c", b"d"], [b"d", b"[UNK]", b"b"]]
    mh = _run(L.StringLookup(vocabulary=vocab, output_mode="multi_hot"),
              [["a", "b", "c", "d"], ["d", "z", "b", "z"]], "string")
    np.testing.assert_array_equal(mh, [[0, 1, 1, 1, 1], [1, 0, 1, 0, 1]])
    tfidf = _run(L.StringLookup(vocabulary=vocab, output_mode="tf_idf",
                                idf_weights=[0.25, 0.75, 0.6, 0.4]),
                 [["a", "c", "d", "d"], ["d", "z", "b", "z"]], "string")
    np.testing.assert_allclose(tfidf, [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]])
    masked = L.StringLookup(vocabulary=vocab, mask_token="")
    np.testing.assert_array_equal(_run(masked, [["a", "", "z"]], "string"), [[2, 0, 1]])
    il = L.IntegerLookup(vocabulary=[12, 36, 1138, 42])
    np.testing.assert_array_equal(_run(il, [[12, 1138, 42], [42, 1000, 36]], "int64"),
                                  [[1, 3, 4], [4, 0, 2]])
    learnt = L.IntegerLookup()
    learnt.adapt(np.array([[12, 1138, 42], [42, 1000, 36], [36, 36, 42]]))
    assert learnt.get_vocabulary() == [-1, 42, 36, 1138, 1000, 12]
    with pytest.raises(ValueError, match="repeated term"):
        L.StringLookup(vocabulary=["a", "a"])


def test_text_classifier_trains_on_strings():
    """The text-classification tutorial's shape: strings in, TextVectorization, Embedding."""
    keras.backend.clear_session()
    texts = np.array([["good movie"], ["bad movie"], ["good good"], ["bad plot"]])
    y = np.array([1, 0, 1, 0], "float32")
    vec = L.TextVectorization(max_tokens=20, output_sequence_length=3)
    vec.adapt(texts[:, 0])
    inp = keras.Input(shape=(1,), dtype="string")
    h = L.GlobalAveragePooling1D()(L.Embedding(20, 4)(vec(inp)))
    model = keras.Model(inp, L.Dense(1, activation="sigmoid")(h))
    model.compile("adam", "binary_crossentropy")
    hist = model.fit(texts, y, epochs=3, verbose=0, batch_size=4)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert model.predict(texts).shape == (4, 1)


def test_hashing_bins_as_keras_docstring():
    data = [["A"], ["B"], ["C"], ["D"], ["E"]]
    np.testing.assert_array_equal(_run(L.Hashing(num_bins=3), data, "string"),
                                  [[1], [0], [1], [1], [2]])
    np.testing.assert_array_equal(
        _run(L.Hashing(num_bins=3, mask_value=""), [["A"], ["B"], [""], ["C"], ["D"]],
             "string"), [[1], [1], [0], [2], [2]])
    np.testing.assert_array_equal(_run(L.Hashing(num_bins=3, salt=[133, 137]), data, "string"),
                                  [[1], [2], [1], [0], [2]])
    np.testing.assert_array_equal(_run(L.Hashing(num_bins=3, salt=133), data, "string"),
                                  [[0], [0], [2], [1], [0]])
    ints = _run(L.Hashing(num_bins=4, output_mode="multi_hot"), [[1, 2], [3, 3]], "int64")
    assert ints.shape == (2, 4) and set(np.unique(ints)) <= {0.0, 1.0}
    with pytest.raises(ValueError, match="cannot be `None` or non-positive"):
        L.Hashing(num_bins=0)


def test_text_layers_saved_and_loaded(tmp_path):
    keras.backend.clear_session()
    vec = L.TextVectorization(max_tokens=10, output_sequence_length=3)
    vec.adapt(["a b b", "c c c d"])
    inp = keras.Input(shape=(1,), dtype="string")
    look = L.StringLookup(vocabulary=["x", "y"], output_mode="multi_hot")
    hashed = L.Hashing(5, salt=7)
    model = keras.Model(inp, [vec(inp), look(inp), hashed(inp)])
    texts = np.array([["c b zebra"], ["y"]])
    want = model.predict(texts)
    model.save(str(tmp_path / "t.keras"))
    back = keras.models.load_model(str(tmp_path / "t.keras"))
    for a, b in zip(back.predict(texts), want):
        np.testing.assert_array_equal(a, b)
    assert back.layers[1].get_vocabulary() == vec.get_vocabulary()
