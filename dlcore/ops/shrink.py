"""hardshrink, softshrink and threshold of a float tensor as primitives, PyTorch's kernels::

    hardshrink(x; l)         = 0 if -l <= x <= l else x              dx = shrink_grad(g, x; l)
    softshrink(x; l)         = x - l above l, x + l below -l, else 0 dx = shrink_grad(g, x; l)
    shrink_grad(g, x; l)     = g if x > l or x < -l else 0   (PyTorch's hardshrink_backward and
                                                              softshrink_backward, one formula)
    threshold(x; t, v)       = v if x <= t else x                    dx = threshold_grad(g, x; t)
    threshold_grad(g, x; t)  = 0 if x <= t else g

(a NaN ``x``: NaN out, its shrink gradient 0 and its threshold gradient ``g``; the zeros +0.0:
PyTorch's vectorised bodies, whose scalar tail of a few elements gives -0.0 and passes ``g`` at
NaN instead).  One node each way, where the composites of comparisons and ``where`` made four
to nine forward (64x128 float32, one thread: hardshrink 31 us against PyTorch's 1.9, softshrink
47 against 2.2, threshold 18 against 4.0; issue 19).  The gradients are linear in ``g`` and
piecewise constant in ``x``: their own vjp is themselves for ``g`` and zeros for ``x``.
Integer tensors keep the composites (``threshold``'s; PyTorch refuses them for the shrinks).
Kernels: ``dlcore/kernels/cpu/shrink.py`` and ``dlcore/kernels/cuda/shrink.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..api import REQUIRED, exports
from ..dtypes import finfo
from ..kernels.cpu import shrink as _cpu
from ..kernels.cuda import shrink as _cuda
from ..registry import AVal, Primitive, aval_of, bind
from . import _rules
from ._fastpath import LEAN_VJPS
from .activations import _dx_by, linear_in_g
from .elementwise import less_equal, where

_F = "torch.nn.functional"


# (``scalars``: the CUDA kernels' bounds and values, host scalar operands)
def _unary_rule(name):
    def rule(x: AVal, *scalars: AVal, **params) -> AVal:
        _rules.require_float(name, x)
        return AVal(x.shape, x.dtype)
    return rule


def _grad_rule(name):
    def rule(g: AVal, x: AVal, *scalars: AVal, **params) -> AVal:
        _rules.require_float(name, g, x)
        _rules.same_dtype(name, g, x)
        return AVal(_rules.broadcast_shapes(name, g.shape, x.shape), g.dtype)
    return rule


# (the gradients are linear in g and piecewise constant in x: activations.linear_in_g)
shrink_grad_p = Primitive(
    "shrink_grad", _grad_rule("shrink_grad"), linear_in_g("shrink_grad"), kind="other",
    doc="y = g where x > l or x < -l, else 0 (NaN x: 0);  dg = shrink_grad(c, x), dx = 0",
    kernels={"cpu": _cpu.shrink_grad, "cuda": _cuda.shrink_grad})
threshold_grad_p = Primitive(
    "threshold_grad", _grad_rule("threshold_grad"), linear_in_g("threshold_grad"),
    kind="other",
    doc="y = 0 where x <= t, else g (NaN x: g);  dg = threshold_grad(c, x), dx = 0",
    kernels={"cpu": _cpu.threshold_grad, "cuda": _cuda.threshold_grad})
_shrink_vjp, _shrink_lean = _dx_by(shrink_grad_p)


def _threshold_vjp(g, y, x, *, threshold, value):
    return _threshold_dx(g, y, x, threshold=threshold)


def _threshold_lean(fe, g, y, x, *, threshold, value):
    return _threshold_lean_dx(fe, g, y, x, threshold=threshold)


_threshold_dx, _threshold_lean_dx = _dx_by(threshold_grad_p)

hardshrink_p = Primitive(
    "hardshrink", _unary_rule("hardshrink"), _shrink_vjp, kind="other",
    doc="y = 0 where -l <= x <= l, else x (NaN: NaN);  dx = shrink_grad(g, x; l)",
    kernels={"cpu": _cpu.hardshrink, "cuda": _cuda.hardshrink})
softshrink_p = Primitive(
    "softshrink", _unary_rule("softshrink"), _shrink_vjp, kind="other",
    doc="y = x - l above l, x + l below -l, else 0 (NaN: NaN);  dx = shrink_grad(g, x; l)",
    kernels={"cpu": _cpu.softshrink, "cuda": _cuda.softshrink})
threshold_p = Primitive(
    "threshold", _unary_rule("threshold"), _threshold_vjp, kind="other",
    doc="y = v where x <= t, else x (NaN: NaN);  dx = threshold_grad(g, x; t)",
    kernels={"cpu": _cpu.threshold, "cuda": _cuda.threshold})
for _p in (hardshrink_p, softshrink_p):
    LEAN_VJPS[_p] = _shrink_lean
LEAN_VJPS[threshold_p] = _threshold_lean


def _is_float(x) -> bool:
    return aval_of(x).dtype.kind == "f"


# ----------------------------------------------------------------------------- functions
@exports({_F: "hardshrink", "torch": "hardshrink", "Tensor": "hardshrink"}, "args")
def hardshrink(x, lambd: float = 0.5):
    """``x`` where ``|x| > lambd``, else 0 (NaN kept);  ``dx = g [|x| > lambd]`` (the
    ``hardshrink`` primitive for a float ``x``)."""
    if _is_float(x):
        return bind(hardshrink_p, x, lambd=float(lambd))
    from .elementwise import abs, equal, greater, stop_gradient
    return where(greater(abs(x), lambd), x, where(equal(x, x), 0.0, stop_gradient(x)))


@exports({_F: "softshrink"}, "args", float_only=True)
def softshrink(x, lambd: float = 0.5):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, 0 between (the
    ``softshrink`` primitive); a negative ``lambd``: PyTorch's RuntimeError."""
    if lambd < 0:
        dt = np.dtype(aval_of(x).dtype)
        name = {"float16": "Half", "bfloat16": "BFloat16", "float32": "Float",
                "float64": "Double"}.get(dt.name, dt.name)
        raise RuntimeError(f"lambda must be in range [0, {float(finfo(dt).max):g}] for input "
                           f"dtype {name}, but found {lambd:g}")
    return bind(softshrink_p, x, lambd=float(lambd))


@exports({_F: "threshold", "torch": "threshold"}, "activation", float_only=False,
         torch_params=(("threshold", REQUIRED), ("value", REQUIRED)))
def threshold(x, threshold: float, value: float):  # noqa: A002
    """PyTorch's ``x <= threshold ? value : x`` (NaN kept, its gradient passing): the
    ``threshold`` primitive for a float ``x``; an integer tensor's number value converted to
    its dtype as C does (a float truncated)."""
    dt = aval_of(x).dtype
    if dt.kind == "f" and isinstance(threshold, (int, float)) and \
            isinstance(value, (int, float)):
        return bind(threshold_p, x, threshold=float(threshold), value=float(value))
    at: Any = threshold
    to: Any = value
    if dt.kind in "iu":
        at, to = (np.array(int(v)).astype(dt)[()] if isinstance(v, (int, float)) else v
                  for v in (threshold, value))
    return where(less_equal(x, at), to, x)
