"""The eigen-decomposition of general (non-symmetric) square matrices: ``torch.linalg.eig`` and
``eigvals``, with complex results.

Primitive::

    eig(x, part)    x V = V diag(L), L and V complex (complex64 for float32/complex64 x,
                    complex128 for float64/complex128); ``part`` picks L or V.  Each column of
                    V has unit norm (LAPACK's geev, as PyTorch's CPU and NumPy compute it).
        dx from gL: V^-H diag(gL) V^H
        dx from gV: V^-H [(V^H gV - V^H V diag(Re diag(V^H gV))) / conj(E)] V^H,
                    E_ij = L_j - L_i (1 on the diagonal)
                    (PyTorch's linalg_eig_backward; the real part for a real x).  V^-H M is a
                    complex solve, done as the real 2n x 2n system [[Re, -Im], [Im, Re]], so it
                    is built from the float ``linalg_solve`` primitive.  Eigenvectors are
                    defined up to a phase each: a loss that depends on it has no gradient
                    (PyTorch checks this and raises; this rule does not check).

CPU kernel: ``np.linalg.eig`` (LAPACK geev).  CUDA kernel: no GPU eigensolver is available
through numba.cuda, so the CUDA kernel copies the matrices to the host, runs the same LAPACK
routine and copies the result back (two counted host/device copies; documented, not hidden).
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..errors import DTypeNotImplemented, ShapeError
from ..registry import AVal, Primitive, aval_of, bind


def _eig_rule(x: AVal, *, part) -> AVal:
    if not (_dt.is_floating(x.dtype) or x.dtype.kind == "c") or x.dtype in _dt.HALF:
        raise DTypeNotImplemented(
            "linalg.eig", "linalg.eig: Expected a floating point or complex tensor "
            f"as input. Got {x.dtype.name}", [x.dtype])
    if x.ndim < 2:
        raise ShapeError("linalg.eig", "linalg.eig: The input tensor A must have at least 2 "
                                       "dimensions.", [x.shape])
    m, n = x.shape[-2:]
    if m is not None and n is not None and m != n:
        raise ShapeError("linalg.eig", f"linalg.eig: A must be batches of square matrices, but "
                                       f"they are {m} by {n} matrices", [x.shape])
    shape = tuple(x.shape[:-1]) if part == "L" else tuple(x.shape)
    return AVal(shape, _dt.to_complex(x.dtype))


def _eig_cpu(x, *, part):
    out = _dt.to_complex(x.dtype)
    if x.size == 0:
        return np.zeros(x.shape[:-1] if part == "L" else x.shape, out)
    w, v = np.linalg.eig(x)
    return (w if part == "L" else v).astype(out, copy=False)


def _eig_cuda(x, *, part):
    from ..kernels.cuda import _support as S
    return S.cuda().to_device(np.ascontiguousarray(_eig_cpu(x.copy_to_host(), part=part)))


def _complex_solve(a, b):
    """X with a X = b for complex a, b, as the real system [[Ar, -Ai], [Ai, Ar]] [Xr; Xi] =
    [Br; Bi] (the float solve primitive and its vjp)."""
    from .complex_ops import complex_, imag, real
    from .elementwise import neg
    from .indexing import getitem
    from .linalg_systems import linalg_solve
    from .shape import concatenate
    ar, ai = real(a), imag(a)
    m = concatenate([concatenate([ar, neg(ai)], -1), concatenate([ai, ar], -1)], -2)
    x = linalg_solve(m, concatenate([real(b), imag(b)], -2))
    n = aval_of(a).shape[-1]
    return complex_(getitem(x, (Ellipsis, slice(0, n), slice(None))),
                    getitem(x, (Ellipsis, slice(n, 2 * n), slice(None))))


def _eig_vjp(g, y, x, *, part):
    from .complex_ops import complex_, conj, real
    from .elementwise import add, cast, div, mul, sub, zeros_like
    from .linalg import matmul
    from .reduce import sum as sum_
    from .shape import expand_dims, matrix_transpose
    n = aval_of(x).shape[-1]
    cd = _dt.to_complex(aval_of(x).dtype)
    eye = np.eye(n, dtype=cd)
    v = bind(eig_p, x, part="V")
    vh = conj(matrix_transpose(v))
    if part == "L":
        inner = mul(expand_dims(g, -2), eye)                     # diag(gL)
    else:
        vhgv = matmul(vh, g)
        d = real(sum_(mul(vhgv, eye), -1))                       # Re diag(V^H gV)
        vhgv = sub(vhgv, matmul(vh, mul(v, expand_dims(complex_(d, zeros_like(d)), -2))))
        lc = conj(bind(eig_p, x, part="L"))
        e = add(sub(expand_dims(lc, -2), expand_dims(lc, -1)), eye)
        inner = div(vhgv, e)
    ga = _complex_solve(vh, matmul(inner, vh))
    xd = aval_of(x).dtype
    return (ga if xd.kind == "c" else cast(real(ga), xd),)


eig_p = Primitive(
    "eig", _eig_rule, _eig_vjp, kind="linalg", complex=True,
    doc="x V = V diag(L) (general square x; L, V complex; unit-norm columns);  "
        "dx = V^-H (diag(gL) + [V^H gV - V^H V diag(Re diag V^H gV)] / conj(E)) V^H",
    kernels={"cpu": _eig_cpu, "cuda": _eig_cuda})


def eig(x):
    """``(L, V)`` of each square matrix in the last two axes (complex)."""
    return bind(eig_p, x, part="L"), bind(eig_p, x, part="V")


def eigvals(x):
    return bind(eig_p, x, part="L")
