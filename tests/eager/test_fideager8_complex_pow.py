"""Complex ``z ** b`` at ``z = 0`` as PyTorch 2.13: ``inf + nan j`` wherever ``Re b < 0``
(PyTorch's ``exp(b log z)``; its ``reciprocal`` and ``1 / (z z)`` for -1 and -2), NaN for
``Re b == 0`` with ``b != 0``; dlcore gave ``nan + nan j`` (NumPy's and Numba's complex power).
``1 / z`` stays ``nan + nan j`` (PyTorch's ``__rtruediv__`` is ``reciprocal() * 1``).
Recorded from torch 2.13; the last test compares with the installed torch live."""

from __future__ import annotations

import math

import numpy as np
import pytest

import dlcore_eager as torch
from dlcore.registry import PRIMITIVES

POLE = complex(math.inf, math.nan)


def _same(got, expected) -> None:
    got = np.asarray(got, dtype=np.complex128)
    expected = np.asarray(expected, dtype=np.complex128)
    np.testing.assert_array_equal(np.isnan(got.real), np.isnan(expected.real))
    np.testing.assert_array_equal(np.isnan(got.imag), np.isnan(expected.imag))
    ok = ~np.isnan(expected.real)
    np.testing.assert_allclose(got.real[ok], expected.real[ok], rtol=1e-6, atol=1e-7)
    ok = ~np.isnan(expected.imag)
    np.testing.assert_allclose(got.imag[ok], expected.imag[ok], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
@pytest.mark.parametrize("call, at_one_one", [
    (lambda z: z ** -1, 0.5 - 0.5j),
    (lambda z: z ** -2, -0.5j),
    (lambda z: z ** -1.0, 0.5 - 0.5j),
    (lambda z: z.pow(-3), -0.25 - 0.25j),
    (lambda z: torch.pow(z, -1), 0.5 - 0.5j),
    (lambda z: z ** -0.5, 0.7768869870150186 - 0.3217971264527913j),
    (lambda z: z ** (-1 + 1j), None),
    (lambda z: z ** torch.tensor(-1), 0.5 - 0.5j),
    (lambda z: z.reciprocal(), 0.5 - 0.5j),
    (lambda z: z.rsqrt(), 0.7768869870150186 - 0.3217971264527913j),
    (lambda z: z.clone().pow_(-1), 0.5 - 0.5j),
])
def test_negative_real_exponent_at_zero_is_inf_nan(dtype, call, at_one_one):
    z = torch.tensor([0j, 1 + 1j, complex(-0.0, -0.0)], dtype=dtype)
    out = call(z)
    assert out.dtype == dtype
    v = out.tolist()
    _same([v[0], v[2]], [POLE, POLE])                     # (was nan + nan j)
    if at_one_one is not None:
        _same(v[1], at_one_one)


@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
def test_other_exponents_at_zero_and_division(dtype):
    z = torch.tensor([0j, 1 + 1j], dtype=dtype)
    _same((z ** 1j).tolist()[0], complex(math.nan, math.nan))     # (Re b == 0: NaN)
    _same((z ** 0.5).tolist(), [0j, 1.0986841134678098 + 0.45508986056222733j])
    _same((z ** 2).tolist(), [0j, 2j])
    _same((z ** 0).tolist(), [1 + 0j, 1 + 0j])
    _same((1 / z).tolist(), [complex(math.nan, math.nan), 0.5 - 0.5j])   # reciprocal() * 1
    _same((2 / z).tolist(), [complex(math.nan, math.nan), 1 - 1j])


def test_real_pow_unchanged():
    x = torch.tensor([0.0, 2.0, -2.0])
    assert (x ** -1).tolist() == [math.inf, 0.5, -0.5]
    i = torch.tensor([0, 2, 3])
    assert (i ** 2).tolist() == [0, 4, 9] and (i ** 2).dtype == torch.int64


def test_complex_pow_gradient_away_from_zero():
    z = torch.tensor([1 + 1j, 2 - 0.5j], dtype=torch.complex128, requires_grad=True)
    (z ** -2).abs().sum().backward()
    zz = np.array([1 + 1j, 2 - 0.5j])
    # d|z^-2| / d(x, y): |z|^-2, gradient -2 |z|^-4 (x + i y) * 2 / 2 ... by finite differences
    eps = 1e-6
    f = lambda w: np.abs(w ** -2)
    expected = (f(zz + eps) - f(zz - eps)) / (2 * eps) + 1j * (f(zz + 1j * eps) - f(zz - 1j * eps)) / (2 * eps)
    np.testing.assert_allclose(z.grad.numpy(), expected, rtol=1e-6)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_cuda_kernel_under_the_simulator():
    from dlcore.device import cuda_available
    if not cuda_available():
        pytest.skip("no CUDA device or simulator")
    from numba import cuda
    kern = PRIMITIVES["pow"].kernels["cuda"]
    a = cuda.to_device(np.array([0j, 1 + 1j, 0j, 0j], dtype=np.complex64))
    b = cuda.to_device(np.array([-1 + 0j, -2 + 0j, 1j, 2 + 0j], dtype=np.complex64))
    _same(kern(a, b).copy_to_host(), [POLE, -0.5j, complex(math.nan, math.nan), 0j])
    # every branch of a zero base, as the CPU kernel (complex_pow) gives it: on a real GPU
    # Numba's own complex power left garbage there (0j ** 1j was a number on an H200)
    from dlcore.ops.complex_ops import complex_pow
    exps = np.array([-1, -1 + 1j, -0.5j, 1j, 0j, 2, 0.5, 1 + 1j, 2 - 3j, -2], dtype=np.complex64)
    bases = np.array([0j] * 9 + [1 + 1j], dtype=np.complex64)
    got = kern(cuda.to_device(bases), cuda.to_device(exps)).copy_to_host()
    _same(got, complex_pow(bases, exps))


def test_against_installed_torch():
    real = pytest.importorskip("torch")
    z = np.array([0j, 1 + 1j, -2 + 0.5j], dtype=np.complex128)
    for e in (-1, -2, -3, -0.5, -1.5, -1 + 1j, 1j, 0.5, 2):
        ours = (torch.tensor(z) ** e).tolist()
        theirs = (real.tensor(z) ** e).tolist()
        _same(ours, theirs)
