"""Memory layouts of elementwise operands (used by ``elementwise.py``'s call plans): strides
through a broadcast, the memory order of the inputs (NumPy's ``order='K'``), merging axes that
are contiguous in every operand ("dim collapsing"), and the classification of a 2-D loop's
operands (full matrix, row or column broadcast, scalar) that picks the contiguous row loops.
Plain NumPy and Python; nothing here compiles."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


def collapse_dims(shape: tuple, strides_list: list) -> tuple[tuple, list]:
    """Merge adjacent axes that are contiguous in every operand and drop size-1 axes.

    ``strides_list`` holds one stride tuple per operand (the output first), each already
    broadcast to ``shape`` (0 on broadcast axes).  Returns the new shape and strides.
    """
    dims = [i for i, d in enumerate(shape) if d != 1]
    if not dims:
        return (1,), [(st[-1] if st else 0,) for st in strides_list]
    new_shape = [shape[dims[0]]]
    new_strides = [[st[dims[0]]] for st in strides_list]
    for i in dims[1:]:
        d = shape[i]
        if all(ns[-1] == st[i] * d for ns, st in zip(new_strides, strides_list)):
            new_shape[-1] *= d
            for ns, st in zip(new_strides, strides_list):
                ns[-1] = st[i]
        else:
            new_shape.append(d)
            for ns, st in zip(new_strides, strides_list):
                ns.append(st[i])
    return tuple(new_shape), [tuple(ns) for ns in new_strides]


def broadcast_strides(x: np.ndarray, shape: tuple) -> tuple:
    """``x``'s strides as seen through a broadcast to ``shape`` (0 on broadcast axes)."""
    lead = len(shape) - x.ndim
    out = [0] * lead
    for d, s, n in zip(x.shape, x.strides, shape[lead:]):
        out.append(s if d == n else 0)
    return tuple(out)


def _strided_view(x: np.ndarray, shape: tuple, strides: tuple) -> np.ndarray:
    """A view of ``x``'s memory with ``shape`` and byte ``strides`` (a broadcast input of a
    call plan), writeable where ``x`` is.  A C-contiguous ``x`` (it exposes its memory as a
    buffer) gets the view from the ndarray constructor: 0.4 us where ``as_strided``, which
    builds an array interface dict, took 3.7 (d2l's box IoU broadcasts, issue 19); a layout
    the buffer does not hold (or any other ``x``) goes through ``as_strided``."""
    if x.flags.c_contiguous and type(x) is np.ndarray:
        try:
            return np.ndarray(shape, x.dtype, x, 0, strides)
        except (ValueError, TypeError, BufferError):
            pass
    return np.lib.stride_tricks.as_strided(x, shape, strides, subok=False,
                                           writeable=x.flags.writeable)



class _Strided(NamedTuple):
    strides: tuple


def _c_strides(shape: tuple) -> tuple:
    """C-order strides of ``shape`` in elements."""
    out, acc = [], 1
    for d in reversed(shape):
        out.append(acc)
        acc *= d
    return tuple(reversed(out))


def memory_order(bufs, shape: tuple) -> tuple | None:
    """The axis order (outermost first) in which the largest full-shape input lies in memory,
    or None when that is the C order (or no input has the full shape)."""
    ref = None
    for b in bufs:
        if b.shape == shape and not b.flags.c_contiguous:
            ref = b
            break
        if b.shape == shape:
            return None
    if ref is None or ref.ndim < 2:
        return None
    perm = tuple(sorted(range(ref.ndim), key=lambda k: -abs(ref.strides[k])))
    return None if perm == tuple(range(ref.ndim)) else perm


def _row_operands(bufs, cshape: tuple, cstrides: list):
    """Classify each input of a 2-D (collapsed) loop as a full C-contiguous matrix ('A'), a row
    broadcast down the rows ('R', e.g. a bias), a column broadcast along the rows ('K', e.g.
    ``x - max(x, keepdims=True)``) or a scalar ('S'); return (mask, reshape targets giving
    C-contiguous views) or None when an input fits none of these (the strided loops run)."""
    n0, n1 = cshape
    mask, targets = "", list[tuple[int, ...]]()
    for b, (s0, s1) in zip(bufs, cstrides):
        if not b.flags.c_contiguous:
            return None
        isz = b.itemsize
        if s1 == isz and s0 == n1 * isz and b.size == n0 * n1:
            mask += "A"
            targets.append((n0, n1))
        elif s0 == 0 and s1 == isz and b.size == n1:
            mask += "R"
            targets.append((n1,))
        elif s1 == 0 and s0 == isz and b.size == n0:
            mask += "K"
            targets.append((n0,))
        elif s0 == 0 and s1 == 0 and b.size == 1:
            mask += "S"
            targets.append((1,))
        else:
            return None
    return mask, tuple(targets)
