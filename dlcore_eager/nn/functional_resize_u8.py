"""``interpolate`` of a uint8 image (bilinear, bicubic, with or without antialias) as PyTorch's
separable uint8 kernels compute it: one pass per resized axis (width, then height), each with
the antialias-style filter weights normalized to sum 1, turned into int16 fixed point
(``_compute_int16_weights``: the most bits that keep the largest weight under 2**15), the sum
rounded by ``1 << (precision - 1)``, shifted and clipped to 0..255 after each pass."""

from __future__ import annotations

import numpy as np


def _filter(mode: str, antialias: bool):
    if mode == "bilinear":
        return 1.0, lambda x: np.where(np.abs(x) < 1.0, 1.0 - np.abs(x), 0.0)
    a = -0.5 if antialias else -0.75

    def cubic(x):
        x = np.abs(x)
        return np.where(x < 1.0, ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0,
                        np.where(x < 2.0, (((x - 5.0) * x + 8.0) * x - 4.0) * a, 0.0))
    return 2.0, cubic


def _weights(n_in: int, n_out: int, mode: str, align_corners: bool, scale, antialias: bool):
    """(xmin, int16 weights (n_out, k), precision) of one axis."""
    if align_corners:
        s = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    elif scale is not None and scale > 0:
        s = 1.0 / scale
    else:
        s = n_in / n_out
    half, f = _filter(mode, antialias)
    support = half * s if (s >= 1.0 and antialias) else half
    invscale = 1.0 / s if (s >= 1.0 and antialias) else 1.0
    delta = 0.5 if (align_corners and not antialias) else 0.0
    i = np.arange(n_out, dtype=np.float64)
    center = s * (i + 0.5 - delta)
    if mode == "bicubic" and not antialias:     # (upsample_bicubic2d's: 4 taps, the border
        xmin = np.floor(center - support + 0.5 + delta).astype(np.int64)   # replicated)
        xmax = xmin + 4
    else:
        xmin = np.maximum((center - support + 0.5 + delta).astype(np.int64), 0)
        xmax = np.minimum((center + support + 0.5 + delta).astype(np.int64), n_in)
    size = xmax - xmin
    k = max(int(size.max()), 1)
    j = np.arange(k)
    w = f((j[None, :] + xmin[:, None] - center[:, None] + 0.5 - delta) * invscale)
    w = np.where(j[None, :] < size[:, None], w, 0.0)
    total = w.sum(axis=1, keepdims=True)
    w = w / np.where(total == 0.0, 1.0, total)
    if mode == "bicubic" and not antialias:     # (taps outside: their float weight added to
        dense = np.zeros((n_out, n_in))         # the edge pixel's before the rounding)
        rows = np.repeat(np.arange(n_out), k)
        np.add.at(dense, (rows, np.clip(xmin[:, None] + j, 0, n_in - 1).ravel()), w.ravel())
        xmin = np.clip(xmin, 0, n_in - 1)
        cols = xmin[:, None] + j
        w = np.where(cols < n_in, dense[np.arange(n_out)[:, None], np.minimum(cols, n_in - 1)],
                     0.0)
    wmax = float(w.max()) if w.size else 0.0
    prec = 0
    while prec < 22 and int(0.5 + wmax * (1 << (prec + 1))) < (1 << 15):
        prec += 1
    v = w * (1 << prec)
    wi = np.where(v < 0, np.trunc(v - 0.5), np.trunc(v + 0.5)).astype(np.int64)
    return xmin, wi, prec, k


def _pass(a: np.ndarray, axis: int, n_out: int, mode: str, align_corners: bool, scale,
          antialias: bool) -> np.ndarray:
    n_in = a.shape[axis]
    xmin, wi, prec, k = _weights(n_in, n_out, mode, align_corners, scale, antialias)
    a = np.moveaxis(a, axis, -1).astype(np.int64)
    idx = np.clip(xmin[:, None] + np.arange(k)[None, :], 0, n_in - 1)
    acc = (a[..., idx] * wi).sum(axis=-1) + ((1 << (prec - 1)) if prec > 0 else 0)
    out = np.clip(acc >> prec, 0, 255).astype(np.uint8)
    return np.moveaxis(out, -1, axis)


def resize_uint8(a: np.ndarray, out: tuple, mode: str, align_corners: bool, scales,
                 antialias: bool) -> np.ndarray:
    """``a`` (N, C, H, W) uint8 resized to ``out`` (H', W'): width first, then height, an
    axis whose size does not change not passed over."""
    sh, sw = scales if scales is not None else (None, None)
    if out[1] != a.shape[3]:
        a = _pass(a, 3, out[1], mode, align_corners, sw, antialias)
    if out[0] != a.shape[2]:
        a = _pass(a, 2, out[0], mode, align_corners, sh, antialias)
    return np.ascontiguousarray(a)


def resize_u8(interpolate, input, size, scale_factor, mode, align_corners,
              recompute_scale_factor, antialias):
    """``interpolate`` of a uint8 (N, C, H, W) tensor: its checks and output size from the
    float32 call, the values from :func:`resize_uint8` (bit for bit torch 2.13's on x86:
    bilinear and bicubic, antialias or not, align_corners or not, up and down)."""
    from ..creation import from_numpy
    ref = interpolate(input.float(), size, scale_factor, mode, align_corners,
                      recompute_scale_factor, antialias)
    scales = None
    if size is None and not recompute_scale_factor:
        sf = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) \
            else (scale_factor,) * 2
        scales = tuple(float(f) for f in sf)
    out = resize_uint8(np.asarray(input._buf), tuple(ref.shape[2:]), mode,
                       bool(align_corners), scales, bool(antialias))
    return from_numpy(out)
