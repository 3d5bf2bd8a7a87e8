"""Eager pow backward on CUDA: PyTorch's da (``g b a^(b-1)``, 0 where ``b == 0``) in one
``pow_grad`` kernel (dlcore/ops/power.py), where the composite launched 7 kernels and copied
two constants to the device per square; the values equal the CPU's, and a second derivative
(create_graph) still flows through it (its own vjp).  PyTorch as the oracle when installed."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore
from dlcore.ops import power

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not dlcore.cuda_available(),
                       reason="numba.cuda is not usable (no GPU and no simulator)"),
]


@pytest.mark.parametrize("exponent", [2, 3.0, 0, -1.5])
def test_pow_backward_on_cuda_is_one_pow_grad_and_matches_the_cpu(monkeypatch, exponent):
    import dlcore_eager as torch
    xv = np.random.default_rng(5).uniform(0.5, 2.0, (3, 4)).astype(np.float32)
    calls: list = []
    real = power.pow_grad
    monkeypatch.setattr(power, "pow_grad", lambda *a: calls.append(1) or real(*a))
    grads = []
    for dev in ("cpu", "cuda"):
        x = torch.tensor(xv).to(dev).requires_grad_()
        (x.pow(exponent) * 1.5).sum().backward()
        grads.append(x.grad.cpu().numpy())
    assert calls == [1]                                  # the CUDA backward's da, only
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-6, atol=1e-6)
    real_torch = pytest.importorskip("torch")
    t = real_torch.tensor(xv, requires_grad=True)
    (t.pow(exponent) * 1.5).sum().backward()
    np.testing.assert_allclose(grads[1], t.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_second_derivative_through_pow_grad_on_cuda():
    import dlcore_eager as torch
    xv = np.array([0.5, 1.0, 2.0], np.float32)
    x = torch.tensor(xv).cuda().requires_grad_()
    (g,) = torch.autograd.grad(x.pow(3).sum(), x, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(g.detach().cpu().numpy(), 3 * xv ** 2, rtol=1e-6)
    np.testing.assert_allclose(h.cpu().numpy(), 6 * xv, rtol=1e-6)


def test_a_zero_exponent_gives_zero_gradient_even_at_zero():
    g = np.ones(3, np.float32)
    a = np.array([0.0, 1.0, -2.0], np.float32)
    out = power.pow_grad(g, a, np.float32(0))
    np.testing.assert_array_equal(out, np.zeros(3, np.float32))
    assert np.signbit(out).sum() == 0
