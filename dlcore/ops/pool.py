"""Pooling over one, two or three spatial axes of channels-first input ``(N, C, *spatial)``.

    max_pool(x)            y[n,c,p] = max_{k} x[n,c,p*s-pad+k*d]   (padding never wins)
                           dx = plane_scatter(g, max_pool_argmax(x))
    max_pool_argmax(x)     i[n,c,p] = flat spatial index (row-major over D, H, W) of the
                           window's first maximum
                           (PyTorch's return_indices; not differentiable)
    plane_gather(x, i)     y[n,c,p] = x[n,c,i[n,c,p]]  (each (n, c) plane flattened)
                           dx = plane_scatter(g, i)
    plane_scatter(g, i)    y = zeros;  y[n,c,i[n,c,p]] += g[n,c,p]   (max_unpool)
                           dg = plane_gather(c, i)
    avg_pool(x)            y[n,c,p] = sum of the window / count   (PyTorch's divisor rule)
                           dx = avg_pool_grad(g)
    avg_pool_grad(g)       the adjoint of avg_pool;  dg = avg_pool(c)

Parameters: ``kernel_size``, ``strides``, ``dilation`` (max only) one int per spatial axis,
``padding`` one (lo, hi) pair per axis, and ``out_size``, the number of windows per axis, which
the wrappers compute (``ceil_mode`` adds windows that start inside the input or the leading
padding, as PyTorch).  For ``avg_pool`` the divisor is PyTorch's: with ``count_include_pad``
the window clipped to the padded input (``hi`` padding included, ceil_mode's extra not), else
the window clipped to the input.  TensorFlow's 'SAME' average pool is count_include_pad=False.
Layout: channels-first primitives, as :mod:`dlcore.ops.conv` (TF front ends transpose NHWC).

Unknown spatial sizes (a static graph on a ``[None, None, None, C]`` placeholder, as TF1 allows):
an axis whose size is unknown when the graph is built has ``out_size`` None and, for a strided
'SAME' pool, ``padding`` the string 'SAME' (its split depends on the size).  :func:`pool_axis`
is the one size rule: the shape rules call it when the size is known, the kernels (through
:func:`_sizes_known`) with the buffer's actual size, so the Numba/CUDA kernels always get
complete sizes.  Gradients of such a pool pass the pool's input as an extra operand of
``plane_scatter`` / ``avg_pool_grad``, whose shape (only) gives the input size at run time.
"""

from __future__ import annotations

from ..api import exports
from ..errors import DTypeNotImplemented, ShapeError
from ..kernels.cpu import conv as _cpu
from ..kernels.cuda import conv as _cuda
from ..registry import AVal, Primitive, aval_of, bind
from . import _rules
from ._params_memo import key_of, remember
from .conv import resolve_padding, same_padding, tuple_n


def pool_axis(i, k: int, s: int, pad, d: int = 1, ceil_mode: bool = False, op: str = "pool",
              shape=None) -> tuple:
    """The one size rule of an axis: ``(padding pair, windows)`` for input size ``i``,
    ``pad`` a ``(lo, hi)`` pair or 'SAME' (TensorFlow's split, the odd pixel at hi).  With
    ``i`` None (unknown until run time) the windows are None and ``pad`` is returned as given."""
    if i is None:
        return pad, None
    if isinstance(pad, str):
        pad = same_padding(i, k, s, d)
    o = _windows(i, k, s, pad, d, ceil_mode)
    if o < 1:
        raise ShapeError(op, f"Output size is too small (kernel {k}, input {i})",
                         [shape] if shape is not None else [])
    return pad, o


def _windows(i: int, k: int, s: int, pad, d: int, ceil_mode: bool) -> int:
    """The number of windows of an axis of size ``i`` (``pad`` a ``(lo, hi)`` pair), < 1 when
    the input is too small."""
    lo, hi = pad
    span = i + lo + hi - d * (k - 1) - 1
    o = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (o - 1) * s >= i + lo:
        o -= 1
    return o


def _too_small(op, shape, k, s, pads, d, ceil_mode) -> ShapeError:
    """The error of a pool whose output would be empty, in PyTorch's words (``Given input
    size: (1x1x1). Calculated output size: (1x0x0). Output size is too small``); ``in_size``
    and ``out_size`` hold the (C, *spatial) sizes for a front end's own wording."""
    c = "?" if shape[1] is None else shape[1]
    sp = tuple(shape[2:])
    outs = tuple(_windows(i, kk, ss, pp, dd, ceil_mode)
                 for i, kk, ss, pp, dd in zip(sp, k, s, pads, d))
    err = ShapeError(op, f"Given input size: ({'x'.join(map(str, (c,) + sp))}). Calculated "
                         f"output size: ({'x'.join(map(str, (c,) + outs))}). Output size is "
                         "too small", [shape])
    setattr(err, "in_size", (c,) + sp)       # (read with getattr by the front ends)
    setattr(err, "out_size", (c,) + outs)
    setattr(err, "kernel", tuple(k))
    return err


