"""Shape and indexing functions through dlcore_eager against real PyTorch: index_select,
index_add, masked_select, repeat/tile/repeat_interleave, flip, roll, narrow, movedim,
unflatten, and advanced-index assignment ``x[idx] = v`` (values and gradients)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

X = np.arange(12.0).reshape(3, 4) * 0.5 - 2.0

CASES = {
    "index_select": lambda m, x: m.index_select(x, 1, m.tensor([3, 0, 3])),
    "index_add": lambda m, x: x.index_add(0, m.tensor([0, 0]), x[:2] * 2, alpha=3),
    "masked_select": lambda m, x: m.masked_select(x, x > 0.4),
    "repeat": lambda m, x: x.repeat(2, 1, 2),
    "tile": lambda m, x: m.tile(x, (2,)),
    "repeat_interleave": lambda m, x: m.repeat_interleave(x, 2, dim=0),
    "repeat_interleave_counts": lambda m, x: x.repeat_interleave(m.tensor([1, 0, 2]), dim=0),
    "repeat_interleave_flat": lambda m, x: m.repeat_interleave(x, 2),
    "flip": lambda m, x: m.flip(x, (0, 1)),
    "roll_flat": lambda m, x: m.roll(x, 1),
    "roll": lambda m, x: m.roll(x, (1, -1), (0, 1)),
    "narrow": lambda m, x: x.narrow(1, 1, 2),
    "movedim": lambda m, x: m.movedim(x.reshape(3, 2, 2), 0, -1),
    "unflatten": lambda m, x: x.unflatten(1, (2, 2)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch_with_gradients(name):
    f = CASES[name]
    a = dt.tensor(X, requires_grad=True)
    b = torch.tensor(X, requires_grad=True)
    ya, yb = f(dt, a), f(torch, b)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy())
    g = np.random.default_rng(0).standard_normal(tuple(yb.shape))
    ya.backward(dt.tensor(g))
    yb.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10)


SET_CASES = [
    ("int rows, scalar", lambda m: m.tensor([0, 2]), lambda m: 0.0),
    ("repeated rows: last wins", lambda m: m.tensor([2, 0, 2]),
     lambda m: m.tensor([[1.0, 2, 3, 4], [5, 6, 7, 8], [9, 9, 9, 9]])),
    ("rows and cols", lambda m: (m.tensor([0, 1]), m.tensor([3, 2])),
     lambda m: m.tensor([-1.0, -2.0])),
    ("x[:, idx]", lambda m: (slice(None), m.tensor([1, 3])), lambda m: m.tensor([[7.0, 8.0]])),
    ("mask, selected values", lambda m: m.tensor(X) > 0.9, lambda m: m.arange(6.0)),
    ("row mask, broadcast row", lambda m: m.tensor([True, False, True]),
     lambda m: m.tensor([1.0, 2, 3, 4])),
    ("list index", lambda m: [0, 1], lambda m: 5.0),
]


@pytest.mark.parametrize("label,key,value", SET_CASES, ids=[c[0] for c in SET_CASES])
def test_advanced_assignment_matches_torch(label, key, value):
    a, b = dt.tensor(X, dtype=dt.float32), torch.tensor(X, dtype=torch.float32)
    a[key(dt)] = value(dt)
    b[key(torch)] = value(torch)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_advanced_assignment_gradients_flow_to_both_sides():
    def run(m):
        w = m.tensor(X, requires_grad=True)
        v = m.tensor([1.0, 2.0], dtype=w.dtype, requires_grad=True)
        y = w * 1.0
        y[m.tensor([0, 2]), m.tensor([1, 1])] = v * 3
        (y * m.arange(12.0, dtype=w.dtype).reshape(3, 4)).sum().backward()
        return w.grad.numpy(), v.grad.numpy()
    for got, want in zip(run(dt), run(torch)):
        np.testing.assert_allclose(got, want)


def test_bad_index_and_repeat_errors():
    x = dt.tensor(X)
    with pytest.raises(IndexError, match="out of bounds"):
        x[dt.tensor([5])] = 1.0
    with pytest.raises(RuntimeError, match="can not be smaller"):
        x.repeat(2)
    with pytest.raises(IndexError, match="exceeds dimension size"):
        x.narrow(1, 3, 2)
