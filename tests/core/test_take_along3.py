"""3-D gathers along any axis through one Numba loop (``_jit_scan.take_along3``), reading an
expanded operand in place: values against NumPy's ``take_along_axis`` and PyTorch's
``gather``, negative indices wrapped, an index out of range raising the general path's error,
16-bit floats and smaller indices (PyTorch's crop) on the general path."""

import numpy as np
import pytest

import dlcore_eager as E
from dlcore.kernels.cpu import scan


@pytest.mark.parametrize("axis", [0, 1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.bool_])
def test_each_axis_against_numpy(axis, dtype):
    rng = np.random.default_rng(axis)
    x = (rng.standard_normal((4, 5, 6)) * 3).astype(dtype)
    shape = list(x.shape)
    shape[axis] = 7
    i = rng.integers(-x.shape[axis], x.shape[axis], shape)
    got = scan.take_along_axis(x, i, axis=axis)
    want = np.take_along_axis(x, np.where(i < 0, i + x.shape[axis], i), axis=axis)
    assert got.dtype == x.dtype
    np.testing.assert_array_equal(got, want)


def test_an_expanded_operand_is_read_in_place_and_errors_are_the_general_paths():
    base = np.arange(30, dtype=np.float32).reshape(6, 1, 5)
    x = np.broadcast_to(base, (6, 4, 5))
    i = np.random.default_rng(0).integers(0, 5, (6, 4, 2))
    np.testing.assert_array_equal(scan.take_along_axis(x, i, axis=2),
                                  np.take_along_axis(x, i, axis=2))
    i[3, 2, 1] = 5
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 2 with size 5"):
        scan.take_along_axis(x, i, axis=2)
    half = np.ones((2, 3, 4), np.float16)
    assert scan.take_along_axis(half, np.zeros((2, 3, 1), np.int64), axis=2).dtype == np.float16


def test_gather_values_and_gradients_are_torchs():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    cdf = np.sort(rng.random((9, 15)), -1).astype(np.float32)
    idx = rng.integers(0, 15, (9, 8, 2))
    xd = E.tensor(cdf, requires_grad=True)
    xt = torch.tensor(cdf, requires_grad=True)
    yd = E.gather(xd.unsqueeze(1).expand([9, 8, 15]), 2, E.tensor(idx))
    yt = torch.gather(xt.unsqueeze(1).expand([9, 8, 15]), 2, torch.tensor(idx))
    np.testing.assert_array_equal(yd.detach().numpy(), yt.detach().numpy())
    w = rng.standard_normal(yd.shape).astype(np.float32)
    (yd * E.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(xd.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-6)
    small = E.gather(E.tensor(np.arange(24.0).reshape(2, 3, 4)), 1, E.tensor(
        np.zeros((1, 2, 2), np.int64)))               # (an index smaller than the input)
    np.testing.assert_array_equal(small.numpy(), torch.gather(torch.arange(24.0).reshape(
        2, 3, 4), 1, torch.zeros((1, 2, 2), dtype=torch.long)).numpy())
