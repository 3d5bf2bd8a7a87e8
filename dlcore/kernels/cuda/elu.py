"""CUDA kernels of ``elu`` and its gradient (``dlcore.ops.activations``; the formulas in
``dlcore.kernels.cpu.elu``): the elementwise kernel factory's, with the coefficients
(``alpha * scale``, ``scale``, ``input_scale``) as host scalars of the operands' dtype (one
kernel for every elu, selu and slope)."""

from __future__ import annotations

from ...registry import scalar_buffer
from .elementwise import elementwise_kernel

#: elu over (x, negcoef, poscoef, negiptcoef)
ELU_EXPR = "({0} * {2}) if {0} > 0 else (math.expm1({0} * {3}) * {1})"
#: elu_grad over (g, x, negcoef, poscoef, negiptcoef)
GRAD_EXPR = "({0} * {3}) if {1} > 0 else ({0} * {4} * {2} * math.exp({1} * {4}))"

_forward = elementwise_kernel("elu", ELU_EXPR, 4)
_grad = elementwise_kernel("elu_grad", GRAD_EXPR, 5)


def _coefs(d, alpha, scale, input_scale):
    t = d.type
    return (scalar_buffer(float(t(alpha) * t(scale)), d), scalar_buffer(float(scale), d),
            scalar_buffer(float(input_scale), d))


def elu(x, *, alpha, scale=1.0, input_scale=1.0):
    return _forward(x, *_coefs(x.dtype, alpha, scale, input_scale))


def elu_grad(g, x, *, alpha, scale=1.0, input_scale=1.0):
    return _grad(g, x, *_coefs(g.dtype, alpha, scale, input_scale))
