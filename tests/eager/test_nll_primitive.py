"""``F.nll_loss``/``nn.NLLLoss`` of (N, C) float rows and N class indices, 'mean' or 'sum', no
weights: the nll primitive, one node named NllLossBackward0 (the eager lane's call and the
general path's, a trace's or an exporter's), against PyTorch's values and gradients (first
and second order); the gradient is exact (each row's one entry g / -N)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore.ops.nll_prim import nll_p

torch = pytest.importorskip("torch")


def _run(L, a, t, reduction, **kw):
    x = L.tensor(a, requires_grad=True)
    loss = L.nn.functional.nll_loss(L.log_softmax(x, 1), L.tensor(t), reduction=reduction,
                                    **kw)
    (loss * 1.5).backward()
    return loss, x.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("n,c", [(1, 59), (32, 10), (5, 3)])
@pytest.mark.parametrize("ignore_index", [-100, 2])
def test_values_and_gradients_match_torch(n, c, reduction, dtype, ignore_index):
    rng = np.random.default_rng(n * c)
    a = rng.standard_normal((n, c)).astype(dtype)
    t = (np.arange(n) * 7 + 1) % c
    t[t == ignore_index] = (ignore_index + 1) % c        # (an ignore_index that is no target)
    (lt, gt), (ld, gd) = (_run(L, a, t, reduction, ignore_index=ignore_index)
                          for L in (torch, dl))
    np.testing.assert_allclose(ld.item(), lt.item(), rtol=1e-6)
    np.testing.assert_allclose(gd, gt, rtol=1e-6, atol=1e-7)
    assert ld.grad_fn.name() == lt.grad_fn.name() == "NllLossBackward0"
    assert ld.grad_fn.prim is nll_p


def test_one_node_and_second_order_match_torch():
    rng = np.random.default_rng(1)
    a, w = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    t = np.array([0, 2, 1, 2])
    got = {}
    for L in (torch, dl):
        x = L.tensor(a, requires_grad=True)
        loss = L.nn.functional.nll_loss(x * L.tensor(w) * x, L.tensor(t))
        fn = loss.grad_fn
        assert [type(n).__name__ for n, _ in fn.next_functions][:1] == ["MulBackward0"]
        gx, = L.autograd.grad(loss, x, create_graph=True)
        (gx ** 2).sum().backward()
        got[L] = (gx.detach().numpy(), x.grad.numpy())
    for u, v in zip(got[dl], got[torch]):
        np.testing.assert_allclose(u, v, rtol=1e-12, atol=1e-15)


def test_other_cases_keep_their_paths_and_errors():
    a = np.zeros((3, 4), np.float32)
    for L in (torch, dl):
        with pytest.raises(IndexError, match="Target 4 is out of bounds"):
            L.nn.functional.nll_loss(L.tensor(a), L.tensor([0, 4, 1]))
        out = L.nn.functional.nll_loss(L.tensor(a), L.tensor([0, 1, 1]), reduction="none")
        assert tuple(out.shape) == (3,)
    got = dl.nn.functional.nll_loss(dl.tensor(a, requires_grad=True), dl.tensor([0, 1, 1]),
                                    weight=dl.ones(4))
    assert got.grad_fn.prim is not nll_p and got.item() == 0.0
