"""Program scaffolding under TensorFlow 1's names: ``tf.app`` (``run``, ``flags``), ``tf.flags``,
``tf.gfile`` (local files) and ``tf.logging``.  Nothing here touches graphs."""

from . import app, flags, gfile, tf_logging

logging = tf_logging

__all__ = ["app", "flags", "gfile", "logging"]
