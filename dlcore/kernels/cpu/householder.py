"""CPU kernel of LAPACK's ``geqrf`` (the QR factorization in Householder form, as PyTorch's
``torch.geqrf`` returns it): SciPy's ``sgeqrf``/``dgeqrf`` (SciPy is already how dlcore's other
factorizations reach LAPACK routines NumPy does not expose), one call per matrix of the batch."""

from __future__ import annotations

import numpy as np

from .blas_threads import for_lapack


def geqrf(x, *, part):
    """``part`` "a": R on and above the diagonal, the reflectors' vectors below it (m x n);
    "tau": the reflectors' scalars (min(m, n))."""
    m, n = x.shape[-2:]
    k = min(m, n)
    batch = x.shape[:-2]
    if x.size == 0:
        return x.copy() if part == "a" else np.zeros(batch + (k,), x.dtype)
    from scipy.linalg import lapack
    routine = lapack.sgeqrf if x.dtype == np.float32 else lapack.dgeqrf
    for_lapack(x)
    mats = x.reshape((-1, m, n))
    out = np.empty(mats.shape if part == "a" else (mats.shape[0], k), x.dtype)
    for b, a in enumerate(mats):
        qr, tau = routine(a)[:2]
        out[b] = qr if part == "a" else tau
    return out.reshape(batch + out.shape[1:])
