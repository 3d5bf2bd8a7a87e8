"""Stride-1 convolution of channels-last buffers on the padded grid: one GEMM, NHWC out.

The TensorFlow front end keeps NHWC tensors and hands the channels-first primitives their NCHW
transposes (views whose channels are innermost in memory).  For those, at stride 1, this route
computes the convolution on the zero-padded input's whole grid of ``Hp x Wp`` pixels per image:
with the padded input stored channel by channel, ``buf[c, q]``, ``q = (n, r, s)`` flattened over
the batch, kernel tap ``(i, j)`` of grid pixel ``q`` reads ``buf[c, q + i dh Wp + j dw]``, a
fixed shift.  So the unfolding is ``C kh kw`` contiguous copies of ``N Hp Wp`` elements (no
per-row work), and one GEMM gives the output for every grid pixel::

    cols[(c, i, j), q] = buf[c, q + i dh Wp + j dw]
    y_grid (Q, O) = cols^T @ W^T                       W[o, (c, i, j)] = w[o, c, i, j]
    dW^T  (K, O) = cols @ g_grid                        g_grid: g on the grid, zero elsewhere

Grid pixels with ``r >= OH`` or ``s >= OW`` read other images' rows (or the zero tail) and are
dropped (forward) or multiplied by zeros (filter gradient).  The GEMM's output is ``(N, Hp, Wp,
O)``: channels-last, so the result is returned as the NCHW view of an NHWC buffer, and the
front end's transpose back to NHWC is a free view (no copy in the next fused kernel); a
channels-last input gives a channels-last output, as PyTorch's ``channels_last`` memory format.
The input gradient at stride 1 is the full convolution of ``g`` with the flipped, transposed
filter, taken by the same route.

The price is the dropped grid pixels, ``Hp Wp / (OH OW)`` more multiply-adds; the route is
taken up to :data:`GRID_MAX_WASTE`.  Measured (one thread, process CPU time, medians of 15,
float32, channels-last operands as the static engine hands them, against the previous routes
plus the copy of their NCHW output to NHWC; the quick ResNet's shapes, batch 8), fwd / dx / dW
in us: 3->8 32x32 620/546/537 -> 252/598/322; 8->8 32x32 852/866/943 -> 700/590/626;
16->16 16x16 815/715/685 -> 553/560/490.  On 8x8 planes (waste 1.56) the filter gradient lost
(606 -> 730) and on LeNet's 14x14 k5 planes without padding (waste 1.96) every direction lost
(2159 -> 3026 forward), hence the limit.  C-contiguous (NCHW) operands take the route too
(:data:`NCHW_TOO`; the eager front end's): their result is copied out of the grid to NCHW.
NCHW fwd / dx / dW us against the rows and folded routes (interleaved, load 6-8): 8->8 32x32
1110/1113/1229 -> 975/957/918, 16->16 16x16 1035/859/983 -> 784/699/685, 3->8 fwd 727 -> 409
and dW 654 -> 487 (its input gradient lost, 661 -> 971: ``conv.GRID_MIN_IN_CHANNELS``).

Channels-last operands the grid does not take (strided, or small planes) take the batch-folded
unfolding of :mod:`.conv` with the GEMMs turned to channels-last: ``y (N OH OW, O) = cols^T @
W^T`` is the NHWC output itself, and the filter gradient reads ``g`` as the ``(N OH OW, O)``
matrix it is stored as (no transposing copy of ``g``).  Against the previous routes plus their
NHWC copy, fwd / dW us: 8->16 s2 34x34 438/423 -> 420/401, 16->32 s2 18x18 297/339 -> 300/298,
32->32 8x8 701/652 -> 513/517, 1x1 s2 129/134 -> 107/104, LeNet's 6->16 14x14 k5 2253/2311 ->
2253/2236.  The input gradient of such a channels-last ``g`` reads it in place too: the columns
per output pixel ``(N OH OW, kh kw C) = g @ W`` (taps outer, channels inner) scatter-added into
an NHWC buffer (``_jit_conv.col2im_nhwc``): dx us, with the NHWC copy before, 8->16 s2 527 ->
321, 16->32 s2 350 -> 210, 32->32 8x8 539 -> 403, 1x1 s2 155 -> 75, LeNet's 6->16 2736 -> 2339.
"""

from __future__ import annotations

import numpy as np

