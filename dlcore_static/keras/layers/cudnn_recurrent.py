"""Keras 2's ``CuDNNLSTM`` and ``CuDNNGRU`` (``keras.layers``, ``tf.keras.layers`` of TF 1.x):
the LSTM and the GRU with cuDNN's fixed maths (tanh, sigmoid gates; the GRU's reset gate after
the recurrent product) and its weights: ``kernel`` (input, gates * units), ``recurrent_kernel``
(units, gates * units) and one ``bias`` vector holding the input bias and then the recurrent
one (8 units for the LSTM, 6 for the GRU), Keras' gate orders i, f, c, o and z, r, h.

Keras ran them only on an NVIDIA GPU; here they are the ``LSTM`` and ``GRU`` layers with those
weights, so they run on any device, always as dlcore's fused layers (``lstm_seq``, ``gru_seq``),
as cuDNN runs them.  Like Keras', they take no dropout and no mask (``supports_masking`` is
False), and their configuration holds only their own arguments.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from .. import initializers as _initializers
from ..engine import MASKS, Layer
from .recurrent import GRU, LSTM, _Recurrent


def _bias_init(layer, parts):
    """The bias's initializer: ``parts`` [(units, value or None)] concatenated, None taking
    ``bias_initializer`` (Keras' CuDNN layers: with ``unit_forget_bias`` the recurrent forget
    gate's units start at 1)."""
    base = _initializers.get(layer.inits[2])

    def init(shape, dtype=None):
        dt = dtype or np.float32
        got = [base((k,), dtype=dt) if v is None else np.full((k,), v, dt) for k, v in parts]
        if all(isinstance(p, np.ndarray) for p in got):
            return np.concatenate(got).astype(dt)
        return _ops.concatenate(got, 0)
    return init


#: the base layers' arguments Keras' CuDNN layers do not take (fixed maths, no dropout)
_NOT_CUDNN = ("activation", "recurrent_activation", "use_bias", "dropout", "recurrent_dropout",
              "unroll", "seed", "reset_after")


class _CuDNN(_Recurrent):
    """The CuDNN layers' bias (one vector: input, then recurrent) and construction (first in
    their bases: ``CuDNNLSTM(_CuDNN, LSTM)``, so its ``call`` and ``build`` wrap the layer's)."""

    _not_own: tuple = ()

    def _bias_parts(self):
        raise NotImplementedError

    def _cudnn_args(self, kwargs: dict) -> dict:
        for k in _NOT_CUDNN + ("implementation",):
            if k in kwargs:
                raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword "
                                f"argument '{k}'")
        return kwargs

    def _own_config(self) -> None:
        """The configuration as given holds only the CuDNN layer's own arguments (what
        ``Bidirectional`` copies for the backward layer)."""
        self._config = {k: v for k, v in self._config.items()
                        if k not in _NOT_CUDNN + self._not_own}
        self.supports_masking = False

    def call(self, inputs, initial_state=None, mask=None, training=None):
        """A mask (given, or one that travels with ``inputs``) is refused before the loop or
        the fused layer is built, as Keras 2 refused it."""
        if mask is None:
            mask = MASKS.get(inputs)
        if mask is not None:
            raise TypeError(f"Layer {self.name} does not support masking, but was passed an "
                            f"input_mask: {mask}")
        return super().call(inputs, initial_state=initial_state, training=training)

    def compute_mask(self, inputs, mask=None):
        return Layer.compute_mask(self, inputs, mask)

    def build(self, input_shape) -> None:
        self.use_bias = False                       # the kernels as the base class makes them
        super().build(input_shape)
        self.use_bias = True
        g = self._gates * self.units
        self.bias = self.add_weight(
            "bias", (2 * g,), initializer=self._bias_parts(),
            regularizer=self.regs[2], constraint=self.constraints[2])
        self.built = True

    def _halves(self):
        g = self._gates * self.units
        return (_ops.getitem(self.bias, (slice(0, g),)),
                _ops.getitem(self.bias, (slice(g, None),)))


class CuDNNLSTM(_CuDNN, LSTM):
    """cuDNN's LSTM: ``z = x W + b_in + h U + b_rec`` (gates i, f, c, o)."""

    _gates = 4

    def __init__(self, units: int, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias: bool = True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, **kwargs):
        super().__init__(units, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
                         kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, **self._cudnn_args(kwargs))
        self._own_config()

    def _bias_parts(self):
        n = self.units
        if self.unit_forget_bias:
            return _bias_init(self, [(5 * n, None), (n, 1.0), (2 * n, None)])
        return _bias_init(self, [(8 * n, None)])

    def _input_bias(self):
        b_in, b_rec = self._halves()
        return _ops.add(b_in, b_rec)


class CuDNNGRU(_CuDNN, GRU):
    """cuDNN's GRU (Keras' ``reset_after``): ``z, r = s(x W + b_in + h U + b_rec)`` for their
    gates, ``h~ = tanh(x W_h + b_in_h + r (h U_h + b_rec_h))``, ``h' = z h + (1 - z) h~``."""

    _gates = 3
    _not_own = ("unit_forget_bias",)

    def __init__(self, units: int, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, **kwargs):
        super().__init__(units, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, return_sequences=return_sequences,
                         return_state=return_state, go_backwards=go_backwards,
                         stateful=stateful, reset_after=True, **self._cudnn_args(kwargs))
        self._own_config()

    def _bias_parts(self):
        return _bias_init(self, [(6 * self.units, None)])

    def _input_bias(self):
        return self._halves()[0]

    def _recurrent_bias(self):
        return self._halves()[1]
