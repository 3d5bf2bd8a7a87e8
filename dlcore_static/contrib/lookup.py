"""``tf.contrib.lookup`` (TensorFlow 1.15): static hash tables held by each Session.

    table = tf.contrib.lookup.HashTable(
        tf.contrib.lookup.KeyValueTensorInitializer(keys, values), default_value=-1)
    ids = table.lookup(words)                 # keys' shape, values' dtype
    sess.run(tf.tables_initializer())         # (or table.init) before the first lookup

A table is graph-level state like a variable: its contents live in the Session (one dict per
table per Session), filled by its initializer op (``InitializeTableV2``, in the
``table_initializer`` collection that ``tf.tables_initializer`` groups) and read by
``LookupTableFindV2``.  Both are host ops (Python dicts over NumPy keys, bytes for strings; no
gradient, as TF's).  A lookup before initialisation is TF's FailedPreconditionError
'Table not initialized.'; re-running an initializer is a no-op; a key given two values is
TF's FailedPreconditionError naming the key.

``TextFileInitializer`` reads a table from a text file when its initializer runs (one entry per
line: the whole line, the line number or a ``delimiter``-separated column, as TF's
``InitializeTableFromTextFileV2``), behind ``index_table_from_file`` and
``index_to_string_table_from_file`` (the NMT tutorials' vocabulary tables).

``index_table_from_tensor`` maps a vocabulary to its int64 positions (``num_oov_buckets``:
unknown keys hashed into ``vocab_size + Fingerprint64(key) % num_oov_buckets``, TF's
``string_to_hash_bucket_fast``); ``index_to_string_table_from_tensor`` maps ids back.
"""

from __future__ import annotations

import sys
import weakref

import numpy as np

from .. import errors as _errors
from .. import host_ops as _host
from .. import plan as _plan
from ..tf_longtail import TABLE_INITIALIZERS

__all__ = ["HashTable", "KeyValueTensorInitializer", "TextFileIndex", "TextFileInitializer",
           "index_table_from_file", "index_table_from_tensor", "index_to_string",
           "index_to_string_table_from_file", "index_to_string_table_from_tensor",
           "string_to_index"]

#: session -> {table name: dict}
_STATE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _tf():
    return sys.modules["dlcore_static"]


def _key(v):
    return v.item() if isinstance(v, np.generic) else v


def _tables(session) -> dict:
    d = _STATE.get(session)
    if d is None:
        d = _STATE[session] = {}
    return d


def _fail(op, cls, message):
    return cls(None, op, f"{message}{_errors.node_suffix(op)}")


def _init_factory(op, session, device):
    name = op.attrs["table"]

    def run(keys, values):
        tables = _tables(session)
        if name in tables:                      # TF: an initialised table stays as it is
            return ()
        ks, vs = np.asarray(keys).ravel(), np.asarray(values).ravel()
        if ks.size != vs.size:
            raise _fail(op, _errors.InvalidArgumentError,
                        f"Expected shape [{ks.size}] for value, got [{vs.size}]")
        table: dict = {}
        _fill(op, table, ks.tolist(), vs.tolist())
        tables[name] = table
        return ()
    return run, {}


def _show(v) -> str:
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


def _find_factory(op, session, device):
    name = op.attrs["table"]
    dt = op.outputs[0].aval.dtype

    def run(keys, default):
        table = _tables(session).get(name)
        if table is None:
            raise _fail(op, _errors.FailedPreconditionError, "Table not initialized.")
        ks = np.asarray(keys)
        d = _key(np.asarray(default)[()]) if np.ndim(default) == 0 else None
        if d is None:
            raise _fail(op, _errors.InvalidArgumentError, "default_value must be a scalar")
        out = np.empty(ks.size, dtype=dt)
        out[:] = [table.get(k, d) for k in ks.ravel().tolist()]
        return out.reshape(ks.shape)
    return run, {}


def _size_factory(op, session, device):
    name = op.attrs["table"]

    def run():
        table = _tables(session).get(name)
        return np.asarray(0 if table is None else len(table), dtype=np.int64)
    return run, {}


