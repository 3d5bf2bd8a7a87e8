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
  at the same four shapes.
* ``conv_transpose`` at stride 1 (one group, ``O <= C``, input planes of at least
  ``FULL_CONV_MIN_PIXELS`` (1024) pixels) is the full convolution of ``g`` with the flipped,
  transposed filter: one unfolding of ``g`` (C_out k k rows, no more than the forward's) and one
  GEMM, no scatter-add.  Against GEMM + the span col2im, interleaved with
  ``torch.nn.grad.conv2d_input``: 8x8x32x32 k3 p1 1450 -> 1052 us (torch 730), 32x16x32x32
  15377 -> 13498 us (torch 5772); it lost on 16x16 planes (8x16x16x16: 806 against 1349 us)
  and toy shapes (44 against 222 us: np.pad and the window view cost more than the scatter
  saves), hence the threshold.
* the filter gradient is one batched GEMM ``g[n] @ cols[n]^T`` (BLAS reads the transposed
  operand in place) summed over the batch, instead of copying ``g`` and the columns to
  ``(O, N L)`` and ``(C k k, N L)`` for one long GEMM.

Together, conv + conv_transpose + conv_filter_grad against PyTorch's conv2d forward and
backward in the same run: LeNet-5's layers 1.04x -> 0.69x and 2.36x -> 1.67x; the quick
ResNet's 8x8x32x32 k3 2.68x -> 1.82x, its strided one 0.86x -> 0.74x, 8x32x8x8 1.64x -> 1.24x;
the full ResNet's 32x16x32x32 3.58x -> 2.32x and 32x64x8x8 1.75x -> 1.53x.  What bounds the
rest: the unfolding is still a (C k k)-fold copy of the input made twice per training step
(forward and filter gradient), and the per-image GEMMs are small (16 x 150 x 100 at LeNet's
second layer).
"""

from __future__ import annotations

import numpy as np

from . import jit_module

#: Output width from which the unfolding (stride 1) is NumPy's strided copy rather than the
#: Numba loop: the copy's per-row cost loses on short rows (figures in the module docstring).
NUMPY_UNFOLD_MIN_WIDTH = 10
#: Input planes of at least this many pixels take ``conv_transpose``'s stride-1 route through
#: one unfolding of ``g`` (when ``O <= C``); smaller ones keep GEMM + col2im (module docstring).
FULL_CONV_MIN_PIXELS = 1024


def _c3():
    """The 3-D kernels (5-D NCDHW buffers), :mod:`.conv3d`."""
    from . import conv3d
    return conv3d


_jit = jit_module("_jit_conv")


def _as2d(x: np.ndarray) -> np.ndarray:
    """A (N, C, L) buffer viewed as (N, C, 1, L); (N, C, H, W) as it is."""
    return x[:, :, None, :] if x.ndim == 3 else x


def _p2(t: tuple, fill) -> tuple:
    """A 1-D parameter tuple extended with the height axis' value in front."""
    return t if len(t) == 2 else (fill,) + tuple(t)


def _geom(strides, padding, dilation):
    sh, sw = _p2(strides, 1)
    (ph, ph_hi), (pw, pw_hi) = _p2(padding, (0, 0))
    dh, dw = _p2(dilation, 1)
    return sh, sw, ph, pw, dh, dw, ph_hi, pw_hi


def _unfold(x4: np.ndarray, kh: int, kw: int, geom, oh: int, ow: int) -> np.ndarray:
    """im2col: ``cols[n, (c, i, j), (oh, ow)] = x[n, c, oh*sh - ph + i*dh, ow*sw - pw + j*dw]``
    (zero outside the input), as one strided copy of a window view of the zero-padded input
    (see the module docstring for why this is NumPy and not a Numba loop)."""
    sh, sw, ph, pw, dh, dw = geom[:6]
    n, c, h, w = x4.shape
    if sw != 1 or ow < NUMPY_UNFOLD_MIN_WIDTH:       # short strided rows: the Numba loop
        cols = np.empty((n, c * kh * kw, oh * ow), x4.dtype)
        _jit().im2col(np.ascontiguousarray(x4), kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, cols)
        return cols
    eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1           # the dilated window's extent
    hi_h = max((oh - 1) * sh + eh - ph - h, 0)              # trailing padding actually read
    hi_w = max((ow - 1) * sw + ew - pw - w, 0)
    xp = np.pad(x4, ((0, 0), (0, 0), (ph, hi_h), (pw, hi_w))) if ph or pw or hi_h or hi_w \
        else x4
    v = np.lib.stride_tricks.sliding_window_view(xp, (eh, ew), axis=(2, 3))
    v = v[:, :, :(oh - 1) * sh + 1:sh, :(ow - 1) * sw + 1:sw, ::dh, ::dw]  # n, c, oh, ow, i, j
    cols = np.empty((n, c * kh * kw, oh * ow), x4.dtype)
    np.copyto(cols.reshape(n, c, kh, kw, oh, ow), v.transpose(0, 1, 4, 5, 2, 3))
    return cols


def conv(x, w, *, strides, padding, dilation, groups):
    """y[n, o] = sum over o's channel group, kernel offsets of x (padded, strided, dilated) * w."""
    if x.ndim == 5:
        return _c3().conv(x, w, strides=strides, padding=padding, dilation=dilation,
                          groups=groups)
    x4, w4 = _as2d(x), _as2d(w)
    n, c = x4.shape[:2]
    o, cg, kh, kw = w4.shape
    out_sp = _out_size(x4.shape[2:], (kh, kw), _geom(strides, padding, dilation))
    oh, ow = out_sp
    y = np.empty((n, o, oh * ow), x.dtype)
    if y.size and c * kh * kw:
        cols = _unfold(x4, kh, kw, _geom(strides, padding, dilation), oh, ow)
        g = groups
        np.matmul(w4.reshape(g, o // g, cg * kh * kw), cols.reshape(n, g, cg * kh * kw, oh * ow),
                  out=y.reshape(n, g, o // g, oh * ow))
    elif y.size:
        y[...] = 0
    return y.reshape((n, o) + (out_sp if x.ndim == 4 else (ow,)))


def conv_transpose(g, w, *, in_size, strides, padding, dilation, groups):
    """dx = col2im(W^T @ g): the adjoint of ``conv`` with respect to its input."""
    if g.ndim == 5:
        return _c3().conv_transpose(g, w, in_size=in_size, strides=strides, padding=padding,
                                    dilation=dilation, groups=groups)
    g4, w4 = _as2d(g), _as2d(w)
    n, o, oh, ow = g4.shape
    _, cg, kh, kw = w4.shape
    hw = _p2(in_size, 1)
    gr = groups
    geom = _geom(strides, padding, dilation)
    sh, sw, ph, pw, dh, dw = geom[:6]
    ph_full, pw_full = dh * (kh - 1) - ph, dw * (kw - 1) - pw
    if (sh == sw == 1 and gr == 1 and o <= cg and ph_full >= 0 and pw_full >= 0
            and g4.size and cg and hw[1] >= NUMPY_UNFOLD_MIN_WIDTH
            and hw[0] * hw[1] >= FULL_CONV_MIN_PIXELS):
        # stride 1: dx is the "full" convolution of g with the flipped, transposed filter,
        # dx[n, c, q] = sum_{o, k} g[n, o, q + ph - k d] w[o, c, k]: one unfolding of g and a
        # GEMM, no scatter-add (see the module docstring for when this wins)
        wf = np.ascontiguousarray(w4[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)).reshape(cg, -1)
        cols = _unfold(g4, kh, kw, (1, 1, ph_full, pw_full, dh, dw), hw[0], hw[1])
        return np.matmul(wf, cols).reshape((n, cg) + tuple(in_size))
    out = np.zeros((n, cg * gr) + tuple(hw), g.dtype)
    if out.size and g4.size:
        dcols = np.matmul(w4.reshape(gr, o // gr, cg * kh * kw).transpose(0, 2, 1),
                          np.ascontiguousarray(g4).reshape(n, gr, o // gr, oh * ow))
        _jit().col2im(np.ascontiguousarray(dcols).reshape(n, cg * gr * kh * kw, oh * ow), kh, kw,
                      sh, sw, ph, pw, dh, dw, oh, ow, out)
    return out.reshape((n, cg * gr) + tuple(in_size))


def conv_filter_grad(x, g, *, kernel_size, strides, padding, dilation, groups):
    """dW[o, c, i, j] = sum_n g[n, o] . cols[n, (c, i, j)]: the adjoint of ``conv`` in ``w``."""
    if x.ndim == 5:
        return _c3().conv_filter_grad(x, g, kernel_size=kernel_size, strides=strides,
                                      padding=padding, dilation=dilation, groups=groups)
    x4, g4 = _as2d(x), _as2d(g)
    n, c = x4.shape[:2]
    _, o, oh, ow = g4.shape
    kh, kw = _p2(kernel_size, 1)
    gr = groups
    cg = c // gr
    dw_ = np.zeros((gr, o // gr, cg * kh * kw), x.dtype)
    if n and oh * ow and dw_.size:
        cols = _unfold(x4, kh, kw, _geom(strides, padding, dilation), oh, ow)
        gg = np.ascontiguousarray(g4).reshape(n, gr, o // gr, oh * ow)
        cc = cols.reshape(n, gr, cg * kh * kw, oh * ow)
        # one GEMM per image and group, g[n] @ cols[n]^T (BLAS reads the transposed operand in
        # place), summed over the batch: no (C k k, N L) copy of the columns
        np.sum(np.matmul(gg, cc.transpose(0, 1, 3, 2)), axis=0, out=dw_)
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
    if x.ndim == 5:
        return _c3().max_pool(x, kernel_size=kernel_size, strides=strides, padding=padding,
                              dilation=dilation, out_size=out_size)
    x4 = np.ascontiguousarray(_as2d(x))
    out = np.empty(x4.shape[:2] + tuple(_p2(out_size, 1)), x.dtype)
    if out.size:
        _jit().max_pool(x4, *_pool_args(kernel_size, strides, padding, dilation), out)
    return out.reshape(x.shape[:2] + tuple(out_size))


def max_pool_argmax(x, *, kernel_size, strides, padding, dilation, out_size):
    """i = the flat spatial index of each window's first maximum."""
    if x.ndim == 5:
        return _c3().max_pool_argmax(x, kernel_size=kernel_size, strides=strides,
                                     padding=padding, dilation=dilation, out_size=out_size)
    x4 = np.ascontiguousarray(_as2d(x))
    out = np.empty(x4.shape[:2] + tuple(_p2(out_size, 1)), np.int64)
    if out.size:
        _jit().max_pool_argmax(x4, *_pool_args(kernel_size, strides, padding, dilation), out)
    return out.reshape(x.shape[:2] + tuple(out_size))


def _planes(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a).reshape(a.shape[0], a.shape[1], -1)


def plane_gather(x, idx):
    """y[n, c, k] = x[n, c, idx[n, c, k]] over each flattened spatial plane."""
    out = np.empty(idx.shape, x.dtype)
    if out.size:
        _jit().plane_gather(_planes(x), _planes(idx), out.reshape(idx.shape[0], idx.shape[1], -1))
    return out


def plane_scatter(g, idx, *, out_size):
    """y = zeros (N, C, *out_size);  y[n, c, idx[n, c, k]] += g[n, c, k]."""
    out = np.zeros(g.shape[:2] + tuple(out_size), g.dtype)
    if g.size and out.size:
        _jit().plane_scatter(_planes(g), _planes(idx), out.reshape(g.shape[0], g.shape[1], -1))
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
        _jit().avg_pool(x4, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, bool(count_include_pad), out)
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
        _jit().avg_pool_grad(g4, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi, bool(count_include_pad),
                             out)
    return out.reshape(g.shape[:2] + tuple(in_size))
