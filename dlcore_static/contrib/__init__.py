"""``tf.contrib``: the pieces of TensorFlow 1's contrib that TF1 programs use: ``layers``
(with ``optimize_loss``), ``framework`` (``arg_scope``), ``slim`` (the two together) and
``seq2seq`` (``sequence_loss``), ``crf`` (the linear-chain CRF), ``distributions``,
``legacy_seq2seq`` and ``lookup``."""

from . import (  # noqa: F401  (distributions, legacy_seq2seq, lookup: fidtf8)
    crf,
    distributions,
    framework,
    layers,
    legacy_seq2seq,
    lookup,
    seq2seq,
    slim,
)
