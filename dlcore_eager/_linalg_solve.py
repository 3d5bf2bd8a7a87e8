"""PyTorch's functions for dlcore's solvers and factorizations (``dlcore.ops.linalg_systems``,
``dlcore.ops.linalg_factor``); :func:`dlcore_eager._linalg_decomp.adapter` looks names up here
after its own table.

Where PyTorch's spelling differs from the op: ``torch.linalg.solve`` and ``lstsq`` take vector
right-hand sides; ``torch.triangular_solve(b, A, upper=True)`` (deprecated, still used) returns
``(solution, cloned_coefficient)``; ``torch.qr(some=True)`` and ``linalg.qr(mode)``;
``cholesky_ex`` returns LAPACK's partial factor and ``info`` instead of raising;
``linalg.lstsq`` returns PyTorch's four fields for its drivers (the CPU default ``gelsy``:
``rank``, empty ``residuals`` and ``singular_values``; ``gelsd``/``gelss``: singular values,
and residuals when every matrix is tall and of full rank); ``pinv``/``matrix_rank`` take the
legacy positional ``rcond``/``tol``.  Error messages are PyTorch's, prefixed with the name the
user called.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from dlcore import ops as _ops
from dlcore.errors import LinAlgError
from dlcore.ops import linalg_factor as _factor
from dlcore.ops import linalg_systems as _solve

from . import _dtype as D
from .tensor import Tensor

linalg_cholesky_ex = namedtuple("linalg_cholesky_ex", ["L", "info"])
linalg_inv_ex = namedtuple("linalg_inv_ex", ["inverse", "info"])
linalg_solve_ex = namedtuple("linalg_solve_ex", ["result", "info"])
linalg_lu = namedtuple("linalg_lu", ["P", "L", "U"])
lu_unpack_result = namedtuple("lu_unpack", ["P", "L", "U"])  # type: ignore[name-match]
linalg_lu_factor = namedtuple("linalg_lu_factor", ["LU", "pivots"])
linalg_lu_factor_ex = namedtuple("linalg_lu_factor_ex", ["LU", "pivots", "info"])
linalg_qr = namedtuple("linalg_qr", ["Q", "R"])
qr_result = namedtuple("qr", ["Q", "R"])  # type: ignore[name-match]  # torch's repr: qr(Q=..)
linalg_eigh = namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
linalg_slogdet = namedtuple("linalg_slogdet", ["sign", "logabsdet"])
slogdet_result = namedtuple("slogdet", ["sign", "logabsdet"])  # type: ignore[name-match]
linalg_lstsq = namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])
triangular_solve_result = namedtuple("triangular_solve", ["solution", "cloned_coefficient"])  # type: ignore[name-match]


def _float(x, op: str) -> Tensor:
    """x, if it is a floating-point Tensor (PyTorch's errors otherwise).  (_linalg_decomp
    looks names up here, so this module does not import it.)"""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")
    if x._buf.dtype.kind != "f":
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got "
                           f"{D.from_numpy_dtype(x._buf.dtype)._legacy}")
    return x


def _matrix(x, op: str, name: str = "A") -> Tensor:
    x = _float(x, op)
    if x.dim() < 2:
        raise RuntimeError(f"{op}: The input tensor {name} must have at least 2 dimensions.")
    return x


def _square(x, op: str) -> Tensor:
    x = _matrix(x, op)
    m, n = x.shape[-2:]
    if m != n:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are {m} by "
                           f"{n} matrices")
    return x


def _same_dtype(a, b, op: str) -> None:
    if a._buf.dtype != b._buf.dtype:
        ta, tb = (D.from_numpy_dtype(t._buf.dtype)._legacy for t in (a, b))
        raise RuntimeError(f"{op}: Expected A and B to have the same dtype, but found A of type "
                           f"{ta} and B of type {tb} instead")


def _renamed(fn, old: str, new: str):
    """Run fn; a LinAlgError's message names ``new`` instead of ``old``."""
    try:
        return fn()
    except LinAlgError as e:
        msg = str(e)
        if msg.startswith(old + ":"):
            raise LinAlgError(new + msg[len(old):]) from None
        raise


