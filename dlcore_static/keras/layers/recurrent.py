"""Keras sequence layers on the static engine: ``Embedding`` (``mask_zero``), ``Masking``,
``SimpleRNN``, ``LSTM``, ``GRU`` (``return_sequences``, ``return_state``, ``go_backwards``,
``initial_state``, masks), ``Bidirectional`` and ``TimeDistributed`` (``RepeatVector`` is in
``core.py``).

A recurrent layer is one ``while_loop`` over the time axis (``dlcore_static.functional_ops``;
Keras' default LSTM and GRU (``reset_after`` or not), tanh and sigmoid without recurrent
dropout, and a tanh or relu SimpleRNN: dlcore's fused layers ``lstm_seq``, ``gru_seq`` (or
``gru_rb_seq``) and ``rnn_seq`` instead, ``_fused``,
masked or not: a mask's kept steps moved to the front, ``_kept_steps``):
the input projection ``x W + b`` for every step is one matmul before the loop; the body does the
recurrent matmul and the gates (dlcore's composites ``keras_lstm_gates``, ``keras_gru_cell``;
Keras' gate orders i, f, c, o and z, r, h; Keras 3's defaults: GRU's ``reset_after`` True
(two bias rows, the reset gate after the matmul; False is Keras 2.2's GRU), recurrent
activation ``sigmoid`` (Keras 2.2 / tf.keras 1.x defaulted to their ``hard_sigmoid``)).
Where a mask says a step is padding, the state and the output keep their previous values
(Keras' ``K.rnn``).  Masks travel beside the tensors (``engine.MASKS``, filled from each
layer's ``compute_mask``): ``Embedding(mask_zero=True)`` and ``Masking`` make them, layers that support masking pass them on, the recurrent
layers read them (and pass them on with ``return_sequences``).
"""

from __future__ import annotations

import sys

import numpy as np

from dlcore import ops as _ops
from dlcore.ops import sequence as _seq

from ... import functional_ops as _f
from ...frontend import constant
from .. import activations
from .. import backend as K
from .. import constraints as _constraints
from ..engine import MASKS, Layer
from . import _stateful
from ._kept_steps import KeptSteps, checked_mask


def _orthogonal(shape, dtype=None, gain: float = 1.0):
    """Keras' ``orthogonal`` initializer: Q of a QR of a normal matrix."""
    rows, cols = int(np.prod(shape[:-1])), int(shape[-1])
    a = np.random.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q = q * np.sign(np.diag(r))
    q = q if rows >= cols else q.T
    return (gain * q[:rows, :cols]).reshape(shape).astype(dtype or np.float32)


def _init(identifier):
    return _orthogonal if identifier == "orthogonal" else identifier


def _time_major(x):
    return _ops.transpose(x, (1, 0) + tuple(range(2, x.aval.ndim)))


def _reverse_time(x):
    return _ops.getitem(x, (slice(None), slice(None, None, -1)))


class Embedding(Layer):
    """Integer ids (batch, T) -> vectors (batch, T, output_dim); ``mask_zero``: id 0 is
    padding (its steps are masked for the layers after)."""

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer="uniform",
                 embeddings_regularizer=None, activity_regularizer=None,
                 embeddings_constraint=None, mask_zero: bool = False, input_length=None,
                 **kwargs):
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (None,) if input_length is None else (
                (input_length,) if isinstance(input_length, int) else tuple(input_length))
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = embeddings_initializer
        self.embeddings_regularizer = embeddings_regularizer
        self.embeddings_constraint = _constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero

    def build(self, input_shape) -> None:
        init = self.embeddings_initializer
        if init == "uniform":
            def init(shape, dtype=None):
                return np.random.uniform(-0.05, 0.05, shape).astype(dtype or np.float32)
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim),
                                          initializer=init,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True

    def call(self, inputs):
        ids = inputs if inputs.aval.dtype.kind in "iu" else _ops.cast(inputs, np.int64)
        # Keras on TensorFlow refuses an id outside [0, input_dim) at run time, negatives too
        # (embedding_lookup's 'indices[0,1] = -1 is not in [0, 5)'); dlcore's take would
        # count a negative id from the end
        from ..._index_checks import checked_gather_indices
        ids = checked_gather_indices(ids, self.embeddings.value(), 0, "CheckIndices")
        return _seq.embedding(ids, self.embeddings)

    def compute_mask(self, inputs, mask=None):
        return _ops.not_equal(inputs, 0) if self.mask_zero else None

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)


