"""The QR factorization in Householder form, with PyTorch's names: ``geqrf`` (a primitive:
LAPACK's geqrf) and ``ormqr`` (a composite: the product of its reflectors with a matrix).
``householder_product`` (orgqr, the explicit Q) lives in linalg_extra.py.

Primitive (kernels in dlcore/kernels/{cpu,cuda}/householder.py)::

    geqrf(x, part)     x (.., m, n) = Q R with Q = H_1 ... H_k, k = min(m, n),
                       H_i = I - tau_i v_i v_i^T, v_i = (0, .., 0, 1, a[i+1:, i]);
                       part "a": R on and above the diagonal, v_i below it (m x n);
                       part "tau": (.., k).  LAPACK's larfg signs: R_ii = -sign(x_ii) ||x_i||,
                       tau_i = 0 when column i is already reduced.
        not differentiable (PyTorch: "the derivative for 'geqrf' is not implemented.")

Composite::

    ormqr(a, tau, c, left, transpose)   Q c, Q^T c (left) or c Q, c Q^T (right) with Q the
        m x m product of the k = tau.shape[-1] = min(m, n) reflectors stored in ``a`` (as geqrf
        leaves them), in the compact WY form Q = I - V T V^T (V: the reflectors' vectors, unit
        lower trapezoidal; T = (I + diag(tau) striu(V^T V))^-1 diag(tau), upper triangular,
        one unit-triangular solve): Q c = c - V (T (V^T c)), Q^T uses T^T, c Q = c - ((c V) T)
        V^T; gradients (to a, tau and c, as PyTorch has) come from matmul, triangular_solve,
        mul and sub.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..api import exports
from ..kernels.cpu import householder as _cpu
from ..kernels.cuda import householder as _cuda
from ..registry import AVal, Primitive, aval_of, bind
from .elementwise import add, mul, sub
from .indexing import getitem
from .linalg import matmul
from .linalg_extra import _SCALAR_NAMES
from .linalg_systems import solve_triangular
from .shape import expand_dims, matrix_transpose

#: ``torch.geqrf``'s result (``torch.return_types.geqrf``): fields ``a`` and ``tau``.
geqrf_result = namedtuple("geqrf", ["a", "tau"])  # type: ignore[name-match]


def _scalar(dtype) -> str:
    return _SCALAR_NAMES.get(dtype.name, dtype.name)


# ----------------------------------------------------------------------------- geqrf
def _geqrf_rule(x: AVal, *, part) -> AVal:
    if x.ndim < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    if x.dtype.name not in ("float32", "float64"):
        raise NotImplementedError(f"\"geqrf_cpu\" not implemented for '{_scalar(x.dtype)}'")
    if part == "a":
        return AVal(tuple(x.shape), x.dtype)
    if part == "tau":
        m, n = x.shape[-2:]
        k = None if m is None or n is None else min(m, n)
        return AVal(tuple(x.shape[:-2]) + (k,), x.dtype)
    raise ValueError(f"geqrf: part must be 'a' or 'tau', not {part!r}")


def _geqrf_vjp(g, y, x, *, part):
    raise NotImplementedError("the derivative for 'geqrf' is not implemented.")


geqrf_p = Primitive(
    "geqrf", _geqrf_rule, _geqrf_vjp, kind="linalg",
    doc="x = H_1 .. H_k R (LAPACK's geqrf; part 'a': R and the reflectors' vectors, 'tau': "
        "their scalars);  not differentiable (PyTorch's rule)",
    kernels={"cpu": _cpu.geqrf, "cuda": _cuda.geqrf})


@exports({"torch": "geqrf", "Tensor": "geqrf"}, "plain")
def geqrf(input):
    """``(a, tau)``: LAPACK's geqrf of each matrix of ``input`` (.., m, n)."""
    return geqrf_result(bind(geqrf_p, input, part="a"), bind(geqrf_p, input, part="tau"))


