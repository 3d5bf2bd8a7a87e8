"""``tf.layers`` for images: ``conv1d``, ``conv2d``, ``conv2d_transpose``, ``max_pooling1d/2d``,
``average_pooling1d/2d`` and ``batch_normalization`` (with the layer classes behind them; the
3-D and separable layers are in :mod:`.layers_conv3d`, on the same ``Conv`` class).

As ``tf.layers.dense``: variables ``<name>/kernel`` (glorot_uniform, laid out HWIO) and
``<name>/bias`` (zeros) are made on the first call under a unique name scope.  Batch
normalisation makes ``gamma``, ``beta`` (trainable) and ``moving_mean``, ``moving_variance``
(not trainable); with ``training`` true (a bool or a boolean tensor) it normalises with the
batch's moments and adds the moving-average updates ``v <- v - (v - batch) * (1 -
momentum)`` to the ``UPDATE_OPS`` collection, which the user runs with the train op, as in TF1
(``with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)): ...``).  As TF1's
layer, a 4-D input (channels on axis 1 or 3) goes through the fused kernel, whose batch variance
for the moving average is the unbiased one (``n / (n - 1)``, n values per channel); other ranks
average the biased variance.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.ops import batch_norm_prims as _bn

from . import initializers as _init
from . import nn_conv as _nn
from . import nn_conv3d as _nn3
from .frontend import rename, to_tensor
from .graph import get_default_graph
from ._layer_kwargs import refuse_fn_kwargs, refuse_kwargs
from .layer_scope import (LayerWeights, functional_layer, layer_scope, take_regularizers,
                          unique_scope)
from .variable_scopes import get_variable
from .variables import GraphKeys


def _fmt(data_format) -> str:
    return "NHWC" if data_format in (None, "channels_last") else "NCHW"


def _pair(v, n):
    return (int(v),) * n if isinstance(v, int) else tuple(int(a) for a in v)


class Conv(LayerWeights):
    """``activation(conv(x, kernel) + bias)``; variables made on the first call."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer=None, bias_initializer=None, trainable=True, name=None,
                 rank=2, transpose=False, **_ignored):
        take_regularizers(self, _ignored, f"conv{rank}d")
        self.filters, self.rank, self.transpose = int(filters), rank, transpose
        self.kernel_size = _pair(kernel_size, rank)
        self.strides, self.dilation_rate = _pair(strides, rank), _pair(dilation_rate, rank)
        self.padding, self.data_format = padding.upper(), _fmt(data_format)
        self.activation, self.use_bias = activation, use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.trainable, self.name = trainable, name
        self.reuse = _ignored.pop("reuse", None)
        refuse_kwargs(_ignored, f"conv{rank}d")
        self.kernel = self.bias = None

    def __call__(self, inputs):
        g = get_default_graph()
        x = to_tensor(inputs, g)
        cl = self.data_format == "NHWC"
        c = x.aval.shape[-1] if cl else x.aval.shape[1]
        if c is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found "
                             "`None`.")
        default = f"conv{self.rank}d_transpose" if self.transpose else f"conv{self.rank}d"
        shape = self.kernel_size + ((self.filters, c) if self.transpose else (c, self.filters))
        with layer_scope(self, default, shape, self.filters, x.dtype):
            y = self._conv(x, cl)
            if self.bias is not None:
                b = self.bias if cl else _ops.reshape(self.bias, (-1,) + (1,) * self.rank)
                first = len(g._ops)       # (TF1: nn.bias_add's BiasAdd, conv2d/BiasAdd)
                y = rename(_ops.add(y, b), "BiasAdd", first)
            if self.activation is not None:
                y = self.activation(y)
        return y

    def _conv(self, x, cl):
        fmt = ("NWC" if cl else "NCW") if self.rank == 1 else self.data_format
        if self.rank == 1:
            return _nn.conv1d(x, self.kernel, self.strides, self.padding, data_format=fmt,
                              dilations=self.dilation_rate)
        if self.rank == 3:
            fmt = "NDHWC" if cl else "NCDHW"
        if self.transpose:
            sp = x.aval.shape[1:1 + self.rank] if cl else x.aval.shape[2:]
            out = []
            for i, k, s in zip(sp, self.kernel_size, self.strides):
                out.append(i * s if self.padding == "SAME" else i * s + max(k - s, 0))
            n = x.aval.shape[0]
            shape = [n] + out + [self.filters] if cl else [n, self.filters] + out
            full = [1 if d is None else d for d in shape]
            if self.rank == 3:
                return _nn3.conv3d_transpose(x, self.kernel, full, self.strides, self.padding,
                                            data_format=fmt)
            return _nn.conv2d_transpose(x, self.kernel, full, self.strides, self.padding,
                                        data_format=fmt)
        if self.rank == 3:
            return _nn3.conv3d(x, self.kernel, self.strides, self.padding, data_format=fmt,
                              dilations=self.dilation_rate)
        return _nn.conv2d(x, self.kernel, self.strides, self.padding, data_format=fmt,
                          dilations=self.dilation_rate)


def conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid",
           data_format="channels_last", dilation_rate=(1, 1), activation=None, use_bias=True,
           kernel_initializer=None, bias_initializer=None, trainable=True, name=None,
           reuse=None, **kw):
    refuse_fn_kwargs("conv2d", kw)
    layer = Conv(filters, kernel_size, strides, padding, data_format, dilation_rate, activation,
                 use_bias, kernel_initializer, bias_initializer, trainable, name,
                 reuse=reuse, **kw)
    return functional_layer(layer, name)(inputs)


def conv1d(inputs, filters, kernel_size, strides=1, padding="valid",
           data_format="channels_last", dilation_rate=1, activation=None, use_bias=True,
           kernel_initializer=None, bias_initializer=None, trainable=True, name=None,
           reuse=None, **kw):
    refuse_fn_kwargs("conv1d", kw)
    layer = Conv(filters, kernel_size, strides, padding, data_format, dilation_rate, activation,
                 use_bias, kernel_initializer, bias_initializer, trainable, name, rank=1,
                 reuse=reuse, **kw)
    return functional_layer(layer, name)(inputs)


def conv2d_transpose(inputs, filters, kernel_size, strides=(1, 1), padding="valid",
                     data_format="channels_last", activation=None, use_bias=True,
                     kernel_initializer=None, bias_initializer=None, trainable=True, name=None,
                     reuse=None, **kw):
    refuse_fn_kwargs("conv2d_transpose", kw)
    layer = Conv(filters, kernel_size, strides, padding, data_format, 1, activation, use_bias,
                 kernel_initializer, bias_initializer, trainable, name, transpose=True,
                 reuse=reuse, **kw)
    return functional_layer(layer, name)(inputs)


def _pool(kind, inputs, pool_size, strides, padding, data_format, name, rank):
    k, s = _pair(pool_size, rank), _pair(strides, rank)
    cl = _fmt(data_format) == "NHWC"
    fmt = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW"), 3: ("NDHWC", "NCDHW")}[rank][0 if cl else 1]
    fn = _nn.max_pool if kind == "max" else _nn.avg_pool
    # TF1's layer: a scope of the layer's name, its op inside (max_pooling2d/MaxPool)
    with get_default_graph().name_scope(name or f"{kind}_pooling{rank}d"):
        return fn(inputs, k, s, padding.upper(), data_format=fmt)


def max_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                  name=None):
    return _pool("max", inputs, pool_size, strides, padding, data_format, name, 2)


def average_pooling2d(inputs, pool_size, strides, padding="valid",
                      data_format="channels_last", name=None):
    return _pool("avg", inputs, pool_size, strides, padding, data_format, name, 2)


def max_pooling1d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                  name=None):
    return _pool("max", inputs, pool_size, strides, padding, data_format, name, 1)


def average_pooling1d(inputs, pool_size, strides, padding="valid",
                      data_format="channels_last", name=None):
    return _pool("avg", inputs, pool_size, strides, padding, data_format, name, 1)


def _sample_count(x, axes):
    """How many values each statistic averages: an int when the shape says, else a 0-d
    tensor of x's dtype (the product of the run-time sizes)."""
    n, dyn = 1, None
    for a in axes:
        d = _ops.dim_size(x, a)
        if isinstance(d, int):
            n *= d
        else:
            dyn = d if dyn is None else _ops.mul(dyn, d)
    if dyn is None:
        return n
    return _ops.cast(_ops.mul(dyn, n), x.aval.dtype)


def _bessel(var, n, dtype, keras_eps=None):
    """var * n / max(n - 1, 1) (TF's fused kernel) or, with ``keras_eps``, Keras 2.2.4's
    var * n / (n - (1 + epsilon)); both in the variable's precision."""
    if isinstance(n, int):
        f = np.dtype(dtype).type
        if keras_eps is None:
            return _ops.mul(var, float(f(n) / f(max(n - 1, 1))))
        return _ops.mul(var, float(f(n) / (f(n) - f(1.0 + keras_eps))))
    if keras_eps is None:
        return _ops.mul(var, _ops.div(n, _ops.maximum(_ops.sub(n, 1.0), 1.0)))
    return _ops.mul(var, _ops.div(n, _ops.sub(n, 1.0 + keras_eps)))


