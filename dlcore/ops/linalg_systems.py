"""Linear systems and determinants (primitives), and what is built on them.  Batched over
leading dimensions; the primitives take operands of one batch shape, the composites broadcast
the batch dimensions first (``broadcast_to``, whose vjp sums back), as PyTorch does.

Primitives (kernels in dlcore/kernels/{cpu,cuda}/linalg_solve.py)::

    solve(a, b)                  x = a^-1 b;   db = a^-T g,   da = -db x^T
    triangular_solve(a, b)       x = a^-1 b, a lower (or upper) triangular, only that triangle
                                 read (``unit``: ones on the diagonal);
                                 db = a^-T g (the other triangle),  da = tri(-db x^T)
    cholesky(x)                  x = L L^T, L lower (x's lower triangle read);
                                 dx = L^-T Phi L^-1,  Phi = (P + tril(P, -1)^T) / 2,
                                 P = tril(L^T gL)  (PyTorch's symmetric rule; TensorFlow's)
    det(x)                       y = det x;  dx = g y x^-T
    slogdet(x, part)             sign(det x) (no gradient) or log|det x|;  dx = g x^-T

Composites: ``linalg.solve`` (vector right-hand sides, ``left=False``), ``solve_triangular``,
``cholesky(upper)``, ``cholesky_solve`` and ``cholesky_inverse`` (``solve(L L^T, b)``: PyTorch's
full gradient of the factor), ``cholesky_solve_triangular`` (TensorFlow's: two triangular
solves), ``logdet`` (NaN for a negative determinant, PyTorch's), ``logdet_pd`` (TensorFlow's
``linalg.logdet``: 2 sum log diag L), ``inv_ex``, and ``matrix_exp`` (scaling and squaring with
the [13/13] Pade approximant, Higham 2005; the caller picks the number of squarings from the
1-norm, so it is differentiable through its matmuls and one solve).

A singular matrix in ``solve`` and a matrix that is not positive-definite in ``cholesky``
raise :class:`dlcore.errors.LinAlgError` (a RuntimeError) with PyTorch's message; a zero on the
diagonal of a triangular system gives inf/nan, as LAPACK's ``trtrs`` does.  The gradient of
``slogdet`` at a singular matrix needs its inverse and raises that error too (PyTorch returns
infinities there); ``det``'s is 0 there, as PyTorch's.
"""

from __future__ import annotations

import numpy as np

from ..api import exports
from ..errors import DTypeNotImplemented, ShapeError
from ..kernels.cpu import linalg_solve as _cpu
from ..kernels.cuda import linalg_solve as _cuda
from ..registry import AVal, Primitive, aval_of, bind
from . import _rules
from ._fastpath import _plain
from .broadcast import broadcast_to
from .decompositions import _eye_like, _float_matrices, inv
from .elementwise import add, div, full_like, less, log, mul, neg, sub, where
from .linalg import matmul
from .linalg_extra import _diagonal, tril, triu
from .reduce import sum
from .shape import expand_dims, matrix_transpose, squeeze


def _square(op: str, x: AVal) -> None:
    _float_matrices(op, x)
    m, n = x.shape[-2:]
    if m is not None and n is not None and m != n:
        raise ShapeError(op, f"{op}: A must be batches of square matrices, but they are {m} by "
                             f"{n} matrices", [x.shape])


def _same_batch(op: str, a: AVal, b: AVal) -> tuple:
    if a.ndim != b.ndim:
        raise ShapeError(op, f"{op}: A and B must have the same number of dimensions",
                         [a.shape, b.shape])
    out = []
    for da, db in zip(a.shape[:-2], b.shape[:-2]):
        if da is not None and db is not None and da != db:
            raise ShapeError(op, f"{op}: A and B must have the same batch shape",
                             [a.shape, b.shape])
        out.append(da if da is not None else db)
    return tuple(out)


