"""QR and symmetric eigendecomposition (primitives), and what is built on them and on the SVD:
``eigvalsh``, ``pinv`` (SVD, or ``eigh`` with ``hermitian``), ``matrix_rank``, ``lstsq``
(minimum-norm least squares through ``pinv``), ``matrix_solve_ls`` (TensorFlow's regularised
normal equations through ``cholesky``), ``multi_dot``; the LU factorization (primitive) and
``lu_factor`` (PyTorch's packed LU and pivots).  Batched over leading dimensions.

Primitives (kernels in dlcore/kernels/{cpu,cuda}/linalg_solve.py)::

    qr(x, part, mode)         x = Q R (Householder: LAPACK's geqrf/orgqr signs); ``part`` Q or
                              R; ``mode`` reduced (Q m x k, R k x n), complete (Q m x m,
                              R m x n) or r (R alone, not differentiable: PyTorch's rule)
        m >= n:               dx = Q (gR + tril(M) R^-T) + (gQ - Q Q^T gQ) R^-T,
                              M = (Q^T gQ - gQ^T Q) + (R gR^T - gR R^T)
        m < n:                x = [X | Y], R = [U | V]: dX from the m >= n rule with
                              gQ' = gQ + Y gV^T and gU; dY = Q gV
        complete, m > n:      not differentiable (PyTorch and TensorFlow refuse it too)
    eigh(x, part, lower)      x = V diag(L) V^T, L ascending, the lower (or upper) triangle
                              of x read; ``part`` L or V;
                              dx = V (diag(gL) + skew(V^T gV) / 2E) V^T,
                              E_ij = L_j - L_i (1 on the diagonal)  (PyTorch's symmetric rule)
    lu(x, part)               x = P L U (partial pivoting; ``part`` P, L, U, pivots (LAPACK's)
                              or perm (the row order, TensorFlow's ``p``));
                              square: dx = P L^-T [tril(L^T gL, -1) + triu(gU U^T)] U^-T,
                              wide and tall: PyTorch's linalg_lu_backward

As with the SVD, each part is its own call of the primitive and the vjps call it again for the
parts they need.  Gradients through repeated eigenvalues are undefined (E has zeros), as in
PyTorch.
"""

from __future__ import annotations

from ..api import exports
from ..dtypes import finfo
from ..errors import ShapeError
from ..kernels.cpu import linalg_solve as _cpu
from ..kernels.cuda import linalg_solve as _cuda
from ..registry import AVal, Primitive, aval_of, bind
from .decompositions import _eye_like, _float_matrices, _narrow, svd
from .elementwise import abs, add, cast, div, full_like, greater, maximum, mul, sub, where
from .linalg import matmul
from .linalg_extra import tril
from .reduce import max_, sum
from .shape import concatenate, expand_dims, matrix_transpose


def _upper_solve(u, y):
    from .linalg_systems import triangular_solve_p
    return bind(triangular_solve_p, u, y, lower=False, unit=False)


def _times_r_inv_t(x, r):
    """x R^-T for upper-triangular R: (R^-1 x^T)^T."""
    return matrix_transpose(_upper_solve(r, matrix_transpose(x)))


# ----------------------------------------------------------------------------- qr
_QR_MODES = ("reduced", "complete", "r")


def _qr_rule(x: AVal, *, part, mode) -> AVal:
    _float_matrices("linalg.qr", x)
    if mode not in _QR_MODES:
        raise ShapeError("linalg.qr", f"qr received unrecognized mode '{mode}' but expected one "
                         "of 'reduced' (default), 'r', or 'complete'", [x.shape])
    m, n = x.shape[-2:]
    k = None if m is None or n is None else min(m, n)
    batch = tuple(x.shape[:-2])
    wide = k if mode != "complete" else m
    if part == "Q":
        if mode == "r":
            raise ValueError("qr: mode 'r' computes no Q")
        return AVal(batch + (m, wide), x.dtype)
    if part == "R":
        return AVal(batch + (wide, n), x.dtype)
    raise ValueError(f"qr: part must be 'Q' or 'R', not {part!r}")


