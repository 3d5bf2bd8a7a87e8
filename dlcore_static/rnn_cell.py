"""TensorFlow 1's RNN cells (``tf.nn.rnn_cell``, ``tf.contrib.rnn``): ``BasicRNNCell``,
``BasicLSTMCell``, ``LSTMCell``, ``GRUCell``, ``MultiRNNCell``, ``DropoutWrapper``,
``OutputProjectionWrapper`` (contrib's) and ``LSTMStateTuple``.

A cell is a callable ``cell(inputs, state) -> (output, new_state)`` that creates its variables
(``kernel`` of shape (input depth + num_units, gates * num_units), ``bias``) with
``tf.get_variable`` under its scope the first time it is called, and reuses them afterwards (a
cell called once per time step by ``static_rnn``, or once inside ``dynamic_rnn``'s loop body).
The maths is dlcore's composites (``dlcore.ops.sequence``: TensorFlow's gate order i, j, f, o and
its GRU with the reset gate applied before the matmul).
"""

from __future__ import annotations

import collections
import contextlib
from typing import TYPE_CHECKING

from dlcore import ops as _ops
from dlcore.ops import sequence as _seq

from . import initializers as _init
from .array_ops import zeros
from .graph import get_default_graph
from .layer_scope import unique_scope
from .variable_scopes import get_variable, variable_scope


def _unique_object_name(base: str) -> str:
    """TF1 ``backend.unique_object_name`` for a ``tf.layers.Layer`` made without a name: the
    snake-cased class name, then ``_1``, ``_2``, ... (one count per base and graph)."""
    uids = get_default_graph().__dict__.setdefault("_layer_name_uids", {})
    k = uids.get(base, 0)
    uids[base] = k + 1
    return base if k == 0 else f"{base}_{k}"


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
    """An LSTM state: the cell ``c`` and the output ``h``."""

    __slots__ = ()

    @property
    def dtype(self):
        return self.c.dtype


def _depth(x) -> int:
    d = x.aval.shape[-1]
    if d is None:
        raise ValueError("The last dimension of the inputs to an RNN cell should be defined. "
                         "Found None.")
    return int(d)


def _flat(structure) -> list:
    if isinstance(structure, (tuple, list)):
        return [leaf for s in structure for leaf in _flat(s)]
    return [structure]


class RNNCell:
    """Base: ``state_size``, ``output_size``, ``zero_state`` and variable creation on first call."""

    if TYPE_CHECKING:
        def call(self, inputs, state) -> tuple: ...     # each cell's step (the subclasses')

    _default_name = "rnn_cell"

    def __init__(self, num_units: int = 0, activation=None, reuse=None, name=None,
                 dtype=None) -> None:
        self._num_units = int(num_units)
        self._activation = activation or _ops.tanh
        self._reuse = reuse
        # TF1 Layer._init_set_name: the name given, else the class's default made unique in
        # the graph (basic_lstm_cell, basic_lstm_cell_1); the scope's base is the name given
        # or the default, made unique where the cell is first called (_scope)
        self._base_name = name or self._default_name
        self._name = name or _unique_object_name(self._default_name)
        self._vars: list | None = None
        self._dtype = dtype
        self._call_scope = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def state_size(self):
        return self._num_units

    @property
    def output_size(self) -> int:
        return self._num_units

    @property
    def trainable_variables(self) -> list:
        return list(self._vars or ())

    @property
    def variables(self) -> list:
        """``trainable_variables`` (as a subclass defines it: a wrapper's include its cell's)."""
        return self.trainable_variables

    weights = trainable_weights = variables

    def zero_state(self, batch_size, dtype):
        """Zeros shaped like the state, for a batch of ``batch_size`` (a Python int, or a
        scalar tensor as ``tf.shape(x)[0]``: the batch is then known when the graph runs)."""
        from .graph import Tensor
        b = batch_size if isinstance(batch_size, Tensor) else int(batch_size)

        def z(size):
            if isinstance(size, (tuple, list)):
                return type(size)(z(s) for s in size) if not hasattr(size, "_fields") \
                    else type(size)(*(z(s) for s in size))
            return zeros((b, int(size)), dtype)
        return z(self.state_size)

    def _open_scope(self):
        """The cell's variable scope on its first call, as TF1's ``Layer._set_scope``: a
        ``scope`` given to the call opens that name; a cell built with ``reuse`` opens its
        name as given; otherwise the name is a default_name made unique in the enclosing
        scope (two cells in one scope: ``gru_cell``, ``gru_cell_1``; a reopened scope
        restarts the count, so a second ``dynamic_rnn`` without a scope of its own meets
        'Variable rnn/gru_cell/... already exists', as TF1)."""
        if self._call_scope is not None:
            return variable_scope(self._call_scope)
        return unique_scope(self._base_name, self._default_name, self._reuse)

    @contextlib.contextmanager
    def _captured_scope(self):
        """A wrapper's scope on every call: made (``_open_scope``) on the first, the captured
        VariableScope reentered with ``reuse`` on later ones (TF1's Layer.__call__)."""
        captured = getattr(self, "_captured", None)
        with (self._open_scope() if captured is None else
              variable_scope(captured, reuse=True)) as vs:
            self._captured = vs
            yield vs

    def _variables(self, shapes: dict, inits: dict, dtype):
        if self._vars is None:
            with self._open_scope():
                self._vars = [get_variable(k, shape=s, dtype=dtype, initializer=inits.get(k))
                              for k, s in shapes.items()]
        return self._vars

    def __call__(self, inputs, state, scope=None):
        if scope is not None and self._vars is None:
            self._call_scope = scope
        return self.call(inputs, state)


