"""Composites of image models: padding, adaptive pooling, resizing, normalisation.

None of these has a kernel of its own; each is a function of existing primitives, so its
gradient comes from theirs:

* ``pad(x, pads, mode, value)``: 'constant' is the primitive ``pad_constant`` (``.padding``),
  the others ``pad_edge`` where the padded axes' lengths are known; else 'reflect'
  concatenates reversed slices
  (``getitem`` with step -1), 'replicate' copies of the edge slice and 'circular' the slices
  from the opposite end (wrapping around once at most), so dx comes from
  getitem's and concatenate's vjps and no index constant has to live on the input's device.
* ``adaptive_avg_pool(x, out_size)`` and ``interpolate(x, size, mode)`` are linear maps along
  each spatial axis: ``y = A_h @ x @ A_w^T`` (in 3-D then ``A_d`` on the depth axis) with small
  constant matrices (PyTorch's adaptive
  windows ``[floor(i*H/OH), ceil((i+1)*H/OH))``; nearest: ``src = floor(dst * in/out)``;
  bilinear: ``src = (dst + 0.5) * in/out - 0.5`` clamped at 0, or ``dst * (in-1)/(out-1)``
  with ``align_corners``; 'nearest-exact' ``floor((dst + 0.5) * in/out)``; 'bicubic' Keys'
  a = -0.75 kernel over 4 border-clamped taps).  Two small matmuls beat a gather at these sizes and give the
  gradient (``A^T``) for free.
* ``moments(x, axes)`` -> (mean, biased variance); ``batch_norm(x, mean, var, weight, bias,
  eps, axis)`` = ``(x - mean) / sqrt(var + eps) * weight + bias`` with the statistics
  broadcast along the channel ``axis``.  Running statistics live in the front ends.
"""

from __future__ import annotations

import numpy as np

from ..api import exports
from ..device import const_like
from ..errors import ShapeError
from ..registry import aval_of
from . import composites as _c
from . import elementwise as _e
from .indexing import getitem
from .linalg import matmul
from .padding import pad_constant, pad_edge
from .shape import concatenate, reshape, squeeze


