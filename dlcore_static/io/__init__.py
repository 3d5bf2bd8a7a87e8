"""``tf.io``: ``tf.io.gfile``, TensorFlow 1.15's snake_case file API (``tf.io.gfile.exists``,
``GFile``, ``makedirs``...).  The functions are those of ``tf.gfile`` under their new names."""

from __future__ import annotations

from . import gfile

__all__ = ["gfile"]
