"""Op-table rows of the math primitives and composites (dlcore/ops/math_*.py), kept in their
own file so the main table stays readable; ``op_table.py`` appends them to ``ROWS``.
NumPy (and ``math`` through ``np.vectorize`` for erf/erfc, SciPy for erfinv) is the reference."""

from __future__ import annotations

import math

import numpy as np

from dlcore import ops
from dlcore.ops import cosine_prims, flip_roll, std_root, var_prims
from dlcore.registry import bind


def _vec(f):
    return lambda x: np.vectorize(f, otypes=[x.dtype])(x)


def _np_erfinv(x):
    from scipy.special import erfinv
    return erfinv(x).astype(x.dtype)


def _np_round(x, d):
    return (np.rint(x * 10.0 ** d) / 10.0 ** d).astype(x.dtype)


def _np_scatter_add_axis(v, i, ref, axis):
    out = np.zeros(ref.shape, v.dtype)
    idx = list(np.indices(i.shape))
    idx[axis] = i
    np.add.at(out, tuple(idx), v)
    return out


def _np_index_add0(x, i, s):
    out = x.copy()
    np.add.at(out, i, s)
    return out


def _np_cumprod_excl_rev(x):
    r = np.flip(x, 1)
    c = np.cumprod(r, 1)
    c = np.concatenate([np.ones_like(c[:, :1]), c[:, :-1]], 1)
    return np.flip(c, 1)


def _np_logcumsumexp(x, axis):
    return np.logaddexp.accumulate(x, axis=axis)


def _np_scatter(x, i, src, axis):
    out = x.copy()
    np.put_along_axis(out, i, src, axis)
    return out


def math_rows(OpRow, U, B) -> list:
    def u(op, fn, ref, domain="real", diff=(0,), **kw):
        return OpRow(op, op, fn, ref, U, (domain,), diff, **kw)

    def b(op, fn, ref, domains=("real", "real"), diff=(0, 1), **kw):
        return OpRow(op, op, fn, ref, B, domains, diff, **kw)

    return (_math_rows(OpRow, u, b, U, B) + _scan_rows(OpRow) + _linalg_rows(OpRow)
            + _shape_rows(OpRow) + _nn_rows(OpRow))


def _np_gelu(x):
    return 0.5 * x * (1 + np.vectorize(math.erf, otypes=[x.dtype])(x / math.sqrt(2)))


def _np_gelu_grad(g, x):
    cdf = 0.5 * (1 + np.vectorize(math.erf, otypes=[x.dtype])(x / math.sqrt(2)))
    return g * (cdf + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi))


def _np_silu_grad(g, x):
    s = 1 / (1 + np.exp(-x))
    return g * s * (1 + x * (1 - s))


def _np_layer_norm(x):
    m = x.mean(-1, keepdims=True)
    v = x.var(-1, keepdims=True)
    return (x - m) / np.sqrt(v + 1e-5)


def _np_smooth_l1(a, t):
    d = np.abs(a - t)
    return np.mean(np.where(d < 0.5, 0.5 * d * d / 0.5, d - 0.25))


