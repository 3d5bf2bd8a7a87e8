"""PyTorch's CPU top-k selection order (Numba), for ``torch.topk``'s indices among equal values.

PyTorch's CPU ``topk`` (aten/src/ATen/native/TopKImpl.h) fills a vector of (value, index)
pairs for a line and calls the C++ standard library: ``std::partial_sort`` of the first k when
``k * 64 <= n``, else ``std::nth_element`` at k - 1 followed (``sorted=True``) by ``std::sort``
of the first k - 1, with a comparator on the values only (NaN the largest).  Which of several
equal values it returns, and in what order, is therefore the order GNU libstdc++'s introselect,
introsort and heap algorithms leave them in; the loops below are those algorithms
(bits/stl_algo.h, bits/stl_heap.h) step for step, so the indices match PyTorch's for every
input, ties included.  ``v``/``ix`` are a line's values (its own dtype: int64 compares
exactly) and indices, permuted together; ``lo``/``hi`` are C++'s ``first``/``last``."""

from __future__ import annotations

import numpy as np
from numba import njit

from .runtime import configure_threads

configure_threads()


@njit(cache=True, nogil=True, inline="always")
def _less(a, b, largest):
    """The comparator: ``a`` goes before ``b`` (NaN first when largest, last when not)."""
    if largest:
        return (a != a and b == b) or a > b
    return (a == a and b != b) or a < b


@njit(cache=True, nogil=True, inline="always")
def _swap(v, ix, a, b):
    t = v[a]
    v[a] = v[b]
    v[b] = t
    j = ix[a]
    ix[a] = ix[b]
    ix[b] = j


@njit(cache=True, nogil=True, inline="always")
def _move_median_to_first(v, ix, r, a, b, c, lg):
    if _less(v[a], v[b], lg):
        if _less(v[b], v[c], lg):
            _swap(v, ix, r, b)
        elif _less(v[a], v[c], lg):
            _swap(v, ix, r, c)
        else:
            _swap(v, ix, r, a)
    elif _less(v[a], v[c], lg):
        _swap(v, ix, r, a)
    elif _less(v[b], v[c], lg):
        _swap(v, ix, r, c)
    else:
        _swap(v, ix, r, b)


