"""``RNN(cell)`` over Keras' built-in cells as dlcore's fused layers instead of the step loop.

``RNN(LSTMCell(n))``, ``RNN(GRUCell(n))``, ``RNN(SimpleRNNCell(n))`` and ``RNN`` of a
``StackedRNNCells`` (or a list) of them compute what ``LSTM``, ``GRU`` and ``SimpleRNN`` compute
(``rnn_cells``' module docstring): where each cell's maths is its layer's fused layer (the same
conditions: ``_Recurrent._fusable``, and no dropout), the cells run as ``lstm_seq``,
``gru_seq`` and ``rnn_seq``, layer after layer, each cell's input projection one matmul over
every step.  Masked, the kept steps are gathered to the front once for the whole stack
(``_kept_steps``: a masked step changes no cell's state, so each cell sees the kept steps of
the one below) and the outputs and states read back.  ``RNN``'s output is the loop's: its
carried output starts at zeros (not at the initial state, which only the states start from).
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from ._kept_steps import KeptSteps
from .recurrent import _time_major, input_bias


def _fusable(cell, x, states) -> bool:
    """A built-in cell (its class's own ``_layer``: the layer whose fused maths it shares)
    under that layer's conditions (``_Recurrent._fusable``), without dropout."""
    layer = type(cell).__dict__.get("_layer")         # (not a subclass': its own step)
    return layer is not None and not cell.dropout and not cell.recurrent_dropout and \
        layer._fusable(cell, x, states)


def fused_rnn(rnn, x, states: list, m):
    """``rnn`` (an ``RNN`` layer) over the time-major ``x`` (T, B, D) from the flat
    ``states`` as fused layers, masked by ``m`` (T, B) or not: ``(outputs, final states)``
    (outputs: the sequence (T, B, H) with ``return_sequences``, else the last output), or None
    (nothing built) where a cell's maths is not its fused layer's."""
    cells = getattr(rnn.cell, "cells", None) or [rnn.cell]
    if x.aval.ndim != 3 or x.aval.shape[0] == 0:
        return None
    per_cell, k = [], 0
    for c in cells:
        n_states = len(c.state_size) if isinstance(c.state_size, (list, tuple)) else 1
        per_cell.append(states[k:k + n_states])
        k += n_states
    if k != len(states) or not all(_fusable(c, x, s) for c, s in zip(cells, per_cell)):
        return None
    kept = None if m is None else KeptSteps(m)
    h = x if kept is None else kept.gather(x)
    finals: list = []
    for c, st in zip(cells, per_cell):
        n = c.units
        xw = _ops.matmul(_ops.reshape(h, (-1, h.aval.shape[-1])), c.kernel)
        if c.bias is not None:
            xw = _ops.add(xw, input_bias(c))
        xw = _ops.reshape_dynamic(xw, [_ops.dim_size(h, 0), _ops.dim_size(h, 1),
                                       c._gates * n])
        y = type(c)._layer._fused_layer(c, xw, st)
        h = y if y.aval.shape[-1] == n else _ops.getitem(y, (Ellipsis, slice(0, n)))
        if kept is not None:
            finals += kept.final(y, st, n)
        else:
            last = _ops.getitem(y, (-1,))
            finals += [last] if len(st) == 1 and y.aval.shape[-1] == n else \
                [_ops.getitem(last, (Ellipsis, slice(j * n, (j + 1) * n)))
                 for j in range(len(st))]
    if kept is None:
        out = _time_major(h) if rnn.return_sequences else _ops.getitem(h, (-1,))
        return out, finals
    zero = _ops.mul(_ops.zeros_like(_ops.getitem(states[-1], (Ellipsis, slice(0, 1)))),
                    np.zeros((cells[-1].units,), x.aval.dtype))
    if rnn.return_sequences:
        return _time_major(kept.sequence(h, zero)), finals
    return kept.final(h, [zero], cells[-1].units)[0], finals
