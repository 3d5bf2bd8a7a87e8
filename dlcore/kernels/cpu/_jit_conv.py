"""Numba loops behind the CPU convolution and pooling kernels (imported on first use, never by
``import dlcore``).

Every loop works on 2-D images in NCHW order (a 1-D signal is an image of height 1).  Only the
*leading* padding of each spatial axis enters the index arithmetic: input row ``ih`` of output
row ``oh`` and kernel row ``i`` is ``oh * sh - ph + i * dh``; rows outside ``[0, H)`` are
padding (zero for convolution, skipped for pooling).  The output size, which the trailing
padding and ``ceil_mode`` decide, is given by the caller.

Each kernel is one body per ``(n, c)`` plane (``_*_plane``, inlined) under two loops over the
planes: serial (``name``) and ``prange`` (``name_par``); the wrapper (:mod:`.conv`) picks the
parallel one only from ``PARALLEL_MIN_WORK`` elements of work on, as the batch-norm and
elementwise kernels do (waking the OpenMP workers costs more than it saves on small planes).

* ``im2col`` / ``col2im``: the "convolution as a matrix product" unfolding.  ``cols[n, (c, i, j),
  (oh, ow)] = x[n, c, oh*sh - ph + i*dh, ow*sw - pw + j*dw]``, or with ``folded`` the same
  rows in the batch-folded layout ``cols[(c, i, j), n, (oh, ow)]`` (the filter gradient's, see
  :mod:`.conv`; each row is written through its 1-D contiguous view: a flat index with run-time
  strides measured 1.5x slower); ``col2im`` is its adjoint (a scatter-add of the columns back
  onto the image, per-image layout).
  ``im2col`` serves short or strided rows only (NumPy's strided copy is faster on the others);
  ``col2im`` loops over the span of valid pixels of each (kernel offset, row), found once by
  ``_span``.
* ``im2col_nhwc`` / ``col2im_nhwc``: the same pair for channels-last buffers (the TF front
  end's), with one row per output pixel, ``cols[(n, oh, ow), (i, j, c)]`` (see
  :mod:`.conv_grid`).
* ``conv_direct``: the direct seven-loop convolution, kept for the measurement in
  ``dlcore/kernels/cpu/conv.py`` (parallel only; no wrapper calls it).
* pooling: ``max_pool_2x2_vals`` / ``_idx`` and their NHWC twins (values, or the flat index
  ``ih * W + iw`` of the first maximum in each window, as PyTorch's ``return_indices``; other
  windows: :mod:`._jit_pool`), ``plane_gather`` / ``plane_scatter`` (gather by those indices
  and its adjoint), ``avg_pool`` and ``avg_pool_grad``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, types
from numba.extending import intrinsic

from ._numba_views import c_view
from .runtime import configure_threads

configure_threads()

_INL = {"cache": True, "nogil": True, "inline": "always"}
_SER = {"cache": True, "nogil": True}
_PAR = {"cache": True, "nogil": True, "parallel": True}


@njit(cache=True, nogil=True)
def _span(o_n, s, p, off, lim):
    """The outputs ``[lo, hi)`` along one axis whose input index ``o * s - p + off`` lies in
    ``[0, lim)``: ``col2im`` runs over that span without a bounds check per element."""
    t = p - off
    lo = 0 if t <= 0 else (t + s - 1) // s
    u = lim - 1 + p - off
    hi = 0 if u < 0 else u // s + 1
    hi = min(hi, o_n)
    return min(lo, hi), hi


# ----------------------------------------------------------------------------- unfolding
@njit(**_INL)
def _im2col_plane(x, kh, kw, sh, sw, ph, pw, dh, dw, oh_n, ow_n, cols, folded, nc):
    c_n, h_n, w_n = x.shape[1], x.shape[2], x.shape[3]
    n = nc // c_n
    c = nc % c_n
    for i in range(kh):
        for j in range(kw):
            row = (c * kh + i) * kw + j
            dst = cols[row, n] if folded else cols[n, row]      # one contiguous row
            for oh in range(oh_n):
                ih = oh * sh - ph + i * dh
                base = oh * ow_n
                if ih < 0 or ih >= h_n:
                    for ow in range(ow_n):
                        dst[base + ow] = 0
                else:
                    for ow in range(ow_n):
                        iw = ow * sw - pw + j * dw
                        if iw >= 0 and iw < w_n:
                            dst[base + ow] = x[n, c, ih, iw]
                        else:
                            dst[base + ow] = 0


@njit(**_SER)
def im2col(x, kh, kw, sh, sw, ph, pw, dh, dw, oh_n, ow_n, cols, folded):
    for nc in range(x.shape[0] * x.shape[1]):
        _im2col_plane(x, kh, kw, sh, sw, ph, pw, dh, dw, oh_n, ow_n, cols, folded, nc)


@njit(**_PAR)
def im2col_par(x, kh, kw, sh, sw, ph, pw, dh, dw, oh_n, ow_n, cols, folded):
    for nc in prange(x.shape[0] * x.shape[1]):
        _im2col_plane(x, kh, kw, sh, sw, ph, pw, dh, dw, oh_n, ow_n, cols, folded, nc)


@njit(**_INL)
def _col2im_plane(cf, kh, kw, sh, sw, ph, pw, dh, dw, oh_n, ow_n, of, h_n, w_n, nc):
    npix = oh_n * ow_n
    for i in range(kh):
        h0, h1 = _span(oh_n, sh, ph, i * dh, h_n)
        for j in range(kw):
            w0, w1 = _span(ow_n, sw, pw, j * dw, w_n)
            d0 = (nc * kh * kw + i * kw + j) * npix
            m = w1 - w0
            for oh in range(h0, h1):
                d = d0 + oh * ow_n + w0
                s0 = (nc * h_n + oh * sh - ph + i * dh) * w_n + j * dw - pw + w0 * sw
                if sw == 1:
                    # one run of the row through views indexed from 0: LLVM sees no negative
                    # index to wrap and vectorises the add (issue 19: LeNet's 6<-16 5x5 input
                    # gradient 814 -> 561 us, 8<-8 3x3 on 32x32 batch 8 422 -> 125 us)
                    dst = of[s0:s0 + m]
                    src = cf[d:d + m]
                    for t in range(m):
                        dst[t] += src[t]
                else:
                    for t in range(m):
                        of[s0 + t * sw] += cf[d + t]


@njit(**_SER)
def col2im(cols, kh, kw, sh, sw, ph, pw, dh, dw, oh_n, ow_n, out):
    """out[n, c, ih, iw] += cols[n, (c, i, j), (oh, ow)]: the adjoint of im2col (flat views,
    C-contiguous buffers, the same spans)."""
    n_b, c_n, h_n, w_n = out.shape
    of, cf = c_view(out, (out.size, )), c_view(cols, (cols.size, ))
    for nc in range(n_b * c_n):
        _col2im_plane(cf, kh, kw, sh, sw, ph, pw, dh, dw, oh_n, ow_n, of, h_n, w_n, nc)


@njit(**_PAR)
def col2im_par(cols, kh, kw, sh, sw, ph, pw, dh, dw, oh_n, ow_n, out):
    n_b, c_n, h_n, w_n = out.shape
    of, cf = c_view(out, (out.size, )), c_view(cols, (cols.size, ))
    for nc in prange(n_b * c_n):
        _col2im_plane(cf, kh, kw, sh, sw, ph, pw, dh, dw, oh_n, ow_n, of, h_n, w_n, nc)


@njit(**_INL)
def _im2col_nhwc_image(xf, c_n, kh, kw, sh, sw, ph, pw, dh, dw, oh_n, ow_n, cols, n):
    h_n, w_n = xf.shape[1], xf.shape[2] // c_n
    for oh in range(oh_n):
        for ow in range(ow_n):
            row = cols[(n * oh_n + oh) * ow_n + ow]
            iw0 = ow * sw - pw
            for i in range(kh):
                ih = oh * sh - ph + i * dh
                seg = row[i * kw * c_n:(i + 1) * kw * c_n]
                if ih < 0 or ih >= h_n:
                    for t in range(kw * c_n):
                        seg[t] = 0
                    continue
                src = xf[n, ih]
                if dw == 1 and iw0 >= 0 and iw0 + kw <= w_n:     # the window row: one run
                    run = src[iw0 * c_n:(iw0 + kw) * c_n]
                    for t in range(kw * c_n):
                        seg[t] = run[t]
                    continue
                for j in range(kw):
                    iw = iw0 + j * dw
                    dst = seg[j * c_n:(j + 1) * c_n]
                    if iw < 0 or iw >= w_n:
                        for t in range(c_n):
                            dst[t] = 0
                    else:
                        px = src[iw * c_n:(iw + 1) * c_n]
                        for t in range(c_n):
                            dst[t] = px[t]


@njit(**_SER)
def im2col_nhwc(xf, c_n, kh, kw, sh, sw, ph, pw, dh, dw, oh_n, ow_n, cols):
    """cols[(n, oh, ow), (i, j, c)] = x[n, oh*sh - ph + i*dh, ow*sw - pw + j*dw, c] (zero
    outside): the unfolding of a channels-last buffer, ``xf`` its ``(N, H, W C)`` view."""
    for n in range(xf.shape[0]):
        _im2col_nhwc_image(xf, c_n, kh, kw, sh, sw, ph, pw, dh, dw, oh_n, ow_n, cols, n)


@njit(**_PAR)
def im2col_nhwc_par(xf, c_n, kh, kw, sh, sw, ph, pw, dh, dw, oh_n, ow_n, cols):
    for n in prange(xf.shape[0]):
        _im2col_nhwc_image(xf, c_n, kh, kw, sh, sw, ph, pw, dh, dw, oh_n, ow_n, cols, n)


@njit(**_INL)
def _col2im_nhwc_image(dc, kh, kw, sh, sw, ph, pw, dh, dw, oh_n, ow_n, out, n):
    h_n, w_n, c_n = out.shape[1], out.shape[2], out.shape[3]
    of = c_view(out, (out.size, ))
    # A window row adds runs of (j, c) elements, contiguous in both buffers: with dw == 1 its
    # taps inside the image are one run of m elements from tap j0 (one vectorised add, not
    # one of c_n per tap: issue 19, LeNet's 6-channel input gradient, channels-last); else
    # one run of c_n per tap.  One add loop for both: two cost 0.15-0.2 s more of a first
    # run's compilation (0.65-0.93 -> 0.53-0.81 s, one core).
    runs = 1 if dw == 1 else kw
    for oh in range(oh_n):
        for ow in range(ow_n):
            row = dc[(n * oh_n + oh) * ow_n + ow]
            iw0 = ow * sw - pw
            j0, m = 0, c_n
            if dw == 1:
                j0 = max(0, -iw0)
                m = (min(kw, w_n - iw0) - j0) * c_n
            for i in range(kh):
                ih = oh * sh - ph + i * dh
                if ih < 0 or ih >= h_n:
                    continue
                for r in range(runs):
                    j = j0 + r
                    iw = iw0 + j * dw
                    if m <= 0 or iw < 0 or iw >= w_n:
                        continue
                    src = row[(i * kw + j) * c_n:(i * kw + j) * c_n + m]
                    at = ((n * h_n + ih) * w_n + iw) * c_n
                    dst = of[at:at + m]
                    for t in range(m):
                        dst[t] += src[t]


@njit(**_SER)
def col2im_nhwc(dc, kh, kw, sh, sw, ph, pw, dh, dw, oh_n, ow_n, out):
    """out[n, ih, iw, c] += dc[(n, oh, ow), (i, j, c)]: col2im for channels-last buffers (``out``
    NHWC, zeroed; ``dc`` rows per output pixel, the kernel taps outer and the channels inner)."""
    for n in range(out.shape[0]):
        _col2im_nhwc_image(dc, kh, kw, sh, sw, ph, pw, dh, dw, oh_n, ow_n, out, n)


@njit(**_PAR)
def col2im_nhwc_par(dc, kh, kw, sh, sw, ph, pw, dh, dw, oh_n, ow_n, out):
    for n in prange(out.shape[0]):
        _col2im_nhwc_image(dc, kh, kw, sh, sw, ph, pw, dh, dw, oh_n, ow_n, out, n)


@njit(cache=True, nogil=True, parallel=True, fastmath={"reassoc", "contract"})
def conv_direct(x, w, sh, sw, ph, pw, dh, dw, groups, out):
    """out[n, o, oh, ow] = sum_{c in o's group, i, j} x[n, c, ih, iw] * w[o, c', i, j]."""
    n_b, c_n, h_n, w_n = x.shape
    o_n, cg, kh, kw = w.shape
    og = o_n // groups
    oh_n, ow_n = out.shape[2], out.shape[3]
    for no in prange(n_b * o_n):
        n = no // o_n
        o = no % o_n
        c0 = (o // og) * cg
        for oh in range(oh_n):
            for ow in range(ow_n):
                out[n, o, oh, ow] = 0
        for cc in range(cg):
            for i in range(kh):
                for j in range(kw):
                    wv = w[o, cc, i, j]
                    for oh in range(oh_n):
                        ih = oh * sh - ph + i * dh
                        if ih < 0 or ih >= h_n:
                            continue
                        for ow in range(ow_n):
                            iw = ow * sw - pw + j * dw
                            if iw >= 0 and iw < w_n:
                                out[n, o, oh, ow] += wv * x[n, c0 + cc, ih, iw]


# ----------------------------------------------------------------------------- pooling
# The 2x2 pool's helpers stay inlined: as plain functions (LLVM left the calls in place) the
# pool measured 14x slower (64x6x28x28: 4.2 ms vs 0.28 ms, CPU, one thread).  The two smallest,
# called a dozen times, are LLVM intrinsics (a compare and a select, emitted in place) rather
# than ``inline="always"`` functions, whose every call site Numba inlines by copying the
# function's IR (its deep copies were most of the pool's 2.1-2.5 s first compile).
@intrinsic
def _max2(typingctx, b, v):
    """The sequential scan's step: ``v`` replaces ``b`` if greater or a NaN (the first NaN wins);
    a select, not a branch, so LLVM vectorises the loops below."""
    if not isinstance(b, types.Float) or b != v:
        return None

    def codegen(context, builder, sig, args):
        b_, v_ = args
        keep_nan = builder.fcmp_ordered("ord", b_, b_)                  # b is not NaN
        t = builder.and_(keep_nan, builder.or_(builder.fcmp_ordered(">", v_, b_),
                                               builder.fcmp_unordered("uno", v_, v_)))
        return builder.select(t, v_, b_)

    return b(b, v), codegen


@intrinsic
def _eq(typingctx, v, m):
    """v is m (a NaN is a NaN), as a bool for a select."""
    if not isinstance(v, types.Float) or v != m:
        return None

    def codegen(context, builder, sig, args):
        v_, m_ = args
        both_nan = builder.and_(builder.fcmp_unordered("uno", v_, v_),
                                builder.fcmp_unordered("uno", m_, m_))
        return builder.or_(builder.fcmp_ordered("==", v_, m_), both_nan)

    return types.boolean(v, m), codegen


@njit(**_INL)
def _pool2x2_max(x, n, c, oh, ow):
    """max_pool's value of window (oh, ow) of a 2x2, stride-2 pool: the maximum as a tournament
    of two pairs (the same value, and the same first NaN, as the scan in window order); its
    index is the first tap equal to it (``_first_max``)."""
    ih, iw = 2 * oh, 2 * ow
    return _max2(_max2(x[n, c, ih, iw], x[n, c, ih, iw + 1]),
                 _max2(x[n, c, ih + 1, iw], x[n, c, ih + 1, iw + 1]))


@njit(**_INL)
def _pool2x2_row32(r0, r1, ih, w32, row):
    """``_first_max``'s indices for one output row from input rows ``r0``, ``r1`` into the
    int32 ``row``: the first tap equal to the tournament's maximum, as selects,
    ``ih * W + iw`` plus 0, 1, W or W + 1."""
    for ow in range(row.shape[0]):
        iw = 2 * ow
        row[ow] = _first_max(r0[iw], r0[iw + 1], r1[iw], r1[iw + 1], ih * w32 + np.int32(iw),
                             w32)


@njit(**_INL)
def _first_max(a, b, cc, d, base, w32):
    """The flat index of the first tap of window ``a b / cc d`` equal to its tournament maximum
    (``_pool2x2_max``'s), as selects: ``base`` (its top-left tap's) plus 0, 1, W or W + 1."""
    m = _max2(_max2(a, b), _max2(cc, d))
    r = base + w32 + np.int32(1)
    r = base + w32 if _eq(cc, m) else r
    r = base + np.int32(1) if _eq(b, m) else r
    return base if _eq(a, m) else r


@njit(**_INL)
def _pool2x2_vals_nhwc(x, vals, n):
    """The maxima of image ``n`` of NHWC buffers (x (N, H, W, C), vals (N, OH, OW, C),
    C-contiguous), per window the channels in memory order.  Through the NCHW views (strides
    unknown to Numba) the pool ran 2.6-5.5x slower than on an NCHW buffer."""
    c_n = x.shape[3]
    for oh in range(vals.shape[1]):
        ih = 2 * oh
        for ow in range(vals.shape[2]):
            iw = 2 * ow
            r0, r1 = x[n, ih, iw], x[n, ih, iw + 1]
            r2, r3 = x[n, ih + 1, iw], x[n, ih + 1, iw + 1]
            out = vals[n, oh, ow]
            for c in range(c_n):
                out[c] = _max2(_max2(r0[c], r1[c]), _max2(r2[c], r3[c]))


@njit(**_INL)
def _pool2x2_idx_nhwc(x, idx, n):
    """``_pool2x2_vals_nhwc``'s first maxima's flat indices into idx (N, OH, OW, C): a window's
    channels in int32 first, then widened into idx (as the NCHW rows below)."""
    w32 = np.int32(x.shape[2])
    c_n = x.shape[3]
    row = np.empty(c_n, np.int32)
    for oh in range(idx.shape[1]):
        ih = 2 * oh
        for ow in range(idx.shape[2]):
            iw = 2 * ow
            r0, r1 = x[n, ih, iw], x[n, ih, iw + 1]
            r2, r3 = x[n, ih + 1, iw], x[n, ih + 1, iw + 1]
            base = np.int32(ih) * w32 + np.int32(iw)
            for c in range(c_n):
                row[c] = _first_max(r0[c], r1[c], r2[c], r3[c], base, w32)
            out = idx[n, oh, ow]
            for c in range(c_n):
                out[c] = row[c]


@njit(**_INL)
def _pool2x2_vals(x, vals, n):
    for c in range(x.shape[1]):
        for oh in range(vals.shape[2]):
            for ow in range(vals.shape[3]):
                vals[n, c, oh, ow] = _pool2x2_max(x, n, c, oh, ow)


@njit(**_INL)
def _pool2x2_idx(x, idx, n):
    # the indices of a row in int32 first, then widened into idx's int64 row: the int64 store
    # in the window loop kept LLVM from vectorising it (64x6x28x28, one thread, CPU time: 758
    # -> 217 us; 64x16x10x10: 205 -> 131 us); the caller sends planes of 2^31 elements or
    # more to the generic argmax loop
    row = np.empty(idx.shape[3], np.int32)
    w32 = np.int32(x.shape[3])
    for c in range(x.shape[1]):
        for oh in range(idx.shape[2]):
            ih = np.int32(2 * oh)
            _pool2x2_row32(x[n, c, ih], x[n, c, ih + 1], ih, w32, row)
            out = idx[n, c, oh]
            for ow in range(idx.shape[3]):
                out[ow] = row[ow]


# The 2x2, stride-2, unpadded max pool: the maxima (``*_vals``) or the flat indices of the first
# maxima (``*_idx``), equal to ``max_pool`` / ``max_pool_argmax`` on those windows, of (N, C, H,
# W) operands of any strides, or (``*_nhwc_*``) of the NHWC buffers (N, H, W, C) of
# channels-last ones, walked in memory order.  Four kernels, each compiled at its first use: one
# holding all four (flags chose at run time) took 1.0-1.5 s to compile, the NCHW values and
# indices alone 0.15 and 0.33 s (one core, an empty cache), and a program uses one or two.
@njit(**_SER)
def max_pool_2x2_vals(x, vals):
    for n in range(x.shape[0]):
        _pool2x2_vals(x, vals, n)


@njit(**_PAR)
def max_pool_2x2_vals_par(x, vals):
    for n in prange(x.shape[0]):
        _pool2x2_vals(x, vals, n)


@njit(**_SER)
def max_pool_2x2_idx(x, idx):
    for n in range(x.shape[0]):
        _pool2x2_idx(x, idx, n)


@njit(**_PAR)
def max_pool_2x2_idx_par(x, idx):
    for n in prange(x.shape[0]):
        _pool2x2_idx(x, idx, n)


@njit(**_SER)
def max_pool_2x2_nhwc_vals(x, vals):
    for n in range(x.shape[0]):
        _pool2x2_vals_nhwc(x, vals, n)


@njit(**_PAR)
def max_pool_2x2_nhwc_vals_par(x, vals):
    for n in prange(x.shape[0]):
        _pool2x2_vals_nhwc(x, vals, n)


@njit(**_SER)
def max_pool_2x2_nhwc_idx(x, idx):
    for n in range(x.shape[0]):
        _pool2x2_idx_nhwc(x, idx, n)


@njit(**_PAR)
def max_pool_2x2_nhwc_idx_par(x, idx):
    for n in prange(x.shape[0]):
        _pool2x2_idx_nhwc(x, idx, n)


@njit(**_INL)
def _plane_gather_plane(x, idx, out, nc):
    c_n, p_n = idx.shape[1], idx.shape[2]
    n = nc // c_n
    c = nc % c_n
    for k in range(p_n):
        out[n, c, k] = x[n, c, idx[n, c, k]]


@njit(**_SER)
def plane_gather(x, idx, out):
    """out[n, c, k] = x[n, c, idx[n, c, k]] (x and idx viewed as (N, C, plane))."""
    for nc in range(idx.shape[0] * idx.shape[1]):
        _plane_gather_plane(x, idx, out, nc)


@njit(**_PAR)
def plane_gather_par(x, idx, out):
    for nc in prange(idx.shape[0] * idx.shape[1]):
        _plane_gather_plane(x, idx, out, nc)


@njit(**_INL)
def _plane_scatter_plane(g, idx, out, nc):
    c_n, p_n = idx.shape[1], idx.shape[2]
    n = nc // c_n
    c = nc % c_n
    for k in range(p_n):
        out[n, c, idx[n, c, k]] += g[n, c, k]


@njit(**_SER)
def plane_scatter(g, idx, out):
    """out[n, c, idx[n, c, k]] += g[n, c, k]: the adjoint of plane_gather (out zeroed)."""
    for nc in range(idx.shape[0] * idx.shape[1]):
        _plane_scatter_plane(g, idx, out, nc)


@njit(**_PAR)
def plane_scatter_par(g, idx, out):
    for nc in prange(idx.shape[0] * idx.shape[1]):
        _plane_scatter_plane(g, idx, out, nc)


@njit(cache=True, nogil=True)
def _window(o, s, p, k, lim_pad, lim):
    """PyTorch's average-pool window along one axis: (start, end, counted size with padding)."""
    start = o * s - p
    end = min(start + k, lim_pad)
    size_pad = end - start
    return max(start, 0), min(end, lim), size_pad


