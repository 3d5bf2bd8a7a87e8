"""TensorFlow 1.15 math names the differential sweep (fidtf4, session 16) found missing:

    tf.truncatediv(x, y)                 integer division rounding toward zero (floats: x / y)
    tf.math.reduce_euclidean_norm(x, axis=None, keepdims=False)   sqrt(sum(x**2))
    tf.accumulate_n(inputs)              tf.add_n with TF's checks (shapes and dtypes equal)
    tf.cross(a, b) / tf.linalg.cross     the cross product over a last dimension of 3
    tf.bitwise.{bitwise_and, bitwise_or, bitwise_xor, invert, left_shift, right_shift}
    tf.setdiff1d(x, y) (tf.listdiff)     (out, idx): the elements of x not in y, in order
    tf.matrix_set_diag / tf.linalg.set_diag   ``input`` with its main diagonal replaced
    tf.sparse.segment_{sum,mean,sqrt_n}(data, indices, segment_ids, num_segments=None)
                                         (and tf.sparse_segment_*): segment ops over
                                         gather(data, indices)

Compositions of graph ops (gradients come from theirs); the bitwise ops are dlcore's
primitives and take integer tensors of one dtype, as TensorFlow's."""

from __future__ import annotations

import collections
import sys
import types

import numpy as np

__all__ = ["accumulate_n", "cross", "listdiff", "matrix_set_diag", "reduce_euclidean_norm",
           "setdiff1d", "truncatediv"]


ListDiff = collections.namedtuple("ListDiff", ["out", "idx"])


def _tf():
    return sys.modules["dlcore_static"]


def truncatediv(x, y, name=None):
    """``x / y`` rounded toward zero for integers (C's division); real division for floats."""
    tf = _tf()
    with tf.name_scope(name or "TruncateDiv"):
        x = tf.convert_to_tensor(x)
        y = tf.convert_to_tensor(y, dtype=x.dtype)
        if not (x.dtype.is_integer):
            return tf.truediv(x, y)
        q = tf.floordiv(x, y)
        inexact = tf.not_equal(tf.floormod(x, y), 0)
        opposite = tf.not_equal(tf.less(x, 0), tf.less(y, 0))
        return tf.where(tf.logical_and(inexact, opposite), q + 1, q)


def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    """``sqrt(reduce_sum(x * x))`` over ``axis`` (integers: the root truncated, as TF's
    EuclideanNorm kernel)."""
    tf = _tf()
    with tf.name_scope(name or "EuclideanNorm"):
        x = tf.convert_to_tensor(input_tensor)
        if x.dtype.is_integer:
            s = tf.reduce_sum(tf.cast(x, tf.float64) ** 2, axis=axis, keepdims=keepdims)
            return tf.cast(tf.sqrt(s), x.dtype)
        return tf.sqrt(tf.reduce_sum(tf.square(x), axis=axis, keepdims=keepdims))


def accumulate_n(inputs, shape=None, tensor_dtype=None, name=None):
    """The sum of ``inputs`` (TF's checks: a non-empty list of tensors of one shape and
    dtype)."""
    tf = _tf()
    if not inputs or not isinstance(inputs, (list, tuple)):
        raise ValueError("inputs must be a list of at least one Tensor with the same dtype "
                         "and shape")
    ts = [tf.convert_to_tensor(t) for t in inputs]
    if not all(t.dtype == ts[0].dtype for t in ts):
        raise ValueError("inputs must be a list of at least one Tensor with the same dtype "
                         "and shape")
    known = [tf.TensorShape(shape)] if shape is not None else []
    for t in ts:
        for k in known:
            if not t.shape.is_compatible_with(k):
                raise ValueError(f"Shapes {k} and {t.shape} are incompatible")
        known.append(t.shape)
    if tensor_dtype is not None and tf.as_dtype(tensor_dtype) != ts[0].dtype:
        raise TypeError(f"tensor_dtype is {tf.as_dtype(tensor_dtype).name}, but input is of "
                        f"type {ts[0].dtype.name}")
    return tf.add_n(ts, name=name)


def cross(a, b, name=None):
    """The pairwise cross product of ``a`` and ``b`` ([..., 3] each)."""
    tf = _tf()
    with tf.name_scope(name or "Cross"):
        a = tf.convert_to_tensor(a)
        b = tf.convert_to_tensor(b, dtype=a.dtype)
        for t in (a, b):
            d = t.shape.as_list()[-1] if t.shape.ndims else None
            if t.shape.ndims == 0 or (d is not None and d != 3):
                raise ValueError(f"Cross: the last dimension of both inputs must be 3, got "
                                 f"shapes {a.shape} and {b.shape}")
        a1, a2, a3 = tf.unstack(a, 3, axis=-1)
        b1, b2, b3 = tf.unstack(b, 3, axis=-1)
        return tf.stack([a2 * b3 - a3 * b2, a3 * b1 - a1 * b3, a1 * b2 - a2 * b1], axis=-1)


