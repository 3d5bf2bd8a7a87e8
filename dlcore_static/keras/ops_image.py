"""``keras.ops.image``: Keras 3's image operations on graph tensors, built from the static
engine's ops (so each is differentiable where its maths is: resize, the transforms and
``map_coordinates`` through their interpolation weights, the colour conversions through
their formulas).  Values follow Keras 3's NumPy backend (the reference of the tests):

- ``resize``: JAX's ``scale_and_translate`` (half-pixel centres; a kernel matrix per resized
  axis, built in NumPy when the graph is built and applied by ``tensordot``): ``"bilinear"``,
  ``"bicubic"`` (Keys), ``"lanczos3"``/``"lanczos5"``, ``antialias`` widening the kernel when
  downscaling; ``"nearest"`` gathers ``floor((i + 0.5) * in / out)``.  Integer images are
  rounded and clipped to their own range.  ``crop_to_aspect_ratio``/``pad_to_aspect_ratio``
  as Keras 3.  ``scale_and_translate`` is the same machinery with a given scale/translation.
- ``map_coordinates(inputs, coordinates, order)``: order 0 (the nearest index, a half
  rounded up as SciPy; TF's kernel rounds half to even) or 1 (linear in every axis);
  ``fill_mode`` ``constant`` (a corner outside gives ``fill_value``), ``nearest``, ``wrap``, ``mirror`` (d c b | a b c d | c b a) and ``reflect``
  (c b a | a b c d | d c b), corner indices fixed per axis as JAX does; one gather per corner.
- ``affine_transform``: each output pixel ``(x, y)`` reads the input at
  ``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)``, ``k = c0 x + c1 y + 1`` (TF's
  ImageProjectiveTransformV3; Keras 3's NumPy backend ignores ``c0, c1``, equal when they are
  0); ``perspective_transform`` solves the 8 homography coefficients (``linalg.solve``) and
  samples the same way with a constant fill.
- ``rgb_to_grayscale`` (weights 0.2989, 0.5870, 0.1140), ``rgb_to_hsv``/``hsv_to_rgb``
  (dm_pix's formulas), ``crop_images``/``pad_images`` (Keras 3's argument checks and words),
  ``extract_patches`` (2-D, or 3-D for a ``size`` of length 3, and ``extract_patches_3d``): a
  convolution with an identity kernel, ``gaussian_blur`` (a depthwise convolution after zero
  padding), ``sobel_edges`` (SciPy's Sobel with its ``reflect`` border; ``(..., C, 2)``: d/dy,
  d/dx), ``ssim`` (Keras 3's Gaussian-window formula).

``elastic_transform`` lives in ``ops_image_elastic`` (random displacement fields drawn as
Keras 3's NumPy backend draws them).

Differences from Keras 3 (documented, not followed): a float64 input keeps float64 (Keras 3's
``result_type(float64, float)`` is float32) in ``rgb_to_grayscale``, ``rgb_to_hsv``,
``gaussian_blur``, ``affine_transform``, ``map_coordinates``, ``ssim`` and
``scale_and_translate``; float16 is computed in float32.  ``resize``, ``ssim`` and the
transforms need a static height and width (a clear ValueError names the op), the batch may
be unknown; ``pad_images``/``crop_images`` need them only to derive a side from a target.
"""

from __future__ import annotations

import numbers
import sys

import numpy as np

from .ops_base import FLOATX, dname, is_float, rank, result_type, t, tf
from .ops_image_warp import (
    _data_format,
    _images,
    _shape,
    affine_transform,
    map_coordinates,
    perspective_transform,
)

__all__ = ["affine_transform", "crop_images", "extract_patches", "extract_patches_3d",
           "gaussian_blur", "hsv_to_rgb", "map_coordinates", "pad_images",
           "perspective_transform", "resize", "rgb_to_grayscale", "rgb_to_hsv",
           "scale_and_translate", "sobel_edges", "ssim"]

_RESIZE = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")
_SCALE_METHODS = {"linear": "linear", "bilinear": "linear", "trilinear": "linear",
                  "cubic": "cubic", "bicubic": "cubic", "tricubic": "cubic",
                  "lanczos3": "lanczos3", "lanczos5": "lanczos5"}


def _float_images(images):
    x = _images(images)
    if not is_float(x):
        raise ValueError(f"Invalid images dtype: expected float dtype. Received: "
                         f"images.dtype={dname(x)}")
    return x


