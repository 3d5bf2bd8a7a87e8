"""CUDA kernels of the linear solvers and factorizations (one thread per matrix; see
``_kernels_linalg.py`` for the algorithms).  A singular or not positive-definite matrix is
flagged per batch entry on the device and raised on the host with PyTorch's message, as the
inverse does."""

from __future__ import annotations

import numpy as np

from ...errors import LinAlgError
from . import _support as S
from .elementwise import contiguous, flat


def _copy(x):
    """A private contiguous flat copy (the kernels work in place)."""
    from .elementwise import copy_contiguous
    return flat(copy_contiguous(x))


def _shape(x) -> tuple:
    return tuple(int(d) for d in x.shape)


def _empty_result(shape, dtype, fill=0.0):
    host = np.full(shape, fill, dtype)
    return S.cuda().to_device(host)


def _first_flag(flags, shape):
    bad = np.flatnonzero(flags)
    if not bad.size:
        return None
    b = int(bad[0])
    return (b if len(shape) > 2 else None), int(flags[b])


def solve(a, b):
    sa, sb = _shape(a), _shape(b)
    n, k = sa[-1], sb[-1]
    nbatch = S.size_of(sa[:-2])
    if S.size_of(sb) == 0 or n == 0:
        return _empty_result(sb, a.dtype)
    from ._kernels_linalg import solve_gauss
    work = _copy(a)
    x = _copy(b)
    info = S.empty((nbatch,), np.int64)
    blocks, threads = S.launch_1d(nbatch)
    solve_gauss[blocks, threads](work, x, info, n, k, nbatch)
    bad = _first_flag(info.copy_to_host(), sa)
    if bad is not None:
        where = f"(Batch element {bad[0]}): " if bad[0] is not None else ""
        raise LinAlgError(f"torch.linalg.solve: {where}The solver failed because the input "
                          "matrix is singular.")
    return S.view_as(x, sb)


def triangular_solve(a, b, *, lower, unit):
    sa, sb = _shape(a), _shape(b)
    n, k = sa[-1], sb[-1]
    nbatch = S.size_of(sa[:-2])
    if S.size_of(sb) == 0:
        return _empty_result(sb, a.dtype)
    from ._kernels_linalg import trsm
    out = S.empty((S.size_of(sb),), b.dtype)
    blocks, threads = S.launch_1d(nbatch)
    trsm[blocks, threads](flat(contiguous(a)), flat(contiguous(b)), out, n, k, bool(lower),
                          bool(unit), nbatch)
    return S.view_as(out, sb)


def cholesky(x):
    shape = _shape(x)
    n = shape[-1]
    nbatch = S.size_of(shape[:-2])
    if S.size_of(shape) == 0:
        return _empty_result(shape, x.dtype)
    from ._kernels_linalg import cholesky_rows
    out = S.empty((S.size_of(shape),), x.dtype)
    info = S.empty((nbatch,), np.int64)
    blocks, threads = S.launch_1d(nbatch)
    cholesky_rows[blocks, threads](flat(contiguous(x)), out, info, n, nbatch)
    bad = _first_flag(info.copy_to_host(), shape)
    if bad is not None:
        from ..cpu.linalg_solve import not_pd_message
        raise LinAlgError(not_pd_message("linalg.cholesky", *bad))
    return S.view_as(out, shape)


def _lu(x):
    shape = _shape(x)
    n = shape[-1]
    batch = shape[:-2]
    nbatch = max(S.size_of(batch), 1)
    from ._kernels_linalg import lu_det
    outs = [S.empty((nbatch,), x.dtype) for _ in range(3)]
    if S.size_of(batch) and n:
        blocks, threads = S.launch_1d(nbatch)
        lu_det[blocks, threads](_copy(x), *outs, n, nbatch)
        return batch, outs
    if not S.size_of(batch):
        return batch, [S.empty((0,), x.dtype)] * 3
    return batch, [_empty_result((nbatch,), x.dtype, v) for v in (1.0, 1.0, 0.0)]


def det(x):
    batch, (d, _, _) = _lu(x)
    return S.view_as(d, batch)


def slogdet(x, *, part):
    batch, (_, sign, logabs) = _lu(x)
    return S.view_as(sign if part == "sign" else logabs, batch)


def qr(x, *, part, mode):
    shape = _shape(x)
    m, n = shape[-2:]
    k = min(m, n)
    batch = shape[:-2]
    nbatch = S.size_of(batch)
    qcols = m if mode == "complete" else k
    rrows = m if mode == "complete" else k
    out_shape = batch + ((m, qcols) if part == "Q" else (rrows, n))
    if S.size_of(shape) == 0:
        from ..cpu.linalg_solve import qr as cpu_qr
        host = cpu_qr(np.zeros(shape, x.dtype), part=part, mode=mode)
        return S.cuda().to_device(np.ascontiguousarray(host))
    from ._kernels_linalg import qr_householder
    work = _copy(x)
    tau = S.empty((nbatch * k,), x.dtype)
    q = S.empty((max(nbatch * m * qcols, 1),), x.dtype)
    r = S.empty((max(nbatch * rrows * n, 1),), x.dtype)
    blocks, threads = S.launch_1d(nbatch)
    qr_householder[blocks, threads](work, tau, q, r, m, n, qcols, rrows, part == "Q", nbatch)
    return S.view_as(q if part == "Q" else r, out_shape)


def eigh(x, *, part, lower):
    shape = _shape(x)
    n = shape[-1]
    batch = shape[:-2]
    nbatch = S.size_of(batch)
    out_shape = batch + ((n,) if part == "L" else (n, n))
    if S.size_of(shape) == 0:
        return _empty_result(out_shape, x.dtype)
    from ._kernels_linalg import eigh_jacobi
    size = nbatch * n * n
    w, v = S.empty((size,), x.dtype), S.empty((size,), x.dtype)
    evals = S.empty((nbatch * n,), x.dtype)
    vecs = S.empty((size,), x.dtype) if part == "V" else S.empty((1,), x.dtype)
    order = S.empty((nbatch * n,), np.int64)
    eps = float(np.finfo(x.dtype).eps)
    blocks, threads = S.launch_1d(nbatch)
    eigh_jacobi[blocks, threads](flat(contiguous(x)), w, v, evals, vecs, order, n, bool(lower),
                                 part == "V", eps, nbatch)
    return S.view_as(evals if part == "L" else vecs, out_shape)


def lu(x, *, part):
    shape = _shape(x)
    m, n = shape[-2:]
    k = min(m, n)
    batch = shape[:-2]
    nbatch = S.size_of(batch)
    dims = {"P": (m, m), "L": (m, k), "U": (k, n), "pivots": (k,), "perm": (m,)}[part]
    out_shape = batch + dims
    if S.size_of(shape) == 0:
        from ..cpu.linalg_solve import lu as cpu_lu
        host = cpu_lu(np.zeros(shape, x.dtype), part=part)
        return S.cuda().to_device(np.ascontiguousarray(host))
    from ._kernels_linalg import lu_parts
    code = ("P", "L", "U", "pivots", "perm").index(part)
    work = _copy(x)
    perm = S.empty((nbatch * m,), np.int64)
    size = S.size_of(out_shape)
    out = S.empty((size if code < 3 else 1,), x.dtype)
    pv = S.empty((size if code >= 3 else 1,), np.int32)
    blocks, threads = S.launch_1d(nbatch)
    lu_parts[blocks, threads](work, perm, out, pv, m, n, code, nbatch)
    return S.view_as(pv if code >= 3 else out, out_shape)
