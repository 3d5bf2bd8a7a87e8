"""The long tail of ``torch.nn`` layers, each holding its options and calling a
``torch.nn.functional`` function (dlcore's composites underneath, so gradients come from the
primitives): padding (``ZeroPad1d/2d/3d``, ``ConstantPad1d/2d/3d``, ``ReflectionPad1d/2d/3d``,
``ReplicationPad1d/2d/3d``, ``CircularPad1d/2d/3d``), ``Hardshrink``, ``Softshrink``, ``Softmax2d``, ``PixelShuffle``,
``PixelUnshuffle``, ``ChannelShuffle``, ``Dropout1d``, ``Dropout3d``, ``UpsamplingNearest2d``,
``UpsamplingBilinear2d``, ``InstanceNorm1d/2d/3d``, ``RMSNorm``, ``LocalResponseNorm``,
``AdaptiveMaxPool1d/2d``, ``LPPool1d/2d``, ``MaxUnpool1d/3d``, ``Unfold`` and ``Fold``; PyTorch's signatures, defaults and reprs.
"""

from __future__ import annotations

import warnings

from dlcore import ops as _ops
from dlcore.ops import nn_long_tail as _lt

from .._autocast import entry as _autocast_entry
from ..creation import ones
from ..tensor import Tensor
from . import functional as F
from . import functional_conv as _fc
from . import functional_long_tail as _flt
from . import init
from .module import Module, Parameter
from .normalization import Dropout2d, Upsample, _BatchNorm


# ----------------------------------------------------------------------------- padding
def _ntuple(padding, n: int) -> tuple:
    return (padding,) * n if isinstance(padding, int) else tuple(padding)


class _PadNd(Module):
    _mode = "constant"
    _n = 2                       # spatial dimensions
    _shows_value = False

    def __init__(self, padding, value: float = 0.0) -> None:
        super().__init__()
        self.padding = _ntuple(padding, 2 * self._n)
        if self._mode == "constant":
            self.value = value

    def forward(self, input: Tensor) -> Tensor:
        if self._mode == "circular":
            if input.ndim not in (self._n + 1, self._n + 2):
                raise ValueError(f"expected {self._n + 1}D or {self._n + 2}D input (got "
                                 f"{input.ndim}D input)")
            if any(p > input.shape[input.ndim - 1 - i // 2] for i, p in enumerate(self.padding)):
                raise RuntimeError("Padding value causes wrapping around more than once.")
        elif self._mode != "constant":
            if input.ndim not in (self._n + 1, self._n + 2):
                if 2 * self._n > 2 * input.ndim:        # (F.pad's first check)
                    raise RuntimeError("Padding length should be less than or equal to two "
                                       f"times the input dimension but got padding length "
                                       f"{2 * self._n} and input of dimension {input.ndim}")
                _fc.check_non_constant_pad(input.ndim, 2 * self._n)
            pads = self.padding
            for i in range(self._n):
                dim = input.ndim - 1 - i
                lo, hi = pads[2 * i], pads[2 * i + 1]
                if self._mode == "reflect" and (lo >= input.shape[dim] or hi >= input.shape[dim]):
                    raise RuntimeError(f"Argument #4: Padding size should be less than the "
                                       f"corresponding input dimension, but got: padding "
                                       f"({lo}, {hi}) at dimension {dim} of input "
                                       f"{list(input.shape)}")
        return _fc.pad(input, self.padding, self._mode,
                       self.value if self._mode == "constant" else None)

    def extra_repr(self) -> str:
        if self._shows_value:
            return f"padding={self.padding}, value={self.value}"
        return f"{self.padding}"


class ConstantPad1d(_PadNd):
    _n, _shows_value = 1, True

    def __init__(self, padding, value: float) -> None:
        super().__init__(padding, value)


class ConstantPad2d(ConstantPad1d):
    _n = 2


class ConstantPad3d(ConstantPad1d):
    _n = 3


class ZeroPad1d(_PadNd):
    _n = 1

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)


class ZeroPad2d(ZeroPad1d):
    _n = 2


class ZeroPad3d(ZeroPad1d):
    _n = 3


class ReflectionPad1d(_PadNd):
    _mode, _n = "reflect", 1

    def __init__(self, padding) -> None:
        super().__init__(padding)


class ReflectionPad2d(ReflectionPad1d):
    _n = 2


class ReflectionPad3d(ReflectionPad1d):
    _n = 3


class ReplicationPad1d(ReflectionPad1d):
    _mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    _n = 2


class ReplicationPad3d(ReplicationPad1d):
    _n = 3


class CircularPad1d(ReflectionPad1d):
    _mode = "circular"


class CircularPad2d(CircularPad1d):
    _n = 2


class CircularPad3d(CircularPad1d):
    _n = 3


# ----------------------------------------------------------------------------- activations
class Hardshrink(Module):
    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return F.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    def forward(self, input: Tensor) -> Tensor:
        return F.softshrink(input, self.lambd)


class Softmax2d(Module):
    """Softmax over the channels (dim -3) of (N, C, H, W) or (C, H, W) input."""

    def forward(self, input: Tensor) -> Tensor:
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D "
                             f"instead")
        return _ops.softmax(input, -3)