def _pairs(pads, ndim: int) -> list:
    """PyTorch's flat (last_lo, last_hi, prev_lo, prev_hi, ...) or one (lo, hi) pair per axis."""
    pads = list(pads)
    if pads and not isinstance(pads[0], (tuple, list)):
        if len(pads) % 2 or len(pads) // 2 > ndim:
            raise ValueError(f"pad: padding length must be divisible by 2 and at most twice the "
                             f"rank {ndim}, got {len(pads)}")
        flat = [(int(pads[2 * i]), int(pads[2 * i + 1])) for i in range(len(pads) // 2)]
        return [(0, 0)] * (ndim - len(flat)) + flat[::-1]
    if len(pads) != ndim:
        raise ValueError(f"pad: expected {ndim} (lo, hi) pairs, got {len(pads)}")
    return [(int(lo), int(hi)) for lo, hi in pads]


@exports({"torch.nn.functional": "pad"}, "conv")
def pad(x, pads, mode: str = "constant", value=0.0):
    """Pad ``x``: ``pads`` in PyTorch's flat form (last axis first) or one pair per axis."""
    av = aval_of(x)
    pairs = _pairs(pads, av.ndim)
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', "
                         f"got {mode!r}")
    for axis in reversed(range(av.ndim)) if mode == "reflect" else ():    # (PyTorch's order:
        (lo, hi), n = pairs[axis], av.shape[axis]                            # the last first)
        if n is not None and (lo or hi) and (lo >= n or hi >= n):
            raise ShapeError("pad", f"Argument #{4 + 2 * (av.ndim - 1 - axis)}: Padding size "
                             "should be less than the corresponding input dimension, but got: "
                             f"padding ({lo}, {hi}) at dimension {axis} of input "
                             f"{list(av.shape)}", [av.shape])
    for lo, hi in pairs:
        if lo < 0 or hi < 0:
            raise ValueError(f"pad: negative padding is not supported, got {(lo, hi)}")
    if mode == "constant":
        return pad_constant(x, pairs, value)     # (all zeros too: a new tensor, as PyTorch's)
    shape = aval_of(x).shape
    if all(shape[a] is not None and (mode != "circular" or (lo <= shape[a] and hi <= shape[a]))
            for a, (lo, hi) in enumerate(pairs) if lo or hi):
        return pad_edge(x, pairs, mode)          # (one node, a new tensor: .padding)
    for axis, (lo, hi) in enumerate(pairs):
        if lo == hi == 0:
            continue
        n = aval_of(x).shape[axis]
        pre = (slice(None),) * axis
        if mode == "circular":
            if lo > n or hi > n:
                raise ShapeError("pad", "Padding value causes wrapping around more than once.",
                                 [av.shape])
            left = getitem(x, pre + (slice(n - lo, n),)) if lo else None
            right = getitem(x, pre + (slice(0, hi),)) if hi else None
        elif mode == "reflect":
            left = getitem(x, pre + (slice(lo, 0, -1),)) if lo else None
            right = getitem(x, pre + (slice(n - 2, None if n - 2 - hi < 0 else n - 2 - hi,
                                            -1),)) if hi else None
        else:
            first, last = getitem(x, pre + (slice(0, 1),)), getitem(x, pre + (slice(n - 1, n),))
            left = concatenate([first] * lo, axis) if lo else None
            right = concatenate([last] * hi, axis) if hi else None
        x = concatenate([p for p in (left, x, right) if p is not None], axis)
    return x


def _adaptive_matrix(n_in: int, n_out: int) -> np.ndarray:
    a = np.zeros((n_out, n_in))
    for o in range(n_out):
        lo, hi = (o * n_in) // n_out, -((-(o + 1) * n_in) // n_out)
        a[o, lo:hi] = 1.0 / (hi - lo)
    return a


def _cubic_weights(t: np.ndarray) -> np.ndarray:
    """Keys' cubic convolution weights (a = -0.75, PyTorch's) of the 4 taps at offsets
    -1, 0, 1, 2 from floor(src), for fractional parts ``t``: shape (len(t), 4)."""
    a = -0.75

    def near(x):                        # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):                         # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], axis=1)


def _resize_matrix(n_in: int, n_out: int, mode: str, align_corners: bool,
                   scale: float | None = None) -> np.ndarray:
    """The (n_out, n_in) matrix of one axis.  ``scale`` is PyTorch's user scale_factor (used for
    the source coordinates instead of n_out/n_in when given, as ``recompute_scale_factor=None``
    does); 'nearest-exact' is ``floor((dst + 0.5) * in/out)``, 'bicubic' Keys' kernel over 4
    taps with the taps clamped to the border (no clamp of the source coordinate)."""
    a = np.zeros((n_out, n_in))
    dst = np.arange(n_out)
    ratio = 1.0 / scale if scale else n_in / n_out
    if mode in ("nearest", "nearest-exact"):
        off = 0.5 if mode == "nearest-exact" else 0.0
        src = np.minimum(np.floor((dst + off) * ratio).astype(np.int64), n_in - 1)
        a[dst, src] = 1.0
        return a
    if align_corners:
        src = dst * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out)
    elif mode == "bicubic":
        src = (dst + 0.5) * ratio - 0.5
    else:
        src = np.maximum((dst + 0.5) * ratio - 0.5, 0.0)
    if mode == "bicubic":
        i0 = np.floor(src).astype(np.int64)
        w = _cubic_weights(src - i0)
        for k in range(4):
            np.add.at(a, (dst, np.clip(i0 - 1 + k, 0, n_in - 1)), w[:, k])
        return a
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    lam = src - i0
    np.add.at(a, (dst, i0), 1.0 - lam)
    np.add.at(a, (dst, i1), lam)
    return a


def _aa_filter(t: np.ndarray, mode: str) -> np.ndarray:
    """PyTorch's antialias filters: the triangle (bilinear) or Keys' cubic with a = -0.5."""
    t = np.abs(t)
    if mode == "bilinear":
        return np.where(t < 1.0, 1.0 - t, 0.0)
    a = -0.5
    near = ((a + 2.0) * t - (a + 3.0)) * t * t + 1.0
    far = ((a * t - 5.0 * a) * t + 8.0 * a) * t - 4.0 * a
    return np.where(t < 1.0, near, np.where(t < 2.0, far, 0.0))