# ----------------------------------------------------------------------------- solve
def solve(A, B, *, left: bool = True, out=None):
    """``torch.linalg.solve``: X with ``A X = B`` (``left=False``: ``X A = B``)."""
    op = "linalg.solve"
    A = _square(A, op)
    B = _float(B, op)
    _same_dtype(A, B, op)
    vec = _solve._is_vector_rhs(A, B)
    n = A.shape[-1]
    if vec:
        rows, cols, ok = B.shape[-1], 1, left and B.shape[-1] == n
    else:
        if B.dim() < 2:
            raise RuntimeError(f"{op}: The input tensor B must have at least 2 dimensions.")
        rows, cols = B.shape[-2], B.shape[-1]
        ok = (rows if left else cols) == n
    if not ok:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation {eq} "
                           f"({n}x{n} and {rows}x{cols})")
    return _ops.linalg_solve(A, B, left, vec)


def solve_triangular(A, B, *, upper, left: bool = True, unitriangular: bool = False):
    """``torch.linalg.solve_triangular`` (``upper`` is required, as in PyTorch)."""
    op = "linalg.solve_triangular"
    A = _square(A, op)
    B = _matrix(B, op, "B")
    _same_dtype(A, B, op)
    n = A.shape[-1]
    rows, cols = (B.shape[-2], B.shape[-1]) if left else (B.shape[-1], B.shape[-2])
    if rows != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation {eq} "
                           f"({n}x{n} and {rows}x{cols})")
    return _ops.solve_triangular(A, B, bool(upper), bool(left), bool(unitriangular))


def triangular_solve(b, A, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False):
    """``torch.triangular_solve(b, A)`` (deprecated in PyTorch): ``(solution, A's copy)``;
    ``transpose``: solve ``A^T X = b``."""
    op = "linalg.solve_triangular"
    A = _square(A, op)
    b = _matrix(b, op, "B")
    coef = _ops.matrix_transpose(A) if transpose else A
    x = solve_triangular(coef, b, upper=bool(upper) != bool(transpose),
                         unitriangular=unitriangular)
    return triangular_solve_result(x, A.clone())


def tensor_triangular_solve(self, A, upper: bool = True, transpose: bool = False,
                            unitriangular: bool = False):
    return triangular_solve(self, A, upper, transpose, unitriangular)


# ----------------------------------------------------------------------------- cholesky
def cholesky(A, *, upper: bool = False, out=None):
    """``torch.linalg.cholesky``."""
    return _ops.cholesky(_square(A, "linalg.cholesky"), bool(upper))


def cholesky_legacy(input, upper: bool = False):
    """``torch.cholesky`` / ``Tensor.cholesky`` (deprecated in PyTorch, still used)."""
    x = _square(input, "cholesky")
    return _renamed(lambda: _ops.cholesky(x, bool(upper)), "linalg.cholesky", "cholesky")


def cholesky_ex(A, *, upper: bool = False, check_errors: bool = False, out=None):
    """``torch.linalg.cholesky_ex``: ``(L, info)``; info 0 where the factorization succeeded,
    else the order of the first leading minor that is not positive-definite, and L is what
    LAPACK's potrf left (not differentiable then)."""
    op = "linalg.cholesky_ex"
    A = _square(A, op)
    try:
        lo = _ops.cholesky(A, bool(upper))
    except LinAlgError as e:
        if check_errors:
            msg = str(e)
            raise LinAlgError(op + msg[len("linalg.cholesky"):]) from None
        from dlcore.kernels.cpu.linalg_solve import cholesky_info
        part, info = cholesky_info(np.asarray(A.detach().cpu().numpy()))
        if upper:
            part = np.swapaxes(part, -1, -2).copy()
        lo = A.new_tensor(part)
        return linalg_cholesky_ex(lo, A.new_tensor(info, dtype=D.int32))
    return linalg_cholesky_ex(lo, A.new_zeros(tuple(A.shape[:-2]), dtype=D.int32))


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
        a = np.asarray(A.detach().cpu().numpy())
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


