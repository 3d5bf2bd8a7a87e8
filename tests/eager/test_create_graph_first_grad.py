"""backward(create_graph=True)'s first .grad: a copy in the leaf's layout (PyTorch's
AccumulateGrad under grad mode, clone_obey_contract), recorded where the gradient requires
grad; not the cotangent itself (a whole sum's read-only stride-0 view)."""

import warnings

import numpy as np
import pytest

import dlcore_eager as T

torch = pytest.importorskip("torch")

CASES = {
    "whole_sum": (lambda m, x: x.sum(), (2, 3), None),
    "square": (lambda m, x: (x * x).sum(), (2, 3), None),
    "transposed": (lambda m, x: (x.t() * m.ones(2, 3, dtype=m.float64)).sum(), (3, 2), None),
    "fortran_leaf": (lambda m, x: (x ** 3).mean(), (3, 4), (1, 0)),
    "permuted_leaf": (lambda m, x: x.exp().sum(), (2, 3, 4), (2, 0, 1)),
}


def _run(m, case):
    fn, shape, perm = CASES[case]
    base = np.arange(1, 1 + np.prod(shape), dtype=np.float64).reshape(shape) / 10
    x = m.tensor(base)
    if perm is not None:
        x = x.permute(*perm)
    x = x.detach().requires_grad_(True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")        # (torch's reference-cycle warning)
        fn(m, x).backward(create_graph=True)
    g = x.grad
    info = (tuple(g.stride()), g.is_contiguous(), g.requires_grad, type(g.grad_fn).__name__)
    second = None
    if g.requires_grad:
        second = m.autograd.grad((g * g).sum(), x)[0].numpy()
    with m.no_grad():
        x.grad.mul_(0.5)                       # (a writable tensor of its own)
    return info, x.grad.detach().numpy(), second


@pytest.mark.parametrize("case", sorted(CASES))
def test_first_grad_under_create_graph_as_torch(case):
    d, t = _run(T, case), _run(torch, case)
    assert d[0] == t[0]
    np.testing.assert_allclose(d[1], t[1], rtol=1e-14)
    assert (d[2] is None) == (t[2] is None)
    if d[2] is not None:
        np.testing.assert_allclose(d[2], t[2], rtol=1e-12)


def test_first_grad_is_not_the_seed():
    # x.backward(v, create_graph=True) of a leaf: .grad is a copy, v unchanged by mul_
    for m in (T, torch):
        x = m.ones(3, requires_grad=True)
        v = m.tensor([1.0, 2.0, 3.0])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            (x * 1.0).backward(v, create_graph=True)
        with m.no_grad():
            x.grad.mul_(2.0)
        np.testing.assert_array_equal(v.numpy(), [1.0, 2.0, 3.0])
        np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0, 6.0])
