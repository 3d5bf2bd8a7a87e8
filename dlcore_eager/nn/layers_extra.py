"""More layers: ``LayerNorm``, ``GroupNorm``, ``Bilinear``, ``CosineSimilarity``,
``PairwiseDistance``, ``AlphaDropout`` and ``FeatureAlphaDropout`` (with ``F.alpha_dropout``
and ``F.feature_alpha_dropout``).  The maths are the
composites of dlcore/ops/nn_functional.py; these modules hold the parameters and options."""

from __future__ import annotations

import math

import numpy as np

from dlcore import ops as _ops
from dlcore.ops import nn_functional as _nnf_ops
from dlcore.ops.group_norm_prims import group_norm as _fused_group_norm
from dlcore.ops.norm_prims import layer_norm as _fused_layer_norm

from .. import _dispatch as _D

from .._autocast import View
from .._graph import labelled
from .._operand_rules import torch_errors
from ..creation import empty, ones, zeros
from ..tensor import Tensor
from ..tracing import _RECORDERS
from . import init
from .module import Module, Parameter

# the norms with their autocast class (a 16-bit input with float32 weights keeps its dtype, as
# PyTorch's mixed-dtype kernels: see dlcore_eager._autocast)
_nnf = View(_nnf_ops, norm="layer_norm group_norm")
_group_norm = torch_errors(_nnf.group_norm)     # (the core's ShapeError as PyTorch's)
_ndarray, _F32, _F64 = np.ndarray, np.dtype(np.float32), np.dtype(np.float64)
_HALF = _D._HALF


def _plain_operands(x, *params) -> bool:
    """Whether ``x`` is a CPU float32/float64 Tensor and each of ``params`` None or a CPU
    Tensor of that very dtype, outside autocast and tracing: operands a norm's primitive takes
    as they are (no dtype rule, cast or record to apply)."""
    xb = x._buf if type(x) is Tensor else None
    if type(xb) is not _ndarray or (xb.dtype is not _F32 and xb.dtype is not _F64) or \
            _D._AUTOCAST or _RECORDERS:
        return False
    for p in params:
        if p is not None and (type(p._buf) is not _ndarray or p._buf.dtype is not xb.dtype):
            return False
    return True


def _half_input(x, *params) -> bool:
    """``x`` a CPU float16/bfloat16 Tensor and each of ``params`` None or a CPU float32 Tensor,
    no trace running."""
    xb = x._buf if type(x) is Tensor else None
    if type(xb) is not _ndarray or xb.dtype not in _HALF or _RECORDERS:
        return False
    for p in params:
        if p is not None and (type(p._buf) is not _ndarray or p._buf.dtype is not _F32):
            return False
    return True


