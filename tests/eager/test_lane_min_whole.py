"""The lane's ``min(x, dim)`` and ``x.max()``/``x.min()`` (dlcore_eager/_lane_max.py): values,
indices, gradients, grad_fn names and result types as PyTorch's, NaNs, ties and signed zeros
included, with and without a gradient, on the lane's call (the third: plans made)."""
import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")

CALLS = {
    "x.min(1)": lambda L, x: x.min(1),
    "x.min(0, keepdim=True)": lambda L, x: x.min(0, keepdim=True),
    "min(x, -1)": lambda L, x: L.min(x, -1),
    "x.min(dim=1, keepdim=False)": lambda L, x: x.min(dim=1, keepdim=False),
    "x.min()": lambda L, x: x.min(),
    "min(x)": lambda L, x: L.min(x),
    "x.max()": lambda L, x: x.max(),
    "max(x)": lambda L, x: L.max(x),
}


def _outcome(L, a, call, rg):
    x = L.tensor(a, requires_grad=rg)
    for _ in range(3):
        r = call(L, x)
    v, i = r if isinstance(r, tuple) else (r, None)
    g = None
    if rg:
        v.backward(L.tensor(np.arange(v.numel(), dtype=a.dtype).reshape(v.shape) + 1))
        g = np.asarray(x.grad.tolist())
    return (np.asarray(v.detach().tolist()), None if i is None else np.asarray(i.tolist()), g,
            type(v.grad_fn).__name__ if rg else None, type(r).__name__, str(v.dtype))


@pytest.mark.parametrize("rg", [True, False])
@pytest.mark.parametrize("nan", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(CALLS))
def test_as_torch(name, dtype, nan, rg):
    a = np.random.default_rng(0).integers(-2, 2, (5, 7)).astype(dtype)    # (ties)
    a[1, 1] = -0.0
    if nan:
        a[2, 3] = a[2, 5] = a[4, 0] = np.nan      # (the first NaN; the whole's shared gradient)
    mine, want = _outcome(dl, a, CALLS[name], rg), _outcome(torch, a, CALLS[name], rg)
    np.testing.assert_array_equal(mine[0], want[0])
    for m, w in zip(mine[1:3], want[1:3]):
        assert (m is None) == (w is None)
        if w is not None:
            np.testing.assert_array_equal(m, w)
    assert mine[3:] == want[3:]


def test_the_general_entrys_errors_and_other_dtypes_remain():
    with pytest.raises(RuntimeError, match="Expected reduction dim to be specified"):
        dl.zeros(0).min()
    with pytest.raises(IndexError, match="Expected reduction dim 1 to have non-zero size"):
        dl.zeros(2, 0).min(1)
    assert dl.tensor([3, 1, 2]).min().item() == 1 and dl.tensor([True, False]).min().item() is False
    v, i = dl.tensor([[3, 1, 1]]).min(1)
    assert v.tolist() == [1] and i.tolist() == [1]
