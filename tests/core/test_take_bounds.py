"""The CPU ``take`` kernel's index bounds (``gather._checked``: one Numba pass over C-contiguous
integer indices, ``_jit_index.in_bounds``; NumPy's reductions otherwise): indices in
``[-n, n)`` pass (negative ones wrap), anything else raises naming the first bad index."""
import numpy as np
import pytest

from dlcore.errors import IndexOutOfBounds
from dlcore.kernels.cpu.gather import take

W = np.arange(15.0).reshape(5, 3)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int8, np.uint8])
def test_in_range_indices_any_layout(dtype):
    idx = np.array([[0, 4, 2], [1, 3, 0]], dtype)
    if np.dtype(dtype).kind == "i":
        idx[1, 2] = -5                                   # wraps to row 0
    want = W[idx.astype(np.int64) % 5]
    np.testing.assert_array_equal(take(W, idx), want)
    np.testing.assert_array_equal(take(W, idx.T), want.transpose(1, 0, 2))   # (not contiguous)
    np.testing.assert_array_equal(take(W, np.array(3, dtype)), W[3])         # (0-d)
    assert take(W, np.zeros((0, 2), dtype)).shape == (0, 2, 3)


@pytest.mark.parametrize("bad,first", [([0, 5, 1], 5), ([[1, -6], [7, 0]], -6),
                                       ([9], 9)])
def test_out_of_range_raises_with_the_first_bad_index(bad, first):
    for idx in (np.array(bad), np.array(bad).T.copy().T):
        with pytest.raises(IndexOutOfBounds, match=f"index {first} is out of bounds for "
                                                   "dimension 0 with size 5"):
            take(W, idx)
