"""``keras.ops`` neural-network ops (Keras 3's ``keras.ops.nn``): activations, losses,
normalizations, pooling, convolution variants and attention, on graph tensors and NumPy values,
with Keras 3's signatures, defaults (``gelu(approximate=True)``, ``leaky_relu`` slope 0.2,
``epsilon`` 1e-7 unless given) and formulas (the NumPy backend's, which tests compare with)."""

from __future__ import annotations

import numbers

import numpy as np

from .ops_base import FLOATX, check, dname, rank, result_type, t, tf, to_float
from .ops_linalg import norm
from .ops_shape import moveaxis, repeat

__all__ = ["softplus", "softsign", "silu", "swish", "gelu", "elu", "selu", "leaky_relu",
           "relu6", "hard_sigmoid", "hard_silu", "hard_swish", "log_sigmoid", "celu", "glu",
           "hard_tanh", "hard_shrink", "soft_shrink", "tanh_shrink", "threshold", "squareplus",
           "sparse_plus", "sparse_sigmoid", "sparsemax", "multi_hot", "binary_crossentropy",
           "categorical_crossentropy", "sparse_categorical_crossentropy", "normalize",
           "layer_normalization", "rms_normalization", "batch_normalization", "max_pool",
           "average_pool", "depthwise_conv", "separable_conv", "conv_transpose",
           "dot_product_attention", "in_top_k", "psnr", "depth_to_space", "space_to_depth"]

EPSILON = 1e-7


def _c(x, v):
    return tf().cast(v, x.dtype)


def softplus(x):
    return tf().nn.softplus(to_float(x))


def softsign(x):
    return tf().nn.softsign(to_float(x))


def silu(x):
    x = to_float(x)
    return x * tf().sigmoid(x)


swish = silu


def gelu(x, approximate=True):
    x = to_float(x)
    if approximate:
        inner = _c(x, np.sqrt(2.0 / np.pi)) * (x + _c(x, 0.044715) * x * x * x)
        return _c(x, 0.5) * x * (_c(x, 1.0) + tf().tanh(inner))
    return _c(x, 0.5) * x * (_c(x, 1.0) + tf().erf(x / _c(x, np.sqrt(2.0))))


def elu(x, alpha=1.0):
    x = to_float(x)
    neg = _c(x, alpha) * tf().expm1(tf().minimum(x, tf().zeros_like(x)))
    return tf().where(tf().greater(x, tf().zeros_like(x)), x, neg)


def selu(x):
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    return _c(t(to_float(x)), scale) * elu(x, alpha)


def leaky_relu(x, negative_slope=0.2):
    x = to_float(x)
    return tf().where(tf().greater_equal(x, tf().zeros_like(x)), x, x * _c(x, negative_slope))


def relu6(x):
    x = t(x)
    return tf().clip_by_value(x, _c(x, 0.0), _c(x, 6.0))


def hard_sigmoid(x):
    x = to_float(x)
    return relu6(x + _c(x, 3.0)) / _c(x, 6.0)


def hard_silu(x):
    x = to_float(x)
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def log_sigmoid(x):
    return -tf().nn.softplus(-to_float(x))


def celu(x, alpha=1.0):
    x = to_float(x)
    a = _c(x, alpha)
    zero = tf().zeros_like(x)
    return tf().maximum(x, zero) + tf().minimum(zero, a * tf().expm1(x / a))


def glu(x, axis=-1):
    x = to_float(x)
    n = x.shape.as_list()[axis]
    check(n is not None and n % 2 == 0, "glu",
          f"axis {axis} must have an even length, got shape {x.shape.as_list()}")
    a, b = tf().split(x, 2, axis=axis)
    return a * tf().sigmoid(b)


def hard_tanh(x):
    x = to_float(x)
    return tf().clip_by_value(x, _c(x, -1.0), _c(x, 1.0))


def hard_shrink(x, threshold=0.5):
    x = to_float(x)
    return tf().where(tf().greater(tf().abs(x), _c(x, threshold)), x, tf().zeros_like(x))


