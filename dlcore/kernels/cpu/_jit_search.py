"""Numba loop behind ``torch.searchsorted``'s positions (``dlcore_eager/_search.py``; imported
on first use): ATen's binary search per value (``cus_lower_bound`` / ``cus_upper_bound``),
whose comparisons with a NaN are all false (a NaN value goes past every element; a NaN in the
sequence sends the search right), so one loop gives PyTorch's positions for every input."""

from __future__ import annotations

from numba import njit

from .runtime import configure_threads

configure_threads()


@njit(cache=True, nogil=True)
def positions(seq, vals, right, out):                 # pragma: no cover - Numba
    """``out[r, j]``: where ``vals[r, j]`` goes in the sorted row ``seq[r]`` (``seq``'s one
    row for every ``r`` when it has one): the first index whose element is ``>= v``
    (``> v`` when ``right``), ATen's comparisons."""
    shared = seq.shape[0] == 1
    n = seq.shape[1]
    for r in range(vals.shape[0]):
        row = 0 if shared else r
        for j in range(vals.shape[1]):
            v = vals[r, j]
            lo = 0
            hi = n
            while lo < hi:
                mid = lo + ((hi - lo) >> 1)
                m = seq[row, mid]
                if (not m > v) if right else (not m >= v):
                    lo = mid + 1
                else:
                    hi = mid
            out[r, j] = lo
