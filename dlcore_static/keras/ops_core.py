"""``keras.ops`` control flow, segment reductions, bitwise ops and NaN-aware reductions
(Keras 3's ``keras.ops.core``, ``keras.ops.math`` and part of ``keras.ops.numpy``) on graph
tensors and NumPy values, with Keras 3's signatures: ``while_loop`` takes and returns a tuple
(or one value), ``fori_loop`` calls ``body_fun(i, val)``, ``scan`` calls ``f(carry, x)`` and
returns ``(carry, stacked ys)``, ``switch`` clamps the index, segment reductions ignore ids
of -1 and give an empty segment the reduction's identity (``-inf`` for ``segment_max``)."""

from __future__ import annotations

import numbers

import numpy as np

from ..frontend import constant_value
from .ops_base import FLOATX, check, dname, is_float, pair, rank, t, tf, to_float
from .ops_math import cumprod, cumsum, prod
from .ops_shape import moveaxis
from .tree import flatten, pack_sequence_as

__all__ = ["cond", "while_loop", "fori_loop", "scan", "switch", "stop_gradient", "map",
           "vectorized_map", "segment_sum", "segment_max", "segment_min", "segment_prod",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_invert",
           "bitwise_left_shift", "bitwise_right_shift", "left_shift", "right_shift",
           "unravel_index", "nonzero", "isin", "saturate_cast", "extract_sequences",
           "nansum", "nanmean", "nanmax", "nanmin", "nanprod", "nanvar", "nanstd",
           "nancumsum", "nancumprod", "median", "quantile", "percentile",
           "custom_gradient"]


def cond(pred, true_fn, false_fn):
    return tf().cond(tf().cast(t(pred), "bool"), true_fn, false_fn)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    is_tuple = isinstance(loop_vars, (tuple, list))
    lv = tuple(t(v) for v in loop_vars) if is_tuple else (t(loop_vars),)

    def _body(*args):
        out = body(*args)
        return tuple(out) if is_tuple else (out,)

    def _cond(*args):
        return cond(*args)
    out = tf().while_loop(_cond, _body, list(lv), maximum_iterations=maximum_iterations)
    out = tuple(out) if isinstance(out, (list, tuple)) else (out,)
    return out if is_tuple else out[0]


def fori_loop(lower, upper, body_fun, init_val):
    is_tuple = isinstance(init_val, (tuple, list))
    lo, hi = t(lower), t(upper)
    i0 = tf().cast(lo, "int32")

    def body(i, *val):
        out = body_fun(i, tuple(val) if is_tuple else val[0])
        return (i + 1,) + (tuple(out) if is_tuple else (out,))
    init = (i0,) + (tuple(t(v) for v in init_val) if is_tuple else (t(init_val),))
    out = tf().while_loop(lambda i, *v: tf().less(i, tf().cast(hi, "int32")), body, list(init))
    vals = tuple(out[1:])
    return vals if is_tuple else vals[0]


def _flat(v):
    return flatten(v)


def _pack(like, flat):
    return pack_sequence_as(like, flat)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Keras 3's scan, built as the graph of each step (the number of steps must be known
    when the graph is built: ``length`` or ``xs``'s leading dimension)."""
    del unroll
    xs_flat = [] if xs is None else [t(x) for x in _flat(xs)]
    n = length
    for x in xs_flat:
        d = x.shape.as_list()[0]
        check(d is not None, "scan", "xs needs a leading dimension known when the graph is "
              "built")
        check(n is None or n == d, "scan", f"length {n} does not match xs's leading "
              f"dimension {d}")
        n = d
    check(n is not None, "scan", "`length` must be given when `xs` is None")
    per = [tf().unstack(x, n, axis=0) for x in xs_flat]
    carry, ys = _pack(init, [t(v) for v in _flat(init)]), []
    steps = range(n - 1, -1, -1) if reverse else range(n)
    for i in steps:
        x = None if xs is None else _pack(xs, [p[i] for p in per])
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys = ys[::-1]
    if not ys or ys[0] is None:
        return carry, None
    stacked = [tf().stack([t(v) for v in col]) for col in zip(*[_flat(y) for y in ys])]
    return carry, _pack(ys[0], stacked)