def complete_sizes(in_size: tuple, kernel_size, strides, padding, dilation=None,
                   op: str = "pool") -> tuple:
    """``(padding, out_size)`` of a pool over spatial size ``in_size`` (the actual one)."""
    d = dilation or (1,) * len(kernel_size)
    pads, outs = [], []
    for i, k, s, p, dd in zip(in_size, kernel_size, strides, padding, d):
        pp, o = pool_axis(i, k, s, p, dd, op=op, shape=in_size)
        pads.append(pp)
        outs.append(o)
    return tuple(pads), tuple(outs)


def _sizes_known(kernel, avg: bool = False):
    """``kernel`` (max_pool's, max_pool_argmax's or avg_pool's, any device) called with complete
    ``padding`` and ``out_size``: the entries a static graph left unknown are worked out from
    the input buffer by :func:`complete_sizes`.  Known sizes go straight through."""
    if avg:
        def avg_pool(x, *, kernel_size, strides, padding, out_size, count_include_pad):
            if None in out_size:
                padding, out_size = complete_sizes(tuple(int(v) for v in x.shape[2:]),
                                                   kernel_size, strides, padding,
                                                   op="avg_pool")
            return kernel(x, kernel_size=kernel_size, strides=strides, padding=padding,
                          out_size=out_size, count_include_pad=count_include_pad)
        return avg_pool

    def max_pool(x, *, kernel_size, strides, padding, dilation, out_size):
        if None in out_size:
            padding, out_size = complete_sizes(tuple(int(v) for v in x.shape[2:]), kernel_size,
                                               strides, padding, dilation, op="max_pool")
        return kernel(x, kernel_size=kernel_size, strides=strides, padding=padding,
                      dilation=dilation, out_size=out_size)
    return max_pool


def _scatter_sized(kernel):
    """plane_scatter's kernel; a third operand (the pool's input) gives ``out_size``."""
    def plane_scatter(g, idx, x=None, *, out_size):
        if x is not None and None in out_size:
            out_size = tuple(int(v) for v in x.shape[2:])
        return kernel(g, idx, out_size=out_size)
    return plane_scatter


def _avg_grad_sized(kernel):
    """avg_pool_grad's kernel; a second operand (the pool's input) gives ``in_size`` and, with
    it, a 'SAME' padding left unresolved."""
    def avg_pool_grad(g, x=None, *, in_size, kernel_size, strides, padding, count_include_pad):
        if x is not None and None in in_size:
            in_size = tuple(int(v) for v in x.shape[2:])
            padding, out = complete_sizes(in_size, kernel_size, strides, padding,
                                          op="avg_pool_grad")
            if out != tuple(int(v) for v in g.shape[2:]):
                raise ShapeError("avg_pool_grad", f"gradient of spatial size "
                                 f"{list(g.shape[2:])} for an input of size {list(in_size)} "
                                 f"(expected {list(out)})", [tuple(g.shape), tuple(x.shape)])
        return kernel(g, in_size=in_size, kernel_size=kernel_size, strides=strides,
                      padding=padding, count_include_pad=count_include_pad)
    return avg_pool_grad


def _check(op, x: AVal, n: int, float_only: bool = True) -> None:
    if x.ndim != n + 2:
        raise ShapeError(op, f"expected a rank-{n + 2} (N, C, *spatial) input", [x.shape])
    if float_only:
        _rules.require_float(op, x)


def _pool_rule(op):
    def rule(x: AVal, *, kernel_size, strides, padding, out_size, dilation=None, **_) -> AVal:
        _check(op, x, len(kernel_size))
        if None in out_size:      # unknown when the graph was built: known now, or still None
            out_size = complete_sizes(tuple(x.shape[2:]), kernel_size, strides, padding,
                                      dilation, op)[1]
        return AVal(tuple(x.shape[:2]) + tuple(out_size), x.dtype)
    return rule


def _argmax_rule(x: AVal, **p) -> AVal:
    out = _pool_rule("max_pool_argmax")(x, **p)
    return AVal(out.shape, _int64())


