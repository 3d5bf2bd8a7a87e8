"""Where TensorFlow 1 programs find the string, sparse and record names: ``tf.string``,
``tf.strings.*`` and the TF1 spellings (``tf.as_string``, ``tf.string_split``,
``tf.string_to_number``, ``tf.substr``...), ``tf.SparseTensor`` and ``tf.sparse``,
``tf.decode_raw``/``tf.decode_csv``/``tf.parse_single_example``/``tf.parse_example`` and the
feature specs, the string hashes (``tf.strings.to_hash_bucket*``, ``tf.sparse.cross_hashed``,
``string_hash.py``), ``tf.read_file``/``tf.write_file``, ``tf.python_io``, and the ``tf.train.Example`` messages.  The functions live in
``strings.py``, ``sparse.py``, ``io/``; this module only places them.  A name another module
already defines is left alone."""

from __future__ import annotations

import sys
import types

from . import nn, python_io, sparse, sparse_math, string_hash, strings, train
from .dtypes import string
from .io import example_proto as _proto
from . import io as _io
from .io import files as _files
from .io import parsing as _parsing

_tf = sys.modules[__package__]

_PLACES: dict[types.ModuleType, dict[str, object]] = {
    _tf: {"string": string, "strings": strings, "sparse": sparse, "python_io": python_io,
          "as_string": strings.as_string, "string_to_number": strings.string_to_number,
          "string_split": strings.string_split, "string_join": strings.string_join,
          "substr": strings.substr, "regex_replace": strings.regex_replace,
          "reduce_join": strings.reduce_join,
          "SparseTensor": sparse.SparseTensor, "SparseTensorValue": sparse.SparseTensorValue,
          "sparse_tensor_to_dense": sparse.sparse_tensor_to_dense,
          "sparse_placeholder": sparse.sparse_placeholder,
          "sparse_tensor_dense_matmul": sparse_math.sparse_tensor_dense_matmul,
          "sparse_reduce_sum": sparse_math.sparse_reduce_sum,
          "sparse_to_dense": sparse_math.sparse_to_dense,
          "edit_distance": sparse_math.edit_distance,
          "decode_raw": _parsing.decode_raw, "decode_csv": _parsing.decode_csv,
          "parse_single_example": _parsing.parse_single_example,
          "parse_example": _parsing.parse_example,
          "parse_single_sequence_example": _io.parse_single_sequence_example,
          "serialize_tensor": _io.serialize_tensor, "parse_tensor": _io.parse_tensor,
          "FixedLenFeature": _parsing.FixedLenFeature, "VarLenFeature": _parsing.VarLenFeature,
          "FixedLenSequenceFeature": _parsing.FixedLenSequenceFeature,
          "read_file": _files.read_file, "write_file": _files.write_file,
          "matching_files": _files.matching_files,
          "string_to_hash_bucket_fast": string_hash.string_to_hash_bucket_fast,
          "string_to_hash_bucket_strong": string_hash.string_to_hash_bucket_strong,
          "string_to_hash_bucket": string_hash.string_to_hash_bucket},
    strings: {"as_string": strings.as_string, "reduce_join": strings.reduce_join,
              "regex_replace": strings.regex_replace,
              "to_hash_bucket_fast": string_hash.to_hash_bucket_fast,
              "to_hash_bucket_strong": string_hash.to_hash_bucket_strong,
              "to_hash_bucket": string_hash.to_hash_bucket},
    sparse: {"cross": string_hash.cross, "cross_hashed": string_hash.cross_hashed,
             "sparse_dense_matmul": sparse_math.sparse_tensor_dense_matmul,
             "matmul": sparse_math.sparse_tensor_dense_matmul,
             "reduce_sum": sparse_math.sparse_reduce_sum},
    nn: {"embedding_lookup_sparse": sparse_math.embedding_lookup_sparse},
    train: {name: getattr(_proto, name) for name in (
        "BytesList", "Example", "Feature", "FeatureList", "FeatureLists", "Features",
        "FloatList", "Int64List", "SequenceExample")},
}


def install() -> None:
    for target, names in _PLACES.items():
        for name, obj in names.items():
            if getattr(target, name, None) is None:
                setattr(target, name, obj)


install()
