"""TensorFlow 1's sequence helpers: ``tf.gather``, ``tf.nn.embedding_lookup``, ``tf.unstack``,
``tf.range``, ``tf.sequence_mask`` and ``tf.reverse_sequence``.

They turn TensorFlow's arguments into dlcore's ops (``dlcore.ops.sequence.gather`` and
``embedding``, ``getitem``, ``sequence_mask``); gradients come from those ops.
"""

from __future__ import annotations

import builtins

import numpy as np

from dlcore import ops as _ops
from dlcore.errors import ShapeError
from dlcore.ops import reduce_extra as _reduce_extra
from dlcore.ops import sequence as _seq

from . import dtypes as _dtypes
from ._convert import _args, _named, _scoped
from ._index_checks import checked_gather_indices
from .frontend import constant
from .graph import Tensor, get_default_graph
from .unknown_rank import unknown as _unknown


def one_hot(indices, depth: int, on_value=None, off_value=None, axis=None,
            dtype=None, name: str | None = None) -> Tensor:
    """``on_value`` where ``indices`` hits, ``off_value`` elsewhere (an index outside
    ``[0, depth)`` hits nothing); the new dimension at ``axis`` (-1: last).  The dtype: ``dtype``,
    else ``on_value``'s or ``off_value``'s, else float32 (TF's rules and TypeErrors).  ``depth``
    may be a tensor: a fed one gives a new dimension known when the graph runs."""
    depth = _depth(depth)
    if not isinstance(depth, Tensor) and on_value is None and off_value is None and axis in (None, -1):
        dt = _dtypes.float32 if dtype is None else dtype
        return _named(lambda x: _ops.one_hot(x, depth, _dtypes.as_np(dt)), name or "one_hot",
                      indices, op_type="OneHot")     # (TF1: name_scope(name, "one_hot"))
    import sys
    tf = sys.modules["dlcore_static"]
    given = [(w, tf.convert_to_tensor(v, dtype=dtype)) for w, v in
             (("on_value", on_value), ("off_value", off_value)) if v is not None]
    if len(given) == 2 and given[0][1].dtype != given[1][1].dtype:
        raise TypeError(f"dtype {given[0][1].dtype} of on_value does not match dtype "
                        f"{given[1][1].dtype} of off_value")
    dt = _dtypes.as_dtype(dtype) if dtype is not None else (
        given[0][1].dtype if given else _dtypes.float32)
    for w, t in given:
        if t.dtype != dt:
            raise TypeError(f"dtype {t.dtype} of {w} does not match dtype parameter {dt}")
    vals = dict(given)
    with get_default_graph().name_scope(name or "one_hot"):
        x = tf.convert_to_tensor(indices)
        nd = x.shape.ndims
        a = -1 if axis is None else int(axis)
        if a < -1 or (nd is not None and a > nd):
            raise ValueError(f"one_hot: Expected axis to be -1 or between [0, {(nd or 0) + 1})."
                             f"  But received: {a}")
        # (after the checks: a refused call leaves no Assert/range nodes behind)
        hit_fn = _hit_at_run_time(depth) if isinstance(depth, Tensor) else \
            _hit_fixed(depth)
        if a != -1 and _unknown(x):       # the new axis placed at run time
            from .unknown_rank_ops import one_hot_at
            hit = tf.cast(one_hot_at(_args(x)[0], depth, a, hit_fn), tf.bool)
            a = -1
        else:
            hit = tf.cast(hit_fn(_args(x)[0]), tf.bool)
        on = vals.get("on_value", tf.constant(1, dtype=dt) if dt != tf.bool else True)
        off = vals.get("off_value", tf.constant(0, dtype=dt) if dt != tf.bool else False)
        out = tf.where_v2(hit, tf.cast(on, dt), tf.cast(off, dt))
        if a != -1 and nd is not None and a != nd:
            perm = list(builtins.range(nd))
            perm.insert(a, nd)
            out = tf.transpose(out, perm)
        return out


