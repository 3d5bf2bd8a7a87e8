"""dlcore_eager: define-by-run deep learning in the style of PyTorch, on the dlcore kernel core.

``import dlcore_eager as torch`` and PyTorch programs of the kind in the seed notes run
unchanged: tensors with ``requires_grad`` and ``backward()``, ``autograd.Function``,
``nn.Module``, ``optim``, ``utils.data.DataLoader``, ``.cuda()``.

The layering, from the bottom:

* ``dlcore``                    dtypes, devices, primitives (shape rule, vjp rule, kernels), the
                                one reverse-mode routine; all the maths is there;
* ``tensor`` / ``_dispatch``    the Tensor and ``apply`` (run a primitive, record a tape node);
* ``_tensor_ops`` & co.         PyTorch's names and calling conventions for dlcore's ops;
* ``autograd``                  backward/grad on the tape, Function, grad mode;
* ``nn``, ``optim``, ``utils.data``, ``serialization``: the libraries around them.
"""

# ruff: noqa: F401  (this module re-exports the public API)
from __future__ import annotations

import builtins as _builtins
import sys as _sys

from dlcore.device import Device as _Device
from dlcore.device import as_device as _as_device
from dlcore import dtypes as _dlcore_dtypes

# _dispatch (Tensor.__dlcore_frontend__), _indexing (x[i], x[i] = v), creation (Tensor(...)),
# autograd (Tensor.backward) and legacy_types (Tensor.type) attach Tensor's methods that need
# more than tensor.py, which imports none of them.
from . import (
    _dispatch,
    _dtype,
    _indexing,
    _methods,
    _new_methods,
    accelerator,
    autograd,
    backends,
    cuda,
    nn,
    onnx,
    optim,
    utils,
)
from ._dtype import bool_ as bool
from ._dtype import (
    cdouble,
    cfloat,
    complex64,
    complex128,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)


def __getattr__(name: str):
    """``torch.bfloat16`` and ``torch.BFloat16Tensor``: ml_dtypes' bfloat16, imported on first
    use (0.5 s; see dlcore.dtypes); AttributeError without ml_dtypes, as before."""
    if name in ("bfloat16", "BFloat16Tensor") and hasattr(_dtype, "bfloat16"):
        from .legacy_types import CPU_TYPES
        globals()["bfloat16"] = _dtype.bfloat16
        globals()["BFloat16Tensor"] = CPU_TYPES[_dtype.bfloat16]
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The names, bfloat16's included before ml_dtypes is imported (see dlcore.dtypes)."""
    return _dlcore_dtypes.dir_with_bfloat16(globals(), "bfloat16", "BFloat16Tensor")


from ._memory_format import (
    channels_last,
    channels_last_3d,
    contiguous_format,
    memory_format,
    preserve_format,
)
from ._shape_ops import (
    broadcast_to,
    cat,
    chunk,
    clone,
    concat,
    concatenate,
    flatten,
    split,
    squeeze,
    stack,
    swapaxes,
    t,
    transpose,
    unbind,
    unsqueeze,
)
from ._tensor_ops import (
    all,
    any,
    argmax,
    argmin,
    bmm,
    clamp,
    clip,
    dot,
    expm1,
    log1p,
    logical_not,
    masked_fill,
    matmul,
    max,
    min,
    mm,
    norm,
    outer,
    reciprocal,
    rsqrt,
    std,
    var,
)
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled  # (torch.*)
from .autograd.grad_mode import is_inference_mode_enabled
from ._signatures import (  # PyTorch's argument names and out= for the hand-written ones
    all,
    allclose,
    any,
    argmax,
    argmin,
    bmm,
    cat,
    chunk,
    clamp,
    clip,
    concat,
    concatenate,
    dot,
    equal,
    flatten,
    ger,
    masked_fill,
    matmul,
    max,
    min,
    mm,
    norm,
    outer,
    permute,
    reshape,
    split,
    squeeze,
    stack,
    std,
    std_mean,
    swapaxes,
    swapdims,
    t,
    transpose,
    unbind,
    unsqueeze,
    var,
    var_mean,
)
from ._info import finfo, iinfo
from .creation import get_default_device, logspace, set_default_device
from .creation import (
    Generator,
    arange,
    as_tensor,
    default_generator,
    empty,
    empty_like,
    eye,
    from_dlpack,
    from_numpy,
    full,
    full_like,
    initial_seed,
    linspace,
    manual_seed,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    seed,
    tensor,
    zeros,
    zeros_like,
)
from .legacy_types import BoolTensor, DoubleTensor, FloatTensor, IntTensor, LongTensor
from .serialization import load, save
from .tensor import Size, Tensor



class _DeviceMeta(type):
    def __instancecheck__(cls, obj) -> _builtins.bool:
        return isinstance(obj, _Device)


class device(metaclass=_DeviceMeta):
    """``torch.device('cuda:0')``: returns a ``dlcore.Device`` with the index as given, as
    PyTorch's (``device('cuda').index`` is None, ``device('cpu', 0)`` is ``cpu:0``, and
    ``device('cuda') != device('cuda:0')``); ``dlcore.as_device`` reads either as the place."""

    def __new__(cls, *args, **kwargs):
        from ._device_args import torch_device
        return torch_device(args, kwargs)


def is_tensor(obj) -> _builtins.bool:
    """PyTorch's ``isinstance(obj, torch.Tensor)`` (a quantized ``QTensor`` is a ``Tensor``
    subclass, see ``_qtensor``)."""
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> _builtins.int:
    return input.numel()


