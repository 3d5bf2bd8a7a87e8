"""``keras.ops.image``'s sampling operations (``map_coordinates``, ``affine_transform``,
``perspective_transform``) on graph tensors, differentiable with respect to the images (and
the coordinates, through the interpolation weights); see ``ops_image`` for the semantics.

Each output point is a weighted sum of gathered corners: one ``gather`` per corner of the
interpolation (1 for order 0, 2**rank for order 1) from the input flattened over its spatial
axes, the index fixed per axis by the fill mode; ``constant`` replaces a corner outside the
input by ``fill_value`` before weighting (as JAX and SciPy's padded evaluation).
"""

from __future__ import annotations

import itertools

import numpy as np

from .ops_base import FLOATX, dname, is_float, rank, result_type, t, tf

__all__ = ["affine_transform", "map_coordinates", "perspective_transform"]

_ORDERS = {"nearest": 0, "bilinear": 1}
_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _data_format(data_format) -> str:
    if data_format is None:
        from ._backend_impl import image_data_format
        return image_data_format()
    fmt = str(data_format).lower()
    if fmt not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={data_format}")
    return fmt


def _shape(x) -> tuple:
    return tuple(x.shape.as_list())


def _images(images, ranks=(3, 4)):
    x = t(images)
    if rank(x) not in ranks:
        raise ValueError("Invalid images rank: expected rank 3 (single image) or rank 4 "
                         "(batch of images). Received input with shape: "
                         f"images.shape={_shape(x)}")
    return x

# --------------------------------------------------------------------------- sampling
def _fix_index(idx, size: int, mode: str):
    """(safe index, valid mask or None) for integer indices along an axis of ``size``."""
    tfm = tf()
    if mode == "constant":
        valid = tfm.logical_and(tfm.greater_equal(idx, 0), tfm.less(idx, size))
        return tfm.clip_by_value(idx, 0, size - 1), valid
    if mode == "nearest":
        return tfm.clip_by_value(idx, 0, size - 1), None
    if mode == "wrap":
        return tfm.floormod(idx, size), None

    def mirror(i, n):
        s = n - 1
        if s == 0:
            return tfm.zeros_like(i)
        return tfm.abs(tfm.floormod(i + s, 2 * s) - s)
    if mode == "mirror":
        return mirror(idx, size), None
    return tfm.floordiv(mirror(2 * idx + 1, 2 * size + 1) - 1, 2), None


def _nodes(coord, order: int):
    """The (integer index, weight) pairs of one axis' interpolation."""
    tfm = tf()
    if order == 0:          # (SciPy's floor(c + 0.5), Keras 3's NumPy backend; TF's: half-even)
        return [(tfm.cast(tfm.floor(coord + 0.5), "int32"), None)]
    lower = tfm.floor(coord)
    upper_w = coord - lower
    idx = tfm.cast(lower, "int32")
    return [(idx, 1.0 - upper_w), (idx + 1, upper_w)]


def _trail(x, n: int):
    """``x`` with ``n`` trailing axes of 1 (a batch of unknown size allowed)."""
    for _ in range(n):
        x = tf().expand_dims(x, -1)
    return x


def _sample(flat, sizes, coords, order, fill_mode, fill_value, lead=None):
    """Interpolate ``flat`` (an array flattened over the axes of ``sizes``, trailing axes
    kept) at ``coords`` (one float tensor per axis, all of one shape); ``lead``: an int index
    tensor added to each flat index (a batch offset)."""
    tfm = tf()
    strides = [int(np.prod(sizes[i + 1:])) for i in range(len(sizes))]
    per_axis = [[(*_fix_index(i, n, fill_mode), w) for i, w in _nodes(c, order)]
                for c, n in zip(coords, sizes)]
    trailing = rank(flat) - 1
    fill = tfm.constant(np.asarray(fill_value, dname(flat)))
    total = None
    for corner in itertools.product(*per_axis):
        index = None
        valid = None
        weight = None
        for (i, ok, w), stride in zip(corner, strides):
            term = i * stride if stride != 1 else i
            index = term if index is None else index + term
            if ok is not None:
                valid = ok if valid is None else tfm.logical_and(valid, ok)
            if w is not None:
                weight = w if weight is None else weight * w
        if lead is not None:
            index = index + lead
        val = tfm.gather(flat, index)
        if valid is not None:
            mask = _trail(valid, trailing)
            val = tfm.where(tfm.logical_and(mask, tfm.ones_like(val, dtype="bool")), val,
                            tfm.zeros_like(val) + fill)
        if weight is not None:
            w = _trail(weight, trailing)
            val = val * t(w, dname(val))
        total = val if total is None else total + val
    return total


def _check_fill(fill_mode, allowed=_FILL_MODES):
    if fill_mode not in allowed:
        raise ValueError("Invalid value for argument `fill_mode`. Expected of one "
                         f"{set(allowed)}. Received: fill_mode={fill_mode}")


