"""Keras RNN cells and the generic ``RNN`` layer: ``SimpleRNNCell``, ``LSTMCell``, ``GRUCell``,
``StackedRNNCells`` and ``RNN(cell, return_sequences, return_state, go_backwards, unroll)``.

A cell is a layer with a ``state_size`` (an int, or a list of ints and nested lists) and
``call(inputs, states) -> (output, new_states)`` for one time step (``inputs`` (batch, features),
``states`` a list with one entry per ``state_size`` entry, as Keras 3's ``RNN`` passes them).
``RNN`` builds the cell on the step shape ``(batch, features)`` (the cell's weights become the
RNN layer's), then runs one ``while_loop`` over the time axis calling ``cell.call`` (Keras's
``K.rnn``): zero initial states of shape ``(batch, size)`` unless ``initial_state`` is given,
masked steps keep the previous output and states, ``go_backwards`` reads the sequence from
the end.  ``return_state`` returns ``[output] + states``, the states flat (Keras 2's order:
``StackedRNNCells``' cells in stacking order, each cell's states in its order; Keras 3 nests a
stack's states per cell, here ``[h1, c1], [h2, c2]`` are ``h1, c1, h2, c2``).
``unroll`` changes nothing in the result (it is a speed hint in Keras; dlcore loops, or runs
the built-in cells as the fused layers: ``_rnn_cells_fused``).
``stateful=True`` is refused.  The built-in cells' ``dropout``/``recurrent_dropout`` draw one mask
per gate for the inputs and one per gate for the state, the same at every step of a batch and
new for each batch, while training (Keras 2's cells; ``RNN`` draws them before its loop).
``Bidirectional(RNN(cell))`` makes its backward layer with a new cell of the same class and
arguments (built-in cells and stacks of them; a user's cell needs ``backward_layer=``).

The built-in cells compute what the fused layers compute (``recurrent.py``), with the same
weights ``kernel``, ``recurrent_kernel``, ``bias`` (gate orders i, f, c, o and z, r, h; GRU's
bias ``(2, 3 units)`` with ``reset_after=True``) and Keras 3's defaults (``recurrent_activation=
'sigmoid'``, ``reset_after=True``), so
``RNN(LSTMCell(n))`` with an ``LSTM(n)``'s weights gives that layer's outputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dlcore import ops as _ops
from dlcore.ops import sequence as _seq

from ... import functional_ops as _f
from ...frontend import constant
from .. import activations
from .. import constraints as _constraints
from ..engine import MASKS, Layer, _accepts
from ._kept_steps import checked_mask
from ._rnn_cells_fused import fused_rnn
from .recurrent import GRU, LSTM, SimpleRNN, _Recurrent, _time_major, gru_step, input_bias

__all__ = ["RNN", "GRUCell", "LSTMCell", "SimpleRNNCell", "StackedRNNCells"]


class _Cell(Layer):
    _gates = 1
    kernel: Any                       # made by build (_Recurrent.build)
    recurrent_kernel: Any
    bias: Any

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias: bool = True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed=None, **kwargs):
        self._args = {                            # a copy's arguments (Bidirectional)
            "units": units, "activation": activation,
            "recurrent_activation": recurrent_activation, "use_bias": use_bias,
            "kernel_initializer": kernel_initializer,
            "recurrent_initializer": recurrent_initializer,
            "bias_initializer": bias_initializer, "unit_forget_bias": unit_forget_bias,
            "kernel_regularizer": kernel_regularizer,
            "recurrent_regularizer": recurrent_regularizer,
            "bias_regularizer": bias_regularizer, "kernel_constraint": kernel_constraint,
            "recurrent_constraint": recurrent_constraint, "bias_constraint": bias_constraint,
            "dropout": dropout, "recurrent_dropout": recurrent_dropout, "seed": seed}
        super().__init__(**kwargs)
        if int(units) <= 0:
            raise ValueError(f"Received an invalid value for argument `units`, expected a "
                             f"positive integer, got {units}.")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias, self.unit_forget_bias = use_bias, unit_forget_bias
        self.dropout = min(1.0, max(0.0, float(dropout)))       # Keras 2: clipped to [0, 1]
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self._in_masks = self._rec_masks = None
        self.seed = seed                          # the dropout masks' (_Recurrent._masks)
        self.inits = (kernel_initializer, recurrent_initializer, bias_initializer)
        self.regs = (kernel_regularizer, recurrent_regularizer, bias_regularizer)
        self.constraints = tuple(_constraints.get(c) for c in (kernel_constraint,
                                                               recurrent_constraint,
                                                               bias_constraint))

    _layer: Any = None                # the layer whose fused maths a built-in cell shares

    build = _Recurrent.build          # kernel (D, g*n), recurrent_kernel (n, g*n), bias (g*n,)
    _masks: Any = _Recurrent._masks               # (the fused layers' per-gate helpers)
    _gate_blocks: Any = _Recurrent._gate_blocks
    _recurrent_terms: Any = _Recurrent._recurrent_terms

    def begin_masks(self, like_x, like_h, training) -> None:
        """Draw this batch's dropout masks (one per gate, the same at every step: Keras 2's
        variational dropout), before ``RNN``'s loop; ``end_masks`` forgets them after it."""
        self._in_masks = self._masks(like_x, self.dropout, training)
        self._rec_masks = self._masks(like_h, self.recurrent_dropout, training, 1)

    def end_masks(self) -> None:
        self._in_masks = self._rec_masks = None

    def _fused_ok(self) -> bool:
        """Its layer's conditions for the fused maths (``_rnn_cells_fused``)."""
        return self._layer is not None and self._layer._fused_ok(self)

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self) -> int:
        return self.units

    def _xw(self, inputs):
        if self._in_masks is None:
            xw = _ops.matmul(inputs, self.kernel)
        else:                                   # (x m_k) W_k per gate
            xw = _ops.concatenate([_ops.matmul(_ops.mul(inputs, m), w) for m, w in
                                   zip(self._in_masks, self._gate_blocks(self.kernel))], -1)
        return _ops.add(xw, input_bias(self)) if self.bias is not None else xw

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)


