"""``tf.nn.dynamic_rnn`` over a whole sequence as dlcore's fused layers instead of a
``while_loop``, where the cell's maths is theirs (``dynamic_rnn`` asks :func:`fused_layers`):

* ``BasicLSTMCell`` and ``LSTMCell`` (tanh; no peepholes, cell clip or projection) as
  ``lstm_seq``: TensorFlow's kernel ``[x, h] W + b`` (gates i, j, f, o, ``forget_bias`` added
  to f) split into ``x W_x`` for every step at once (one matmul before the layer) and the
  recurrent ``W_h``, their gate blocks put in the layer's order i, f, g (= j), o, and
  ``forget_bias`` added to the f block of the bias;
* ``BasicRNNCell`` with tanh or relu as ``rnn_seq``;
* ``GRUCell`` (tanh) as ``gru_rb_seq``, TensorFlow's reset-before GRU: ``gates/kernel``'s and
  ``candidate/kernel``'s input rows side by side in one matmul before the layer, their state
  rows the layer's recurrent kernels;
* a ``MultiRNNCell`` of those, layer after layer;
* ``tf.contrib.rnn.LSTMBlockCell`` as ``LSTMCell``;
* any of those in ``DropoutWrapper``s that keep the state (``state_keep_prob`` 1),
  ``ResidualWrapper``s that add, ``OutputProjectionWrapper``s and ``DeviceWrapper``s: the
  input and output dropout as one dropout of each layer's whole input and output sequence
  (the distribution of the loop's per-step draws), the residual as one add of the whole
  sequences, the projection as one matmul of the whole output sequence (its activation
  one that acts on each row alone), the device's scope around it all.

With ``sequence_length`` the layers run over every step (T known or not), a
sequence's inputs past its length zeroed, its outputs there zeroed and its final state picked
at its length (``_Lengths``): what the masked loop computes, since a step reads only earlier
ones.  The values are the loop's up to float rounding (the sums are grouped differently:
``x W_x + h W_h`` against ``[x, h] W``).
The step loop interpreted cost about 1.75 us a step of its body per time step and its
compilation (a body and its gradient's sub-programs) seconds; the fused layer is one primitive
each way, interpreted or compiled.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.ops import sequence as _seq

from .frontend import constant
from .graph import device as _device
from .rnn_cell import BasicLSTMCell, LSTMCell, LSTMStateTuple, MultiRNNCell

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _activation(fn) -> str | None:
    """``"tanh"`` or ``"relu"`` for the front ends' tanh and relu, else None."""
    if fn is _ops.tanh or fn is _ops.relu:
        return fn.__name__
    name = getattr(fn, "_dlcore_op", None)          # tf.tanh, tf.nn.relu (dlcore_static._api)
    return name if name in ("tanh", "relu") else None


def _blocks(a, n: int, order) -> object:
    """``a``'s last axis in blocks of ``n`` put in ``order``."""
    return _ops.concatenate([_ops.getitem(a, (Ellipsis, slice(k * n, (k + 1) * n)))
                             for k in order], -1)


def _plain(a, dtype) -> bool:
    aval = getattr(a, "aval", None)
    return aval is not None and aval.ndim == 2 and aval.dtype == dtype


def _fusable(cell, state, dtype) -> bool:
    """Whether ``cell`` from ``state`` is a fused layer's maths: checked for every layer
    before any node is built (a node built in vain would shift later ops' default seeds)."""
    if len(getattr(cell, "_vars", None) or ()) < 2:
        return False                                # (not called yet: no variables)
    step = type(cell).__dict__.get("_fused_step")   # (a class's own: not a subclass')
    if step == "lstm":
        if _activation(cell._activation) != "tanh" or (isinstance(cell, LSTMCell) and (
                cell._use_peepholes or cell._cell_clip is not None or
                cell._num_proj is not None)):
            return False
        parts = tuple(state) if cell._state_is_tuple else (state,)
        return all(_plain(p, dtype) for p in parts)
    if step == "gru":
        return _activation(cell._activation) == "tanh" and _plain(state, dtype)
    return step == "elman" and _activation(cell._activation) is not None and \
        _plain(state, dtype)


