"""TensorFlow 1's ``space_to_batch_nd`` / ``batch_to_space_nd`` (and the 4-D ``space_to_batch``
/ ``batch_to_space`` with one block size), the reshuffles behind atrous convolution, as
compositions of pad, reshape, transpose and slice primitives, so their gradients (each the
other's inverse) come from those primitives' vjps.

``space_to_batch_nd(input, block_shape, paddings)``, ``input`` of shape
``[batch] + spatial_shape + remaining_shape`` (``M = len(block_shape)`` spatial dimensions):

1. the spatial dimensions zero-padded by ``paddings`` (``[M, 2]``, non-negative);
2. reshaped to ``[batch, padded[0] / block[0], block[0], ..., padded[M-1] / block[M-1],
   block[M-1]] + remaining``;
3. permuted to ``block_shape + [batch] + [padded[i] / block[i] ...] + remaining``;
4. the block dimensions folded into the batch: ``[batch * prod(block_shape), ...]``.

``batch_to_space_nd(input, block_shape, crops)`` is its inverse (then ``crops`` cut off).
``block_shape``, ``paddings`` and ``crops`` must be known when the graph is built (Python
values or constants), and so must the spatial dimensions; the batch may be fed.  Errors are
TensorFlow's shape-function words, raised as ``ValueError`` when the graph is built.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from ._convert import _args, _scoped
from .frontend import constant_value
from .graph import Tensor

__all__ = ["batch_to_space", "batch_to_space_nd", "space_to_batch", "space_to_batch_nd"]


def _static(v, what: str, op: str) -> np.ndarray:
    c = constant_value(v) if isinstance(v, Tensor) else v
    if c is None:
        raise NotImplementedError(f"{op}: {what} must be known when the graph is built (a "
                                  "Python value or a constant)")
    a = np.asarray(c)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{op}: {what} must be int32 or int64, got {a.dtype}")
    return a.astype(np.int64)


def _operands(op: str, input, block_shape, pairs, what: str):
    x = _args(input)[0]
    block = _static(block_shape, "block_shape", op)
    pads = _static(pairs, what, op)
    if block.ndim != 1:
        raise ValueError(f"{op}: block_shape must be 1-D, got shape {list(block.shape)}")
    m = block.shape[0]
    if pads.shape != (m, 2):
        raise ValueError(f"{op}: {what} must have shape [{m}, 2] (block_shape has {m} "
                         f"dimensions), got {list(pads.shape)}")
    if np.any(block < 1):
        raise ValueError(f"{op}: block_shape must be positive, got {block.tolist()}")
    if np.any(pads < 0):
        raise ValueError(f"{op}: {what} must be non-negative, got {pads.tolist()}")
    if x.op.attrs.get("unknown_rank"):
        raise ValueError(f"{op}: the input {x.name} has unknown rank; give it a shape")
    shape = tuple(x.aval.shape)
    if len(shape) < m + 1:
        raise ValueError(f"{op}: input rank should be >= {m + 1} (1 + the {m} block "
                         f"dimensions) instead of {len(shape)} (input shape {list(shape)})")
    if any(d is None for d in shape[1:]):
        raise NotImplementedError(f"{op}: the dimensions of {x.name} after the batch (shape "
                                  f"{x.shape}) must be known when the graph is built")
    return x, [int(b) for b in block], [(int(lo), int(hi)) for lo, hi in pads], shape


def space_to_batch_nd(input, block_shape, paddings, name=None):
    """Blocks of the (zero-padded) spatial dimensions moved into the batch (TF's
    ``SpaceToBatchND``).

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.space_to_batch_nd(np.arange(4.0).reshape(1, 2, 2, 1), [2, 2], [[0, 0], [0, 0]])
        >>> with tf.Session() as sess:
        ...     sess.run(y).reshape(-1).tolist()
        [0.0, 1.0, 2.0, 3.0]
    """
    op = "SpaceToBatchND"
    x, block, pads, shape = _operands(op, input, block_shape, paddings, "paddings")
    m = len(block)
    spatial = [shape[1 + i] + lo + hi for i, (lo, hi) in enumerate(pads)]
    for i, (p, b) in enumerate(zip(spatial, block)):
        if p % b:
            raise ValueError(f"{op}: padded_shape[{i}]={p} is not divisible by "
                             f"block_shape[{i}]={b} (input shape {list(shape)}, paddings "
                             f"{[list(q) for q in pads]})")
    rest = list(shape[1 + m:])
    batch = shape[0]

    def f(v):
        if any(lo or hi for lo, hi in pads):
            v = _ops.pad(v, [(0, 0)] + pads + [(0, 0)] * len(rest))
        split = [-1 if batch is None else batch]
        for p, b in zip(spatial, block):
            split += [p // b, b]
        y = _ops.reshape(v, tuple(split + rest))
        perm = [2 + 2 * i for i in range(m)] + [0] + [1 + 2 * i for i in range(m)]
        perm += list(range(1 + 2 * m, 1 + 2 * m + len(rest)))
        y = _ops.transpose(y, tuple(perm))
        out_batch = -1 if batch is None else batch * int(np.prod(block))
        return _ops.reshape(y, tuple([out_batch] + [p // b for p, b in zip(spatial, block)]
                                     + rest))
    return _scoped(op, name, f, x)


def batch_to_space_nd(input, block_shape, crops, name=None):
    """The inverse of :func:`space_to_batch_nd`: batch blocks moved back into the spatial
    dimensions, then ``crops`` cut from their starts and ends (TF's ``BatchToSpaceND``).

    Example::

        >>> import numpy as np
        >>> import dlcore_static as tf
        >>> y = tf.batch_to_space_nd(np.arange(4.0).reshape(4, 1, 1, 1), [2, 2], [[0, 0], [0, 0]])
        >>> with tf.Session() as sess:
        ...     sess.run(y)[0, :, :, 0].tolist()
        [[0.0, 1.0], [2.0, 3.0]]
    """
    op = "BatchToSpaceND"
    x, block, crops_, shape = _operands(op, input, block_shape, crops, "crops")
    m = len(block)
    prod = int(np.prod(block))
    batch = shape[0]
    if batch is not None and batch % prod:
        raise ValueError(f"{op}: input batch dimension ({batch}) is not divisible by product "
                         f"of block sizes ({prod}) (input shape {list(shape)}, block_shape "
                         f"{block})")
    grown = [shape[1 + i] * b for i, b in enumerate(block)]
    for i, ((lo, hi), g) in enumerate(zip(crops_, grown)):
        if lo + hi > g:
            raise ValueError(f"{op}: crops must be less than or equal to the spatial size: "
                             f"crops[{i}] = [{lo}, {hi}] but the dimension is {g} (input "
                             f"shape {list(shape)}, block_shape {block})")
    rest = list(shape[1 + m:])

    def f(v):
        y = _ops.reshape(v, tuple(block + [-1 if batch is None else batch // prod]
                                  + list(shape[1:])))
        perm = [m]
        for i in range(m):
            perm += [m + 1 + i, i]
        perm += list(range(2 * m + 1, 2 * m + 1 + len(rest)))
        y = _ops.transpose(y, tuple(perm))
        y = _ops.reshape(y, tuple([-1 if batch is None else batch // prod] + grown + rest))
        if any(lo or hi for lo, hi in crops_):
            y = _ops.getitem(y, (slice(None),) + tuple(slice(lo, g - hi) for (lo, hi), g in
                                                       zip(crops_, grown)))
        return y
    return _scoped(op, name, f, x)


def _square(block_size, op: str) -> list[int]:
    if isinstance(block_size, (list, tuple, np.ndarray)):
        raise TypeError(f"{op}: block_size must be an int (use {op}_nd for a block shape)")
    bs = int(block_size)
    if bs < 2:
        raise ValueError(f"Value for attr 'block_size' of {bs} must be at least minimum 2")
    return [bs, bs]


def space_to_batch(input, paddings, block_size=None, name=None, block_shape=None):
    """TF1's 4-D ``tf.space_to_batch(input, paddings, block_size)``: ``space_to_batch_nd``
    with block shape ``[block_size, block_size]`` (``block_shape``: TF 1.15's other name)."""
    if block_size is None:
        block_size = block_shape
    x = _args(input)[0]
    if not x.op.attrs.get("unknown_rank") and x.aval.ndim != 4:
        raise ValueError(f"SpaceToBatch: input must be 4-D (NHWC), got shape {x.shape}")
    return space_to_batch_nd(x, _square(block_size, "space_to_batch"), paddings,
                             name or "SpaceToBatchND")


def batch_to_space(input, crops, block_size, name=None, block_shape=None):
    """TF1's 4-D ``tf.batch_to_space(input, crops, block_size)``: ``batch_to_space_nd`` with
    block shape ``[block_size, block_size]``."""
    if block_size is None:
        block_size = block_shape
    x = _args(input)[0]
    if not x.op.attrs.get("unknown_rank") and x.aval.ndim != 4:
        raise ValueError(f"BatchToSpace: input must be 4-D (NHWC), got shape {x.shape}")
    return batch_to_space_nd(x, _square(block_size, "batch_to_space"), crops,
                             name or "BatchToSpaceND")
