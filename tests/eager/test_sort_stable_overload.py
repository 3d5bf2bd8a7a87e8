"""``sort``'s stable overload takes ``dim`` and ``descending`` by keyword only: PyTorch's
parser refuses ``stable=`` beside a positional ``dim`` (its TypeError, word for word), for the
method and the function, and both overloads sort as before otherwise."""
from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")

A = [[3., 1., 2.], [0., 5., 4.]]
CALLS = {
    "method, dim and stable": lambda m, a: a.sort(0, stable=True),
    "method, dim, descending= and stable": lambda m, a: a.sort(0, descending=True, stable=True),
    "method, two positionals and stable": lambda m, a: a.sort(0, True, stable=True),
    "method, stable=None": lambda m, a: a.sort(-1, stable=None),
    "function, dim and stable": lambda m, a: m.sort(a, 0, stable=True),
    "function, two positionals and stable": lambda m, a: m.sort(a, 0, True, stable=True),
    "function, descending= before stable": lambda m, a: m.sort(a, 0, descending=True,
                                                             stable=True),
    "function, keywords": lambda m, a: m.sort(input=a, dim=0, stable=True),
    "method, keywords": lambda m, a: a.sort(dim=0, descending=True, stable=True),
    "method, positional dim": lambda m, a: a.sort(0),
}


def _outcome(m, name):
    a = m.tensor(A, requires_grad=True)
    try:
        values, indices = CALLS[name](m, a)
    except TypeError as e:
        return ("TypeError", str(e))
    return (values.tolist(), indices.tolist(), type(values.grad_fn).__name__)


@pytest.mark.parametrize("name", list(CALLS))
def test_as_torch(name):
    assert _outcome(dl, name) == _outcome(torch, name)


def test_the_keyword_overload_sorts_stably():
    values, indices = dl.tensor([2., 1., 2., 1.]).sort(dim=0, stable=True)
    np.testing.assert_array_equal(indices.numpy(), [1, 3, 0, 2])
    np.testing.assert_array_equal(values.numpy(), [1., 1., 2., 2.])
