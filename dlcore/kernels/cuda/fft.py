"""CUDA kernels of the FFT primitives (:mod:`dlcore.ops.fft`): an O(n log n) FFT along one
axis at a time (``_kernels_fft``: Stockham's radix-2 stages for a power-of-two length,
Bluestein's chirp convolution by radix-2 FFTs of a power-of-two size >= 2n - 1 for any other),
the axes one after another, the normalisation applied per axis; c2r extends the one-sided
spectrum by Hermitian symmetry and takes the real part of the inverse (no cuFFT binding is
available through numba.cuda).  The direct O(n^2) DFT these replace took n terms per output
element (4096 points: 16.8 M complex multiply-adds, against 12 stages of 2048 butterflies)."""

from __future__ import annotations

import math

import numpy as np

from . import _support as S
from .elementwise import contiguous, run_elementwise


def _shape(x) -> tuple:
    return tuple(int(d) for d in x.shape)


def _scale(norm: str, n: int) -> float:
    return 1.0 if norm == "none" else (1.0 / math.sqrt(n) if norm == "sqrtn" else 1.0 / n)


def _complex_of(dtype) -> np.dtype:
    return np.dtype(np.complex128) if np.dtype(dtype) in (np.float64, np.complex128) \
        else np.dtype(np.complex64)


def _fft_axis(x, axis: int, m_out: int, sign: float, scale: float):
    """The DFT of a complex device array along ``axis`` (its first ``m_out`` outputs, scaled):
    ``scale sum_j x[j] exp(sign 2 pi i j k / n)``."""
    shape = _shape(x)
    n = shape[axis]
    pre, post = S.size_of(shape[:axis]), S.size_of(shape[axis + 1:])
    out = S.empty(shape[:axis] + (m_out,) + shape[axis + 1:], x.dtype)
    if pre * m_out * post == 0:
        return out
    from ._kernels_fft import chirp_in, chirp_kernel, chirp_out, mul_axis, take_scaled
    x3 = contiguous(x).reshape((pre, n, post))
    o3 = out.reshape((pre, m_out, post))
    if n & (n - 1) == 0:                        # (a power of two, 1 included)
        full = _radix2(x3, pre, n, post, sign)
        blocks, threads = S.launch_1d(pre * m_out * post)
        take_scaled[blocks, threads](full, o3, pre, n, m_out, post, scale)
        return out
    big = 1 << (2 * n - 2).bit_length()         # (the least power of two >= 2n - 1)
    a = S.empty((pre, big, post), x.dtype)
    blocks, threads = S.launch_1d(pre * big * post)
    chirp_in[blocks, threads](x3, a, pre, n, big, post, sign)
    b = S.empty((1, big, 1), x.dtype)
    kb, kt = S.launch_1d(big)
    chirp_kernel[kb, kt](b, n, big, sign)
    fa = _radix2(a, pre, big, post, -1.0)
    fb = _radix2(b, 1, big, 1, -1.0)
    mul_axis[blocks, threads](fa, fb, pre, big, post)
    conv = _radix2(fa, pre, big, post, 1.0)
    blocks, threads = S.launch_1d(pre * m_out * post)
    chirp_out[blocks, threads](conv, o3, pre, n, m_out, post, sign, scale / big)
    return out


def _radix2(x3, pre: int, n: int, post: int, sign: float):
    """Stockham's radix-2 FFT of a contiguous (pre, n, post) complex array along its middle
    axis (n a power of two), unscaled, in natural order: a new array (``x3`` is not written),
    or ``x3`` itself for n = 1."""
    if n == 1:
        return x3
    from ._kernels_fft import stockham_stage
    src, dst = x3, S.empty((pre, n, post), x3.dtype)
    spare = None
    blocks, threads = S.launch_1d(pre * (n // 2) * post)
    span, m = n // 2, 1
    while span >= 1:
        stockham_stage[blocks, threads](src, dst, pre, n, post, span, m, sign)
        if spare is None:                       # (the input is never a destination)
            spare = S.empty((pre, n, post), x3.dtype)
            src, dst = dst, spare
        else:
            src, dst = dst, src
        span //= 2
        m *= 2
    return src


def c2c(x, *, axes, forward, norm):
    sign = -1.0 if forward else 1.0
    for a in axes:
        n = _shape(x)[a]
        x = _fft_axis(x, a, n, sign, _scale(norm, n))
    return x


def r2c(x, *, axes, norm, onesided):
    z = run_elementwise("fft_to_complex", "complex(x0, 0.0)", [x], _shape(x),
                        _complex_of(x.dtype))
    last = axes[-1]
    n = _shape(z)[last]
    z = _fft_axis(z, last, n // 2 + 1 if onesided else n, -1.0, _scale(norm, n))
    return c2c(z, axes=axes[:-1], forward=True, norm=norm) if len(axes) > 1 else z


def c2r(x, *, axes, norm, n):
    if len(axes) > 1:
        x = c2c(x, axes=axes[:-1], forward=False, norm=norm)
    last = axes[-1]
    shape = _shape(x)
    m = shape[last]
    pre, post = S.size_of(shape[:last]), S.size_of(shape[last + 1:])
    real = np.dtype(np.float64) if np.dtype(x.dtype) == np.complex128 else np.dtype(np.float32)
    oshape = shape[:last] + (n,) + shape[last + 1:]
    out = S.empty(oshape, real)
    total = pre * n * post
    if total:
        from ._kernels_fft import hermitian_full, real_scaled
        full = S.empty((pre, n, post), x.dtype)
        blocks, threads = S.launch_1d(total)
        hermitian_full[blocks, threads](contiguous(x).reshape((pre, m, post)), full, pre, m,
                                        post, n)
        z = _fft_axis(full.reshape(oshape), last, n, 1.0, 1.0)
        real_scaled[blocks, threads](z.reshape((total,)), out.reshape((total,)), total,
                                     _scale(norm, n))
    return out
