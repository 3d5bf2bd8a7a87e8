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
user called.  The LU family, ``inv_ex``/``solve_ex``, ``matrix_exp``, ``cond`` and the small
helpers are in :mod:`dlcore_eager._linalg_lu`.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.dtypes import is_floating
from dlcore.errors import LinAlgError
from dlcore.ops import linalg_factor as _factor
from dlcore.ops import linalg_systems as _solve

from ._arg_checks import not_tensor as _not_tensor
from . import _dtype as D
from . import _host_grad
from ._host import host as _host
from .return_types import structseq
from .tensor import Tensor

linalg_cholesky_ex = structseq("linalg_cholesky_ex", ["L", "info"])
linalg_qr = structseq("linalg_qr", ["Q", "R"])
qr_result = structseq("qr", ["Q", "R"])  # torch's repr: qr(Q=..)
linalg_eigh = structseq("linalg_eigh", ["eigenvalues", "eigenvectors"])
linalg_slogdet = structseq("linalg_slogdet", ["sign", "logabsdet"])
slogdet_result = structseq("slogdet", ["sign", "logabsdet"])
linalg_lstsq = structseq("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])
triangular_solve_result = structseq("triangular_solve", ["solution", "cloned_coefficient"])


def _float(x, op: str) -> Tensor:
    """x, if it is a floating-point Tensor (PyTorch's errors otherwise); also _linalg_decomp's
    (which looks names up here, so this module does not import it)."""
    if not isinstance(x, Tensor):
        raise _not_tensor(op.replace(".", "_"), "input", 1, x)   # (linalg_cond(): ...)
    if not is_floating(x._buf.dtype) and x._buf.dtype.kind != "c":   # (complex: the ops
        # that have no complex version refuse it with PyTorch's "not implemented" error)
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


def triangular_solve(input, A, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False):
    """``torch.triangular_solve(b, A)`` (deprecated in PyTorch): ``(solution, A's copy)``;
    ``transpose``: solve ``A^T X = b``."""
    op = "linalg.solve_triangular"
    A = _square(A, op)
    input = _matrix(input, op, "B")
    coef = _ops.matrix_transpose(A) if transpose else A
    x = solve_triangular(coef, input, upper=bool(upper) != bool(transpose),
                         unitriangular=unitriangular)
    return triangular_solve_result(x, A.clone())


def tensor_triangular_solve(self, A, upper: bool = True, transpose: bool = False,
                            unitriangular: bool = False):
    return triangular_solve(self, A, upper, transpose, unitriangular)


# ----------------------------------------------------------------------------- cholesky
def cholesky(input, *, upper: bool = False, out=None):
    """``torch.linalg.cholesky``."""
    return _ops.cholesky(_square(input, "linalg.cholesky"), bool(upper))


def cholesky_legacy(input, upper: bool = False):
    """``torch.cholesky`` / ``Tensor.cholesky`` (deprecated in PyTorch, still used); an empty
    input (any shape, any dtype) comes back as an empty tensor of its shape, as PyTorch's."""
    if isinstance(input, Tensor) and input.dim() >= 2 and input.numel() == 0:
        return input.clone()
    x = _square(input, "cholesky")
    return _renamed(lambda: _ops.cholesky(x, bool(upper)), "linalg.cholesky", "cholesky")


def cholesky_ex(input, *, upper: bool = False, check_errors: bool = False, out=None):
    """``torch.linalg.cholesky_ex``: ``(L, info)``; info 0 where the factorization succeeded,
    else the order of the first leading minor that is not positive-definite, and L is what
    LAPACK's potrf left (not differentiable then)."""
    op = "linalg.cholesky_ex"
    input = _square(input, "linalg.cholesky")          # (PyTorch's name in its errors)
    try:
        lo = _ops.cholesky(input, bool(upper))
    except LinAlgError as e:
        if check_errors:
            msg = str(e)
            raise LinAlgError(op + msg[len("linalg.cholesky"):]) from None
        from dlcore.kernels.cpu.linalg_solve import cholesky_info
        part, info = cholesky_info(np.asarray(_host(input)))
        if upper:
            part = np.swapaxes(part, -1, -2).copy()
        lo = input.new_tensor(part)
        return linalg_cholesky_ex(lo, input.new_tensor(info, dtype=D.int32))
    return linalg_cholesky_ex(lo, input.new_zeros(tuple(input.shape[:-2]), dtype=D.int32))


def cholesky_solve(input, input2, upper: bool = False):
    """``torch.cholesky_solve(B, L, upper=False)``: X with ``L L^T X = B``."""
    input2 = _square(input2, "cholesky_solve")
    input = _matrix(input, "cholesky_solve", "B")
    n = input2.shape[-1]
    if input.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is {n} "
                           f"by {n} but each b matrix is {input.shape[-2]} by {input.shape[-1]}")
    _same_dtype(input2, input, "cholesky_solve")
    return _ops.cholesky_solve(input, input2, bool(upper))


