"""Depthwise convolutions (``groups == C``, one input channel per group: MobileNet's, Xception's,
``tf.nn.depthwise_conv2d``'s), a route of :mod:`.conv`: direct loops over the planes
(``_jit_conv_depthwise``) instead of the grouped im2col GEMMs, whose products per group are a
``(m, k k) @ (k k, OH OW)`` sliver each (one BLAS call per image and group).

Measured (one thread, CPU time, ms, forward / input gradient / filter gradient, the grouped
GEMMs -> these loops; PyTorch in brackets), 3x3 pad 1, batch 16: 32 channels on 32x32 2.96 /
2.24 / 2.25 -> 0.34 / 0.40 / 0.39 (0.47 / 0.54 / 0.54); 128 on 16x16 3.97 / 3.08 / 2.46 ->
0.49 / 0.42 / 0.45 (0.34 / 0.40 / 0.31); 512 on 4x4 1.89 / 1.62 / 1.32 -> 0.36 / 0.40 / 0.39
(0.14 / 0.18 / 0.14); stride 2, 64 on 32x32 2.05 / 1.53 / 1.24 -> 0.66 / 0.72 / 0.68 (0.45 /
0.52 / 0.45; the forward and the filter gradient read the input's phases, :func:`_phases`: on
the stride-1 grid they took 0.98 and 1.57, the input gradient still does).  A MobileNet-style
network of depthwise-separable blocks (CIFAR-sized, batch 16; its 1x1 layers by
:func:`.conv_gemm.pointwise`) went from 2.18x to 1.04x PyTorch's step.
"""

from __future__ import annotations

import numpy as np

from . import jit_module, serial_or_parallel
from .conv_grid import channels_last
from .transpose_copy import kernel as tiles

_jit = jit_module("_jit_conv_depthwise")
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def takes_depthwise(groups: int, per_group: int, o: int, geom, a: np.ndarray,
                    b: np.ndarray) -> bool:
    """Whether a 2-D convolution of ``groups`` groups of ``per_group`` input channels and ``o``
    output channels, with operands ``a`` and ``b`` (4-D), is depthwise: more than one group,
    one input channel each, leading pads of at least 0, float32 or float64 operands of one
    dtype."""
    return (groups > 1 and per_group == 1 and o % groups == 0 and a.ndim == 4 and b.ndim == 4
            and geom[2] >= 0 and geom[3] >= 0 and a.dtype in _FLOATS and b.dtype == a.dtype)


def _loop(name: str, work: int):
    return serial_or_parallel(_jit(), name, work)


