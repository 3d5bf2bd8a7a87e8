"""``tf.layers`` for volumes and factorised convolutions: ``conv3d``, ``conv3d_transpose``,
``max_pooling3d``, ``average_pooling3d``, ``separable_conv1d`` and ``separable_conv2d``.

``conv3d``/``conv3d_transpose`` are :class:`.layers_conv.Conv` at rank 3 (variables
``<name>/kernel``, DHWIO, and ``<name>/bias``).  A separable layer (:class:`SeparableConv`)
makes ``<name>/depthwise_kernel`` (kernel size, in_channels, depth_multiplier),
``<name>/pointwise_kernel`` (1 [x 1], in_channels * depth_multiplier, filters), both
glorot_uniform as in TF1, and ``<name>/bias`` (zeros), and computes ``tf.nn.separable_conv2d``
(a 1-D input runs as an image of height 1, as TensorFlow does).
"""

from __future__ import annotations

from dlcore import ops as _ops

from . import initializers as _init
from . import nn_conv3d as _nn3
from .frontend import rename, to_tensor
from .graph import get_default_graph
from ._layer_kwargs import refuse_fn_kwargs, refuse_kwargs
from .layer_scope import LayerWeights, functional_layer, unique_scope
from .layers_conv import Conv, _fmt, _pair, _pool
from .variable_scopes import get_variable

# the keyword arguments of TF1's separable_conv1d/2d this module takes through ``**kw``
_SEP_KW = frozenset({"depthwise_regularizer", "pointwise_regularizer", "bias_regularizer",
                     "activity_regularizer", "depthwise_constraint", "pointwise_constraint",
                     "bias_constraint"})


def conv3d(inputs, filters, kernel_size, strides=(1, 1, 1), padding="valid",
           data_format="channels_last", dilation_rate=(1, 1, 1), activation=None, use_bias=True,
           kernel_initializer=None, bias_initializer=None, trainable=True, name=None,
           reuse=None, **kw):
    """``activation(conv3d(inputs, kernel) + bias)``, ``<name>/kernel`` laid out DHWIO."""
    refuse_fn_kwargs("conv3d", kw)
    layer = Conv(filters, kernel_size, strides, padding, data_format, dilation_rate, activation,
                 use_bias, kernel_initializer, bias_initializer, trainable, name, rank=3,
                 reuse=reuse, **kw)
    return functional_layer(layer, name)(inputs)


def conv3d_transpose(inputs, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                     data_format="channels_last", activation=None, use_bias=True,
                     kernel_initializer=None, bias_initializer=None, trainable=True, name=None,
                     reuse=None, **kw):
    """The transposed 3-D convolution layer (kernel DHW, filters, in); TF1's output size."""
    refuse_fn_kwargs("conv3d_transpose", kw)
    layer = Conv(filters, kernel_size, strides, padding, data_format, 1, activation, use_bias,
                 kernel_initializer, bias_initializer, trainable, name, rank=3,
                 transpose=True, reuse=reuse, **kw)
    return functional_layer(layer, name)(inputs)


def max_pooling3d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                  name=None):
    """The maximum of each ``pool_size`` window of a 5-D input."""
    return _pool("max", inputs, pool_size, strides, padding, data_format, name, 3)


def average_pooling3d(inputs, pool_size, strides, padding="valid",
                      data_format="channels_last", name=None):
    """The mean of each ``pool_size`` window ('same' counts only real values)."""
    return _pool("avg", inputs, pool_size, strides, padding, data_format, name, 3)


