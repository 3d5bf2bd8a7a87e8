"""Convolutions that are one GEMM over the whole batch (routes of :mod:`.conv`).

* A kernel that covers the unpadded input exactly (:func:`whole_plane`: one output pixel) is a
  dense layer: ``y = x W^T`` over the ``(C, KH, KW)`` features, ``dx = g W``, ``dW = g^T x``
  (a DCGAN discriminator's last layer, its generator's first ConvTranspose2d on 1x1 noise).
* A 1x1 convolution of stride 1 without padding on NCHW buffers (:func:`pointwise`: a
  MobileNet's, a ResNet bottleneck's) is ``y[n] = W x[n]`` per image, ``dx[n] = W^T g[n]``,
  ``dW = sum_n g[n] x[n]^T``: no unfolding, no layout copies.
* A large float32 filter (:func:`big_filter`) takes the batch-folded columns: ``y = W @
  cols`` and ``dcols = W^T @ g`` over the whole batch (BLAS blocks the filter for the caches),
  where the direct channels-last blocks (:mod:`.conv_direct`) stream the whole filter once per
  block of output pixels.

Every product is :func:`dlcore.kernels.cpu.linalg.matmul` (its BLAS or MKL route).
:func:`forward`, :func:`input_grad` and :func:`filter_grad` are what :mod:`.conv` asks first:
these routes and the depthwise loops (:mod:`.conv_depthwise`), or None.
"""

from __future__ import annotations

import numpy as np

from .conv_depthwise import (
    conv_depthwise,
    conv_transpose_depthwise,
    filter_grad_depthwise,
    takes_depthwise,
)
from .conv_grid import channels_last
from .linalg import matmul

#: A float32 NCHW filter of at least this many bytes (512 -> 512 channels 3x3: 9.4 MB) takes the
#: batch-folded GEMMs for its forward and input gradient (:func:`big_filter`), while the folded
#: columns stay under BIG_FILTER_MAX_COLS_BYTES; one of MID_FILTER_BYTES or more does when the
#: convolution's output grid is SMALL_GRID_PIXELS (N OH OW) or fewer.
BIG_FILTER_BYTES = 6 << 20
BIG_FILTER_MAX_COLS_BYTES = 64 << 20
MID_FILTER_BYTES = 2 << 20
SMALL_GRID_PIXELS = 256


