"""Scans, sorting and gather/scatter along an axis: the primitives that need kernels of their
own (DESIGN: "gather/scatter, sort/top-k, scans"), and the composites built on them.

Primitives (kernels in dlcore/kernels/{cpu,cuda}/scan.py)::

    cumsum(x, axis, reverse, exclusive)    y_k = sum_{j <= k} x_j  (j < k when exclusive;
                                           from the end when reverse)
                                           dx = cumsum(g, axis, not reverse, exclusive)
    cumprod(x, axis, reverse, exclusive)   y_k = prod_{j <= k} x_j
                                           dx = cumsum(g y, axis, not reverse) / x before the
                                           first zero, exact at it, 0 after (PyTorch's)
    logcumsumexp(x, axis)                  y_k = log(sum_{j <= k} exp(x_j)), a running
                                           log-add-exp; dx: PyTorch's formula through this op
                                           on the reversed line (log-space, both signs of g)
    argsort(x, axis, descending)           int64 indices of a stable sort (NaN the largest);
                                           not differentiable
    take_along_axis(x, i, axis)            y[.., k, ..] = x[.., i[.., k, ..], ..]
                                           dx = scatter_add_along_axis(g, i, x, axis)
    scatter_add_along_axis(v, i, ref, axis)  y = zeros like ref;  y[.., i[.., k, ..], ..] += v
                                           dv = take_along_axis(g, i, axis)

Composites: sort, topk, kthvalue, median (the lower median, as PyTorch), mode,
gather/scatter/scatter_add with PyTorch's index semantics.  Their values' gradients flow through
``take_along_axis``; their indices are integers.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..api import exports
from ..device import device_of, to_device, to_host
from ..errors import AxisError, DTypeNotImplemented, ShapeError
from ..kernels.cpu import scan as _cpu
from ..kernels.cuda import scan as _cuda
from ..registry import AVal, Primitive, aval_of, bind
from . import _rules
from .elementwise import add, cast, div, exp, log, mul, stop_gradient, sub, where
from .indexing import getitem
from .reduce import max_


def _scan_rule(name):
    def rule(x: AVal, *, axis, reverse, exclusive) -> AVal:
        _rules.require_numeric(name, x)
        if not 0 <= axis < max(x.ndim, 1):
            raise ShapeError(name, f"axis {axis} is out of range for rank {x.ndim}", [x.shape])
        return AVal(x.shape, x.dtype)
    return rule


def _cumsum_vjp(g, y, x, *, axis, reverse, exclusive):
    return (cumsum(g, axis, not reverse, exclusive),)


def _cumprod_vjp(g, y, x, *, axis, reverse, exclusive):
    return (_cumprod_grad(g, y, x, axis, reverse, exclusive),)


def _cumprod_grad(g, y, x, axis, reverse, exclusive):
    """``dx_i = sum_{j >= i} g_j prod_{l <= j, l != i} x_l`` (j, l in scan order), exact when x
    has zeros, as PyTorch's.  With z the first zero of a line: before z it is
    ``cumsum(g y, reversed)_i / x_i``; at z, ``sum_{j >= z} g_j c_j`` with ``c = cumprod(x1)``,
    ``x1`` = x with ``x_z = 1``; after z it is ``x_z`` times the same two parts computed for
    ``x1`` (zero, but its derivative in ``x_z`` is right, so gradients of this gradient are
    exact too).  An exclusive scan is the inclusive one shifted by one step: g moves back."""
    from .elementwise import full_like
    from .shape import concatenate
    if exclusive:
        head = getitem(g, (slice(None),) * axis + (slice(0, 1),))
        if reverse:
            rest = getitem(g, (slice(None),) * axis + (slice(None, -1),))
            g = concatenate([full_like(head, 0), rest], axis)
        else:
            rest = getitem(g, (slice(None),) * axis + (slice(1, None),))
            g = concatenate([rest, full_like(head, 0)], axis)
        y = bind(cumprod_p, x, axis=axis, reverse=reverse, exclusive=False)
    if type(x) is np.ndarray and bool(np.all(x)):
        # concrete values (eager backward's buffers) without a zero: PyTorch's own shortcut,
        # cumsum(g y, reversed) / x, three kernels for the 30 ops of the exact form (a (64,
        # 32) cumprod's backward 883 -> 127 us, PyTorch 76-179; NeRF's transmittance)
        return div(cumsum(mul(g, y), axis, not reverse), x)
    seen, first, part, x1, c = _cumprod_grad_parts(g, y, x, axis, reverse)
    _, _, part1, _, _ = _cumprod_grad_parts(g, c, x1, axis, reverse)
    from .elementwise import greater
    from .math_composites import logical_and, logical_not
    from .reduce import sum as _sum
    x_first = _sum(where(first, x, 0), axis, keepdims=True)       # 0, linked to x_z
    after = logical_and(greater(seen, 0), logical_not(first))
    return add(part, where(after, mul(x_first, part1), 0))


def _cumprod_grad_parts(g, y, x, axis, reverse):
    """The gradient of ``y = cumprod(x)`` up to and at the first zero of each line (0 after
    it), and what it was computed from: ``(seen, first, grad, x1, cumprod(x1))``."""
    from .elementwise import equal, greater
    from .math_composites import logical_and
    from .reduce import sum as _sum
    zero = equal(x, 0)
    seen = cumsum(cast(zero, _dt.int64), axis, reverse)        # zeros up to here, scan order
    before = equal(seen, 0)
    first = logical_and(zero, equal(seen, 1))
    a = where(before, div(cumsum(mul(g, y), axis, not reverse), where(before, x, 1)), 0)
    x1 = where(first, 1, x)
    c = cumprod(x1, axis, reverse)                     # prod_{l <= j, l != z} x_l
    at_first = _sum(where(greater(seen, 0), mul(g, c), 0), axis, keepdims=True)
    return seen, first, add(a, where(first, at_first, 0)), x1, c


cumsum_p = Primitive(
    "cumsum", _scan_rule("cumsum"), _cumsum_vjp, kind="scan",
    doc="y_k = sum_{j<=k} x_j (exclusive: j<k; reverse: from the end);  "
        "dx = cumsum(g, not reverse, exclusive)",
    kernels={"cpu": _cpu.cumsum, "cuda": _cuda.cumsum})
cumprod_p = Primitive(
    "cumprod", _scan_rule("cumprod"), _cumprod_vjp, kind="scan",
    doc="y_k = prod_{j<=k} x_j;  dx_i = sum_{j>=i} g_j prod_{l<=j, l!=i} x_l  (cumsum(g y) / x "
        "before the first zero, exact at and after it)",
    kernels={"cpu": _cpu.cumprod, "cuda": _cuda.cumprod})


def _axis(name, x, axis) -> int:
    av = aval_of(x)
    return _rules.normalize_axis(name, _rules.as_dim(axis, name), av.ndim, av.shape)


def _as_line(x):
    """0-d operands are scanned/sorted as one element (PyTorch accepts dim 0 or -1 there)."""
    from .shape import reshape
    return reshape(x, (1,)) if aval_of(x).ndim == 0 else x


def _back(y, x):
    from .shape import reshape
    return reshape(y, ()) if aval_of(x).ndim == 0 else y


@exports({"torch": "cumsum", "Tensor": "cumsum", "tf": "cumsum", "tf.math": "cumsum"}, "scan",
         int_to_int64=True, tf_type="Cumsum")
def cumsum(x, axis=0, reverse: bool = False, exclusive: bool = False):
    """Running sum along ``axis`` (``exclusive``: shifted by one; ``reverse``: from the end)."""
    a = _axis("cumsum", x, axis)
    return _back(bind(cumsum_p, _as_line(x), axis=a, reverse=bool(reverse),
                      exclusive=bool(exclusive)), x)


@exports({"torch": "cumprod", "Tensor": "cumprod", "tf": "cumprod", "tf.math": "cumprod"},
         "scan", int_to_int64=True, tf_type="Cumprod")
def cumprod(x, axis=0, reverse: bool = False, exclusive: bool = False):
    """Running product along ``axis``."""
    a = _axis("cumprod", x, axis)
    return _back(bind(cumprod_p, _as_line(x), axis=a, reverse=bool(reverse),
                      exclusive=bool(exclusive)), x)


def _lcse_rule(x: AVal, *, axis) -> AVal:
    _rules.require_float("logcumsumexp", x)
    if not 0 <= axis < max(x.ndim, 1):
        raise ShapeError("logcumsumexp", f"axis {axis} is out of range for rank {x.ndim}",
                         [x.shape])
    return AVal(x.shape, x.dtype)


def _lcse_vjp(g, y, x, *, axis):
    # PyTorch's logcumsumexp_backward (TensorFlow's): the positive and negative cotangents'
    # logs, each minus y, summed from the end by this op on the reversed line, plus x, out of
    # log space; written with ops, so it differentiates again
    from .elementwise import abs as abs_
    from .elementwise import greater, less
    from .shape_extra import flip
    lowest = float(np.finfo(aval_of(x).dtype).min)

    def rev(v):
        return flip(bind(logcumsumexp_p, flip(v, [axis]), axis=axis), [axis])

    def d_x():
        lag = log(abs_(g))
        pos = where(greater(g, 0.0), lag, lowest)
        neg = where(less(g, 0.0), lag, lowest)
        return sub(exp(add(rev(sub(pos, y)), x)), exp(add(rev(sub(neg, y)), x)))
    return (d_x,)


logcumsumexp_p = Primitive(
    "logcumsumexp", _lcse_rule, _lcse_vjp, kind="scan",
    doc="y_k = log(sum_{j<=k} exp(x_j)) (a running log-add-exp);  dx = exp(rev(log g+ - y) "
        "+ x) - exp(rev(log g- - y) + x), rev the same op along the reversed axis",
    kernels={"cpu": _cpu.logcumsumexp, "cuda": _cuda.logcumsumexp})


@exports({"torch": "logcumsumexp", "Tensor": "logcumsumexp"}, "scan", float_only=True)
def logcumsumexp(x, axis=0):
    """``log(cumsum(exp(x)))`` as a running log-add-exp along ``axis`` (PyTorch's): exact
    where an element lies far below a later maximum (the composite shifted by the line's
    maximum gave -inf there, and NaN for a line holding +inf)."""
    a = _axis("logcumsumexp", x, axis)
    return _back(bind(logcumsumexp_p, _as_line(x), axis=a), x)


# ----------------------------------------------------------------------------- sorting
def _argsort_rule(x: AVal, *, axis, descending) -> AVal:
    if not 0 <= axis < max(x.ndim, 1):
        raise ShapeError("argsort", f"axis {axis} is out of range for rank {x.ndim}", [x.shape])
    return AVal(x.shape, _dt.int64)


argsort_p = Primitive(
    "argsort", _argsort_rule, None, kind="sort", differentiable=False,
    doc="y = indices that sort x along axis (stable; NaN largest);  not differentiable",
    kernels={"cpu": _cpu.argsort, "cuda": _cuda.argsort})


@exports({"torch": "argsort", "Tensor": "argsort"}, "args")
def argsort(x, axis=-1, descending: bool = False, stable: bool = True):
    """Indices of a stable sort along ``axis`` (int64; every sort here is stable)."""
    a = _axis("argsort", x, axis)
    return _back(bind(argsort_p, _as_line(x), axis=a, descending=bool(descending)), x)


@exports({"torch": "sort", "Tensor": "sort"}, "values_indices")
def sort(x, axis=-1, descending: bool = False, stable: bool = True):
    """``(values, indices)`` of a stable sort along ``axis``."""
    i = argsort(x, axis, descending)
    return take_along_axis(x, i, axis), i


def _first(x, axis, k):
    idx = [slice(None)] * aval_of(x).ndim
    idx[axis] = slice(0, k)
    return getitem(x, tuple(idx))


def topk(x, k: int, axis=-1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """``(values, indices)`` of the ``k`` largest (``largest=False``: smallest) along ``axis``;
    equal values in index order (TensorFlow's ``top_k``: the lower index first)."""
    av = aval_of(x)
    a = _axis("topk", x, axis)
    _topk_k(av, a, k)
    i = _first(argsort(x, a, descending=largest), a, k) if av.ndim else argsort(x, a, largest)
    return take_along_axis(x, i, a), i


def _topk_k(av: AVal, a: int, k: int) -> None:
    n = av.shape[a] if av.ndim else 1
    if n is not None and not 0 <= k <= n:
        raise ShapeError("topk", "selected index k out of range", [av.shape])  # (PyTorch's)


def _topk_order_rule(x: AVal, *, axis, k, largest, sorted) -> AVal:  # noqa: A002
    if not 0 <= axis < x.ndim:
        raise ShapeError("topk", f"axis {axis} is out of range for rank {x.ndim}", [x.shape])
    return AVal(x.shape[:axis] + (k,) + x.shape[axis + 1:], _dt.int64)


_TOPK_KERNEL: list = []                 # (the Numba module, imported on first use)


def _topk_order_cpu(x, *, axis, k, largest, sorted):  # noqa: A002
    out = np.empty(x.shape[:axis] + (k,) + x.shape[axis + 1:], np.int64)
    if out.size:
        if not _TOPK_KERNEL:
            from ..kernels.cpu._jit_topk import topk_order3
            _TOPK_KERNEL.append(topk_order3)
        o, n, inner = _cpu.lines(x.shape, axis)
        _TOPK_KERNEL[0](np.ascontiguousarray(x).reshape(o, n, inner), out.reshape(o, k, inner),
                        k, largest is True or bool(largest), sorted is True or bool(sorted))
    return out


def _topk_order_cuda(x, **params):
    """The CUDA buffer's line orders computed on the host (PyTorch's CUDA topk orders ties
    its own way; the CPU's order is the one defined here)."""
    return to_device(_topk_order_cpu(to_host(x), **params), device_of(x))


topk_order_p = Primitive(
    "topk_order", _topk_order_rule, None, kind="sort", differentiable=False,
    doc="y = the indices of PyTorch's CPU topk along axis (its std::nth_element/std::sort "
        "order among equal values);  not differentiable",
    kernels={"cpu": _topk_order_cpu, "cuda": _topk_order_cuda})


@exports({"torch": "topk", "Tensor": "topk"}, "values_indices")
def torch_topk(x, k: int, axis=-1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """PyTorch's ``topk``: ``(values, indices)`` of the ``k`` largest (``largest=False``:
    smallest) along ``axis``, equal values in the order PyTorch's CPU kernel leaves them
    (``topk(tensor([1., 3, 3, 2, 3]), 2)`` has indices ``[2, 4]``, as PyTorch's)."""
    av = aval_of(x)
    a = _axis("topk", x, axis)
    _topk_k(av, a, k)
    if not av.ndim:
        i = argsort(x, a, largest)
    else:
        i = bind(topk_order_p, x, axis=a, k=int(k), largest=bool(largest), sorted=bool(sorted))
    return take_along_axis(x, i, a), i


def _nonempty(op: str, av: AVal, a: int) -> None:
    """PyTorch's IndexError for a reduction along an empty axis (kthvalue, mode)."""
    if av.ndim and av.shape[a] == 0:
        raise AxisError(op, f"{op}(): Expected reduction dim {a} to have non-zero size.",
                        [av.shape])


@exports({"torch": "kthvalue", "Tensor": "kthvalue"}, "values_indices")
def kthvalue(x, k: int, axis=-1, keepdims: bool = False):
    """``(values, indices)`` of the k-th smallest (1-based) along ``axis``."""
    av = aval_of(x)
    a = _axis("kthvalue", x, axis)
    n = av.shape[a] if av.ndim else 1
    _nonempty("kthvalue", av, a)
    if n is not None and not 1 <= k <= n:
        raise ShapeError("kthvalue", "kthvalue(): selected number k out of range for "
                         f"dimension {a}", [av.shape])      # (PyTorch's words)
    if av.ndim == 0:
        return x, _zero_index(x)
    i = bind(kthvalue_index_p, x, axis=a, k=int(k) - 1)
    v = take_along_axis(x, i, a)
    if not keepdims:
        from .shape import squeeze
        v, i = squeeze(v, a), squeeze(i, a)
    return v, i


def _kth_stable(x, k: int, a: int):
    """The k-th smallest along ``a`` (kept) at its position in the stable sort: the index
    PyTorch's median returns among equal values (its kthvalue's quickselect leaves another)."""
    _nonempty("kthvalue", aval_of(x), a)
    i = getitem(argsort(x, a), tuple([slice(None)] * a + [slice(k - 1, k)]))
    return take_along_axis(x, i, a), i


def _kth_index_rule(x: AVal, *, axis, k) -> AVal:
    if not 0 <= axis < x.ndim:
        raise ShapeError("kthvalue", f"axis {axis} is out of range for rank {x.ndim}",
                         [x.shape])
    return AVal(x.shape[:axis] + (1,) + x.shape[axis + 1:], _dt.int64)


def _line_index(name: str, x, axis: int, *args):
    """One index per line along ``axis`` (kept) from ``_jit_topk.<name>(lines, out, *args)``
    (kthvalue's and mode's index kernels)."""
    out = np.empty(x.shape[:axis] + (1,) + x.shape[axis + 1:], np.int64)
    if out.size:
        from ..kernels.cpu import _jit_topk
        o, n, inner = _cpu.lines(x.shape, axis)
        getattr(_jit_topk, name)(np.ascontiguousarray(x).reshape(o, n, inner),
                                 out.reshape(o, inner), *args)
    return out


def _kth_index_cpu(x, *, axis, k):
    return _line_index("kthvalue_index3", x, axis, k)


kthvalue_index_p = Primitive(
    "kthvalue_index", _kth_index_rule, None, kind="sort", differentiable=False,
    doc="y = the index of the (k+1)-th smallest along axis as PyTorch's CPU kthvalue finds it "
        "(ATen's quickselect: its choice among equal values), kept;  not differentiable",
    kernels={"cpu": _kth_index_cpu,
             "cuda": lambda x, **p: to_device(_kth_index_cpu(to_host(x), **p), device_of(x))})


def _zero_index(x):
    from .elementwise import full_like
    return full_like(x, 0, _dt.int64)


@exports({"torch": "median", "Tensor": "median"}, "values_indices")
def median(x, axis=None, keepdims: bool = False):
    """The lower median (PyTorch's): ``(values, indices)`` along ``axis``; the value only over
    all elements when ``axis`` is None.  A row holding NaN has median NaN, at its first NaN
    (PyTorch's; the sort puts NaN last, so the k-th value alone gave the median of the rest)."""
    from .shape import reshape
    if axis is None:
        flat = reshape(x, (-1,))
        n = aval_of(flat).shape[0]
        v, i = _kth_stable(flat, (n + 1) // 2, 0)
        v = _nan_first(flat, 0, v, i, False)[0]
        return _evenly(flat, v) if _dt.is_floating(aval_of(x).dtype) else v
    a = _axis("median", x, axis)
    if not aval_of(x).ndim:
        return kthvalue(x, 1, a, keepdims)
    n = aval_of(x).shape[a]
    v, i = _kth_stable(x, (n + 1) // 2, a)
    return _nan_first(x, a, v, i, keepdims)


def _evenly(flat, v):
    """``v`` (the median of every element) with its gradient shared evenly by the elements
    equal to it (NaN: by the NaNs), as PyTorch's ``evenly_distribute_backward`` (it went to
    one of them): ``v + (s - stop_gradient(s))``, ``s`` the mean of those elements, so the
    value stays ``v``'s bits (0 added where ``s`` is infinite: an infinite median's gradient
    is 0, where PyTorch shares it too)."""
    from .elementwise import equal
    from .math_binary import bitwise_and, bitwise_or, isinf, isnan
    from .reduce import sum as _sum
    vd = stop_gradient(v)
    mask = bitwise_or(equal(flat, vd), bitwise_and(isnan(flat), isnan(vd)))
    s = div(_sum(where(mask, flat, 0.0)), _sum(cast(mask, aval_of(flat).dtype)))
    sd = stop_gradient(s)
    return add(vd, where(isinf(sd), 0.0, sub(s, sd)))


def _nan_first(x, a, v, i, keepdims):
    """``(v, i)`` (kept dims) with the first NaN along ``a`` where a row holds one."""
    from .math_binary import isnan
    from .reduce import argmax
    from .reduce_extra import reduce_any
    from .shape import squeeze
    if _dt.is_floating(aval_of(x).dtype) and aval_of(x).shape[a] != 0:
        nan = isnan(x)
        i = where(reduce_any(nan, a, True), argmax(cast(nan, _dt.int32), a, True), i)
        v = take_along_axis(x, i, a)
    if not keepdims:
        v, i = squeeze(v, a), squeeze(i, a)
    return v, i


# ----------------------------------------------------------------------------- gather / scatter
def _index_rule(name, x: AVal, i: AVal, axis) -> None:
    if i.dtype.kind not in "iu":
        raise DTypeNotImplemented(name, "indices must be integers", [x.dtype, i.dtype])
    if x.ndim != i.ndim:
        raise ShapeError(name, "Index tensor must have the same number of dimensions as "
                               "input tensor", [x.shape, i.shape])     # (PyTorch's words)
    if not 0 <= axis < max(x.ndim, 1):
        raise ShapeError(name, f"axis {axis} is out of range for rank {x.ndim}", [x.shape])
    for d, (a, b) in enumerate(zip(x.shape, i.shape)):
        if d != axis and a is not None and b is not None and a != b:
            raise ShapeError(name, f"index size {b} does not match the input's size {a} in "
                                   f"dimension {d}", [x.shape, i.shape])


def _take_along_rule(x: AVal, i: AVal, *, axis) -> AVal:
    _index_rule("take_along_axis", x, i, axis)
    return AVal(tuple(i.shape), x.dtype)


def _scatter_along_rule(v: AVal, i: AVal, ref: AVal, *, axis) -> AVal:
    _index_rule("scatter_add_along_axis", ref, i, axis)
    if tuple(v.shape) != tuple(i.shape):
        raise ShapeError("scatter_add_along_axis", "values and indices must have one shape",
                         [v.shape, i.shape, ref.shape])
    if v.dtype.kind == "b":
        raise DTypeNotImplemented("scatter_add_along_axis", "cannot add booleans", [v.dtype])
    return AVal(tuple(ref.shape), v.dtype)


def _take_along_vjp(g, y, x, i, *, axis):
    if type(g) is np.ndarray and type(x) is np.ndarray and type(i) is np.ndarray and \
            g.dtype is x.dtype and g.shape == i.shape and i.dtype.kind in "iu" and \
            scatter_add_along_axis_p.kernels["cpu"] is _cpu.scatter_add_along_axis:
        # eager backward's buffers, the rule's own shapes and dtypes: the kernel that bind
        # would call, called (issue 19: nll_loss's pick, max(x, dim)'s values)
        return (lambda: _cpu.scatter_add_along_axis(g, i, x, axis=axis), None)
    return (lambda: scatter_add_along_axis(g, i, x, axis), None)


take_along_axis_p = Primitive(
    "take_along_axis", _take_along_rule, _take_along_vjp,
    kind="index", doc="y[..k..] = x[..i[..k..]..] along axis;  "
                      "dx = scatter_add_along_axis(g, i, x, axis)",
    kernels={"cpu": _cpu.take_along_axis, "cuda": _cuda.take_along_axis})
scatter_add_along_axis_p = Primitive(
    "scatter_add_along_axis", _scatter_along_rule,
    lambda g, y, v, i, ref, *, axis: (lambda: take_along_axis(g, i, axis), None, None),
    kind="index", doc="y = zeros like ref; y[..i[..k..]..] += v[..k..] along axis;  "
                      "dv = take_along_axis(g, i, axis)",
    kernels={"cpu": _cpu.scatter_add_along_axis, "cuda": _cuda.scatter_add_along_axis})


def take_along_axis(x, indices, axis):
    """NumPy's ``take_along_axis`` (indices with x's shape except along ``axis``)."""
    return bind(take_along_axis_p, x, indices, axis=_axis("take_along_axis", x, axis))


def scatter_add_along_axis(v, indices, ref, axis):
    """Zeros shaped like ``ref`` with ``v`` added at ``indices`` along ``axis``."""
    return bind(scatter_add_along_axis_p, v, indices, ref,
                axis=_axis("scatter_add_along_axis", ref, axis))


def _crop(x, shape, axis):
    """x cut to ``shape`` in every dimension but ``axis`` (PyTorch's gather/scatter allow an
    index smaller than the input there)."""
    xs = aval_of(x).shape
    if all(d == axis or a == b for d, (a, b) in enumerate(zip(xs, shape))):
        return x
    return getitem(x, tuple(slice(None) if d == axis else slice(0, b)
                            for d, b in enumerate(shape)))


@exports({"torch": "gather", "Tensor": "gather"}, "args")
def gather(x, axis, index, sparse_grad: bool = False):
    """PyTorch's ``gather``: ``y[i][j] = x[i][index[i][j]]`` for axis 1."""
    a = _axis("gather", x, axis)
    return take_along_axis(_crop(x, aval_of(index).shape, a), index, a)


def _pad_to(v, ref, axis, index_shape):
    """Scatter into the cropped region, then place it in a zero tensor shaped like ``ref``."""
    rs = aval_of(ref).shape
    if all(d == axis or a == b for d, (a, b) in enumerate(zip(rs, index_shape))):
        return v
    from .indexing import slice_scatter, canonical_index
    idx = tuple(slice(None) if d == axis else slice(0, b) for d, b in enumerate(index_shape))
    return slice_scatter(v, ref, canonical_index(idx, len(rs)))


def _src_block(src, ishape):
    """PyTorch's scatter reads src's leading block of the index's shape (in every dimension)."""
    if tuple(aval_of(src).shape) == tuple(ishape):
        return src
    return getitem(src, tuple(slice(0, b) for b in ishape))


@exports({"torch": "scatter_add", "Tensor": "scatter_add"}, "args")
def scatter_add(x, axis, index, src):
    """PyTorch's ``scatter_add``: ``y = x;  y[i][index[i][j]] += src[i][j]`` for axis 1."""
    a = _axis("scatter_add", x, axis)
    ishape = aval_of(index).shape
    src = _src_block(src, ishape)
    region = _crop(x, tuple(ishape[d] if d != a else aval_of(x).shape[a]
                            for d in range(len(ishape))), a)
    added = scatter_add_along_axis(src, index, region, a)
    return add(x, _pad_to(added, x, a, aval_of(region).shape))


# ----------------------------------------------------------------------------- mode
def _mode_index_rule(x: AVal, *, axis) -> AVal:
    if not 0 <= axis < x.ndim:
        raise ShapeError("mode", f"axis {axis} is out of range for rank {x.ndim}", [x.shape])
    return AVal(x.shape[:axis] + (1,) + x.shape[axis + 1:], _dt.int64)


def _mode_index_cpu(x, *, axis):
    return _line_index("mode_index3", x, axis)


mode_index_p = Primitive(
    "mode_index", _mode_index_rule, None, kind="sort", differentiable=False,
    doc="y = the index of PyTorch's CPU mode along axis, kept (its std::sort and run scan: "
        "the smallest most frequent value, the index ending its run);  not differentiable",
    kernels={"cpu": _mode_index_cpu,
             "cuda": lambda x, **p: to_device(_mode_index_cpu(to_host(x), **p),
                                              device_of(x))})


@exports({"torch": "mode", "Tensor": "mode"}, "values_indices")
def mode(x, axis: int = -1, keepdims: bool = False):
    """``(values, indices)``: the most frequent value along ``axis`` (the smallest among
    equally frequent ones) and the index PyTorch's CPU kernel returns for it (``mode_index``:
    its sort's order among equal values, so the last occurrence on lines of up to 16 and as
    its introsort leaves them beyond; the n^2 composite this replaced took the last)."""
    from .shape import squeeze
    av = aval_of(x)
    if av.ndim == 0:
        return x, _zero_index(x)
    a = _axis("mode", x, axis)
    _nonempty("mode", av, a)
    index = bind(mode_index_p, x, axis=a)
    value = take_along_axis(x, index, a)
    if not keepdims:
        value, index = squeeze(value, a), squeeze(index, a)
    return value, index
