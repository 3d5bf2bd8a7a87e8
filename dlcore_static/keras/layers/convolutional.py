"""Keras image layers: ``Conv1D``, ``Conv2D``, ``Conv1DTranspose``, ``Conv2DTranspose``, ``MaxPooling1D/2D``,
``AveragePooling1D/2D``, ``GlobalAveragePooling1D/2D``, ``GlobalMaxPooling1D/2D``,
``ZeroPadding2D``, ``UpSampling2D`` and ``BatchNormalization``.

``data_format`` defaults to ``keras.backend.image_data_format()`` ('channels_last': NHWC,
kernels HWIO, as Keras stores them, so ``get_weights``/``set_weights`` exchange Keras-shaped
arrays).  Each layer calls the ``tf.nn`` functions of :mod:`dlcore_static.nn_conv`, where the
NHWC <-> NCHW transposes of dlcore's channels-first primitives live.  ``BatchNormalization``
reads the learning phase; in training its moving-average updates run with its output (they
are control dependencies of it), so ``fit`` needs no update list.
"""

from __future__ import annotations

import sys

import numpy as np

from dlcore import ops as _ops

from ... import nn_conv as _nn
from ... import nn_conv3d as _nn3
from .. import _keras3_args, activations, constraints, regularizers
from .. import backend as K
from . import _arg_checks as _checks
from .core import Layer


def _tuple(v, n):
    return (int(v),) * n if isinstance(v, int) else tuple(int(a) for a in v)


_fmt = _checks.data_format


def _out_len(n, k, s, padding, d=1):
    if n is None:
        return None
    if padding == "same":
        return -(-n // s)
    return (n - d * (k - 1) - 1) // s + 1


def _conv_groups(groups, filters) -> int:
    """``groups`` checked as Keras 3's ``BaseConv`` does (a kernel of ``(*kernel_size,
    in_channels // groups, filters)``: ``tf.nn.conv*`` read the grouping from its shape)."""
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)):
        raise TypeError(f"groups must be an integer, got {type(groups).__name__}")
    if groups <= 0:
        raise ValueError(f"The number of groups must be a positive integer. Received: "
                         f"groups={groups}.")
    if filters % groups:
        raise ValueError("The number of filters must be evenly divisible by the number of "
                         f"groups. Received: groups={groups}, filters={filters}.")
    return int(groups)