def switch(index, branches, *operands):
    check(len(branches) > 0, "switch", "branches must not be empty")
    idx = tf().clip_by_value(tf().cast(t(index), "int32"), 0, len(branches) - 1)

    def pick(k):
        if k == len(branches) - 1:
            return branches[k](*operands)
        return tf().cond(tf().equal(idx, k), lambda: branches[k](*operands),
                         lambda: pick(k + 1))
    return pick(0)


def stop_gradient(variable):
    return tf().stop_gradient(t(variable))


def map(f, xs):
    """``f`` of each slice of ``xs`` along its leading axis, stacked."""
    flat = [t(x) for x in _flat(xs)]
    n = flat[0].shape.as_list()[0]
    check(n is not None, "map", "xs needs a leading dimension known when the graph is built")
    per = [tf().unstack(x, n, axis=0) for x in flat]
    ys = [f(_pack(xs, [p[i] for p in per])) for i in range(n)]
    stacked = [tf().stack([t(v) for v in col]) for col in zip(*[_flat(y) for y in ys])]
    return _pack(ys[0], stacked)


def vectorized_map(function, elements):
    return map(function, elements)


def _segment(name, data, segment_ids, num_segments, identity):
    x, ids = t(data), tf().cast(t(segment_ids), "int32")
    check(rank(ids) == 1, f"segment_{name}",
          f"segment_ids must be 1-D, got shape {tuple(ids.shape.as_list())}")
    if num_segments is None:
        known = _static(segment_ids)
        if known is None:
            raise ValueError(f"keras.ops.segment_{name}: num_segments must be given when "
                             f"segment_ids is a graph tensor (its values are not known when "
                             f"the graph is built)")
        num_segments = int(np.max(known)) + 1
    n = int(num_segments)
    valid = tf().greater_equal(ids, 0)
    safe = tf().where(valid, ids, tf().zeros_like(ids) + n)
    fn = getattr(tf(), "unsorted_segment_" + name)
    out = fn(x, safe, n + 1)[:-1]
    if identity is not None and is_float(x):
        count = tf().unsorted_segment_sum(tf().ones_like(safe), safe, n + 1)[:-1]
        empty = tf().equal(tf().reshape(count, [n] + [1] * (rank(x) - 1)), 0)
        fill = tf().constant(np.array(identity, dtype=dname(x)))
        out = tf().where(tf().logical_and(empty, tf().ones_like(out, dtype=tf().bool)),
                         tf().zeros_like(out) + fill, out)
    return out


def _static(v):
    """``v``'s values when known while building the graph (NumPy data or a constant)."""
    return constant_value(v)


def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    return _segment("sum", data, segment_ids, num_segments, None)


def segment_max(data, segment_ids, num_segments=None, sorted=False):
    return _segment("max", data, segment_ids, num_segments, -np.inf)


def segment_min(data, segment_ids, num_segments=None, sorted=False):
    return _segment("min", data, segment_ids, num_segments, np.inf)


def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    return _segment("prod", data, segment_ids, num_segments, None)


def _int_pair(op, x, y):
    a, b = pair(x, y)
    check(not is_float(a), op, f"expects integer or bool inputs, got {dname(a)}")
    return a, b


def bitwise_and(x, y):
    a, b = _int_pair("bitwise_and", x, y)
    return tf().logical_and(a, b) if dname(a) == "bool" else tf().bitwise.bitwise_and(a, b)


def bitwise_or(x, y):
    a, b = _int_pair("bitwise_or", x, y)
    return tf().logical_or(a, b) if dname(a) == "bool" else tf().bitwise.bitwise_or(a, b)


def bitwise_xor(x, y):
    a, b = _int_pair("bitwise_xor", x, y)
    return tf().not_equal(a, b) if dname(a) == "bool" else tf().bitwise.bitwise_xor(a, b)


def bitwise_invert(x):
    x = t(x)
    check(not is_float(x), "bitwise_invert", f"expects an integer or bool input, got "
          f"{dname(x)}")
    return tf().logical_not(x) if dname(x) == "bool" else tf().bitwise.invert(x)


bitwise_not = bitwise_invert