def _nn_rows(OpRow) -> list:
    from dlcore.ops import nn_functional as nnf
    from dlcore.ops import nn_losses_extra
    S = (((3, 4),), ((2, 3, 4),))
    return [
        OpRow("unique", "unique", lambda x: ops.unique(x), np.unique, (((3, 4),),),
              ("int5",), (), primitives=("argsort", "nonzero")),
        OpRow("unique[counts]", "unique", lambda x: ops.unique(x, return_counts=True)[1],
              lambda x: np.unique(x, return_counts=True)[1], (((3, 4),),), ("int5",), ()),
        OpRow("mode", "mode", lambda x: ops.mode(x, 1)[0],
              lambda x: np.array([np.bincount(r).argmax() for r in x]), (((3, 6),),),
              ("int3",), (), primitives=("mode_index", "take_along_axis")),
        OpRow("mode[indices, last on short lines]", "mode", lambda x: ops.mode(x, 0)[1],
              lambda x: np.array([max(i for i, v in enumerate(col)
                                      if v == np.bincount(col).argmax()) for col in x.T]),
              (((7, 3),),), ("int3",), ()),
        OpRow("gelu", "gelu", nnf.gelu, _np_gelu, S, ("real",), (0,),
              primitives=("gelu",)),
        OpRow("gelu_grad", "gelu_grad", ops.activations.gelu_grad, _np_gelu_grad,
              (((3, 4), (3, 4)), ((3, 4), (4,)), ((), (2, 3))), ("real", "real"), (0, 1),
              primitives=("gelu_grad",)),
        OpRow("silu", "silu", nnf.silu, lambda x: x / (1 + np.exp(-x)), S, ("real",), (0,),
              primitives=("silu",)),
        OpRow("silu_grad", "silu_grad", ops.activations.silu_grad, _np_silu_grad,
              (((3, 4), (3, 4)), ((3, 4), (4,)), ((), (2, 3))), ("real", "real"), (0, 1),
              primitives=("silu_grad",)),
        OpRow("binary_cross_entropy", "binary_cross_entropy",
              nn_losses_extra.binary_cross_entropy_elementwise, nn_losses_extra._np_bce,
              (((3, 4), (3, 4)),), ("unit", "unit"), (0, 1)),
        OpRow("gelu[tanh]", "gelu", lambda x: nnf.gelu(x, approximate="tanh"),
              lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) *
                                               (x + 0.044715 * x ** 3))), S, ("real",), (0,)),
        OpRow("mish", "mish", nnf.mish, lambda x: x * np.tanh(np.log1p(np.exp(x))), S,
              ("real",), (0,)),
        OpRow("hardswish", "hardswish", nnf.hardswish,
              lambda x: x * np.clip(x / 6 + 0.5, 0, 1), S, ("away0",), (0,)),
        OpRow("hardsigmoid", "hardsigmoid", nnf.hardsigmoid,
              lambda x: np.clip(x / 6 + 0.5, 0, 1).astype(x.dtype), S, ("away0",), (0,)),
        OpRow("logsigmoid", "logsigmoid", nnf.logsigmoid, lambda x: -np.log1p(np.exp(-x)), S,
              ("real",), (0,)),
        OpRow("glu", "glu", nnf.glu, lambda x: x[..., :2] / (1 + np.exp(-x[..., 2:])), S,
              ("real",), (0,)),
        OpRow("layer_norm", "layer_norm", lambda x: nnf.layer_norm(x, (4,)), _np_layer_norm,
              S, ("real",), (0,), rtol=1e-4, atol=1e-5, primitives=("layer_norm",)),
        OpRow("smooth_l1_loss", "smooth_l1_loss",
              lambda a, t: nnf.smooth_l1_loss(a, t, beta=0.5), _np_smooth_l1,
              (((3, 4), (3, 4)),), ("real", "real"), (0, 1)),
        OpRow("cosine_similarity", "cosine_similarity", nnf.cosine_similarity,
              lambda a, b_: (a * b_).sum(1) / (np.linalg.norm(a, axis=1) *
                                               np.linalg.norm(b_, axis=1)),
              (((3, 4), (3, 4)), ((2, 3, 4), (2, 3, 4))), ("real", "real"), (0, 1), rtol=1e-4,
              primitives=("cosine_similarity", "cosine_similarity_grad")),
        OpRow("std_root", "std_root", lambda v: bind(std_root.std_root_p, v),
              lambda v: np.sqrt(v).astype(v.dtype), (((3, 4),), ((5,),)), ("pos",), (0,)),
        OpRow("kl_div", "kl_div", lambda x, t: nnf.kl_div(x, t, reduction="none"),
              lambda x, t: (t * np.log(t) - t * x).astype(x.dtype),
              (((3, 4), (3, 4)), ((2, 3), (3,))), ("real", "pos"), (0, 1), rtol=1e-4,
              atol=1e-5),
        OpRow("kl_div_log", "kl_div_log",
              lambda x, t: nnf.kl_div(x, t, reduction="none", log_target=True),
              lambda x, t: (np.exp(t) * (t - x)).astype(x.dtype), (((3, 4), (3, 4)),),
              ("real", "real"), (0, 1), rtol=1e-4, atol=1e-5),
        OpRow("cosine_similarity[broadcast: composite]", "cosine_similarity",
              nnf.cosine_similarity, _np_cosine, (((3, 1, 4), (1, 2, 4)),), ("real", "real"),
              (0, 1), rtol=1e-4),
        OpRow("cosine_similarity_grad", "cosine_similarity_grad",
              lambda g, a, b_: cosine_prims.cosine_similarity_grad(g, a, b_, 1, 1e-8),
              _np_cosine_grad, (((2, 4), (2, 3, 4), (2, 3, 4)),), ("real", "real", "real"),
              (0, 1, 2), rtol=1e-4, atol=1e-5),
        OpRow("flip[0,2]", "flip", lambda x: flip_roll.flip(x, (0, 2)),
              lambda x: np.flip(x, (0, 2)), (((3, 4, 2),),), ("real",), (0,)),
        OpRow("flip[1]", "flip", lambda x: flip_roll.flip(x, (1,)), lambda x: x[:, ::-1],
              (((3, 4),),), ("real",), (0,)),
        OpRow("roll[1,-2]", "roll", lambda x: flip_roll.roll(x, (1, -2), (0, 1)),
              lambda x: np.roll(x, (1, -2), (0, 1)), (((3, 5),), ((2, 3, 4),)), ("real",), (0,)),
        OpRow("roll[0]", "roll", lambda x: flip_roll.roll(x, (3,), (0,)),
              lambda x: x.copy(), (((3, 4),),), ("real",), (0,)),
        OpRow("var[axis=1]", "var", lambda x: var_prims.var(x, (1,), 1, False),
              lambda x: x.var(1, ddof=1).astype(x.dtype), (((3, 4),), ((2, 5),)), ("real",),
              (0,), rtol=1e-4),
        OpRow("var[axes=0,2,keepdims,correction=0]", "var",
              lambda x: var_prims.var(x, (0, 2), 0, True),
              lambda x: x.var((0, 2), keepdims=True).astype(x.dtype), (((2, 3, 4),),),
              ("real",), (0,), rtol=1e-4),
        OpRow("var_grad[axis=1]", "var_grad",
              lambda g, x: var_prims.var_grad(g, x, (1,), 1, False),
              lambda g, x: (g[:, None] * 2 * (x - x.mean(1, keepdims=True))
                            / (x.shape[1] - 1)).astype(x.dtype),
              (((3,), (3, 4)),), ("real", "real"), (0, 1), rtol=1e-4, atol=1e-5),
        OpRow("var_grad[axis=0,keepdims]", "var_grad",
              lambda g, x: var_prims.var_grad(g, x, (0,), 1, True),
              lambda g, x: (g * 2 * (x - x.mean(0, keepdims=True)) / (x.shape[0] - 1)
                            ).astype(x.dtype),
              (((1, 4), (3, 4)),), ("real", "real"), (0, 1), rtol=1e-4, atol=1e-5),
    ]


