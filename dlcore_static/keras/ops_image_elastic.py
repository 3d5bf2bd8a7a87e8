"""``keras.ops.image.elastic_transform``: Keras 3's elastic deformation on graph tensors.

Keras 3 (its NumPy backend, the tests' reference) draws two fields of N(0, 1) noise of shape
(batch, height, width) one after the other from one generator, scales each by ``sigma``,
blurs each with ``gaussian_blur`` (kernel ``int(6 * sigma) | 1`` square, zero padding) and
samples every channel of image ``b`` at ``(y + alpha * dy[b], x + alpha * dx[b])`` with
``map_coordinates`` (``interpolation`` ``"nearest"``: order 0, ``"bilinear"``: order 1;
``fill_mode``/``fill_value`` as there).

Here the two fields are one ``keras.random.normal`` draw of shape (2, batch, height, width)
(the same stream: NumPy's generator gives the same numbers drawn at once or in two parts), so
an int ``seed`` gives Keras 3's NumPy backend's very field, the same at every run of the graph;
a ``SeedGenerator`` or None draws anew at each run (``keras.random``'s rule).  The sampling is
``map_coordinates``' corner gathers with a batch offset, so the batch may be unknown when the
graph is built (the field then has the run's batch size); height, width and channels must be
known.  Differentiable with respect to the images.

Differences from Keras 3 (documented, not followed): Keras 3's TensorFlow backend draws
``dx`` and ``dy`` with the same seed (equal fields, a diagonal-only warp); the NumPy
backend's independent fields are followed.  Integer images are deformed in float32 and
rounded back (half away from zero) to their dtype; Keras 3's NumPy backend casts the noise to
the integer dtype, its TensorFlow backend refuses them.  A float64 image keeps float64 (Keras
3 converts a float64 array to float32 first), as the other image ops here (``ops_image``); a
float16 one is float32 (the kernel core computes and stores float16 as float32; Keras 3:
float16).  Float32 and integer images keep Keras 3's dtype.
"""

from __future__ import annotations

import numbers
import sys

import numpy as np

from .ops_base import FLOATX, dname, is_float, rank, result_type, t, tf
from .ops_image import gaussian_blur
from .ops_image_warp import _ORDERS, _check_fill, _data_format, _images, _sample, _shape

__all__ = ["elastic_transform"]


def _keras_random():
    """``keras.random`` (imported by the package; looked up, as ``ops`` looks up ``tf``: it
    imports ``ops``, which imports this module)."""
    import importlib
    return sys.modules.get(f"{__package__}.random") or importlib.import_module(
        f"{__package__}.random")


def _number(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"keras.ops.image.elastic_transform: `{name}` must be a number known "
                        f"when the graph is built. Received: {name}={value!r}")
    return float(value)


def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear",
                      fill_mode="reflect", fill_value=0.0, seed=None, data_format=None):
    """Keras 3's ``keras.ops.image.elastic_transform`` (see the module docstring)."""
    krandom = _keras_random()
    fmt = _data_format(data_format)
    if interpolation not in _ORDERS:
        raise ValueError("Invalid value for argument `interpolation`. Expected of one "
                         f"{set(_ORDERS)}. Received: interpolation={interpolation}")
    _check_fill(fill_mode)
    x = _images(images)
    alpha, sigma = _number("alpha", alpha), _number("sigma", sigma)
    if sigma <= 0:
        raise ValueError(f"keras.ops.image.elastic_transform: `sigma` must be positive. "
                         f"Received: sigma={sigma}")
    tfm = tf()
    in_dtype = dname(x)
    compute = in_dtype if is_float(x) else FLOATX
    compute = result_type(compute, "float32") if compute == "float16" else compute
    single = rank(x) == 3
    xs = t(tfm.expand_dims(x, 0) if single else x, compute)
    if fmt == "channels_first":
        xs = tfm.transpose(xs, [0, 2, 3, 1])
    b, h, w, c = _shape(xs)
    if None in (h, w, c):
        raise ValueError(f"keras.ops.image.elastic_transform: the images' height, width and "
                         f"channels must be known when the graph is built, got {_shape(x)}")
    alpha_c = float(np.asarray(alpha, compute))
    sigma_c = float(np.asarray(sigma, compute))
    k = int(6 * sigma_c) | 1
    batch = tfm.shape(xs)[0] if b is None else b
    noise = krandom.normal([2, batch, h, w], dtype=compute, seed=seed) * sigma_c
    fields = gaussian_blur(tfm.reshape(noise, [-1, h, w, 1]), kernel_size=(k, k),
                           sigma=(sigma_c, sigma_c), data_format="channels_last")
    dx, dy = tfm.unstack(tfm.reshape(fields, [2, -1, h, w]), 2, axis=0)
    gy, gx = (tfm.constant(a.astype(compute)[None]) for a in
              np.meshgrid(np.arange(h), np.arange(w), indexing="ij"))
    y_in, x_in = gy + alpha_c * dy, gx + alpha_c * dx
    lead = (tfm.reshape(tfm.range(tfm.shape(xs)[0]) * (h * w), [-1, 1, 1]) if b is None else
            tfm.constant((np.arange(b) * h * w).astype(np.int32).reshape(b, 1, 1)))
    out = _sample(tfm.reshape(xs, [-1, c]), [h, w], [y_in, x_in], _ORDERS[interpolation],
                  fill_mode, fill_value, lead=lead)
    if fmt == "channels_first":
        out = tfm.transpose(out, [0, 3, 1, 2])
    if single:
        out = tfm.squeeze(out, [0])
    if not is_float(x):
        out = tfm.sign(out) * tfm.floor(tfm.abs(out) + 0.5)
    return t(out, in_dtype)