class SimpleRNNCell(_Cell):
    """``h' = act(x W + b + h U)``; output and state ``h'``."""

    _layer = SimpleRNN

    def __init__(self, units: int, activation="tanh", **kwargs):
        kwargs.pop("recurrent_activation", None)
        super().__init__(units, activation, **kwargs)

    def call(self, inputs, states, training=None):
        h = states[0] if isinstance(states, (list, tuple)) else states
        out = self.activation(_ops.add(self._xw(inputs),
                                       self._recurrent_terms(h, self._rec_masks)))
        return out, [out] if isinstance(states, (list, tuple)) else out


class LSTMCell(_Cell):
    """Keras' LSTM step (gates i, f, c, o): states ``[h, c]``, output ``h``."""

    _gates = 4
    _layer = LSTM                   # (its fused maths: _rnn_cells_fused)

    @property
    def state_size(self):
        return [self.units, self.units]

    def call(self, inputs, states, training=None):
        h, c = states[0], states[1]
        z = _ops.add(self._xw(inputs), self._recurrent_terms(h, self._rec_masks))
        h2, c2 = _seq.keras_lstm_gates(z, c, self.activation, self.recurrent_activation)
        return h2, [h2, c2]


class GRUCell(_Cell):
    """Keras' GRU step (gates z, r, h; ``reset_after`` as ``GRU``'s); output and state ``h'``."""

    _gates = 3
    _layer = GRU

    def __init__(self, units: int, *args, reset_after: bool = True, **kwargs):
        super().__init__(units, *args, **kwargs)
        self.reset_after = bool(reset_after)
        self._args["reset_after"] = self.reset_after

    def call(self, inputs, states, training=None):
        h = states[0] if isinstance(states, (list, tuple)) else states
        out = gru_step(self, self._xw(inputs), h, self._rec_masks)
        return out, [out] if isinstance(states, (list, tuple)) else out


