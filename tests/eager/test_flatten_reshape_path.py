"""``torch.flatten`` / ``Tensor.flatten`` through ``reshape``'s fast path (issue 19: a LeNet's
flatten per step): values, shapes, views and ``grad_fn`` names as PyTorch's for contiguous and
strided inputs, a 0-d input, a single dim (the tensor itself) and its gradients."""

import numpy as np
import pytest

import dlcore_eager as E

torch = pytest.importorskip("torch")

CASES = [((1,), {}), ((), {}), ((1, 2), {}), ((2,), {}), ((2, 2), {}), ((0, -1), {}),
         ((), {"start_dim": 1, "end_dim": -2})]


def _outs(lib, x):
    return [lib.flatten(x, *a, **k) for a, k in CASES] + [
        lib.flatten(x.transpose(1, 2), 1), lib.flatten(x[:, 0], 0, 1), x.flatten(1),
        lib.flatten(x.sum())]


def test_values_names_and_views_are_torchs():
    a = np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype(np.float32)
    xd, xt = E.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    for od, ot in zip(_outs(E, xd), _outs(torch, xt)):
        np.testing.assert_array_equal(od.detach().numpy(), ot.detach().numpy())
        assert tuple(od.shape) == tuple(ot.shape)
        assert (od.grad_fn and od.grad_fn.name()) == (ot.grad_fn and ot.grad_fn.name())
    sum(o.sum() * (i + 1) for i, o in enumerate(_outs(E, xd))).backward()
    sum(o.sum() * (i + 1) for i, o in enumerate(_outs(torch, xt))).backward()
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-6)
    x = E.tensor(a)
    assert np.shares_memory(E.flatten(x, 1)._buf, x._buf)              # (a view, as PyTorch's)
    assert not np.shares_memory(E.flatten(x.transpose(1, 2), 1)._buf, x._buf)   # (a copy)


def test_bad_dims_raise_torchs_errors():
    for args in [(2, 1), (0, 4)]:
        with pytest.raises((RuntimeError, IndexError)) as want:
            torch.flatten(torch.zeros(2, 3, 4), *args)
        with pytest.raises(type(want.value)) as got:
            E.flatten(E.zeros(2, 3, 4), *args)
        assert str(got.value) == str(want.value)
