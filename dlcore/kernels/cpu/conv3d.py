"""CPU kernels of 3-D convolution and pooling (NCDHW buffers): im2col + BLAS GEMM, and Numba
pooling loops.  The functions of :mod:`.conv` hand 5-D buffers here; parameters as there
(``strides``, ``padding`` as (lo, hi) pairs, ``dilation``, ``groups``), three per tuple.

The unfolding is the 2-D one with a depth axis: ``cols[n, (c, a, i, j), (od, oh, ow)]``,
``y[n] = W[o, (c, a, i, j)] @ cols[n]`` per group, ``dW = sum_n g[n] @ cols[n]^T`` and
``dx = col2im3d(W^T @ g[n])``.

im2col + GEMM against the direct Numba loop (``_jit_conv3d.conv_direct3d``), measured as the 2-D
choice was (float32, one thread pinned to one core, median of 9, on the shared 2-core machine
at load ~3, 2026-12-01; PyTorch 2.13's ``conv3d`` alongside):

========================================  ===================  ===================  =========
shape (x; w; pad)                         im2col + np.matmul   direct Numba loop    PyTorch
========================================  ===================  ===================  =========
8x4x16x16x16; 8x4x3x3x3; 1                15.1 ms (3.8 GF/s)   76.9 ms (0.7 GF/s)   4.3 ms
4x16x8x16x16; 32x16x3x3x3; 1              27.9 ms (8.1 GF/s)   444.7 ms (0.5 GF/s)  8.5 ms
2x1x16x32x32; 8x1x3x5x5; 0 (one channel)  8.2 ms (3.2 GF/s)    57.0 ms (0.5 GF/s)   2.7 ms
========================================  ===================  ===================  =========

So 3-D measures as 2-D did and keeps im2col + GEMM for every shape: the unfolding is a copy
(``k^3`` times the input, the cost that bounds thin one-channel layers), the GEMM runs at BLAS
speed, while the direct loop's bounds checks keep it from vectorising.

The pooling loops (one ``prange`` over the (n, c) volumes), same conditions, on an
8x16x16x32x32 float32 input against PyTorch: max_pool3d k2 40.4 ms (torch 38.9), with argmax
k3 s2 p1 85.6 ms (torch 60.8, values and indices), avg_pool3d k3 s2 p1 29.3 ms (torch 20.2);
adaptive_avg_pool3d to 4x4x4 (three small matmuls, :mod:`dlcore.ops.spatial`) 6.4 ms (torch 7.1).
Since issue 19 each loop also has a serial form, used below the 2-D kernels' threshold of work
(:data:`dlcore.kernels.cpu.PARALLEL_MIN_WORK`; on busy cores the OpenMP workers' wake-up cost
more than the loop, figures in :mod:`.conv`).
"""

from __future__ import annotations

import math

import numpy as np

from . import jit_module, serial_or_parallel
from .blas_threads import for_gemm


_jit = jit_module("_jit_conv3d")


def _k(name: str, work: int):
    """The serial or the ``prange`` loop, by the elements of work (the 2-D kernels' threshold,
    :data:`dlcore.kernels.cpu.PARALLEL_MIN_WORK`)."""
    return serial_or_parallel(_jit(), name, work)


def _geo(strides, padding, dilation) -> np.ndarray:
    """[sd, sh, sw, pd, ph, pw, dd, dh, dw] (leading padding only) as the kernels take it."""
    return np.array(tuple(strides) + tuple(p[0] for p in padding) + tuple(dilation), np.int64)


def _out(in_sp, k, strides, padding, dilation) -> tuple:
    return tuple((i + p[0] + p[1] - d * (kk - 1) - 1) // s + 1
                 for i, kk, s, p, d in zip(in_sp, k, strides, padding, dilation))


def _unfold(x, k, geo, out_sp) -> np.ndarray:
    n, c = x.shape[:2]
    cols = np.empty((n, c * int(np.prod(k)), int(np.prod(out_sp))), x.dtype)
    _k("im2col3d", cols.size)(np.ascontiguousarray(x), np.array(k, np.int64), geo, *out_sp, cols)
    return cols


