"""The long tail of ``torch.nn.functional`` (and the ``tf.nn`` ops that are the same maths in
TensorFlow's layout), as composites of dlcore's primitives: no kernel and no vjp of their own,
so gradients come from the primitives'.

Shrinkage and image rearrangement::

    hardshrink(x, l)       x where |x| > l, else 0;               dx = g [|x| > l]
    softshrink(x, l)       x - l where x > l, x + l where x < -l, else 0
    pixel_shuffle(x, r)    (*, C r^2, H, W) -> (*, C, H r, W r):  y[c, h r + i, w r + j] =
                           x[c r^2 + i r + j, h, w]   (reshape, transpose, reshape)
    channel_shuffle(x, g)  (N, g k, *) -> (N, k g, *): channel i k + j to j g + i (ShuffleNet)
    pixel_unshuffle(x, r)  its inverse   (TensorFlow's NHWC depth_to_space/space_to_depth,
                           channel order (i, j, c), are in dlcore_static/array_extra.py)

Normalisation::

    lrn(x, axis, lo, hi, k, a, b)   x / (k + a sum_{c' in [c-lo, c+hi]} x_c'^2)^b
        F.local_response_norm(size, alpha, beta, k): lo = size // 2, hi = (size - 1) // 2,
        a = alpha / size (PyTorch averages the window, zero padded);  tf.nn.lrn: lo = hi =
        depth_radius on the last axis, a = alpha
    instance_norm(x, w, b, eps)     per (n, c) over the spatial axes, biased variance
    rms_norm(x, shape, w, eps)      x / sqrt(mean(x^2 over the trailing shape) + eps) * w
                                    (eps None: the dtype's machine epsilon, as PyTorch)

Pooling with indices: ``adaptive_max_pool(x, out)`` -> (values, indices).  Each output takes
PyTorch's adaptive window ``[floor(i H / OH), ceil((i + 1) H / OH))``; the windows are padded to
one width by repeating their last index (a repeat never beats the first maximum), gathered with
``take_along_axis`` from a constant index table, ``argmax`` picks the first maximum (PyTorch's
rule) and the values are gathered again at the winning flat index, so dx is a scatter of g to
the winners.

Sliding blocks (im2col as a convolution): ``unfold(x, k, d, p, s)`` = ``conv`` of each channel
with the ``kh kw`` one-hot filters (output channel ``i kw + j`` picks offset (i, j)), giving
PyTorch's column order ``c kh kw + i kw + j``; ``fold`` is its adjoint, the ``conv_transpose``
with the same filters (overlaps add up), so each is the other's gradient.

Distances: ``pdist(x, p)`` = ``||x_i - x_j||_p`` for i < j in row-major order (rows gathered by
two constant index lists).
"""

from __future__ import annotations

import numpy as np

from ..api import exports
from ..device import const_like
from ..dtypes import finfo, is_half
from ..registry import aval_of
from .composites import mean
from .elementwise import add, div, mul, sqrt, sub
from .indexing import getitem
from .power import pow
from .reduce import argmax
from .shape import concatenate, reshape, transpose
from .shrink import hardshrink, softshrink  # noqa: F401  (F.hardshrink, F.softshrink: here too)

_F = "torch.nn.functional"