def _system_rule(op: str, a: AVal, b: AVal, equation: str = "AX = B") -> AVal:
    _square(op, a)
    _float_matrices(op, b)
    if a.dtype != b.dtype:
        raise DTypeNotImplemented(op, f"{op}: Expected A and B to have the same dtype",
                                  [a.dtype, b.dtype])
    batch = _same_batch(op, a, b)
    n, rows = a.shape[-1], b.shape[-2]
    if n is not None and rows is not None and n != rows:
        raise ShapeError(op, f"{op}: Incompatible shapes of A and B for the equation "
                             f"{equation} ({n}x{n} and {rows}x{b.shape[-1]})",
                         [a.shape, b.shape])
    return AVal(batch + (n if n is not None else rows, b.shape[-1]), a.dtype)


def _tri(x, lower: bool, unit: bool):
    """The triangle of x that a triangular solve reads (strictly, with ``unit``)."""
    if lower:
        return tril(x, -1 if unit else 0)
    return triu(x, 1 if unit else 0)


# ----------------------------------------------------------------------------- solve
def _solve_rule(a: AVal, b: AVal) -> AVal:
    return _system_rule("linalg.solve", a, b)


def _solve_vjp(g, x, a, b):
    if _plain(g, x) and type(a) is np.ndarray and a.dtype is g.dtype:   # (eager backward's CPU
        return _cpu.solve_grads(g, x, a)                                # buffers: the kernels)
    gb = bind(solve_p, matrix_transpose(a), g)
    return (lambda: neg(matmul(gb, matrix_transpose(x))), gb)


solve_p = Primitive(
    "solve", _solve_rule, _solve_vjp, kind="linalg",
    doc="x = a^-1 b (batched; a singular a raises LinAlgError);  db = a^-T g,  da = -db x^T",
    kernels={"cpu": _cpu.solve, "cuda": _cuda.solve})


def _batched(a, b):
    """a (.., n, n) and b (.., n, k) broadcast to one batch shape."""
    sa, sb = aval_of(a).shape, aval_of(b).shape
    batch = _rules.broadcast_shapes("linalg.solve", tuple(sa[:-2]), tuple(sb[:-2]))
    if None not in batch:
        if tuple(sa[:-2]) != batch:
            a = broadcast_to(a, batch + tuple(sa[-2:]))
        if tuple(sb[:-2]) != batch:
            b = broadcast_to(b, batch + tuple(sb[-2:]))
    return a, b


def _is_vector_rhs(a, b) -> bool:
    """PyTorch's rule: B is a batch of vectors when it is 1-D or shaped like A without its
    last dimension."""
    sa, sb = tuple(aval_of(a).shape), tuple(aval_of(b).shape)
    return len(sb) == 1 or (len(sb) == len(sa) - 1 and sb == sa[:-1])


@exports({"torch.linalg": ("solve", "solve_ex"), "tf.linalg": "solve", "tf": "matrix_solve"},
         "linalg")
def linalg_solve(a, b, left: bool = True, vector_rhs: bool | None = None):
    """X with ``a X = b`` (``left=False``: ``X a = b``); b may be a (batch of) vector(s)
    (PyTorch's rule, or ``vector_rhs`` given)."""
    vec = _is_vector_rhs(a, b) if vector_rhs is None else vector_rhs
    if vec:
        b = expand_dims(b, -1)
    if not left:
        a, b = matrix_transpose(a), matrix_transpose(b)
    a, b = _batched(a, b)
    x = bind(solve_p, a, b)
    if not left:
        x = matrix_transpose(x)
    return squeeze(x, -1) if vec else x


# ----------------------------------------------------------------------------- triangular
def _trsm_rule(a: AVal, b: AVal, *, lower, unit) -> AVal:
    return _system_rule("linalg.solve_triangular", a, b)


def _trsm_vjp(g, x, a, b, *, lower, unit):
    gb = bind(triangular_solve_p, matrix_transpose(a), g, lower=not lower, unit=unit)
    return (lambda: _tri(neg(matmul(gb, matrix_transpose(x))), lower, unit), gb)


triangular_solve_p = Primitive(
    "triangular_solve", _trsm_rule, _trsm_vjp, kind="linalg",
    doc="x = a^-1 b, a lower (or upper) triangular (only that triangle read; unit: ones on "
        "the diagonal);  db = a^-T g,  da = tril(-db x^T) (triu when upper)",
    kernels={"cpu": _cpu.triangular_solve, "cuda": _cuda.triangular_solve})