class Masking(Layer):
    """Steps whose features all equal ``mask_value`` are masked (and zeroed)."""

    def __init__(self, mask_value: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = float(mask_value)
        self.supports_masking = True

    def _keep(self, inputs):
        return _ops.reduce_any(_ops.not_equal(inputs, self.mask_value), -1)

    def call(self, inputs):
        return _ops.mul(inputs, _ops.cast(_ops.expand_dims(self._keep(inputs), -1),
                                          inputs.aval.dtype))

    def compute_mask(self, inputs, mask=None):
        return self._keep(inputs)


class _Recurrent(Layer):
    _gates = 1
    _states = 1

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias: bool = True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 unroll: bool = False, seed=None, **kwargs):
        self.stateful = bool(stateful)      # (_stateful.py: states kept between batches)
        self._config = dict(units=units, activation=activation,
                            recurrent_activation=recurrent_activation, use_bias=use_bias,
                            kernel_initializer=kernel_initializer,
                            recurrent_initializer=recurrent_initializer,
                            bias_initializer=bias_initializer,
                            unit_forget_bias=unit_forget_bias,
                            return_sequences=return_sequences, return_state=return_state,
                            go_backwards=go_backwards, dropout=dropout,
                            recurrent_dropout=recurrent_dropout,
                            kernel_regularizer=kernel_regularizer,
                            recurrent_regularizer=recurrent_regularizer,
                            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                            recurrent_constraint=recurrent_constraint,
                            bias_constraint=bias_constraint, unroll=unroll, seed=seed)
        super().__init__(**kwargs)
        self.seed = seed                    # the dropout masks' (one op seed per mask)
        # Keras 2: rates are clipped to [0, 1]; one mask per gate, the same at every step of a
        # batch (variational dropout, Gal & Ghahramani), drawn anew for each batch.
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.units = int(units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.inits = (kernel_initializer, recurrent_initializer, bias_initializer)
        self.regs = (kernel_regularizer, recurrent_regularizer, bias_regularizer)
        self.constraints = tuple(_constraints.get(c) for c in (kernel_constraint,
                                                               recurrent_constraint,
                                                               bias_constraint))
        self.supports_masking = True
        self.unit_forget_bias = unit_forget_bias
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards

    def build(self, input_shape) -> None:
        d, g = int(input_shape[-1]), self._gates * self.units
        self.kernel = self.add_weight("kernel", (d, g), initializer=_init(self.inits[0]),
                                      regularizer=self.regs[0], constraint=self.constraints[0])
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, g),
                                                initializer=_init(self.inits[1]),
                                                regularizer=self.regs[1],
                                                constraint=self.constraints[1])
        self.bias = None
        if self.use_bias:
            init = self.inits[2]
            if self._gates == 4 and self.unit_forget_bias:
                n = self.units

                def init(shape, dtype=None):
                    b = np.zeros(shape, dtype or np.float32)
                    b[n:2 * n] = 1.0
                    return b
            shape = (2, g) if getattr(self, "reset_after", False) else (g,)  # GRU: input, rec
            self.bias = self.add_weight("bias", shape, initializer=init,
                                        regularizer=self.regs[2], constraint=self.constraints[2])
        self.built = True

    def _step(self, xw_t, states):
        raise NotImplementedError

    def _masks(self, like, rate, training, salt: int = 0):
        """``self._gates`` dropout masks shaped like ``like`` (scaled by 1 / (1 - rate)) while
        training, or None (Keras' ``_generate_dropout_mask``: ``K.in_train_phase``).  With a
        ``seed``, mask k of the input (``salt`` 0) or recurrent (1) ones has the op seed
        ``seed + salt * gates + k``: repeatable, and no two masks alike."""
        if not 0 < rate < 1:
            return None
        training = K.learning_phase() if training is None else training
        if training is False or training == 0:
            return None
        from ...random_ops import random_uniform_like
        ones = _ops.ones_like(like)
        masks = []
        seed = self.__dict__.get("seed")
        for k in range(self._gates):
            u = random_uniform_like(ones, seed=None if seed is None else
                                    int(seed) + salt * self._gates + k)
            keep = _ops.div(_ops.cast(_ops.greater_equal(u, rate),
                                      ones.aval.dtype), 1.0 - rate)
            masks.append(keep if training is True or training == 1 else
                         _ops.where(training, keep, 1.0))
        return masks

    def _gate_blocks(self, w):
        n = self.units
        return [_ops.getitem(w, (Ellipsis, slice(k * n, (k + 1) * n)))
                for k in range(self._gates)]

    def _recurrent_terms(self, h, masks):
        """``h U`` for every gate at once, or with recurrent dropout ``(h m_k) U_k`` per gate
        (then concatenated)."""
        if masks is None:
            return _ops.matmul(h, self.recurrent_kernel)
        return _ops.concatenate([_ops.matmul(_ops.mul(h, m), u) for m, u in
                                 zip(masks, self._gate_blocks(self.recurrent_kernel))], -1)

    def __call__(self, inputs, *args, training=None, **kwargs):
        """Keras 2's ``RNN.__call__(inputs, initial_state=None)``: ``initial_state`` (or
        ``layer([x, h, c])``) tensors are inputs of the call's node, so a model reaches the
        tensors that start the states (an encoder's states starting a decoder, seq2seq)."""
        if len(args) > 1:
            raise TypeError(f"{type(self).__name__} takes inputs and initial_state, got "
                            f"{1 + len(args)} positional arguments")
        initial_state = kwargs.pop("initial_state", args[0] if args else None)
        kwargs["training"] = training
        if initial_state is None and isinstance(inputs, (list, tuple)) and len(inputs) > 1:
            inputs, initial_state = inputs[0], list(inputs[1:])
        if initial_state is None:
            return super().__call__(inputs, **kwargs)
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else \
            [initial_state]
        if len(states) != self._states:
            raise ValueError(f"Layer has {self._states} states but was passed {len(states)} "
                             "initial states.")
        return super().__call__(inputs, states, **kwargs)

    def call(self, inputs, initial_state=None, mask=None, training=None):
        if inputs.aval.ndim != 3:
            raise ValueError(f"{self.name}: expected input of shape (batch, timesteps, "
                             f"features), got {inputs.shape}")
        mask = MASKS.get(inputs) if mask is None else mask
        if mask is not None:
            mask = checked_mask(self.name, mask, inputs)
        T = inputs.aval.shape[1]                    # None: the loop runs to the fed length
        x = _time_major(inputs)                                   # (T, B, D)
        m = None if mask is None else _ops.transpose(mask, (1, 0))
        if self.go_backwards:
            x = _ops.getitem(x, (slice(None, None, -1),))
            m = None if m is None else _ops.getitem(m, (slice(None, None, -1),))
        d = x.aval.shape[-1]
        self._rec_masks = None
        in_masks = self._masks(_ops.getitem(x, (0,)), self.dropout, training)
        if in_masks is None:
            xw = _ops.matmul(_ops.reshape(x, (-1, d)), self.kernel)
        else:                  # (x m_k) W_k per gate: the masks are the same at every step
            xw = _ops.concatenate([_ops.matmul(_ops.reshape(_ops.mul(x, m), (-1, d)), w)
                                   for m, w in zip(in_masks, self._gate_blocks(self.kernel))],
                                  -1)
        if self.bias is not None:
            xw = _ops.add(xw, input_bias(self))
        xw = _ops.reshape_dynamic(xw, [_ops.dim_size(x, 0), _ops.dim_size(x, 1),
                                       self._gates * self.units])
        x0 = _f.read(xw, constant(np.int32(0)))
        zero = _ops.mul(_ops.zeros_like(_ops.getitem(x0, (Ellipsis, slice(0, 1)))),
                        constant(np.zeros((self.units,), x0.aval.dtype)))
        if self.stateful and initial_state is None:
            initial_state = _stateful.initial_states(self, inputs, self._states)
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else \
            ([initial_state] if initial_state is not None else [zero] * self._states)
        self._rec_masks = self._masks(zero, self.recurrent_dropout, training, 1)
        fused = self._fused(xw, states, m) if self._fusable(xw, states) else None
        if fused is not None:
            final, hseq = fused
        else:
            seq = [_ops.zeros_like(_ops.getitem(xw, (Ellipsis, slice(0, self.units))))] \
                if self.return_sequences else []

            def step(t, vs):
                old = vs[:self._states]
                new = list(self._step(_f.read(xw, t), old))
                if m is not None:
                    keep = _ops.expand_dims(_f.read(m, t), -1)
                    new = [_ops.where(keep, a, b) for a, b in zip(new, old)]
                return new + ([_f.write(vs[-1], t, new[0])] if self.return_sequences else [])

            n = int(T) if T is not None else _ops.cast(_ops.dim_size(x, 0), np.int32)
            res = _f._loop(n, False, step, states + seq, "while")
            final, hseq = res[:self._states], res[-1]
        out = _time_major(hseq) if self.return_sequences else final[0]
        out = [out] + final if self.return_state else out
        return _stateful.keep_final(self, final, out) if self.stateful else out

    def _fusable(self, xw, states) -> bool:
        """Whether the layer's maths is its fused layer's (``_fused_layer``): its own
        conditions (``_fused_ok``), no recurrent dropout, and the recurrent kernel and the
        states 2-D of ``xw``'s dtype."""
        dt = xw.aval.dtype
        avals = [getattr(v, "aval", None) for v in [self.recurrent_kernel] + list(states)]
        return self._rec_masks is None and self._fused_ok() and \
            all(a is not None and a.dtype == dt and a.ndim == 2 for a in avals)

    def _fused_ok(self) -> bool:
        return False

    def _fused_layer(self, xw, states):
        """The fused layer's output ``y`` (T, B, F) over ``xw`` (T, B, gates units) from
        ``states`` (``LSTM``, ``GRU``, ``SimpleRNN``; asked only where ``_fused_ok``)."""
        raise NotImplementedError

    def _fused(self, xw, states, m=None):
        """The final states and (with ``return_sequences``) the output sequence of the
        fused layer (``_fused_layer``: its output ``y`` (T, B, F) holds state j in columns
        ``[j units, (j + 1) units)``), masked (``m`` (T, B)) over each sequence's kept steps
        (``_kept_steps``)."""
        n = self.units
        kept = None if m is None else KeptSteps(m)
        y = self._fused_layer(xw if kept is None else kept.gather(xw), states)
        h = y if y.aval.shape[-1] == n else _ops.getitem(y, (Ellipsis, slice(0, n)))
        if kept is not None:
            return kept.final(y, states, n), \
                (kept.sequence(h, states[0]) if self.return_sequences else None)
        last = _ops.getitem(y, (-1,))
        final = [last] if y.aval.shape[-1] == n else \
            [_ops.getitem(last, (Ellipsis, slice(j * n, (j + 1) * n)))
             for j in range(self._states)]
        return final, (h if self.return_sequences else None)

    def reset_states(self, states=None) -> None:
        """Keras 2's: the states of a ``stateful`` layer back to zeros (or to ``states``)."""
        _stateful.reset_states(self, states)

    def compute_mask(self, inputs, mask=None):
        out = mask if self.return_sequences else None
        return [out] + [None] * self._states if self.return_state else out

    def compute_output_shape(self, input_shape):
        out = (input_shape[0], input_shape[1], self.units) if self.return_sequences else \
            (input_shape[0], self.units)
        if self.return_state:
            return [out] + [(input_shape[0], self.units)] * self._states
        return out


