"""``tf.image``: resizing, flipping, cropping and padding, standardisation and dtype/colour
conversion of NHWC images (a batch (b, h, w, c) or one image (h, w, c)), as TensorFlow 1.15.

Every function is a composite of dlcore ops, so gradients flow where TensorFlow's do:

    resize (bilinear):   y = A_h x A_w^T per image and channel; A holds TF1's interpolation
                         weights (source = dst * scale, scale = in/out, or (in-1)/(out-1) with
                         align_corners; half_pixel_centers: (dst + 0.5) * scale - 0.5)
    resize (nearest):    a ``take`` of rows then columns (floor(dst * scale); round with
                         align_corners), any dtype
    flips:               reversed slices; the random flips draw one uniform per image per run
                         and ``where`` between the image and its mirror
    crops and pads:      slices and ``pad``; ``random_crop`` draws the offsets per run and
                         ``take``\\ s the window along each axis
    per_image_standardization:  (x - mean) / max(stddev, 1/sqrt(N)) over each image
    convert_image_dtype: TensorFlow's scaling (ints <-> floats in [0, 1], ints by powers of two)

Height, width and channels must be known when the graph is built (the batch may be unknown);
the target size must be Python ints (or a constant).  Bilinear, bicubic and area resizing are
TF 1.15's kernels as constant weight matrices (``_resize_grids``).
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.dtypes import is_floating

from . import dtypes as _dtypes
from ._convert import _args
from ._resize_grids import _nearest_index, _weights, resize_at_run_time
from .array_api import pad, reverse
from .frontend import constant
from .graph import Tensor, TensorShape, get_default_graph
from .random_ops import random_uniform, random_uniform_like

__all__ = [
    "ResizeMethod",
    "central_crop",
    "convert_image_dtype",
    "crop_to_bounding_box",
    "flip_left_right",
    "flip_up_down",
    "grayscale_to_rgb",
    "pad_to_bounding_box",
    "per_image_standardization",
    "random_crop",
    "random_flip_left_right",
    "random_flip_up_down",
    "resize",
    "resize_area",
    "resize_bicubic",
    "resize_bilinear",
    "resize_image_with_crop_or_pad",
    "resize_images",
    "resize_nearest_neighbor",
    "rgb_to_grayscale",
]


class ResizeMethod:
    """TensorFlow 1's resize methods (``tf.image.ResizeMethod.BILINEAR`` ...)."""

    BILINEAR = 0
    NEAREST_NEIGHBOR = 1
    BICUBIC = 2
    AREA = 3


_METHODS = {0: "bilinear", 1: "nearest", 2: "bicubic", 3: "area", "bilinear": "bilinear",
            "nearest": "nearest", "bicubic": "bicubic", "area": "area"}


# ----------------------------------------------------------------------------- helpers
def _image(images, op: str, min_rank: int = 3, dynamic: bool = False) -> tuple[Tensor, bool]:
    """The 4-D batch of ``images`` and whether the input was a batch (``dynamic``: its height,
    width and channels may be unknown)."""
    x = _args(images)[0]
    nd = x.aval.ndim
    if x.op.attrs.get("unknown_rank") or nd not in (3, 4) or nd < min_rank:
        want = "'image' must be either 3 or 4-dimensional." if min_rank == 3 else \
            "'image' must be 4-dimensional."
        shape = "<unknown>" if x.op.attrs.get("unknown_rank") else str(TensorShape(
            x.aval.shape))
        raise ValueError(f"{want} (got shape {shape} in {op})")
    if not dynamic and any(d is None for d in x.aval.shape[-3:]):
        raise ValueError(f"{op}: height, width and channels of {x.name} (shape {x.shape}) must "
                         "be known when the graph is built")
    return (x, True) if nd == 4 else (_ops.expand_dims(x, 0), False)


def _out(y, batch: bool):
    return y if batch else _ops.squeeze(y, (0,))


