"""Op-table rows of the layer-normalisation primitives (dlcore/ops/norm_prims.py): the fused
forward with and without the affine parameters, and its two gradient primitives (their own
vjps are the second derivative of the layer norm), against NumPy; the same for the group-norm
primitives (dlcore/ops/group_norm_prims.py); and of the training-mode batch-norm primitives
(dlcore/ops/batch_norm_prims.py)."""

from __future__ import annotations

import numpy as np

from dlcore.ops import batch_norm_prims as bn
from dlcore.ops import group_norm_prims as gn
from dlcore.ops import nn_functional as nnf
from dlcore.ops import norm_prims as ln

EPS = 1e-5


def _stats(x, k):
    axes = tuple(range(x.ndim - k, x.ndim))
    m = x.mean(axes, keepdims=True)
    rstd = 1.0 / np.sqrt(((x - m) ** 2).mean(axes, keepdims=True) + EPS)
    return axes, (x - m) * rstd, rstd


def np_layer_norm(x, w=None, b=None, k=1):
    _, xhat, _ = _stats(x, k)
    y = xhat * (1.0 if w is None else w) + (0.0 if b is None else b)
    return y.astype(x.dtype)


def np_layer_norm_grad(a, x, w, k):
    axes, xhat, rstd = _stats(x, k)
    a = a * w
    return (rstd * (a - a.mean(axes, keepdims=True)
                    - xhat * (a * xhat).mean(axes, keepdims=True))).astype(x.dtype)


def np_layer_norm_wgrad(g, x, k):
    _, xhat, _ = _stats(x, k)
    return (g * xhat).sum(tuple(range(x.ndim - k))).astype(x.dtype)


def _grouped(v, groups):
    return v.reshape(v.shape[0], groups, -1)


def _chan(v, x):
    return v.reshape((1, -1) + (1,) * (x.ndim - 2))


def np_group_norm(x, w=None, b=None, groups=2):
    y = np_layer_norm(_grouped(x, groups), k=1).reshape(x.shape)
    return (y * (1.0 if w is None else _chan(w, x)) + (0.0 if b is None else _chan(b, x))
            ).astype(x.dtype)


def np_group_norm_grad(a, x, w, groups):
    aw = a * (1.0 if w is None else _chan(w, x))
    return np_layer_norm_grad(_grouped(aw, groups), _grouped(x, groups), 1.0, 1).reshape(x.shape)


def np_group_norm_wgrad(g, x, groups):
    _, xhat, _ = _stats(_grouped(x, groups), 1)
    return (g * xhat.reshape(x.shape)).sum((0,) + tuple(range(2, x.ndim))).astype(x.dtype)


def group_norm_rows(OpRow) -> list:
    fused = ("group_norm", "group_norm_grad", "group_norm_wgrad")
    return [
        OpRow("group_norm[affine]", "group_norm",
              lambda x, w, b: nnf.group_norm(x, 2, w, b), np_group_norm,
              (((3, 4, 5), (4,), (4,)), ((2, 6, 2, 3), (6,), (6,))),
              ("real", "real", "real"), (0, 1, 2), rtol=1e-4, atol=1e-5, primitives=fused),
        OpRow("group_norm[no affine, 2-D]", "group_norm",
              lambda x: gn.group_norm(x, None, None, 3, EPS),
              lambda x: np_group_norm(x, groups=3), (((4, 6),),), ("real",), (0,),
              rtol=1e-4, atol=1e-5),
        OpRow("group_norm_grad", "group_norm_grad",
              lambda a, x, w: gn.group_norm_grad(a, x, w, 2, EPS),
              lambda a, x, w: np_group_norm_grad(a, x, w, 2),
              (((2, 4, 3), (2, 4, 3), (4,)),), ("real", "real", "real"), (0, 1, 2),
              rtol=1e-4, atol=1e-5),
        OpRow("group_norm_grad[no weight]", "group_norm_grad",
              lambda a, x: gn.group_norm_grad(a, x, None, 1, EPS),
              lambda a, x: np_group_norm_grad(a, x, None, 1), (((3, 2, 2, 2), (3, 2, 2, 2)),),
              ("real", "real"), (0, 1), rtol=1e-4, atol=1e-5),
        OpRow("group_norm_wgrad", "group_norm_wgrad",
              lambda g, x: gn.group_norm_wgrad(g, x, 2, EPS),
              lambda g, x: np_group_norm_wgrad(g, x, 2), (((3, 4, 5), (3, 4, 5)),),
              ("real", "real"), (0, 1), rtol=1e-4, atol=1e-5),
    ]