def _qr_deep(q, r, gq, gr):
    """dx for m >= n (reduced): TensorFlow's and PyTorch's rule; gq or gr may be None."""
    m_ = None
    qdq = None
    if gq is not None:
        qdq = matmul(matrix_transpose(q), gq)
        m_ = sub(qdq, matrix_transpose(qdq))
    if gr is not None:
        rdr = matmul(r, matrix_transpose(gr))
        t = sub(rdr, matrix_transpose(rdr))
        m_ = t if m_ is None else add(m_, t)
    inner = _times_r_inv_t(tril(m_), r)
    if gr is not None:
        inner = add(gr, inner)
    dx = matmul(q, inner)
    if gq is not None:
        dx = add(dx, _times_r_inv_t(sub(gq, matmul(q, qdq)), r))
    return dx


def _qr_vjp(g, y, x, *, part, mode):
    m, n = aval_of(x).shape[-2:]
    if mode == "r":
        raise NotImplementedError(
            "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
            "Please use linalg.qr(A, mode='reduced') if you are going to differentiate "
            "through linalg.qr.")
    if mode == "complete" and m > n:
        raise NotImplementedError("The QR decomposition is not differentiable when "
                                  "mode='complete' and nrows > ncols.")
    q = bind(qr_p, x, part="Q", mode="reduced")
    r = bind(qr_p, x, part="R", mode="reduced")
    gq, gr = (g, None) if part == "Q" else (None, g)
    if m >= n:
        return (_qr_deep(q, r, gq, gr),)
    u = _narrow(r, -1, m)
    xs = [slice(None)] * aval_of(x).ndim
    from .indexing import getitem
    xs[-1] = slice(m, None)
    y_ = getitem(x, tuple(xs))
    if gr is None:                                       # only Q's cotangent: dY = 0
        dx = _qr_deep(q, u, gq, None)
        return (concatenate([dx, full_like(y_, 0)], -1),)
    du = _narrow(gr, -1, m)
    dv = getitem(gr, tuple(xs))
    gq2 = matmul(y_, matrix_transpose(dv))
    dx = _qr_deep(q, u, gq2, du)
    return (concatenate([dx, matmul(q, dv)], -1),)


qr_p = Primitive(
    "qr", _qr_rule, _qr_vjp, kind="linalg",
    doc="x = Q R (part Q or R; mode reduced, complete or r);  m >= n: dx = Q (gR + tril(M) "
        "R^-T) + (gQ - Q Q^T gQ) R^-T, M = skew(Q^T gQ) + skew(R gR^T); m < n: the same on the "
        "first m columns, dY = Q gV",
    kernels={"cpu": _cpu.qr, "cuda": _cuda.qr})


@exports({"torch.linalg": "qr", "torch": "qr", "Tensor": "qr", "tf.linalg": "qr", "tf": "qr"},
         "linalg")
def qr(x, mode: str = "reduced"):
    """``(Q, R)`` with ``x = Q R``; ``mode='r'``: ``(None, R)``."""
    r = bind(qr_p, x, part="R", mode=mode)
    if mode == "r":
        return None, r
    return bind(qr_p, x, part="Q", mode=mode), r


# ----------------------------------------------------------------------------- eigh
def _eigh_rule(x: AVal, *, part, lower) -> AVal:
    from .linalg_systems import _square
    _square("linalg.eigh", x)
    n = x.shape[-1] if x.shape[-1] is not None else x.shape[-2]
    batch = tuple(x.shape[:-2])
    if part == "L":
        return AVal(batch + (n,), x.dtype)
    if part == "V":
        return AVal(batch + (n, n), x.dtype)
    raise ValueError(f"eigh: part must be 'L' or 'V', not {part!r}")


def _eigh_vjp(g, y, x, *, part, lower):
    v = bind(eigh_p, x, part="V", lower=lower)
    vt = matrix_transpose(v)
    if part == "L":
        return (matmul(mul(v, expand_dims(g, -2)), vt),)
    lam = bind(eigh_p, x, part="L", lower=lower)
    e = sub(expand_dims(lam, -2), expand_dims(lam, -1))         # E_ij = L_j - L_i
    e = add(e, _eye_like(e))
    j = matmul(vt, g)
    inner = div(mul(sub(j, matrix_transpose(j)), 0.5), e)
    return (matmul(matmul(v, inner), vt),)