def _int64():
    import numpy as np
    return np.dtype(np.int64)


def _plane_gather_rule(x: AVal, i: AVal) -> AVal:
    if i.dtype.kind not in "iu":
        raise DTypeNotImplemented("plane_gather", "indices must be integers", [i.dtype])
    if x.ndim < 3 or i.ndim < 3 or tuple(x.shape[:2]) != tuple(i.shape[:2]):
        raise ShapeError("plane_gather", "expected (N, C, *spatial) values and indices with the "
                         "same N and C", [x.shape, i.shape])
    return AVal(tuple(i.shape), x.dtype)


def _plane_scatter_rule(g: AVal, i: AVal, x: AVal | None = None, *, out_size) -> AVal:
    if i.dtype.kind not in "iu":
        raise DTypeNotImplemented("plane_scatter", "indices must be integers", [i.dtype])
    if tuple(g.shape) != tuple(i.shape) or g.ndim < 3:
        raise ShapeError("plane_scatter", "values and indices must have the same (N, C, "
                         "*spatial) shape", [g.shape, i.shape])
    if x is not None and None in out_size:
        out_size = tuple(x.shape[2:])
    return AVal(tuple(g.shape[:2]) + tuple(out_size), g.dtype)


def _avg_pool_grad_rule(g: AVal, x: AVal | None = None, *, in_size, kernel_size, **_) -> AVal:
    _check("avg_pool_grad", g, len(kernel_size))
    if x is not None and None in in_size:
        in_size = tuple(x.shape[2:])
    return AVal(tuple(g.shape[:2]) + tuple(in_size), g.dtype)


def _sp(x) -> tuple:
    return tuple(aval_of(x).shape[2:])


def _max_pool_vjp(g, y, x, **p):
    sp = _sp(x)
    if None in sp:            # the input size is known at run time only: x's shape gives it
        return (lambda: bind(plane_scatter_p, g, bind(max_pool_argmax_p, x, **p), x,
                             out_size=sp),)
    return (lambda: bind(plane_scatter_p, g, bind(max_pool_argmax_p, x, **p), out_size=sp),)


def _plane_gather_vjp(g, y, x, i):
    return (lambda: bind(plane_scatter_p, g, i, out_size=_sp(x)), None)


def _plane_scatter_vjp(c, y, g, i, *x, out_size):
    return (lambda: bind(plane_gather_p, c, i), None) + (None,) * len(x)


def _avg_pool_vjp(g, y, x, *, kernel_size, strides, padding, out_size, count_include_pad):
    sp = _sp(x)
    p = {"in_size": sp, "kernel_size": kernel_size, "strides": strides, "padding": padding,
         "count_include_pad": count_include_pad}
    if None in sp:            # the input size is known at run time only: x's shape gives it
        return (lambda: bind(avg_pool_grad_p, g, x, **p),)
    return (lambda: bind(avg_pool_grad_p, g, **p),)


def _avg_pool_grad_vjp(c, y, g, *x, in_size, kernel_size, strides, padding, count_include_pad):
    out = _sp(g)
    if any(isinstance(pp, str) for pp in padding):      # a 'SAME' split left to run time
        out = (None,) * len(out)
    return (lambda: bind(avg_pool_p, c, kernel_size=kernel_size, strides=strides,
                         padding=padding, out_size=out, count_include_pad=count_include_pad),
            ) + (None,) * len(x)


max_pool_p = Primitive(
    "max_pool", _pool_rule("max_pool"), _max_pool_vjp, kind="pool",
    doc="y[n,c,p] = max_k x[n,c,p*s-pad+k*d];  dx = plane_scatter(g, max_pool_argmax(x))",
    kernels={"cpu": _sizes_known(_cpu.max_pool), "cuda": _sizes_known(_cuda.max_pool)})
max_pool_argmax_p = Primitive(
    "max_pool_argmax", _argmax_rule, None, differentiable=False, kind="pool",
    doc="i[n,c,p] = flat spatial index of the first maximum of the window;  not differentiable",
    kernels={"cpu": _sizes_known(_cpu.max_pool_argmax),
             "cuda": _sizes_known(_cuda.max_pool_argmax)})
plane_gather_p = Primitive(
    "plane_gather", _plane_gather_rule, _plane_gather_vjp, kind="pool",
    doc="y[n,c,p] = x[n,c,i[n,c,p]];  dx = plane_scatter(g, i)",
    kernels={"cpu": _cpu.plane_gather, "cuda": _cuda.plane_gather})
