"""Keras volume and factorised-convolution layers: ``Conv3D``, ``Conv3DTranspose``,
``MaxPooling3D``, ``AveragePooling3D``, ``GlobalAveragePooling3D``, ``GlobalMaxPooling3D``,
``UpSampling1D/3D``, ``ZeroPadding1D/3D``, ``Cropping1D/2D/3D``, ``SeparableConv1D/2D`` and
``DepthwiseConv2D``.

As the 2-D layers of :mod:`.convolutional`: ``data_format`` from
``keras.backend.image_data_format()``, kernels laid out as Keras stores them (DHWIO;
``Conv3DTranspose`` DHW, out, in; ``depthwise_kernel`` (*kernel, in, depth_multiplier);
``pointwise_kernel`` (1 [x 1], in * depth_multiplier, filters)), weights in Keras's order, so
``get_weights``/``set_weights`` exchange Keras-shaped arrays.  Each layer calls the ``tf.nn``
functions (:mod:`dlcore_static.nn_conv`), where the channels-last <-> channels-first
transposes live.  A separable layer is the depthwise convolution then the 1x1 pointwise one
(``tf.nn.separable_conv2d``); a 1-D one runs as an image of height 1, as Keras's TensorFlow
backend does.
"""

from __future__ import annotations

from dlcore import ops as _ops

from ... import nn_conv as _nn
from ... import nn_conv3d as _nn3
from .. import activations, constraints, regularizers
from .convolutional import _Conv, _ConvolutionOp, _fmt, _GlobalPool, _out_len, _Pool, _tuple
from .core import Layer


class _Conv3DBase(_Conv):
    rank = 3

    def _forward_conv(self, inputs, kernel):
        pad, fmt = self.padding.upper(), "NDHWC" if self._cl else "NCDHW"
        if self.groups > 1:                     # (tf.nn.convolution reads the groups from
            return _nn3.convolution(inputs, kernel, pad, self.strides,  # the kernel's shape)
                                    self.dilation_rate, data_format=fmt)
        return _nn3.conv3d(inputs, kernel, self.strides, pad, data_format=fmt,
                           dilations=self.dilation_rate)

    def call(self, x):
        if self.transpose:
            shape = tuple(x.aval.shape)
            sp = self._spatial_out(shape[1:4] if self._cl else shape[2:5])
            out = ((1,) + sp + (self.filters,)) if self._cl else ((1, self.filters) + sp)
            y = _nn3.conv3d_transpose(x, self.kernel, list(out), self.strides,
                                      self.padding.upper(),
                                      data_format="NDHWC" if self._cl else "NCDHW")
        else:
            y = self.convolution_op(x, self.kernel)    # type: ignore[attr-defined]
        if self.bias is not None:
            b = self.bias if self._cl else _ops.reshape(self.bias, (-1, 1, 1, 1))
            y = _ops.add(y, b)
        return self.activation(y)


class Conv3D(_ConvolutionOp, _Conv3DBase):
    pass


class Conv3DTranspose(_Conv3DBase):        # (Keras 3: not a Conv3D, no convolution_op)
    transpose = True


Convolution3D = Conv3D


class _Pool3D(_Pool):
    rank = 3

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)

    def call(self, x):
        fmt = "NDHWC" if self.data_format == "channels_last" else "NCDHW"
        fn = _nn3.max_pool3d if self.kind == "max" else _nn3.avg_pool3d
        return fn(x, self.pool_size, self.strides, self.padding.upper(), data_format=fmt)


class MaxPooling3D(_Pool3D):
    kind = "max"


class AveragePooling3D(_Pool3D):
    kind = "avg"


class GlobalAveragePooling3D(_GlobalPool):
    rank, kind = 3, "avg"


class GlobalMaxPooling3D(_GlobalPool):
    rank, kind = 3, "max"


MaxPool3D, AvgPool3D = MaxPooling3D, AveragePooling3D
GlobalAvgPool3D, GlobalMaxPool3D = GlobalAveragePooling3D, GlobalMaxPooling3D