def _fill(op, table: dict, keys, values) -> None:
    for k, v in zip(keys, values):
        if k in table and table[k] != v:
            raise _fail(op, _errors.FailedPreconditionError,
                        f"HashTable has different value for same key. Key {_show(k)} has "
                        f"{_show(table[k])} and trying to add value {_show(v)}")
        table[k] = v


def _column(op, parts: list, index: int, line_no: int, line: str, dtype: np.dtype, where):
    """One entry of a text-file line: the whole line (-2), its number (-1) or a column."""
    if index == TextFileIndex.WHOLE_LINE:
        raw = line
    elif index == TextFileIndex.LINE_NUMBER:
        return line_no
    elif index >= len(parts):
        raise _fail(op, _errors.InvalidArgumentError,
                    f"Invalid number of columns in {where} line {line_no} ({line}) : expected "
                    f"{index + 1} got {len(parts)}")
    else:
        raw = parts[index]
    if dtype.kind == "O":
        return raw.encode("utf-8")
    try:
        return int(raw) if dtype.kind in "iu" else float(raw)
    except ValueError:
        raise _fail(op, _errors.InvalidArgumentError,
                    f"Field {raw} in line {line_no} is not a valid {dtype.name}.") from None


def _file_init_factory(op, session, device):
    name, a = op.attrs["table"], op.attrs

    def run(filename):
        tables = _tables(session)
        if name in tables:
            return ()
        raw = np.asarray(filename)[()]
        path = raw.decode() if isinstance(raw, bytes) else str(raw)
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().split("\n")
        except OSError as e:
            raise _fail(op, _errors.NotFoundError, f"{path}; {e.strerror}") from None
        if lines and lines[-1] == "":
            lines.pop()
        vocab = a["vocab_size"]
        if vocab is not None:
            if len(lines) < vocab:
                raise _fail(op, _errors.InvalidArgumentError,
                            f"Invalid vocab_size in {path}: expected {vocab} but got "
                            f"{len(lines)}")
            lines = lines[:vocab]
        kdt, vdt = np.dtype(a["key_dtype"]), np.dtype(a["value_dtype"])
        keys, values = [], []
        for i, line in enumerate(lines):
            line = line.rstrip("\r")
            parts = line.split(a["delimiter"])
            keys.append(_column(op, parts, a["key_index"], i, line, kdt, path))
            values.append(_column(op, parts, a["value_index"], i, line, vdt, path))
        table: dict = {}
        _fill(op, table, keys, values)
        tables[name] = table
        return ()
    return run, {}


_plan.EXECUTORS["InitializeTableV2"] = _init_factory
_plan.EXECUTORS["InitializeTableFromTextFileV2"] = _file_init_factory
_plan.EXECUTORS["LookupTableFindV2"] = _find_factory
_plan.EXECUTORS["LookupTableSizeV2"] = _size_factory


class KeyValueTensorInitializer:
    """A table's contents: ``keys`` and ``values`` (tensors or data of one length)."""

    def __init__(self, keys, values, key_dtype=None, value_dtype=None, name=None):
        tf = _tf()
        with tf.name_scope(name, "key_value_init", [keys, values]) as scope:
            self._keys = tf.convert_to_tensor(keys, dtype=key_dtype, name="keys")
            self._values = tf.convert_to_tensor(values, dtype=value_dtype, name="values")
            self._name = scope
        nk, nv = self._keys.shape.num_elements(), self._values.shape.num_elements()
        if nk is not None and nv is not None and nk != nv:
            raise ValueError(f"KeyValueTensorInitializer: keys ({nk} elements) and values "
                             f"({nv} elements) must have the same size")

    @property
    def key_dtype(self):
        return self._keys.dtype

    @property
    def value_dtype(self):
        return self._values.dtype

    def initialize(self, table):
        """The op that fills ``table`` (added to the ``table_initializer`` collection)."""
        tf = _tf()
        if table.key_dtype != self.key_dtype or table.value_dtype != self.value_dtype:
            raise TypeError(f"Signature mismatch. Keys must be dtype {self.key_dtype!r}, got "
                            f"{table.key_dtype!r}. Values must be dtype "
                            f"{self.value_dtype!r}, got {table.value_dtype!r}.")
        with tf.name_scope(self._name):
            op = _host.host_op("InitializeTableV2", [self._keys, self._values], [],
                               {"table": table._table_name}, name="InitializeTableV2")
        tf.add_to_collection(TABLE_INITIALIZERS, op)
        return op


