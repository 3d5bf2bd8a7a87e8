"""F.gaussian_nll_loss's checks and clamp as PyTorch 2.13's: a negative variance (a number or
a tensor entry) refused, ``var`` of a size other than the input's, one dimension short of it or
one size-1 axis refused ("var is of incorrect size": dlcore broadcast any var), a number as
``var``, and the clamp to ``eps`` done on a clone without recording it, so the gradient reaches
``var`` unclamped below ``eps`` (dlcore's maximum gave 0 there)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")


def _outcome(L, x_shape, var, **kw):
    x, t = L.ones(*x_shape), L.zeros(*x_shape)
    v = var if isinstance(var, float) else L.tensor(np.asarray(var, np.float32))
    try:
        out = L.nn.functional.gaussian_nll_loss(x, t, v, **kw)
    except (ValueError, RuntimeError) as e:
        return type(e).__name__, str(e)
    return "ok", tuple(out.shape), round(float(out.sum()), 5)


@pytest.mark.parametrize("x_shape,var,kw", [
    ((3, 4), -np.ones((3, 4)), {}), ((3, 4), -1.0, {}), ((3, 4), 0.5, {}),
    ((3, 4), np.ones((3, 4)), {"reduction": "bad"}), ((3, 1, 4), np.ones((1, 2, 4)), {}),
    ((3, 4), np.full((3, 1), 2.0), {}), ((3, 4), np.full(3, 2.0), {}), ((3, 4), np.ones(4), {}),
    ((3, 4), np.full((1, 4), 3.0), {"reduction": "none"}), ((3, 4), np.ones((1, 1)), {}),
    ((2, 3, 4), np.ones((2, 1, 4)), {"reduction": "sum"})])
def test_checks_and_values_as_torch(x_shape, var, kw):
    assert _outcome(dt, x_shape, var, **kw) == _outcome(torch, x_shape, var, **kw)


def test_gradient_below_eps_reaches_var_as_torch():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    v = np.abs(rng.standard_normal((3, 4)))
    v[0, 0], v[1, 1] = 1e-8, 0.0
    res = []
    for L in (dt, torch):
        x, var = L.tensor(a, requires_grad=True), L.tensor(v, requires_grad=True)
        loss = L.nn.functional.gaussian_nll_loss(x, L.tensor(b), var, reduction="sum")
        loss.backward()
        res.append((loss.item(), x.grad.numpy(), var.grad.numpy()))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-12)
    for u, w in zip(res[0][1:], res[1][1:]):
        np.testing.assert_allclose(u, w, rtol=1e-12)
    assert res[0][2][0, 0] < -1e12                  # (the clamped entry's gradient, not 0)