def _depth(depth):
    """``one_hot``'s depth: an int (a Python/NumPy integer or a tensor known when the graph is
    built) or a scalar integer tensor fed when it runs."""
    from .frontend import constant_value
    if isinstance(depth, (int, np.integer)) and not isinstance(depth, (bool, np.bool_)):
        return int(depth)
    if not isinstance(depth, Tensor):
        arr = np.asarray(depth)
        if arr.dtype.kind not in "iu":      # (TF: convert_to_tensor(depth, int32)'s words)
            raise TypeError(f"Expected int32, got {depth!r} of type "
                            f"'{type(depth).__name__}' instead.")
        depth = constant(arr.astype(np.int32))
    if depth.aval.ndim != 0:
        raise ValueError(f"one_hot: depth must be a scalar int32, got shape {depth.shape}")
    if depth.aval.dtype != np.int32:
        raise TypeError(f"Input 'depth' of 'OneHot' Op has type {depth.dtype.name} that does "
                        "not match expected type of int32.")
    c = constant_value(depth)
    if c is not None:
        if int(c) < 0:
            raise ValueError(f"one_hot: depth must be non-negative, got: {int(c)}")
        return int(c)
    return depth


def _hit_fixed(depth: int):
    def hit(i):
        return _ops.one_hot(i, depth, np.float32)
    return hit


def _hit_at_run_time(depth: Tensor):
    """1.0 where an index equals a value of ``range(depth)`` on a new last axis (``depth``
    fed): TensorFlow's OneHot with its depth a graph input."""
    import sys
    tf = sys.modules["dlcore_static"]
    from .debug_ops import Assert
    d64 = _ops.cast(depth, np.int64)
    check = Assert(_ops.greater_equal(d64, 0), ["OneHot: depth must be non-negative, got: ",
                                                 depth])
    with get_default_graph().control_dependencies([check]):
        cols = _args(tf.range(d64))[0]

    def hit(i):
        eq = _ops.equal(_ops.expand_dims(_ops.cast(i, np.int64), -1), cols)
        return _ops.cast(eq, np.float32)
    return hit


def _int_index(i):
    """A Python or NumPy integer index as TF converts it (an int32 constant; int64 past
    int32), not a weak scalar that would take the params' float dtype."""
    if isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)):
        v = int(i)
        return constant(np.int32(v) if -2**31 <= v < 2**31 else np.int64(v))
    return i


def gather(params, indices, validate_indices=None, name: str | None = None, axis=None,
           batch_dims: int = 0) -> Tensor:
    """``params`` indexed by ``indices`` along ``axis`` (TensorFlow's ``tf.gather``)."""
    indices = _int_index(indices)
    if batch_dims:
        from .array_api import gather_batched
        return gather_batched(params, indices, axis, batch_dims, name)
    a = 0 if axis is None else int(axis)
    if _unknown(params):
        from .unknown_rank_ops import gather as _gather
        return _scoped("GatherV2", name, lambda p, i: _gather(p, i, a, _checked), params,
                       indices)
    return _scoped("GatherV2", name, lambda p, i: _seq.gather(p, _checked(i, p, a), a), params,
                   indices)


def _checked(i, p, axis):
    """TensorFlow refuses an index outside [0, n) at run time, negatives too (dlcore's take
    counts them from the end, as PyTorch): see ``_index_checks``."""
    if not -p.aval.ndim <= axis < p.aval.ndim:
        return i                    # (the gather itself raises its error)
    return checked_gather_indices(i, p, axis, "CheckIndices")


def embedding_lookup(params, ids, partition_strategy: str = "mod", name: str | None = None,
                     validate_indices: bool = True, max_norm=None) -> Tensor:
    """Rows of ``params`` (a tensor, or a list of parts / a PartitionedVariable read with
    ``partition_strategy``: see ``partitioned.partitioned_lookup``) picked by ``ids``.
    ``max_norm``: each looked-up embedding whose l2 norm exceeds it is scaled down to it
    (``clip_by_norm`` over the embedding's axes, as TF1; ``params`` itself is unchanged)."""
    from .partitioned import PartitionedVariable, partitioned_lookup
    ids = _int_index(ids)
    if isinstance(params, PartitionedVariable):
        params = list(params)
    if isinstance(params, (list, tuple)):
        if not params:
            raise ValueError("Need at least one param")
        if len(params) > 1:
            return _clip(partitioned_lookup(params, ids, partition_strategy, name), ids,
                         max_norm)
        params = params[0]
    return _clip(_scoped("embedding_lookup", name, lambda p, i: _seq.embedding(
        _checked(i, p, 0), p), params, ids), ids, max_norm)


