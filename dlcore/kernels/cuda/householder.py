"""CUDA kernel of ``geqrf`` (Householder QR, LAPACK's conventions): the ``qr_householder``
kernel of ``_kernels_linalg.py`` (one thread per matrix, LAPACK's ``larfg`` reflectors), run
without forming Q; its work matrix and ``tau`` are geqrf's two outputs."""

from __future__ import annotations

import numpy as np

from . import _support as S
from .linalg_solve import _copy, _shape


def geqrf(x, *, part):
    shape = _shape(x)
    m, n = shape[-2:]
    k = min(m, n)
    batch = shape[:-2]
    nbatch = S.size_of(batch)
    if S.size_of(shape) == 0:
        from ..cpu.householder import geqrf as cpu_geqrf
        host = cpu_geqrf(np.zeros(shape, x.dtype), part=part)
        return S.cuda().to_device(np.ascontiguousarray(host))
    from ._kernels_linalg import qr_householder
    work = _copy(x)
    tau = S.empty((nbatch * k,), x.dtype)
    r = S.empty((nbatch * k * n,), x.dtype)
    q = S.empty((1,), x.dtype)
    blocks, threads = S.launch_1d(nbatch)
    qr_householder[blocks, threads](work, tau, q, r, m, n, k, k, False, nbatch)
    return S.view_as(work, shape) if part == "a" else S.view_as(tau, batch + (k,))
