"""``tf.feature_column``: how a dict of raw features becomes the dense input of a model, as
TensorFlow 1.15 builds it (names, orders and variables as TensorFlow's, so the canned Estimators
and ``input_layer`` programs carry over).

Columns::

    numeric_column(key, shape)              the feature as float32, reshaped to (batch, prod(shape))
                                            (``normalizer_fn`` applied first)
    bucketized_column(numeric, boundaries)  bucket ids: i where b[i-1] <= x < b[i]
    categorical_column_with_identity(key, num_buckets, default_value)
                                            integer ids in [0, num_buckets); others -> default
                                            (ValueError at run time without one, as TensorFlow)
    categorical_column_with_vocabulary_list(key, vocabulary_list, default_value, num_oov_buckets)
                                            ids = position in the list (strings or integers);
                                            a value outside it gets ``default_value`` or
                                            ``len(list) + Fingerprint64(text) % num_oov_buckets``
    categorical_column_with_hash_bucket(key, hash_bucket_size, dtype=tf.string)
                                            ``Fingerprint64(text) % hash_bucket_size``; an
                                            integer is hashed as its decimal text
    crossed_column(keys, hash_bucket_size, hash_key=None)
                                            one id per combination of the keys' values:
                                            TensorFlow's ``sparse_cross_hashed``
    indicator_column(categorical)           one-hot (multi-hot for several ids per example)
    embedding_column(categorical, dimension, combiner='mean')
                                            a trainable (num_buckets, dimension) table, looked up

``input_layer(features, columns)`` concatenates the dense columns in the order of their names
(TensorFlow sorts them), ``linear_model(features, columns, units)`` sums one weight per
column value plus ``bias_weights``.  Categorical features here are dense tensors with one value
per example (shape (batch,) or (batch, 1)): integer ids, or strings (``tf.string``) for a string
vocabulary, looked up by a host op.  Sparse inputs (several values per example) are not
supported.

Hashing is TensorFlow's, bit for bit (``string_hash.py``): hash buckets, out-of-vocabulary
buckets and crosses give the ids a TensorFlow model trained on the same data has, so its
weights carry over.  As TensorFlow, an empty string (or -1 for integers) fed to a hash-bucket
column is a missing value (id -1: a zero row in ``indicator_column``/``embedding_column``), and
a crossed column folds its keys in ``SparseCross``'s order: the categorical-column keys first
(TensorFlow's sparse inputs), then the raw feature names (dense inputs), each group in the
order given; its hash key defaults to ``0xDECAFCAFFE``.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from dlcore import ops as _ops

from .feature_column_ops import _hash_ids, _vocab_lookup
from .host_ops import host_op


def _as_float(x):
    return x if x.aval.dtype == np.float32 else _ops.cast(x, np.float32)


def _feature(features, key):
    from .frontend import to_tensor
    if key not in features:
        raise ValueError(f"The following feature is not in features dict: {key}. Available "
                         f"features: {sorted(features)}")
    return to_tensor(features[key])


def _batch2d(x, width: int):
    """(batch, ...) -> (batch, width)."""
    from .array_ops import reshape
    return reshape(x, (-1, width))


class NumericColumn(namedtuple("NumericColumn", ["key", "shape", "default_value", "dtype",
                                                 "normalizer_fn"])):
    @property
    def name(self) -> str:
        return self.key

    @property
    def variable_shape(self) -> tuple:
        return tuple(self.shape)

    def _width(self) -> int:
        return int(np.prod(self.shape))

    def dense(self, features, scope=None):
        x = _feature(features, self.key)
        if self.normalizer_fn is not None:
            from .frontend import to_tensor
            x = to_tensor(self.normalizer_fn(x))
        return _batch2d(_as_float(x), self._width())


def numeric_column(key, shape=(1,), default_value=None, dtype=None, normalizer_fn=None):
    """A real-valued feature of ``shape`` per example."""
    if not isinstance(key, str) or not key:
        raise ValueError(f"key must be a non-empty string, given: {key!r}")
    shape = (shape,) if isinstance(shape, int) else tuple(int(d) for d in shape)
    if any(d < 1 for d in shape):
        raise ValueError(f"shape dimensions must be greater than 0. shape: {shape}, key: {key}")
    if normalizer_fn is not None and not callable(normalizer_fn):
        raise TypeError(f"normalizer_fn must be a callable. Given: {normalizer_fn}")
    from .dtypes import float32
    return NumericColumn(key, shape, default_value, dtype or float32, normalizer_fn)


class _Categorical:
    """What the categorical columns share: ``ids(features)`` -> int64 (batch,) ids."""

    @property
    def name(self) -> str:
        raise NotImplementedError

    @property
    def num_buckets(self) -> int:
        raise NotImplementedError

    def ids(self, features):
        raise NotImplementedError

    def _ids_of(self, x, strings: bool = False):
        from .array_ops import reshape
        if strings:
            if x.aval.dtype != np.dtype(object):
                raise TypeError(f"{type(self).__name__} '{self.name}': the vocabulary is "
                                f"strings, so the feature must be a tf.string tensor, got "
                                f"{x.aval.dtype.name}")
            if x.aval.ndim == 2 and x.aval.shape[1] not in (1, None):
                raise ValueError(f"{type(self).__name__} '{self.name}': one value per example "
                                 f"is supported, got feature shape {list(x.aval.shape)}")
            return reshape(x, (-1,))
        if x.aval.dtype.kind not in "iu":
            raise TypeError(f"{type(self).__name__} '{self.name}': the feature must be integer "
                            f"ids (or strings, for a string vocabulary), got "
                            f"{x.aval.dtype.name}")
        if x.aval.ndim == 2 and x.aval.shape[1] not in (1, None):
            raise ValueError(f"{type(self).__name__} '{self.name}': one id per example is "
                             f"supported, got feature shape {list(x.aval.shape)}")
        return reshape(_ops.cast(x, np.int64), (-1,))


class IdentityCategoricalColumn(namedtuple("IdentityCategoricalColumn",
                                           ["key", "number_buckets", "default_value"]),
                                _Categorical):
    @property
    def name(self) -> str:
        return self.key

    @property
    def num_buckets(self) -> int:
        return self.number_buckets

    def ids(self, features):
        from .array_ops import identity
        from .debug_ops import Assert
        from .graph import control_dependencies
        ids = self._ids_of(_feature(features, self.key))
        inside = _ops.logical_and(_ops.greater_equal(ids, 0),
                                  _ops.less(ids, self.number_buckets))
        if self.default_value is not None:
            return _ops.where(inside, ids, _ops.full_like(ids, self.default_value))
        check = Assert(_ops.reduce_all(inside), [f"Input values for {self.key} must be in "
                                                 f"[0, {self.number_buckets})"])
        with control_dependencies([check]):
            return identity(ids)


def categorical_column_with_identity(key, num_buckets, default_value=None):
    """Integer ids used as they are, in ``[0, num_buckets)``."""
    if num_buckets < 1:
        raise ValueError(f"num_buckets {num_buckets} < 1, column_name {key}")
    if default_value is not None and not 0 <= default_value < num_buckets:
        raise ValueError(f"default_value {default_value} not in range [0, {num_buckets}), "
                         f"column_name {key}")
    return IdentityCategoricalColumn(key, int(num_buckets), default_value)


class VocabularyListCategoricalColumn(namedtuple(
        "VocabularyListCategoricalColumn",
        ["key", "vocabulary_list", "dtype", "default_value", "num_oov_buckets"]),
        _Categorical):
    @property
    def name(self) -> str:
        return self.key

    @property
    def num_buckets(self) -> int:
        return len(self.vocabulary_list) + self.num_oov_buckets

    def ids(self, features):
        from .frontend import constant
        if isinstance(self.vocabulary_list[0], bytes):
            x = self._ids_of(_feature(features, self.key), strings=True)
            return _vocab_lookup(x, self.vocabulary_list, self.default_value,
                                 self.num_oov_buckets)
        x = self._ids_of(_feature(features, self.key))
        vocab = constant(np.asarray(self.vocabulary_list, np.int64))
        hit = _ops.equal(_ops.expand_dims(x, 1), _ops.expand_dims(vocab, 0))    # (batch, V)
        found = _ops.reduce_any(hit, 1)
        pos = _ops.argmax(_ops.cast(hit, np.int32), 1)
        if self.num_oov_buckets:
            # TensorFlow hashes the integer's decimal text (IdTableWithHashBuckets)
            h = _hash_ids(x, self.num_oov_buckets)
            miss = _ops.where(_ops.greater_equal(h, 0),
                              _ops.add(h, np.int64(len(self.vocabulary_list))), h)
        else:
            miss = _ops.full_like(x, self.default_value)
        return _ops.where(found, _ops.cast(pos, np.int64), miss)


def categorical_column_with_vocabulary_list(key, vocabulary_list, dtype=None, default_value=-1,
                                            num_oov_buckets=0):
    """Ids by position in ``vocabulary_list`` (strings or integers); unknown values get
    ``default_value``, or one of ``num_oov_buckets`` extra ids chosen by TensorFlow's hash of
    the value's text."""
    vocab = list(vocabulary_list)
    if not vocab:
        raise ValueError(f"vocabulary_list {vocabulary_list} must be non-empty, column_name: "
                         f"{key}")
    if len(set(vocab)) != len(vocab):
        raise ValueError(f"Duplicate keys in vocabulary_list {vocab}, column_name: {key}")
    if num_oov_buckets is None or num_oov_buckets < 0:
        raise ValueError(f"Invalid num_oov_buckets {num_oov_buckets} in {key}.")
    if num_oov_buckets and default_value != -1:
        raise ValueError(f"Can't specify both num_oov_buckets and default_value in {key}.")
    strings = [isinstance(v, (str, bytes)) for v in vocab]
    if any(strings):
        if not all(strings):
            raise ValueError(f"vocabulary_list of column {key} mixes strings and numbers")
        words = tuple(v.encode() if isinstance(v, str) else v for v in vocab)
        return VocabularyListCategoricalColumn(key, words, dtype, int(default_value),
                                               int(num_oov_buckets))
    return VocabularyListCategoricalColumn(key, tuple(int(v) for v in vocab), dtype,
                                           int(default_value), int(num_oov_buckets))


