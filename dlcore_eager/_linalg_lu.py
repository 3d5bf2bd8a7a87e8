"""PyTorch's LU family and the smaller ``torch.linalg`` functions over dlcore's solvers
(split from :mod:`dlcore_eager._linalg_solve`, whose helpers it uses; ``_linalg_decomp``'s
adapter looks names up here too): ``linalg.lu``, ``lu_factor(_ex)``, ``lu_solve``,
``torch.lu_solve``, ``torch.lu_unpack``, ``inv_ex`` and ``solve_ex`` (LAPACK's ``info`` and, for
a singular matrix, what ``getrf``/``getrs`` leave: PyTorch's infinities and NaNs),
``matrix_exp``, ``cond``, ``tensorinv``, ``tensorsolve``, ``vander``, ``vecdot``, ``diagonal``
and ``matmul``.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.errors import LinAlgError
from dlcore.ops import linalg_systems as _solve

from ._arg_checks import not_tensor as _not_tensor
from . import _dtype as D
from ._host import host as _host
from ._linalg_solve import _float, _matrix, _same_dtype, _square, solve
from .return_types import structseq
from .tensor import Tensor

linalg_inv_ex = structseq("linalg_inv_ex", ["inverse", "info"])
linalg_solve_ex = structseq("linalg_solve_ex", ["result", "info"])
linalg_lu = structseq("linalg_lu", ["P", "L", "U"])
lu_unpack_result = structseq("lu_unpack", ["P", "L", "U"])
linalg_lu_factor = structseq("linalg_lu_factor", ["LU", "pivots"])
linalg_lu_factor_ex = structseq("linalg_lu_factor_ex", ["LU", "pivots", "info"])


def inv_ex(A, *, check_errors: bool = False, out=None):
    """``torch.linalg.inv_ex``: ``(inverse, info)``; for a singular matrix info is LAPACK's
    zero pivot and the inverse what ``getrs`` makes of the factors (infs and NaNs, as
    PyTorch, not differentiable), unless ``check_errors``."""
    op = "linalg.inv_ex"
    A = _square(A, op)
    try:
        inverse = _solve.inv_ex(A)
    except LinAlgError as e:
        if check_errors:
            raise LinAlgError(op + str(e)[len("linalg.inv"):]) from None
        from scipy.linalg import lapack
        a = np.asarray(_host(A))
        f64 = a.dtype == np.float64
        getrf, getrs = (lapack.dgetrf, lapack.dgetrs) if f64 else (lapack.sgetrf, lapack.sgetrs)
        n = a.shape[-1]
        mats = a.reshape((-1, n, n))
        outs = np.empty_like(mats)
        info = np.zeros(mats.shape[0], np.int32)
        eye = np.eye(n, dtype=a.dtype)
        with np.errstate(all="ignore"):
            for i, m in enumerate(mats):
                lu, piv, inf = getrf(m)
                outs[i] = getrs(lu, piv, eye)[0]
                info[i] = max(int(inf), 0)
        return linalg_inv_ex(A.new_tensor(outs.reshape(a.shape)),
                             A.new_tensor(info.reshape(a.shape[:-2]), dtype=D.int32))
    return linalg_inv_ex(inverse, A.new_zeros(tuple(A.shape[:-2]), dtype=D.int32))


def matrix_exp(input):
    """``torch.linalg.matrix_exp`` / ``torch.matrix_exp`` / ``Tensor.matrix_exp``: scaling
    and squaring with the number of squarings taken from the largest 1-norm in the batch."""
    from dlcore.ops.linalg_systems import PADE13_THETA
    input = _square(input, "linalg.matrix_exp")
    if input.numel() == 0:
        return input.clone()
    a = np.abs(np.asarray(_host(input), np.float64))
    norm = float(a.sum(axis=-2).max()) if a.size else 0.0
    s = 0
    if np.isfinite(norm) and norm > PADE13_THETA:
        s = int(np.ceil(np.log2(norm / PADE13_THETA)))
    return _solve.matrix_exp(input, s)


def _lu_input(A, op: str, pivot: bool) -> Tensor:
    A = _float(A, op)
    if A.dim() < 2:
        raise RuntimeError(f"{op}: Expected tensor with 2 or more dimensions. Got size: "
                           f"{list(A.shape)} instead")
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the "
                           "CPU")
    return A


def lu(A, *, pivot: bool = True, out=None):
    """``torch.linalg.lu``: ``(P, L, U)`` with ``A = P L U``; P (a permutation) does not
    require grad, as PyTorch's."""
    P, L, U = _ops_lu().lu(_lu_input(A, "linalg.lu", pivot))
    return linalg_lu(P.detach(), L, U)


