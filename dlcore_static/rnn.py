"""Running a cell over time, TensorFlow 1's way: ``tf.nn.static_rnn`` (the cell called once per
step, the graph unrolled), ``tf.nn.dynamic_rnn`` (one ``while_loop`` whatever the length),
``tf.nn.bidirectional_dynamic_rnn`` and ``tf.nn.static_bidirectional_rnn``.

With ``sequence_length``, a sequence's state stops changing after its last step and its outputs
there are zeros (``where`` on the step's mask), as TensorFlow does; the final state is each
sequence's state at its own length.  ``dynamic_rnn`` calls the cell once outside the loop first
(on step 0) so that its variables are created in the outer graph and the output size is known;
that probe is pruned from every run (nothing fetches it).  When the number of time steps is
unknown when the graph is built (inputs ``[None, None, D]``), the loop runs to
``tf.shape(inputs)[time]`` at run time, as TensorFlow's.  Variables live under ``rnn/`` (or
``scope``) like TensorFlow's, e.g. ``rnn/basic_lstm_cell/kernel``.  LSTM and Elman cells (and
a MultiRNNCell of them) run as dlcore's fused layers instead of the loop (``rnn_fused``; with
``sequence_length`` too, the number of steps known or not).
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from . import functional_ops as _f
from .frontend import constant, to_tensor
from .graph import get_default_graph
from .rnn_fused import fused_layers
from .sequence_ops import reverse_by_length
from .variable_scopes import variable_scope


def _batch_zero_state(cell, x0, dtype):
    """The cell's zero state for the batch of ``x0`` (B, D), B possibly unknown."""
    z = _ops.zeros_like(_ops.getitem(x0, (Ellipsis, slice(0, 1))))        # (B, 1)

    def make(size):
        if isinstance(size, (tuple, list)):
            parts = [make(s) for s in size]
            return type(size)(*parts) if hasattr(size, "_fields") else type(size)(parts)
        return _ops.mul(z, constant(np.zeros((int(size),), dtype=z.aval.dtype)))
    return make(cell.state_size)


def _mask_step(mask, new, old):
    return [_ops.where(mask, n, o) for n, o in zip(new, old)]


def static_rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None,
               scope=None):
    """``inputs``: a list of T tensors (B, D).  Returns (list of T outputs, final state)."""
    if not isinstance(inputs, (list, tuple)):
        raise TypeError("inputs must be a sequence")
    if not inputs:
        raise ValueError("inputs must not be empty")
    g = get_default_graph()
    xs = [to_tensor(x, g) for x in inputs]
    with variable_scope(scope or "rnn"):
        state = initial_state if initial_state is not None else \
            _batch_zero_state(cell, xs[0], dtype)
        lengths = None
        if sequence_length is not None:
            lengths = to_tensor(sequence_length, g)
            if lengths.aval.shape is not None and len(lengths.aval.shape) != 1:
                raise ValueError("sequence_length must be a vector of length batch_size")
            # TF's Select of a (1,) condition against (B, H) fails at run time: a loud error
            # here too (its text: dynamic_rnn's shape Assert), not a broadcast length
            lengths = _checked_lengths(lengths, xs[0], 0, g)
        outs = []
        for t, x in enumerate(xs):
            out, new = cell(x, state)
            if lengths is not None:
                m = _ops.expand_dims(_ops.less(constant(np.asarray(t, lengths.aval.dtype)),
                                               lengths), -1)
                out = _ops.where(m, out, _ops.zeros_like(out))
                new = _f.pack_as(state, _mask_step(m, _f.flatten(new), _f.flatten(state)))
            outs.append(out)
            state = new
    return outs, state