def categorical_column_with_vocabulary_file(key, vocabulary_file, vocabulary_size=None,
                                            num_oov_buckets=0, default_value=None, dtype=None):
    """A vocabulary read from a text file, one entry per line (the first
    ``vocabulary_size`` lines)."""
    with open(vocabulary_file, "rb") as f:
        words = [line.rstrip(b"\r\n") for line in f]
    if vocabulary_size is not None:
        if vocabulary_size > len(words):
            raise ValueError(f"Invalid vocab_size > file length: {vocabulary_size} > "
                             f"{len(words)}")
        words = words[:vocabulary_size]
    from .dtypes import as_dtype
    vocab: list = [int(w) for w in words] if dtype is not None and \
        as_dtype(dtype).is_integer else words
    return categorical_column_with_vocabulary_list(
        key, vocab, dtype, -1 if default_value is None else default_value, num_oov_buckets)


class BucketizedColumn(namedtuple("BucketizedColumn", ["source_column", "boundaries"]),
                       _Categorical):
    @property
    def name(self) -> str:
        return f"{self.source_column.name}_bucketized"

    @property
    def num_buckets(self) -> int:
        return (len(self.boundaries) + 1) * self.source_column._width()

    def _bucket(self, features):
        from .frontend import constant
        x = self.source_column.dense(features)                     # (batch, width)
        b = constant(np.asarray(self.boundaries, np.float32))
        ge = _ops.greater_equal(_ops.expand_dims(x, 2), b)          # (batch, width, B)
        return _ops.sum(_ops.cast(ge, np.int64), 2)                 # (batch, width)

    def ids(self, features):
        if self.source_column._width() != 1:
            raise ValueError(f"bucketized_column '{self.name}' of a column of shape "
                             f"{self.source_column.shape} is supported as a dense input only")
        from .array_ops import reshape
        return reshape(self._bucket(features), (-1,))

    def dense(self, features, scope=None):
        from .array_ops import reshape
        k = len(self.boundaries) + 1
        w = self.source_column._width()
        oh = _ops.one_hot(self._bucket(features), k, np.float32)    # (batch, width, k)
        return reshape(oh, (-1, w * k))


