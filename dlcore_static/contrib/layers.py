"""``tf.contrib.layers``: TensorFlow 1's contrib layer functions, with contrib's argument names,
defaults and variable names.

Each layer opens ``variable_scope(scope, default_name, reuse=reuse)`` and makes its variables
with ``tf.get_variable``, so names, sharing and regularisation follow TF1 exactly:

==========================  ===================  ==========================================
function                    default scope        variables
==========================  ===================  ==========================================
``fully_connected``         ``fully_connected``  ``weights`` [in, out], ``biases`` [out]
``conv2d`` (``convolution2d``)  ``Conv``         ``weights`` [kh, kw, in, out], ``biases``
``batch_norm``              ``BatchNorm``        ``beta``, ``gamma`` (scale=True),
                                                 ``moving_mean``, ``moving_variance``
``layer_norm``              ``LayerNorm``        ``beta``, ``gamma``
``embed_sequence``          ``EmbedSequence``    ``embeddings`` [vocab, dim]
==========================  ===================  ==========================================

Defaults as contrib: ``activation_fn=tf.nn.relu`` for ``fully_connected`` and ``conv2d``,
``weights_initializer=xavier_initializer()``, zero biases (none when a ``normalizer_fn`` is
given), ``padding='SAME'`` for ``conv2d``, ``stride=2, padding='VALID'`` for the pools,
``decay=0.999, scale=False, epsilon=0.001`` and ``updates_collections=UPDATE_OPS`` for
``batch_norm``.  Contrib's ``batch_norm`` is the fused kernel for 2-D and 4-D inputs, so its
moving variance averages the *unbiased* batch variance (``var * n / (n - 1)``), as there; other
ranks average the biased one.  With ``updates_collections=None`` the moving averages are
updated in place (the output depends on them).  Weights go to ``tf.GraphKeys.MODEL_VARIABLES``
as well; ``outputs_collections`` receive each layer's output.  ``batch_norm(renorm=True)`` is
batch renormalisation as TF 1.15's core layer computes it (``dlcore_static/batch_renorm.py``;
variables ``gamma``, ``beta``, the moving statistics and ``renorm_mean``/``_weight``,
``renorm_stddev``/``_weight``).
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.ops.norm_prims import layer_norm as _fused_layer_norm

from .. import dtypes as _dtypes
from .. import initializers as _init
from ..frontend import to_tensor
from ..graph import get_default_graph
from ..variable_scopes import get_variable, variable_scope
from ..variables import GraphKeys
from .framework import add_arg_scope
from ._optimizers import optimize_loss  # noqa: F401 - tf.contrib.layers.optimize_loss


def xavier_initializer(uniform: bool = True, seed=None, dtype=_dtypes.float32):
    """Glorot: U(-l, l), l = sqrt(6 / (fan_in + fan_out)); or a normal with the same variance."""
    if uniform:
        return _init.GlorotUniform(seed, dtype)
    return _init.VarianceScaling(1.0, "fan_avg", "truncated_normal", seed, dtype)


xavier_initializer_conv2d = xavier_initializer


def variance_scaling_initializer(factor=2.0, mode="FAN_IN", uniform=False, seed=None,
                                 dtype=_dtypes.float32):
    """He et al. by default: a truncated normal (or uniform) of variance ``factor / fan``."""
    if mode not in ("FAN_IN", "FAN_OUT", "FAN_AVG"):
        raise TypeError(f"Unknown mode {mode} [FAN_IN, FAN_OUT, FAN_AVG]")
    return _init.VarianceScaling(factor, mode.lower(), "uniform" if uniform else
                                 "truncated_normal", seed, dtype)


def _relu(x):
    return _ops.relu(x)


_DEFAULT = object()


def _scope(scope, default_name: str, reuse):
    if reuse is True and scope is None:
        raise ValueError("reuse=True cannot be used without a name_or_scope")
    return variable_scope(scope, default_name=default_name, reuse=reuse)


def _collect(outputs_collections, t):
    if outputs_collections:
        g = get_default_graph()
        for c in ([outputs_collections] if isinstance(outputs_collections, str)
                  else outputs_collections):
            g.add_to_collection(c, t)
    return t


def _variable(name, shape, dtype, initializer, regularizer, trainable, collections,
              model=True):
    cols = [GraphKeys.GLOBAL_VARIABLES] + ([GraphKeys.MODEL_VARIABLES] if model else [])
    if collections:
        cols += [collections] if isinstance(collections, str) else list(collections)
    return get_variable(name, shape=shape, dtype=dtype, initializer=initializer,
                        regularizer=regularizer, trainable=trainable, collections=cols)


def _var_cols(variables_collections, key):
    if isinstance(variables_collections, dict):
        return variables_collections.get(key)
    return variables_collections


def _finish(outputs, normalizer_fn, normalizer_params, biases_initializer, biases_regularizer,
            activation_fn, n_out, dtype, trainable, variables_collections, data_format="NHWC"):
    if normalizer_fn is not None:
        outputs = normalizer_fn(outputs, **(normalizer_params or {}))
    elif biases_initializer is not None:
        b = _variable("biases", [n_out], dtype, biases_initializer, biases_regularizer,
                      trainable, _var_cols(variables_collections, "biases"))
        from ..nn import bias_add
        outputs = bias_add(outputs, b, data_format=data_format)
    if activation_fn is not None:
        outputs = activation_fn(outputs)
    return outputs


@add_arg_scope
def fully_connected(inputs, num_outputs, activation_fn=_DEFAULT, normalizer_fn=None,
                    normalizer_params=None, weights_initializer=None, weights_regularizer=None,
                    biases_initializer=_DEFAULT, biases_regularizer=None, reuse=None,
                    variables_collections=None, outputs_collections=None, trainable=True,
                    scope=None):
    """``activation_fn(inputs @ weights + biases)`` on the last axis (any rank >= 2)."""
    if not isinstance(num_outputs, (int, np.integer)):
        raise ValueError(f"num_outputs type should be one of (<class 'int'>,), got "
                         f"{type(num_outputs)}.")
    act = _relu if activation_fn is _DEFAULT else activation_fn
    binit = _init.Zeros() if biases_initializer is _DEFAULT else biases_initializer
    with _scope(scope, "fully_connected", reuse):
        x = to_tensor(inputs)
        d_in = x.aval.shape[-1]
        if x.aval.ndim < 2 or d_in is None:
            raise ValueError("The last dimension of the inputs to `Dense` should be defined. "
                             "Found `None`.")
        dt = x.dtype
        w = _variable("weights", [d_in, int(num_outputs)], dt,
                      weights_initializer or xavier_initializer(), weights_regularizer,
                      trainable, _var_cols(variables_collections, "weights"))
        if x.aval.ndim == 2:
            y = _ops.matmul(x, w)
        else:
            from ..array_api import tensordot
            y = tensordot(x, w, [[x.aval.ndim - 1], [0]])
        y = _finish(y, normalizer_fn, normalizer_params, binit, biases_regularizer, act,
                    int(num_outputs), dt, trainable, variables_collections)
    return _collect(outputs_collections, y)


@add_arg_scope
def conv2d(inputs, num_outputs, kernel_size, stride=1, padding="SAME", data_format=None,
           rate=1, activation_fn=_DEFAULT, normalizer_fn=None, normalizer_params=None,
           weights_initializer=None, weights_regularizer=None, biases_initializer=_DEFAULT,
           biases_regularizer=None, reuse=None, variables_collections=None,
           outputs_collections=None, trainable=True, scope=None):
    """A 2-D convolution with contrib's names (``num_outputs``, ``kernel_size``, ``stride``,
    ``rate``); weights HWIO ``[kh, kw, in, num_outputs]``."""
    from ..nn_conv import conv2d as _conv
    fmt = data_format or "NHWC"
    if fmt not in ("NHWC", "NCHW"):
        raise ValueError("data_format has to be either NCHW or NHWC.")
    act = _relu if activation_fn is _DEFAULT else activation_fn
    binit = _init.Zeros() if biases_initializer is _DEFAULT else biases_initializer
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride)
    rh, rw = _pair(rate)
    with _scope(scope, "Conv", reuse):
        x = to_tensor(inputs)
        if x.aval.ndim != 4:
            raise ValueError(f"Convolution expects input with rank 4, got {x.aval.ndim}")
        c_in = x.aval.shape[3 if fmt == "NHWC" else 1]
        if c_in is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found "
                             "`None`.")
        w = _variable("weights", [kh, kw, c_in, int(num_outputs)], x.dtype,
                      weights_initializer or xavier_initializer(), weights_regularizer,
                      trainable, _var_cols(variables_collections, "weights"))
        strides = [1, sh, sw, 1] if fmt == "NHWC" else [1, 1, sh, sw]
        dil = [1, rh, rw, 1] if fmt == "NHWC" else [1, 1, rh, rw]
        y = _conv(x, w, strides, padding.upper(), data_format=fmt, dilations=dil)
        y = _finish(y, normalizer_fn, normalizer_params, binit, biases_regularizer, act,
                    int(num_outputs), x.dtype, trainable, variables_collections, fmt)
    return _collect(outputs_collections, y)


convolution2d = conv2d


@add_arg_scope
def conv2d_transpose(inputs, num_outputs, kernel_size, stride=1, padding="SAME",
                     data_format="NHWC", activation_fn=_DEFAULT, normalizer_fn=None,
                     normalizer_params=None, weights_initializer=None, weights_regularizer=None,
                     biases_initializer=_DEFAULT, biases_regularizer=None, reuse=None,
                     variables_collections=None, outputs_collections=None, trainable=True,
                     scope=None):
    """The transpose of ``conv2d`` (a "deconvolution"): weights ``[kh, kw, num_outputs, in]``,
    output size ``in * stride`` ('SAME') or ``in * stride + max(k - stride, 0)`` ('VALID')."""
    from ..nn_conv import conv2d_transpose as _convt
    if data_format not in ("NHWC", "NCHW"):
        raise ValueError("data_format has to be either NCHW or NHWC.")
    act = _relu if activation_fn is _DEFAULT else activation_fn
    binit = _init.Zeros() if biases_initializer is _DEFAULT else biases_initializer
    ks, st = _pair(kernel_size), _pair(stride)
    pad = padding.upper()
    nhwc = data_format == "NHWC"
    with _scope(scope, "Conv2d_transpose", reuse):
        x = to_tensor(inputs)
        if x.aval.ndim != 4:
            raise ValueError(f"Inputs should have rank 4. Received input shape: {x.shape}")
        c_in = x.aval.shape[3 if nhwc else 1]
        sp = x.aval.shape[1:3] if nhwc else x.aval.shape[2:4]
        if c_in is None or None in sp:
            raise ValueError("The channel and spatial dimensions of the inputs to "
                             "`Conv2DTranspose` should be defined. Found `None`.")
        w = _variable("weights", [ks[0], ks[1], int(num_outputs), c_in], x.dtype,
                      weights_initializer or xavier_initializer(), weights_regularizer,
                      trainable, _var_cols(variables_collections, "weights"))
        out = [i * s if pad == "SAME" else i * s + max(k - s, 0)
               for i, k, s in zip(sp, ks, st)]
        n = 1 if x.aval.shape[0] is None else x.aval.shape[0]
        shape = [n] + out + [int(num_outputs)] if nhwc else [n, int(num_outputs)] + out
        strides = [1, st[0], st[1], 1] if nhwc else [1, 1, st[0], st[1]]
        y = _convt(x, w, shape, strides, pad, data_format=data_format)
        y = _finish(y, normalizer_fn, normalizer_params, binit, biases_regularizer, act,
                    int(num_outputs), x.dtype, trainable, variables_collections, data_format)
    return _collect(outputs_collections, y)


convolution2d_transpose = conv2d_transpose


def _pair(v) -> tuple:
    if isinstance(v, (int, np.integer)):
        return int(v), int(v)
    v = tuple(int(a) for a in v)
    if len(v) != 2:
        raise ValueError(f"expected an int or a pair of ints, got {v}")
    return v


def _pool2d(kind, inputs, kernel_size, stride, padding, data_format, outputs_collections,
            scope):
    from ..nn_conv import avg_pool, max_pool
    if data_format not in ("NHWC", "NCHW"):
        raise ValueError("data_format has to be either NCHW or NHWC.")
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride)
    nhwc = data_format == "NHWC"
    ks = [1, kh, kw, 1] if nhwc else [1, 1, kh, kw]
    st = [1, sh, sw, 1] if nhwc else [1, 1, sh, sw]
    g = get_default_graph()
    with g.name_scope(scope or ("MaxPool2D" if kind == "max" else "AvgPool2D")):
        fn = max_pool if kind == "max" else avg_pool
        y = fn(inputs, ks, st, padding.upper(), data_format=data_format)
    return _collect(outputs_collections, y)


@add_arg_scope
def max_pool2d(inputs, kernel_size, stride=2, padding="VALID", data_format="NHWC",
               outputs_collections=None, scope=None):
    return _pool2d("max", inputs, kernel_size, stride, padding, data_format,
                   outputs_collections, scope)


@add_arg_scope
def avg_pool2d(inputs, kernel_size, stride=2, padding="VALID", data_format="NHWC",
               outputs_collections=None, scope=None):
    return _pool2d("avg", inputs, kernel_size, stride, padding, data_format,
                   outputs_collections, scope)


def _param_init(param_initializers, key, default):
    if param_initializers and key in param_initializers:
        return param_initializers[key]
    return default


@add_arg_scope
def batch_norm(inputs, decay=0.999, center=True, scale=False, epsilon=0.001, activation_fn=None,
               param_initializers=None, param_regularizers=None,
               updates_collections=GraphKeys.UPDATE_OPS, is_training=True, reuse=None,
               variables_collections=None, outputs_collections=None, trainable=True,
               batch_weights=None, fused=None, data_format="NHWC",
               zero_debias_moving_mean=False, scope=None, renorm=False, renorm_clipping=None,
               renorm_decay=0.99, adjustment=None):
    """Contrib's batch normalisation over every axis but the channels; see the module
    docstring for which variance the moving average takes and how updates are collected."""
    from ..layers_conv import batch_norm_graph
    if renorm and (batch_weights is not None or zero_debias_moving_mean
                   or updates_collections != GraphKeys.UPDATE_OPS):
        raise ValueError("renorm is not supported with batch_weights, updates_collections or "
                         "zero_debias_moving_mean")
    if batch_weights is not None or adjustment is not None or zero_debias_moving_mean:
        raise NotImplementedError("tf.contrib.layers.batch_norm: batch_weights, adjustment "
                                  "and zero_debias_moving_mean are not supported")
    if data_format not in ("NHWC", "NCHW"):
        raise ValueError("data_format has to be either NCHW or NHWC.")
    regs = param_regularizers or {}
    if renorm:
        return _renorm_batch_norm(inputs, decay, center, scale, epsilon, activation_fn,
                                  param_initializers, regs, is_training, reuse,
                                  variables_collections, outputs_collections, trainable,
                                  data_format, scope, renorm_clipping, renorm_decay)
    with _scope(scope, "BatchNorm", reuse):
        x = to_tensor(inputs)
        nd = x.aval.ndim
        if nd is None or nd < 2:
            raise ValueError(f"Inputs {x.name} has undefined rank.")
        axis = 1 if data_format == "NCHW" and nd == 4 else nd - 1
        c = x.aval.shape[axis]
        if c is None:
            raise ValueError(f"Inputs {x.name} has undefined last dimension {x.shape}.")
        dt = x.dtype

        def var(name, init, trainable_=True, model_key=None):
            return _variable(name, [c], dt, _param_init(param_initializers, name, init),
                             regs.get(name), trainable and trainable_,
                             _var_cols(variables_collections, model_key or name))
        beta = var("beta", _init.Zeros()) if center else None
        gamma = var("gamma", _init.Ones()) if scale else None
        mm = var("moving_mean", _init.Zeros(), False)
        mv = var("moving_variance", _init.Ones(), False)
        for v in (mm, mv):
            get_default_graph().add_to_collection("moving_average_variables", v)
        fused_path = fused is not False and nd in (2, 4)
        y, updates = batch_norm_graph(x, gamma, beta, mm, mv, axis, decay, epsilon,
                                      is_training, fused=fused_path)
        if updates:
            if updates_collections is None:
                from ..array_ops import identity
                from ..graph import control_dependencies
                with control_dependencies(updates):
                    y = identity(y)
            else:
                g = get_default_graph()
                cols = [updates_collections] if isinstance(updates_collections, str) \
                    else list(updates_collections)
                for u in updates:
                    for col in cols:
                        g.add_to_collection(col, u)
        if activation_fn is not None:
            y = activation_fn(y)
    return _collect(outputs_collections, y)


def _renorm_batch_norm(inputs, decay, center, scale, epsilon, activation_fn, param_initializers,
                       regs, is_training, reuse, variables_collections, outputs_collections,
                       trainable, data_format, scope, renorm_clipping, renorm_decay):
    """``batch_norm(renorm=True)``: TF 1.15 builds it with the core BatchNormalization layer
    (never fused), so the variables are made in its order (``gamma``, ``beta``, the moving
    statistics, then ``renorm_mean``, ``renorm_mean_weight``, ``renorm_stddev``,
    ``renorm_stddev_weight``, all but gamma/beta not trainable), the channel axis is 1 for
    NCHW and the last one otherwise, and the maths is :mod:`dlcore_static.batch_renorm`'s."""
    from ..batch_renorm import check_clipping, renorm_graph
    clipping = check_clipping(renorm_clipping)
    with _scope(scope, "BatchNorm", reuse):
        x = to_tensor(inputs)
        nd = x.aval.ndim
        if nd is None or nd < 2:
            raise ValueError(f"Inputs {x.name} has undefined rank.")
        axis = 1 if data_format == "NCHW" else nd - 1
        c = x.aval.shape[axis]
        if c is None:
            raise ValueError(f"Inputs {x.name} has undefined last dimension {x.shape}.")
        dt = x.dtype

        def var(name, init, trainable_=True, shape=(c,), key=None):
            return _variable(name, list(shape), dt, _param_init(param_initializers, name, init),
                             regs.get(name), trainable and trainable_,
                             _var_cols(variables_collections, key) if key else None,
                             model=False)
        gamma = var("gamma", _init.Ones(), key="gamma") if scale else None
        beta = var("beta", _init.Zeros(), key="beta") if center else None
        mm = var("moving_mean", _init.Zeros(), False, key="moving_mean")
        mv = var("moving_variance", _init.Ones(), False, key="moving_variance")
        rvars = (var("renorm_mean", _init.Zeros(), False),
                 var("renorm_mean_weight", _init.Zeros(), False, ()),
                 var("renorm_stddev", _init.Zeros(), False),
                 var("renorm_stddev_weight", _init.Zeros(), False, ()))
        y, updates = renorm_graph(x, gamma, beta, mm, mv, rvars, axis, decay, epsilon,
                                  is_training, clipping, renorm_decay)
        g = get_default_graph()
        for u in updates:
            g.add_to_collection(GraphKeys.UPDATE_OPS, u)
        if activation_fn is not None:
            y = activation_fn(y)
    return _collect(outputs_collections, y)