def norm_rows(OpRow) -> list:
    fused = ("layer_norm", "layer_norm_grad", "layer_norm_wgrad")
    return batch_norm_rows(OpRow) + group_norm_rows(OpRow) + [
        OpRow("layer_norm[affine]", "layer_norm",
              lambda x, w, b: nnf.layer_norm(x, (4,), w, b), np_layer_norm,
              (((3, 4), (4,), (4,)), ((2, 2, 4), (4,), (4,))), ("real", "real", "real"),
              (0, 1, 2), rtol=1e-4, atol=1e-5, primitives=fused),
        OpRow("layer_norm[k=2,weight]", "layer_norm",
              lambda x, w: nnf.layer_norm(x, (2, 3), w),
              lambda x, w: np_layer_norm(x, w, None, 2), (((2, 2, 3), (2, 3)),),
              ("real", "real"), (0, 1), rtol=1e-4, atol=1e-5),
        OpRow("layer_norm_grad", "layer_norm_grad",
              lambda a, x, w: ln.layer_norm_grad(a, x, w, 2, EPS),
              lambda a, x, w: np_layer_norm_grad(a, x, w, 2),
              (((2, 2, 3), (2, 2, 3), (2, 3)),), ("real", "real", "real"), (0, 1, 2),
              rtol=1e-4, atol=1e-5),
        OpRow("layer_norm_grad[no weight]", "layer_norm_grad",
              lambda a, x: ln.layer_norm_grad(a, x, None, 1, EPS),
              lambda a, x: np_layer_norm_grad(a, x, 1.0, 1), (((3, 4), (3, 4)),),
              ("real", "real"), (0, 1), rtol=1e-4, atol=1e-5),
        OpRow("layer_norm_wgrad", "layer_norm_wgrad",
              lambda g, x: ln.layer_norm_wgrad(g, x, 1, EPS),
              lambda g, x: np_layer_norm_wgrad(g, x, 1), (((3, 4), (3, 4)),),
              ("real", "real"), (0, 1), rtol=1e-4, atol=1e-5),
    ]


# ----------------------------------------------------------------------------- batch norm
def _bn_stats(x):
    axes = (0,) + tuple(range(2, x.ndim))
    m = x.mean(axes, keepdims=True)
    v = ((x - m) ** 2).mean(axes, keepdims=True)
    return axes, m, v, (x - m) / np.sqrt(v + EPS), 1.0 / np.sqrt(v + EPS)


def _ch(v, x):
    return v.reshape((1, -1) + (1,) * (x.ndim - 2))


def np_bn_stats(x):
    _, m, v, _, _ = _bn_stats(x)
    return np.stack([m.reshape(-1), v.reshape(-1)]).astype(x.dtype)


def np_bn_train(x, w=None, b=None):
    _, _, _, xhat, _ = _bn_stats(x)
    y = xhat * (1.0 if w is None else _ch(w, x)) + (0.0 if b is None else _ch(b, x))
    return y.astype(x.dtype)


def np_bn_grad_stats(g, x):
    axes, _, _, xhat, _ = _bn_stats(x)
    return np.stack([g.sum(axes), (g * xhat).sum(axes)]).astype(x.dtype)


def np_bn_grad_x(g, x, w=None):
    axes, _, _, xhat, r = _bn_stats(x)
    n = g.size // g.shape[1]
    a, b = g.sum(axes, keepdims=True), (g * xhat).sum(axes, keepdims=True)
    y = r * (1.0 if w is None else _ch(w, x)) * (g - a / n - xhat * b / n)
    return y.astype(x.dtype)


def _train(x, w=None, b=None):
    return bn.batch_norm_train(x, bn.batch_norm_stats(x), w, b, EPS)


def _grad_stats(g, x):
    return bn.batch_norm_grad_stats(g, x, bn.batch_norm_stats(x), EPS)


def _grad_x(g, x, w=None):
    st = bn.batch_norm_stats(x)
    return bn.batch_norm_grad_x(g, x, st, bn.batch_norm_grad_stats(g, x, st, EPS), w, EPS)


def batch_norm_rows(OpRow) -> list:
    """The fused training-mode batch norm (dlcore/ops/batch_norm_prims.py): each primitive
    with its own statistics computed by batch_norm_stats, so finite differences in x see the
    total derivative that the vjps compute."""
    return [
        OpRow("batch_norm_stats", "batch_norm_stats", bn.batch_norm_stats, np_bn_stats,
              (((3, 2, 2, 2),), ((4, 3),)), ("real",), (), rtol=1e-4, atol=1e-5),
        OpRow("batch_norm_train[affine]", "batch_norm_train", _train, np_bn_train,
              (((3, 2, 2, 2), (2,), (2,)), ((4, 3), (3,), (3,))), ("real", "real", "real"),
              (0, 1, 2), rtol=1e-4, atol=1e-5),
        OpRow("batch_norm_train", "batch_norm_train", _train, np_bn_train,
              (((3, 2, 3),),), ("real",), (0,), rtol=1e-4, atol=1e-5),
        OpRow("batch_norm_grad_stats", "batch_norm_grad_stats", _grad_stats, np_bn_grad_stats,
              (((3, 2, 3), (3, 2, 3)),), ("real", "real"), (0, 1), rtol=1e-4, atol=1e-5),
        OpRow("batch_norm_grad_x[weight]", "batch_norm_grad_x", _grad_x, np_bn_grad_x,
              (((3, 2, 3), (3, 2, 3), (2,)),), ("real", "real", "real"), (0, 1, 2),
              rtol=1e-4, atol=1e-5),
        OpRow("batch_norm_grad_x", "batch_norm_grad_x", _grad_x, np_bn_grad_x,
              (((4, 3), (4, 3)),), ("real", "real"), (0, 1), rtol=1e-4, atol=1e-5),
    ]