class LayerNorm(Module):
    """Normalise over the trailing ``normalized_shape``; learnt elementwise scale and shift."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else \
            tuple(normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ones(*shape, dtype=dtype, device=device))
            if bias:
                self.bias = Parameter(zeros(*shape, dtype=dtype, device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:
        ns = self.normalized_shape
        if tuple(input.shape[input.ndim - len(ns):]) != ns:
            raise RuntimeError(f"Given normalized_shape={list(ns)}, expected "
                               f"input with shape [*, {', '.join(map(str, ns))}"
                               f"], but got input of size{list(input.shape)}")
        w, b = self.weight, self.bias
        if _plain_operands(input, w, b):
            # (the fused primitive itself: F.layer_norm's checks passed by construction,
            # 4x10x32 float32 ~17.5 -> ~10 us)
            return _fused_layer_norm(input, w, b, len(ns), self.eps)
        if _half_input(input, w, b):
            # a 16-bit input with float32 weights (autocast's float32 norm, or PyTorch's
            # mixed-dtype kernel outside it): computed in float32, the result in the input's
            # dtype, its grad_fn PyTorch's one NativeLayerNormBackward0 (64x32 bfloat16 under
            # autocast 35 -> ~20 us)
            out = _fused_layer_norm(input.float(), w, b, len(ns), self.eps).to(input.dtype)
            return labelled(out, "NativeLayerNormBackward0", input, edges=(input, w, b))
        return _nnf.layer_norm(input, ns, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Normalise over groups of channels; learnt per-channel scale and shift."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = (num_groups, num_channels,
                                                                     eps, affine)
        if affine:
            self.weight = Parameter(ones(num_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)
        if affine and bias:                  # PyTorch 2.13's bias=False: a scale, no shift
            self.bias = Parameter(zeros(num_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:
        w, b = self.weight, self.bias
        if _plain_operands(input, w, b) and input.ndim >= 2 and \
                input.shape[1] == self.num_channels and \
                (w is None or tuple(w.shape) == (self.num_channels,)) and \
                (b is None or tuple(b.shape) == (self.num_channels,)):
            # the fused primitive itself (F.group_norm's checks passed by construction)
            return _fused_group_norm(input, w, b, self.num_groups, self.eps)
        return labelled(_group_norm(input, self.num_groups, w, b, self.eps),
                        "NativeGroupNormBackward0", input,    # (a 16-bit input's last cast)
                        edges=(input, w, b))

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class Bilinear(Module):
    """``y = x1^T A x2 + b`` with A of shape (out, in1, in2), PyTorch's initialisation."""

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        self.weight = Parameter(empty(out_features, in1_features, in2_features, dtype=dtype,
                                      device=device))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        bound = 1 / math.sqrt(in1_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return _nnf.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class CosineSimilarity(Module):
    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return labelled(_nnf.cosine_similarity(x1, x2, self.dim, self.eps), "SumBackward1", x1)


class PairwiseDistance(Module):
    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return _nnf.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


_SELU_NEG = -1.0507009873554805 * 1.6732632423543772     # SELU's negative saturation value


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Dropout that keeps SELU's self-normalising mean and variance: dropped units take the
    saturation value, then an affine map restores mean 0 and variance 1."""
    return _alpha_dropout(input, p, training, inplace, feature=False)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """``alpha_dropout`` with one draw per (N, C) entry: whole channels take the saturation
    value (PyTorch's FeatureAlphaDropout, for SELU convolutional nets)."""
    return _alpha_dropout(input, p, training, inplace, feature=True)


def _alpha_dropout(input: Tensor, p: float, training: bool, inplace: bool,
                   feature: bool) -> Tensor:
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    if feature and input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if p == 1:
        return _ops.mul(input, 0.0)
    from ..creation import _engine
    shape = tuple(input.shape)
    if feature:                                                # PyTorch's feature noise
        shape = shape[:2] + (1,) * (input.ndim - 2)
    keep = _engine(None).bernoulli_scalar(math.prod(shape), 1.0 - p).reshape(shape)
    k = Tensor._wrap(keep.astype(input._buf.dtype))
    if input.is_cuda:
        k = k.cuda()
    # PyTorch's _dropout_impl, op for op (its bits: the dropped units' value differed in the
    # last bit before): b = (noise - 1) (alpha a) + alpha a p, noise a, input noise + b, the
    # double scalars rounded to the input's type by each op
    alpha = 1.7580993408473766      # (PyTorch's constant: -_SELU_NEG to the last bit)
    a = 1.0 / math.sqrt((alpha * alpha * p + 1) * (1 - p))
    b = _ops.add(_ops.mul(_ops.add(k, -1.0), alpha * a), alpha * a * p)
    out = _ops.add(_ops.mul(input, _ops.mul(k, a)), b)
    return input._commit(out) if inplace else out


class AlphaDropout(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input: Tensor) -> Tensor:
        return alpha_dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class FeatureAlphaDropout(AlphaDropout):
    def forward(self, input: Tensor) -> Tensor:
        return feature_alpha_dropout(input, self.p, self.training, self.inplace)
