"""TF1's arithmetic on a ``SparseTensor`` (``sparse.py``): ``tf.sparse_tensor_dense_matmul``
(``tf.sparse.sparse_dense_matmul``/``tf.sparse.matmul``), ``tf.sparse_reduce_sum``
(``tf.sparse.reduce_sum``), ``tf.sparse_to_dense`` and ``tf.nn.embedding_lookup_sparse``.

The products and lookups are built from differentiable graph ops (a gather of the dense rows
each stored value meets, scaled by the value, and a ``scatter_add`` of them into the output
rows), so ``tf.gradients`` reaches both the sparse ``values`` and the dense operand, as
TensorFlow's SparseTensorDenseMatMul and SparseSegmentSum gradients do.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from .frontend import constant_value, to_tensor
from .graph import Tensor, get_default_graph
from .sparse import SparseTensor

__all__ = ["embedding_lookup_sparse", "sparse_reduce_sum", "sparse_tensor_dense_matmul",
           "sparse_to_dense"]


def _check_sparse(sp, what: str) -> SparseTensor:
    if not isinstance(sp, SparseTensor):
        raise TypeError(f"{what} must be a SparseTensor, got {type(sp).__name__}")
    return sp


def _rows_into(updates, rows, n_rows, known_rows):
    """Zeros ``[n_rows, ...updates.shape[1:]]`` with ``updates[k]`` added at row ``rows[k]``."""
    from .array_ops import zeros
    from .array_ops import stack
    rest = [d for d in updates.aval.shape[1:]]
    if None in rest:
        raise ValueError(f"the dense operand's columns must be known, got {updates.shape}")
    n = _ops.cast(n_rows, np.int32)
    ref = zeros(stack([n] + [int(d) for d in rest]), dtype=updates.aval.dtype)
    out = _ops.scatter_add(updates, _ops.cast(rows, np.int32), ref)
    out.set_shape([known_rows] + rest)
    return out


def _const_dim(dense_shape, i):
    v = constant_value(dense_shape)
    return None if v is None else int(np.asarray(v)[i])


def sparse_tensor_dense_matmul(sp_a, b, adjoint_a: bool = False, adjoint_b: bool = False,
                               name=None) -> Tensor:
    """``A @ B`` for a rank-2 SparseTensor ``A`` ([M, K]; [K, M] with ``adjoint_a``) and a dense
    ``B`` ([K, N]; [N, K] with ``adjoint_b``): a dense [M, N].  Repeated indices add up.

    Example::

        >>> import dlcore_static as tf
        >>> a = tf.SparseTensor([[0, 1], [1, 0]], [2.0, 3.0], [2, 2])
        >>> with tf.Session() as sess:
        ...     sess.run(tf.sparse_tensor_dense_matmul(a, [[1.0, 0.0], [0.0, 1.0]])).tolist()
        [[0.0, 2.0], [3.0, 0.0]]
    """
    sp_a = _check_sparse(sp_a, "sp_a")
    g = get_default_graph()
    with g.name_scope(name or "SparseTensorDenseMatMul"):
        b = to_tensor(b, g, dtype_hint=sp_a.values.aval.dtype)
        if b.aval.ndim != 2:
            raise ValueError(f"Shape must be rank 2 but is rank {b.aval.ndim} for "
                             "'SparseTensorDenseMatMul' (op: 'SparseTensorDenseMatMul')")
        if b.aval.dtype != sp_a.values.aval.dtype:
            raise TypeError(f"SparseTensorDenseMatMul: b is {b.dtype.name}, the sparse values "
                            f"are {sp_a.values.dtype.name}")
        vals = sp_a.values
        if b.aval.dtype.kind == "c":
            if adjoint_a:
                vals = _ops.conj(vals)
            if adjoint_b:
                b = _ops.conj(b)
        if adjoint_b:
            b = _ops.transpose(b, (1, 0))
        idx = sp_a.indices
        r, c = (1, 0) if adjoint_a else (0, 1)
        k_a, k_b = _const_dim(sp_a.dense_shape, c), b.aval.shape[0]
        if k_a is not None and k_b is not None and k_a != k_b:
            raise ValueError(f"Cannot multiply A and B because inner dimension does not match: "
                             f"{k_a} vs. {k_b}.  Did you forget a transpose?")
        rows = _ops.getitem(idx, (slice(None), r))
        cols = _ops.getitem(idx, (slice(None), c))
        picked = _ops.take(b, _ops.cast(cols, np.int32))
        contrib = _ops.mul(picked, _ops.expand_dims(vals, 1))
        n_rows = _ops.getitem(sp_a.dense_shape, (r,))
        return _rows_into(contrib, rows, n_rows, _const_dim(sp_a.dense_shape, r))


def sparse_reduce_sum(sp_input, axis=None, keepdims=None, reduction_axes=None, keep_dims=None,
                      name=None) -> Tensor:
    """The sum of a SparseTensor's values over ``axis`` (all of them when None) as a dense
    tensor; the missing entries count as zeros.  Differentiable with respect to ``values``."""
    sp = _check_sparse(sp_input, "sp_input")
    axis = reduction_axes if axis is None else axis
    keep = bool(keep_dims if keepdims is None else keepdims)
    g = get_default_graph()
    with g.name_scope(name or "SparseReduceSum"):
        if axis is None:
            total = _ops.sum(sp.values)
            if keep:
                rank = sp.dense_shape.aval.shape[0]
                total = _ops.reshape(total, (1,) * int(rank))
            return total
        axes = tuple(int(a) for a in (axis if isinstance(axis, (list, tuple)) else [axis]))
        return _ops.sum(_scatter_dense(sp), axes, keep)


def _scatter_dense(sp: SparseTensor) -> Tensor:
    """The dense form of ``sp`` as a differentiable scatter of its values (rank from the static
    dense_shape length)."""
    from .array_ops import zeros
    rank = sp.dense_shape.aval.shape[0]
    if rank is None:
        raise NotImplementedError("sparse_reduce_sum over an axis: the SparseTensor's rank must "
                                  "be known when the graph is built (give "
                                  "sparse_placeholder a shape)")
    shp = _ops.cast(sp.dense_shape, np.int32)
    flat = None                 # the row-major flat index of each stored value
    for i in range(int(rank)):
        col = _ops.cast(_ops.getitem(sp.indices, (slice(None), i)), np.int32)
        flat = col if flat is None else _ops.add(_ops.mul(flat, _ops.getitem(shp, (i,))), col)
    ref = zeros(_ops.reshape(_ops.prod(shp), (1,)), dtype=sp.values.aval.dtype)
    out = _ops.scatter_add(sp.values, flat, ref)
    from .array_ops import reshape
    dims = constant_value(sp.dense_shape)
    return reshape(out, shp if dims is None else [int(d) for d in dims])


def sparse_to_dense(sparse_indices, output_shape, sparse_values, default_value=0,
                    validate_indices: bool = True, name=None) -> Tensor:
    """TF1's ``tf.sparse_to_dense``: ``sparse_values`` (a scalar for all, or one per index) at
    ``sparse_indices`` (a scalar, a vector of row indices or an [N, rank] matrix) of a dense
    ``output_shape`` tensor, ``default_value`` elsewhere."""
    from .sparse import sparse_tensor_to_dense
    g = get_default_graph()
    idx = to_tensor(sparse_indices, g)
    shape = to_tensor(output_shape, g)
    if idx.aval.ndim == 0:
        idx = _ops.reshape(idx, (1, 1))
    elif idx.aval.ndim == 1:
        idx = _ops.expand_dims(idx, 1)
    vals = to_tensor(sparse_values, g)
    if vals.aval.ndim == 0:
        vals = _ops.add(_ops.zeros_like(_ops.cast(_ops.getitem(idx, (slice(None), 0)),
                                                  vals.aval.dtype)), vals)
    st = SparseTensor(_ops.cast(idx, np.int64), vals, _ops.cast(shape, np.int64))
    return sparse_tensor_to_dense(st, default_value, validate_indices,
                                  name=name or "SparseToDense")


def embedding_lookup_sparse(params, sp_ids, sp_weights, partition_strategy: str = "mod",
                            name=None, combiner: str = "mean", max_norm=None) -> Tensor:
    """TF1's ``tf.nn.embedding_lookup_sparse``: for each row ``i`` of ``sp_ids`` ([N, ...]),
    the ``combiner`` ("sum", "mean" or "sqrtn") of ``params[id] * weight`` over its ids (weights
    1 when ``sp_weights`` is None).  The result has ``max(row) + 1`` rows (TensorFlow's
    segment_sum: rows after the last non-empty one are left out, empty rows before it are
    zeros)."""
    from .nn import embedding_lookup
    if combiner not in ("mean", "sqrtn", "sum"):
        raise ValueError("combiner must be one of 'mean', 'sqrtn' or 'sum'")
    sp_ids = _check_sparse(sp_ids, "sp_ids")
    g = get_default_graph()
    with g.name_scope(name or "embedding_lookup_sparse"):
        rows = _ops.cast(_ops.getitem(sp_ids.indices, (slice(None), 0)), np.int32)
        emb = embedding_lookup(params, sp_ids.values, partition_strategy=partition_strategy,
                               max_norm=max_norm)
        n_rows = _ops.add(_ops.max(rows), 1)
        if sp_weights is not None:
            w = _check_sparse(sp_weights, "sp_weights").values
            w = _ops.cast(w, emb.aval.dtype)
            emb = _ops.mul(emb, _ops.expand_dims(w, 1))
        else:
            w = _ops.ones_like(_ops.cast(rows, emb.aval.dtype))
        total = _rows_into(emb, rows, n_rows, None)
        if combiner == "sum":
            return total
        wsum = _rows_into(_ops.expand_dims(w if combiner == "mean" else _ops.mul(w, w), 1),
                          rows, n_rows, None)
        if combiner == "sqrtn":
            wsum = _ops.sqrt(wsum)
        if sp_weights is None:          # sparse_segment_mean/sqrt_n: an empty row stays 0
            wsum = _ops.maximum(wsum, 1.0)
        return _ops.div(total, wsum)


def _levenshtein(a: list, b: list) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y))
        prev = cur
    return prev[-1]


def _edit_distance_impl(h_idx, h_val, h_shape, t_idx, t_val, t_shape, *, normalize: bool):
    h_shape, t_shape = [int(d) for d in h_shape], [int(d) for d in t_shape]
    if len(h_shape) != len(t_shape) or len(h_shape) < 2:
        raise ValueError(f"edit_distance: hypothesis and truth must have one rank >= 2, got "
                         f"{h_shape} and {t_shape}")
    out_shape = [max(a, b) for a, b in zip(h_shape[:-1], t_shape[:-1])]

    def groups(idx, val):
        g: dict = {}
        order: list | np.ndarray = np.lexsort(idx.T[::-1]) if len(idx) else []
        for k in order:
            g.setdefault(tuple(int(v) for v in idx[k][:-1]), []).append(
                val[k].item() if hasattr(val[k], "item") else val[k])
        return g
    hyp, truth = groups(h_idx, h_val), groups(t_idx, t_val)
    out = np.zeros(out_shape, np.float32)
    for loc in set(hyp) | set(truth):
        h, t = hyp.get(loc), truth.get(loc)
        if t is None:
            v = np.inf if normalize else len(h)
        elif h is None:
            v = 1.0 if normalize else len(t)
        else:
            v = _levenshtein(h, t) / (len(t) if normalize else 1)
        out[loc] = v
    return out


def edit_distance(hypothesis, truth, normalize: bool = True, name: str = "edit_distance"):
    """TF1's ``tf.edit_distance``: the Levenshtein distance between the sequences (the last
    dimension) of two SparseTensors at each index of the other dimensions, divided by the
    truth's length with ``normalize`` (a truth missing there: ``inf``; a hypothesis missing:
    1).  A float32 tensor of the larger of the two shapes less the last dimension; no
    gradient."""
    from .host_ops import host_op, register
    register("EditDistance", _edit_distance_impl)
    hypothesis = _check_sparse(hypothesis, "Hypothesis")
    truth = _check_sparse(truth, "Truth")
    if hypothesis.values.aval.dtype != truth.values.aval.dtype:
        raise TypeError(f"Hypothesis and truth must have the same type: "
                        f"{hypothesis.values.dtype.name} vs {truth.values.dtype.name}")
    rank = truth.dense_shape.aval.shape[0]
    shape = (None,) * (int(rank) - 1) if rank is not None else ()
    op = host_op("EditDistance", [hypothesis.indices, hypothesis.values, hypothesis.dense_shape,
                                  truth.indices, truth.values, truth.dense_shape],
                 [(shape, np.float32)], {"normalize": bool(normalize)}, name,
                 unknown_rank=rank is None)
    return op.outputs[0]