class BasicRNNCell(RNNCell):
    """``h' = act([x, h] W + b)``; the output is ``h'``."""

    _default_name = "basic_rnn_cell"
    # its step is a fused layer's (``rnn_fused``; read from the class itself: a subclass may
    # step otherwise)
    _fused_step = "elman"

    def call(self, inputs, state):
        n = self._num_units
        w, b = self._variables({"kernel": (_depth(inputs) + n, n), "bias": (n,)},
                               {"bias": _init.zeros_initializer()}, inputs.dtype)
        h = self._activation(_seq._affine_t(_ops.concatenate([inputs, state], -1), w, b))
        return h, h


class BasicLSTMCell(RNNCell):
    """TensorFlow's LSTM (gates i, j, f, o; ``forget_bias`` added to f); state
    ``LSTMStateTuple(c, h)``."""

    _default_name = "basic_lstm_cell"
    _fused_step = "lstm"

    def __init__(self, num_units: int, forget_bias: float = 1.0, state_is_tuple: bool = True,
                 activation=None, reuse=None, name=None, dtype=None) -> None:
        super().__init__(num_units, activation, reuse, name, dtype)
        self._forget_bias = float(forget_bias)
        self._state_is_tuple = state_is_tuple
        self._initializer = None

    @property
    def state_size(self):
        n = self._num_units
        return LSTMStateTuple(n, n) if self._state_is_tuple else 2 * n

    def call(self, inputs, state):
        n = self._num_units
        if self._state_is_tuple:
            c, h = state
        else:
            c, h = _ops.getitem(state, (Ellipsis, slice(0, n))), \
                _ops.getitem(state, (Ellipsis, slice(n, 2 * n)))
        w, b = self._variables({"kernel": (_depth(inputs) + n, 4 * n), "bias": (4 * n,)},
                               {"kernel": self._initializer,
                                "bias": _init.zeros_initializer()}, inputs.dtype)
        z = _seq._affine_t(_ops.concatenate([inputs, h], -1), w, b)
        h2, c2 = _seq.tf_lstm_gates(z, c, self._forget_bias, self._activation)
        new = LSTMStateTuple(c2, h2) if self._state_is_tuple else \
            _ops.concatenate([c2, h2], -1)
        return h2, new


