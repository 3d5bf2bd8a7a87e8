"""Two-input ufuncs over the broadcasts NumPy's iterator serves slowly, in ``_jit_rows``' Numba
loops (imported on first use), for :mod:`.elementwise`'s binary entry and the eager lane
(``dlcore_eager._dispatch.small_binary``):

* ``row_op``: a C-contiguous (m, n) matrix and an (n,) row (a bias add);
* ``col_op``: a tensor and one value per leading index broadcast over its trailing axes
  ((N, C, H, W) by (1, C, 1, 1): a channel's value over its plane), from ``COLS_FROM``
  elements.

Each element is one IEEE operation, so the values are NumPy's bit for bit."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


#: The ufuncs (of ``elementwise.UFUNC_BINARY``) with a matrix-by-row loop in ``_jit_rows``
#: (``out[i, j] = a[i, j] op b[j]``: a bias add), run by ``row_op`` for a C-contiguous
#: float32/float64 (m, n) and (n,) below PARALLEL_THRESHOLD, where NumPy's broadcasting
#: iterator costs more than the loop.
UFUNC_ROWS: dict = {np.add: "add_rows", np.subtract: "sub_rows", np.multiply: "mul_rows",
                    np.true_divide: "div_rows"}


#: the ufuncs of UFUNC_ROWS that commute (their per-channel loop takes either operand order)
_COMMUTE = frozenset({np.add, np.multiply})
COLS_FROM = 4096           # (elements: below it NumPy's iterator costs no more than the loop)


def col_op(ufunc) -> Callable | None:
    """``run(a, b) -> ufunc(a, b) or None`` through ``_jit_rows``' per-channel loops for
    C-contiguous float32/float64 operands of one rank, one of them (``b``; ``a`` too for add
    and mul) of the other's shape on its leading axes (each equal or 1) and 1 on the rest:
    (8, 16, 16, 16) by (1, 16, 1, 1) or (8, 16, 1, 1), a channel's value over its plane.
    The big operand is viewed (rows, plane), the values broadcast to one per row: 32768
    float32 products 7.5 -> ~3 us (NumPy's iterator calls its inner loop once per row), the
    same IEEE operation per element, so NumPy's values bit for bit; None for other shapes."""
    name = UFUNC_ROWS.get(ufunc)
    if name is None:
        return None
    name = name.replace("_rows", "_cols")
    commute = ufunc in _COMMUTE
    empty = np.empty
    loop = None

    def run(a, b):
        nonlocal loop
        sa, sb = a.shape, b.shape
        if len(sa) != len(sb) or len(sa) < 2:
            return None
        if a.size < b.size:
            if not commute:
                return None
            a, b, sa, sb = b, a, sb, sa
        if a.size < COLS_FROM or not a.flags.c_contiguous or not b.flags.c_contiguous:
            return None
        k = len(sb)
        while k and sb[k - 1] == 1:
            k -= 1
        if k == len(sb) or k == 0:
            return None
        for j in range(k):
            if sb[j] != sa[j] and sb[j] != 1:
                return None
        lead = sa[:k]
        rows = 1
        for d in lead:
            rows *= d
        if sb[:k] == lead:
            c = b.reshape(rows)
        else:
            c = empty(lead, b.dtype)
            c[...] = b.reshape(sb[:k])          # (broadcast into one value per row)
            c = c.reshape(rows)
        if loop is None:
            from . import _jit_rows
            loop = getattr(_jit_rows, name)
        out = empty(sa, a.dtype)
        loop(a.reshape(rows, -1), c, out.reshape(rows, -1))
        return out
    return run


def row_op(ufunc) -> Callable | None:
    """``run(a, b) -> ufunc(a, b)`` through ``_jit_rows``' loop for a C-contiguous (m, n) ``a``
    and a contiguous (n,) ``b`` of one float32/float64 dtype (the caller tests that: the
    binary entry, ``elementwise._binary_entry``, and the eager lane,
    ``dlcore_eager._dispatch.small_binary``), the output allocated by NumPy: (32, 64) + (64,)
    float32 1.11 -> ~0.7 us, the same values bit for bit; None for a ufunc without such a
    loop."""
    name = UFUNC_ROWS.get(ufunc)
    if name is None:
        return None
    empty = np.empty
    loop = None

    def run(a, b):
        nonlocal loop
        if loop is None:
            from . import _jit_rows
            loop = getattr(_jit_rows, name)
        out = empty(a.shape, a.dtype)
        loop(a, b, out)
        return out
    return run