# ----------------------------------------------------------------------------- shape layers
def _pairs(value, rank: int, name: str) -> tuple:
    """Keras's int, ``rank`` ints or ``rank`` (lo, hi) pairs as ``rank`` pairs."""
    if isinstance(value, int):
        return ((value, value),) * rank
    items = list(value)
    if rank == 1 and len(items) == 2 and all(isinstance(v, int) for v in items):
        return ((int(items[0]), int(items[1])),)
    if len(items) != rank:
        raise ValueError(f"`{name}` should have {rank} elements. Received: {value}.")
    return tuple((int(v), int(v)) if isinstance(v, int) else (int(v[0]), int(v[1]))
                 for v in items)


class _Spatial(Layer):
    """A layer that changes each spatial size of a channels-last or -first input."""

    rank = 3
    data_format = "channels_last"

    def _first(self) -> int:
        return 1 if self.rank == 1 or self.data_format == "channels_last" else 2

    def _size(self, i: int, n):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        s = list(input_shape)
        f = self._first()
        for i in range(self.rank):
            if s[f + i] is not None:
                s[f + i] = self._size(i, s[f + i])
        return tuple(s)


class _ZeroPadding(_Spatial):
    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = _pairs(padding, self.rank, "padding")
        self.data_format = "channels_last" if self.rank == 1 else _fmt(data_format)

    def _size(self, i, n):
        return n + sum(self.padding[i])

    def call(self, x):
        f = self._first()
        nd = x.aval.ndim
        pairs = [(0, 0)] * nd
        for i, p in enumerate(self.padding):
            pairs[f + i] = p
        return _ops.pad(x, pairs)


class ZeroPadding1D(_ZeroPadding):
    rank = 1


class ZeroPadding3D(_ZeroPadding):
    rank = 3


