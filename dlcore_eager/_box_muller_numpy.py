"""PyTorch's AVX2 Box-Muller lanes in NumPy, bit for bit the Numba kernel's
(``dlcore/kernels/cpu/_jit_torch_rng.box_muller_avx2``): a process's first ``torch.randn``
draws run here, so that a program whose only normal draws are its data and its initial
weights never compiles that kernel (0.6-1.1 s of its first run on a machine, issue 19's cold
start); later draws take the kernel (one pass instead of about 300 array operations).

Every float32 operation of the kernel is one NumPy float32 operation here (IEEE single
rounding, as Numba's), and each fused multiply-add is :func:`fma32`: the exact product in
double, the sum rounded in double, then to float32 with the one case where that double
rounding can differ from the hardware's single rounding, a double sum exactly halfway between
two floats whose exact value is not, settled by the sum's exact error (TwoSum)."""

from __future__ import annotations

import numpy as np

from dlcore.kernels.cpu._torch_rng_consts import F32C as _K
from dlcore.kernels.cpu._torch_rng_consts import LOGP as _P

_F32, _F64 = np.float32, np.float64


def fma32(a, b, c) -> np.ndarray:
    """``a * b + c`` of float32 arrays (or scalars) with one rounding, as ``llvm.fma.f32``."""
    a64, b64, c64 = np.asarray(a, _F64), np.asarray(b, _F64), np.asarray(c, _F64)
    p = a64 * b64                               # exact: 24 + 24 bits
    s = p + c64
    bb = s - p
    err = (p - (s - bb)) + (c64 - bb)           # s + err = p + c exactly (TwoSum)
    r = s.astype(_F32)
    d = s - r.astype(_F64)                      # exact
    toward = np.where(d > 0, _F32(np.inf), _F32(-np.inf))
    nb = np.nextafter(r, toward)                # r's neighbour on s's side
    mid = (r.astype(_F64) + nb.astype(_F64)) * 0.5
    fix = (d != 0) & (s == mid) & (err != 0) & ((err > 0) == (d > 0))
    return np.where(fix, nb, r)


def _log(x, e):
    """The kernel's ``_log`` on arrays: ``log256_ps`` from the mantissa ``x`` in [0.5, 1) and
    the exponent ``e``."""
    small = x < _K[0]
    tmp = np.where(small, x, _F32(0.0))
    e = e - np.where(small, _F32(1.0), _F32(0.0))
    x = x - _F32(1.0)
    x = x + tmp
    z = x * x
    y = np.full_like(x, _P[0])
    for k in range(1, 9):
        y = fma32(y, x, _P[k])
    y = y * x
    y = fma32(y, z, e * _K[1])
    y = fma32(-z, _F32(0.5), y)
    x = x + y
    return fma32(e, _K[2], x)


def box_muller(u1: np.ndarray, u2: np.ndarray, mean, std, out_c: np.ndarray,
               out_s: np.ndarray) -> None:
    """``box_muller_avx2(u1, u2, mean, std, out_c, out_s)`` (float32 1-D arrays)."""
    mean, std = _F32(mean), _F32(std)
    ub = u1.view(np.int32)
    b = np.where(u1 >= _K[14], ub, np.int32(0x00800000))        # (denormals: min normal)
    ex = (((b >> 23) & 0xff) - 0x7f + 1).astype(_F32)
    m = ((b & ~np.int32(0x7f800000)) | np.int32(0x3f000000)).view(_F32)
    lg = _log(m, ex)
    radius = np.sqrt((_F32(-2.0) * lg).astype(_F64)).astype(_F32)
    x = _K[13] * u2
    jj = (x * _K[3]).astype(np.int32)           # (truncation, as cvttps)
    jj = (jj + 1) & ~np.int32(1)
    y = jj.astype(_F32)
    sgn_sin = (1 - 2 * ((jj >> 2) & 1)).astype(_F32)
    sgn_cos = (1 - 2 * (((~(jj - 2)) >> 2) & 1)).astype(_F32)
    poly = (jj & 2) == 0
    x = fma32(y, _K[4], x)
    x = fma32(y, _K[5], x)
    x = fma32(y, _K[6], x)
    z = x * x
    yc = fma32(_K[7], z, _K[8])
    yc = fma32(yc, z, _K[9])
    yc = yc * z
    yc = fma32(yc, z, -(z * _F32(0.5)))
    yc = yc + _F32(1.0)
    ys = fma32(_K[10], z, _K[11])
    ys = fma32(ys, z, _K[12])
    ys = ys * z
    ys = fma32(ys, x, x)
    s = np.where(poly, ys, yc) * sgn_sin
    c = np.where(poly, yc, ys) * sgn_cos
    out_c[...] = fma32(radius * c, std, mean)
    out_s[...] = fma32(radius * s, std, mean)
