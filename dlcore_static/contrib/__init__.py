"""``tf.contrib``: the pieces of TensorFlow 1's contrib that TF1 programs use: ``layers``
(with ``optimize_loss``), ``framework`` (``arg_scope``) and ``slim`` (the two together)."""

from . import framework, layers, slim