#: the activations of an Elman layer that the fused ``rnn_seq`` computes
_ELMAN_ACTS = {activations.tanh: "tanh", activations.relu: "relu"}


class SimpleRNN(_Recurrent):
    """``h' = act(x W + h U + b)``."""

    def __init__(self, units: int, activation="tanh", **kwargs):
        kwargs.pop("recurrent_activation", None)
        super().__init__(units, activation, **kwargs)

    def _step(self, xw_t, states):
        h = self.activation(_ops.add(xw_t, self._recurrent_terms(states[0], self._rec_masks)))
        return (h,)

    def _fused_ok(self) -> bool:
        return self.activation in _ELMAN_ACTS

    def _fused_layer(self, xw, states):
        """A tanh or relu SimpleRNN as dlcore's fused layer ``rnn_seq`` (``h_t = act(xw_t +
        h_{t-1} U)``, the bias in ``xw``)."""
        return _seq.rnn_seq(xw, self.recurrent_kernel, states[0], _ELMAN_ACTS[self.activation])


class LSTM(_Recurrent):
    """Keras' LSTM: states [h, c]; gates i, f, c, o."""

    _gates = 4
    _states = 2

    def _step(self, xw_t, states):
        h, c = states
        z = _ops.add(xw_t, self._recurrent_terms(h, self._rec_masks))
        return _seq.keras_lstm_gates(z, c, self.activation, self.recurrent_activation)

    def _fused_ok(self) -> bool:
        return self.activation is activations.tanh and \
            self.recurrent_activation is activations.sigmoid

    def _fused_layer(self, xw, states):
        """Keras 3's default LSTM (tanh, sigmoid gates) as dlcore's fused layer ``lstm_seq``
        (``y[t] = [h_t, c_t, z_t]``; gates i, f, g, o: Keras' i, f, c, o), as Keras 3 runs
        cuDNN's where it can: the step loop interpreted cost about 1.75 us a step of its body
        each time step, and its compilation (a body and its gradient's sub-programs) 2-7 s
        with nothing on disk."""
        return _seq.lstm_seq(xw, self.recurrent_kernel, states[0], states[1])


