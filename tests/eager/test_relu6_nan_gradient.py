"""relu6/hardtanh's gradient at NaN: 0 (dlcore/ops/activations.relu6's docstring), as
PyTorch's hardtanh_backward in its vectorised body (its short scalar tail passes g there)."""

import numpy as np
import pytest

import dlcore_eager as T
from dlcore import ops


@pytest.mark.parametrize("fn", ["relu6", "hardtanh"])
def test_gradient_at_nan_in_the_body_as_torch(fn):
    torch = pytest.importorskip("torch")
    xn = np.linspace(-8.0, 8.0, 64).astype(np.float32)
    xn[[0, 5, 33]] = np.nan
    got = []
    for m in (torch, T):
        x = m.tensor(xn, requires_grad=True)
        getattr(m.nn.functional, fn)(x).sum().backward()
        got.append(x.grad.numpy())
    np.testing.assert_array_equal(got[1], got[0])
    assert (got[1][[0, 5, 33]] == 0).all()


def test_core_relu6_gradient_is_zero_at_nan_and_the_bounds():
    x = T.tensor([np.nan, 0.0, 3.0, 6.0, -1.0, 7.0], requires_grad=True)
    ops.relu6(x).sum().backward()            # (the core composite on eager Tensors)
    np.testing.assert_array_equal(x.grad.numpy(), [0, 0, 1, 0, 0, 0])