# ----------------------------------------------------------------------------- pixel shuffle
@exports({_F: "pixel_shuffle", "torch": "pixel_shuffle"}, "args")
def pixel_shuffle(x, upscale_factor: int):
    """``(*, C r^2, H, W) -> (*, C, H r, W r)``: ``y[c, h r + i, w r + j] = x[c r^2 + i r + j,
    h, w]``."""
    s = tuple(aval_of(x).shape)
    r = int(upscale_factor)
    if len(s) < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got "
                           f"input with {len(s)} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    c, h, w = s[-3:]
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    b = s[:-3]
    nb = len(b)
    y = reshape(x, b + (c // (r * r), r, r, h, w))
    y = transpose(y, tuple(range(nb)) + tuple(nb + i for i in (0, 3, 1, 4, 2)))
    return reshape(y, b + (c // (r * r), h * r, w * r))


@exports({_F: "pixel_unshuffle", "torch": "pixel_unshuffle"}, "args")
def pixel_unshuffle(x, downscale_factor: int):
    """``(*, C, H r, W r) -> (*, C r^2, H, W)``, the inverse of :func:`pixel_shuffle`."""
    s = tuple(aval_of(x).shape)
    r = int(downscale_factor)
    if len(s) < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {len(s)} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    c, h, w = s[-3:]
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by "
                           f"downscale_factor, but input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by "
                           f"downscale_factor, but input.size(-1)={w} is not divisible by {r}")
    b = s[:-3]
    nb = len(b)
    y = reshape(x, b + (c, h // r, r, w // r, r))
    y = transpose(y, tuple(range(nb)) + tuple(nb + i for i in (0, 2, 4, 1, 3)))
    return reshape(y, b + (c * r * r, h // r, w // r))


@exports({_F: "channel_shuffle", "torch": "channel_shuffle"}, "args")
def channel_shuffle(x, groups: int):
    """ShuffleNet's channel shuffle of ``(N, C, *)``: the channels viewed as ``(groups,
    C / groups)``, transposed, flattened back (channel ``i C/g + j`` goes to ``j g + i``)."""
    s = tuple(aval_of(x).shape)
    g = int(groups)
    if len(s) <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(s)}")
    if g <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of "
                           f"groups:{g}")
    if s[1] % g:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {s[1]} "
                           f"channels and {g} groups.")
    y = reshape(x, (s[0], g, s[1] // g) + s[2:])
    y = transpose(y, (0, 2, 1) + tuple(range(3, len(s) + 1)))
    return reshape(y, s)


# ----------------------------------------------------------------------------- normalisation
@exports({"tf.nn": ("local_response_normalization", "lrn")}, "conv")
def lrn(x, axis: int, lo: int, hi: int, k: float, alpha: float, beta: float):
    """``x / (k + alpha sum_{c' in [c - lo, c + hi]} x_c'^2)^beta`` along ``axis`` (the window
    zero padded at both ends): a sum of ``lo + hi + 1`` shifted slices of the padded square.
    TensorFlow's ``tf.nn.local_response_normalization(input, depth_radius=5, bias=1, alpha=1,
    beta=0.5)`` (alias ``tf.nn.lrn``) is this on the last axis of NHWC input with
    ``lo = hi = depth_radius``; PyTorch's ``F.local_response_norm`` on axis 1."""
    nd = aval_of(x).ndim
    axis %= nd
    n = aval_of(x).shape[axis]
    sq = mul(x, x)
    pre = (slice(None),) * axis
    parts = []
    if lo:
        parts.append(mul(getitem(sq, pre + (slice(0, 1),)), 0.0) if lo == 1 else
                     mul(concatenate([getitem(sq, pre + (slice(0, 1),))] * lo, axis), 0.0))
    parts.append(sq)
    if hi:
        parts.append(mul(getitem(sq, pre + (slice(0, 1),)), 0.0) if hi == 1 else
                     mul(concatenate([getitem(sq, pre + (slice(0, 1),))] * hi, axis), 0.0))
    padded = concatenate(parts, axis) if len(parts) > 1 else sq
    total = None
    for o in range(lo + hi + 1):
        piece = getitem(padded, pre + (slice(o, o + n),))
        total = piece if total is None else add(total, piece)
    return div(x, pow(add(mul(total, float(alpha)), float(k)), float(beta)))


@exports({_F: "local_response_norm"}, "args", float_only=True)
def local_response_norm(x, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
    """Local response normalisation across channels (axis 1): ``x / (k + alpha / size
    sum_{window} x^2)^beta``, the window ``size`` channels wide, zero padded."""
    nd = aval_of(x).ndim
    if nd < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          "
                         f"input (got {nd} dimensions)")          # PyTorch's own spacing
    if aval_of(x).shape[1] == 0:
        return x
    return lrn(x, 1, size // 2, (size - 1) // 2, k, alpha / size, beta)


def instance_norm(x, weight=None, bias=None, eps: float = 1e-5):
    """Normalise each (n, c) plane over the spatial axes (biased variance), then the
    per-channel affine."""
    av = aval_of(x)
    nd = av.ndim
    if (weight is not None or bias is not None) and nd >= 3 and av.shape[1] and \
            av.dtype.kind == "f" and \
            all(v is None or aval_of(v).dtype == av.dtype for v in (weight, bias)):
        # with an affine: the fused group norm of one channel a group (its statistics are the
        # plane's), the per-channel scale and shift in its kernel: one node where the layer
        # norm below, two reshapes, a mul and an add made five
        from .group_norm_prims import group_norm
        return group_norm(x, weight, bias, av.shape[1], eps)
    # the fused layer_norm primitive over the nd - 2 trailing (spatial) axes, no affine: one
    # node where mean, sub, mul, mean, add, sqrt, div made seven (4x3x16x16 float32: 43 ->
    # ~20 us forward)
    from .norm_prims import layer_norm
    y = layer_norm(x, None, None, nd - 2, eps)
    shape = (1, -1) + (1,) * (nd - 2)
    if weight is not None:
        y = mul(y, reshape(weight, shape))
    if bias is not None:
        y = add(y, reshape(bias, shape))
    return y


@exports({_F: "rms_norm", "torch": "rms_norm"}, "args", float_only=True)
def rms_norm(x, normalized_shape, weight=None, eps: float | None = None):
    """Root-mean-square normalisation over the trailing ``normalized_shape``:
    ``x / sqrt(mean(x^2) + eps) * weight``, ``eps`` when None the epsilon of the dtype the
    op computes in (PyTorch's opmath type: float32's for float16 and bfloat16)."""
    shape = (int(normalized_shape),) if isinstance(normalized_shape, int) else \
        tuple(int(d) for d in normalized_shape)
    s = tuple(aval_of(x).shape)
    if len(shape) > len(s) or s[len(s) - len(shape):] != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*{', '.join(map(str, shape))}], but got input of size{list(s)}")
    if eps is None:
        dt = np.dtype(aval_of(x).dtype)
        eps = float(finfo(np.float32 if is_half(dt) else dt).eps)
    axes = tuple(range(len(s) - len(shape), len(s)))
    y = div(x, sqrt(add(mean(mul(x, x), axes, True), float(eps))))
    return y if weight is None else mul(y, weight)


# ----------------------------------------------------------------------------- adaptive max
def _adaptive_windows(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, width) input indices of PyTorch's adaptive windows, each padded to the widest
    by repeating its last index."""
    bounds = [((o * n_in) // n_out, -((-(o + 1) * n_in) // n_out)) for o in range(n_out)]
    width = max(hi - lo for lo, hi in bounds)
    return np.array([[min(lo + t, hi - 1) for t in range(width)] for lo, hi in bounds],
                    np.int64)


def adaptive_max_pool(x, out_size):
    """(values, indices) of PyTorch's adaptive max pooling over the trailing spatial axes of
    ``(N, C, *spatial)`` (one, two or three); indices are flat positions in each (n, c) plane."""
    s = tuple(aval_of(x).shape)
    sp = s[2:]
    out = tuple(o if o is not None else i for o, i in zip(out_size, sp))
    wins = [_adaptive_windows(i, o) for i, o in zip(sp, out)]
    # table[o_flat, t_flat]: flat input index of tap t of output o
    if len(sp) == 1:
        table = wins[0]
    elif len(sp) == 2:
        wh, ww = wins
        table = (wh[:, None, :, None] * sp[1] + ww[None, :, None, :]).reshape(
            out[0] * out[1], wh.shape[1] * ww.shape[1])
    else:
        wd, wh, ww = wins
        table = ((wd[:, None, None, :, None, None] * sp[1] + wh[None, :, None, None, :, None])
                 * sp[2] + ww[None, None, :, None, None, :]).reshape(
            out[0] * out[1] * out[2], wd.shape[1] * wh.shape[1] * ww.shape[1])
    p, t = table.shape
    n, c = s[0], s[1]
    flat = reshape(x, (n, c, -1))
    idx = const_like(np.ascontiguousarray(np.broadcast_to(table.reshape(1, 1, p * t),
                                                          (n, c, p * t))), x)
    from .scan import take_along_axis
    taps = reshape(take_along_axis(flat, idx, -1), (n, c, p, t))
    win = argmax(taps, -1, True)                                   # (n, c, p, 1)
    tbl = const_like(np.ascontiguousarray(np.broadcast_to(table.reshape(1, 1, p, t),
                                                          (n, c, p, t))), x)
    where_ = reshape(take_along_axis(tbl, win, -1), (n, c, p))
    values = take_along_axis(flat, where_, -1)
    return reshape(values, (n, c) + out), reshape(where_, (n, c) + out)


# ----------------------------------------------------------------------------- unfold / fold
def _one_hot_filters(kh: int, kw: int, dtype) -> np.ndarray:
    return np.eye(kh * kw, dtype=dtype).reshape(kh * kw, 1, kh, kw)


@exports({"tf": "extract_image_patches"}, "conv")
def unfold(x, kernel_size, dilation, padding, stride):
    """im2col: ``(N, C, H, W) -> (N, C kh kw, L)``, row ``c kh kw + i kw + j`` holding
    offset (i, j) of every block, blocks in row-major order (the batch may be unknown).
    TensorFlow's ``tf.extract_image_patches(images, ksizes, strides, rates, padding)`` is this
    on NHWC images, 'SAME' zero padding first, the patch laid out (i, j, c)."""
    from .conv import conv
    _, c, h, w = aval_of(x).shape
    kh, kw = kernel_size
    planes = reshape(x, (-1, 1, h, w))
    f = const_like(_one_hot_filters(kh, kw, aval_of(x).dtype), x)
    cols = conv(planes, f, stride, padding, dilation)               # (N C, kh kw, oh, ow)
    oh, ow = aval_of(cols).shape[2:]
    return reshape(cols, (-1, c * kh * kw, oh * ow))


def fold(x, output_size, kernel_size, dilation, padding, stride):
    """col2im, the adjoint of :func:`unfold`: ``(N, C kh kw, L) -> (N, C, H, W)``, the values
    of overlapping blocks added."""
    from .conv import conv_transpose
    n, ck, _ = aval_of(x).shape
    kh, kw = kernel_size
    oh, ow = (_blocks(o, k, d, p, s) for o, k, d, p, s in
              zip(output_size, kernel_size, dilation, padding, stride))
    cols = reshape(x, (-1, kh * kw, oh, ow))
    f = const_like(_one_hot_filters(kh, kw, aval_of(x).dtype), x)
    y = conv_transpose(cols, f, stride, padding, 0, dilation, output_size=tuple(output_size))
    return reshape(y, (n, ck // (kh * kw)) + tuple(output_size))


def _blocks(size: int, k: int, d: int, p: int, s: int) -> int:
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


# ----------------------------------------------------------------------------- pdist
@exports({_F: "pdist", "torch": "pdist"}, "args", float_only=True)
def pdist(x, p: float = 2.0):
    """``||x_i - x_j||_p`` for every pair of rows i < j of ``x (N, M)``, in row-major order
    (``N (N - 1) / 2`` values)."""
    from .gather import take
    from .linalg_extra import vector_norm
    s = tuple(aval_of(x).shape)
    if len(s) != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {len(s)}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    i, j = np.triu_indices(s[0], 1)
    a = take(x, const_like(i.astype(np.int64), x))
    b = take(x, const_like(j.astype(np.int64), x))
    return vector_norm(sub(a, b), p, -1)
