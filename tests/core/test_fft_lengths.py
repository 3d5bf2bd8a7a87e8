"""The FFT primitives at every length 1..64 and a few large ones (1000, 4096, 4097), against
numpy.fft, on the CPU (pocketfft through SciPy) and under the CUDA simulator (the O(n log n)
kernels of dlcore/kernels/cuda/fft.py: Stockham radix-2 for powers of two, Bluestein for the
rest); gradients by central finite differences in float64."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore import ops

LENGTHS = list(range(1, 65)) + [1000, 4096, 4097]


def _signal(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dtype)


def _close(got, want, dtype):
    tol = 1e-12 if np.dtype(dtype) in (np.float64, np.complex128) else 3e-5
    scale = max(1.0, float(np.abs(want).max()))
    assert got.dtype == np.dtype(dtype) or got.dtype.kind != np.dtype(dtype).kind
    np.testing.assert_allclose(got, want, rtol=0, atol=tol * scale)


@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
def test_cpu_c2c_every_length(dtype):
    for n in LENGTHS:
        x = _signal((2, n), dtype, n)
        _close(ops.fft_c2c(x, (1,), True, "none"), np.fft.fft(x, axis=1), dtype)
        _close(ops.fft_c2c(x, (1,), False, "n"), np.fft.ifft(x, axis=1), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cpu_r2c_c2r_every_length(dtype):
    cdt = np.complex128 if dtype == np.float64 else np.complex64
    for n in LENGTHS:
        x = _signal((n, 2), dtype, n)
        y = ops.fft_r2c(x, (0,), "sqrtn", True)
        assert y.dtype == cdt and y.shape == (n // 2 + 1, 2)
        _close(y, np.fft.rfft(x, axis=0, norm="ortho"), cdt)
        h = np.fft.rfft(x, axis=0).astype(cdt)
        z = ops.fft_c2r(h, (0,), n, "n")
        assert z.dtype == np.dtype(dtype) and z.shape == (n, 2)
        _close(z, np.fft.irfft(h, n, axis=0), dtype)


@pytest.mark.parametrize("n", [1, 2, 5, 8, 13])
def test_gradients_by_finite_differences(n):
    """d/dx of <w, view_as_real(fft(x))> (rfft of a real x; fft of a complex z through its
    real and imaginary parts), eager float64, against central differences."""
    import dlcore_eager as dl
    rng = np.random.default_rng(n)
    x0 = rng.standard_normal(n)
    w_r = rng.standard_normal((n // 2 + 1, 2))
    w_c = rng.standard_normal((n, 2))

    def loss_r(v):
        return (dl.view_as_real(dl.fft.rfft(v, norm="ortho")) * dl.tensor(w_r)).sum()

    def loss_c(v):
        z = dl.complex(v, v * v)                              # (a holomorphic-free path)
        return (dl.view_as_real(dl.fft.ifft(z)) * dl.tensor(w_c)).sum()

    for loss in (loss_r, loss_c):
        x = dl.tensor(x0, dtype=dl.float64, requires_grad=True)
        loss(x).backward()
        num = np.zeros(n)
        eps = 1e-6
        for i in range(n):
            e = np.zeros(n)
            e[i] = eps
            num[i] = (float(loss(dl.tensor(x0 + e))) - float(loss(dl.tensor(x0 - e)))) / (2 * eps)
        np.testing.assert_allclose(x.grad.numpy(), num, rtol=1e-6, atol=1e-8)


def test_cuda_kernels_lengths_under_the_simulator():
    """The device kernels at the lengths that take each path: n=1; radix-2 (2, 8) and
    Bluestein (3, 6), each in complex64 and complex128; c2c forward everywhere and inverse at
    1, 3 and 8 (a batch before the axis); r2c and c2r at odd and even n (3, 4; a batch after
    the axis).  (Cut from 6 lengths both ways and r2c/c2r at 5, 8 by the rv-coreeager review:
    the same paths, 0.375 -> 0.127 s under the simulator.)"""
    from dlcore.device import cuda_simulator
    if not cuda_simulator():
        pytest.skip("runs under NUMBA_ENABLE_CUDASIM=1 (tests/conftest.py)")
    from numba import cuda

    from dlcore.kernels.cuda import fft as K
    for n, dtype, inverse in ((1, np.complex128, True), (2, np.complex64, False),
                              (3, np.complex64, True), (8, np.complex128, True),
                              (6, np.complex128, False)):
        x = _signal((2, n, 1), dtype, n)
        d = cuda.to_device(x)
        _close(K.c2c(d, axes=(1,), forward=True, norm="none").copy_to_host(),
               np.fft.fft(x, axis=1), dtype)
        if inverse:
            _close(K.c2c(d, axes=(1,), forward=False, norm="sqrtn").copy_to_host(),
                   np.fft.ifft(x, axis=1, norm="ortho"), dtype)
    for n in (3, 4):
        xr = _signal((n, 2), np.float64, n)
        y = K.r2c(cuda.to_device(xr), axes=(0,), norm="none", onesided=True).copy_to_host()
        _close(y, np.fft.rfft(xr, axis=0), np.complex128)
        z = K.c2r(cuda.to_device(y), axes=(0,), norm="n", n=n).copy_to_host()
        _close(z, xr, np.float64)