# ----------------------------------------------------------------------------- ormqr
def _ormqr_check(a, tau, c, left: bool) -> None:
    name = "torch.ormqr"
    sa, st, sc = (tuple(aval_of(v).shape) for v in (a, tau, c))
    if len(sa) < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if len(sc) < 2:
        raise RuntimeError(f"{name}: other must have at least 2 dimensions.")
    side = -2 if left else -1
    if sc[side] != sa[-2]:
        raise RuntimeError(f"{name}: other.shape[{side}] must be equal to input.shape[-2]")
    if len(st) == 0 or st[-1] != min(sc[side], sa[-1]):
        raise RuntimeError(f"{name}: tau.shape[-1] must be equal to min(other.shape[{side}], "
                           "input.shape[-1])")
    if len(st) != len(sa) - 1:
        raise RuntimeError(f"{name}: Expected tau to have one dimension less than input, but "
                           f"got tau.ndim equal to {len(st)} and input.ndim is equal to "
                           f"{len(sa)}")
    if len(sc) != len(sa):
        raise RuntimeError(f"{name}: Expected other to have the same number of dimensions as "
                           f"input, but got other.ndim equal to {len(sc)} and input.ndim is "
                           f"equal to {len(sa)}")
    if st[:-1] != sa[:-2]:
        raise RuntimeError(f"{name}: Expected batch dimensions of tau to be equal to "
                           f"input.shape[:-2], but got {list(st[:-1])}")
    if sc[:-2] != sa[:-2]:
        raise RuntimeError(f"{name}: Expected batch dimensions of other to be equal to "
                           f"input.shape[:-2], but got {list(sc[:-2])}")
    da = aval_of(a).dtype
    for v, label in ((tau, "tau"), (c, "other")):
        dv = aval_of(v).dtype
        if dv != da:
            raise RuntimeError(f"{name}: Expected input and {label} to have the same dtype, but "
                               f"input has dtype{_scalar(da)} and {label} has dtype "
                               f"{_scalar(dv)}")
    if da.name not in ("float32", "float64"):
        raise NotImplementedError(f"\"ormqr_cpu\" not implemented for '{_scalar(da)}'")


@exports({"torch": "ormqr", "Tensor": "ormqr"}, "plain")
def ormqr(input, input2, input3, left: bool = True, transpose: bool = False):
    """``Q other`` (``left``) or ``other Q``, with ``Q^T`` for ``transpose``: Q = H_1 ... H_k
    from geqrf's ``(input, tau)`` in its compact WY form (never formed).  ``input2`` is tau and
    ``input3`` is other: the keyword names PyTorch 2.13 accepts (its docs say tau, other)."""
    from ..device import const_like
    a, tau, other = input, input2, input3
    _ormqr_check(a, tau, other, left)
    m, k = aval_of(a).shape[-2], aval_of(tau).shape[-1]
    if k == 0:
        return add(other, 0.0)
    dtype = aval_of(a).dtype
    # (constant 0/1 masks: one mul each where tril/triu build index grids, ~9 ops)
    below = const_like(np.tri(m, k, -1, dtype=dtype), a)
    v_all = add(mul(getitem(a, (Ellipsis, slice(None), slice(0, k))), below),
                const_like(np.eye(m, k, dtype=dtype), a))
    # Q = H_1 ... H_k = I - V T V^T (the compact WY form): T upper triangular with
    # T^-1 = diag(1/tau) + striu(V^T V), i.e. T = (I + diag(tau) striu(V^T V))^-1 diag(tau),
    # which holds for tau_i = 0 too; one unit-triangular solve instead of k rank-1 updates
    vt = matrix_transpose(v_all)
    above = const_like(np.triu(np.ones((k, k), dtype=dtype), 1), a)
    ds = mul(expand_dims(tau, -1), mul(matmul(vt, v_all), above))
    eye_k = const_like(np.eye(k, dtype=dtype), a)
    t = solve_triangular(ds, mul(expand_dims(tau, -1), eye_k), upper=True, left=True,
                         unitriangular=True)
    if transpose:
        t = matrix_transpose(t)
    if left:
        return sub(other, matmul(v_all, matmul(t, matmul(vt, other))))
    return sub(other, matmul(matmul(matmul(other, v_all), t), vt))
