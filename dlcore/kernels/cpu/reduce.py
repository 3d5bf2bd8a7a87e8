"""CPU reduction kernels: ``sum``, ``max``, ``min`` over any (normalised) axes with ``keepdims``,
``argmax`` along one axis, and ``sum_to`` (the reduction that undoes broadcasting).

Any reduction is a 2-D problem: move the kept axes first and the reduced axes last (a
transpose, which is a view), and view the result as ``(M, K)`` (NumPy reshapes without copying
whenever the axes of each group are contiguous with each other, which covers reducing a suffix
or a prefix of a C-contiguous array).  The Numba loops in ``_jit_reduce`` then reduce over ``K``,
choosing the loop order by memory layout (``*_rows`` when K is the fast axis, ``*_cols`` when
M is).  A reduction of a whole large array is split into equal chunks reduced in parallel, then
the chunk results are combined.

The Numba module is imported on the first reduction, so ``import dlcore`` never loads Numba.
Small sums (under ``SMALL_SUM`` elements) run as NumPy's ``add.reduce`` with the same float64
accumulator instead: as fast or faster at those sizes, and no loop to compile.  The exception
is a small float32/float64 sum over the trailing axes of a C-contiguous array (a loss, a row
sum) once Numba is loaded by some other kernel: the ``sum_rows`` loop is entered directly, for
its smaller call cost (2 us against 4.5 us for ``add.reduce`` with a float64 cast, issue 19).
"""

from __future__ import annotations

import math
import sys
from functools import partial

import numpy as np

from ...dtypes import is_floating
from . import compiled_form, jit_module
from . import runtime as _rt
from .runtime import PARALLEL_THRESHOLD

# Below this many elements a sum runs as NumPy's add.reduce with a float64 (int64) accumulator:
# measured on one core (float32, us per call, loop vs NumPy): 64x10 axis 0 8.9 vs 4.5, 64x100
# axis 0 7.8 vs 5.6, all 6.6 vs 6.1; from 16384 elements on the loops win (128x256 axis 0:
# 7.4 vs 12.6).  The first eager training step then compiles no reduction loop.
SMALL_SUM = 8192


_jit = jit_module("_jit_reduce")


def _acc_dtype(dtype: np.dtype) -> np.dtype:
    if dtype.kind == "c":            # complex sums accumulate in complex128
        return np.dtype(np.complex128)
    return np.dtype(np.float64) if is_floating(dtype) else np.dtype(np.int64)


def _out_shape(shape: tuple, axes: tuple, keepdims: bool) -> tuple:
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def as_2d(x: np.ndarray, axes: tuple) -> np.ndarray:
    """``x`` with the kept axes first and the ``axes`` last, as an (M, K) array (a view when
    NumPy can make one)."""
    kept = [i for i in range(x.ndim) if i not in axes]
    m = math.prod(x.shape[i] for i in kept)
    k = math.prod(x.shape[i] for i in axes)
    perm = kept + list(axes)
    xp = x if perm == list(range(x.ndim)) else x.transpose(perm)
    return xp.reshape(m, k)


#: The least run of trailing (reduced) elements for which ``sum_mid`` sums each (sample,
#: channel) row in place; shorter rows go through the transposed (M, K) copy.
MID_ROW = 8


def _middle(shape: tuple, axes: tuple):
    """``(A, M, B)`` when ``axes`` (sorted) are a non-empty prefix and a suffix of at least
    ``MID_ROW`` elements around the kept axes (reducing (0, 2, 3) of NCHW), else None."""
    nd = len(shape)
    if not axes or axes[0] != 0 or axes[-1] != nd - 1:
        return None
    kept = [i for i in range(nd) if i not in axes]
    if not kept or kept[-1] - kept[0] + 1 != len(kept):
        return None
    b = math.prod(shape[kept[-1] + 1:])
    if b < MID_ROW:
        return None
    return math.prod(shape[:kept[0]]), math.prod(shape[kept[0]:kept[-1] + 1]), b


