"""``tf.image`` colour spaces, colour adjustments and image measures (TensorFlow 1.15's
computations, composites of dlcore ops, so the differentiable ones have gradients):

    rgb_to_hsv      v = max(r,g,b), s = (v - min) / v (0 where v = 0), h from the channel
                    holding the maximum (r, then g, then b), / 6, wrapped into [0, 1)
    hsv_to_rgb      the inverse (h in [0, 1))
    adjust_saturation / adjust_hue / random_saturation / random_hue:  through HSV, s * factor
                    clipped to [0, 1], h + delta wrapped; in float32, back to the dtype
    adjust_gamma    gain * x^gamma (integer images scaled to [0, 1] and back)
    rgb_to_yuv / yuv_to_rgb   TensorFlow's 3x3 matrices
    total_variation sum |x[i+1, j] - x[i, j]| + sum |x[i, j+1] - x[i, j]| per image
    psnr            20 log10(max_val) - 10 log10(mean((a - b)^2)) per image
    image_gradients (dy, dx): forward differences, 0 in the last row / column
    sobel_edges     the 3x3 Sobel responses (dy, dx) with reflect padding, stacked last
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from ._convert import _args
from .graph import get_default_graph
from .image import _image, _out, convert_image_dtype
from .random_ops import random_uniform

__all__ = ["adjust_gamma", "adjust_hue", "adjust_saturation", "hsv_to_rgb", "image_gradients",
           "psnr", "random_hue", "random_saturation", "rgb_to_hsv", "rgb_to_yuv",
           "sobel_edges", "total_variation", "yuv_to_rgb"]


def _channels(x, op):
    if x.aval.ndim == 0 or x.aval.shape[-1] != 3:
        raise ValueError(f"{op}: the last dimension of images must be 3 (RGB), got shape "
                         f"{x.shape}")
    return [_ops.getitem(x, (Ellipsis, i)) for i in range(3)]


def _float(x, op):
    if x.aval.dtype.kind not in "f":
        raise TypeError(f"{op}: images must be float16, float32 or float64, got "
                        f"{x.aval.dtype}")
    return x


def rgb_to_hsv(images, name=None):
    """RGB in [0, 1] (floats) to HSV in [0, 1]."""
    with get_default_graph().name_scope(name or "rgb_to_hsv"):
        x = _float(_args(images)[0], "rgb_to_hsv")
        r, g, b = _channels(x, "rgb_to_hsv")
        v = _ops.maximum(_ops.maximum(r, g), b)
        chroma = _ops.sub(v, _ops.minimum(_ops.minimum(r, g), b))
        zero = _ops.zeros_like(v)
        s = _ops.where(_ops.greater(v, 0.0), _ops.div(chroma, _ops.where(
            _ops.greater(v, 0.0), v, _ops.full_like(v, 1))), zero)
        safe = _ops.where(_ops.greater(chroma, 0.0), chroma, _ops.full_like(v, 1))
        h = _ops.where(_ops.equal(r, v), _ops.div(_ops.sub(g, b), safe),
                       _ops.where(_ops.equal(g, v), _ops.add(_ops.div(_ops.sub(b, r), safe), 2.0),
                                  _ops.add(_ops.div(_ops.sub(r, g), safe), 4.0)))
        h = _ops.div(_ops.where(_ops.greater(chroma, 0.0), h, zero), 6.0)
        h = _ops.where(_ops.less(h, 0.0), _ops.add(h, 1.0), h)
        return _ops.stack([h, s, v], -1)


def hsv_to_rgb(images, name=None):
    """HSV in [0, 1] to RGB: ``c = s v``, sector ``h * 6``, ``x = c (1 - |h6 mod 2 - 1|)``."""
    with get_default_graph().name_scope(name or "hsv_to_rgb"):
        x = _float(_args(images)[0], "hsv_to_rgb")
        h, s, v = _channels(x, "hsv_to_rgb")
        c = _ops.mul(s, v)
        m = _ops.sub(v, c)
        dh = _ops.mul(h, 6.0)
        fmod = _ops.sub(dh, _ops.mul(_ops.floor(_ops.div(dh, 2.0)), 2.0))
        xx = _ops.mul(c, _ops.sub(1.0, _ops.abs(_ops.sub(fmod, 1.0))))
        sector = _ops.floor(dh)
        zero = _ops.zeros_like(c)
        # (r, g, b) before adding m, for the sectors 0..5 (h = 1 is sector 6, as sector 0)
        table = [(c, xx, zero), (xx, c, zero), (zero, c, xx), (zero, xx, c), (xx, zero, c),
                 (c, zero, xx)]
        out = []
        for ch in range(3):
            val = table[0][ch]
            for k in range(1, 6):
                val = _ops.where(_ops.equal(sector, float(k)), table[k][ch], val)
            out.append(_ops.add(val, m))
        return _ops.stack(out, -1)


def _via_hsv(image, op, fn):
    g = get_default_graph()
    with g.name_scope(op):
        x = _args(image)[0]
        dt = x.aval.dtype
        f = convert_image_dtype(x, np.float32)
        h, s, v = [_ops.getitem(rgb_to_hsv(f), (Ellipsis, i)) for i in range(3)]
        h, s = fn(h, s)
        return convert_image_dtype(hsv_to_rgb(_ops.stack([h, s, v], -1)), dt, saturate=True)


def _scalar(v):
    return float(v) if isinstance(v, (int, float)) else _ops.cast(_args(v)[0], np.float32)


def adjust_saturation(image, saturation_factor, name=None):
    """Saturation scaled by ``saturation_factor`` (clipped to [0, 1]) through HSV."""
    f = _scalar(saturation_factor)
    return _via_hsv(image, name or "adjust_saturation", lambda h, s: (
        h, _ops.minimum(_ops.maximum(_ops.mul(s, f), 0.0), 1.0)))


def adjust_hue(image, delta, name=None):
    """Hue rotated by ``delta`` (a fraction of the colour circle, in [-1, 1])."""
    d = _scalar(delta)

    def rot(h, s):
        h = _ops.add(h, d)
        return _ops.sub(h, _ops.floor(h)), s        # wrapped into [0, 1)
    return _via_hsv(image, name or "adjust_hue", rot)


def random_saturation(image, lower, upper, seed=None):
    """:func:`adjust_saturation` by a factor drawn in ``[lower, upper)`` on every run."""
    if upper <= lower:
        raise ValueError("upper must be > lower.")
    if lower < 0:
        raise ValueError("lower must be non-negative.")
    return adjust_saturation(image, random_uniform([], float(lower), float(upper), seed=seed))


def random_hue(image, max_delta, seed=None):
    """:func:`adjust_hue` by a delta drawn in ``[-max_delta, max_delta)`` on every run."""
    if max_delta > 0.5:
        raise ValueError("max_delta must be <= 0.5.")
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    return adjust_hue(image, random_uniform([], -float(max_delta), float(max_delta),
                                            seed=seed))


def adjust_gamma(image, gamma=1, gain=1):
    """``gain * image ** gamma`` (an integer image as its [0, 1] scale, then back)."""
    if isinstance(gamma, (int, float)) and gamma < 0:
        raise ValueError("Gamma should be a non-negative real number.")
    with get_default_graph().name_scope("adjust_gamma"):
        x = _args(image)[0]
        dt = x.aval.dtype
        f = convert_image_dtype(x, np.float32) if dt.kind in "iu" else x
        y = _ops.mul(_ops.pow(f, _scalar(gamma)), _scalar(gain))
        return convert_image_dtype(y, dt, saturate=True) if dt.kind in "iu" else y


_YUV = np.array([[0.299, -0.14714119, 0.61497538], [0.587, -0.28886916, -0.51496512],
                 [0.114, 0.43601035, -0.10001026]])
_RGB = np.array([[1, 1, 1], [0, -0.394642334, 2.03206185], [1.13988303, -0.58062185, 0]])


def _matrix(images, k, op):
    x = _float(_args(images)[0], op)
    _channels(x, op)
    from .array_api import tensordot
    from .frontend import constant
    return tensordot(x, constant(k.astype(x.aval.dtype)), [[x.aval.ndim - 1], [0]])


def rgb_to_yuv(images):
    """RGB to YUV by TensorFlow's matrix (last axis)."""
    return _matrix(images, _YUV, "rgb_to_yuv")


