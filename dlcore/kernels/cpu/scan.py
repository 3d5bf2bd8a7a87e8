"""CPU kernels of the scan, sort and along-axis gather/scatter primitives.

Each views its operand as ``(outer, n, inner)`` around the scanned/sorted/indexed axis (a
C-contiguous copy where the input is not contiguous), and a Numba loop (:mod:`._jit_scan`,
imported on first use) walks the ``outer * inner`` lines.  Scans accumulate in the input's
dtype, except float32 and complex64, which accumulate in double precision and round each
output, as PyTorch's CPU scans (``acc_type``): a float32 running sum of 10^6 values 0.1 had
drifted to 100958 (float64's 100000.0015 rounds to PyTorch's 100000).  Sorting is NumPy's stable sort along the axis; a descending stable sort
sorts the reversed lines and reverses the result, so equal values keep their order and NaN,
the largest value as in PyTorch, comes last ascending and first descending.
"""

from __future__ import annotations

import math

import numpy as np

from ...dtypes import is_half
from . import jit_module
from .gather import in_range


def lines(shape, axis: int) -> tuple[int, int, int]:
    # math.prod on the Python ints of a shape: np.prod costs about 15 us a call here
    return math.prod(shape[:axis]), int(shape[axis]), math.prod(shape[axis + 1:])


def as_lines(x: np.ndarray, axis: int) -> np.ndarray:
    """``x`` viewed as ``(outer, n, inner)`` around ``axis`` (a C-contiguous copy where it is
    not contiguous; a view of ``x`` itself where it is, so a kernel may write through it)."""
    return np.ascontiguousarray(x).reshape(lines(x.shape, axis))


# the accumulator's type (the scan's ``init``) where it is not the input's: PyTorch's CPU acc_type
_ACC = {np.dtype(np.float32): np.float64, np.dtype(np.complex64): np.complex128}


_jit_scan = jit_module("_jit_scan")       # (a function-level import: ~1 us a call)


def cumsum(x, *, axis, reverse, exclusive):
    out = np.empty(x.shape, x.dtype)
    if x.size:
        _jit_scan().scan3(as_lines(x, axis), out.reshape(lines(x.shape, axis)), reverse,
                          exclusive, False, _ACC.get(x.dtype, x.dtype.type)(0))
    return out


def cumprod(x, *, axis, reverse, exclusive):
    out = np.empty(x.shape, x.dtype)
    if x.size:
        _jit_scan().scan3(as_lines(x, axis), out.reshape(lines(x.shape, axis)), reverse,
                          exclusive, True, _ACC.get(x.dtype, x.dtype.type)(1))
    return out


def logcumsumexp(x, *, axis):
    """The running log-add-exp of each line (``_jit_scan.logaddexp_scan3``: libm's log1p and
    exp per element, PyTorch's speed).  float32/float64 lines whose elements all lie within
    700 of their line's finite maximum take NumPy's vectorised ``log(cumsum(exp(x - max))) +
    max`` in float64 instead, exact there (no partial sum underflows; the two agree to
    float64 rounding): 64x128 float32 232 -> ~45 us."""
    out = np.empty(x.shape, x.dtype)
    if x.size:
        x3 = as_lines(x, axis)
        if x.dtype == np.float32 or x.dtype == np.float64:
            xd = x3.astype(np.float64)
            m = xd.max(axis=1, keepdims=True)
            with np.errstate(invalid="ignore"):
                safe = bool(np.isfinite(m).all()) and bool(((xd - m).min(axis=1) > -700.0).all())
            if safe:
                np.subtract(xd, m, out=xd)
                np.exp(xd, out=xd)
                np.cumsum(xd, axis=1, out=xd)
                np.log(xd, out=xd)
                np.add(xd, m, out=xd)
                out.reshape(x3.shape)[...] = xd
                return out
        _jit_scan().logaddexp_scan3(x3, out.reshape(lines(x.shape, axis)))
    return out


def argsort(x, *, axis, descending):
    """NumPy's stable sort (a descending one: the reversed lines sorted, the result reversed
    back, so equal values keep their order).  It replaced a Numba loop calling Numba's merge
    sort per line: the same indices, 1.2-1.8x faster (a (60, 64) int64 axis-0 sort 58.9 ->
    32.8 us, (128, 1000) float32 rows 8.5 -> 6.7 ms), and no 2.4 s compilation on a cold
    cache (a masked Keras layer's first run sorts)."""
    x = np.asarray(x)
    if not descending:
        return _stable_argsort(x, axis).astype(np.int64, copy=False)
    rev = (slice(None),) * (axis % x.ndim) + (slice(None, None, -1),)   # (np.flip's view,
    s = _stable_argsort(x[rev], axis).astype(np.int64, copy=False)       # without its axis
    return (x.shape[axis] - 1) - s[rev]                                  # checks: 2x 3 us)


