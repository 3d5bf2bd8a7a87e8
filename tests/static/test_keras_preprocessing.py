"""keras.preprocessing.sequence and .text (the IMDB and text-classification examples start with
them).  Expected values were checked against keras_preprocessing 1.1.2 (which no longer imports
under NumPy 2, so it is not the oracle here)."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from dlcore_static.keras.preprocessing import sequence, text

SEQS = [[1, 2, 3], [4, 5], [], [6, 7, 8, 9, 10]]


def test_pad_sequences_pre_and_post_padding_and_truncation():
    np.testing.assert_array_equal(sequence.pad_sequences(SEQS), [
        [0, 0, 1, 2, 3], [0, 0, 0, 4, 5], [0, 0, 0, 0, 0], [6, 7, 8, 9, 10]])
    np.testing.assert_array_equal(sequence.pad_sequences(SEQS, maxlen=3), [
        [1, 2, 3], [0, 4, 5], [0, 0, 0], [8, 9, 10]])
    got = sequence.pad_sequences(SEQS, maxlen=4, padding="post", truncating="post",
                                 value=-1, dtype="float32")
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, [[1, 2, 3, -1], [4, 5, -1, -1], [-1] * 4, [6, 7, 8, 9]])
    assert sequence.pad_sequences(SEQS).dtype == np.int32
    vec = sequence.pad_sequences([[[1, 2], [3, 4]], [[5, 6]]], maxlen=3)
    assert vec.shape == (2, 3, 2) and vec[1].tolist() == [[0, 0], [0, 0], [5, 6]]


def test_pad_sequences_errors():
    with pytest.raises(ValueError, match='Padding type "middle" not understood'):
        sequence.pad_sequences(SEQS, padding="middle")
    with pytest.raises(ValueError, match="must be a list of iterables. Found non-iterable: 3"):
        sequence.pad_sequences([[1], 3])
    with pytest.raises(ValueError, match="Shape of sample \\(3,\\) of sequence at position 1"):
        sequence.pad_sequences([[[1, 2]], [[1, 2, 3]]])
    with pytest.raises(ValueError, match="You should set `dtype=object`"):
        sequence.pad_sequences([["a"]], value="x")


def test_skipgrams_pairs_and_sampling_table():
    couples, labels = sequence.skipgrams([1, 2, 0, 3], 10, window_size=1, negative_samples=0,
                                         shuffle=False)
    assert couples == [[1, 2], [2, 1]] and labels == [1, 1]      # 0 is padding, skipped
    random.seed(0)
    couples, labels = sequence.skipgrams([1, 2, 3, 4], 10, window_size=2, seed=3)
    assert len(couples) == 2 * 10 and sorted(labels) == [0] * 10 + [1] * 10
    assert all(1 <= c[1] < 10 for c, lab in zip(couples, labels) if lab == 0)
    table = sequence.make_sampling_table(5, sampling_factor=0.01)
    rank = np.array([1, 1, 2, 3, 4])
    f = 0.01 * (rank * (np.log(rank) + 0.577) + 0.5 - 1 / (12 * rank))
    np.testing.assert_allclose(table, np.minimum(1, f / np.sqrt(f)))


TEXTS = ["The cat sat on the mat.", "The dog ate my homework!", "cat, dog; cat? Mat"]


def test_tokenizer_numbers_words_by_frequency_and_converts_both_ways():
    tok = text.Tokenizer(num_words=4, oov_token="<unk>")
    tok.fit_on_texts(TEXTS)
    assert list(tok.word_index.items())[:5] == [("<unk>", 1), ("the", 2), ("cat", 3),
                                                ("mat", 4), ("dog", 5)]
    assert tok.document_count == 3 and tok.word_counts["cat"] == 3 and tok.word_docs["cat"] == 2
    seqs = tok.texts_to_sequences(TEXTS + ["A cat!"])
    assert seqs == [[2, 3, 1, 1, 2, 1], [2, 1, 1, 1, 1], [3, 1, 3, 1], [1, 3]]
    assert tok.sequences_to_texts(seqs[:1]) == ["the cat <unk> <unk> the <unk>"]
    plain = text.Tokenizer()
    plain.fit_on_texts(TEXTS)
    assert plain.texts_to_sequences(["A cat sat!"]) == [[2, 5]]       # unknown words dropped
    m = plain.texts_to_matrix(TEXTS[:1], mode="count")
    assert m.shape == (1, 10) and m[0, 1] == 2 and m[0, 2] == 1 and m[0, 0] == 0
    tfidf = plain.texts_to_matrix(TEXTS[:1], mode="tfidf")
    assert tfidf[0, 1] == pytest.approx((1 + np.log(2)) * np.log(1 + 3 / (1 + 2)))
    assert plain.texts_to_matrix(["mat mat cat"], mode="freq")[0, 3] == pytest.approx(2 / 3)


def test_tokenizer_json_round_trip_and_errors():
    tok = text.Tokenizer(num_words=5)
    tok.fit_on_texts(TEXTS)
    data = json.loads(tok.to_json())
    assert data["class_name"] == "Tokenizer" and data["config"]["num_words"] == 5
    back = text.tokenizer_from_json(tok.to_json())
    assert back.texts_to_sequences(TEXTS) == tok.texts_to_sequences(TEXTS)
    assert back.index_word[1] == "the"
    with pytest.raises(ValueError, match="Specify a dimension"):
        text.Tokenizer().texts_to_matrix(["a"])
    with pytest.raises(TypeError, match="Unrecognized keyword arguments"):
        text.Tokenizer(words=3)
    with pytest.warns(UserWarning, match="renamed `num_words`"):
        assert text.Tokenizer(nb_words=7).num_words == 7


def test_word_sequences_and_hashing():
    assert text.text_to_word_sequence("Hello, World!  a-b") == ["hello", "world", "a", "b"]
    assert text.text_to_word_sequence("Hi there", lower=False) == ["Hi", "there"]
    idx = text.hashing_trick("the cat the", 7, "md5")
    assert idx[0] == idx[2] and all(1 <= i < 7 for i in idx)
    assert idx == text.hashing_trick("the cat the", 7, "md5")
    assert all(1 <= i < 5 for i in text.one_hot("a b c d", 5))
