"""``tf.lookup`` (TensorFlow 1.15's v2-style names for the static tables of
``tf.contrib.lookup``, ``contrib/lookup.py``): ``StaticHashTable``, ``KeyValueTensorInitializer``
and ``TextFileInitializer``/``TextFileIndex`` and ``StaticVocabularyTable`` (a table of int64 ids whose misses hash into
``num_oov_buckets`` buckets after the table's size)."""

from __future__ import annotations

from .contrib.lookup import (
    HashTable,
    KeyValueTensorInitializer,
    TextFileIndex,
    TextFileInitializer,
    _IdTableWithHashBuckets,
)

__all__ = ["KeyValueTensorInitializer", "StaticHashTable", "StaticVocabularyTable",
           "TextFileIndex", "TextFileInitializer"]


class StaticHashTable(HashTable):
    """``tf.lookup.StaticHashTable(initializer, default_value, name=None)``."""

    def __init__(self, initializer, default_value, name=None):
        super().__init__(initializer, default_value, name=name)


class StaticVocabularyTable(_IdTableWithHashBuckets):
    """Keys -> the initializer's int64 values; absent keys -> ``size + hash % buckets``."""

    def __init__(self, initializer, num_oov_buckets, lookup_key_dtype=None, name=None):
        if num_oov_buckets <= 0:
            raise ValueError("oov_buckets must be > 0.")
        table = HashTable(initializer, -1, name=name or "hash_table")
        super().__init__(table, num_oov_buckets, table.size())
