"""TensorFlow 1 functions found missing by an API sweep, as compositions of dlcore ops (so
their gradients come from the ops'): ``tf.nn.top_k``, ``tf.sort``/``tf.argsort``, ``tf.norm``,
``tf.trace``, ``tf.logical_xor``, ``tf.math.reduce_std``/``reduce_variance``,
``tf.confusion_matrix``, ``tf.segment_sum``/``segment_mean``/``unsorted_segment_sum``,
``tf.scatter_update``/``scatter_add``/``scatter_sub`` (on variables),
``tf.train.ExponentialMovingAverage`` and the ``tf.contrib.layers`` regularizers.  Their
homes in the tf namespaces are listed in ``tf_namespaces.ALIASES``."""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from dlcore import ops as _ops

from . import dtypes as _dtypes
from ._convert import _args, _scoped
from .frontend import constant_value
from .graph import Tensor, get_default_graph
from .unknown_rank import unknown as _unknown

TopKV2 = namedtuple("TopKV2", ["values", "indices"])


def top_k(input, k=1, sorted=True, name=None):  # noqa: A002
    """The ``k`` largest entries of the last dimension and their indices (int32), largest
    first; among equal values the lower index comes first."""
    (x,) = _args(input)
    if _unknown(x):
        from .unknown_rank_ops import top_k as _top_k
        g = get_default_graph()
        with g.name_scope(name or "TopKV2") as scope:
            out = TopKV2(*_top_k(x, int(k), sorted, lambda v, kk, srt: tuple(
                top_k(v, kk, srt, name="rows"))))
        g.alias_outputs(scope[:-1], out)
        return out
    n = x.aval.shape[-1]
    if isinstance(k, int) and n is not None and k > n:
        raise ValueError(f"input must have at least k columns. Had {n}, needed {k}")
    g = get_default_graph()
    with g.name_scope(name or "TopKV2") as scope:
        if n is None:           # TF's run-time refusal (k was taken silently as n)
            import sys
            tf = sys.modules["dlcore_static"]
            have = tf.shape(x)[-1]
            check = tf.Assert(tf.greater_equal(have, int(k)), [
                "input must have at least k columns. Had", have, f"needed {int(k)}"])
            with g.control_dependencies([check]):
                x = tf.identity(x)
        values, indices = _ops.topk(x, int(k), -1, True, True)
        out = TopKV2(values, _ops.cast(indices, np.int32))
    g.alias_outputs(scope[:-1], out)    # TF1's one TopKV2 op: TopKV2:0 values, TopKV2:1 indices
    return out


def sort(values, axis=-1, direction="ASCENDING", name=None):
    """``values`` sorted along ``axis`` (``'ASCENDING'`` or ``'DESCENDING'``)."""
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f'Unknown direction: {direction}. Must be one of ("ASCENDING", '
                         '"DESCENDING").')
    def f(x):
        if _unknown(x):
            from .unknown_rank_ops import sort_along
            return sort_along(x, axis, lambda v, a: _ops.sort(v, a, direction == "DESCENDING",
                                                              True)[0])
        return _ops.sort(x, axis, direction == "DESCENDING", True)[0]
    return _scoped("sort", name, f, values, name_last=False)


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """The indices (int32) that sort ``values`` along ``axis`` (always stable here)."""
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f'Unknown direction: {direction}. Must be one of ("ASCENDING", '
                         '"DESCENDING").')
    def f(x):
        if _unknown(x):
            from .unknown_rank_ops import sort_along
            return _ops.cast(sort_along(x, axis, lambda v, a: _ops.argsort(
                v, a, direction == "DESCENDING", True)), np.int32)
        return _ops.cast(_ops.argsort(x, axis, direction == "DESCENDING", True), np.int32)
    return _scoped("argsort", name, f, values, name_last=False)


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None, keep_dims=None):  # noqa: A002
    """Vector norms (``ord`` 'euclidean', 1, 2, np.inf, any p > 0) over ``axis`` (all of them
    by default, the tensor taken as one vector) and matrix norms ('fro', 'euclidean', 1,
    np.inf) over a pair of axes."""
    keep = bool(keepdims if keepdims is not None else keep_dims)
    pair = isinstance(axis, (list, tuple)) and len(axis) == 2

    def fn(x):
        if pair and _unknown(x):
            raise ValueError(f"norm: a matrix norm over axes {list(axis)} of a tensor of "
                             "unknown rank is not supported (give the placeholder a shape)")
        if pair:
            o = "fro" if ord in ("fro", "euclidean") else ord
            if o not in ("fro", 1, np.inf):
                raise ValueError(f"'ord' must be a supported matrix norm in ['euclidean', "
                                 f"'fro', 1, inf], got {ord}")
            return _ops.matrix_norm(x, o, tuple(axis), keep)
        if ord == "fro":
            raise ValueError("'ord' must be a supported vector norm, got fro")
        o = 2 if ord == "euclidean" else ord
        ax = None if axis is None else (axis if isinstance(axis, int) else tuple(axis))
        from dlcore.registry import aval_of
        if o == 2 and aval_of(x).dtype.kind == "f":
            # TensorFlow's sqrt(reduce_sum(x * x)): a NaN gradient at a zero norm
            from dlcore.ops.norm2 import norm2

            def vec(v, a, kd):
                return norm2(v, a, kd, masked=False)
        else:
            def vec(v, a, kd):
                return _ops.vector_norm(v, o, a, kd)
        if ax is not None and _unknown(x):
            from .unknown_rank_ops import norm_along
            return norm_along(x, ax, keep, vec)
        return vec(x, ax, keep)
    return _scoped("norm", name, fn, tensor, name_last=False)      # (TF1: norm/Squeeze ...)


