"""``tf.python_io``: TensorFlow 1's home of the TFRecord reader and writer (the same objects as
``tf.io.TFRecordWriter``, ``tf.io.TFRecordOptions`` and ``tf_record_iterator``; see
``io/tfrecord.py``)."""

from __future__ import annotations

from .io.tfrecord import (
    TFRecordCompressionType,
    TFRecordOptions,
    TFRecordWriter,
    tf_record_iterator,
)

__all__ = ["TFRecordCompressionType", "TFRecordOptions", "TFRecordWriter",
           "tf_record_iterator"]
