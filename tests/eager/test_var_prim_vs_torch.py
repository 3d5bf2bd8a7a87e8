"""var/std of float32/float64 tensors through the var primitive (dlcore/ops/var_prims.py): the
values, gradients (first and second order), grad_fn names, warnings and errors of PyTorch's."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import dlcore_eager

LIBS = (dlcore_eager, torch)
X = np.random.default_rng(0).standard_normal((3, 4, 5))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("call", [
    lambda x: x.var(1), lambda x: x.std(-1, keepdim=True), lambda x: x.var(),
    lambda x: x.std((0, 2)), lambda x: x.var(dim=-1, unbiased=False),
    lambda x: x.var(0, correction=2), lambda x: x.std(0, keepdim=True),
    lambda x: x.var([1, 2], keepdim=True), lambda x: x.std(unbiased=False)])
def test_values_gradients_and_names_as_torch(dtype, call):
    res = []
    for lib in LIBS:
        x = lib.tensor(X.astype(dtype), requires_grad=True)
        y = call(x)
        w = lib.arange(float(y.numel()), dtype=getattr(lib, dtype)).reshape(y.shape) + 1
        (y * w).sum().backward()
        res.append((y.detach().numpy(), y.grad_fn.name(), x.grad.numpy()))
    (dv, dn, dg), (tv, tn, tg) = res
    rtol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(dv, tv, rtol=rtol)
    assert dn == tn and dv.dtype == tv.dtype and dv.shape == tv.shape
    np.testing.assert_allclose(dg, tg, rtol=rtol * 10, atol=rtol)


def test_second_derivatives_as_torch():
    res = []
    for lib in LIBS:
        x = lib.tensor(X[0], requires_grad=True)
        (g,) = lib.autograd.grad(x.var(1).sum() * 3 + x.std(0).pow(2).sum(), x,
                                 create_graph=True)
        (h,) = lib.autograd.grad((g * g * lib.tensor(X[1])).sum(), x)
        res.append((g.detach().numpy(), h.numpy()))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-12)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-10)


@pytest.mark.parametrize("call", [lambda lib: lib.ones(1).var(), lambda lib: lib.zeros(0, 3).var(0),
                                  lambda lib: lib.ones(3).std(correction=5),
                                  lambda lib: lib.ones(2, 1).var(1)])
def test_no_degree_of_freedom_is_nan_with_torchs_warning(call):
    res = []
    for lib in LIBS:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            y = call(lib)
        # (PyTorch's message ends with where ATen raised it: " (Triggered internally at ...)")
        res.append((y.numpy(), [str(m.message).split(" (Triggered")[0] for m in w]))
    np.testing.assert_array_equal(res[0][0], res[1][0])
    assert res[0][1] == res[1][1] and res[0][1]


def test_constant_rows_have_a_zero_std_gradient_and_errors_are_torchs():
    for lib in LIBS:
        x = lib.ones(2, 3, requires_grad=True)
        x.std(1).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), np.zeros((2, 3), np.float32))
        with pytest.raises(RuntimeError, match="dim 0 appears multiple times"):
            x.var((0, -2))
        with pytest.raises(IndexError, match="Dimension out of range"):
            x.var(2)


@pytest.mark.parametrize("value", [-1e9, 5, float("-inf"), 2.5, float("nan")])
@pytest.mark.parametrize("mshape", [(3, 4), (4,), (1, 4), (3, 1)])
def test_masked_fill_with_a_number_as_torch(value, mshape):
    """masked_fill's direct path for a number (dlcore_eager/_masked_fill.py): values, grad_fn
    and gradient as PyTorch's, for every mask broadcast, twice (the rule's cache)."""
    res = []
    m = np.random.default_rng(1).random(mshape) > 0.5
    for lib in LIBS:
        x = lib.tensor(X[0, :3, :4].astype(np.float32), requires_grad=True)
        outs = [x.masked_fill(lib.tensor(m), value) for _ in range(2)]
        (outs[1] * lib.arange(12.0).reshape(3, 4)).sum().backward()
        res.append((outs[0].detach().numpy(), outs[1].grad_fn.name(), x.grad.numpy()))
    np.testing.assert_array_equal(res[0][0], res[1][0])
    assert res[0][1] == res[1][1]
    np.testing.assert_array_equal(res[0][2], res[1][2])
