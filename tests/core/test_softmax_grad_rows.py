"""Eager backward's softmax and log-softmax gradients in one Numba pass per row
(``dlcore.kernels.cpu.softmax.softmax_grad_last``): against the separate kernels they replace
(float32 softmax bit for bit; float64 softmax and float32 log-softmax within rounding: other
summation lanes, ``exp32`` for NumPy's exp), NaN and -inf rows, the shapes and layouts they
refuse, and F.nll_loss(F.log_softmax(x)) against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore.kernels.cpu import softmax as cpu
from dlcore.ops import softmax_prims


def _rows(dtype, shape=(64, 128)):
    rng = np.random.default_rng(shape[0])
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    y = (x - np.log(np.exp(x.astype(np.float64)).sum(-1, keepdims=True))).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    y.reshape(-1)[:3] = [-np.inf, np.nan, -90.0]    # (exp: 0, NaN, below e^-87)
    return g, y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_gradient_equals_the_separate_kernels(dtype):
    g, y = _rows(dtype, (3, 40, 17))
    p = np.exp(y)
    got = cpu.softmax_grad_last(g, p, 2, log=False)
    want = p * (g - softmax_prims._row_sum(g * p, 2))
    assert got.dtype == dtype
    if dtype == np.float32:
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-15, atol=1e-15)


def test_log_softmax_gradient_float32_within_rounding():
    g, y = _rows(np.float32)
    got = cpu.softmax_grad_last(g, y, 1, log=True)
    want = g - np.exp(y) * softmax_prims._row_sum(g, 1)
    assert got.dtype == np.float32 and np.isnan(got[0, 1]) and np.isnan(want[0, 1])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6 * np.nanmax(np.abs(want)))
    assert got[0, 0] == g[0, 0] and got[0, 2] == g[0, 2]      # (exp of -inf, of -90: 0)


@pytest.mark.parametrize("case", ["float64 log", "not the last axis", "small", "strided"])
def test_refused_operands_take_the_separate_kernels(case):
    g, y = _rows(np.float32)
    if case == "float64 log":
        g, y = g.astype(np.float64), y.astype(np.float64)
    if case == "small":
        g, y = g[:4, :8].copy(), y[:4, :8].copy()
    if case == "strided":
        g = g[:, ::2]
        y = y[:, ::2]
    axis = 0 if case == "not the last axis" else -1
    assert cpu.softmax_grad_last(g, y, axis, log=case != "not the last axis") is None


def test_nll_of_log_softmax_as_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((64, 128)).astype(np.float32)
    t = rng.integers(0, 128, 64)
    grads = []
    for L in (dt, torch):
        xt = L.tensor(x, requires_grad=True)
        L.nn.functional.nll_loss(L.nn.functional.log_softmax(xt, 1), L.tensor(t)).backward()
        grads.append(xt.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-5, atol=1e-8)