# --------------------------------------------------------------------------- colour
def rgb_to_grayscale(images, data_format=None):
    x = _images(images)
    ch = -1 if _data_format(data_format) == "channels_last" else -3
    if _shape(x)[ch] not in (1, 3):
        raise ValueError("Invalid channel size: expected 3 (RGB) or 1 (Grayscale). "
                         f"Received input with shape: images.shape={_shape(x)}")
    if _shape(x)[ch] == 1:
        return tf().identity(x)
    compute = result_type(dname(x), FLOATX) if not is_float(x) else dname(x)
    w = np.array([0.2989, 0.5870, 0.1140], compute).reshape((3,) + (1,) * (-ch - 1))
    gray = tf().reduce_sum(t(x, compute) * tf().constant(w), axis=ch, keepdims=True)
    return t(gray, dname(x))


def _split3(x, ch):
    return [tf().squeeze(p, [ch]) for p in tf().split(x, 3, axis=ch)]


def rgb_to_hsv(images, data_format=None):
    x = _float_images(images)
    ch = -1 if _data_format(data_format) == "channels_last" else -3
    tfm = tf()
    eps = float(np.finfo(np.dtype(dname(x))).eps)
    zeros = tfm.zeros_like(x)
    x = tfm.where(tfm.less(tfm.abs(x), eps), zeros, x)
    r, g, b = _split3(x, ch)
    value = tfm.maximum(tfm.maximum(r, g), b)
    rng = value - tfm.minimum(tfm.minimum(r, g), b)
    zero, one = tfm.zeros_like(value), tfm.ones_like(value)
    safe_value = tfm.where(tfm.greater(value, 0), value, one)
    safe_range = tfm.where(tfm.greater(rng, 0), rng, one)
    saturation = tfm.where(tfm.greater(value, 0), rng / safe_value, zero)
    norm = 1.0 / (6.0 * safe_range)
    hue = tfm.where(tfm.equal(value, g), norm * (b - r) + 2.0 / 6.0,
                    norm * (r - g) + 4.0 / 6.0)
    hue = tfm.where(tfm.equal(value, r), norm * (g - b), hue)
    hue = tfm.where(tfm.greater(rng, 0), hue, zero) + tfm.cast(tfm.less(hue, 0), hue.dtype)
    return tfm.stack([hue, saturation, value], axis=ch)


def hsv_to_rgb(images, data_format=None):
    x = _float_images(images)
    ch = -1 if _data_format(data_format) == "channels_last" else -3
    tfm = tf()
    h, s, v = _split3(x, ch)
    dh = tfm.floormod(h, tfm.ones_like(h)) * 6.0
    dr = tfm.clip_by_value(tfm.abs(dh - 3.0) - 1.0, 0.0, 1.0)
    dg = tfm.clip_by_value(2.0 - tfm.abs(dh - 2.0), 0.0, 1.0)
    db = tfm.clip_by_value(2.0 - tfm.abs(dh - 4.0), 0.0, 1.0)
    one_minus_s = 1.0 - s
    return tfm.stack([v * (one_minus_s + s * d) for d in (dr, dg, db)], axis=ch)


# --------------------------------------------------------------------------- resize
def _triangle(x):
    return np.maximum(0, 1 - np.abs(x))


def _keys_cubic(x):
    out = ((1.5 * x - 2.5) * x) * x + 1.0
    out = np.where(x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, out)
    return np.where(x >= 2.0, 0.0, out)


def _lanczos(radius, x):
    y = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(x > 1e-3, np.divide(y, np.where(x != 0, np.pi ** 2 * x ** 2, 1)), 1)
    return np.where(x > radius, 0.0, out)


_KERNELS = {"linear": _triangle, "bilinear": _triangle, "cubic": _keys_cubic,
            "bicubic": _keys_cubic, "lanczos3": lambda x: _lanczos(3.0, x),
            "lanczos5": lambda x: _lanczos(5.0, x)}


