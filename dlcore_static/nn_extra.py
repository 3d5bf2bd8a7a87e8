"""``tf.nn`` functions made of several core ops: ``l2_normalize``,
``weighted_cross_entropy_with_logits``, ``sigmoid_cross_entropy_with_logits``, ``xw_plus_b``,
``relu_layer``, ``crelu`` (``tf.nn.elu``/``leaky_relu`` come from their definition blocks).

    l2_normalize(x, axis)  = x / sqrt(max(sum(x^2, axis), epsilon))
    weighted_ce(z, x, q)   = (1 - z) x + (1 + (q - 1) z) (log(1 + exp(-|x|)) + max(-x, 0))
"""

from __future__ import annotations

from dlcore import ops as _ops

from . import unknown_rank as _unknown_rank
from . import unknown_rank_ops as _unknown_rank_ops
from ._convert import _args, _scoped

__all__ = ["l2_normalize", "weighted_cross_entropy_with_logits",
           "sigmoid_cross_entropy_with_logits", "xw_plus_b", "relu_layer", "crelu"]


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """``x / sqrt(max(sum(x**2, axis), epsilon))``."""
    a = axis if axis is not None else dim
    a = None if a is None else (tuple(a) if isinstance(a, (list, tuple)) else int(a))

    def f(v):
        if a is not None and _unknown_rank.unknown(v):
            return _unknown_rank_ops.l2_normalize(v, a, epsilon)
        ss = _ops.sum(_ops.mul(v, v), a, keepdims=True)
        return _ops.mul(v, _ops.rsqrt(_ops.maximum(ss, float(epsilon))))
    return _scoped("l2_normalize", name, f, x)


def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """``max(x, 0) - x z + log(1 + exp(-|x|))`` per element."""
    if _sentinel is not None or labels is None or logits is None:
        raise ValueError("Only call `sigmoid_cross_entropy_with_logits` with named arguments "
                         "(labels=..., logits=..., ...)")
    lg, lb = _args(logits, labels, cast_data=True)
    if lg.aval.dtype != lb.aval.dtype:
        lb = _ops.cast(lb, lg.aval.dtype)
    return _scoped("logistic_loss", name, _ops.sigmoid_cross_entropy_with_logits, lg, lb)


def weighted_cross_entropy_with_logits(labels=None, logits=None, pos_weight=None, name=None,
                                       targets=None):
    """Sigmoid cross-entropy with the positive term weighted by ``pos_weight``."""
    labels = labels if labels is not None else targets
    if labels is None or logits is None or pos_weight is None:
        raise ValueError("weighted_cross_entropy_with_logits needs labels, logits and "
                         "pos_weight")
    lg, lb = _args(logits, labels, cast_data=True)

    def f(x, z):
        log_weight = _ops.add(_ops.mul(z, float(pos_weight) - 1.0), 1.0) \
            if isinstance(pos_weight, (int, float)) else \
            _ops.add(_ops.mul(z, _ops.sub(pos_weight, 1.0)), 1.0)
        soft = _ops.add(_ops.log1p(_ops.exp(_ops.neg(_ops.abs(x)))), _ops.relu(_ops.neg(x)))
        return _ops.add(_ops.mul(_ops.sub(1.0, z), x), _ops.mul(log_weight, soft))
    return _scoped("logistic_loss", name, f, lg, lb)


def xw_plus_b(x, weights, biases, name=None):
    return _scoped("xw_plus_b", name, lambda a, w, b: _ops.add(_ops.matmul(a, w), b),
                   *_args(x, weights, biases, cast_data=True))


def relu_layer(x, weights, biases, name=None):
    return _scoped("relu_layer", name,
                   lambda a, w, b: _ops.relu(_ops.add(_ops.matmul(a, w), b)),
                   *_args(x, weights, biases, cast_data=True))


def crelu(features, name=None, axis=-1):
    return _scoped("CRelu", name, lambda x: _ops.concatenate(
        [_ops.relu(x), _ops.relu(_ops.neg(x))], int(axis) % max(x.aval.ndim, 1)), features,
        inner="Relu")               # (TF1: relu(concat(...)): CRelu/Relu)





def gelu(features, approximate=False, name=None):
    """TF's ``tf.nn.gelu``: ``0.5 x (1 + erf(x / sqrt 2))``; ``approximate=True``: the tanh
    form ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``.  Floating inputs only."""
    def f(x):
        if x.aval.dtype.kind not in "fc" and str(x.aval.dtype) != "bfloat16":
            raise ValueError("`features.dtype` must be a floating point tensor.Received:"
                             f"features.dtype={x.aval.dtype.name}")
        if approximate:
            cube = _ops.mul(_ops.mul(x, x), x)
            inner = _ops.mul(_ops.add(x, _ops.mul(cube, 0.044715)), 0.7978845608028654)
            return _ops.mul(_ops.mul(x, 0.5), _ops.add(_ops.tanh(inner), 1.0))
        return _ops.mul(_ops.mul(x, 0.5),
                        _ops.add(_ops.erf(_ops.div(x, 1.4142135623730951)), 1.0))
    return _scoped("Gelu", name, f, features, name_last=False)
