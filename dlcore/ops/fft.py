"""Discrete Fourier transforms: three primitives, one per transform family, as PyTorch's
``_fft_c2c``, ``_fft_r2c`` and ``_fft_c2r``; every ``torch.fft`` function is a composite of them
(dlcore_eager/fft.py), with the padding/trimming to ``n`` and conjugations done by ops.

Over the axes ``axes`` (``N`` = the product of the signal sizes, the *output*'s for c2r) and
``norm`` in ``{"none", "sqrtn", "n"}`` (the scale 1, 1/sqrt(N), 1/N applied to this transform,
whichever its direction)::

    fft_c2c(x, axes, forward, norm)  y[k] = s sum_j x[j] exp(-+2 pi i j.k / n) (- forward)
                                     dx = fft_c2c(g, axes, not forward, norm)
    fft_r2c(x, axes, norm, onesided) y = fft_c2c(x + 0i, forward), the last axis cut to
                                     n // 2 + 1 entries when onesided (x real)
                                     dx = Re fft_c2c(g padded with zeros to n, inverse, norm)
    fft_c2r(x, axes, norm, n)        y = Re fft_c2c(X, inverse) where X extends the one-sided x
                                     (n // 2 + 1 entries on the last axis) to n by Hermitian
                                     symmetry;  dx = fft_r2c(g, onesided) * w, w = 2 on the
                                     entries 1 .. n - (n // 2 + 1) of the last axis, else 1

These are PyTorch's backward formulas (the adjoint of each linear map, in PyTorch's convention
for complex gradients, see :mod:`.complex_ops`).  CPU kernels: pocketfft through SciPy
(``scipy.fft``, a core dependency; single precision kept for float32/complex64): Numba has no
FFT of its own, and NumPy's ``np.fft`` (the same pocketfft) took 2.4x the CPU time on a 64 x 256
float32 rfft (111 against 46 us; PyTorch 31).  CUDA kernels (dlcore/kernels/cuda/fft.py): an
O(n log n) FFT along one axis at a time, Stockham's radix-2 stages for a power-of-two length and
Bluestein's chirp convolution (by radix-2 FFTs) for any other (they replaced a direct O(n^2)
DFT: under the CUDA simulator, one 1024-point transform 1.17 -> 0.13 s of CPU time).
"""

from __future__ import annotations

import math

import numpy as np

from .. import dtypes as _dt
from ..errors import DTypeNotImplemented, ShapeError
from ..kernels.cuda import fft as _cuda
from ..registry import AVal, Primitive, aval_of, bind
from .broadcast import broadcast_to
from .complex_ops import real
from .elementwise import full_like, mul
from .indexing import getitem
from .shape import concatenate


class _LazySciPyFFT:
    """``scipy.fft``, imported by the first transform: importing it with dlcore cost every
    program 0.34 s of CPU time (a third of ``import dlcore_eager``), FFT or not."""

    def __getattr__(self, name: str):
        import scipy.fft
        return getattr(scipy.fft, name)


_sf = _LazySciPyFFT()

NORMS = ("none", "sqrtn", "n")
# NumPy's norm= names for (forward, our norm): NumPy scales by 1/N on the inverse by default
_NP_NORM = {(True, "none"): "backward", (True, "n"): "forward", (True, "sqrtn"): "ortho",
            (False, "none"): "forward", (False, "n"): "backward", (False, "sqrtn"): "ortho"}


def _check_axes(op: str, x: AVal, axes: tuple, norm: str) -> None:
    if norm not in NORMS:
        raise ValueError(f"{op}: norm must be one of {NORMS}, got {norm!r}")
    if not axes or len(set(axes)) != len(axes) or any(not 0 <= a < x.ndim for a in axes):
        raise ShapeError(op, f"axes {axes} must be distinct axes of the input", [x.shape])


# ----------------------------------------------------------------------------- c2c
def _c2c_rule(x: AVal, *, axes, forward, norm) -> AVal:
    if x.dtype.kind != "c":
        raise DTypeNotImplemented("fft_c2c", "expects a complex input", [x.dtype])
    _check_axes("fft_c2c", x, axes, norm)
    return AVal(tuple(x.shape), x.dtype)


def _c2c_cpu(x, *, axes, forward, norm):
    if len(axes) == 1:
        f = _sf.fft if forward else _sf.ifft
        y = f(x, axis=axes[0], norm=_NP_NORM[forward, norm])
    else:
        y = (_sf.fftn if forward else _sf.ifftn)(x, axes=axes, norm=_NP_NORM[forward, norm])
    return y.astype(x.dtype, copy=False)


fft_c2c_p = Primitive(
    "fft_c2c", _c2c_rule, lambda g, y, x, *, axes, forward, norm:
        (fft_c2c(g, axes, not forward, norm),),
    kind="fft", complex=True,
    doc="y = s sum_j x[j] exp(-+2 pi i j.k / n) over axes;  dx = fft_c2c(g, axes, not forward, "
        "norm)",
    kernels={"cpu": _c2c_cpu, "cuda": _cuda.c2c})


def fft_c2c(x, axes, forward, norm="none"):
    return bind(fft_c2c_p, x, axes=tuple(axes), forward=bool(forward), norm=norm)