plane_scatter_p = Primitive(
    "plane_scatter", _plane_scatter_rule, _plane_scatter_vjp, kind="pool",
    doc="y = zeros;  y[n,c,i[n,c,p]] += g[n,c,p];  dg = plane_gather(c, i)",
    kernels={"cpu": _scatter_sized(_cpu.plane_scatter),
             "cuda": _scatter_sized(_cuda.plane_scatter)})
avg_pool_p = Primitive(
    "avg_pool", _pool_rule("avg_pool"), _avg_pool_vjp, kind="pool",
    doc="y[n,c,p] = sum_k x[n,c,p*s-pad+k] / count(p);  dx = avg_pool_grad(g)",
    kernels={"cpu": _sizes_known(_cpu.avg_pool, True),
             "cuda": _sizes_known(_cuda.avg_pool, True)})
avg_pool_grad_p = Primitive(
    "avg_pool_grad", _avg_pool_grad_rule, _avg_pool_grad_vjp, kind="pool",
    doc="y[n,c,q] = sum_{p: q in window(p)} g[n,c,p] / count(p);  dg = avg_pool(c)",
    kernels={"cpu": _avg_grad_sized(_cpu.avg_pool_grad),
             "cuda": _avg_grad_sized(_cuda.avg_pool_grad)})


# ----------------------------------------------------------------------------- functional ops
class PoolPaddingError(ValueError, RuntimeError):
    """Explicit padding wider than half a pooling window, in PyTorch's words (a RuntimeError
    there, a ValueError as TensorFlow's argument errors)."""