def trace(x, name=None):
    """The sum of the main diagonal of each innermost matrix."""
    def fn(t):
        if _unknown(t):
            from .unknown_rank_ops import trace as _trace
            return _trace(t)
        return _ops.sum(_ops.diagonal(t, 0, -2, -1), -1)
    return _scoped("Trace", name, fn, x)


def _bools(op_type: str, **operands):
    """TensorFlow's logical ops take bool tensors only: anything else is the TypeError of its
    op definition (a tensor: its dtype named; a Python/NumPy value: the conversion's words)."""
    out = []
    for label, v in operands.items():
        if not isinstance(v, (bool, int, float, complex, list, tuple, np.ndarray, np.generic)):
            dt = _dtypes.as_dtype(v.dtype).base_dtype      # a Tensor or Variable
            if dt != _dtypes.bool:
                raise TypeError(f"Input '{label}' of '{op_type}' Op has type {dt.name} "
                                "that does not match expected type of bool.")
            out.append(v)
            continue
        a = np.asarray(v)
        if a.dtype != np.bool_:
            first = a.reshape(-1)[0] if a.size else v
            first = first.item() if isinstance(first, np.generic) else first
            raise TypeError(f"Expected bool, got {first!r} of type "
                            f"'{type(first).__name__}' instead.")
        out.append(v)
    return out


def round(x, name=None):
    """``tf.round``: half to even for floats; an integer tensor is returned as it is (TF1's
    math_ops.round)."""
    from .frontend import to_tensor
    t = x if isinstance(x, Tensor) else to_tensor(x)
    if t.dtype.is_integer:
        return t
    return _scoped("Round", name, _ops.round_, t)


def logical_and(x, y, name=None):
    """``x AND y`` elementwise for bool tensors (broadcasting); other dtypes: TypeError."""
    return _scoped("LogicalAnd", name, _ops.logical_and, *_bools("LogicalAnd", x=x, y=y))


def logical_or(x, y, name=None):
    """``x OR y`` elementwise for bool tensors (broadcasting); other dtypes: TypeError."""
    return _scoped("LogicalOr", name, _ops.logical_or, *_bools("LogicalOr", x=x, y=y))


def logical_not(x, name=None):
    """``NOT x`` elementwise for a bool tensor; other dtypes: TypeError."""
    return _scoped("LogicalNot", name, _ops.logical_not, *_bools("LogicalNot", x=x))


def logical_xor(x, y, name="LogicalXor"):
    """``x != y`` for booleans (``(x | y) & ~(x & y)`` in TensorFlow)."""
    return _scoped("LogicalXor", name, _ops.logical_xor, *_bools("LogicalXor", x=x, y=y))


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """The (biased) variance over ``axis``."""
    def fn(x):
        from ._api import _rank0_axes  # (TF's 'Invalid reduction dimension' on a 0-d x)
        if axis is not None and _unknown(x):
            from .unknown_rank_ops import variance
            return variance(x, axis, bool(keepdims))

        ax = axis if not isinstance(axis, list) else tuple(axis)
        m = _ops.mean(_rank0_axes(x, ax), ax, True)
        d = _ops.sub(x, m)
        return _ops.mean(_ops.mul(d, d), ax, keepdims)
    return _scoped("reduce_variance", name, fn, input_tensor, name_last=False)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """The square root of ``reduce_variance``."""
    return _scoped("reduce_std", name, lambda x: _ops.sqrt(
        reduce_variance(x, axis, keepdims)), input_tensor, name_last=False)   # (reduce_std/Sqrt)


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """Row ``i`` of the result sums the rows of ``data`` whose id is ``i`` (ids need not be
    sorted; negative ids are dropped, ids from ``num_segments`` on are an error)."""
    from .scatter_extra import unsorted_segment_sum_dropping
    return unsorted_segment_sum_dropping(data, segment_ids, num_segments, name)


