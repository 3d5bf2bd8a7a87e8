"""``keras.preprocessing.sequence``: padding variable-length sequences into one array, and the
skip-gram pairs of word2vec (Keras 2 semantics)."""

from __future__ import annotations

import random

import numpy as np


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0) -> np.ndarray:
    """An array ``(len(sequences), maxlen) + sample_shape`` holding each sequence, cut to
    ``maxlen`` (its start dropped with ``truncating='pre'``, its end with ``'post'``) and
    filled with ``value`` before (``padding='pre'``) or after (``'post'``) it.  ``maxlen``
    defaults to the longest sequence; the sample shape is that of the first non-empty
    sequence's elements, and every other must match."""
    if not hasattr(sequences, "__len__"):
        raise ValueError("`sequences` must be iterable.")
    lengths = []
    sample_shape: tuple = ()
    found = False
    for s in sequences:
        try:
            n = len(s)
        except TypeError:
            raise ValueError("`sequences` must be a list of iterables. Found non-iterable: "
                             + str(s)) from None
        lengths.append(n)
        if not found and n:
            sample_shape = np.asarray(s).shape[1:]
            found = True
    if maxlen is None:
        maxlen = int(np.max(lengths)) if lengths else 0
    is_str = np.issubdtype(np.dtype(dtype), np.str_)
    if isinstance(value, str) and np.dtype(dtype) != np.dtype(object) and not is_str:
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: "
                         f"{type(value)}\nYou should set `dtype=object` for variable length "
                         "strings.")
    if truncating not in ("pre", "post"):
        raise ValueError(f'Truncating type "{truncating}" not understood')
    if padding not in ("pre", "post"):
        raise ValueError(f'Padding type "{padding}" not understood')
    out = np.full((len(sequences), maxlen) + tuple(sample_shape), value, dtype=dtype)
    for i, s in enumerate(sequences):
        if not len(s):
            continue
        kept = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(f"Shape of sample {kept.shape[1:]} of sequence at position {i} "
                             f"is different from expected shape {sample_shape}")
        if padding == "post":
            out[i, :len(kept)] = kept
        else:
            out[i, -len(kept):] = kept
    return out


def make_sampling_table(size: int, sampling_factor: float = 1e-5) -> np.ndarray:
    """The probability of keeping the word of each frequency rank (rank ``i`` is the ``i``-th
    most frequent word), for ``skipgrams``: word frequencies are taken to follow Zipf's law,
    ``p(keep) = min(1, sqrt(t / f))`` as in word2vec's subsampling."""
    gamma = 0.577
    rank = np.arange(size)
    rank[0] = 1
    inv_fq = rank * (np.log(rank) + gamma) + 0.5 - 1.0 / (12.0 * rank)
    f = sampling_factor * inv_fq
    return np.minimum(1.0, f / np.sqrt(f))


def skipgrams(sequence, vocabulary_size, window_size=4, negative_samples=1.0, shuffle=True,
              categorical=False, sampling_table=None, seed=None):
    """word2vec's training pairs: ``([[word, context], ...], labels)`` with label 1 for each
    word and a neighbour within ``window_size`` (index 0, padding, skipped), and
    ``negative_samples`` times as many pairs of a word and a random index in
    ``[1, vocabulary_size)`` with label 0.  ``sampling_table[w]``: the probability of keeping
    word ``w`` as a centre.  Python's ``random`` module is the source, as in Keras."""
    couples: list = []
    labels: list = []
    for i, wi in enumerate(sequence):
        if not wi:
            continue
        if sampling_table is not None and sampling_table[wi] < random.random():
            continue
        for j in range(max(0, i - window_size), min(len(sequence), i + window_size + 1)):
            if j != i:
                wj = sequence[j]
                if not wj:
                    continue
                couples.append([wi, wj])
                labels.append([0, 1] if categorical else 1)
    if negative_samples > 0:
        n_neg = int(len(labels) * negative_samples)
        words = [c[0] for c in couples]
        random.shuffle(words)
        couples += [[words[i % len(words)], random.randint(1, vocabulary_size - 1)]
                    for i in range(n_neg)]
        labels += [[1, 0] if categorical else 0] * n_neg
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(10e6))
        random.seed(seed)
        random.shuffle(couples)
        random.seed(seed)
        random.shuffle(labels)
    return couples, labels


__all__ = ["make_sampling_table", "pad_sequences", "skipgrams"]
