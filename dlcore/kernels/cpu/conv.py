"""CPU kernels of convolution and pooling: im2col + BLAS GEMM, and Numba pooling loops.

Layout: every kernel takes channels-first buffers, ``(N, C, *spatial)`` with one, two or three
spatial axes (a 1-D problem runs as a 2-D one of height 1; the added axis is a view; 5-D
buffers go to the rank-3 kernels of :mod:`.conv3d`).  The parameters
are the primitives' (see :mod:`dlcore.ops.conv`): ``strides``, ``padding`` as ``(lo, hi)``
pairs, ``dilation``, ``groups``; only the leading padding enters the index arithmetic, the output
size carries the rest.

Convolution as a matrix product.  ``im2col`` unfolds the padded input into columns,
``cols[n, (c, i, j), (oh, ow)]``, so that with the filter viewed as a matrix
``W[o, (c, i, j)]`` the convolution is one GEMM per image, ``y[n] = W @ cols[n]`` (per group:
``(G, O/G, C/G*k)`` against ``(N, G, C/G*k, L)``, one batched ``np.matmul``).  Its two gradients
reuse the same unfolding: ``dW = sum_n g[n] @ cols[n]^T`` and ``dx = col2im(W^T @ g[n])``.

Why im2col + GEMM and not a direct Numba loop: measured here (2 cores shared with other jobs,
one thread, float32, median of 15), at LeNet-5's shapes and a ResNet-like one:

=============================  ======================  ======================  ===============
shape (x; w; pad)              im2col + np.matmul      direct Numba loop       PyTorch eager
=============================  ======================  ======================  ===============
64x1x28x28; 6x1x5x5; 2         1481 us (10.2 GF/s)     7266 us (2.1 GF/s)      641 us
64x6x14x14; 16x6x5x5; 0         875 us (35.1 GF/s)    14945 us (2.1 GF/s)      340 us
32x16x32x32; 16x16x3x3; 1     14956 us (10.1 GF/s)    35831 us (4.2 GF/s)     6683 us
=============================  ======================  ======================  ===============

The direct loop (``_jit_conv.conv_direct``) does not vectorise across output pixels with the
bounds checks inside; the GEMM runs at BLAS speed and the unfolding is a memory copy, so
im2col + GEMM is kept for every shape.  (BLAS called from inside Numba measured slower than
NumPy's own matmul here, so the GEMM is called from this glue.)  What bounds it: with one input
channel (LeNet's first layer) the GEMM is ``6 x 25 x 784`` per image, too thin for BLAS, and the
unfolding (25x the input) dominates.

The unfolding and its adjoint (issue 11's speed work, measured the same way, one thread,
process CPU time, medians, load 5-7):

* ``im2col`` with stride 1 and output rows of ``NUMPY_UNFOLD_MIN_WIDTH`` (10) pixels or more is
  NumPy's strided copy of a window view of the zero-padded input into the columns, not the
  Numba loop: 64x1x28x28 k5 p2 1864 -> 891 us, 64x6x14x14 k5 1676 -> 1175 us, 8x8x32x32 k3 p1
  867 -> 310 us, 32x16x32x32 k3 p1 7100 -> 3280 us.  The Numba loop (a bounds check and a
  wrap-around check per element; moving the checks out of the copy loop measured no faster)
  still wins on short or strided rows: 8x32x8x8 k3 p1 260 against 434 us, 8x8x32x32 k3 s2
  222 against 376 us, so it is kept for those.
* ``col2im`` runs over the span of valid output pixels per (kernel offset, row), computed once,
  instead of testing every pixel: 3610 -> 1759, 2775 -> 1675, 1763 -> 861, 14736 -> 7041 us
  at the same four shapes.  Since the thirty-third session each run is added through views
  indexed from 0, which LLVM vectorises (a subscript that might be negative kept the add
  scalar), and ``col2im_nhwc`` adds a window row's taps inside the image as one run of
  ``(j, c)``: LeNet's 16->6 5x5 input gradient (batch 64, one thread, CPU time) NCHW 1217 ->
  929 us, channels-last 1189 -> 717 us (PyTorch 627-754); 8->8 3x3 col2im alone on 32x32
  (batch 8) 422 -> 125 us.
* ``conv_transpose`` at stride 1 (one group, ``O <= C``, input planes of at least
  ``FULL_CONV_MIN_PIXELS`` (1024) pixels) is the full convolution of ``g`` with the flipped,
  transposed filter: one unfolding of ``g`` (C_out k k rows, no more than the forward's) and one
  GEMM, no scatter-add.  Against GEMM + the span col2im, interleaved with
  ``torch.nn.grad.conv2d_input``: 8x8x32x32 k3 p1 1450 -> 1052 us (torch 730), 32x16x32x32
  15377 -> 13498 us (torch 5772); it lost on 16x16 planes (8x16x16x16: 806 against 1349 us)
  and toy shapes (44 against 222 us: np.pad and the window view cost more than the scatter
  saves), hence the threshold.
* the filter gradient on small planes (fewer than ``FOLDED_FILTER_GRAD_MIN_PIXELS``, more
  than ``FOLDED_FILTER_GRAD_TINY_PIXELS``) is one batched GEMM ``g[n] @ cols[n]^T`` (BLAS
  reads the transposed operand in place) summed over the batch.

Together, conv + conv_transpose + conv_filter_grad against PyTorch's conv2d forward and
backward in the same run: LeNet-5's layers 1.04x -> 0.69x and 2.36x -> 1.67x; the quick
ResNet's 8x8x32x32 k3 2.68x -> 1.82x, its strided one 0.86x -> 0.74x, 8x32x8x8 1.64x -> 1.24x;
the full ResNet's 32x16x32x32 3.58x -> 2.32x and 32x64x8x8 1.75x -> 1.53x.  What bounds the
rest: the unfolding is still a (C k k)-fold copy of the input made twice per training step
(forward and filter gradient), and the per-image GEMMs are small (16 x 150 x 100 at LeNet's
second layer).

Issue 19 (where the time goes, per shape; one thread, process CPU time, medians of 9,
interleaved, load 6-9 on the 2 shared cores).  NumPy's OpenBLAS is not the bottleneck: on this
AMD EPYC (AVX2) a float32 2048^3 GEMM ran at 33-37 GF/s in NumPy and 30-35 in PyTorch's MKL,
and at the convolutions' GEMM shapes NumPy was as fast as MKL or faster (16x144x32768: 24 vs
13 GF/s; 64x576x2048: 31 vs 25), as was ``blis`` (1.3.4: 12 and 25 GF/s), and SciPy's own
OpenBLAS build (cython_blas, 0.3.30) ran 10-20% slower: no other GEMM is used.  What costs
is the unfolding (a (C k k)-fold copy: 30-40% of the forward's time at ResNet's shapes), GEMMs
with a short dimension (M = 16 output channels: 20 GF/s against 33; LeNet's first layer, M = 6,
K = 25: 9 GF/s), and the filter gradient's per-image GEMMs of inner dimension L summed over
the batch.  Hence:

* stride-1 rows, one group, at least 8 output channels (:mod:`.conv_rows`): ``kh`` shifted
  GEMMs over a width-only unfolding (a ``kw``-fold copy instead of ``kh kw``), for the forward
  and for the input gradient as a full convolution.  Against im2col + GEMM (forward / input
  gradient): 64x6x14x14 k5 3869 -> 2593 us, 32x16x32x32 k3 12842 -> 9395 / 13227 -> 10111,
  32x32x16x16 16144 -> 7283, 8x8x32x32 1088 -> 1014 / 1304 -> 1138.  It lost on 8x8 planes
  (10 grid rows computed for 8: 32x64x8x8 8154 -> 10277 us) and with 6 output channels
  (64x1x28x28: 2606 -> 3214), hence ``conv_rows.takes_rows``' limits.  The input gradient
  takes it only where the full convolution by im2col was taken (planes of at least
  ``FULL_CONV_MIN_PIXELS``): on 16x16 planes GEMM + col2im stayed faster (32x32x16x16:
  7.8 against 9.1 ms, whichever ran first).
* the filter gradient on planes of at least ``FOLDED_FILTER_GRAD_MIN_PIXELS`` (100) pixels:
  the columns unfolded straight into the batch-folded layout ``(C k k, N L)`` and one GEMM
  ``cols @ g^T`` with inner dimension ``N L``, ``g`` transposed to ``(O, N L)`` (its own
  size): 64x6x14x14 3426 -> 2731 us, 32x16x32x32 15855 -> 10418, 32x32x16x16 15870 -> 12375,
  8x8x32x32 1332 -> 1076.  On 8x8 planes it lost (32x64x8x8: 9504 -> 13983 us; the same
  576x2048x64 GEMM ran at 4.5 or 11.5 ms depending on which GEMM OpenBLAS had run before).
* the Numba loops (unfolding of short or strided rows, col2im, pooling) run serially below
  ``dlcore.kernels.cpu.PARALLEL_MIN_WORK`` (2^23, or ``$DLCORE_PARALLEL_THRESHOLD``) elements of
  work: waking the OpenMP workers on busy cores cost
  more than the loop (2 threads, wall time, load 6-7: max pool 32x16x32x32 1.4 ms serial
  against 11.9 ms parallel, im2col 8x32x16x16 1.3 against 6.2 ms; im2col and col2im broke
  even from about 10^7 elements, max pool lost at every size tried, up to 3.4x10^7).
* channels-last operands (the TF front end's NHWC tensors through their NCHW transposes) keep
  their layout: the stride-1 padded-grid GEMM, NHWC columns and folded columns with
  channels-last GEMMs, an NHWC col2im (:mod:`.conv_grid`), and the pooling loops reading the
  view in place and writing their output NHWC (``_like``); the 2x2 stride-2 max pool has its
  own branch-free loop (``_is_2x2``).  Steps, static+passes against PyTorch (one thread, CPU
  time, interleaved in one process, load 4-8): small ResNet 1.39x -> 1.07-1.11x, LeNet-5 1.13x ->
  0.92x.
* float32, one group: the direct convolution of :mod:`.conv_direct` comes first (no unfolding;
  a register-blocked LLVM-IR loop at 23-37 GF/s): channels-last operands whose vectorised
  channels are a multiple of 8 (forward, stride-1 input gradient, filter gradient), and
  C-contiguous ones at stride 1 with rows of 16 pixels or more.  Steps against PyTorch (same
  conditions, load 4-9): small ResNet static+passes 1.00x -> 0.56-0.61x, eager 1.35x ->
  0.87-0.93x; LeNet-5 static 0.94x -> 0.65x, eager 1.05x -> 0.78x (with the window-row filter
  gradient of its 1->6 layer); the full small ResNet (batch 32) static 1.49x -> 0.94x, eager
  1.51x -> 1.13x.  (The direct loop of the table above is ``_jit_conv.conv_direct``, a plain
  Numba loop, not this one.)
"""

