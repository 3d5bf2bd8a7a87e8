"""CUDA kernels of convolution and pooling: the host side (shapes, allocation, launches).

The kernels themselves (``_conv_kernels.py``, imported on first use) are direct: one thread per
element written, looping over the window or the kernel.  That is the simplest correct form and
runs under the simulator at tiny shapes; an implicit-GEMM kernel (tiles of im2col columns in
shared memory fed to the tiled matmul) is the next step once measured on a GPU.

Layout and parameters as in :mod:`dlcore.kernels.cpu.conv`: channels-first buffers with one or
two spatial axes (a 1-D problem is reshaped to height 1), ``padding`` as (lo, hi) pairs; 5-D
(NCDHW) arrays go to the rank-3 kernels of :mod:`.conv3d`.
"""

from __future__ import annotations

import numpy as np

from . import _support as S
from ._conv_launch import launch as _launch
from ._conv_launch import zeros as _zeros
from .elementwise import contiguous


def _c3():
    """The 3-D kernels' host side (5-D NCDHW device arrays), :mod:`.conv3d`."""
    from . import conv3d
    return conv3d


def _k():
    S.cuda()
    from . import _conv_kernels
    return _conv_kernels


def _as4(x):
    x = contiguous(x)
    shape = tuple(int(d) for d in x.shape)
    return x.reshape((shape[0], shape[1], 1, shape[2])) if len(shape) == 3 else x


def _p2(t, fill) -> tuple:
    t = tuple(t)
    return t if len(t) == 2 else (fill,) + t


def _geom(strides, padding, dilation):
    sh, sw = _p2(strides, 1)
    (ph, ph_hi), (pw, pw_hi) = _p2(padding, (0, 0))
    dh, dw = _p2(dilation, 1)
    return sh, sw, ph, pw, dh, dw, ph_hi, pw_hi


def conv(x, w, *, strides, padding, dilation, groups):
    if len(x.shape) == 5:
        return _c3().conv(x, w, strides=strides, padding=padding, dilation=dilation,
                          groups=groups)
    x4, w4 = _as4(x), _as4(w)
    sh, sw, ph, pw, dh, dw, ph_hi, pw_hi = _geom(strides, padding, dilation)
    n, _, h, wd = (int(d) for d in x4.shape)
    o, _, kh, kw = (int(d) for d in w4.shape)
    oh = (h + ph + ph_hi - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + pw + pw_hi - dw * (kw - 1) - 1) // sw + 1
    out = S.empty((n, o, oh, ow), x.dtype)
    _launch(_k().conv_fwd, n * o * oh * ow, x4, w4, out, sh, sw, ph, pw, dh, dw, int(groups))
    return out if len(x.shape) == 4 else out.reshape((n, o, ow))


_ADD: list = []         # add's elementwise kernel (its launch plans), made on first use


def conv_bias(x, w, b, *, strides, padding, dilation, groups):
    """``conv(x, w) + b`` along the channels: add's broadcasting kernel written into the
    convolution's result (``into``: no second array)."""
    y = conv(x, w, strides=strides, padding=padding, dilation=dilation, groups=groups)
    shape = tuple(int(d) for d in y.shape)
    b = contiguous(b).reshape((shape[1],) + (1,) * (len(shape) - 2))
    if not _ADD:
        from .elementwise import elementwise_kernel
        _ADD.append(elementwise_kernel("add", "{0} + {1}", 2))
    if _ADD[0].into(y, y, b):
        return y
    return _ADD[0](y, b)


def conv_transpose(g, w, *, in_size, strides, padding, dilation, groups):
    if len(g.shape) == 5:
        return _c3().conv_transpose(g, w, in_size=in_size, strides=strides, padding=padding,
                                    dilation=dilation, groups=groups)
    g4, w4 = _as4(g), _as4(w)
    sh, sw, ph, pw, dh, dw, _, _ = _geom(strides, padding, dilation)
    n = int(g4.shape[0])
    c = int(w4.shape[1]) * int(groups)
    h, wd = _p2(tuple(int(v) for v in in_size), 1)
    out = S.empty((n, c, h, wd), g.dtype)
    _launch(_k().conv_bwd_input, n * c * h * wd, g4, w4, out, sh, sw, ph, pw, dh, dw,
            int(groups))
    return out.reshape((n, c) + tuple(int(v) for v in in_size))