def _antialias_matrix(n_in: int, n_out: int, mode: str, align_corners: bool,
                      scale: float | None = None) -> np.ndarray:
    """The (n_out, n_in) matrix of PyTorch's separable antialiased resize (``antialias=True``,
    'bilinear' or 'bicubic'): output i centred at ``s (i + 0.5)`` in input pixels (``s`` =
    in/out, 1/scale_factor, or (in-1)/(out-1) with align_corners) averages the inputs within
    ``support = taps/2 * max(s, 1)`` with the filter stretched by ``max(s, 1)``, weights
    normalised to sum 1 (UpSampleKernel.cpp's _compute_weights_aa)."""
    if align_corners:
        s = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    else:
        s = 1.0 / scale if scale else n_in / n_out
    half = 1.0 if mode == "bilinear" else 2.0
    support = half * s if s >= 1.0 else half
    inv = 1.0 / s if s >= 1.0 else 1.0
    max_taps = int(np.ceil(support)) * 2 + 1
    center = s * (np.arange(n_out) + 0.5)
    lo = np.maximum(np.floor(center - support + 0.5), 0).astype(np.int64)
    hi = np.minimum(np.floor(center + support + 0.5).astype(np.int64), n_in)
    cols = lo[:, None] + np.arange(max_taps)                      # (n_out, max_taps)
    valid = cols < np.minimum(hi, lo + max_taps)[:, None]
    w = np.where(valid, _aa_filter((cols - center[:, None] + 0.5) * inv, mode), 0.0)
    total = w.sum(1, keepdims=True)
    w = w / np.where(total != 0.0, total, 1.0)
    a = np.zeros((n_out, n_in))
    rows = np.broadcast_to(np.arange(n_out)[:, None], cols.shape)
    a[rows[valid], cols[valid]] = w[valid]
    return a


def _apply_matrices(x, mats):
    """y = A_h @ x @ A_w^T over the last one or two axes (constant matrices in x's dtype); with
    three, A_d is applied to (N, C, D, H*W) after the other two."""
    dtype = aval_of(x).dtype
    nsp = len(mats)
    if nsp == 3:
        shape = aval_of(x).shape
        y = _apply_matrices(x, mats[1:])
        _, _, d, h, w = aval_of(y).shape
        y = matmul(const_like(mats[0].astype(dtype), y), reshape(y, (-1, shape[1], d, h * w)))
        return reshape(y, (-1, shape[1], mats[0].shape[0], h, w))
    if nsp == 2:
        x = matmul(x, const_like(np.ascontiguousarray(mats[1].T, dtype), x))
        return matmul(const_like(mats[0].astype(dtype), x), x)
    return matmul(x, const_like(np.ascontiguousarray(mats[0].T, dtype), x))


@exports({"torch": "adaptive_avg_pool1d",
          "torch.nn.functional": ("adaptive_avg_pool1d", "adaptive_avg_pool2d",
                                  "adaptive_avg_pool3d")}, "conv")
def adaptive_avg_pool(x, out_size):
    """PyTorch's adaptive_avg_pool{1,2,3}d over the trailing spatial axes of (N, C, *spatial)."""
    sp = aval_of(x).shape[2:]
    out = (out_size,) * len(sp) if isinstance(out_size, int) else tuple(out_size)
    if len(out) != len(sp) or any(d is None for d in sp):
        raise ValueError(f"adaptive_avg_pool: output_size {list(out)} does not fit input "
                         f"spatial size {list(sp)}")
    out = tuple(s if o is None else int(o) for o, s in zip(out, sp))
    if 0 in sp and all(o == 1 for o in out):     # (PyTorch's mean of nothing: NaN)
        return _c.mean(x, tuple(range(2, 2 + len(sp))), keepdims=True)
    if 0 in sp:                    # (each output averages no element: PyTorch refuses)
        sizes = list(aval_of(x).shape[:2]) + [1] * (len(sp) == 1) + list(sp)   # (1-d as 2-d)
        raise ShapeError("adaptive_avg_pool", f"adaptive_avg_pool{max(len(sp), 2)}d(): "
                         f"Expected input to have non-zero size for non-batch dimensions, but "
                         f"input has sizes {sizes} with dimension {sizes.index(0, 2)} being "
                         f"empty", [aval_of(x).shape])
    return _apply_matrices(x, [_adaptive_matrix(s, o) for s, o in zip(sp, out)])