def _ema(moving, value, momentum, t, debias):
    """[assign ops]: ``moving -= (moving - value) * (1 - momentum)`` or, with ``debias``
    (``(biased, local_step)`` variables, zeros), TF's ``assign_moving_average(zero_debias=True)``:
    ``biased -= (biased - value) * (1 - momentum)``, ``local_step += 1``, ``moving = biased /
    (1 - momentum ** local_step)`` (the initial value of ``moving`` no longer counts).  ``t``:
    None (always) or a boolean tensor gating every assignment."""
    f = np.dtype(moving.aval.dtype).type
    decay = float(f(1.0 - momentum))
    value = _ops.stop_gradient(value)

    def gate(new, old):
        return new if t is None else _ops.where(t, new, old)

    # each update's own read (TF1's assign_sub: a layer applied twice and both updates run:
    # both apply)
    m = moving._update_read()
    if debias is None:
        return [moving.assign(gate(_ops.sub(m, _ops.mul(_ops.sub(m, value), decay)), m))]
    biased, step = debias
    b, s = biased._update_read(), step._update_read()
    new_b = gate(_ops.sub(b, _ops.mul(_ops.sub(b, value), decay)), b)
    new_s = gate(_ops.add(s, 1.0), s)
    keep = float(f(1.0) - f(decay))
    denom = _ops.sub(1.0, _ops.pow(keep, _ops.maximum(new_s, 1.0)))
    new_m = _ops.sub(m, _ops.sub(m, _ops.div(new_b, denom)))
    return [biased.assign(new_b), step.assign(new_s), moving.assign(gate(new_m, m))]


def batch_norm_graph(x, gamma, beta, moving_mean, moving_var, axis, momentum, epsilon,
                     training, fused=False, keras_epsilon=None, debias=None, prims=False):
    """(output, [update ops]): the shared body of tf.layers and Keras batch normalisation.

    The output is normalised with the batch's biased variance in training, the moving
    statistics otherwise.  What the moving variance averages differs by front end:

    - ``fused`` (TF1's ``tf.nn.fused_batch_norm``, used by ``tf.layers.batch_normalization``
      for 4-D inputs with channels on axis 1 or 3 and by Keras 2.2.4's TensorFlow backend for
      4-D channels-last inputs): the kernel's batch variance is the unbiased one, ``var * n /
      max(n - 1, 1)`` (n values per channel), and epsilon is at least 1.001e-5;
    - ``keras_epsilon`` (Keras 2.2.4's ``BatchNormalization.call``): the layer multiplies that
      variance by ``n / (n - (1 + epsilon))`` again;
    - ``debias``: ``((biased_mean, step_mean), (biased_var, step_var))``, Keras 2.2.4's
      TensorFlow backend's zero-debiased moving averages (see :func:`_ema`).

    With ``prims`` (``tf.layers.batch_normalization``'s fused form) the training-mode batch
    statistics and output are the core's fused batch-norm primitives (channels on axis 1 or the
    last axis, a float input; a training tensor selects them with ``where``); otherwise
    (Keras layers, ``fused=False``) the composite of moments and arithmetic, which the graph
    passes fuse.  (Keras' layers could take the primitives too: their values differ only in
    rounding, but a Keras early-stopping program's trajectory moved, so they were left as
    they were.)
    """
    nd = x.aval.ndim
    axis %= nd
    axes = tuple(i for i in range(nd) if i != axis)
    shape = tuple(-1 if i == axis else 1 for i in range(nd))
    eps = max(epsilon, 1.001e-5) if fused else epsilon

    def norm(m, v):
        return _ops.batch_norm(x, _ops.reshape(m, shape), _ops.reshape(v, shape),
                               None if gamma is None else _ops.reshape(gamma, shape),
                               None if beta is None else _ops.reshape(beta, shape), eps,
                               axis)
    if training is False or training == 0:
        return norm(moving_mean, moving_var), []
    y = None
    if prims and nd >= 2 and axis in (1, nd - 1) and x.aval.dtype.kind == "f":
        # the core's fused primitives (issue 19: the composite of moments and arithmetic took
        # ~15 of a 33 ms ResNet step in memory-bound loops): the statistics in one pass, the
        # output in one, their gradients in two (the statistics feed only the moving averages)
        last = axis == nd - 1 and nd > 2
        st = _bn.batch_norm_stats(x, last)
        y = _bn.batch_norm_train(x, st, gamma, beta, eps, last)
        mean, var = _ops.getitem(st, 0), _ops.getitem(st, 1)
    else:
        mean, var = _ops.moments(x, axes)
    upd_var = var
    if fused or keras_epsilon is not None:
        n = _sample_count(x, axes)
        if fused:
            upd_var = _bessel(upd_var, n, x.aval.dtype)
        if keras_epsilon is not None:
            upd_var = _bessel(upd_var, n, x.aval.dtype, keras_epsilon)
    dm, dv = debias if debias is not None else (None, None)
    if training is True or training == 1:
        return (norm(mean, var) if y is None else y), \
            (_ema(moving_mean, mean, momentum, None, dm)
             + _ema(moving_var, upd_var, momentum, None, dv))
    t = to_tensor(training)
    out = _ops.where(t, norm(mean, var) if y is None else y, norm(moving_mean, moving_var))
    return out, _ema(moving_mean, mean, momentum, t, dm) + _ema(moving_var, upd_var, momentum,
                                                                t, dv)


def batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                        beta_initializer=None, gamma_initializer=None,
                        moving_mean_initializer=None, moving_variance_initializer=None,
                        training=False, trainable=True, name=None, reuse=None, fused=None,
                        **_ignored):
    """TF1's layer: ``fused`` (None: where it can) means TF's fused kernel for a 4-D input with
    channels on axis 1 or 3, whose moving variance averages the unbiased batch variance (see
    :func:`batch_norm_graph`); other inputs, or ``fused=False``, average the biased one.
    ``renorm=True`` (with ``renorm_clipping``, ``renorm_momentum=0.99``) is batch
    renormalisation (``batch_renorm.py``), never fused."""
    renorm = bool(_ignored.pop("renorm", False))
    renorm_clipping = _ignored.pop("renorm_clipping", None)
    renorm_momentum = _ignored.pop("renorm_momentum", 0.99)
    for k in ("virtual_batch_size", "adjustment", "beta_regularizer",
              "gamma_regularizer", "beta_constraint", "gamma_constraint"):
        if _ignored.get(k) not in (None, False):     # would change the numbers: refuse
            raise NotImplementedError(f"batch_normalization: {k}={_ignored[k]!r} is not "
                                      f"supported")
    if renorm:
        from .batch_renorm import check_clipping
        renorm_clipping = check_clipping(renorm_clipping)
    g = get_default_graph()
    x = to_tensor(inputs, g)
    from .unknown_rank_ops import refuse
    refuse("batch_normalization", x, " (TF1: Input has undefined rank)")
    use_fused = fused is not False and x.aval.ndim == 4 and axis in (-3, -1, 1, 3) and \
        not renorm
    c = x.aval.shape[axis]
    if c is None:
        raise ValueError(f"batch_normalization: axis {axis} of the input has no defined size")
    # TF1's tf.layers: the variables come from get_variable in variable_scope(name,
    # default_name="batch_normalization"), so a network rebuilt in a reusing scope (a GAN's
    # discriminator applied to real and fake images) shares gamma, beta and the moving stats
    with unique_scope(name, "batch_normalization", reuse, given=True):
        def var(nm, init, default, train, shape=(c,)):
            return get_variable(nm, shape, dtype=x.dtype, initializer=_init.get(init) or default,
                                trainable=train and trainable)
        gamma = var("gamma", gamma_initializer, _init.Ones(), True) if scale else None
        beta = var("beta", beta_initializer, _init.Zeros(), True) if center else None
        mm = var("moving_mean", moving_mean_initializer, _init.Zeros(), False)
        mv = var("moving_variance", moving_variance_initializer, _init.Ones(), False)
        if renorm:
            from .batch_renorm import renorm_graph
            rvars = (var("renorm_mean", None, _init.Zeros(), False),
                     var("renorm_mean_weight", None, _init.Zeros(), False, ()),
                     var("renorm_stddev", None, _init.Zeros(), False),
                     var("renorm_stddev_weight", None, _init.Zeros(), False, ()))
            y, updates = renorm_graph(x, gamma, beta, mm, mv, rvars, axis, momentum, epsilon,
                                      training, renorm_clipping, renorm_momentum)
        else:
            y, updates = batch_norm_graph(x, gamma, beta, mm, mv, axis, momentum, epsilon,
                                          training, fused=use_fused, prims=use_fused)
        for u in updates:
            g.add_to_collection(GraphKeys.UPDATE_OPS, u)
    return y
