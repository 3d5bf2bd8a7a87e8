"""Composite ops: plain functions of primitives, with no kernel and no vjp of their own.
Their gradients come from the primitives they are built from.

    mean(x)             = sum(x) / n
    logsumexp(x)        = log(sum(exp(x - m))) + m,   m = stop_gradient(max(x))  (stable at +-1e4)
    softmax(x)          = exp(x - m) / sum(exp(x - m))   (the softmax primitive, softmax_prims.py)
    log_softmax(x)      = x - logsumexp(x)               (the log_softmax primitive)
    mse(p, t)           = mean((p - t)^2)   (the mse primitive for operands of one shape)
    softmax_cross_entropy(logits, p)        = -sum(p * log_softmax(logits))
    sparse_softmax_cross_entropy(logits, k) = logsumexp(logits) - logits[k]  (the fused primitive)
    sigmoid_cross_entropy_with_logits(x, z) = max(x, 0) - x z + log(1 + exp(-|x|))
"""

from __future__ import annotations

import math

from .. import dtypes as _dt
from ..api import exports
from ..dtypes import is_floating
from ..registry import aval_of, bind
from . import _rules
from .elementwise import (abs, add, cast, exp, full_like, less, log, maximum, minimum, mul,
                          neg, stop_gradient, sub, where, zeros_like)
from .elementwise import div as _div
from .elementwise import div_p
from .linalg import matmul
from .logsumexp_prim import logsumexp as _logsumexp_prim
from .mse_prim import mse as _mse_prim
from .reduce import max_, sum, sum_p
from .softmax_prims import log_softmax_prim, softmax_prim, sparse_xent


def _float(x):
    return x if _dt.is_inexact(aval_of(x).dtype) else cast(x, _dt.default_float)


def _via_float32(fn):
    """float16 and bfloat16 are storage types: a composite of such a tensor computes in
    float32 and rounds its result once (as PyTorch's fused CPU kernels do), not after every
    primitive."""
    import functools

    @functools.wraps(fn)
    def wrapper(x, *args, **kwargs):
        d = aval_of(x).dtype
        if d in _dt.FLOAT32_64 or d not in _dt.HALF:
            return fn(x, *args, **kwargs)
        return cast(fn(cast(x, _dt.float32), *args, **kwargs), d)
    return wrapper


@exports({"torch": "mean", "Tensor": "mean", "tf": "reduce_mean", "tf.math": "reduce_mean"},
         "reduce", float_required=True, mean_of_sum=True, tf_type="Mean")
@_via_float32
def mean(x, axis=None, keepdims=False):
    av = aval_of(x)                     # (read once: each read costs a microsecond on a Tensor)
    if av.dtype.kind in "iu":
        return _int_mean(x, axis, keepdims)
    if not _dt.is_inexact(av.dtype):
        x = _float(x)
        av = aval_of(x)
    axes = _rules.normalize_axes("mean", axis, av.ndim, av.shape)
    # The primitives bound directly: what sum() and div() would bind, without their argument
    # handling (axes already normalised; a float32/float64 sum divided by a Python float needs
    # no promotion), which cost more than the two kernels at small sizes.
    s = bind(sum_p, x, axes=axes, keepdims=bool(keepdims))
    dims = [av.shape[a] for a in axes]
    if None not in dims and not getattr(x, "_dlcore_unknown_rank", False):
        n = float(math.prod(dims))                    # (np.prod of a list: ~10 us)
        return bind(div_p, s, n) if av.dtype in _dt.FLOAT32_64 else _div(s, n)
    return _div(s, sum(full_like(x, 1), axes, keepdims))


def _int_mean(x, axis, keepdims):
    """TensorFlow's mean of integers: the integer sum divided by the count, truncated toward
    zero, in the input's dtype (``tf.reduce_mean([1, 2]) == 1``).  PyTorch refuses integer
    input before it gets here."""
    av = aval_of(x)
    total = cast(mean(cast(x, _dt.float64), axis, keepdims), av.dtype)    # casts truncate
    return total


@exports({"torch": "square", "Tensor": "square", "tf": "square", "tf.math": "square"}, "unary",
         float_only=False, tf_type="Square")
def square(x):
    return mul(x, x)


@exports({"torch": "logsumexp", "Tensor": "logsumexp", "tf": "reduce_logsumexp",
          "tf.math": "reduce_logsumexp"}, "reduce", float_only=True, dim_required=True,
         tf_type="ReduceLogSumExp")