def big_filter(a: np.ndarray, w4: np.ndarray, groups: int, pixels: int) -> bool:
    """Whether a one-group float32 convolution of the C-contiguous (NCHW) ``a`` (the input, or
    ``g`` for the input gradient) whose output grid has ``pixels`` = N OH OW pixels takes the
    batch-folded GEMMs (its folded columns: ``pixels`` rows of C k k).  ResNet-18's layer 4
    (512 -> 512 3x3, batch 8, one thread, CPU time, ms, direct -> folded; PyTorch in
    brackets): 4x4 planes forward 10.4 -> 7.9 (5.7), input gradient 16.1 -> 8.3 (7.3); 2x2
    8.3 -> 2.8 and 14.4 -> 4.0; 8x8 40.5 -> 26.8 and 35.0 -> 28.5; 14x14 136 -> 77 and 130 ->
    85.  The filter gradient keeps its routes (within 10% of the folded GEMM either way).
    With 384 channels (5.3 MB) the two tied, with 256 (2.4 MB) the direct blocks won at 8x8
    planes, batch 8 (forward 6.5 against 7.2 ms), but not on a grid of 256 pixels or fewer,
    whose edges are most of its pixels (session 43, same conditions, direct -> folded, forward
    / input gradient): 256 -> 512 channels at 4x4, batch 8 (4.5 MB, VGG-11's fourth layer)
    4.25 -> 3.75 / 5.82 -> 4.04 ms (PyTorch 2.52 / 2.72), 256 -> 256 at 4x4 3.58 -> 2.77 /
    4.32 -> 3.07, at 8x8 batch 4 6.00 -> 4.38 / 5.79 -> 5.22; 128 -> 128 at 4x4 (0.6 MB)
    0.71 / 0.83 against 0.88 / 0.94, hence MID_FILTER_BYTES."""
    if not (groups == 1 and a.ndim == 4 and a.dtype == np.float32 and w4.dtype == np.float32
            and a.flags.c_contiguous):
        return False
    size = w4.nbytes
    return (size >= BIG_FILTER_BYTES or size >= MID_FILTER_BYTES and pixels <= SMALL_GRID_PIXELS) \
        and 0 < pixels * (size // w4.shape[0]) <= BIG_FILTER_MAX_COLS_BYTES


def folded_conv(cols: np.ndarray, w4: np.ndarray, out_hw: tuple) -> np.ndarray:
    """y (N, O, OH, OW), C-contiguous, from the batch-folded columns ``cols[(c, i, j), n,
    (oh, ow)]`` (:func:`dlcore.kernels.cpu.conv._unfold` with ``folded``): ``W @ cols``."""
    o = w4.shape[0]
    n = cols.shape[1]
    y = matmul(w4.reshape(o, -1), cols.reshape(cols.shape[0], -1))        # (O, N OH OW)
    return np.ascontiguousarray(y.reshape((o, n) + tuple(out_hw)).transpose(1, 0, 2, 3))


def folded_dcols(g4: np.ndarray, w4: np.ndarray) -> np.ndarray:
    """The columns of dx, ``(N, C k k, OH OW)`` as ``col2im`` takes them, from one GEMM
    ``W^T @ g`` over the whole batch."""
    n, o = g4.shape[:2]
    gg = np.ascontiguousarray(g4.reshape(n, o, -1).transpose(1, 0, 2))   # (O, N, OH OW)
    dcols = matmul(w4.reshape(o, -1).T, gg.reshape(o, -1))                # (C k k, N OH OW)
    return np.ascontiguousarray(dcols.reshape(dcols.shape[0], n, -1).transpose(1, 0, 2))


def whole_plane(in_hw: tuple, k_hw: tuple, geom, groups: int, *arrays) -> bool:
    """Whether a 2-D convolution is a dense layer: its kernel covers the unpadded input exactly
    (one output pixel, no dilation, one group, one floating dtype).  A DCGAN discriminator's
    last layer (4x4 over 4x4, 128 channels, batch 32, one thread, CPU time, us; the routes
    before -> these GEMMs; PyTorch in brackets): forward 412 -> 12 (121), input gradient 1042
    -> 51 (111), filter gradient 488 -> 12 (120); its generator's first ConvTranspose2d(100,
    128, 4) on 1x1 noise: forward (this input gradient) 1521 -> 230, filter gradient 1178 ->
    250, input gradient 1110 -> 222.  PyTorch's DCGAN step (32x32, batch 32, interleaved in
    one process) 1.16-1.23x -> 0.99-1.03x PyTorch's time."""
    return (tuple(in_hw) == tuple(k_hw) and groups == 1 and not any(geom[2:4])
            and not any(geom[6:8]) and (geom[4] == 1 or k_hw[0] == 1)
            and (geom[5] == 1 or k_hw[1] == 1) and all(a.dtype.kind == "f" for a in arrays)
            and len({a.dtype for a in arrays}) == 1)


def dense_conv(x4: np.ndarray, w4: np.ndarray) -> np.ndarray:
    """y (N, O) of a :func:`whole_plane` convolution."""
    return matmul(x4.reshape(x4.shape[0], -1), w4.reshape(w4.shape[0], -1).T)


def dense_conv_transpose(g4: np.ndarray, w4: np.ndarray) -> np.ndarray:
    """dx (N, C KH KW) of a :func:`whole_plane` convolution."""
    return matmul(g4.reshape(g4.shape[:2]), w4.reshape(w4.shape[0], -1))


def dense_filter_grad(x4: np.ndarray, g4: np.ndarray) -> np.ndarray:
    """dW (O, C KH KW) of a :func:`whole_plane` convolution."""
    return matmul(g4.reshape(g4.shape[:2]).T, x4.reshape(x4.shape[0], -1))


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def pointwise(k_hw: tuple, geom, groups: int, a: np.ndarray, b: np.ndarray) -> bool:
    """Whether a 2-D convolution is pointwise: a 1x1 kernel, stride 1, no padding, one group,
    float32 or float64 of one dtype, ``a`` (the input, or ``g``) and ``b`` (the filter, or
    ``g``) C-contiguous or channels-last (the TF front end's NHWC: one GEMM over the rows of
    pixels, the result channels-last too).  MobileNet's 1x1 layers (batch 16, one thread, CPU
    time, ms, forward / input gradient / filter gradient, the unfolding routes before -> these
    GEMMs; PyTorch in brackets): 32 -> 64 on 32x32 3.49 / 4.01 / 6.45 -> 1.51 / 1.40 / 1.63
    (1.79 / 1.76 / 1.70); 512 -> 512 on 4x4 2.00 / 2.58 / 2.60 -> 1.67 / 1.61 / 1.73 (1.52 /
    1.54 / 2.09)."""
    return (tuple(k_hw) == (1, 1) and geom[0] == geom[1] == 1 and not any(geom[2:4])
            and not any(geom[6:8]) and groups == 1 and a.ndim == 4 and a.dtype in _FLOATS
            and b.dtype == a.dtype and (a.flags.c_contiguous or channels_last(a))
            and (b.flags.c_contiguous or channels_last(b)))


def _rows(a4: np.ndarray):
    """A channels-last operand's pixels as rows, ``(N H W, C)`` (a view), or None."""
    if a4.flags.c_contiguous or not channels_last(a4):
        return None
    return a4.transpose(0, 2, 3, 1).reshape(-1, a4.shape[1])


def _from_rows(m: np.ndarray, n: int, hw: tuple) -> np.ndarray:
    """The NCHW view of the NHWC result ``m`` (N H W, C)."""
    return m.reshape((n,) + tuple(hw) + (m.shape[1],)).transpose(0, 3, 1, 2)


#: Planes of fewer pixels take one GEMM over the batch (channels-major copies, ``(C, N H W)``)
#: rather than one per image, too thin for BLAS (512 -> 512 on 4x4, batch 16, ms: 2.0 / 2.4 / 4.9
#: -> 1.7 / 1.6 / 1.7).
POINTWISE_FOLD_PIXELS = 64


def _major(a4: np.ndarray) -> np.ndarray:
    """(C, N H W): the channels-major copy of an NCHW buffer."""
    n, c, h, w = a4.shape
    return np.ascontiguousarray(a4.reshape(n, c, h * w).transpose(1, 0, 2)).reshape(c, -1)


def _nchw(m: np.ndarray, n: int, hw: tuple) -> np.ndarray:
    """(N, C, H, W), C-contiguous, from the channels-major (C, N H W)."""
    c = m.shape[0]
    return np.ascontiguousarray(m.reshape(c, n, -1).transpose(1, 0, 2)).reshape((n, c) + hw)


def pointwise_conv(x4: np.ndarray, w4: np.ndarray) -> np.ndarray:
    """y (N, O, H, W) of a :func:`pointwise` convolution: ``W @ x[n]`` for each image."""
    n, c, h, w = x4.shape
    o = w4.shape[0]
    w2 = w4.reshape(o, c)
    rows = _rows(x4)
    if rows is not None:
        return _from_rows(matmul(rows, w2.T), n, (h, w))
    if h * w < POINTWISE_FOLD_PIXELS:
        return _nchw(matmul(w2, _major(x4)), n, (h, w))
    return np.matmul(w2, x4.reshape(n, c, h * w)).reshape(n, o, h, w)


def pointwise_conv_transpose(g4: np.ndarray, w4: np.ndarray) -> np.ndarray:
    """dx (N, C, H, W) of a :func:`pointwise` convolution: ``W^T @ g[n]``."""
    n, o, h, w = g4.shape
    c = w4.shape[1]
    w2 = w4.reshape(o, c)
    rows = _rows(g4)
    if rows is not None:
        return _from_rows(matmul(rows, w2), n, (h, w))
    if h * w < POINTWISE_FOLD_PIXELS:
        return _nchw(matmul(w2.T, _major(g4)), n, (h, w))
    return np.matmul(w2.T, g4.reshape(n, o, h * w)).reshape(n, c, h, w)


def pointwise_filter_grad(x4: np.ndarray, g4: np.ndarray) -> np.ndarray:
    """dW (O, C, 1, 1) of a :func:`pointwise` convolution: ``sum_n g[n] @ x[n]^T``."""
    n, c, h, w = x4.shape
    o = g4.shape[1]
    xr, gr = _rows(x4), _rows(g4)
    if xr is not None and gr is not None:
        return matmul(gr.T, xr).reshape(o, c, 1, 1)
    x4, g4 = np.ascontiguousarray(x4), np.ascontiguousarray(g4)
    if h * w < POINTWISE_FOLD_PIXELS:
        return matmul(_major(g4), _major(x4).T).reshape(o, c, 1, 1)
    per = np.matmul(g4.reshape(n, o, h * w), x4.reshape(n, c, h * w).transpose(0, 2, 1))
    return per.sum(axis=0).reshape(o, c, 1, 1)

def forward(x4: np.ndarray, w4: np.ndarray, geom, groups: int, out_hw: tuple, unfold):
    """y (N, O, OH, OW) of a 2-D convolution by one of these routes, or None (``unfold``:
    :func:`dlcore.kernels.cpu.conv._unfold`)."""
    n, c = x4.shape[:2]
    o, cg, kh, kw = w4.shape
    oh, ow = out_hw
    if whole_plane(x4.shape[2:], (kh, kw), geom, groups, x4, w4):     # a dense layer
        return dense_conv(x4, w4).reshape((n, o, oh, ow))
    if big_filter(x4, w4, groups, n * oh * ow):
        return folded_conv(unfold(x4, kh, kw, geom, oh, ow, folded=True), w4, out_hw)
    if pointwise((kh, kw), geom, groups, x4, w4):
        return pointwise_conv(x4, w4)
    if takes_depthwise(groups, cg, o, geom, x4, w4):                  # MobileNet's
        return conv_depthwise(x4, w4, geom, out_hw)
    return None


def input_grad(g4: np.ndarray, w4: np.ndarray, geom, groups: int, in_hw: tuple, col2im):
    """dx (N, C, H, W) by one of these routes, or None (``col2im(dcols, out)``: the
    scatter-add of the columns, :mod:`._jit_conv`'s)."""
    n, o = g4.shape[:2]
    _, cg, kh, kw = w4.shape
    if pointwise((kh, kw), geom, groups, g4, w4):
        return pointwise_conv_transpose(g4, w4)
    if takes_depthwise(groups, cg, o, geom, g4, w4):
        return conv_transpose_depthwise(g4, w4, groups, geom, in_hw)
    if whole_plane(in_hw, (kh, kw), geom, groups, g4, w4):
        return dense_conv_transpose(g4, w4).reshape((n, cg) + tuple(in_hw))
    if big_filter(g4, w4, groups, n * g4.shape[2] * g4.shape[3]):
        out = np.zeros((n, cg) + tuple(in_hw), g4.dtype)
        col2im(folded_dcols(g4, w4), out)                  # (N, C k k, OH OW)
        return out
    return None


def filter_grad(x4: np.ndarray, g4: np.ndarray, k: tuple, geom, groups: int):
    """dW (O, C / groups, KH, KW) by one of these routes, or None."""
    o = g4.shape[1]
    cg = x4.shape[1] // groups
    if pointwise(k, geom, groups, x4, g4):
        return pointwise_filter_grad(x4, g4)
    if takes_depthwise(groups, cg, o, geom, x4, g4):
        return filter_grad_depthwise(x4, g4, k, geom)
    if whole_plane(x4.shape[2:], k, geom, groups, x4, g4):
        return dense_filter_grad(x4, g4).reshape((o, cg) + tuple(k))
    return None
