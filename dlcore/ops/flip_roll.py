"""``flip`` and ``roll`` as primitives, each a new array (PyTorch's ``flip`` and ``roll`` copy)::

    flip(x; axes)          y = x reversed along axes                 dx = flip(g; axes)
    roll(x; shifts, axes)  y[.., (i + s) % n, ..] = x[.., i, ..]     dx = roll(g; -shifts, axes)

``flip`` was a getitem with negative steps: a view of ``x``'s memory, so that writing into
``x.flip(0)`` wrote into ``x`` and its strides were negative, where PyTorch's result is its own
contiguous tensor; ``roll`` was two getitems and a concatenate per rolled axis (three nodes,
19 us on a 4x8 tensor against PyTorch's 2).  The CPU kernels are NumPy's (a flipped view
copied C-contiguous; ``np.roll``); the CUDA kernels are the device's strided copies (its
getitem kernel gathers a region, negative steps included, into a new array; roll joins the
two slices with its concatenate kernel).  Both shape rules are the identity, the front end
having normalised ``axes`` (ints in range, distinct) and ``shifts`` (each in [1, n)).
"""

from __future__ import annotations

import numpy as np

from ..kernels.cuda import indexing as _cuda_indexing
from ..kernels.cuda import shape as _cuda_shape
from ..registry import AVal, Primitive, bind


def _same(x: AVal, **params) -> AVal:
    return AVal(x.shape, x.dtype)


def _flip_cpu(x, *, axes):
    if not (axes and x.ndim):                   # (0-d: dim 0 or -1; no axes: a copy)
        return x.copy()
    key = (x.ndim, axes)
    idx = _FLIPS.get(key)
    if idx is None:                             # (np.flip's axis checks cost 4 us a call)
        idx = _FLIPS[key] = tuple(slice(None, None, -1) if i in axes else slice(None)
                                  for i in range(x.ndim))
    return x[idx].copy()


#: (ndim, axes) -> the NumPy index of a flip
_FLIPS: dict = {}


def _flip_idx(ndim: int, axes: tuple) -> tuple:
    return tuple(("slice", None, None, -1 if i in axes else None) for i in range(ndim))


def _flip_cuda(x, *, axes):
    return _cuda_indexing.getitem(x, idx=_flip_idx(x.ndim, axes))


flip_p = Primitive(
    "flip", _same, lambda g, y, x, *, axes: (flip(g, axes),), kind="shape",
    doc="y = x reversed along axes (a new array);  dx = flip(g, axes)",
    kernels={"cpu": _flip_cpu, "cuda": _flip_cuda})


flip_p.options["complex"] = True        # (data movement: complex values as any others)


def flip(x, axes: tuple):
    """``x`` reversed along ``axes`` (normalised: distinct ints in range), a new array."""
    return bind(flip_p, x, axes=tuple(axes))


def _roll_cpu(x, *, shifts, axes):
    if len(axes) != 1 or not x.ndim:
        return np.roll(x, shifts, axes) if x.ndim else x.copy()
    # one axis (the common call): its two blocks copied into a new array, what np.roll does
    # after ~4 us of argument handling (a 4x8 roll 12.1 -> ~8 us; issue 19)
    a = axes[0]
    n = x.shape[a]
    out = np.empty(x.shape, x.dtype)
    k = shifts[0] % n if n else 0
    if not k:
        out[...] = x
        return out
    pre = (slice(None),) * a
    out[pre + (slice(0, k),)] = x[pre + (slice(n - k, n),)]
    out[pre + (slice(k, n),)] = x[pre + (slice(0, n - k),)]
    return out


def _roll_cuda(x, *, shifts, axes):
    given = x
    for s, a in zip(shifts, axes if x.ndim else ()):
        n = x.shape[a]
        k = s % n
        if not k:
            continue
        whole = ("slice", None, None, None)
        pre = (whole,) * a
        x = _cuda_shape.concatenate(
            _cuda_indexing.getitem(x, idx=pre + (("slice", n - k, n, None),)),
            _cuda_indexing.getitem(x, idx=pre + (("slice", 0, n - k, None),)), axis=a)
    return _flip_cuda(x, axes=()) if x is given else x      # (no shift: still a copy)


roll_p = Primitive(
    "roll", _same, lambda g, y, x, *, shifts, axes: (roll(g, tuple(-s for s in shifts), axes),),
    kind="shape",
    doc="y = x shifted cyclically by shifts along axes (a new array);  dx = roll(g, -shifts)",
    kernels={"cpu": _roll_cpu, "cuda": _roll_cuda})


roll_p.options["complex"] = True


def roll(x, shifts: tuple, axes: tuple):
    """``x`` shifted cyclically by ``shifts`` along ``axes`` (ints in range), a new array."""
    return bind(roll_p, x, shifts=tuple(int(s) for s in shifts), axes=tuple(axes))
