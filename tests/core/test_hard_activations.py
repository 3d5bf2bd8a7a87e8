"""hardsigmoid and hardswish as elementwise primitives (dlcore/ops/activations.py: one node each
way, fused by the static compiler): every branch (below -3, the bounds, between, above 3, NaN,
-inf) against a NumPy reference and PyTorch (values; gradients within float32's rounding of
PyTorch's float32 arithmetic, NaN where its vectorised body has NaN), second derivatives of
hardswish against finite differences, and the 16-bit types."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore.ops.activations import (
    hardsigmoid_grad_p,
    hardsigmoid_p,
    hardswish_grad_p,
    hardswish_p,
)


def _values(dtype):
    a = np.linspace(-5, 5, 41).astype(dtype)      # (-3, 3 and the values between)
    a[:5] = [np.nan, -3.0, 3.0, -np.inf, np.inf]
    return a


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernels_against_numpy(dtype):
    x = _values(dtype)
    g = np.linspace(-2, 2, x.size).astype(dtype)
    with np.errstate(invalid="ignore"):
        sig = np.where(x <= -3, 0, np.where(x >= 3, 1, x / dtype(6) + dtype(0.5)))
        swi = np.where(x <= -3, x * 0, np.where(x >= 3, x, x * (x + 3) / 6))
        dsig = np.where((x > -3) & (x < 3), g / 6, 0)
        dswi = np.where(x <= -3, 0, np.where(x >= 3, g, g * (x / 3 + 0.5)))
    for got, want in ((hardsigmoid_p.kernels["cpu"](x), sig),
                      (hardswish_p.kernels["cpu"](x), swi),
                      (hardsigmoid_grad_p.kernels["cpu"](g, x), dsig),
                      (hardswish_grad_p.kernels["cpu"](g, x), dswi)):
        assert got.dtype == dtype
        assert np.array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_allclose(got, want.astype(dtype), rtol=4e-7 if dtype == np.float32
                                   else 1e-15)
    assert np.signbit(hardswish_p.kernels["cpu"](np.array([-5.0], dtype)))[0]   # (-0.0)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("fn", ["hardswish", "hardsigmoid"])
def test_against_pytorch(fn, dtype):
    torch = pytest.importorskip("torch")
    a = _values(np.float64)[1:]           # (NaN's gradient: by position in PyTorch)
    res = []
    for T in (dl, torch):
        x = T.tensor(a, dtype=getattr(T, dtype), requires_grad=True)
        y = getattr(T.nn.functional, fn)(x)
        g, = T.autograd.grad(y, x, T.linspace(-1, 1, a.size, dtype=getattr(T, dtype)))
        res.append((type(y.grad_fn).__name__, y.detach().float().numpy(),
                    g.float().numpy()))
    (nd, yd, gd), (nt, yt, gt) = res
    assert nd == nt
    np.testing.assert_array_equal(yd, yt)
    tol = {"float32": 1.2e-7, "float64": 1e-15, "float16": 1e-3, "bfloat16": 8e-3}[dtype]
    assert np.array_equal(np.isnan(gd), np.isnan(gt))
    np.testing.assert_allclose(gd, gt, rtol=tol, atol=tol)


def test_one_node_each_way_and_hardswish_second_derivative():
    x0 = np.array([-4.0, -2.5, -1.0, 0.5, 2.0, 2.9, 3.5])
    x = dl.tensor(x0, requires_grad=True)
    y = dl.nn.functional.hardswish(x)
    assert y.grad_fn.prim is hardswish_p
    g, = dl.autograd.grad(y.sum(), x, create_graph=True)
    assert g.grad_fn.prim is hardswish_grad_p
    assert type(g.grad_fn).__name__ == "HardswishBackwardBackward0"
    h, = dl.autograd.grad(g.sum(), x)
    np.testing.assert_array_equal(h.numpy(), np.where((x0 > -3) & (x0 < 3), 1 / 3, 0))
    s = dl.nn.functional.hardsigmoid(x)
    assert s.grad_fn.prim is hardsigmoid_p
    gs, = dl.autograd.grad(s.sum(), x)
    np.testing.assert_array_equal(gs.numpy(), np.where((x0 > -3) & (x0 < 3), 1 / 6, 0))