eigh_p = Primitive(
    "eigh", _eigh_rule, _eigh_vjp, kind="linalg",
    doc="x = V diag(L) V^T (symmetric x, lower or upper triangle read; L ascending; part L or "
        "V);  dx = V (diag(gL) + skew(V^T gV) / 2E) V^T, E_ij = L_j - L_i",
    kernels={"cpu": _cpu.eigh, "cuda": _cuda.eigh})


@exports({"torch.linalg": "eigh", "tf.linalg": "eigh", "tf": "self_adjoint_eig"}, "linalg")
def eigh(x, lower: bool = True):
    """``(L, V)``: eigenvalues ascending and eigenvectors (columns) of symmetric matrices."""
    return bind(eigh_p, x, part="L", lower=lower), bind(eigh_p, x, part="V", lower=lower)


@exports({"torch.linalg": "eigvalsh", "tf.linalg": "eigvalsh", "tf": "self_adjoint_eigvals"},
         "linalg")
def eigvalsh(x, lower: bool = True):
    """The eigenvalues of symmetric matrices, ascending."""
    return bind(eigh_p, x, part="L", lower=lower)


# ----------------------------------------------------------------------------- pinv, rank
def _eps_rtol(x, atol, rtol):
    """PyTorch's default: rtol = eps max(m, n) when atol is not given (or zero), else 0 (a
    tensor atol: elementwise, eps max(m, n) where atol <= 0)."""
    if rtol is not None:
        return rtol
    m, n = aval_of(x).shape[-2:]
    default = float(finfo(aval_of(x).dtype).eps) * max(m or 1, n or 1)
    if atol is None or (isinstance(atol, (int, float)) and atol == 0):
        return default
    if isinstance(atol, (int, float)):
        return 0.0
    zero = full_like(cast(atol, aval_of(x).dtype), 0.0)
    return where(greater(atol, 0.0), zero, add(zero, default))


def _cutoff(s_max, atol, rtol):
    """max(atol, rtol * s_max), keeping the batch dims of s_max (.., 1); tensor tolerances
    broadcast against the batch dims (PyTorch's ``atol.unsqueeze(-1)``)."""
    dtype = aval_of(s_max).dtype

    def column(t):
        return expand_dims(cast(t, dtype), -1)
    if isinstance(rtol, (int, float)):
        cut = mul(s_max, rtol) if rtol else mul(s_max, 0.0)
    else:
        cut = mul(s_max, column(rtol))
    if atol is not None:
        cut = maximum(cut, full_like(s_max, float(atol)) if isinstance(atol, (int, float))
                      else column(atol))
    return cut


def _no_spectrum(x) -> bool:
    """True for matrices with no singular values (a zero in one of the last two dims)."""
    return 0 in tuple(aval_of(x).shape[-2:])


def _spectrum(x, hermitian):
    """(left, values, right^T, |values|) with x = left diag(values) right^T."""
    if hermitian:
        lam, v = eigh(x)
        return v, lam, v, abs(lam)
    u, s, vh = svd(x, False)
    return u, s, matrix_transpose(vh), s


@exports({"torch.linalg": "pinv", "tf.linalg": "pinv", "torch": "pinverse",
          "Tensor": "pinverse"}, "linalg")
def pinv(x, atol=None, rtol=None, hermitian: bool = False):
    """The Moore-Penrose pseudo-inverse: singular values (|eigenvalues| with ``hermitian``)
    at or below ``max(atol, rtol * largest)`` are treated as zero."""
    if _no_spectrum(x):                 # (an empty matrix: its pseudo-inverse is empty too,
        return matrix_transpose(mul(x, 0.0))    # n x m, as PyTorch's)
    rtol = _eps_rtol(x, atol, rtol)
    out = _pinv(x, atol, rtol, False)
    if not hermitian:
        return out
    # values from eigh (x's lower triangle, as PyTorch), gradient of the general pseudo-
    # inverse (PyTorch's pinv_backward ignores ``hermitian``): exact, as e + (s - s) == e
    from .elementwise import stop_gradient
    return add(stop_gradient(_pinv(x, atol, rtol, True)), sub(out, stop_gradient(out)))


