"""``layout._strided_view`` (an elementwise call plan's broadcast input): the ndarray
constructor's view of a C-contiguous operand equals ``as_strided``'s, shares its memory, keeps
it read-only where it is, and any other operand (strided, reversed) takes ``as_strided``."""

import numpy as np
from numpy.lib.stride_tricks import as_strided

from dlcore.kernels.cpu.layout import _strided_view


def _same(x, shape, strides):
    got, want = _strided_view(x, shape, strides), as_strided(x, shape, strides)
    np.testing.assert_array_equal(got, want)
    assert got.shape == want.shape and got.strides == want.strides
    assert np.shares_memory(got, x) and got.flags.writeable == x.flags.writeable
    return got


def test_views_equal_as_strided():
    x = np.arange(10, dtype=np.float32).reshape(5, 1, 2)
    _same(x, (5, 4, 2), (8, 0, 4))
    _same(x, (5, 2), (8, 4))
    _same(np.full((), 3.0), (3, 2), (0, 0))
    ro = np.arange(6.0).reshape(2, 3)
    ro.flags.writeable = False
    assert not _same(ro, (4, 2, 3), (0, 24, 8)).flags.writeable
    sliced = np.arange(24.0).reshape(4, 6)[:, ::2]         # (not contiguous: as_strided)
    _same(sliced, (4, 3), sliced.strides)
    rev = np.arange(5.0)[::-1]
    _same(rev, (2, 5), (0, -8))


def test_a_written_view_writes_the_operand():
    x = np.zeros((3, 1), np.float32)
    v = _strided_view(x, (3, 1), (4, 4))
    v[1, 0] = 7
    assert x[1, 0] == 7
