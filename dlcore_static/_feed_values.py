"""A Session's feeds: the values fed converted to their tensors' dtypes and checked
(``Session.run``, ``_direct_run``; kept out of session.py for its size)."""

from __future__ import annotations

import numpy as np

from dlcore.device import CPU, is_cuda_array, to_device

from . import dtypes as _dtypes
from .graph import Operation, Tensor


def _check_feeds(fed, vals) -> None:
    for t, v in zip(fed, vals):
        # shape=None (unknown rank) takes any array: see frontend.StaticFrontend.apply;
        # a value of the tensor's very (known) shape is compatible (no TensorShape built)
        if t.aval.shape != v.shape and not t.shape.is_compatible_with(v.shape):
            raise ValueError(f"Cannot feed value of shape {v.shape!r} for Tensor "
                             f"{t.name!r}, which has shape {str(t.shape)!r}")
        if t.op.attrs.get("unfeedable") or _in_loop_body(t.op):
            raise ValueError(f"Tensor {t.name} may not be fed.")


def _in_loop_body(op: Operation) -> bool:
    c = op.control_flow_context
    while c is not None:
        if c.kind == "while_loop body":
            return True
        c = c.parent
    return False


_PY_SCALARS = frozenset({int, float, bool})
_INT_BOUNDS: dict = {}


def _int_bounds(dt) -> tuple[int, int]:
    """``(min, max)`` of integer dtype ``dt`` (``np.iinfo`` builds an object per call)."""
    got = _INT_BOUNDS.get(dt)
    if got is None:
        info = np.iinfo(dt)
        got = _INT_BOUNDS[dt] = (int(info.min), int(info.max))
    return got


def _convert_feed_value(v, t: Tensor, key):
    dt = t.aval.dtype
    if type(v) is int and dt.kind in "iu":
        # a Python int for an integer tensor (a loop depth, a step count): the common case,
        # before the checks below that a plain int never needs (3.1 -> 1.7 us a feed)
        lo, hi = _int_bounds(dt)
        if lo <= v <= hi:
            return np.array(v, dt)
    if isinstance(v, Tensor) or hasattr(v, "_as_graph_element"):
        raise TypeError("The value of a feed cannot be a tf.Tensor object. Acceptable feed "
                        "values include Python scalars, strings, lists, numpy ndarrays, or "
                        f"TensorHandles. For reference, the tensor object was {v!r} which was "
                        f"passed to the feed with key {key!r}.")
    dt = t.aval.dtype
    if is_cuda_array(v):
        v = to_device(v, CPU)
    if dt.kind == "O":                 # tf.string: an object array of bytes (text encoded)
        return _dtypes.as_bytes_array(v, f"feed for Tensor {t.name!r}")
    try:
        if type(v) in _PY_SCALARS and dt.kind in "biufc":
            # a Python number (a loop depth, a learning rate, a keep_prob): the same value as
            # below without the array round trips (15.8 -> ~1 us a feed, CPU time)
            if type(v) is int and dt.kind in "iu":
                lo, hi = _int_bounds(dt)
                if v < lo or v > hi:
                    raise OverflowError
            return np.array(v, dt)
        src = np.asarray(v)
        if dt.kind in "iu" and src.dtype.kind in "iu" and src.size:
            lo, hi = _int_bounds(dt)
            if src.min() < lo or src.max() > hi:
                raise OverflowError
        return np.asarray(src, dtype=dt)
    except OverflowError:
        raise TypeError(f"Type of feed value {v!r} with type {type(v)!r} is not compatible with "
                        f"Tensor type {_dtypes.as_dtype(dt)!r}. Try explicitly setting the type "
                        "of the feed tensor to a larger type (e.g. int64).") from None
    except (TypeError, ValueError) as e:       # TF1 keeps the class: object() -> TypeError
        raise type(e)(f"Cannot convert the value fed for Tensor {t.name!r} to "
                      f"{dt.name}: {e}") from None