def _pinv(x, atol, rtol, hermitian):
    left, vals, right, mag = _spectrum(x, hermitian)
    keep = greater(mag, _cutoff(max_(mag, -1, keepdims=True), atol, rtol))
    safe = where(keep, vals, full_like(vals, 1.0))
    inv_vals = where(keep, div(1.0, safe), full_like(vals, 0.0))
    return matmul(mul(right, expand_dims(inv_vals, -2)), matrix_transpose(left))


@exports({"torch.linalg": "matrix_rank"}, "linalg")
def matrix_rank(x, atol=None, rtol=None, hermitian: bool = False):
    """The number of singular values above ``max(atol, rtol * largest)`` (int64)."""
    import numpy as np
    if hermitian:
        mag = abs(eigvalsh(x))
    else:
        from .decompositions import svdvals
        mag = svdvals(x)
    if _no_spectrum(x):                 # (rank 0, as PyTorch's; the largest value is undefined)
        return sum(cast(mag, np.int64), -1)
    rtol = _eps_rtol(x, atol, rtol)
    keep = greater(mag, _cutoff(max_(mag, -1, keepdims=True), atol, rtol))
    return sum(cast(keep, np.int64), -1)


# ----------------------------------------------------------------------------- lstsq
@exports({"torch.linalg": "lstsq", "tf.linalg": "lstsq", "tf": "matrix_solve_ls"}, "linalg")
def lstsq(a, b, rcond=None):
    """The minimum-norm least-squares solution X of ``a X = b`` (rank-deficient ``a``
    included: singular values at or below ``rcond`` times the largest are dropped; default
    eps max(m, n), the threshold of LAPACK's gelsy as PyTorch calls it)."""
    from .linalg_systems import _batched
    a, b = _batched(a, b)
    return matmul(pinv(a, rtol=rcond), b)


def lstsq_rank(a, rcond=None):
    """The effective rank ``lstsq`` used for each matrix (int64)."""
    return matrix_rank(a, rtol=rcond)


def solve_ls_normal(a, b, l2_regularizer=0.0):
    """TensorFlow's ``matrix_solve_ls(fast=True)``: the regularised normal equations through a
    Cholesky factorization: ``(A^T A + l2 I)^-1 A^T b`` when m >= n, else
    ``A^T (A A^T + l2 I)^-1 b``."""
    from .linalg_systems import _batched, cholesky_p, cholesky_solve
    m, n = aval_of(a).shape[-2:]
    if m is None or n is None:
        raise ShapeError("matrix_solve_ls", "matrix_solve_ls needs the matrix's two last "
                         "dimensions known when the graph is built", [aval_of(a).shape])
    a, b = _batched(a, b)
    at = matrix_transpose(a)
    gram = matmul(at, a) if m >= n else matmul(a, at)
    if l2_regularizer:
        gram = add(gram, mul(_eye_like(gram), l2_regularizer))
    lo = bind(cholesky_p, gram)
    if m >= n:
        return cholesky_solve(matmul(at, b), lo)
    return matmul(at, cholesky_solve(b, lo))


