"""The eigen-decomposition of general (non-symmetric) square matrices: ``torch.linalg.eig`` and
``eigvals``, with complex results.

Primitive::

    eig(x, part)    x V = V diag(L), L and V complex (complex64 for float32/complex64 x,
                    complex128 for float64/complex128); ``part`` picks L or V.  Each column of
                    V has unit norm (LAPACK's geev, as PyTorch's CPU and NumPy compute it).
                    Not differentiable here (PyTorch's backward needs a complex solve:
                    the eager front end refuses an input that requires grad).

CPU kernel: ``np.linalg.eig`` (LAPACK geev).  CUDA kernel: no GPU eigensolver is available
through numba.cuda, so the CUDA kernel copies the matrices to the host, runs the same LAPACK
routine and copies the result back (two counted host/device copies; documented, not hidden).
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..errors import DTypeError, ShapeError
from ..registry import AVal, Primitive, bind


def _eig_rule(x: AVal, *, part) -> AVal:
    if not (_dt.is_floating(x.dtype) or x.dtype.kind == "c") or x.dtype in _dt.HALF:
        raise DTypeError("linalg.eig", "linalg.eig: Expected a floating point or complex tensor "
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


eig_p = Primitive(
    "eig", _eig_rule, None, kind="linalg", differentiable=False, complex=True,
    doc="x V = V diag(L) (general square x; L, V complex; unit-norm columns);  not "
        "differentiable here",
    kernels={"cpu": _eig_cpu, "cuda": _eig_cuda})


def eig(x):
    """``(L, V)`` of each square matrix in the last two axes (complex)."""
    return bind(eig_p, x, part="L"), bind(eig_p, x, part="V")


def eigvals(x):
    return bind(eig_p, x, part="L")