from __future__ import annotations

import math

import numpy as np

from . import jit_module, serial_or_parallel
from .blas_threads import for_gemm
from .conv_direct import (
    conv_direct,
    conv_filter_grad_direct,
    conv_filter_grad_rows,
    conv_nchw,
    conv_transpose_direct,
    conv_transpose_scatter,
    takes_direct,
    takes_filter_grad_direct,
    takes_filter_grad_rows,
    takes_nchw,
    takes_transpose_scatter,
)
from .conv_grid import channels_last as _channels_last
from .conv_grid import (
    conv_filter_grad_grid,
    conv_folded,
    conv_grid,
    conv_nhwc_cols,
    conv_transpose_grid,
    filter_grad_folded,
    takes_folded,
    takes_grid,
)
from . import conv_gemm as _gemm
from .conv_rows import conv_rows, takes_rows
from .pool import INT32_MAX, avg_pool_loop, general_max_pool

#: Output width from which the unfolding (stride 1) is NumPy's strided copy rather than the
#: Numba loop: the copy's per-row cost loses on short rows (figures in the module docstring).
NUMPY_UNFOLD_MIN_WIDTH = 10
#: Input planes of at least this many pixels take ``conv_transpose``'s stride-1 route through
#: one unfolding of ``g`` (when ``O <= C``); smaller ones keep GEMM + col2im (module docstring).
FULL_CONV_MIN_PIXELS = 1024
#: The input gradient takes the padded grid (:mod:`.conv_grid`) only for at least this many
#: input channels (its GEMM's output columns): with 3 (a stem) it lost, 546 -> 598 us
#: channels-last and 661 -> 971 us NCHW (8x3x32x32, k3).
GRID_MIN_IN_CHANNELS = 8
#: Output planes of at least this many pixels take the filter gradient's batch-folded GEMM;
#: smaller ones keep one GEMM per image summed over the batch (module docstring).
FOLDED_FILTER_GRAD_MIN_PIXELS = 100
#: ... and so do planes of at most this many: there one GEMM per image is an outer product
#: of (O, L) by (L, C k k) written whole for each image before the batch sum (N O C k k
#: values: a DCGAN generator's first ConvTranspose2d(100, 128, 4) weight gradient, batch 32,
#: one thread, float32, 12-17 -> 0.9-1.6 ms; 2x2 planes 7.9-9.2 -> 2.3, 3x3 9.1-9.6 -> 4.9-5.1,
#: 4x4 13.6-13.8 -> 7.3-7.9 ms at 100 output channels; from 5x5 the two were within the
#: noise of each other)
FOLDED_FILTER_GRAD_TINY_PIXELS = 16
#: A stride-1 input gradient (a ConvTranspose2d's forward) takes the direct full convolution
#: only while dx's plane is at most this many times g's: beyond, most taps it reads are the
#: padding's zeros, and W^T g + col2im does the useful products only (DCGAN's generator's
#: ConvTranspose2d(100, 128, 4) on 1x1 noise, batch 32, one thread, CPU time: 3.4-4.3 ->
#: 1.3 ms, where 15 of each output pixel's 16 taps read zeros; PyTorch 0.5-0.8 ms)
FULL_CONV_MAX_GROWTH = 4
#: The channels-last GEMM + col2im input gradient (strided convolutions) runs in chunks of
#: images of about this many bytes of columns once all of them exceed twice as much: each
#: chunk's columns are scattered while in cache.  Measured (batch 32, stride 2, one thread,
#: CPU ms, medians of 15): 16->32 3x3 on 34x34 (4.7 MB of columns) 4.48 -> 3.56; 32->64 3x3
#: on 18x18 (2.4 MB) 2.74 -> 2.65-2.98 by chunk size (left whole); 1x1 ones (<= 0.5 MB) lose.
COL2IM_CHUNK_BYTES = 1 << 20


