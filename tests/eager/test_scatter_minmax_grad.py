"""``scatter_combine``'s max/min gradient as one Numba pass over NumPy operands
(``kernels.cpu.scatter.minmax_grad``): the vjp rule's steps' bits (ties shared evenly, NaN
kept) and PyTorch's ``scatter_reduce`` amax/amin gradients."""

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore.ops import scatter_ops

torch = pytest.importorskip("torch")


def _grads(lib, x, dim, i, v, reduce, include_self):
    xt, vt = lib.tensor(x, requires_grad=True), lib.tensor(v, requires_grad=True)
    out = xt.scatter_reduce(dim, lib.tensor(i), vt, reduce=reduce, include_self=include_self)
    w = lib.tensor(np.cos(np.arange(out.numel(), dtype=x.dtype)).reshape(out.shape))
    (out * w).sum().backward()
    return out.detach().numpy(), xt.grad.numpy(), vt.grad.numpy()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduce", ["amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("dim", [0, 1])
def test_the_fused_gradient_has_the_rules_bits_and_pytorchs_values(monkeypatch, dtype, reduce,
                                                                   include_self, dim):
    rng = np.random.default_rng(3)
    x = rng.integers(-2, 3, (5, 4)).astype(dtype)        # (small integers: many ties)
    if not include_self:
        # (PyTorch counts a tie of the unused self with the result among the ties that share
        # the gradient, halving src's: dlcore's derivative does not; left out here)
        x += 10
    shape = (7, 4) if dim == 0 else (5, 6)
    v = rng.integers(-2, 3, shape).astype(dtype)
    v[1, 1] = np.nan
    i = rng.integers(0, x.shape[dim], shape)
    fused = _grads(dt, x, dim, i, v, reduce, include_self)
    monkeypatch.setattr(scatter_ops, "_FLOATS", ())           # the rule's steps
    steps = _grads(dt, x, dim, i, v, reduce, include_self)
    want = _grads(torch, x, dim, i, v, reduce, include_self)
    for f, s, w in zip(fused, steps, want):
        np.testing.assert_array_equal(f, s)
        np.testing.assert_allclose(f, w, rtol=1e-6, equal_nan=True)
