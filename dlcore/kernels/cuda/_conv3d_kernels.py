"""numba.cuda kernels of 3-D convolution and pooling (imported lazily by ``conv3d.py``).

The rank-3 counterparts of :mod:`._conv_kernels`, on 5-D NCDHW device arrays: grid-stride
loops with one thread per element written (atomics only in ``avg_pool_grad3d``, whose windows
overlap), accumulation in float64 registers.  The geometry travels as scalars
``sd, sh, sw, pd, ph, pw, dd, dh, dw`` (leading padding only).
"""

from __future__ import annotations

import math

from numba import cuda

from ._conv_kernels import _window


@cuda.jit(device=True)
def _unravel5(e, d1, d2, d3, d4):
    a4 = e % d4
    e //= d4
    a3 = e % d3
    e //= d3
    a2 = e % d2
    e //= d2
    a1 = e % d1
    return e // d1, a1, a2, a3, a4


@cuda.jit(cache=True)
def conv3d_fwd(x, w, out, sd, sh, sw, pd, ph, pw, dd, dh, dw, groups, total):
    """out[n, o, od, oh, ow] = sum over o's group and the kernel of x * w."""
    d_n, h_n, w_n = x.shape[2], x.shape[3], x.shape[4]
    o_n, cg, kd, kh, kw = w.shape[0], w.shape[1], w.shape[2], w.shape[3], w.shape[4]
    og = o_n // groups
    for e in range(cuda.grid(1), total, cuda.gridsize(1)):
        n, o, od, oh, ow = _unravel5(e, o_n, out.shape[2], out.shape[3], out.shape[4])
        c0 = (o // og) * cg
        acc = 0.0
        for cc in range(cg):
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
                            acc += x[n, c0 + cc, idd, ih, iw] * w[o, cc, a, i, j]
        out[n, o, od, oh, ow] = acc


@cuda.jit(device=True)
def _tap(q, p, k, s, n_out):
    """The output position whose window puts kernel tap ``k`` on input ``q`` (-1: none)."""
    t = q + p - k
    if t < 0 or t % s != 0:
        return -1
    o = t // s
    return o if o < n_out else -1


@cuda.jit(cache=True)
def conv3d_bwd_input(g, w, out, sd, sh, sw, pd, ph, pw, dd, dh, dw, groups, total):
    """out[n, c, id, ih, iw] = sum over the outputs whose window reads it of g * w."""
    c_n, d_n, h_n, w_n = out.shape[1], out.shape[2], out.shape[3], out.shape[4]
    o_n, cg, kd, kh, kw = w.shape[0], w.shape[1], w.shape[2], w.shape[3], w.shape[4]
    od_n, oh_n, ow_n = g.shape[2], g.shape[3], g.shape[4]
    og = o_n // groups
    for e in range(cuda.grid(1), total, cuda.gridsize(1)):
        n, c, idd, ih, iw = _unravel5(e, c_n, d_n, h_n, w_n)
        grp = c // cg
        cc = c - grp * cg
        acc = 0.0
        for a in range(kd):
            od = _tap(idd, pd, a * dd, sd, od_n)
            if od < 0:
                continue
            for i in range(kh):
                oh = _tap(ih, ph, i * dh, sh, oh_n)
                if oh < 0:
                    continue
                for j in range(kw):
                    ow = _tap(iw, pw, j * dw, sw, ow_n)
                    if ow < 0:
                        continue
                    for o in range(grp * og, (grp + 1) * og):
                        acc += g[n, o, od, oh, ow] * w[o, cc, a, i, j]
        out[n, c, idd, ih, iw] = acc


@cuda.jit(cache=True)
def conv3d_bwd_filter(x, g, out, sd, sh, sw, pd, ph, pw, dd, dh, dw, groups, total):
    """out[o, cc, a, i, j] = sum over n and output positions of g * x."""
    n_b, d_n, h_n, w_n = x.shape[0], x.shape[2], x.shape[3], x.shape[4]
    o_n, cg, kd, kh, kw = out.shape[0], out.shape[1], out.shape[2], out.shape[3], out.shape[4]
    od_n, oh_n, ow_n = g.shape[2], g.shape[3], g.shape[4]
    og = o_n // groups
    for e in range(cuda.grid(1), total, cuda.gridsize(1)):
        o, cc, a, i, j = _unravel5(e, cg, kd, kh, kw)
        c = (o // og) * cg + cc
        acc = 0.0
        for n in range(n_b):
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
                            acc += g[n, o, od, oh, ow] * x[n, c, idd, ih, iw]
        out[o, cc, a, i, j] = acc


@cuda.jit(cache=True)
def max_pool3d(x, out, idx, want_idx, kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw, total):
    """out = the window maximum (the first NaN wins); idx = its flat spatial index."""
    d_n, h_n, w_n = x.shape[2], x.shape[3], x.shape[4]
    for e in range(cuda.grid(1), total, cuda.gridsize(1)):
        n, c, od, oh, ow = _unravel5(e, out.shape[1], out.shape[2], out.shape[3], out.shape[4])
        best = -math.inf
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


@cuda.jit(cache=True)
def avg_pool3d(x, out, kd, kh, kw, sd, sh, sw, pd, ph, pw, pd_hi, ph_hi, pw_hi, include_pad,
               total):
    d_n, h_n, w_n = x.shape[2], x.shape[3], x.shape[4]
    for e in range(cuda.grid(1), total, cuda.gridsize(1)):
        n, c, od, oh, ow = _unravel5(e, out.shape[1], out.shape[2], out.shape[3], out.shape[4])
        d0, d1, dp = _window(od, sd, pd, kd, d_n + pd_hi, d_n)
        h0, h1, hp = _window(oh, sh, ph, kh, h_n + ph_hi, h_n)
        w0, w1, wp = _window(ow, sw, pw, kw, w_n + pw_hi, w_n)
        acc = 0.0
        for idd in range(d0, d1):
            for ih in range(h0, h1):
                for iw in range(w0, w1):
                    acc += x[n, c, idd, ih, iw]
        cnt = dp * hp * wp if include_pad else (d1 - d0) * (h1 - h0) * (w1 - w0)
        out[n, c, od, oh, ow] = acc / cnt if cnt > 0 else 0.0


@cuda.jit(cache=True)
def avg_pool_grad3d(g, out, kd, kh, kw, sd, sh, sw, pd, ph, pw, pd_hi, ph_hi, pw_hi,
                    include_pad, total):
    """out (zeroed) += g / count over each window (atomic: windows overlap)."""
    d_n, h_n, w_n = out.shape[2], out.shape[3], out.shape[4]
    for e in range(cuda.grid(1), total, cuda.gridsize(1)):
        n, c, od, oh, ow = _unravel5(e, g.shape[1], g.shape[2], g.shape[3], g.shape[4])
        d0, d1, dp = _window(od, sd, pd, kd, d_n + pd_hi, d_n)
        h0, h1, hp = _window(oh, sh, ph, kh, h_n + ph_hi, h_n)
        w0, w1, wp = _window(ow, sw, pw, kw, w_n + pw_hi, w_n)
        cnt = dp * hp * wp if include_pad else (d1 - d0) * (h1 - h0) * (w1 - w0)
        if cnt > 0:
            v = g[n, c, od, oh, ow] / cnt
            for idd in range(d0, d1):
                for ih in range(h0, h1):
                    for iw in range(w0, w1):
                        cuda.atomic.add(out, (n, c, idd, ih, iw), v)
