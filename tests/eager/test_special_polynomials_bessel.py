"""torch.special's orthogonal polynomials (and Bessel functions, where present) against the real
PyTorch 2.13: values over a grid of arguments and degrees (negative, fractional, NaN and
infinite degrees included), dtypes, argument forms.  PyTorch has no derivative for them."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore.ops.special_poly import NAMES

torch = pytest.importorskip("torch")

XS = np.array([-2.0, -1.0, -0.7, -0.3, 0.0, 0.2, 0.5, 0.9, 1.0, 1.3, 3.5])
NS = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 5.0, 7.0, 9.0, 12.0, 2.7, -0.5, np.nan, np.inf, 600.0])
GRID_X, GRID_N = (a.reshape(-1) for a in np.meshgrid(XS, NS))


@pytest.mark.parametrize("name", NAMES)
def test_polynomial_matches_torch_float64(name):
    got = getattr(dt.special, name)(dt.tensor(GRID_X), dt.tensor(GRID_N)).numpy()
    want = getattr(torch.special, name)(torch.tensor(GRID_X), torch.tensor(GRID_N)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("name", NAMES)
def test_polynomial_float32_and_argument_forms(name):
    x = np.linspace(-0.95, 0.95, 7).astype(np.float32)
    f, F = getattr(dt.special, name), getattr(torch.special, name)
    got, want = f(dt.tensor(x), 4), F(torch.tensor(x), 4)
    assert got.dtype == dt.float32
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=2e-5, atol=2e-5)
    assert f(dt.tensor([1, 2]), 3).dtype == dt.float32                 # ints -> default float
    np.testing.assert_allclose(f(0.5, dt.tensor([3.0, 2.0])).numpy(),
                               F(0.5, torch.tensor([3.0, 2.0])).numpy(), rtol=1e-6)
    np.testing.assert_allclose(f(x=dt.tensor([0.3]), n=dt.tensor([5])).numpy(),
                               F(x=torch.tensor([0.3]), n=torch.tensor([5])).numpy(),
                               rtol=1e-6)
    x2 = dt.tensor(x).requires_grad_()
    assert f(x2, 3).grad_fn is None and F(torch.tensor(x, requires_grad=True), 3).grad_fn is None


def test_polynomial_broadcasts_and_out():
    x, n = np.linspace(-1, 1, 4).reshape(4, 1), np.arange(3.0)
    got = dt.special.legendre_polynomial_p(dt.tensor(x), dt.tensor(n))
    want = torch.special.legendre_polynomial_p(torch.tensor(x), torch.tensor(n))
    assert tuple(got.shape) == (4, 3)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    out = dt.empty(4, 3, dtype=dt.float64)
    dt.special.legendre_polynomial_p(dt.tensor(x), dt.tensor(n), out=out)
    np.testing.assert_allclose(out.numpy(), want.numpy(), rtol=1e-12)


# ----------------------------------------------------------------------------- Bessel
BESSEL = ("bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_k0",
          "modified_bessel_k1", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
          "airy_ai")
BX = np.array([-50.0, -7.5, -3.0, -2.09, -1e-6, 0.0, 1e-6, 0.3, 1.0, 1.9, 2.0, 2.09, 2.5, 4.9,
               5.0, 5.1, 8.0, 8.33, 20.0, 100.0, 104.0, 1e3, np.inf, -np.inf, np.nan])


@pytest.mark.parametrize("name", BESSEL)
def test_bessel_matches_torch(name):
    f, F = getattr(dt.special, name), getattr(torch.special, name)
    np.testing.assert_allclose(f(dt.tensor(BX)).numpy(), F(torch.tensor(BX)).numpy(),
                               rtol=1e-13, atol=1e-15, equal_nan=True)
    x32 = np.linspace(0.05, 12.0, 40).astype(np.float32)
    got, want = f(dt.tensor(x32)), F(torch.tensor(x32))
    assert got.dtype == dt.float32
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-5)
    assert f(dt.tensor([1, 2])).dtype == dt.float32 and F(torch.tensor([1, 2])).dtype == \
        torch.float32
    assert f(dt.tensor([1.5]).requires_grad_()).grad_fn is None