class LSTMCell(BasicLSTMCell):
    """``tf.nn.rnn_cell.LSTMCell``: TensorFlow 1's LSTM with its options, as its ``call``::

        i, j, f, o = split([x, m_prev] kernel + bias, 4)
        c = s(f + forget_bias + w_f_diag c_prev) c_prev + s(i + w_i_diag c_prev) act(j)
                                                    (the w_*_diag terms with use_peepholes)
        c = clip_by_value(c, -cell_clip, cell_clip)               (with cell_clip)
        m = s(o + w_o_diag c) act(c)
        m = clip_by_value(m projection/kernel, -proj_clip, proj_clip)   (with num_proj)

    Variables ``kernel`` (input depth + num_proj (or num_units), 4 num_units), ``bias``,
    ``w_f_diag``, ``w_i_diag``, ``w_o_diag`` (num_units,) and ``projection/kernel`` (num_units,
    num_proj); state ``LSTMStateTuple(c=num_units, h=num_proj)``, output ``m`` (num_proj).
    Without options the fused ``tf_lstm_gates`` path of ``BasicLSTMCell`` is used."""

    _default_name = "lstm_cell"
    _fused_step = "lstm"

    def __init__(self, num_units: int, use_peepholes: bool = False, cell_clip=None,
                 initializer=None, num_proj=None, proj_clip=None, num_unit_shards=None,
                 num_proj_shards=None, forget_bias: float = 1.0, state_is_tuple: bool = True,
                 activation=None, reuse=None, name=None, dtype=None) -> None:
        super().__init__(num_units, forget_bias, state_is_tuple, activation, reuse, name,
                         dtype)
        self._initializer = initializer
        self._use_peepholes = bool(use_peepholes)
        self._cell_clip = None if cell_clip is None else float(cell_clip)
        self._num_proj = None if num_proj is None else int(num_proj)
        self._proj_clip = None if proj_clip is None else float(proj_clip)

    @property
    def state_size(self):
        n, p = self._num_units, self._num_proj or self._num_units
        return LSTMStateTuple(n, p) if self._state_is_tuple else n + p

    @property
    def output_size(self) -> int:
        return self._num_proj or self._num_units

    def _make_variables(self, d: int, dtype) -> list:
        n, p = self._num_units, self._num_proj or self._num_units
        if self._vars is None:
            with self._open_scope():
                vs = [get_variable("kernel", (d + p, 4 * n), dtype, self._initializer),
                      get_variable("bias", (4 * n,), dtype, _init.zeros_initializer())]
                if self._use_peepholes:
                    vs += [get_variable(k, (n,), dtype, self._initializer)
                           for k in ("w_f_diag", "w_i_diag", "w_o_diag")]
                if self._num_proj is not None:
                    with variable_scope("projection"):
                        vs.append(get_variable("kernel", (n, p), dtype, self._initializer))
            self._vars = vs
        return self._vars

    def call(self, inputs, state):
        if not (self._use_peepholes or self._cell_clip is not None or
                self._num_proj is not None):
            return super().call(inputs, state)
        n, p = self._num_units, self._num_proj or self._num_units
        if self._state_is_tuple:
            c, m = state
        else:
            c, m = _ops.getitem(state, (Ellipsis, slice(0, n))), \
                _ops.getitem(state, (Ellipsis, slice(n, n + p)))
        vs = self._make_variables(_depth(inputs), inputs.dtype)
        z = _seq._affine_t(_ops.concatenate([inputs, m], -1), vs[0], vs[1])
        i, j, f, o = (_seq._chunk(z, k, 4) for k in range(4))
        act, sig = self._activation, _ops.sigmoid
        fz = _ops.add(f, self._forget_bias) if self._forget_bias else f
        if self._use_peepholes:
            wf, wi, wo = vs[2:5]
            c2 = _ops.add(_ops.mul(sig(_ops.add(fz, _ops.mul(wf, c))), c),
                          _ops.mul(sig(_ops.add(i, _ops.mul(wi, c))), act(j)))
        else:
            c2 = _ops.add(_ops.mul(sig(fz), c), _ops.mul(sig(i), act(j)))
        if self._cell_clip is not None:
            c2 = _ops.clip(c2, -self._cell_clip, self._cell_clip)
        og = _ops.add(o, _ops.mul(wo, c2)) if self._use_peepholes else o
        m2 = _ops.mul(sig(og), act(c2))
        if self._num_proj is not None:
            m2 = _ops.matmul(m2, vs[-1])
            if self._proj_clip is not None:
                m2 = _ops.clip(m2, -self._proj_clip, self._proj_clip)
        new = LSTMStateTuple(c2, m2) if self._state_is_tuple else \
            _ops.concatenate([c2, m2], -1)
        return m2, new


