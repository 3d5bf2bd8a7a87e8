"""``keras.preprocessing.text``: splitting text into words and numbering them (Keras 2
semantics).  A fitted ``Tokenizer`` saves as JSON (``to_json`` / ``tokenizer_from_json``), never
as a pickle."""

from __future__ import annotations

import json
import warnings
from collections import OrderedDict, defaultdict
from hashlib import md5

import numpy as np

FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def text_to_word_sequence(text: str, filters: str = FILTERS, lower: bool = True,
                          split: str = " ") -> list[str]:
    """The words of ``text``: lower-cased, each character of ``filters`` made a separator,
    split on ``split``, empty pieces dropped."""
    if lower:
        text = text.lower()
    table: dict[str, str | int | None] = {c: split for c in filters}   # (maketrans' type)
    text = text.translate(str.maketrans(table))
    return [w for w in text.split(split) if w]


def hashing_trick(text: str, n: int, hash_function=None, filters: str = FILTERS,
                  lower: bool = True, split: str = " ") -> list[int]:
    """Each word's index in ``[1, n)`` by hashing (``hash_function``: a function, ``'md5'``
    for indices stable across processes, or None for Python's ``hash``, which is salted per
    process for strings, as Keras warns)."""
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        def hash_function(w):
            return int(md5(w.encode()).hexdigest(), 16)
    return [hash_function(w) % (n - 1) + 1
            for w in text_to_word_sequence(text, filters=filters, lower=lower, split=split)]


def one_hot(text: str, n: int, filters: str = FILTERS, lower: bool = True,
            split: str = " ") -> list[int]:
    """``hashing_trick`` with Python's ``hash`` (Keras' name: an index per word, not a one-hot
    vector)."""
    return hashing_trick(text, n, hash_function=hash, filters=filters, lower=lower, split=split)


class Tokenizer:
    """Words numbered by frequency: after ``fit_on_texts``, ``word_index[w]`` is 1 for the most
    frequent word (ties in order of first appearance), ``oov_token`` (if given) taking index 1
    before them.  ``texts_to_sequences`` keeps words with an index below ``num_words`` (when
    set), mapping others to the OOV index if there is one and dropping them otherwise."""

    def __init__(self, num_words=None, filters: str = FILTERS, lower: bool = True,
                 split: str = " ", char_level: bool = False, oov_token=None,
                 document_count: int = 0, **kwargs) -> None:
        if "nb_words" in kwargs:
            warnings.warn("The `nb_words` argument in `Tokenizer` has been renamed "
                          "`num_words`.", stacklevel=2)
            num_words = kwargs.pop("nb_words")
        if kwargs:
            raise TypeError("Unrecognized keyword arguments: " + str(kwargs))
        self.word_counts: OrderedDict = OrderedDict()
        self.word_docs: defaultdict = defaultdict(int)
        self.filters, self.split, self.lower = filters, split, lower
        self.num_words = num_words
        self.document_count = document_count
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs: defaultdict = defaultdict(int)
        self.word_index: dict = {}
        self.index_word: dict = {}

    def _words(self, text):
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return text
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts) -> None:
        for text in texts:
            self.document_count += 1
            seq = self._words(text)
            for w in seq:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(seq):
                self.word_docs[w] += 1
        counts = sorted(self.word_counts.items(), key=lambda kv: kv[1], reverse=True)  # stable
        vocab = ([] if self.oov_token is None else [self.oov_token]) + [w for w, _ in counts]
        self.word_index = {w: i for i, w in enumerate(vocab, start=1)}
        self.index_word = {i: w for w, i in self.word_index.items()}
        for w, c in list(self.word_docs.items()):
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences) -> None:
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    def texts_to_sequences(self, texts) -> list[list[int]]:
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        oov = self.word_index.get(self.oov_token)
        for text in texts:
            vect = []
            for w in self._words(text):
                i = self.word_index.get(w)
                if i is not None:
                    if self.num_words and i >= self.num_words:
                        if oov is not None:
                            vect.append(oov)
                    else:
                        vect.append(i)
                elif self.oov_token is not None:
                    vect.append(oov)
            yield vect

    def sequences_to_texts(self, sequences) -> list[str]:
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        oov = self.word_index.get(self.oov_token)
        for seq in sequences:
            words = []
            for num in seq:
                word = self.index_word.get(num)
                if word is not None:
                    if self.num_words and num >= self.num_words:
                        if oov is not None:
                            words.append(self.index_word[oov])
                    else:
                        words.append(word)
                elif self.oov_token is not None:
                    words.append(self.index_word[oov])
            yield " ".join(words)

    def texts_to_matrix(self, texts, mode: str = "binary") -> np.ndarray:
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode: str = "binary") -> np.ndarray:
        """One row per sequence, one column per index below ``num_words`` (or the vocabulary
        size + 1): ``binary`` (present), ``count``, ``freq`` (count / length) or ``tfidf``
        (``(1 + log count) * log(1 + documents / (1 + documents with the word))``)."""
        if not self.num_words:
            if not self.word_index:
                raise ValueError("Specify a dimension (`num_words` argument), or fit on some "
                                 "text data first.")
            num_words = len(self.word_index) + 1
        else:
            num_words = self.num_words
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")
        if mode not in ("binary", "count", "freq", "tfidf"):
            raise ValueError(f"Unknown vectorization mode: {mode}")
        x = np.zeros((len(sequences), num_words))
        for i, seq in enumerate(sequences):
            if not seq:
                continue
            counts: dict = defaultdict(int)
            for j in seq:
                if j < num_words:
                    counts[j] += 1
            for j, c in counts.items():
                if mode == "count":
                    x[i, j] = c
                elif mode == "freq":
                    x[i, j] = c / len(seq)
                elif mode == "binary":
                    x[i, j] = 1
                else:
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    x[i, j] = (1 + np.log(c)) * idf
        return x

    def get_config(self) -> dict:
        """The configuration and vocabulary, the dictionaries as JSON strings (as Keras)."""
        return {"num_words": self.num_words, "filters": self.filters, "lower": self.lower,
                "split": self.split, "char_level": self.char_level,
                "oov_token": self.oov_token, "document_count": self.document_count,
                "word_counts": json.dumps(self.word_counts),
                "word_docs": json.dumps(self.word_docs),
                "index_docs": json.dumps(self.index_docs),
                "index_word": json.dumps(self.index_word),
                "word_index": json.dumps(self.word_index)}

    def to_json(self, **kwargs) -> str:
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()},
                          **kwargs)


def tokenizer_from_json(json_string: str) -> Tokenizer:
    """The Tokenizer that ``to_json`` wrote (Keras' format)."""
    data = json.loads(json_string)
    if not isinstance(data, dict) or not isinstance(data.get("config"), dict):
        raise ValueError("tokenizer_from_json: not a Tokenizer's JSON (no 'config' object)")
    config = dict(data["config"])
    word_counts = json.loads(config.pop("word_counts"))
    word_docs = json.loads(config.pop("word_docs"))
    index_docs = {int(k): v for k, v in json.loads(config.pop("index_docs")).items()}
    index_word = {int(k): v for k, v in json.loads(config.pop("index_word")).items()}
    word_index = json.loads(config.pop("word_index"))
    t = Tokenizer(**config)
    t.word_counts = OrderedDict(word_counts)
    t.word_docs = defaultdict(int, word_docs)
    t.index_docs = defaultdict(int, index_docs)
    t.word_index, t.index_word = word_index, index_word
    return t


__all__ = ["Tokenizer", "hashing_trick", "one_hot", "text_to_word_sequence",
           "tokenizer_from_json"]
