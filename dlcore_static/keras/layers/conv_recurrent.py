"""``ConvLSTM2D``: an LSTM whose input and recurrent transforms are 2-D convolutions (Shi et
al. 2015, as Keras writes it), on the static engine.

Input ``(batch, time, rows, cols, channels)`` (``data_format='channels_last'``).  With ``*`` a
convolution (the input one with the layer's ``strides``, ``padding`` and ``dilation_rate``; the
recurrent one stride 1, ``'same'``) and Keras's gate order i, f, c, o::

    z = x_t * W + h * U + b                 (W: kernel (kh, kw, C, 4F); U: (kh, kw, F, 4F))
    i = rec_act(z_i)   f = rec_act(z_f)   o = rec_act(z_o)
    c' = f c + i act(z_c)                   h' = o act(c')

The input convolution of every step is one batched conv before the loop (time folded into the
batch); the loop is the ``while_loop`` the other recurrent layers use.  ``recurrent_activation``
defaults to ``sigmoid`` as Keras 3's (Keras 2's was ``hard_sigmoid``), ``unit_forget_bias``
starts the forget gate's bias at 1.  Not supported: ``channels_first``, ``stateful``, dropout
(NotImplementedError rather than a different layer).
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from ... import functional_ops as _f
from ...frontend import constant
from ...nn_conv import conv2d as _conv2d
from .. import activations
from .. import constraints as _constraints
from ..engine import Layer
from .recurrent import _init

__all__ = ["ConvLSTM2D"]


def _pair(v, what):
    t = (int(v), int(v)) if isinstance(v, int) else tuple(int(a) for a in v)
    if len(t) != 2:
        raise ValueError(f"The `{what}` argument must be a tuple of 2 integers. Received: {v}")
    return t


class ConvLSTM2D(Layer):
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), activation="tanh",
                 recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, dropout=0.0, recurrent_dropout=0.0, **kwargs):
        if data_format not in (None, "channels_last"):
            raise NotImplementedError("ConvLSTM2D: only data_format='channels_last'")
        if stateful or dropout or recurrent_dropout:
            raise NotImplementedError("ConvLSTM2D: stateful=True, dropout and "
                                      "recurrent_dropout are not supported")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = int(filters)
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.strides = _pair(strides, "strides")
        self.dilation_rate = _pair(dilation_rate, "dilation_rate")
        self.padding = padding.lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"The `padding` argument must be one of 'valid', 'same'. "
                             f"Received: {padding}")
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias, self.unit_forget_bias = use_bias, unit_forget_bias
        self.inits = (kernel_initializer, recurrent_initializer, bias_initializer)
        self.regs = (kernel_regularizer, recurrent_regularizer, bias_regularizer)
        self.cons = tuple(_constraints.get(c) for c in (kernel_constraint,
                                                        recurrent_constraint, bias_constraint))
        self.return_sequences, self.return_state = return_sequences, return_state
        self.go_backwards = go_backwards

    def build(self, input_shape) -> None:
        if len(input_shape) != 5:
            raise ValueError(f"Input 0 of layer {self.name} is incompatible with the layer: "
                             f"expected ndim=5, found ndim={len(input_shape)}. Full shape "
                             f"received: {tuple(input_shape)}")
        c, f = input_shape[-1], self.filters
        if c is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found "
                             "`None`.")
        kh, kw = self.kernel_size
        self.kernel = self.add_weight("kernel", (kh, kw, int(c), 4 * f),
                                      initializer=_init(self.inits[0]),
                                      regularizer=self.regs[0], constraint=self.cons[0])
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (kh, kw, f, 4 * f),
                                                initializer=_init(self.inits[1]),
                                                regularizer=self.regs[1],
                                                constraint=self.cons[1])
        self.bias = None
        if self.use_bias:
            init = self.inits[2]
            if self.unit_forget_bias:
                def init(shape, dtype=None):
                    b = np.zeros(shape, dtype or np.float32)
                    b[f:2 * f] = 1.0
                    return b
            self.bias = self.add_weight("bias", (4 * f,), initializer=init,
                                        regularizer=self.regs[2], constraint=self.cons[2])
        self.built = True

    def _spatial(self, n, axis):
        if n is None:
            return None
        k = (self.kernel_size[axis] - 1) * self.dilation_rate[axis] + 1
        s = self.strides[axis]
        return -(-n // s) if self.padding == "same" else -(-(n - k + 1) // s)

    def call(self, inputs, initial_state=None, mask=None, training=None):
        if inputs.aval.ndim != 5:
            raise ValueError(f"{self.name}: expected input of shape (batch, time, rows, cols, "
                             f"channels), got {inputs.shape}")
        f = self.filters
        x = _ops.transpose(inputs, (1, 0, 2, 3, 4))                     # (T, B, H, W, C)
        if self.go_backwards:
            x = _ops.getitem(x, (slice(None, None, -1),))
        t_dim, b_dim = _ops.dim_size(x, 0), _ops.dim_size(x, 1)
        tb = _ops.mul(t_dim, b_dim) if not (isinstance(t_dim, int) and
                                           isinstance(b_dim, int)) else t_dim * b_dim
        h_in, w_in, c = x.aval.shape[2:]
        flat = _ops.reshape_dynamic(x, [tb, h_in, w_in, c])
        xw = _conv2d(flat, self.kernel, strides=(1,) + self.strides + (1,),
                     padding=self.padding.upper(), dilations=(1,) + self.dilation_rate + (1,))
        if self.bias is not None:
            xw = _ops.add(xw, self.bias)
        ho, wo = xw.aval.shape[1], xw.aval.shape[2]
        xw = _ops.reshape_dynamic(xw, [t_dim, b_dim, ho, wo, 4 * f])
        x0 = _f.read(xw, constant(np.int32(0)))
        zero = _ops.zeros_like(_ops.getitem(x0, (Ellipsis, slice(0, f))))
        states = list(initial_state) if initial_state is not None else [zero, zero]
        seq = [_ops.zeros_like(_ops.getitem(xw, (Ellipsis, slice(0, f))))] \
            if self.return_sequences else []
        act, rec = self.activation, self.recurrent_activation

        def step(t, vs):
            h, cst = vs[0], vs[1]
            z = _ops.add(_f.read(xw, t), _conv2d(h, self.recurrent_kernel, strides=1,
                                                  padding="SAME"))
            gate = [_ops.getitem(z, (Ellipsis, slice(k * f, (k + 1) * f))) for k in range(4)]
            i, fg, o = rec(gate[0]), rec(gate[1]), rec(gate[3])
            c_new = _ops.add(_ops.mul(fg, cst), _ops.mul(i, act(gate[2])))
            h_new = _ops.mul(o, act(c_new))
            return [h_new, c_new] + ([_f.write(vs[-1], t, h_new)] if self.return_sequences
                                     else [])

        T = x.aval.shape[0]
        n = int(T) if T is not None else _ops.cast(t_dim, np.int32)
        res = _f._loop(n, False, step, states + seq, "while")
        out = _ops.transpose(res[-1], (1, 0, 2, 3, 4)) if self.return_sequences else res[0]
        return [out, res[0], res[1]] if self.return_state else out

    def compute_output_shape(self, input_shape):
        b, t, h, w = input_shape[:4]
        frame = (b, self._spatial(h, 0), self._spatial(w, 1), self.filters)
        out = (b, t) + frame[1:] if self.return_sequences else frame
        return [out, frame, frame] if self.return_state else out
