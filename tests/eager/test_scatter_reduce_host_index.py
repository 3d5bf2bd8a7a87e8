"""scatter_reduce / scatter / index_copy with a concrete host index already in range take it as
it is (``scatter_family._checked``: no copy through ``take``, issue 19), so PyTorch's errors
hold: an index changed in place before backward is refused as PyTorch refuses it, an index out
of range or negative where PyTorch refuses one still raises its message, and the values and
gradients are PyTorch's."""

import numpy as np
import pytest

import dlcore_eager as E

torch = pytest.importorskip("torch")


def _run(lib, reduce, include_self):
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((6, 4)).astype(np.float32), requires_grad=True)
    i = lib.tensor(rng.integers(0, 3, (6, 4)))
    y = lib.zeros(3, 4).scatter_reduce(0, i, x * 2, reduce=reduce, include_self=include_self)
    (y * lib.arange(12.0).reshape(3, 4)).sum().backward()
    return y.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("reduce", ["sum", "mean", "amax", "amin", "prod"])
@pytest.mark.parametrize("include_self", [False, True])
def test_values_and_gradients_are_torchs(reduce, include_self):
    (yd, gd), (yt, gt) = _run(E, reduce, include_self), _run(torch, reduce, include_self)
    np.testing.assert_allclose(yd, yt, rtol=1e-6)
    np.testing.assert_allclose(gd, gt, rtol=1e-5, atol=1e-6)


def test_an_index_changed_in_place_is_refused_as_torch_refuses_it():
    for lib in (E, torch):
        x = lib.ones(4, 3, requires_grad=True)
        i = lib.tensor([[0, 1, 0], [1, 0, 1]])
        y = lib.zeros(2, 3).scatter_reduce(0, i, x[:2] * 2, reduce="amax", include_self=False)
        i.add_(0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_out_of_range_and_negative_indices_raise_torchs_errors():
    for key in ([[0, 3, 0]], [[0, -1, 0]]):
        with pytest.raises(RuntimeError) as want:
            torch.zeros(3, 3).scatter_reduce(0, torch.tensor(key), torch.ones(1, 3), "sum")
        with pytest.raises(RuntimeError) as got:
            E.zeros(3, 3).scatter_reduce(0, E.tensor(key), E.ones(1, 3), "sum")
        assert str(got.value) == str(want.value).split("\n")[0]
    with pytest.raises(RuntimeError) as want:
        torch.zeros(3).scatter(0, torch.tensor([2, -1]), torch.tensor([5.0, 6.0]))
    with pytest.raises(RuntimeError) as got:
        E.zeros(3).scatter(0, E.tensor([2, -1]), E.tensor([5.0, 6.0]))
    assert str(got.value) == str(want.value).split("\n")[0]
