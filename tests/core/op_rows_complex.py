"""Op-table rows of the complex and FFT primitives (dlcore/ops/complex_ops.py, fft.py).

The table's inputs are real, so each row is a real function of real arrays that passes through
complex values: pairs made complex (``complex``, ``view_as_complex``), transformed, and taken
apart again (``real``, ``imag``, ``view_as_real``, ``complex_abs``, ``angle``).  Its
finite-difference gradient is then the true derivative, which checks the complex vjps in
PyTorch's convention (the gradient of a real loss w.r.t. z is dL/dRe z + i dL/dIm z)."""

from __future__ import annotations

import numpy as np

from dlcore import ops
from dlcore.registry import aval_of

P = (((3, 4), (3, 4)), ((5,), (5,)), ((2, 1, 3), (4, 1)))      # (re, im) pairs, broadcast
PAIRS = (((3, 2),), ((2, 3, 2),))                                # (..., 2) real pairs


def _z(x):
    return x[..., 0] + 1j * x[..., 1]


def _pairs(z, dtype):
    return np.stack([z.real, z.imag], axis=-1).astype(dtype)


def _parts(a, b):
    z, w = ops.complex_(a, b), ops.complex_(b, a)
    return ops.add(ops.real(ops.mul(z, w)), ops.imag(ops.conj(ops.div(z, w))))


def _np_parts(a, b):
    z, w = a + 1j * b, b + 1j * a
    return ((z * w).real + np.conj(z / w).imag).astype(a.dtype)


def _abs_angle(a, b):
    z = ops.complex_(a, b)
    return ops.add(ops.complex_abs(ops.exp(z)), ops.mul(ops.angle(z), 0.5))


def _np_abs_angle(a, b):
    z = a + 1j * b
    return (np.abs(np.exp(z)) + 0.5 * np.angle(z)).astype(a.dtype)


def _view_mm(x):
    z = ops.view_as_complex(x)
    return ops.view_as_real(ops.sub(ops.mul(z, z), ops.sum(z, 0, True)))


def _np_view_mm(x):
    z = _z(x)
    return _pairs(z * z - z.sum(0, keepdims=True), x.dtype)


def _eig_trace(a):
    lam = ops.eigvals(a)
    return ops.real(ops.sum(ops.mul(lam, lam), -1))


def _eig_vweights(a):
    # |V_ij|^2 does not depend on each eigenvector's phase; the weights' sum over i is 0 per
    # column, so the columns' order (LAPACK's, for conjugate pairs) does not matter either
    av = aval_of(a)
    n = ops.complex_abs(ops.eig(a)[1])
    w = (np.arange(av.shape[-1])[:, None] - (av.shape[-1] - 1) / 2).astype(av.dtype)
    return ops.sum(ops.mul(ops.mul(n, n), w), (-2, -1))


def _np_eig_vweights(a):
    n = np.abs(np.linalg.eig(a)[1]) ** 2
    w = np.arange(a.shape[-1], dtype=a.dtype)[:, None] - (a.shape[-1] - 1) / 2
    return (n * w).sum((-2, -1)).astype(a.dtype)


def _eig_residual(a):
    lam, v = ops.eig(a)
    av = ops.matmul(ops.complex_(a, ops.zeros_like(a)), v)
    return ops.complex_abs(ops.sub(av, ops.mul(v, ops.expand_dims(lam, -2))))


def complex_rows(OpRow):
    sq = (((3, 3),), ((2, 4, 4),))
    return [
        OpRow("eig[trace(A^2) from L]", "eig", _eig_trace,
              lambda a: np.trace(a @ a, axis1=-2, axis2=-1).astype(a.dtype), sq, ("real",),
              (0,), rtol=1e-4, atol=1e-5),
        OpRow("eig[|V|^2 weighted]", "eig", _eig_vweights, _np_eig_vweights, sq, ("real",),
              (0,), rtol=1e-4, atol=1e-5),
        OpRow("eig[A V - V L]", "eig", _eig_residual, lambda a: np.zeros(a.shape, a.dtype), sq,
              ("real",), (), rtol=0, atol=2e-5),
        OpRow("complex_parts", "complex", _parts, _np_parts, P, ("real", "away0"), (0, 1),
              primitives=("complex", "real", "imag", "conj")),
        OpRow("complex_abs_angle", "complex_abs", _abs_angle, _np_abs_angle, P,
              ("away0", "away0"), (0, 1), primitives=("complex_abs", "angle")),
        OpRow("view_as_complex_real", "view_as_real", _view_mm, _np_view_mm, PAIRS, ("real",),
              (0,), primitives=("view_as_real", "view_as_complex")),
        OpRow("fft_c2c[axis 0, inverse, ortho]", "fft_c2c",
              lambda x: ops.view_as_real(ops.fft_c2c(ops.view_as_complex(x), (0,), False,
                                                     "sqrtn")),
              lambda x: _pairs(np.fft.ifft(_z(x), axis=0, norm="ortho"), x.dtype), PAIRS,
              ("real",), (0,)),
        OpRow("fft_r2c[2-d, onesided]", "fft_r2c",
              lambda x: ops.view_as_real(ops.fft_r2c(x, (0, 1), "none", True)),
              lambda x: _pairs(np.fft.rfft2(x), x.dtype), (((3, 4),), ((2, 5),)), ("real",),
              (0,)),
        OpRow("fft_r2c[full, 1/n]", "fft_r2c",
              lambda x: ops.view_as_real(ops.fft_r2c(x, (1,), "n", False)),
              lambda x: _pairs(np.fft.fft(x, axis=1, norm="forward"), x.dtype),
              (((2, 5),),), ("real",), (0,)),
        OpRow("fft_c2r[n=4]", "fft_c2r",
              lambda x: ops.fft_c2r(ops.view_as_complex(x), (0,), 4, "n"),
              lambda x: np.fft.irfft(_z(x), 4, axis=0).astype(x.dtype), (((3, 2),), ((3, 2, 2),)),
              ("real",), (0,)),
        OpRow("fft_c2r[2-d, n=5]", "fft_c2r",
              lambda x: ops.fft_c2r(ops.view_as_complex(x), (0, 1), 5, "none"),
              lambda x: (np.fft.irfftn(_z(x), s=(2, 5), axes=(0, 1)) * 10).astype(x.dtype),
              (((2, 3, 2),),), ("real",), (0,)),
    ]
