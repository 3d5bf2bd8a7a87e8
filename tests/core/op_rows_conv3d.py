"""Op-table rows of the 3-D convolution family (5-D NCDHW operands of dlcore/ops/conv.py and
pool.py), with plain NumPy references for any number of spatial axes: padding by ``np.pad``,
one strided slice per kernel offset, windows looped over.

Shapes are tiny (a 1x2x3x4x3 input) because every row also runs on the CUDA simulator; the 3-D
composites (adaptive pooling, trilinear resizing) are checked against PyTorch in
tests/eager/test_conv3d_vs_torch.py instead."""

from __future__ import annotations

import itertools

import numpy as np

from dlcore import ops


def _sl(off: int, d: int, s: int, n: int) -> slice:
    return slice(off * d, off * d + s * (n - 1) + 1, s)


def np_conv_nd(x, w, strides, padding, dilation, groups):
    """y[n, o] = sum over o's group and each kernel offset of the shifted input times w."""
    xp = np.pad(x, ((0, 0), (0, 0)) + tuple(padding))
    n, c = x.shape[:2]
    o, cg = w.shape[:2]
    k = w.shape[2:]
    out = tuple((i - d * (kk - 1) - 1) // s + 1
                for i, kk, s, d in zip(xp.shape[2:], k, strides, dilation))
    y = np.zeros((n, groups, o // groups) + out)
    wg = w.reshape((groups, o // groups, cg) + k)
    for off in itertools.product(*(range(kk) for kk in k)):
        xs = xp[(slice(None), slice(None)) + tuple(_sl(a, d, s, m) for a, d, s, m
                                                   in zip(off, dilation, strides, out))]
        y += np.einsum("ngc...,goc->ngo...", xs.reshape((n, groups, cg) + out),
                       wg[(Ellipsis,) + off])
    return y.reshape((n, o) + out).astype(x.dtype)


def np_conv_transpose_nd(g, w, in_size, strides, padding, dilation, groups):
    """Each output's contribution g * w added back onto the window it came from."""
    n, o = g.shape[:2]
    out = g.shape[2:]
    cg = w.shape[1]
    k = w.shape[2:]
    full = tuple(i + lo + hi for i, (lo, hi) in zip(in_size, padding))
    acc = np.zeros((n, groups, cg) + full)
    gg = g.reshape((n, groups, o // groups) + out)
    wg = w.reshape((groups, o // groups, cg) + k)
    for off in itertools.product(*(range(kk) for kk in k)):
        idx = (slice(None),) * 3 + tuple(_sl(a, d, s, m) for a, d, s, m
                                         in zip(off, dilation, strides, out))
        acc[idx] += np.einsum("ngo...,goc->ngc...", gg, wg[(Ellipsis,) + off])
    crop = (slice(None),) * 3 + tuple(slice(lo, lo + i) for i, (lo, _) in zip(in_size, padding))
    return acc[crop].reshape((n, groups * cg) + tuple(in_size)).astype(g.dtype)


def np_conv_filter_grad_nd(x, g, kernel_size, strides, padding, dilation, groups):
    xp = np.pad(x, ((0, 0), (0, 0)) + tuple(padding))
    n, c = x.shape[:2]
    o = g.shape[1]
    out = g.shape[2:]
    cg = c // groups
    dw = np.zeros((groups, o // groups, cg) + tuple(kernel_size))
    gg = g.reshape((n, groups, o // groups) + out)
    for off in itertools.product(*(range(kk) for kk in kernel_size)):
        xs = xp[(slice(None), slice(None)) + tuple(_sl(a, d, s, m) for a, d, s, m
                                                   in zip(off, dilation, strides, out))]
        sp = "xyz"[:len(out)]
        dw[(Ellipsis,) + off] = np.einsum(f"ngo{sp},ngc{sp}->goc", gg,
                                          xs.reshape((n, groups, cg) + out))
    return dw.reshape((o, cg) + tuple(kernel_size)).astype(x.dtype)


def _windows(sp, k, s, pads, d, out):
    """(output index, in-bounds input indices of its window) over every output position."""
    for p in itertools.product(*(range(o) for o in out)):
        cells = []
        for off in itertools.product(*(range(kk) for kk in k)):
            q = tuple(pi * si - pl + oi * di for pi, si, (pl, _), oi, di in zip(p, s, pads, off, d))
            if all(0 <= qi < n for qi, n in zip(q, sp)):
                cells.append(q)
        yield p, cells


def np_max_pool_nd(x, k, s, pads, d, out, argmax=False):
    y = np.zeros(x.shape[:2] + tuple(out), np.int64 if argmax else x.dtype)
    for p, cells in _windows(x.shape[2:], k, s, pads, d, out):
        vals = np.stack([x[(slice(None), slice(None)) + q] for q in cells], -1)
        at = (slice(None), slice(None)) + p
        if argmax:
            flat = np.array([np.ravel_multi_index(q, x.shape[2:]) for q in cells])
            y[at] = flat[np.argmax(vals, -1)]
        else:
            y[at] = vals.max(-1)
    return y


def _count(p, s, pads, k, sp, cells, include_pad):
    """PyTorch's divisor: the window clipped to the padded input, or to the input."""
    if not include_pad:
        return len(cells)
    cnt = 1
    for pi, si, (pl, ph), kk, n in zip(p, s, pads, k, sp):
        start = pi * si - pl
        cnt *= min(start + kk, n + ph) - start
    return cnt


def np_avg_pool_nd(x, k, s, pads, out, include_pad):
    y = np.zeros(x.shape[:2] + tuple(out))
    for p, cells in _windows(x.shape[2:], k, s, pads, (1,) * len(k), out):
        total = sum(x[(slice(None), slice(None)) + q] for q in cells)
        y[(slice(None), slice(None)) + p] = total / _count(p, s, pads, k, x.shape[2:], cells,
                                                           include_pad)
    return y.astype(x.dtype)


def np_avg_pool_grad_nd(g, in_size, k, s, pads, include_pad):
    out = np.zeros(g.shape[:2] + tuple(in_size))
    for p, cells in _windows(in_size, k, s, pads, (1,) * len(k), g.shape[2:]):
        cnt = _count(p, s, pads, k, in_size, cells, include_pad)
        for q in cells:
            out[(slice(None), slice(None)) + q] += g[(slice(None), slice(None)) + p] / cnt
    return out.astype(g.dtype)


# ----------------------------------------------------------------------------- rows
X = (1, 2, 3, 4, 3)
C3 = dict(strides=(1, 2, 1), padding=((1, 1), (0, 0), (1, 1)), dilation=(1, 1, 2), groups=2)


def _avg_pool_grad3d(g):
    from dlcore.ops import pool
    return pool.bind(pool.avg_pool_grad_p, g, in_size=X[2:], kernel_size=(2, 2, 2),
                     strides=(2, 1, 2), padding=((1, 1), (0, 0), (1, 1)),
                     count_include_pad=False)


def conv3d_rows(OpRow) -> list:
    tol = dict(rtol=1e-4, atol=1e-4)
    mp = dict(k=(2, 2, 2), s=(2, 1, 2), pads=((1, 1), (0, 0), (1, 1)), d=(1, 1, 1))
    return [
        OpRow("conv3d[s121,pad,dil,groups2]", "conv",
              lambda x, w: ops.conv(x, w, (1, 2, 1), (1, 0, 1), (1, 1, 2), 2),
              lambda x, w: np_conv_nd(x, w, **C3), ((X, (2, 1, 2, 2, 2)),), ("real", "real"),
              (0, 1), **tol),
        OpRow("conv_bias3d[s121,pad,dil,groups2]", "conv_bias",
              lambda x, w, b: ops.conv_bias(x, w, b, (1, 2, 1), (1, 0, 1), (1, 1, 2), 2),
              lambda x, w, b: np_conv_nd(x, w, **C3) + b[:, None, None, None],
              ((X, (2, 1, 2, 2, 2), (2,)),), ("real", "real", "real"), (0, 1, 2), **tol),
        OpRow("conv_transpose3d[s2,op1]", "conv_transpose",
              lambda g, w: ops.conv_transpose(g, w, 2, 1, output_padding=1),
              lambda g, w: np_conv_transpose_nd(g, w, (4, 4, 1), (2, 2, 2), ((1, 1),) * 3,
                                                (1, 1, 1), 1),
              (((1, 2, 2, 2, 1), (2, 1, 3, 3, 2)),), ("real", "real"), (0, 1), **tol),
        OpRow("conv_filter_grad3d[s121,pad,dil,groups2]", "conv_filter_grad",
              lambda x, g: ops.conv_filter_grad(x, g, (2, 2, 2), (1, 2, 1), (1, 0, 1),
                                                (1, 1, 2), 2),
              lambda x, g: np_conv_filter_grad_nd(x, g, (2, 2, 2), **C3),
              ((X, (1, 2, 4, 2, 3)),), ("real", "real"), (0, 1), **tol),
        OpRow("max_pool3d[k2,s212,pad1,ceil]", "max_pool",
              lambda x: ops.max_pool(x, 2, (2, 1, 2), (1, 0, 1), ceil_mode=True),
              lambda x: np_max_pool_nd(x, out=(2, 3, 2), **mp), ((X,),), ("real",), (0,)),
        OpRow("max_pool_argmax3d", "max_pool_argmax",
              lambda x: ops.max_pool_with_argmax(x, 2, (2, 1, 2), (1, 0, 1), ceil_mode=True)[1],
              lambda x: np_max_pool_nd(x, out=(2, 3, 2), argmax=True, **mp), ((X,),),
              ("real",), ()),
        OpRow("avg_pool3d[k2,pad1,ceil,cip=False]", "avg_pool",
              lambda x: ops.avg_pool(x, 2, (2, 1, 2), (1, 0, 1), ceil_mode=True,
                                     count_include_pad=False),
              lambda x: np_avg_pool_nd(x, (2, 2, 2), (2, 1, 2), mp["pads"], (2, 3, 2), False),
              ((X,),), ("real",), (0,)),
        OpRow("avg_pool3d[k3,s2,pad1,cip=True]", "avg_pool",
              lambda x: ops.avg_pool(x, 3, 2, 1, count_include_pad=True),
              lambda x: np_avg_pool_nd(x, (3, 3, 3), (2, 2, 2), ((1, 1),) * 3, (2, 2, 2), True),
              ((X,),), ("real",), (0,)),
        OpRow("avg_pool_grad3d", "avg_pool_grad", _avg_pool_grad3d,
              lambda g: np_avg_pool_grad_nd(g, X[2:], (2, 2, 2), (2, 1, 2),
                                            ((1, 1), (0, 0), (1, 1)), False),
              (((1, 2, 2, 3, 2),),), ("real",), (0,)),
    ]