@exports({"torch.linalg": "solve_triangular", "torch": "triangular_solve",
          "Tensor": "triangular_solve", "tf.linalg": "triangular_solve",
          "tf": "matrix_triangular_solve"}, "linalg")
def solve_triangular(a, b, upper: bool = False, left: bool = True,
                     unitriangular: bool = False):
    """X with ``a X = b`` (``left=False``: ``X a = b``) for triangular ``a`` (the upper
    triangle with ``upper``, else the lower one)."""
    lower = not upper
    if not left:
        a, b, lower = matrix_transpose(a), matrix_transpose(b), not lower
    a, b = _batched(a, b)
    x = bind(triangular_solve_p, a, b, lower=lower, unit=bool(unitriangular))
    return matrix_transpose(x) if not left else x


# ----------------------------------------------------------------------------- cholesky
def _cholesky_rule(x: AVal) -> AVal:
    _square("linalg.cholesky", x)
    return AVal(tuple(x.shape), x.dtype)


def _upper_solve(u, y):
    """u^-1 y for upper-triangular u."""
    return bind(triangular_solve_p, u, y, lower=False, unit=False)


def _cholesky_vjp(g, lo, x):
    if _plain(g, lo):                   # (eager backward's CPU buffers: the kernel's one call)
        return (_cpu.cholesky_grad(g, lo),)
    lt = matrix_transpose(lo)
    p = tril(matmul(lt, g))
    phi = mul(add(p, matrix_transpose(tril(p, -1))), 0.5)
    left = _upper_solve(lt, phi)                                   # L^-T Phi
    return (matrix_transpose(_upper_solve(lt, matrix_transpose(left))),)   # (L^-T left^T)^T


cholesky_p = Primitive(
    "cholesky", _cholesky_rule, _cholesky_vjp, kind="linalg",
    doc="x = L L^T, y = L lower triangular (x's lower triangle read; not positive-definite: "
        "LinAlgError);  dx = L^-T Phi L^-1, Phi = (P + tril(P,-1)^T)/2, P = tril(L^T g)",
    kernels={"cpu": _cpu.cholesky, "cuda": _cuda.cholesky})


@exports({"torch.linalg": ("cholesky", "cholesky_ex"), "torch": "cholesky", "Tensor": "cholesky",
          "tf.linalg": "cholesky", "tf": "cholesky"}, "linalg")
def cholesky(x, upper: bool = False):
    """L (lower) with ``x = L L^T``, or ``U = L^T`` with ``upper``."""
    lo = bind(cholesky_p, x)
    return matrix_transpose(lo) if upper else lo


@exports({"torch": "cholesky_solve", "Tensor": "cholesky_solve",
          "tf.linalg": "cholesky_solve"}, "linalg")
def cholesky_solve(b, factor, upper: bool = False):
    """X with ``A X = b`` where ``A = L L^T`` (``factor`` = L) or ``A = U^T U`` (``upper``:
    ``factor`` = U), as a function of the whole factor: ``solve(L L^T, b)``, so the gradient
    of the factor is PyTorch's full (not triangular) one.  TensorFlow's version, two
    triangular solves, is ``cholesky_solve_triangular``."""
    lo = matrix_transpose(factor) if upper else factor
    return linalg_solve(matmul(lo, matrix_transpose(lo)), b, True, False)


def cholesky_solve_triangular(b, factor):
    """X with ``L L^T X = b`` by two triangular solves (only L's lower triangle read)."""
    y = solve_triangular(factor, b, upper=False)
    return solve_triangular(matrix_transpose(factor), y, upper=True)


@exports({"torch": "cholesky_inverse", "Tensor": "cholesky_inverse"}, "linalg")
def cholesky_inverse(factor, upper: bool = False):
    """``A^-1`` from its Cholesky factor (L, or U with ``upper``), a function of the whole
    factor (PyTorch's gradient)."""
    return cholesky_solve(_eye_like(factor), factor, upper)


# ----------------------------------------------------------------------------- determinants
def _det_rule(x: AVal) -> AVal:
    _square("linalg.det", x)
    return AVal(tuple(x.shape[:-2]), x.dtype)


