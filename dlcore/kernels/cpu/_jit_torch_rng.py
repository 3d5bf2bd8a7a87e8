"""Numba kernels for PyTorch's CPU random streams (``dlcore_eager/_torch_rng.py``).

``box_muller_avx2`` (called by ``normal_blocks``, the kernel of ``_normal_blocks`` there)
reproduces, bit for bit, PyTorch's float32 ``normal_`` on a CPU with the AVX2 capability: per
block of 16 uniforms ``u1 = 1 - x[j]``, ``u2 = x[j + 8]``,
``radius = sqrt(-2 log u1)``, ``theta = 2 pi u2``, ``x[j] = radius cos theta * std + mean``,
``x[j + 8] = radius sin theta * std + mean``, with ``log`` and ``sincos`` the float32 cephes
polynomials of ATen's ``avx_mathfun.h`` evaluated in its order, and the multiply-adds that GCC
fuses there (found by matching PyTorch on 64000 draws: every ``a * b + c`` whose first product is
not also needed elsewhere) fused here too.  Every float32 operation is written as one rounding
(float32 operands give float32 results in Numba; ``_f`` only pins the type) and a fused
multiply-add is LLVM's ``llvm.fma.f32`` (one rounding, as the hardware instruction).
``fisher_yates`` is ``randperm``'s swap loop.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from ._torch_rng_consts import F32C as _F32C
from ._torch_rng_consts import LOGP as _LOGP

_KW = {"nogil": True, "cache": True, "error_model": "numpy"}


@njit(**_KW)
def _f(x):
    return np.float32(x)


@intrinsic
def _fma32(typingctx, a, b, c):
    """LLVM's ``llvm.fma.f32``: a float32 fused multiply-add, one rounding (the FMA3
    instruction PyTorch's kernel runs, or libm's ``fmaf`` on a CPU without it)."""
    sig = types.float32(types.float32, types.float32, types.float32)

    def codegen(context, builder, signature, args):
        f = ir.FloatType()
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(f, [f, f, f]),
                                            "llvm.fma.f32")
        return builder.call(fn, args)
    return sig, codegen


@njit(**_KW)
def _fma(a, b, c):
    return _fma32(np.float32(a), np.float32(b), np.float32(c))


@njit(inline="always", **_KW)
def _log(x, e, K, P):
    """``log256_ps`` for one lane, from its mantissa ``x`` in [0.5, 1) and exponent ``e``
    (``x * 2**e`` is the argument, denormals raised to the smallest normal)."""
    small = x < K[0]
    tmp = x if small else np.float32(0.0)
    e = _f(e - (np.float32(1.0) if small else np.float32(0.0)))
    x = _f(x - np.float32(1.0))
    x = _f(x + tmp)
    z = _f(x * x)
    y = P[0]
    for k in range(1, 9):
        y = _fma(y, x, P[k])
    y = _f(y * x)
    y = _fma(y, z, _f(e * K[1]))
    y = _fma(-z, np.float32(0.5), y)
    x = _f(x + y)
    return _fma(e, K[2], x)


@njit(**_KW)
def box_muller_avx2(u1, u2, mean, std, out_c, out_s):
    """PyTorch's AVX2 Box-Muller lanes: ``u1 = 1 - x[j]`` and ``u2 = x[j + 8]`` of every block,
    flattened (float32, contiguous); ``out_c``/``out_s`` get ``radius cos/sin theta * std +
    mean``.  Straight-line loops (selects, no branches) so that LLVM vectorises them."""
    K, P = _F32C, _LOGP
    n = u1.size
    m = np.empty(n, np.float32)               # log256_ps's mantissa in [0.5, 1) ...
    mb = m.view(np.int32)
    ub = u1.view(np.int32)
    ex = np.empty(n, np.float32)              # ... and exponent
    for k in range(n):
        b = ub[k] if u1[k] >= K[14] else np.int32(0x00800000)    # (denormals: min normal)
        ex[k] = np.float32(((b >> 23) & 0xff) - 0x7f + 1)
        mb[k] = (b & ~0x7f800000) | 0x3f000000
    for k in range(n):
        lg = _log(m[k], ex[k], K, P)
        radius = _f(math.sqrt(np.float64(_f(np.float32(-2.0) * lg))))
        x = _f(K[13] * u2[k])                   # theta >= 0
        jj = np.int32(_f(x * K[3]))                 # cvttps: truncation
        jj = (jj + 1) & ~1
        y = np.float32(jj)
        sgn_sin = np.float32(1 - 2 * ((jj >> 2) & 1))
        sgn_cos = np.float32(1 - 2 * (((~(jj - 2)) >> 2) & 1))
        poly = (jj & 2) == 0
        x = _fma(y, K[4], x)
        x = _fma(y, K[5], x)
        x = _fma(y, K[6], x)
        z = _f(x * x)
        yc = _fma(K[7], z, K[8])
        yc = _fma(yc, z, K[9])
        yc = _f(yc * z)
        yc = _fma(yc, z, -_f(z * np.float32(0.5)))
        yc = _f(yc + np.float32(1.0))
        ys = _fma(K[10], z, K[11])
        ys = _fma(ys, z, K[12])
        ys = _f(ys * z)
        ys = _fma(ys, x, x)
        s = _f((ys if poly else yc) * sgn_sin)
        c = _f((yc if poly else ys) * sgn_cos)
        out_c[k] = _fma(_f(radius * c), std, mean)
        out_s[k] = _fma(_f(radius * s), std, mean)


@njit(**_KW)
def fisher_yates(perm, z):
    """Swap ``perm[i]`` and ``perm[i + z[i]]`` for i in order (``randperm``)."""
    for i in range(z.size):
        k = i + z[i]
        t = perm[i]
        perm[i] = perm[k]
        perm[k] = t


@njit(**_KW)
def uniform32(raw, low, span, high, out):
    """``out[i] = (raw[i] & (2**24 - 1)) * 2**-24 * span + low`` in float32, the last step fused
    (PyTorch's ``uniform_real_distribution<float>``; ``span = to - from``), and a value that
    rounded up to ``high`` (``to``) replaced by ``low``, as PyTorch's ``uniform_`` keeps its
    results in [from, to) (seen where |from| is large against the span: ``uniform_(1000,
    1000.5)`` gave 1000.5 for 65 of a million draws before, where PyTorch gives 1000)."""
    scale = np.float32(2.0 ** -24)
    for i in range(out.size):
        x = _f(np.float32(raw[i] & np.uint64(0xffffff)) * scale)
        v = _fma(x, span, low)
        out[i] = low if v == high else v


@njit(**_KW)
def normal_blocks(raw, mean, std, out):
    """``out`` (float32, a multiple of 16) filled as ``_torch_rng`` fills it from the 32-bit
    draws ``raw`` in one call: the uniforms ``(raw & (2**24 - 1)) * 2**-24`` (``uniform32``'s
    for [0, 1)), then ``box_muller_avx2`` on each block's lanes ``u1 = 1 - x[j]``, ``u2 =
    x[j + 8]``, the results back in their places (the same bits as the separate steps, without
    their six NumPy temporaries: a 64x2 ``randn`` 16 -> ~5 us in the engine)."""
    half = out.size // 2
    scale = np.float32(2.0 ** -24)
    u1 = np.empty(half, np.float32)
    u2 = np.empty(half, np.float32)
    for b in range(out.size // 16):
        for j in range(8):
            u1[b * 8 + j] = np.float32(1.0) - _f(np.float32(raw[b * 16 + j] &
                                                           np.uint64(0xffffff)) * scale)
            u2[b * 8 + j] = _f(np.float32(raw[b * 16 + 8 + j] & np.uint64(0xffffff)) * scale)
    c = np.empty(half, np.float32)
    s = np.empty(half, np.float32)
    box_muller_avx2(u1, u2, mean, std, c, s)
    for b in range(out.size // 16):
        for j in range(8):
            out[b * 16 + j] = c[b * 8 + j]
            out[b * 16 + 8 + j] = s[b * 8 + j]


@njit(**_KW)
def bernoulli_scaled(raw, p, scale, out):
    """PyTorch's dropout noise in one pass: ``out[i] = scale`` where the i-th double uniform of
    the 32-bit words ``raw`` (two per draw, high then low: ``uniform_real_distribution<double>``,
    53 bits times 2^-53) is below ``p``, else 0 (``bernoulli_(p)``, then its ``div_(p)``)."""
    mask = np.uint64((1 << 53) - 1)
    for i in range(out.size):
        m = ((raw[2 * i] << np.uint64(32)) | raw[2 * i + 1]) & mask
        out[i] = scale if np.float64(m) * 1.1102230246251565e-16 < p else 0