@exports({"torch.nn.functional": "interpolate"}, "conv")
def interpolate(x, size, mode: str = "nearest", align_corners: bool = False, scales=None,
                antialias: bool = False):
    """Resize the trailing spatial axes of (N, C, *spatial) to ``size`` ('nearest',
    'nearest-exact', 'linear'/'bilinear'/'trilinear' or 'bicubic'); ``scales`` (one per axis,
    or None) are the user's scale factors that PyTorch uses for the source coordinates.
    ``antialias`` ('bilinear', 'bicubic'): PyTorch's antialiased filter (_antialias_matrix)."""
    sp = aval_of(x).shape[2:]
    size = (size,) * len(sp) if isinstance(size, int) else tuple(int(s) for s in size)
    if mode not in ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "bicubic"):
        raise NotImplementedError(f"interpolate: mode {mode!r} is not supported (nearest, "
                                  f"nearest-exact, linear, bilinear, trilinear, bicubic)")
    scales = (None,) * len(sp) if scales is None else tuple(scales)
    if antialias and mode not in ("bilinear", "bicubic"):
        raise NotImplementedError(f"interpolate: antialias with mode {mode!r} (bilinear and "
                                  f"bicubic only)")
    matrix = _antialias_matrix if antialias else _resize_matrix
    return _apply_matrices(x, [matrix(s, o, mode, align_corners, f)
                               for s, o, f in zip(sp, size, scales)])


def moments(x, axes, keepdims: bool = False):
    """(mean, biased variance) of ``x`` over ``axes``."""
    nd = aval_of(x).ndim
    axes = tuple(sorted(a % nd for a in ((axes,) if isinstance(axes, int) else axes)))
    m = _c.mean(x, axes, keepdims=True)
    v = _c.mean(_c.square(_e.sub(x, m)), axes, keepdims=keepdims)
    return (m if keepdims else squeeze(m, axes)), v


@exports({"torch.nn.functional": "batch_norm", "tf.nn": "batch_normalization"}, "conv")
def batch_norm(x, mean, var, weight=None, bias=None, eps: float = 1e-5, axis: int = 1):
    """y = (x - mean) * rsqrt(var + eps) * weight + bias; the 1-D statistics on ``axis``."""
    nd = aval_of(x).ndim
    axis %= nd

    def bc(v):
        if v is None:
            return None
        shape = [1] * nd
        shape[axis] = -1
        return reshape(v, tuple(shape)) if aval_of(v).ndim == 1 and nd > 1 else v

    scale = _e.div(1.0, _e.sqrt(_e.add(bc(var), eps)))
    if weight is not None:
        scale = _e.mul(scale, bc(weight))
    y = _e.mul(_e.sub(x, bc(mean)), scale)
    return y if bias is None else _e.add(y, bc(bias))


def diag_embed(x, offset: int = 0):
    """Matrices ``(..., n, n)``, ``n = k + |offset|``, holding the last axis of ``x`` (length
    ``k``) on diagonal ``offset`` and zeros elsewhere (PyTorch's ``diag_embed`` on the last two
    axes, TensorFlow's ``matrix_diag``).  Built from :func:`pad` and ``reshape`` only, so the
    zeros are real zeros (``x[..., None] * eye`` put NaN beside an inf) and nothing is made on
    another device: each row ``[x_i, 0 * n]`` (length ``n + 1``), flattened, puts ``x_i`` at
    ``i*(n+1) = i*n + i``; shifting the flat vector by ``offset`` (or ``-offset * n``) moves it
    to ``(i, i + offset)`` (or ``(i - offset, i)``); the tail is cut or padded to ``n*n``.
    ``dx`` comes from pad's and reshape's vjps (the diagonal of ``g``)."""
    av = aval_of(x)
    nd, k, lead = av.ndim, av.shape[-1], av.shape[:-1]
    if k is None:
        raise ValueError("diag_embed: the last dimension must be known")
    lead = tuple(-1 if d is None else d for d in lead)
    if lead.count(-1) > 1:
        raise ValueError(f"diag_embed: at most one unknown leading dimension, got {av.shape}")
    n = k + abs(offset)
    if k == 0:                          # (no element: zeros of x's dtype, padded from x so
        if -1 in lead:                  # that they are a node of x's graph, not an array)
            raise ValueError(f"diag_embed: an empty last dimension needs a known shape, got "
                             f"{av.shape}")
        return reshape(pad(x, [(0, 0)] * (nd - 1) + [(0, n * n)]), lead + (n, n))
    y = pad(reshape(x, lead + (k, 1)), [(0, 0)] * nd + [(0, n)])      # (..., k, n + 1)
    y = reshape(y, lead + (k * (n + 1),))
    pre = offset if offset >= 0 else -offset * n
    post = n * n - pre - k * (n + 1)
    y = pad(y, [(0, 0)] * (nd - 1) + [(pre, max(post, 0))])
    if post < 0:
        y = getitem(y, (Ellipsis, slice(0, n * n)))
    return reshape(y, lead + (n, n))