@add_arg_scope
def layer_norm(inputs, center=True, scale=True, activation_fn=None, reuse=None,
               variables_collections=None, outputs_collections=None, trainable=True,
               begin_norm_axis=1, begin_params_axis=-1, scope=None):
    """``(x - mean) / sqrt(var + 1e-12) * gamma + beta``, statistics over the axes from
    ``begin_norm_axis``, parameters shaped like the axes from ``begin_params_axis``."""
    with _scope(scope, "LayerNorm", reuse):
        x = to_tensor(inputs)
        nd = x.aval.ndim
        if nd == 0:
            raise ValueError(f"Inputs {x.name} has undefined rank.")
        bpa = begin_params_axis % nd
        bna = begin_norm_axis % nd
        pshape = list(x.aval.shape[bpa:])
        if any(d is None for d in pshape):
            raise ValueError(f"Inputs {x.name}: rank {nd} has undefined dimensions "
                             f"{pshape} at begin_params_axis {begin_params_axis}")
        dt = x.dtype
        beta = _variable("beta", pshape, dt, _init.Zeros(), None, trainable,
                         _var_cols(variables_collections, "beta")) if center else None
        gamma = _variable("gamma", pshape, dt, _init.Ones(), None, trainable,
                          _var_cols(variables_collections, "gamma")) if scale else None
        if bpa == bna and x.aval.dtype.kind == "f":   # the fused primitive (norm_prims.py)
            y = _fused_layer_norm(x, gamma, beta, nd - bna, 1e-12)
        else:                                     # parameters over other axes: the affine after
            y = _fused_or_moments(x, bna, nd)
            if gamma is not None:
                y = _ops.mul(y, gamma)
            if beta is not None:
                y = _ops.add(y, beta)
        if activation_fn is not None:
            y = activation_fn(y)
    return _collect(outputs_collections, y)