def tensor_cholesky_solve(self, input2, upper: bool = False):
    return cholesky_solve(self, input2, upper)


def cholesky_inverse(input, upper: bool = False):
    """``torch.cholesky_inverse``: ``A^-1`` from ``A``'s Cholesky factor."""
    return _ops.cholesky_inverse(_square(input, "cholesky_inverse"), bool(upper))


# ----------------------------------------------------------------------------- determinants
def det(A, *, out=None):
    return _ops.det(_square(A, "linalg.det"))


def det_input(input):
    """``torch.det(input)`` / ``Tensor.det()``: ``linalg.det`` under torch's parameter name."""
    return det(input)


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


def eigh(input, UPLO: str = "L", *, out=None):
    """``torch.linalg.eigh``: ``(eigenvalues, eigenvectors)``, eigenvalues ascending."""
    lower = _uplo(UPLO)
    return linalg_eigh(*_ops.eigh(_square(input, "linalg.eigh"), lower))


def eigvalsh(input, UPLO: str = "L", *, out=None):
    lower = _uplo(UPLO)
    return _ops.eigvalsh(_square(input, "linalg.eigvalsh"), lower)


# ----------------------------------------------------------------------------- pinv & co
def _tol(x):
    return x.item() if isinstance(x, Tensor) and x.dim() == 0 else x


def pinv(input, rcond=None, hermitian: bool = False, *, atol=None, rtol=None, out=None):
    """``torch.linalg.pinv`` (``rcond``: PyTorch's legacy name of ``rtol``)."""
    input = _float(input, "linalg.pinv")
    if input.dim() < 2:
        raise RuntimeError(f"linalg.pinv({D.from_numpy_dtype(input._buf.dtype)._legacy}"
                           f"{{{list(input.shape)}}}): expected a tensor with 2 or more dimensions "
                           "of float, double, cfloat or cdouble types")
    if rcond is not None:
        rtol = rcond
    return _ops.pinv(input, _tol(atol), _tol(rtol), bool(hermitian))


def pinverse(input, rcond: float = 1e-15):
    """``torch.pinverse`` / ``Tensor.pinverse``: ``rcond`` relative to the largest singular
    value."""
    return pinv(input, rtol=rcond)


def matrix_rank(input, tol=None, hermitian: bool = False, *, atol=None, rtol=None, out=None):
    """``torch.linalg.matrix_rank`` (``tol``: the legacy absolute tolerance)."""
    input = _float(input, "torch.linalg.matrix_rank")
    if input.dim() < 2:
        raise RuntimeError("torch.linalg.matrix_rank: The input tensor input must have at "
                           "least 2 dimensions.")
    if tol is not None:
        atol, rtol = tol, 0.0
    return _ops.matrix_rank(input, _tol(atol), _tol(rtol), bool(hermitian))


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
    # (singular values: no gradient in PyTorch's lstsq)
    svals = _ops.svdvals(A).detach() if driver in ("gelsd", "gelss") else empty
    full_rank = driver == "gels" or bool((rank == n).all())
    if driver != "gelsy" and m > n and full_rank:
        res = _ops.sub(_ops.matmul(A, x), b2)
        residuals = _ops.sum(_ops.mul(res, res), -2)
        residuals = _ops.squeeze(residuals, -1) if vec else residuals
    else:       # (PyTorch's empty residuals are LinalgLstsqBackward0's output too; no gradient)
        residuals = _host_grad.attach(A.new_zeros((0,)), "LinalgLstsqBackward0", (A, B),
                                      lambda g: (None, None))
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
    from ._graph import labelled         # PyTorch's ends in a view of the last product
    return labelled(_ops.multi_dot(tensors), "ViewBackward0", *tensors)


_FUNCTIONS = {
    ("linalg_solve", "torch.linalg", "solve"): solve,
    ("solve_triangular", "torch.linalg", "solve_triangular"): solve_triangular,
    ("solve_triangular", "torch", "triangular_solve"): triangular_solve,
    ("solve_triangular", "Tensor", "triangular_solve"): tensor_triangular_solve,
    ("cholesky", "torch.linalg", "cholesky"): cholesky,
    ("cholesky", "torch.linalg", "cholesky_ex"): cholesky_ex,
    ("cholesky", "torch", "cholesky"): cholesky_legacy,
    ("cholesky", "Tensor", "cholesky"): cholesky_legacy,
    ("cholesky_solve", "torch", "cholesky_solve"): cholesky_solve,
    ("cholesky_solve", "Tensor", "cholesky_solve"): tensor_cholesky_solve,
    ("cholesky_inverse", "torch", "cholesky_inverse"): cholesky_inverse,
    ("cholesky_inverse", "Tensor", "cholesky_inverse"): cholesky_inverse,
    ("det", "torch.linalg", "det"): det,
    ("det", "torch", "det"): det_input,
    ("det", "Tensor", "det"): det_input,
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