def bucketized_column(source_column, boundaries):
    """Bucket ids of a numeric column; as a dense input, one-hot buckets per element."""
    if not isinstance(source_column, NumericColumn):
        raise ValueError(f"source_column must be a column generated with numeric_column(). "
                         f"Given: {source_column}")
    b = list(boundaries)
    if not b or any(x >= y for x, y in zip(b, b[1:])):
        raise ValueError(f"boundaries must be a sorted list. boundaries: {boundaries}")
    return BucketizedColumn(source_column, tuple(float(x) for x in b))


class HashedCategoricalColumn(namedtuple("HashedCategoricalColumn",
                                         ["key", "hash_bucket_size", "dtype"]), _Categorical):
    @property
    def name(self) -> str:
        return self.key

    @property
    def num_buckets(self) -> int:
        return self.hash_bucket_size

    def ids(self, features):
        from .dtypes import as_dtype
        x = _feature(features, self.key)
        is_str = x.aval.dtype == np.dtype(object)
        if not is_str and x.aval.dtype.kind not in "iu":
            raise ValueError(f"column_name: {self.key} input_tensor dtype must be string or "
                             f"integer. dtype: {x.dtype.name}.")
        if as_dtype(self.dtype).is_integer == is_str:
            raise ValueError(f"Column dtype and SparseTensors dtype must be compatible. key: "
                             f"{self.key}, column dtype: {as_dtype(self.dtype).name}, tensor "
                             f"dtype: {x.dtype.name}")
        return _hash_ids(self._ids_of(x, strings=is_str), self.hash_bucket_size)


