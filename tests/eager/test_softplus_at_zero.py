"""softplus and logsigmoid against the real PyTorch 2.13 at their former kink: the gradient at
exactly 0 is sigmoid(0) = 1/2 (a zero-initialised embedding in a skip-gram model sits there),
and the values and gradients agree from -100 to 100 in float32 and float64."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

XS = np.array([-100.0, -30.0, -20.0, -5.0, -1e-8, 0.0, 1e-8, 3.0, 19.9, 20.0, 20.5, 50.0, 100.0])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["softplus", "logsigmoid"])
def test_values_and_gradients_match_torch(name, dtype):
    res = {}
    for m in (torch, dt):
        x = m.tensor(XS.astype(dtype), requires_grad=True)
        getattr(m.nn.functional, name)(x).sum().backward()
        res[m] = (getattr(m.nn.functional, name)(x).detach().numpy(), x.grad.numpy())
    tol = 1e-6 if dtype == "float32" else 1e-12
    for got, want in zip(res[dt], res[torch]):
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    assert res[dt][1][XS == 0.0] == pytest.approx(0.5)
