"""numba.cuda kernels behind :mod:`dlcore.kernels.cuda.scan` (imported on first use)."""

from __future__ import annotations

from numba import cuda


@cuda.jit
def scan_lines(out, x, o, n, inner, reverse, exclusive, product, init):
    """Running sum/product per line, from ``init`` (a typed 0 or 1: ``x * 0`` would be NaN
    for an infinite first element)."""
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for line in range(start, o * inner, step):
        a = line // inner
        c = line - a * inner
        base = a * n * inner + c
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
def argsort_lines(out, x, o, n, inner, descending):
    start = cuda.grid(1)
    step = cuda.gridsize(1)
    for line in range(start, o * inner, step):
        a = line // inner
        c = line - a * inner
        base = a * n * inner + c
        for k in range(n):                  # stable insertion sort of the indices
            key = x[base + k * inner]
            j = k - 1
            while j >= 0 and _before(key, x[base + out[base + j * inner] * inner], descending):
                out[base + (j + 1) * inner] = out[base + j * inner]
                j -= 1
            out[base + (j + 1) * inner] = k


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
