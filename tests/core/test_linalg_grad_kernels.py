"""The eager backward's one-call kernels of cholesky's and solve's gradients
(``kernels/cpu/linalg_solve.cholesky_grad``, ``solve_grads``, taken by the vjp rules on CPU
buffers): the same values as the rules' primitive formulas (taken with ``create_graph``,
whose cotangents are tensors), batched and in float32/float64, and as finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore.kernels.cpu import linalg_solve as K
from dlcore.ops import linalg_systems as L


def _spd(shape, dtype, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape)
    return (a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(dtype)


def _both_paths(f, *arrays):
    """The gradients of ``f(*tensors).sum()`` by the plain backward (the kernels) and with
    create_graph (the primitives)."""
    out = []
    for create in (False, True):
        ts = [dl.tensor(a, requires_grad=True) for a in arrays]
        grads = dl.autograd.grad(f(*ts).sum(), ts, create_graph=create)
        out.append([g.detach().numpy() for g in grads])
    return out


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-12), ("float32", 1e-4)])
@pytest.mark.parametrize("shape", [(1, 1), (6, 6), (3, 5, 5)])
def test_cholesky_gradient_kernel_is_the_rule_s(shape, dtype, tol):
    w = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    fast, slow = _both_paths(lambda x: dl.linalg.cholesky(x) * dl.tensor(w), _spd(shape, dtype))
    np.testing.assert_allclose(fast[0], slow[0], rtol=tol, atol=tol)
    assert fast[0].dtype == np.dtype(dtype)


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-12), ("float32", 1e-4)])
@pytest.mark.parametrize("sa,sb", [((5, 5), (5, 2)), ((3, 4, 4), (3, 4, 1)), ((4, 4), (4,))])
def test_solve_gradient_kernels_are_the_rule_s(sa, sb, dtype, tol):
    rng = np.random.default_rng(2)
    a = (rng.standard_normal(sa) + 3 * np.eye(sa[-1])).astype(dtype)
    b = rng.standard_normal(sb).astype(dtype)
    fast, slow = _both_paths(lambda x, y: dl.linalg.solve(x, y) ** 2, a, b)
    for f, s in zip(fast, slow):
        np.testing.assert_allclose(f, s, rtol=tol, atol=tol)


def test_cholesky_gradient_against_finite_differences():
    a = _spd((4, 4), "float64", 3)
    w = np.random.default_rng(4).standard_normal((4, 4))
    lo = np.linalg.cholesky(a)
    got = K.cholesky_grad(w, lo)
    sym = (got + got.T) / 2             # (x's symmetric part is what a change of x can be)
    eps = 1e-6
    for i, j in [(0, 0), (2, 1), (3, 3), (1, 3)]:
        e = np.zeros((4, 4))
        e[i, j] = e[j, i] = eps
        fd = ((np.linalg.cholesky(a + e) - np.linalg.cholesky(a - e)) * w).sum() / (2 * eps)
        assert abs(fd - (sym[i, j] * (1 if i == j else 2))) < 1e-6


def test_the_rules_take_the_kernels_only_for_cpu_buffers():
    lo = np.linalg.cholesky(_spd((3, 3), "float64"))
    g = np.ones((3, 3))
    (fast,) = L._cholesky_vjp(g, lo, None)
    np.testing.assert_array_equal(fast, K.cholesky_grad(g, lo))
    thunk, gb = L._solve_vjp(g, lo, lo, g)
    np.testing.assert_array_equal(gb, K.solve(lo.T, g))
    np.testing.assert_allclose(thunk(), -gb @ lo.T)
