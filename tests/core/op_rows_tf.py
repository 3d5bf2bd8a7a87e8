"""Op-table rows of the activation composites (dlcore/ops/activations.py) and the extra
reductions and shape queries (dlcore/ops/reduce_extra.py); ``op_table.py`` appends them."""

from __future__ import annotations

import numpy as np

from dlcore import ops
from dlcore.ops.shape import concat_part


def _np_softplus(x):
    return (np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))).astype(x.dtype)


def _np_elu(x, a=1.0):
    return np.where(x > 0, x, a * np.expm1(np.minimum(x, 0))).astype(x.dtype)


def tf_rows(OpRow, U, B) -> list:
    def u(op, fn, ref, domain="away0", diff=(0,), **kw):
        return OpRow(op, op, fn, ref, U, (domain,), diff, **kw)

    R3 = (((2, 3, 4),), ((5,),), ((3, 1, 2),))
    return [
        u("softplus", ops.softplus, _np_softplus, "real", primitives=("softplus",)),
        OpRow("softplus[wide]", "softplus", lambda x: ops.softplus(ops.mul(x, 15.0)),
              lambda x: _np_softplus(15 * x), U, ("real",), (0,),
              primitives=("softplus", "mul")),
        OpRow("softplus_grad", "softplus_grad",
              lambda g, x: ops.activations.softplus_grad(g, ops.mul(x, 15.0)),
              lambda g, x: np.where(15 * x > 20, g, g / (1 + np.exp(-15 * x))).astype(g.dtype),
              B, ("real", "real"),
              (0, 1), primitives=("softplus_grad", "mul")),
        u("softsign", ops.softsign, lambda x: (x / (1 + np.abs(x))).astype(x.dtype),
          primitives=("abs", "add", "div")),
        u("relu6", ops.relu6, lambda x: np.minimum(np.maximum(x, 0), 6).astype(x.dtype),
          primitives=("hardtanh",)),
        OpRow("relu6[big]", "relu6", lambda x: ops.relu6(ops.mul(x, 5.0)),
              lambda x: np.clip(5 * x, 0, 6).astype(x.dtype), U, ("away0",), (0,),
              primitives=("hardtanh", "mul")),
        u("elu", lambda x: ops.elu(x, 0.7), lambda x: _np_elu(x, 0.7), primitives=("elu",)),
        u("selu", ops.selu, lambda x: (1.0507009873554805 * _np_elu(x, 1.6732632423543772))
          .astype(x.dtype), primitives=("elu",)),
        u("leaky_relu", lambda x: ops.leaky_relu(x, 0.1),
          lambda x: np.where(x > 0, x, 0.1 * x).astype(x.dtype), primitives=("leaky_relu",)),
        OpRow("leaky_relu[negative]", "leaky_relu", lambda x: ops.leaky_relu(x, -0.3),
              lambda x: np.where(x > 0, x, -0.3 * x).astype(x.dtype), U, ("away0",), (0,)),
        OpRow("prod[all]", "prod", lambda x: ops.prod(x), lambda x: np.prod(x), R3,
              ("away0",), (0,), rtol=1e-4),
        OpRow("prod[axis=1,keepdims]", "prod", lambda x: ops.prod(x, 1, True),
              lambda x: np.prod(x, 1, keepdims=True), (((2, 3, 4),),), ("away0",), (0,)),
        OpRow("prod[zeros]", "prod", lambda x: ops.prod(ops.mul(x, ops.greater(x, 0.5)), 0),
              lambda x: np.prod(x * (x > 0.5), 0), (((4, 3),),), ("away0",), (0,),
              primitives=("prod", "mul", "greater")),
        OpRow("prod[int]", "prod", lambda x: ops.prod(x, 0), lambda x: np.prod(x, 0),
              (((3, 4),),), ("int5",)),
        OpRow("reduce_any", "reduce_any", lambda x: ops.reduce_any(x, 1),
              lambda x: np.any(x, 1), (((3, 4),),), ("bool",), primitives=("sum",)),
        OpRow("reduce_all", "reduce_all", lambda x: ops.reduce_all(x, (0, 1), True),
              lambda x: np.all(x, (0, 1), keepdims=True), (((3, 4),), ((2, 1),)), ("bool",),
              primitives=("sum",)),
        OpRow("nonzero", "nonzero", ops.nonzero, lambda x: np.argwhere(x).astype(np.int64),
              (((3, 4),), ((5,),)), ("bool",)),
        OpRow("arange", "arange",
              lambda a, b, d: ops.arange(a, ops.add(a, b), ops.add(d, 1), np.int64),
              lambda a, b, d: np.arange(a, a + b, d + 1, dtype=np.int64),
              (((), (), ()),), ("int5",) * 3, primitives=("arange", "add")),
        OpRow("arange[float,down]", "arange",
              lambda a, b, d: ops.arange(a, ops.sub(a, b), ops.neg(d), np.float32),
              lambda a, b, d: (a + np.arange(np.ceil(b / d)) * -d).astype(np.float32),
              (((), (), ()),), ("real", "pos", "pos"), dtypes=("float32",),
              primitives=("arange", "sub", "neg")),
        OpRow("shape_of", "shape_of", ops.shape_of,
              lambda x: np.asarray(x.shape, np.int32), (((3, 4),), ((2, 1, 5),)), ("real",)),
        OpRow("concat_part", "concat_part",
              lambda g, a, b, c: concat_part(g, a, b, c, axis=1, index=1),
              lambda g, a, b, c: g[:, a.shape[1]:a.shape[1] + b.shape[1]],
              (((2, 6, 2), (2, 1, 2), (2, 3, 2), (2, 2, 2)),), ("real",) * 4, (0,),
              primitives=("concat_part", "concatenate", "full_like")),
    ]
