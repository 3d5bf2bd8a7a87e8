"""F.binary_cross_entropy clips its logs at -100 as PyTorch's CPU kernel does, so an input of
exactly 0 or 1 (a saturated sigmoid) costs what it costs in PyTorch 2.13: before, the log of the
dtype's smallest normal stood in (float32: 29.34 for the values below where torch says 33.56;
float64: 236.4).  Gradients are the formula's: equal to torch's away from 0 and 1 (torch's
``(x - y) / max(x (1 - x), 1e-12)`` differs only within 1e-12 of them) and finite at 0 and 1."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as D

T = pytest.importorskip("torch")

X = [0.0, 0.5, 1.0, 1e-30, 0.999, 1e-45, 0.25]
Y = [1.0, 0.0, 1.0, 1.0, 0.0, 0.3, 0.7]


@pytest.mark.parametrize("dt", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_loss_values_equal_torch_at_saturated_inputs(dt, reduction):
    w = [1.0, 2.0, 0.5, 1.0, 1.0, 3.0, 1.0]
    got, want = (lib.nn.functional.binary_cross_entropy(
        lib.tensor(X, dtype=getattr(lib, dt)), lib.tensor(Y, dtype=getattr(lib, dt)),
        weight=lib.tensor(w, dtype=getattr(lib, dt)), reduction=reduction).double().numpy()
        for lib in (D, T))
    # (float64 sums: 1 ulp, order; float32 is one primitive computed in float64 and rounded
    # once, where PyTorch rounds each step: within 1 float32 ulp, and its gradients are torch's)
    np.testing.assert_allclose(got, want, rtol=2.4e-7 if dt == "float32" else 1e-14)


def test_gradients_equal_torch_away_from_0_and_1_and_finite_at_them():
    x = np.linspace(0.01, 0.99, 7)
    y = np.random.default_rng(3).uniform(size=7)
    grads = []
    for lib in (D, T):
        xt = lib.tensor(x, requires_grad=True)
        lib.nn.functional.binary_cross_entropy(xt, lib.tensor(y)).backward()
        grads.append(xt.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)
    xt = D.tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    D.nn.BCELoss()(xt, D.tensor([1.0, 1.0, 0.0, 0.0])).backward()
    assert np.isfinite(xt.grad.numpy()).all()