def categorical_column_with_hash_bucket(key, hash_bucket_size, dtype=None):
    """Ids ``Fingerprint64(value) % hash_bucket_size`` (TensorFlow's
    ``string_to_hash_bucket_fast``); integers are hashed as their decimal text."""
    from .dtypes import as_dtype, string
    if hash_bucket_size is None:
        raise ValueError(f"hash_bucket_size must be set. key: {key}")
    if hash_bucket_size < 1:
        raise ValueError(f"hash_bucket_size must be at least 1. hash_bucket_size: "
                         f"{hash_bucket_size}, key: {key}")
    dtype = string if dtype is None else as_dtype(dtype)
    if dtype != string and not dtype.is_integer:
        raise ValueError(f"dtype must be string or integer. dtype: {dtype.name}, column_name: "
                         f"{key}")
    return HashedCategoricalColumn(key, int(hash_bucket_size), dtype)


def _leaf_keys(cross) -> list:
    keys: list = []
    for k in cross.keys:
        keys.extend(_leaf_keys(k) if isinstance(k, CrossedColumn) else [k])
    return keys


class CrossedColumn(namedtuple("CrossedColumn", ["keys", "hash_bucket_size", "hash_key"]),
                    _Categorical):
    @property
    def name(self) -> str:
        return "_X_".join(sorted(k if isinstance(k, str) else k.name
                                 for k in _leaf_keys(self)))

    @property
    def num_buckets(self) -> int:
        return self.hash_bucket_size

    def ids(self, features):
        from .array_ops import reshape
        leaves = _leaf_keys(self)
        cols = [k.ids(features) for k in leaves if not isinstance(k, str)]
        for k in leaves:
            if isinstance(k, str):
                x = _feature(features, k)
                if x.aval.dtype != np.dtype(object) and x.aval.dtype.kind not in "iu":
                    raise ValueError(f"crossed_column '{self.name}': feature '{k}' must be "
                                     f"strings or integers, got {x.dtype.name}")
                if x.aval.ndim == 2 and x.aval.shape[1] not in (1, None) or x.aval.ndim > 2:
                    raise ValueError(f"crossed_column '{self.name}': one value per example is "
                                     f"supported, got feature '{k}' of shape "
                                     f"{list(x.aval.shape)}")
                if x.aval.dtype.kind in "iu":
                    x = _ops.cast(x, np.int64)
                cols.append(reshape(x, (-1,)))
        op = host_op("CrossedIds", cols, [((cols[0].aval.shape[0],), np.int64)],
                     {"num_buckets": int(self.hash_bucket_size), "hash_key": self.hash_key})
        return op.outputs[0]


