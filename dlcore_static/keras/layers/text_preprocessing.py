"""Keras 3's vocabulary layers: ``StringLookup``, ``IntegerLookup``, ``TextVectorization`` and
``Hashing`` (``Fingerprint64(s) % num_bins``, SipHash keyed by ``salt`` when given, integers
hashed as their decimal text, ``mask_value`` to 0 and the rest shifted by one: Keras's bins).

A vocabulary (given, or learnt by ``adapt``: the most frequent tokens first, ties broken by the
token in descending order, as Keras's ``np.lexsort((tokens, counts))[::-1]``) maps tokens to
indices laid out as Keras lays them out: with ``output_mode='int'`` the mask token (if any) is
0, then ``num_oov_indices`` OOV indices (only 0 or 1 here), then the vocabulary; in the other
modes there is no mask index.  ``output_mode``: ``int`` (the indices), ``one_hot``,
``multi_hot``, ``count`` and ``tf_idf`` (counts times ``log(1 + N / (1 + df))``, the special
indices weighted by the mean weight) over ``vocabulary_size()`` (or ``max_tokens`` with
``pad_to_max_tokens``) columns; ``invert=True`` maps indices back to tokens.

``TextVectorization``: ``standardize='lower_and_strip_punctuation'`` (lower case, then Keras's
punctuation class removed; or a callable written with ``tf.strings`` ops, run in the graph
before the lookup and, for ``adapt``, once over all texts in a graph of its own),
``split='whitespace'``, ``ngrams`` (each width's n-grams joined by a space, after the
unigrams, as ``tf.strings.ngrams``), then the lookup (mask ``''`` at 0 and
``'[UNK]'`` at 1 in ``int`` mode), padded or cut to ``output_sequence_length`` (padded to the
longest text of the batch when it is None).

The strings are Python values, so the lookup is a host op (``dlcore_static.host_ops``): a graph
node computed by NumPy on the CPU, with no gradient.  Its attribute is the layer's state (plain
data: the vocabulary list, the idf weights), read at run time, so ``adapt`` after the layer is
in a model changes what the model computes (the output width of the non-``int`` modes is fixed
when the layer is called, as in Keras).
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from ... import host_ops
from .. import backend as K
from ..engine import Layer

__all__ = ["Hashing", "IntegerLookup", "StringLookup", "TextVectorization"]

_STRIP = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def _text(v) -> str:
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def _key(v, strings: bool):
    return _text(v) if strings else int(v)


def _rows(id_lists, mode: str, depth: int, idf) -> np.ndarray:
    """One multi_hot / count / tf_idf row of ``depth`` per list of indices."""
    out = np.zeros((len(id_lists), depth), np.float32)
    for row, ids in zip(out, id_lists):
        np.add.at(row, np.asarray(ids, np.int64), 1.0)
    if mode == "multi_hot":
        out = np.minimum(out, 1.0)
    elif mode == "tf_idf":
        out = out * np.asarray(idf, np.float32)[:depth]
    return out


def _encoded_shape(shape: tuple, mode: str, depth: int) -> tuple:
    """The output shape of a one_hot / multi_hot / count / tf_idf encoding of ``shape``'s ids:
    one_hot adds an axis (unless the last is 1), the others replace the last axis (Keras)."""
    if mode == "one_hot" and (not shape or shape[-1] != 1):
        return shape + (depth,)
    return (shape[:-1] if len(shape) > 1 else ()) + (depth,)


def _ids(x: np.ndarray, state: dict) -> np.ndarray:
    table, oov = state["table"], state["oov_index"]
    ids = np.array([table.get(_key(v, state["strings"]), oov) for v in x.ravel().tolist()],
                   dtype=np.int64).reshape(x.shape)
    if oov < 0 and (ids < 0).any():
        raise ValueError("A token is not in the vocabulary and num_oov_indices=0 leaves no "
                         "index for it")
    return ids


def _lookup(x: np.ndarray, state: dict) -> np.ndarray:
    """The host op: tokens (any shape) -> indices or encoded rows; or back with ``invert``."""
    if state["invert"]:
        inv, oov = state["inverse"], state["oov"]
        vals = [inv.get(int(i), oov) for i in x.ravel().tolist()]
        if not state["strings"]:
            return np.array(vals, np.int64).reshape(x.shape)
        out = np.empty(len(vals), object)
        out[:] = [v.encode() for v in vals]
        return out.reshape(x.shape)
    ids = _ids(x, state)
    return ids if state["mode"] == "int" else _lookup_ids(ids, state)


host_ops.register("KerasIndexLookup", lambda x, state: _lookup(x, state))


class _IndexLookup(Layer):
    _strings = True

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, **kwargs):
        super().__init__(**kwargs)
        output_mode = "multi_hot" if output_mode == "binary" else output_mode   # (tf.keras 2.6:
        if output_mode not in _MODES:                     # 'binary', multi_hot's old name)
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if num_oov_indices not in (0, 1):
            raise ValueError(f"{type(self).__name__}: num_oov_indices={num_oov_indices} is not "
                             "supported by dlcore (0 or 1; more hash the OOV tokens)")
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If set, `max_tokens` must be greater than 1. Received: "
                             f"max_tokens={max_tokens}")
        if invert and output_mode != "int":
            raise ValueError(f"`output_mode` must be `'int'` when `invert` is true. Received: "
                             f"output_mode={output_mode}")
        if sparse:
            raise ValueError(f"{type(self).__name__}: sparse=True is not supported by dlcore")
        self.max_tokens, self.num_oov_indices = max_tokens, int(num_oov_indices)
        self.mask_token, self.oov_token = mask_token, oov_token
        self.invert, self.output_mode = bool(invert), output_mode
        self.pad_to_max_tokens, self.sparse = bool(pad_to_max_tokens), False
        self._state: dict = {"strings": self._strings, "invert": self.invert, "mode": output_mode,
                             "table": {}, "inverse": {}, "idf": None, "depth": None,
                             "oov": oov_token, "oov_index": 0}
        self._tokens: list = []
        self._idf_tokens = None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    def __call__(self, inputs, *args, **kwargs):
        # a Python list of strings or ints is one batch, as tf.keras converts it
        # (layer(["a b", "c"])), not a list of inputs
        if isinstance(inputs, (list, tuple)) and inputs and \
                all(isinstance(v, (str, bytes, int, np.integer, list, tuple)) for v in inputs):
            inputs = np.asarray(inputs, dtype=object if self._strings else np.int64)
        return super().__call__(inputs, *args, **kwargs)

    # -- the index layout

    def _oov_start(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start(self) -> int:
        return self._oov_start() + self.num_oov_indices

    def vocabulary_size(self) -> int:
        return len(self._tokens) + self._token_start()

    def get_vocabulary(self, include_special_tokens=True) -> list:
        vocab = [self.oov_token] * self._token_start() + list(self._tokens)
        if self.mask_token is not None and self.output_mode == "int":
            vocab[0] = self.mask_token
        return vocab if include_special_tokens else vocab[self._token_start():]

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        tokens = [_key(v, self._strings) for v in np.asarray(vocabulary).ravel().tolist()]
        special = {t for t in (self.mask_token, self.oov_token) if t is not None}
        if len(set(tokens)) != len(tokens):
            repeated = sorted({str(t) for t in tokens if tokens.count(t) > 1})
            raise ValueError(f"The passed vocabulary has at least one repeated term. Please "
                             f"uniquify your dataset. The repeated terms are {repeated}")
        if self.mask_token is not None and self.mask_token in tokens[1:]:
            raise ValueError(f"Found reserved mask token at unexpected location in "
                             f"`vocabulary`. Received: mask_token={self.mask_token}")
        tokens = [t for i, t in enumerate(tokens) if not (i < self._token_start()
                                                          and t in special)]
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
            w = np.asarray(idf_weights, np.float64).ravel()
            if len(w) != len(tokens):
                raise ValueError(f"`idf_weights` must be the same length as vocabulary. "
                                 f"len(idf_weights) is {len(w)}; len(vocabulary) is "
                                 f"{len(tokens)}")
            self._idf_tokens = w
        self._set_tokens(tokens)

    def _set_tokens(self, tokens: list) -> None:
        self._tokens = list(tokens)
        start = self._token_start()
        table = {t: i + start for i, t in enumerate(self._tokens)}
        if self.mask_token is not None and self.output_mode == "int":
            table[_key(self.mask_token, self._strings)] = 0
        s = self._state
        s["table"] = table
        s["inverse"] = {i: t for t, i in table.items()}
        s["oov_index"] = self._oov_start() if self.num_oov_indices else -1
        if self._idf_tokens is not None:
            w = np.asarray(self._idf_tokens, np.float64)
            mean = float(w.mean()) if w.size else 0.0
            s["idf"] = np.concatenate([np.full(start, mean), w]).tolist()

    def _tokens_of(self, batch) -> list:
        return [_key(v, self._strings) for v in np.asarray(batch, dtype=object).ravel().tolist()]

    def _docs(self, data, steps=None) -> list:
        """``data`` (an array, a list of values, or an iterable of batches) as documents."""
        if isinstance(data, (np.ndarray, list, tuple)):
            return list(np.asarray(data, dtype=object).reshape(len(data), -1)) if len(data) \
                else []
        from .._dataset_input import is_dataset, read_all
        if is_dataset(data):              # a tf.data.Dataset: one pass, read in its graph
            data = read_all(data, steps)
        return [doc for batch in data for doc in
                np.asarray(batch[0] if isinstance(batch, tuple) else batch,
                           dtype=object).reshape(-1, 1)]

    def adapt(self, data, steps=None) -> None:
        counts: Counter = Counter()
        df: Counter = Counter()
        docs = self._docs(data, steps)
        for doc in docs:
            toks = self._tokens_of(doc)
            counts.update(toks)
            df.update(set(toks))
        for t in (self.mask_token, self.oov_token):
            if t is not None:
                counts.pop(_key(t, self._strings), None)
        order = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
        if self.max_tokens:
            order = order[:self.max_tokens - self._token_start()]
        if self.output_mode == "tf_idf":
            n = len(docs)
            self._idf_tokens = np.log(1 + n / (1 + np.array([df[t] for t in order], float)))
        self._set_tokens(order)

    # -- calling
    def _depth(self) -> int:
        if self.pad_to_max_tokens and self.max_tokens is not None:
            return int(self.max_tokens)
        if not self._tokens:
            raise RuntimeError(f"When using `output_mode={self.output_mode}` and "
                               "`pad_to_max_tokens=False`, you must set the layer's vocabulary "
                               "before calling it. Either pass a `vocabulary` argument to the "
                               "layer, or call `adapt` with some sample data.")
        return self.vocabulary_size()

    def _out_aval(self, shape: tuple):
        if self.output_mode == "int":
            if self.invert:
                return shape, object if self._strings else np.int64
            return shape, np.int64
        self._state["depth"] = self._depth()
        return _encoded_shape(shape, self.output_mode, self._state["depth"]), np.float32

    def call(self, x):
        shape, dt = self._out_aval(tuple(x.aval.shape))
        return host_ops.host_op("KerasIndexLookup", [x], [(shape, dt)],
                                {"state": self._state}, name=self.name).outputs[0]

    def get_config(self) -> dict:
        return {**super().get_config(), "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "mask_token": self.mask_token,
                "oov_token": self.oov_token, "invert": self.invert,
                "output_mode": self.output_mode, "pad_to_max_tokens": self.pad_to_max_tokens,
                "sparse": False, "vocabulary": self.get_vocabulary(False) or None}


class StringLookup(_IndexLookup):
    """Strings -> indices of a vocabulary (``oov_token='[UNK]'``, no mask unless given)."""

    _strings = True

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", **kwargs):
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, pad_to_max_tokens, sparse, **kwargs)
        self.encoding = encoding


class IntegerLookup(_IndexLookup):
    """Integers -> indices of a vocabulary (``oov_token=-1``, no mask unless given)."""

    _strings = False

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False, **kwargs):
        super().__init__(max_tokens, num_oov_indices, mask_token, oov_token, vocabulary,
                         idf_weights, invert, output_mode, pad_to_max_tokens, sparse, **kwargs)


def _standardize_split(doc: str, standardize, split, ngrams=None) -> list:
    """``doc``'s tokens (a callable ``standardize`` has been applied to the strings before);
    with ``ngrams`` (widths), each width's n-grams in order, joined by a space, as Keras's
    ``tf.strings.ngrams(tokens, ngram_width=ngrams, separator=" ")``."""
    toks = _split(doc, standardize, split)
    if not ngrams:
        return toks
    return [" ".join(toks[i:i + n]) for n in ngrams for i in range(len(toks) - n + 1)]


def _split(doc: str, standardize, split) -> list:
    if standardize in ("lower_and_strip_punctuation", "lower"):
        doc = doc.lower()
    if standardize in ("lower_and_strip_punctuation", "strip_punctuation"):
        doc = _STRIP.sub("", doc)
    if split == "whitespace":
        return doc.split()
    if split == "character":
        return list(doc)
    return [doc]


def _vectorize(x: np.ndarray, state: dict) -> np.ndarray:
    docs = [_text(v) for v in x.reshape(len(x), -1)[:, 0].tolist()] if x.ndim else [_text(x)]
    toks = [_standardize_split(d, state["standardize"], state["split"], state["ngrams"])
            for d in docs]
    if state["mode"] != "int":
        return _rows([_ids(np.array(t, dtype=object), state) for t in toks], state["mode"],
                     state["depth"], state["idf"])
    n = state["length"] or max((len(t) for t in toks), default=0)
    out = np.zeros((len(toks), n), np.int64)
    for row, t in zip(out, toks):
        ids: np.ndarray | list = _ids(np.array(t[:n], dtype=object), state) if t else []
        row[:len(ids)] = ids
    return out


host_ops.register("KerasTextVectorize", lambda x, state: _vectorize(x, state))


class TextVectorization(StringLookup):
    """Text -> token indices (or multi_hot / count / tf_idf rows): standardize, split, look up."""

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", **kwargs):
        if not callable(standardize) and standardize not in (
                None, "lower_and_strip_punctuation", "lower", "strip_punctuation"):
            raise ValueError(f"TextVectorization: standardize={standardize!r} is not supported "
                             "by dlcore")
        if split not in (None, "whitespace", "character"):
            raise ValueError(f"TextVectorization: split={split!r} is not supported by dlcore")
        if not (ngrams is None or isinstance(ngrams, int) or isinstance(ngrams, tuple) and
                all(isinstance(n, int) for n in ngrams)):
            raise ValueError("`ngrams` must be None, an integer, or a tuple of integers. "
                             f"Received: ngrams={ngrams}")
        if ragged:
            raise ValueError("TextVectorization: ragged is not supported by dlcore")
        if output_sequence_length is not None and output_mode != "int":
            raise ValueError(f"`output_sequence_length` must not be set if `output_mode` is not "
                             f"'int'. Received output_sequence_length={output_sequence_length}.")
        mask = "" if output_mode == "int" else None
        super().__init__(max_tokens=max_tokens, num_oov_indices=1, mask_token=mask,
                         oov_token="[UNK]", vocabulary=vocabulary, idf_weights=idf_weights,
                         output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens,
                         encoding=encoding, **kwargs)
        self.standardize, self.split, self.ngrams = standardize, split, ngrams
        self.output_sequence_length = output_sequence_length
        widths = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        # (a callable standardize runs in the graph, before the host op: see call and adapt)
        self._state.update(standardize=None if callable(standardize) else standardize,
                           split=split, length=output_sequence_length, ngrams=widths)

    def _tokens_of(self, batch) -> list:
        s = self._state
        return [t for v in np.asarray(batch, dtype=object).ravel().tolist()
                for t in _standardize_split(_text(v), s["standardize"], s["split"], s["ngrams"])]

    def adapt(self, data, steps=None) -> None:
        """As StringLookup's, on the texts after a callable ``standardize`` (run once, on all of
        them, in a graph of its own: it is written with tf.strings ops)."""
        if callable(self.standardize):
            from ...frontend import to_tensor
            from ...graph import Graph
            from ...session import Session
            docs = np.asarray([_text(d) for d in np.asarray(self._docs(data, steps), dtype=object)
                               .reshape(-1).tolist()], dtype=object)
            g = Graph()
            with g.as_default():
                out = self.standardize(to_tensor(docs))
            with Session(graph=g) as sess:
                data = np.asarray(sess.run(out), dtype=object)
        super().adapt(data, steps)

    def call(self, x):
        if x.aval.ndim > 2 or (x.aval.ndim == 2 and x.aval.shape[1] != 1):
            raise ValueError(f"TextVectorization: expected a batch of strings of shape (batch,) "
                             f"or (batch, 1), got {tuple(x.aval.shape)}")
        batch = tuple(x.aval.shape[:1])
        if callable(self.standardize):
            x = self.standardize(x)
        aval: tuple
        if self.output_mode == "int":
            aval = (batch + (self.output_sequence_length,), np.int64)
        else:
            self._state["depth"] = self._depth()
            aval = (batch + (self._state["depth"],), np.dtype(K.floatx()))
        return host_ops.host_op("KerasTextVectorize", [x], [aval], {"state": self._state},
                                name=self.name).outputs[0]

    def get_config(self) -> dict:
        cfg = {**super().get_config(), "standardize": self.standardize, "split": self.split,
               "ngrams": self.ngrams, "output_sequence_length": self.output_sequence_length,
               "ragged": False}
        for k in ("num_oov_indices", "mask_token", "oov_token", "invert"):   # not Keras's
            cfg.pop(k, None)             # arguments of TextVectorization (StringLookup's)
        return cfg


def _hashing(x: np.ndarray, num_bins: int, mask, salt, mode: str) -> np.ndarray:
    from ... import string_hash
    flat = x.ravel().tolist()
    bins = num_bins - 1 if mask is not None and num_bins > 1 else num_bins
    h = string_hash.siphash(flat, salt) if salt is not None else string_hash.fingerprint64(flat)
    ids = string_hash.bucket(h, bins).reshape(x.shape)
    if mask is not None and num_bins > 1:
        masked = np.array([_key(v, isinstance(v, (bytes, str))) == mask for v in flat],
                          bool).reshape(x.shape)
        ids = np.where(masked, 0, ids + 1)
    if mode == "int":
        return ids
    return _lookup_ids(ids, {"mode": mode, "depth": num_bins, "idf": None})


def _lookup_ids(ids: np.ndarray, state: dict) -> np.ndarray:
    """Encode already computed indices as ``_lookup`` encodes looked-up ones."""
    mode, depth = state["mode"], state["depth"]
    if mode == "one_hot":
        out = np.zeros(ids.shape + (depth,), np.float32)
        np.put_along_axis(out, ids[..., None], 1.0, axis=-1)
        return out[..., 0, :] if ids.ndim > 1 and ids.shape[-1] == 1 else out
    if ids.ndim <= 1:                             # one sample, as Keras's rank-1 input
        return _rows([ids.ravel()], mode, depth, state["idf"])[0]
    return _rows(list(ids.reshape(-1, ids.shape[-1])), mode, depth,
                 state["idf"]).reshape(ids.shape[:-1] + (depth,))


host_ops.register("KerasHashing", _hashing)


class Hashing(Layer):
    """Strings or integers -> ``num_bins`` hash bins (or one_hot / multi_hot / count rows)."""

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError(f"The `num_bins` for `Hashing` cannot be `None` or non-positive "
                             f"values. Received: num_bins={num_bins}.")
        if output_mode not in ("int", "one_hot", "multi_hot", "count"):
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if sparse:
            raise ValueError("Hashing: sparse=True is not supported by dlcore")
        if isinstance(salt, (tuple, list)) and len(salt) != 2:
            raise ValueError(f"The `salt` argument for `Hashing` can only be a tuple of size 2 "
                             f"integers, or a single integer. Received: salt={salt}.")
        self.num_bins, self.mask_value, self.output_mode = int(num_bins), mask_value, output_mode
        self.salt = None if salt is None else (
            [int(salt), int(salt)] if isinstance(salt, int) else [int(v) for v in salt])
        self.sparse = False

    def call(self, x):
        shape = tuple(x.aval.shape)
        aval: tuple
        if self.output_mode == "int":
            aval = (shape, np.int64)
        else:
            aval = (_encoded_shape(shape, self.output_mode, self.num_bins), np.float32)
        mask = self.mask_value.decode() if isinstance(self.mask_value, bytes) else self.mask_value
        return host_ops.host_op("KerasHashing", [x], [aval],
                                {"num_bins": self.num_bins, "mask": mask, "salt": self.salt,
                                 "mode": self.output_mode}, name=self.name).outputs[0]

    def get_config(self) -> dict:
        return {**super().get_config(), "num_bins": self.num_bins,
                "mask_value": self.mask_value, "salt": self.salt,
                "output_mode": self.output_mode, "sparse": False}
