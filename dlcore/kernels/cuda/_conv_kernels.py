"""numba.cuda kernels of convolution and pooling (imported lazily by ``conv.py``).

Every kernel is a grid-stride loop with one thread per element of the array it *writes*, over
4-D NCHW device arrays (1-D problems have height 1).  Writing threads own their element, so
no atomics are needed except in the two scatters (``plane_scatter``, ``avg_pool_grad``), whose
windows may overlap.  Consecutive threads take consecutive output columns, so writes coalesce.
Accumulation is in float64 registers, rounded once into the output's dtype.
"""

from __future__ import annotations

import math

from numba import cuda


@cuda.jit(device=True)
def _unravel(e, d1, d2, d3):
    a3 = e % d3
    e //= d3
    a2 = e % d2
    e //= d2
    a1 = e % d1
    return e // d1, a1, a2, a3


@cuda.jit(cache=True)
def conv_fwd(x, w, out, sh, sw, ph, pw, dh, dw, groups, total):
    """out[n, o, oh, ow] = sum over o's group and the kernel of x * w."""
    c_n, h_n, w_n = x.shape[1], x.shape[2], x.shape[3]
    o_n, cg, kh, kw = w.shape[0], w.shape[1], w.shape[2], w.shape[3]
    og = o_n // groups
    for e in range(cuda.grid(1), total, cuda.gridsize(1)):
        n, o, oh, ow = _unravel(e, o_n, out.shape[2], out.shape[3])
        c0 = (o // og) * cg
        acc = 0.0
        for cc in range(cg):
            for i in range(kh):
                ih = oh * sh - ph + i * dh
                if ih < 0 or ih >= h_n:
                    continue
                for j in range(kw):
                    iw = ow * sw - pw + j * dw
                    if iw >= 0 and iw < w_n:
                        acc += x[n, c0 + cc, ih, iw] * w[o, cc, i, j]
        out[n, o, oh, ow] = acc
    _ = c_n


@cuda.jit(cache=True)
def conv_bwd_input(g, w, out, sh, sw, ph, pw, dh, dw, groups, total):
    """out[n, c, ih, iw] = sum over the outputs whose window reads (c, ih, iw) of g * w."""
    c_n, h_n, w_n = out.shape[1], out.shape[2], out.shape[3]
    o_n, cg, kh, kw = w.shape[0], w.shape[1], w.shape[2], w.shape[3]
    oh_n, ow_n = g.shape[2], g.shape[3]
    og = o_n // groups
    for e in range(cuda.grid(1), total, cuda.gridsize(1)):
        n, c, ih, iw = _unravel(e, c_n, h_n, w_n)
        grp = c // cg
        cc = c - grp * cg
        acc = 0.0
        for i in range(kh):
            th = ih + ph - i * dh
            if th < 0 or th % sh != 0:
                continue
            oh = th // sh
            if oh >= oh_n:
                continue
            for j in range(kw):
                tw = iw + pw - j * dw
                if tw < 0 or tw % sw != 0:
                    continue
                ow = tw // sw
                if ow >= ow_n:
                    continue
                for o in range(grp * og, (grp + 1) * og):
                    acc += g[n, o, oh, ow] * w[o, cc, i, j]
        out[n, c, ih, iw] = acc


@cuda.jit(cache=True)
def conv_bwd_filter(x, g, out, sh, sw, ph, pw, dh, dw, groups, total):
    """out[o, cc, i, j] = sum over n and output positions of g * x."""
    n_b, h_n, w_n = x.shape[0], x.shape[2], x.shape[3]
    o_n, cg, kh, kw = out.shape[0], out.shape[1], out.shape[2], out.shape[3]
    oh_n, ow_n = g.shape[2], g.shape[3]
    og = o_n // groups
    for e in range(cuda.grid(1), total, cuda.gridsize(1)):
        o, cc, i, j = _unravel(e, cg, kh, kw)
        c = (o // og) * cg + cc
        acc = 0.0
        for n in range(n_b):
            for oh in range(oh_n):
                ih = oh * sh - ph + i * dh
                if ih < 0 or ih >= h_n:
                    continue
                for ow in range(ow_n):
                    iw = ow * sw - pw + j * dw
                    if iw >= 0 and iw < w_n:
                        acc += g[n, o, oh, ow] * x[n, c, ih, iw]
        out[o, cc, i, j] = acc


@cuda.jit(cache=True)
def max_pool(x, out, idx, want_idx, kh, kw, sh, sw, ph, pw, dh, dw, total):
    """out = the window maximum (the first NaN wins); idx = its flat spatial index."""
    h_n, w_n = x.shape[2], x.shape[3]
    for e in range(cuda.grid(1), total, cuda.gridsize(1)):
        n, c, oh, ow = _unravel(e, out.shape[1], out.shape[2], out.shape[3])
        best = -math.inf
        arg = -1
        for i in range(kh):
            ih = oh * sh - ph + i * dh
            if ih < 0 or ih >= h_n:
                continue
            for j in range(kw):
                iw = ow * sw - pw + j * dw
                if iw >= 0 and iw < w_n:
                    v = x[n, c, ih, iw]
                    if arg < 0 or (best == best and (v > best or v != v)):
                        best = v
                        arg = ih * w_n + iw
        out[n, c, oh, ow] = best
        if want_idx:
            idx[n, c, oh, ow] = arg


@cuda.jit(cache=True)
def plane_gather(x, idx, out, total):
    """out[n, c, k] = x[n, c, idx[n, c, k]] on (N, C, plane) arrays."""
    for e in range(cuda.grid(1), total, cuda.gridsize(1)):
        k = e % out.shape[2]
        r = e // out.shape[2]
        c = r % out.shape[1]
        n = r // out.shape[1]
        out[n, c, k] = x[n, c, idx[n, c, k]]


@cuda.jit(cache=True)
def plane_scatter(g, idx, out, total):
    """out[n, c, idx[n, c, k]] += g[n, c, k] (atomic: windows may share their maximum)."""
    for e in range(cuda.grid(1), total, cuda.gridsize(1)):
        k = e % g.shape[2]
        r = e // g.shape[2]
        c = r % g.shape[1]
        n = r // g.shape[1]
        cuda.atomic.add(out, (n, c, idx[n, c, k]), g[n, c, k])


@cuda.jit(device=True)
def _window(o, s, p, k, lim_pad, lim):
    start = o * s - p
    end = min(start + k, lim_pad)
    return max(start, 0), min(end, lim), end - start


@cuda.jit(cache=True)
def avg_pool(x, out, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, include_pad, total):
    h_n, w_n = x.shape[2], x.shape[3]
    for e in range(cuda.grid(1), total, cuda.gridsize(1)):
        n, c, oh, ow = _unravel(e, out.shape[1], out.shape[2], out.shape[3])
        h0, h1, hp = _window(oh, sh, ph, kh, h_n + ph_hi, h_n)
        w0, w1, wp = _window(ow, sw, pw, kw, w_n + pw_hi, w_n)
        acc = 0.0
        for ih in range(h0, h1):
            for iw in range(w0, w1):
                acc += x[n, c, ih, iw]
        cnt = hp * wp if include_pad else (h1 - h0) * (w1 - w0)
        out[n, c, oh, ow] = acc / cnt if cnt > 0 else 0.0


@cuda.jit(cache=True)
def avg_pool_grad(g, out, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, include_pad, total):
    """out (zeroed) += g / count over each window (atomic: windows overlap)."""
    h_n, w_n = out.shape[2], out.shape[3]
    for e in range(cuda.grid(1), total, cuda.gridsize(1)):
        n, c, oh, ow = _unravel(e, g.shape[1], g.shape[2], g.shape[3])
        h0, h1, hp = _window(oh, sh, ph, kh, h_n + ph_hi, h_n)
        w0, w1, wp = _window(ow, sw, pw, kw, w_n + pw_hi, w_n)
        cnt = hp * wp if include_pad else (h1 - h0) * (w1 - w0)
        if cnt > 0:
            v = g[n, c, oh, ow] / cnt
            for ih in range(h0, h1):
                for iw in range(w0, w1):
                    cuda.atomic.add(out, (n, c, ih, iw), v)