def _sum_mid(x: np.ndarray, mid: tuple, shape: tuple, dtype) -> np.ndarray:
    """The sum of C-contiguous ``x`` viewed as ``mid`` = (A, M, B) over A and B
    (``_jit_reduce.sum_mid``, split over M's values when large and parallel), in float64,
    rounded to ``dtype`` and shaped ``shape``."""
    acc = np.zeros(mid[1], _F64)
    big = x.size >= PARALLEL_THRESHOLD and _rt.parallel_ok and mid[1] > 1
    jr = _jit()
    (jr.sum_mid_par if big else jr.sum_mid)(x.reshape(mid), acc)
    return acc.astype(dtype, copy=False).reshape(shape)


def _rows_layout(x2: np.ndarray) -> bool:
    """True when the reduced axis is the faster one in memory (or the choice does not matter)."""
    if x2.shape[0] == 1 or x2.shape[1] == 1:
        return True
    return abs(x2.strides[1]) <= abs(x2.strides[0])


def _full_chunks(x2: np.ndarray):
    """For a whole-array reduction of a large contiguous array: (chunks, tail) views, where
    chunks is (c, L) for a parallel row reduction and tail the leftover elements."""
    flat = x2.reshape(-1)
    n = flat.shape[0]
    c = _CHUNKS
    L = n // c
    return flat[:c * L].reshape(c, L), flat[c * L:]


#: the rows of a whole-array reduction's parallel pass (``_full_chunks``); an array of fewer
#: elements is not split (with ``$DLCORE_PARALLEL_THRESHOLD`` under it, every chunk was empty
#: and the tail, the whole array, recursed without end)
_CHUNKS = 64
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_MODULES = sys.modules


def _reduce(x: np.ndarray, axes: tuple, keepdims: bool, kind: str) -> np.ndarray:
    if kind == "sum" and axes and x.size < SMALL_SUM:
        dt = x.dtype
        if dt is _F32 or dt is _F64:
            # The common small float sum (a loss, a bias gradient) with nothing else asked: the
            # same float64 reduction as below, rounded once (4 us against 11 us through the
            # general path's dtype and shape bookkeeping)
            acc = np.add.reduce(x, axis=axes, dtype=_F64,  # type: ignore[call-overload]
                                keepdims=keepdims)
            if type(acc) is not np.ndarray:          # every axis: a NumPy scalar
                return np.array(acc, dt)
            return acc if dt is _F64 else acc.astype(dt)
    jr = _jit()
    out_dtype = np.dtype(np.int64) if (kind == "sum" and x.dtype.kind == "b") else x.dtype
    oshape = _out_shape(x.shape, axes, keepdims)
    if not axes:
        return x.astype(out_dtype, copy=True)
    if kind == "sum" and x.size < SMALL_SUM and (x.dtype.kind in "ib" or is_floating(x.dtype)):
        # NumPy's reduction, accumulating in float64/int64 as the loops do: faster below
        # SMALL_SUM elements, and nothing to compile (see the module docstring)
        # (NumPy's stubs overload keepdims on its Literal values only: a bool matches neither)
        acc = np.add.reduce(x, axis=axes, dtype=_acc_dtype(x.dtype),  # type: ignore[call-overload]
                            keepdims=keepdims)
        return np.asarray(acc).astype(out_dtype, copy=False).reshape(oshape)
    if kind == "sum" and x.size and all(x.strides[a] == 0 or x.shape[a] == 1 for a in axes):
        # every reduced axis broadcast (the cotangent of ``loss = y.sum()`` or ``.mean()``
        # reaching a bias gradient): each sum is one value times the count, in the float64
        # (int64) accumulator: the loops' very bits for float32 and integers (equal float32
        # terms add exactly in float64), for float64 the exact product rounded once
        one = x[tuple(slice(0, 1) if i in axes else slice(None) for i in range(x.ndim))]
        count = math.prod(x.shape[a] for a in axes)
        acc = one.astype(_acc_dtype(x.dtype)) * count
        return acc.astype(out_dtype, copy=False).reshape(oshape)
    if kind == "sum" and (x.dtype is _F32 or x.dtype is _F64) and x.flags.c_contiguous:
        mid = _middle(x.shape, axes)
        if mid is not None:
            return _sum_mid(x, mid, oshape, out_dtype)
    x2 = as_2d(x, axes)
    m, k = x2.shape
    if m == 0:
        return np.empty(oshape, out_dtype)
    if k == 0:            # sum; max/min when the axis is empty only at run time (a None dim)
        if kind == "sum":
            return np.zeros(oshape, out_dtype)
        return np.full(oshape, _empty_identity(kind, out_dtype), out_dtype)
    big = x2.size >= PARALLEL_THRESHOLD and _rt.parallel_ok
    if m == 1 and big and x2.flags.c_contiguous and k >= _CHUNKS:
        chunks, tail = _full_chunks(x2)
        part = np.empty(chunks.shape[0], _acc_dtype(x.dtype) if kind == "sum" else x.dtype)
        getattr(jr, kind + "_rows_par")(chunks, part)
        if tail.size:
            part = np.concatenate([part, _reduce(tail, (0,), False, kind).reshape(1).astype(
                part.dtype)])
        res = np.empty(1, out_dtype)
        getattr(jr, kind + "_rows")(part.reshape(1, -1), res)
        return res.reshape(oshape)
    if _rows_layout(x2):
        out = np.empty(m, out_dtype)
        getattr(jr, kind + ("_rows_par" if big and m > 1 else "_rows"))(x2, out)
    elif kind == "sum":
        acc = np.zeros(m, _acc_dtype(x.dtype))
        (jr.sum_cols_par if big and k >= 64 else jr.sum_cols)(x2.T, acc)
        out = acc.astype(out_dtype, copy=False)
    else:
        out = np.empty(m, out_dtype)
        getattr(jr, kind + "_cols")(x2.T, out)
    return out.reshape(oshape)