_QUICK = frozenset(map(np.dtype, ("float32", "float64")))


def _stable_argsort(x: np.ndarray, axis: int) -> np.ndarray:
    """``np.argsort(x, axis, kind="stable")``.  Float32/float64 lines take NumPy's vectorised
    (AVX-512) quicksort first, whose order differs from the stable one only among equal
    values: the lines where two sorted neighbours are equal (or hold two NaNs) are sorted
    again stably.  64x128 float32 rows: 125 -> ~45 us (PyTorch's sort 61); one thread."""
    if x.dtype not in _QUICK or x.ndim == 0 or x.shape[axis] < 2 or not x.size:
        return np.argsort(x, axis=axis, kind="stable")
    if x.dtype == _F32 and x.shape[axis] < 2 ** 31:
        return _packed_argsort32(x, axis)
    idx = np.argsort(x, axis=axis, kind="quicksort")
    v = np.sort(x, axis=axis)               # (the values idx orders, whatever its ties)
    lo = v[(slice(None),) * axis + (slice(0, -1),)]
    hi = v[(slice(None),) * axis + (slice(1, None),)]
    tie = (lo == hi) | (hi != hi)           # (NaNs sort last: two or more are a tie)
    if not tie.any():
        return idx
    lines = np.moveaxis(tie, axis, -1).any(-1)          # (the lines to sort again)
    xm, im = np.moveaxis(x, axis, -1), np.moveaxis(idx, axis, -1)
    im[lines] = np.argsort(xm[lines], axis=-1, kind="stable")
    return idx


_F32 = np.dtype(np.float32)


def _packed_argsort32(x: np.ndarray, axis: int) -> np.ndarray:
    """The stable argsort of float32 lines as one sort of int64 keys (the value's order key
    above, the index below: ``_jit_scan.pack_sort_keys32``), NumPy's vectorised (AVX-512)
    integer sort, and the indices read from the low 32 bits: 64x128 rows 50 -> ~20 us against
    the quicksort, the sorted values and the tie check of ``_stable_argsort``."""
    last = axis in (-1, x.ndim - 1)     # (np.moveaxis's axis checks: 5 us of a 4x8 sort)
    xm = np.ascontiguousarray(x if last else np.moveaxis(x, axis, -1))
    n = xm.shape[-1]
    keys = np.empty(xm.shape, np.int64)
    _jit_scan().pack_sort_keys32(xm.view(np.int32).reshape(-1, n), keys.reshape(-1, n))
    keys.sort(axis=-1)
    idx = np.bitwise_and(keys, 0xFFFFFFFF, out=keys)
    return idx if last else np.ascontiguousarray(np.moveaxis(idx, -1, axis))


def _check(i: np.ndarray, n: int, axis: int) -> np.ndarray:
    if not i.size or (i.dtype == np.int64 and in_range(i, n)):
        return i                    # (the common case: no negative index to wrap)
    if i.size and (i.max() >= n or i.min() < -n):
        bad = i[(i >= n) | (i < -n)].flat[0]
        from ...errors import IndexOutOfBounds      # (PyTorch's words for gather/scatter)
        raise IndexOutOfBounds(f"index {bad} is out of bounds for dimension {axis} with size "
                               f"{n}")
    return np.where(i < 0, i + n, i)