def crossed_column(keys, hash_bucket_size, hash_key=None):
    """Crosses of ``keys`` (feature names or categorical columns, not hash-bucket columns):
    each example's combination of values hashed into ``hash_bucket_size`` buckets exactly as
    TensorFlow's ``sparse_cross_hashed``."""
    if not hash_bucket_size or hash_bucket_size < 1:
        raise ValueError(f"hash_bucket_size must be > 1. hash_bucket_size: {hash_bucket_size}")
    if not keys or len(keys) < 2:
        raise ValueError(f"keys must be a list with length > 1. Given: {keys}")
    for key in keys:
        if not isinstance(key, (str, _Categorical)):
            raise ValueError(f"Unsupported key type. All keys must be either string, or "
                             f"categorical column except HashedCategoricalColumn. Given: {key}")
        if isinstance(key, HashedCategoricalColumn):
            raise ValueError(f"categorical_column_with_hash_bucket is not supported for "
                             f"crossing. Hashing before crossing will increase probability of "
                             f"collision. Instead, use the feature name as a string. Given: "
                             f"{key}")
    return CrossedColumn(tuple(keys), int(hash_bucket_size), hash_key)


class IndicatorColumn(namedtuple("IndicatorColumn", ["categorical_column"])):
    @property
    def name(self) -> str:
        return f"{self.categorical_column.name}_indicator"

    def dense(self, features, scope=None):
        c = self.categorical_column
        return _ops.one_hot(c.ids(features), c.num_buckets, np.float32)


def indicator_column(categorical_column):
    """A categorical column as one-hot vectors."""
    if not isinstance(categorical_column, _Categorical):
        raise ValueError(f"Unsupported input type. Input must be a CategoricalColumn. Given: "
                         f"{categorical_column}")
    return IndicatorColumn(categorical_column)


class EmbeddingColumn(namedtuple("EmbeddingColumn", ["categorical_column", "dimension",
                                                     "combiner", "initializer",
                                                     "ckpt_to_load_from", "tensor_name_in_ckpt",
                                                     "max_norm", "trainable"])):
    @property
    def name(self) -> str:
        return f"{self.categorical_column.name}_embedding"

    def dense(self, features, scope=None, weight_collections=None, trainable=True):
        """The looked-up rows; the table ``embedding_weights`` is trainable when both the
        column and the caller (``input_layer(trainable=)``) are, and with
        ``ckpt_to_load_from`` its initializer loads ``tensor_name_in_ckpt`` from that
        checkpoint (TF 1.15: ``init_from_checkpoint``)."""
        from .variable_scopes import get_variable
        c = self.categorical_column
        # in the caller's scope (input_layer's 'input_layer/<column name>')
        table = get_variable("embedding_weights", (c.num_buckets, self.dimension),
                             dtype=np.float32, initializer=self.initializer,
                             trainable=self.trainable and trainable,
                             collections=weight_collections)
        if self.ckpt_to_load_from is not None:
            from .checkpoint_init import init_from_checkpoint
            init_from_checkpoint(self.ckpt_to_load_from, {self.tensor_name_in_ckpt: table})
        return _lookup_valid(table, c.ids(features), self.max_norm)


def embedding_column(categorical_column, dimension, combiner="mean", initializer=None,
                     ckpt_to_load_from=None, tensor_name_in_ckpt=None, max_norm=None,
                     trainable=True):
    """A trainable embedding of a categorical column (one id per example, so every
    ``combiner`` gives the looked-up row)."""
    if dimension is None or dimension < 1:
        raise ValueError(f"Invalid dimension {dimension}.")
    if combiner not in ("mean", "sqrtn", "sum"):
        raise ValueError(f"combiner must be one of 'mean', 'sqrtn' or 'sum', given: "
                         f"{combiner}")
    if initializer is not None and not callable(initializer):
        raise ValueError("initializer must be callable if specified. Embedding of column_name:"
                         f" {categorical_column.name}")
    if (ckpt_to_load_from is None) != (tensor_name_in_ckpt is None):
        raise ValueError("Must specify both `ckpt_to_load_from` and `tensor_name_in_ckpt` or "
                         "none of them.")
    if initializer is None:
        from .initializers import truncated_normal_initializer
        initializer = truncated_normal_initializer(mean=0.0, stddev=1 / np.sqrt(dimension))
    return EmbeddingColumn(categorical_column, int(dimension), combiner, initializer,
                           ckpt_to_load_from, tensor_name_in_ckpt, max_norm, trainable)


