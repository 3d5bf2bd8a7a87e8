"""``tf.image`` colour and geometry adjustments: ``adjust_brightness``/``random_brightness``,
``adjust_contrast``/``random_contrast``, ``rot90`` and ``transpose_image`` (TensorFlow 1.15's
computations, composites of dlcore ops; the random ones draw their factor per run).

    brightness:  convert to float32 (TF's scaling), + delta, convert back (saturating)
    contrast:    per image and channel, (x - mean over h, w) * factor + mean, in float32
                 (float16/float32 images as they are), converted back (saturating)
    rot90:       k quarter turns counter-clockwise of (h, w): reverse w and swap h, w per turn

These names live in ``tf.image`` (listed in ``tf_namespaces.ALIASES``).
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from ._convert import _args
from .graph import get_default_graph
from .image import _image, _out, convert_image_dtype
from .random_ops import random_uniform

__all__ = ["adjust_brightness", "adjust_contrast", "random_brightness", "random_contrast",
           "rot90", "transpose_image"]


def adjust_brightness(image, delta):
    """``image + delta`` in float32 (the input's dtype scaled as ``convert_image_dtype``), in
    the image's dtype again.

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.image.adjust_brightness(np.array([[[0.25]]], np.float32), 0.5)
        >>> with tf.Session() as sess:
        ...     sess.run(y).tolist()
        [[[0.75]]]
    """
    g = get_default_graph()
    with g.name_scope("adjust_brightness"):
        x = _args(image)[0]
        dt = x.aval.dtype
        flt = convert_image_dtype(x, np.float32)
        d = _args(delta)[0] if not isinstance(delta, (int, float)) else float(delta)
        if not isinstance(d, float):
            d = _ops.cast(d, np.float32)
        return convert_image_dtype(_ops.add(flt, d), dt, saturate=True)


def random_brightness(image, max_delta, seed=None):
    """:func:`adjust_brightness` by a delta drawn uniformly in [-max_delta, max_delta) on every
    run.

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.image.random_brightness(np.zeros((1, 1, 1), np.float32), 0.1, seed=1)
        >>> with tf.Session() as sess:
        ...     abs(float(sess.run(y)[0, 0, 0])) <= 0.1
        True
    """
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    delta = random_uniform([], -float(max_delta), float(max_delta), seed=seed)
    return adjust_brightness(image, delta)


def adjust_contrast(images, contrast_factor):
    """``(x - mean) * contrast_factor + mean`` with the mean over each image's height and
    width, per channel.

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.image.adjust_contrast(np.array([[[1.0], [3.0]]], np.float32), 2.0)
        >>> with tf.Session() as sess:
        ...     sess.run(y)[0, :, 0].tolist()
        [0.0, 4.0]
    """
    g = get_default_graph()
    with g.name_scope("adjust_contrast"):
        x, batch = _image(images, "adjust_contrast")
        dt = x.aval.dtype
        flt = x if dt in (np.float16, np.float32) else convert_image_dtype(x, np.float32)
        f = _args(contrast_factor)[0] if not isinstance(contrast_factor, (int, float)) else \
            float(contrast_factor)
        if not isinstance(f, float):
            f = _ops.cast(f, flt.aval.dtype)
        mean = _ops.mean(flt, (1, 2), True)
        y = _ops.add(_ops.mul(_ops.sub(flt, mean), f), mean)
        y = y if dt in (np.float16, np.float32) else convert_image_dtype(y, dt, saturate=True)
        return _out(y, batch)


def random_contrast(image, lower, upper, seed=None):
    """:func:`adjust_contrast` by a factor drawn uniformly in [lower, upper) on every run.

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.image.random_contrast(np.ones((2, 2, 1), np.float32), 0.5, 1.5, seed=1)
        >>> with tf.Session() as sess:
        ...     sess.run(y)[:, :, 0].tolist()
        [[1.0, 1.0], [1.0, 1.0]]
    """
    if upper <= lower:
        raise ValueError("upper must be > lower.")
    if lower < 0:
        raise ValueError("lower must be non-negative.")
    return adjust_contrast(image, random_uniform([], float(lower), float(upper), seed=seed))


def rot90(image, k=1, name=None):
    """The image(s) turned ``k`` quarter turns counter-clockwise (``np.rot90`` on h, w).

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.image.rot90(np.array([[1, 2], [3, 4]]).reshape(2, 2, 1))
        >>> with tf.Session() as sess:
        ...     sess.run(y)[:, :, 0].tolist()
        [[2, 4], [1, 3]]
    """
    if not isinstance(k, (int, np.integer)):
        raise NotImplementedError("tf.image.rot90: k must be a Python int here (a tensor k "
                                  "is not supported)")
    g = get_default_graph()
    with g.name_scope(name or "rot90"):
        x, batch = _image(image, "rot90")
        for _ in range(int(k) % 4):
            x = _ops.transpose(_ops.getitem(x, (slice(None), slice(None), slice(None, None, -1))),
                               (0, 2, 1, 3))
        return _out(x, batch)


def transpose_image(image):
    """Height and width swapped.

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.image.transpose_image(np.arange(2).reshape(1, 2, 1))
        >>> with tf.Session() as sess:
        ...     sess.run(y)[:, :, 0].tolist()
        [[0], [1]]
    """
    x, batch = _image(image, "transpose_image")
    return _out(_ops.transpose(x, (0, 2, 1, 3)), batch)