def _ops_lu():
    from dlcore.ops import linalg_factor
    return linalg_factor


def _lu_info(lu_packed) -> np.ndarray:
    """LAPACK's info: the 1-based index of the first zero on U's diagonal (0: none)."""
    d = np.diagonal(np.asarray(_host(lu_packed)), 0, -2, -1)
    zero = d == 0
    if zero.shape[-1] == 0:                 # (an empty matrix: no zero pivot)
        return np.zeros(zero.shape[:-1], np.int32)
    return np.where(zero.any(-1), zero.argmax(-1) + 1, 0).astype(np.int32)


def lu_factor(A, *, pivot: bool = True, out=None):
    """``torch.linalg.lu_factor``: ``(LU, pivots)``; a zero on U's diagonal raises, as in
    PyTorch (``lu_factor_ex`` reports it in ``info`` instead)."""
    packed, piv = _ops_lu().lu_factor(_lu_input(A, "torch.lu_factor", pivot))
    info = _lu_info(packed)
    bad = np.flatnonzero(info)
    if bad.size:
        b = int(bad[0])
        where = f"(Batch element {b}): " if A.dim() > 2 else ""
        i = int(info.reshape(-1)[b])
        raise RuntimeError(f"torch.linalg.lu_factor: {where}U[{i},{i}] is zero and using it on "
                           "lu_solve would result in a division by zero. If you still want to "
                           "perform the factorization, consider calling linalg.lu(A, pivot) or "
                           "linalg.lu_factor_ex(A, pivot)")
    return linalg_lu_factor(packed, piv)


def lu_factor_ex(A, *, pivot: bool = True, check_errors: bool = False, out=None):
    """``torch.linalg.lu_factor_ex``: ``(LU, pivots, info)``."""
    if check_errors:
        packed, piv = lu_factor(A, pivot=pivot)
    else:
        packed, piv = _ops_lu().lu_factor(_lu_input(A, "torch.lu_factor", pivot))
    return linalg_lu_factor_ex(packed, piv, A.new_tensor(_lu_info(packed), dtype=D.int32))


def _row_order(pivots, m: int) -> np.ndarray:
    """The 0-based row order ``perm`` (``(P^T B)[j] = B[perm[j]]``) of 1-based LAPACK pivots:
    the interchanges applied in turn (on the host: pivots are integers, not differentiable)."""
    piv = np.asarray(_host(pivots)).astype(np.int64) - 1
    perm = np.broadcast_to(np.arange(m), piv.shape[:-1] + (m,)).copy()
    for j in range(piv.shape[-1]):
        pj = piv[..., j:j + 1]
        a = perm[..., j:j + 1].copy()
        perm[..., j:j + 1] = np.take_along_axis(perm, pj, -1)
        np.put_along_axis(perm, pj, a, -1)
    return perm


def lu_solve(LU, pivots, B, *, left: bool = True, adjoint: bool = False, out=None):
    """``torch.linalg.lu_solve``: X with ``A X = B`` from ``lu_factor``'s output."""
    op = "linalg.lu_solve"
    LU = _square(LU, op)
    B = _matrix(B, op, "B")
    _same_dtype(LU, B, op)
    n = LU.shape[-1]
    rows = B.shape[-2] if left else B.shape[-1]
    if rows != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation {eq} "
                           f"({n}x{n} and {B.shape[-2]}x{B.shape[-1]})")
    perm = LU.new_tensor(_row_order(pivots, n), dtype=D.int64)
    return _ops_lu().lu_solve(LU, perm, B, bool(left), bool(adjoint))