def bitwise_left_shift(x, y):
    a, b = _int_pair("bitwise_left_shift", x, y)
    return tf().bitwise.left_shift(a, b)


def bitwise_right_shift(x, y):
    a, b = _int_pair("bitwise_right_shift", x, y)
    return tf().bitwise.right_shift(a, b)


left_shift, right_shift = bitwise_left_shift, bitwise_right_shift


def unravel_index(indices, shape):
    idx = t(indices)
    dims = [int(d) for d in shape]
    out = []
    rem = idx
    for k in range(len(dims) - 1, -1, -1):
        d = tf().cast(dims[k], idx.dtype)
        out.append(tf().floormod(rem, d))
        rem = tf().floordiv(rem, d)
    return tuple(out[::-1])


def nonzero(x):
    x = t(x)
    found = tf().where(tf().cast(x, "bool"))
    return tuple(tf().cast(c, "int32") for c in tf().unstack(found, rank(x), axis=1))


def isin(x1, x2, assume_unique=False, invert=False):
    a, b = pair(x1, x2)
    hit = tf().reduce_any(tf().equal(tf().expand_dims(a, -1), tf().reshape(b, [-1])), -1)
    return tf().logical_not(hit) if invert else hit


def saturate_cast(x, dtype):
    x = t(x)
    target = np.dtype(dtype)
    src = np.dtype(dname(x))
    if target.kind in "iu":
        info = np.iinfo(target)
        lo, hi = float(info.min), float(info.max)
    elif target.kind == "f":
        info_f = np.finfo(target)
        lo, hi = float(info_f.min), float(info_f.max)
    else:
        return tf().cast(x, target.name)
    if src.kind == "f":
        lo_s = max(lo, float(np.finfo(src).min))
        hi_s = min(hi, float(np.finfo(src).max))
        lo_v, hi_v = np.array(lo_s).astype(src), np.array(hi_s).astype(src)
        if target.kind in "iu" and float(hi_v) > hi:       # (rounded up past the range)
            hi_v = np.nextafter(hi_v, src.type(0))
        x = tf().clip_by_value(x, tf().cast(lo_v, x.dtype), tf().cast(hi_v, x.dtype))
    elif src.kind in "iu" and target.kind in "iu":
        si = np.iinfo(src)
        ti = np.iinfo(target)
        lo_c, hi_c = max(int(ti.min), int(si.min)), min(int(ti.max), int(si.max))
        x = tf().clip_by_value(x, tf().cast(lo_c, x.dtype), tf().cast(hi_c, x.dtype))
    return tf().cast(x, target.name)


def extract_sequences(x, sequence_length, sequence_stride):
    x = t(x)
    n = x.shape.as_list()[-1]
    check(n is not None, "extract_sequences", "the last axis needs a known length")
    frames = (n - (sequence_length - sequence_stride)) // sequence_stride
    idx = (np.arange(frames)[:, None] * sequence_stride +
           np.arange(sequence_length)[None, :]).astype(np.int32)
    return tf().gather(x, idx, axis=rank(x) - 1)


def _nan_fill(x, value):
    x = t(x)
    if not is_float(x):
        return x
    return tf().where(tf().is_nan(x), tf().fill(tf().shape(x), tf().cast(value, x.dtype)), x)


def _red(fn, x, axis, keepdims):
    axis = tuple(axis) if isinstance(axis, list) else axis
    return fn(x, axis=axis, keepdims=bool(keepdims))


def nansum(x, axis=None, keepdims=False):
    x = t(x)
    d = dname(x)
    d = "int32" if d in ("bool", "int8", "int16") else "uint32" if d in ("uint8", "uint16") \
        else d
    return _red(tf().reduce_sum, t(_nan_fill(x, 0), d), axis, keepdims)


def nanprod(x, axis=None, keepdims=False):
    return prod(_nan_fill(x, 1), axis=axis, keepdims=keepdims)


def nanmean(x, axis=None, keepdims=False):
    x = to_float(x)
    ok = tf().cast(tf().logical_not(tf().is_nan(x)), x.dtype)
    return _red(tf().reduce_sum, _nan_fill(x, 0), axis, keepdims) / \
        _red(tf().reduce_sum, ok, axis, keepdims)