@_via_float32
def logsumexp(x, axis=-1, keepdims=False):
    av = aval_of(x)
    axes = _rules.normalize_axes("logsumexp", axis, av.ndim, av.shape)
    if any(av.shape[a] == 0 for a in axes):
        return log(sum(exp(x), axis, keepdims))     # (over an empty axis: -inf, as PyTorch/TF)
    if axes and is_floating(av.dtype) and not getattr(x, "_dlcore_unknown_rank", False):
        return _logsumexp_prim(x, axes, keepdims)  # (one node: .logsumexp_prim)
    m = stop_gradient(max_(x, axis, keepdims=True))
    # an infinite max (a row all -inf) shifts by 0, as PyTorch and TF: -inf - -inf is NaN
    m = where(less(abs(m), math.inf), m, zeros_like(m))
    out = add(log(sum(exp(sub(x, m)), axis, keepdims=True)), m)
    if keepdims:
        return out
    from .shape import squeeze
    av = aval_of(x)
    return squeeze(out, _rules.normalize_axes("logsumexp", axis, av.ndim, av.shape))


@exports({"torch": "softmax", "Tensor": "softmax", "torch.nn.functional": "softmax",
          "tf.nn": "softmax", "tf.math": "softmax"}, "softmax", tf_type="Softmax")
@_via_float32
def softmax(x, axis=-1):
    if getattr(x, "_dlcore_unknown_rank", False):      # a graph tensor of unknown rank
        e = exp(sub(x, stop_gradient(max_(x, axis, keepdims=True))))
        return _div(e, sum(e, axis, keepdims=True))
    return softmax_prim(x, axis)


@exports({"torch": "log_softmax", "Tensor": "log_softmax",
          "torch.nn.functional": "log_softmax", "tf.nn": "log_softmax",
          "tf.math": "log_softmax"}, "softmax", tf_type="LogSoftmax")
@_via_float32
def log_softmax(x, axis=-1):
    if getattr(x, "_dlcore_unknown_rank", False):      # a graph tensor of unknown rank
        return sub(x, logsumexp(x, axis, keepdims=True))
    return log_softmax_prim(x, axis)


def mse(pred, target, reduction: str = "mean"):
    if reduction in ("mean", "sum"):
        pa, ta = aval_of(pred), aval_of(target)
        if pa.shape == ta.shape and pa.dtype == ta.dtype and pa.dtype in _dt.FLOAT32_64 and \
                pa.fully_defined and pa.shape and 0 not in pa.shape:
            return _mse_prim(pred, target, reduction == "mean")  # (one node: .mse_prim)
    d = sub(pred, target)
    return _reduce(mul(d, d), reduction)


def softmax_cross_entropy(logits, labels, axis=-1):
    """Per-example cross-entropy between ``labels`` (probabilities) and softmax(logits)."""
    return neg(sum(mul(labels, log_softmax(logits, axis)), axis))


def sparse_softmax_cross_entropy(logits, labels):
    """Per-example cross-entropy with integer class ``labels`` over the last axis of logits
    (the fused primitive of softmax_prims.py; a label outside [0, C) raises)."""
    return sparse_xent(_float(logits), labels)


def sigmoid_cross_entropy_with_logits(logits, labels):
    # max(x, 0) and -|x| by a select on x < 0 (as TensorFlow writes them): at x = 0 the
    # gradient is then sigmoid(0) - z = 0.5 - z (PyTorch's and TensorFlow's), where abs's
    # sign(0) = 0 gave 1 - z (a zero-initialised logit's first step was wrong)
    negative = less(logits, 0)
    relu_logits = where(negative, 0.0, logits)
    neg_abs_logits = where(negative, logits, neg(logits))
    return add(sub(relu_logits, mul(logits, labels)), log(add(exp(neg_abs_logits), 1)))


def clip(x, lo=None, hi=None):
    if lo is not None:
        x = maximum(x, lo)
    if hi is not None:
        x = minimum(x, hi)
    return x


def masked_fill(x, mask, value):
    """``x[mask] = value`` as a value: the seed's ``grad_h[h < 0] = 0``."""
    return where(mask, value, x)


def linear(x, w, b=None):
    y = matmul(x, w)
    return y if b is None else add(y, b)


def _reduce(x, reduction):
    if reduction == "mean":
        return mean(x)
    if reduction == "sum":
        return sum(x)
    if reduction == "none":
        return x
    raise ValueError(f"dlcore: reduction must be 'mean', 'sum' or 'none', not {reduction!r}")
