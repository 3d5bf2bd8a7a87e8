"""Scans, sorting, gather/scatter, norms and linear-algebra composites through dlcore_eager,
against real PyTorch (values, gradients, named-tuple results, keyword names)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

X = np.random.default_rng(3).standard_normal((3, 4))


def _both(values=X, requires_grad=True):
    return (dt.tensor(values, requires_grad=requires_grad),
            torch.tensor(values, requires_grad=requires_grad))


def _check(fa, fb, values=X, grad=True):
    a, b = _both(values, grad)
    ya, yb = fa(a), fb(b)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-9, atol=1e-12)
    if grad:
        g = np.random.default_rng(1).standard_normal(tuple(yb.shape))
        ya.backward(dt.tensor(g))
        yb.backward(torch.tensor(g))
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-8, atol=1e-10)


CASES = {
    "cumsum": lambda m, x: m.cumsum(x, dim=1),
    "cumsum_method": lambda m, x: x.cumsum(0),
    "cumprod": lambda m, x: m.cumprod(x, 1),
    "logcumsumexp": lambda m, x: m.logcumsumexp(x, 0),
    "sort_values": lambda m, x: m.sort(x, dim=1, descending=True).values,
    "topk": lambda m, x: m.topk(x, 2).values,
    "kthvalue": lambda m, x: m.kthvalue(x, 2, dim=0).values,
    "median_dim": lambda m, x: x.median(dim=1).values,
    "gather": lambda m, x: m.gather(x, 1, m.tensor([[0, 0], [3, 1], [2, 2]])),
    "scatter_add": lambda m, x: m.zeros(3, 5, dtype=x.dtype).scatter_add(
        1, m.tensor([[0, 1, 0, 4]] * 3), x),
    "diagonal": lambda m, x: m.diagonal(x, 1),
    "diag": lambda m, x: m.diag(x[0], -1),
    "trace": lambda m, x: m.trace(x),
    "tril": lambda m, x: m.tril(x, -1),
    "triu": lambda m, x: x.triu(1),
    "vector_norm": lambda m, x: m.linalg.vector_norm(x, ord=3, dim=1),
    "linalg_norm": lambda m, x: m.linalg.norm(x),
    "dist": lambda m, x: m.dist(x, x[0] * 0.5),
    "cdist": lambda m, x: m.cdist(x, x[:2] + 1.0),
    "addmm": lambda m, x: m.addmm(x[:, :2], x, x.T[:, :2], beta=0.5, alpha=2.0),
    "mv": lambda m, x: m.mv(x, x[0]),
    "matrix_power": lambda m, x: m.matrix_power(x[:, :3], 3),
    "einsum": lambda m, x: m.einsum("ij,kj->ik", x, x),
    "einsum_list": lambda m, x: m.einsum("ij->", [x]),
    "cross": lambda m, x: m.linalg.cross(x[:, :3], x[:, 1:]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name):
    f = CASES[name]
    _check(lambda x: f(dt, x), lambda x: f(torch, x))


def test_index_results_and_int_scans():
    a, b = _both(X, False)
    for fa, fb in [(lambda x: x.sort(1).indices, lambda x: x.sort(1).indices),
                   (lambda x: dt.argsort(x, dim=0, descending=True),
                    lambda x: torch.argsort(x, dim=0, descending=True)),
                   (lambda x: dt.topk(x, 3, dim=1, largest=False).indices,
                    lambda x: torch.topk(x, 3, dim=1, largest=False).indices)]:
        np.testing.assert_array_equal(fa(a).numpy(), fb(b).numpy())
    v, i = dt.sort(dt.tensor([2, 1, 2, 1]), stable=True)
    np.testing.assert_array_equal(i.numpy(), [1, 3, 0, 2])
    c = dt.cumsum(dt.tensor([True, True, False]), 0)
    assert c.dtype == dt.int64 and c.tolist() == [1, 2, 2]
    assert dt.count_nonzero(dt.tensor([[0, 1], [2, 0]]), dim=0).tolist() == [1, 1]
    mn, mx = dt.aminmax(dt.tensor([3.0, -1.0, 2.0]))
    assert (mn.item(), mx.item()) == (-1.0, 3.0)
    np.testing.assert_allclose(dt.median(a).item(), torch.median(b).item())
    s = dt.zeros(2, 3).scatter_(1, dt.tensor([[2], [0]]), dt.ones(2, 1))
    np.testing.assert_array_equal(s.numpy(), torch.zeros(2, 3).scatter_(
        1, torch.tensor([[2], [0]]), torch.ones(2, 1)).numpy())
    s2 = dt.zeros(2, 3).scatter(1, dt.tensor([[1], [2]]), value=5.0)
    np.testing.assert_array_equal(s2.numpy(), [[0, 5, 0], [0, 0, 5]])


def test_errors_name_the_problem():
    with pytest.raises(Exception, match="out of bounds"):
        dt.gather(dt.tensor(X), 1, dt.tensor([[9]]))
    with pytest.raises(Exception, match="k .*out of range"):
        dt.topk(dt.tensor(X), 9)
    with pytest.raises(RuntimeError, match="not part of any ellipsis"):
        dt.einsum("..i->i", dt.tensor(X))
    with pytest.raises(Exception, match="does not match the number of dimensions"):
        dt.einsum("i->i", dt.tensor(X))


def test_unique_and_mode_match_torch():
    x = np.array([[3, 1, 2, 3, 1, 1], [5, 5, 4, 4, 0, 9]])
    for kw in [{}, {"return_inverse": True}, {"return_counts": True},
               {"return_inverse": True, "return_counts": True}]:
        a, b = dt.unique(dt.tensor(x), **kw), torch.unique(torch.tensor(x), **kw)
        a, b = (a if isinstance(a, tuple) else (a,)), (b if isinstance(b, tuple) else (b,))
        assert [u.tolist() for u in a] == [v.tolist() for v in b], kw
    for d in (0, 1, -1):
        for kd in (False, True):
            a, b = dt.mode(dt.tensor(x), d, kd), torch.mode(torch.tensor(x), d, kd)
            assert a.values.tolist() == b.values.tolist()
            assert a.indices.tolist() == b.indices.tolist()


def test_new_factory_methods_take_the_tensors_dtype():
    x = dt.ones(2, dtype=dt.float64)
    assert x.new_zeros(2, 3).dtype == dt.float64 and x.new_zeros((2, 3)).shape == (2, 3)
    assert x.new_ones(2, dtype=dt.int64).dtype == dt.int64
    assert x.new_full((2,), 7.0).tolist() == [7.0, 7.0]
    assert x.new_tensor([1, 2]).dtype == dt.float64 and x.new_empty(4).shape == (4,)
