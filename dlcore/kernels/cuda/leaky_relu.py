"""CUDA kernels of ``leaky_relu`` and its gradient (``dlcore.ops.activations``): the
elementwise kernel factory's, with the slope as a host scalar of the operands' dtype (one
kernel for every slope; a float32 product stays float32, as on the CPU)."""

from __future__ import annotations

from ...registry import scalar_buffer
from .elementwise import elementwise_kernel

_forward = elementwise_kernel("leaky_relu", "{0} if {0} > 0 else {0} * {1}", 2)
_grad = elementwise_kernel("leaky_relu_grad", "{0} if {1} > 0 else {0} * {2}", 3)


def leaky_relu(x, *, alpha):
    return _forward(x, scalar_buffer(float(alpha), x.dtype))


def leaky_relu_grad(g, x, *, alpha):
    return _grad(g, x, scalar_buffer(float(alpha), g.dtype))