class TextFileIndex:
    """Where a text-file table takes a key or value: the whole line or the line number."""

    WHOLE_LINE = -2
    LINE_NUMBER = -1


class TextFileInitializer:
    """A table's contents read from ``filename`` when its initializer runs: keys and values
    from ``key_index``/``value_index`` (a column, ``WHOLE_LINE`` or ``LINE_NUMBER``)."""

    def __init__(self, filename, key_dtype, key_index, value_dtype, value_index,
                 vocab_size=None, delimiter="\t", name=None):
        tf = _tf()
        key_dtype, value_dtype = tf.as_dtype(key_dtype), tf.as_dtype(value_dtype)
        for what, idx, dt in (("key", key_index, key_dtype), ("value", value_index,
                                                              value_dtype)):
            if idx < TextFileIndex.WHOLE_LINE:
                raise ValueError(f"Invalid {what} index {idx}.")
            if idx == TextFileIndex.LINE_NUMBER and dt != tf.int64:
                raise ValueError(f"Signature mismatch. {what.capitalize()}s must be dtype "
                                 f"{tf.int64!r}, got {dt!r}.")
            if idx == TextFileIndex.WHOLE_LINE and not (dt == tf.string or dt.is_integer):
                raise ValueError(f"Signature mismatch. {what.capitalize()}s must be integer "
                                 f"or string, got {dt!r}.")
        if vocab_size is not None and vocab_size <= 0:
            raise ValueError(f"Invalid vocab_size {vocab_size}.")
        self._filename = tf.convert_to_tensor(filename, tf.string, name="asset_filepath")
        self._key_dtype, self._value_dtype = key_dtype, value_dtype
        self._attrs = {"key_index": int(key_index), "value_index": int(value_index),
                       "vocab_size": None if vocab_size is None else int(vocab_size),
                       "delimiter": str(delimiter), "key_dtype": key_dtype.np.str,
                       "value_dtype": value_dtype.np.str}
        self._name = name or "text_file_init"

    @property
    def key_dtype(self):
        return self._key_dtype

    @property
    def value_dtype(self):
        return self._value_dtype

    def initialize(self, table):
        tf = _tf()
        if table.key_dtype != self.key_dtype or table.value_dtype != self.value_dtype:
            raise TypeError(f"Signature mismatch. Keys must be dtype {self.key_dtype!r}, got "
                            f"{table.key_dtype!r}. Values must be dtype "
                            f"{self.value_dtype!r}, got {table.value_dtype!r}.")
        with tf.name_scope(self._name):
            op = _host.host_op("InitializeTableFromTextFileV2", [self._filename], [],
                               {"table": table._table_name, **self._attrs},
                               name="InitializeTableFromTextFileV2")
        tf.add_to_collection(TABLE_INITIALIZERS, op)
        return op


