"""Numba loops behind the 3-D CPU convolution and pooling kernels (imported on first use, never
by ``import dlcore``): the rank-3 counterparts of :mod:`._jit_conv`, on 5-D NCDHW buffers.

Index arithmetic as in 2-D, with a depth axis in front: input plane ``id`` of output plane
``od`` and kernel plane ``a`` is ``od * sd - pd + a * dd``; positions outside ``[0, D)`` are
padding (zero for convolution, skipped for pooling); only the leading padding enters, the
output size (trailing padding, ``ceil_mode``) is the caller's.

* ``im2col3d`` / ``col2im3d``: ``cols[n, (c, a, i, j), (od, oh, ow)] =
  x[n, c, od*sd - pd + a*dd, oh*sh - ph + i*dh, ow*sw - pw + j*dw]`` and its adjoint.
* ``conv_direct3d``: the direct loop, kept for the measurement in :mod:`.conv3d`.
* pooling: ``max_pool3d``, ``max_pool_argmax3d`` (flat index ``(id * H + ih) * W + iw`` of the
  first maximum, PyTorch's ``return_indices``), ``avg_pool3d`` and ``avg_pool_grad3d``.
  ``plane_gather`` / ``plane_scatter`` of :mod:`._jit_conv` work on flattened planes of any rank.

Geometry travels as one int64 array ``geo = [sd, sh, sw, pd, ph, pw, dd, dh, dw]`` (and the
kernel sizes as ``k = [kd, kh, kw]``) to keep the signatures short.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._jit_conv import _window
from .runtime import configure_threads

configure_threads()

#: One body per (n, c) plane, inlined under a serial and a ``prange`` loop (``*_par``); the
#: wrapper (:mod:`.conv3d`) picks by the work, as :mod:`._jit_conv`'s callers do.
_INL = {"cache": True, "nogil": True, "inline": "always"}
_SER = {"cache": True, "nogil": True}
_PAR = {"cache": True, "nogil": True, "parallel": True}


@njit(**_INL)
def _im2col3d_plane(x, k, geo, od_n, oh_n, ow_n, cols, nc):
    _, c_n, d_n, h_n, w_n = x.shape
    kd, kh, kw = k[0], k[1], k[2]
    sd, sh, sw, pd, ph, pw, dd, dh, dw = (geo[0], geo[1], geo[2], geo[3], geo[4], geo[5],
                                          geo[6], geo[7], geo[8])
    plane = oh_n * ow_n
    n = nc // c_n
    c = nc % c_n
    for a in range(kd):
        for i in range(kh):
            for j in range(kw):
                row = ((c * kd + a) * kh + i) * kw + j
                for od in range(od_n):
                    idd = od * sd - pd + a * dd
                    for oh in range(oh_n):
                        ih = oh * sh - ph + i * dh
                        base = od * plane + oh * ow_n
                        if idd < 0 or idd >= d_n or ih < 0 or ih >= h_n:
                            for ow in range(ow_n):
                                cols[n, row, base + ow] = 0
                        else:
                            for ow in range(ow_n):
                                iw = ow * sw - pw + j * dw
                                if iw >= 0 and iw < w_n:
                                    cols[n, row, base + ow] = x[n, c, idd, ih, iw]
                                else:
                                    cols[n, row, base + ow] = 0


@njit(**_SER)
def im2col3d(x, k, geo, od_n, oh_n, ow_n, cols):
    for nc in range(x.shape[0] * x.shape[1]):
        _im2col3d_plane(x, k, geo, od_n, oh_n, ow_n, cols, nc)


@njit(**_PAR)
def im2col3d_par(x, k, geo, od_n, oh_n, ow_n, cols):
    for nc in prange(x.shape[0] * x.shape[1]):
        _im2col3d_plane(x, k, geo, od_n, oh_n, ow_n, cols, nc)
@njit(**_INL)
def _col2im3d_plane(cols, k, geo, od_n, oh_n, ow_n, out, nc):
    _, c_n, d_n, h_n, w_n = out.shape
    kd, kh, kw = k[0], k[1], k[2]
    sd, sh, sw, pd, ph, pw, dd, dh, dw = (geo[0], geo[1], geo[2], geo[3], geo[4], geo[5],
                                          geo[6], geo[7], geo[8])
    plane = oh_n * ow_n
    n = nc // c_n
    c = nc % c_n
    for a in range(kd):
        for i in range(kh):
            for j in range(kw):
                row = ((c * kd + a) * kh + i) * kw + j
                for od in range(od_n):
                    idd = od * sd - pd + a * dd
                    if idd < 0 or idd >= d_n:
                        continue
                    for oh in range(oh_n):
                        ih = oh * sh - ph + i * dh
                        if ih < 0 or ih >= h_n:
                            continue
                        base = od * plane + oh * ow_n
                        for ow in range(ow_n):
                            iw = ow * sw - pw + j * dw
                            if iw >= 0 and iw < w_n:
                                out[n, c, idd, ih, iw] += cols[n, row, base + ow]


@njit(**_SER)
def col2im3d(cols, k, geo, od_n, oh_n, ow_n, out):
    """out[n, c, id, ih, iw] += cols[n, (c, a, i, j), (od, oh, ow)]: im2col3d's adjoint."""
    for nc in range(out.shape[0] * out.shape[1]):
        _col2im3d_plane(cols, k, geo, od_n, oh_n, ow_n, out, nc)