# ----------------------------------------------------------------------------- r2c
def _r2c_rule(x: AVal, *, axes, norm, onesided) -> AVal:
    if x.dtype not in (_dt.float32, _dt.float64):
        raise DTypeNotImplemented("fft_r2c", "expects a float32 or float64 input", [x.dtype])
    _check_axes("fft_r2c", x, axes, norm)
    shape = list(x.shape)
    if onesided and shape[axes[-1]] is not None:
        shape[axes[-1]] = shape[axes[-1]] // 2 + 1
    return AVal(tuple(shape), _dt.to_complex(x.dtype))


def _r2c_cpu(x, *, axes, norm, onesided):
    if len(axes) == 1:
        y = (_sf.rfft if onesided else _sf.fft)(x, axis=axes[0], norm=_NP_NORM[True, norm])
    else:
        y = (_sf.rfftn if onesided else _sf.fftn)(x, axes=axes, norm=_NP_NORM[True, norm])
    return y.astype(_dt.to_complex(x.dtype), copy=False)


def _r2c_vjp(g, y, x, *, axes, norm, onesided):
    if onesided:
        n = aval_of(x).shape[axes[-1]]
        g = pad_axis(g, axes[-1], n)
    return (real(fft_c2c(g, axes, False, norm)),)


fft_r2c_p = Primitive(
    "fft_r2c", _r2c_rule, _r2c_vjp, kind="fft",
    doc="y = fft_c2c(x + 0i, forward) (last axis cut to n // 2 + 1 when onesided);  "
        "dx = Re fft_c2c(g zero-padded to n, inverse)",
    kernels={"cpu": _r2c_cpu, "cuda": _cuda.r2c})


def fft_r2c(x, axes, norm="none", onesided=True):
    return bind(fft_r2c_p, x, axes=tuple(axes), norm=norm, onesided=bool(onesided))


# ----------------------------------------------------------------------------- c2r
def _c2r_rule(x: AVal, *, axes, norm, n) -> AVal:
    if x.dtype.kind != "c":
        raise DTypeNotImplemented("fft_c2r", "expects a complex input", [x.dtype])
    _check_axes("fft_c2r", x, axes, norm)
    m = x.shape[axes[-1]]
    if n < 1 or (m is not None and m != n // 2 + 1):
        raise ShapeError("fft_c2r", f"the last axis must hold n // 2 + 1 = {n // 2 + 1} "
                                    f"entries for n = {n}", [x.shape])
    shape = list(x.shape)
    shape[axes[-1]] = n
    return AVal(tuple(shape), _dt.to_real(x.dtype))


def _c2r_cpu(x, *, axes, norm, n):
    if len(axes) == 1:
        y = _sf.irfft(x, n, axis=axes[0], norm=_NP_NORM[False, norm])
    else:
        s = [x.shape[a] for a in axes[:-1]] + [n]
        y = _sf.irfftn(x, s=s, axes=axes, norm=_NP_NORM[False, norm])
    return y.astype(_dt.to_real(x.dtype), copy=False)


def _c2r_vjp(g, y, x, *, axes, norm, n):
    gi = fft_r2c(g, axes, norm, True)
    m = n // 2 + 1
    if n - m > 0:                # entries whose mirror image lies outside the one-sided half
        ax = axes[-1]
        nd = aval_of(x).ndim
        w = np.ones((m,) + (1,) * (nd - 1 - ax), _dt.to_real(aval_of(x).dtype))
        w[1:n - m + 1] = 2
        gi = mul(gi, w)
    return (gi,)


fft_c2r_p = Primitive(
    "fft_c2r", _c2r_rule, _c2r_vjp, kind="fft", complex=True,
    doc="y = Re fft_c2c(hermitian extension of x to n, inverse);  dx = fft_r2c(g) * w "
        "(w = 2 on the entries whose mirror image is not stored)",
    kernels={"cpu": _c2r_cpu, "cuda": _cuda.c2r})


def fft_c2r(x, axes, n, norm="none"):
    return bind(fft_c2r_p, x, axes=tuple(axes), norm=norm, n=int(n))


# ----------------------------------------------------------------------------- helpers
def pad_axis(x, axis: int, n: int):
    """``x`` cut or zero-padded (at the end) to ``n`` entries along ``axis`` (with ops, so
    gradients flow: the cut part gets zero, the padding is dropped)."""
    shape = aval_of(x).shape
    cur = shape[axis]
    if cur == n:
        return x
    if cur > n:
        idx = tuple(slice(None) if d != axis else slice(0, n) for d in range(len(shape)))
        return getitem(x, idx)
    first = tuple(slice(None) if d != axis else slice(0, 1) for d in range(len(shape)))
    if cur == 0:
        raise ShapeError("fft", "cannot pad an empty axis", [shape])
    zshape = tuple(n - cur if d == axis else s for d, s in enumerate(shape))
    zeros = broadcast_to(full_like(getitem(x, first), 0), zshape)
    return concatenate([x, zeros], axis=axis)


def scale_of(norm: str, sizes) -> float:
    """The factor a transform of these signal sizes applies under ``norm``."""
    n = math.prod(sizes)
    return 1.0 if norm == "none" else (1.0 / math.sqrt(n) if norm == "sqrtn" else 1.0 / n)

