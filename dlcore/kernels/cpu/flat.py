"""Flat views of dense arrays, for the CPU loops that run over one axis (``leaky_relu``'s and
``clamp``'s gradient kernels): a C- or Fortran-contiguous array read as one vector in its
memory order, and the order to give a result of the same layout; or C-ordered, copied where
needed."""

from __future__ import annotations

import numpy as np


def flat(x):
    """``(flat view, order)`` of a C- or Fortran-contiguous array, else None."""
    if x.flags.c_contiguous:
        return x.reshape(-1), "C"
    if x.flags.f_contiguous:
        return x.T.reshape(-1), "F"
    return None


def c_flat(x):
    """``x`` as a C-ordered 1-D array: a view of a C-contiguous one, else a C-ordered copy
    (for loops that index one flat layout: grid_sample's, the bfloat16 bit casts)."""
    return np.ascontiguousarray(x).reshape(-1)


def dense(x):
    """``(flat view, order)`` of ``x``, a C-ordered copy where its layout has none."""
    f = flat(x)
    return f if f is not None else (np.ascontiguousarray(x).reshape(-1), "C")


def empty(shape, d, order):
    """A new array of ``shape`` and dtype ``d`` in ``order`` ("C" or "F"), and its flat view in
    that memory order (the loops' output beside ``dense``'s input)."""
    out = np.empty(shape, d, order=order)
    return out, (out.reshape(-1) if order == "C" else out.T.reshape(-1))
