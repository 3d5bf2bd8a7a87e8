"""``tile`` (NumPy's ``tile``, PyTorch's ``repeat``) as one primitive::

    tile(x; reps)   y = x repeated reps[i] times along axis i (x's shape padded with leading
                    1s to len(reps) axes): y[(r0, s0), (r1, s1), ...] = x[s0, s1, ...]
                    dx = g read as (r0, s0, r1, s1, ...), summed over the r axes that repeat,
                    reshaped to x's shape   (PyTorch's RepeatBackward0)

One node where the composite (reshape, broadcast_to, reshape; ``dlcore.ops.shape_extra.tile``)
made three, the same values and, through the same sum kernel over the same axes, the same
gradient bit for bit: ``x.repeat(2, 1)`` of 32x10 float32 22.7 -> 8.5 us forward (PyTorch 8.7;
issue 19).  The CPU kernel writes the broadcast into a new array in one strided copy; the CUDA
kernel is the composite's kernels (their broadcast materialises).  The result is always a new
array (a tile is a copy in NumPy, TensorFlow and PyTorch).
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..kernels.cuda import shape as _cuda
from ..registry import AVal, Primitive, aval_of, bind
from .reduce import sum as _sum
from .shape import reshape


_SHAPES: dict = {}


def tile_shapes(shape: tuple, reps: tuple) -> tuple:
    """``(inter, target, out)``: x's shape as ``(1, s0, 1, s1, ...)``, its broadcast
    ``(r0, s0, r1, s1, ...)`` and the result's shape (x's shape padded to ``len(reps)``);
    kept per shape and repeats."""
    key = (shape, reps)
    got = _SHAPES.get(key)
    if got is None:
        padded = (1,) * (len(reps) - len(shape)) + tuple(shape)
        inter = tuple(v for s in padded for v in (1, s))
        target = tuple(v for r, s in zip(reps, padded) for v in (r, s))
        if len(_SHAPES) > 4096:
            _SHAPES.clear()
        got = _SHAPES[key] = (inter, target, tuple(r * s for r, s in zip(reps, padded)))
    return got


def _tile_rule(x: AVal, *, reps) -> AVal:
    if len(reps) < x.ndim or any(r < 0 for r in reps):
        raise ShapeError("tile", f"needs at least {x.ndim} non-negative repeats, got "
                         f"{list(reps)}", [x.shape])
    shape = (1,) * (len(reps) - x.ndim) + tuple(x.shape)
    return AVal(tuple(None if s is None else r * s for r, s in zip(reps, shape)), x.dtype)


def _tile_cpu(x, *, reps):
    inter, target, out = tile_shapes(x.shape, reps)
    y = np.empty(out, x.dtype)
    if y.size:
        y.reshape(target)[...] = x.reshape(inter)      # (one strided copy)
    return y


def _tile_cuda(x, *, reps):
    inter, target, out = tile_shapes(x.shape, reps)
    b = _cuda.broadcast_to(_cuda.reshape(x, shape=inter), shape=target)   # (a new array)
    return _cuda.reshape(b, shape=out)


def _tile_vjp(g, y, x, *, reps):
    shape = tuple(aval_of(x).shape)
    _, target, _ = tile_shapes(shape, reps)
    axes = tuple(2 * i for i, r in enumerate(reps) if r != 1)
    s = reshape(g, target)
    if axes:
        s = _sum(s, axes, False)
    return (reshape(s, shape),)


tile_p = Primitive(
    "tile", _tile_rule, _tile_vjp, kind="shape", tf_type="Tile", complex=True,
    doc="y = x repeated reps[i] times along axis i;  dx = g summed over its repeats",
    kernels={"cpu": _tile_cpu, "cuda": _tile_cuda})


def tile(x, reps: tuple):
    """``tile_p`` of ``x`` with ``len(reps) >= x.ndim`` non-negative integer repeats."""
    return bind(tile_p, x, reps=tuple(int(r) for r in reps))
