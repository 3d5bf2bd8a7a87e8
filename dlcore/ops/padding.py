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

import numpy as np

from ..errors import ShapeError
from ..kernels.cpu import shape as _cpu
from ..kernels.cuda import shape as _cuda
from ..registry import AVal, Primitive, aval_of, bind
from .elementwise import add
from .indexing import getitem, getitem_p
from .reduce import sum as _sum
from .shape import concatenate_p


def _pad_rule(x: AVal, *, pairs, value, op: str = "pad_constant") -> AVal:
    if len(pairs) != len(x.shape):
        raise ShapeError(op, f"expected one (lo, hi) pair per axis ({len(x.shape)}), got "
                         f"{len(pairs)}", [x.shape])
    if any(lo < 0 or hi < 0 for lo, hi in pairs):
        raise ShapeError(op, f"padding must be non-negative, got {list(pairs)}", [x.shape])
    return AVal(tuple(None if n is None else n + lo + hi for n, (lo, hi) in
                      zip(x.shape, pairs)), x.dtype)


def _pad_vjp(g, y, x, *, pairs, value):
    return (bind(getitem_p, g, idx=tuple(("slice", lo or None, -hi if hi else None, None)
                                         for lo, hi in pairs)),)


pad_constant_p = Primitive(
    "pad_constant", _pad_rule, _pad_vjp, kind="shape", tf_type="PadV2", complex=True,
    doc="y = x with pairs[d] = (lo, hi) elements of value before and after it along axis d;  "
        "dx = g[lo:-hi] along every axis",
    kernels={"cpu": _cpu.pad_constant, "cuda": _cuda.pad_constant})


def pad_constant(x, pairs, value=0.0):
    """``x`` padded by ``pairs`` (one ``(lo, hi)`` per axis, non-negative) of ``value``."""
    pairs = tuple((int(lo), int(hi)) for lo, hi in pairs)
    return bind(pad_constant_p, x, pairs=pairs, value=value)


# ----------------------------------------------------------------------------- edge modes
_FULL = ("slice", None, None, None)


def _sides(mode: str, n: int, lo: int, hi: int) -> tuple:
    """The canonical slices of an axis of length ``n`` that make its ``lo`` and ``hi`` padded
    elements (None for a side not padded; 'replicate': the edge, repeated by the caller)."""
    left: tuple
    right: tuple
    if mode == "reflect":
        left = ("slice", lo, 0, -1)
        right = ("slice", n - 2, None if n - 2 - hi < 0 else n - 2 - hi, -1)
    elif mode == "circular":
        left, right = ("slice", n - lo, n, None), ("slice", 0, hi, None)
    else:
        left, right = ("slice", 0, 1, None), ("slice", n - 1, n, None)
    return (left if lo else None), (right if hi else None)


def _edge_rule(x: AVal, *, pairs, mode) -> AVal:
    return _pad_rule(x, pairs=pairs, value=None, op="pad_edge")


def _edge_kernel(dev: str):
    def pad_edge(x, *, pairs, mode):
        take, join = getitem_p.kernels[dev], concatenate_p.kernels[dev]
        if not any(lo or hi for lo, hi in pairs):
            return join(x, axis=0) if x.ndim else join(x.reshape(1), axis=0).reshape(())
        for axis, (lo, hi) in enumerate(pairs):
            if not (lo or hi):
                continue
            pre = (_FULL,) * axis
            left, right = _sides(mode, int(x.shape[axis]), lo, hi)
            k = lo if mode == "replicate" else 1            # (the edge, lo or hi times)
            parts = [take(x, idx=pre + (left,))] * k if left else []
            parts.append(x)
            if right:
                parts += [take(x, idx=pre + (right,))] * (hi if mode == "replicate" else 1)
            x = join(*parts, axis=axis)
        return x
    pad_edge.__name__ = f"pad_edge_{dev}"
    return pad_edge


def _edge_vjp(g, y, x, *, pairs, mode):
    """Each padded axis, the last first: the interior of ``g``, plus its padded sides added
    where they were read from (reflect: mirrored; replicate: summed into the edge; circular:
    the opposite end); NumPy's in-place adds on eager backward's buffers, else primitives
    (``pad_constant`` placing each side), which differentiate further."""
    plain = type(g) is np.ndarray and type(x) is np.ndarray
    for axis in reversed(range(len(pairs))):
        lo, hi = pairs[axis]
        if not (lo or hi):
            continue
        n = int(aval_of(x).shape[axis])
        pre = (slice(None),) * axis
        inner = pre + (slice(lo, lo + n),)
        sides: list = []            # (g's side, where in x it lands: [a, b) along axis)
        for width, at_start in ((lo, True), (hi, False)):
            if not width:
                continue
            part = pre + ((slice(0, lo),) if at_start else (slice(lo + n, lo + n + hi),))
            if mode == "reflect":   # (reversed: onto x[1:lo+1] / x[n-1-hi:n-1])
                sides.append((part, (1, 1 + lo) if at_start else (n - 1 - hi, n - 1)))
            elif mode == "circular":
                sides.append((part, (n - lo, n) if at_start else (0, hi)))
            else:                   # (replicate: summed onto the edge)
                sides.append((part, (0, 1) if at_start else (n - 1, n)))
        if plain:
            out = g[inner].copy()
            for part, (a, b) in sides:
                v = g[part]
                v = np.flip(v, axis) if mode == "reflect" else \
                    v.sum(axis, keepdims=True) if mode == "replicate" else v
                out[pre + (slice(a, b),)] += v
            g = out
            continue
        out = getitem(g, inner)
        for part, (a, b) in sides:
            v = getitem(g, part)
            if mode == "reflect":
                v = getitem(v, pre + (slice(None, None, -1),))
            elif mode == "replicate":
                v = _sum(v, axis, True)
            widths = [(0, 0)] * len(pairs)
            widths[axis] = (a, n - b)
            out = add(out, pad_constant(v, widths, 0.0))
        g = out
    return (g,)


pad_edge_p = Primitive(
    "pad_edge", _edge_rule, _edge_vjp, kind="shape", tf_type="MirrorPad", complex=True,
    doc="y = x padded by pairs[d] = (lo, hi) along each axis d with its own elements: "
        "reflected (mode 'reflect'), the edge repeated ('replicate') or wrapped "
        "('circular');  dx = g's interior plus its padded sides added where they came from",
    kernels={"cpu": _edge_kernel("cpu"), "cuda": _edge_kernel("cuda")})


def pad_edge(x, pairs, mode: str):
    """``x`` padded by ``pairs`` (one ``(lo, hi)`` per axis) from its own elements."""
    pairs = tuple((int(lo), int(hi)) for lo, hi in pairs)
    return bind(pad_edge_p, x, pairs=pairs, mode=mode)