@njit(**_INL)
def _avg_pool_plane(x, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, include_pad, out, nc):
    c_n, h_n, w_n = x.shape[1], x.shape[2], x.shape[3]
    oh_n, ow_n = out.shape[2], out.shape[3]
    n = nc // c_n
    c = nc % c_n
    for oh in range(oh_n):
        h0, h1, hp = _window(oh, sh, ph, kh, h_n + ph_hi, h_n)
        for ow in range(ow_n):
            w0, w1, wp = _window(ow, sw, pw, kw, w_n + pw_hi, w_n)
            acc = 0.0
            for ih in range(h0, h1):
                for iw in range(w0, w1):
                    acc += x[n, c, ih, iw]
            cnt = hp * wp if include_pad else (h1 - h0) * (w1 - w0)
            out[n, c, oh, ow] = acc / cnt if cnt > 0 else 0.0


@njit(**_SER)
def avg_pool(x, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, include_pad, out):
    for nc in range(x.shape[0] * x.shape[1]):
        _avg_pool_plane(x, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, include_pad, out, nc)


@njit(**_PAR)
def avg_pool_par(x, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, include_pad, out):
    for nc in prange(x.shape[0] * x.shape[1]):
        _avg_pool_plane(x, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, include_pad, out, nc)


@njit(**_INL)
def _avg_pool_grad_plane(g, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, include_pad, out, nc):
    c_n, h_n, w_n = out.shape[1], out.shape[2], out.shape[3]
    oh_n, ow_n = g.shape[2], g.shape[3]
    n = nc // c_n
    c = nc % c_n
    for oh in range(oh_n):
        h0, h1, hp = _window(oh, sh, ph, kh, h_n + ph_hi, h_n)
        for ow in range(ow_n):
            w0, w1, wp = _window(ow, sw, pw, kw, w_n + pw_hi, w_n)
            cnt = hp * wp if include_pad else (h1 - h0) * (w1 - w0)
            if cnt <= 0:
                continue
            v = g[n, c, oh, ow] / cnt
            for ih in range(h0, h1):
                for iw in range(w0, w1):
                    out[n, c, ih, iw] += v


@njit(**_SER)
def avg_pool_grad(g, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, include_pad, out):
    """out (zeroed, the input's shape) += g / count over each window: avg_pool's adjoint."""
    for nc in range(out.shape[0] * out.shape[1]):
        _avg_pool_grad_plane(g, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, include_pad, out, nc)


@njit(**_PAR)
def avg_pool_grad_par(g, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, include_pad, out):
    for nc in prange(out.shape[0] * out.shape[1]):
        _avg_pool_grad_plane(g, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, include_pad, out, nc)