def _c3():
    """The 3-D kernels (5-D NCDHW buffers), :mod:`.conv3d`."""
    from . import conv3d
    return conv3d


_jit = jit_module("_jit_conv")


def _k(name: str, work: int):
    """The serial or the ``prange`` loop of a Numba kernel, by the elements of work of the call
    (from :data:`dlcore.kernels.cpu.PARALLEL_MIN_WORK` on, the parallel one)."""
    return serial_or_parallel(_jit(), name, work)


def _as2d(x: np.ndarray) -> np.ndarray:
    """A (N, C, L) buffer viewed as (N, C, 1, L); (N, C, H, W) as it is."""
    return x[:, :, None, :] if x.ndim == 3 else x


def _p2(t: tuple, fill) -> tuple:
    """A 1-D parameter tuple extended with the height axis' value in front."""
    return t if len(t) == 2 else (fill,) + tuple(t)


def _lift(strides, padding, dilation) -> dict:
    """A 1-D convolution's parameters as the 2-D ones of its (N, C, 1, L) view: each entry point
    runs a 3-D operand as that view, so every 2-D route (the direct register blocks among them)
    serves 1-D convolutions too (torchaudio's M5, first layer 1->32, k 80, stride 16, batch 64,
    one thread, CPU ms: forward 6.2-8.2 by ``conv_rows`` -> 2.4 direct; PyTorch 2.2)."""
    return {"strides": _p2(strides, 1), "padding": _p2(padding, (0, 0)),
            "dilation": _p2(dilation, 1)}