def _lstm(cell, xt, state):
    """(outputs, [c, h] over time, their initial values, a packer of the final ones)."""
    n = cell._num_units
    if cell._state_is_tuple:
        c0, h0 = state
    else:
        c0, h0 = (_ops.getitem(state, (Ellipsis, slice(k * n, (k + 1) * n))) for k in (0, 1))
    dt = xt.aval.dtype
    w, b = cell._vars[:2]
    d = w.aval.shape[0] - n
    order = (0, 2, 1, 3)                            # TF's i, j, f, o -> i, f, g (= j), o
    bias = _blocks(b, n, order)
    if cell._forget_bias:
        fb = np.zeros((4 * n,), dt)
        fb[n:2 * n] = cell._forget_bias
        bias = _ops.add(bias, fb)
    xw = _ops.add(_ops.matmul(xt, _blocks(_ops.getitem(w, (slice(0, d),)), n, order)), bias)
    y = _seq.lstm_seq(xw, _blocks(_ops.getitem(w, (slice(d, None),)), n, order), h0, c0)
    h = _ops.getitem(y, (Ellipsis, slice(0, n)))
    c = _ops.getitem(y, (Ellipsis, slice(n, 2 * n)))

    def pack(finals):
        return LSTMStateTuple(*finals) if cell._state_is_tuple else \
            _ops.concatenate(finals, -1)
    return h, [c, h], [c0, h0], pack


def _gru(cell, xt, state):
    """TensorFlow's GRUCell (``[x, h] gates/kernel`` -> r, u; ``[x, r h] candidate/kernel``)
    as ``gru_rb_seq``: the kernels' input rows side by side for one matmul before the layer,
    their state rows the recurrent ``ug`` and ``uc``."""
    wg, bg, wc, bc = cell._vars[:4]
    d = wg.aval.shape[0] - cell._num_units
    top = (slice(0, d),)
    xw = _ops.add(_ops.matmul(xt, _ops.concatenate([_ops.getitem(wg, top),
                                                    _ops.getitem(wc, top)], -1)),
                  _ops.concatenate([bg, bc], -1))
    rest = (slice(d, None),)
    y = _seq.gru_rb_seq(xw, _ops.getitem(wg, rest), _ops.getitem(wc, rest), state)
    h = _ops.getitem(y, (Ellipsis, slice(0, cell._num_units)))
    return h, [h], [state], lambda finals: finals[0]


def _elman(cell, xt, state):
    w, b = cell._vars[:2]
    d = w.aval.shape[0] - cell._num_units
    xw = _ops.add(_ops.matmul(xt, _ops.getitem(w, (slice(0, d),))), b)
    y = _seq.rnn_seq(xw, _ops.getitem(w, (slice(d, None),)), state,
                     _activation(cell._activation) or "tanh")    # (_fusable: tanh or relu)
    return y, [y], [state], lambda finals: finals[0]


class _Lengths:
    """``sequence_length`` over the T steps of ``xt`` (T, B, D) (T known or not): the steps'
    mask (T, B, 1), and each sequence's state at its own length picked from a layer's states
    over time (the initial state for a length of 0; lengths past T stop at T, as the loop)."""

    def __init__(self, lengths, xt, dt):
        ones = _ops.cast(_ops.ones_like(_ops.getitem(xt, (Ellipsis, 0))), lengths.aval.dtype)
        steps = _ops.sub(_ops.cumsum(ones, 0), ones)                # (T, B): t
        row = _ops.expand_dims(lengths, 0)                                         # (1, B)
        self.mask = _ops.expand_dims(_ops.less(steps, row), -1)
        last = _ops.minimum(_ops.maximum(_ops.sub(row, 1), 0),
                            _ops.getitem(steps, (slice(-1, None),)))           # (1, B)
        self.pick = _ops.expand_dims(_ops.cast(_ops.equal(steps, last), dt), -1)
        self.started = _ops.expand_dims(_ops.greater(lengths, 0), -1)              # (B, 1)

    def final(self, seq, initial):
        picked = _ops.sum(_ops.mul(self.pick, seq), 0)
        return _ops.where(self.started, picked, initial)


#: each fused step's layer: (outputs, states over time, their initial values, a packer)
_LAYERS = {"lstm": _lstm, "gru": _gru, "elman": _elman}


