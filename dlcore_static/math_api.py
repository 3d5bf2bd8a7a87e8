"""TensorFlow 1's everyday math helpers that are not single dlcore ops: clipping by value and by
norm, ``squared_difference``, the ``to_*`` casts, ``arg_min``/``arg_max``, ``nn.in_top_k``,
``where`` with one argument (coordinates) or a rank-1 condition selecting rows (TF1).

All are thin compositions of the core's ops under one name scope:

    clip_by_value(t, lo, hi)      = min(max(t, lo), hi)
    clip_by_norm(t, c, axes)      = t * c / max(||t||_axes, c)
    clip_by_global_norm(ts, c)    = [t * c / max(g, c)],  g = sqrt(sum ||t||^2)
    squared_difference(x, y)      = (x - y)^2
    in_top_k(p, k_targets, k)     = #{j : p[i, j] > p[i, target_i]} < k
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from . import dtypes as _dtypes
from ._convert import _args, _class_labels, _same_type, _scoped
from .array_api import nonzero_indices
from .frontend import rename, to_tensor
from .graph import Tensor, get_default_graph
from .math_ops import argmax, argmin, cast
from .unknown_rank import unknown

__all__ = ["squared_difference", "clip_by_value", "clip_by_norm", "clip_by_global_norm",
           "clip_by_average_norm", "global_norm", "to_float", "to_double", "to_int32",
           "to_int64", "arg_min", "arg_max", "in_top_k", "where", "where_v2",
           "count_nonzero"]


def squared_difference(x, y, name=None) -> Tensor:
    xs = _same_type("SquaredDifference", x, y)
    return _scoped("SquaredDifference", name, lambda a, b: _ops.square(_ops.sub(a, b)), *xs)


def clip_by_value(t, clip_value_min, clip_value_max, name=None) -> Tensor:
    """Elementwise ``max(min(t, hi), lo)``, in TensorFlow 1's order (``lo`` wins where
    ``lo > hi``: every value becomes ``lo``; PyTorch's ``clamp`` gives ``hi``); the bounds may
    be numbers or tensors."""
    xs = _args(t, clip_value_min, clip_value_max, cast_data=True)
    return _scoped("clip_by_value", name,
                   lambda v, lo, hi: _ops.maximum(_ops.minimum(v, hi), lo), *xs)


def _norm(x, axes=None, keepdims=False):
    return _ops.sqrt(_ops.sum(_ops.mul(x, x), axes, keepdims))


def clip_by_norm(t, clip_norm, axes=None, name=None) -> Tensor:
    """``t * clip_norm / max(l2norm(t, axes), clip_norm)``: unchanged when its norm is small."""
    def f(v, c):
        if axes is not None and unknown(v):
            from .unknown_rank_ops import sum_squares
            return _ops.div(_ops.mul(v, c), _ops.maximum(_ops.sqrt(sum_squares(v, axes, True)),
                                                         c))
        n = _norm(v, None if axes is None else tuple(np.atleast_1d(axes).tolist()), True)
        return _ops.div(_ops.mul(v, c), _ops.maximum(n, c))
    return _scoped("clip_by_norm", name, f, *_args(t, clip_norm, cast_data=True))


def global_norm(t_list, name=None) -> Tensor:
    """``sqrt(sum over the tensors of sum(t^2))`` (None entries are skipped)."""
    ts = [to_tensor(t) for t in t_list if t is not None]
    if not ts:
        raise ValueError("global_norm needs at least one tensor")

    def f(*xs):
        total = None
        for x in xs:
            s = _ops.sum(_ops.mul(x, x))
            total = s if total is None else _ops.add(total, s)
        return _ops.sqrt(total)
    # (TF1: sqrt(..., name="global_norm") in its scope, clip_ops.py: global_norm/global_norm)
    return _scoped("global_norm", name, f, *ts, inner="global_norm")


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """``([t * clip_norm / max(global_norm, clip_norm) ...], global_norm)``."""
    t_list = list(t_list)
    g = get_default_graph()
    with g.name_scope(name or "clip_by_global_norm"):
        norm = global_norm(t_list) if use_norm is None else to_tensor(use_norm)
        c = to_tensor(clip_norm, g, norm.aval.dtype)
        scale = _ops.div(c, _ops.maximum(norm, c))
        out = [None if t is None else _ops.mul(to_tensor(t), scale) for t in t_list]
    return out, norm


def clip_by_average_norm(t, clip_norm, name=None) -> Tensor:
    def f(v, c):
        n = _ops.div(_norm(v), float(np.prod(v.aval.shape)))
        return _ops.div(_ops.mul(v, c), _ops.maximum(n, c))
    return _scoped("clip_by_average_norm", name, f, *_args(t, clip_norm, cast_data=True))


def to_float(x, name="ToFloat"): return cast(x, _dtypes.float32, name)
def to_double(x, name="ToDouble"): return cast(x, _dtypes.float64, name)
def to_int32(x, name="ToInt32"): return cast(x, _dtypes.int32, name)
def to_int64(x, name="ToInt64"): return cast(x, _dtypes.int64, name)


def arg_max(input, dimension=None, name=None, output_type=_dtypes.int64):  # noqa: A002
    return argmax(input, dimension, name, output_type=output_type)


def arg_min(input, dimension=None, name=None, output_type=_dtypes.int64):  # noqa: A002
    return argmin(input, dimension, name, output_type=output_type)


def in_top_k(predictions, targets, k, name=None) -> Tensor:
    """True where the target class is among the ``k`` largest predictions of its row (ties
    count in its favour, as in TensorFlow)."""
    p, t = to_tensor(predictions), _class_labels(targets, predictions)
    if unknown(p):
        from .unknown_rank_ops import with_rank
        p = with_rank(p, 2, "InTopKV2")
    depth = p.aval.shape[-1]
    if depth is None:
        raise ValueError("in_top_k: the number of classes must be known")

    def f(pv, tv):
        hit = _ops.one_hot(_ops.cast(tv, _dtypes.int64.np), depth, pv.aval.dtype)
        target = _ops.sum(_ops.mul(pv, hit), -1, keepdims=True)
        above = _ops.sum(_ops.cast(_ops.greater(pv, target), _dtypes.int32.np), -1)
        first = len(above.op.graph._ops)    # TF1: in_top_k/InTopKV2 (the op gets no name=)
        return rename(_ops.less(above, int(k)), "InTopKV2", first)
    return _scoped("in_top_k", name, f, p, t, name_last=False)


def where(condition, x=None, y=None, name=None) -> Tensor:
    """``where(c)``: coordinates of the true elements (int64, (n, rank)); ``where(c, x, y)``:
    elementwise choice, where a rank-1 ``c`` picks whole rows of ``x``/``y`` (TensorFlow 1)."""
    if x is None and y is None:
        return nonzero_indices(condition, name)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    c = to_tensor(condition)
    xs = _same_type("Select", x, y)
    nd = max(v.aval.ndim for v in xs)
    if c.aval.ndim == 1 and nd > 1:
        c = _ops.reshape(c, (-1,) + (1,) * (nd - 1))
    return _scoped("Select", name, lambda cv, a, b: _ops.where(cv, a, b), c, *xs)


def where_v2(condition, x=None, y=None, name=None) -> Tensor:
    """TensorFlow 2's ``where``: plain broadcasting of the three arguments."""
    if x is None and y is None:
        return where(condition, name=name)
    c = to_tensor(condition)
    xs = _args(x, y, cast_data=True)
    return _scoped("SelectV2", name, lambda cv, a, b: _ops.where(cv, a, b), c, *xs)


def count_nonzero(input_tensor, axis=None, keepdims=None, dtype=_dtypes.int64, name=None,
                  reduction_indices=None, keep_dims=None) -> Tensor:
    ax = axis if axis is not None else reduction_indices
    kd = bool(keepdims if keepdims is not None else keep_dims)
    dt = _dtypes.as_np(dtype)
    if ax is not None and unknown(input_tensor):
        from .unknown_rank import reduce_along
        return _scoped("count_nonzero", name, lambda v: _ops.cast(reduce_along(
            "count_nonzero", _ops.cast(_ops.not_equal(v, False if v.aval.dtype == np.bool_
                                                      else 0), np.int64),
            ax, kd, _ops.sum), dt), input_tensor, name_last=False)
    return _scoped("count_nonzero", name, lambda v: _ops.cast(     # (TF1: count_nonzero/Sum)
        _ops.sum(_ops.not_equal(v, False if v.aval.dtype == np.bool_ else 0), ax, kd), dt),
        input_tensor, name_last=False)