@njit(**_PAR)
def col2im3d_par(cols, k, geo, od_n, oh_n, ow_n, out):
    for nc in prange(out.shape[0] * out.shape[1]):
        _col2im3d_plane(cols, k, geo, od_n, oh_n, ow_n, out, nc)



@njit(cache=True, nogil=True, parallel=True, fastmath={"reassoc", "contract"})
def conv_direct3d(x, w, geo, groups, out):
    """out[n, o, od, oh, ow] = sum_{c in o's group, a, i, j} x[n, c, id, ih, iw] w[o, c', a, i, j].
    """
    n_b, c_n, d_n, h_n, w_n = x.shape
    o_n, cg, kd, kh, kw = w.shape
    sd, sh, sw, pd, ph, pw, dd, dh, dw = (geo[0], geo[1], geo[2], geo[3], geo[4], geo[5],
                                          geo[6], geo[7], geo[8])
    og = o_n // groups
    od_n, oh_n, ow_n = out.shape[2], out.shape[3], out.shape[4]
    for no in prange(n_b * o_n):
        n = no // o_n
        o = no % o_n
        c0 = (o // og) * cg
        out[n, o] = 0
        for cc in range(cg):
            for a in range(kd):
                for i in range(kh):
                    for j in range(kw):
                        wv = w[o, cc, a, i, j]
                        for od in range(od_n):
                            idd = od * sd - pd + a * dd
                            if idd < 0 or idd >= d_n:
                                continue
                            for oh in range(oh_n):
                                ih = oh * sh - ph + i * dh
                                if ih < 0 or ih >= h_n:
                                    continue
                                for ow in range(ow_n):
                                    iw = ow * sw - pw + j * dw
                                    if iw >= 0 and iw < w_n:
                                        out[n, o, od, oh, ow] += wv * x[n, c0 + cc, idd, ih, iw]


@njit(**_INL)
def _max_pool3d_plane(x, k, geo, want_idx, out, idx, nc):
    _, c_n, d_n, h_n, w_n = x.shape
    kd, kh, kw = k[0], k[1], k[2]
    sd, sh, sw, pd, ph, pw, dd, dh, dw = (geo[0], geo[1], geo[2], geo[3], geo[4], geo[5],
                                          geo[6], geo[7], geo[8])
    od_n, oh_n, ow_n = out.shape[2], out.shape[3], out.shape[4]
    n = nc // c_n
    c = nc % c_n
    for od in range(od_n):
        for oh in range(oh_n):
            for ow in range(ow_n):
                best = -np.inf
                arg = -1
                for a in range(kd):
                    idd = od * sd - pd + a * dd
                    if idd < 0 or idd >= d_n:
                        continue
                    for i in range(kh):
                        ih = oh * sh - ph + i * dh
                        if ih < 0 or ih >= h_n:
                            continue
                        for j in range(kw):
                            iw = ow * sw - pw + j * dw
                            if iw >= 0 and iw < w_n:
                                v = x[n, c, idd, ih, iw]
                                if arg < 0 or (best == best and (v > best or v != v)):
                                    best = v
                                    arg = (idd * h_n + ih) * w_n + iw
                out[n, c, od, oh, ow] = best
                if want_idx:
                    idx[n, c, od, oh, ow] = arg


@njit(**_SER)
def max_pool3d(x, k, geo, want_idx, out, idx):
    """out = the window maximum (padding never wins, the first NaN does); with ``want_idx``
    idx = the flat spatial index (id * H + ih) * W + iw of the first maximum."""
    for nc in range(x.shape[0] * x.shape[1]):
        _max_pool3d_plane(x, k, geo, want_idx, out, idx, nc)


@njit(**_PAR)
def max_pool3d_par(x, k, geo, want_idx, out, idx):
    for nc in prange(x.shape[0] * x.shape[1]):
        _max_pool3d_plane(x, k, geo, want_idx, out, idx, nc)
@njit(**_INL)
def _avg_pool3d_plane(x, k, geo, hi, include_pad, out, nc):
    _, c_n, d_n, h_n, w_n = x.shape
    od_n, oh_n, ow_n = out.shape[2], out.shape[3], out.shape[4]
    n = nc // c_n
    c = nc % c_n
    for od in range(od_n):
        d0, d1, dp = _window(od, geo[0], geo[3], k[0], d_n + hi[0], d_n)
        for oh in range(oh_n):
            h0, h1, hp = _window(oh, geo[1], geo[4], k[1], h_n + hi[1], h_n)
            for ow in range(ow_n):
                w0, w1, wp = _window(ow, geo[2], geo[5], k[2], w_n + hi[2], w_n)
                acc = 0.0
                for idd in range(d0, d1):
                    for ih in range(h0, h1):
                        for iw in range(w0, w1):
                            acc += x[n, c, idd, ih, iw]
                cnt = dp * hp * wp if include_pad else (d1 - d0) * (h1 - h0) * (w1 - w0)
                out[n, c, od, oh, ow] = acc / cnt if cnt > 0 else 0.0


@njit(**_SER)
def avg_pool3d(x, k, geo, hi, include_pad, out):
    """PyTorch's average (``hi = [pd_hi, ph_hi, pw_hi]`` bounds the counted padded window)."""
    for nc in range(x.shape[0] * x.shape[1]):
        _avg_pool3d_plane(x, k, geo, hi, include_pad, out, nc)


@njit(**_PAR)
def avg_pool3d_par(x, k, geo, hi, include_pad, out):
    for nc in prange(x.shape[0] * x.shape[1]):
        _avg_pool3d_plane(x, k, geo, hi, include_pad, out, nc)
@njit(**_INL)
def _avg_pool_grad3d_plane(g, k, geo, hi, include_pad, out, nc):
    _, c_n, d_n, h_n, w_n = out.shape
    od_n, oh_n, ow_n = g.shape[2], g.shape[3], g.shape[4]
    n = nc // c_n
    c = nc % c_n
    for od in range(od_n):
        d0, d1, dp = _window(od, geo[0], geo[3], k[0], d_n + hi[0], d_n)
        for oh in range(oh_n):
            h0, h1, hp = _window(oh, geo[1], geo[4], k[1], h_n + hi[1], h_n)
            for ow in range(ow_n):
                w0, w1, wp = _window(ow, geo[2], geo[5], k[2], w_n + hi[2], w_n)
                cnt = dp * hp * wp if include_pad else (d1 - d0) * (h1 - h0) * (w1 - w0)
                if cnt <= 0:
                    continue
                v = g[n, c, od, oh, ow] / cnt
                for idd in range(d0, d1):
                    for ih in range(h0, h1):
                        for iw in range(w0, w1):
                            out[n, c, idd, ih, iw] += v


@njit(**_SER)
def avg_pool_grad3d(g, k, geo, hi, include_pad, out):
    """out (zeroed, the input's shape) += g / count over each window: avg_pool3d's adjoint."""
    for nc in range(out.shape[0] * out.shape[1]):
        _avg_pool_grad3d_plane(g, k, geo, hi, include_pad, out, nc)


@njit(**_PAR)
def avg_pool_grad3d_par(g, k, geo, hi, include_pad, out):
    for nc in prange(out.shape[0] * out.shape[1]):
        _avg_pool_grad3d_plane(g, k, geo, hi, include_pad, out, nc)
