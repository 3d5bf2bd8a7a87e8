"""Numba loops of the general max pool (any window, stride, padding, dilation), imported on
first use, never by ``import dlcore``; the 2x2 stride-2 pool has its own loops in
:mod:`._jit_conv`.  Each computes the values (``vals[n, c, oh, ow]``) or the indices
(``idx[n, c, oh, ow] = ih * W + iw`` of the first maximum in window order, a NaN being the
maximum, PyTorch's ``return_indices``) of the windows.

* ``max_pool_rows``: one output row at a time, the row's running maximum (and its index) over
  the window taps, one tap at a time across the whole row, a select per element.  Each input
  row a window reads is first copied into its ``sw`` stride phases (phase ``p`` holds columns
  ``p, p + sw, ...``), so that every tap reads one phase at consecutive positions and LLVM
  vectorises the loop over the row (strided loads kept it scalar).  The indices are kept in
  int32 while a row runs (int64 only where ``H * W`` does not fit) and widened when the row is
  stored.
* ``max_pool_scan``: each window scanned in turn, a compare and a branch per
  tap (1.6-5 ns a tap on random data): the loops for rows of few outputs, where the rows' work
  per tap (a phase split, the tap's span of outputs) costs more than the taps
  (``pool.POOL_ROWS_MIN_OUTPUTS``).

Measured (one thread, process CPU time, float32, us, scan -> rows; values / indices):
torchaudio M5's first pool, 64x32x1x496 window 4 stride 4 (124 outputs a row), 1850 / 5405 ->
667 / 779 (PyTorch's ``max_pool1d`` with indices 1850); its second, 64x32x1x122 (30 a row), 400
/ 1300 -> 550 / 540; 32x64x56x56 3x3 stride 2 pad 1 (28), 40185 / 73301 -> 15054 / 19114;
64x16x24x24 3x3 stride 1 pad 1 (24), 14664 / 25820 -> 5335 / 6056.  Rows of few outputs lose:
64x32x1x30 (7 a row) 177 / 365 -> 299 / 351; the Kim text CNN's pool over a whole row,
64x100x1x48, 554 / 913 -> 4555 / 5161; 32x512x7x7 7x7 1787 / 2895 -> 11675 / 12844.

The rows index from 0 with unsigned subscripts (a plain subscript's negative-index wrap-around
kept loops scalar); the caller keeps every index inside its buffer.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, uint64

from ._jit_conv import _span  # the outputs whose input index lies inside an axis
from ._jit_conv import _window  # PyTorch's average-pool window along one axis
from .runtime import configure_threads

configure_threads()

_INL = {"cache": True, "nogil": True, "inline": "always"}
_SER = {"cache": True, "nogil": True}
_PAR = {"cache": True, "nogil": True, "parallel": True}


# --------------------------------------------------------------- the window scan (short rows)
@njit(**_INL)
def _scan_plane(x, kh, kw, sh, sw, ph, pw, dh, dw, vals, idx, want_arg, nc):
    """One (n, c) plane, each window scanned in turn: its maximum into ``vals`` or, with
    ``want_arg``, the flat index of its first maximum into ``idx`` (a NaN the maximum, the
    first one kept; a window of -inf keeps its first tap)."""
    c_n, h_n, w_n = x.shape[1], x.shape[2], x.shape[3]
    shape = idx.shape if want_arg else vals.shape
    n = nc // c_n
    c = nc % c_n
    for oh in range(shape[2]):
        for ow in range(shape[3]):
            best = -np.inf
            arg = -1
            for i in range(kh):
                ih = oh * sh - ph + i * dh
                if ih < 0 or ih >= h_n:
                    continue
                for j in range(kw):
                    iw = ow * sw - pw + j * dw
                    if iw >= 0 and iw < w_n:
                        v = x[n, c, ih, iw]
                        if not want_arg:        # (the values alone: one compare chain less)
                            if best == best and (v > best or v != v):
                                best = v
                        elif arg < 0 or (best == best and (v > best or v != v)):
                            best = v
                            arg = ih * w_n + iw
            if want_arg:
                idx[n, c, oh, ow] = arg
            else:
                vals[n, c, oh, ow] = best


@njit(**_SER)
def max_pool_scan(x, kh, kw, sh, sw, ph, pw, dh, dw, vals, idx, want_arg):
    """The values (into ``vals``) or, with ``want_arg``, the indices (into ``idx``) of a max
    pool, each window scanned; the other output is an unused placeholder."""
    for nc in range(x.shape[0] * x.shape[1]):
        _scan_plane(x, kh, kw, sh, sw, ph, pw, dh, dw, vals, idx, want_arg, nc)


@njit(**_PAR)
def max_pool_scan_par(x, kh, kw, sh, sw, ph, pw, dh, dw, vals, idx, want_arg):
    for nc in prange(x.shape[0] * x.shape[1]):
        _scan_plane(x, kh, kw, sh, sw, ph, pw, dh, dw, vals, idx, want_arg, nc)


# ------------------------------------------------------------------------ the rows (long rows)
@njit(**_INL)
def _phases_of(r, sw, phases):
    """phases[p, q] = r[q sw + p]: row ``r`` split by stride phase."""
    w_n = r.shape[0]
    for p in range(sw):
        dst = phases[p]
        for q in range((w_n - p + sw - 1) // sw):
            dst[uint64(q)] = r[uint64(q * sw + p)]


@njit(**_INL)
def _fold_max(src, s0, lo, hi, best, arg, at, step, want_arg):
    """For e in [lo, hi): the running maximum ``best[e]`` of ``src[s0 + e]`` (the first NaN
    kept) and, with ``want_arg``, its index ``arg[e]`` (``at + e step`` where it is taken, the
    first tap where ``arg`` is still -1): a select per element, the loop LLVM vectorises."""
    if want_arg:
        for e in range(lo, hi):
            v = src[uint64(s0 + e)]
            b = best[uint64(e)]
            a = arg[uint64(e)]
            t = (a < 0) | (v > b) | ((v != v) & (b == b))
            best[uint64(e)] = v if t else b
            arg[uint64(e)] = at + e * step if t else a
    else:
        for e in range(lo, hi):
            v = src[uint64(s0 + e)]
            b = best[uint64(e)]
            t = (v > b) | ((v != v) & (b == b))
            best[uint64(e)] = v if t else b


@njit(**_INL)
def _store_and_reset(src, out, best, arg):
    """``out[:] = src`` (``best``, or ``arg`` for the indices), then ``best`` and ``arg`` reset
    (-inf, -1) for the next row or pixel."""
    for e in range(src.shape[0]):
        out[e] = src[e]
    best[:] = -np.inf
    arg[:] = -1


@njit(**_INL)
def _plane(x, kh, kw, sh, sw, ph, pw, dh, dw, vals, idx, want_arg, nc, phases, best, arg):
    """One (n, c) plane (module docstring); ``phases``, ``best``, ``arg``: scratch rows."""
    c_n, h_n, w_n = x.shape[1], x.shape[2], x.shape[3]
    shape = idx.shape if want_arg else vals.shape
    oh_n, ow_n = shape[2], shape[3]
    n = nc // c_n
    c = nc % c_n
    best[:] = -np.inf
    arg[:] = -1
    for oh in range(oh_n):
        for i in range(kh):
            ih = oh * sh - ph + i * dh
            if ih < 0 or ih >= h_n:
                continue
            _phases_of(x[n, c, ih], sw, phases)
            for j in range(kw):
                off = j * dw - pw                   # input column ow * sw + off
                lo, hi = _span(ow_n, sw, pw, j * dw, w_n)
                p = off % sw
                # phase p's position of output ow is ow + (off - p) / sw
                _fold_max(phases[p], (off - p) // sw, lo, hi, best, arg, ih * w_n + off, sw,
                          want_arg)
        if want_arg:
            _store_and_reset(arg, idx[n, c, oh], best, arg)
        else:
            _store_and_reset(best, vals[n, c, oh], best, arg)


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


# --------------------------------------------------------------- channels-last (NHWC buffers)
@njit(**_INL)
def _image_nhwc(x, kh, kw, sh, sw, ph, pw, dh, dw, vals, idx, want_arg, n, best, arg):
    """One image of NHWC ``x`` (N, H, W, C) into NHWC ``vals`` / ``idx`` (N, OH, OW, C): per
    output pixel the running maximum over its taps, a select per channel (the vector loop)."""
    h_n, w_n, c_n = x.shape[1], x.shape[2], x.shape[3]
    shape = idx.shape if want_arg else vals.shape
    best[:] = -np.inf
    arg[:] = -1
    for oh in range(shape[1]):
        for ow in range(shape[2]):
            for i in range(kh):
                ih = oh * sh - ph + i * dh
                if ih < 0 or ih >= h_n:
                    continue
                for j in range(kw):
                    iw = ow * sw - pw + j * dw
                    if 0 <= iw < w_n:
                        _fold_max(x[n, ih, iw], 0, 0, c_n, best, arg, ih * w_n + iw, 0,
                                  want_arg)
            if want_arg:
                _store_and_reset(arg, idx[n, oh, ow], best, arg)
            else:
                _store_and_reset(best, vals[n, oh, ow], best, arg)


@njit(**_SER)
def max_pool_nhwc(x, kh, kw, sh, sw, ph, pw, dh, dw, vals, idx, want_arg, arg_row):
    """``max_pool_rows`` on the NHWC buffers of channels-last operands, the channels
    vectorised; ``arg_row``: a pixel's worth (C) of the indices' integers."""
    best = np.empty(x.shape[3], x.dtype)
    arg = np.empty_like(arg_row)
    for n in range(x.shape[0]):
        _image_nhwc(x, kh, kw, sh, sw, ph, pw, dh, dw, vals, idx, want_arg, n, best, arg)


@njit(**_PAR)
def max_pool_nhwc_par(x, kh, kw, sh, sw, ph, pw, dh, dw, vals, idx, want_arg, arg_row):
    for n in prange(x.shape[0]):
        best = np.empty(x.shape[3], x.dtype)
        arg = np.empty_like(arg_row)
        _image_nhwc(x, kh, kw, sh, sw, ph, pw, dh, dw, vals, idx, want_arg, n, best, arg)


# ------------------------------------------------------------------- average pool, long rows
@njit(**_INL)
def _avg_plane(x, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, include_pad, out, nc, phases, acc):
    """One (n, c) plane of ``_jit_conv.avg_pool`` a row at a time: each window's float64 sum
    over its taps in the same order (rows, then columns), over stride phases as
    ``max_pool_rows``, then divided by the same count: the same bits."""
    c_n, h_n, w_n = x.shape[1], x.shape[2], x.shape[3]
    ow_n = out.shape[3]
    n = nc // c_n
    c = nc % c_n
    for oh in range(out.shape[2]):
        h0, h1, hp = _window(oh, sh, ph, kh, h_n + ph_hi, h_n)
        acc[:] = 0.0
        for ih in range(h0, h1):
            _phases_of(x[n, c, ih], sw, phases)
            for j in range(kw):
                lo, hi = _span(ow_n, sw, pw, j, w_n)
                p = (j - pw) % sw
                src = phases[p]
                q0 = (j - pw - p) // sw
                for ow in range(lo, hi):
                    acc[uint64(ow)] += src[uint64(ow + q0)]
        o = out[n, c, oh]
        for ow in range(ow_n):
            w0, w1, wp = _window(ow, sw, pw, kw, w_n + pw_hi, w_n)
            cnt = hp * wp if include_pad else (h1 - h0) * (w1 - w0)
            o[ow] = acc[ow] / cnt if cnt > 0 else 0.0


@njit(**_SER)
def avg_pool_rows(x, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, include_pad, out):
    """``_jit_conv.avg_pool`` (same arguments, same bits) for rows of many outputs."""
    phases = np.empty((sw, (x.shape[3] + sw - 1) // sw), x.dtype)
    acc = np.empty(out.shape[3])
    for nc in range(x.shape[0] * x.shape[1]):
        _avg_plane(x, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, include_pad, out, nc, phases, acc)


@njit(**_PAR)
def avg_pool_rows_par(x, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, include_pad, out):
    for nc in prange(x.shape[0] * x.shape[1]):
        phases = np.empty((sw, (x.shape[3] + sw - 1) // sw), x.dtype)
        acc = np.empty(out.shape[3])
        _avg_plane(x, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, include_pad, out, nc, phases, acc)


@njit(**_INL)
def _avg_grad_plane(g, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, include_pad, out, nc, v):
    """One plane of ``_jit_conv.avg_pool_grad`` a row of ``g`` at a time: each input row adds
    ``g / count`` tap by tap across the row, the taps in descending order so that every element
    takes its terms in the order of the windows (ascending), as the window loop adds them."""
    c_n, h_n, w_n = out.shape[1], out.shape[2], out.shape[3]
    ow_n = g.shape[3]
    n = nc // c_n
    c = nc % c_n
    for oh in range(g.shape[2]):
        h0, h1, hp = _window(oh, sh, ph, kh, h_n + ph_hi, h_n)
        grow = g[n, c, oh]
        for ow in range(ow_n):
            w0, w1, wp = _window(ow, sw, pw, kw, w_n + pw_hi, w_n)
            cnt = hp * wp if include_pad else (h1 - h0) * (w1 - w0)
            v[ow] = grow[ow] / cnt if cnt > 0 else 0.0     # (no taps where cnt <= 0)
        for ih in range(h0, h1):
            orow = out[n, c, ih]
            for j in range(kw - 1, -1, -1):
                lo, hi = _span(ow_n, sw, pw, j, w_n)
                for ow in range(lo, hi):
                    q = uint64(ow * sw + j - pw)
                    orow[q] += v[uint64(ow)]


@njit(**_SER)
def avg_pool_grad_rows(g, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, include_pad, out):
    """``_jit_conv.avg_pool_grad`` (same arguments, same bits) for rows of many outputs."""
    v = np.empty(g.shape[3])
    for nc in range(out.shape[0] * out.shape[1]):
        _avg_grad_plane(g, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, include_pad, out, nc, v)


@njit(**_PAR)
def avg_pool_grad_rows_par(g, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, include_pad, out):
    for nc in prange(out.shape[0] * out.shape[1]):
        v = np.empty(g.shape[3])
        _avg_grad_plane(g, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, include_pad, out, nc, v)