class HashTable:
    """A static hash table: ``initializer``'s keys -> values, ``default_value`` otherwise."""

    def __init__(self, initializer, default_value, shared_name=None, name=None):
        tf = _tf()
        with tf.name_scope(name, "hash_table", [default_value]) as scope:
            g = tf.get_default_graph()
            self._table_name = g.unique_name(shared_name or scope.rstrip("/"))
            self._key_dtype = initializer.key_dtype
            self._value_dtype = initializer.value_dtype
            self._default_value = tf.convert_to_tensor(default_value, dtype=self._value_dtype,
                                                       name="Const")
            if self._default_value.shape.ndims not in (None, 0):
                raise ValueError(f"HashTable: default_value must be a scalar, got shape "
                                 f"{self._default_value.shape}")
            self._name = scope
            self._init_op = initializer.initialize(self)

    @property
    def name(self) -> str:
        return self._table_name

    @property
    def key_dtype(self):
        return self._key_dtype

    @property
    def value_dtype(self):
        return self._value_dtype

    @property
    def default_value(self):
        return self._default_value

    @property
    def initializer(self):
        return self._init_op

    init = initializer

    def size(self, name=None):
        tf = _tf()
        with tf.name_scope(name, f"{self._table_name}_Size"):
            return _host.host_op("LookupTableSizeV2", [], [((), np.int64)],
                                 {"table": self._table_name}, name="SizeV2").outputs[0]

    def lookup(self, keys, name=None):
        """The values of ``keys`` (any shape), ``default_value`` where a key is absent."""
        tf = _tf()
        if isinstance(keys, tf.SparseTensor):
            values = self.lookup(keys.values, name=name)
            return tf.SparseTensor(keys.indices, values, keys.dense_shape)
        keys = tf.convert_to_tensor(keys, name="keys",
                                    dtype=None if isinstance(keys, tf.Tensor)
                                    else self._key_dtype)
        if keys.dtype != self._key_dtype:
            raise TypeError(f"Signature mismatch. Keys must be dtype {self._key_dtype!r}, got "
                            f"{keys.dtype!r}.")
        with tf.name_scope(name, f"{self._table_name}_Lookup", [keys]):
            shape = tuple(keys.shape.as_list()) if keys.shape.ndims is not None else ()
            op = _host.host_op("LookupTableFindV2", [keys, self._default_value],
                               [(shape, self._value_dtype.np)], {"table": self._table_name},
                               name="LookupTableFindV2", unknown_rank=keys.shape.ndims is None)
            return op.outputs[0]


def index_table_from_tensor(mapping=None, num_oov_buckets=0, default_value=-1,
                            hasher_spec=None, dtype=None, name=None, vocabulary_list=None):
    """Keys of ``mapping`` (1-D) -> their int64 positions; absent keys -> ``default_value``
    or, with ``num_oov_buckets``, a hash bucket after the vocabulary."""
    tf = _tf()
    mapping = vocabulary_list if mapping is None else mapping
    if mapping is None:
        raise ValueError("mapping must be specified.")
    if num_oov_buckets < 0:
        raise ValueError(f"num_oov_buckets must be greater or equal than 0, got "
                         f"{num_oov_buckets}.")
    dtype = tf.string if dtype is None else tf.as_dtype(dtype)
    if not (dtype == tf.string or dtype.is_integer):
        raise TypeError(f"Only integer and string keys are supported, got {dtype.name}")
    with tf.name_scope(name, "string_to_index"):
        keys = tf.convert_to_tensor(mapping, dtype=None if isinstance(mapping, tf.Tensor)
                                    else (tf.int64 if dtype.is_integer else dtype))
        if keys.dtype.is_integer and keys.dtype != tf.int64:
            keys = tf.cast(keys, tf.int64)
        if keys.shape.ndims not in (None, 1):
            raise ValueError(f"index_table_from_tensor: mapping must be 1-D, got shape "
                             f"{keys.shape}")
        n = tf.size(keys, out_type=tf.int64)
        values = tf.range(n, dtype=tf.int64)
        init = KeyValueTensorInitializer(keys, values, name="table_init")
        table = HashTable(init, default_value, name="hash_table")
        if num_oov_buckets:
            return _IdTableWithHashBuckets(table, num_oov_buckets, n)
        return table


class _IdTableWithHashBuckets:
    """A vocabulary table whose misses fall into ``num_oov_buckets`` hash buckets."""

    def __init__(self, table, num_oov_buckets: int, vocab_size):
        self._table = table
        self._buckets = int(num_oov_buckets)
        self._vocab_size = vocab_size

    def __getattr__(self, item):
        return getattr(self._table, item)

    def size(self, name=None):
        return self._table.size(name) + self._buckets

    def lookup(self, keys, name=None):
        tf = _tf()
        keys = tf.convert_to_tensor(keys) if not isinstance(keys, tf.Tensor) else keys
        ids = self._table.lookup(tf.cast(keys, tf.int64) if keys.dtype.is_integer else keys,
                                 name=name)
        text = tf.as_string(keys) if keys.dtype != tf.string else keys
        buckets = tf.strings.to_hash_bucket_fast(text, self._buckets)
        return tf.where(tf.not_equal(ids, self._table.default_value), ids,
                        buckets + self._vocab_size)


