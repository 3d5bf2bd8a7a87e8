"""tanh's vjp as one kernel (dlcore.ops.elementwise.tanh_grad): first and second derivatives
as PyTorch's, in float32 and float64, and complex tanh keeping its conjugated composite."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_first_and_second_derivatives_as_torch(dtype):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((3, 5)) * 2).astype(dtype)
    g = rng.standard_normal((3, 5)).astype(dtype)
    c = rng.standard_normal((3, 5)).astype(dtype)
    a = dt.from_numpy(x.copy()).requires_grad_(True)
    b = torch.from_numpy(x.copy()).requires_grad_(True)
    (ga,) = dt.autograd.grad(dt.tanh(a), a, dt.from_numpy(g), create_graph=True)
    (gb,) = torch.autograd.grad(torch.tanh(b), b, torch.from_numpy(g), create_graph=True)
    tol = 1e-6 if dtype == "float32" else 1e-14
    np.testing.assert_allclose(ga.detach().numpy(), gb.detach().numpy(), rtol=tol, atol=tol)
    (ha,) = dt.autograd.grad(ga, a, dt.from_numpy(c))
    (hb,) = torch.autograd.grad(gb, b, torch.from_numpy(c))
    np.testing.assert_allclose(ha.numpy(), hb.numpy(), rtol=10 * tol, atol=10 * tol)


def test_the_kernel_rounds_as_the_three_ops_did():
    rng = np.random.default_rng(1)
    t = np.tanh(rng.standard_normal(64).astype(np.float32))
    g = rng.standard_normal(64).astype(np.float32)
    a = dt.from_numpy(np.arctanh(t.astype(np.float64)).astype(np.float32)).requires_grad_(True)
    y = dt.tanh(a)
    y.backward(dt.from_numpy(g))
    yb = y.detach().numpy()
    np.testing.assert_array_equal(a.grad.numpy(), g * (np.float32(1) - yb * yb))


def test_complex_tanh_gradient_as_torch():
    x = np.array([0.3 + 0.4j, -1.2 + 0.1j], np.complex64)
    g = np.array([1.0 - 0.5j, 0.2 + 2.0j], np.complex64)
    a = dt.from_numpy(x.copy()).requires_grad_(True)
    b = torch.from_numpy(x.copy()).requires_grad_(True)
    dt.tanh(a).backward(dt.from_numpy(g))
    torch.tanh(b).backward(torch.from_numpy(g))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6, atol=1e-6)