def conv(x, w, *, strides, padding, dilation, groups):
    n, c = x.shape[:2]
    o, cg = w.shape[:2]
    k = tuple(w.shape[2:])
    kk = int(np.prod(k))
    out_sp = _out(x.shape[2:], k, strides, padding, dilation)
    l_ = int(np.prod(out_sp))
    y = np.empty((n, o, l_), x.dtype)
    for_gemm(2.0 * n * o * cg * kk * l_)                # BLAS threads for its size
    if y.size and c * kk:
        cols = _unfold(x, k, _geo(strides, padding, dilation), out_sp)
        g = groups
        np.matmul(np.ascontiguousarray(w).reshape(g, o // g, cg * kk),
                  cols.reshape(n, g, cg * kk, l_), out=y.reshape(n, g, o // g, l_))
    elif y.size:
        y[...] = 0
    return y.reshape((n, o) + out_sp)


def conv_transpose(g, w, *, in_size, strides, padding, dilation, groups):
    n, o = g.shape[:2]
    out_sp = tuple(g.shape[2:])
    cg = w.shape[1]
    k = tuple(w.shape[2:])
    kk = int(np.prod(k))
    gr = groups
    out = np.zeros((n, cg * gr) + tuple(in_size), g.dtype)
    l_ = int(np.prod(out_sp))
    for_gemm(2.0 * n * o * cg * kk * l_)
    if out.size and g.size:
        dcols = np.matmul(np.ascontiguousarray(w).reshape(gr, o // gr, cg * kk)
                          .transpose(0, 2, 1),
                          np.ascontiguousarray(g).reshape(n, gr, o // gr, l_))
        _k("col2im3d", dcols.size)(dcols.reshape(n, cg * gr * kk, l_), np.array(k, np.int64),
                                   _geo(strides, padding, dilation), *out_sp, out)
    return out


def conv_filter_grad(x, g, *, kernel_size, strides, padding, dilation, groups):
    n, c = x.shape[:2]
    o = g.shape[1]
    out_sp = tuple(g.shape[2:])
    k = tuple(kernel_size)
    kk = int(np.prod(k))
    gr = groups
    cg = c // gr
    l_ = int(np.prod(out_sp))
    dw_ = np.zeros((gr, o // gr, cg * kk), x.dtype)
    for_gemm(2.0 * n * o * cg * kk * l_)
    if n and l_ and dw_.size:
        cols = _unfold(x, k, _geo(strides, padding, dilation), out_sp)
        gg = np.ascontiguousarray(g).reshape(n, gr, o // gr, l_)
        cc = cols.reshape(n, gr, cg * kk, l_)
        for q in range(gr):      # one GEMM per group over the batch folded into L
            a = gg[:, q].transpose(1, 0, 2).reshape(o // gr, n * l_)
            b = cc[:, q].transpose(1, 0, 2).reshape(cg * kk, n * l_)
            np.matmul(a, b.T, out=dw_[q])
    return dw_.reshape((o, cg) + k)


# ----------------------------------------------------------------------------- pooling
def _max_pool(x, kernel_size, strides, padding, dilation, out_size, want_idx):
    x5 = np.ascontiguousarray(x)
    shape = x5.shape[:2] + tuple(out_size)
    out = np.empty(shape, x.dtype)
    idx = np.empty(shape if want_idx else (1,) * 5, np.int64)
    if out.size:
        _k("max_pool3d", out.size * math.prod(kernel_size))(
            x5, np.array(kernel_size, np.int64), _geo(strides, padding, dilation),
            bool(want_idx), out, idx)
    return idx if want_idx else out


def max_pool(x, *, kernel_size, strides, padding, dilation, out_size):
    return _max_pool(x, kernel_size, strides, padding, dilation, out_size, False)


def max_pool_argmax(x, *, kernel_size, strides, padding, dilation, out_size):
    return _max_pool(x, kernel_size, strides, padding, dilation, out_size, True)


def _hi(padding) -> np.ndarray:
    return np.array([p[1] for p in padding], np.int64)


def avg_pool(x, *, kernel_size, strides, padding, out_size, count_include_pad):
    x5 = np.ascontiguousarray(x)
    out = np.empty(x5.shape[:2] + tuple(out_size), x.dtype)
    if out.size:
        _k("avg_pool3d", out.size * math.prod(kernel_size))(
            x5, np.array(kernel_size, np.int64), _geo(strides, padding, (1,) * 3), _hi(padding),
            bool(count_include_pad), out)
    return out


def avg_pool_grad(g, *, in_size, kernel_size, strides, padding, count_include_pad):
    g5 = np.ascontiguousarray(g)
    out = np.zeros(g5.shape[:2] + tuple(in_size), g.dtype)
    if out.size and g5.size:
        _k("avg_pool_grad3d", g5.size * math.prod(kernel_size))(
            g5, np.array(kernel_size, np.int64), _geo(strides, padding, (1,) * 3), _hi(padding),
            bool(count_include_pad), out)
    return out