def _list_diff(x, y, *, out_idx):
    if x.ndim != 1 or y.ndim != 1:
        raise ValueError(f"ListDiff: x and y should be 1D vectors, got shapes {list(x.shape)} "
                         f"and {list(y.shape)}")
    keep = ~np.isin(x, y)          # sort- or table-based: O(len(x) + len(y)) memory
    return x[keep], np.flatnonzero(keep).astype(out_idx)


def setdiff1d(x, y, index_dtype=None, name=None):
    """``(out, idx)``: the elements of the vector ``x`` not in ``y``, in ``x``'s order
    (duplicates kept), and their positions in ``x`` (TF's ``ListDiff``; ``index_dtype``
    int32, the default, or int64).

    One host node (no gradient, as TF's ListDiff) computed with ``np.isin``: O(len(x) +
    len(y)) memory, as TF's hash-set kernel (NaN is never found in ``y``, as there)."""
    tf = _tf()
    from .host_ops import host_op
    out_idx = tf.as_dtype(index_dtype if index_dtype is not None else tf.int32)
    if out_idx not in (tf.int32, tf.int64):
        raise TypeError(f"Value passed to parameter 'out_idx' has DataType {out_idx.name} not "
                        f"in list of allowed values: int32, int64 (ListDiff)")
    x = tf.convert_to_tensor(x)
    y = tf.convert_to_tensor(y, dtype=x.dtype)
    if x.shape.ndims not in (None, 1) or y.shape.ndims not in (None, 1):
        raise ValueError(f"ListDiff: x and y must be vectors (rank 1), got shapes {x.shape} "
                         f"and {y.shape}")
    op = host_op("ListDiff", [x, y], [((None,), x.dtype.as_numpy_dtype),
                                      ((None,), out_idx.as_numpy_dtype)],
                 attrs={"out_idx": out_idx.as_numpy_dtype}, name=name or "ListDiff")
    return ListDiff(op.outputs[0], op.outputs[1])


def listdiff(x, y, out_idx=None, name=None):
    """``tf.listdiff``: ``setdiff1d`` with TF's ``out_idx`` name for the index dtype."""
    return setdiff1d(x, y, index_dtype=out_idx, name=name)


def matrix_set_diag(input, diagonal, name="set_diag", k=0):
    """``input`` ([..., M, N]) with its main diagonal replaced by ``diagonal``
    ([..., min(M, N)])."""
    tf = _tf()
    if k != 0:
        raise ValueError(f"matrix_set_diag: only the main diagonal (k=0) is supported, got "
                         f"k={k}")
    with tf.name_scope(name or "set_diag"):
        x = tf.convert_to_tensor(input)
        d = tf.convert_to_tensor(diagonal, dtype=x.dtype)
        dims = x.shape.as_list() if x.shape.ndims is not None else None
        if dims is None or len(dims) < 2 or None in dims[-2:]:
            raise ValueError(f"matrix_set_diag: input must be at least rank 2 with known last "
                             f"two dimensions, got shape {x.shape}")
        m, n = dims[-2:]
        want = dims[:-2] + [min(m, n)]
        if not d.shape.is_compatible_with(want):
            raise ValueError(f"matrix_set_diag: diagonal must have shape {want} for input of "
                             f"shape {dims}, got {d.shape}")
        eye = tf.eye(m, n, dtype=tf.bool)
        full = tf.matrix_diag(d)                                     # [..., k, k]
        pad = [[0, 0]] * (len(dims) - 2) + [[0, m - min(m, n)], [0, n - min(m, n)]]
        return tf.where_v2(eye, tf.pad(full, pad), x)


