"""CUDA kernels of hardshrink, softshrink, threshold and their gradients (``dlcore.ops.shrink``;
the formulas in ``dlcore.kernels.cpu.shrink``): the elementwise kernel factory's, with the
bounds and values as host scalars of the operands' dtype."""

from __future__ import annotations

from ...registry import scalar_buffer
from .elementwise import elementwise_kernel

# over (x, lo, hi), (g, x, lo, hi), (x, t, value), (g, x, t)
_hardshrink = elementwise_kernel("hardshrink", "({0} - {0}) if ({0} >= {1} and {0} <= {2}) "
                                 "else {0}", 3)
_softshrink = elementwise_kernel("softshrink", "({0} - {2}) if {0} > {2} else (({0} - {1}) "
                                 "if {0} < {1} else ({0} - {0}))", 3)
_shrink_grad = elementwise_kernel("shrink_grad", "{0} if ({1} > {3} or {1} < {2}) else 0", 4)
_threshold = elementwise_kernel("threshold", "{2} if {0} <= {1} else {0}", 3)
_threshold_grad = elementwise_kernel("threshold_grad", "0 if {1} <= {2} else {0}", 3)


def _s(v, d):
    return scalar_buffer(float(v), d)


def hardshrink(x, *, lambd):
    return _hardshrink(x, _s(-lambd, x.dtype), _s(lambd, x.dtype))


def softshrink(x, *, lambd):
    return _softshrink(x, _s(-lambd, x.dtype), _s(lambd, x.dtype))


def shrink_grad(g, x, *, lambd):
    return _shrink_grad(g, x, _s(-lambd, g.dtype), _s(lambd, g.dtype))


def threshold(x, *, threshold, value):
    return _threshold(x, _s(threshold, x.dtype), _s(value, x.dtype))


def threshold_grad(g, x, *, threshold):
    return _threshold_grad(g, x, _s(threshold, g.dtype))
