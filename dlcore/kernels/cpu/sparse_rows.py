"""``w - c * scatter_add(v, i)`` with only the scattered rows computed (the compiled static
plans' embedding update, ``dlcore_static/compiler/sparse_update.py``).

The dense form makes a zero array of ``w``'s shape, adds the rows of ``v`` into it at ``i``
(``gather.scatter_add``: float32/float64 adds in index order, starting from 0), scales it by
``c`` and subtracts it from every element of ``w``.  Here ``w`` is copied and only the rows
``i`` names are computed, each from its own sum of ``v``'s rows taken in the same order from
the same 0: the same bits as the dense form.  A row nobody scatters into is ``w - c * 0``,
which is ``w`` itself for a positive finite ``c`` (``-0.0 - 0.0`` is ``-0.0``; a NaN keeps its
payload), so its copy is exact.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .gather import _checked


@njit(cache=True, nogil=True)
def _sub_rows(out, w, v, idx, c, scaled):                     # pragma: no cover - Numba
    """out = w - c * (rows of v summed at idx) (``scaled``: times c), for ``w`` (n, d),
    ``v`` (m, d), ``idx`` (m,) of any integer type: returns the position of the first index
    out of [-n, n) before anything is written, else -1 with ``out`` written."""
    n, d = w.shape
    m = idx.shape[0]
    for j in range(m):
        if idx[j] >= n or idx[j] < -n:
            return j
    o = out.reshape(n * d)
    x = w.reshape(n * d)
    for t in range(n * d):
        o[t] = x[t]
    slot = np.full(n, -1, np.int64)
    acc = np.zeros((m, d), w.dtype)
    rows = np.empty(m, np.int64)
    u = 0
    for j in range(m):
        k = np.int64(idx[j])
        if k < 0:
            k += n
        s = slot[k]
        if s < 0:
            s = u
            slot[k] = u
            rows[u] = k
            u += 1
        for q in range(d):
            acc[s, q] += v[j, q]
    for s in range(u):
        k = rows[s]
        if scaled:
            for q in range(d):
                out[k, q] = w[k, q] - acc[s, q] * c
        else:
            for q in range(d):
                out[k, q] = w[k, q] - acc[s, q]
    return -1


def sub_scattered(out, w, v, i, c: float | None = None):
    """``out[...] = w - c * scatter_add(v, i, w)`` (``c`` None: no scaling, a rate of 1);
    ``out`` a C-contiguous writeable array of ``w``'s shape and dtype that is not ``w``, ``v``
    of ``w``'s dtype.  An index out of range raises ``gather.scatter_add``'s error before
    anything is written; negative ones count from the end, as there.  Returns ``out``."""
    n = w.shape[0]
    i = np.asarray(i)
    m = i.size
    if m == 0 or w.size == 0:
        if m:
            _checked(i, n)
        np.copyto(out, w)
        return out
    rows = w.size // n
    if v.ndim == i.ndim + 1 and i.ndim > 1 and v.flags.c_contiguous is False:
        v = np.ascontiguousarray(v)             # (a transposed gradient: one copy)
    bad = _sub_rows(out.reshape(n, rows), w.reshape(n, rows), v.reshape(m, rows),
                    i.reshape(m), w.dtype.type(1.0 if c is None else c), c is not None)
    if bad >= 0:
        _checked(i, n)                          # (raises, naming the index)
    return out
