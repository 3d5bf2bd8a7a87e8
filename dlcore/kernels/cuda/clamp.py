"""CUDA kernels of ``clamp`` and its gradient (``dlcore.ops.clamp``): the elementwise kernel
factory's, the bounds as host scalars of the operands' dtype (a missing one as -inf / +inf: one
compiled kernel for every pair of bounds).  clamp's expression is maximum's then minimum's, as
the CPU kernel computes it bit for bit (NaN in ``x`` or a bound kept, ``x`` itself at a tie,
``hi`` where ``lo > hi``); clamp_grad's is PyTorch's ``clamp_backward`` (``g`` where
``lo <= x <= hi``, else 0: a NaN ``x`` or bound gives 0), hardtanh_grad's ``lo < x < hi``."""

from __future__ import annotations

from ..cpu.clamp import bounds
from .elementwise import elementwise_kernel

_MAX = "({0} if ({0} >= {1} or {0} != {0}) else {1})"       # maximum's expression
#: clamp over (x, lo, hi): maximum's expression, then minimum's of its value
CLAMP_EXPR = "{m} if ({m} <= {{2}} or {m} != {m}) else {{2}}".format(m=_MAX)
#: clamp_grad over (g, x, lo, hi)
GRAD_EXPR = "{0} if ({1} >= {2} and {1} <= {3}) else 0"
#: hardtanh_grad over (g, x, lo, hi): strictly inside only (PyTorch's ``hardtanh_backward``)
STRICT_GRAD_EXPR = "{0} if ({1} > {2} and {1} < {3}) else 0"

_forward = elementwise_kernel("clamp", CLAMP_EXPR, 3)
_grad = elementwise_kernel("clamp_grad", GRAD_EXPR, 4)
_strict_grad = elementwise_kernel("hardtanh_grad", STRICT_GRAD_EXPR, 4)


def clamp(x, *, lo=None, hi=None):
    return _forward(x, *bounds(lo, hi, x.dtype))


def clamp_grad(g, x, *, lo=None, hi=None):
    return _grad(g, x, *bounds(lo, hi, x.dtype))


def hardtanh_grad(g, x, *, lo, hi):
    return _strict_grad(g, x, *bounds(lo, hi, x.dtype))