def _size(size, op: str) -> tuple[int, int]:
    if isinstance(size, Tensor) or hasattr(size, "_as_graph_element"):
        t = _args(size)[0]
        if t.op.type != "Const":
            raise NotImplementedError(f"{op}: size must be known when the graph is built (a "
                                      "list of two ints or a constant)")
        size = t.op.attrs["value"]
    s = [int(v) for v in np.asarray(size).reshape(-1)]
    if len(s) != 2:
        raise ValueError("'size' must be a 1-D Tensor of 2 elements: new_height, new_width")
    if s[0] <= 0 or s[1] <= 0:
        raise ValueError(f"'size' must be positive, got {s}")
    return s[0], s[1]


def _take_axis(x, idx, axis: int):
    """``x`` indexed by ``idx`` (a constant or int64 tensor) along ``axis``."""
    nd = x.aval.ndim
    perm = (axis,) + tuple(d for d in range(nd) if d != axis)
    inv = tuple(int(i) for i in np.argsort(perm))
    i = constant(idx) if isinstance(idx, np.ndarray) else idx
    return _ops.transpose(_ops.take(_ops.transpose(x, perm), i), inv)


def _resize(images, size, method, align_corners, half_pixel, op, float_out):
    """``float_out``: False: the dtype kept (nearest); "float32": TF 1.15's ResizeBilinear
    (float32 for any input); True: float32, float64 kept (Keras' Resizing)."""
    g = get_default_graph()
    kind = _METHODS.get(method)
    if kind is None:
        raise ValueError(f"Resize method is not implemented: {method}")
    if align_corners and half_pixel:
        raise ValueError("If half_pixel_centers is True, align_corners must be False.")
    if op == "resize_images":               # TF 1.15's _resize_images_common checks
        t = _args(images)[0]
        if t.op.attrs.get("unknown_rank"):  # (a decode_image result)
            raise ValueError("'images' contains no shape.")
        if t.aval.ndim not in (3, 4):
            raise ValueError("'images' must have either 3 or 4 dimensions.")
    with g.name_scope(op):
        x, batch = _image(images, op, dynamic=True)
        oh, ow = _size(size, op)
        _, h, w, _ = x.aval.shape
        if h is None or w is None:          # (a decoded image: sized when the graph runs)
            return _out(resize_at_run_time(x, oh, ow, kind, align_corners, half_pixel,
                                           float_out), batch)
        if kind == "nearest":
            y = x
            if oh != h:
                y = _take_axis(y, _nearest_index(h, oh, align_corners, half_pixel), 1)
            if ow != w:
                y = _take_axis(y, _nearest_index(w, ow, align_corners, half_pixel), 2)
        else:
            # TF 1.15's ResizeBilinear gives float32 for any input (float_out "float32");
            # Keras' Resizing keeps float64 (float_out True)
            keep = float_out is True and x.aval.dtype == np.float64
            xf = x if keep or x.aval.dtype == np.float32 else _ops.cast(x, np.float32)
            if not is_floating(xf.aval.dtype):
                xf = _ops.cast(xf, np.float32)
            dt = xf.aval.dtype
            grid = _weights(kind)                   # (bilinear, bicubic: _resize_grids)
            ah = constant(grid(h, oh, align_corners, half_pixel).astype(dt))
            aw = constant(grid(w, ow, align_corners, half_pixel).T.astype(dt))
            t = _ops.transpose(xf, (0, 3, 1, 2))                    # (b, c, h, w)
            t = _ops.matmul(_ops.matmul(ah, t), aw)                 # (b, c, oh, ow)
            y = _ops.transpose(t, (0, 2, 3, 1))
        return _out(y, batch)


