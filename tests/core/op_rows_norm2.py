"""Op-table rows of the 2-norm primitives (dlcore/ops/norm2.py): ``norm2`` over one axis,
over two axes kept, and over all of a vector; ``norm2_grad`` (its vjp is the norm's second
derivative, checked by finite differences like every row's) against NumPy in float64."""

from __future__ import annotations

import numpy as np

from dlcore.ops import norm2 as n2


def _np_norm2(x, axes, keepdims=False):
    return np.sqrt(np.sum(x.astype(np.float64) ** 2, axis=axes, keepdims=keepdims)).astype(
        x.dtype)


def _np_norm2_grad(g, x, axes, keepdims=False):
    y = np.sqrt(np.sum(x.astype(np.float64) ** 2, axis=axes, keepdims=True))
    gk = g.astype(np.float64) if keepdims else np.expand_dims(g.astype(np.float64), axes)
    return (x * gk / y).astype(x.dtype)


def norm2_rows(OpRow) -> list:
    both = ("norm2", "norm2_grad")
    return [
        OpRow("norm2[axis=1]", "norm2", lambda x: n2.norm2(x, 1),
              lambda x: _np_norm2(x, 1), (((3, 4),), ((2, 5, 3),)), ("away0",), (0,),
              primitives=both),
        OpRow("norm2[axes=(0,2),keepdims]", "norm2", lambda x: n2.norm2(x, (0, 2), True),
              lambda x: _np_norm2(x, (0, 2), True), (((2, 3, 4),),), ("away0",), (0,),
              primitives=both),
        OpRow("norm2[all]", "norm2", lambda x: n2.norm2(x, None),
              lambda x: _np_norm2(x, None), (((5,),), ((3, 4),)), ("real",), (0,),
              primitives=both),
        OpRow("norm2_grad[axis=1]", "norm2_grad",
              lambda g, x: n2.norm2_grad(g, x, (1,), False),
              lambda g, x: _np_norm2_grad(g, x, (1,)), (((3,), (3, 4)),),
              ("real", "away0"), (0, 1), rtol=1e-4, atol=1e-5),
        OpRow("norm2_grad[axis=0,keepdims]", "norm2_grad",
              lambda g, x: n2.norm2_grad(g, x, (0,), True),
              lambda g, x: _np_norm2_grad(g, x, (0,), True), (((1, 4), (3, 4)),),
              ("real", "away0"), (0, 1), rtol=1e-4, atol=1e-5),
    ]