# ------------------------------------------------------------------------------ tf.bitwise
def _bitwise(tf_type, prim, unary=False):
    from dlcore import ops as _ops

    def f(x, y=None, name=None):
        tf = _tf()
        xs = [tf.convert_to_tensor(x)]
        if not unary:
            xs.append(tf.convert_to_tensor(y, dtype=xs[0].dtype)
                      if not hasattr(y, "dtype") else tf.convert_to_tensor(y))
        for t in xs:
            if not (t.dtype.is_integer or (unary and t.dtype == tf.bool)):
                raise TypeError(f"Value passed to parameter 'x' has DataType {t.dtype.name} not "
                                f"in list of allowed values: int8, int16, int32, int64, uint8, "
                                f"uint16, uint32, uint64 ({tf_type})")
        if len(xs) == 2 and xs[0].dtype != xs[1].dtype:
            raise TypeError(f"Input 'y' of '{tf_type}' Op has type {xs[1].dtype.name} that does "
                            f"not match type {xs[0].dtype.name} of argument 'x'.")
        from ._convert import _named
        return _named(getattr(_ops, prim), name, *xs, op_type=tf_type)
    return f


def _bitwise_module():
    m = types.ModuleType("dlcore_static.bitwise", "tf.bitwise: TensorFlow's bitwise ops.")
    for name, tf_type, prim in (("bitwise_and", "BitwiseAnd", "bitwise_and"),
                                ("bitwise_or", "BitwiseOr", "bitwise_or"),
                                ("bitwise_xor", "BitwiseXor", "bitwise_xor"),
                                ("left_shift", "LeftShift", "bitwise_left_shift"),
                                ("right_shift", "RightShift", "bitwise_right_shift"),
                                ("invert", "Invert", "bitwise_not")):
        setattr(m, name, _bitwise(tf_type, prim, unary=name == "invert"))
    return m


# ------------------------------------------------------------------------ sparse segments
def _sparse_segment(kind):
    def f(data, indices, segment_ids, num_segments=None, name=None):
        tf = _tf()
        with tf.name_scope(name or f"SparseSegment{kind}"):
            rows = tf.gather(data, indices)
            ids = tf.convert_to_tensor(segment_ids)
            if kind == "Sum":
                return (tf.segment_sum(rows, ids) if num_segments is None else
                        tf.unsorted_segment_sum(rows, ids, num_segments))
            ones = tf.ones_like(ids, dtype=rows.dtype)
            if num_segments is None:
                total, count = tf.segment_sum(rows, ids), tf.segment_sum(ones, ids)
            else:
                total = tf.unsorted_segment_sum(rows, ids, num_segments)
                count = tf.unsorted_segment_sum(ones, ids, num_segments)
            count = tf.maximum(count, 1)
            for _ in range((rows.shape.ndims or 1) - 1):
                count = tf.expand_dims(count, -1)
            return total / (count if kind == "Mean" else tf.sqrt(count))
    f.__name__ = f"sparse_segment_{kind.lower()}"
    how = {"Sum": "sums", "Mean": "means", "SqrtN": "sums divided by the square root of the count"}
    f.__doc__ = (f"tf.sparse.segment_{kind.lower().replace('sqrtn', 'sqrt_n')}(data, indices, "
                 f"segment_ids, num_segments=None): the {how[kind]} of the rows data[indices] "
                 "grouped by segment_ids (sorted ids; with num_segments, any order), as "
                 "TensorFlow 1.15's SparseSegment ops; an empty segment is 0.")
    return f


def _register() -> None:
    from .host_ops import register
    register("ListDiff", _list_diff)


_register()


def install(tf_module) -> None:
    """Put the names where TensorFlow 1.15 has them, never over an existing one."""
    def put(mod, name, fn):
        if not hasattr(mod, name):
            setattr(mod, name, fn)
    put(tf_module, "truncatediv", truncatediv)
    put(tf_module.math, "truncatediv", truncatediv)
    put(tf_module.math, "reduce_euclidean_norm", reduce_euclidean_norm)
    put(tf_module, "accumulate_n", accumulate_n)
    put(tf_module.math, "accumulate_n", accumulate_n)
    put(tf_module, "cross", cross)
    put(tf_module.linalg, "cross", cross)
    put(tf_module.math, "cross", cross)
    put(tf_module, "setdiff1d", setdiff1d)
    put(tf_module, "listdiff", listdiff)
    put(tf_module, "matrix_set_diag", matrix_set_diag)
    put(tf_module.linalg, "set_diag", matrix_set_diag)
    if not hasattr(tf_module, "bitwise"):
        tf_module.bitwise = _bitwise_module()
        sys.modules.setdefault("dlcore_static.bitwise", tf_module.bitwise)
    for kind in ("Sum", "Mean", "SqrtN"):
        fn = _sparse_segment(kind)
        low = {"Sum": "sum", "Mean": "mean", "SqrtN": "sqrt_n"}[kind]
        put(tf_module, f"sparse_segment_{low}", fn)
        put(tf_module.sparse, f"segment_{low}", fn)