def resize_images(images, size, method=ResizeMethod.BILINEAR, align_corners=False,
                  preserve_aspect_ratio=False, name=None):
    """``images`` resized to ``size`` = (new_height, new_width) with ``method`` (BILINEAR,
    NEAREST_NEIGHBOR); bilinear returns float32 for any input dtype (TF 1.15's
    ResizeBilinear), nearest keeps the dtype; an image already of that size (known when
    built) is returned as it is, its dtype kept (TF 1.15's ``skip_resize_if_same``).
    ``align_corners`` aligns the corner pixels' centres, as in TensorFlow 1.

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> img = np.arange(4.0).reshape(1, 2, 2, 1)
        >>> y = tf.image.resize_images(img, [3, 3], align_corners=True)
        >>> with tf.Session() as sess:
        ...     sess.run(y)[0, :, :, 0].tolist()
        [[0.0, 0.5, 1.0], [1.0, 1.5, 2.0], [2.0, 2.5, 3.0]]
    """
    if preserve_aspect_ratio:
        x = _args(images)[0]
        h, w = x.aval.shape[-3], x.aval.shape[-2]
        oh, ow = _size(size, "resize_images")
        f = min(oh / h, ow / w)
        size = (max(round(h * f), 1), max(round(w * f), 1))
    x = _args(images)[0]
    if x.aval.ndim in (3, 4) and not x.op.attrs.get("unknown_rank") and \
            _METHODS.get(method) is not None:
        h, w = x.aval.shape[-3], x.aval.shape[-2]
        if h is not None and w is not None and (h, w) == _size(size, "resize_images"):
            return x
    return _resize(x, size, method, align_corners, False, name or "resize_images", "float32")


resize = resize_images


def resize_bilinear(images, size, align_corners=False, name=None, half_pixel_centers=False):
    """Bilinear resizing of a 4-D batch to ``size`` (float32 out, for any input dtype).

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.image.resize_bilinear(np.array([[[[0.0], [2.0]]]]), [1, 4])
        >>> with tf.Session() as sess:
        ...     sess.run(y)[0, 0, :, 0].tolist()
        [0.0, 1.0, 2.0, 2.0]
    """
    _image(images, "ResizeBilinear", 4, dynamic=True)
    return _resize(images, size, 0, align_corners, half_pixel_centers,
                   name or "ResizeBilinear", "float32")


def resize_bicubic(images, size, align_corners=False, name=None, half_pixel_centers=False):
    """Bicubic resizing of a 4-D batch to ``size`` (float32 out, for any input dtype): TF
    1.15's kernel (a = -0.75, edge taps repeated; Keys' a = -0.5 with half_pixel_centers)."""
    _image(images, "ResizeBicubic", 4, dynamic=True)
    return _resize(images, size, 2, align_corners, half_pixel_centers,
                   name or "ResizeBicubic", "float32")


def resize_area(images, size, align_corners=False, name=None):
    """Area resizing of a 4-D batch to ``size`` (float32 out, for any input dtype): TF 1.15's
    ResizeArea, each output pixel the overlap-weighted mean of the input pixels under it
    (``_resize_grids._area_matrix``)."""
    _image(images, "ResizeArea", 4, dynamic=True)
    return _resize(images, size, 3, align_corners, False, name or "ResizeArea", "float32")


def resize_nearest_neighbor(images, size, align_corners=False, name=None,
                            half_pixel_centers=False):
    """Nearest-neighbour resizing of a 4-D batch to ``size`` (the dtype is kept).

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.image.resize_nearest_neighbor(np.array([[[[1], [2]]]]), [1, 4])
        >>> with tf.Session() as sess:
        ...     sess.run(y)[0, 0, :, 0].tolist()
        [1, 1, 2, 2]
    """
    _image(images, "ResizeNearestNeighbor", 4, dynamic=True)
    return _resize(images, size, 1, align_corners, half_pixel_centers,
                   name or "ResizeNearestNeighbor", False)


# ----------------------------------------------------------------------------- flips
def flip_left_right(image):
    """The image(s) mirrored along the width.

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.image.flip_left_right(np.arange(4).reshape(1, 4, 1))
        >>> with tf.Session() as sess:
        ...     sess.run(y)[0, :, 0].tolist()
        [3, 2, 1, 0]
    """
    x, batch = _image(image, "flip_left_right")
    return _out(reverse(x, [2], name="flip_left_right"), batch)


def flip_up_down(image):
    """The image(s) mirrored along the height.

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.image.flip_up_down(np.arange(3).reshape(3, 1, 1))
        >>> with tf.Session() as sess:
        ...     sess.run(y)[:, 0, 0].tolist()
        [2, 1, 0]
    """
    x, batch = _image(image, "flip_up_down")
    return _out(reverse(x, [1], name="flip_up_down"), batch)