def index_table_from_file(vocabulary_file=None, num_oov_buckets=0, vocab_size=None,
                          default_value=-1, hasher_spec=None, key_dtype=None, name=None,
                          key_column_index=TextFileIndex.WHOLE_LINE,
                          value_column_index=TextFileIndex.LINE_NUMBER, delimiter="\t"):
    """The lines of ``vocabulary_file`` -> their int64 line numbers (``num_oov_buckets``: as
    ``index_table_from_tensor``)."""
    tf = _tf()
    if vocabulary_file is None or isinstance(vocabulary_file, str) and not vocabulary_file:
        raise ValueError("vocabulary_file must be specified and must not be empty.")
    if num_oov_buckets < 0:
        raise ValueError(f"num_oov_buckets must be greater or equal than 0, got "
                         f"{num_oov_buckets}.")
    key_dtype = tf.string if key_dtype is None else tf.as_dtype(key_dtype)
    with tf.name_scope(name, "string_to_index"):
        init = TextFileInitializer(vocabulary_file, tf.int64 if key_dtype.is_integer
                                   else key_dtype, key_column_index, tf.int64,
                                   value_column_index, vocab_size, delimiter,
                                   name="text_file_init")
        table = HashTable(init, default_value, name="hash_table")
        if num_oov_buckets:
            return _IdTableWithHashBuckets(table, num_oov_buckets, table.size())
        return table


def index_to_string_table_from_file(vocabulary_file, vocab_size=None, default_value="UNK",
                                    name=None, key_column_index=TextFileIndex.LINE_NUMBER,
                                    value_column_index=TextFileIndex.WHOLE_LINE,
                                    delimiter="\t"):
    """int64 line numbers -> the lines of ``vocabulary_file``, ``default_value`` otherwise."""
    tf = _tf()
    if vocabulary_file is None or isinstance(vocabulary_file, str) and not vocabulary_file:
        raise ValueError("vocabulary_file must be specified and must not be empty.")
    with tf.name_scope(name, "index_to_string"):
        init = TextFileInitializer(vocabulary_file, tf.int64, key_column_index, tf.string,
                                   value_column_index, vocab_size, delimiter,
                                   name="text_file_init")
        return HashTable(init, default_value, name="hash_table")


def index_to_string_table_from_tensor(mapping=None, default_value="UNK", name=None,
                                      vocabulary_list=None):
    """int64 ids -> the strings of ``mapping`` (1-D), ``default_value`` out of range."""
    tf = _tf()
    mapping = vocabulary_list if mapping is None else mapping
    if mapping is None:
        raise ValueError("mapping must be specified.")
    with tf.name_scope(name, "index_to_string"):
        values = tf.convert_to_tensor(mapping, tf.string)
        if values.shape.ndims not in (None, 1):
            raise ValueError(f"index_to_string_table_from_tensor: mapping must be 1-D, got "
                             f"shape {values.shape}")
        keys = tf.range(tf.size(values, out_type=tf.int64), dtype=tf.int64)
        init = KeyValueTensorInitializer(keys, values, tf.int64, tf.string, name="table_init")
        return HashTable(init, default_value, name="hash_table")


def string_to_index(tensor, mapping, default_value=-1, name=None):
    """Deprecated contrib helper: ``index_table_from_tensor(mapping).lookup(tensor)``."""
    return index_table_from_tensor(mapping, default_value=default_value,
                                   name=name).lookup(tensor)


def index_to_string(tensor, mapping, default_value="UNK", name=None):
    """Deprecated contrib helper: ``index_to_string_table_from_tensor(mapping).lookup``."""
    return index_to_string_table_from_tensor(mapping, default_value=default_value,
                                             name=name).lookup(tensor)