def lu_solve_legacy(input, LU_data, LU_pivots):
    """``torch.lu_solve(b, LU_data, LU_pivots)`` (deprecated in PyTorch)."""
    return lu_solve(LU_data, LU_pivots, input)


def lu_unpack(LU_data, LU_pivots, unpack_data: bool = True,
              unpack_pivots: bool = True):
    """``torch.lu_unpack``: ``(P, L, U)`` from ``lu_factor``'s output."""
    LU = _matrix(LU_data, "lu_unpack")
    m = LU.shape[-2]
    lo, up = _ops_lu().lu_unpack(LU) if unpack_data else (LU.new_zeros((0,)),) * 2
    if unpack_pivots:
        perm = _row_order(LU_pivots, m)
        p = np.zeros(perm.shape + (m,), LU._buf.dtype)
        np.put_along_axis(p, perm[..., None, :], 1, -2)   # P[perm[j], j] = 1
        pm = LU.new_tensor(p)
    else:
        pm = LU.new_zeros((0,))
    return lu_unpack_result(pm, lo, up)


def _host_lu_info(A) -> tuple[np.ndarray, np.ndarray]:
    """(host copy, LAPACK getrf's info per matrix) of square matrices A."""
    from scipy.linalg import lapack
    a = np.asarray(_host(A))
    getrf = lapack.dgetrf if a.dtype == np.float64 else lapack.sgetrf
    n = a.shape[-1]
    info = np.array([max(int(getrf(m)[2]), 0) if n else 0 for m in a.reshape((-1, n, n))],
                    np.int32)
    return a, info.reshape(a.shape[:-2])


def solve_ex(A, B, *, left: bool = True, check_errors: bool = False, out=None):
    """``torch.linalg.solve_ex``: ``(result, info)``; for a singular matrix info is LAPACK's
    zero pivot and the result what ``getrs`` makes of the factors (infs and NaNs, as
    PyTorch; not differentiable), unless ``check_errors``."""
    op = "torch.linalg.solve_ex"
    try:
        x = solve(A, B, left=left)
    except LinAlgError as e:
        if check_errors:
            raise LinAlgError(op + str(e)[len("torch.linalg.solve"):]) from None
        from scipy.linalg import lapack
        a, info = _host_lu_info(A)
        vec = _solve._is_vector_rhs(A, B)
        b = np.asarray(_host(B))
        b = b[..., None] if vec else b
        if not left:
            a, b = np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        a = np.broadcast_to(a, batch + a.shape[-2:])
        b = np.broadcast_to(b, batch + b.shape[-2:])
        f64 = a.dtype == np.float64
        getrf, getrs = (lapack.dgetrf, lapack.dgetrs) if f64 else (lapack.sgetrf, lapack.sgetrs)
        n = a.shape[-1]
        xs = np.empty(b.shape, a.dtype)
        flat_x = xs.reshape((-1,) + b.shape[-2:])
        with np.errstate(all="ignore"):
            rhs = b.reshape((-1,) + b.shape[-2:])
            for i, (m, r) in enumerate(zip(a.reshape((-1, n, n)), rhs)):
                lu_, piv, _ = getrf(m)
                flat_x[i] = getrs(lu_, piv, r)[0]
        if not left:
            xs = np.swapaxes(xs, -1, -2)
        xs = xs[..., 0] if vec else xs
        info = np.broadcast_to(info, batch) if info.shape != batch else info
        return linalg_solve_ex(A.new_tensor(np.ascontiguousarray(xs)),
                               A.new_tensor(np.array(info), dtype=D.int32))
    return linalg_solve_ex(x, A.new_zeros(tuple(x.shape[:A.dim() - 2]), dtype=D.int32))


