"""``nn.functional`` for images: convolution, pooling, batch norm, padding, resizing.

PyTorch's argument names, defaults and checks, turned into the parameters of dlcore's
primitives and composites (:mod:`dlcore.ops.conv`, :mod:`dlcore.ops.pool`,
:mod:`dlcore.ops.spatial`); no maths and no gradients here.  These functions are the ``conv``
convention's adapters (``dlcore_eager._api``): the ops' definition blocks say which names they
have (``F.conv2d``, ``torch.conv2d``, ...) and the installer puts the function of that name
under them.  PyTorch is channels-first, like the primitives, so no transposes.  Unbatched input
(``(C, H, W)`` for a 2-D op) gets a batch axis of one and loses it again, as in PyTorch.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from dlcore import ops as _ops
from dlcore.errors import ShapeError
from dlcore.ops import batch_norm_prims as _bn
from dlcore.ops.conv import conv_params as _conv_params

from .. import _conv_lane
from .. import _memory_format as _mf
from .. import _tensor_ops as O
from .._graph import labelled
from .._operand_rules import torch_error
from . import _pad_crop
from ._conv_pool_errors import POOL_RANK, dtypes_check, empty_spatial_check, pool_error
from ._bn_running import update_running as _update_running
from ._bn_running import update_running_host as _update_running_host
from .functional_resize_u8 import resize_u8 as _resize_u8
from ..tensor import Tensor


def _batched(x: Tensor, nsp: int, op: str) -> tuple[Tensor, bool]:
    if x.ndim == nsp + 1:
        return _ops.expand_dims(x, 0), True
    if x.ndim != nsp + 2:
        words = POOL_RANK.get(op, "{op}: Expected {a}D (unbatched) or {b}D (batched) input, but "
                                   "got input of size: {shape}")
        raise RuntimeError(words.format(op=op, a=nsp + 1, b=nsp + 2, n=x.ndim, shape=list(x.shape)))
    return x, False


def _unbatch(y: Tensor, squeeze: bool) -> Tensor:
    return _ops.squeeze(y, 0) if squeeze else y


def _add_bias(y: Tensor, bias: Tensor | None) -> Tensor:
    if bias is None:
        return y
    return O.add_(y, _ops.reshape(bias, (-1,) + (1,) * (y.ndim - 2)))


def _conv_checks(input, weight, padding, dilation, groups, nsp, op) -> None:
    """ATen's messages: the input's rank, its channels against weight's, and a (dilated)
    kernel larger than the padded input."""
    if input.ndim not in (nsp + 1, nsp + 2):
        raise RuntimeError(f"Expected {nsp + 1}D (unbatched) or {nsp + 2}D (batched) input to "
                           f"{op}, but got input of size: {list(input.shape)}")
    if weight.ndim < 3:
        raise RuntimeError("weight should have at least three dimensions")
    if weight.ndim != nsp + 2:
        return
    shape = list(input.shape) if input.ndim == nsp + 2 else [1] + list(input.shape)
    if op.startswith("conv_transpose"):
        if shape[1] != weight.shape[0]:
            raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, "
                               f"expected input{shape} to have {weight.shape[0]} channels, "
                               f"but got {shape[1]} channels instead")
        return
    if shape[1] != weight.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, "
                           f"expected input{shape} to have {weight.shape[1] * groups} "
                           f"channels, but got {shape[1]} channels instead")
    if isinstance(padding, str) and padding != "valid":
        return
    pad = (0,) * nsp if isinstance(padding, str) else \
        tuple(padding) * (nsp if len(tuple(padding)) == 1 else 1) \
        if isinstance(padding, (tuple, list)) else (padding,) * nsp
    dil = tuple(dilation) * (nsp if len(tuple(dilation)) == 1 else 1) \
        if isinstance(dilation, (tuple, list)) else (dilation,) * nsp
    padded = [int(shape[2 + i] + 2 * pad[i]) for i in range(nsp)]
    kernel = [int(dil[i] * (weight.shape[2 + i] - 1) + 1) for i in range(nsp)]
    if any(k > n for k, n in zip(kernel, padded)):
        raise RuntimeError(f"Calculated padded input size per channel: "
                           f"({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, kernel))}). Kernel size can't be greater "
                           f"than actual input size")


def _conv(input, weight, bias, stride, padding, dilation, groups, nsp, op):
    y = _conv_lane.conv(input, weight, bias, stride, padding, dilation, groups, nsp)
    if y is not None:                   # (a call the path below made before: issue 19)
        return y
    if isinstance(input, Tensor) and isinstance(weight, Tensor) and (
            input._buf.dtype != weight._buf.dtype or bias is not None and
            isinstance(bias, Tensor) and bias._buf.dtype != input._buf.dtype):
        dtypes_check(input, weight, bias)
    if isinstance(padding, str):
        if padding not in ("same", "valid"):           # ATen's errors (the layers raise
            raise RuntimeError(f"Invalid padding string: {padding!r}")     # ValueError)
        if padding == "same" and any(s != 1 for s in np.atleast_1d(stride)):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
    fused = isinstance(bias, Tensor)     # (conv_bias: the convolution and its bias one node)
    try:
        x, sq = _batched(input, nsp, op)
        y = _ops.conv_bias(x, weight, bias, stride, padding, dilation, groups) if fused else \
            _ops.conv(x, weight, stride, padding, dilation, groups)
    except ValueError as e:             # (ATen's message where it has one, checked only
        _conv_checks(input, weight, padding, dilation, groups, nsp, op)     # on failure)
        raise RuntimeError(str(e)) from None
    except RuntimeError:
        _conv_checks(input, weight, padding, dilation, groups, nsp, op)
        raise
    if not sq and (fused or bias is None):   # (its parameters, for the lane's next call)
        _conv_lane.remember(nsp, x, weight, bias, stride, padding, dilation, groups,
                            _conv_params(x, weight, stride, padding, dilation, groups))
    if not fused or sq:
        return _unbatch(y if fused else _add_bias(y, bias), sq)
    # (PyTorch's one node for the convolution and its bias: ConvolutionBackward0, three edges)
    return labelled(y, "ConvolutionBackward0", input, weight, bias, edges=(input, weight, bias))


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def _conv_t(input, weight, bias, stride, padding, output_padding, groups, dilation, nsp, op,
            output_size=None):
    if isinstance(input, Tensor) and isinstance(weight, Tensor) and \
            input._buf.dtype != weight._buf.dtype:
        dtypes_check(input, weight, None)
    try:
        x, sq = _batched(input, nsp, op)
        y = _ops.conv_transpose(x, weight, stride, padding, output_padding, dilation, groups,
                                output_size=output_size)
    except ValueError as e:             # (ATen's message where it has one, checked only
        _conv_checks(input, weight, padding, dilation, groups, nsp, op)     # on failure)
        raise RuntimeError(str(e)) from None
    except RuntimeError:
        _conv_checks(input, weight, padding, dilation, groups, nsp, op)
        raise
    return _unbatch(_add_bias(y, bias), sq)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    return _conv_t(input, weight, bias, stride, padding, output_padding, groups, dilation, 1,
                   "conv_transpose1d")


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    return _conv_t(input, weight, bias, stride, padding, output_padding, groups, dilation, 2,
                   "conv_transpose2d")


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    return _conv_t(input, weight, bias, stride, padding, output_padding, groups, dilation, 3,
                   "conv_transpose3d")


def _stride(stride):
    return None if stride is None or stride == [] or stride == () else stride


def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nsp, op):
    x, sq = _batched(input, nsp, op)
    try:
        if return_indices:
            y, idx = _ops.max_pool_with_argmax(x, kernel_size, _stride(stride), padding,
                                               dilation, ceil_mode)
            return _unbatch(y, sq), _unbatch(idx, sq)
        return _unbatch(_ops.max_pool(x, kernel_size, _stride(stride), padding, dilation,
                                      ceil_mode), sq)
    except ShapeError as e:
        raise pool_error(e, op) from None


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1,
                     "max_pool1d")


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2,
                     "max_pool2d")


def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 3,
                     "max_pool3d")


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    k = _pool_tuple(kernel_size)
    s = k if _stride(stride) is None else _pool_tuple(stride)
    p = _pool_tuple(padding)
    if output_size is None:
        output_size = [(i - 1) * ss - 2 * pp + kk
                       for i, ss, pp, kk in zip(input.shape[-2:], s, p, k)]
    return _ops.max_unpool(input, indices, tuple(output_size)[-2:])


def _pool_tuple(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override, nsp, op):
    if divisor_override is not None and int(divisor_override) == 0:
        raise RuntimeError("divisor must be not zero")
    if isinstance(input, Tensor) and input._buf.dtype.kind in "biu":
        return _int_avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                             divisor_override, nsp, op)
    x, sq = _batched(input, nsp, op)
    if divisor_override is None:
        try:
            return _unbatch(_ops.avg_pool(x, kernel_size, _stride(stride), padding, ceil_mode,
                                          count_include_pad), sq)
        except ShapeError as e:
            raise pool_error(e, op) from None
    # window sum / divisor = count_include_pad average * (window count / divisor), constants
    from dlcore.device import const_like
    from dlcore.ops.pool import pool_params
    try:
        p = pool_params(x, kernel_size, _stride(stride), padding, 1, ceil_mode, op="avg_pool")
    except ShapeError as e:
        raise pool_error(e, op) from None
    y = _ops.avg_pool(x, kernel_size, _stride(stride), padding, ceil_mode, True)
    cnt = np.ones((), np.float64)
    for a, (n, k, s, (lo, hi), o) in enumerate(zip(x.shape[2:], p["kernel_size"], p["strides"],
                                                   p["padding"], p["out_size"])):
        start = np.arange(o) * s - lo
        size = np.minimum(start + k, n + hi) - start
        cnt = np.multiply.outer(cnt, size) if a else size.astype(np.float64)
    scale = const_like((cnt / int(divisor_override)).astype(y._buf.dtype), y)
    return _unbatch(_ops.mul(y, scale), sq)


def _not_for(kernel: str, x: Tensor) -> NotImplementedError:
    from .._dtype import from_numpy_dtype
    return NotImplementedError(f'"{kernel}" not implemented for '
                               f"'{from_numpy_dtype(x._buf.dtype)._legacy}'")


def _int_avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                  divisor_override, nsp, op):
    """Average pooling of integers, as PyTorch 2.13's CPU kernels: int64 only (other integer
    types and bool have no kernel), each window's sum divided by its divisor in integer
    arithmetic (truncated toward zero).  The sums and divisors come from the float64 pooling
    (window sums through ``divisor_override=1``), exact once rounded; not differentiable."""
    if input._buf.dtype != np.int64:
        raise _not_for("avg_pool3d_out_frame" if nsp == 3 else "avg_pool2d", input)
    from .._host import host
    xf = input.double()
    geometry = (kernel_size, stride, padding, ceil_mode)
    total = np.rint(host(_avg_pool(xf, *geometry, count_include_pad, 1, nsp, op)))
    if divisor_override is not None:
        div = np.full_like(total, int(divisor_override))
    else:
        ones = O.add_(O.mul_(xf, 0.0), 1.0)
        div = np.rint(host(_avg_pool(ones, *geometry, True, 1, nsp, op)))     # valid counts
        if count_include_pad:       # the padded window's size: valid / (valid / size)
            div = np.rint(div / host(_avg_pool(ones, *geometry, True, None, nsp, op)))
    s, d = total.astype(np.int64), div.astype(np.int64)
    out = Tensor._wrap(np.abs(s) // np.abs(d) * np.sign(s) * np.sign(d))
    return out if not input.is_cuda else out.cuda()


def _refuse_int_adaptive(x: Tensor, output_size, kernel: str, nsp: int) -> None:
    """PyTorch has no integer adaptive average pooling; an all-ones output size is a mean."""
    empty_spatial_check(x, nsp, output_size)
    if x._buf.dtype.kind not in "biu":
        return
    sizes = (output_size,) if isinstance(output_size, int) else tuple(output_size)
    if all(o == 1 for o in sizes):
        from .._dtype import from_numpy_dtype
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           "floating point or complex dtype. Got: "
                           f"{from_numpy_dtype(x._buf.dtype)._legacy}")
    raise _not_for(kernel, x)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1,
                     "avg_pool1d")


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:
    return _mf.follow(input, _avg_pool(input, kernel_size, stride, padding, ceil_mode,
                                       count_include_pad, divisor_override, 2, "avg_pool2d"))


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 3, "avg_pool3d")


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    _refuse_int_adaptive(input, output_size, "adaptive_avg_pool2d", 1)
    x, sq = _batched(input, 1, "adaptive_avg_pool1d")
    # (PyTorch pools 1-d as 2-d, then squeezes)
    return labelled(_unbatch(_ops.adaptive_avg_pool(x, output_size), sq), "SqueezeBackward1",
                    input)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    _refuse_int_adaptive(input, output_size, "adaptive_avg_pool2d", 2)
    x, sq = _batched(input, 2, "adaptive_avg_pool2d")
    if isinstance(output_size, int):
        output_size = (output_size, output_size)
    if tuple(output_size) == (1, 1):        # global average pooling: a mean is cheaper
        return labelled(_unbatch(_ops.mean(x, (2, 3), keepdims=True), sq), "MeanBackward1",
                        input)
    return labelled(_unbatch(_ops.adaptive_avg_pool(x, output_size), sq),
                    "AdaptiveAvgPool2DBackward0", input)


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    if input.ndim not in (4, 5):
        raise RuntimeError(f"adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got "
                           f"{list(input.shape)}")
    _refuse_int_adaptive(input, output_size if output_size is not None else (None,),
                         "adaptive_avg_pool3d_cpu", 3)
    x, sq = _batched(input, 3, "adaptive_avg_pool3d")
    out = (output_size,) * 3 if isinstance(output_size, int) or output_size is None \
        else tuple(output_size)
    if len(out) != 3:
        raise RuntimeError(f"adaptive_avg_pool3d: output_size must be 3, got {len(out)}")
    if out == (1, 1, 1):                    # global average pooling: a mean is cheaper
        return labelled(_unbatch(_ops.mean(x, (2, 3, 4), keepdims=True), sq), "MeanBackward1",
                        input)
    return labelled(_unbatch(_ops.adaptive_avg_pool(x, out), sq), "AdaptiveAvgPool3DBackward0",
                    input)


def _fused_ok(x, weight, bias) -> bool:
    """The fused training-mode primitives take float32/float64 input of rank >= 2 with
    weight/bias (when given) of its dtype and shape (C,).  Traces (ONNX export) record them
    too: ``dlcore.io.onnx_export`` converts them (ReduceMean, BatchNormalization)."""
    dt = x._buf.dtype
    if dt.kind != "f" or dt.itemsize not in (4, 8) or x.ndim < 2:
        return False
    c = x.shape[1]
    return all(v is None or (isinstance(v, Tensor) and v._buf.dtype == dt
                             and tuple(v.shape) == (c,) and v.device == x.device)
               for v in (weight, bias))


def _check_mixed_dtypes(input, *params) -> None:
    """ATen's batch-norm dtype rule on the CPU: parameters (running statistics, weight, bias)
    of another dtype than the input only as float32 ones for a 16-bit or float32 input (its
    ``mixed dtype (CPU)`` errors; dlcore promoted a float64 input with float32 statistics)."""
    ds = {p._buf.dtype for p in params if isinstance(p, Tensor)}
    x = input._buf.dtype if isinstance(input, Tensor) else None
    if x is None or not ds or ds == {x}:
        return
    if len(ds) == 1 and x.itemsize == 8:
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
    if ds != {np.dtype(np.float32)}:
        raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch statistics in training (running ones updated, unbiased), else the running ones."""
    axes = (0,) + tuple(range(2, input.ndim))
    if not isinstance(momentum, numbers.Real):         # None too: PyTorch's TypeError
        raise TypeError(f"batch_norm(): argument 'momentum' (position 7) must be float, not "
                        f"{type(momentum).__name__}")
    _check_mixed_dtypes(input, running_mean, running_var, weight, bias)
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        if t is not None and input.ndim > 1 and t.numel() != input.shape[1]:
            raise RuntimeError(f"{name} should contain {input.shape[1]} elements not {t.numel()}")
    if input.numel() == 0:      # (an empty batch, as PyTorch: a clone times weight[0] plus
        out = input.clone() if weight is None else input.clone() * weight[0]  # bias[0], no stats)
        return out if bias is None else out + bias[0]
    if training:
        n = math.prod([input.shape[a] for a in axes])
        if n == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {input.shape}")
        if _fused_ok(input, weight, bias):
            # the fused primitives (dlcore/ops/batch_norm_prims.py): statistics, then the
            # normalisation with them; the backward is two kernels
            st = _bn.batch_norm_stats(input)
            if running_mean is not None and running_var is not None and \
                    not _update_running_host(running_mean, running_var, st._buf, momentum, n):
                _update_running(running_mean, running_var, _ops.getitem(st, 0),
                                _ops.getitem(st, 1), momentum, n)
            out = labelled(_bn.batch_norm_train(input, st, weight, bias, eps),   # (torch's
                           "NativeBatchNormBackward0", input, edges=(input, weight, bias))
            return _mf.follow(input, out)
        # The batch moments with their axes kept, and x - mean computed once for both the
        # variance and the output: the same values as moments() + _ops.batch_norm, with fewer
        # ops to record and differentiate (no squeeze/reshape of the statistics, no second
        # x - mean and its reduction in backward)
        # (a 16-bit input: its moments and output in float32, rounded once, as PyTorch's)
        x = _ops.cast(input, np.dtype(np.float32)) if input._buf.dtype.itemsize == 2 else input
        mean = _ops.mean(x, axes, keepdims=True)
        centered = _ops.sub(x, mean)
        var = _ops.mean(_ops.square(centered), axes, keepdims=True)
        if running_mean is not None and running_var is not None:
            _update_running(running_mean, running_var, _ops.reshape(mean, (-1,)),
                            _ops.reshape(var, (-1,)), momentum, n)
        shape = (1, -1) + (1,) * (input.ndim - 2)
        scale = _ops.div(1.0, _ops.sqrt(_ops.add(var, eps)))
        if weight is not None:
            scale = _ops.mul(scale, _ops.reshape(weight, shape))
        out = _ops.mul(centered, scale)
        out = out if bias is None else _ops.add(out, _ops.reshape(bias, shape))
        if out._buf.dtype != input._buf.dtype and input._buf.dtype.itemsize == 2:
            out = _ops.cast(out, input._buf.dtype)  # (16-bit input, float32 weight: PyTorch's)
        return labelled(out, "NativeBatchNormBackward0", input,     # (PyTorch's one node)
                        edges=(input, weight, bias))
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var must be given when "
                               "training=False")
        mean, var = running_mean, running_var
    out = _ops.batch_norm(input, mean, var, weight, bias, eps, axis=1)
    if out._buf.dtype != input._buf.dtype and input._buf.dtype.itemsize == 2:
        out = _ops.cast(out, input._buf.dtype)     # (a 16-bit input's float32 statistics:
    return labelled(out, "NativeBatchNormBackward0",  # computed in float32, returned in its
                    input, edges=(input, weight, bias))  # dtype, PyTorch's; the eval node)


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """PyTorch's flat ``pad`` (last dimension first): constant, reflect, replicate; a negative
    amount crops (PyTorch pads by the positive amounts, then narrows; circular crops first)."""
    pad = tuple(pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of "
                           f"dimension {input.ndim}")
    if mode != "constant":
        check_non_constant_pad(input.ndim, len(pad))
    if any(p < 0 for p in pad):
        return _pad_crop.cropped(input, pad, mode, value, _pad_fn)
    try:
        out = _ops.pad(input, pad, mode, 0.0 if value is None else value)
    except ShapeError as e:         # (a reflection wider than the input: PyTorch's error)
        raise torch_error(e) from None
    label = _pad_crop.PAD_GRAD_FN.get(mode)
    return out if label is None else labelled(out, label.format(len(pad) // 2), input,
                                              edges=(input,))


_pad_fn = pad       # (pad's own name is its argument's inside it)


def check_non_constant_pad(ndim: int, length: int) -> None:
    """PyTorch's refusal of a reflect/replicate/circular padding whose length does not pad the
    last 1, 2 or 3 dimensions of an input with one or two more dimensions."""
    n = length // 2
    if n not in (1, 2, 3) or ndim not in (n + 1, n + 2):
        raise NotImplementedError(
            f"Padding size {length} is not supported for {ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def _warn_dropout2d_dims(ndim: int) -> None:
    """PyTorch 2.13's warnings (in training and eval alike) for an input that is not 3-D or
    4-D, and for a 3-D one, which it reads as (N, C, L); the dropout itself is unchanged: one
    draw per (N, C) entry, so a 2-D (N, C) input is dropped element by element, as there."""
    if ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {ndim}-D input to dropout2d, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior "
                      "and silence this warning, please use dropout instead. Note that "
                      "dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      "spatial dimensions, a channel dimension, and an optional batch "
                      "dimension (i.e. 3D or 4D inputs).", stacklevel=3)
    if ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change "
                      "in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
                      "dropout behavior, please switch to using dropout1d instead.",
                      stacklevel=3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels with probability p (one draw per (N, C)), scale the rest by 1/(1-p)."""
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    _warn_dropout2d_dims(input.ndim)
    if not training or p == 0 or input.numel() == 0:
        return input
    if input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    from ..creation import _engine
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)   # (PyTorch's noise: per N, C)
    u = Tensor._wrap(_engine(None).bernoulli_scalar(shape[0] * shape[1], 1.0 - p)
                     .reshape(shape).astype(input._buf.dtype))
    if input.is_cuda:
        u = u.cuda()
    keep = _ops.div(u, 1.0 - p) if p < 1 else _ops.mul(u, 0.0)
    out = O.mul_(input, keep)
    return input._commit(out) if inplace else out


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial axes: 'nearest', 'nearest-exact', 'linear' (1-D), 'bilinear' (2-D),
    'bicubic' (2-D), 'trilinear' (3-D) or 'area' (adaptive average pooling to the new size);
    a ``scale_factor`` sets the size ``floor(in * f)`` and, unless ``recompute_scale_factor``,
    the source coordinates (``dst / f``), as PyTorch (uint8: see .functional_resize_u8)."""
    if input._buf.dtype == np.uint8 and mode in ("bilinear", "bicubic") and input.ndim == 4:
        return _resize_u8(interpolate, input, size, scale_factor, mode, align_corners,
                          recompute_scale_factor, antialias)
    nsp = input.ndim - 2
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined" if size is not None
                         else "either size or scale_factor should be defined")
    need = {"linear": 1, "bilinear": 2, "trilinear": 3, "bicubic": 2}.get(mode)
    known = ("nearest", "nearest-exact", "area", "linear", "bilinear", "trilinear", "bicubic")
    if not 1 <= nsp <= 3 or mode not in known or (mode == "bicubic" and nsp != 2):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported "
                                  f"(got {input.ndim}D) for the modes: nearest | linear | "
                                  f"bilinear | bicubic | trilinear | lanczos | area | "
                                  f"nearest-exact (got {mode})")
    if mode in ("nearest", "area", "nearest-exact") and align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if need is not None and need != nsp:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {need + 2}D "
                                  f"input")
    scales = None
    if size is None:
        sf = (scale_factor,) * nsp if not isinstance(scale_factor, (tuple, list)) \
            else tuple(scale_factor)
        if len(sf) != nsp:
            raise ValueError(f"Input and scale_factor must have the same number of spatial "
                             f"dimensions, but got input with spatial dimensions of "
                             f"{list(input.shape[2:])} and scale_factor of shape {scale_factor}. "
                             f"Please provide input tensor in (N, C, d1, d2, ...,dK) format "
                             f"and scale_factor in (s1, s2, ...,sK) format.")
        size = tuple(int(np.floor(float(i * f))) for i, f in zip(input.shape[2:], sf))
        if not recompute_scale_factor and mode != "area":
            scales = tuple(float(f) for f in sf)
    out = tuple(size) if isinstance(size, (tuple, list)) else (size,) * nsp
    if len(out) != nsp:
        raise ValueError(f"Input and output must have the same number of spatial dimensions, "
                         f"but got input with spatial dimensions of {list(input.shape[2:])} "
                         f"and output size of {size}. Please provide input tensor in "
                         f"(N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) "
                         f"format.")
    if antialias and not (mode in ("bilinear", "bicubic") and nsp == 2):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos "
                         "modes and requires a 4-D tensor as input")
    if min(out) <= 0:                   # (NumPy's 'negative dimensions are not allowed')
        names = "DHW"[3 - nsp:]
        raise RuntimeError("Input and output sizes should be greater than 0, but got input ("
                           + ", ".join(f"{k}: {v}" for k, v in zip(names, input.shape[2:]))
                           + (") and output (" if nsp == 1 else ") output (") + ", ".join(
                               f"{k}: {v}" for k, v in zip(names, out)) + ")")
    if mode == "area":                  # (PyTorch's: adaptive average pooling to the size)
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[nsp - 1](
            input, out)
    label = {"nearest-exact": "NearestExact"}.get(mode, mode.capitalize()) + f"{nsp}D"
    return _mf.follow(input, labelled(_ops.interpolate(input, out, mode, bool(align_corners),
                                                       scales, bool(antialias)),
                                      f"Upsample{label}{'Aa' * bool(antialias)}Backward0", input,
                                      edges=(input,)))