def is_floating_point(input: Tensor) -> _builtins.bool:
    return input.is_floating_point()


def typename(obj) -> str:
    return obj.type() if isinstance(obj, Tensor) else type(obj).__name__


__version__ = "0.1.0"

# Every op's PyTorch names (torch.exp, Tensor.exp, F.tanh, Tensor.__add__, ...) come from its
# definition block in dlcore; installing them last lets every module above exist first.
# (for mypy, the module's __getattr__ above, unannotated, types them as Any)
from . import linalg, return_types, special  # noqa: E402
from . import distributions  # noqa: E402
from . import amp  # noqa: E402
from . import jit  # noqa: E402
from . import cpu  # noqa: E402  (torch.cpu, torch.cpu.amp)
from . import _sparse  # noqa: E402  (sparse COO gradients)
from ._sparse import sparse_coo, sparse_coo_tensor  # noqa: E402
from . import sparse  # noqa: E402  (torch.sparse)
from .sparse import spmm  # noqa: E402
from ._compile import compile  # noqa: E402, A004
from . import _extra_ops  # noqa: E402
from .amp import autocast, get_autocast_dtype, is_autocast_enabled  # noqa: E402
from .amp import (  # noqa: E402
    clear_autocast_cache,
    get_autocast_cpu_dtype,
    is_autocast_cache_enabled,
    is_autocast_cpu_enabled,
)
from .cuda import amp as _cuda_amp  # noqa: E402, F401  (torch.cuda.amp)
from . import _api_install  # noqa: E402

_api_install.activate()
_extra_ops.install(_sys.modules[__name__])     # after the generated names: never overrides
from .distributions import _torch_sampler_ops  # (binomial, _standard_gamma, _sample_dirichlet)

_torch_sampler_ops.install(_sys.modules[__name__])
from . import _math_extra, _stats_ops, random  # noqa: E402  (statistics, windows, RNG state)

_stats_ops.install(_sys.modules[__name__])
_math_extra.install(_sys.modules[__name__])
from . import _long_tail  # noqa: E402  (promotion queries, addcmul, as_strided, ...)

_long_tail.install(_sys.modules[__name__])
from . import _long_tail_ops  # noqa: E402  (addcmul/addcdiv, chain_matmul, torch.lu)

_long_tail_ops.install(_sys.modules[__name__])
from . import _tensor_long_tail  # noqa: E402  (unfold, resize_, the in-place samplers, ...)

_tensor_long_tail.install()
from . import _api_longtail, compiler  # noqa: E402  (asarray, unravel_index, Tensor.vdot, ...)

_api_longtail.install(_sys.modules[__name__])
from . import func, hub, testing  # noqa: E402  (torch.func, torch.hub, torch.testing)
from . import fx, profiler  # noqa: E402  (torch.fx, torch.profiler)
from . import _docs

_docs.fill(Tensor)                  # in-place forms, operators, methods mirroring torch.X
_sparse.install()                   # Tensor.is_sparse / to_sparse / sparse_mask
from . import _complex, fft  # noqa: E402  (complex numbers, torch.fft)

_complex.install(_sys.modules[__name__])
from . import _dtype_guards  # noqa: E402  (PyTorch's dtype rules where the primitives differ)

_dtype_guards.install(_sys.modules[__name__])
from . import _inplace_ops  # noqa: E402  (in-place bit operators: PyTorch's check order)

_inplace_ops.install()
from . import _dtype_guards_nn  # noqa: E402  (losses, norms, distances, rand_like of ints)

_dtype_guards_nn.install(_sys.modules[__name__])
from . import _saved_derived  # noqa: E402  (more grad_fn._saved_*: norms, conv, sizes)
_saved_derived.install(_sys.modules[__name__])
from . import _scalar_dims  # noqa: E402  (a dim on a 0-d tensor, as PyTorch reads it)

_scalar_dims.install(_sys.modules[__name__])
from . import _fast_paths  # noqa: E402  (x[a:b] and torch.cat of CPU tensors, issue 19)

_fast_paths.install()
from . import _autocast

_autocast.install()                 # each listed op entry gets its autocast class
from . import _numpy_keywords  # noqa: E402  (x.sum(1, keepdims=True), torch.cat(xs, axis=0))

_numpy_keywords.install(_sys.modules[__name__])
from . import _replay_lane, _shape_lanes  # noqa: E402  (the long tail: replayed plans)

_replay_lane.install(_sys.modules[__name__])
_shape_lanes.install(_sys.modules[__name__])    # (topk's and sort's front entries)
from . import _factory_lane, _factory_out  # noqa: E402  (zeros, ones, empty, full: quick)

_factory_out.install(_sys.modules[__name__])    # (out=, behind the quick entries)

_factory_lane.install(_sys.modules[__name__])
from . import ao, quantization  # noqa: E402  (torch.ao.quantization, nn.quantized.dynamic)
from ._qtensor import (  # noqa: E402  (quantized tensors: torch.qint8, quantize_per_tensor)
    dequantize,
    per_channel_affine,
    per_channel_affine_float_qparams,
    per_channel_symmetric,
    per_tensor_affine,
    per_tensor_symmetric,
    qint8,
    qint32,
    qscheme,
    quantize_per_channel,
    quantize_per_tensor,
    quint8,
)
from .nn import functional as _nn_functional

for _name in ("selu_", "celu_", "threshold_", "rrelu_"):   # torch's in-place functions: F's
    setattr(_sys.modules[__name__], _name, getattr(_nn_functional, _name))