# ----------------------------------------------------------------------------- multi_dot
def _chain_order(dims):
    """The optimal parenthesisation of a matrix chain (dims p0..pn): split[i][j]."""
    n = len(dims) - 1
    cost = [[0.0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = float("inf")
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


@exports({"torch.linalg": "multi_dot"}, "linalg")
def multi_dot(mats):
    """The product of a chain of 2-D matrices (the first may be a row vector, the last a
    column vector: 1-D operands, as NumPy and PyTorch), in the cheapest order."""
    mats = list(mats)
    first_vec = aval_of(mats[0]).ndim == 1
    last_vec = aval_of(mats[-1]).ndim == 1
    if first_vec:
        mats[0] = expand_dims(mats[0], 0)
    if last_vec:
        mats[-1] = expand_dims(mats[-1], 1)
    shapes = [aval_of(m).shape for m in mats]
    if all(None not in s for s in shapes):
        split = _chain_order([shapes[0][0]] + [s[1] for s in shapes])

        def prod(i, j):
            if i == j:
                return mats[i]
            k = split[i][j]
            return matmul(prod(i, k), prod(k + 1, j))
        out = prod(0, len(mats) - 1)
    else:
        out = mats[0]
        for m in mats[1:]:
            out = matmul(out, m)
    if first_vec and last_vec:
        from .shape import reshape
        return reshape(out, ())
    if first_vec:
        from .shape import squeeze
        return squeeze(out, 0)
    if last_vec:
        from .shape import squeeze
        return squeeze(out, -1)
    return out


# ----------------------------------------------------------------------------- lu
def _lu_rule(x: AVal, *, part) -> AVal:
    import numpy as np
    _float_matrices("linalg.lu", x)
    m, n = x.shape[-2:]
    k = None if m is None or n is None else min(m, n)
    dims = {"P": (m, m), "L": (m, k), "U": (k, n), "pivots": (k,), "perm": (m,)}.get(part)
    if dims is None:
        raise ValueError(f"lu: part must be 'P', 'L', 'U', 'pivots' or 'perm', not {part!r}")
    ints = part in ("pivots", "perm")
    return AVal(tuple(x.shape[:-2]) + dims, np.dtype(np.int32) if ints else x.dtype)


def _lu_vjp(g, y, x, *, part):
    """PyTorch's linalg_lu_backward (square, wide and tall), for one of gL, gU."""
    if part in ("P", "pivots", "perm"):
        return (None,)
    from .linalg_systems import triangular_solve_p
    m, n = aval_of(x).shape[-2:]
    k = min(m, n)
    p, lo, up = (bind(lu_p, x, part=q) for q in ("P", "L", "U"))
    gl, gu = (g, None) if part == "L" else (None, g)
    lt, ut = matrix_transpose(lo), matrix_transpose(up)

    def right_solve_lower(b, a):          # b a^-1 for lower-triangular a: (a^-T b^T)^T
        return matrix_transpose(bind(triangular_solve_p, matrix_transpose(a),
                                     matrix_transpose(b), lower=False, unit=False))

    def unit_upper_solve(a, b):           # a^-1 b, a unit upper triangular
        return bind(triangular_solve_p, a, b, lower=False, unit=True)

    if m == n:
        ga = tril(matmul(lt, gl), -1) if gl is not None else triu_(matmul(gu, ut))
        ga = right_solve_lower(ga, ut)
        ga = unit_upper_solve(lt, ga)
    elif m < n:                           # wide: U = [U1 | U2]
        u1 = _narrow(up, -1, k)
        ga = matmul(lt, gl) if gl is not None else neg_(matmul(triu_(gu), ut))
        ga = right_solve_lower(tril(ga, -1), matrix_transpose(u1))
        if gu is not None:
            ga = concatenate([add(ga, triu_(_narrow(gu, -1, k))), _tail(gu, -1, k)], -1)
        ga = unit_upper_solve(lt, ga)
        if gu is None:
            ga = concatenate([ga, full_like(_tail(up, -1, k), 0.0)], -1)
    else:                                 # tall: L = [L1; L2]
        l1 = _narrow(lo, -2, k)
        ga = matmul(gu, ut) if gu is not None else neg_(matmul(lt, tril(gl, -1)))
        ga = unit_upper_solve(matrix_transpose(l1), triu_(ga))
        if gl is not None:
            ga = concatenate([add(ga, tril(_narrow(gl, -2, k), -1)), _tail(gl, -2, k)], -2)
        ga = right_solve_lower(ga, ut)
        if gl is None:
            ga = concatenate([ga, full_like(_tail(lo, -2, k), 0.0)], -2)
    return (matmul(p, ga),)


def triu_(x):
    from .linalg_extra import triu
    return triu(x)


def neg_(x):
    from .elementwise import neg
    return neg(x)


def _tail(t, axis, k):
    from .indexing import getitem
    idx = [slice(None)] * aval_of(t).ndim
    idx[axis] = slice(k, None)
    return getitem(t, tuple(idx))


lu_p = Primitive(
    "lu", _lu_rule, _lu_vjp, kind="linalg",
    doc="x = P L U (partial pivoting, LAPACK's getrf; part P, L, U, pivots or perm, the last "
        "three not differentiable);  square: dx = P L^-T [tril(L^T gL, -1) + triu(gU U^T)] U^-T; "
        "wide and tall: PyTorch's linalg_lu_backward",
    kernels={"cpu": _cpu.lu, "cuda": _cuda.lu})


@exports({"torch.linalg": "lu"}, "linalg")
def lu(x):
    """``(P, L, U)`` with ``x = P L U``: L unit lower (m x k), U upper (k x n)."""
    return tuple(bind(lu_p, x, part=q) for q in ("P", "L", "U"))


@exports({"torch.linalg": ("lu_factor", "lu_factor_ex")}, "linalg")
def lu_factor(x):
    """``(LU, pivots)``: L below the diagonal (its unit diagonal implied) and U on and above
    it, in one m x n matrix; pivots 1-based (LAPACK's)."""
    return _packed(x), bind(lu_p, x, part="pivots")


def _packed(x):
    m, n = aval_of(x).shape[-2:]
    lo, up = bind(lu_p, x, part="L"), bind(lu_p, x, part="U")
    strict = tril(lo, -1)
    if m > n:
        up = concatenate([up, full_like(_tail(strict, -2, n), 0.0)], -2)
    elif m < n:
        strict = concatenate([strict, full_like(_tail(up, -1, m), 0.0)], -1)
    return add(strict, up)


@exports({"tf.linalg": "lu"}, "linalg")
def lu_perm(x):
    """``(LU, perm)``: the packed LU and the row order (int32; row j of L U is row perm[j] of
    x), TensorFlow's ``tf.linalg.lu``."""
    return _packed(x), bind(lu_p, x, part="perm")


@exports({"torch.linalg": "lu_solve", "torch": "lu_solve", "Tensor": "lu_solve",
          "tf.linalg": ("lu_solve", "lu_matrix_inverse")}, "linalg")
def lu_solve(packed, perm, b, left: bool = True, adjoint: bool = False):
    """X with ``A X = b`` from A's packed LU (``lu_factor``) and its row order ``perm``
    (0-based, int64: ``(P^T b)[j] = b[perm[j]]``); ``adjoint``: ``A^T X = b``;
    ``left=False``: ``X A = b`` (``X A^T = b`` with ``adjoint``).  Two triangular solves
    that read L's strict lower and U's upper triangle of ``packed``."""
    from .broadcast import broadcast_like
    from .linalg_systems import _batched, triangular_solve_p
    from .scan import argsort, take_along_axis
    if not left:                                  # X A = b  <=>  A^T X^T = b^T
        return matrix_transpose(lu_solve(packed, perm, matrix_transpose(b), True,
                                         not adjoint))
    packed, b = _batched(packed, b)
    if not adjoint:
        idx = broadcast_like(expand_dims(perm, -1), b)
        y = take_along_axis(b, idx, -2)
        y = bind(triangular_solve_p, packed, y, lower=True, unit=True)
        return bind(triangular_solve_p, packed, y, lower=False, unit=False)
    pt = matrix_transpose(packed)                 # U^T lower, L^T unit upper
    y = bind(triangular_solve_p, pt, b, lower=True, unit=False)
    y = bind(triangular_solve_p, pt, y, lower=False, unit=True)
    idx = broadcast_like(expand_dims(argsort(perm, -1), -1), y)
    return take_along_axis(y, idx, -2)


@exports({"torch": "lu_unpack", "tf.linalg": "lu_reconstruct"}, "linalg")
def lu_unpack(packed):
    """``(L, U)`` from a packed LU (m x n): L unit lower m x k, U upper k x n."""
    m, n = aval_of(packed).shape[-2:]
    k = min(m, n)
    lo = tril(_narrow(packed, -1, k), -1)
    lo = add(lo, _eye_rect(lo))
    return lo, triu_(_narrow(packed, -2, k))


def _eye_rect(a):
    """Ones on the main diagonal of a's (possibly rectangular) last two axes."""
    from .elementwise import equal
    from .linalg_extra import _grid
    row, col = _grid(a)
    return cast(equal(row, col), aval_of(a).dtype)