def yuv_to_rgb(images):
    """YUV to RGB by TensorFlow's matrix (last axis)."""
    return _matrix(images, _RGB, "yuv_to_rgb")


def total_variation(images, name=None):
    """The sum of absolute differences of neighbouring pixels: a scalar for one image, one
    value per image for a batch."""
    with get_default_graph().name_scope(name or "total_variation"):
        x, batch = _image(images, "total_variation")
        dy = _ops.abs(_ops.sub(_ops.getitem(x, (slice(None), slice(1, None))),
                               _ops.getitem(x, (slice(None), slice(None, -1)))))
        dx = _ops.abs(_ops.sub(_ops.getitem(x, (slice(None), slice(None), slice(1, None))),
                               _ops.getitem(x, (slice(None), slice(None), slice(None, -1)))))
        tv = _ops.add(_ops.sum(dy, (1, 2, 3)), _ops.sum(dx, (1, 2, 3)))
        return tv if batch else _ops.reshape(tv, ())


def psnr(a, b, max_val, name=None):
    """Peak signal-to-noise ratio of each image pair (float32): ``20 log10(max_val) -
    10 log10(mse)`` over the last three axes."""
    with get_default_graph().name_scope(name or "PSNR"):
        x, y = _args(a, b)
        if tuple(x.aval.shape[-3:]) != tuple(y.aval.shape[-3:]):
            raise ValueError(f"Shapes {x.shape} and {y.shape} are incompatible")
        mv = float(max_val)
        if x.aval.dtype.kind in "iu":     # (integer images: max_val on their own scale)
            mv /= float(np.iinfo(x.aval.dtype).max)
        x, y = convert_image_dtype(x, np.float32), convert_image_dtype(y, np.float32)
        mse = _ops.mean(_ops.square(_ops.sub(x, y)), (-3, -2, -1))
        return _ops.sub(20.0 * np.log(mv) / np.log(10.0),
                        _ops.mul(_ops.log(mse), 10.0 / np.log(10.0)))