def _w2(w4: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(w4).reshape(w4.shape[0], -1)


def _shifts(k: tuple, geom, wp: int) -> np.ndarray:
    """Each tap's shift on the flat grid, ``i dh Wp + j dw``, in the filter's order."""
    i, j = np.meshgrid(np.arange(k[0]), np.arange(k[1]), indexing="ij")
    return (i * geom[4] * wp + j * geom[5]).reshape(-1).astype(np.int64)


def _grid(in_hw: tuple, out_hw: tuple, k: tuple, geom) -> tuple:
    """(Hp, Wp, extra): an image's padded grid for the input gradient, holding dx at the
    leading pads and g spread at its stride, and the zeros before the first image that the
    taps' reversed shifts read."""
    sh, sw, ph, pw, dh, dw, ph_hi, pw_hi = geom
    (h, w), (oh, ow), (kh, kw) = in_hw, out_hw, k
    wp = max(pw + w + max(pw_hi, 0), (ow - 1) * sw + (kw - 1) * dw + 1)
    hp = max(ph + h + max(ph_hi, 0), (oh - 1) * sh + (kh - 1) * dh + 1)
    return hp, wp, (kh - 1) * dh * wp + (kw - 1) * dw


def _source(a4: np.ndarray) -> tuple:
    """(a flat buffer, the element strides (n, c, r, s) of ``a4`` in it): the NHWC buffer of a
    channels-last operand read in place, any other layout's C-contiguous copy."""
    if channels_last(a4) and not a4.flags.c_contiguous:
        n, c, h, w = a4.shape
        return a4.transpose(0, 2, 3, 1).reshape(-1), (h * w * c, 1, w * c, c)
    a4 = np.ascontiguousarray(a4)
    n, c, h, w = a4.shape
    return a4.reshape(-1), (c * h * w, h * w, w, 1)


def _copy(src: np.ndarray, s0: int, ss: tuple, dst: np.ndarray, d0: int, ds: tuple,
          shape: tuple) -> None:
    """``dst[d0 + n ds0 + c ds1 + r ds2 + s ds3] = src[s0 + ...]`` over ``shape`` (N, C, R,
    S): a float32 copy between a channels-last operand and the grids by the 8 x 8 register
    tiles (``_jit_transpose``: the source read along one axis, the destination written along
    the other), anything else by ``grid_copy``."""
    if src.dtype == np.float32:
        if ss[1] == 1 and ds[3] == 1 and ss[3] != 1:          # channels-last in, grids out
            tiles()(src, s0, ss[0], ss[2], ss[3], dst, d0, ds[0], ds[2], ds[1],
                     shape[0], shape[2], shape[1], shape[3])
            return
        if ss[3] == 1 and ds[1] == 1 and ds[3] != 1:          # grids in, channels-last out
            tiles()(src, s0, ss[0], ss[2], ss[1], dst, d0, ds[0], ds[2], ds[3],
                     shape[0], shape[2], shape[3], shape[1])
            return
    _jit().grid_copy(src, s0, *ss, dst, d0, *ds, *shape)


def _spread(g4: np.ndarray, geom, hp: int, wp: int, lead: int = 0) -> np.ndarray:
    """(O, lead + N Hp Wp): g on the grids after ``lead`` zeros, ``g[n, o, r, s]`` at row
    ``r sh``, column ``s sw`` of image ``n``'s grid, zeros elsewhere."""
    n, o, oh, ow = g4.shape
    flat = np.zeros((o, lead + n * hp * wp), g4.dtype)
    src, st = _source(g4)
    _copy(src, 0, st, flat.reshape(-1), lead, (hp * wp, flat.shape[1], geom[0] * wp, geom[1]),
          (n, o, oh, ow))
    return flat


def _cropped(grid: np.ndarray, n: int, hp: int, wp: int, at: tuple, step: tuple,
             hw: tuple, last: bool) -> np.ndarray:
    """(N, C, H, W): the ``hw`` pixels of each image's grid from ``at``, every ``step``-th row
    and column (``grid``: (C, >= N Hp Wp)); C-contiguous, or with ``last`` the NCHW view of an
    NHWC buffer (a channels-last operand's result stays channels-last: the TF front end's)."""
    c = grid.shape[0]
    h, w = hw
    if last:
        buf = np.empty((n, h, w, c), grid.dtype)
        out, st = buf.transpose(0, 3, 1, 2), (h * w * c, 1, w * c, c)
    else:
        buf = out = np.empty((n, c, h, w), grid.dtype)
        st = (c * h * w, h * w, w, 1)
    _copy(grid.reshape(-1), at[0] * wp + at[1], (hp * wp, grid.shape[1], step[0] * wp,
                                                  step[1]), buf.reshape(-1), 0, st, (n, c, h, w))
    return out


def _phases(x4: np.ndarray, geom, k: tuple, out_hw: tuple) -> tuple:
    """The input on phase grids, for the forward and the filter gradient at any stride: the
    padded image split into its ``sh sw`` phases (padded pixel ``(u sh + a, v sw + b)`` at
    ``(u, v)`` of phase ``(a, b)``, ``Hq x Wq`` per image), so that tap ``(i, j)`` of every
    output is one shift of one phase and a strided layer does the work of its outputs only
    (a stride-2 layer on the stride-1 grid did four times as much).  Returns (rows (C, sh sw P
    + extra), Hq, Wq, P = N Hq Wq, each tap's offset into a row).  At stride 1 it is the
    single padded grid."""
    sh, sw, ph, pw, dh, dw = geom[:6]
    n, c, h, w = x4.shape
    (oh, ow), (kh, kw) = out_hw, k
    hq = max((ph + h - 1) // sh + 1, oh + (kh - 1) * dh // sh)
    wq = max((pw + w - 1) // sw + 1, ow + (kw - 1) * dw // sw)
    p_len = n * hq * wq
    i, j = np.meshgrid(np.arange(kh) * dh, np.arange(kw) * dw, indexing="ij")
    offs = (((i % sh) * sw + j % sw) * p_len + (i // sh) * wq + j // sw).reshape(-1)
    extra = (kh - 1) * dh // sh * wq + (kw - 1) * dw // sw
    rows = np.zeros((c, sh * sw * p_len + extra), x4.dtype)
    src, st = _source(x4)
    flat = rows.reshape(-1)
    for a in range(sh):
        r0 = (a - ph) % sh                      # the first input row in phase row a
        if r0 >= h:
            continue
        for b in range(sw):
            c0 = (b - pw) % sw
            if c0 >= w:
                continue
            _copy(src, r0 * st[2] + c0 * st[3], (st[0], st[1], st[2] * sh, st[3] * sw), flat,
                  (a * sw + b) * p_len + (ph + r0) // sh * wq + (pw + c0) // sw,
                  (hq * wq, rows.shape[1], wq, 1), (n, c, -(-(h - r0) // sh), -(-(w - c0) // sw)))
    return rows, hq, wq, p_len, offs.astype(np.int64)


def conv_depthwise(x4: np.ndarray, w4: np.ndarray, geom, out_hw: tuple) -> np.ndarray:
    """y (N, O, OH, OW): C-contiguous, or channels-last for a channels-last ``x4``."""
    n, c = x4.shape[:2]
    o, _, kh, kw = w4.shape
    oh, ow = out_hw
    if not (n and o and oh > 0 and ow > 0):
        return np.zeros((n, o) + tuple(out_hw), x4.dtype)
    rows, hq, wq, p_len, offs = _phases(x4, geom, (kh, kw), out_hw)
    yd = np.empty((o, p_len), x4.dtype)
    _loop("conv", yd.size * kh * kw)(rows, _w2(w4), offs, yd, o // c)
    return _cropped(yd, n, hq, wq, (0, 0), (1, 1), out_hw, channels_last(x4))


def conv_transpose_depthwise(g4: np.ndarray, w4: np.ndarray, groups: int, geom,
                             in_hw: tuple) -> np.ndarray:
    """dx (N, C, H, W), ``C = groups``, in ``g4``'s layout: the adjoint of
    :func:`conv_depthwise` in ``x``."""
    n, o, oh, ow = g4.shape
    kh, kw = w4.shape[2:]
    h, w = in_hw
    if not (n and o and oh and ow and h and w):
        return np.zeros((n, groups) + tuple(in_hw), g4.dtype)
    hp, wp, extra = _grid(in_hw, (oh, ow), (kh, kw), geom)
    dxp = np.empty((groups, n * hp * wp), g4.dtype)
    _loop("conv_transpose", o * n * hp * wp * kh * kw)(
        _spread(g4, geom, hp, wp, extra), _w2(w4), extra - _shifts((kh, kw), geom, wp), dxp,
        o // groups)
    return _cropped(dxp, n, hp, wp, geom[2:4], (1, 1), in_hw, channels_last(g4))


def filter_grad_depthwise(x4: np.ndarray, g4: np.ndarray, k: tuple, geom) -> np.ndarray:
    """dW (O, 1, KH, KW): the adjoint of :func:`conv_depthwise` in ``w``."""
    n, c = x4.shape[:2]
    o, oh, ow = g4.shape[1:]
    out = np.zeros((o, k[0] * k[1]), x4.dtype)
    if n and o and oh and ow and x4.shape[2] and x4.shape[3]:
        rows, hq, wq, p_len, offs = _phases(x4, geom, k, (oh, ow))
        _loop("filter_grad", o * p_len * k[0] * k[1])(
            rows, _spread(g4, (1, 1), hq, wq), offs, out, o // c)
    return out.reshape((o, 1) + tuple(k))
