"""Gradients through many basic slices of one tensor (the tree network's embedding rows), which
the eager engine sums as slice pieces (dlcore_eager/autograd/_slice_grad.py) instead of dense
zeros-and-adds: the values, hooks, retain_grad, autograd.grad and accumulation must be
PyTorch's."""

import numpy as np
import pytest
import torch

import dlcore_eager as dt


def _both(fn, *arrays, dtype=np.float32):
    """``fn(lib, *leaves)`` in both libraries; returns (dlcore leaves, torch leaves, outs)."""
    ours = [dt.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    ref = [torch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    return ours, ref, fn(dt, *ours), fn(torch, *ref)


def _rows(lib, E, W):
    # rows used once, twice (3) and through an int index (E[5] is a view of one row)
    hs = [E[w:w + 1] for w in (0, 3, 2, 3, 7)] + [E[5].reshape(1, -1), E[-2:]]
    h = lib.cat(hs, 0)
    return lib.tanh(h.mm(W)).pow(2).sum()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_many_row_slices_match_torch(dtype, monkeypatch):
    from dlcore_eager.autograd import _slice_grad
    joined = []
    join = _slice_grad.SliceGrad.join
    monkeypatch.setattr(_slice_grad.SliceGrad, "join",
                        lambda self, other: joined.append(1) or join(self, other))
    rng = np.random.default_rng(0)
    E, W = rng.standard_normal((9, 4)), rng.standard_normal((4, 3))
    ours, ref, lo, lr = _both(_rows, E, W, dtype=dtype)
    lo.backward()
    lr.backward()
    for a, b in zip(ours, ref):
        assert a.grad.dtype == (dt.float32 if dtype is np.float32 else dt.float64)
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6, atol=1e-6)
        assert a.grad.is_contiguous() and tuple(a.grad.shape) == tuple(b.grad.shape)
    assert len(joined) == 6                 # (the path under test: E's 7 slices, joined)


def test_slices_mixed_with_dense_use_and_second_backward_accumulates():
    rng = np.random.default_rng(1)
    E = rng.standard_normal((6, 3))

    def f(lib, E):        # a dense cotangent before, between and after the slice pieces
        return (E * 2).sum() + (E[1:2] * 3).sum() + E.pow(2).sum() + (E[1:3] ** 3).sum()

    ours, ref, lo, lr = _both(f, E)
    lo.backward()
    lr.backward()
    f(dt, *ours).backward()          # into the existing .grad
    f(torch, *ref).backward()
    np.testing.assert_allclose(ours[0].grad.numpy(), ref[0].grad.numpy(), rtol=1e-6)


def test_hook_retain_grad_and_autograd_grad_see_dense_tensors():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 2))
    seen = {}

    def f(lib, x):
        h = x * 1.5
        h.retain_grad()
        h.register_hook(lambda g: seen.setdefault(lib.__name__, g.clone()))
        out = (h[0:1] * h[4:5]).sum() + h[0].sum() + h[2:4].sum()
        return h, out

    ours, ref, (ho, lo), (hr, lr) = _both(f, x)
    lo.backward()
    lr.backward()
    np.testing.assert_allclose(ho.grad.numpy(), hr.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(seen["dlcore_eager"].numpy(), seen["torch"].numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours[0].grad.numpy(), ref[0].grad.numpy(), rtol=1e-6)
    xo = dt.tensor(x, requires_grad=True)
    (go,) = dt.autograd.grad((xo[1:2] * 2).sum() + xo[1:3].sum(), [xo])
    xr = torch.tensor(x, requires_grad=True)
    (gr,) = torch.autograd.grad((xr[1:2] * 2).sum() + xr[1:3].sum(), [xr])
    assert type(go) is dt.Tensor and go.grad_fn is None
    np.testing.assert_allclose(go.numpy(), gr.numpy(), rtol=1e-6)


def test_leaf_hook_replacing_the_slice_gradient():
    x = np.arange(8.0).reshape(4, 2)

    def f(lib, x):
        x.register_hook(lambda g: g * 10)
        return (x[1:2] * x[1:2]).sum() + x[3].sum()

    ours, ref, lo, lr = _both(f, x)
    lo.backward()
    lr.backward()
    np.testing.assert_allclose(ours[0].grad.numpy(), ref[0].grad.numpy())


def test_non_finite_cotangents_through_slices():
    x = np.ones((3, 2))

    def f(lib, x):
        return (x[0:1] * float("inf")).sum() + (x[0:1] * float("-inf")).sum() + x[2].sum()

    ours, ref, lo, lr = _both(f, x)
    lo.backward()
    lr.backward()
    np.testing.assert_array_equal(ours[0].grad.numpy(), ref[0].grad.numpy())


def test_create_graph_through_slices_still_differentiable():
    x = np.array([[0.5, -1.0], [2.0, 0.25], [1.0, 3.0]])
    for lib in (dt, torch):
        t = lib.tensor(x, requires_grad=True)
        (g,) = lib.autograd.grad((t[0:1] ** 3).sum() + (t[0:2] ** 2).sum(), [t],
                                 create_graph=True)
        g.sum().backward()
        if lib is dt:
            ours = (g.detach().numpy(), t.grad.numpy())
        else:
            np.testing.assert_allclose(ours[0], g.detach().numpy())
            np.testing.assert_allclose(ours[1], t.grad.numpy())