def matrix_exp(A):
    """``torch.linalg.matrix_exp`` / ``torch.matrix_exp`` / ``Tensor.matrix_exp``: scaling
    and squaring with the number of squarings taken from the largest 1-norm in the batch."""
    from dlcore.ops.linalg_systems import PADE13_THETA
    A = _square(A, "linalg.matrix_exp")
    if A.numel() == 0:
        return A.clone()
    a = np.abs(np.asarray(A.detach().cpu().numpy(), np.float64))
    norm = float(a.sum(axis=-2).max()) if a.size else 0.0
    s = 0
    if np.isfinite(norm) and norm > PADE13_THETA:
        s = int(np.ceil(np.log2(norm / PADE13_THETA)))
    return _solve.matrix_exp(A, s)


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
    """``torch.linalg.lu``: ``(P, L, U)`` with ``A = P L U``."""
    return linalg_lu(*_ops_lu().lu(_lu_input(A, "linalg.lu", pivot)))


def _ops_lu():
    from dlcore.ops import linalg_factor
    return linalg_factor


def _lu_info(lu_packed) -> np.ndarray:
    """LAPACK's info: the 1-based index of the first zero on U's diagonal (0: none)."""
    d = np.diagonal(np.asarray(lu_packed.detach().cpu().numpy()), 0, -2, -1)
    zero = d == 0
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
    piv = np.asarray(pivots.detach().cpu().numpy()).astype(np.int64) - 1
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


def lu_solve_legacy(b, LU_data, LU_pivots):
    """``torch.lu_solve(b, LU_data, LU_pivots)`` (deprecated in PyTorch)."""
    return lu_solve(LU_data, LU_pivots, b)


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
    a = np.asarray(A.detach().cpu().numpy())
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
        b = np.asarray(B.detach().cpu().numpy())
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


def cond(A, p=None, *, out=None):
    """``torch.linalg.cond``: singular values for p None/2/-2, else norms of A and A^-1 (inf
    for a singular matrix, as PyTorch)."""
    A = _matrix(A, "linalg.cond")
    if p in (None, 2, -2):
        return _solve.cond(A, p)
    A = _square(A, f"linalg.cond(ord={p})")
    _, info = _host_lu_info(A)
    if not info.any():
        return _solve.cond(A, p)
    bad = A.new_tensor(info != 0, dtype=D.bool_)
    eye = _ops.broadcast_like(A.new_tensor(np.eye(A.shape[-1], dtype=A._buf.dtype)), A)
    safe = _ops.where(_ops.expand_dims(bad, (-2, -1)), eye, A)
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
        raise TypeError(f"linalg_vander(): argument 'x' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")
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


def cholesky_solve(B, L, upper: bool = False):
    """``torch.cholesky_solve(B, L, upper=False)``: X with ``L L^T X = B``."""
    L = _square(L, "cholesky_solve")
    B = _matrix(B, "cholesky_solve", "B")
    n = L.shape[-1]
    if B.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is {n} "
                           f"by {n} but each b matrix is {B.shape[-2]} by {B.shape[-1]}")
    _same_dtype(L, B, "cholesky_solve")
    return _ops.cholesky_solve(B, L, bool(upper))


def tensor_cholesky_solve(self, L, upper: bool = False):
    return cholesky_solve(self, L, upper)


def cholesky_inverse(L, upper: bool = False):
    """``torch.cholesky_inverse``: ``A^-1`` from ``A``'s Cholesky factor."""
    return _ops.cholesky_inverse(_square(L, "cholesky_inverse"), bool(upper))


# ----------------------------------------------------------------------------- determinants
def det(A, *, out=None):
    return _ops.det(_square(A, "linalg.det"))


def slogdet(A, *, out=None):
    return linalg_slogdet(*_ops.slogdet(_square(A, "linalg.slogdet")))


def slogdet_legacy(input):
    return slogdet_result(*_ops.slogdet(_square(input, "linalg.slogdet")))


def logdet(input):
    return _ops.logdet(_square(input, "logdet"))


# ----------------------------------------------------------------------------- qr, eigh
def qr(A, mode: str = "reduced", *, out=None):
    """``torch.linalg.qr``: ``(Q, R)``; ``mode='r'``: Q is an empty tensor."""
    A = _matrix(A, "linalg.qr")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    q, r = _ops.qr(A, mode)
    return linalg_qr(A.new_zeros((0,)) if q is None else q, r)


