"""``torch.linalg.ldl_factor``, ``ldl_factor_ex`` and ``ldl_solve`` over dlcore's LDL^T
primitives (:mod:`dlcore.ops.ldl`): PyTorch's argument checks and messages, the batch
broadcasting of ``ldl_solve``, and the named tuples.  ``_linalg_decomp``'s adapter looks names up
in ``FUNCTIONS``.  No derivative, as in PyTorch."""

from __future__ import annotations

import numpy as np

from dlcore.errors import LinAlgError
from dlcore.ops import ldl as _ldl

from . import _dtype as D
from ._host import host as _host
from ._linalg_solve import _float, _square
from .return_types import structseq
from .tensor import Tensor

linalg_ldl_factor = structseq("linalg_ldl_factor", ["LD", "pivots"])
linalg_ldl_factor_ex = structseq("linalg_ldl_factor_ex", ["LD", "pivots", "info"])

_KERNEL_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _kernel_dtype(x: Tensor, kernel: str) -> None:
    if x._buf.dtype not in _KERNEL_DTYPES:
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{D.from_numpy_dtype(x._buf.dtype)._legacy}'")


def _factor(A, op: str):
    A = _square(A, op)
    _kernel_dtype(A, "ldl_factor_kernel_cpu")
    return _ldl.ldl_factor(A)


def ldl_factor_ex(A, *, hermitian: bool = False, check_errors: bool = False, out=None):
    """``(LD, pivots, info)``: Bunch-Kaufman's compact factor of A's lower triangle, LAPACK's
    1-based pivots (negative for a 2 x 2 block) and info (k + 1 for the first zero block)."""
    ld, piv, info = _factor(A, "torch.linalg.ldl_factor_ex")
    if check_errors:
        _raise_singular(info, A.dim() > 2)
    return linalg_ldl_factor_ex(ld, piv, info)


def ldl_factor(input, *, hermitian: bool = False, out=None):
    """``(LD, pivots)``; a zero pivot block raises (``ldl_factor_ex`` reports it in info).
    (PyTorch 2.13 raises an internal assertion there; dlcore says what happened.)"""
    ld, piv, info = _factor(input, "torch.linalg.ldl_factor_ex")
    _raise_singular(info, input.dim() > 2)
    return linalg_ldl_factor(ld, piv)


def _raise_singular(info: Tensor, batched: bool) -> None:
    codes = np.asarray(_host(info)).reshape(-1)
    bad = np.flatnonzero(codes)
    if bad.size:
        b = int(bad[0])
        where = f"(Batch element {b}): " if batched else ""
        raise LinAlgError(f"torch.linalg.ldl_factor: {where}The factorization could not be "
                          f"completed because the input is not invertible: D[{codes[b] - 1}, "
                          f"{codes[b] - 1}] is a zero pivot.")


def ldl_solve(LD, pivots, B, *, hermitian: bool = False, out=None):  # noqa: N803 - PyTorch's
    """X with ``A X = B`` from ``ldl_factor``'s ``(LD, pivots)``; the batch dimensions of LD
    (and pivots) and B broadcast."""
    op = "torch.linalg.ldl_solve"
    LD = _square(LD, op)
    B = _float(B, op)
    if B.dim() < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-max(B.dim(), 1)}, {max(B.dim(), 1) - 1}], but got -2)")
    if not isinstance(pivots, Tensor) or pivots._buf.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: Expected pivots to be integers. Got "
                           f"{getattr(pivots, 'dtype', type(pivots).__name__)}")
    if tuple(pivots.shape) != tuple(LD.shape[:-1]):
        raise RuntimeError(f"{op}: Expected LD.shape[:-1] and pivots.shape to be the same, but "
                           f"got pivots with shape {list(pivots.shape)} instead")
    n = LD.shape[-1]
    if B.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for {op}: each A matrix is {n} by {n} "
                           f"but each b matrix is {B.shape[-2]} by {B.shape[-1]}")
    if B._buf.dtype != LD._buf.dtype:
        tb, ta = (D.from_numpy_dtype(t._buf.dtype)._legacy for t in (B, LD))
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type {tb} "
                           f"and A of type {ta} instead.")
    _kernel_dtype(LD, "ldl_solve_kernel_cpu")
    batch = tuple(np.broadcast_shapes(tuple(LD.shape[:-2]), tuple(B.shape[:-2])))
    ld = LD.detach().expand(*batch, n, n)
    piv = pivots.detach().to(D.int32).expand(*batch, n)
    b = B.detach().expand(*batch, n, B.shape[-1])
    return _ldl.ldl_solve(ld, piv, b)


FUNCTIONS = {
    ("ldl_factor", "torch.linalg", "ldl_factor"): ldl_factor,
    ("ldl_factor", "torch.linalg", "ldl_factor_ex"): ldl_factor_ex,
    ("ldl_solve", "torch.linalg", "ldl_solve"): ldl_solve,
}
