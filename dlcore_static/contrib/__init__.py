"""``tf.contrib``: the pieces of TensorFlow 1's contrib that TF1 programs use: ``layers``
(with ``optimize_loss``), ``framework`` (``arg_scope``), ``slim`` (the two together) and
``seq2seq`` (``sequence_loss``), ``crf`` (the linear-chain CRF), ``distributions``,
``legacy_seq2seq`` and ``lookup``."""

from . import crf, framework, layers, seq2seq, slim  # noqa: F401
from . import distributions  # noqa: F401  (fidtf8)