class _Cropping(_Spatial):
    def __init__(self, cropping=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.cropping = _pairs(cropping, self.rank, "cropping")
        self.data_format = "channels_last" if self.rank == 1 else _fmt(data_format)

    def _size(self, i, n):
        return n - sum(self.cropping[i])

    def call(self, x):
        f = self._first()
        shape = x.aval.shape
        idx = [slice(None)] * x.aval.ndim
        for i, (lo, hi) in enumerate(self.cropping):
            n = shape[f + i]
            if n is not None and lo + hi >= n:
                raise ValueError(f"Values in `cropping` argument should be smaller than the "
                                 f"corresponding spatial dimension of the input. Received: "
                                 f"input_shape={tuple(shape)}, cropping={self.cropping}")
            idx[f + i] = slice(lo, -hi if hi else None)
        return _ops.getitem(x, tuple(idx))


class Cropping1D(_Cropping):
    rank = 1


class Cropping2D(_Cropping):
    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    rank = 3


class _UpSampling(_Spatial):
    def __init__(self, size=2, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.size = _tuple(size, self.rank)
        self.data_format = "channels_last" if self.rank == 1 else _fmt(data_format)

    def _size(self, i, n):
        return n * self.size[i]

    def call(self, x):             # nearest: each value repeated, a 0/1 matrix per axis
        nd = x.aval.ndim
        cl = self._first() == 1
        xf = _ops.transpose(x, (0, nd - 1) + tuple(range(1, nd - 1))) if cl else x
        sp = xf.aval.shape[2:]
        y = _ops.interpolate(xf, tuple(i * s for i, s in zip(sp, self.size)), "nearest")
        return _ops.transpose(y, (0,) + tuple(range(2, nd)) + (1,)) if cl else y


class UpSampling1D(_UpSampling):
    rank = 1


class UpSampling3D(_UpSampling):
    rank = 3


# ----------------------------------------------------------------------------- factorised
class _SeparableConv(Layer):
    rank = 2
    depthwise_only = False

    def __init__(self, filters=None, kernel_size=None, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, depth_multiplier=1, activation=None,
                 use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        n = self.rank
        self.filters = None if filters is None else int(filters)
        self.kernel_size = _tuple(kernel_size, n)
        self.strides, self.dilation_rate = _tuple(strides, n), _tuple(dilation_rate, n)
        self.depth_multiplier = int(depth_multiplier)
        self.padding = padding.lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
        self.data_format = _fmt(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self._inits = (depthwise_initializer, pointwise_initializer, bias_initializer)
        self._regs = tuple(regularizers.get(r) for r in (depthwise_regularizer,
                                                         pointwise_regularizer, bias_regularizer))
        self._cons = tuple(constraints.get(c) for c in (depthwise_constraint,
                                                        pointwise_constraint, bias_constraint))

    @property
    def _cl(self) -> bool:
        return self.data_format == "channels_last"

    def build(self, input_shape) -> None:
        c = input_shape[-1] if self._cl else input_shape[1]
        if c is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found "
                             "`None`.")
        m = self.depth_multiplier
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel", shape=self.kernel_size + (c, m), initializer=self._inits[0],
            regularizer=self._regs[0], constraint=self._cons[0])
        self.pointwise_kernel = None
        out = c * m
        if not self.depthwise_only:
            self.pointwise_kernel = self.add_weight(
                name="pointwise_kernel", shape=(1,) * self.rank + (c * m, self.filters),
                initializer=self._inits[1], regularizer=self._regs[1],
                constraint=self._cons[1])
            out = self.filters
        self.bias = self.add_weight(name="bias", shape=(out,), initializer=self._inits[2],
                                    regularizer=self._regs[2], constraint=self._cons[2]) \
            if self.use_bias else None

    def call(self, x):
        cl = self._cl
        dk, pk = self.depthwise_kernel, self.pointwise_kernel
        st, dl = self.strides, self.dilation_rate
        if self.rank == 1:                 # an image of height 1
            x = _ops.expand_dims(x, 1 if cl else 2)
            dk = _ops.expand_dims(dk, 0)
            pk = None if pk is None else _ops.expand_dims(pk, 0)
            st, dl = (1,) + st, (1,) + dl
        fmt = "NHWC" if cl else "NCHW"
        strides = (1,) + st + (1,) if cl else (1, 1) + st
        pad = self.padding.upper()
        if pk is None:
            y = _nn.depthwise_conv2d(x, dk, strides, pad, data_format=fmt, dilations=dl)
        else:
            y = _nn3.separable_conv2d(x, dk, pk, strides, pad, data_format=fmt, dilations=dl)
        if self.rank == 1:
            y = _ops.squeeze(y, 1 if cl else 2)
        if self.bias is not None:
            b = self.bias if cl else _ops.reshape(self.bias, (-1,) + (1,) * self.rank)
            y = _ops.add(y, b)
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        s = tuple(input_shape)
        c = s[-1] if self._cl else s[1]
        out_c = self.filters if not self.depthwise_only else \
            (None if c is None else c * self.depth_multiplier)
        sp = s[1:-1] if self._cl else s[2:]
        out = tuple(_out_len(i, k, st, self.padding, d) for i, k, st, d in
                    zip(sp, self.kernel_size, self.strides, self.dilation_rate))
        return (s[0],) + out + (out_c,) if self._cl else (s[0], out_c) + out


class SeparableConv1D(_SeparableConv):
    rank = 1


class SeparableConv2D(_SeparableConv):
    rank = 2


class DepthwiseConv2D(_SeparableConv):
    rank = 2
    depthwise_only = True

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, depthwise_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(None, kernel_size, strides, padding, data_format, dilation_rate,
                         depth_multiplier, activation, use_bias, depthwise_initializer, None,
                         bias_initializer, depthwise_regularizer, None, bias_regularizer,
                         depthwise_constraint, None, bias_constraint, **kwargs)


SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D

__all__ = [n for n in dir() if n[0].isupper() and not n.startswith("_")]