def input_bias(layer):
    """The bias added to ``x W``: all of it, or its first row with GRU's ``reset_after`` (a
    layer's own ``_input_bias``: the CuDNN layers' one vector of both biases)."""
    own = getattr(layer, "_input_bias", None)
    if own is not None:
        return own()
    if getattr(layer, "reset_after", False):
        return _ops.getitem(layer.bias, (0,))
    return layer.bias


def recurrent_bias(layer):
    """GRU's (``reset_after``) bias of ``h U``: the bias's second row (a layer's own
    ``_recurrent_bias``: CuDNNGRU's second half)."""
    own = getattr(layer, "_recurrent_bias", None)
    return own() if own is not None else _ops.getitem(layer.bias, (1,))


def gru_step(layer, xw, h, masks=None):
    """Keras' GRU step (``GRU`` and ``GRUCell``) from ``xw = x W + b_in``; the maths lives in
    ``dlcore.ops.sequence``: ``reset_after`` (Keras 3's default, tf.keras 2's, CuDNN's, PyTorch's)
    is ``gru_gates`` in Keras' gate order z, r, h with ``hu = h U + b_rec``; otherwise
    ``keras_gru_cell``.  With recurrent dropout each gate reads its own masked ``h``."""
    if layer.reset_after:
        hu = layer._recurrent_terms(h, masks)
        if layer.bias is not None:
            hu = _ops.add(hu, recurrent_bias(layer))
        return _seq.gru_gates(xw, hu, h, layer.activation, layer.recurrent_activation, "zr")
    return _seq.keras_gru_cell(xw, h, layer.recurrent_kernel, layer.activation,
                               layer.recurrent_activation, masks)