def _weight_matrix(n_in, n_out, scale, translation, kernel, antialias, dtype):
    """JAX's ``compute_weight_mat``: an ``(n_in, n_out)`` matrix, column j the kernel weights
    of output sample j, normalised, zero where the sample falls outside the input."""
    ct = np.result_type(np.asarray(scale).dtype, np.asarray(translation).dtype)
    if ct.kind != "f":
        ct = np.dtype("float64")
    inv = 1.0 / np.asarray(scale, ct)
    kscale = np.maximum(inv, 1.0) if antialias else 1.0
    sample = (np.arange(n_out, dtype=ct) + 0.5) * inv - np.asarray(translation, ct) * inv - 0.5
    w = kernel(np.abs(sample[None, :] - np.arange(n_in, dtype=ct)[:, None]) / kscale)
    total = np.sum(w, axis=0, keepdims=True)
    w = np.where(np.abs(total) > 1000.0 * np.finfo(np.float32).eps,
                 np.divide(w, np.where(total != 0, total, 1)), 0)
    inside = np.logical_and(sample >= -0.5, sample <= n_in - 0.5)[None, :]
    return np.where(inside, w, 0).astype(dtype)


def _scale_translate(x, out_shape, dims, scales, translations, kernel, antialias):
    tfm = tf()
    if not dims:
        return x
    shape = _shape(x)
    ints = not is_float(x)
    out = t(x, FLOATX) if ints else x
    nd = len(shape)
    for d, s, tr in zip(dims, scales, translations):
        d = d % nd
        if shape[d] is None:
            raise ValueError(f"keras.ops.image: the size of axis {d} must be known when the "
                             f"graph is built, got images of shape {shape}")
        w = _weight_matrix(shape[d], int(out_shape[d]), s, tr, kernel, antialias, dname(out))
        out = tfm.tensordot(out, tfm.constant(w), [[d], [0]])
        perm = list(range(d)) + [nd - 1] + list(range(d, nd - 1))
        out = tfm.transpose(out, perm)
    if ints:
        lo, hi = (tfm.cast(f(x), FLOATX) for f in (tfm.reduce_min, tfm.reduce_max))
        out = tfm.cast(tfm.clip_by_value(tfm.round(out), lo, hi), dname(x))
    return out


def _resize_nearest(x, out_shape):
    shape = _shape(x)
    for d, (m, n) in enumerate(zip(shape, out_shape)):
        if m != n:
            idx = np.floor((np.arange(n, dtype=np.float32) + 0.5) * m / n).astype(np.int32)
            x = tf().gather(x, idx, axis=d)
    return x


def _hw(shape, fmt):
    return (shape[-3], shape[-2]) if fmt == "channels_last" else (shape[-2], shape[-1])


def _crop_hw(x, fmt, top, height, left, width):
    sl = [slice(None)] * rank(x)
    hd = rank(x) - (3 if fmt == "channels_last" else 2)
    sl[hd], sl[hd + 1] = slice(top, top + height), slice(left, left + width)
    return x[tuple(sl)]


def _pad_aspect(x, fmt, th, tw, fill_value):
    h, w = _hw(_shape(x), fmt)
    ph = max(h, int(float(w * th) / tw))
    pw = max(w, int(float(h * tw) / th))
    hs, ws = int(float(ph - h) / 2), int(float(pw - w) / 2)
    hd = rank(x) - (3 if fmt == "channels_last" else 2)
    pads = [[0, 0]] * rank(x)
    if hs > 0:
        pads[hd] = [hs, hs]
    elif ws > 0:
        pads[hd + 1] = [ws, ws]
    else:
        return x
    return tf().pad(x, pads, constant_values=fill_value)


def resize(images, size, interpolation="bilinear", antialias=False,
           crop_to_aspect_ratio=False, pad_to_aspect_ratio=False, fill_mode="constant",
           fill_value=0.0, data_format=None):
    fmt = _data_format(data_format)
    if interpolation not in _RESIZE:
        raise ValueError("Invalid value for argument `interpolation`. Expected of one "
                         f"{_RESIZE}. Received: interpolation={interpolation}")
    if fill_mode != "constant":
        raise ValueError("Invalid value for argument `fill_mode`. Only `'constant'` is "
                         f"supported. Received: fill_mode={fill_mode}")
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be "
                         "`True`.")
    if len(size) != 2:
        raise ValueError("Argument `size` must be a tuple of two elements (height, width). "
                         f"Received: size={size}")
    x = _images(images)
    th, tw = (int(v) for v in size)
    h, w = _hw(_shape(x), fmt)
    if None in (h, w):
        raise ValueError(f"keras.ops.image.resize: the height and width must be known when "
                         f"the graph is built, got images of shape {_shape(x)}")
    if crop_to_aspect_ratio:
        ch = max(min(h, int(float(w * th) / tw)), 1)
        cw = max(min(w, int(float(h * tw) / th)), 1)
        x = _crop_hw(x, fmt, int(float(h - ch) / 2), ch, int(float(w - cw) / 2), cw)
    elif pad_to_aspect_ratio:
        x = _pad_aspect(x, fmt, th, tw, fill_value)
    shape = list(_shape(x))
    hd = len(shape) - (3 if fmt == "channels_last" else 2)
    out_shape = list(shape)
    out_shape[hd], out_shape[hd + 1] = th, tw
    if interpolation == "nearest":
        return _resize_nearest(x, out_shape)
    dims = [d for d in (hd, hd + 1) if shape[d] != out_shape[d]]
    scales = [out_shape[d] / shape[d] if shape[d] != 0 else 1.0 for d in dims]
    return _scale_translate(x, out_shape, dims, scales, [0.0] * len(dims),
                            _KERNELS[interpolation], antialias)