def _np_cosine(a, b_, axis=1):
    a, b_ = np.broadcast_arrays(a, b_)
    return ((a * b_).sum(axis) / (np.linalg.norm(a, axis=axis) *
                                  np.linalg.norm(b_, axis=axis))).astype(a.dtype)


def _np_cosine_grad(g, a, b_):
    n1 = np.linalg.norm(a, axis=1, keepdims=True)
    n2 = np.linalg.norm(b_, axis=1, keepdims=True)
    cos = (a * b_).sum(1, keepdims=True) / (n1 * n2)
    return (np.expand_dims(g, 1) * (b_ / n2 - cos * a / n1) / n1).astype(a.dtype)


def _np_index_add(x, i, s):
    out = x.copy()
    np.add.at(out, (slice(None), i), 2.0 * s)
    return out


def _shape_rows(OpRow) -> list:
    return [
        OpRow("index_select[axis=1]", "index_select", lambda x, i: ops.index_select(x, 1, i),
              lambda x, i: np.take(x, i, 1), (((3, 4), (5,)),), ("real", "int4"), (0,),
              primitives=("take", "transpose")),
        OpRow("index_add[axis=1]", "index_add",
              lambda x, i, s_: ops.index_add(x, 1, i, s_, alpha=2.0), _np_index_add,
              (((3, 4), (5,), (3, 5)),), ("real", "int4", "real"), (0, 2),
              primitives=("index_add", "mul")),
        OpRow("index_add[axis=0]", "index_add", lambda x, i, s_: ops.index_add(x, 0, i, s_),
              lambda x, i, s_: _np_index_add0(x, i, s_),
              (((4, 3), (6,), (6, 3)), ((5,), (7,), (7,)), ((4, 2, 3), (3,), (3, 2, 3))),
              ("real", "int4", "real"), (0, 2)),
        OpRow("masked_select", "masked_select", ops.masked_select,
              lambda x, m: x[np.broadcast_to(m, x.shape)],
              (((3, 4), (3, 4)), ((3, 4), (4,))), ("real", "bool"), (0,),
              primitives=("nonzero", "take")),
        OpRow("tile", "tile", lambda x: ops.tile(x, (2, 1, 3)), lambda x: np.tile(x, (2, 1, 3)),
              (((3, 4),), ((4,),)), ("real",), (0,)),
        OpRow("repeat", "repeat", lambda x: ops.repeat(x, 2, 3), lambda x: np.tile(x, (2, 3)),
              (((3, 4),),), ("real",), (0,)),
        OpRow("repeat_interleave", "repeat_interleave",
              lambda x: ops.repeat_interleave(x, 2, 1), lambda x: np.repeat(x, 2, 1),
              (((3, 4),),), ("real",), (0,), primitives=("broadcast_to",)),
        OpRow("repeat_interleave[counts]", "repeat_interleave",
              lambda x: ops.repeat_interleave(x, [1, 0, 2], 0),
              lambda x: np.repeat(x, [1, 0, 2], 0), (((3, 4),),), ("real",), (0,),
              primitives=("take",)),
        OpRow("flip", "flip", lambda x: ops.flip(x, (0, 1)), lambda x: np.flip(x, (0, 1)),
              (((3, 4),), ((2, 3, 4),)), ("real",), (0,), primitives=("getitem",)),
        OpRow("roll", "roll", lambda x: ops.roll(x, (1, -3), (0, 1)),
              lambda x: np.roll(x, (1, -3), (0, 1)), (((3, 4),),), ("real",), (0,),
              primitives=("concatenate",)),
        OpRow("roll[flat]", "roll", lambda x: ops.roll(x, 5), lambda x: np.roll(x, 5),
              (((3, 4),),), ("real",), (0,)),
        OpRow("narrow", "narrow", lambda x: ops.narrow(x, 1, 1, 2), lambda x: x[:, 1:3],
              (((3, 4),),), ("real",), (0,)),
        OpRow("movedim", "movedim", lambda x: ops.movedim(x, (0, 1), (2, 0)),
              lambda x: np.moveaxis(x, (0, 1), (2, 0)), (((2, 3, 4),),), ("real",), (0,),
              primitives=("transpose",)),
        OpRow("unflatten", "unflatten", lambda x: ops.unflatten(x, 1, (2, -1)),
              lambda x: x.reshape(3, 2, 2), (((3, 4),),), ("real",), (0,),
              primitives=("reshape",)),
    ]


