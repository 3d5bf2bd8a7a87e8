"""``tf.io``: ``tf.io.gfile``, TensorFlow 1.15's snake_case file API (``tf.io.gfile.exists``,
``GFile``, ``makedirs``...), TFRecord files (``TFRecordWriter``, ``tf_record_iterator``,
``TFRecordOptions``; ``tfrecord.py``) and the record decoders (``decode_raw``, ``decode_csv``,
``parse_single_example``, ``parse_example`` and their feature specs; ``parsing.py``;
``parse_single_sequence_example``, ``sequence_parsing.py``), ``serialize_tensor``/
``parse_tensor`` (``tensor_proto.py``), and
``read_file``/``write_file``/``encode_base64``/``decode_base64`` (``files.py``).  The
``tf.train.Example`` messages are in ``example_proto.py``."""

from __future__ import annotations

from . import gfile
from .files import decode_base64, encode_base64, matching_files, read_file, write_file
from .parsing import (
    FixedLenFeature,
    FixedLenSequenceFeature,
    VarLenFeature,
    decode_csv,
    decode_raw,
    parse_example,
    parse_single_example,
)
from .sequence_parsing import parse_single_sequence_example
from .tensor_proto import parse_tensor, serialize_tensor
from .tfrecord import TFRecordCompressionType, TFRecordOptions, TFRecordWriter, tf_record_iterator

__all__ = ["FixedLenFeature", "FixedLenSequenceFeature", "TFRecordCompressionType",
           "TFRecordOptions", "TFRecordWriter", "VarLenFeature", "decode_csv", "decode_raw",
           "decode_base64", "encode_base64", "gfile", "matching_files", "parse_example", "parse_single_example",
           "parse_single_sequence_example", "parse_tensor", "serialize_tensor",
           "read_file", "tf_record_iterator", "write_file"]
