"""The 2-norm over axes as one primitive (``vector_norm(x, 2, axes)``, PyTorch's
``LinalgVectorNormBackward0``, TensorFlow's ``EuclideanNorm``), instead of the composite
``where(s == 0, 0, sqrt(where(s == 0, 1, s)))``, ``s = sum(x * x)`` (six nodes forward, more
backward; ``x.norm(2, dim=1)`` of an 8x32 float32 tensor with grad 43 us against PyTorch's 3)::

    norm2(x)             y = sqrt(sum(x * x, axes, keepdims))  (squares in x's dtype, summed in
                         float64 on the CPU and CUDA kernels)
                         dx = norm2_grad(g, x)
    norm2_grad(g, x)     dx = x * (g / y), 0 where y == 0 (PyTorch's norm_backward: the
                         subgradient 0 at a zero norm; x = inf gives NaN, as PyTorch's);
                         with ``masked=False`` (tf.norm) NaN at a zero norm, TensorFlow's
                         its vjp written with dlcore ops (and norm2), so any order of
                         derivative works: with r = 1 / y (0 where y == 0),
                         u = sum(c * x, axes) r:   dg = u,  dx = g r (c - x u r), that dx
                         NaN over a zero norm's row when masked (PyTorch's second
                         derivative there: its masked 0 / 0; dg 0 there, as its)

Both take ``axes`` (a sorted tuple of non-negative ints, as the reductions') and ``keepdims``;
``g`` has ``y``'s shape.  The gradient kernel recomputes the row norms (a primitive has one
output, and the forward's ``y`` is not an input: its own derivative would need one more edge).
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..kernels.cpu import norm2 as _cpu
from ..kernels.cuda import norm2 as _cuda
from ..registry import AVal, Primitive, aval_of, bind
from . import _rules
from .elementwise import div, equal, mul, sub, where
from .reduce import _reduced_shape
from .reduce import sum as _sum
from .shape import expand_dims, reshape

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


def _norm2_rule(x: AVal, *, axes, keepdims, masked=True) -> AVal:
    _rules.require_float("norm2", x)
    return AVal(_reduced_shape(x.shape, axes, keepdims), x.dtype)


def _grad_rule(g: AVal, x: AVal, *, axes, keepdims, masked=True) -> AVal:
    _rules.require_float("norm2_grad", x)
    want = _reduced_shape(x.shape, axes, keepdims)
    if not _rules.same_shape(g.shape, want) or g.dtype != x.dtype:
        raise ShapeError("norm2_grad", f"the cotangent must have the norm's shape {list(want)} "
                         f"and dtype {x.dtype.name}, got {list(g.shape)} {g.dtype.name}",
                         [g.shape, x.shape])
    return AVal(x.shape, x.dtype)


def _norm2_vjp(g, y, x, *, axes, keepdims, masked=True):
    if masked and type(g) is np.ndarray and type(x) is np.ndarray and g.dtype is x.dtype and \
            (g.dtype is _F32 or g.dtype is _F64) and g.shape == y.shape:
        # eager backward's buffers: the CPU kernel bind would call (its rule holds)
        return (_cpu.norm2_grad(g, x, axes=axes, keepdims=keepdims),)
    return (norm2_grad(g, x, axes, keepdims, masked),)


def _grad_vjp(c, out, g, x, *, axes, keepdims, masked=True):
    y = norm2(x, axes, True, masked)
    if masked:
        zero = equal(y, 0)
        r = where(zero, 0.0, div(1.0, where(zero, 1.0, y)))
    else:                               # (TensorFlow's: inf, then NaN, at a zero norm)
        r = div(1.0, y)
    u = mul(_sum(mul(c, x), axes, True), r)

    def d_g():
        return u if keepdims else reshape(u, aval_of(g).shape)

    def d_x():
        gk = g if keepdims else expand_dims(g, axes)
        rx = r
        if masked:                      # (PyTorch's: NaN over a zero norm's row, whatever c
            rx = where(zero, np.nan, r)  # and g; dg stays 0 there, as its)
        gr = mul(gk, rx)
        return mul(gr, sub(c, mul(x, mul(u, rx))))
    return (d_g, d_x)


norm2_p = Primitive(
    "norm2", _norm2_rule, _norm2_vjp, kind="other", tf_type="EuclideanNorm",
    doc="y = sqrt(sum(x * x, axes, keepdims));  dx = norm2_grad(g, x) = x g / y (0 at y == 0)",
    kernels={"cpu": _cpu.norm2, "cuda": _cuda.norm2})
norm2_grad_p = Primitive(
    "norm2_grad", _grad_rule, _grad_vjp, kind="other",
    doc="y = x g / norm2(x) (0 where the norm is 0);  r = 1/norm (0 at 0), u = sum(c x) r: "
        "dg = u, dx = g r (c - x u r) (NaN at a zero norm, PyTorch's)",
    kernels={"cpu": _cpu.norm2_grad, "cuda": _cuda.norm2_grad})


def norm2(x, axes, keepdims: bool = False, masked: bool = True):
    """The 2-norm of float ``x`` over ``axes`` (None: all; normalised here).  ``masked``:
    its gradient is 0 at a zero norm (PyTorch's); False: NaN there (TensorFlow's tf.norm,
    ``sqrt(sum(x * x))``), a ``masked=False`` param on the nodes."""
    av = aval_of(x)
    axes = _rules.normalize_axes("norm2", axes, av.ndim, av.shape)
    if masked:
        return bind(norm2_p, x, axes=axes, keepdims=bool(keepdims))
    return bind(norm2_p, x, axes=axes, keepdims=bool(keepdims), masked=False)


def norm2_grad(g, x, axes: tuple, keepdims: bool, masked: bool = True):
    if masked:
        return bind(norm2_grad_p, g, x, axes=tuple(axes), keepdims=bool(keepdims))
    return bind(norm2_grad_p, g, x, axes=tuple(axes), keepdims=bool(keepdims), masked=False)