def _clip(rows: Tensor, ids, max_norm) -> Tensor:
    """TF1's ``_clip`` of embedding_lookup: ``clip_by_norm`` over the axes after ids' (its
    zero-safe norm: a zero row has gradient ``c / max_norm``, not NaN)."""
    if max_norm is None:
        return rows
    ids_t = ids if isinstance(ids, Tensor) else None
    k = ids_t.aval.ndim if ids_t is not None else np.ndim(ids)
    if _unknown(rows) or (ids_t is not None and _unknown(ids_t)):
        raise ValueError("embedding_lookup: max_norm needs the ranks of ids and params when "
                         "the graph is built; give the placeholders shapes")
    axes = tuple(builtins.range(k, rows.aval.ndim))

    def f(t, c):
        l2sum = _ops.sum(_ops.mul(t, t), axes, True)
        pred = _ops.greater(l2sum, 0)
        l2norm = _ops.where(pred, _ops.sqrt(_ops.where(pred, l2sum, _ops.ones_like(l2sum))),
                            l2sum)
        return _ops.div(_ops.mul(t, c), _ops.maximum(l2norm, c))
    # (a tensor max_norm, as TF's clip_by_norm takes, cast to the rows' dtype)
    c = _ops.cast(max_norm, rows.aval.dtype) if isinstance(max_norm, Tensor) else \
        constant(np.asarray(max_norm, rows.aval.dtype))
    return _scoped("clip_by_norm", None, f, rows, c)


def unstack(value, num=None, axis: int = 0, name: str = "unstack") -> list:
    """The slices of ``value`` along ``axis``, as a list."""
    x = _args(value)[0]
    if _unknown(x):
        if num is None:
            raise ValueError("Cannot infer num from shape <unknown> (unstack of a tensor of "
                             "unknown rank: pass num)")
        from .unknown_rank_ops import unstack as _unstack
        g = get_default_graph()
        with g.name_scope(name or "unstack") as scope:
            out = _unstack(x, int(num), axis)
        g.alias_outputs(scope[:-1], out)
        return out
    nd = x.aval.ndim
    a = axis % nd if -nd <= axis < nd else None
    if a is None:
        raise ValueError(f"axis = {axis} not in [{-nd}, {nd})")
    n = x.aval.shape[a] if num is None else num
    if n is None:
        raise ValueError(f"Cannot infer num from shape {x.shape}")
    g_idx = [(slice(None),) * a + (k,) for k in builtins.range(int(n))]
    g = get_default_graph()
    with g.name_scope(name or "unstack") as scope:
        out = [_ops.getitem(x, i) for i in g_idx]
    g.alias_outputs(scope[:-1], out)    # TF1's one Unpack op: unstack:0, unstack:1, ...
    return out


_RANGE_DTYPES = (np.dtype(np.int32), np.dtype(np.int64), np.dtype(np.float32),
                 np.dtype(np.float64))


def range(start, limit=None, delta=1, dtype=None, name: str = "range") -> Tensor:  # noqa: A001
    """``[start, start + delta, ...)`` below ``limit``, as TensorFlow 1's ``tf.range``.

    Python numbers give a constant of known length; any tensor bound gives a ``Range`` node
    whose length is known only at run time (shape ``(?,)``).  Without ``dtype`` the result
    takes the widest of the arguments' dtypes in int32 < int64 < float32 < float64 (a Python
    int is int32, a float float32), the others cast to it.  ``delta == 0``, or bounds on the
    wrong side of each other, are errors in TensorFlow's words: a ``ValueError`` when the
    graph is built from numbers, an ``InvalidArgumentError`` when the node runs.  Not
    differentiable (``tf.gradients`` gives None).
    """
    if limit is None:
        start, limit = 0, start
    vals = [start, limit, delta]
    if not any(_is_tensor(v) for v in vals):
        if dtype is None:
            dt = np.dtype(np.float32) if any(isinstance(v, float) for v in vals) \
                else np.dtype(np.int32)
        else:
            dt = np.dtype(_dtypes.as_np(dtype))
        s, lim, d = (np.asarray(v, dt)[()] for v in vals)
        try:
            n = _reduce_extra.range_length(s, lim, d)
        except ValueError as e:
            msg = str(e).split(":")[0] if d == 0 else str(e)
            raise ShapeError("range", msg, [(), (), ()]) from None
        return constant(np.add(np.multiply(np.arange(n, dtype=dt), d), s).astype(dt),
                        name=name or "Range")       # (TF1's name_scope(None, "Range"))
    ts = [_args(v)[0] if _is_tensor(v) else None for v in vals]
    if dtype is None:
        given = [t.aval.dtype for t in ts if t is not None]
        given += [np.dtype(np.float32 if isinstance(v, float) else np.int32)
                  for v, t in zip(vals, ts) if t is None]
        for d in given:
            if d not in _RANGE_DTYPES:
                raise TypeError(f"Value passed to parameter 'start' has DataType {d.name} "
                                "not in list of allowed values: int32, int64, float32, "
                                "float64 (tf.range)")
        dt = builtins.max(given, key=_RANGE_DTYPES.index)
    else:
        dt = np.dtype(_dtypes.as_np(dtype))
    ins = [constant(np.asarray(v, dt)) if t is None else t for v, t in zip(vals, ts)]

    def as_dt(x):
        return _ops.cast(x, dt) if x.aval.dtype != dt else x

    def build(a, b, c):
        return _ops.arange(as_dt(a), as_dt(b), as_dt(c), dt)
    return _scoped("Range", name, build, *ins)


