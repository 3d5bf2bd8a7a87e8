"""``_numba_views.c_view`` / ``c_empty``: the compiled segments' (and the convolution
drivers') reshape and ``np.empty``."""

import re
import sys

import numpy as np
import pytest
from numba import njit, prange
from numba.core.errors import TypingError

from dlcore.kernels.cpu._numba_views import c_empty, c_view, import_line


@njit
def _view_and_write(a):
    v = c_view(a, (2, 12))
    v[1, 3] = 5.0
    return v


@njit
def _flat(a):
    return c_view(a, (a.size, ))


@njit
def _bad_size(a):
    return c_view(a, (5, ))


@njit
def _empties(n):
    a = c_empty((3, 5), np.float64)
    b = c_empty(n, np.int64)
    c = c_empty((2, n, 4), np.float32)
    a[:] = 7.0
    return a, b, c


def test_a_view_is_numpys_reshape_and_shares_the_memory():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    want = x.reshape(2, 12).copy()
    want[1, 3] = 5.0
    v = _view_and_write(x)
    np.testing.assert_array_equal(v, want)
    assert v.shape == (2, 12) and v.strides == (48, 4) and v.dtype == np.float32
    assert x[1, 0, 3] == 5.0                                  # written through the view
    np.testing.assert_array_equal(_flat(x), x.reshape(-1))


@njit(parallel=True)
def _double_into(a, out):
    src = c_view(a, (a.size, ))
    dst = c_view(out, (out.size, ))
    for i in prange(src.shape[0]):
        dst[i] = src[i] * np.float32(2.0)


def test_a_parallel_loop_that_only_writes_through_a_view_is_kept():
    """Numba's parfor pass removes loops whose writes it thinks no one reads: the view must be
    known as an alias of its array (the alias hook), or ``out`` keeps its old contents."""
    a = np.arange(64 * 128, dtype=np.float32).reshape(64, 128)
    out = np.full((64, 128), 7.0, np.float32)
    _double_into(a, out)
    np.testing.assert_array_equal(out, a * 2)


def test_a_view_keeps_its_array_alive_and_leaks_nothing():
    x = np.ones((4, 4))
    before = sys.getrefcount(x)
    views = [_flat(x) for _ in range(100)]
    del views
    assert sys.getrefcount(x) == before
    v = _flat(np.arange(6.0))                  # the only reference to the data is the view's
    np.testing.assert_array_equal(v, np.arange(6.0))


def test_a_view_of_another_size_raises_and_leaves_the_array_alone():
    x = np.arange(6, dtype=np.float32)
    with pytest.raises(ValueError, match="c_view: the new shape's size differs"):
        _bad_size(x)
    np.testing.assert_array_equal(x, np.arange(6, dtype=np.float32))


def test_an_operand_not_known_contiguous_is_a_typing_error():
    x = np.arange(12.0).reshape(3, 4)
    with pytest.raises(TypingError):
        _flat(x.T)                               # layout 'F': no view, never a wrong one
    with pytest.raises(TypingError):
        _flat(x[:, ::2])                         # layout 'A'


def test_new_arrays_have_the_asked_shape_and_dtype():
    a, b, c = _empties(6)
    assert a.shape == (3, 5) and a.dtype == np.float64 and a.flags.c_contiguous
    np.testing.assert_array_equal(a, np.full((3, 5), 7.0))
    assert b.shape == (6,) and b.dtype == np.int64
    assert c.shape == (2, 6, 4) and c.dtype == np.float32 and c.flags.c_contiguous
    assert c.flags.writeable


def test_the_import_line_names_what_the_text_calls_with_a_hash():
    assert import_line("x = 1\n") == ""
    line = import_line("    f1 = c_view(p0, (6, ))\n    o = c_empty((2, ), np.float32)\n")
    assert re.fullmatch(r"from dlcore\.kernels\.cpu\._numba_views import c_empty, c_view  "
                        r"# _numba_views\.py [0-9a-f]{12}\n", line), line
    assert "c_empty" not in import_line("f1 = c_view(p0, (6, ))\n")


def test_c_ro_is_the_array_typed_read_only():
    """``c_ro(a)`` is ``a`` itself (the same memory) typed read-only: a callee taking it is
    compiled once for writable and read-only arguments alike."""
    from numba import njit

    from dlcore.kernels.cpu._numba_views import c_ro

    @njit
    def total(x):
        return x.sum()

    @njit
    def via_ro(a):
        v = c_ro(a)
        return total(v), v.ctypes.data == a.ctypes.data

    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = a.copy()
    b.flags.writeable = False
    assert via_ro(a) == (15.0, True)
    assert via_ro(b) == (15.0, True)
    assert len(total.signatures) == 1 and not total.signatures[0][0].mutable

    @njit
    def write(a):
        c_ro(a)[0, 0] = 1.0

    with pytest.raises(TypingError, match="readonly|read-only|Cannot modify"):
        write(a)
