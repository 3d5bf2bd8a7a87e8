"""Numba loops of the general max pool (any window, stride, padding, dilation), imported on
first use, never by ``import dlcore``; the 2x2 stride-2 pool has its own loops in
:mod:`._jit_conv`.

``max_pool_rows`` computes the values (``want_arg`` false: ``vals[n, c, oh, ow]``) or the
indices (``idx[n, c, oh, ow] = ih * W + iw`` of the first maximum in window order, a NaN being
the maximum, PyTorch's ``return_indices``) of one output row at a time: the row's running
maximum (and its index) over the window taps, one tap at a time across the whole row, a
select per element.  Each input row a window reads is first copied into its ``sw`` stride
phases (phase ``p`` holds columns ``p, p + sw, ...``), so that every tap reads one phase at
consecutive positions and LLVM vectorises the loop over the row (strided loads kept it scalar;
the per-window scan with its compare-and-branch chain, the loop this replaced, ran at 1.6-5 ns
per tap).  The indices are kept in int32 while a row runs (int64 only where ``H * W`` does not
fit) and widened when the row is stored.

Measured (one thread, process CPU time, float32, us, old scan -> these rows; values / indices):
torchaudio M5's first pool, 64x32x1x496 window 4 stride 4, 1850 / 5405 -> 667 / 779 (PyTorch's
``max_pool1d`` with indices 1850); 32x64x56x56 3x3 stride 2 pad 1, 40185 / 73301 -> 15054 /
19114; 64x16x24x24 3x3 stride 1 pad 1, 14664 / 25820 -> 5335 / 6056.

Each loop indexes its rows from 0 with unsigned subscripts (a plain subscript's negative-index
wrap-around kept loops scalar); the caller keeps every index inside its buffer.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, uint64

from ._jit_conv import _span  # the outputs whose input index lies inside an axis
from .runtime import configure_threads

configure_threads()

_INL = {"cache": True, "nogil": True, "inline": "always"}
_SER = {"cache": True, "nogil": True}
_PAR = {"cache": True, "nogil": True, "parallel": True}


@njit(**_INL)
def _phases_of(r, sw, phases):
    """phases[p, q] = r[q sw + p]: row ``r`` split by stride phase."""
    w_n = r.shape[0]
    for p in range(sw):
        dst = phases[p]
        for q in range((w_n - p + sw - 1) // sw):
            dst[uint64(q)] = r[uint64(q * sw + p)]


@njit(**_INL)
def _plane(x, kh, kw, sh, sw, ph, pw, dh, dw, vals, idx, want_arg, nc, phases, best, arg):
    """One (n, c) plane (module docstring); ``phases``, ``best``, ``arg``: scratch rows."""
    c_n, h_n, w_n = x.shape[1], x.shape[2], x.shape[3]
    shape = idx.shape if want_arg else vals.shape
    oh_n, ow_n = shape[2], shape[3]
    n = nc // c_n
    c = nc % c_n
    for oh in range(oh_n):
        for ow in range(ow_n):
            best[ow] = -np.inf
            arg[ow] = -1
        for i in range(kh):
            ih = oh * sh - ph + i * dh
            if ih < 0 or ih >= h_n:
                continue
            _phases_of(x[n, c, ih], sw, phases)
            for j in range(kw):
                off = j * dw - pw                   # input column ow * sw + off
                lo, hi = _span(ow_n, sw, pw, j * dw, w_n)
                p = off % sw
                q0 = (off - p) // sw                # phase p's position of output 0
                src = phases[p]
                base = ih * w_n + off
                if want_arg:
                    for ow in range(lo, hi):
                        v = src[uint64(ow + q0)]
                        b = best[uint64(ow)]
                        a = arg[uint64(ow)]
                        t = (a < 0) | (v > b) | ((v != v) & (b == b))   # first NaN wins
                        best[uint64(ow)] = v if t else b
                        arg[uint64(ow)] = base + ow * sw if t else a
                else:
                    for ow in range(lo, hi):
                        v = src[uint64(ow + q0)]
                        b = best[uint64(ow)]
                        t = (v > b) | ((v != v) & (b == b))
                        best[uint64(ow)] = v if t else b
        if want_arg:
            o = idx[n, c, oh]
            for ow in range(ow_n):
                o[ow] = arg[ow]
        else:
            o = vals[n, c, oh]
            for ow in range(ow_n):
                o[ow] = best[ow]


@njit(**_INL)
def _scratch(x, sw, arg_row):
    return (np.empty((sw, (x.shape[3] + sw - 1) // sw), x.dtype),
            np.empty(arg_row.shape[0], x.dtype), np.empty_like(arg_row))


@njit(**_SER)
def max_pool_rows(x, kh, kw, sh, sw, ph, pw, dh, dw, vals, idx, want_arg, arg_row):
    """The values (into ``vals``) or, with ``want_arg``, the indices (into ``idx``) of a max
    pool; the other output is an unused placeholder.  ``arg_row``: an output row's worth of the
    integers the indices run in (int32 where ``H * W`` fits, module docstring)."""
    phases, best, arg = _scratch(x, sw, arg_row)
    for nc in range(x.shape[0] * x.shape[1]):
        _plane(x, kh, kw, sh, sw, ph, pw, dh, dw, vals, idx, want_arg, nc, phases, best, arg)


@njit(**_PAR)
def max_pool_rows_par(x, kh, kw, sh, sw, ph, pw, dh, dw, vals, idx, want_arg, arg_row):
    for nc in prange(x.shape[0] * x.shape[1]):
        phases, best, arg = _scratch(x, sw, arg_row)
        _plane(x, kh, kw, sh, sw, ph, pw, dh, dw, vals, idx, want_arg, nc, phases, best, arg)