def _np_einsum(eq):
    return lambda *xs: np.einsum(eq, *xs)


def _linalg_rows(OpRow) -> list:
    M = (((3, 4),), ((4, 4),), ((2, 3, 3),))
    return [
        OpRow("count_nonzero", "count_nonzero", lambda x: ops.count_nonzero(x, 1),
              lambda x: np.count_nonzero(x, 1), (((3, 4),),), ("int3",), (),
              primitives=("not_equal", "sum")),
        OpRow("vector_norm[2]", "vector_norm", lambda x: ops.vector_norm(x, 2, 1),
              lambda x: np.linalg.norm(x, 2, 1), (((3, 4),),), ("away0",), (0,),
              primitives=("norm2",)),
        OpRow("vector_norm[3,all]", "vector_norm", lambda x: ops.vector_norm(x, 3),
              lambda x: np.sum(np.abs(x) ** 3) ** (1 / 3), (((3, 4),),), ("away0",), (0,),
              primitives=("pow", "abs")),
        OpRow("vector_norm[inf]", "vector_norm", lambda x: ops.vector_norm(x, float("inf"), 0),
              lambda x: np.max(np.abs(x), 0), (((3, 4),),), ("away0",), (0,)),
        OpRow("linalg_norm[fro]", "norm", lambda x: ops.linalg_norm(x, "fro"),
              lambda x: np.linalg.norm(x, "fro"), (((3, 4),),), ("real",), (0,),
              primitives=("sqrt",)),
        OpRow("dist", "dist", lambda a, b_: ops.dist(a, b_, 2),
              lambda a, b_: np.linalg.norm((a - b_).ravel()), (((3, 4), (4,)),),
              ("real", "real"), (0, 1), primitives=("sub",)),
        OpRow("cdist", "cdist", lambda a, b_: ops.cdist(a, b_),
              lambda a, b_: np.sqrt(((a[:, None] - b_[None]) ** 2).sum(-1)),
              (((3, 4), (5, 4)),), ("real", "real"), (0, 1), rtol=1e-4),
        OpRow("addmm", "addmm", lambda c, a, b_: ops.addmm(c, a, b_, beta=0.5, alpha=2.0),
              lambda c, a, b_: 0.5 * c + 2.0 * a @ b_, (((3, 5), (3, 4), (4, 5)),),
              ("real", "real", "real"), (0, 1, 2), rtol=1e-4, primitives=("matmul",)),
        OpRow("baddbmm", "baddbmm", lambda c, a, b_: ops.baddbmm(c, a, b_),
              lambda c, a, b_: c + a @ b_, (((2, 3, 5), (2, 3, 4), (2, 4, 5)),),
              ("real", "real", "real"), (0, 1, 2), rtol=1e-4, primitives=("matmul",)),
        OpRow("mv", "mv", ops.mv, lambda a, v: a @ v, (((3, 4), (4,)),), ("real", "real"),
              (0, 1), rtol=1e-4, primitives=("matmul",)),
        OpRow("matrix_power[3]", "matrix_power", lambda a: ops.matrix_power(a, 3),
              lambda a: np.linalg.matrix_power(a, 3), (((3, 3),), ((2, 3, 3),)), ("real",),
              (0,), rtol=1e-4, atol=1e-5, primitives=("matmul",)),
        OpRow("diagonal[offset=1]", "diagonal", lambda x: ops.diagonal(x, 1),
              lambda x: np.diagonal(x, 1), (((3, 4),), ((4, 4),)), ("real",), (0,),
              primitives=("getitem", "reshape")),
        OpRow("diagonal[-1,dims]", "diagonal", lambda x: ops.diagonal(x, -1, 1, 2),
              lambda x: np.diagonal(x, -1, 1, 2), (((2, 3, 3),),), ("real",), (0,)),
        OpRow("diag[vector,k]", "diag", lambda x: ops.diag(x, -1), lambda x: np.diag(x, -1),
              (((4,),),), ("real",), (0,), primitives=("scatter_add_along_axis", "cumsum")),
        OpRow("diag[vector]", "diag", lambda x: ops.diag(x, 1), lambda x: np.diag(x, 1),
              (((3,),),), ("real",), (0,)),
        OpRow("trace", "trace", ops.trace, np.trace, (((3, 4),), ((4, 4),)), ("real",), (0,)),
        OpRow("tril", "tril", lambda x: ops.tril(x, 1), lambda x: np.tril(x, 1), M, ("real",),
              (0,), primitives=("where",)),
        OpRow("triu", "triu", lambda x: ops.triu(x, -1), lambda x: np.triu(x, -1), M,
              ("real",), (0,)),
        OpRow("cross", "cross", lambda a, b_: ops.cross(a, b_, -1),
              lambda a, b_: np.cross(a, b_), (((4, 3), (4, 3)), ((4, 3), (3,))),
              ("real", "real"), (0, 1), primitives=("concatenate", "getitem")),
        OpRow("einsum[ij,jk->ik]", "einsum", lambda a, b_: ops.einsum("ij,jk->ik", a, b_),
              _np_einsum("ij,jk->ik"), (((3, 4), (4, 5)),), ("real", "real"), (0, 1),
              rtol=1e-4, primitives=("mul", "sum", "expand_dims")),
        OpRow("einsum[bij,bjk]", "einsum", lambda a, b_: ops.einsum("bij,bjk", a, b_),
              _np_einsum("bij,bjk"), (((2, 3, 4), (2, 4, 5)),), ("real", "real"), (0, 1),
              rtol=1e-4),
        OpRow("einsum[ji->ij]", "einsum", lambda a: ops.einsum("ji->ij", a),
              _np_einsum("ji->ij"), (((3, 4),),), ("real",), (0,), primitives=("transpose",)),
        OpRow("inv", "inv", lambda a: ops.inv(ops.add(a, ops.mul(ops.matrix_power(a, 0), 3.0))),
              lambda a: np.linalg.inv(a + 3 * np.eye(a.shape[-1], dtype=a.dtype)),
              (((3, 3),), ((2, 3, 3),)),
              ("sym",), (0,), rtol=1e-4, atol=1e-5),
        OpRow("svdvals", "svd", ops.svdvals, lambda a: np.linalg.svd(a, compute_uv=False),
              (((3, 4),), ((2, 4, 3),)), ("real",), (0,), rtol=1e-4, atol=1e-5),
        OpRow("svd[U S Vh]", "svd", lambda a: (lambda u, s, vh: ops.matmul(
                  ops.mul(u, ops.expand_dims(s, -2)), vh))(*ops.svd(a)),
              lambda a: a, (((3, 2),), ((2, 2, 3),)), ("real",), (0,), rtol=1e-4, atol=1e-5),
        OpRow("svd[U U^T]", "svd", lambda a: (lambda u: ops.matmul(
                  u, ops.matrix_transpose(u)))(ops.svd(a)[0]),
              lambda a: (lambda u: u @ np.swapaxes(u, -1, -2))(np.linalg.svd(a, False)[0]),
              (((4, 2),),), ("real",), (0,), rtol=1e-4, atol=1e-5),
        OpRow("svd[V V^T]", "svd", lambda a: (lambda vh: ops.matmul(
                  ops.matrix_transpose(vh), vh))(ops.svd(a)[2]),
              lambda a: (lambda vh: np.swapaxes(vh, -1, -2) @ vh)(np.linalg.svd(a, False)[2]),
              (((2, 4),),), ("real",), (0,), rtol=1e-4, atol=1e-5),
        OpRow("aminmax", "aminmax", lambda x: ops.aminmax(x, axis=1)[1],
              lambda x: np.max(x, 1), (((3, 4),),), ("real",), (0,), primitives=("max",)),
    ]


