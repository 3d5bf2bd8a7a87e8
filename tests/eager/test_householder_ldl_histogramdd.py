"""torch.linalg.householder_product (orgqr), torch.linalg.ldl_factor(_ex)/ldl_solve and
torch.histogramdd against the real PyTorch 2.13: values, gradients where PyTorch has them, and
errors by type and message."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(1313)


def _both(x):
    return dt.tensor(x), torch.tensor(x)


# ----------------------------------------------------------------------------- householder
@pytest.mark.parametrize("shape,k", [((4, 3), 2), ((2, 5, 3), 3), ((3, 3), 0), ((4, 2), 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_householder_product_values(shape, k, dtype):
    a, A = _both(RNG.standard_normal(shape).astype(dtype))
    t, T = _both(RNG.standard_normal(shape[:-2] + (k,)).astype(dtype))
    got, want = dt.linalg.householder_product(a, t), torch.linalg.householder_product(A, T)
    assert got.dtype == dt.float32 if dtype == np.float32 else got.dtype == dt.float64
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(dt.orgqr(a, t).numpy(), want.numpy(), rtol=tol, atol=tol)


def test_householder_product_of_geqrf_is_q_and_gradients_match_torch():
    A = torch.tensor(RNG.standard_normal((2, 5, 3)))
    h, tau = torch.geqrf(A)
    got = dt.linalg.householder_product(dt.tensor(h.numpy()), dt.tensor(tau.numpy()))
    np.testing.assert_allclose(got.numpy(), torch.linalg.qr(A)[0].numpy(), atol=1e-12)
    a = dt.tensor(h.numpy()).requires_grad_()
    t = dt.tensor(tau.numpy()).requires_grad_()
    H, T = h.clone().requires_grad_(), tau.clone().requires_grad_()
    g = RNG.standard_normal((2, 5, 3))
    dt.linalg.householder_product(a, t).backward(dt.tensor(g))
    torch.linalg.householder_product(H, T).backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), H.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(t.grad.numpy(), T.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("a_shape,t_shape,a_dtype,t_dtype", [
    ((3,), (2,), "float64", "float64"),
    ((2, 3), (2,), "float64", "float64"),
    ((4, 3), (4,), "float64", "float64"),
    ((4, 3), (1, 2), "float64", "float64"),
    ((2, 4, 3), (3, 2), "float64", "float64"),
    ((4, 3), (2,), "float32", "float64"),
    ((4, 3), (2,), "int32", "int32"),
])
def test_householder_product_errors(a_shape, t_shape, a_dtype, t_dtype):
    a, t = np.ones(a_shape, a_dtype), np.ones(t_shape, t_dtype)
    with pytest.raises(Exception) as want:
        torch.linalg.householder_product(torch.tensor(a), torch.tensor(t))
    with pytest.raises(type(want.value)) as got:
        dt.linalg.householder_product(dt.tensor(a), dt.tensor(t))
    assert str(got.value) == str(want.value)
