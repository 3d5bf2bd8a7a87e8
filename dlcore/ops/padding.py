"""Constant padding as one primitive::

    pad_constant(x; pairs, value)   y = x with pairs[d] = (lo, hi) elements of value before
                                    and after it along each axis d
                                    dx = g[lo0:n0+lo0, lo1:n1+lo1, ...]   (a getitem of g)

``dlcore.ops.spatial.pad`` binds it for ``mode='constant'`` (PyTorch's ``F.pad``, Keras's
zero-padding layers, TensorFlow's ``tf.pad``); the other modes stay compositions of slices.
One node and one kernel where the composite made a ``full_like`` of a slice of ``x`` and a
``concatenate`` per padded axis: ``F.pad`` of an 8x16x16x16 float32 image by one on each side
of its last two axes took 80 us against PyTorch's 12 (issue 19).  ``value`` is not
differentiable (a Python number, as in PyTorch and TensorFlow).  The static compiler folds a
zero ``pad_constant`` into the convolution that reads it (``dlcore_static/compiler/
conv_pads.py``).  Kernels: ``pad_constant`` in ``dlcore/kernels/cpu/shape.py`` and
``dlcore/kernels/cuda/shape.py``.
"""

from __future__ import annotations

from ..errors import ShapeError
from ..kernels.cpu import shape as _cpu
from ..kernels.cuda import shape as _cuda
from ..registry import AVal, Primitive, bind
from .indexing import getitem_p


def _pad_rule(x: AVal, *, pairs, value) -> AVal:
    if len(pairs) != len(x.shape):
        raise ShapeError("pad_constant", f"expected one (lo, hi) pair per axis ({len(x.shape)}),"
                         f" got {len(pairs)}", [x.shape])
    if any(lo < 0 or hi < 0 for lo, hi in pairs):
        raise ShapeError("pad_constant", f"padding must be non-negative, got {list(pairs)}",
                         [x.shape])
    return AVal(tuple(None if n is None else n + lo + hi for n, (lo, hi) in
                      zip(x.shape, pairs)), x.dtype)


def _pad_vjp(g, y, x, *, pairs, value):
    return (bind(getitem_p, g, idx=tuple(("slice", lo or None, -hi if hi else None, None)
                                         for lo, hi in pairs)),)


pad_constant_p = Primitive(
    "pad_constant", _pad_rule, _pad_vjp, kind="shape", tf_type="PadV2",
    doc="y = x with pairs[d] = (lo, hi) elements of value before and after it along axis d;  "
        "dx = g[lo:-hi] along every axis",
    kernels={"cpu": _cpu.pad_constant, "cuda": _cuda.pad_constant})


def pad_constant(x, pairs, value=0.0):
    """``x`` padded by ``pairs`` (one ``(lo, hi)`` per axis, non-negative) of ``value``."""
    pairs = tuple((int(lo), int(hi)) for lo, hi in pairs)
    return bind(pad_constant_p, x, pairs=pairs, value=value)
