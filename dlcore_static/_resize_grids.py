"""The sampling grids of ``tf.image.resize_*`` (bilinear weights, nearest indices, TF 1.15's
``align_corners``/``half_pixel_centers`` rules), and the resize of an image whose height or
width is known only when the graph runs (a decoded file: ``decode_image``/``decode_png`` give
``[?, ?, C]``, which TF 1.15's ``resize_images`` accepts).

With both sizes known, ``image.py`` builds the resize from graph ops (two matmuls with
constant weight matrices, or gathers), so it is differentiable and compiled with the rest.
Otherwise a ``ResizeImages`` host node computes the same grids from the run's sizes with NumPy
(bilinear, bicubic and area in float32, Keras' float64 kept; nearest keeps the dtype); it has no
gradient.
"""

from __future__ import annotations

import numpy as np

from . import host_ops as _host


def _scale(n_in: int, n_out: int, align_corners: bool) -> float:
    if align_corners and n_out > 1:
        return (n_in - 1) / (n_out - 1)
    return n_in / n_out


def _bilinear_matrix(n_in, n_out, align_corners, half_pixel) -> np.ndarray:
    s = _scale(n_in, n_out, align_corners)
    dst = np.arange(n_out, dtype=np.float64)
    src = (dst + 0.5) * s - 0.5 if half_pixel else dst * s
    lo = np.floor(src)
    lam = src - lo
    i0 = np.clip(lo.astype(np.int64), 0, n_in - 1)
    i1 = np.clip(lo.astype(np.int64) + 1, 0, n_in - 1)
    a = np.zeros((n_out, n_in))
    np.add.at(a, (np.arange(n_out), i0), 1.0 - lam)
    np.add.at(a, (np.arange(n_out), i1), lam)
    return a


def _cubic_table(a: float) -> np.ndarray:
    """TF 1.15's ``InitCoeffsTable``: the cubic kernel at ``i / 1024`` (column 0) and
    ``1 + i / 1024`` (column 1), in float32."""
    x = np.arange(1025, dtype=np.float64) / 1024
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    x1 = x + 1.0
    far = ((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a
    return np.stack([near, far], 1).astype(np.float32)


def _bicubic_matrix(n_in, n_out, align_corners, half_pixel) -> np.ndarray:
    """TF 1.15's ResizeBicubic weights (``GetWeightsAndIndices``): the source position in
    float32, its fraction rounded to 1/1024 for the table, four taps at ``floor - 1 ..
    floor + 2`` clamped to the image (the legacy kernel, a = -0.75); with
    ``half_pixel_centers`` Keys' a = -0.5, taps outside the image weigh 0 and the four are
    renormalised."""
    s = np.float32(_scale(n_in, n_out, align_corners))
    dst = np.arange(n_out, dtype=np.float32)
    src = (dst + np.float32(0.5)) * s - np.float32(0.5) if half_pixel else dst * s
    lo = np.floor(src).astype(np.int64)
    off = np.rint((src - lo) * np.float32(1024)).astype(np.int64)
    tab = _cubic_table(-0.5 if half_pixel else -0.75)
    taps = [lo - 1, lo, lo + 1, lo + 2]
    w = np.stack([tab[off, 1], tab[off, 0], tab[1024 - off, 0], tab[1024 - off, 1]], 1)
    idx = np.stack([np.clip(t, 0, n_in - 1) for t in taps], 1)
    if half_pixel:
        w = np.where(idx == np.stack(taps, 1), w, np.float32(0))
        total = w.sum(1, keepdims=True)
        w = np.where(np.abs(total) >= 1000 * np.finfo(np.float32).tiny, w / total, w)
    a = np.zeros((n_out, n_in))
    for k in range(4):
        np.add.at(a, (np.arange(n_out), idx[:, k]), w[:, k])
    return a


def _area_matrix(n_in, n_out, align_corners, half_pixel) -> np.ndarray:
    """TF 1.15's ResizeArea weights (``resize_area_op.cc``; no ``half_pixel_centers``): output
    ``y`` averages the input cells under ``[y s, (y + 1) s)`` (``s`` the float32 scale), each
    by its overlap (partial cells at either end), indices past the image clamped to its last
    row; the sum is divided by ``s`` (the kernel's ``1 / (height_scale * width_scale)``)."""
    s = np.float32(_scale(n_in, n_out, align_corners))
    a = np.zeros((n_out, n_in))
    for y in range(n_out):
        lo, hi = np.float32(y) * s, np.float32(y + 1) * s
        for i in range(int(np.floor(lo)), int(np.ceil(hi))):
            if i < lo:
                w = s if i + 1 > hi else np.float32(i + 1) - lo
            else:
                w = hi - np.float32(i) if i + 1 > hi else np.float32(1)
            a[y, min(i, n_in - 1)] += w
    return a / s


def _weights(kind: str):
    return _bicubic_matrix if kind == "bicubic" else _area_matrix if kind == "area" else \
        _bilinear_matrix


def _nearest_index(n_in, n_out, align_corners, half_pixel) -> np.ndarray:
    s = _scale(n_in, n_out, align_corners)
    dst = np.arange(n_out, dtype=np.float64)
    if half_pixel:
        src = np.floor((dst + 0.5) * s)
    elif align_corners:
        src = np.floor(dst * s + 0.5)                # roundf: halves away from zero
    else:
        src = np.floor(dst * s)
    return np.minimum(src.astype(np.int64), n_in - 1)


def _resize_images(x: np.ndarray, *, oh: int, ow: int, kind: str, align_corners: bool,
                   half_pixel: bool, out: str) -> np.ndarray:
    _, h, w, _ = x.shape
    if h == 0 or w == 0:
        raise ValueError(f"input image must be of non-zero size, got height {h} width {w}")
    if kind == "nearest":
        y = np.take(x, _nearest_index(h, oh, align_corners, half_pixel), axis=1)
        return np.take(y, _nearest_index(w, ow, align_corners, half_pixel), axis=2)
    dt = np.dtype(out)
    ah = _weights(kind)(h, oh, align_corners, half_pixel).astype(dt)
    aw = _weights(kind)(w, ow, align_corners, half_pixel).astype(dt)
    t = np.matmul(ah, x.astype(dt).transpose(0, 3, 1, 2))           # (b, c, oh, w)
    return np.ascontiguousarray(np.matmul(t, aw.T).transpose(0, 2, 3, 1))


_host.register("ResizeImages", _resize_images)


def resize_at_run_time(x, oh: int, ow: int, kind: str, align_corners: bool, half_pixel: bool,
                       float_out: bool | str):
    """The ``ResizeImages`` node of the 4-D tensor ``x`` to ``(oh, ow)``."""
    src = x.aval.dtype
    if kind == "nearest":
        out = src
    else:
        out = np.dtype(np.float64) if src == np.float64 and float_out is True else \
            np.dtype(np.float32)
    b, _, _, c = x.aval.shape
    return _host.host_op("ResizeImages", [x], [((b, oh, ow, c), out)],
                         {"oh": int(oh), "ow": int(ow), "kind": kind,
                          "align_corners": bool(align_corners), "half_pixel": bool(half_pixel),
                          "out": out.name}, name="ResizeImages").outputs[0]
