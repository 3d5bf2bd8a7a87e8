"""Where TensorFlow 1 programs find the sequence functions (issue 12): ``tf.gather``,
``tf.unstack``, ``tf.range``, ``tf.sequence_mask``, ``tf.reverse_sequence``, ``tf.scan``,
``tf.map_fn``, ``tf.foldl``, ``tf.foldr``; ``tf.nn.embedding_lookup``, ``tf.nn.rnn_cell``,
``tf.nn.static_rnn``, ``tf.nn.dynamic_rnn``, ``tf.nn.bidirectional_dynamic_rnn``; and
``tf.contrib.rnn``.  These are front-end functions (TensorFlow's arguments turned into dlcore
composites and while_loops), not single ops with a calling convention, so they are placed here
rather than through ``dlcore.api``.  A name another module already defines is left alone."""

from __future__ import annotations

import sys

from . import contrib, nn
from . import functional_ops as _f
from . import rnn as _rnn
from . import rnn_cell
from . import sequence_ops as _s

_tf = sys.modules[__package__]

_PLACES = {
    _tf: {"gather": _s.gather, "unstack": _s.unstack, "range": _s.range,
          "sequence_mask": _s.sequence_mask, "reverse_sequence": _s.reverse_sequence,
          "scan": _f.scan, "map_fn": _f.map_fn, "foldl": _f.foldl, "foldr": _f.foldr},
    nn: {"embedding_lookup": _s.embedding_lookup, "rnn_cell": rnn_cell,
         "static_rnn": _rnn.static_rnn, "dynamic_rnn": _rnn.dynamic_rnn,
         "bidirectional_dynamic_rnn": _rnn.bidirectional_dynamic_rnn},
    contrib: {"rnn": rnn_cell},
}


def install() -> None:
    for target, names in _PLACES.items():
        for name, obj in names.items():
            if getattr(target, name, None) is None:
                setattr(target, name, obj)


# tf.contrib.rnn also carries static_rnn and the bidirectional runner.
for _k in ("static_rnn", "dynamic_rnn", "bidirectional_dynamic_rnn"):
    setattr(rnn_cell, _k, getattr(_rnn, _k))
install()