def _random_flip(image, seed, axis: int, op: str):
    g = get_default_graph()
    with g.name_scope(op):
        x, batch = _image(image, op)
        if batch:                               # one coin per image of the batch
            u = random_uniform_like(_ops.getitem(_ops.cast(x, np.float32), (
                slice(None), slice(0, 1), slice(0, 1), slice(0, 1))), seed=seed)
        else:
            u = random_uniform([1, 1, 1, 1], seed=seed)
        return _out(_ops.where(_ops.less(u, 0.5), reverse(x, [axis]), x), batch)


def random_flip_left_right(image, seed=None):
    """Each image mirrored along the width with probability 1/2, drawn anew on every run.

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.image.random_flip_left_right(np.arange(3).reshape(1, 3, 1), seed=1)
        >>> with tf.Session() as sess:
        ...     sess.run(y)[0, :, 0].tolist() in ([0, 1, 2], [2, 1, 0])
        True
    """
    return _random_flip(image, seed, 2, "random_flip_left_right")


def random_flip_up_down(image, seed=None):
    """Each image mirrored along the height with probability 1/2, drawn anew on every run.

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.image.random_flip_up_down(np.arange(2).reshape(2, 1, 1), seed=1)
        >>> with tf.Session() as sess:
        ...     sess.run(y)[:, 0, 0].tolist() in ([0, 1], [1, 0])
        True
    """
    return _random_flip(image, seed, 1, "random_flip_up_down")


# ----------------------------------------------------------------------------- crops, pads
def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """The window of ``target_height`` x ``target_width`` pixels at (offset_height,
    offset_width).

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.image.crop_to_bounding_box(np.arange(9).reshape(3, 3, 1), 1, 0, 2, 2)
        >>> with tf.Session() as sess:
        ...     sess.run(y)[:, :, 0].tolist()
        [[3, 4], [6, 7]]
    """
    x, batch = _image(image, "crop_to_bounding_box")
    _, h, w, _ = x.aval.shape
    oh, ow, th, tw = (int(v) for v in (offset_height, offset_width, target_height,
                                       target_width))
    if oh < 0 or ow < 0:
        raise ValueError("offset_height must be >= 0." if oh < 0 else
                         "offset_width must be >= 0.")
    if th <= 0 or tw <= 0:
        raise ValueError("target_height must be > 0." if th <= 0 else
                         "target_width must be > 0.")
    if oh + th > h or ow + tw > w:
        raise ValueError("height must be >= target + offset." if oh + th > h else
                         "width must be >= target + offset.")
    y = _ops.getitem(x, (slice(None), slice(oh, oh + th), slice(ow, ow + tw), slice(None)))
    return _out(y, batch)


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """``image`` placed at (offset_height, offset_width) in zeros of the target size.

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.image.pad_to_bounding_box(np.ones((1, 1, 1)), 1, 0, 2, 2)
        >>> with tf.Session() as sess:
        ...     sess.run(y)[:, :, 0].tolist()
        [[0.0, 0.0], [1.0, 0.0]]
    """
    x, batch = _image(image, "pad_to_bounding_box")
    _, h, w, _ = x.aval.shape
    oh, ow, th, tw = (int(v) for v in (offset_height, offset_width, target_height,
                                       target_width))
    after_h, after_w = th - oh - h, tw - ow - w
    if oh < 0 or ow < 0:
        raise ValueError("offset_height must be >= 0" if oh < 0 else "offset_width must be >= 0")
    if after_h < 0 or after_w < 0:
        raise ValueError("height must be <= target - offset" if after_h < 0 else
                         "width must be <= target - offset")
    y = pad(x, [[0, 0], [oh, after_h], [ow, after_w], [0, 0]]) if oh or ow or after_h or \
        after_w else x
    return _out(y, batch)