def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    if method not in _SCALE_METHODS:
        raise ValueError("Invalid value for argument `method`. Expected of one "
                         f"{set(_SCALE_METHODS)}. Received: method={method}")
    x = t(images)
    scale, translation = np.asarray(scale), np.asarray(translation)
    if hasattr(scale, "op") or hasattr(translation, "op"):
        raise ValueError("keras.ops.image.scale_and_translate: scale and translation must be "
                         "known when the graph is built (numbers or NumPy arrays)")
    ct = np.result_type(scale.dtype, translation.dtype)
    return _scale_translate(x, list(output_shape), list(spatial_dims),
                            list(scale.astype(ct).reshape(-1)),
                            list(translation.astype(ct).reshape(-1)),
                            _KERNELS[_SCALE_METHODS[method]], antialias)


# --------------------------------------------------------------------------- crop / pad
def _non_negative(value, name):
    if value is not None and value < 0:
        raise ValueError(f"{name} must be >= 0. Received: {name}={value}")


def _two_of(names, values):
    if list(values).count(None) != 1:
        got = ", ".join(f"{n}={v}" for n, v in zip(names, values))
        raise ValueError(f"Must specify exactly two of {', '.join(names)}. Received: {got}")
    for n, v in zip(names, values):
        _non_negative(v, n)


def _known_for_target(op: str, x, h, w) -> None:
    """A height / width that the padding or cropping arithmetic needs must be static."""
    for what, size in (("height", h), ("width", w)):
        if size is None:
            raise ValueError(f"keras.ops.image.{op}: the images' {what} must be known when "
                             f"the graph is built to compute the {op[:-7]} from "
                             f"a target size or the other side, got images of shape "
                             f"{_shape(x)}; give both sides' amounts instead")


def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    fmt = _data_format(data_format)
    x = _images(images)
    _two_of(("top_padding", "bottom_padding", "target_height"),
            (top_padding, bottom_padding, target_height))
    _two_of(("left_padding", "right_padding", "target_width"),
            (left_padding, right_padding, target_width))
    h, w = _hw(_shape(x), fmt)
    _known_for_target("pad_images", x, h if None in (top_padding, bottom_padding) else 0,
                      w if None in (left_padding, right_padding) else 0)
    if top_padding is None:
        top_padding = target_height - bottom_padding - h
    if bottom_padding is None:
        bottom_padding = target_height - top_padding - h
    if left_padding is None:
        left_padding = target_width - right_padding - w
    if right_padding is None:
        right_padding = target_width - left_padding - w
    for n, v in (("top_padding", top_padding), ("left_padding", left_padding),
                 ("right_padding", right_padding), ("bottom_padding", bottom_padding)):
        _non_negative(v, n)
    pads = [[top_padding, bottom_padding], [left_padding, right_padding]]
    pads = pads + [[0, 0]] if fmt == "channels_last" else [[0, 0]] + pads
    if rank(x) == 4:
        pads = [[0, 0]] + pads
    return tf().pad(x, pads)