def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    x = t(inputs)
    if isinstance(coordinates, (list, tuple)):
        coords = [t(c) for c in coordinates]
    else:
        c = t(coordinates)
        n = _shape(c)[0] if rank(c) else None
        if n != rank(x):
            raise ValueError("First dim of `coordinates` must be the same as the rank of "
                             f"`inputs`. Received inputs with shape: {_shape(x)} and "
                             f"coordinate leading dim of {n}")
        if rank(c) < 2:
            raise ValueError("Invalid coordinates rank: expected at least rank 2. Received "
                             f"input with shape: {_shape(c)}")
        coords = tf().unstack(c, n, axis=0)
    if len(coords) != rank(x):
        raise ValueError("First dim of `coordinates` must be the same as the rank of "
                         f"`inputs`. Received inputs with shape: {_shape(x)} and coordinate "
                         f"leading dim of {len(coords)}")
    _check_fill(fill_mode)
    if order not in (0, 1):
        raise ValueError(f"Invalid value for argument `order`. Expected one of [0, 1]. "
                         f"Received: order={order}")
    sizes = list(_shape(x))
    if None in sizes:
        raise ValueError(f"keras.ops.image.map_coordinates: the input's shape must be known "
                         f"when the graph is built, got {tuple(sizes)}")
    coords = [c if is_float(c) else t(c, FLOATX) for c in coords]
    work = x if is_float(x) else t(x, dname(coords[0]))
    out = _sample(tf().reshape(work, [-1]), sizes, coords, order, fill_mode, fill_value)
    if not is_float(x):
        out = tf().sign(out) * tf().floor(tf().abs(out) + 0.5)     # (half away from zero)
    return t(out, dname(x))


def _projective_sample(x, transform, order, fill_mode, fill_value, fmt):
    """``x`` (3-D or 4-D) sampled at TF's projective map of each output pixel."""
    tfm = tf()
    single = rank(x) == 3
    if single:
        x = tfm.expand_dims(x, 0)
    if fmt == "channels_first":
        x = tfm.transpose(x, [0, 2, 3, 1])
    b, h, w, c = _shape(x)
    if None in (h, w, c):
        raise ValueError(f"keras.ops.image: the images' height, width and channels must be "
                         f"known when the graph is built, got {_shape(x)}")
    in_dtype = dname(x)
    compute = result_type(in_dtype, "float32")
    xs = t(x, compute)
    m = t(transform, compute)
    if rank(m) == 1:
        m = tfm.expand_dims(m, 0)
    if _shape(m)[0] == 1 and b != 1:         # (one transform for each image; b may be None)
        m = tfm.tile(m, tfm.stack([tfm.shape(x)[0], 1]) if b is None else [b, 1])
    gy, gx = (tfm.constant(a.astype(compute)[None]) for a in
              np.meshgrid(np.arange(h), np.arange(w), indexing="ij"))
    col = [tfm.reshape(m[:, i], [-1, 1, 1]) for i in range(8)]
    k = col[6] * gx + col[7] * gy + 1.0
    x_in = (col[0] * gx + col[1] * gy + col[2]) / k
    y_in = (col[3] * gx + col[4] * gy + col[5]) / k
    lead = (tfm.reshape(tfm.range(tfm.shape(x)[0]) * (h * w), [-1, 1, 1]) if b is None else
            tfm.constant((np.arange(b) * h * w).astype(np.int32).reshape(b, 1, 1)))
    out = _sample(tfm.reshape(xs, [-1, c]), [h, w], [y_in, x_in], order, fill_mode,
                  fill_value, lead=lead)
    if fmt == "channels_first":
        out = tfm.transpose(out, [0, 3, 1, 2])
    if single:
        out = tfm.squeeze(out, [0])
    return t(out, in_dtype)


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    fmt = _data_format(data_format)
    if interpolation not in _ORDERS:
        raise ValueError("Invalid value for argument `interpolation`. Expected of one "
                         f"{set(_ORDERS)}. Received: interpolation={interpolation}")
    _check_fill(fill_mode)
    x = _images(images)
    m = t(transform)
    if rank(m) not in (1, 2):
        raise ValueError("Invalid transform rank: expected rank 1 (single transform) or rank "
                         "2 (batch of transforms). Received input with shape: "
                         f"transform.shape={_shape(m)}")
    return _projective_sample(x, m, _ORDERS[interpolation], fill_mode, fill_value, fmt)


def _homography(start, end):
    """The 8 coefficients mapping each output (end) point to its input (start) point, one
    8x8 solve per image (Keras 3's ``compute_homography_matrix``)."""
    tfm = tf()
    rows, target = [], []
    for i in range(4):
        sx, sy, ex, ey = start[:, i, 0], start[:, i, 1], end[:, i, 0], end[:, i, 1]
        z, o = tfm.zeros_like(ex), tfm.ones_like(ex)
        rows.append(tfm.stack([ex, ey, o, z, z, z, -sx * ex, -sx * ey], axis=-1))
        rows.append(tfm.stack([z, z, z, ex, ey, o, -sy * ex, -sy * ey], axis=-1))
        target += [sx, sy]
    a = tfm.stack(rows, axis=1)
    return tfm.reshape(tfm.linalg.solve(a, tfm.expand_dims(tfm.stack(target, -1), -1)),
                       [-1, 8])


def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0, data_format=None):
    fmt = _data_format(data_format)
    if interpolation not in _ORDERS:
        raise ValueError("Invalid value for argument `interpolation`. Expected of one "
                         f"{set(_ORDERS)}. Received: interpolation={interpolation}")
    x = _images(images)
    sp, ep = t(start_points), t(end_points)
    for name, p in (("start_points", sp), ("end_points", ep)):
        if rank(p) not in (2, 3) or _shape(p)[-2:] != (4, 2):
            raise ValueError(f"Invalid {name} shape: expected (4,2) for a single image or "
                             f"(N,4,2) for a batch. Received shape: {_shape(p)}")
    if _shape(sp) != _shape(ep):
        raise ValueError("start_points and end_points must have the same shape. Received "
                         f"start_points.shape={_shape(sp)}, end_points.shape={_shape(ep)}")
    d = result_type(dname(sp), dname(ep), "float32")
    sp, ep = t(sp, d), t(ep, d)
    if rank(sp) == 2:
        sp, ep = tf().expand_dims(sp, 0), tf().expand_dims(ep, 0)
    return _projective_sample(x, _homography(sp, ep), _ORDERS[interpolation], "constant",
                              fill_value, fmt)