def _check_pads(op: str, pads, k, d) -> None:
    """PyTorch's two checks, in its order: each pad (depth, height, width) at most half the
    *effective* kernel ``(k - 1) * d + 1``, then every pad at most half the kernel itself
    (the second only bites with dilation > 1; ``max_pool1d`` says it in its own words)."""
    if op == "max_pool1d":
        for p, kk in zip(pads, k):
            if p > kk // 2:
                raise PoolPaddingError(f"max_pool1d() padding should be at most half of kernel "
                                       f"size, but got padding={p} and kernel_size={kk}")
    for p, kk, dd in zip(pads, k, d):
        if p > ((kk - 1) * dd + 1) // 2:
            raise PoolPaddingError(f"pad should be at most half of effective kernel size, but "
                                   f"got pad={p}, kernel_size={kk} and dilation={dd}")
    if all(p <= kk // 2 for p, kk in zip(pads, k)):
        return
    if len(k) == 3:
        raise PoolPaddingError(f"pad should be smaller than or equal to half of kernel size, but "
                               f"got kT: {k[0]} kW: {k[2]} kH: {k[1]} padT: {pads[0]} padW: "
                               f"{pads[2]} padH: {pads[1]}")
    kh, ph = (k[0], pads[0]) if len(k) == 2 else (1, 0)
    raise PoolPaddingError(f"pad should be smaller than or equal to half of kernel size, but got "
                           f"padW = {pads[-1]}, padH = {ph}, kW = {k[-1]}, kH = {kh}")


_POOL_PARAMS: dict = {}       # _params_memo's key -> pool_params' result


def pool_params(x, kernel_size, strides=None, padding=0, dilation=1, ceil_mode=False,
                op="max_pool", spatial_dims: int | None = None) -> dict:
    """Normalised parameters, out_size included (PyTorch's ceil_mode rule); a call with
    plain arguments is worked out once per input shape (``_params_memo``).  A fresh dict
    every call: callers edit it."""
    xa = aval_of(x)
    key = key_of(xa.shape, kernel_size, strides, padding, dilation, ceil_mode, op,
                 spatial_dims)
    hit = _POOL_PARAMS.get(key) if key is not None else None
    if hit is None:
        hit = _pool_params(xa, kernel_size, strides, padding, dilation, ceil_mode, op,
                           spatial_dims)
        remember(_POOL_PARAMS, key, hit)
    return dict(hit)


def _pool_params(xa, kernel_size, strides, padding, dilation, ceil_mode, op,
                 spatial_dims) -> dict:
    n = spatial_dims if spatial_dims is not None else xa.ndim - 2
    if n not in (1, 2, 3) or xa.ndim != n + 2:
        raise ShapeError(op, f"expected a (N, C, *spatial) input with {n} spatial axes",
                         [xa.shape])
    k = tuple_n("kernel_size", kernel_size, n, op)
    s = k if strides is None or (not isinstance(strides, int) and len(strides) == 0) \
        else tuple_n("stride", strides, n, op)
    d = tuple_n("dilation", dilation, n, op)
    if min(k) < 1 or min(s) < 1 or min(d) < 1:
        raise ValueError(f"{op}: kernel_size, stride and dilation must be positive, got "
                         f"{list(k)}, {list(s)}, {list(d)}")
    sp = tuple(xa.shape[2:])
    if isinstance(padding, str) and padding.upper() == "SAME" and None in sp:
        # TF1's pool on an unknown size: the split is worked out at run time (pool_axis)
        pads = tuple("SAME" if i is None and ss != 1 else same_padding(kk if i is None else i,
                                                                       kk, ss, dd)
                     for i, kk, ss, dd in zip(sp, k, s, d))
    else:
        pads = resolve_padding(padding, sp, k, s, d, op)
    if not isinstance(padding, str):
        _check_pads(op, [max(pp) for pp in pads], k, d)
    if ceil_mode and None in sp:
        raise ValueError(f"{op}: ceil_mode needs known spatial sizes, got {list(sp)}")
    outs = []
    try:
        for i, kk, ss, pp, dd in zip(sp, k, s, pads, d):
            outs.append(pool_axis(i, kk, ss, pp, dd, ceil_mode, op, xa.shape)[1])
    except ShapeError:
        raise _too_small(op, xa.shape, k, s, pads, d, ceil_mode) from None
    return {"kernel_size": k, "strides": s, "padding": pads, "dilation": d,
            "out_size": tuple(outs)}


@exports({"torch": ("max_pool1d", "max_pool2d", "max_pool3d"),
          "torch.nn.functional": ("max_pool1d", "max_pool2d", "max_pool3d"),
          "tf.nn": ("max_pool", "max_pool1d", "max_pool2d", "max_pool3d")}, "conv")
def max_pool(x, kernel_size, strides=None, padding=0, dilation=1, ceil_mode=False):
    """Max pooling of channels-first ``x``; padding an int, pairs, 'SAME' or 'VALID'."""
    op = "max_pool1d" if aval_of(x).ndim == 3 else "max_pool"
    return bind(max_pool_p, x, **pool_params(x, kernel_size, strides, padding, dilation,
                                             ceil_mode, op=op))


def max_pool_with_argmax(x, kernel_size, strides=None, padding=0, dilation=1, ceil_mode=False):
    """``(values, indices)``: the values through plane_gather, so they are differentiable."""
    p = pool_params(x, kernel_size, strides, padding, dilation, ceil_mode)
    idx = bind(max_pool_argmax_p, x, **p)
    return bind(plane_gather_p, x, idx), idx


@exports({"torch.nn.functional": "max_unpool2d"}, "conv")
def max_unpool(x, indices, out_size):
    """PyTorch's max_unpool: values written to their (flat spatial) indices in zeros.  Where
    indices repeat (overlapping windows, e.g. kernel 3 stride 2) the last value of the plane
    wins, as PyTorch's loop: a set (``scatter_set``), not plane_scatter's sum.  The gradient of
    a value that lost is 0 (the derivative; PyTorch's backward gathers g for it too)."""
    import math

    from .elementwise import full_like
    from .indexing import getitem
    from .scatter_ops import scatter_set
    from .shape import broadcast_to, reshape
    out_size = tuple(int(v) for v in out_size)
    n, c = aval_of(x).shape[:2]
    q = math.prod(out_size)
    flat_x = reshape(x, (n, c, -1))
    if aval_of(flat_x).shape[2] == 0:
        return bind(plane_scatter_p, x, indices, out_size=out_size)
    zeros = broadcast_to(full_like(getitem(flat_x, (slice(None), slice(None), slice(0, 1))),
                                   0), (n, c, q))
    y = scatter_set(zeros, flat_x, reshape(indices, (n, c, -1)), 2)
    return reshape(y, (n, c) + out_size)


@exports({"torch": "avg_pool1d",
          "torch.nn.functional": ("avg_pool1d", "avg_pool2d", "avg_pool3d"),
          "tf.nn": ("avg_pool", "avg_pool1d", "avg_pool2d", "avg_pool3d")}, "conv")
def avg_pool(x, kernel_size, strides=None, padding=0, ceil_mode=False,
             count_include_pad=True):
    """Average pooling of channels-first ``x``; 'SAME' padding counts only real pixels (TF)."""
    p = pool_params(x, kernel_size, strides, padding, 1, ceil_mode, op="avg_pool")
    if isinstance(padding, str):
        count_include_pad = False
    del p["dilation"]
    return bind(avg_pool_p, x, count_include_pad=bool(count_include_pad), **p)