def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    fmt = _data_format(data_format)
    x = _images(images)
    _two_of(("top_cropping", "bottom_cropping", "target_height"),
            (top_cropping, bottom_cropping, target_height))
    _two_of(("left_cropping", "right_cropping", "target_width"),
            (left_cropping, right_cropping, target_width))
    h, w = _hw(_shape(x), fmt)
    _known_for_target("crop_images", x,
                      h if None in (top_cropping, target_height) else 0,
                      w if None in (left_cropping, target_width) else 0)
    if top_cropping is None:
        top_cropping = h - target_height - bottom_cropping
    if target_height is None:
        target_height = h - bottom_cropping - top_cropping
    if left_cropping is None:
        left_cropping = w - target_width - right_cropping
    if target_width is None:
        target_width = w - right_cropping - left_cropping
    for n, v in (("top_cropping", top_cropping), ("target_height", target_height),
                 ("left_cropping", left_cropping), ("target_width", target_width)):
        _non_negative(v, n)
    for what, lo, n, size in (("height", top_cropping, target_height, h),
                              ("width", left_cropping, target_width, w)):
        if size is not None and lo + n > size:
            raise ValueError(f"keras.ops.image.crop_images: the crop ({lo} + {n}) exceeds the "
                             f"images' {what} {size} (images.shape={_shape(x)})")
    return _crop_hw(x, fmt, top_cropping, target_height, left_cropping, target_width)


# --------------------------------------------------------------------------- patches, filters
def _patches(x, size, strides, dilation_rate, padding, fmt, nd):
    conv = sys.modules[__package__ + ".ops"].conv           # (keras.ops.conv)
    size = (size,) * nd if isinstance(size, numbers.Integral) else tuple(size)
    if not strides:
        strides = size
    chans = _shape(x)[-1] if fmt == "channels_last" else _shape(x)[-nd - 1]
    out_dim = int(np.prod(size)) * chans
    in_dtype = np.dtype(dname(x))
    # an integer or bool image: the identity convolution in float64 (exact below 2**53), cast
    # back (Keras 3 gives the patches in the images' dtype)
    work = in_dtype if in_dtype.kind in "fc" else np.dtype(np.float64)
    kernel = np.eye(out_dim, dtype=work).reshape(size + (chans, out_dim))
    single = rank(x) == nd + 1
    if single:
        x = tf().expand_dims(x, 0)
    if work != in_dtype:
        x = tf().cast(x, work)
    out = conv(x, tf().constant(kernel), strides=strides, padding=padding,
               data_format=fmt, dilation_rate=dilation_rate)
    if work != in_dtype:
        out = tf().cast(out, in_dtype)
    return tf().squeeze(out, [0]) if single else out


def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None):
    if not isinstance(size, numbers.Integral) and len(size) == 3:
        return extract_patches_3d(images, size, strides, dilation_rate, padding, data_format)
    if not isinstance(size, numbers.Integral) and len(size) != 2:
        raise TypeError("Invalid `size` argument. Expected an int or a tuple of length 2. "
                        f"Received: size={size}")
    return _patches(_images(images), size, strides, dilation_rate, padding,
                    _data_format(data_format), 2)


def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid",
                       data_format=None):
    if not isinstance(size, numbers.Integral) and len(size) != 3:
        raise TypeError("Invalid `size` argument. Expected an int or a tuple of length 3. "
                        f"Received: size={size}")
    if strides is None:
        strides = size
    if isinstance(strides, numbers.Integral):
        strides = (strides,) * 3
    if len(strides) != 3:
        raise ValueError(f"Invalid `strides` argument. Got: {strides}")
    x = t(volumes)
    if rank(x) not in (4, 5):
        raise ValueError("Invalid volumes rank: expected rank 4 (single volume) or rank 5 "
                         f"(batch of volumes). Received: volumes.shape={_shape(x)}")
    return _patches(x, size, strides, dilation_rate, padding, _data_format(data_format), 3)