# ----------------------------------------------------------------------------- shuffles
class PixelShuffle(Module):
    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"


# ----------------------------------------------------------------------------- dropout, resize
class Dropout1d(Dropout2d):
    def forward(self, input: Tensor) -> Tensor:
        return _flt.dropout1d(input, self.p, self.training, self.inplace)


class Dropout3d(Dropout2d):
    def forward(self, input: Tensor) -> Tensor:
        return _flt.dropout3d(input, self.p, self.training, self.inplace)


class UpsamplingNearest2d(Upsample):
    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    def __init__(self, size=None, scale_factor=None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


# ----------------------------------------------------------------------------- normalisation
class _InstanceNorm(_BatchNorm):
    _dims: tuple = (3, 4)

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype)
        if affine and not bias:
            self.register_parameter("bias", None)

    def _check_input_dim(self, x: Tensor) -> None:
        if x.ndim not in self._dims:
            raise ValueError(f"expected {self._dims[0]}D or {self._dims[1]}D input (got "
                             f"{x.ndim}D input)")

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        no_batch = self._dims[0]
        feature_dim = input.ndim - no_batch
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match "
                                 f"num_features ({self.num_features}), but got: "
                                 f"{input.shape[feature_dim]}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You "
                          f"can silence this warning by not passing in num_features, which is "
                          f"not used because affine=False", stacklevel=2)
        x = _ops.expand_dims(input, 0) if input.ndim == no_batch else input
        y = _flt.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                               self.training or not self.track_running_stats,
                               self.momentum if self.momentum is not None else 0.0, self.eps)
        return _ops.squeeze(y, 0) if input.ndim == no_batch else y

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class InstanceNorm1d(_InstanceNorm):
    _dims = (2, 3)


class InstanceNorm2d(_InstanceNorm):
    _dims = (3, 4)


class InstanceNorm3d(_InstanceNorm):
    _dims = (4, 5)


class RMSNorm(Module):
    """Root-mean-square layer normalisation over the trailing ``normalized_shape`` with a
    learnt elementwise scale (ones at the start)."""

    def __init__(self, normalized_shape, eps: float | None = None,
                 elementwise_affine: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else \
            tuple(normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ones(*shape, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        return _lt.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


_lrn = _autocast_entry(_lt.local_response_norm, "fp32")   # PyTorch's CPU autocast: float32


class LocalResponseNorm(Module):
    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        return _lrn(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


# ----------------------------------------------------------------------------- pooling
class AdaptiveMaxPool1d(Module):
    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input: Tensor):
        return _flt.adaptive_max_pool1d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(AdaptiveMaxPool1d):
    def forward(self, input: Tensor):
        return _flt.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class _LPPoolNd(Module):
    def __init__(self, norm_type: float, kernel_size, stride=None,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    def forward(self, input: Tensor) -> Tensor:
        return _flt.lp_pool1d(input, self.norm_type, self.kernel_size, self.stride,
                              self.ceil_mode)


class LPPool2d(_LPPoolNd):
    def forward(self, input: Tensor) -> Tensor:
        return _flt.lp_pool2d(input, self.norm_type, self.kernel_size, self.stride,
                              self.ceil_mode)


class LPPool3d(_LPPoolNd):
    def forward(self, input: Tensor) -> Tensor:
        from .functional_more import lp_pool3d
        return lp_pool3d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class MaxUnpool1d(Module):
    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        one = (lambda v: (v,) if isinstance(v, int) else tuple(v))
        self.kernel_size = one(kernel_size)
        self.stride = one(stride if stride is not None else kernel_size)
        self.padding = one(padding)

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return _flt.max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding,
                                 output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool3d(Module):
    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        three = (lambda v: (v,) * 3 if isinstance(v, int) else tuple(v))
        self.kernel_size = three(kernel_size)
        self.stride = three(stride if stride is not None else kernel_size)
        self.padding = three(padding)

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return _flt.max_unpool3d(input, indices, self.kernel_size, self.stride, self.padding,
                                 output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


# ----------------------------------------------------------------------------- blocks
class Unfold(Module):
    def __init__(self, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return _flt.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return _flt.fold(input, self.output_size, self.kernel_size, self.dilation,
                         self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
