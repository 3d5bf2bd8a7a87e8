"""Advanced indices broadcast against each other (``x[i[:, None], j[None, :]]``, roi_align's
six-dimensional gathers; ``_indexing._ravel`` sums their positions by broadcasting) against
PyTorch: values, negative indices, gradients, index assignment and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")


def _both(x, *idx):
    got = dt.tensor(x)[tuple(dt.tensor(i) for i in idx)]
    want = torch.tensor(x)[tuple(torch.tensor(i) for i in idx)]
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_broadcast_gathers_like_roi_align():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 9)).astype(np.float32)
    k, ph, pw, iy, ix = 4, 2, 3, 2, 2
    b = rng.integers(0, 2, k)[:, None, None, None, None, None]
    c = np.arange(3)[None, :, None, None, None, None]
    y = rng.integers(-7, 7, (k, ph, iy))[:, None, :, None, :, None]
    xx = rng.integers(-9, 9, (k, pw, ix))[:, None, None, :, None, :]
    _both(x, b, c, y, xx)


def test_two_and_three_indices_with_negatives_and_empties():
    x = np.arange(60.0).reshape(3, 4, 5)
    _both(x, np.array([[0], [-1]]), np.array([1, -2, 3]))
    _both(x, np.array([2, -3]), np.array([[0], [3]]), np.array([-1]))
    _both(x, np.zeros((0,), np.int64), np.array([1]))
    _both(x, np.array([1], np.int32), np.array([[2], [0]], np.int32))


def test_gradient_and_assignment_match_torch():
    x = np.arange(20.0).reshape(4, 5)
    i, j = np.array([[0], [3], [0]]), np.array([-1, 2])
    a, b = dt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (a[dt.tensor(i), dt.tensor(j)] * 2).sum().backward()
    (b[torch.tensor(i), torch.tensor(j)] * 2).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    p, q = dt.tensor(x), torch.tensor(x)
    p[dt.tensor(i), dt.tensor(j)] = -1.0
    q[torch.tensor(i), torch.tensor(j)] = -1.0
    np.testing.assert_array_equal(p.numpy(), q.numpy())


@pytest.mark.parametrize("idx", [([0, 4], [0, 1]), ([0, 1], [5, -7]), ([9], [-9]),
                                 ([0, 1, 2], [0, 1])])
def test_errors_are_torchs(idx):
    x = np.zeros((4, 5))
    with pytest.raises(IndexError) as want:
        torch.tensor(x)[tuple(torch.tensor(i) for i in idx)]
    with pytest.raises(IndexError) as got:
        dt.tensor(x)[tuple(dt.tensor(i) for i in idx)]
    assert str(got.value) == str(want.value)


def test_index_dtypes_as_torch_reads_them():
    """int8/int16 tensors of rank >= 1 refused (a 0-d one is a number), a NumPy
    int16 array taken, a NumPy uint8 array a mask (with PyTorch's deprecation warning)."""
    for T in (dt, torch):
        x = T.zeros(4, 5)
        for dtype in ("int8", "int16"):
            k = T.tensor([1, 2], dtype=getattr(T, dtype))
            for f in (lambda: x[k], lambda: x[k, 0:2], lambda: x.__setitem__((k, k), 1.0)):
                with pytest.raises(IndexError, match="must be long, int, byte or bool"):
                    f()
            assert tuple(x[T.tensor(1, dtype=getattr(T, dtype))].shape) == (5,)
        assert tuple(x[np.array([1, 2], np.int16)].shape) == (2, 5)
        with pytest.warns(UserWarning, match="uint8 is now deprecated"):
            assert tuple(x[np.array([1, 0, 0, 1], np.uint8)].shape) == (2, 5)
        with pytest.warns(UserWarning, match="uint8 is now deprecated"):
            with pytest.raises(IndexError, match=r"shape of the mask \[2\] at index 0"):
                x[np.array([1, 2], np.uint8)]
