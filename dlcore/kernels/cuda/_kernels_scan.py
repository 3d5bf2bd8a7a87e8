"""numba.cuda kernels behind :mod:`dlcore.kernels.cuda.scan` (imported on first use)."""

from __future__ import annotations

import math

from numba import cuda


@cuda.jit(device=True)
def _line_base(line, n, inner):
    """The flat position of line ``line``'s first element ((outer, n, inner) lines along the
    middle axis, ``inner`` apart)."""
    a = line // inner
    return a * n * inner + (line - a * inner)


@cuda.jit
def scan_lines(out, x, o, n, inner, reverse, exclusive, product, init):
    """Running sum/product per line, from ``init`` (a typed 0 or 1: ``x * 0`` would be NaN
    for an infinite first element)."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for line in range(start, o * inner, step):
        base = _line_base(line, n, inner)
        acc = init
        for k in range(n):
            kk = n - 1 - k if reverse else k
            v = x[base + kk * inner]
            if exclusive:
                out[base + kk * inner] = acc
            if product:
                acc = acc * v
            else:
                acc = acc + v
            if not exclusive:
                out[base + kk * inner] = acc


@cuda.jit(device=True)
def _before(u, v, descending):
    """Does value u sort strictly before value v (NaN the largest)?"""
    if descending:
        return u > v or (u != u and v == v)
    return u < v or (v != v and u == u)


@cuda.jit
def iota_lines(out, o, n, inner):
    """Each line's positions 0..n-1: the identity permutation a sort starts from."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for e in range(start, o * n * inner, step):
        out[e] = (e // inner) % n


@cuda.jit(device=True)
def _count_before(x, idx, base, inner, lo, hi, key, descending, or_equal):
    """In the sorted run idx[lo:hi] of a line, how many keys sort before ``key`` (strictly, or
    also the equal ones when ``or_equal``): a binary search, the predicate being monotone."""
    while lo < hi:
        mid = (lo + hi) // 2
        v = x[base + idx[base + mid * inner] * inner]
        if or_equal:
            goes_first = not _before(key, v, descending)
        else:
            goes_first = _before(v, key, descending)
        if goes_first:
            lo = mid + 1
        else:
            hi = mid
    return lo


@cuda.jit
def merge_pass(dst, src, x, o, n, inner, width, descending):
    """One pass of a stable bottom-up merge sort of every line, all elements in parallel: the
    sorted runs [r, r+width) and [r+width, r+2*width) of ``src`` (indices into the line) merge
    into ``dst``.  Each element finds its place by a binary search in the other run: an element
    of the first run goes after the second run's strictly smaller keys, one of the second run
    after the first run's keys that are smaller or equal (equal keys keep their order).
    ceil(log2 n) passes sort a line: O(n log^2 n) work, O(log^2 n) depth."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for e in range(start, o * n * inner, step):
        a = e // (n * inner)
        rem = e - a * n * inner
        p = rem // inner
        c = rem - p * inner
        base = a * n * inner + c
        r0 = (p // (2 * width)) * (2 * width)
        mid = min(r0 + width, n)
        end = min(r0 + 2 * width, n)
        i = src[base + p * inner]
        key = x[base + i * inner]
        if p < mid:          # first run: after the second run's strictly smaller keys
            q = r0 + (p - r0) + (_count_before(x, src, base, inner, mid, end, key, descending,
                                               False) - mid)
        else:                # second run: after the first run's smaller or equal keys
            q = r0 + (p - mid) + (_count_before(x, src, base, inner, r0, mid, key, descending,
                                                True) - r0)
        dst[base + q * inner] = i


@cuda.jit
def gather_lines(out, x, idx, k, n, inner, total, err):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for e in range(start, total, step):
        a = e // (k * inner)
        c = e % inner
        j = idx[e]
        if j < 0:
            j += n
        if j < 0 or j >= n:
            err[0] = 1
            err[1] = idx[e]
            out[e] = x[0] * 0
        else:
            out[e] = x[(a * n + j) * inner + c]


@cuda.jit
def scatter_add_lines(out, v, idx, k, n, inner, total, err):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for e in range(start, total, step):
        a = e // (k * inner)
        c = e % inner
        j = idx[e]
        if j < 0:
            j += n
        if j < 0 or j >= n:
            err[0] = 1
            err[1] = idx[e]
        else:
            cuda.atomic.add(out, (a * n + j) * inner + c, v[e])


@cuda.jit
def logaddexp_lines(out, x, o, n, inner):
    """The CPU's running log-add-exp per line (float64 accumulator, NaN kept)."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for line in range(start, o * inner, step):
        base = _line_base(line, n, inner)
        acc = -math.inf
        for k in range(n):
            v = x[base + k * inner] * 1.0
            if acc != acc:
                pass
            elif v != v:
                acc = v
            else:
                lo = min(v, acc)
                hi = max(v, acc)
                if lo != hi or math.isfinite(lo):
                    acc = math.log1p(math.exp(lo - hi)) + hi
                else:
                    acc = v
            out[base + k * inner] = acc
