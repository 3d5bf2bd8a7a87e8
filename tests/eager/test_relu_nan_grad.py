"""Eager relu's gradient is PyTorch's threshold_backward (``0 where y <= 0, else g``): a NaN
output passes its cotangent (relu_grad, TensorFlow's ReluGrad, which the static front end
keeps, gives 0 there); everywhere else the same values as before."""

import math

import numpy as np
import pytest

import dlcore_eager as dl

VALS = [math.nan, -math.inf, math.inf, -2.0, -0.0, 0.0, 0.5, 3.0] + \
    [0.25 * k - 4.0 for k in range(56)]
FNS = {
    "relu": lambda T, x: T.relu(x),
    "F.relu": lambda T, x: T.nn.functional.relu(x),
    "nn.ReLU": lambda T, x: T.nn.ReLU()(x),
    "relu_": lambda T, x: (x * 1.0).relu_(),
}


def _grad(lib, name, dtype, create_graph=False):
    x = lib.tensor(VALS, dtype=dtype, requires_grad=True)
    w = lib.tensor(np.linspace(0.5, 2.0, len(VALS)), dtype=dtype)
    y = (FNS[name](lib, x) * w).sum()
    if create_graph:
        g, = lib.autograd.grad(y, x, create_graph=True)
        return g.detach().numpy()
    y.backward()
    return x.grad.numpy()


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(FNS))
def test_relu_gradient_as_torch(name, dtype, create_graph):
    torch = pytest.importorskip("torch")
    d = _grad(dl, name, getattr(dl, dtype), create_graph)
    t = _grad(torch, name, getattr(torch, dtype), create_graph)
    np.testing.assert_array_equal(d, t)
    assert d[0] == np.linspace(0.5, 2.0, len(VALS))[0].astype(dtype)     # (the NaN's)


def test_static_relu_grad_unchanged():
    from dlcore import ops
    g = np.ones(3, np.float32)
    r = np.array([math.nan, 0.0, 2.0], np.float32)
    np.testing.assert_array_equal(ops.elementwise.relu_grad(g, r), [0.0, 0.0, 1.0])
