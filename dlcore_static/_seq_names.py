"""Where TensorFlow 1 programs find the sequence functions that are not ops (issue 12):
``tf.unstack``, ``tf.range``, ``tf.reverse_sequence``, ``tf.scan``, ``tf.map_fn``, ``tf.foldl``,
``tf.foldr``; ``tf.nn.rnn_cell``, ``tf.nn.static_rnn``, ``tf.nn.dynamic_rnn``,
``tf.nn.bidirectional_dynamic_rnn``, ``tf.nn.raw_rnn``; and ``tf.contrib.rnn``.  They are
front-end functions (constants, lists of slices, while_loops, RNN drivers), not ops with a
calling convention; the ops among the sequence functions (``tf.gather``, ``tf.sequence_mask``, ``tf.one_hot``,
``tf.nn.embedding_lookup``) take their names from their definition blocks in dlcore
(``dlcore.api``).  Placed here, after ``nn`` exists, because the RNN modules import ``nn``.  A
name another module already defines is left alone."""

from __future__ import annotations

import sys
import types

from . import contrib, nn, rnn_cell
from . import functional_ops as _f
from . import raw_rnn as _raw
from . import rnn as _rnn
from . import rnn_cell_extra as _more
from . import sequence_ops as _s

_tf = sys.modules[__package__]


def _namespace(name: str, doc: str, names: dict) -> types.ModuleType:
    """A module holding ``names`` only (not the defining module's own imports and helpers),
    importable by its dotted name (``from dlcore_static.contrib.rnn import LSTMCell``, as
    ``from tensorflow.contrib.rnn import LSTMCell``)."""
    mod = types.ModuleType(name, doc)
    for k, v in names.items():
        setattr(mod, k, v)
    mod.__dict__["__all__"] = sorted(names)
    sys.modules[name] = mod
    return mod


_CELLS = {k: getattr(rnn_cell, k) for k in rnn_cell.__all__}
_CELLS.update(ResidualWrapper=_more.ResidualWrapper, DeviceWrapper=_more.DeviceWrapper)
#: TensorFlow 1's ``tf.nn.rnn_cell``: the cells, wrappers and LSTMStateTuple
_RNN_CELL = _namespace(f"{__package__}.nn.rnn_cell", "TensorFlow 1's tf.nn.rnn_cell.", _CELLS)
#: ``tf.contrib.rnn``: those, the block cells and the static and stacked runners
#: (``dynamic_rnn`` is tf.nn's only)
_CONTRIB_RNN = _namespace(f"{__package__}.contrib.rnn", "TensorFlow 1's tf.contrib.rnn.",
                          {**_CELLS, **{k: getattr(_more, k) for k in _more.__all__},
                           "static_rnn": _rnn.static_rnn,
                           "static_bidirectional_rnn": _rnn.static_bidirectional_rnn})

_PLACES: dict[types.ModuleType, dict[str, object]] = {
    _tf: {"unstack": _s.unstack, "range": _s.range, "reverse_sequence": _s.reverse_sequence,
          "meshgrid": _s.meshgrid,
          "scan": _f.scan, "map_fn": _f.map_fn, "foldl": _f.foldl, "foldr": _f.foldr},
    nn: {"rnn_cell": _RNN_CELL,
         "static_rnn": _rnn.static_rnn, "dynamic_rnn": _rnn.dynamic_rnn,
         "bidirectional_dynamic_rnn": _rnn.bidirectional_dynamic_rnn,
         "static_bidirectional_rnn": _rnn.static_bidirectional_rnn, "raw_rnn": _raw.raw_rnn},
    contrib: {"rnn": _CONTRIB_RNN},
}


def install() -> None:
    for target, names in _PLACES.items():
        for name, obj in names.items():
            if getattr(target, name, None) is None:
                setattr(target, name, obj)


install()
