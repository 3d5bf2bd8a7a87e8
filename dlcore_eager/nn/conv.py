"""Convolution layers: ``Conv1d/2d/3d`` and ``ConvTranspose1d/2d/3d``.

Parameter shapes, initialisation and state_dict keys as PyTorch, so weights move between the
two: ``weight`` is ``(out_channels, in_channels/groups, *kernel_size)`` for a convolution and
``(in_channels, out_channels/groups, *kernel_size)`` for a transposed one; both are initialised
with ``kaiming_uniform_(a=sqrt(5))`` (that is ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``) and the
bias with the same bound, ``fan_in`` taken from the weight as PyTorch does.
"""

from __future__ import annotations

import math

from ..creation import empty
from ..tensor import Tensor
from . import functional_conv as F
from . import init
from .module import Module, Parameter


def _ntuple(v, n: int) -> tuple:
    return (v,) * n if isinstance(v, int) else tuple(v)


class _ConvNd(Module):
    _n = 2
    _transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 output_padding=0, device=None, dtype=None) -> None:
        super().__init__()
        n = self._n
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):            # PyTorch's checks, at construction
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 "{'valid', 'same'}")
            if padding == "same" and any(s != 1 for s in _ntuple(stride, n)):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError(f"padding_mode must be one of 'zeros', 'reflect', 'replicate', "
                             f"'circular', but got padding_mode={padding_mode!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _ntuple(kernel_size, n)
        self.stride = _ntuple(stride, n)
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, n)
        self.dilation = _ntuple(dilation, n)
        self.output_padding = _ntuple(output_padding, n)
        self.groups, self.padding_mode = groups, padding_mode
        if self._transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(empty(*shape, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * self._n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _padded(self, x: Tensor):
        """(input, padding for the primitive): non-zero padding modes pad explicitly first."""
        if self.padding_mode == "zeros" or self.padding == "valid":
            return x, self.padding
        flat = []
        if self.padding == "same":      # PyTorch's split: the odd pixel goes on the right
            for d, k in zip(reversed(self.dilation), reversed(self.kernel_size)):
                total = d * (k - 1)
                flat += [total // 2, total - total // 2]
        else:
            for p in reversed(self.padding):
                flat += [p, p]
        return F.pad(x, flat, self.padding_mode), 0


class Conv1d(_ConvNd):
    _n = 1

    def forward(self, input: Tensor) -> Tensor:
        input, p = self._padded(input)
        return F.conv1d(input, self.weight, self.bias, self.stride, p, self.dilation, self.groups)


class Conv2d(_ConvNd):
    _n = 2

    def forward(self, input: Tensor) -> Tensor:
        input, p = self._padded(input)
        return F.conv2d(input, self.weight, self.bias, self.stride, p, self.dilation, self.groups)


class Conv3d(_ConvNd):
    _n = 3

    def forward(self, input: Tensor) -> Tensor:
        input, p = self._padded(input)
        return F.conv3d(input, self.weight, self.bias, self.stride, p, self.dilation, self.groups)


class _ConvTransposeNd(_ConvNd):
    """PyTorch's argument order for the transposed convolutions: ``output_padding`` is the
    sixth positional argument and ``dilation`` comes after ``bias``."""

    _transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for '
                             f'{type(self).__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride=stride,
                         padding=padding, dilation=dilation, groups=groups, bias=bias,
                         padding_mode=padding_mode, output_padding=output_padding,
                         device=device, dtype=dtype)


class ConvTranspose1d(_ConvTransposeNd):
    _n = 1

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        return F._conv_t(input, self.weight, self.bias, self.stride, self.padding,
                         self.output_padding, self.groups, self.dilation, 1, "conv_transpose1d",
                         output_size)


class ConvTranspose2d(_ConvTransposeNd):
    _n = 2

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        return F._conv_t(input, self.weight, self.bias, self.stride, self.padding,
                         self.output_padding, self.groups, self.dilation, 2, "conv_transpose2d",
                         output_size)


class ConvTranspose3d(_ConvTransposeNd):
    _n = 3

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        return F._conv_t(input, self.weight, self.bias, self.stride, self.padding,
                         self.output_padding, self.groups, self.dilation, 3, "conv_transpose3d",
                         output_size)
