"""CUDA kernels of the matrix inverse and the SVD (one thread per matrix; see
``_kernels_decomp.py`` for the algorithms).  A singular matrix is flagged per batch entry on
the device and raised on the host with PyTorch's message."""

from __future__ import annotations

import numpy as np

from ...errors import LinAlgError
from . import _support as S
from .elementwise import contiguous, flat


def _copy(x):
    """A private contiguous flat copy (the kernels work in place)."""
    from .elementwise import copy_contiguous
    return flat(copy_contiguous(x))


def inv(x):
    shape = tuple(int(d) for d in x.shape)
    n = shape[-1]
    nbatch = S.size_of(shape[:-2])
    out = S.empty((max(S.size_of(shape), 1),), x.dtype)
    if not S.size_of(shape):
        return S.view_as(S.empty((0,), x.dtype), shape)
    from ._kernels_decomp import inv_gauss_jordan
    work = _copy(x)
    info = S.empty((nbatch,), np.int64)
    blocks, threads = S.launch_1d(nbatch)
    inv_gauss_jordan[blocks, threads](work, out, info, n, nbatch)
    flags = info.copy_to_host()
    bad = np.flatnonzero(flags)
    if bad.size:
        from ..cpu.decompositions import singular_message
        b = int(bad[0])
        raise LinAlgError(singular_message("linalg.inv", b if len(shape) > 2 else None,
                                           int(flags[b])))
    return S.view_as(out, shape)


def svd(x, *, part, full_matrices):
    shape = tuple(int(d) for d in x.shape)
    m, n = shape[-2:]
    k = min(m, n)
    batch = shape[:-2]
    nbatch = S.size_of(batch)
    ucols = m if full_matrices else k
    vrows = n if full_matrices else k
    out_shape = {"U": batch + (m, ucols), "S": batch + (k,), "Vh": batch + (vrows, n)}[part]
    if S.size_of(shape) == 0:
        from ..cpu.decompositions import svd as cpu_svd
        host = cpu_svd(np.zeros(shape, x.dtype), part=part, full_matrices=full_matrices)
        return S.cuda().to_device(np.ascontiguousarray(host))
    from ._kernels_decomp import svd_jacobi, svd_outputs
    trans = m < n
    big, small = max(m, n), k
    qcols = ucols if not trans else vrows
    a = flat(contiguous(x))
    w = S.empty((nbatch * big * small,), x.dtype)
    v = S.empty((nbatch * small * small,), x.dtype)
    q = S.empty((nbatch * big * qcols,), x.dtype)
    order = S.empty((nbatch * small,), np.int64)
    s = S.empty((nbatch * small,), x.dtype)
    eps = float(np.finfo(x.dtype).eps)
    blocks, threads = S.launch_1d(nbatch)
    svd_jacobi[blocks, threads](a, w, v, q, order, s, m, n, trans, qcols, eps, nbatch)
    u_out = S.empty((max(nbatch * m * ucols, 1),), x.dtype)
    s_out = S.empty((nbatch * small,), x.dtype)
    vh_out = S.empty((max(nbatch * vrows * n, 1),), x.dtype)
    svd_outputs[blocks, threads](q, v, order, s, u_out, s_out, vh_out, m, n, trans, qcols,
                                 ucols, vrows, part == "U", part == "Vh", nbatch)
    result = {"U": u_out, "S": s_out, "Vh": vh_out}[part]
    return S.view_as(result, out_shape)