def _fused_or_moments(x, bna, nd):
    """``(x - mean) / sqrt(var + 1e-12)`` over the axes from ``bna``."""
    if x.aval.dtype.kind == "f":
        return _fused_layer_norm(x, None, None, nd - bna, 1e-12)
    mean, var = _ops.moments(x, tuple(range(bna, nd)), keepdims=True)
    return _ops.mul(_ops.sub(x, mean), _ops.rsqrt(_ops.add(var, 1e-12)))


@add_arg_scope
def dropout(inputs, keep_prob=0.5, noise_shape=None, is_training=True,
            outputs_collections=None, scope=None, seed=None):
    """Keep each value with probability ``keep_prob`` (scaled by 1/keep_prob) while training;
    the identity when ``is_training`` is False."""
    from ..layers import dropout as _dropout
    g = get_default_graph()
    with g.name_scope(scope or "Dropout"):
        y = _dropout(inputs, rate=1.0 - keep_prob, noise_shape=noise_shape, seed=seed,
                     training=is_training)
    return _collect(outputs_collections, y)


@add_arg_scope
def flatten(inputs, outputs_collections=None, scope=None):
    """``tf.contrib.layers.flatten``: (batch, everything else)."""
    from ..layers import flatten as _flatten
    g = get_default_graph()
    with g.name_scope(scope or "Flatten"):
        y = _flatten(inputs)
    return _collect(outputs_collections, y)