def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    fmt = _data_format(data_format)
    x = _images(images)
    if hasattr(sigma, "op") or (isinstance(sigma, (list, tuple)) and
                                any(hasattr(s, "op") for s in sigma)):
        raise ValueError("keras.ops.image.gaussian_blur: sigma must be known when the graph "
                         "is built (numbers)")
    in_dtype = dname(x)
    compute = result_type(in_dtype, "float32")
    ks = np.asarray(kernel_size, compute)
    sg = np.broadcast_to(np.asarray(sigma, compute), (2,))

    def k1d(size, s):
        r = np.arange(size, dtype=compute) - (size - 1) / 2
        k = np.exp(-0.5 * (r / s) ** 2)
        return k / np.sum(k)
    kernel = np.outer(k1d(ks[1], sg[1]), k1d(ks[0], sg[0])).astype(compute)
    kh, kw = kernel.shape
    tfm = tf()
    single = rank(x) == 3
    xs = t(tfm.expand_dims(x, 0) if single else x, compute)
    if fmt == "channels_first":
        xs = tfm.transpose(xs, [0, 2, 3, 1])
    c = _shape(xs)[-1]
    pads = [[0, 0], [(kh - 1) // 2, kh - 1 - (kh - 1) // 2],
            [(kw - 1) // 2, kw - 1 - (kw - 1) // 2], [0, 0]]
    filt = np.tile(kernel[:, :, None, None], (1, 1, c, 1))
    out = tfm.nn.depthwise_conv2d(tfm.pad(xs, pads), tfm.constant(filt), [1, 1, 1, 1],
                                  "VALID")
    if fmt == "channels_first":
        out = tfm.transpose(out, [0, 3, 1, 2])
    if single:
        out = tfm.squeeze(out, [0])
    return t(out, in_dtype)


def sobel_edges(images, data_format=None):
    fmt = _data_format(data_format)
    x = t(images)
    if rank(x) != 4:
        raise ValueError("keras.ops.image.sobel_edges: expected a batch of images of rank 4, "
                         f"got shape {_shape(x)}")
    tfm = tf()
    if fmt == "channels_first":
        x = tfm.transpose(x, [0, 2, 3, 1])
    p = tfm.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="SYMMETRIC")

    def smooth(z, axis):
        a = [slice(None)] * 4
        lo, mid, hi = list(a), list(a), list(a)
        lo[axis], mid[axis], hi[axis] = slice(None, -2), slice(1, -1), slice(2, None)
        return z[tuple(lo)] + 2 * z[tuple(mid)] + z[tuple(hi)]
    dy = smooth(p[:, 2:] - p[:, :-2], 2)
    dx = smooth(p[:, :, 2:] - p[:, :, :-2], 1)
    out = tfm.stack([dy, dx], axis=-1)
    if fmt == "channels_first":
        out = tfm.transpose(out, [0, 3, 1, 2, 4])
    return out


def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format=None):
    """Keras 3's structural similarity: Gaussian-weighted local means, variances and
    covariance (valid convolutions of each channel), averaged over pixels and channels."""
    fmt = _data_format(data_format)
    tfm = tf()
    a, b = t(image1), t(image2)
    for name, v in (("image1", a), ("image2", b)):
        if rank(v) not in (3, 4):
            raise ValueError(f"Invalid {name} rank: expected rank 3 (single image) or rank 4 "
                             f"(batch of images). Received input with shape: "
                             f"{name}.shape={_shape(v)}")
    out_dtype = dname(a)
    compute = result_type(dname(a), "float32") if not is_float(a) else dname(a)
    a, b = t(a, compute), t(b, compute)
    single = rank(a) == 3
    if single:
        a, b = tfm.expand_dims(a, 0), tfm.expand_dims(b, 0)
    if fmt == "channels_first":
        a, b = tfm.transpose(a, [0, 2, 3, 1]), tfm.transpose(b, [0, 2, 3, 1])
    _, h, w, c = _shape(a)
    if None in (h, w, c):
        raise ValueError(f"keras.ops.image.ssim: the images' height, width and channels must "
                         f"be known when the graph is built, got image1 of shape "
                         f"{_shape(t(image1))}")
    r = np.arange(filter_size, dtype=compute) - (filter_size - 1) / 2.0
    g = np.exp(-(r ** 2) / (2.0 * filter_sigma ** 2))
    g = g / np.sum(g)
    kern = tfm.constant(np.outer(g, g).astype(compute).reshape(filter_size, filter_size, 1, 1))
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    a = tfm.reshape(tfm.transpose(a, [0, 3, 1, 2]), [-1, h, w, 1])
    b = tfm.reshape(tfm.transpose(b, [0, 3, 1, 2]), [-1, h, w, 1])

    def blur(z):
        return tfm.nn.conv2d(z, kern, [1, 1, 1, 1], "VALID")
    mu1, mu2 = blur(a), blur(b)
    s1 = blur(a * a) - mu1 * mu1
    s2 = blur(b * b) - mu2 * mu2
    s12 = blur(a * b) - mu1 * mu2
    val = ((2.0 * mu1 * mu2 + c1) * (2.0 * s12 + c2)) / (
        (mu1 * mu1 + mu2 * mu2 + c1) * (s1 + s2 + c2))
    per = tfm.reduce_mean(tfm.reshape(tfm.reduce_mean(val, axis=[1, 2, 3]), [-1, c]), -1)
    return t(tfm.squeeze(per, [0]) if single else per, out_dtype)

