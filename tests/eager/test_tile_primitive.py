"""``Tensor.repeat``/``torch.tile``: the tile primitive, one node (PyTorch's RepeatBackward0)
whose result is always a new array, against PyTorch's values and gradients (first and second
order), NumPy's tile for every dtype, and zero repeats or sizes."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl
from dlcore.ops.tile_prim import tile_p

torch = pytest.importorskip("torch")

CASES = [((3, 4), (2, 1)), ((3, 4), (2, 3)), ((4,), (2, 1, 3)), ((2, 1, 3), (1, 4, 1)),
         ((3,), (2,)), ((1, 1), (3, 2)), ((5, 6), (3, 7)), ((0, 3), (2, 2)), ((2, 3), (0, 1))]


@pytest.mark.parametrize("shape,reps", CASES)
def test_values_and_gradients_match_torch(shape, reps):
    rng = np.random.default_rng(len(shape) + sum(reps))
    a = rng.standard_normal(shape).astype(np.float32)
    got = {}
    for L in (torch, dl):
        x = L.tensor(a, requires_grad=True)
        y = x.repeat(*reps)
        w = L.tensor(np.cos(np.arange(y.numel(), dtype=np.float32)).reshape(tuple(y.shape)))
        (y * w).sum().backward()
        got[L] = (y.detach().numpy(), x.grad.numpy(), y.grad_fn.name())
    assert np.array_equal(got[dl][0], got[torch][0])
    assert np.array_equal(got[dl][0], np.tile(a, reps))
    np.testing.assert_allclose(got[dl][1], got[torch][1], rtol=1e-6, atol=1e-6)
    assert got[dl][2] == got[torch][2] == "RepeatBackward0"


def test_one_node_a_new_array_and_other_dtypes():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    x = dl.tensor(a, requires_grad=True)
    y = x.repeat(2, 2)
    assert y.grad_fn.prim is tile_p and y.is_contiguous()
    one = dl.tensor(np.ones((1, 1), np.float32))
    z = one.repeat(3, 2)                       # (every repeated axis of size 1)
    z[0, 0] = 5.0
    assert one.item() == 1.0 and z.numpy()[1, 1] == 1.0
    for arr in (np.array([[True, False]]), np.arange(4, dtype=np.int64).reshape(2, 2),
                np.array([1 + 2j, 3j], np.complex64)):
        for L in (torch, dl):
            out = L.tile(L.tensor(arr), (2, 1, 2)).numpy()
            assert np.array_equal(out, np.tile(arr, (2, 1, 2)))


def test_second_order_matches_torch():
    a = np.random.default_rng(3).standard_normal((2, 3))
    got = {}
    for L in (torch, dl):
        x = L.tensor(a, requires_grad=True)
        y = (x.repeat(2, 3) ** 2).sum()
        gx, = L.autograd.grad(y, x, create_graph=True)
        (gx ** 2).sum().backward()
        got[L] = (gx.detach().numpy(), x.grad.numpy())
    for u, v in zip(got[dl], got[torch]):
        np.testing.assert_allclose(u, v, rtol=1e-12)


def test_repeat_errors_read_as_torchs():
    for L in (torch, dl):
        with pytest.raises(RuntimeError, match="Number of dimensions of repeat dims can not "
                                               "be smaller than number of dimensions of tensor"):
            L.ones(2, 3).repeat(2)
