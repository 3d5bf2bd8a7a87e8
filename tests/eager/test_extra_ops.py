"""Everyday torch functions added in dlcore_eager/_extra_ops.py, against the real PyTorch:
values (and input gradients where differentiable), and errors by message."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(11)
A = RNG.standard_normal((3, 4)).astype(np.float32)
B = RNG.standard_normal((2, 3)).astype(np.float32)
V = np.array([1.0, 2.0, 4.0, 7.0, 7.0, 11.0], np.float32)

DIFFERENTIABLE = {
    "hstack": lambda m, a, b: m.hstack([a, a * 2]),
    "vstack": lambda m, a, b: m.vstack([a, a[0]]),
    "dstack": lambda m, a, b: m.dstack([a, a]),
    "column_stack": lambda m, a, b: m.column_stack([a[:, 0], a]),
    "atleast_3d": lambda m, a, b: m.atleast_3d(a[0]),
    "tensor_split int": lambda m, a, b: m.cat(m.tensor_split(a, 3, 1), 1) * m.arange(4.0),
    "tensor_split idx": lambda m, a, b: m.tensor_split(a, [1, 3], 1)[1] * 3,
    "hsplit": lambda m, a, b: m.hsplit(a, 2)[1],
    "select": lambda m, a, b: m.select(a, 1, -1),
    "select dim 0": lambda m, a, b: a.select(0, 2) * m.arange(4.0) + a.select(-2, -3),
    "select tensor index": lambda m, a, b: m.select(a, 1, m.tensor(2)),
    "take": lambda m, a, b: m.take(a, m.tensor([[0, 5], [11, 2]])),
    "take_along_dim": lambda m, a, b: m.take_along_dim(a, m.tensor([[1], [0], [3]]), 1),
    "diff": lambda m, a, b: m.diff(a, n=2, dim=1),
    "diff prepend": lambda m, a, b: m.diff(a, dim=0, prepend=a[:1] * 0),
    "kron": lambda m, a, b: m.kron(a, b),
    "block_diag": lambda m, a, b: m.block_diag(a, b, a[0, 0]),
    "diag_embed": lambda m, a, b: m.diag_embed(a, offset=1),
    "diag_embed neg": lambda m, a, b: m.diag_embed(a, offset=-1, dim1=0, dim2=2),
    "rot90": lambda m, a, b: m.rot90(a, 1, [0, 1]) * m.arange(12.0).reshape(4, 3),
    "rot90 k3": lambda m, a, b: m.rot90(a, -1, [1, 0]),
    "xlogy": lambda m, a, b: m.xlogy(a * (a > 0), a.abs() + 0.5),
    "sinc": lambda m, a, b: m.sinc(a),
    "nansum": lambda m, a, b: m.nansum(m.where(a > 1, m.tensor(float("nan")), a), 1),
    "nanmean": lambda m, a, b: m.nanmean(m.where(a > 1, m.tensor(float("nan")), a), 0),
    "cummax": lambda m, a, b: m.cummax(a, 1).values * 2 + m.cummax(a, 1).indices,
    "cummin": lambda m, a, b: m.cummin(a, 0).values,
    "inner": lambda m, a, b: m.inner(a, a),
    "vdot": lambda m, a, b: m.vdot(a[0], a[1]),
    "meshgrid ij": lambda m, a, b: sum(g * (i + 1) for i, g in
                                       enumerate(m.meshgrid(a[0], a[:, 0], indexing="ij"))),
    "meshgrid xy": lambda m, a, b: sum(g * (i + 1) for i, g in
                                       enumerate(m.meshgrid(a[0], a[:, 0], indexing="xy"))),
    "broadcast_tensors": lambda m, a, b: sum(m.broadcast_tensors(a[:, :1], a[:1])),
}


@pytest.mark.parametrize("name", sorted(DIFFERENTIABLE))
def test_values_and_gradients_match_torch(name):
    f = DIFFERENTIABLE[name]
    got = []
    for m in (dt, torch):
        a = m.tensor(A, requires_grad=True)
        b = m.tensor(B, requires_grad=True)
        out = f(m, a, b)
        w = np.arange(out.numel(), dtype=np.float32).reshape(tuple(out.shape)) / 7
        (out * m.tensor(w)).sum().backward()
        got.append((out.detach().numpy(), a.grad.numpy() if a.grad is not None else None,
                    b.grad.numpy() if b.grad is not None else None))
    np.testing.assert_allclose(got[0][0], got[1][0], rtol=1e-5, atol=1e-6)
    for x, y in zip(got[0][1:], got[1][1:]):
        if y is None:
            assert x is None or not np.any(x)
        else:
            np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


INDEX = {
    "isclose": lambda m: m.isclose(m.tensor([1.0, float("nan"), 1e-9, float("inf")]),
                                   m.tensor([1.0 + 1e-6, float("nan"), 0.0, float("inf")]),
                                   equal_nan=True),
    "isin": lambda m: m.isin(m.tensor([[1, 2], [3, 4]]), m.tensor([2, 4, 9])),
    "isin invert": lambda m: m.isin(m.tensor([1, 2, 3]), m.tensor([2]), invert=True),
    "searchsorted": lambda m: m.searchsorted(m.tensor(V), m.tensor([0.0, 7.0, 12.0, 3.0])),
    "searchsorted right": lambda m: m.searchsorted(m.tensor(V), m.tensor([7.0]), right=True),
    "searchsorted 2d": lambda m: m.searchsorted(m.tensor([[1.0, 3, 5], [2, 4, 6]]),
                                                m.tensor([[2.0, 6], [1, 7]]), side="right"),
    "bucketize": lambda m: m.bucketize(m.tensor([[0.5, 7.0], [11.0, 20.0]]), m.tensor(V)),
    "tril_indices": lambda m: m.tril_indices(3, 4, 1),
    "triu_indices": lambda m: m.triu_indices(4, 3, -1),
    "broadcast_shapes": lambda m: m.tensor(list(m.broadcast_shapes((3, 1), (1, 4), (4,)))),
    "atleast_1d": lambda m: m.atleast_1d(m.tensor(3.0)),
    "pi": lambda m: m.tensor(m.pi),
}


@pytest.mark.parametrize("name", sorted(INDEX))
def test_index_functions_match_torch(name):
    got, want = INDEX[name](dt), INDEX[name](torch)
    assert str(got.dtype) == str(want.dtype), (got.dtype, want.dtype)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_random_functions_have_the_right_distribution():
    dt.manual_seed(0)
    w = dt.tensor([[1.0, 0.0, 3.0], [0.0, 2.0, 2.0]])
    s = dt.multinomial(w, 4000, replacement=True)
    assert tuple(s.shape) == (2, 4000) and s.dtype == dt.int64
    np.testing.assert_allclose(np.bincount(s[0].numpy(), minlength=3) / 4000, [0.25, 0, 0.75],
                               atol=0.03)
    u = dt.multinomial(dt.ones(5), 5)
    assert sorted(u.tolist()) == [0, 1, 2, 3, 4]
    b = dt.bernoulli(dt.full((4000,), 0.3))
    assert b.dtype == dt.float32 and abs(b.mean().item() - 0.3) < 0.03
    p = dt.poisson(dt.full((4000,), 4.0))
    assert abs(p.mean().item() - 4) < 0.15
    r = dt.randint_like(dt.zeros(3, 3), 5, 9)
    assert r.dtype == dt.float32 and r.min() >= 5 and r.max() < 9
    with pytest.raises(RuntimeError, match="cannot sample n_sample > prob_dist.size"):
        dt.multinomial(dt.ones(3), 4)
    with pytest.raises(RuntimeError, match="probability tensor contains either"):
        dt.multinomial(dt.tensor([1.0, -1.0]), 1)


def test_switches_and_errors():
    n = dt.get_num_threads()
    dt.set_num_threads(1)
    assert dt.get_num_threads() == 1
    dt.set_num_threads(n)
    dt.use_deterministic_algorithms(True)
    assert dt.are_deterministic_algorithms_enabled()
    dt.use_deterministic_algorithms(False)
    with pytest.raises(RuntimeError, match="is not divisible by the split_size 3"):
        dt.hsplit(dt.ones(2, 4), 3)
    with pytest.raises(RuntimeError, match="1D tensors expected, but got 2D and 1D"):
        dt.vdot(dt.ones(2, 2), dt.ones(2))
    with pytest.raises(RuntimeError, match="Shape mismatch: objects cannot be broadcast"):
        dt.broadcast_shapes((2, 3), (4,))
    with pytest.raises(IndexError, match="select\\(\\): index 5 out of range"):
        dt.select(dt.ones(2, 3), 1, 5)
    for m in (dt, torch):               # a view: a write through it reaches the base
        base = m.zeros(2, 3)
        base.select(1, -1).fill_(4.0)
        assert base.tolist() == [[0.0, 0.0, 4.0], [0.0, 0.0, 4.0]]
    assert dt.ones(2, 3).tensor_split(2, 1)[0].shape == dt.Size([2, 2])