def soft_shrink(x, threshold=0.5):
    x = to_float(x)
    th = _c(x, threshold)
    return tf().where(tf().greater(x, th), x - th,
                      tf().where(tf().less(x, -th), x + th, tf().zeros_like(x)))


def tanh_shrink(x):
    x = to_float(x)
    return x - tf().tanh(x)


def threshold(x, threshold, default_value):
    x = t(x)
    return tf().where(tf().greater(x, _c(x, threshold)), x,
                      tf().fill(tf().shape(x), _c(x, default_value)))


def squareplus(x, b=4):
    x = to_float(x)
    return (x + tf().sqrt(x * x + _c(x, b))) / _c(x, 2.0)


def sparse_plus(x):
    x = to_float(x)
    one = tf().ones_like(x)
    mid = tf().square(x + one) / _c(x, 4.0)
    return tf().where(tf().less_equal(x, -one), tf().zeros_like(x),
                      tf().where(tf().greater_equal(x, one), x, mid))


def sparse_sigmoid(x):
    x = to_float(x)
    one = tf().ones_like(x)
    return tf().where(tf().less_equal(x, -one), tf().zeros_like(x),
                      tf().where(tf().greater_equal(x, one), one, _c(x, 0.5) * (x + one)))


def sparsemax(x, axis=-1):
    x = to_float(x)
    z = moveaxis(x, axis, -1)
    n = z.shape.as_list()[-1]
    check(n is not None, "sparsemax", "the axis must have a known length")
    zs = -tf().sort(-z, axis=-1)
    cs = tf().cumsum(zs, axis=-1)
    r = tf().cast(tf().range(1, n + 1), x.dtype)
    support = tf().greater(zs - (cs - _c(x, 1.0)) / r, tf().zeros_like(zs))
    k = tf().reduce_sum(tf().cast(support, x.dtype), axis=-1, keepdims=True)
    # (Keras 3's threshold, on every backend: the sum of the cumulative sums over the support)
    csum = tf().reduce_sum(tf().where(support, cs, tf().zeros_like(cs)), axis=-1, keepdims=True)
    tau = (csum - _c(x, 1.0)) / k
    return moveaxis(tf().maximum(z - tau, tf().zeros_like(z)), -1, axis)


def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    check(num_classes is not None, "multi_hot", "Argument `num_classes` must be specified.")
    if sparse:
        raise ValueError("keras.ops.multi_hot: sparse=True is not supported")
    x = t(inputs)
    oh = tf().one_hot(tf().cast(x, "int32"), num_classes, axis=axis,
                      dtype=tf().as_dtype(dtype or FLOATX))
    return tf().reduce_max(oh, axis=1 if rank(x) > 1 else 0)


def _check_same(op, a, b):
    sa, sb = a.shape.as_list(), b.shape.as_list()
    if len(sa) != len(sb) or any(p is not None and q is not None and p != q
                                 for p, q in zip(sa, sb)):
        raise ValueError(f"Arguments `target` and `output` must have the same shape. "
                         f"Received: target.shape={tuple(sa)}, output.shape={tuple(sb)}")