class GRUCell(RNNCell):
    """TensorFlow's GRU: ``gates/kernel`` (bias starts at 1) and ``candidate/kernel``."""

    _default_name = "gru_cell"
    _fused_step = "gru"

    def __init__(self, num_units: int, activation=None, reuse=None, kernel_initializer=None,
                 bias_initializer=None, name=None, dtype=None) -> None:
        super().__init__(num_units, activation, reuse, name, dtype)
        self._kinit = kernel_initializer
        self._binit = bias_initializer

    def call(self, inputs, state):
        n, d = self._num_units, _depth(inputs)
        if self._vars is None:
            with self._open_scope():
                with variable_scope("gates"):
                    wg = get_variable("kernel", (d + n, 2 * n), inputs.dtype, self._kinit)
                    bg = get_variable("bias", (2 * n,), inputs.dtype,
                                      self._binit or _init.constant_initializer(1.0))
                with variable_scope("candidate"):
                    wc = get_variable("kernel", (d + n, n), inputs.dtype, self._kinit)
                    bc = get_variable("bias", (n,), inputs.dtype,
                                      self._binit or _init.zeros_initializer())
            self._vars = [wg, bg, wc, bc]
        wg, bg, wc, bc = self._vars
        h = _seq.tf_gru_cell(inputs, state, wg, bg, wc, bc, activation=self._activation)
        return h, h


class MultiRNNCell(RNNCell):
    """Cells stacked: the output of cell k is the input of cell k+1 (scopes ``cell_k``)."""

    _default_name = "multi_rnn_cell"

    def __init__(self, cells, state_is_tuple: bool = True) -> None:
        super().__init__(0)
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        if not state_is_tuple:
            raise NotImplementedError("MultiRNNCell: only state_is_tuple=True is supported")
        self._cells = list(cells)

    @property
    def state_size(self):
        return tuple(c.state_size for c in self._cells)

    @property
    def output_size(self) -> int:
        return self._cells[-1].output_size

    @property
    def trainable_variables(self) -> list:
        return [v for c in self._cells for v in c.trainable_variables]

    def zero_state(self, batch_size, dtype):
        return tuple(c.zero_state(batch_size, dtype) for c in self._cells)

    def call(self, inputs, state):
        x, new = inputs, []
        with self._captured_scope():
            for k, (cell, s) in enumerate(zip(self._cells, state)):
                with variable_scope(f"cell_{k}"):
                    x, s2 = cell(x, s)
                new.append(s2)
        return x, tuple(new)


class _Wrapper(RNNCell):
    """A cell around ``self._cell``: its state, output size, zero state and variables (then
    the wrapper's own, if any)."""

    _cell: RNNCell

    @property
    def state_size(self):
        return self._cell.state_size

    @property
    def output_size(self) -> int:
        return self._cell.output_size

    @property
    def trainable_variables(self) -> list:
        return self._cell.trainable_variables + list(self._vars or ())

    def zero_state(self, batch_size, dtype):
        return self._cell.zero_state(batch_size, dtype)


