"""The op table: one row per primitive and per composite, shared by every kernel test.

A row (:class:`OpRow`) says how to call one dlcore op on plain arrays and what NumPy says the
answer is.  Fields:

``label``       unique id of the row (pytest ids), e.g. ``"sum[axis=1,keepdims]"``.
``op``          the primitive's or composite's name (``"sum"``, ``"softmax"``); a primitive may
                have several rows.  The completeness test checks every primitive has one.
``fn``          ``fn(*arrays) -> array``: the dlcore call, parameters bound in (a lambda).
``ref``         ``ref(*arrays) -> array``: the NumPy reference, same arguments.
``shapes``      a tuple of samples; each sample is a tuple with one shape per input,
                e.g. ``(((3, 4), (3, 4)), ((3, 4), (4,)))`` (same shapes, then broadcasting).
``domains``     one entry per input, how to draw its values (see :func:`make_input`):
                ``"real"`` (normal), ``"pos"`` (in [0.5, 2)), ``"away0"`` (|x| in [0.3, 1.5),
                random sign: keeps finite differences off kinks), ``"unit"`` (in (0.05, 0.95)),
                ``"bool"``, ``"int<K>"`` (integers in [0, K)), ``"prob"`` (rows summing to 1),
                ``"sym"`` (in (-0.9, 0.9)), ``"gt1"`` (in [1.2, 3)), ``"offint"`` (an
                integer +- [0.1, 0.4): keeps rounding and remainders off their jumps).
``diff``        indices of the inputs to differentiate (empty: not differentiable, or a
                kernel-only check).  Only floating inputs are ever listed.
``dtypes``      the float dtypes the forward check runs in (default float32 and float64);
                non-float domains ignore it.
``rtol, atol``  tolerances of the forward check in float32 (float64 uses 1e-10 / 1e-12).
``primitives``  the primitives the row exercises (for the completeness test); defaults to
                ``(op,)`` for primitive rows.

Usage: ``for row in ROWS: for shapes in row.shapes: xs = make_inputs(row, shapes, dtype, rng)``
then compare ``row.fn(*xs)`` with ``row.ref(*xs)``.  The CUDA tests reuse the same rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import math

import numpy as np

from dlcore import ops
from dlcore.ops.clamp import hardtanh_grad


@dataclass(frozen=True)
class OpRow:
    label: str
    op: str
    fn: Callable
    ref: Callable
    shapes: tuple
    domains: tuple
    diff: tuple = ()
    dtypes: tuple = ("float32", "float64")
    rtol: float = 1e-5
    atol: float = 1e-6
    primitives: tuple = field(default=())

    def covers(self) -> tuple:
        return self.primitives or (self.op,)


def make_input(domain: str, shape: tuple, dtype, rng: np.random.Generator) -> np.ndarray:
    """Draw one input array for ``domain`` (see the module docstring)."""
    dtype = np.dtype(dtype)
    if domain == "real":
        return rng.standard_normal(shape).astype(dtype)
    if domain == "pos":
        return rng.uniform(0.5, 2.0, shape).astype(dtype)
    if domain == "away0":
        sign = np.where(rng.random(shape) < 0.5, -1.0, 1.0)
        return (sign * rng.uniform(0.3, 1.5, shape)).astype(dtype)
    if domain == "unit":
        return rng.uniform(0.05, 0.95, shape).astype(dtype)
    if domain == "sym":
        return rng.uniform(-0.9, 0.9, shape).astype(dtype)
    if domain == "gt1":
        return rng.uniform(1.2, 3.0, shape).astype(dtype)
    if domain == "offint":
        return (rng.integers(-4, 5, shape) + rng.uniform(0.1, 0.4, shape)
                * np.where(rng.random(shape) < 0.5, -1, 1)).astype(dtype)
    if domain == "bool":
        return rng.random(shape) < 0.5
    if domain.startswith("int"):
        return rng.integers(0, int(domain[3:]), shape).astype(np.int64)
    if domain == "prob":
        p = rng.uniform(0.1, 1.0, shape)
        return (p / p.sum(axis=-1, keepdims=True)).astype(dtype)
    raise ValueError(f"unknown domain {domain!r}")


def make_inputs(row: OpRow, shapes: tuple, dtype, rng: np.random.Generator) -> list:
    return [make_input(d, s, dtype, rng) for d, s in zip(row.domains, shapes)]


# ----------------------------------------------------------------------------- NumPy helpers
def _np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _np_logsumexp(x, axis=-1, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _np_log_softmax(x, axis=-1):
    return x - _np_logsumexp(x, axis, keepdims=True)


def _np_softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_scatter(g, ref, idx):
    out = np.zeros(ref.shape, g.dtype)
    out[idx] = g
    return out


def _np_update(x, v, idx):
    out = x.copy()
    out[idx] = v
    return out


def _np_sum_to(x, ref):
    lead = x.ndim - ref.ndim
    axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(ref.shape)
                                      if d == 1 and x.shape[lead + i] != 1)
    return np.sum(x, axis=axes, keepdims=True).reshape(ref.shape)


def _np_scatter_add(v, i, ref):
    out = np.zeros(ref.shape, v.dtype)
    np.add.at(out, i, v)
    return out


U = (((3, 4),), ((5,),), ((),), ((2, 3, 2),))             # unary samples, incl. 0-d
B = (((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((), (2, 3)), ((2, 1, 3), (4, 1)))
C = B                                                         # comparisons: same samples
def _mm_t(a, b, ta: bool, tb: bool):
    return ops.linalg.matmul_p.bind(a, b, transpose_a=ta, transpose_b=tb)


S1 = (((3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 2)), ((1, 3, 4), (2, 4, 3)))


def _u(op, fn, ref, domain="real", diff=(0,), **kw):
    return OpRow(op, op, fn, ref, U, (domain,), diff, **kw)


def _np_mish_grad(g, x):
    s, t = 1 / (1 + np.exp(-x)), np.tanh(np.log1p(np.exp(x)))
    return (g * (t + x * s * (1 - t * t))).astype(np.result_type(g, x))


def _np_smooth_l1(d, b, huber):
    z = np.abs(d)
    return np.where(z < b, 0.5 * z * z * (1 if huber else 1 / b),
                    b * (z - 0.5 * b) if huber else z - 0.5 * b).astype(d.dtype)


def _b(op, fn, ref, domains=("real", "real"), diff=(0, 1), **kw):
    return OpRow(op, op, fn, ref, B, domains, diff, **kw)


def _rf():
    from dlcore.ops import rank_free
    return rank_free


ROWS: list[OpRow] = [
    # --------------------------------------------------------------- unary
    _u("neg", ops.neg, np.negative),
    _u("exp", ops.exp, np.exp),
    _u("log", ops.log, np.log, "pos"),
    _u("sqrt", ops.sqrt, np.sqrt, "pos"),
    _u("tanh", ops.tanh, np.tanh),
    _u("sigmoid", ops.sigmoid, _np_sigmoid),
    _u("relu", ops.relu, lambda x: np.maximum(x, 0), "away0"),
    _u("abs", ops.abs, np.abs, "away0"),
    _u("sign", ops.sign, np.sign, "away0", ()),
    _u("identity", ops.identity, lambda x: x.copy()),
    _u("stop_gradient", ops.stop_gradient, lambda x: x, diff=()),
    # --------------------------------------------------------------- binary
    _b("add", ops.add, np.add),
    _b("sub", ops.sub, np.subtract),
    _b("mul", ops.mul, np.multiply),
    _b("div", ops.div, np.divide, ("real", "away0")),
    _b("pow", ops.pow, np.power, ("pos", "real")),
    _b("maximum", ops.maximum, np.maximum),
    _b("minimum", ops.minimum, np.minimum),
    _b("less", ops.less, np.less, diff=()),
    _b("less_equal", ops.less_equal, np.less_equal, diff=()),
    _b("greater", ops.greater, np.greater, diff=()),
    _b("greater_equal", ops.greater_equal, np.greater_equal, diff=()),
    _b("relu_grad", lambda g, r: ops.elementwise.relu_grad(g, r),
       lambda g, r: np.where(r > 0, g, 0).astype(np.result_type(g, r)), ("real", "away0"),
       diff=(0,)),
    _b("leaky_relu_grad", lambda g, x: ops.activations.leaky_relu_grad(g, x, 0.2),
       lambda g, x: np.where(x > 0, g, g * 0.2).astype(np.result_type(g, x)),
       ("real", "away0"), diff=(0,)),
    _b("tanh_grad", lambda g, t: ops.elementwise.tanh_grad(g, t), lambda g, t: g * (1 - t * t)),
    _b("sigmoid_grad", lambda g, s: ops.elementwise.sigmoid_grad(g, s),
       lambda g, s: g * (s * (1 - s))),
    _b("equal", ops.equal, np.equal, diff=()),
    _b("not_equal", ops.not_equal, np.not_equal, diff=()),
    OpRow("where", "where", ops.where, np.where,
          (((3, 4), (3, 4), (3, 4)), ((3, 4), (4,), (3, 1)), ((), (2,), (2,))),
          ("bool", "real", "real"), (1, 2)),
    OpRow("cast[float->int32]", "cast", lambda x: ops.cast(x, "int32"),
          lambda x: x.astype(np.int32), U, ("real",), ()),
    OpRow("cast[float->float64]", "cast", lambda x: ops.cast(x, "float64"),
          lambda x: x.astype(np.float64), U, ("real",), (0,), dtypes=("float32",)),
    OpRow("cast[float64->float32]", "cast", lambda x: ops.cast(x, "float32"),
          lambda x: x.astype(np.float32), U, ("real",), (0,), dtypes=("float64",)),
    OpRow("cast[bool->float32]", "cast", lambda x: ops.cast(x, "float32"),
          lambda x: x.astype(np.float32), U, ("bool",), ()),
    OpRow("full_like", "full_like", lambda x: ops.full_like(x, 2.5),
          lambda x: np.full_like(x, 2.5), U, ("real",), ()),
    # --------------------------------------------------------------- reductions
    OpRow("sum[all]", "sum", lambda x: ops.sum(x), lambda x: np.sum(x),
          (((3, 4),), ((2, 3, 4),), ((),), ((0, 3),)), ("real",), (0,)),
    OpRow("sum[axis=0]", "sum", lambda x: ops.sum(x, 0), lambda x: np.sum(x, 0),
          (((3, 4),), ((2, 3, 4),)), ("real",), (0,)),
    OpRow("sum[axis=(0,2),keepdims]", "sum", lambda x: ops.sum(x, (0, 2), True),
          lambda x: np.sum(x, (0, 2), keepdims=True), (((2, 3, 4),),), ("real",), (0,)),
    OpRow("sum[axis=-1]", "sum", lambda x: ops.sum(x, -1), lambda x: np.sum(x, -1),
          (((3, 4),), ((2, 3, 4),), ((3, 0),)), ("real",), (0,)),
    OpRow("sum[bool]", "sum", lambda x: ops.sum(x, 0), lambda x: np.sum(x, 0),
          (((3, 4),),), ("bool",), ()),
    OpRow("max[axis=1]", "max", lambda x: ops.max(x, 1), lambda x: np.max(x, 1),
          (((3, 4),), ((2, 3, 4),)), ("real",), (0,)),
    OpRow("max[all,keepdims]", "max", lambda x: ops.max(x, None, True),
          lambda x: np.max(x, keepdims=True), (((3, 4),), ((),)), ("real",), (0,)),
    OpRow("min[axis=0]", "min", lambda x: ops.min(x, 0), lambda x: np.min(x, 0),
          (((3, 4),), ((2, 3, 4),)), ("real",), (0,)),
    OpRow("min[axis=(1,2)]", "min", lambda x: ops.min(x, (1, 2)),
          lambda x: np.min(x, (1, 2)), (((2, 3, 4),),), ("real",), (0,)),
    OpRow("argmax[axis=1]", "argmax", lambda x: ops.argmax(x, 1),
          lambda x: np.argmax(x, 1), (((3, 4),), ((2, 3, 4),)), ("real",), ()),
    OpRow("argmax[all]", "argmax", lambda x: ops.argmax(x), lambda x: np.argmax(x),
          (((3, 4),),), ("real",), (), primitives=("argmax", "reshape")),
    OpRow("sum_to", "sum_to", ops.sum_to, _np_sum_to,
          (((3, 4), (4,)), ((3, 4), (3, 1)), ((2, 3, 4), (1, 4)), ((2, 3), ())),
          ("real", "real"), (0,)),
    # --------------------------------------------------------------- matmul
    OpRow("matmul", "matmul", ops.matmul, np.matmul, S1, ("real", "real"), (0, 1),
          rtol=1e-4, atol=1e-5),
    # TensorFlow's MatMul flags (tf.gradients' products): op(a) @ op(b), op a swap of the
    # last two axes; the vjp of each combination (a batched one: the plain rule's path)
    OpRow("matmul[transpose_a]", "matmul", lambda a, b_: _mm_t(a, b_, True, False),
          lambda a, b_: np.swapaxes(a, -1, -2) @ b_, (((4, 3), (4, 5)),), ("real", "real"),
          (0, 1), rtol=1e-4, atol=1e-5),
    OpRow("matmul[transpose_b]", "matmul", lambda a, b_: _mm_t(a, b_, False, True),
          lambda a, b_: a @ np.swapaxes(b_, -1, -2), (((3, 4), (5, 4)), ((2, 3, 4), (5, 4))),
          ("real", "real"), (0, 1), rtol=1e-4, atol=1e-5),
    OpRow("matmul[transpose_a,b]", "matmul", lambda a, b_: _mm_t(a, b_, True, True),
          lambda a, b_: np.swapaxes(a, -1, -2) @ np.swapaxes(b_, -1, -2),
          (((4, 3), (5, 4)),), ("real", "real"), (0, 1), rtol=1e-4, atol=1e-5),
    # --------------------------------------------------------------- shape
    OpRow("transpose", "transpose", lambda x: ops.transpose(x, (1, 0, 2)),
          lambda x: np.transpose(x, (1, 0, 2)), (((2, 3, 4),),), ("real",), (0,)),
    OpRow("transpose[default]", "transpose", ops.transpose, np.transpose,
          (((3, 4),),), ("real",), (0,)),
    OpRow("reshape", "reshape", lambda x: ops.reshape(x, (4, -1)),
          lambda x: np.reshape(x, (4, -1)), (((2, 3, 4),), ((8,),)), ("real",), (0,)),
    OpRow("reshape_like", "reshape_like", ops.reshape_like,
          lambda x, r: np.reshape(x, r.shape), (((2, 6), (3, 4)),), ("real", "real"), (0,)),
    OpRow("reshape_dynamic", "reshape_dynamic", lambda x: ops.shape.reshape_dynamic_p.bind(
              x, ops.cast(ops.getitem(ops.shape_of(x), (slice(None, None, -1),)), np.int64),
              known=(None, None)),
          lambda x: np.reshape(x, x.shape[::-1]), (((3, 4),),), ("real",), (0,),
          primitives=("reshape_dynamic", "shape_of")),
    OpRow("broadcast_to", "broadcast_to", lambda x: ops.broadcast_to(x, (2, 3, 4)),
          lambda x: np.broadcast_to(x, (2, 3, 4)), (((4,),), ((3, 1),), ((),)),
          ("real",), (0,)),
    OpRow("broadcast_like", "broadcast_like", ops.broadcast_like,
          lambda x, r: np.broadcast_to(x, r.shape), (((4,), (3, 4)), ((3, 1), (2, 3, 5))),
          ("real", "real"), (0,)),
    OpRow("expand_dims", "expand_dims", lambda x: ops.expand_dims(x, (0, 2)),
          lambda x: np.expand_dims(x, (0, 2)), (((3, 4),),), ("real",), (0,)),
    OpRow("squeeze", "squeeze", lambda x: ops.squeeze(x, (0, 2)),
          lambda x: np.squeeze(x, (0, 2)), (((1, 3, 1, 4),),), ("real",), (0,)),
    OpRow("concatenate[axis=1]", "concatenate", lambda a, b: ops.concatenate([a, b], 1),
          lambda a, b: np.concatenate([a, b], 1), (((3, 2), (3, 4)),), ("real", "real"),
          (0, 1)),
    OpRow("stack", "stack", lambda a, b: ops.stack([a, b], 0), lambda a, b: np.stack([a, b]),
          (((3, 2), (3, 2)),), ("real", "real"), (0, 1)),
    OpRow("stack[axis=-1,3]", "stack", lambda a, b, c: ops.stack([a, b, c], -1),
          lambda a, b, c: np.stack([a, b, c], -1), (((3, 2), (3, 2), (3, 2)),),
          ("real", "real", "real"), (0, 1, 2)),
    OpRow("pad_constant", "pad_constant",
          lambda x: ops.padding.pad_constant(x, ((1, 2), (0, 0), (3, 1)), -1.5),
          lambda x: np.pad(x, ((1, 2), (0, 0), (3, 1)), constant_values=-1.5),
          (((2, 3, 4),), ((1, 1, 1),)), ("real",), (0,)),
    OpRow("pad_edge[reflect]", "pad_edge",
          lambda x: ops.padding.pad_edge(x, ((0, 0), (2, 1), (1, 3)), "reflect"),
          lambda x: np.pad(x, ((0, 0), (2, 1), (1, 3)), mode="reflect"), (((2, 3, 5),),),
          ("real",), (0,)),
    OpRow("pad_edge[replicate]", "pad_edge",
          lambda x: ops.padding.pad_edge(x, ((1, 0), (0, 2), (3, 1)), "replicate"),
          lambda x: np.pad(x, ((1, 0), (0, 2), (3, 1)), mode="edge"), (((2, 3, 4),),),
          ("real",), (0,)),
    OpRow("pad_edge[circular]", "pad_edge",
          lambda x: ops.padding.pad_edge(x, ((0, 0), (2, 3), (1, 0)), "circular"),
          lambda x: np.pad(x, ((0, 0), (2, 3), (1, 0)), mode="wrap"), (((2, 3, 4),),),
          ("real",), (0,)),
    OpRow("tri[lower,k=-1]", "tri", lambda x: ops.triangle.tri(x, -1, True),
          lambda x: np.tril(x, -1), (((4, 3),), ((2, 3, 5),)), ("real",), (0,)),
    OpRow("tri[upper,k=2]", "tri", lambda x: ops.triangle.tri(x, 2, False),
          lambda x: np.triu(x, 2), (((3, 5),),), ("real",), (0,)),
    # --------------------------------------------------------------- indexing
    OpRow("getitem", "getitem", lambda x: ops.getitem(x, (slice(1, 3), 0)),
          lambda x: x[1:3, 0], (((4, 3),), ((4, 3, 2),)), ("real",), (0,)),
    OpRow("getitem[step,newaxis]", "getitem",
          lambda x: ops.getitem(x, (None, slice(None, None, 2), Ellipsis)),
          lambda x: x[None, ::2, ...], (((5, 3),),), ("real",), (0,)),
    OpRow("slice_scatter", "slice_scatter",
          lambda g, r: ops.slice_scatter(g, r, ops.canonical_index((slice(1, 3),), 2)),
          lambda g, r: _np_scatter(g, r, (slice(1, 3),)), (((2, 3), (4, 3)),),
          ("real", "real"), (0,)),
    OpRow("index_update", "index_update",
          lambda x, v: ops.index_update(x, (slice(0, 2), 1), v),
          lambda x, v: _np_update(x, v, (slice(0, 2), 1)), (((4, 3), (2,)), ((4, 3), ())),
          ("real", "real"), (0, 1)),
    # rank-free forms (dlcore/ops/rank_free.py: TF1 placeholders of unknown rank)
    OpRow("reverse_axes", "reverse_axes", lambda x: _rf().reverse_axes(x), lambda x: x.T,
          (((3, 4),), ((2, 3, 4),)), ("real",), (0,)),
    OpRow("getitem_ellipsis[..., 1]", "getitem_ellipsis",
          lambda x: _rf().getitem_ellipsis(x, _rf().canonical_with_ellipsis((Ellipsis, 1))),
          lambda x: x[..., 1], (((3, 4),), ((2, 3, 4),)), ("real",), (0,),
          primitives=("getitem_ellipsis", "slice_scatter_ellipsis")),
    OpRow("getitem_ellipsis[0, ..., 1:3]", "getitem_ellipsis",
          lambda x: _rf().getitem_ellipsis(
              x, _rf().canonical_with_ellipsis((0, Ellipsis, slice(1, 3)))),
          lambda x: x[0, ..., 1:3], (((2, 3, 4),),), ("real",), (0,)),
    OpRow("slice_scatter_ellipsis", "slice_scatter_ellipsis",
          lambda g, r: _rf().slice_scatter_ellipsis(
              g, r, _rf().canonical_with_ellipsis((Ellipsis, 1))),
          lambda g, r: _np_scatter(g, r, (Ellipsis, 1)), (((2, 3), (2, 3, 4)),),
          ("real", "real"), (0,)),
    OpRow("one_hot", "one_hot", lambda i: ops.one_hot(i, 5),
          lambda i: np.eye(5, dtype=np.float32)[i], (((6,),), ((2, 3),)), ("int5",), ()),
    # --------------------------------------------------------------- composites
    OpRow("mean", "mean", lambda x: ops.mean(x), lambda x: np.mean(x),
          (((3, 4),), ((5,),)), ("real",), (0,), primitives=("sum", "div")),
    OpRow("mean[axis=0,keepdims]", "mean", lambda x: ops.mean(x, 0, True),
          lambda x: np.mean(x, 0, keepdims=True), (((3, 4),),), ("real",), (0,)),
    OpRow("square", "square", ops.square, np.square, U, ("real",), (0,)),
    OpRow("softmax", "softmax", ops.softmax, _np_softmax, (((3, 4),), ((5,),)), ("real",),
          (0,)),
    OpRow("log_softmax", "log_softmax", ops.log_softmax, _np_log_softmax,
          (((3, 4),), ((2, 3, 5),)), ("real",), (0,)),
    OpRow("softmax[axis=0]", "softmax", lambda x: ops.softmax(x, 0),
          lambda x: _np_softmax(x, 0), (((3, 2, 2),),), ("real",), (0,)),
    OpRow("log_softmax[axis=1]", "log_softmax", lambda x: ops.log_softmax(x, 1),
          lambda x: _np_log_softmax(x, 1), (((2, 3, 2),), ((4, 3),)), ("real",), (0,)),
    OpRow("logsumexp", "logsumexp", ops.logsumexp, _np_logsumexp, (((3, 4),), ((5,),)),
          ("real",), (0,)),
    OpRow("logsumexp[axis=0,keepdims]", "logsumexp", lambda x: ops.logsumexp(x, 0, True),
          lambda x: _np_logsumexp(x, 0, True), (((3, 4),),), ("real",), (0,)),
    OpRow("mse", "mse", ops.mse, lambda p, t: np.mean((p - t) ** 2),
          (((4, 3), (4, 3)), ((4, 3), (3,))), ("real", "real"), (0, 1)),
    OpRow("mse[sum]", "mse", lambda p, t: ops.mse(p, t, "sum"),
          lambda p, t: np.sum((p - t) ** 2), (((4, 3), (4, 3)),), ("real", "real"), (0, 1)),
    OpRow("softmax_cross_entropy", "softmax_cross_entropy", ops.softmax_cross_entropy,
          lambda z, p: -np.sum(p * _np_log_softmax(z), -1), (((4, 5), (4, 5)),),
          ("real", "prob"), (0, 1)),
    OpRow("sparse_softmax_cross_entropy", "sparse_softmax_cross_entropy",
          ops.sparse_softmax_cross_entropy,
          lambda z, k: -np.take_along_axis(_np_log_softmax(z), k[..., None], -1)[..., 0],
          (((4, 5), (4,)), ((2, 3, 5), (2, 3))), ("real", "int5"), (0,),
          primitives=("sparse_softmax_xent",)),
    OpRow("sigmoid_cross_entropy_with_logits", "sigmoid_cross_entropy_with_logits",
          ops.sigmoid_cross_entropy_with_logits,
          lambda x, z: np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x))),
          (((4, 3), (4, 3)),), ("away0", "unit"), (0, 1)),
    OpRow("clip", "clip", lambda x: ops.clip(x, -0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5),
          (((3, 4),),), ("real",), ()),
    OpRow("masked_fill", "masked_fill", lambda x, m: ops.masked_fill(x, m, 0.0),
          lambda x, m: np.where(m, 0, x).astype(x.dtype), (((3, 4), (3, 4)), ((3, 4), (4,))),
          ("real", "bool"), (0,)),
    OpRow("linear", "linear", ops.linear, lambda x, w, b: x @ w + b,
          (((4, 3), (3, 5), (5,)),), ("real", "real", "real"), (0, 1, 2),
          rtol=1e-4, atol=1e-5),
    OpRow("dot[vec]", "dot", ops.dot, np.dot, (((3,), (3, 4)), ((3, 4), (4,)), ((4,), (4,))),
          ("real", "real"), (0, 1), rtol=1e-4, atol=1e-5),
]

if hasattr(ops, "take"):
    ROWS += [
        OpRow("take", "take", ops.take, lambda x, i: np.take(x, i, axis=0),
              (((5, 3), (4,)), ((5,), (2, 3))), ("real", "int5"), (0,)),
        OpRow("scatter_add", "scatter_add", ops.scatter_add, _np_scatter_add,
              (((4, 3), (4,), (5, 3)),), ("real", "int5", "real"), (0,)),
        OpRow("add_n", "add_n", lambda a, b, c: ops.accumulate.add_n([a, b, c]),
              lambda a, b, c: (a + b) + c, (((4, 3), (4, 3), (4, 3)), ((), (), ())),
              ("real", "real", "real"), (0, 1, 2)),
    ]

try:                                    # the rows of dlcore/ops/math_*.py, in their own file
    from .op_rows_math import math_rows
except ImportError:                     # imported as a top-level module (tests/cuda)
    from op_rows_math import math_rows
ROWS += math_rows(OpRow, U, B)

try:                                    # the rows of dlcore/ops/conv.py, pool.py, spatial.py
    from .op_rows_conv import conv_rows
except ImportError:                     # imported as a top-level module (tests/cuda)
    from op_rows_conv import conv_rows
ROWS += conv_rows(OpRow)
try:                                    # 3-D convolution and pooling (5-D operands)
    from .op_rows_conv3d import conv3d_rows
except ImportError:
    from op_rows_conv3d import conv3d_rows
ROWS += conv3d_rows(OpRow)
try:                                    # activations, prod/any/all, nonzero, shape_of
    from .op_rows_tf import tf_rows
except ImportError:
    from op_rows_tf import tf_rows
ROWS += tf_rows(OpRow, U, B)

try:                                    # gather, embedding, sequence_mask, RNN cells
    from .op_rows_seq import seq_rows
except ImportError:
    from op_rows_seq import seq_rows
ROWS += seq_rows(OpRow, U, B)

try:                                    # scatter_set / scatter_combine
    from .op_rows_scatter import scatter_rows
except ImportError:
    from op_rows_scatter import scatter_rows
ROWS += scatter_rows(OpRow)

try:                                    # ctc_loss / ctc_loss_grad
    from .op_rows_ctc import ctc_rows
except ImportError:
    from op_rows_ctc import ctc_rows
ROWS += ctc_rows(OpRow)

try:                                    # lgamma, digamma, polygamma, zeta, Bessel, ndtri
    from .op_rows_special import special_rows
except ImportError:
    from op_rows_special import special_rows
ROWS += special_rows(OpRow, U, B)

try:                                    # solve, triangular_solve, cholesky, det, qr, eigh
    from .op_rows_linalg import linalg_rows
except ImportError:
    from op_rows_linalg import linalg_rows
ROWS += linalg_rows(OpRow)

try:                                    # the fused layer norm and its gradient primitives
    from .op_rows_norm import norm_rows
except ImportError:
    from op_rows_norm import norm_rows
ROWS += norm_rows(OpRow)

try:                                    # complex numbers and the FFT primitives
    from .op_rows_complex import complex_rows
except ImportError:
    from op_rows_complex import complex_rows
ROWS += complex_rows(OpRow)

try:                                    # the 2-norm and its gradient primitives
    from .op_rows_norm2 import norm2_rows
except ImportError:
    from op_rows_norm2 import norm2_rows
ROWS += norm2_rows(OpRow)

try:                                    # the int8 matrix product of quantized inference
    from .op_rows_int8 import int8_rows
except ImportError:
    from op_rows_int8 import int8_rows
ROWS += int8_rows(OpRow)

try:                                    # the fused GRU update (gru_gates, gru_gates_grad)
    from .op_rows_seq import gru_rows
except ImportError:
    from op_rows_seq import gru_rows
ROWS += gru_rows(OpRow)

# clamp with number bounds and its gradient (dlcore/ops/clamp.py): bounds at x.5, so "offint"
# keeps finite differences off them.  Appended last: the rows above keep their positions, which
# choose their CUDA configurations (test_op_table._in_config).
ROWS += [
    OpRow("clamp[lo,hi]", "clamp", lambda x: ops.clamp(x, -1.5, 2.5),
          lambda x: np.clip(x, -1.5, 2.5), U, ("offint",), (0,)),
    OpRow("clamp[lo]", "clamp", lambda x: ops.clamp(x, lo=0.5), lambda x: np.maximum(x, 0.5),
          U, ("offint",), (0,)),
    OpRow("clamp[hi]", "clamp", lambda x: ops.clamp(x, hi=-0.5),
          lambda x: np.minimum(x, -0.5), U, ("offint",), (0,)),
    _b("clamp_grad", lambda g, x: ops.clamp_grad(g, x, -1.5, 2.5),
       lambda g, x: np.where((x >= -1.5) & (x <= 2.5), g, 0).astype(np.result_type(g, x)),
       ("real", "offint")),
    # hardtanh's gradient (relu6's): g strictly inside the bounds
    _b("hardtanh_grad", lambda g, x: hardtanh_grad(g, x, -1.5, 2.5),
       lambda g, x: np.where((x > -1.5) & (x < 2.5), g, 0).astype(np.result_type(g, x)),
       ("real", "offint")),
    # hardsigmoid's and hardswish's gradients (inside (-3, 3): "away0")
    _b("hardsigmoid_grad", lambda g, x: ops.activations.hardsigmoid_grad_p.bind(g, x),
       lambda g, x: np.where((x > -3) & (x < 3), g / 6, 0).astype(np.result_type(g, x)),
       ("real", "away0")),
    _b("hardswish_grad", lambda g, x: ops.activations.hardswish_grad_p.bind(g, x),
       lambda g, x: np.where(x <= -3, 0, np.where(x >= 3, g, g * (x / 3 + 0.5)))
       .astype(np.result_type(g, x)), ("real", "away0")),
    # prelu (PyTorch's _prelu_kernel): x above 0, x w elsewhere, w broadcast into x
    _b("prelu", lambda x, w: ops.activations.prelu_p.bind(x, w),
       lambda x, w: np.where(x > 0, x, x * w).astype(np.result_type(x, w)), ("away0", "real")),
    # elu's gradient (alpha 0.7, selu's scale): g s above 0, g i a s exp(x i) below
    _b("elu_grad", lambda g, x: ops.activations.elu_grad(g, x, 0.7, 1.5),
       lambda g, x: np.where(x > 0, g * 1.5, g * 0.7 * 1.5 * np.exp(x)).astype(g.dtype),
       ("real", "away0")),
    OpRow("pow_grad", "pow_grad", lambda g, a, b: ops.power.pow_grad(g, a, b),
          lambda g, a, b: np.where(b == 0, 0, g * b * a ** (b - 1)).astype(g.dtype),
          (((3, 4), (3, 4), ()), ((3, 4), (3, 4), (4,)), ((2, 3), (1, 3), (2, 3))),
          ("real", "pos", "real"), (0, 1, 2), rtol=1e-4, atol=1e-5),
    # log_sigmoid's and mish's gradients (dlcore/ops/softplus_family.py)
    _b("logsigmoid_grad", lambda g, x: ops.softplus_family.logsigmoid_grad_p.bind(g, x),
       lambda g, x: (g / (1 + np.exp(x))).astype(np.result_type(g, x))),
    _b("mish_grad", lambda g, x: ops.softplus_family.mish_grad_p.bind(g, x), _np_mish_grad),
    # hardshrink, softshrink, threshold and their gradients (dlcore/ops/shrink.py): bounds at
    # x.5, so "offint" keeps finite differences off them
    OpRow("hardshrink", "hardshrink", lambda x: ops.shrink.hardshrink(x, 1.5),
          lambda x: np.where(np.abs(x) > 1.5, x, 0).astype(x.dtype), U, ("offint",), (0,)),
    OpRow("softshrink", "softshrink", lambda x: ops.shrink.softshrink(x, 1.5),
          lambda x: np.where(x > 1.5, x - 1.5, np.where(x < -1.5, x + 1.5, 0)).astype(x.dtype),
          U, ("offint",), (0,)),
    OpRow("threshold", "threshold", lambda x: ops.shrink.threshold(x, 0.5, -2.0),
          lambda x: np.where(x <= 0.5, -2.0, x).astype(x.dtype), U, ("offint",), (0,)),
    _b("shrink_grad", lambda g, x: ops.shrink.shrink_grad_p.bind(g, x, lambd=1.5),
       lambda g, x: np.where(np.abs(x) > 1.5, g, 0).astype(np.result_type(g, x)),
       ("real", "offint")),
    _b("threshold_grad", lambda g, x: ops.shrink.threshold_grad_p.bind(g, x, threshold=0.5),
       lambda g, x: np.where(x <= 0.5, 0, g).astype(np.result_type(g, x)), ("real", "offint")),
    # GELU's tanh form, each way (dlcore/ops/gelu_tanh.py)
    OpRow("gelu_tanh", "gelu_tanh", lambda x: ops.gelu_tanh.gelu_tanh_p.bind(x),
          lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))),
          U, ("real",), (0,)),
    _b("gelu_tanh_grad", lambda g, x: ops.gelu_tanh.gelu_tanh_grad_p.bind(g, x),
       lambda g, x: ops.gelu_tanh._np_gelu_tanh_grad(g, x)),
    # PyTorch's binary_cross_entropy_with_logits term, (1 - z) x - log_sigmoid(x)
    _b("bce_logits", lambda x, z: ops.softplus_family.bce_logits_p.bind(x, z),
       lambda x, z: ((1 - z) * x + np.log1p(np.exp(-x))).astype(np.result_type(x, z)),
       ("real", "unit")),
    OpRow("glu[axis=1]", "glu", lambda x: ops.glu.glu(x, 1),
          lambda x: x[:, :3] / (1 + np.exp(-x[:, 3:])), (((2, 6),), ((3, 6, 2),)), ("real",),
          (0,)),
    # smooth L1 and Huber, each way (dlcore/ops/smooth_l1.py; "offint" keeps x - t off the
    # band's edges at 1.5 for finite differences)
    _b("smooth_l1", lambda x, t: ops.smooth_l1.smooth_l1_p.bind(x, t, beta=1.5, huber=False),
       lambda x, t: _np_smooth_l1(x - t, 1.5, False), ("offint", "real")),
    OpRow("smooth_l1[huber]", "smooth_l1",
          lambda x, t: ops.smooth_l1.smooth_l1_p.bind(x, t, beta=1.5, huber=True),
          lambda x, t: _np_smooth_l1(x - t, 1.5, True), B, ("offint", "real"), (0, 1)),
    OpRow("smooth_l1_grad", "smooth_l1_grad",
          lambda g, x, t: ops.smooth_l1.smooth_l1_grad_p.bind(g, x, t, beta=1.5, huber=False),
          lambda g, x, t: np.clip((x - t) / 1.5, -1, 1) * g,
          (((3, 4), (3, 4), (3, 4)), ((3, 4), (4,), (3, 1))), ("real", "offint", "real"),
          (0, 1, 2)),
    OpRow("smooth_l1_grad[huber]", "smooth_l1_grad",
          lambda g, x, t: ops.smooth_l1.smooth_l1_grad_p.bind(g, x, t, beta=1.5, huber=True),
          lambda g, x, t: np.clip(x - t, -1.5, 1.5) * g,
          (((3, 4), (3, 4), (3, 4)),), ("real", "offint", "real"), (0, 1, 2)),
]

ROW_BY_LABEL = {r.label: r for r in ROWS}
assert len(ROW_BY_LABEL) == len(ROWS), "row labels must be unique"

try:                                    # the fused GRU layer (gru_seq, gru_seq_grad): last
    from .op_rows_seq import gru_seq_rows
except ImportError:
    from op_rows_seq import gru_seq_rows
ROWS += gru_seq_rows(OpRow)

try:                                    # the fused Elman layer (rnn_seq, rnn_seq_grad): last
    from .op_rows_seq import rnn_seq_rows
except ImportError:
    from op_rows_seq import rnn_seq_rows
ROWS += rnn_seq_rows(OpRow)

try:                                    # the reset-before GRU layer (gru_rb_seq): last
    from .op_rows_seq import gru_rb_seq_rows
except ImportError:
    from op_rows_seq import gru_rb_seq_rows
ROWS += gru_rb_seq_rows(OpRow)

try:                                    # 2-D grid_sample and its gradients
    from .op_rows_grid import grid_rows
except ImportError:
    from op_rows_grid import grid_rows
ROWS += grid_rows(OpRow)
