"""The small-tensor fast paths of issue 19 (view/reshape, t(), stack, F.linear, argmax,
max(x, dim), x[index_tensor]) give what PyTorch gives: values, gradients, grad_fn names, the
shared version counter of a view, and the general path's behaviour under tracing.  Each case is
run twice: the first call fills the rule caches, the second takes the fast path."""

import numpy as np
import pytest
import torch

import dlcore_eager as dt

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4)).astype(np.float32)
W = RNG.standard_normal((5, 4)).astype(np.float32)
B = RNG.standard_normal(5).astype(np.float32)


def _name(T, t):
    g = t.grad_fn
    return None if g is None else (type(g).__name__ if T is torch else g.name())


CASES = {
    "view": lambda T, x, w, b: x.view(-1),
    "view tuple": lambda T, x, w, b: x.view((2, 6)),
    "reshape": lambda T, x, w, b: x.reshape(4, 3),
    "t": lambda T, x, w, b: x.t(),
    "stack dim 0": lambda T, x, w, b: T.stack([x, x * 2]),
    "stack dim -1": lambda T, x, w, b: T.stack([x, x * 2], -1),
    "linear": lambda T, x, w, b: T.nn.functional.linear(x, w, b),
    "linear no bias": lambda T, x, w, b: T.nn.functional.linear(x, w),
    "max dim": lambda T, x, w, b: T.max(x, 1)[0],
    "max dim keepdim": lambda T, x, w, b: x.max(0, keepdim=True)[0],
    "index tensor": lambda T, x, w, b: x[T.tensor([2, -1, 0])],
    "expand": lambda T, x, w, b: x[:, :1].expand(3, 5),
}


@pytest.mark.parametrize("case", list(CASES))
def test_fast_path_matches_torch(case):
    fn = CASES[case]
    got = {}
    for T in (torch, dt):
        for _ in range(2):
            x = T.tensor(A, requires_grad=True)
            w = T.tensor(W, requires_grad=True)
            b = T.tensor(B, requires_grad=True)
            y = fn(T, x, w, b)
            seed = np.arange(y.numel(), dtype=np.float32).reshape(tuple(y.shape))
            (y * T.tensor(seed)).sum().backward()
        got[T] = (y.detach().numpy(), x.grad.numpy(), None if w.grad is None else w.grad.numpy(),
                  None if b.grad is None else b.grad.numpy(), _name(T, y), tuple(y.shape))
    t, d = got[torch], got[dt]
    assert d[4:] == t[4:]
    for u, v in zip(t[:4], d[:4]):
        assert (u is None) == (v is None)
        if u is not None:
            np.testing.assert_allclose(v, u, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_argmax_and_max_indices_match_torch(dim):
    x = A.copy()
    x[1, 2] = x[1, 0] = 9.0                    # a tie: the first index wins
    for _ in range(2):
        t, d = torch.tensor(x), dt.tensor(x)
        if dim is None:
            assert d.argmax().item() == t.argmax().item()
        else:
            np.testing.assert_array_equal(d.argmax(dim).numpy(), t.argmax(dim).numpy())
            dv, di = dt.max(dt.tensor(x, requires_grad=True), dim)
            tv, ti = torch.max(torch.tensor(x, requires_grad=True), dim)
            np.testing.assert_array_equal(di.numpy(), ti.numpy())
            np.testing.assert_array_equal(dv.detach().numpy(), tv.detach().numpy())


def test_view_fast_path_shares_memory_and_version():
    x = dt.zeros(2, 3)
    x.view(-1)                                  # (fills the rule cache)
    v = x.view(-1)
    v.add_(1.0)
    assert x._vc is v._vc and x.sum().item() == 6.0
    w = dt.tensor(A, requires_grad=True)
    y = w * 1.0
    y.t()
    z = y.t()
    y.mul_(3.0)                                 # z's history is remade from y's new one
    z.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), np.full(A.shape, 3.0, np.float32))


def test_max_indices_changed_in_place_fail_backward_as_torch():
    for T in (torch, dt):
        x = T.tensor([[1.0, 5.0, 2.0]], requires_grad=True)
        v, i = T.max(x, 1)
        i.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            v.sum().backward()


def test_traced_view_and_linear_are_recorded():
    """The fast paths step aside while a trace records primitives (jit.trace)."""
    lin = dt.nn.Linear(4, 5)
    f = lambda x: lin(x.view(-1).view(3, 4)).t()                    # noqa: E731
    x = dt.tensor(A)
    f(x)
    traced = dt.jit.trace(f, (x,))
    x2 = dt.tensor(A * 2)
    np.testing.assert_allclose(traced(x2).detach().numpy(), f(x2).detach().numpy(), rtol=1e-6)
