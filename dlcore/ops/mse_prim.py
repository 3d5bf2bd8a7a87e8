"""The mean (or the sum) of squared differences as one primitive::

    mse(a, b; mean)   y = sum((a - b)^2) / n   (mean; n the element count)
                      y = sum((a - b)^2)       (not mean)          a, b of one shape and dtype
                      da = g (a - b) c,  db = -da,   c = 2 / n (mean) or 2
                                                    (PyTorch's mse_loss_backward)

Its kernels are the composite's kernels in the composite's order (sub, mul, the sum over every
axis, the division by n) on the device's own kernels, so the values are the ones
``dlcore.ops.composites.mse`` made from four primitives, bit for bit; the gradient is PyTorch's
formula (for ``g = 1``, a loss's ``backward()``, the composite's chain-rule value too).  One node
where there were four: ``F.mse_loss`` of 32x10 float32 forward 18.4 -> 12.4 us (PyTorch 9.3),
forward and backward 51 -> 30 us (PyTorch 37; issue 19).  Operands of two shapes (a target
broadcast against the input) and 16-bit floats keep the composite.  The vjp is a composite of
primitives, so any order of derivatives follows.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ShapeError
from ..kernels.cpu._fp_quiet import _FP
from ..kernels.cpu.runtime import PARALLEL_THRESHOLD
from ..registry import AVal, Primitive, aval_of, bind, scalar_buffer
from . import _rules
from ._fastpath import _ufunc_now
from .elementwise import div_p, mul, mul_p, neg, sub, sub_p
from .reduce import sum_p

_ndarray = np.ndarray
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


def _mse_rule(a: AVal, b: AVal, *, mean: bool) -> AVal:
    if a.shape != b.shape:
        raise ShapeError("mse", "needs its two inputs of one shape", [a.shape, b.shape])
    _rules.require_float("mse", a)
    return AVal((), _rules.same_dtype("mse", a, b))


def _kernel(dev: str):
    def mse(a, b, *, mean):
        if dev == "cpu":
            out = _cpu_small(a, b, mean)
            if out is not None:
                return out
        d = sub_p.kernels[dev](a, b)
        s = sum_p.kernels[dev](mul_p.kernels[dev](d, d), axes=tuple(range(len(a.shape))),
                               keepdims=False)
        if not mean:
            return s
        return div_p.kernels[dev](s, scalar_buffer(float(math.prod(a.shape)), s.dtype))
    mse.__name__ = f"mse_{dev}"
    return mse


_FP_GET, _FP_SET, _IGNORE = _FP
_CPU_KERNELS = (sub_p.kernels["cpu"], mul_p.kernels["cpu"], div_p.kernels["cpu"])


def _cpu_small(a, b, mean: bool):
    """The CPU kernels' values where each of sub, mul and div would call NumPy's ufunc (two
    float32/float64 buffers below the parallel threshold: what their entries do, warnings
    silenced), without their entries (15 -> ~10 us a call); None elsewhere."""
    if type(a) is not _ndarray or type(b) is not _ndarray or a.size >= PARALLEL_THRESHOLD or \
            (sub_p.kernels["cpu"], mul_p.kernels["cpu"], div_p.kernels["cpu"]) != _CPU_KERNELS:
        return None
    d = a.dtype
    if (d is not _F32 and d is not _F64) or b.dtype is not d:
        return None
    before = _FP_GET()
    try:
        _FP_SET(_IGNORE)
        e = np.subtract(a, b)
        s = sum_p.kernels["cpu"](np.multiply(e, e), axes=tuple(range(a.ndim)), keepdims=False)
        if mean:
            s = np.true_divide(s, scalar_buffer(float(a.size), d))
    finally:
        _FP_SET(before)
    return s if type(s) is _ndarray else np.asarray(s)


def _scale(a, mean: bool) -> float:
    return 2.0 / float(math.prod(aval_of(a).shape)) if mean else 2.0


def _mse_vjp(g, y, a, b, *, mean):
    if type(g) is _ndarray and type(a) is _ndarray and type(b) is _ndarray:
        d = g.dtype
        if (d is _F32 or d is _F64) and a.dtype is d and b.dtype is d and _ufunc_now(g):
            # eager backward on NumPy buffers (the loop silences NumPy's warnings): PyTorch's
            # (a - b) c g in the dtype, by NumPy's ufuncs where the kernels would run them
            c = 2.0 / float(a.size) if mean else 2.0
            da = np.multiply(np.multiply(np.subtract(a, b), d.type(c)), g)
            return da, (lambda: np.negative(da))
    da = mul(mul(sub(a, b), _scale(a, mean)), g)
    return da, (lambda: neg(da))


mse_p = Primitive(
    "mse", _mse_rule, _mse_vjp, kind="reduce",
    doc="y = sum((a - b)^2) / n (or the sum);  da = g (a - b) 2 / n (or 2),  db = -da",
    kernels={"cpu": _kernel("cpu"), "cuda": _kernel("cuda")})


def mse(a, b, mean: bool):
    """``mse_p`` of two float arrays of one shape and dtype."""
    return bind(mse_p, a, b, mean=bool(mean))
