"""``tf.signal``'s window functions, as TensorFlow 1.15: ``hann_window`` and ``hamming_window``
(raised-cosine windows ``a - b cos(2 pi n / N)``, with ``N = window_length`` when ``periodic``
and ``window_length - 1`` otherwise; a window of length 1 is ``[1.]``).  The window is a
constant of the graph, computed in float64 and cast to ``dtype``; ``window_length`` must be
known when the graph is built (a Python int or a constant tensor), as for ``tf.image``'s sizes.
"""

from __future__ import annotations

import numpy as np

from . import dtypes as _dtypes
from .frontend import constant, constant_value

__all__ = ["hamming_window", "hann_window"]


def _raised_cosine(op: str, window_length, periodic, dtype, a: float, b: float, name):
    dtype = _dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"dtype must be a floating point type. Found {dtype}")
    n = constant_value(window_length)
    if n is None:
        raise ValueError(f"tf.signal.{op}: window_length must be known when the graph is "
                         "built (a Python int or a constant tensor)")
    if np.ndim(n) != 0:
        raise ValueError(f"Shape must be rank 0 but is rank {np.ndim(n)} for "
                         f"'{op}/window_length'")
    n = int(n)
    if n < 0:
        raise ValueError(f"tf.signal.{op}: window_length must be non-negative, got {n}")
    periodic_v = constant_value(periodic)
    if periodic_v is None:
        raise ValueError(f"tf.signal.{op}: periodic must be known when the graph is built")
    if n == 1:
        w = np.ones(1)
    else:
        denom = n if bool(periodic_v) else n - 1
        w = a - b * np.cos(2.0 * np.pi * np.arange(n, dtype=np.float64) / max(denom, 1))
    return constant(w.astype(dtype.as_numpy_dtype), name=name or op)


def hann_window(window_length, periodic=True, dtype=_dtypes.float32, name=None):
    """``0.5 - 0.5 cos(2 pi n / N)``."""
    return _raised_cosine("hann_window", window_length, periodic, dtype, 0.5, 0.5, name)


def hamming_window(window_length, periodic=True, dtype=_dtypes.float32, name=None):
    """``0.54 - 0.46 cos(2 pi n / N)``."""
    return _raised_cosine("hamming_window", window_length, periodic, dtype, 0.54, 0.46, name)