class GRU(_Recurrent):
    """Keras' GRU: gates z, r, h; ``reset_after`` (default True as Keras 3 and tf.keras 2;
    Keras 2.2's was False) applies the reset gate after the recurrent matmul and keeps two
    bias rows ``(2, 3 units)``: the input's and the recurrent one."""

    _gates = 3

    def __init__(self, units: int, *args, reset_after: bool = True, **kwargs):
        self.reset_after = bool(reset_after)
        super().__init__(units, *args, **kwargs)
        self._config["reset_after"] = self.reset_after

    def _step(self, xw_t, states):
        return (gru_step(self, xw_t, states[0], self._rec_masks),)

    def _fused_ok(self) -> bool:
        return self.activation is activations.tanh and \
            self.recurrent_activation is activations.sigmoid

    def _fused_layer(self, xw, states):
        """Keras' GRU (tanh, sigmoid gates) as dlcore's fused layers, the z and r column blocks
        of ``xw`` and of the recurrent kernel (and bias) swapped into their gate order r, z:
        ``reset_after`` (Keras 3's default) as ``gru_seq`` (``y[t] = [h, r, z, n, hn]``,
        PyTorch's GRU), else as ``gru_rb_seq`` (``y[t] = [h, r, z, c]``, TensorFlow's
        GRUCell: the reset gate before the candidate's product)."""
        n = self.units
        dt = xw.aval.dtype

        def rz(a):                                  # Keras' z, r(, h) -> r, z(, h)
            blocks = [_ops.getitem(a, (Ellipsis, slice(k * n, (k + 1) * n))) for k in (1, 0)]
            if a.aval.shape[-1] > 2 * n:
                blocks.append(_ops.getitem(a, (Ellipsis, slice(2 * n, None))))
            return _ops.concatenate(blocks, -1)

        u = self.recurrent_kernel
        if not self.reset_after:
            return _seq.gru_rb_seq(rz(xw), rz(_ops.getitem(u, (Ellipsis, slice(0, 2 * n)))),
                                   _ops.getitem(u, (Ellipsis, slice(2 * n, None))), states[0])
        bh = rz(recurrent_bias(self)) if self.bias is not None else \
            constant(np.zeros((3 * n,), dt))
        return _seq.gru_seq(rz(xw), rz(u), bh, states[0])


