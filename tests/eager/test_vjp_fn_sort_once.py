"""``func.vjp``'s ``vjp_fn`` sorts its retained graph once (``_buffer_pass.ORDERS``): a jacrev's
rows reuse the first pass's order; the gradients are those of a fresh sort, a pass that does
not retain the graph never caches, and nothing is cached outside ``vjp_fn``."""

import numpy as np
import pytest

import dlcore_eager as E
from dlcore_eager.autograd import _buffer_pass as bp


def _f(x, w):
    return E.tanh(x @ w).sum(0) * x.sum()


def test_rows_sort_once_and_match_fresh_sorts(monkeypatch):
    rng = np.random.default_rng(0)
    x = E.tensor(rng.standard_normal((3, 4)))
    w = E.tensor(rng.standard_normal((4, 5)))
    calls = []
    real = bp._order

    def counting(roots, wanted):
        calls.append(1)
        return real(roots, wanted)

    monkeypatch.setattr(bp, "_order", counting)
    _, vjp_fn = E.func.vjp(_f, x, w)
    rows = [vjp_fn(E.tensor(np.eye(5)[k])) for k in range(5)]
    assert len(calls) == 1
    assert bp.ORDERS.get() is None
    # each row against the same vjp_fn with a fresh sort every pass: the same bits
    monkeypatch.setattr(bp, "_sorted", lambda roots, wanted, retain: real(roots, wanted))
    _, fresh = E.func.vjp(_f, x, w)
    for k, (gx, gw) in enumerate(rows):
        ex, ew = fresh(E.tensor(np.eye(5)[k]))
        assert gx.numpy().tobytes() == ex.numpy().tobytes()
        assert gw.numpy().tobytes() == ew.numpy().tobytes()
    jac = E.func.jacrev(_f, argnums=1)(x, w)
    np.testing.assert_allclose(jac.numpy()[2], rows[2][1].numpy(), rtol=1e-12)


def test_a_pass_that_frees_its_graph_is_not_cached():
    cache: dict = {}
    token = bp.ORDERS.set(cache)
    try:
        x = E.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()                    # (retain_graph False)
        assert cache == {}
        y = (x * 3).sum()
        y.backward(retain_graph=True)
        assert len(cache) == 1
        y.backward()
    finally:
        bp.ORDERS.reset(token)
    np.testing.assert_array_equal(x.grad.numpy(), [2.0 + 6.0, 4.0 + 6.0])


def test_hessians_through_nested_vjps_are_torchs():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(1).standard_normal(4)

    def f(lib):
        return lambda v: (lib.sin(v) * v).sum() ** 2
    hd = E.func.hessian(f(E))(E.tensor(a))
    ht = torch.func.hessian(f(torch))(torch.tensor(a))
    np.testing.assert_allclose(hd.numpy(), ht.numpy(), rtol=1e-10)