@njit(cache=True, nogil=True, inline="always")
def _partition_pivot(v, ix, lo, hi, lg):
    """``__unguarded_partition_pivot``: median of three to ``lo``, then Hoare's partition."""
    _move_median_to_first(v, ix, lo, lo + 1, lo + (hi - lo) // 2, hi - 1, lg)
    first, last, pivot = lo + 1, hi, lo
    while True:
        while _less(v[first], v[pivot], lg):
            first += 1
        last -= 1
        while _less(v[pivot], v[last], lg):
            last -= 1
        if not first < last:
            return first
        _swap(v, ix, first, last)
        first += 1


@njit(cache=True, nogil=True, inline="always")
def _linear_insert(v, ix, last, lg):
    val, vi = v[last], ix[last]
    nxt = last - 1
    while _less(val, v[nxt], lg):
        v[last], ix[last] = v[nxt], ix[nxt]
        last = nxt
        nxt -= 1
    v[last], ix[last] = val, vi


@njit(cache=True, nogil=True)
def _insertion_sort(v, ix, lo, hi, lg):
    if lo == hi:
        return
    for i in range(lo + 1, hi):
        if _less(v[i], v[lo], lg):
            val, vi = v[i], ix[i]
            for j in range(i, lo, -1):          # move_backward(first, i, i + 1)
                v[j], ix[j] = v[j - 1], ix[j - 1]
            v[lo], ix[lo] = val, vi
        else:
            _linear_insert(v, ix, i, lg)


@njit(cache=True, nogil=True, inline="always")
def _adjust_heap(v, ix, lo, hole, n, val, vi, lg):
    top = hole
    child = hole
    while child < (n - 1) // 2:
        child = 2 * (child + 1)
        if _less(v[lo + child], v[lo + child - 1], lg):
            child -= 1
        v[lo + hole], ix[lo + hole] = v[lo + child], ix[lo + child]
        hole = child
    if (n & 1) == 0 and child == (n - 2) // 2:
        child = 2 * (child + 1)
        v[lo + hole], ix[lo + hole] = v[lo + child - 1], ix[lo + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2                     # __push_heap
    while hole > top and _less(v[lo + parent], val, lg):
        v[lo + hole], ix[lo + hole] = v[lo + parent], ix[lo + parent]
        hole = parent
        parent = (hole - 1) // 2
    v[lo + hole], ix[lo + hole] = val, vi


@njit(cache=True, nogil=True, inline="always")
def _pop_heap(v, ix, lo, hi, result, lg):
    val, vi = v[result], ix[result]
    v[result], ix[result] = v[lo], ix[lo]
    _adjust_heap(v, ix, lo, 0, hi - lo, val, vi, lg)


@njit(cache=True, nogil=True)
def _heap_select(v, ix, lo, mid, hi, lg):
    n = mid - lo
    if n >= 2:                                   # __make_heap
        parent = (n - 2) // 2
        while True:
            _adjust_heap(v, ix, lo, parent, n, v[lo + parent], ix[lo + parent], lg)
            if parent == 0:
                break
            parent -= 1
    for i in range(mid, hi):
        if _less(v[i], v[lo], lg):
            _pop_heap(v, ix, lo, mid, i, lg)


@njit(cache=True, nogil=True)
def _partial_sort(v, ix, lo, mid, hi, lg):
    _heap_select(v, ix, lo, mid, hi, lg)
    while mid - lo > 1:                          # __sort_heap
        mid -= 1
        _pop_heap(v, ix, lo, mid, mid, lg)


@njit(cache=True, nogil=True)
def _log2(n):
    r = 0
    while n > 1:
        n >>= 1
        r += 1
    return r


@njit(cache=True, nogil=True)
def _nth_element(v, ix, lo, nth, hi, lg):
    if lo == hi or nth == hi:
        return
    depth = _log2(hi - lo) * 2
    while hi - lo > 3:
        if depth == 0:
            _heap_select(v, ix, lo, nth + 1, hi, lg)
            _swap(v, ix, lo, nth)
            return
        depth -= 1
        cut = _partition_pivot(v, ix, lo, hi, lg)
        if cut <= nth:
            lo = cut
        else:
            hi = cut
    _insertion_sort(v, ix, lo, hi, lg)


@njit(cache=True, nogil=True)
def _sort(v, ix, lo, hi, lg):
    """``std::sort``: introsort (its recursion on the right part as an explicit stack), then
    the final insertion sort."""
    if lo == hi:
        return
    stack = np.empty((2 * _log2(hi - lo) + 4, 3), np.int64)
    stack[0, 0], stack[0, 1], stack[0, 2] = lo, hi, _log2(hi - lo) * 2
    top = 1
    while top:
        top -= 1
        first, last, depth = stack[top, 0], stack[top, 1], stack[top, 2]
        while last - first > 16:
            if depth == 0:
                _partial_sort(v, ix, first, last, last, lg)
                break
            depth -= 1
            cut = _partition_pivot(v, ix, first, last, lg)
            # the recursive call on [cut, last) runs to its end before the loop goes on
            # with [first, cut): pushed above this frame's rest, which is saved below it
            stack[top, 0], stack[top, 1], stack[top, 2] = first, cut, depth
            stack[top + 1, 0], stack[top + 1, 1], stack[top + 1, 2] = cut, last, depth
            top += 2
            break
    if hi - lo > 16:
        _insertion_sort(v, ix, lo, lo + 16, lg)
        for i in range(lo + 16, hi):
            _linear_insert(v, ix, i, lg)
    else:
        _insertion_sort(v, ix, lo, hi, lg)


#: The most values the tie-free path keeps (an insertion into its sorted buffer per
#: better value than the buffer's last); a larger k takes the library algorithms.
FAST_K = 16


@njit(cache=True, nogil=True, inline="always")
def _before(a, b, largest):
    """The comparator without its NaN rule (the tie-free pass has none to order)."""
    return a > b if largest else a < b


@njit(cache=True, nogil=True, inline="always")
def _insert(buf, bix, p, v, j, largest):
    """Value ``v`` (index ``j``) into the sorted ``buf[:p + 1]`` from slot ``p`` down, the
    values it goes before shifted up one."""
    while p > 0 and _before(v, buf[p - 1], largest):
        buf[p] = buf[p - 1]
        bix[p] = bix[p - 1]
        p -= 1
    buf[p] = v
    bix[p] = j


@njit(cache=True, nogil=True, inline="always")
def _fast_line(x, a, c, k, largest, buf, bix):
    """The first ``k`` of line ``x[a, :, c]`` in the comparator's order into ``bix`` by one
    pass keeping them sorted in ``buf``, when the line settles them without ties: no NaN, the
    k values distinct and no other value equal to the k-th.  Then every algorithm, PyTorch's
    included, returns these indices in this order; False (``bix`` unusable) otherwise."""
    n = x.shape[1]
    for j in range(k):                          # (the first k, sorted by insertion)
        v = x[a, j, c]
        if v != v:
            return False
        _insert(buf, bix, j, v, j, largest)
    last = buf[k - 1]
    for j in range(k, n):
        v = x[a, j, c]
        if v != v:
            return False
        if _before(v, last, largest):
            _insert(buf, bix, k - 1, v, j, largest)
            last = buf[k - 1]
    for i in range(1, k):
        if not _before(buf[i - 1], buf[i], largest):
            return False                        # (two equal values among the k)
    m = 0
    for j in range(n):                          # (at or before the k-th: k of them, no tie)
        m += not _before(last, x[a, j, c], largest)
    return m == k


@njit(cache=True, nogil=True)
def topk_order3(x, out, k, largest, sorted_):
    """``out[a, :, c]``: the indices PyTorch's CPU topk returns for line ``x[a, :, c]`` (a
    sorted top-k of at most ``FAST_K`` values by the tie-free pass where it settles the line:
    64 rows of 128, k = 5, 23 -> see dlcore/ops/scan.py)."""
    o, n, inner = x.shape
    v = np.empty(n, x.dtype)
    ix = np.empty(n, np.int64)
    fast = sorted_ and 0 < k <= FAST_K
    buf = np.empty(max(k, 1), x.dtype)
    bix = np.empty(max(k, 1), np.int64)
    for a in range(o):
        for c in range(inner):
            if fast and _fast_line(x, a, c, k, largest, buf, bix):
                for j in range(k):
                    out[a, j, c] = bix[j]
                continue
            for j in range(n):
                v[j] = x[a, j, c]
                ix[j] = j
            if k * 64 <= n:
                _partial_sort(v, ix, 0, k, n, largest)
            else:
                _nth_element(v, ix, 0, k - 1, n, largest)
                if sorted_:
                    _sort(v, ix, 0, k - 1, largest)
            for j in range(k):
                out[a, j, c] = ix[j]


@njit(cache=True, nogil=True, inline="always")
def _load_line(x, a, c, v, ix):
    """Line ``x[a, :, c]`` into ``v`` with its positions in ``ix``."""
    for j in range(x.shape[1]):
        v[j] = x[a, j, c]
        ix[j] = j


@njit(cache=True, nogil=True)
def mode_index3(x, out):
    """``out[a, c]``: the index PyTorch's CPU ``mode`` returns for line ``x[a, :, c]``: the
    line's (value, index) pairs sorted by ``std::sort`` on the values (:func:`_sort`, its
    introsort step for step: which of equal values ends a run depends on it), then the runs
    scanned in order, the first longest one kept, its last pair's index returned."""
    o, n, inner = x.shape
    v = np.empty(n, x.dtype)
    ix = np.empty(n, np.int64)
    for a in range(o):
        for c in range(inner):
            _load_line(x, a, c, v, ix)
            _sort(v, ix, 0, n, False)
            best = 0
            most = 0
            run = 0
            for i in range(n):
                run += 1
                if i == n - 1 or v[i] != v[i + 1]:
                    if run > most:
                        most = run
                        best = ix[i]
                    run = 0
            out[a, c] = best


@njit(cache=True, nogil=True, inline="always")
def _gt_or_nan(a, b):
    return (a != a and b == b) or a > b


@njit(cache=True, nogil=True)
def _quick_select(v, ix, k):
    """ATen's ``quick_select_template`` (SortingUtils.h) on ``v``/``ix`` for position ``k``:
    median-of-three pivots, Hoare partitions, NaN the largest."""
    lo = 0
    hi = v.shape[0] - 1
    while True:
        if hi <= lo:
            return
        if hi == lo + 1:
            if _gt_or_nan(v[lo], v[hi]):
                _swap(v, ix, lo, hi)
            return
        p = lo + (hi - lo) // 2
        _swap(v, ix, p, lo + 1)
        if _gt_or_nan(v[lo + 1], v[hi]):
            _swap(v, ix, lo + 1, hi)
        if _gt_or_nan(v[lo], v[hi]):
            _swap(v, ix, lo, hi)
        if _gt_or_nan(v[lo + 1], v[lo]):
            _swap(v, ix, lo + 1, lo)
        i = lo + 1
        j = hi
        piv = v[lo]
        while True:
            i += 1
            while _gt_or_nan(piv, v[i]):
                i += 1
            j -= 1
            while _gt_or_nan(v[j], piv):
                j -= 1
            if j < i:
                break
            _swap(v, ix, i, j)
        _swap(v, ix, lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1


@njit(cache=True, nogil=True)
def kthvalue_index3(x, out, k):
    """``out[a, c]``: the index PyTorch's CPU ``kthvalue`` returns for the ``k``-th smallest
    (0-based here) of line ``x[a, :, c]``: ATen's quickselect on a copy of the line."""
    o, n, inner = x.shape
    v = np.empty(n, x.dtype)
    ix = np.empty(n, np.int64)
    for a in range(o):
        for c in range(inner):
            _load_line(x, a, c, v, ix)
            _quick_select(v, ix, k)
            out[a, c] = ix[k]