def _det_vjp(g, y, x):
    # A singular matrix (det 0) is inverted as the identity, so its gradient is 0 (PyTorch's
    # answer there: det times the inverse of a nearby matrix) instead of an error.
    from .elementwise import equal
    safe = where(expand_dims(equal(y, 0), (-2, -1)), _eye_like(x), x)
    return (mul(expand_dims(mul(g, y), (-2, -1)), matrix_transpose(inv(safe))),)


det_p = Primitive(
    "det", _det_rule, _det_vjp, kind="linalg",
    doc="y = det x (LU with partial pivoting);  dx = g y x^-T (0 where y = 0)",
    kernels={"cpu": _cpu.det, "cuda": _cuda.det})


@exports({"torch.linalg": "det", "torch": "det", "Tensor": "det", "tf.linalg": "det",
          "tf": "matrix_determinant"}, "linalg")
def det(x):
    """The determinant of each square matrix."""
    return bind(det_p, x)


def _slogdet_rule(x: AVal, *, part) -> AVal:
    _square("linalg.slogdet", x)
    if part not in ("sign", "logabsdet"):
        raise ValueError(f"slogdet: part must be 'sign' or 'logabsdet', not {part!r}")
    return AVal(tuple(x.shape[:-2]), x.dtype)


def _slogdet_vjp(g, y, x, *, part):
    if part == "sign":
        return (None,)
    return (mul(expand_dims(g, (-2, -1)), matrix_transpose(inv(x))),)


slogdet_p = Primitive(
    "slogdet", _slogdet_rule, _slogdet_vjp, kind="linalg",
    doc="y = sign(det x) (part 'sign': no gradient) or log|det x| (part 'logabsdet');  "
        "dx = g x^-T",
    kernels={"cpu": _cpu.slogdet, "cuda": _cuda.slogdet})


@exports({"torch.linalg": "slogdet", "torch": "slogdet", "Tensor": "slogdet",
          "tf.linalg": "slogdet", "tf": "log_matrix_determinant"}, "linalg")
def slogdet(x):
    """``(sign, log|det|)`` of each square matrix."""
    return bind(slogdet_p, x, part="sign"), bind(slogdet_p, x, part="logabsdet")


@exports({"torch": "logdet", "Tensor": "logdet"}, "linalg")
def logdet(x):
    """log det x: NaN where the determinant is negative, -inf where it is zero (PyTorch)."""
    sign, logabs = slogdet(x)
    return where(less(sign, 0), full_like(logabs, float("nan")), logabs)


@exports({"tf.linalg": "logdet"}, "linalg")
def logdet_pd(x):
    """log det x of a symmetric positive-definite x: ``2 sum(log(diag(cholesky(x))))``
    (TensorFlow's ``tf.linalg.logdet``)."""
    return mul(sum(log(_diagonal(bind(cholesky_p, x), 0, -2, -1)), -1), 2.0)




# ----------------------------------------------------------------------------- inv_ex, expm
@exports({"torch.linalg": "inv_ex"}, "linalg")
def inv_ex(x):
    """The inverse (PyTorch's ``inv_ex`` adds the LAPACK ``info`` in its front end)."""
    return inv(x)


# Higham (2005), "The scaling and squaring method for the matrix exponential revisited":
# the [13/13] Pade approximant's coefficients and the 1-norm up to which it is accurate to
# double precision.
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
           129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
           40840800.0, 960960.0, 16380.0, 182.0, 1.0)
PADE13_THETA = 5.371920351148152


@exports({"torch.linalg": "matrix_exp", "torch": "matrix_exp", "Tensor": "matrix_exp",
          "tf.linalg": "expm"}, "linalg")