def _unwrap(cell):
    """``(the cell inside, [its wrappers, outermost first])``: ``DropoutWrapper``s that keep
    the state (``state_keep_prob`` 1), ``ResidualWrapper``s that add (no ``residual_fn``),
    ``OutputProjectionWrapper``s whose activation acts on each step's row alone and
    ``DeviceWrapper``s; ``(None, [])`` for any other wrapper around it (a dropped state changes
    the recurrence itself).  A wrapper's input and output dropout are one dropout of the
    whole sequence each: the distribution of the loop's per-step draws (not the same draws;
    with ``variational_recurrent`` the same: one mask for every step)."""
    wraps: list = []
    while True:
        kind = type(cell).__dict__.get("_fused_wrap")
        if kind is None:
            return (None, []) if hasattr(cell, "_cell") else (cell, wraps)
        if kind == "dropout":
            keep = cell._keep[2]
            if not (isinstance(keep, (int, float)) and keep == 1):
                return None, []
        elif kind == "residual" and cell._residual_fn is not None:
            return None, []
        elif kind == "projection" and not _row_wise(cell._projection_activation):
            return None, []
        wraps.append(cell)
        cell = cell._cell


#: activations that act on each element (or each row, softmax) alone: applied to a whole
#: (T, B, P) sequence they give the loop's per-step values (the front ends' functions, by the
#: op name ``dlcore_static._api`` gives them, or tf.nn's own)
_ROW_WISE_OPS = frozenset(["relu", "tanh", "sigmoid", "softplus", "softsign", "identity"])
_ROW_WISE_NN = ("softmax", "log_softmax", "elu", "selu", "relu6", "leaky_relu")


def _row_wise(fn) -> bool:
    if fn is None or fn in (_ops.tanh, _ops.relu, _ops.sigmoid):
        return True
    if getattr(fn, "_dlcore_op", None) in _ROW_WISE_OPS:
        return True
    from . import nn
    return any(getattr(nn, k, None) is fn for k in _ROW_WISE_NN)


def _through(wraps, x, run):
    """``run(x)`` (a layer's output sequence from its input) inside ``wraps``: a dropout
    wrapper drops its input and output, a residual one adds its input to its output, a
    projection one projects the output (one matmul of the whole sequence), a device one
    builds it all on its device."""
    if not wraps:
        return run(x)
    w, inner = wraps[0], wraps[1:]
    kind = type(w).__dict__.get("_fused_wrap")
    if kind == "dropout":
        return w._drop(_through(inner, w._drop(x, w._keep[0], w._noise[0]), run),
                       w._keep[1], w._noise[1])
    if kind == "device":
        with _device(w._device):
            return _through(inner, x, run)
    if kind == "projection":
        kernel, bias = w._vars
        y = _seq._affine_t(_through(inner, x, run), kernel, bias)
        act = w._projection_activation
        return y if act is None else act(y)
    return _ops.add(x, _through(inner, x, run))


def fused_layers(cell, xt, state, lengths=None):
    """``cell`` over the time-major ``xt`` (T, B, D) from ``state`` as fused layers: (the
    outputs (T, B, H), the final state, packed as ``state``), or None (nothing built) where a
    cell's maths is not a fused layer's.  The cell has been called once (its variables
    exist).  With ``lengths`` (ints (B,)): a sequence's inputs past its length are
    zeros to the layers (so padding of any value cannot reach a result), its outputs there are
    zeros and its final state is its state at its length, as the masked loop's: the layers'
    steps past a length compute what nothing reads (each step depends only on earlier ones)."""
    dt = xt.aval.dtype
    if xt.aval.ndim != 3 or dt not in _FLOATS:
        return None
    inner, outer = _unwrap(cell)
    multi = type(inner) is MultiRNNCell
    cells, states = (inner._cells, list(state)) if multi else ([inner], [state])
    layers = [_unwrap(c) for c in cells]
    if inner is None or len(cells) != len(states) or \
            not all(c is not None and _fusable(c, s, dt) for (c, _), s in zip(layers, states)):
        return None
    masks = None if lengths is None else _Lengths(lengths, xt, dt)
    if masks is not None:
        xt = _ops.where(masks.mask, xt, _ops.zeros_like(xt))
    finals: list = []

    def stack(x):
        for (c, wraps), s in zip(layers, states):
            def layer(xin, c=c, s=s):
                out, seqs, inits, pack = _LAYERS[type(c).__dict__["_fused_step"]](c, xin, s)
                finals.append(pack([_ops.getitem(q, (-1,)) if masks is None else
                                    masks.final(q, q0) for q, q0 in zip(seqs, inits)]))
                return out
            x = _through(wraps, x, layer)
        return x
    xt = _through(outer, xt, stack)
    if masks is not None:
        xt = _ops.where(masks.mask, xt, _ops.zeros_like(xt))
    return xt, (tuple(finals) if multi else finals[0])


__all__ = ["fused_layers"]