def image_gradients(image):
    """``(dy, dx)`` of a batch (4-D): forward differences, zero in the last row/column."""
    x = _args(image)[0]
    if x.aval.ndim != 4:
        raise ValueError(f"image_gradients expects a 4D tensor [batch_size, h, w, d], not "
                         f"{x.shape}.")
    dy = _ops.sub(_ops.getitem(x, (slice(None), slice(1, None))),
                  _ops.getitem(x, (slice(None), slice(None, -1))))
    dx = _ops.sub(_ops.getitem(x, (slice(None), slice(None), slice(1, None))),
                  _ops.getitem(x, (slice(None), slice(None), slice(None, -1))))
    dy = _ops.concatenate([dy, _ops.zeros_like(_ops.getitem(x, (slice(None), slice(0, 1))))],
                          1)
    dx = _ops.concatenate([dx, _ops.zeros_like(_ops.getitem(
        x, (slice(None), slice(None), slice(0, 1))))], 2)
    return dy, dx


def sobel_edges(image):
    """The Sobel responses ``[..., (dy, dx)]`` of a 4-D batch (reflect padding), shape
    ``(b, h, w, d, 2)``."""
    x = _args(image)[0]
    if x.aval.ndim != 4:
        raise ValueError(f"sobel_edges expects a 4D tensor, got {x.shape}")
    x = x if x.aval.dtype.kind == "f" else _ops.cast(x, np.float32)
    h, w = x.aval.shape[1], x.aval.shape[2]

    def reflect(v, axis, n):
        idx = [slice(None)] * 4
        first, last = list(idx), list(idx)
        first[axis], last[axis] = slice(1, 2), slice(n - 2, n - 1)
        return _ops.concatenate([_ops.getitem(v, tuple(first)), v,
                                 _ops.getitem(v, tuple(last))], axis)
    p = reflect(reflect(x, 1, h), 2, w)
    ky = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], np.float64)
    outs = []
    for k in (ky, ky.T):
        acc = None
        for i in range(3):
            for j in range(3):
                if k[i, j]:
                    t = _ops.mul(_ops.getitem(p, (slice(None), slice(i, i + h),
                                                  slice(j, j + w))), float(k[i, j]))
                    acc = t if acc is None else _ops.add(acc, t)
        outs.append(acc)
    return _ops.stack(outs, -1)


def install(image_module) -> None:
    """Bind the names under ``tf.image`` (never over an existing one)."""
    for n in __all__:
        if not hasattr(image_module, n):
            setattr(image_module, n, globals()[n])
    _ = _out
