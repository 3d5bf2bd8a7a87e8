"""Shapes known only when the graph runs (``tf.zeros((tf.shape(x)[0], 1))``, ``tf.fill(dims,
v)`` with a dims tensor): the test for such a shape and the host fill node that makes one.
Shared by ``array_ops`` (zeros, ones), ``array_api`` (tile, fill), ``array_nd`` (scatter_nd)
and ``random_ops``."""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from . import dtypes as _dtypes
from .frontend import constant
from .graph import Tensor
from .host_ops import host_op
from .host_ops import register as register_host_op


def _run_time_shape(shape) -> bool:
    """True when ``shape`` is a tensor or holds one (``tf.ones((tf.shape(x)[0], 1))``)."""
    if isinstance(shape, Tensor):
        return True
    return isinstance(shape, (list, tuple)) and any(isinstance(d, Tensor) for d in shape)


def _fill_impl(dims, *, value, dtype):
    dims = [int(d) for d in np.asarray(dims).reshape(-1)]
    if any(d < 0 for d in dims):
        raise ValueError(f"Fill dimensions must be >= 0, got {dims}")
    return np.full(tuple(dims), value, dtype=dtype)


register_host_op("RuntimeFill", _fill_impl)


def _fill_at_run_time(shape, value, dtype, name: str) -> Tensor:
    """``value`` in a shape known only when the graph runs (a shape tensor, or a list mixing
    ints and scalar tensors): a host node, with no gradient, as TensorFlow's ``Fill`` has
    none for its dims."""
    if isinstance(shape, Tensor):
        dims = _ops.cast(shape, np.dtype(np.int64))
        n = shape.aval.shape[0] if shape.aval.ndim == 1 else None
        static = None if n is None else (None,) * n
    else:
        parts = [_ops.reshape(_ops.cast(d, np.dtype(np.int64)), ()) if isinstance(d, Tensor)
                 else constant(np.int64(d)) for d in shape]
        dims = _ops.stack(parts, 0)
        static = tuple(None if isinstance(d, Tensor) else int(d) for d in shape)
    dt = _dtypes.as_np(dtype)
    op = host_op("RuntimeFill", [dims], [(static or (), dt)], {"value": value, "dtype": dt},
                 name, unknown_rank=static is None)
    return op.outputs[0]
