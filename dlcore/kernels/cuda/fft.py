"""CUDA kernels of the FFT primitives (:mod:`dlcore.ops.fft`): a direct DFT along one axis at a
time (``_kernels_complex.dft_axis``/``c2r_axis``: one thread per output element, each summing
its n terms with twiddles computed from ``(j k) mod n``), the axes one after another, the
normalisation applied per axis.  O(n^2) per transform, not an FFT: correct for any size,
meant for the small signals of tests and teaching (no cuFFT binding is available through
numba.cuda)."""

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


def _dft(x, axis: int, m_out: int, sign: float, scale: float):
    """The DFT of a complex device array along ``axis`` (first ``m_out`` outputs)."""
    shape = _shape(x)
    n = shape[axis]
    pre, post = S.size_of(shape[:axis]), S.size_of(shape[axis + 1:])
    oshape = shape[:axis] + (m_out,) + shape[axis + 1:]
    out = S.empty(oshape, x.dtype)
    total = pre * m_out * post
    if total == 0:
        return out
    from ._kernels_complex import dft_axis
    blocks, threads = S.launch_1d(total)
    dft_axis[blocks, threads](contiguous(x).reshape((pre, n, post)),
                              out.reshape((pre, m_out, post)), pre, n, m_out, post, n,
                              sign, scale)
    return out


def c2c(x, *, axes, forward, norm):
    sign = -1.0 if forward else 1.0
    for a in axes:
        n = _shape(x)[a]
        x = _dft(x, a, n, sign, _scale(norm, n))
    return x


def r2c(x, *, axes, norm, onesided):
    z = run_elementwise("fft_to_complex", "complex(x0, 0.0)", [x], _shape(x),
                        _complex_of(x.dtype))
    last = axes[-1]
    n = _shape(z)[last]
    z = _dft(z, last, n // 2 + 1 if onesided else n, -1.0, _scale(norm, n))
    return c2c(z, axes=axes[:-1], forward=True, norm=norm) if len(axes) > 1 else z


def c2r(x, *, axes, norm, n):
    if len(axes) > 1:
        x = c2c(x, axes=axes[:-1], forward=False, norm=norm)
    last = axes[-1]
    shape = _shape(x)
    m = shape[last]
    pre, post = S.size_of(shape[:last]), S.size_of(shape[last + 1:])
    real = np.dtype(np.float64) if np.dtype(x.dtype) == np.complex128 else np.dtype(np.float32)
    out = S.empty(shape[:last] + (n,) + shape[last + 1:], real)
    total = pre * n * post
    if total:
        from ._kernels_complex import c2r_axis
        blocks, threads = S.launch_1d(total)
        c2r_axis[blocks, threads](contiguous(x).reshape((pre, m, post)),
                                  out.reshape((pre, n, post)), pre, m, post, n,
                                  _scale(norm, n))
    return out