def meshgrid(*args, **kwargs) -> list:
    """TensorFlow's ``tf.meshgrid``: N-D coordinate arrays from 1-D ones (``indexing='xy'``,
    the default, swaps the first two output axes; ``'ij'`` keeps them), each
    ``reshape(arg_i)`` broadcast against zeros of the others, so lengths known only at run
    time (``tf.range(tf.shape(x)[0])``) work too."""
    indexing = kwargs.pop("indexing", "xy")
    name = kwargs.pop("name", "meshgrid")
    if kwargs:
        raise TypeError(f"'{next(iter(kwargs))}' is an invalid keyword argument for this "
                        "function")
    if indexing not in ("xy", "ij"):
        raise ValueError("indexing parameter must be either 'xy' or 'ij'")
    xs = [_args(a)[0] for a in args]
    nd = len(xs)

    def build(*vs):
        flat = [_ops.reshape(v, (-1,)) for v in vs]
        axes = list(builtins.range(nd))
        if indexing == "xy" and nd >= 2:
            axes[0], axes[1] = 1, 0
        shaped = [_ops.reshape(v, tuple(-1 if d == axes[i] else 1 for d in builtins.range(nd)))
                  for i, v in enumerate(flat)]
        outs = []
        for i, v in enumerate(shaped):
            for j, w in enumerate(shaped):
                if j != i:
                    v = _ops.add(v, _ops.zeros_like(w, v.aval.dtype))
            outs.append(v)
        return outs
    if not xs:
        return []
    return _scoped(name, None, build, *xs)


def _is_tensor(v) -> bool:
    return isinstance(v, Tensor) or hasattr(v, "_as_graph_element")


def sequence_mask(lengths, maxlen=None, dtype=_dtypes.bool, name: str | None = None) -> Tensor:
    """``mask[..., t] = t < lengths[...]`` for t < maxlen (default ``max(lengths)``).  A Python
    ``maxlen`` (or constant lengths) gives a known last dimension; a ``maxlen`` tensor, or
    lengths known only at run time without one, a last dimension of run-time length
    (``tf.range(maxlen)`` compared with the lengths, as TF1 builds it)."""
    x = _args(lengths)[0]
    dt = _dtypes.as_np(dtype)
    if maxlen is None and x.op.type == "Const":
        maxlen = int(np.max(x.op.attrs["value"]))
    if maxlen is not None and not _is_tensor(maxlen):
        return _scoped("SequenceMask", name,        # (TF1: SequenceMask/Less, no name=)
                       lambda n: _seq.sequence_mask(n, int(maxlen), dt), x, name_last=False)

    def build(n, *m):
        top = _ops.max(n) if not m else _ops.cast(m[0], n.aval.dtype)
        zero, one = (constant(np.asarray(v, n.aval.dtype)) for v in (0, 1))
        steps = _ops.arange(zero, _ops.maximum(top, zero), one, n.aval.dtype)
        mask = _ops.less(steps, _ops.expand_dims(n, -1))
        return mask if np.dtype(dt) == np.bool_ else _ops.cast(mask, dt)
    extra = () if maxlen is None else (maxlen,)
    return _scoped("SequenceMask", name, build, x, *extra, name_last=False)


