"""``torch.searchsorted`` / ``bucketize`` through ATen's binary search in one Numba loop
(``dlcore.kernels.cpu._jit_search``): batched rows, a 1-D sequence with values of any shape,
NaNs in the sequence and among the values, ints, 16-bit floats, both sides, against PyTorch's
positions."""

import numpy as np
import pytest

import dlcore_eager as E

torch = pytest.importorskip("torch")


def _both(seq, vals, **kw):
    got = E.searchsorted(E.tensor(seq), E.tensor(vals), **kw)
    want = torch.searchsorted(torch.tensor(seq), torch.tensor(vals), **kw)
    assert got.dtype == (E.int32 if kw.get("out_int32") else E.int64)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert tuple(got.shape) == tuple(want.shape)


@pytest.mark.parametrize("right", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int32])
def test_batched_rows_match_torch(right, dtype):
    rng = np.random.default_rng(int(right) + 7 * np.dtype(dtype).itemsize)
    seq = np.sort(rng.integers(-5, 6, (4, 3, 9)), -1).astype(dtype)   # (ties)
    vals = rng.integers(-7, 8, (4, 3, 5)).astype(dtype)
    _both(seq, vals, right=right)
    _both(seq, vals, side="right" if right else "left", out_int32=True)


def test_nans_take_atens_comparisons():
    seq = np.array([[0.0, 1.0, np.nan, 3.0], [np.nan, np.nan, 1.0, 2.0]], np.float32)
    vals = np.array([[np.nan, 0.5, 3.0], [1.0, np.nan, -1.0]], np.float32)
    for right in (False, True):
        _both(seq, vals, right=right)
        _both(seq[0], vals, right=right)


def test_one_sequence_many_shapes():
    seq = np.linspace(0, 1, 11).astype(np.float32)
    rng = np.random.default_rng(3)
    for shape in [(), (5,), (2, 3, 4), (0,), (3, 0)]:
        _both(seq, rng.random(shape).astype(np.float32))
    _both(np.zeros((0,), np.float32), np.ones(3, np.float32))


def test_half_precision_and_bucketize():
    seq = np.sort(np.random.default_rng(4).random((3, 6))).astype(np.float16)
    vals = np.random.default_rng(5).random((3, 4)).astype(np.float16)
    _both(seq, vals)
    b = np.array([0.1, 0.5, 0.9], np.float32)
    x = np.array([[0.0, 0.5], [0.7, 1.0]], np.float32)
    for right in (False, True):
        np.testing.assert_array_equal(
            E.bucketize(E.tensor(x), E.tensor(b), right=right).numpy(),
            torch.bucketize(torch.tensor(x), torch.tensor(b), right=right).numpy())