def _scan_rows(OpRow) -> list:
    S2 = (((3, 4),), ((2, 3, 4),))
    return [
        OpRow("cumsum[axis=1]", "cumsum", lambda x: ops.cumsum(x, 1),
              lambda x: np.cumsum(x, 1), S2, ("real",), (0,)),
        OpRow("cumsum[axis=0,reverse,exclusive]", "cumsum",
              lambda x: ops.cumsum(x, 0, reverse=True, exclusive=True),
              lambda x: np.flip(np.cumsum(np.flip(x, 0), 0), 0) - x, S2, ("real",), (0,)),
        OpRow("cumsum[int]", "cumsum", lambda x: ops.cumsum(x, -1),
              lambda x: np.cumsum(x, -1), S2, ("int9",), ()),
        OpRow("cumprod[axis=1]", "cumprod", lambda x: ops.cumprod(x, 1),
              lambda x: np.cumprod(x, 1), S2, ("away0",), (0,)),
        OpRow("cumprod[reverse,exclusive]", "cumprod",
              lambda x: ops.cumprod(x, 1, reverse=True, exclusive=True),
              _np_cumprod_excl_rev, (((3, 4),),), ("away0",), (0,)),
        OpRow("logcumsumexp", "logcumsumexp", lambda x: ops.logcumsumexp(x, 1),
              lambda x: _np_logcumsumexp(x, 1), S2, ("real",), (0,)),
        OpRow("logcumsumexp[axis 0, 3-D]", "logcumsumexp", lambda x: ops.logcumsumexp(x, 0),
              lambda x: _np_logcumsumexp(x, 0), (((3, 2, 4),),), ("real",), (0,)),
        OpRow("argsort", "argsort", lambda x: ops.argsort(x, 1),
              lambda x: np.argsort(x, 1, kind="stable"), S2, ("real",), ()),
        OpRow("argsort[descending,ties]", "argsort",
              lambda x: ops.argsort(x, 0, descending=True),
              lambda x: np.flip(x.shape[0] - 1 - np.argsort(np.flip(x, 0), 0, kind="stable"), 0),
              (((5, 3),),), ("int3",), ()),
        OpRow("sort", "sort", lambda x: ops.sort(x, -1)[0], lambda x: np.sort(x, -1), S2,
              ("real",), (0,), primitives=("argsort", "take_along_axis")),
        OpRow("topk", "topk", lambda x: ops.topk(x, 2, 1)[0],
              lambda x: -np.sort(-x, 1)[:, :2], (((3, 4),),), ("real",), (0,),
              primitives=("argsort", "take_along_axis")),
        OpRow("torch_topk", "torch_topk", lambda x: ops.scan.torch_topk(x, 2, 1)[0],
              lambda x: -np.sort(-x, 1)[:, :2], (((3, 4),), ((2, 70),)), ("real",), (0,),
              primitives=("topk_order", "take_along_axis")),
        OpRow("kthvalue", "kthvalue", lambda x: ops.kthvalue(x, 2, 1)[0],
              lambda x: np.sort(x, 1)[:, 1], (((3, 4),), ((2, 40),)), ("real",), (0,),
              primitives=("kthvalue_index", "take_along_axis")),
        OpRow("median", "median", lambda x: ops.median(x, 1)[0],
              lambda x: np.sort(x, 1)[:, (x.shape[1] - 1) // 2], (((3, 5),), ((3, 4),)),
              ("real",), (0,), primitives=("argsort", "take_along_axis")),
        OpRow("take_along_axis", "take_along_axis", lambda x, i: ops.take_along_axis(x, i, 1),
              lambda x, i: np.take_along_axis(x, i, 1), (((3, 4), (3, 5)), ((2, 4, 3), (2, 6, 3))),
              ("real", "int4"), (0,)),
        OpRow("scatter_add_along_axis", "scatter_add_along_axis",
              lambda v, i, r: ops.scatter_add_along_axis(v, i, r, 1),
              lambda v, i, r: _np_scatter_add_axis(v, i, r, 1),
              (((3, 5), (3, 5), (3, 4)), ((2, 6, 3), (2, 6, 3), (2, 4, 3))),
              ("real", "int4", "real"), (0,)),
        OpRow("gather[smaller index]", "gather", lambda x, i: ops.gather(x, 1, i),
              lambda x, i: np.take_along_axis(x[:2], i, 1), (((3, 4), (2, 3)),),
              ("real", "int4"), (0,), primitives=("take_along_axis", "getitem")),
        OpRow("scatter", "scatter", lambda x, i, s: ops.scatter(x, 1, i, s),
              lambda x, i, s: _np_scatter(x, i, s, 1), (((3, 4), (3, 1), (3, 1)),),
              ("real", "int4", "real"), (0, 2), primitives=("scatter_add_along_axis", "where")),
    ]


def _math_rows(OpRow, u, b, U, B) -> list:
    return [
        u("sin", ops.sin, np.sin),
        u("cos", ops.cos, np.cos),
        u("tan", ops.tan, np.tan, "sym"),
        u("asin", ops.asin, np.arcsin, "sym"),
        u("acos", ops.acos, np.arccos, "sym"),
        u("atan", ops.atan, np.arctan),
        u("sinh", ops.sinh, np.sinh),
        u("cosh", ops.cosh, np.cosh),
        u("asinh", ops.asinh, np.arcsinh),
        u("acosh", ops.acosh, np.arccosh, "gt1"),
        u("atanh", ops.atanh, np.arctanh, "sym"),
        u("erf", ops.erf, _vec(math.erf)),
        u("erfc", ops.erfc, _vec(math.erfc)),
        u("erfinv", ops.erfinv, _np_erfinv, "sym"),
        u("log1p", ops.log1p, np.log1p, "pos"),
        u("expm1", ops.expm1, np.expm1),
        u("log2", ops.log2, np.log2, "pos"),
        u("log10", ops.log10, np.log10, "pos"),
        u("exp2", ops.exp2, np.exp2),
        u("floor", ops.floor, np.floor, "offint"),
        u("ceil", ops.ceil, np.ceil, "offint"),
        u("trunc", ops.trunc, np.trunc, "offint"),
        u("rint", ops.rint, np.rint, "offint"),
        OpRow("round[decimals=2]", "round", lambda x: ops.round_(x, 2),
              lambda x: _np_round(x, 2), (((3, 4),),), ("real",), (0,),
              primitives=("rint", "mul", "div")),
        u("reciprocal", ops.reciprocal, np.reciprocal, "away0"),
        u("rsqrt", ops.rsqrt, lambda x: 1.0 / np.sqrt(x), "pos"),
        b("atan2", ops.atan2, np.arctan2, ("away0", "away0")),
        b("hypot", ops.hypot, np.hypot, ("away0", "away0")),
        b("logaddexp", ops.logaddexp, np.logaddexp),
        b("fmod", ops.fmod, np.fmod, ("offint", "gt1")),
        b("remainder", ops.remainder, np.remainder, ("offint", "gt1")),
        b("floor_divide", ops.floor_divide, np.floor_divide, ("offint", "gt1"), ()),
        OpRow("floor_divide[int]", "floor_divide", ops.floor_divide, np.floor_divide,
              (((3, 4), (3, 4)), ((3, 4), (4,))), ("int9", "int9"), ()),
        OpRow("bitwise_and", "bitwise_and", ops.bitwise_and, np.bitwise_and, B,
              ("int9", "int9"), ()),
        OpRow("bitwise_or", "bitwise_or", ops.bitwise_or, np.bitwise_or, B, ("int9", "int9"),
              ()),
        OpRow("bitwise_left_shift", "bitwise_left_shift", ops.bitwise_left_shift,
              np.left_shift, B, ("int9", "int70"), ()),
        OpRow("bitwise_right_shift", "bitwise_right_shift", ops.bitwise_right_shift,
              np.right_shift, B, ("int9", "int70"), ()),
        OpRow("bitwise_xor[bool]", "bitwise_xor", ops.bitwise_xor, np.logical_xor, B,
              ("bool", "bool"), ()),
        OpRow("nll", "nll", lambda x, t: ops.nll_prim.nll(x, t, True),
              lambda x, t: -np.mean(x[np.arange(len(t)), t]), (((4, 5), (4,)), ((1, 3), (1,))),
              ("real", "int3"), (0,)),
        OpRow("nll[sum]", "nll", lambda x, t: ops.nll_prim.nll(x, t, False),
              lambda x, t: -np.sum(x[np.arange(len(t)), t]), (((6, 4), (6,)),),
              ("real", "int4"), (0,)),
        OpRow("bitwise_not", "bitwise_not", ops.bitwise_not, np.invert, U, ("int9",), ()),
        OpRow("bitwise_not[bool]", "bitwise_not", ops.bitwise_not, np.logical_not, U,
              ("bool",), ()),
        OpRow("isnan", "isnan", lambda x: ops.isnan(ops.log(x)), lambda x: np.isnan(np.log(x)),
              U, ("real",), (), primitives=("isnan", "log")),
        OpRow("isinf", "isinf", lambda x: ops.isinf(ops.div(1.0, ops.floor(x))),
              lambda x: np.isinf(1.0 / np.floor(x)), U, ("unit",), (),
              primitives=("isinf", "div", "floor")),
        OpRow("isfinite", "isfinite", lambda x: ops.isfinite(ops.log(x)),
              lambda x: np.isfinite(np.log(x)), U, ("real",), (),
              primitives=("isfinite", "log")),
        OpRow("frac", "frac", ops.frac, lambda x: x - np.trunc(x), U, ("offint",), (0,),
              primitives=("trunc", "sub")),
        OpRow("lerp", "lerp", ops.lerp, lambda a, b_, w: a + w * (b_ - a),
              (((3, 4), (3, 4), (3, 4)), ((3, 4), (4,), (3, 1))), ("real", "real", "unit"),
              (0, 1, 2), primitives=("add", "mul", "sub")),
        OpRow("nan_to_num", "nan_to_num",
              lambda x: ops.nan_to_num(ops.div(ops.log(x), ops.floor(ops.abs(x))), 1.5),
              lambda x: np.nan_to_num(np.log(x) / np.floor(np.abs(x)), nan=1.5),
              (((4, 5),),), ("real",), (), primitives=("isnan", "isinf", "where")),
        OpRow("logical_and", "logical_and", ops.logical_and, np.logical_and,
              (((3, 4), (3, 4)), ((3, 4), (4,))), ("int3", "bool"), (),
              primitives=("bitwise_and", "not_equal")),
        OpRow("logical_or", "logical_or", ops.logical_or, np.logical_or,
              (((3, 4), (3, 4)),), ("bool", "bool"), (), primitives=("bitwise_or",)),
        OpRow("logical_xor", "logical_xor", ops.logical_xor, np.logical_xor,
              (((3, 4), (3, 4)),), ("int3", "int3"), (), primitives=("bitwise_xor",)),
        OpRow("clip[tensor bounds]", "clip", lambda x, lo, hi: ops.clip(x, lo, hi),
              lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
              (((3, 4), (4,), (3, 1)),), ("real", "real", "real"), (),
              primitives=("maximum", "minimum")),
    ]
