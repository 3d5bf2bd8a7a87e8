"""``tf.nn.raw_rnn``: a cell driven by the user's ``loop_fn``, TensorFlow 1's most general RNN
runner (``dynamic_rnn`` with the step's input, the state and what is emitted chosen by a Python
function, e.g. a decoder that feeds back its own prediction).

``loop_fn(time, cell_output, cell_state, loop_state)`` returns ``(elements_finished,
next_input, next_cell_state, emit_output, next_loop_state)``; it is called once with
``cell_output=None`` at time 0 (giving the initial state and first input) and then after every
step.  As TensorFlow's ``raw_rnn`` (rnn.py), this is a ``while_loop`` that runs while some
element is not finished: ``(output, state) = cell(input, state)``, then ``loop_fn``; for the
finished batch entries the emitted output is zeros and the state is kept (``where`` on
``elements_finished``); each step's emit is written to a growing ``TensorArray`` at ``time``.
Returns ``(emit_ta, final_state, final_loop_state)`` (``final_loop_state`` None when
``loop_fn`` gave none at time 0).  The cell is called once outside the loop first, so that its
variables are created in the outer graph (as ``dynamic_rnn`` does; the probe is pruned)."""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from . import functional_ops as _f
from .frontend import constant, to_tensor
from .graph import get_default_graph
from .tensor_array import TensorArray, while_loop
from .variable_scopes import variable_scope


def _copy_some_through(finished, current, candidate):
    def one(cur, cand):
        if isinstance(cur, TensorArray) or cur.aval.ndim == 0:
            return cand
        return _ops.where(_ops.reshape(finished, (-1,) + (1,) * (cur.aval.ndim - 1)),
                          cur, to_tensor(cand))
    return _f.pack_as(current, [one(a, b) for a, b in zip(_f.flatten(current),
                                                           _f.flatten(candidate))])


def raw_rnn(cell, loop_fn, parallel_iterations=None, swap_memory: bool = False, scope=None):
    """See the module docstring.  Returns ``(emit_ta, final_state, final_loop_state)``."""
    if not callable(loop_fn):
        raise TypeError("loop_fn must be a callable")
    g = get_default_graph()
    with variable_scope(scope or "rnn"):
        time = constant(np.int32(0))
        (finished, next_input, initial_state, emit_structure,
         init_loop_state) = loop_fn(time, None, None, None)
        finished = to_tensor(finished, g)
        loop_state = init_loop_state if init_loop_state is not None else constant(np.int32(0))
        state = initial_state
        probe_out, _ = cell(next_input, state)          # variables made here, outside the loop
        if emit_structure is None:
            emit_structure = probe_out
        flat_emit = [to_tensor(e, g) for e in _f.flatten(emit_structure)]
        zero_emit = _f.pack_as(emit_structure, [_ops.zeros_like(e) for e in flat_emit])
        emit_ta = _f.pack_as(emit_structure, [
            TensorArray(dtype=e.aval.dtype, size=0, dynamic_size=True,
                        element_shape=e.aval.shape, name=f"rnn_output_{i}")
            for i, e in enumerate(flat_emit)])

        def condition(unused_time, elements_finished, *_):
            return _ops.logical_not(_ops.reduce_all(elements_finished))

        def body(time, elements_finished, current_input, emit_ta, state, loop_state):
            next_output, cell_state = cell(current_input, state)
            next_time = _ops.add(time, np.int32(1))
            (next_finished, next_input, next_state, emit_output,
             next_loop_state) = loop_fn(next_time, next_output, cell_state, loop_state)
            loop_state = loop_state if next_loop_state is None else next_loop_state
            if emit_output is None:
                emit_output = next_output
            emit_output = _copy_some_through(elements_finished, zero_emit, emit_output)
            next_state = _copy_some_through(elements_finished, state, next_state)
            emit_ta = _f.pack_as(emit_ta, [ta.write(time, e) for ta, e in zip(
                _f.flatten(emit_ta), _f.flatten(emit_output))])
            elements_finished = _ops.logical_or(elements_finished, to_tensor(next_finished, g))
            return (next_time, elements_finished, next_input, emit_ta, next_state, loop_state)

        returned = while_loop(condition, body,
                              [time, finished, next_input, emit_ta, state, loop_state],
                              parallel_iterations=parallel_iterations or 32,
                              swap_memory=swap_memory)
        emit_ta, final_state, final_loop_state = returned[-3:]
        if init_loop_state is None:
            final_loop_state = None
        return emit_ta, final_state, final_loop_state


__all__ = ["raw_rnn"]