class _Conv(Layer):
    """Keras's ``Conv1D/2D/3D`` (``groups``: the input channels and the filters split into
    that many independent convolutions) and the transposed ones."""

    rank = 2
    transpose = False

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        if "output_padding" in kwargs:             # (the transposed ones' Keras argument)
            _keras3_args.check(type(self).__name__, "output_padding", kwargs.pop("output_padding"))
        n = self.rank
        filters = _checks.positive_filters(filters)
        kernel_size = _checks.int_tuple(kernel_size, n, "kernel_size")
        strides = _checks.int_tuple(strides, n, "strides")
        dilation_rate = _checks.int_tuple(dilation_rate, n, "dilation_rate")
        if max(strides) > 1 and max(dilation_rate) > 1:          # Keras 3's refusal
            raise ValueError("`strides > 1` not supported in conjunction with `dilation_rate > "
                             f"1`. Received: strides={strides} and "
                             f"dilation_rate={dilation_rate}")
        if self.transpose and groups != 1:         # (Keras's transposed ones have no groups)
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument 'groups' "
                            f"(only 1: the transposed convolutions are not grouped)")
        groups = _conv_groups(groups, filters)
        super().__init__(**kwargs)
        self.groups = groups
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.filters, self.kernel_size = filters, kernel_size
        self.strides, self.dilation_rate = strides, dilation_rate
        self.padding = padding.lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
        self.data_format = _fmt(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer

    @property
    def _cl(self) -> bool:
        return self.data_format == "channels_last"

    def build(self, input_shape) -> None:
        _checks.check_ndim(self, input_shape, min_ndim=self.rank + 2)
        c = input_shape[-1] if self._cl else input_shape[1]
        if c is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found "
                             "`None`.")
        if c % self.groups:
            raise ValueError("The number of input channels must be evenly divisible by the "
                             f"number of groups. Received groups={self.groups}, but the input "
                             f"has {c} channels (full input shape is {tuple(input_shape)}).")
        shape = self.kernel_size + ((self.filters, c) if self.transpose else
                                    (c // self.groups, self.filters))
        self.kernel = self.add_weight(name="kernel", shape=shape,
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight(name="bias", shape=(self.filters,),
                                    initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None

    def _spatial_out(self, sp):
        if self.transpose:
            return tuple(None if i is None else (i * s if self.padding == "same"   # Keras's
                                                 else i * s + max(k - s, 0))       # rule
                         for i, k, s in zip(sp, self._effective_kernel(), self.strides))
        return tuple(_out_len(i, k, s, self.padding, d) for i, k, s, d in
                     zip(sp, self.kernel_size, self.strides, self.dilation_rate))

    def _effective_kernel(self):
        """The dilated kernel's extent ``(k - 1) * d + 1`` per spatial axis."""
        return tuple((k - 1) * d + 1 for k, d in zip(self.kernel_size, self.dilation_rate))

    def call(self, x):
        pad = self.padding.upper()
        shape = tuple(x.aval.shape)
        if self.transpose and None in (shape[1:-1] if self._cl else shape[2:]):
            return self._transpose_unknown(x)
        if self.rank == 1 and self.transpose:      # as a 2-D one of height 1 (Keras's kernel
            return self._transpose_1d(x, pad)      # (width, filters, channels))
        if not self.transpose and self.rank == 1:      # (Keras 3's Conv1D.call convolves
            y = self._forward_conv(x, self.kernel)      # itself: an override is not used)
        elif not self.transpose:
            y = self.convolution_op(x, self.kernel)    # type: ignore[attr-defined]
        else:
            shape = tuple(x.aval.shape)
            sp = self._spatial_out(shape[1:3] if self._cl else shape[2:4])
            out = ((1,) + sp + (self.filters,)) if self._cl else ((1, self.filters) + sp)
            y = _nn.conv2d_transpose(x, self.kernel, list(out), self.strides, pad,
                                     data_format="NHWC" if self._cl else "NCHW",
                                     dilations=self.dilation_rate)
        if self.bias is not None:
            b = self.bias if self._cl else _ops.reshape(self.bias, (-1,) + (1,) * self.rank)
            y = _ops.add(y, b)
        return self.activation(y)

    def _forward_conv(self, inputs, kernel):
        """The forward convolution of ``inputs`` with ``kernel`` (the layer's strides,
        padding, dilation and data format; no bias, no activation)."""
        pad = self.padding.upper()
        if self.rank == 1 and self.groups > 1:   # (tf.nn.convolution reads the groups from
            return _nn3.convolution(inputs, kernel, pad, self.strides,   # the kernel's shape)
                                    self.dilation_rate, data_format="NWC" if self._cl else "NCW")
        if self.rank == 1:
            return _nn.conv1d(inputs, kernel, self.strides, pad,
                              data_format="NWC" if self._cl else "NCW",
                              dilations=self.dilation_rate)
        return _nn.conv2d(inputs, kernel, self.strides, pad,
                          data_format="NHWC" if self._cl else "NCHW",
                          dilations=self.dilation_rate)

    def _transpose_1d(self, x, pad: str):
        axis = 1 if self._cl else 2
        x2 = _ops.expand_dims(x, axis)
        k2 = _ops.expand_dims(self.kernel, 0)
        (w,) = self._spatial_out((x.aval.shape[1 if self._cl else 2],))
        out = [1, 1, w, self.filters] if self._cl else [1, self.filters, 1, w]
        y = _nn.conv2d_transpose(x2, k2, out, (1,) + self.strides, pad,
                                 data_format="NHWC" if self._cl else "NCHW",
                                 dilations=(1,) + self.dilation_rate)
        y = _ops.squeeze(y, axis)
        if self.bias is not None:
            y = _ops.add(y, self.bias if self._cl else _ops.reshape(self.bias, (-1, 1)))
        return self.activation(y)

    def _transpose_unknown(self, x):
        """A transposed convolution of spatial sizes unknown when the graph is built: the
        input with ``s - 1`` zeros after each element, padded, correlated (stride 1, the
        dilation) with the spatially flipped kernel; the pads give Keras's lengths
        ``W*s`` ('same') or ``W*s + max(k_eff - s, 0)`` ('valid')."""
        tf = sys.modules["dlcore_static"]
        n = self.rank
        if not self._cl:
            x = tf.transpose(x, [0] + list(range(2, n + 2)) + [1])
        pads = [[0, 0]]
        for ax, (s, ke) in enumerate(zip(self.strides, self._effective_kernel()), start=1):
            if s > 1:                       # interleave s - 1 zeros along this axis
                dyn = tf.shape(x)
                z = tf.expand_dims(x, ax + 1)
                z = tf.concat([z] + [tf.zeros_like(z)] * (s - 1), axis=ax + 1)
                new = [dyn[i] for i in range(n + 2)]
                new[ax] = dyn[ax] * s
                x = tf.reshape(z, tf.stack(new))
            lo = max(ke - s, 0) // 2 if self.padding == "same" else 0
            left = ke - 1 - lo
            pads.append([left, lo if self.padding == "same" else max(ke - s, 0)])
        pads.append([0, 0])
        x = tf.pad(x, pads)
        k = tf.reverse(self.kernel, list(range(n)))
        k = tf.transpose(k, list(range(n)) + [n + 1, n])        # (k..., in, filters)
        if n == 1:
            y = _nn.conv1d(x, k, 1, "VALID", data_format="NWC", dilations=self.dilation_rate)
        else:
            y = _nn.conv2d(x, k, 1, "VALID", data_format="NHWC", dilations=self.dilation_rate)
        if self.bias is not None:
            y = _ops.add(y, self.bias)
        if not self._cl:
            y = tf.transpose(y, [0, n + 1] + list(range(1, n + 1)))
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        s = tuple(input_shape)
        if self._cl:
            return (s[0],) + self._spatial_out(s[1:-1]) + (self.filters,)
        return (s[0], self.filters) + self._spatial_out(s[2:])


class _ConvolutionOp:
    """Keras 3's ``convolution_op`` hook of the forward convolutions (Conv1D/2D/3D; the
    transposed ones have none): what ``call`` uses, so a subclass may change it (a
    standardized kernel, keras.io's example)."""

    def convolution_op(self, inputs, kernel):
        return self._forward_conv(inputs, kernel)     # type: ignore[attr-defined]


class Conv1D(_ConvolutionOp, _Conv):
    rank = 1


class Conv1DTranspose(_Conv):
    rank = 1
    transpose = True


class Conv2D(_ConvolutionOp, _Conv):
    rank = 2


class Conv2DTranspose(_Conv):
    rank = 2
    transpose = True


Convolution1D, Convolution2D = Conv1D, Conv2D
Convolution1DTranspose = Conv1DTranspose


class _Pool(Layer):
    rank = 2
    kind = "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        pool_size = _checks.int_tuple(pool_size, self.rank, "pool_size")
        strides = pool_size if strides is None else \
            _checks.int_tuple(strides, self.rank, "strides")
        super().__init__(**kwargs)
        self.pool_size, self.strides = pool_size, strides
        self.padding, self.data_format = padding.lower(), _fmt(data_format)

    def call(self, x):
        _checks.check_ndim(self, x.aval.shape, ndim=self.rank + 2)
        cl = self.data_format == "channels_last"
        fmt = ("NHWC" if cl else "NCHW") if self.rank == 2 else ("NWC" if cl else "NCW")
        fn = _nn.max_pool if self.kind == "max" else _nn.avg_pool
        return fn(x, self.pool_size, self.strides, self.padding.upper(), data_format=fmt)

    def compute_output_shape(self, input_shape):
        s = tuple(input_shape)
        cl = self.data_format == "channels_last"
        sp = s[1:-1] if cl else s[2:]
        out = tuple(_out_len(i, k, st, self.padding) for i, k, st in
                    zip(sp, self.pool_size, self.strides))
        return (s[0],) + out + (s[-1],) if cl else (s[0], s[1]) + out


class MaxPooling1D(_Pool):
    rank = 1


class MaxPooling2D(_Pool):
    rank = 2


class AveragePooling1D(_Pool):
    rank, kind = 1, "avg"


class AveragePooling2D(_Pool):
    rank, kind = 2, "avg"


MaxPool1D, MaxPool2D, AvgPool2D = MaxPooling1D, MaxPooling2D, AveragePooling2D


class _GlobalPool(Layer):
    rank = 2
    kind = "avg"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _fmt(data_format)
        self.keepdims = bool(keepdims)

    def _axes(self, nd: int) -> tuple:
        return tuple(range(1, nd - 1)) if self.data_format == "channels_last" \
            else tuple(range(2, nd))

    def call(self, x):
        axes = self._axes(x.aval.ndim)
        return (_ops.mean if self.kind == "avg" else _ops.max)(x, axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        s = tuple(input_shape)
        if self.keepdims:
            return tuple(1 if i in self._axes(len(s)) else d for i, d in enumerate(s))
        return (s[0], s[-1] if self.data_format == "channels_last" else s[1])


class GlobalAveragePooling1D(_GlobalPool):
    """The mean over time; with a mask (Keras 2.2.3+), over the unmasked steps only."""

    rank = 1

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, x, mask=None):
        if mask is None:
            return super().call(x)
        steps = 1 if self.data_format == "channels_last" else 2
        m = _ops.cast(mask, x.aval.dtype)
        m = _ops.expand_dims(m, 2 if steps == 1 else 1)
        return _ops.div(_ops.sum(_ops.mul(x, m), steps, keepdims=self.keepdims),
                        _ops.sum(m, steps, keepdims=self.keepdims))

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalAveragePooling2D(_GlobalPool):
    pass


class GlobalMaxPooling1D(_GlobalPool):
    rank, kind = 1, "max"


class GlobalMaxPooling2D(_GlobalPool):
    kind = "max"


class ZeroPadding2D(Layer):
    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(padding, int):
            padding = ((padding, padding), (padding, padding))
        padding = [(p, p) if isinstance(p, int) else tuple(p) for p in padding]
        self.padding, self.data_format = tuple(padding), _fmt(data_format)

    def call(self, x):
        sp = list(self.padding)
        pairs = ([(0, 0)] + sp + [(0, 0)]) if self.data_format == "channels_last" \
            else [(0, 0), (0, 0)] + sp
        return _ops.pad(x, pairs)

    def compute_output_shape(self, input_shape):
        s = list(input_shape)
        first = 1 if self.data_format == "channels_last" else 2
        for i, (lo, hi) in enumerate(self.padding):
            if s[first + i] is not None:
                s[first + i] += lo + hi
        return tuple(s)


class UpSampling2D(Layer):
    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.size, self.data_format = _tuple(size, 2), _fmt(data_format)
        self.interpolation = interpolation

    def call(self, x):
        cl = self.data_format == "channels_last"
        xf = _ops.transpose(x, (0, 3, 1, 2)) if cl else x
        sp = xf.aval.shape[2:]
        mode = "nearest" if self.interpolation == "nearest" else "bilinear"
        y = _ops.interpolate(xf, tuple(i * s for i, s in zip(sp, self.size)), mode)
        return _ops.transpose(y, (0, 2, 3, 1)) if cl else y

    def compute_output_shape(self, input_shape):
        s = list(input_shape)
        first = 1 if self.data_format == "channels_last" else 2
        for i in range(2):
            if s[first + i] is not None:
                s[first + i] *= self.size[i]
        return tuple(s)


class BatchNormalization(Layer):
    """Normalise over every axis but ``axis`` with the batch's moments while training (the
    learning phase), with the moving averages otherwise.

    The moving statistics are Keras 3's: ``moving = moving * momentum + batch * (1 -
    momentum)`` with the batch's mean and its biased variance, and the training output uses
    ``epsilon`` as given (no fused kernel's floor).  (Keras 2.2.4 on TensorFlow multiplied the
    variance by ``n / (n - 1)`` for 4-D channels-last inputs and ``n / (n - (1 + epsilon))``
    always, and zero-debiased both averages; tf.keras 2 and Keras 3 dropped all three.
    TF1's ``tf.layers.batch_normalization`` keeps its fused kernel's unbiased variance.)

    The mode is tf.keras 2's (``_run_phase``): the learning phase (training in ``fit``,
    inference in ``predict``/``evaluate``) unless ``training=`` was given to this call or to
    a model call around it, which stays fixed (``base_model(x, training=False)`` keeps the
    layer in inference mode while the base is fine-tuned; Keras 3's ``fit`` overrides it,
    keras-team/keras#20285); and inference mode while ``trainable`` is False as of the
    model's last ``compile`` (set at any time, also after the layer was called).
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        _keras3_args.check("BatchNormalization", "renorm", kwargs.pop("renorm", False))
        kwargs.pop("fused", None)
        super().__init__(**kwargs)
        self.supports_masking = True
        self._regs = (regularizers.get(gamma_regularizer), regularizers.get(beta_regularizer))
        self._cons = (constraints.get(gamma_constraint), constraints.get(beta_constraint))
        self.axis, self.momentum, self.epsilon = axis, float(momentum), float(epsilon)
        self.center, self.scale = center, scale
        self._inits = (gamma_initializer, beta_initializer, moving_mean_initializer,
                       moving_variance_initializer)

    def build(self, input_shape) -> None:
        c = input_shape[self.axis]
        if c is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined dimension "
                             f"but the layer received an input with shape {input_shape}.")
        gi, bi, mi, vi = self._inits
        self.gamma = self.add_weight(name="gamma", shape=(c,), initializer=gi,
                                     regularizer=self._regs[0], constraint=self._cons[0]) \
            if self.scale else None
        self.beta = self.add_weight(name="beta", shape=(c,), initializer=bi,
                                    regularizer=self._regs[1], constraint=self._cons[1]) \
            if self.center else None
        self.moving_mean = self.add_weight(name="moving_mean", shape=(c,), initializer=mi,
                                           trainable=False)
        self.moving_variance = self.add_weight(name="moving_variance", shape=(c,),
                                               initializer=vi, trainable=False)

    def call(self, x, training=None):
        from ...graph import get_default_graph
        from ...layers_conv import batch_norm_graph
        from .._run_phase import trainable_flag
        training = K.learning_phase() if training is None else training
        training = trainable_flag(self, training)   # (frozen: inference mode, as of compile)
        y, updates = batch_norm_graph(x, self.gamma, self.beta, self.moving_mean,
                                      self.moving_variance, self.axis, self.momentum,
                                      self.epsilon, training)
        if not updates:
            return y
        with get_default_graph().control_dependencies(updates):
            return _ops.identity(y)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


__all__ = [n for n in dir() if n[0].isupper() and not n.startswith("_")]