def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None, dtype=None,
                parallel_iterations=None, swap_memory: bool = False, time_major: bool = False,
                scope=None):
    """``inputs`` (B, T, D) (or (T, B, D) with ``time_major``) through ``cell`` in one
    while_loop.  Returns (outputs (B, T, H) or (T, B, H), final state)."""
    g = get_default_graph()
    x = to_tensor(inputs, g)
    if x.aval.ndim < 3:
        raise ValueError(f"dynamic_rnn: inputs must be at least rank 3 (batch, time, depth), "
                         f"got shape {x.shape}")
    with variable_scope(scope or "rnn"):
        xt = x if time_major else _ops.transpose(x, (1, 0) + tuple(range(2, x.aval.ndim)))
        T = xt.aval.shape[0]
        x0 = _f.read(xt, constant(np.int32(0)))
        state0 = initial_state if initial_state is not None else \
            _batch_zero_state(cell, x0, dtype)
        probe, _ = cell(x0, state0)                   # variables made here, outside the loop
        s_leaves = [to_tensor(s, g) for s in _f.flatten(state0)]
        ns = len(s_leaves)
        lengths = None if sequence_length is None else \
            _checked_lengths(to_tensor(sequence_length, g), x, 1 if time_major else 0, g)
        fused = fused_layers(cell, xt, state0, lengths) if T != 0 else None
        if fused is not None:              # (rnn_fused: LSTM and Elman cells)
            out, final = fused
            if not time_major:
                out = _ops.transpose(out, (1, 0, 2))
            return out, final

        def step(t, vs):
            state, acc = _f.pack_as(state0, vs[:ns]), vs[ns]
            out, new = cell(_f.read(xt, t), state)
            new = [to_tensor(v, g) for v in _f.flatten(new)]
            if lengths is not None:
                m = _ops.expand_dims(_ops.less(_ops.cast(t, lengths.aval.dtype), lengths), -1)
                out = _ops.where(m, out, _ops.zeros_like(out))
                new = _mask_step(m, new, vs[:ns])
            return new + [_f.write(acc, t, out)]

        if T is not None:
            steps, acc0 = int(T), _f.zeros_rows(int(T), probe)
        else:                      # time steps known at run time: tf.shape(inputs)[time]
            steps = _ops.getitem(_ops.shape_of(xt), 0)
            acc0 = _zeros_steps(xt, probe)
        res = _f._loop(steps, False, step, s_leaves + [acc0], "while")
        out = res[ns]
        if not time_major:
            out = _ops.transpose(out, (1, 0) + tuple(range(2, out.aval.ndim)))
        return out, _f.pack_as(state0, res[:ns])


def _checked_lengths(lengths, x, batch_axis: int, g):
    """TF 1.15's dynamic_rnn: ``sequence_length`` cast to int32, a vector (ValueError when its
    rank is another), named ``sequence_length``, and read through ``CheckSeqLen``, an identity
    after an Assert that its shape is [batch_size] (InvalidArgumentError at run time: a length
    per sequence, not one broadcast over the batch)."""
    from .debug_ops import Assert
    from .frontend import rename
    lengths = _ops.cast(lengths, np.dtype("int32"))
    if lengths.aval.shape is not None and len(lengths.aval.shape) != 1:
        raise ValueError("sequence_length must be a vector of length batch_size, but saw "
                         f"shape: {lengths.shape}")
    first = len(g._ops)
    lengths = rename(_ops.identity(lengths), "sequence_length", first)
    b = x.aval.shape[batch_axis]
    batch = constant(np.array([b], np.int32)) if b is not None else \
        _ops.reshape(_ops.cast(_ops.getitem(_ops.shape_of(x), batch_axis), np.dtype("int32")),
                     (1,))
    seen = _ops.cast(_ops.shape_of(lengths), np.dtype("int32"))
    check = Assert(_ops.reduce_all(_ops.equal(seen, batch)),
                   [f"Expected shape for Tensor {lengths.name} is ", batch,
                    " but saw shape: ", seen])
    with g.control_dependencies([check]):
        first = len(g._ops)
        return rename(_ops.identity(lengths), "CheckSeqLen", first)


