"""cumprod's gradient on concrete values without a zero (eager backward's buffers): PyTorch's
shortcut ``cumsum(g y, reversed) / x`` (issue 19: NeRF's transmittance), against the brute-force
sum of products in float64, for every axis, ``reverse`` and ``exclusive``; with a zero (or a
graph value) the exact form still runs; values and gradients against PyTorch's."""

import itertools

import numpy as np
import pytest

import dlcore_eager as E
from dlcore.ops import scan


def _brute(g, x, axis, reverse, exclusive):
    """dx_i = sum_j g_j d(y_j)/d(x_i), y the scan along ``axis`` (float64)."""
    xm, gm = np.moveaxis(x, axis, -1).astype(np.float64), np.moveaxis(g, axis, -1)
    n = xm.shape[-1]
    dx = np.zeros_like(xm)
    order = list(range(n))[::-1] if reverse else list(range(n))
    for pos_j, j in enumerate(order):
        used = order[:pos_j] if exclusive else order[:pos_j + 1]
        for i in used:
            others = [k for k in used if k != i]
            dx[..., i] += gm[..., j] * np.prod(xm[..., others], axis=-1)
    return np.moveaxis(dx, -1, axis)


@pytest.mark.parametrize("axis,reverse,exclusive",
                         list(itertools.product([0, 1, 2], [False, True], [False, True])))
def test_no_zero_gradient_is_the_sum_of_products(axis, reverse, exclusive):
    rng = np.random.default_rng(axis)
    x = rng.uniform(0.5, 1.5, (3, 4, 5)) * rng.choice([-1, 1], (3, 4, 5))
    g = rng.standard_normal((3, 4, 5))
    y = np.flip(np.cumprod(np.flip(x, axis), axis), axis) if reverse else np.cumprod(x, axis)
    # (an exclusive scan's rule recomputes the inclusive y itself)
    (dx,) = scan._cumprod_vjp(g, None if exclusive else y, x, axis=axis, reverse=reverse,
                              exclusive=exclusive)
    np.testing.assert_allclose(np.asarray(dx), _brute(g, x, axis, reverse, exclusive),
                               rtol=1e-12, atol=1e-12)


def test_a_zero_takes_the_exact_form():
    x = np.array([[2.0, 0.0, 3.0, 4.0]])
    g = np.ones_like(x)
    (dx,) = scan._cumprod_vjp(g, np.cumprod(x, 1), x, axis=1, reverse=False, exclusive=False)
    np.testing.assert_allclose(np.asarray(dx), _brute(g, x, 1, False, False))
    assert np.isfinite(np.asarray(dx)).all()


def test_eager_gradients_are_torchs():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).uniform(0.1, 1.0, (8, 16)).astype(np.float32)
    a[0, 0] = -0.5
    xd, xt = E.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    w = np.random.default_rng(1).standard_normal((8, 16)).astype(np.float32)
    (E.cumprod(xd, -1) * E.tensor(w)).sum().backward()
    (torch.cumprod(xt, -1) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=2e-5, atol=1e-6)
    # (double backward keeps the exact form: tensors, not buffers, reach the rule)
    x2 = E.tensor(a[:2, :4].astype(np.float64), requires_grad=True)
    (gx,) = E.autograd.grad(E.cumprod(x2, 1).sum(), x2, create_graph=True)
    (hx,) = E.autograd.grad(gx.sum(), x2)
    x3 = torch.tensor(a[:2, :4].astype(np.float64), requires_grad=True)
    (gt,) = torch.autograd.grad(torch.cumprod(x3, 1).sum(), x3, create_graph=True)
    (ht,) = torch.autograd.grad(gt.sum(), x3)
    np.testing.assert_allclose(hx.numpy(), ht.numpy(), rtol=1e-10)