def conv_filter_grad(x, g, *, kernel_size, strides, padding, dilation, groups):
    if len(x.shape) == 5:
        return _c3().conv_filter_grad(x, g, kernel_size=kernel_size, strides=strides,
                                      padding=padding, dilation=dilation, groups=groups)
    x4, g4 = _as4(x), _as4(g)
    sh, sw, ph, pw, dh, dw, _, _ = _geom(strides, padding, dilation)
    o = int(g4.shape[1])
    cg = int(x4.shape[1]) // int(groups)
    kh, kw = _p2(tuple(int(v) for v in kernel_size), 1)
    out = S.empty((o, cg, kh, kw), x.dtype)
    _launch(_k().conv_bwd_filter, o * cg * kh * kw, x4, g4, out, sh, sw, ph, pw, dh, dw,
            int(groups))
    return out.reshape((o, cg) + tuple(int(v) for v in kernel_size))


def _pool_out(x, out_size, dtype):
    x4 = _as4(x)
    n, c = int(x4.shape[0]), int(x4.shape[1])
    oh, ow = _p2(tuple(int(v) for v in out_size), 1)
    return x4, S.empty((n, c, oh, ow), dtype), (n, c) + tuple(int(v) for v in out_size)


def _max_pool(x, kernel_size, strides, padding, dilation, out_size, want_idx):
    if len(x.shape) == 5:
        return _c3()._max_pool(x, kernel_size, strides, padding, dilation, out_size, want_idx)
    x4, out, final = _pool_out(x, out_size, x.dtype)
    idx = S.empty(tuple(int(d) for d in out.shape), np.int64)
    kh, kw = _p2(tuple(kernel_size), 1)
    sh, sw, ph, pw, dh, dw, _, _ = _geom(strides, padding, dilation)
    _launch(_k().max_pool, S.size_of(out.shape), x4, out, idx, bool(want_idx), kh, kw, sh, sw,
            ph, pw, dh, dw)
    return (idx if want_idx else out).reshape(final)


def max_pool(x, *, kernel_size, strides, padding, dilation, out_size):
    return _max_pool(x, kernel_size, strides, padding, dilation, out_size, False)


def max_pool_argmax(x, *, kernel_size, strides, padding, dilation, out_size):
    return _max_pool(x, kernel_size, strides, padding, dilation, out_size, True)


def _planes(a):
    a = contiguous(a)
    shape = tuple(int(d) for d in a.shape)
    return a.reshape((shape[0], shape[1], S.size_of(shape[2:])))


def plane_gather(x, idx):
    shape = tuple(int(d) for d in idx.shape)
    out = S.empty(shape, x.dtype)
    o3 = out.reshape((shape[0], shape[1], S.size_of(shape[2:])))
    _launch(_k().plane_gather, S.size_of(shape), _planes(x), _planes(idx), o3)
    return out


def plane_scatter(g, idx, *, out_size):
    gs = tuple(int(d) for d in g.shape)
    shape = gs[:2] + tuple(int(v) for v in out_size)
    out = _zeros(shape, g.dtype)
    o3 = out.reshape((shape[0], shape[1], S.size_of(shape[2:])))
    _launch(_k().plane_scatter, S.size_of(gs), _planes(g), _planes(idx), o3)
    return out


def avg_pool(x, *, kernel_size, strides, padding, out_size, count_include_pad):
    if len(x.shape) == 5:
        return _c3().avg_pool(x, kernel_size=kernel_size, strides=strides, padding=padding,
                              out_size=out_size, count_include_pad=count_include_pad)
    x4, out, final = _pool_out(x, out_size, x.dtype)
    kh, kw = _p2(tuple(kernel_size), 1)
    sh, sw, ph, pw, _, _, ph_hi, pw_hi = _geom(strides, padding, (1,) * len(kernel_size))
    _launch(_k().avg_pool, S.size_of(out.shape), x4, out, kh, kw, sh, sw, ph, pw, ph_hi, pw_hi,
            bool(count_include_pad))
    return out.reshape(final)


def avg_pool_grad(g, *, in_size, kernel_size, strides, padding, count_include_pad):
    if len(g.shape) == 5:
        return _c3().avg_pool_grad(g, in_size=in_size, kernel_size=kernel_size,
                                   strides=strides, padding=padding,
                                   count_include_pad=count_include_pad)
    g4 = _as4(g)
    n, c = int(g4.shape[0]), int(g4.shape[1])
    h, wd = _p2(tuple(int(v) for v in in_size), 1)
    out = _zeros((n, c, h, wd), g.dtype)
    kh, kw = _p2(tuple(kernel_size), 1)
    sh, sw, ph, pw, _, _, ph_hi, pw_hi = _geom(strides, padding, (1,) * len(kernel_size))
    _launch(_k().avg_pool_grad, S.size_of(g4.shape), g4, out, kh, kw, sh, sw, ph, pw, ph_hi,
            pw_hi, bool(count_include_pad))
    return out.reshape((n, c) + tuple(int(v) for v in in_size))