def _empty_identity(kind: str, dtype: np.dtype):
    """max/min over nothing, as TensorFlow: -inf/+inf (floats), the lowest/highest integer."""
    if is_floating(dtype):
        return -np.inf if kind == "max" else np.inf
    if dtype.kind == "b":
        return kind != "max"
    info = np.iinfo(dtype)
    return info.min if kind == "max" else info.max


def sum(x, *, axes, keepdims):  # noqa: A001 - NumPy's name
    """y = sum of x over ``axes`` (bool sums to int64)."""
    if type(x) is np.ndarray:
        dt = x.dtype
        n = x.size
        if (dt is _F32 or dt is _F64) and axes and 0 < n and x.flags.c_contiguous and (
                "numba" in _MODULES if n < SMALL_SUM else
                n < PARALLEL_THRESHOLD or not _rt.parallel_ok):
            # (from SMALL_SUM elements on, the single-threaded loops _reduce would run anyway,
            # without its bookkeeping: 8x16x16x16 float32, every axis 7.0 -> 2.9 us)
            nd = x.ndim
            if not keepdims and len(axes) == nd and axes[0] == 0 and axes[-1] == nd - 1:
                # every axis (x.sum(), a loss): the same row loop, without the shape
                # bookkeeping below (4x4 float32: 4.4 -> 3.6 us, 1 thread CPU time)
                out = np.empty((), dt)
                _jit().sum_rows(x.reshape(1, n), out.reshape(1))
                return out
            first = axes[0]
            if axes[-1] == nd - 1 and first == nd - len(axes):
                # Trailing axes of a small contiguous float array (a loss, ``x.sum(-1)``) once
                # Numba is loaded anyway (by any loop kernel: relu, a generated elementwise
                # loop): one row loop of ``_jit_reduce`` (float64 accumulator, as below),
                # 1.9-2.2 us against 4.3-4.8 us for NumPy's add.reduce with its float64 cast
                shape = x.shape
                kept = shape[:first]
                out = np.empty(kept + (1,) * len(axes) if keepdims else kept, dt)
                m = out.size
                _jit().sum_rows(x.reshape(m, n // m), out.reshape(m))
                return out
            last = len(axes) - 1
            if first == 0 and axes[last] == last:
                # Leading axes (a bias gradient: the batch's sum): the column loop _reduce
                # reaches through its transposed (M, K) view, on the (K, M) rows directly,
                # float64 in row order as there (64x128 float32 over dim 0: 11.3 -> 2.6 us)
                shape = x.shape
                kept = shape[last + 1:]
                acc = np.zeros(kept, _F64)
                m = acc.size
                _jit().sum_cols(x.reshape(n // m, m), acc.reshape(m))
                if keepdims:
                    acc = acc.reshape((1,) * (last + 1) + kept)
                return acc if dt is _F64 else acc.astype(dt)
            if n >= SMALL_SUM:
                mid = _middle(x.shape, axes)
                if mid is not None:       # a per-channel sum of NCHW: axes (0, 2, 3)
                    return _sum_mid(x, mid, _out_shape(x.shape, axes, keepdims), dt)
    return _reduce(np.asarray(x), tuple(axes), keepdims, "sum")


def _rows_small(kind: str):
    """``kernel.small(shape, dtype, axes, keepdims)`` of the sum/max/min kernels (the eager
    lane's plan, see ``dlcore_eager._lane.small_unary``): for a small float32/float64
    shape reduced over trailing axes (or all), once Numba is loaded, ``run(buf)`` makes the
    kernel's own row loop (``_jit_reduce.<kind>_rows``: what ``sum`` runs there, and
    ``_reduce`` on a contiguous operand) with the output shape and the row view worked out
    once, not per call; a buffer that is not C-contiguous, or a call before Numba is loaded
    (``sum`` does not load it), goes to the kernel.  None for any other case (the kernel
    itself runs)."""
    def small(shape, dtype, *, axes, keepdims):
        n = math.prod(shape)
        nd = len(shape)
        if not ((dtype is _F32 or dtype is _F64) and axes and 0 < n < SMALL_SUM):
            return None
        if not (axes[-1] == nd - 1 and tuple(axes) == tuple(range(nd - len(axes), nd))):
            if kind != "sum" or len(axes) >= nd:
                return None
            # other axes (``x.sum(0)``, a mean over the batch): ``sum`` sends them to
            # ``_reduce``, whose small float case is this float64 ``add.reduce`` rounded
            # once, run here without the two calls and their tests (4x8 over dim 0 with grad:
            # 3.4 -> 2.7 us)
            return _sum_small(tuple(axes), keepdims, dtype)
        if kind == "sum" and n == 1 and not keepdims and len(axes) == nd:
            return _sum_one(dtype)
        kernel = _KERNELS[kind]
        name = kind + "_rows"
        kept = shape[:nd - len(axes)]
        m = math.prod(kept)
        oshape = kept + (1,) * len(axes) if keepdims else kept
        rows = (m, n // m)
        whole = shape == rows               # (a matrix over its last axis: no view)
        flat = len(oshape) == 1             # (the output is the loop's vector itself)
        empty, c_order, modules = np.empty, "C_CONTIGUOUS", _MODULES
        loop = None
        # where ``sum`` itself would not run the loop (Numba not loaded yet, a buffer not
        # C-contiguous) it goes to ``_reduce``'s small float case: that case, without the two
        # calls (1x32 .sum() with grad before Numba is loaded: 3.3 -> 2.7 us)
        other = _sum_small(tuple(axes), keepdims, dtype) if kind == "sum" else \
            partial(kernel, axes=axes, keepdims=keepdims)

        fast = None                         # (the loop's compiled form: ``compiled_form``)

        def run(x):
            nonlocal loop, fast
            if fast and x.flags.carray:
                # C-contiguous, aligned, writeable: the array types the compiled form was
                # made for (no typing of the two arguments: 1x32 .sum() ~0.06 us less)
                out = empty(oshape, dtype)
                fast(x if whole else x.reshape(rows), out if flat else out.reshape(m))
                return out
            if loop is None:
                if "numba" not in modules or not x.flags[c_order]:
                    return other(x)
                loop = getattr(_jit(), name)
            if not x.flags[c_order]:
                return other(x)
            out = empty(oshape, dtype)
            xr, orow = x if whole else x.reshape(rows), out if flat else out.reshape(m)
            loop(xr, orow)
            if fast is None and x.flags.carray:
                fast = compiled_form(loop, xr, orow) or False
            return out
        return run
    return small


def _sum_one(dtype):
    """The sum of every axis of one element (``x.sum()`` of a 1-element tensor, issue 19): the
    row loop's and ``_sum_small``'s float64 ``0 + v`` (-0.0 gives +0.0, NaN stays NaN) rounded
    back, exact, as a 0-d array, from the element as a Python float (no loop or reduce call:
    ~0.25 us against the compiled loop's ~0.5 and add.reduce's ~1.2)."""
    array = np.array

    def run(x):
        return array(0.0 + x.item(), dtype)
    return run


def _sum_small(axes: tuple, keepdims: bool, dtype):
    """``_reduce``'s small float sum (float64 ``add.reduce`` rounded once) as one closure."""
    reduce, f64, ndarray, array = np.add.reduce, _F64, np.ndarray, np.array

    def run(x):
        acc = reduce(x, axes, f64, None, keepdims)  # type: ignore[call-overload]
        if type(acc) is not ndarray:            # every axis: a NumPy scalar
            return array(acc, dtype)
        return acc if dtype is f64 else acc.astype(dtype)
    return run


def max(x, *, axes, keepdims):  # noqa: A001
    return _reduce(np.asarray(x), tuple(axes), keepdims, "max")


def min(x, *, axes, keepdims):  # noqa: A001
    return _reduce(np.asarray(x), tuple(axes), keepdims, "min")


def argmax(x, *, axis, keepdims):
    """Index (int64) of the first maximum along ``axis``."""
    x = np.asarray(x)
    if 0 < x.size <= 4096 and x.dtype.kind in "fiu":
        # small: NumPy's own argmax (the same answer: the first maximum, or the first NaN) in
        # ~3 us where the jitted loop's dispatch and reshapes cost ~12 us (issue 19)
        return np.asarray(np.argmax(x, axis=axis, keepdims=keepdims), np.int64)
    oshape = _out_shape(x.shape, (axis,), keepdims)
    x2 = as_2d(x, (axis,))
    if x2.shape[1] == 0:           # an axis empty only at run time (TF and PyTorch raise)
        raise ValueError(f"Reduction axis {axis} is empty in shape {list(x.shape)}")
    out = np.empty(x2.shape[0], np.int64)
    if x2.shape[0]:
        _jit().argmax_rows(x2, out)
    return out.reshape(oshape)


def sum_to(x, ref):
    return sum_to_shape(np.asarray(x), ref.shape)


def sum_to_shape(x: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum a broadcast result back down to ``shape``."""
    shape = tuple(shape)
    if x.shape == shape:
        return x
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, d in enumerate(shape) if d == 1 and x.shape[lead + i] != 1)
    for a in axes:
        if x.shape[a] != 1:
            break
    else:
        # every summed axis has one element (a batch-1 bias gradient): the sum is the values
        # themselves (exact: one float64 term rounded back), copied (9.6 -> 1.2 us at 1x59)
        return x.reshape(shape).copy()
    # (``sum``: its leading-axes loop for a bias gradient, 16x32 -> 32: 4.9 -> 1.9 us)
    return sum(x, axes=axes, keepdims=True).reshape(shape)


_KERNELS = {"sum": sum, "max": max, "min": min}
sum.small = _rows_small("sum")  # type: ignore[attr-defined]
max.small = _rows_small("max")  # type: ignore[attr-defined]
min.small = _rows_small("min")  # type: ignore[attr-defined]


def _arg_small(name: str):
    """``kernel.small(shape, dtype, axis, keepdims)`` of argmax/argmin: NumPy's method (what
    the kernel runs below 4096 elements) with the axis bound; None for other sizes/dtypes."""
    def small(shape, dtype, *, axis, keepdims):
        if not (0 < math.prod(shape) <= 4096 and dtype.kind in "fiu"):
            return None
        ndarray, asarray, kd = np.ndarray, np.asarray, bool(keepdims)

        def run(x):
            out = getattr(x, name)(axis, keepdims=kd)
            return out if type(out) is ndarray else asarray(out)
        return run
    return small


argmax.small = _arg_small("argmax")  # type: ignore[attr-defined]