def matrix_exp(x, squarings: int = 0):
    """exp(x) of square matrices by scaling and squaring: the [13/13] Pade approximant of
    exp(x / 2^s), squared s times (``squarings`` = s, chosen by the caller from the 1-norm so
    that ||x / 2^s||_1 <= 5.37, Higham's bound).  Differentiable through its matmuls and its
    one solve."""
    b = _PADE13
    a = mul(x, 0.5 ** squarings) if squarings else x
    eye = _eye_like(a)
    a2 = matmul(a, a)
    a4 = matmul(a2, a2)
    a6 = matmul(a4, a2)
    u_in = add(add(mul(a6, b[13]), mul(a4, b[11])), mul(a2, b[9]))
    u = add(add(add(add(matmul(a6, u_in), mul(a6, b[7])), mul(a4, b[5])), mul(a2, b[3])),
            mul(eye, b[1]))
    u = matmul(a, u)
    v_in = add(add(mul(a6, b[12]), mul(a4, b[10])), mul(a2, b[8]))
    v = add(add(add(add(matmul(a6, v_in), mul(a6, b[6])), mul(a4, b[4])), mul(a2, b[2])),
            mul(eye, b[0]))
    r = bind(solve_p, *_batched(sub(v, u), add(v, u)))
    for _ in range(squarings):
        r = matmul(r, r)
    return r



# ----------------------------------------------------------------------------- cond, tensor*
@exports({"torch.linalg": "cond"}, "linalg")
def cond(x, p=None):
    """The condition number: s_max / s_min for p None or 2 (s_min / s_max for -2), else
    ``matrix_norm(x, p) * matrix_norm(inv(x), p)`` (square x)."""
    from .decompositions import matrix_norm, svdvals
    from .reduce import max_, min_
    if p in (None, 2, -2):
        s = svdvals(x)
        hi, lo = max_(s, -1), min_(s, -1)
        return div(lo, hi) if p == -2 else div(hi, lo)
    return mul(matrix_norm(x, p), matrix_norm(inv(x), p))


@exports({"torch.linalg": "tensorinv"}, "linalg")
def tensorinv(x, ind: int = 2):
    """The inverse of x as a linear map from its last dimensions to its first ``ind``:
    shape ``x.shape[ind:] + x.shape[:ind]``."""
    from .shape import reshape
    shape = tuple(aval_of(x).shape)
    rows = 1
    for d in shape[:ind]:
        rows *= d
    return reshape(inv(reshape(x, (rows, -1))), shape[ind:] + shape[:ind])


@exports({"torch.linalg": "tensorsolve"}, "linalg")
def tensorsolve(a, b, dims=None):
    """X with ``tensordot(a, X, X.ndim) = b`` (``dims``: axes of a moved to the end first)."""
    from .shape import reshape, transpose
    nd = aval_of(a).ndim
    if dims is not None:
        dims = [d % nd for d in dims]
        rest = [d for d in range(nd) if d not in dims]
        a = transpose(a, tuple(rest + dims))
    sa, sb = tuple(aval_of(a).shape), tuple(aval_of(b).shape)
    out_shape = sa[len(sb):]
    n = 1
    for d in sb:
        n *= d
    x = linalg_solve(reshape(a, (n, -1)), reshape(b, (n,)), True, True)
    return reshape(x, out_shape)


# ----------------------------------------------------------------------------- small helpers
@exports({"torch.linalg": "vander"}, "linalg", name="linalg_vander")
def vander(x, n: int):
    """The Vandermonde matrix ``[1, x, x^2, ..., x^(n-1)]`` along a new last axis (by a
    cumulative product, as PyTorch; integer x stays integer)."""
    from .scan import cumprod
    from .shape import concatenate
    col = expand_dims(x, -1)
    powers = cumprod(broadcast_to(col, tuple(aval_of(x).shape) + (n - 1,)), -1)
    return concatenate([full_like(col, 1), powers], -1)


@exports({"torch.linalg": "vecdot"}, "linalg", name="linalg_vecdot")
def vecdot(x, y, axis: int = -1):
    """``sum(x * y, axis)`` (real vectors), broadcasting."""
    return sum(mul(x, y), axis)


@exports({"torch.linalg": "diagonal"}, "linalg", name="linalg_diagonal")
def linalg_diagonal(x, offset: int = 0, dim1: int = -2, dim2: int = -1):
    """The diagonal of the matrices in axes dim1, dim2 (default: the last two)."""
    return _diagonal(x, offset, dim1, dim2)


@exports({"torch.linalg": "matmul"}, "linalg", name="linalg_matmul")
def linalg_matmul(a, b):
    """``torch.linalg.matmul``: ``torch.matmul`` by another name."""
    from .linalg import dot
    return dot(a, b)
