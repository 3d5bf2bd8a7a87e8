"""CPU kernels of the matrix inverse and the singular value decomposition: LAPACK through NumPy
(``gesv`` for the inverse, ``gesdd`` for the SVD, the same routines PyTorch's CPU build calls),
batched over leading dimensions.  A singular matrix raises :class:`dlcore.errors.LinAlgError`
with PyTorch's message; its zero pivot is found with LAPACK's ``getrf`` (SciPy), on the
failure path only."""

from __future__ import annotations

import numpy as np

from ...errors import LinAlgError
from .blas_threads import for_lapack


def singular_message(op: str, batch: int | None, pivot: int) -> str:
    where = f"(Batch element {batch}): " if batch is not None else ""
    return (f"{op}: {where}The diagonal element {pivot} is zero, the inversion could not be "
            "completed because the input matrix is singular.")


def _first_singular(x: np.ndarray) -> tuple[int | None, int]:
    """(flat batch index or None, 1-based zero pivot) of the first singular matrix in x."""
    from scipy.linalg import lapack
    getrf = lapack.sgetrf if x.dtype == np.float32 else lapack.dgetrf
    mats = x.reshape((-1,) + x.shape[-2:])
    for b, a in enumerate(mats):
        info = getrf(a)[2]
        if info > 0:
            return (b if x.ndim > 2 else None), int(info)
    return None, 1


def inv(x):
    """y = x^-1 (each matrix of the batch)."""
    if x.shape[-1] == 0:
        return np.empty(x.shape, x.dtype)
    try:
        for_lapack(x)
        return np.linalg.inv(x)
    except np.linalg.LinAlgError:
        batch, pivot = _first_singular(x)
        raise LinAlgError(singular_message("linalg.inv", batch, pivot)) from None


def svd(x, *, part, full_matrices):
    """One part ("U", "S" or "Vh") of ``x = U diag(S) Vh``, singular values descending."""
    m, n = x.shape[-2:]
    k = min(m, n)
    batch = x.shape[:-2]
    if x.size == 0:                    # LAPACK refuses empty matrices
        if part == "S":
            return np.zeros(batch + (k,), x.dtype)
        rows = m if part == "U" else n
        cols = (m if part == "U" else n) if full_matrices else k
        eye = np.eye(rows, cols, dtype=x.dtype) if part == "U" else np.eye(cols, rows,
                                                                          dtype=x.dtype)
        return np.broadcast_to(eye, batch + eye.shape).copy()
    for_lapack(x)
    if part == "S":
        return np.linalg.svd(x, compute_uv=False)
    u, _, vh = np.linalg.svd(x, full_matrices=full_matrices)
    return u if part == "U" else vh