def _zeros_steps(xt, like):
    """Zeros (T,) + like.shape with T = xt's leading dimension, known only at run time."""
    zt = _ops.zeros_like(_ops.getitem(xt, (slice(None),) + (0,) * (xt.aval.ndim - 1)))
    zt = _ops.cast(zt, like.aval.dtype)
    for _ in range(like.aval.ndim):
        zt = _ops.expand_dims(zt, -1)
    return _ops.mul(zt, _ops.expand_dims(_ops.zeros_like(like), 0))


def _reverse_time(x, lengths, time_axis: int, batch_axis: int):
    if lengths is None:
        idx = [slice(None)] * x.aval.ndim
        idx[time_axis] = slice(None, None, -1)
        return _ops.getitem(x, tuple(idx))
    return reverse_by_length(x, lengths, time_axis, batch_axis)


def bidirectional_dynamic_rnn(cell_fw, cell_bw, inputs, sequence_length=None,
                              initial_state_fw=None, initial_state_bw=None, dtype=None,
                              parallel_iterations=None, swap_memory: bool = False,
                              time_major: bool = False, scope=None):
    """Returns ((output_fw, output_bw), (state_fw, state_bw)); the backward cell reads each
    sequence reversed over its own length and its outputs are reversed back."""
    g = get_default_graph()
    x = to_tensor(inputs, g)
    lengths = None if sequence_length is None else to_tensor(sequence_length, g)
    ta, ba = (0, 1) if time_major else (1, 0)
    with variable_scope(scope or "bidirectional_rnn"):
        out_fw, st_fw = dynamic_rnn(cell_fw, x, lengths, initial_state_fw, dtype,
                                    time_major=time_major, scope="fw")
        xr = _reverse_time(x, lengths, ta, ba)
        out_bw, st_bw = dynamic_rnn(cell_bw, xr, lengths, initial_state_bw, dtype,
                                    time_major=time_major, scope="bw")
        out_bw = _reverse_time(out_bw, lengths, ta, ba)
    return (out_fw, out_bw), (st_fw, st_bw)


def static_bidirectional_rnn(cell_fw, cell_bw, inputs, initial_state_fw=None,
                             initial_state_bw=None, dtype=None, sequence_length=None,
                             scope=None):
    """TensorFlow 1's ``tf.nn.static_bidirectional_rnn``: ``static_rnn`` of ``cell_fw`` over
    the list ``inputs`` (scope ``bidirectional_rnn/fw``) and of ``cell_bw`` over it reversed
    (each sequence over its own length with ``sequence_length``; scope ``bidirectional_rnn/bw``),
    the backward outputs reversed back.  Returns (outputs, output_state_fw, output_state_bw),
    outputs[t] = concat([fw[t], bw[t]], 1)."""
    for name, cell in (("cell_fw", cell_fw), ("cell_bw", cell_bw)):
        if not callable(cell) or not hasattr(cell, "state_size"):
            raise TypeError(f"{name} must be an instance of RNNCell")
    if not isinstance(inputs, (list, tuple)):
        raise TypeError("inputs must be a list")
    if not inputs:
        raise ValueError("inputs must not be empty")
    g = get_default_graph()
    lengths = None if sequence_length is None else to_tensor(sequence_length, g)

    def reverse(xs):
        if lengths is None:
            return list(xs)[::-1]
        r = reverse_by_length(_ops.stack([to_tensor(x, g) for x in xs], 0), lengths, 0, 1)
        return [_ops.getitem(r, (t,)) for t in range(len(xs))]

    with variable_scope(scope or "bidirectional_rnn"):
        out_fw, st_fw = static_rnn(cell_fw, inputs, initial_state_fw, dtype, lengths,
                                   scope="fw")
        tmp, st_bw = static_rnn(cell_bw, reverse(inputs), initial_state_bw, dtype, lengths,
                                scope="bw")
    out_bw = reverse(tmp)
    outputs = [_ops.concatenate([f, b], 1) for f, b in zip(out_fw, out_bw)]
    return outputs, st_fw, st_bw


__all__ = ["bidirectional_dynamic_rnn", "dynamic_rnn", "static_bidirectional_rnn",
           "static_rnn"]