def _output_size(cell) -> int:
    return _output_sizes(cell)[0][-1]


def _dims(size) -> tuple:
    """A state or output size (an int, a TensorShape or a shape tuple) as a shape tuple."""
    if hasattr(size, "as_list"):
        size = size.as_list()
    return tuple(int(d) for d in size) if isinstance(size, (list, tuple)) else (int(size),)


def _output_sizes(cell) -> list:
    """The shapes (no batch) of a cell's outputs at each step: one, or several for a cell
    with a nested ``output_size`` (a list of ints or TensorShapes)."""
    size = getattr(cell, "output_size", None)
    if isinstance(size, (list, tuple)) and size:
        return [_dims(v) for v in size]
    if size is None:                    # (the first state's shape)
        size = cell.state_size
        while isinstance(size, (list, tuple)):
            size = size[0]
    return [_dims(size)]


def _keep_as(keep, like):
    """A step's mask (batch,) shaped to broadcast over ``like`` (batch, ...)."""
    return _ops.reshape_dynamic(keep, [-1] + [1] * (like.aval.ndim - 1))


def _build(cell, step_shape) -> None:
    if not getattr(cell, "built", False):
        with cell_scope(cell):
            cell.build(tuple(step_shape))
        cell.built = True


def _unbuilt_sublayers(cell) -> bool:
    """Whether a layer ``cell`` holds (its attributes, nested) is not built yet."""
    from .._tracking import sublayers
    return any(not getattr(s, "built", False) or _unbuilt_sublayers(s) for s in sublayers(cell))


def cell_scope(cell):
    from ...graph import get_default_graph
    return get_default_graph().name_scope(cell.name)


class StackedRNNCells(Layer):
    """Cells run one after the other at each step (the output of one is the input of the
    next); ``state_size`` is the list of the cells' state sizes, the states a list with one
    entry per cell."""

    def __init__(self, cells, **kwargs):
        for c in cells:
            if not hasattr(c, "call") or not hasattr(c, "state_size"):
                raise ValueError(f"All cells must have a `call` method and a `state_size` "
                                 f"attribute. Received: cells={cells}")
        super().__init__(**kwargs)
        self.cells = list(cells)

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self) -> int:
        return _output_size(self.cells[-1])

    def build(self, input_shape) -> None:
        shape = tuple(input_shape)
        for c in self.cells:
            _build(c, shape)
            shape = shape[:-1] + (_output_size(c),)
        self._weights[:] = [w for c in self.cells for w in c.weights]
        self.built = True

    def call(self, inputs, states, training=None):
        new_states = []
        for cell, s in zip(self.cells, states):
            nested = isinstance(s, (list, tuple))
            kw = {"training": training} if _accepts(cell.call, "training") else {}
            inputs, s2 = cell.call(inputs, list(s) if nested else [s], **kw)
            if not nested and isinstance(s2, (list, tuple)) and len(s2) == 1:
                s2 = s2[0]
            new_states.append(s2)
        return inputs, new_states


def _copy_cell(cell):
    """A new cell of the same class and arguments (new weights): Bidirectional's backward
    cell."""
    if isinstance(cell, StackedRNNCells):
        return StackedRNNCells([_copy_cell(c) for c in cell.cells])
    if isinstance(cell, _Cell):
        return type(cell)(**cell._args)
    raise NotImplementedError(f"Bidirectional: dlcore cannot copy the cell {cell.name!r} of "
                              f"class {type(cell).__name__}; pass backward_layer=RNN("
                              f"{type(cell).__name__}(...), go_backwards=True)")


def _flatten(x) -> list:
    if isinstance(x, (list, tuple)):
        return [t for v in x for t in _flatten(v)]
    return [x]


def _pack(template, flat: list):
    """``flat`` in the nesting of ``template`` (lists of tensors)."""
    it = iter(flat)

    def go(t):
        return [go(v) for v in t] if isinstance(t, (list, tuple)) else next(it)
    return go(template)