def _geom(strides, padding, dilation):
    sh, sw = _p2(strides, 1)
    (ph, ph_hi), (pw, pw_hi) = _p2(padding, (0, 0))
    dh, dw = _p2(dilation, 1)
    return sh, sw, ph, pw, dh, dw, ph_hi, pw_hi


def _unfold(x4: np.ndarray, kh: int, kw: int, geom, oh: int, ow: int,
            folded: bool = False) -> np.ndarray:
    """im2col: ``cols[n, (c, i, j), (oh, ow)] = x[n, c, oh*sh - ph + i*dh, ow*sw - pw + j*dw]``
    (zero outside the input), as one strided copy of a window view of the zero-padded input
    (see the module docstring for why this is NumPy and not a Numba loop).  ``folded`` lays the
    batch inside the rows instead, ``cols[(c, i, j), n, (oh, ow)]``, so that the columns of the
    whole batch are one ``(C k k, N L)`` matrix (the filter gradient's GEMM)."""
    sh, sw, ph, pw, dh, dw = geom[:6]
    n, c, h, w = x4.shape
    rows, pix = c * kh * kw, oh * ow
    cols = np.empty((rows, n, pix) if folded else (n, rows, pix), x4.dtype)
    if sw != 1 or ow < NUMPY_UNFOLD_MIN_WIDTH:       # short strided rows: the Numba loop
        _k("im2col", cols.size)(np.ascontiguousarray(x4), kh, kw, sh, sw, ph, pw, dh, dw, oh, ow,
                                cols, folded)
        return cols
    eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1           # the dilated window's extent
    hi_h = max((oh - 1) * sh + eh - ph - h, 0)              # trailing padding actually read
    hi_w = max((ow - 1) * sw + ew - pw - w, 0)
    xp = np.pad(x4, ((0, 0), (0, 0), (ph, hi_h), (pw, hi_w))) if ph or pw or hi_h or hi_w \
        else x4
    v = np.lib.stride_tricks.sliding_window_view(xp, (eh, ew), axis=(2, 3))
    v = v[:, :, :(oh - 1) * sh + 1:sh, :(ow - 1) * sw + 1:sw, ::dh, ::dw]  # n, c, oh, ow, i, j
    if folded:
        np.copyto(cols.reshape(c, kh, kw, n, oh, ow), v.transpose(1, 4, 5, 0, 2, 3))
    else:
        np.copyto(cols.reshape(n, c, kh, kw, oh, ow), v.transpose(0, 1, 4, 5, 2, 3))
    return cols