class SeparableConv(LayerWeights):
    """``activation(pointwise(depthwise(x)) + bias)`` at rank 1 or 2; variables made on the
    first call."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, depth_multiplier=1,
                 activation=None, use_bias=True, depthwise_initializer=None,
                 pointwise_initializer=None, bias_initializer=None, trainable=True, name=None,
                 rank=2, depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, reuse=None, **kw):
        refuse_kwargs(kw, "separable_conv")
        self.regularizers = (depthwise_regularizer, pointwise_regularizer, bias_regularizer)
        self.reuse = reuse
        self.filters, self.rank, self.depth_multiplier = int(filters), rank, int(depth_multiplier)
        self.kernel_size = _pair(kernel_size, rank)
        self.strides, self.dilation_rate = _pair(strides, rank), _pair(dilation_rate, rank)
        self.padding, self.data_format = padding.upper(), _fmt(data_format)
        self.activation, self.use_bias = activation, use_bias
        self.inits = (depthwise_initializer, pointwise_initializer, bias_initializer)
        self.trainable, self.name = trainable, name
        self.depthwise_kernel = self.pointwise_kernel = self.bias = None

    def _make(self, c, dtype) -> None:
        di, pi, bi = (_init.get(i) for i in self.inits)
        di, pi = di or _init.GlorotUniform(), pi or _init.GlorotUniform()
        m, r = self.depth_multiplier, self.rank
        dshape = self.kernel_size + (c, m)
        pshape = (1,) * r + (c * m, self.filters)
        dr, pr, br = self.regularizers     # (get_variable: TF1's names, reuse, regularizers)
        self.depthwise_kernel = get_variable("depthwise_kernel", dshape, dtype=dtype,
                                             initializer=di, trainable=self.trainable,
                                             regularizer=dr)
        self.pointwise_kernel = get_variable("pointwise_kernel", pshape, dtype=dtype,
                                             initializer=pi, trainable=self.trainable,
                                             regularizer=pr)
        if self.use_bias:
            self.bias = get_variable("bias", (self.filters,), dtype=dtype,
                                     initializer=bi or _init.Zeros(), trainable=self.trainable,
                                     regularizer=br)

    def __call__(self, inputs):
        g = get_default_graph()
        x = to_tensor(inputs, g)
        cl = self.data_format == "NHWC"
        c = x.aval.shape[-1] if cl else x.aval.shape[1]
        if c is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found "
                             "`None`.")
        first = self.depthwise_kernel is None
        ctx = unique_scope(self.name, f"separable_conv{self.rank}d", self.reuse,
                           getattr(self, "_scope_given", False)) if first else \
            g.name_scope(self.name)
        with ctx as scope:
            if first:
                self.name = getattr(scope, "original_name_scope", str(scope))[:-1]
                self._make(c, x.dtype)
            dk, pk = self.depthwise_kernel, self.pointwise_kernel
            st, dl = self.strides, self.dilation_rate
            if self.rank == 1:          # an image of height 1, as TensorFlow runs it
                x = _ops.expand_dims(x, 1 if cl else 2)
                dk, pk = _ops.expand_dims(dk, 0), _ops.expand_dims(pk, 0)
                st, dl = (1,) + st, (1,) + dl
            y = _nn3.separable_conv2d(x, dk, pk, (1,) + st + (1,) if cl else (1, 1) + st,
                                      self.padding, data_format="NHWC" if cl else "NCHW",
                                      dilations=dl)
            if self.rank == 1:
                y = _ops.squeeze(y, 1 if cl else 2)
            if self.bias is not None:
                b = self.bias if cl else _ops.reshape(self.bias, (-1,) + (1,) * self.rank)
                start = len(y.op.graph._ops)      # (TF1: nn.bias_add's BiasAdd)
                y = rename(_ops.add(y, b), "BiasAdd", start)
            if self.activation is not None:
                y = self.activation(y)
        return y

    def _own_variables(self) -> list:
        return [v for v in (self.depthwise_kernel, self.pointwise_kernel, self.bias)
                if v is not None]


def separable_conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid",
                     data_format="channels_last", dilation_rate=(1, 1), depth_multiplier=1,
                     activation=None, use_bias=True, depthwise_initializer=None,
                     pointwise_initializer=None, bias_initializer=None, trainable=True,
                     name=None, reuse=None, **kw):
    """A depthwise then a 1x1 pointwise convolution, plus bias and activation."""
    refuse_fn_kwargs("separable_conv2d", kw, _SEP_KW)
    layer = SeparableConv(filters, kernel_size, strides, padding, data_format, dilation_rate,
                          depth_multiplier, activation, use_bias, depthwise_initializer,
                          pointwise_initializer, bias_initializer, trainable, name,
                          reuse=reuse, **kw)
    return functional_layer(layer, name)(inputs)


def separable_conv1d(inputs, filters, kernel_size, strides=1, padding="valid",
                     data_format="channels_last", dilation_rate=1, depth_multiplier=1,
                     activation=None, use_bias=True, depthwise_initializer=None,
                     pointwise_initializer=None, bias_initializer=None, trainable=True,
                     name=None, reuse=None, **kw):
    """``separable_conv2d`` on a (batch, width, channels) input."""
    refuse_fn_kwargs("separable_conv1d", kw, _SEP_KW)
    layer = SeparableConv(filters, kernel_size, strides, padding, data_format, dilation_rate,
                          depth_multiplier, activation, use_bias, depthwise_initializer,
                          pointwise_initializer, bias_initializer, trainable, name,
                          rank=1, reuse=reuse, **kw)
    return functional_layer(layer, name)(inputs)
