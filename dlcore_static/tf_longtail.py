"""TensorFlow 1 names that tutorial programs use and dlcore_static lacked, each a few core ops
(so gradients come from those ops' vjps):

    tf.broadcast_to(x, shape)        x broadcast to shape (a fed shape too); dx = g summed back
    tf.roll(x, shift, axis)          elements shifted cyclically: y[(i + s) % n] = x[i]
    tf.searchsorted(seq, v, side)    per row: #{seq < v} ('left') or #{seq <= v} ('right')
    tf.identity_n, tf.ensure_shape   (ensure_shape checks the run-time shape, TF's words)
    tf.log_sigmoid                   -softplus(-x)
    tf.dimension_value, tf.Dimension, tf.tables_initializer
    tf.nn.zero_fraction              mean(x == 0)
    tf.nn.sufficient_statistics      (count, sum(x - shift), sum((x - shift)^2), shift)
    tf.nn.normalize_moments          mean = m/c + shift,  var = v/c - (m/c)^2
    tf.nn.weighted_moments           sum(w x)/sum(w),  sum(w (x - mean)^2)/sum(w)
    tf.nn.log_poisson_loss           exp(l) - t l  (+ Stirling's t log t - t + log(2 pi t)/2
                                     where t > 1, with compute_full_loss)
    tf.losses.cosine_distance        1 - sum(labels * predictions, axis), weighted

``install(tf)`` puts them in place without replacing an existing name.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from ._convert import _args, _scoped
from .graph import Dimension, Tensor, TensorShape, dimension_value, get_default_graph
from .host_ops import host_op
from .host_ops import register as _register_host_op

__all__ = ["Dimension", "broadcast_to", "dimension_value", "ensure_shape", "identity_n",
           "roll", "searchsorted", "tables_initializer"]


def _axis_list(a) -> list:
    return [int(v) for v in (a if isinstance(a, (list, tuple, np.ndarray)) else [a])]


def broadcast_to(input, shape, name=None):
    """``input`` broadcast to ``shape`` (NumPy's rules; ``shape`` may be a tensor)."""
    from .array_nd import _ints
    from .run_time_shapes import _fill_at_run_time, _run_time_shape
    x = _args(input)[0]
    if _run_time_shape(shape):
        def f(v):
            return _ops.broadcast_like(v, _fill_at_run_time(shape, 0, v.aval.dtype, "zeros"))
        return _scoped("BroadcastTo", name, f, x)
    dims = tuple(_ints(shape))
    xs = tuple(x.aval.shape)
    if len(xs) > len(dims) or any(a not in (1, b) and a is not None
                                  for a, b in zip(xs[::-1], dims[::-1])):
        raise ValueError(f"Incompatible shapes: {list(xs)} vs. {list(dims)} for "
                         f"'BroadcastTo'")
    if None in xs:
        from .frontend import constant
        return _scoped("BroadcastTo", name, lambda v: _ops.broadcast_like(
            v, constant(np.zeros(dims, v.aval.dtype))), x)
    return _scoped("BroadcastTo", name, lambda v: _ops.broadcast_to(v, dims), x)


def roll(input, shift, axis, name=None):
    """Elements shifted by ``shift`` along ``axis`` (lists of both roll several axes; a
    repeated axis adds up its shifts), wrapping around."""
    x = _args(input)[0]
    shifts, axes = _axis_list(shift), _axis_list(axis)
    if len(shifts) != len(axes):
        raise ValueError(f"shift and axis must have the same size, got {len(shifts)} and "
                         f"{len(axes)}")
    from .unknown_rank import unknown
    if unknown(x):
        from .unknown_rank_ops import roll as _roll
        return _scoped("Roll", name, lambda v: _roll(v, shifts, axes), x)
    total: dict = {}
    for s, a in zip(shifts, axes):
        a = a + x.aval.ndim if a < 0 else a
        if not 0 <= a < x.aval.ndim:
            raise ValueError(f"axis {a} is out of range for a tensor of rank {x.aval.ndim}")
        total[a] = total.get(a, 0) + s

    def f(v):
        for a in total:
            if v.aval.shape[a] is None:
                raise ValueError(f"roll: dimension {a} must be known when the graph is built")
        return _ops.roll(v, tuple(total.values()), tuple(total))     # dlcore's roll
    return _scoped("Roll", name, f, x)


def _bound_impl(seq, vals, *, side, out_type):
    """Each row's np.searchsorted: O(n + m) memory (a broadcast compare was O(n m): 37 GB for
    200,000 x 200,000)."""
    rows = seq.reshape(-1, seq.shape[-1]) if seq.ndim else seq.reshape(1, 1)
    vrows = vals.reshape(-1, vals.shape[-1]) if vals.ndim else vals.reshape(1, 1)
    if rows.shape[0] != vrows.shape[0]:
        raise ValueError(f"Leading dim_size of both tensors must match: sorted_sequence "
                         f"{list(seq.shape)}, values {list(vals.shape)}")
    out = np.empty(vrows.shape, out_type)
    for i in range(rows.shape[0]):
        out[i] = np.searchsorted(rows[i], vrows[i], side=side)
    if out.size and int(out.max(initial=0)) > np.iinfo(out_type).max:
        raise ValueError(f"out_type {np.dtype(out_type).name} cannot hold the position "
                         f"{int(out.max())}")
    return out.reshape(vals.shape)


_register_host_op("LowerBound", lambda s, v, out_type: _bound_impl(s, v, side="left",
                                                                   out_type=out_type))
_register_host_op("UpperBound", lambda s, v, out_type: _bound_impl(s, v, side="right",
                                                                   out_type=out_type))


def searchsorted(sorted_sequence, values, side="left", out_type=np.int32, name=None):
    """Row by row, where each value would be inserted in the sorted innermost row of
    ``sorted_sequence`` (``side='left'``: before equal entries, ``'right'``: after): TF's
    LowerBound/UpperBound, one host node (no gradient, as TF's) running np.searchsorted."""
    from . import dtypes as _dtypes
    if side not in ("left", "right"):
        raise ValueError(f"side must be either 'right' or 'left'.  Saw: {side}.")
    seq, v = _args(sorted_sequence, values)
    if seq.aval.ndim != v.aval.ndim or not TensorShape(seq.aval.shape[:-1]).is_compatible_with(
            TensorShape(v.aval.shape[:-1])):
        raise ValueError(f"searchsorted: sorted_sequence {seq.shape} and values {v.shape} "
                         "must have the same leading dimensions")
    out = np.dtype(_dtypes.as_np(out_type))
    op_type = "LowerBound" if side == "left" else "UpperBound"
    op = host_op(op_type, [seq, v], [(tuple(v.aval.shape), out)], attrs={"out_type": out},
                 name=name or "SearchSorted")
    return op.outputs[0]


def identity_n(input, name=None):
    """A list of identities of the tensors in ``input``."""
    from .array_ops import identity
    with get_default_graph().name_scope(name or "IdentityN"):
        return [identity(t) for t in input]


def _ensure_impl(dims, *, want):
    got = [int(d) for d in dims]
    if len(got) != len(want) or any(w is not None and w != g for w, g in zip(want, got)):
        text = ",".join("?" if w is None else str(w) for w in want)
        raise ValueError(f"Shape of tensor x [{','.join(map(str, got))}] is not compatible "
                         f"with expected shape [{text}].")
    return np.zeros((), np.int32)


_register_host_op("EnsureShapeCheck", _ensure_impl)



def ensure_shape(x, shape, name=None):
    """``x``, after checking that its shape fits ``shape`` (build time: ValueError; run time,
    for dimensions not known at build: InvalidArgumentError in TensorFlow's words)."""
    from .array_ops import identity
    from .graph import control_dependencies
    t = _args(x)[0]
    want = TensorShape(shape)
    if not t.shape.is_compatible_with(want):
        raise ValueError(f"Shapes {t.shape} and {want} are incompatible")
    if t.shape.is_fully_defined() or want.dims is None:
        return identity(t, name=name)
    with get_default_graph().name_scope(name or "EnsureShape"):
        check = host_op("EnsureShapeCheck", [_shape(t)], [((), np.int32)],
                        {"want": tuple(want.dims)})
        with control_dependencies([check]):
            return identity(t)


def _shape(t):
    from .array_api import shape  # (tf.shape: run-time dimensions too)
    return shape(t)


TABLE_INITIALIZERS = "table_initializer"


def tables_initializer(name="init_all_tables"):
    """The group of the graph's table initializers (``no_op`` when there are none)."""
    from .control_flow import group, no_op
    inits = get_default_graph().get_collection(TABLE_INITIALIZERS)
    return group(*inits, name=name) if inits else no_op(name=name)


# ----------------------------------------------------------------------------- tf.nn
def zero_fraction(value, name=None):
    """The fraction of zeros in ``value`` (float32)."""
    return _scoped("zero_fraction", name, lambda v: _ops.mean(
        _ops.cast(_ops.equal(v, _ops.zeros_like(v)), np.float32)), _args(value)[0],
        inner="fraction")           # (TF1: identity(..., "fraction") in its scope)


def _red(v, axes, keepdims):
    return _ops.sum(v, tuple(int(a) for a in axes), keepdims=keepdims)


def sufficient_statistics(x, axes, shift=None, keep_dims=None, name=None, keepdims=None):
    """``(count, sum(x - shift), sum((x - shift)^2), shift)`` over ``axes``."""
    keep = bool(keepdims if keepdims is not None else keep_dims)
    t = _args(x)[0]
    from .unknown_rank import unknown
    if unknown(t):
        from .unknown_rank_ops import sufficient_statistics as _stats
        with get_default_graph().name_scope(name or "sufficient_statistics"):
            return _stats(t, axes, None if shift is None else _args(shift)[0], keep)
    dims = [t.aval.shape[int(a)] for a in axes]
    if None in dims:
        raise ValueError(f"sufficient_statistics: the dimensions {list(axes)} of {t.shape} "
                         "must be known when the graph is built")
    from .frontend import constant
    with get_default_graph().name_scope(name or "sufficient_statistics"):
        count = constant(np.asarray(np.prod(dims), t.aval.dtype), name="count")
        if shift is not None:
            s = _args(shift)[0]
            m = _red(_ops.sub(t, s), axes, keep)
            v = _red(_ops.square(_ops.sub(t, s)), axes, keep)
        else:
            s, m, v = None, _red(t, axes, keep), _red(_ops.square(t), axes, keep)
        return count, m, v, s


def normalize_moments(counts, mean_ss, variance_ss, shift, name=None):
    """``(mean, variance)`` from the sufficient statistics."""
    with get_default_graph().name_scope(name or "normalize"):
        c, m, v = _args(counts, mean_ss, variance_ss)
        shifted = _ops.div(m, c)
        mean = _ops.add(shifted, _args(shift)[0]) if shift is not None else shifted
        return mean, _ops.sub(_ops.div(v, c), _ops.square(shifted))


def weighted_moments(x, axes, frequency_weights, name=None, keep_dims=None, keepdims=None):
    """``(mean, variance)`` of ``x`` over ``axes`` with ``frequency_weights`` (broadcast to
    ``x``)."""
    keep = bool(keepdims if keepdims is not None else keep_dims)
    with get_default_graph().name_scope(name or "weighted_moments"):
        t, w = _args(x, frequency_weights)
        if not isinstance(w, Tensor):       # (a Python number: x's dtype)
            from .frontend import constant
            w = constant(np.asarray(w, t.aval.dtype))
        if w.aval.dtype != t.aval.dtype:
            w = _ops.cast(w, t.aval.dtype)
        from .unknown_rank import unknown
        if unknown(t):
            from .unknown_rank_ops import weighted_moments as _wm
            return _wm(t, w, axes, keep)
        wsum = _red(_ops.add(w, _ops.zeros_like(t)), axes, True)
        mean = _ops.div(_red(_ops.mul(w, t), axes, True), wsum)
        var = _ops.div(_red(_ops.mul(w, _ops.square(_ops.sub(t, mean))), axes, True), wsum)
        if not keep:
            ax = tuple(sorted(int(a) % t.aval.ndim for a in axes))
            mean, var = _ops.squeeze(mean, ax), _ops.squeeze(var, ax)
        return mean, var


def log_poisson_loss(targets, log_input, compute_full_loss=False, name=None):
    """``exp(log_input) - log_input * targets`` (plus Stirling's approximation of
    ``log(targets!)`` where ``targets > 1`` with ``compute_full_loss``)."""
    lg, t = _args(log_input, targets)
    if not TensorShape(lg.aval.shape).is_compatible_with(TensorShape(t.aval.shape)):
        raise ValueError(f"log_input and targets must have the same shape ({lg.shape} vs "
                         f"{t.shape})")

    def f(li, tv):
        out = _ops.sub(_ops.exp(li), _ops.mul(li, tv))
        if compute_full_loss:
            safe = _ops.maximum(tv, 1.0)
            stirling = _ops.add(_ops.sub(_ops.mul(tv, _ops.log(safe)), tv),
                                _ops.mul(_ops.log(_ops.mul(safe, 2 * np.pi)), 0.5))
            out = _ops.add(out, _ops.where(_ops.greater(tv, 1.0), stirling,
                                           _ops.zeros_like(tv)))
        return out
    return _scoped("log_poisson_loss", name, f, lg, t, inner="sub")    # (TF1: ".../sub")


def cosine_distance(labels, predictions, axis=None, weights=1.0, scope=None,
                    loss_collection="losses", reduction="weighted_sum_by_nonzero_weights",
                    dim=None):
    """``1 - sum(labels * predictions, axis)`` (both unit-normalized by the caller), reduced
    as the other ``tf.losses``."""
    from .losses import compute_weighted_loss
    if axis is not None and dim is not None:
        raise ValueError("Cannot specify both 'axis' and 'dim'")
    a = axis if axis is not None else dim
    if a is None:
        raise ValueError("You must specify 'axis'.")
    with get_default_graph().name_scope(scope or "cosine_distance_loss"):
        p, y = _args(predictions, labels, cast_data=True)
        p, y = _ops.cast(p, np.float32), _ops.cast(y, np.float32)      # (TF's to_float)
        if not TensorShape(p.aval.shape).is_compatible_with(TensorShape(y.aval.shape)):
            raise ValueError(f"Shapes {p.shape} and {y.shape} are incompatible")
        losses = _ops.sub(1.0, _ops.sum(_ops.mul(p, y), int(a), keepdims=True))
        return compute_weighted_loss(losses, weights, loss_collection=loss_collection,
                                     reduction=reduction)


# ----------------------------------------------------------------------------- tf.train
def cosine_decay_restarts(learning_rate, global_step, first_decay_steps, t_mul=2.0, m_mul=1.0,
                          alpha=0.0, name=None):
    """SGDR: cosine decay restarted after ``first_decay_steps``, each period ``t_mul`` times
    longer and its peak ``m_mul`` times lower (TF1's formula)."""
    from .train_extra import _step
    with get_default_graph().name_scope(name or "SGDRDecay"):
        frac = _ops.div(_step(global_step), float(first_decay_steps))
        t_mul, m_mul = float(t_mul), float(m_mul)
        if t_mul == 1.0:
            i = _ops.floor(frac)
            frac = _ops.sub(frac, i)
        else:
            i = _ops.floor(_ops.div(_ops.log(_ops.sub(1.0, _ops.mul(frac, 1.0 - t_mul))),
                                    float(np.log(t_mul))))
            done = _ops.div(_ops.sub(1.0, _ops.pow(t_mul, i)), 1.0 - t_mul)
            frac = _ops.div(_ops.sub(frac, done), _ops.pow(t_mul, i))
        cos = _ops.mul(_ops.mul(_ops.pow(m_mul, i), 0.5),
                       _ops.add(_ops.cos(_ops.mul(frac, np.pi)), 1.0))
        return _ops.mul(_ops.add(_ops.mul(cos, 1.0 - float(alpha)), float(alpha)),
                        float(learning_rate))


def linear_cosine_decay(learning_rate, global_step, decay_steps, num_periods=0.5, alpha=0.0,
                        beta=0.001, name=None):
    """``lr * ((alpha + (T - t)/T) * (1 + cos(2 pi num_periods t / T)) / 2 + beta)`` with
    ``t = min(step, T)``."""
    from .train_extra import _step
    with get_default_graph().name_scope(name or "LinearCosineDecay"):
        t = _ops.minimum(_step(global_step), float(decay_steps))
        linear = _ops.div(_ops.sub(float(decay_steps), t), float(decay_steps))
        cos = _ops.mul(_ops.add(_ops.cos(_ops.mul(t, 2.0 * np.pi * float(num_periods) /
                                                  float(decay_steps))), 1.0), 0.5)
        return _ops.mul(_ops.add(_ops.mul(_ops.add(linear, float(alpha)), cos), float(beta)),
                        float(learning_rate))


NN = ["zero_fraction", "sufficient_statistics", "normalize_moments", "weighted_moments",
      "log_poisson_loss"]


def install(tf) -> None:
    """Bind the names under ``tf``, ``tf.nn``, ``tf.math`` and ``tf.losses`` (never over an
    existing one)."""
    g = globals()
    for n in __all__:
        if not hasattr(tf, n):
            setattr(tf, n, g[n])
    for n in NN:
        if not hasattr(tf.nn, n):
            setattr(tf.nn, n, g[n])
    # (tf.math.log_sigmoid is dlcore.ops.logsigmoid's binding, dlcore_static/_api.py)
    if not hasattr(tf, "log_sigmoid"):        # (TF 1.x's root alias of tf.math.log_sigmoid)
        tf.log_sigmoid = tf.math.log_sigmoid
    if not hasattr(tf.math, "searchsorted"):   # (TF2's home; TF1.15 has tf.searchsorted)
        tf.math.searchsorted = searchsorted
    if not hasattr(tf.losses, "cosine_distance"):
        tf.losses.cosine_distance = cosine_distance
    from . import image_color  # tf.image: rgb_to_hsv, adjust_hue, psnr, sobel_edges, ...
    image_color.install(tf.image)
    from . import layers_classes  # tf.layers.Conv2D, MaxPooling2D, Dropout, ...
    layers_classes.install(tf.layers)
    if not hasattr(tf.layers, "Layer"):  # (TF1's tf.layers.Layer is Keras's base layer)
        tf.layers.Layer = tf.keras.layers.Layer
    from . import metrics_extra  # tf.metrics.root_mean_squared_error, mean_iou, true_negatives
    metrics_extra.install(tf.metrics)
    for n in ("cosine_decay_restarts", "linear_cosine_decay"):
        if not hasattr(tf.train, n):
            setattr(tf.train, n, globals()[n])
    from . import coordinator  # tf.train.Coordinator, start_queue_runners
    for n in coordinator.__all__:
        if not hasattr(tf.train, n):
            setattr(tf.train, n, getattr(coordinator, n))
    _ = Tensor