@add_arg_scope
def one_hot_encoding(labels, num_classes, on_value=1.0, off_value=0.0, outputs_collections=None,
                     scope=None):
    """``tf.one_hot`` of integer labels (float32 by default)."""
    from ..sequence_ops import one_hot
    g = get_default_graph()
    with g.name_scope(scope or "OneHotEncoding"):
        y = one_hot(labels, num_classes)
        if (on_value, off_value) != (1.0, 0.0):
            y = _ops.add(_ops.mul(y, float(on_value) - float(off_value)), float(off_value))
    return _collect(outputs_collections, y)


@add_arg_scope
def embed_sequence(ids, vocab_size=None, embed_dim=None, unique=False, initializer=None,
                   regularizer=None, trainable=True, scope=None, reuse=None):
    """Rows of ``EmbedSequence/embeddings`` ([vocab_size, embed_dim]) for ``ids`` [batch, T]."""
    if not (reuse or (vocab_size and embed_dim)):
        raise ValueError("Must specify vocab size and embedding dimension when not reusing. "
                         f"Got vocab_size={vocab_size} and embed_dim={embed_dim}")
    from ..sequence_ops import embedding_lookup
    with _scope(scope, "EmbedSequence", reuse):
        shape = [vocab_size, embed_dim] if vocab_size and embed_dim else None
        emb = _variable("embeddings", shape, None, initializer, regularizer, trainable, None)
        return embedding_lookup(emb, ids)