def cond(input, p=None, *, out=None):
    """``torch.linalg.cond``: singular values for p None/2/-2, else norms of A and A^-1 (inf
    for a singular matrix, as PyTorch)."""
    input = _matrix(input, "linalg.cond")
    if p in (None, 2, -2):
        return _solve.cond(input, p)
    input = _square(input, f"linalg.cond(ord={p})")
    _, info = _host_lu_info(input)
    if not info.any():
        return _solve.cond(input, p)
    bad = input.new_tensor(info != 0, dtype=D.bool_)
    eye = _ops.broadcast_like(
        input.new_tensor(np.eye(input.shape[-1], dtype=input._buf.dtype)), input)
    safe = _ops.where(_ops.expand_dims(bad, (-2, -1)), eye, input)
    value = _solve.cond(safe, p)
    return _ops.where(bad, _ops.full_like(value, float("inf")), value)


def tensorinv(A, ind: int = 2, *, out=None):
    """``torch.linalg.tensorinv``."""
    A = _float(A, "linalg.tensorinv")
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    shape = tuple(A.shape)
    rows, cols = int(np.prod(shape[:ind])), int(np.prod(shape[ind:]))
    if rows != cols:
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return _solve.tensorinv(A, ind)


def tensorsolve(A, B, dims=None, *, out=None):
    """``torch.linalg.tensorsolve``."""
    A = _float(A, "linalg.tensorsolve")
    B = _float(B, "linalg.tensorsolve")
    return _solve.tensorsolve(A, B, dims)


def vander(x, *, N=None):
    """``torch.linalg.vander``: ``[1, x, ..., x^(N-1)]`` along a new last axis."""
    if not isinstance(x, Tensor):
        raise _not_tensor("linalg_vander", "x", 1, x)
    n = (x.shape[-1] if x.dim() else 1) if N is None else int(N)
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    if x.dim() == 0:
        raise RuntimeError("x must have at least one dimension.")
    return _solve.vander(x, n)


def vecdot(x, y, *, dim: int = -1, out=None):
    """``torch.linalg.vecdot``: ``sum(x * y, dim)`` (real tensors)."""
    return (x * y).sum(dim)


def diagonal(A, *, offset: int = 0, dim1: int = -2, dim2: int = -1):
    """``torch.linalg.diagonal``: ``torch.diagonal`` with the last two axes by default."""
    return A.diagonal(offset, dim1, dim2)


def matmul(input, other, *, out=None):
    """``torch.linalg.matmul``: an alias of ``torch.matmul``."""
    return input @ other


_FUNCTIONS = {
    ("linalg_solve", "torch.linalg", "solve_ex"): solve_ex,
    ("cond", "torch.linalg", "cond"): cond,
    ("linalg_vander", "torch.linalg", "vander"): vander,
    ("linalg_vecdot", "torch.linalg", "vecdot"): vecdot,
    ("linalg_diagonal", "torch.linalg", "diagonal"): diagonal,
    ("linalg_matmul", "torch.linalg", "matmul"): matmul,
    ("tensorinv", "torch.linalg", "tensorinv"): tensorinv,
    ("tensorsolve", "torch.linalg", "tensorsolve"): tensorsolve,
    ("inv_ex", "torch.linalg", "inv_ex"): inv_ex,
    ("lu", "torch.linalg", "lu"): lu,
    ("lu_solve", "torch.linalg", "lu_solve"): lu_solve,
    ("lu_solve", "torch", "lu_solve"): lu_solve_legacy,
    ("lu_solve", "Tensor", "lu_solve"): lu_solve_legacy,
    ("lu_unpack", "torch", "lu_unpack"): lu_unpack,
    ("lu_factor", "torch.linalg", "lu_factor"): lu_factor,
    ("lu_factor", "torch.linalg", "lu_factor_ex"): lu_factor_ex,
    ("matrix_exp", "torch.linalg", "matrix_exp"): matrix_exp,
    ("matrix_exp", "torch", "matrix_exp"): matrix_exp,
    ("matrix_exp", "Tensor", "matrix_exp"): matrix_exp,
}
