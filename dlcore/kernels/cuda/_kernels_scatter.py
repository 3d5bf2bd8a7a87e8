"""CUDA kernels of scatter_set / scatter_combine (imported on first use; see ``scatter.py``).

Operands are flat buffers of ``(outer, n, inner)`` (the destination) and ``(outer, k, inner)``
(values and indices).  An out-of-range index sets ``err = (1, index)``.
"""

from __future__ import annotations

from numba import cuda


@cuda.jit(cache=True)
def last_writer(win, idx, k, n, inner, total, err):
    """win[destination] = the largest k writing there (atomic max; win starts at -1)."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for e in range(start, total, step):
        a = e // (k * inner)
        kk = (e // inner) % k
        c = e % inner
        j = idx[e]
        if j < 0:
            j += n
        if j < 0 or j >= n:
            err[0] = 1
            err[1] = idx[e]
        else:
            cuda.atomic.max(win, (a * n + j) * inner + c, kk)


@cuda.jit(cache=True)
def write_winners(out, v, idx, win, k, n, inner, total):
    """out[destination] = v[e] for the one e whose k won there (no race: one writer each)."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for e in range(start, total, step):
        a = e // (k * inner)
        kk = (e // inner) % k
        c = e % inner
        j = idx[e]
        if j < 0:
            j += n
        if 0 <= j < n:
            d = (a * n + j) * inner + c
            if win[d] == kk:
                out[d] = v[e]


@cuda.jit(cache=True)
def check_lines(idx, n, total, err):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for e in range(start, total, step):
        j = idx[e]
        if j < -n or j >= n:
            err[0] = 1
            err[1] = j


@cuda.jit(cache=True)
def combine_lines(out, v, idx, k, n, inner, total, code):
    """One thread per destination element: fold the line's values aimed at it in order k
    (code 0 max, 1 min, 2 product; max/min let NaN win)."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for d in range(start, total, step):
        a = d // (n * inner)
        j = (d // inner) % n
        c = d % inner
        acc = out[d]
        for kk in range(k):
            e = (a * k + kk) * inner + c
            q = idx[e]
            if q < 0:
                q += n
            if q == j:
                b = v[e]
                if code == 2:
                    acc = acc * b
                elif code == 0:
                    if b > acc or b != b:  # noqa: PLR0124 - NaN wins
                        acc = b
                elif b < acc or b != b:  # noqa: PLR0124
                    acc = b
        out[d] = acc