def binary_crossentropy(target, output, from_logits=False):
    out = to_float(output)
    tgt = t(target, dname(out))
    _check_same("binary_crossentropy", tgt, out)
    if from_logits:
        out = tf().sigmoid(out)
    out = tf().clip_by_value(out, _c(out, EPSILON), _c(out, 1.0 - EPSILON))
    one = tf().ones_like(out)
    return -(tgt * tf().log(out) + (one - tgt) * tf().log(one - out))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    out = to_float(output)
    tgt = t(target, dname(out))
    _check_same("categorical_crossentropy", tgt, out)
    check(rank(out) >= 1, "categorical_crossentropy",
          f"Argument `output` must be at least rank 1. Received: output.shape={()}")
    from ._backend_impl import categorical_crossentropy as _xent     # (the backend's one)
    return _xent(tgt, out, from_logits, axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    out = to_float(output)
    tgt = tf().cast(t(target), "int32")
    st, so = tgt.shape.as_list(), out.shape.as_list()
    if len(st) == len(so) and st[-1] == 1:
        tgt = tf().squeeze(tgt, axis=-1)
        st = st[:-1]
    check(len(so) >= 1, "sparse_categorical_crossentropy",
          f"Argument `output` must be at least rank 1. Received: output.shape={tuple(so)}")
    if len(st) != len(so) - 1 or any(p is not None and q is not None and p != q
                                     for p, q in zip(st, so[:-1])):
        raise ValueError("Arguments `target` and `output` must have the same shape up until "
                         f"the last dimension: target.shape={tuple(st)}, "
                         f"output.shape={tuple(so)}")
    oh = tf().one_hot(tgt, so[axis] if so[axis] is not None else tf().shape(out)[axis],
                      axis=axis, dtype=out.dtype)
    return categorical_crossentropy(oh, out, from_logits, axis)


def normalize(x, axis=-1, order=2, epsilon=None):
    x = to_float(x)
    eps = EPSILON if epsilon is None else epsilon
    if order == 2:
        inv = tf().rsqrt(tf().reduce_sum(tf().square(x), axis=axis, keepdims=True))
        return x * tf().minimum(inv, _c(x, 1.0 / eps))
    return x / tf().maximum(norm(x, ord=order, axis=axis, keepdims=True), _c(x, eps))


def _compute(x):
    x = t(x)
    orig = dname(x)
    return t(x, result_type(orig, "float32")), orig


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    rms = bool(kwargs.pop("rms_scaling", False))
    check(not kwargs, "layer_normalization", f"unexpected arguments {sorted(kwargs)}")
    x, orig = _compute(x)
    eps = _c(x, EPSILON if epsilon is None else epsilon)
    nd = rank(x)
    ax = sorted(int(a) % nd for a in ([axis] if isinstance(axis, numbers.Integral) else axis))
    shape = [1] * nd
    for a in ax:
        shape[a] = x.shape.as_list()[a]

    def bc(v):
        v = t(v, dname(x))
        return tf().reshape(v, shape) if rank(v) != 0 and rank(v) != nd else v
    if rms:                 # (Keras 3's deprecated form: x scaled by the variance's rsqrt)
        _, var_ = tf().nn.moments(x, ax, keepdims=True)
        out = x * tf().rsqrt(var_ + eps)
        if gamma is not None:
            out = out * bc(gamma)
    else:
        mean, var_ = tf().nn.moments(x, ax, keepdims=True)
        inv = tf().rsqrt(var_ + eps)
        if gamma is not None:
            inv = inv * bc(gamma)
        out = x * inv - mean * inv
        if beta is not None:
            out = out + bc(beta)
    return t(out, orig)


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    x, orig = _compute(x)
    eps = _c(x, EPSILON if epsilon is None else epsilon)
    out = x * tf().rsqrt(tf().reduce_mean(tf().square(x), axis=axis, keepdims=True) + eps)
    if scale is not None:
        out = out * t(scale, dname(x))
    return t(out, orig)


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    x = to_float(x)
    shape = [1] * rank(x)
    shape[axis] = -1
    d = dname(x)

    def r(v):
        return tf().reshape(t(v, d), shape)
    inv = tf().cast(1.0, x.dtype) / tf().sqrt(r(variance) + _c(x, epsilon))
    if scale is not None:
        inv = inv * r(scale)
    res = -r(mean) * inv
    if offset is not None:
        res = res + r(offset)
    return x * inv + res


def _spatial(inputs, data_format, op):
    x = t(inputs)
    n = rank(x) - 2
    check(n in (1, 2, 3), op, f"inputs of rank 3 to 5, got shape {x.shape.as_list()}")
    fmt = data_format or "channels_last"
    check(fmt in ("channels_last", "channels_first"), op,
          f"data_format must be 'channels_last' or 'channels_first', got {fmt!r}")
    return x, n, fmt == "channels_last"


def _tuple(v, n):
    return [int(v)] * n if isinstance(v, numbers.Integral) else [int(u) for u in v]


def _to_last(x, last):
    return x if last else tf().transpose(x, [0] + list(range(2, rank(x))) + [1])


def _from_last(x, last):
    return x if last else tf().transpose(x, [0, rank(x) - 1] + list(range(1, rank(x) - 1)))


def _padding(padding, op):
    p = str(padding).lower()
    check(p in ("valid", "same"), op, f"padding must be 'valid' or 'same', got {padding!r}")
    return p.upper()


def _pool(fn, inputs, pool_size, strides, padding, data_format, op):
    x, n, last = _spatial(inputs, data_format, op)
    ks = _tuple(pool_size, n)
    st = ks if strides is None else _tuple(strides, n)
    y = _to_last(x, last)
    if n == 2:
        out = fn(y, [1] + ks + [1], [1] + st + [1], _padding(padding, op), "NHWC")
    elif n == 1:
        y = tf().expand_dims(y, 1)
        out = tf().squeeze(fn(y, [1, 1] + ks + [1], [1, 1] + st + [1],
                              _padding(padding, op), "NHWC"), [1])
    else:
        f3 = tf().nn.max_pool3d if fn is tf().nn.max_pool else tf().nn.avg_pool3d
        out = f3(y, [1] + ks + [1], [1] + st + [1], _padding(padding, op), "NDHWC")
    return _from_last(out, last)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    return _pool(tf().nn.max_pool, inputs, pool_size, strides, padding, data_format, "max_pool")


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    return _pool(tf().nn.avg_pool, inputs, pool_size, strides, padding, data_format,
                 "average_pool")


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    x, n, last = _spatial(inputs, data_format, "depthwise_conv")
    k = t(kernel, dname(x))
    check(n in (1, 2), "depthwise_conv", "1-D and 2-D inputs are supported")
    y = _to_last(x, last)
    st, dr = _tuple(strides, n), _tuple(dilation_rate, n)
    if n == 1:
        y, k = tf().expand_dims(y, 1), tf().expand_dims(k, 0)
        st, dr = [1] + st, [1] + dr
    out = tf().nn.depthwise_conv2d(y, k, [1] + st + [1], _padding(padding, "depthwise_conv"),
                                   dilations=dr)
    if n == 1:
        out = tf().squeeze(out, [1])
    return _from_last(out, last)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    y = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    _, n, last = _spatial(y, data_format, "separable_conv")
    fmt = {1: "NWC", 2: "NHWC", 3: "NDHWC"}[n] if last else {1: "NCW", 2: "NCHW", 3: "NCDHW"}[n]
    return tf().nn.convolution(y, t(pointwise_kernel, dname(y)), padding="VALID",
                               strides=[1] * n, dilations=[1] * n, data_format=fmt)


def _transpose_len(d, kk, s, pad, p):
    """Keras 3's output length of a transposed convolution (``_get_output_shape_given_tf_
    padding``, dilation 1)."""
    if pad == "VALID":
        p = max(kk, s) - kk if p is None else p
        return (d - 1) * s + kk + p
    return d * s if p is None else (d - 1) * s + kk - 2 * (kk // 2) + p


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    x, n, last = _spatial(inputs, data_format, "conv_transpose")
    k = t(kernel, dname(x))
    check(n in (1, 2), "conv_transpose", "1-D and 2-D inputs are supported")
    check(all(r == 1 for r in _tuple(dilation_rate, n)), "conv_transpose",
          f"dilation_rate {dilation_rate!r} is not supported")
    y = _to_last(x, last)
    st, pad = _tuple(strides, n), _padding(padding, "conv_transpose")
    op_ = [None] * n if output_padding is None else _tuple(output_padding, n)
    if n == 1:
        y, k = tf().expand_dims(y, 1), tf().expand_dims(k, 0)
        st, op_ = [1] + st, [0] + op_
    ks = k.shape.as_list()[:2]
    dims = y.shape.as_list()[1:3]
    check(None not in dims + ks, "conv_transpose", "the spatial sizes must be known")
    out_sp = [_transpose_len(d, kk, s, pad, p) for d, kk, s, p in zip(dims, ks, st, op_)]
    if n == 1:
        out_sp[0] = 1
    shape = tf().stack([tf().shape(y)[0], out_sp[0], out_sp[1], k.shape.as_list()[2]])
    out = tf().nn.conv2d_transpose(y, k, shape, [1] + st + [1], pad)
    if n == 1:
        out = tf().squeeze(out, [1])
    return _from_last(out, last)


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None,
                          is_causal=False, flash_attention=None, attn_logits_soft_cap=None):
    if flash_attention:
        raise ValueError("keras.ops.dot_product_attention: flash attention is not supported")
    q, k, v = t(query), t(key), t(value)
    if rank(q) != 4:
        raise ValueError("`dot_product_attention` only supports 4D inputs. Received: "
                         f"query.shape={tuple(q.shape.as_list())}, "
                         f"key.shape={tuple(k.shape.as_list())}, "
                         f"value.shape={tuple(v.shape.as_list())}.")
    d = result_type(dname(q), dname(k), dname(v))
    q, k, v = t(q, d), t(k, d), t(v, d)
    nq, nk = q.shape.as_list()[2], k.shape.as_list()[2]
    if nq is not None and nk is not None and nq != nk:
        check(nq % nk == 0, "dot_product_attention",
              f"query heads {nq} must be a multiple of key heads {nk}")
        k, v = repeat(k, nq // nk, axis=2), repeat(v, nq // nk, axis=2)
    h = k.shape.as_list()[3]
    sc = (1.0 / np.sqrt(h)) if scale is None else scale
    logits = tf().einsum("BTNH,BSNH->BNTS", q, k) * _c(q, sc)
    if bias is not None:
        logits = logits + t(bias, d)
    if attn_logits_soft_cap is not None:
        cap = _c(logits, attn_logits_soft_cap)
        logits = cap * tf().tanh(logits / cap)
    if mask is not None or is_causal:
        keep = tf().ones_like(logits, dtype=tf().bool)
        if mask is not None:
            keep = tf().logical_and(keep, tf().cast(t(mask), "bool"))
        if is_causal:
            tq, ts = tf().shape(logits)[2], tf().shape(logits)[3]
            tri = tf().greater_equal(tf().expand_dims(tf().range(tq), 1),
                                     tf().expand_dims(tf().range(ts), 0))
            keep = tf().logical_and(keep, tri)
        big = (65500.0 if d == "float16" else 3.38953e38) * -0.7
        logits = tf().where(keep, logits, tf().fill(tf().shape(logits), _c(logits, big)))
    probs = tf().cast(tf().nn.softmax(tf().cast(logits, "float32"), axis=-1), d)
    return tf().einsum("BNTS,BSNH->BTNH", probs, v)


def in_top_k(targets, predictions, k):
    p = t(predictions)
    tg = tf().cast(t(targets), "int32")
    val = tf().gather(p, tf().expand_dims(tg, -1), axis=1, batch_dims=1)
    kth = tf().nn.top_k(p, k=k)[0][:, -1:]
    return tf().reduce_any(tf().greater_equal(val, kth), axis=-1)


def psnr(x1, x2, max_val):
    a, b = t(x1), t(x2)
    if a.shape.as_list() != b.shape.as_list():
        raise ValueError(f"Input shapes {tuple(a.shape.as_list())} and "
                         f"{tuple(b.shape.as_list())} must match for PSNR calculation. ")
    a, b = to_float(a), to_float(b)
    mse = tf().reduce_mean(tf().square(a - b))
    ln10 = _c(a, np.log(10.0))
    return _c(a, 20.0) * tf().log(_c(a, max_val)) / ln10 - _c(a, 10.0) * tf().log(mse) / ln10


def depth_to_space(x, block_size, data_format="channels_last"):
    x = t(x)
    last = data_format == "channels_last"
    return _from_last(tf().nn.depth_to_space(_to_last(x, last), block_size), last)


def space_to_depth(x, block_size, data_format="channels_last"):
    x = t(x)
    last = data_format == "channels_last"
    return _from_last(tf().nn.space_to_depth(_to_last(x, last), block_size), last)