def segment_sum(data, segment_ids, name=None):
    """``unsorted_segment_sum`` with sorted ids, ``max(id) + 1`` segments (0 for an empty
    one); fed ids: the number is counted when the graph runs."""
    from .scatter_extra import segment_sum as f
    return f(data, segment_ids, name)


def segment_mean(data, segment_ids, name=None):
    """The mean of each segment's rows (an empty segment gives 0)."""
    from .scatter_extra import segment_mean as f
    return f(data, segment_ids, name)





# ----------------------------------------------------------------------------- variables
def _scatter(op_name, ref, indices, updates, combine, name):
    from .variables import Variable
    if not isinstance(ref, Variable):
        raise TypeError(f"{op_name}: 'ref' must be a Variable, got {type(ref).__name__}")
    with get_default_graph().name_scope(name or op_name):
        (idx, upd) = _args(indices, updates)
        idx = _ops.cast(idx, np.int64) if idx.aval.dtype != np.int64 else idx
        old = ref._update_read()
        new = combine(old, idx, upd)
        return ref.assign(new)


def scatter_update(ref, indices, updates, use_locking=True, name=None):
    """``ref[indices] = updates`` on a variable (rows along the first axis; the last of
    repeated indices wins); returns the variable's new value."""
    from .scatter_extra import row_update
    return row_update(ref, indices, updates, name)


def scatter_add(ref, indices, updates, use_locking=False, name=None):
    """``ref[indices] += updates`` (repeated indices add up)."""
    return _scatter("ScatterAdd", ref, indices, updates,
                    lambda old, i, u: _ops.add(old, _ops.scatter_add(u, i, old)), name)


def scatter_sub(ref, indices, updates, use_locking=False, name=None):
    """``ref[indices] -= updates`` (repeated indices add up)."""
    return _scatter("ScatterSub", ref, indices, updates,
                    lambda old, i, u: _ops.sub(old, _ops.scatter_add(u, i, old)), name)


# ----------------------------------------------------------------------------- metrics
def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=np.int32,
                     name=None):
    """``m[i, j]``: how many (or how much ``weights``) samples of label ``i`` were predicted
    ``j``; ``num_classes`` defaults to ``max(labels, predictions) + 1`` when both are known."""
    from . import dtypes as _dtypes
    from .frontend import constant
    lab, pred = _args(labels, predictions)
    if num_classes is None:
        lv, pv = constant_value(labels), constant_value(predictions)
        if lv is None or pv is None:
            raise ValueError("confusion_matrix: num_classes is needed when labels or "
                             "predictions are fed")
        num_classes = int(max(np.max(lv), np.max(pv))) + 1
    n = int(num_classes)
    dt = _dtypes.as_np(dtype)
    w = _args(weights)[0] if weights is not None else None

    def fn(lb, pr, *rest):
        flat = _ops.add(_ops.mul(_ops.cast(lb, np.int64), n), _ops.cast(pr, np.int64))
        vals = _ops.cast(rest[0], dt) if rest else _ops.ones_like(_ops.cast(flat, dt))
        ref = constant(np.zeros((n * n,), dt))
        return _ops.reshape(_ops.scatter_add(vals, flat, ref), (n, n))
    args = (lab, pred) + ((w,) if w is not None else ())
    return _scoped("confusion_matrix", name, fn, *args, name_last=False)


# ----------------------------------------------------------------------------- training
def _zeros_of(t):
    """Zeros of tensor ``t``'s static shape and dtype (``zeros_like`` when it is not fully
    known: that one reads ``t``'s shape at run time, as TF's zeros slot does)."""
    from .frontend import constant
    shape = t.get_shape()
    if shape.is_fully_defined():
        return constant(np.zeros(shape.as_list(), t.dtype.as_numpy_dtype))
    return _ops.zeros_like(t)