class DropoutWrapper(_Wrapper):
    """Dropout on a cell's inputs, outputs and state (keep probabilities); the state's every
    tensor but an LSTM's memory ``c`` (TensorFlow's default state filter).  With
    ``variational_recurrent`` each dropout's mask is drawn once per run, not per step:
    TensorFlow's uniform noise of shape (1, size), made with the wrapper (``dtype`` needed,
    and ``input_size`` where the inputs are dropped), so every step and every sequence of the
    batch keep the same units (``x / keep * floor(keep + noise)``)."""

    _default_name = "dropout_wrapper"
    _fused_wrap = "dropout"

    def __init__(self, cell, input_keep_prob=1.0, output_keep_prob=1.0, state_keep_prob=1.0,
                 variational_recurrent: bool = False, input_size=None, dtype=None, seed=None,
                 dropout_state_filter_visitor=None) -> None:
        super().__init__(0)
        if dropout_state_filter_visitor is not None:
            raise NotImplementedError("DropoutWrapper: dropout_state_filter_visitor is not "
                                      "supported (the default filter: every state tensor "
                                      "but an LSTM's c)")
        for name, p in (("input", input_keep_prob), ("output", output_keep_prob),
                        ("state", state_keep_prob)):
            if isinstance(p, (int, float)) and not 0 < p <= 1:
                raise ValueError(f"Parameter {name}_keep_prob must be between 0 and 1: {p}")
        self._cell = cell
        self._keep = (input_keep_prob, output_keep_prob, state_keep_prob)
        self._seed = seed
        self._noise: tuple = (None, None, None)
        if variational_recurrent:
            if dtype is None:
                raise ValueError("When variational_recurrent=True, dtype must be provided")
            if not _kept(input_keep_prob) and input_size is None:
                raise ValueError("When variational_recurrent=True and input_keep_prob < 1.0 or "
                                 "is unknown, input_size must be provided")
            self._noise = tuple(
                None if _kept(keep) else self._batch_noise(size, which, dtype)
                for which, keep, size in (("input", input_keep_prob, input_size),
                                          ("output", output_keep_prob, cell.output_size),
                                          ("state", state_keep_prob, cell.state_size)))

    def _gen_seed(self, salt: str, index: int):
        """TensorFlow's per-noise seed: the wrapper's seed and the noise's name, hashed."""
        if self._seed is None:
            return None
        import hashlib
        text = (str(self._seed) + f"{salt}_{index}").encode("utf-8")
        return int(hashlib.md5(text).hexdigest()[:8], 16) & 0x7FFFFFFF

    def _batch_noise(self, size, salt: str, dtype):
        """Uniform noise (1, size) per tensor of ``size`` (a structure of sizes: the same
        structure of noises)."""
        from .random_ops import random_uniform
        count = [0]

        def make(s):
            if isinstance(s, (tuple, list)):
                parts = [make(p) for p in s]
                return type(s)(*parts) if hasattr(s, "_fields") else type(s)(parts)
            count[0] += 1
            return random_uniform((1, int(s)), dtype=dtype,
                                  seed=self._gen_seed(salt, count[0] - 1))
        return make(size)

    def _drop(self, x, keep, noise=None):
        if _kept(keep):
            return x
        if noise is not None:
            return _ops.mul(_ops.div(x, keep), _ops.floor(_ops.add(noise, keep)))
        from .nn import dropout
        return dropout(x, keep_prob=keep, seed=self._seed)

    def _drop_state(self, state, noise):
        """Every state tensor dropped but an LSTM's memory c (TensorFlow's default filter)."""
        if isinstance(state, LSTMStateTuple):
            return LSTMStateTuple(state.c, self._drop_state(
                state.h, None if noise is None else noise.h))
        if isinstance(state, (tuple, list)):
            parts = [self._drop_state(v, None if noise is None else noise[k])
                     for k, v in enumerate(state)]
            return type(state)(*parts) if hasattr(state, "_fields") else type(state)(parts)
        return self._drop(state, self._keep[2], noise)

    def call(self, inputs, state):
        n_in, n_out, n_state = self._noise
        out, new = self._cell(self._drop(inputs, self._keep[0], n_in), state)
        if not _kept(self._keep[2]):
            new = self._drop_state(new, n_state)
        return self._drop(out, self._keep[1], n_out), new


def _kept(keep) -> bool:
    """Whether a keep probability keeps everything (a Python 1; a tensor may not)."""
    return isinstance(keep, (int, float)) and keep == 1


class OutputProjectionWrapper(_Wrapper):
    """``tf.contrib.rnn.OutputProjectionWrapper``: the wrapped cell's output projected by a dense
    layer, ``y = act(out W + b)`` (``W``: (cell output size, ``output_size``), glorot-uniform as
    ``get_variable``'s default; ``b`` zeros), the state passed through.  Variables under the
    scope ``output_projection_wrapper``: the cell's own in it, then ``kernel`` and ``bias``."""

    _default_name = "output_projection_wrapper"
    _fused_wrap = "projection"              # (rnn_fused: one matmul of the output sequence)

    def __init__(self, cell, output_size: int, activation=None, reuse=None) -> None:
        super().__init__(0, reuse=reuse)
        if not callable(cell) or not hasattr(cell, "state_size"):
            raise TypeError("The parameter cell is not RNNCell.")
        if output_size < 1:
            raise ValueError(f"Parameter output_size must be > 0: {output_size}.")
        self._cell = cell
        self._output_size = int(output_size)
        self._projection_activation = activation

    @property
    def output_size(self) -> int:
        return self._output_size

    def call(self, inputs, state):
        with self._captured_scope():
            output, res_state = self._cell(inputs, state)
            if self._vars is None:
                self._vars = [
                    get_variable("kernel", shape=(_depth(output), self._output_size),
                                 dtype=output.dtype),
                    get_variable("bias", shape=(self._output_size,), dtype=output.dtype,
                                 initializer=_init.zeros_initializer())]
        w, b = self._vars
        projected = _seq._affine_t(output, w, b)
        if self._projection_activation is not None:
            projected = self._projection_activation(projected)
        return projected, res_state


__all__ = ["BasicLSTMCell", "BasicRNNCell", "DropoutWrapper", "GRUCell", "LSTMCell",
           "LSTMStateTuple", "MultiRNNCell", "OutputProjectionWrapper", "RNNCell"]