def resize_image_with_crop_or_pad(image, target_height, target_width):
    """Crop (centred) or zero-pad (centred) the image(s) to the target size.

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.image.resize_image_with_crop_or_pad(np.arange(4).reshape(1, 4, 1), 3, 2)
        >>> with tf.Session() as sess:
        ...     sess.run(y)[:, :, 0].tolist()
        [[0, 0], [1, 2], [0, 0]]
    """
    x, batch = _image(image, "resize_image_with_crop_or_pad")
    _, h, w, _ = x.aval.shape
    th, tw = int(target_height), int(target_width)
    if th <= 0 or tw <= 0:
        raise ValueError("target_height must be > 0." if th <= 0 else
                         "target_width must be > 0.")
    wd, hd = tw - w, th - h
    cropped = crop_to_bounding_box(x, max(-hd // 2, 0), max(-wd // 2, 0), min(th, h),
                                   min(tw, w))
    out = pad_to_bounding_box(cropped, max(hd // 2, 0), max(wd // 2, 0), th, tw)
    return _out(out, batch)


resize_with_crop_or_pad = resize_image_with_crop_or_pad


def central_crop(image, central_fraction):
    """The central ``central_fraction`` of the image(s) along height and width (TensorFlow
    1.15's rounding: the border is ``int((size - size * fraction) / 2)`` on each side).

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.image.central_crop(np.arange(16).reshape(4, 4, 1), 0.5)
        >>> with tf.Session() as sess:
        ...     sess.run(y)[:, :, 0].tolist()
        [[5, 6], [9, 10]]
    """
    f = float(central_fraction)
    if f <= 0.0 or f > 1.0:
        raise ValueError("central_fraction must be within (0, 1]")
    x, batch = _image(image, "central_crop")
    if f == 1.0:
        return _out(x, batch)
    _, h, w, _ = x.aval.shape
    sh, sw = int((h - h * f) / 2), int((w - w * f) / 2)
    y = _ops.getitem(x, (slice(None), slice(sh, h - sh), slice(sw, w - sw), slice(None)))
    return _out(y, batch)


def random_crop(value, size, seed=None, name=None):
    """A window of shape ``size`` at a random offset of ``value`` (any rank), drawn anew on
    every run; gradients flow to the window.

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.random_crop(np.arange(10), [3], seed=2)
        >>> with tf.Session() as sess:
        ...     v = sess.run(y).tolist()
        >>> v[1] - v[0], v[2] - v[1]
        (1, 1)
    """
    g = get_default_graph()
    x = _args(value)[0]
    sz = [int(s) for s in np.asarray(size).reshape(-1)]
    nd = x.aval.ndim
    if len(sz) != nd:
        raise ValueError(f"Shapes must be equal rank, but are {nd} and {len(sz)}")
    known = [d for d in x.aval.shape]
    if any(d is not None and s > d for d, s in zip(known, sz)) or any(s < 0 for s in sz):
        raise ValueError(f"Need value.shape >= size, got {list(known)} {sz}")
    with g.name_scope(name or "random_crop"):
        u = random_uniform([nd], seed=seed, dtype=_dtypes.float64)
        y = x
        for d, s in enumerate(sz):
            if known[d] is not None and known[d] == s:
                continue
            dim = _ops.dim_size(x, d)
            limit = float(dim - s + 1) if isinstance(dim, int) else \
                _ops.cast(_ops.add(_ops.sub(dim, s), 1), np.float64)
            off = _ops.cast(_ops.floor(_ops.mul(_ops.getitem(u, (d,)), limit)), np.int64)
            idx = _ops.add(constant(np.arange(s, dtype=np.int64)), off)
            y = _take_axis(y, idx, d)
        return y


# ----------------------------------------------------------------------------- values
def per_image_standardization(image):
    """``(x - mean) / max(stddev, 1 / sqrt(N))`` over each image's N = h * w * c values
    (float32 out).

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.image.per_image_standardization(np.array([[[1.0], [3.0]]]))
        >>> with tf.Session() as sess:
        ...     sess.run(y)[0, :, 0].tolist()
        [-1.0, 1.0]
    """
    g = get_default_graph()
    with g.name_scope("per_image_standardization"):
        x, batch = _image(image, "per_image_standardization")
        xf = _ops.cast(x, np.float32) if x.aval.dtype != np.float32 else x
        n = int(np.prod(xf.aval.shape[1:]))
        mean = _ops.mean(xf, (1, 2, 3), True)
        var = _ops.mean(_ops.square(_ops.sub(xf, mean)), (1, 2, 3), True)
        std = _ops.maximum(_ops.sqrt(var), float(1.0 / np.sqrt(n)))
        return _out(_ops.div(_ops.sub(xf, mean), std), batch)


def _max(dt: np.dtype):
    return np.iinfo(dt).max if dt.kind in "iu" else 1.0


def _cast(x, dtype):
    """tf.cast (uint16/32/64 included: math_ops' host Cast)."""
    from .math_ops import cast
    return cast(x, dtype)


def convert_image_dtype(image, dtype, saturate=False, name=None):
    """``image`` in ``dtype`` with TensorFlow's scaling: integers span [0, MAX], floats
    [0, 1); integer to float multiplies by 1/MAX, float to integer by MAX + 0.5 then truncates
    (clipped first with ``saturate``), integer to integer shifts by the ratio of (MAX + 1)s.
    The scale of the *result* is the declared dtype's (``tf.uint8``: 255; ``tf.uint16``:
    65535); the scale of the input is its tensor's dtype.

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.image.convert_image_dtype(np.array([0, 255], np.uint8), tf.float32)
        >>> with tf.Session() as sess:
        ...     sess.run(y).tolist()
        [0.0, 1.0]
    """
    g = get_default_graph()
    x = _args(image)[0]
    src = x.aval.dtype
    dst = _dtypes.as_dtype(dtype).np          # the declared dtype sets the scale (uint8: 255)
    store = _dtypes.as_np(dtype)              # the dtype it is computed in (float16: float32)
    if not (src.kind in "iu" or is_floating(src)) or not (dst.kind in "iu" or is_floating(dst)):
        raise AttributeError("dtype must be either floating point or integer")
    if src == dst or src == store and dst not in _dtypes.COMPUTE:
        return x
    with g.name_scope(name or "convert_image"):
        if src.kind in "iu" and dst.kind in "iu":
            si, so = int(np.iinfo(src).max), int(np.iinfo(dst).max)
            if si > so:
                return _cast(_ops.floor_divide(x, (si + 1) // (so + 1)), store)
            return _ops.mul(_cast(x, store), (so + 1) // (si + 1))
        if is_floating(src) and is_floating(dst):
            return _cast(x, store)
        if src.kind in "iu":
            return _ops.mul(_cast(x, store), float(1.0 / _max(src)))
        scaled = _ops.mul(x, float(_max(dst)) + 0.5)
        if saturate:
            info = np.iinfo(dst)
            scaled = _ops.minimum(_ops.maximum(scaled, float(info.min)), float(info.max))
        return _cast(scaled, store)


def rgb_to_grayscale(images, name=None):
    """``0.2989 R + 0.5870 G + 0.1140 B`` as one channel (computed in float32, returned in
    the input's dtype with :func:`convert_image_dtype`).

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.image.rgb_to_grayscale(np.array([[[1.0, 1.0, 1.0]]], np.float32))
        >>> with tf.Session() as sess:
        ...     round(float(sess.run(y)[0, 0, 0]), 4)
        0.9999
    """
    g = get_default_graph()
    x = _args(images)[0]
    if x.aval.ndim < 1 or x.aval.shape[-1] != 3:
        raise ValueError(f"rgb_to_grayscale: the last dimension of {x.name} (shape {x.shape}) "
                         "must be 3 (R, G, B)")
    with g.name_scope(name or "rgb_to_grayscale"):
        xf = convert_image_dtype(x, _dtypes.float32)
        w = constant(np.array([0.2989, 0.5870, 0.1140], np.float32))
        gray = _ops.sum(_ops.mul(xf, w), (x.aval.ndim - 1,), True)
        return convert_image_dtype(gray, x.aval.dtype)


def grayscale_to_rgb(images, name=None):
    """The single channel repeated as R, G and B.

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.image.grayscale_to_rgb(np.array([[[2.0]]]))
        >>> with tf.Session() as sess:
        ...     sess.run(y).tolist()
        [[[2.0, 2.0, 2.0]]]
    """
    x = _args(images)[0]
    if x.aval.ndim < 1 or x.aval.shape[-1] != 1:
        raise ValueError(f"grayscale_to_rgb: the last dimension of {x.name} (shape {x.shape}) "
                         "must be 1")
    return _ops.concatenate([x, x, x], x.aval.ndim - 1)
