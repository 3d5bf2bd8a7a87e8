"""Op-table rows of the layer-normalisation primitives (dlcore/ops/norm_prims.py): the fused
forward with and without the affine parameters, and its two gradient primitives (their own
vjps are the second derivative of the layer norm), against NumPy."""

from __future__ import annotations

import numpy as np

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


def norm_rows(OpRow) -> list:
    fused = ("layer_norm", "layer_norm_grad", "layer_norm_wgrad")
    return [
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