def conv(x, w, *, strides, padding, dilation, groups):
    """y[n, o] = sum over o's channel group, kernel offsets of x (padded, strided, dilated) * w."""
    if x.ndim == 5:
        return _c3().conv(x, w, strides=strides, padding=padding, dilation=dilation,
                          groups=groups)
    if x.ndim == 3:
        return conv(x[:, :, None, :], w[:, :, None, :], groups=groups,
                    **_lift(strides, padding, dilation))[:, :, 0, :]
    x4, w4 = x, w
    n, c = x4.shape[:2]
    o, cg, kh, kw = w4.shape
    geom = _geom(strides, padding, dilation)
    out_sp = _out_size(x4.shape[2:], (kh, kw), geom)
    oh, ow = out_sp
    for_gemm(2.0 * n * o * cg * kh * kw * oh * ow)      # BLAS threads for its size
    y = _gemm.forward(x4, w4, geom, groups, out_sp, _unfold)   # dense, 1x1, depthwise, big w
    if y is not None:
        return y.reshape((n, o) + out_sp)
    if c and o and takes_nchw(x, w.dtype, o, geom, out_sp, groups, kh * kw):
        return conv_nchw(x, w4, geom, out_sp)      # float32 NCHW, stride 1 (conv_direct.py)
    if c and takes_direct(x, w.dtype, o, ow, groups, kh * kw):
        return conv_direct(x, w4, geom, out_sp)    # float32, O % 8 == 0: no unfolding
    if o and takes_grid(x, (kh, kw), geom, out_sp, groups):
        return conv_grid(x, w4, geom, out_sp)      # channels-last, stride 1: one GEMM
    if o and kh * kw > 1 and oh * ow and takes_folded(x, groups):
        # channels-last, strided or small planes: NHWC columns, one GEMM, NHWC out
        return conv_nhwc_cols(x4, w4, geom, out_sp,
                              _k("im2col_nhwc", n * oh * ow * c * kh * kw))
    if o and c * kh * kw and oh * ow and takes_folded(x, groups):
        # channels-last, strided or small planes: folded columns, one GEMM, NHWC out
        return conv_folded(_unfold(x4, kh, kw, geom, oh, ow, folded=True), w4, n, out_sp)
    if n and o and c and ow and takes_rows(c, o, kh, kw, x4.shape[2], oh, geom, groups):
        y = conv_rows(x4, w4, geom, oh, ow)        # kh shifted GEMMs (module docstring)
        return y.reshape((n, o) + out_sp)
    y = np.empty((n, o, oh * ow), x.dtype)
    if y.size and c * kh * kw:
        cols = _unfold(x4, kh, kw, geom, oh, ow)
        g = groups
        np.matmul(w4.reshape(g, o // g, cg * kh * kw), cols.reshape(n, g, cg * kh * kw, oh * ow),
                  out=y.reshape(n, g, o // g, oh * ow))
    elif y.size:
        y[...] = 0
    return y.reshape((n, o) + out_sp)


def conv_bias(x, w, b, *, strides, padding, dilation, groups):
    """``conv(x, w) + b`` along the channels: the bias added into the convolution's fresh
    result (a channels-last view's too), no second array."""
    y = conv(x, w, strides=strides, padding=padding, dilation=dilation, groups=groups)
    if not y.flags.writeable:
        y = y.copy()
    np.add(y, np.asarray(b).reshape((-1,) + (1,) * (y.ndim - 2)), out=y)
    return y


def conv_transpose(g, w, *, in_size, strides, padding, dilation, groups):
    """dx = col2im(W^T @ g): the adjoint of ``conv`` with respect to its input."""
    if g.ndim == 5:
        return _c3().conv_transpose(g, w, in_size=in_size, strides=strides, padding=padding,
                                    dilation=dilation, groups=groups)
    if g.ndim == 3:
        return conv_transpose(g[:, :, None, :], w[:, :, None, :], in_size=_p2(in_size, 1),
                              groups=groups, **_lift(strides, padding, dilation))[:, :, 0, :]
    g4, w4 = g, w
    n, o, oh, ow = g4.shape
    _, cg, kh, kw = w4.shape
    hw = _p2(in_size, 1)
    gr = groups
    geom = _geom(strides, padding, dilation)
    sh, sw, ph, pw, dh, dw = geom[:6]
    ph_full, pw_full = dh * (kh - 1) - ph, dw * (kw - 1) - pw
    full = (1, 1, ph_full, pw_full, dh, dw)
    for_gemm(2.0 * n * o * cg * kh * kw * oh * ow)
    dx = _gemm.input_grad(g4, w4, geom, gr, hw, lambda dc, out: _k("col2im", dc.size)(
        dc, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, out))
    if dx is not None:
        return dx.reshape((n, cg * gr) + tuple(in_size))
    # the full convolution reads every tap of the padded g for each of dx's pixels: where dx's
    # plane is much larger than g's (a generator's first layer, 1x1 -> 4x4), mostly zeros
    full_ok = hw[0] * hw[1] <= FULL_CONV_MAX_GROWTH * oh * ow
    if sh == sw == 1 and ph_full >= 0 and pw_full >= 0 and o and cg and full_ok and takes_nchw(
            g, w.dtype, cg, full, hw, gr, kh * kw):
        wf = np.ascontiguousarray(w4[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
        return conv_nchw(g, wf, full, hw)          # float32 NCHW (conv_direct.py)
    if sh == sw == 1 and ph_full >= 0 and pw_full >= 0 and o and full_ok and takes_direct(
            g, w.dtype, cg, hw[1], gr, kh * kw):
        return conv_transpose_direct(g, w4, full, hw)   # float32, C % 8 == 0 (conv_direct.py)
    if (sh == sw == 1 and ph_full >= 0 and pw_full >= 0 and cg >= GRID_MIN_IN_CHANNELS
            and takes_grid(g, (kh, kw), full, hw, gr)):
        # channels-last g: the full convolution on the padded grid, one GEMM (conv_grid.py)
        return conv_transpose_grid(g, w4, full, hw)
    if (sh == sw == 1 and ph_full >= 0 and pw_full >= 0 and g4.size and cg
            and hw[0] * hw[1] >= FULL_CONV_MIN_PIXELS
            and takes_rows(o, cg, kh, kw, oh, hw[0], full, gr)):
        # stride 1: the full convolution of g with the flipped, transposed filter (below), by
        # kh shifted GEMMs (module docstring)
        wf = np.ascontiguousarray(w4[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
        return conv_rows(g4, wf, full, hw[0], hw[1]).reshape((n, cg) + tuple(in_size))
    if (sh == sw == 1 and gr == 1 and o <= cg and ph_full >= 0 and pw_full >= 0
            and g4.size and cg and hw[1] >= NUMPY_UNFOLD_MIN_WIDTH
            and hw[0] * hw[1] >= FULL_CONV_MIN_PIXELS):
        # stride 1: dx is the "full" convolution of g with the flipped, transposed filter,
        # dx[n, c, q] = sum_{o, k} g[n, o, q + ph - k d] w[o, c, k]: one unfolding of g and a
        # GEMM, no scatter-add (see the module docstring for when this wins)
        wf = np.ascontiguousarray(w4[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)).reshape(cg, -1)
        cols = _unfold(g4, kh, kw, full, hw[0], hw[1])
        return np.matmul(wf, cols).reshape((n, cg) + tuple(in_size))
    if o and cg and takes_transpose_scatter(g, w.dtype, cg, ow, gr, kh * kw):
        return conv_transpose_scatter(g4, w4, geom, hw)   # float32, strided (conv_direct.py)
    if gr == 1 and cg and takes_folded(g, gr):
        # channels-last g, read in place as the (N OH OW, O) matrix it is stored as: the
        # columns per output pixel (taps outer, channels inner) and a scatter-add into NHWC
        # (in chunks of images when the columns are large: each chunk's columns are
        # scattered while still in cache, COL2IM_CHUNK_BYTES)
        out = np.zeros((n,) + tuple(hw) + (cg,), g.dtype)
        gm = g.transpose(0, 2, 3, 1).reshape(-1, o)
        wm = w4.transpose(0, 2, 3, 1).reshape(o, -1)
        per_img = oh * ow * wm.shape[1] * g.itemsize
        nb = n if n * per_img <= 2 * COL2IM_CHUNK_BYTES else COL2IM_CHUNK_BYTES // per_img
        nb = max(1, nb)
        col2im = _k("col2im_nhwc", gm.shape[0] * wm.shape[1])
        buf = np.empty((min(n, nb) * oh * ow, wm.shape[1]), g.dtype)
        for n0 in range(0, n, nb):
            n1 = min(n, n0 + nb)
            dcols = buf[:(n1 - n0) * oh * ow]
            np.matmul(gm[n0 * oh * ow:n1 * oh * ow], wm, out=dcols)
            col2im(dcols, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, out[n0:n1])
        return out.transpose(0, 3, 1, 2)
    out = np.zeros((n, cg * gr) + tuple(hw), g.dtype)
    if out.size and g4.size:
        dcols = np.matmul(w4.reshape(gr, o // gr, cg * kh * kw).transpose(0, 2, 1),
                          np.ascontiguousarray(g4).reshape(n, gr, o // gr, oh * ow))
        _k("col2im", dcols.size)(
            np.ascontiguousarray(dcols).reshape(n, cg * gr * kh * kw, oh * ow), kh, kw, sh, sw,
            ph, pw, dh, dw, oh, ow, out)
    return out.reshape((n, cg * gr) + tuple(in_size))


def conv_filter_grad(x, g, *, kernel_size, strides, padding, dilation, groups):
    """dW[o, c, i, j] = sum_n g[n, o] . cols[n, (c, i, j)]: the adjoint of ``conv`` in ``w``."""
    if x.ndim == 5:
        return _c3().conv_filter_grad(x, g, kernel_size=kernel_size, strides=strides,
                                      padding=padding, dilation=dilation, groups=groups)
    if x.ndim == 3:
        return conv_filter_grad(x[:, :, None, :], g[:, :, None, :], groups=groups,
                                kernel_size=_p2(kernel_size, 1),
                                **_lift(strides, padding, dilation))[:, :, 0, :]
    x4, g4 = x, g
    n, c = x4.shape[:2]
    _, o, oh, ow = g4.shape
    kh, kw = _p2(kernel_size, 1)
    gr = groups
    cg = c // gr
    geom = _geom(strides, padding, dilation)
    for_gemm(2.0 * n * o * cg * kh * kw * oh * ow)
    dwg = _gemm.filter_grad(x4, g4, (kh, kw), geom, gr)    # dense, 1x1, depthwise
    if dwg is not None:
        return dwg.reshape((o, cg) + tuple(kernel_size))
    dw_ = np.zeros((gr, o // gr, cg * kh * kw), x.dtype)
    if dw_.size and oh * ow and takes_filter_grad_rows(x, g, (kh, kw), geom, gr):
        return conv_filter_grad_rows(x, g4, (kh, kw), geom)   # few channels (conv_direct.py)
    if dw_.size and oh * ow and takes_filter_grad_direct(x, g.dtype, o, c, gr, kh * kw):
        return conv_filter_grad_direct(x, g4, (kh, kw), geom)  # float32, O % 8 (conv_direct.py)
    if dw_.size and takes_grid(x, (kh, kw), geom, (oh, ow), gr):
        return conv_filter_grad_grid(x, g4, (kh, kw), geom)   # channels-last x (conv_grid.py)
    if dw_.size and n and oh * ow and takes_folded(g, gr):
        # channels-last g: folded columns @ g read as the (N OH OW, O) matrix it is stored as
        return filter_grad_folded(_unfold(x4, kh, kw, geom, oh, ow, folded=True), g4,
                                  (kh, kw), c)
    if n and oh * ow and dw_.size and (oh * ow >= FOLDED_FILTER_GRAD_MIN_PIXELS or
                                       oh * ow <= FOLDED_FILTER_GRAD_TINY_PIXELS):
        # one GEMM per group over the whole batch, cols (C/G k k, N L) @ g^T (N L, O/G): the
        # columns unfolded straight into that layout, g transposed (its own size); the long
        # inner dimension N L is what BLAS runs fastest (module docstring)
        cols = _unfold(x4, kh, kw, geom, oh, ow, folded=True)
        cc = cols.reshape(gr, cg * kh * kw, n * oh * ow)
        gg = np.ascontiguousarray(g4.transpose(1, 0, 2, 3)).reshape(gr, o // gr, n * oh * ow)
        np.copyto(dw_, np.matmul(cc, gg.transpose(0, 2, 1)).transpose(0, 2, 1))
    elif n and oh * ow and dw_.size:
        # small planes: one GEMM per image and group, g[n] @ cols[n]^T (BLAS reads the
        # transposed operand in place), summed over the batch
        cols = _unfold(x4, kh, kw, geom, oh, ow)
        g_img = np.ascontiguousarray(g4).reshape(n, gr, o // gr, oh * ow)
        c_img = cols.reshape(n, gr, cg * kh * kw, oh * ow)
        np.sum(np.matmul(g_img, c_img.transpose(0, 1, 3, 2)), axis=0, out=dw_)
    return dw_.reshape((o, cg) + tuple(kernel_size))


def _out_size(in_hw, k_hw, geom) -> tuple:
    sh, sw, ph, pw, dh, dw, ph_hi, pw_hi = geom
    (h, w), (kh, kw) = in_hw, k_hw
    return ((h + ph + ph_hi - dh * (kh - 1) - 1) // sh + 1,
            (w + pw + pw_hi - dw * (kw - 1) - 1) // sw + 1)


# ----------------------------------------------------------------------------- pooling
def _pool_args(kernel_size, strides, padding, dilation):
    kh, kw = _p2(kernel_size, 1)
    sh, sw, ph, pw, dh, dw, ph_hi, pw_hi = _geom(strides, padding, dilation)
    return kh, kw, sh, sw, ph, pw, dh, dw


def max_pool(x, *, kernel_size, strides, padding, dilation, out_size):
    """y = the maximum of each window (padding never wins)."""
    return _max_pool(x, False, kernel_size, strides, padding, dilation, out_size)


def max_pool_argmax(x, *, kernel_size, strides, padding, dilation, out_size):
    """i = the flat spatial index of each window's first maximum."""
    return _max_pool(x, True, kernel_size, strides, padding, dilation, out_size)


def _max_pool(x, argmax: bool, kernel_size, strides, padding, dilation, out_size):
    """``max_pool``, or with ``argmax`` its ``max_pool_argmax``: one dispatch (3-D, the 2x2
    kernel, the general window loop) for both."""
    if x.ndim == 5:
        return (_c3().max_pool_argmax if argmax else _c3().max_pool)(
            x, kernel_size=kernel_size, strides=strides, padding=padding, dilation=dilation,
            out_size=out_size)
    x4 = _as2d(x)
    out = _like(x4, x4.shape[:2] + tuple(_p2(out_size, 1)), np.int64 if argmax else x.dtype)
    if out.size and _is_2x2(x, kernel_size, strides, padding, dilation, out_size) and not (
            argmax and x4.shape[2] * x4.shape[3] > INT32_MAX):     # (its int32 indices)
        chlast = _channels_last(x4)
        res = out
        copied = chlast and argmax and x4.shape[1] < FEW_CHANNELS
        if copied:
            # a window's few channels make too short a vector loop: the NCHW rows of a copy
            # (64x6x28x28, one thread, CPU time: 0.508 -> 0.374 ms; 3 channels 0.207 -> 0.183)
            x4, chlast, res = np.ascontiguousarray(x4), False, np.empty(out.shape, np.int64)
        elif chlast:                # the NHWC buffers themselves, walked in memory order
            x4, res = x4.transpose(0, 2, 3, 1), out.transpose(0, 2, 3, 1)
        name = ("max_pool_2x2_nhwc" if chlast else "max_pool_2x2") + ("_idx" if argmax else
                                                                       "_vals")
        _k(name, out.size * 4)(x4, res)
        if copied:
            out[...] = res
    elif out.size:
        general_max_pool(x4, out, argmax, _pool_args(kernel_size, strides, padding, dilation),
                         out.size * math.prod(kernel_size))
    return out.reshape(x.shape[:2] + tuple(out_size))


#: below this many channels a channels-last input's 2x2 indices come from an NCHW copy
FEW_CHANNELS = 8


def _is_2x2(x, kernel_size, strides, padding, dilation, out_size) -> bool:
    """The common 2x2, stride-2 pool with no padding, dilation or ceil_mode's extra window,
    which has its own branch-free loops (``_jit_conv.max_pool_2x2_vals`` and the three
    others): LeNet-5's pools, batch 64, one thread, CPU time, values / indices: 64x6x28x28
    640-750 / 2400 us -> 276 / 276 us (the window scan's compare-and-branch chain, not
    memory, bounded the generic loop)."""
    return (x.ndim == 4 and tuple(kernel_size) == (2, 2) and tuple(strides) == (2, 2)
            and tuple(dilation) == (1, 1) and all(lo == 0 for lo, _ in padding)
            and 2 * out_size[0] <= x.shape[2] and 2 * out_size[1] <= x.shape[3])


def _like(a: np.ndarray, shape: tuple, dtype, zeros: bool = False) -> np.ndarray:
    """A new 4-D ``(N, C, H, W)`` array stored as ``a`` is: NHWC when ``a`` is the NCHW view of
    an NHWC buffer (the TF front end's operands), else C-contiguous.  The pooling loops read
    such a view in place and write their output the same way, so neither the input nor the
    output is copied across layouts (LeNet-5's figures in :mod:`.conv_grid`)."""
    make = np.zeros if zeros else np.empty
    if _channels_last(a):
        n, c, h, w = shape
        return make((n, h, w, c), dtype).transpose(0, 3, 1, 2)
    return make(shape, dtype)


def _planes(a: np.ndarray) -> np.ndarray:
    """(N, C, plane): a view where the plane's axes merge (C-contiguous or channels-last)."""
    return a.reshape(a.shape[0], a.shape[1], -1)


def plane_gather(x, idx):
    """y[n, c, k] = x[n, c, idx[n, c, k]] over each flattened spatial plane."""
    out = np.empty(idx.shape, x.dtype)
    if out.size:
        _k("plane_gather", out.size)(_planes(x), _planes(idx),
                                      out.reshape(idx.shape[0], idx.shape[1], -1))
    return out


def plane_scatter(g, idx, *, out_size):
    """y = zeros (N, C, *out_size);  y[n, c, idx[n, c, k]] += g[n, c, k]."""
    if g.ndim == 4 and len(out_size) == 2:
        out = _like(g, g.shape[:2] + tuple(out_size), g.dtype, zeros=True)
    else:
        out = np.zeros(g.shape[:2] + tuple(out_size), g.dtype)
    if g.size and out.size:
        _k("plane_scatter", g.size)(_planes(g), _planes(idx), _planes(out))   # a view of out
    return out


def avg_pool(x, *, kernel_size, strides, padding, out_size, count_include_pad):
    if x.ndim == 5:
        return _c3().avg_pool(x, kernel_size=kernel_size, strides=strides, padding=padding,
                              out_size=out_size, count_include_pad=count_include_pad)
    x4 = np.ascontiguousarray(_as2d(x))
    out = np.empty(x4.shape[:2] + tuple(_p2(out_size, 1)), x.dtype)
    if out.size:
        kh, kw, sh, sw, ph, pw, _, _ = _pool_args(kernel_size, strides, padding, (1,) * 2)
        ph_hi, pw_hi = _geom(strides, padding, (1, 1))[6:]
        avg_pool_loop(False, out.shape[3], out.size * kh * kw)(
            x4, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, bool(count_include_pad), out)
    return out.reshape(x.shape[:2] + tuple(out_size))


def avg_pool_grad(g, *, in_size, kernel_size, strides, padding, count_include_pad):
    if g.ndim == 5:
        return _c3().avg_pool_grad(g, in_size=in_size, kernel_size=kernel_size,
                                   strides=strides, padding=padding,
                                   count_include_pad=count_include_pad)
    g4 = np.ascontiguousarray(_as2d(g))
    out = np.zeros(g4.shape[:2] + tuple(_p2(in_size, 1)), g.dtype)
    if out.size and g4.size:
        kh, kw, sh, sw, ph, pw, _, _ = _pool_args(kernel_size, strides, padding, (1,) * 2)
        ph_hi, pw_hi = _geom(strides, padding, (1, 1))[6:]
        avg_pool_loop(True, g4.shape[3], g4.size * kh * kw)(
            g4, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, bool(count_include_pad), out)
    return out.reshape(g.shape[:2] + tuple(in_size))
