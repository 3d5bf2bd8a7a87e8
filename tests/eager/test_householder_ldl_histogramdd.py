"""torch.linalg.householder_product (orgqr), torch.linalg.ldl_factor(_ex)/ldl_solve and
torch.histogramdd against the real PyTorch 2.13: values, gradients where PyTorch has them, and
errors by type and message."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(1313)


def _both(x):
    return dt.tensor(x), torch.tensor(x)


# ----------------------------------------------------------------------------- householder
@pytest.mark.parametrize("shape,k", [((4, 3), 2), ((2, 5, 3), 3), ((3, 3), 0), ((4, 2), 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_householder_product_values(shape, k, dtype):
    a, A = _both(RNG.standard_normal(shape).astype(dtype))
    t, T = _both(RNG.standard_normal(shape[:-2] + (k,)).astype(dtype))
    got, want = dt.linalg.householder_product(a, t), torch.linalg.householder_product(A, T)
    assert got.dtype == dt.float32 if dtype == np.float32 else got.dtype == dt.float64
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(dt.orgqr(a, t).numpy(), want.numpy(), rtol=tol, atol=tol)


def test_householder_product_of_geqrf_is_q_and_gradients_match_torch():
    A = torch.tensor(RNG.standard_normal((2, 5, 3)))
    h, tau = torch.geqrf(A)
    got = dt.linalg.householder_product(dt.tensor(h.numpy()), dt.tensor(tau.numpy()))
    np.testing.assert_allclose(got.numpy(), torch.linalg.qr(A)[0].numpy(), atol=1e-12)
    a = dt.tensor(h.numpy()).requires_grad_()
    t = dt.tensor(tau.numpy()).requires_grad_()
    H, T = h.clone().requires_grad_(), tau.clone().requires_grad_()
    g = RNG.standard_normal((2, 5, 3))
    dt.linalg.householder_product(a, t).backward(dt.tensor(g))
    torch.linalg.householder_product(H, T).backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), H.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(t.grad.numpy(), T.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("a_shape,t_shape,a_dtype,t_dtype", [
    ((3,), (2,), "float64", "float64"),
    ((2, 3), (2,), "float64", "float64"),
    ((4, 3), (4,), "float64", "float64"),
    ((4, 3), (1, 2), "float64", "float64"),
    ((2, 4, 3), (3, 2), "float64", "float64"),
    ((4, 3), (2,), "float32", "float64"),
    ((4, 3), (2,), "int32", "int32"),
])
def test_householder_product_errors(a_shape, t_shape, a_dtype, t_dtype):
    a, t = np.ones(a_shape, a_dtype), np.ones(t_shape, t_dtype)
    with pytest.raises(Exception) as want:
        torch.linalg.householder_product(torch.tensor(a), torch.tensor(t))
    with pytest.raises(type(want.value)) as got:
        dt.linalg.householder_product(dt.tensor(a), dt.tensor(t))
    assert str(got.value) == str(want.value)


# ----------------------------------------------------------------------------- LDL^T
def _sym(shape, small_diag=False, dtype=np.float64):
    a = RNG.standard_normal(shape)
    a = a + np.swapaxes(a, -1, -2)
    if small_diag:                      # forces 2 x 2 pivot blocks
        idx = np.arange(shape[-1])
        a[..., idx, idx] = 0.01
    return a.astype(dtype)


@pytest.mark.parametrize("shape,small", [((4, 4), False), ((4, 4), True), ((2, 5, 5), True),
                                         ((1, 1), False), ((0, 0), False)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ldl_factor_and_solve_match_torch(shape, small, dtype):
    a, A = _both(_sym(shape, small, dtype))
    ld, piv = dt.linalg.ldl_factor(a)
    LD, PIV = torch.linalg.ldl_factor(A)
    assert piv.dtype == dt.int32 and ld.dtype == a.dtype
    np.testing.assert_array_equal(piv.numpy(), PIV.numpy())
    tol = 2e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(ld.numpy(), LD.numpy(), rtol=tol, atol=tol)
    ex = dt.linalg.ldl_factor_ex(a)
    assert ex.info.tolist() == torch.linalg.ldl_factor_ex(A).info.tolist()
    b, B = _both(RNG.standard_normal(shape[:-1] + (3,)).astype(dtype))
    np.testing.assert_allclose(dt.linalg.ldl_solve(ld, piv, b).numpy(),
                               torch.linalg.ldl_solve(LD, PIV, B).numpy(),
                               rtol=20 * tol, atol=20 * tol)


def test_ldl_pivots_include_2x2_blocks_and_solve_broadcasts():
    a, A = _both(_sym((3, 4, 4), True))
    piv = dt.linalg.ldl_factor(a).pivots
    assert (piv.numpy() < 0).any()
    ld, piv = dt.linalg.ldl_factor(a)
    b = RNG.standard_normal((4, 2))                 # one right-hand side for the whole batch
    got = dt.linalg.ldl_solve(ld, piv.long(), dt.tensor(b))
    want = torch.linalg.ldl_solve(*torch.linalg.ldl_factor(A), torch.tensor(b))
    assert tuple(got.shape) == tuple(want.shape) == (3, 4, 2)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(np.asarray(A) @ got.numpy(), np.broadcast_to(b, (3, 4, 2)),
                               atol=1e-10)


def test_ldl_zero_pivot_info_and_error():
    z = np.zeros((2, 3, 3))
    z[1] = np.eye(3)
    assert dt.linalg.ldl_factor_ex(dt.tensor(z)).info.tolist() == \
        torch.linalg.ldl_factor_ex(torch.tensor(z)).info.tolist() == [1, 0]
    with pytest.raises(RuntimeError, match=r"ldl_factor: \(Batch element 0\): The "
                                           "factorization could not be completed"):
        dt.linalg.ldl_factor(dt.tensor(z))


LDL_ERRORS = {
    "not square": lambda m: m.linalg.ldl_factor(m.ones(3, 4)),
    "1-d": lambda m: m.linalg.ldl_factor(m.ones(3)),
    "int": lambda m: m.linalg.ldl_factor(m.ones(3, 3, dtype=m.int32)),
    "half": lambda m: m.linalg.ldl_factor(m.eye(3).half()),
    "b rows": lambda m: m.linalg.ldl_solve(m.eye(3), m.ones(3, dtype=m.int32), m.ones(4, 2)),
    "b dtype": lambda m: m.linalg.ldl_solve(m.eye(3), m.ones(3, dtype=m.int32),
                                            m.ones(3, 2, dtype=m.float64)),
    "pivots shape": lambda m: m.linalg.ldl_solve(m.eye(3), m.ones(2, dtype=m.int32),
                                                 m.ones(3, 2)),
    "b 1-d": lambda m: m.linalg.ldl_solve(m.eye(3), m.ones(3, dtype=m.int32), m.ones(3)),
}


@pytest.mark.parametrize("name", sorted(LDL_ERRORS))
def test_ldl_errors_match_torch(name):
    with pytest.raises(Exception) as want:
        LDL_ERRORS[name](torch)
    with pytest.raises(type(want.value)) as got:
        LDL_ERRORS[name](dt)
    assert str(got.value) == str(want.value)


# ----------------------------------------------------------------------------- histogramdd
PTS = RNG.standard_normal((60, 2)).astype(np.float32)
W = RNG.uniform(0, 2, 60).astype(np.float32)

HISTDD = {
    "bins list": dict(bins=[3, 4]),
    "range, density": dict(bins=3, range=[-1.0, 1.0, -2.0, 2.0], density=True),
    "weights": dict(bins=[4, 2], weight=W),
    "edges": dict(bins=[np.array([-1.0, 0.0, 1.0], np.float32),
                        np.array([-3.0, 0.0, 0.5, 3.0], np.float32)]),
}


@pytest.mark.parametrize("name", sorted(HISTDD))
def test_histogramdd_matches_torch(name):
    def kw(m):
        out = {}
        for k, v in HISTDD[name].items():
            if isinstance(v, np.ndarray):
                v = m.tensor(v)
            elif isinstance(v, list) and isinstance(v[0], np.ndarray):
                v = [m.tensor(e) for e in v]
            out[k] = v
        return out
    got, want = dt.histogramdd(dt.tensor(PTS), **kw(dt)), torch.histogramdd(torch.tensor(PTS),
                                                                            **kw(torch))
    assert got.hist.dtype == dt.float32 and len(got.bin_edges) == len(want.bin_edges)
    np.testing.assert_allclose(got.hist.numpy(), want.hist.numpy(), rtol=1e-6)
    for e, E in zip(got.bin_edges, want.bin_edges):
        np.testing.assert_allclose(e.numpy(), E.numpy(), rtol=1e-6, atol=1e-6)


def test_histogramdd_batch_points_empty_and_constant():
    x = RNG.standard_normal((2, 3, 2))
    assert tuple(dt.histogramdd(dt.tensor(x), bins=2).hist.shape) == (2, 2)
    assert dt.histogramdd(dt.tensor(x), bins=2).hist.sum().item() == 6
    for data in (np.zeros((0, 2), np.float32), np.ones((4, 1), np.float32)):
        got, want = dt.histogramdd(dt.tensor(data), bins=2), torch.histogramdd(
            torch.tensor(data), bins=2)
        np.testing.assert_array_equal(got.hist.numpy(), want.hist.numpy())
        for e, E in zip(got.bin_edges, want.bin_edges):
            np.testing.assert_array_equal(e.numpy(), E.numpy())


HISTDD_ERRORS = {
    "bins size": lambda m, x: m.histogramdd(x, bins=[3, 4, 5]),
    "bins 0": lambda m, x: m.histogramdd(x, bins=[3, 0]),
    "min > max": lambda m, x: m.histogramdd(x, bins=3, range=[1.0, 0.0, 0.0, 1.0]),
    "range size": lambda m, x: m.histogramdd(x, bins=3, range=[0.0, 1.0]),
    "int": lambda m, x: m.histogramdd(x.int(), bins=3),
    "weight shape": lambda m, x: m.histogramdd(x, bins=3, weight=m.ones(9)),
    "1-d": lambda m, x: m.histogramdd(x[:, 0], bins=3),
}


@pytest.mark.parametrize("name", sorted(HISTDD_ERRORS))
def test_histogramdd_errors_match_torch(name):
    with pytest.raises(Exception) as want:
        HISTDD_ERRORS[name](torch, torch.tensor(PTS))
    with pytest.raises(type(want.value)) as got:
        HISTDD_ERRORS[name](dt, dt.tensor(PTS))
    assert str(got.value) == str(want.value)
