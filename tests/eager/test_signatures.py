"""torch.* functions accept PyTorch's keyword names (input=, other=, dim=, keepdim=) and out=,
including the hand-written ones (matmul, mm, cat, max with out=(values, indices), ...); the
issue's failing calls (``matmul(input=..., other=...)``, ``torch.mul(a, b, out=c)``) run."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")

A = np.arange(6.0).reshape(2, 3)
B = np.arange(6.0).reshape(3, 2) - 2


def _both(f):
    got, want = f(dt), f(torch)
    if isinstance(want, tuple):
        for g, w in zip(got, want):
            np.testing.assert_allclose(np.asarray(g.numpy()), w.numpy())
    else:
        np.testing.assert_allclose(np.asarray(got.numpy()), want.numpy())


CALLS = {
    "matmul keywords": lambda m: m.matmul(input=m.tensor(A), other=m.tensor(B)),
    "mul out": lambda m: (lambda o: (m.mul(m.tensor(A), m.tensor(A), out=o), o)[1])(
        m.empty(2, 3, dtype=m.float64)),
    "mm out": lambda m: (lambda o: (m.mm(m.tensor(A), m.tensor(B), out=o), o)[1])(
        m.empty(0, dtype=m.float64)),
    "cat dim out": lambda m: (lambda o: (m.cat([m.tensor(A)] * 2, dim=1, out=o), o)[1])(
        m.empty(0, dtype=m.float64)),
    "stack dim": lambda m: m.stack(tensors=[m.tensor(A)] * 2, dim=1),
    "sum input dim keepdim": lambda m: m.sum(input=m.tensor(A), dim=1, keepdim=True),
    "max dim": lambda m: tuple(m.max(input=m.tensor(A), dim=1, keepdim=True)),
    "max out": lambda m: (lambda v, i: tuple(m.max(m.tensor(A), 1, out=(v, i))))(
        m.empty(0, dtype=m.float64), m.empty(0, dtype=m.int64)),
    "var correction": lambda m: m.var(m.tensor(A), dim=0, correction=0),
    "std_mean": lambda m: m.std_mean(m.tensor(A), dim=1),
    "clamp tensor bounds": lambda m: m.clamp(m.tensor(A), min=m.tensor([1.0, 0.0, 2.0]),
                                             max=m.tensor(4.0, dtype=m.float64)),
    "pow tensor exponent": lambda m: m.pow(m.tensor(A), m.tensor([1.0, 2.0, 0.5])),
    "where one argument": lambda m: m.where(m.tensor(A) > 2),
    "nonzero": lambda m: m.nonzero(m.tensor(A) > 2),
    "prod dim": lambda m: m.prod(m.tensor(A) + 1, dim=1),
    "norm p dim": lambda m: m.norm(m.tensor(A), p=1, dim=1),
    "squeeze dims": lambda m: m.squeeze(m.ones(1, 2, 1), (0, 2)),
    "transpose keywords": lambda m: m.transpose(input=m.tensor(A), dim0=0, dim1=1),
    "outer": lambda m: m.outer(m.tensor(A[0]), m.tensor(B[:, 0])),
    "argmax keepdim": lambda m: m.argmax(m.tensor(A), dim=1, keepdim=True),
    "exp out": lambda m: (lambda o: (m.exp(m.tensor(A), out=o), o)[1])(
        m.empty(2, 3, dtype=m.float64)),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_call_matches_torch(name):
    _both(CALLS[name])


def test_out_with_autograd_is_refused_as_in_torch():
    x = dt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        dt.exp(x, out=dt.empty(2))