def _layer_name(layer) -> str:
    if hasattr(layer, "__name__"):
        return layer.__name__
    if hasattr(layer, "func") and hasattr(layer.func, "__name__"):
        return layer.func.__name__                 # a functools.partial
    return "repeat"


def repeat(inputs, repetitions, layer, *args, **kwargs):
    """``layer`` applied ``repetitions`` times, scopes ``<scope>/<scope>_1``, ``_2``, ..."""
    scope = kwargs.pop("scope", None)
    with variable_scope(scope, default_name="Repeat"):
        outputs = to_tensor(inputs)
        base = scope if scope is not None else _layer_name(layer)
        for i in range(repetitions):
            kwargs["scope"] = f"{base}_{i + 1}"
            outputs = layer(outputs, *args, **kwargs)
    return outputs


def stack(inputs, layer, stack_args, **kwargs):
    """``layer`` applied once per entry of ``stack_args`` (its positional arguments), scopes
    ``<scope>/<scope>_1``, ``_2``, ..."""
    scope = kwargs.pop("scope", None)
    if not isinstance(stack_args, (list, tuple)):
        raise ValueError("stack_args need to be a list or tuple")
    with variable_scope(scope, default_name="Stack"):
        outputs = to_tensor(inputs)
        base = scope if scope is not None else _layer_name(layer)
        for i, layer_args in enumerate(stack_args):
            kwargs["scope"] = f"{base}_{i + 1}"
            if not isinstance(layer_args, (list, tuple)):
                layer_args = [layer_args]
            outputs = layer(outputs, *layer_args, **kwargs)
    return outputs