def qr_legacy(input, some: bool = True):
    """``torch.qr(input, some=True)`` / ``Tensor.qr`` (deprecated in PyTorch)."""
    A = _matrix(input, "linalg.qr")
    return qr_result(*_ops.qr(A, "reduced" if some else "complete"))


def _uplo(UPLO: str) -> bool:
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO == "L"


def eigh(A, UPLO: str = "L", *, out=None):
    """``torch.linalg.eigh``: ``(eigenvalues, eigenvectors)``, eigenvalues ascending."""
    lower = _uplo(UPLO)
    return linalg_eigh(*_ops.eigh(_square(A, "linalg.eigh"), lower))


def eigvalsh(A, UPLO: str = "L", *, out=None):
    lower = _uplo(UPLO)
    return _ops.eigvalsh(_square(A, "linalg.eigvalsh"), lower)


# ----------------------------------------------------------------------------- pinv & co
def _tol(x):
    return x.item() if isinstance(x, Tensor) and x.dim() == 0 else x


def pinv(A, rcond=None, hermitian: bool = False, *, atol=None, rtol=None, out=None):
    """``torch.linalg.pinv`` (``rcond``: PyTorch's legacy name of ``rtol``)."""
    A = _float(A, "linalg.pinv")
    if A.dim() < 2:
        raise RuntimeError(f"linalg.pinv({D.from_numpy_dtype(A._buf.dtype)._legacy}"
                           f"{{{list(A.shape)}}}): expected a tensor with 2 or more dimensions "
                           "of float, double, cfloat or cdouble types")
    if rcond is not None:
        rtol = rcond
    return _ops.pinv(A, _tol(atol), _tol(rtol), bool(hermitian))


def pinverse(input, rcond: float = 1e-15):
    """``torch.pinverse`` / ``Tensor.pinverse``: ``rcond`` relative to the largest singular
    value."""
    return pinv(input, rtol=rcond)


def matrix_rank(A, tol=None, hermitian: bool = False, *, atol=None, rtol=None, out=None):
    """``torch.linalg.matrix_rank`` (``tol``: the legacy absolute tolerance)."""
    A = _float(A, "torch.linalg.matrix_rank")
    if A.dim() < 2:
        raise RuntimeError("torch.linalg.matrix_rank: The input tensor input must have at "
                           "least 2 dimensions.")
    if tol is not None:
        atol, rtol = tol, 0.0
    return _ops.matrix_rank(A, _tol(atol), _tol(rtol), bool(hermitian))


_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A, B, rcond=None, *, driver=None):
    """``torch.linalg.lstsq``: ``(solution, residuals, rank, singular_values)`` as PyTorch's
    CPU build returns them for ``driver`` (default ``gelsy``)."""
    op = "torch.linalg.lstsq"
    if not isinstance(A, Tensor) or not isinstance(B, Tensor):
        raise TypeError("linalg_lstsq(): argument 'input' (position 1) must be Tensor")
    if A.dim() < 2:
        raise RuntimeError(f"{op}: input must have at least 2 dimensions.")
    A = _float(A, op)
    B = _float(B, op)
    _same_dtype(A, B, "torch.linalg.lstsq")
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise RuntimeError(f"{op}: parameter `driver` should be one of (gels, gelsy, gelsd, "
                           f"gelss)")
    vec = _solve._is_vector_rhs(A, B)
    b2 = _ops.expand_dims(B, -1) if vec else B
    if b2.shape[-2] != A.shape[-2]:
        raise RuntimeError(f"{op}: input.size(-2) should match other.size(-2)")
    x = _ops.lstsq(A, b2, rcond)
    m, n = A.shape[-2:]
    empty = A.new_zeros((0,))
    rank = _factor.lstsq_rank(A, rcond) if driver != "gels" else \
        A.new_zeros((0,), dtype=D.int64)
    svals = _ops.svdvals(A) if driver in ("gelsd", "gelss") else empty
    residuals = empty
    full_rank = driver == "gels" or bool((rank == n).all())
    if driver != "gelsy" and m > n and full_rank:
        res = _ops.sub(_ops.matmul(A, x), b2)
        residuals = _ops.sum(_ops.mul(res, res), -2)
        residuals = _ops.squeeze(residuals, -1) if vec else residuals
    return linalg_lstsq(_ops.squeeze(x, -1) if vec else x, residuals, rank, svals)


