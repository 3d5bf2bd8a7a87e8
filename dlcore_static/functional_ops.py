"""Higher-order functions on ``while_loop``: ``tf.scan``, ``tf.map_fn``, ``tf.foldl``,
``tf.foldr``, and the per-step reading and writing they (and ``dynamic_rnn``) share.

Each is one ``While`` node: a step counter ``t`` and the carried values are loop variables; the
body reads element ``t`` of each input with ``take`` (a gather of one row) and writes the step's
result into an accumulator of shape (n, ...) with ``scatter_add`` at row ``t`` (TensorFlow uses
a TensorArray; here the accumulator is an ordinary loop variable, so the loop's gradient is the
core's ``WhileGrad`` with the vjps of take and scatter_add).  The number of elements must be
known when the graph is built or only at run time (the loop then runs to
``tf.shape(elems)[0]``).  ``fn`` is traced once more outside the loop, on element 0, to
learn its output's shape (that probe is pruned from every run that does not fetch it).
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from .control_flow import while_loop
from .frontend import constant, to_tensor
from .graph import get_default_graph


def flatten(structure) -> list:
    """The leaves of nested tuples/lists (namedtuples included), in order."""
    if isinstance(structure, (tuple, list)):
        return [leaf for s in structure for leaf in flatten(s)]
    return [structure]


def pack_as(structure, leaves):
    """``leaves`` put back into the nesting of ``structure``."""
    it = iter(leaves)

    def build(s):
        if isinstance(s, (tuple, list)):
            parts = [build(x) for x in s]
            return type(s)(*parts) if hasattr(s, "_fields") else type(s)(parts)
        return next(it)
    return build(structure)


def read(x, t):
    """Row ``t`` (a scalar int tensor) of ``x``."""
    return _ops.take(x, t)


def zeros_rows(n: int, like):
    """Zeros of shape (n,) + like.shape, dimensions unknown at build time included."""
    nd = like.aval.ndim
    base = constant(np.zeros((n,) + (1,) * nd, dtype=like.aval.dtype))
    return _ops.mul(base, _ops.expand_dims(_ops.zeros_like(like), 0))


def write(acc, t, value):
    """``acc`` with ``value`` added at row ``t`` (rows start at zero: a write)."""
    return _ops.add(acc, _ops.scatter_add(_ops.expand_dims(value, 0),
                                          _ops.expand_dims(t, 0), acc))


def _run_time_length(xs):
    """The shared first dimension of ``xs`` computed at run time (an int32 scalar), and
    zeros ``(n,) + (1,) * k`` makers for the accumulators."""
    x0 = xs[0]
    col = _ops.getitem(x0, (slice(None),) + (0,) * (x0.aval.ndim - 1))
    return _ops.cast(_ops.getitem(_ops.shape_of(x0), (0,)), np.int32), col


def _zeros_rows_like_col(col, like):
    nd = like.aval.ndim
    base = _ops.reshape(_ops.zeros_like(col, like.aval.dtype), (-1,) + (1,) * nd)
    if all(d is not None for d in like.aval.shape):   # no run of fn on element 0 (n may be 0)
        return _ops.mul(base, constant(np.zeros((1,) + tuple(like.aval.shape),
                                                like.aval.dtype)))
    return _ops.mul(base, _ops.expand_dims(_ops.zeros_like(like), 0))


def _first_index(n, reverse: bool):
    """The index of the first element visited: 0, or the last one when reversed."""
    if not reverse:
        return constant(np.int32(0))
    return constant(np.int32(n - 1)) if isinstance(n, int) else _ops.add(n, -1)


def _length_or_none(xs, op: str) -> int | None:
    ns = {x.aval.shape[0] if x.aval.ndim else -1 for x in xs}
    if len(ns) > 1:     # an unknown first dimension is compatible with a known one (TF1)
        ns.discard(None)
    if len(ns) != 1 or -1 in ns:
        raise ValueError(f"{op}: the elements must be tensors of rank >= 1 with the same first "
                         f"dimension, got shapes {[tuple(x.aval.shape) for x in xs]}")
    n = ns.pop()
    return None if n is None else int(n)


def _loop(n, reverse: bool, step, init_leaves: list, name: str):
    """Run ``step(t, leaves) -> leaves`` for t over range(n) (reversed) in one while_loop;
    ``n`` is an int or a run-time int32 scalar tensor."""
    if isinstance(n, int):
        start = constant(np.int32(n - 1 if reverse else 0))
    else:
        start = _ops.add(n, -1) if reverse else constant(np.int32(0))

    def cond(t, *vs):
        return _ops.greater_equal(t, 0) if reverse else _ops.less(t, n)

    def body(t, *vs):
        out = step(t, list(vs))
        return [_ops.add(t, -1 if reverse else 1)] + list(out)

    res = while_loop(cond, body, [start] + list(init_leaves), name=name,
                     return_same_structure=True)
    return list(res[1:])


def scan(fn, elems, initializer=None, parallel_iterations: int = 10, back_prop: bool = True,
         swap_memory: bool = False, infer_shape: bool = True, reverse: bool = False,
         name: str | None = None):
    """``a_t = fn(a_{t-1}, elems[t])`` for each t; returns the stacked ``a_t`` (nested like
    ``initializer``).  Without an initializer, ``a_0 = elems[0]`` and the scan starts at 1."""
    g = get_default_graph()
    xs = [to_tensor(e, g) for e in flatten(elems)]
    n = _length_or_none(xs, "scan")
    with g.name_scope(name or "scan"):
        col = None
        if n is None:               # a run-time length (a batch or a sequence fed as None)
            n, col = _run_time_length(xs)
        first = _first_index(n, reverse)
        if initializer is None:
            a0 = pack_as(elems, [read(x, first) for x in xs])
            steps = n - 1 if isinstance(n, int) else _ops.add(n, -1)
            offset = 0 if reverse else 1
        else:
            a0, steps, offset = initializer, n, 0
        a0_leaves = [to_tensor(a, g) for a in flatten(a0)]
        accs = [zeros_rows(n, a) if col is None else _zeros_rows_like_col(col, a)
                for a in a0_leaves]
        if initializer is None:
            accs = [write(acc, first, a) for acc, a in zip(accs, a0_leaves)]
        na = len(a0_leaves)

        def step(t, vs):
            a, acc = vs[:na], vs[na:]
            tt = _ops.add(t, offset) if offset else t
            x = pack_as(elems, [read(e, tt) for e in xs])
            new = [to_tensor(v, g) for v in flatten(fn(pack_as(a0, a), x))]
            if len(new) != na:
                raise ValueError("scan: fn must return a structure like the initializer")
            return new + [write(c, tt, v) for c, v in zip(acc, new)]

        if isinstance(steps, int) and steps == 0:
            return pack_as(a0, accs)
        res = _loop(steps, reverse, step, a0_leaves + accs, "while")
        return pack_as(a0, res[na:])


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop: bool = True,
           swap_memory: bool = False, infer_shape: bool = True, name: str | None = None):
    """``[fn(elems[t]) for t]`` stacked (nested like fn's result); the number of elements
    may be known only at run time (a batch): the loop then runs to ``tf.shape(elems)[0]``."""
    g = get_default_graph()
    xs = [to_tensor(e, g) for e in flatten(elems)]
    n = _length_or_none(xs, "map_fn")
    with g.name_scope(name or "map"):
        probe = fn(pack_as(elems, [read(x, constant(np.int32(0))) for x in xs]))
        probe_leaves = [to_tensor(p, g) for p in flatten(probe)]
        if n is None:
            n, col = _run_time_length(xs)
            accs = [_zeros_rows_like_col(col, p) for p in probe_leaves]
        else:
            accs = [zeros_rows(n, p) for p in probe_leaves]

        def step(t, vs):
            out = [to_tensor(v, g) for v in flatten(fn(pack_as(elems, [read(e, t)
                                                                      for e in xs])))]
            return [write(c, t, v) for c, v in zip(vs, out)]

        return pack_as(probe, _loop(n, False, step, accs, "while"))


def _fold(fn, elems, initializer, reverse: bool, op: str, name):
    g = get_default_graph()
    xs = [to_tensor(e, g) for e in flatten(elems)]
    n = _length_or_none(xs, op)
    with g.name_scope(name or op):
        if n is None:
            n = _run_time_length(xs)[0]
        if initializer is None:
            first = _first_index(n, reverse)
            a0 = pack_as(elems, [read(x, first) for x in xs])
            steps = n - 1 if isinstance(n, int) else _ops.add(n, -1)
            offset = 0 if reverse else 1
        else:
            a0, steps, offset = initializer, n, 0
        a0_leaves = [to_tensor(a, g) for a in flatten(a0)]
        if isinstance(steps, int) and steps == 0:
            return a0

        def step(t, vs):
            tt = _ops.add(t, offset) if offset else t
            x = pack_as(elems, [read(e, tt) for e in xs])
            return [to_tensor(v, g) for v in flatten(fn(pack_as(a0, vs), x))]

        return pack_as(a0, _loop(steps, reverse, step, a0_leaves, "while"))


def foldl(fn, elems, initializer=None, parallel_iterations: int = 10, back_prop: bool = True,
          swap_memory: bool = False, name: str | None = None):
    """``a = fn(a, elems[t])`` for t = 0 .. n-1; returns the final ``a``."""
    return _fold(fn, elems, initializer, False, "foldl", name)


def foldr(fn, elems, initializer=None, parallel_iterations: int = 10, back_prop: bool = True,
          swap_memory: bool = False, name: str | None = None):
    """``a = fn(a, elems[t])`` for t = n-1 .. 0; returns the final ``a``."""
    return _fold(fn, elems, initializer, True, "foldr", name)


__all__ = ["scan", "map_fn", "foldl", "foldr"]
