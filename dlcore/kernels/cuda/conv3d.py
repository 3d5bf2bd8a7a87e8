"""CUDA kernels of 3-D convolution and pooling, host side: the functions of :mod:`.conv` hand
5-D (NCDHW) device arrays here.  Direct kernels, one thread per element written
(``_conv3d_kernels.py``), as the 2-D ones; parameters as in :mod:`dlcore.kernels.cpu.conv3d`.
"""

from __future__ import annotations

import numpy as np

from . import _support as S
from ._conv_launch import launch as _launch
from ._conv_launch import zeros as _zeros
from .elementwise import contiguous


def _k():
    S.cuda()
    from . import _conv3d_kernels
    return _conv3d_kernels


def _ints(t) -> tuple:
    return tuple(int(v) for v in t)


def _geo(strides, padding, dilation) -> tuple:
    """(sd, sh, sw, pd, ph, pw, dd, dh, dw): the leading padding only."""
    return _ints(strides) + tuple(int(p[0]) for p in padding) + _ints(dilation)


def conv(x, w, *, strides, padding, dilation, groups):
    x, w = contiguous(x), contiguous(w)
    n, _, *sp = _ints(x.shape)
    o, _, *k = _ints(w.shape)
    out_sp = tuple((i + p[0] + p[1] - d * (kk - 1) - 1) // s + 1
                   for i, kk, s, p, d in zip(sp, k, strides, padding, dilation))
    out = S.empty((n, o) + out_sp, x.dtype)
    _launch(_k().conv3d_fwd, S.size_of(out.shape), x, w, out,
            *_geo(strides, padding, dilation), int(groups))
    return out


def conv_transpose(g, w, *, in_size, strides, padding, dilation, groups):
    g, w = contiguous(g), contiguous(w)
    n = int(g.shape[0])
    c = int(w.shape[1]) * int(groups)
    out = S.empty((n, c) + _ints(in_size), g.dtype)
    _launch(_k().conv3d_bwd_input, S.size_of(out.shape), g, w, out,
            *_geo(strides, padding, dilation), int(groups))
    return out


def conv_filter_grad(x, g, *, kernel_size, strides, padding, dilation, groups):
    x, g = contiguous(x), contiguous(g)
    o = int(g.shape[1])
    cg = int(x.shape[1]) // int(groups)
    out = S.empty((o, cg) + _ints(kernel_size), x.dtype)
    _launch(_k().conv3d_bwd_filter, S.size_of(out.shape), x, g, out,
            *_geo(strides, padding, dilation), int(groups))
    return out


def _max_pool(x, kernel_size, strides, padding, dilation, out_size, want_idx):
    x = contiguous(x)
    shape = _ints(x.shape[:2]) + _ints(out_size)
    out = S.empty(shape, x.dtype)
    idx = S.empty(shape, np.int64)
    _launch(_k().max_pool3d, S.size_of(shape), x, out, idx, bool(want_idx),
            *_ints(kernel_size), *_geo(strides, padding, dilation))
    return idx if want_idx else out


def max_pool(x, *, kernel_size, strides, padding, dilation, out_size):
    return _max_pool(x, kernel_size, strides, padding, dilation, out_size, False)


def max_pool_argmax(x, *, kernel_size, strides, padding, dilation, out_size):
    return _max_pool(x, kernel_size, strides, padding, dilation, out_size, True)


def _pool_geo(kernel_size, strides, padding) -> tuple:
    return (_ints(kernel_size) + _geo(strides, padding, (1, 1, 1))[:6]
            + tuple(int(p[1]) for p in padding))


def avg_pool(x, *, kernel_size, strides, padding, out_size, count_include_pad):
    x = contiguous(x)
    out = S.empty(_ints(x.shape[:2]) + _ints(out_size), x.dtype)
    _launch(_k().avg_pool3d, S.size_of(out.shape), x, out,
            *_pool_geo(kernel_size, strides, padding), bool(count_include_pad))
    return out


def avg_pool_grad(g, *, in_size, kernel_size, strides, padding, count_include_pad):
    g = contiguous(g)
    out = _zeros(_ints(g.shape[:2]) + _ints(in_size), g.dtype)
    _launch(_k().avg_pool_grad3d, S.size_of(g.shape), g, out,
            *_pool_geo(kernel_size, strides, padding), bool(count_include_pad))
    return out
