"""More of TensorFlow 1's RNN cells and runners, as programs use them: ``tf.nn.rnn_cell``'s
``ResidualWrapper`` and ``DeviceWrapper``, and ``tf.contrib.rnn``'s ``LSTMBlockCell``,
``GRUBlockCellV2``, ``LSTMBlockFusedCell``, ``stack_bidirectional_dynamic_rnn`` and
``stack_bidirectional_rnn``.

The block cells are TensorFlow's fused-kernel versions of the same maths, with the same
variables: ``LSTMBlockCell`` is ``LSTMCell``'s step (gates i, j (TensorFlow's ``cs``), f, o;
``forget_bias``; peepholes ``w_i_diag``, ``w_f_diag``, ``w_o_diag`` with ``use_peephole``;
``cell_clip``; no projection; ``kernel`` (input depth + units, 4 units) and ``bias`` under
``lstm_cell``), so ``dynamic_rnn`` runs it as the fused layer ``lstm_seq`` where ``LSTMCell``
runs there (``rnn_fused``); ``GRUBlockCellV2`` is ``GRUCell`` (``gates/kernel``,
``candidate/kernel``).  ``LSTMBlockFusedCell`` runs a whole time-major sequence in one call
(``cell(inputs, initial_state, dtype, sequence_length) -> (outputs, LSTMStateTuple(c, h))``):
here ``dynamic_rnn`` over an ``LSTMBlockCell`` named like it, i.e. the fused layer.
"""

from __future__ import annotations

import contextlib

from dlcore import ops as _ops

from .graph import device as _device
from .rnn import bidirectional_dynamic_rnn, dynamic_rnn, static_bidirectional_rnn
from .rnn_cell import GRUCell, LSTMCell, _Wrapper
from .variable_scopes import get_variable_scope, variable_scope


class ResidualWrapper(_Wrapper):
    """``tf.nn.rnn_cell.ResidualWrapper``: the cell's output plus its input
    (``residual_fn(inputs, outputs)`` instead where given); the state is the cell's."""

    _default_name = "residual_wrapper"
    _fused_wrap = "residual"                    # (rnn_fused: one add of the sequences)

    def __init__(self, cell, residual_fn=None) -> None:
        super().__init__(0)
        self._cell = cell
        self._residual_fn = residual_fn

    def call(self, inputs, state):
        out, new = self._cell(inputs, state)
        if self._residual_fn is not None:
            return self._residual_fn(inputs, out), new
        if tuple(inputs.shape.as_list()[-1:]) != tuple(out.shape.as_list()[-1:]):
            raise ValueError(f"ResidualWrapper: the cell's output depth {out.shape[-1]} is not "
                             f"its input's {inputs.shape[-1]} (the residual adds them)")
        return _ops.add(inputs, out), new


class DeviceWrapper(_Wrapper):
    """``tf.nn.rnn_cell.DeviceWrapper``: the cell's step built on ``device``."""

    _default_name = "device_wrapper"
    _fused_wrap = "device"                  # (rnn_fused: the fused layers on the device)

    def __init__(self, cell, device) -> None:
        super().__init__(0)
        self._cell = cell
        self._device = device

    def call(self, inputs, state):
        with _device(self._device):
            return self._cell(inputs, state)


class LSTMBlockCell(LSTMCell):
    """``tf.contrib.rnn.LSTMBlockCell``: ``LSTMCell``'s maths and variables (see the module
    docstring), state ``LSTMStateTuple(c, h)``."""

    _fused_step = "lstm"

    def __init__(self, num_units: int, forget_bias: float = 1.0, cell_clip=None,
                 use_peephole: bool = False, dtype=None, reuse=None,
                 name: str = "lstm_cell") -> None:
        super().__init__(num_units, use_peepholes=use_peephole,
                         cell_clip=None if cell_clip is None or cell_clip < 0 else cell_clip,
                         forget_bias=forget_bias, reuse=reuse, name=name, dtype=dtype)


class GRUBlockCellV2(GRUCell):
    """``tf.contrib.rnn.GRUBlockCellV2``: ``GRUCell``'s maths and variables."""

    _fused_step = "gru"

    def __init__(self, num_units: int | None = None, reuse=None, name: str = "gru_cell",
                 cell_size=None) -> None:
        if num_units is None:
            num_units = cell_size
        if num_units is None:
            raise ValueError("GRUBlockCellV2: give num_units")
        super().__init__(int(num_units), reuse=reuse, name=name)