def _lookup_valid(table, ids, max_norm=None):
    """Rows of ``table`` for ``ids``; a missing id (-1, out of vocabulary without a default)
    gives a zero row, as TensorFlow's sparse lookups drop it."""
    from .sequence_ops import embedding_lookup
    valid = _ops.greater_equal(ids, 0)
    rows = embedding_lookup(table, _ops.maximum(ids, 0), max_norm=max_norm)
    return _ops.mul(rows, _ops.expand_dims(_ops.cast(valid, rows.aval.dtype), 1))


_DENSE = (NumericColumn, BucketizedColumn, IndicatorColumn, EmbeddingColumn)


def _check_columns(feature_columns, dense_only: bool) -> list:
    cols = list(feature_columns) if isinstance(feature_columns, (list, tuple, set)) else \
        [feature_columns]
    if not cols:
        raise ValueError("feature_columns must not be empty.")
    for c in cols:
        if dense_only and not isinstance(c, _DENSE):
            raise ValueError(f"Items of feature_columns must be a _DenseColumn. You can wrap a "
                             f"categorical column with an embedding_column or "
                             f"indicator_column. Given: {c}")
    names = [c.name for c in cols]
    if len(set(names)) != len(names):
        raise ValueError(f"Duplicate feature column name found for columns: {names}")
    return sorted(cols, key=lambda c: c.name)


def input_layer(features, feature_columns, weight_collections=None, trainable=True,
                cols_to_vars=None, cols_to_output_tensors=None):
    """The dense columns of ``features``, concatenated along axis 1 in name order.  As TF
    1.15: the columns' variables go to ``weight_collections`` plus the global and model
    variables, are trainable only with ``trainable``; ``cols_to_vars`` (a dict) receives each
    column's variables, ``cols_to_output_tensors`` its dense tensor."""
    from .array_ops import concat
    from .graph import get_default_graph
    from .variable_scopes import variable_scope
    from .variables import GraphKeys
    cols = _check_columns(feature_columns, True)
    collections = list(weight_collections or [])
    for key in (GraphKeys.GLOBAL_VARIABLES, GraphKeys.MODEL_VARIABLES):
        if key not in collections:
            collections.append(key)
    with variable_scope(None, default_name="input_layer"):
        outs = []
        for c in cols:
            with variable_scope(None, default_name=c.name) as scope:
                if isinstance(c, EmbeddingColumn):
                    out = c.dense(features, weight_collections=collections,
                                  trainable=trainable)
                else:
                    out = c.dense(features)
                outs.append(out)
                if cols_to_vars is not None:
                    cols_to_vars[c] = get_default_graph().get_collection(
                        GraphKeys.GLOBAL_VARIABLES, scope=scope.name + "/")
                if cols_to_output_tensors is not None:
                    cols_to_output_tensors[c] = out
        return outs[0] if len(outs) == 1 else concat(outs, 1)


def linear_model(features, feature_columns, units=1, sparse_combiner="sum",
                 weight_collections=None, trainable=True, cols_to_vars=None):
    """``sum_columns(x_c @ W_c) + bias_weights``: a weight row per numeric value or per
    category id (variables ``linear_model/<column>/weights``, ``linear_model/bias_weights``)."""
    from .layers import get_variable
    from .sequence_ops import embedding_lookup
    from .variable_scopes import variable_scope
    from .initializers import zeros_initializer
    cols = _check_columns(feature_columns, False)
    with variable_scope(None, default_name="linear_model"):
        total = None
        for c in cols:
            with variable_scope(c.name):
                if isinstance(c, _Categorical) and not isinstance(c, BucketizedColumn):
                    w = get_variable("weights", (c.num_buckets, units),
                                     initializer=zeros_initializer(), trainable=trainable)
                    term = _lookup_valid(w, c.ids(features))
                else:
                    x = c.dense(features)
                    w = get_variable("weights", (x.aval.shape[1], units),
                                     initializer=zeros_initializer(), trainable=trainable)
                    term = _ops.matmul(x, w)
            total = term if total is None else _ops.add(total, term)
        bias = get_variable("bias_weights", (units,), initializer=zeros_initializer(),
                            trainable=trainable)
        return _ops.add(total, bias)


__all__ = ["bucketized_column", "categorical_column_with_hash_bucket",
           "categorical_column_with_identity", "categorical_column_with_vocabulary_file",
           "categorical_column_with_vocabulary_list", "crossed_column", "embedding_column",
           "indicator_column", "input_layer", "linear_model", "numeric_column"]