#: The most grid pixels per output pixel (``Hp Wp / (OH OW)``) this route computes.
GRID_MAX_WASTE = 1.3
#: Whether C-contiguous (NCHW) operands take the route too (their result is NCHW).
NCHW_TOO = True


def channels_last(a: np.ndarray) -> bool:
    """Whether a 4-D ``(N, C, H, W)`` buffer is the NCHW view of a C-contiguous NHWC one.  One
    channel makes it C-contiguous both ways: then it is channels-last when its channel axis
    steps by one element (the transposed NHWC buffer, as PyTorch's ``permute(0, 3, 1, 2)`` of
    an ``(N, H, W, 1)`` tensor, whose convolution PyTorch returns channels-last too); a plain
    NCHW array steps ``H W`` elements there.  (MNIST's first convolution in the static front
    end, 1->32 3x3 batch 16: its NCHW copy of the result was 0.26 ms of 0.37.)  A 1x1 plane
    stays NCHW."""
    if a.ndim != 4:
        return False
    if not a.flags.c_contiguous:
        return a.transpose(0, 2, 3, 1).flags.c_contiguous
    return a.shape[1] == 1 and a.shape[2] * a.shape[3] > 1 and a.strides[1] == a.itemsize


def _grid(h: int, w: int, k: tuple, pad_lo: tuple, dil: tuple, out_hw: tuple) -> tuple:
    """(Hp, Wp): the padded rows and columns of an image on the grid."""
    (kh, kw), (ph, pw), (dh, dw), (oh, ow) = k, pad_lo, dil, out_hw
    return (max(h + ph, oh - 1 + dh * (kh - 1) + 1), max(w + pw, ow - 1 + dw * (kw - 1) + 1))


def takes_grid(a: np.ndarray, k: tuple, geom, out_hw: tuple, groups: int) -> bool:
    """Whether a convolution whose unfolded operand is ``a`` takes this route."""
    if geom[0] != 1 or geom[1] != 1 or groups != 1 or a.size == 0 or min(out_hw) < 1 \
            or not (channels_last(a) or (NCHW_TOO and a.ndim == 4 and a.flags.c_contiguous)):
        return False
    hp, wp = _grid(a.shape[2], a.shape[3], k, geom[2:4], geom[4:6], out_hw)
    return hp * wp <= GRID_MAX_WASTE * out_hw[0] * out_hw[1]


def _unfold(x4: np.ndarray, k: tuple, geom, out_hw: tuple) -> tuple:
    """``cols`` (C kh kw, Q) as in the module docstring, and (Hp, Wp)."""
    n, c, h, w = x4.shape
    (kh, kw), ph, pw, dh, dw = k, geom[2], geom[3], geom[4], geom[5]
    hp, wp = _grid(h, w, k, (ph, pw), (dh, dw), out_hw)
    q = n * hp * wp
    buf = np.zeros((c, q + (kh - 1) * dh * wp + (kw - 1) * dw), x4.dtype)
    buf[:, :q].reshape(c, n, hp, wp)[:, :, ph:ph + h, pw:pw + w] = x4.transpose(1, 0, 2, 3)
    cols = np.empty((c, kh, kw, q), x4.dtype)
    for i in range(kh):
        for j in range(kw):
            s = i * dh * wp + j * dw
            cols[:, i, j, :] = buf[:, s:s + q]
    return cols.reshape(c * kh * kw, q), hp, wp


def conv_grid(x4: np.ndarray, w4: np.ndarray, geom, out_hw: tuple) -> np.ndarray:
    """y (N, O, OH, OW), stored NHWC, of a one-group stride-1 convolution (module docstring)."""
    n = x4.shape[0]
    o, _, kh, kw = w4.shape
    oh, ow = out_hw
    cols, hp, wp = _unfold(x4, (kh, kw), geom, out_hw)
    yg = np.matmul(cols.T, w4.reshape(o, -1).T)                     # (Q, O)
    grid = yg.reshape(n, hp, wp, o)[:, :oh, :ow, :]
    if not channels_last(x4):                   # NCHW in, NCHW out
        y = np.empty((n, o, oh, ow), x4.dtype)
        np.copyto(y, grid.transpose(0, 3, 1, 2))
        return y
    y = np.empty((n, oh, ow, o), x4.dtype)
    np.copyto(y, grid)
    return y.transpose(0, 3, 1, 2)