def multi_dot(tensors, *, out=None):
    """``torch.linalg.multi_dot``: a chain of matrix products (first/last may be 1-D)."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        d = t.dim()
        end = i in (0, len(tensors) - 1)
        if end and d not in (1, 2):
            which = "first" if i == 0 else "last"
            raise RuntimeError(f"multi_dot(): the {which} tensor must be 1D or 2D but got {d}D")
        if not end and d != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {d}D")
        if t._buf.dtype != tensors[0]._buf.dtype:
            names = [D.from_numpy_dtype(x._buf.dtype).name.replace("float32", "float").replace(
                "float64", "double") for x in (tensors[0], t)]
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but "
                               f"tensor 0 is {names[0]} and tensor {i} {names[1]}")
    for i in range(len(tensors) - 1):
        a, b = tensors[i], tensors[i + 1]
        ka = a.shape[-1]
        kb = b.shape[0]
        if ka != kb:
            sa, sb = list(a.shape), list(b.shape)
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {sa} and {sb} "
                               "cannot be multiplied")
    return _ops.multi_dot(tensors)


_FUNCTIONS = {
    ("linalg_solve", "torch.linalg", "solve"): solve,
    ("linalg_solve", "torch.linalg", "solve_ex"): solve_ex,
    ("cond", "torch.linalg", "cond"): cond,
    ("linalg_vander", "torch.linalg", "vander"): vander,
    ("linalg_vecdot", "torch.linalg", "vecdot"): vecdot,
    ("linalg_diagonal", "torch.linalg", "diagonal"): diagonal,
    ("linalg_matmul", "torch.linalg", "matmul"): matmul,
    ("tensorinv", "torch.linalg", "tensorinv"): tensorinv,
    ("tensorsolve", "torch.linalg", "tensorsolve"): tensorsolve,
    ("solve_triangular", "torch.linalg", "solve_triangular"): solve_triangular,
    ("solve_triangular", "torch", "triangular_solve"): triangular_solve,
    ("solve_triangular", "Tensor", "triangular_solve"): tensor_triangular_solve,
    ("cholesky", "torch.linalg", "cholesky"): cholesky,
    ("cholesky", "torch.linalg", "cholesky_ex"): cholesky_ex,
    ("cholesky", "torch", "cholesky"): cholesky_legacy,
    ("cholesky", "Tensor", "cholesky"): cholesky_legacy,
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
    ("cholesky_solve", "torch", "cholesky_solve"): cholesky_solve,
    ("cholesky_solve", "Tensor", "cholesky_solve"): tensor_cholesky_solve,
    ("cholesky_inverse", "torch", "cholesky_inverse"): cholesky_inverse,
    ("cholesky_inverse", "Tensor", "cholesky_inverse"): cholesky_inverse,
    ("det", "torch.linalg", "det"): det,
    ("det", "torch", "det"): det,
    ("det", "Tensor", "det"): det,
    ("slogdet", "torch.linalg", "slogdet"): slogdet,
    ("slogdet", "torch", "slogdet"): slogdet_legacy,
    ("slogdet", "Tensor", "slogdet"): slogdet_legacy,
    ("logdet", "torch", "logdet"): logdet,
    ("logdet", "Tensor", "logdet"): logdet,
    ("qr", "torch.linalg", "qr"): qr,
    ("qr", "torch", "qr"): qr_legacy,
    ("qr", "Tensor", "qr"): qr_legacy,
    ("eigh", "torch.linalg", "eigh"): eigh,
    ("eigvalsh", "torch.linalg", "eigvalsh"): eigvalsh,
    ("pinv", "torch.linalg", "pinv"): pinv,
    ("pinv", "torch", "pinverse"): pinverse,
    ("pinv", "Tensor", "pinverse"): pinverse,
    ("matrix_rank", "torch.linalg", "matrix_rank"): matrix_rank,
    ("lstsq", "torch.linalg", "lstsq"): lstsq,
    ("multi_dot", "torch.linalg", "multi_dot"): multi_dot,
}