def sum_regularizer(regularizer_list, scope=None):
    """A regularizer returning the sum of the given ones (None entries dropped; None if empty)."""
    regs = [r for r in regularizer_list if r is not None]
    if not regs:
        return None

    def sum_reg(weights):
        from ..math_ops import add_n
        with get_default_graph().name_scope(scope or "sum_regularizer") as name:
            parts = [t for t in (r(weights) for r in regs) if t is not None]
            return add_n(parts, name=name.rstrip("/")) if parts else None
    return sum_reg


def l1_l2_regularizer(scale_l1=1.0, scale_l2=1.0, scope=None):
    """``scale_l1 * sum|w| + scale_l2 * sum(w^2) / 2``."""
    from ..tf_extra import l1_regularizer, l2_regularizer
    for name, v in (("scale_l1", scale_l1), ("scale_l2", scale_l2)):
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            raise ValueError(f"{name} cannot be an integer: {v}")
    scope = scope or "l1_l2_regularizer"
    if scale_l1 == 0.0:
        return l2_regularizer(scale_l2, scope)
    if scale_l2 == 0.0:
        return l1_regularizer(scale_l1, scope)
    return sum_regularizer([l1_regularizer(scale_l1), l2_regularizer(scale_l2)], scope=scope)


@add_arg_scope
def bias_add(inputs, activation_fn=None, initializer=None, regularizer=None, reuse=None,
             variables_collections=None, outputs_collections=None, trainable=True,
             data_format="NHWC", scope=None):
    """``activation_fn(inputs + biases)`` with the variable ``BiasAdd/biases`` (zeros)."""
    from ..nn import bias_add as _bias_add
    if data_format not in ("NHWC", "NCHW"):
        raise ValueError("data_format has to be either NCHW or NHWC.")
    with _scope(scope, "BiasAdd", reuse):
        x = to_tensor(inputs)
        axis = 1 if data_format == "NCHW" and x.aval.ndim > 2 else x.aval.ndim - 1
        c = x.aval.shape[axis]
        if c is None:
            raise ValueError("Dims of shape must be known but is None")
        b = _variable("biases", [c], x.dtype, initializer or _init.Zeros(), regularizer,
                      trainable, _var_cols(variables_collections, "biases"))
        y = _bias_add(x, b, data_format=data_format if x.aval.ndim > 2 else None)
        if activation_fn is not None:
            y = activation_fn(y)
    return _collect(outputs_collections, y)


def softmax(logits, scope=None):
    """Softmax over the last axis (``tf.contrib.layers.softmax``)."""
    with get_default_graph().name_scope(scope or "softmax"):
        return _ops.softmax(to_tensor(logits), -1)


@add_arg_scope
def unit_norm(inputs, dim, epsilon=1e-7, scope=None):
    """``inputs / sqrt(epsilon + sum(inputs^2, dim))``."""
    with get_default_graph().name_scope(scope or "UnitNorm"):
        x = to_tensor(inputs)
        if x.aval.ndim is None or not -x.aval.ndim <= dim < x.aval.ndim:
            raise ValueError("dim must be in the range [0, rank)")
        lengths = _ops.sqrt(_ops.add(_ops.sum(_ops.mul(x, x), (dim % x.aval.ndim,),
                                              keepdims=True), float(epsilon)))
        return _ops.div(x, lengths)