def nanvar(x, axis=None, keepdims=False):
    x = to_float(x)
    m = nanmean(x, axis, True)
    ok = tf().cast(tf().logical_not(tf().is_nan(x)), x.dtype)
    sq = _nan_fill(tf().square(x - m), 0)
    return _red(tf().reduce_sum, sq, axis, keepdims) / _red(tf().reduce_sum, ok, axis, keepdims)


def nanstd(x, axis=None, keepdims=False):
    return tf().sqrt(nanvar(x, axis, keepdims))


def _nanext(fn, fill, x, axis, keepdims):
    x = t(x)
    if not is_float(x):
        return _red(fn, x, axis, keepdims)
    allnan = _red(tf().reduce_all, tf().is_nan(x), axis, keepdims)
    out = _red(fn, _nan_fill(x, fill), axis, keepdims)
    return tf().where(allnan, tf().fill(tf().shape(out), tf().cast(np.nan, x.dtype)), out) \
        if rank(out) else tf().where(allnan, tf().cast(np.nan, x.dtype), out)


def nanmax(x, axis=None, keepdims=False):
    return _nanext(tf().reduce_max, -np.inf, x, axis, keepdims)


def nanmin(x, axis=None, keepdims=False):
    return _nanext(tf().reduce_min, np.inf, x, axis, keepdims)


def nancumsum(x, axis=None, dtype=None):
    return cumsum(_nan_fill(x, 0), axis=axis, dtype=dtype)


def nancumprod(x, axis=None, dtype=None):
    return cumprod(_nan_fill(x, 1), axis=axis, dtype=dtype)


def quantile(x, q, axis=None, method="linear", keepdims=False):
    """NumPy's quantile (methods linear, lower, higher, midpoint, nearest) from a sort."""
    check(method in ("linear", "lower", "higher", "midpoint", "nearest"), "quantile",
          f"method must be one of linear, lower, higher, midpoint, nearest; got {method!r}")
    x = to_float(x)
    nd = rank(x)
    if axis is None:
        ax = list(range(nd))
    else:
        ax = sorted(int(a) % nd for a in ([axis] if isinstance(axis, numbers.Integral)
                                          else axis))
    rest = [i for i in range(nd) if i not in ax]
    y = tf().transpose(x, rest + ax)
    shp = y.shape.as_list()
    n = int(np.prod([shp[len(rest) + i] for i in range(len(ax))]))
    y = tf().reshape(y, tf().concat([tf().shape(y)[:len(rest)], [n]], 0))
    y = tf().sort(y, axis=-1)
    qa = np.asarray(q, dtype=np.float64)
    pos = qa * (n - 1)
    lo, hi = np.floor(pos).astype(np.int32), np.ceil(pos).astype(np.int32)
    frac = pos - lo
    if method == "lower":
        hi, frac = lo, frac * 0
    elif method == "higher":
        lo, frac = hi, frac * 0
    elif method == "nearest":
        near = np.round(pos).astype(np.int32)   # (NumPy rounds half to even too)
        lo = hi = near
        frac = frac * 0
    elif method == "midpoint":
        frac = np.where(hi > lo, 0.5, 0.0)
    a = tf().gather(y, lo.reshape(-1), axis=rank(y) - 1)
    b = tf().gather(y, hi.reshape(-1), axis=rank(y) - 1)
    out = a + (b - a) * tf().constant(frac.reshape(-1).astype(dname(x)))
    out = moveaxis(out, -1, 0)
    out = tf().reshape(out, tf().concat([list(qa.shape) or [1], tf().shape(out)[1:]], 0)) \
        if qa.ndim else out[0]
    if keepdims:
        for a_ in ax:
            out = tf().expand_dims(out, a_ + qa.ndim)
    return out


def percentile(x, q, axis=None, method="linear", keepdims=False):
    return quantile(x, np.asarray(q, dtype=np.float64) / 100.0, axis, method, keepdims)


def median(x, axis=None, keepdims=False):
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


def custom_gradient(f):
    """Keras 3's TensorFlow backend's ``custom_gradient`` (``tf.custom_gradient``): ``f``
    returns ``(y, grad_fn)`` with ``grad_fn(upstream)``."""
    return tf().custom_gradient(f)


del FLOATX