def take_along_axis(x, i, *, axis):
    i = np.asarray(i)
    nd = i.ndim
    if nd <= 2 and type(x) is np.ndarray and x.ndim == nd and i.dtype.kind in "iu":
        # NumPy's fancy indexing with the same index arrays np.take_along_axis builds (it
        # wraps a negative index and refuses one out of range as _check does): 12 -> 4 us
        # for a 1x32 gather (issue 19); an IndexError (out of range, shapes that do not
        # broadcast) goes on to the general path, whose error is the one raised
        try:
            if nd == 1:
                return x[i]
            out = _flat_take(x, i, axis)
            if out is not None:
                return out
            if axis == 1:
                return x[np.arange(x.shape[0])[:, None], i]
            return x[i, np.arange(x.shape[1])]
        except IndexError:
            pass
    if nd == 3 and type(x) is np.ndarray and x.ndim == 3 and i.dtype.kind in "iu" and \
            not is_half(x.dtype) and all(d == axis or a == b
                                         for d, (a, b) in enumerate(zip(x.shape, i.shape))):
        # one Numba loop (no 16-bit floats: Numba has neither) reading x as it is (an
        # expanded operand in place), where NumPy's take_along_axis built broadcast index
        # arrays: NeRF's (576, 8, 15) gather of (576, 8, 2) 104 -> 63 us (PyTorch 20); an
        # index out of range: the general error below
        out = np.empty(i.shape, x.dtype)
        if _jit_scan().take_along3(x, i, axis, out):
            return out
    i = _check(i, x.shape[axis], axis)
    return np.take_along_axis(x, i, axis=axis)


def _take_along_axis_small(shapes, dtypes, *, axis):
    """``kernel.small`` (the eager lane's plan, ``dlcore_eager._lane.small_many``) of
    ``take_along_axis`` for a matrix and an integer index matrix: the fancy indexing above
    with its ``arange`` made once per plan (``x.max(1)`` with a gradient gathers its values
    here: 5.2 -> ~2.5 us at 1x32); anything it refuses (an index out of range) goes to the
    kernel, whose error is raised."""
    xs, js = shapes
    if len(xs) != 2 or len(js) != 2 or dtypes[1].kind not in "iu":
        return None
    rows = np.arange(xs[0])[:, None] if axis == 1 else np.arange(xs[1])

    def run(x, i):
        try:
            out = _flat_take(x, i, axis)
            if out is not None:
                return out
            return x[rows, i] if axis == 1 else x[i, rows]
        except IndexError:
            return take_along_axis(x, i, axis=axis)
    return run


_FLAT_TAKE_FROM = 1024      # (below it the fancy index's fixed cost is the smaller)


def _flat_take(x, i, axis: int):
    """``take_along_axis`` of a C-contiguous matrix by an index matrix of at least
    ``_FLAT_TAKE_FROM`` entries, all in ``[0, n)`` along ``axis``: NumPy's ``take`` of the flat
    positions (the index plus each row's offset), where the fancy index ``x[rows, i]`` built
    its broadcast index pair: 64x128 by its argsort 23 -> 10 us.  None otherwise (a negative
    index wraps there, one out of range is the fancy index's IndexError)."""
    if i.size < _FLAT_TAKE_FROM or not x.flags.c_contiguous or i.ndim != 2:
        return None
    n = x.shape[axis]
    if i.min() < 0 or i.max() >= n:
        return None
    if axis == 1:
        if i.shape[0] != x.shape[0]:
            return None
        pos = i + (np.arange(x.shape[0], dtype=i.dtype) * x.shape[1])[:, None]
    else:
        if i.shape[1] != x.shape[1]:
            return None
        pos = i * x.shape[1] + np.arange(x.shape[1], dtype=i.dtype)
    return np.take(x.reshape(-1), pos)


take_along_axis.small = _take_along_axis_small  # type: ignore[attr-defined]


def scatter_add_along_axis(v, i, ref, *, axis):
    if axis == 1 and type(i) is np.ndarray and i.ndim == 2 and i.shape[1] == 1 and \
            type(v) is np.ndarray and v.shape == i.shape and len(ref.shape) == 2 and \
            ref.shape[0] == i.shape[0] and i.dtype.kind in "iu":
        # one index per row (the gradient of a gather of one column: nll_loss's pick): no two
        # values meet, so each is added to its own zero, by fancy indexing with the arrays
        # take_along_axis uses (a negative index wraps, as _check's; one out of range goes on
        # to the loop below, whose error is raised): (64, 10) 12 -> 4 us (issue 19)
        out = np.zeros(ref.shape, v.dtype)
        try:
            out[np.arange(i.shape[0]), i[:, 0]] += v[:, 0]
        except IndexError:
            pass
        else:
            return out
    out = np.zeros(ref.shape, v.dtype)
    i = _check(np.asarray(i), ref.shape[axis], axis)
    if v.size:
        o, k, inner = lines(i.shape, axis)
        _jit_scan().scatter_add3(np.ascontiguousarray(v).reshape(o, k, inner),
                                 np.ascontiguousarray(i, dtype=np.int64).reshape(o, k, inner),
                                 out.reshape(lines(ref.shape, axis)))
    return out