def conv_transpose_grid(g4: np.ndarray, w4: np.ndarray, full, in_hw: tuple) -> np.ndarray:
    """dx (N, C, H, W), stored NHWC: the stride-1 full convolution of ``g`` with the flipped,
    transposed filter (``full``: its geometry, leading pads ``d (k - 1) - pad``)."""
    wf = np.ascontiguousarray(w4[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
    return conv_grid(g4, wf, full, in_hw)


def conv_filter_grad_grid(x4: np.ndarray, g4: np.ndarray, k: tuple, geom) -> np.ndarray:
    """dW (O, C, kh, kw) of a one-group stride-1 convolution (module docstring)."""
    n, c = x4.shape[:2]
    o, oh, ow = g4.shape[1:]
    cols, hp, wp = _unfold(x4, k, geom, (oh, ow))
    gg = np.zeros((n, hp, wp, o), x4.dtype)
    gg[:, :oh, :ow, :] = g4.transpose(0, 2, 3, 1)
    dwt = np.matmul(cols, gg.reshape(n * hp * wp, o))               # (C kh kw, O)
    return np.ascontiguousarray(dwt.T).reshape((o, c) + tuple(k))


# ----------------------------------------------------------------------------- other strides
def takes_folded(a: np.ndarray, groups: int) -> bool:
    """Whether a channels-last convolution the grid does not take (strided, or a wasteful grid)
    takes the batch-folded unfolding with channels-last GEMMs (:func:`conv_folded`)."""
    return groups == 1 and a.size > 0 and channels_last(a)


def conv_folded(cols: np.ndarray, w4: np.ndarray, n: int, out_hw: tuple) -> np.ndarray:
    """y (N, O, OH, OW), stored NHWC, from the batch-folded columns ``cols (C kh kw, N OH OW)``
    (:func:`dlcore.kernels.cpu.conv._unfold` with ``folded``): one GEMM ``cols^T @ W^T``, whose
    ``(N OH OW, O)`` output is the NHWC result itself."""
    o = w4.shape[0]
    y = np.matmul(cols.reshape(cols.shape[0], -1).T, w4.reshape(o, -1).T)
    return y.reshape((n,) + tuple(out_hw) + (o,)).transpose(0, 3, 1, 2)


def filter_grad_folded(cols: np.ndarray, g4: np.ndarray, k: tuple, c: int) -> np.ndarray:
    """dW (O, C, kh, kw) from the batch-folded columns and a channels-last ``g``: one GEMM
    ``cols @ g`` with ``g`` read as the ``(N OH OW, O)`` matrix it is stored as."""
    o = g4.shape[1]
    gl = g4.transpose(0, 2, 3, 1).reshape(-1, o)           # a view when g is channels-last
    dwt = np.matmul(cols.reshape(cols.shape[0], -1), gl)
    return np.ascontiguousarray(dwt.T).reshape((o, c) + tuple(k))


def conv_nhwc_cols(x4: np.ndarray, w4: np.ndarray, geom, out_hw: tuple, unfold) -> np.ndarray:
    """y (N, O, OH, OW), stored NHWC, of a channels-last ``x4``: the columns unfolded straight
    from the NHWC buffer, ``cols[(n, oh, ow), (i, j, c)]`` (``unfold``: the Numba loop
    ``_jit_conv.im2col_nhwc``, each window row of ``kw C`` elements one contiguous run), and one
    GEMM ``cols @ W'^T`` with ``W'[o, (i, j, c)] = w[o, c, i, j]``.  Measured against the
    batch-folded columns of :func:`conv_folded` (us, one thread, CPU time, interleaved): 8->16
    s2 541 -> 489, 16->32 s2 360 -> 240, 32->32 8x8 641 -> 406; LeNet's 6->16 14x14 k5 even
    (2851 -> 2823: its 1.5 ms unfolding and 1.3 ms GEMM both stay); 1x1 lost (127 -> 166) and so
    did the filter gradient by these columns (8->16 s2 522 -> 640), which keep the folded ones."""
    n, c, h, w = x4.shape
    o, _, kh, kw = w4.shape
    oh, ow = out_hw
    cols = np.empty((n * oh * ow, kh * kw * c), x4.dtype)
    unfold(x4.transpose(0, 2, 3, 1).reshape(n, h, w * c), c, kh, kw, *geom[:6], oh, ow, cols)
    y = np.matmul(cols, w4.transpose(0, 2, 3, 1).reshape(o, -1).T)
    return y.reshape(n, oh, ow, o).transpose(0, 3, 1, 2)