def reverse_sequence(input, seq_lengths, seq_axis=None, batch_axis=None, name=None,
                     seq_dim=None, batch_dim=None) -> Tensor:  # noqa: A002
    """Each sequence's first ``seq_lengths[b]`` steps reversed, the padding left in place."""
    sa = seq_axis if seq_axis is not None else seq_dim
    ba = batch_axis if batch_axis is not None else (batch_dim or 0)
    x, n = _args(input)[0], _args(seq_lengths)[0]
    from .unknown_rank_ops import refuse
    refuse("ReverseSequence", x)
    xs, ns = x.aval.shape, n.aval.shape
    if xs is not None and ns is not None and len(ns) == 1 and ba < len(xs) and \
            None not in (xs[ba], ns[0]) and xs[ba] != ns[0]:
        # TF's shape function merges seq_lengths' size with the batch dimension (one length
        # for a batch of 3 was broadcast over it)
        def txt(shape):
            return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"
        raise ValueError(f"Dimensions must be equal, but are {xs[ba]} and {ns[0]} for "
                         f"'{name or 'ReverseSequence'}' (op: 'ReverseSequence') with input "
                         f"shapes: {txt(xs)}, {txt(ns)}.")
    if xs is not None and ns is not None and len(ns) == 1 and ba < len(xs) and \
            None in (xs[ba], ns[0]):
        n = _checked_seq_lens(n, x, ba)
    return _scoped("ReverseSequence", name, lambda v, m: reverse_by_length(v, m, sa, ba), x, n)


def _checked_seq_lens(n, x, batch_axis: int):
    """``n`` read after a run-time Assert that its size is the batch's (TF's kernel:
    InvalidArgumentError 'Length of seq_lens != input.dims(0), (1 vs. 3)'; the Assert's text
    carries the same words and numbers)."""
    from .debug_ops import Assert
    g = get_default_graph()
    size = _ops.cast(_ops.getitem(_ops.shape_of(n), 0), np.dtype("int32"))
    batch = _ops.cast(_ops.getitem(_ops.shape_of(x), batch_axis), np.dtype("int32"))
    check = Assert(_ops.equal(size, batch),
                   [f"Length of seq_lens != input.dims({batch_axis}), (", size, " vs. ",
                    batch, ")"])
    with g.control_dependencies([check]):
        return _ops.identity(n)


def reverse_by_length(x, lengths, seq_axis: int, batch_axis: int):
    """``y[b, t] = x[b, len_b - 1 - t]`` for t < len_b, else ``x[b, t]`` (on any two axes):
    a batched matmul with per-sequence permutation matrices (one_hot of the source step); when
    the number of steps is known only at run time (rank 3), a ``take_along_axis`` of each
    step's source instead."""
    nd = x.aval.ndim
    T = x.aval.shape[seq_axis]
    if T is None and nd != 3:
        raise NotImplementedError("reverse_sequence: the time dimension must be known (or "
                                  "the input of rank 3)")
    perm = [batch_axis, seq_axis] + [d for d in np.arange(nd) if d not in (batch_axis,
                                                                           seq_axis)]
    xb = _ops.transpose(x, tuple(int(p) for p in perm))           # (B, T, ...)
    if T is None:              # steps known at run time: a gather of each row's source step
        steps = _ops.cumsum(_ops.ones_like(_ops.getitem(xb, (0, slice(None), 0))), 0,
                            exclusive=True)                       # 0, 1, ..., T-1
        steps = _ops.cast(steps, lengths.aval.dtype)
        ln = _ops.expand_dims(lengths, -1)
        src = _ops.where(_ops.less(steps, ln), _ops.sub(_ops.sub(ln, 1), steps), steps)
        idx = _ops.add(_ops.expand_dims(_ops.cast(src, np.int64), -1),
                       _ops.cast(_ops.zeros_like(xb), np.int64))  # (B, T, F)
        y = _ops.take_along_axis(xb, idx, 1)
        return _ops.transpose(y, tuple(int(i) for i in np.argsort(perm)))
    shp = xb.aval.shape
    if nd == 2:                 # (B, T) ids, B maybe unknown: one feature
        flat = _ops.expand_dims(xb, -1)
    elif nd != 3:
        rest = shp[2:]
        feat = int(np.prod(rest)) if None not in rest else -1
        flat = _ops.reshape(xb, (-1 if shp[0] is None else shp[0], T, feat))
    else:
        flat = xb
    steps = constant(np.arange(T, dtype=lengths.aval.dtype))
    ln = _ops.expand_dims(lengths, -1)                            # (B, 1)
    src = _ops.where(_ops.less(steps, ln), _ops.sub(_ops.sub(ln, 1), steps), steps)
    p = _ops.one_hot(_ops.cast(src, np.int64), T, flat.aval.dtype)   # (B, T, T)
    y = _ops.matmul(p, flat)
    if nd != 3:
        y = _ops.reshape_like(y, xb)
    inv = tuple(int(i) for i in np.argsort(perm))
    return _ops.transpose(y, inv)


__all__ = ["gather", "embedding_lookup", "unstack", "range", "meshgrid", "sequence_mask",
           "reverse_sequence"]