class ExponentialMovingAverage:
    """Shadow variables that follow ``decay * shadow + (1 - decay) * value`` each time the op
    from ``apply`` runs (with ``num_updates``, the decay is ``min(decay, (1 + n) / (10 +
    n))``, as TF1); ``average(var)`` is the shadow, ``variables_to_restore`` maps names for a
    Saver that restores the averages into the variables."""

    def __init__(self, decay, num_updates=None, zero_debias=False, name="ExponentialMovingAverage"):
        self._decay = decay
        self._num_updates = num_updates
        self._zero_debias = zero_debias
        self._name = name
        self._averages: dict = {}

    @property
    def name(self) -> str:
        return self._name

    def apply(self, var_list=None):
        from . import control_flow as _cf
        from .variables import Variable, trainable_variables
        var_list = trainable_variables() if var_list is None else list(var_list)
        g = get_default_graph()
        updates = []
        with g.name_scope(self._name):
            decay = _args(self._decay)[0] if not isinstance(self._decay, float) else \
                self._decay
            if self._num_updates is not None:
                n = _ops.cast(_args(self._num_updates)[0], np.float32)
                decay = _ops.minimum(decay, _ops.div(_ops.add(n, 1.0), _ops.add(n, 10.0)))
            for v in var_list:
                if v not in self._averages:
                    base = v.op.name if isinstance(v, Variable) else v.name.split(":")[0]
                    # created outside any control dependencies (TF's init_scope): the
                    # shadow's initializer must not wait for the ops the update follows
                    # (a tensor's shadow starts at zeros, TF's create_zeros_slot: its
                    # initializer must not need the tensor's feeds)
                    with g.name_scope(None), g.control_dependencies(None):
                        init = v.initial_value if isinstance(v, Variable) else \
                            _zeros_of(v)
                        self._averages[v] = Variable(init, trainable=False,
                                                     name=f"{base}/{self._name}")
                avg = self._averages[v]
                value = v.value() if isinstance(v, Variable) else _args(v)[0]
                old = avg._update_read()        # its own read: two apply()s both count
                new = _ops.sub(old, _ops.mul(_ops.sub(old, value), _ops.sub(1.0, decay)))
                updates.append(avg.assign(new))
            return _cf.group(*updates, name="apply")

    def average(self, var):
        return self._averages.get(var)

    def average_name(self, var) -> str:
        from .variables import Variable
        base = var.op.name if isinstance(var, Variable) else var.name.split(":")[0]
        return f"{base}/{self._name}"

    def variables_to_restore(self, moving_avg_variables=None) -> dict:
        from .variables import global_variables
        out = {}
        for v in global_variables():
            if v in self._averages.values():
                continue
            key = self.average_name(v) if (moving_avg_variables is None and v in self._averages
                                           ) or (moving_avg_variables is not None and
                                                 v in moving_avg_variables) else v.op.name
            out[key] = v
        return out


# ----------------------------------------------------------------------------- contrib
def l2_regularizer(scale, scope=None):
    """A function ``w -> scale * sum(w^2) / 2`` (``tf.contrib.layers.l2_regularizer``);
    ``scale`` 0 gives None, as TF."""
    if scale < 0.0:
        raise ValueError(f"Setting a scale less than 0 on a regularizer: {scale}")
    if scale == 0.0:
        return lambda _w: None

    def l2(weights):
        return _scoped(scope or "l2_regularizer", None,
                       lambda w: _ops.mul(_ops.sum(_ops.mul(w, w)), scale / 2.0), weights)
    return l2


def l1_regularizer(scale, scope=None):
    """A function ``w -> scale * sum(|w|)``."""
    if scale < 0.0:
        raise ValueError(f"Setting a scale less than 0 on a regularizer: {scale}")
    if scale == 0.0:
        return lambda _w: None

    def l1(weights):
        return _scoped(scope or "l1_regularizer", None,
                       lambda w: _ops.mul(_ops.sum(_ops.abs(w)), float(scale)), weights)
    return l1


def apply_regularization(regularizer, weights_list=None):
    """The sum of ``regularizer(w)`` over ``weights_list`` (the WEIGHTS collection by
    default), also added to the REGULARIZATION_LOSSES collection."""
    g = get_default_graph()
    if weights_list is None:
        weights_list = g.get_collection("weights")
    if not weights_list:
        raise ValueError("No weights to regularize.")
    penalties = [p for p in (regularizer(w) for w in weights_list) if p is not None]
    if not penalties:
        raise ValueError("No regularization to apply.")
    total = penalties[0]
    for p in penalties[1:]:
        total = _ops.add(total, p)
    g.add_to_collection("regularization_losses", total)
    return total


__all__ = ["ExponentialMovingAverage", "TopKV2", "apply_regularization", "argsort",
           "confusion_matrix", "l1_regularizer", "l2_regularizer", "logical_xor", "norm",
           "reduce_std", "reduce_variance", "scatter_add", "scatter_sub", "scatter_update",
           "segment_mean", "segment_sum", "sort", "top_k", "trace", "unsorted_segment_sum"]
