"""The sparse cross-entropy's CPU row loops (dlcore/kernels/cpu/_jit_xent.py) and its fused
gradient primitive ``sparse_softmax_xent_grad`` (dlcore/ops/softmax_prims.py): the vectorised
float32 exponential against float64, special rows, labels outside [0, C), and the gradient
(first and second order) against PyTorch's cross_entropy."""

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore.kernels.cpu import softmax as K

torch = pytest.importorskip("torch")


def _ref(x, k):
    x = x.astype(np.float64)
    m = x.max(-1, keepdims=True)
    lse = m[..., 0] + np.log(np.exp(x - m).sum(-1))
    p = np.exp(x - lse[..., None])
    return lse - np.take_along_axis(x, k[..., None], -1)[..., 0], p - np.eye(x.shape[-1])[k]


@pytest.mark.parametrize("dtype,rtol", [(np.float32, 2e-6), (np.float64, 1e-13)])
def test_rows_against_float64(dtype, rtol):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((7, 301)) * np.array([[0.1], [1], [5], [20], [40], [60], [90]]))
    x = x.astype(dtype)
    k = rng.integers(0, 301, 7)
    g = rng.standard_normal(7).astype(dtype)
    want_y, want_q = _ref(x, k)
    np.testing.assert_allclose(K.sparse_xent(x, k), want_y, rtol=rtol, atol=rtol)
    got = K.sparse_xent_grad(g, x, k)
    assert got.dtype == dtype
    np.testing.assert_allclose(got, want_q * g[:, None], rtol=rtol * 4,
                               atol=1e-37 if dtype == np.float32 else 1e-300)


def test_float32_exponential_over_its_range():
    # one row whose maximum is 0: e_j = exp(x_j), compared for x in [-87, 0]; below e^-87 the
    # float32 result is 0 (subnormal range), as PyTorch's vectorised exp flushes it
    x = np.concatenate([[0.0], np.linspace(-87, 0, 20001), [-87.5, -100, -np.inf]])
    x = x.astype(np.float32)[None]
    q = K.sparse_xent_grad(np.ones(1, np.float32), x, np.array([0]))[0]
    s = np.exp(x[0].astype(np.float64)).sum()
    p = np.exp(x[0].astype(np.float64)) / s
    big = p > 1e-30                       # (smaller ones are float32 subnormals once scaled)
    big[0] = False                        # the label's entry: p - 1
    assert big[1:-3].sum() > 10000
    np.testing.assert_allclose(q[big], p[big], rtol=4e-7)
    small = ~big
    small[0] = small[-3:] = False
    # the normaliser is summed in float32 blocks of SUM_BLOCK terms (7de4c5c), so every entry
    # carries its ~3e-7 relative error, as the large ones do; PyTorch 2.13's own gradient of
    # this row is off by up to 3.2e-6 relative
    np.testing.assert_allclose(q[small], p[small], rtol=4e-7, atol=1e-44)
    assert (q[-3:] == 0).all()


def test_special_rows_and_bad_labels():
    x = np.array([[1.0, np.nan, 0.0], [1.0, np.inf, 2.0], [-np.inf] * 3, [-1e4, 0.0, 1e4]],
                 np.float32)
    k = np.array([0, 1, 2, 2])
    y = K.sparse_xent(x, k)
    q = K.sparse_xent_grad(np.ones(4, np.float32), x, k)
    assert np.isnan(y[:3]).all() and np.isnan(q[:3]).all()
    np.testing.assert_allclose(y[3], 0.0, atol=1e-6)
    np.testing.assert_allclose(q[3], [0.0, 0.0, 0.0], atol=1e-6)
    for fn in (lambda: K.sparse_xent(x, np.array([0, 3, 0, 0])),
               lambda: K.sparse_xent_grad(np.ones(4, np.float32), x, np.array([0, 0, -1, 0]))):
        with pytest.raises(IndexError, match=r"outside the valid range of \[0, 3\)"):
            fn()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_long_rows_with_nan_inf_and_minus_inf_equal_torch(dtype):
    # rows longer than the row maximum's 8 running maxima, with the special value in the
    # vectorised part and in the tail: a NaN (skipped by the maximum) still makes its row NaN
    rng = np.random.default_rng(3)
    x = rng.standard_normal((8, 37)).astype(dtype)
    x[0, 5] = x[1, 36] = np.nan             # NaN in the 8-wide part / in the tail
    x[2, 9] = x[3, 34] = np.inf
    x[4, :] = -np.inf
    x[5, 3] = x[5, 35] = -np.inf            # -inf entries off the label: finite
    x[6, 0] = np.nan                        # NaN in the first lane, the maximum elsewhere
    x[7, 12] = 50.0                         # the maximum in one lane, others far below
    k = np.array([1, 2, 3, 4, 5, 6, 7, 12])
    g = rng.standard_normal(8).astype(dtype)
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.nn.functional.cross_entropy(xt, torch.tensor(k), reduction="none")
    yt.backward(torch.tensor(g))
    rtol = 2e-6 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(K.sparse_xent(x, k), yt.detach().numpy(), rtol=rtol,
                               atol=rtol)
    np.testing.assert_allclose(K.sparse_xent_grad(g, x, k), xt.grad.numpy(), rtol=rtol * 4,
                               atol=rtol)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cross_entropy_gradients_equal_torch(dtype):
    rng = np.random.default_rng(2)
    x, k = rng.standard_normal((6, 9)).astype(dtype), rng.integers(0, 9, 6)
    a, b = dt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    la = dt.nn.functional.cross_entropy(a, dt.tensor(k))
    lb = torch.nn.functional.cross_entropy(b, torch.tensor(k))
    tol = 1e-6 if dtype == "float32" else 1e-13
    np.testing.assert_allclose(la.item(), lb.item(), rtol=tol)
    ga, = dt.autograd.grad(la, a, create_graph=True)
    gb, = torch.autograd.grad(lb, b, create_graph=True)
    np.testing.assert_allclose(ga.detach().numpy(), gb.detach().numpy(), rtol=tol, atol=tol / 10)
    w = rng.standard_normal((6, 9)).astype(dtype)
    ha, = dt.autograd.grad((ga * dt.tensor(w)).sum(), a)
    hb, = torch.autograd.grad((gb * torch.tensor(w)).sum(), b)
    np.testing.assert_allclose(ha.numpy(), hb.numpy(), rtol=tol * 10, atol=tol)