class Bidirectional(Layer):
    """A recurrent layer run forwards and (a copy) backwards; outputs merged by
    ``merge_mode`` ('concat', 'sum', 'mul', 'ave' or None for a list)."""

    def __init__(self, layer, merge_mode: str | None = "concat", weights=None,
                 backward_layer=None, **kwargs):
        if merge_mode not in ("sum", "mul", "ave", "concat", None):
            raise ValueError(f'Invalid merge mode. Merge mode should be one of {{"sum", "mul", '
                             f'"ave", "concat", None}}')
        super().__init__(name=kwargs.pop("name", None), **kwargs)   # bidirectional, _1, ...
        cfg = dict(layer._config)
        self.forward_layer = layer
        layer.name = "forward_" + layer.name
        cfg["go_backwards"] = not cfg["go_backwards"]
        self.backward_layer = backward_layer or type(layer)(
            name="backward_" + layer.name[len("forward_"):], **cfg)
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        out = mask if self.return_sequences else None
        outs = [out, out] if self.merge_mode is None else [out]
        if self.return_state:
            states = self.forward_layer._states + self.backward_layer._states
            return outs + [None] * states
        return outs if self.merge_mode is None else out

    def build(self, input_shape) -> None:
        self.built = True

    def call(self, inputs, mask=None, initial_state=None, training=None):
        if initial_state is not None:      # Keras: the first half the forward layer's states,
            states = list(initial_state)   # the second half the backward layer's
            half = len(states) // 2
            f = self.forward_layer(inputs, initial_state=states[:half])
            b = self.backward_layer(inputs, initial_state=states[half:])
        else:
            f = self.forward_layer(inputs)
            b = self.backward_layer(inputs)
        self._weights[:] = self.forward_layer._weights + self.backward_layer._weights
        fs, bs = (f[1:], b[1:]) if self.return_state else ([], [])
        f, b = (f[0], b[0]) if self.return_state else (f, b)
        if self.return_sequences:
            b = _reverse_time(b)
        if self.merge_mode == "concat":
            out = _ops.concatenate([f, b], -1)
        elif self.merge_mode == "sum":
            out = _ops.add(f, b)
        elif self.merge_mode == "mul":
            out = _ops.mul(f, b)
        elif self.merge_mode == "ave":
            out = _ops.mul(_ops.add(f, b), 0.5)
        else:
            out = [f, b]
        outs = out if isinstance(out, list) else [out]
        return outs + list(fs) + list(bs) if self.return_state or self.merge_mode is None \
            else out


class TimeDistributed(Layer):
    """Apply ``layer`` to every time step: (batch, T, ...) -> (batch, T, ...)."""

    def __init__(self, layer, **kwargs):
        super().__init__(name=kwargs.pop("name", None), **kwargs)   # time_distributed_1, ...
        self.layer = layer
        self.supports_masking = True

    def call(self, inputs, training=None):
        T = inputs.aval.shape[1]
        inner = _ops.reshape(inputs, (-1,) + tuple(inputs.aval.shape[2:]))
        y = self.layer(inner)
        self._weights[:] = self.layer._weights
        if T is None:                   # (Input(shape=(None, ...)): Keras 2 reads T at run time)
            tf = sys.modules["dlcore_static"]
            t = tf.shape(inputs)[1:2]
            out = tf.reshape(y, tf.concat([[-1], t, tf.shape(y)[1:]], 0))
            out.set_shape((inputs.aval.shape[0], None) + tuple(y.aval.shape[1:]))
            return out
        return _ops.reshape(y, (-1, T) + tuple(y.aval.shape[1:]))


__all__ = ["Embedding", "Masking", "SimpleRNN", "LSTM", "GRU",
           "Bidirectional", "TimeDistributed"]