class RNN(Layer):
    """Keras's generic recurrent layer around a cell (see the module docstring)."""

    def __init__(self, cell, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "call") or "state_size" not in dir(cell):
            raise ValueError(f"The RNN cell should have a `call` method and a `state_size` "
                             f"attribute. Received: cell={cell}")
        if stateful:
            raise NotImplementedError("RNN: stateful=True is not supported (the state is not "
                                      "kept between batches)")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences, self.return_state = return_sequences, return_state
        self.go_backwards, self.unroll, self.stateful = go_backwards, unroll, False
        self.supports_masking = True

    @property
    def _config(self) -> dict:
        """The arguments of a copy with a new cell (what Bidirectional makes its backward
        layer from)."""
        return {"cell": _copy_cell(self.cell), "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards,
                "unroll": self.unroll}

    @property
    def _states(self) -> int:
        return len(_flatten(self._sizes()))

    def _sizes(self) -> list:
        ss = self.cell.state_size
        if not isinstance(ss, (list, tuple, int)) and not hasattr(ss, "as_list"):
            raise ValueError(f"state_size must be an integer, or a list/tuple of integers "  # noqa: TRY004
                             f"(one for each state tensor). Received: state_size={ss}")
        return list(ss) if isinstance(ss, (list, tuple)) else [ss]

    def build(self, input_shape) -> None:
        nested = self.__dict__.get("_nested_inputs", False)
        shapes = [tuple(s) for s in input_shape] if nested else \
            [tuple(input_shape[0] if isinstance(input_shape, list) else input_shape)]
        for shape in shapes:
            if len(shape) < 3:
                raise ValueError(f"{self.name}: expected input of shape (batch, timesteps, "
                                 f"...), got {shape}")
        steps = [(s[0],) + s[2:] for s in shapes]
        _build(self.cell, tuple(steps) if nested else steps[0])
        self._weights[:] = list(self.cell.weights)
        self.built = True

    def __call__(self, inputs, *args, training=None, **kwargs):
        initial_state = kwargs.pop("initial_state", args[0] if args else None)
        kwargs["training"] = training
        if isinstance(inputs, tuple) and len(inputs) > 1:
            # a tuple is one nested input (tf.keras 2's standardize_args: a list is the
            # sequence then initial states); the cell gets a tuple per step
            if self.built and not self.__dict__.get("_nested_inputs"):
                raise ValueError(f"{self.name}: built on one input, called on a tuple of "
                                 f"{len(inputs)}")
            self.__dict__["_nested_inputs"] = True
            inputs = list(inputs)
        elif initial_state is None and isinstance(inputs, (list, tuple)) and len(inputs) > 1:
            inputs, initial_state = inputs[0], list(inputs[1:])
        if initial_state is None:
            return super().__call__(inputs, **kwargs)
        states = _flatten(initial_state)
        want = len(_flatten(self._sizes()))
        if len(states) != want:
            raise ValueError(f"Layer has {want} states but was passed {len(states)} initial "
                             "states.")
        return super().__call__(inputs, states, **kwargs)

    def call(self, inputs, initial_state=None, mask=None, training=None):
        sizes = self._sizes()
        n_flat = len(_flatten(sizes))
        nested = self.__dict__.get("_nested_inputs", False)
        seqs = list(inputs) if nested else [inputs]
        mask = MASKS.get(seqs[0]) if mask is None else mask
        mask = mask[0] if isinstance(mask, (list, tuple)) else mask
        if mask is not None:
            mask = checked_mask(self.name, mask, seqs[0])
        T = seqs[0].aval.shape[1]
        xs = [_time_major(q) for q in seqs]                        # (T, B, ...)
        m = None if mask is None else _ops.transpose(mask, (1, 0))
        if self.go_backwards:
            xs = [_ops.getitem(q, (slice(None, None, -1),)) for q in xs]
            m = None if m is None else _ops.getitem(m, (slice(None, None, -1),))
        x = xs[0]
        x0 = _ops.reshape_dynamic(_ops.getitem(x, (0,)), [_ops.dim_size(x, 1), -1])

        def zeros(size):                                # (batch,) + size, batch as fed
            dims = _dims(size)
            col = _ops.zeros_like(_ops.getitem(x0, (Ellipsis, slice(0, 1))))
            if len(dims) > 1:
                col = _ops.reshape_dynamic(col, [-1] + [1] * len(dims))
            return _ops.mul(col, constant(np.zeros(dims, x0.aval.dtype)))

        def step_input(read):
            vals = [read(q) for q in xs]
            return tuple(vals) if nested else vals[0]
        states = list(initial_state) if initial_state is not None else \
            [zeros(s) for s in _flatten(sizes)]
        out_sizes = _output_sizes(self.cell)
        n_out = len(out_sizes)
        kw = {"training": training} if _accepts(self.cell.call, "training") else {}
        if self.return_sequences and (x.aval.ndim != 3 or n_out > 1 or nested):
            raise NotImplementedError("RNN(return_sequences=True): one input of rank 3 and "
                                      "one output per step only")
        fused = None if nested else fused_rnn(self, x, states, m)    # (built-in cells)
        if fused is not None:
            out, final = fused
            return [out] + final if self.return_state else out
        seq = [_ops.zeros_like(_ops.mul(_ops.getitem(x, (Ellipsis, slice(0, 1))),
                                        constant(np.zeros(out_sizes[0], x0.aval.dtype))))] \
            if self.return_sequences else []

        def step(t, vs):
            old = vs[:n_flat]
            out, new = self.cell.call(step_input(lambda q: _f.read(q, t)), _pack(sizes, old),
                                      **kw)
            outs, new = _flatten(out), _flatten(new)
            if len(new) != n_flat:
                raise ValueError(f"{self.name}: the cell returned {len(new)} states, its "
                                 f"state_size has {n_flat}")
            new = [_ops.cast(a, b.aval.dtype) for a, b in zip(new, old)]
            if m is not None:
                keep = _f.read(m, t)
                new = [_ops.where(_keep_as(keep, a), a, b) for a, b in zip(new, old)]
                outs = [_ops.where(_keep_as(keep, o), o, p)
                        for o, p in zip(outs, vs[n_flat:n_flat + n_out])]
            res = new + outs
            return res + ([_f.write(vs[-1], t, outs[0])] if self.return_sequences else [])

        if _unbuilt_sublayers(self.cell):
            # Keras 2's K.rnn calls the step once on time 0 before its loop: layers a user's
            # cell holds (Dense, BatchNormalization, ...) are built there, outside the loop,
            # so their variables are the loop's captured inputs (one made in the loop body
            # has no gradient outside it).  The call's output is not used (not run).
            self.cell.call(step_input(lambda q: _ops.getitem(q, (0,))), _pack(sizes, states),
                           **kw)
            self._weights[:] = list(self.cell.weights)
        cells = self.cell.cells if isinstance(self.cell, StackedRNNCells) else [self.cell]
        like = x0
        for c in cells:                 # dropout masks of this batch, drawn before the loop
            if getattr(c, "dropout", 0) or getattr(c, "recurrent_dropout", 0):
                c.begin_masks(like, zeros(c.units), training)
            like = zeros(_output_size(c))
        n = int(T) if T is not None else _ops.cast(_ops.dim_size(x, 0), np.int32)
        try:
            res = _f._loop(n, False, step, states + [zeros(o) for o in out_sizes] + seq, "rnn")
        finally:
            for c in cells:
                if hasattr(c, "end_masks"):
                    c.end_masks()
        final = res[:n_flat]
        outs = [_time_major(res[-1])] if self.return_sequences else res[n_flat:n_flat + n_out]
        if self.return_state:
            return outs + final
        return outs[0] if n_out == 1 else outs

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, list):
            mask = mask[0]
        out = mask if self.return_sequences else None
        return [out] + [None] * len(_flatten(self._sizes())) if self.return_state else out