class LSTMBlockFusedCell:
    """``tf.contrib.rnn.LSTMBlockFusedCell``: a time-major sequence (T, B, D) in one call."""

    def __init__(self, num_units: int, forget_bias: float = 1.0, cell_clip=None,
                 use_peephole: bool = False, reuse=None, dtype=None,
                 name: str = "lstm_fused_cell") -> None:
        self._cell = LSTMBlockCell(num_units, forget_bias, cell_clip, use_peephole, dtype,
                                   reuse, name=name)
        self._num_units = int(num_units)

    @property
    def num_units(self) -> int:
        return self._num_units

    @property
    def variables(self) -> list:
        return self._cell.variables

    trainable_variables = weights = trainable_weights = variables

    def __call__(self, inputs, initial_state=None, dtype=None, sequence_length=None,
                 scope=None):
        """``(outputs (T, B, units), LSTMStateTuple(c, h))``; ``initial_state`` a ``(c, h)``
        pair, or zeros of ``dtype``."""
        if initial_state is not None:
            from .rnn_cell import LSTMStateTuple
            initial_state = LSTMStateTuple(*initial_state)
        # (its variables ``<name>/kernel`` and ``<name>/bias`` in the enclosing scope, as the
        # layer's: dynamic_rnn reenters that scope instead of opening ``rnn``)
        with variable_scope(scope) if scope is not None else contextlib.nullcontext():
            return dynamic_rnn(self._cell, inputs, sequence_length, initial_state,
                               dtype or getattr(inputs, "dtype", None), time_major=True,
                               scope=get_variable_scope())


def _stack_checks(cells_fw, cells_bw, initial_states_fw, initial_states_bw) -> None:
    if not cells_fw:
        raise ValueError("Must specify at least one fw cell for BidirectionalRNN.")
    if not cells_bw:
        raise ValueError("Must specify at least one bw cell for BidirectionalRNN.")
    if not isinstance(cells_fw, list):
        raise ValueError("cells_fw must be a list of RNNCells (one per layer).")
    if not isinstance(cells_bw, list):
        raise ValueError("cells_bw must be a list of RNNCells (one per layer).")
    if len(cells_fw) != len(cells_bw):
        raise ValueError("Forward and Backward cells must have the same depth.")
    for name, states in (("fw", initial_states_fw), ("bw", initial_states_bw)):
        if states is not None and (not isinstance(states, list) or
                                   len(states) != len(cells_fw)):
            raise ValueError(f"initial_states_{name} must be a list of state tensors (one per "
                             "layer).")


def stack_bidirectional_dynamic_rnn(cells_fw, cells_bw, inputs, initial_states_fw=None,
                                    initial_states_bw=None, dtype=None, sequence_length=None,
                                    parallel_iterations=None, time_major: bool = False,
                                    scope=None, swap_memory: bool = False):
    """Layers of ``bidirectional_dynamic_rnn``, each reading the one below's forward and
    backward outputs concatenated (scopes ``stack_bidirectional_rnn/cell_<i>``).  Returns
    ``(outputs, output_states_fw, output_states_bw)``, the states a tuple per layer."""
    _stack_checks(cells_fw, cells_bw, initial_states_fw, initial_states_bw)
    states_fw, states_bw = [], []
    prev = inputs
    with variable_scope(scope or "stack_bidirectional_rnn"):
        for i, (fw, bw) in enumerate(zip(cells_fw, cells_bw)):
            with variable_scope(f"cell_{i}"):
                (out_fw, out_bw), (st_fw, st_bw) = bidirectional_dynamic_rnn(
                    fw, bw, prev, sequence_length=sequence_length,
                    initial_state_fw=initial_states_fw[i] if initial_states_fw else None,
                    initial_state_bw=initial_states_bw[i] if initial_states_bw else None,
                    dtype=dtype, parallel_iterations=parallel_iterations,
                    swap_memory=swap_memory, time_major=time_major)
                prev = _ops.concatenate([out_fw, out_bw], 2)
            states_fw.append(st_fw)
            states_bw.append(st_bw)
    return prev, tuple(states_fw), tuple(states_bw)


def stack_bidirectional_rnn(cells_fw, cells_bw, inputs, initial_states_fw=None,
                            initial_states_bw=None, dtype=None, sequence_length=None,
                            scope=None):
    """``stack_bidirectional_dynamic_rnn`` over a list of (B, D) steps with
    ``static_bidirectional_rnn``: ``(outputs (a list), output_states_fw, output_states_bw)``."""
    _stack_checks(cells_fw, cells_bw, initial_states_fw, initial_states_bw)
    if not inputs:
        raise ValueError("inputs must not be empty")
    states_fw, states_bw = [], []
    prev = inputs
    with variable_scope(scope or "stack_bidirectional_rnn"):
        for i, (fw, bw) in enumerate(zip(cells_fw, cells_bw)):
            with variable_scope(f"cell_{i}"):
                prev, st_fw, st_bw = static_bidirectional_rnn(
                    fw, bw, prev,
                    initial_state_fw=initial_states_fw[i] if initial_states_fw else None,
                    initial_state_bw=initial_states_bw[i] if initial_states_bw else None,
                    dtype=dtype, sequence_length=sequence_length)
            states_fw.append(st_fw)
            states_bw.append(st_bw)
    return prev, tuple(states_fw), tuple(states_bw)


__all__ = ["DeviceWrapper", "GRUBlockCellV2", "LSTMBlockCell", "LSTMBlockFusedCell",
           "ResidualWrapper", "stack_bidirectional_dynamic_rnn", "stack_bidirectional_rnn"]
