"""PyTorch names that tutorial and example programs use and that the op tables do not generate:
``torch.asarray``, ``torch.unravel_index``, ``torch.vmap``, ``torch.rsub``, ``torch.range``,
``torch.scalar_tensor``, the float32 matmul precision setting, the remaining legacy tensor types
(``torch.ByteTensor``, ...), the function forms of in-place methods (``torch.relu_(x)``), and
Tensor methods such as ``swapdims``, ``adjoint``, ``vdot``, ``new``, ``split_with_sizes``,
``narrow_copy``, ``dim_order``, ``xlogy_``/``sinc_``, ``cfloat``/``cdouble`` and the
always-false device/layout queries (``is_meta``, ``is_mps``, ``is_quantized``, ...).

Each is a composition of existing ops or a query, with PyTorch 2.13's results, dtypes, grad_fn
names and error wording (checked in tests/eager/test_api_longtail_torch.py and
test_api_longtail_tensor.py); ``install(torch)`` attaches them without overriding any name
that already exists.
"""

from __future__ import annotations

import builtins
import warnings

import numpy as np

from dlcore import dtypes as _dt
from dlcore.device import as_device

from . import _dtype as D
from . import creation as C
from ._graph import labelled
from ._matmul_checks import check_vector_dtypes
from .tensor import Tensor

_MATMUL_PRECISION = ["highest"]
_INTEROP_THREADS: list[builtins.int] = []


# ----------------------------------------------------------------------------- torch.*
def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=None):
    """``torch.asarray``: share memory with ``obj`` where it can (a Tensor, or a NumPy array
    of the wanted dtype), copy when ``copy=True`` or a conversion is needed; ``copy=False``
    refuses a conversion (PyTorch's ValueError).  As PyTorch 2.13, an unspecified
    ``requires_grad`` keeps a tensor's own flag."""
    if isinstance(obj, Tensor):
        t = obj
        want = dtype if dtype is not None else t.dtype
        if copy is False and want is not t.dtype:
            raise ValueError(f"can't alias tensor with dtype '{_legacy(t.dtype)}' into dtype "
                             f"'{_legacy(want)}'.")
        if want is not t.dtype or (device is not None and as_device(device) != t.device):
            t = t.to(device=device if device is not None else t.device, dtype=want)
        elif copy:
            t = t.clone()
        if requires_grad is not None and t.requires_grad != requires_grad:
            t = t.detach().requires_grad_(requires_grad) if t is not obj or not requires_grad \
                else t.requires_grad_(True)
        return t
    if isinstance(obj, np.ndarray) and not copy:
        want = D.to_numpy_dtype(dtype) if dtype is not None else obj.dtype
        if np.dtype(want) != obj.dtype:
            if copy is False:
                raise ValueError(f"can't alias tensor with dtype "
                                 f"'{_legacy(D.from_numpy_dtype(obj.dtype))}' into dtype "
                                 f"'{_legacy(dtype)}'.")
        else:
            t = C.from_numpy(obj)
            if device is not None:
                t = t.to(device)
            return t.requires_grad_(True) if requires_grad else t
    t = C.tensor(obj, dtype=dtype, device=device)
    return t.requires_grad_(True) if requires_grad else t


def _legacy(dtype) -> str:
    """PyTorch's legacy name of a dtype ('Float', 'Long', ...) for error messages."""
    return getattr(dtype, "_legacy", str(dtype))


def unravel_index(indices, shape):
    """The coordinates of flat ``indices`` in an array of ``shape``: a tuple of int64 tensors
    shaped like ``indices`` (negative and out-of-range indices wrap, as PyTorch 2.13's)."""
    if not isinstance(indices, Tensor):
        raise TypeError(f"expected 'indices' to be integer dtype, but got "
                        f"{type(indices).__name__}")
    if indices.is_floating_point() or indices.is_complex() or indices.dtype is D.bool_:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shape = (shape,) if isinstance(shape, builtins.int) else tuple(builtins.int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError("'shape' cannot have negative values, but got " + str(shape))
    rest = indices.to(D.int64).numpy()
    out = []
    for s in reversed(shape):
        out.append(np.mod(rest, s) if s else np.zeros_like(rest))
        rest = np.floor_divide(rest, s) if s else rest
    return tuple(C.from_numpy(np.array(c, dtype=np.int64).reshape(rest.shape))
                 .to(indices.device) for c in reversed(out))


def set_float32_matmul_precision(precision: str) -> None:
    """Recorded and reported by get_float32_matmul_precision; dlcore's float32 matmul is
    always full precision ('highest'), which every setting allows."""
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      f"setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _MATMUL_PRECISION[0] = precision


def get_float32_matmul_precision() -> str:
    """The value last set by ``set_float32_matmul_precision`` ('highest' by default)."""
    return _MATMUL_PRECISION[0]


def get_num_interop_threads() -> builtins.int:
    """The value set by ``set_num_interop_threads``, else the intra-op thread count."""
    from ._extra_ops import get_num_threads
    return _INTEROP_THREADS[0] if _INTEROP_THREADS else get_num_threads()


def set_num_interop_threads(n: builtins.int) -> None:
    """Recorded only: dlcore runs no inter-op thread pool (ops run one after another)."""
    if n <= 0:
        raise RuntimeError("Expected n > 0 to be true, but got false.")
    if _INTEROP_THREADS:
        raise RuntimeError("Error: cannot set number of interop threads after parallel work "
                           "has started or set_num_interop_threads called")
    _INTEROP_THREADS.append(builtins.int(n))


def scalar_tensor(s, *, dtype=None, device=None, requires_grad: builtins.bool = False):
    """A 0-d tensor of ``s`` in the default float dtype unless ``dtype`` is given."""
    return C.tensor(builtins.float(s) if dtype is None else s,
                        dtype=dtype if dtype is not None else D.get_default_dtype(),
                        device=device, requires_grad=requires_grad)


def rsub(input: Tensor, other, *, alpha=1) -> Tensor:
    """``other - alpha * input`` (RsubBackward0 for a tensor ``other``, RsubBackward1 for a
    number)."""
    if type(alpha) is not int or alpha != 1:
        from ._alpha import checked_alpha
        alpha = checked_alpha(input, other, alpha)
    scaled = input if alpha == 1 else input * alpha
    out = other - scaled
    label = "RsubBackward0" if isinstance(other, Tensor) else "RsubBackward1"
    return labelled(out, label, input, *([other] if isinstance(other, Tensor) else []))


def range_(start, end=None, step=1, *, dtype=None, device=None,
           requires_grad: builtins.bool = False) -> Tensor:
    """Deprecated ``torch.range``: ``[start, end]`` including ``end``, in the default float
    dtype unless ``dtype`` is given."""
    if end is None:
        raise TypeError('range() missing 1 required positional arguments: "end"')
    warnings.warn("torch.range is deprecated and will be removed in a future release because "
                  "its behavior is inconsistent with Python's range builtin. Instead, use "
                  "torch.arange, which produces values in [start, end).", UserWarning,
                  stacklevel=2)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    n = builtins.int(np.floor((end - start) / step)) + 1
    vals = start + step * np.arange(builtins.max(n, 0), dtype=np.float64)
    dt = dtype if dtype is not None else D.get_default_dtype()
    return C.tensor(vals, dtype=dt, device=device, requires_grad=requires_grad)


def set_default_tensor_type(t) -> None:
    """Deprecated: set the default dtype (and device) from a legacy type or its name."""
    from .legacy_types import CPU_TYPES, CUDA_TYPES
    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives.",
                  UserWarning, stacklevel=2)
    if isinstance(t, str):
        if "BFloat16" in t:
            _dt.load_bfloat16()
        names = {repr(v)[8:-2]: v for v in (*CPU_TYPES.values(), *CUDA_TYPES.values())}
        if t not in names:
            raise TypeError(f"invalid type: '{t}'")
        t = names[t]
    if not t.dtype.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    D.set_default_dtype(t.dtype)
    C.set_default_device(t.device if t.device.type == "cuda" else None)


def _fill(input: Tensor, value) -> Tensor:
    """``torch.fill(input, value)``: a new tensor like ``input`` holding ``value``."""
    return input.clone().fill_(value)


def _function_form(name: str):
    def fn(input: Tensor, *args, **kwargs):
        return getattr(input, name)(*args, **kwargs)
    fn.__name__ = name
    fn.__doc__ = f"``torch.{name}(input, ...)``: ``input.{name}(...)``."
    return fn


# ----------------------------------------------------------------------------- Tensor.*
def _adjoint(self) -> Tensor:
    """The conjugate transpose of the last two dimensions (a view for real tensors)."""
    if self.ndim < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of "
                           f"matrices. Got {self.ndim}-D tensor.")
    return self.transpose(-2, -1).conj() if self.is_complex() else self.transpose(-2, -1)


def _vdot(self, other: Tensor) -> Tensor:
    """``sum(conj(self) * other)`` of two 1-D tensors."""
    if self.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {self.ndim}D and {other.ndim}D "
                           f"tensors")
    check_vector_dtypes(self, other)
    return (self.conj() if self.is_complex() else self).dot(other)


def _new(self, *args, **kwargs) -> Tensor:
    """Legacy ``x.new(...)``: a tensor of x's dtype and device; ``new(2, 3)`` uninitialised,
    ``new([1, 2])`` from data, ``new()`` empty."""
    from .creation import _legacy_construct
    if len(args) == 1 and isinstance(args[0], Tensor):
        src = args[0]
        if src.dtype is not self.dtype or src.device != self.device:
            raise TypeError(f"expected {_legacy(self.dtype)} tensor on {self.device} (got "
                            f"{_legacy(src.dtype)} tensor on {src.device})")
        return src.detach()
    if not args and not kwargs:
        args = (0,)
    return _legacy_construct(self.dtype, self.device, args, kwargs)


def _split_with_sizes(self, split_sizes, dim: builtins.int = 0):
    """``split(list(split_sizes), dim)``: the sizes must sum to the dimension's length."""
    return self.split(list(split_sizes), dim)


def _narrow_copy(self, dim: builtins.int, start: builtins.int, length: builtins.int):
    """A copy of ``narrow(dim, start, length)`` (NarrowCopyBackward0)."""
    out = self.narrow(dim, start, length).clone()
    return labelled(out, "NarrowCopyBackward0", self)


def _dim_order(self, *, ambiguity_check=False):
    """The dimensions from outermost to innermost in memory (by stride, stable)."""
    st = self.stride()
    return tuple(sorted(range(self.ndim), key=lambda d: -st[d]))


def _prelu(self, weight: Tensor) -> Tensor:
    """``F.prelu(self, weight)``: max(0, x) + weight * min(0, x)."""
    from .nn.functional import prelu
    return prelu(self, weight)


def _inplace(name: str, compute):
    def method(self, *args, **kwargs):
        self._check_inplace()
        return self._commit(compute(self._original(args, kwargs), *args, **kwargs))
    method.__name__ = name
    return method


def _false(input) -> builtins.bool:
    """False: dlcore tensors are dense, unquantised, never negated views, and live on the
    CPU or a CUDA device (no meta, MPS, XPU, IPU, ... backends)."""
    return False


def _resolve_neg(input):
    """``input`` itself: a dlcore tensor never carries a lazy negation bit."""
    return input


_DOCS = {
    "swapdims": "Alias of ``transpose(dim0, dim1)``.",
    "swapdims_": "Alias of ``transpose_(dim0, dim1)``.",
    "swapaxes_": "Alias of ``transpose_(axis0, axis1)``.",
    "ger": "Alias of ``outer(vec2)``.",
    "split_with_sizes": "``split(split_sizes, dim)`` with a list of sizes that must sum to "
                        "the dimension's length.",
    "cfloat": "A complex64 copy (``to(torch.complex64)``).",
    "cdouble": "A complex128 copy (``to(torch.complex128)``).",
    "resolve_neg": "The tensor itself (no lazy negation bit in dlcore).",
    "to_dense": "The tensor itself (dlcore's dense tensors), or cast to ``dtype``.",
    "xlogy_": "In-place ``xlogy``: ``self * log(other)`` (0 where self is 0).",
    "sinc_": "In-place ``sinc``: ``sin(pi x) / (pi x)``, 1 at 0.",
}


METHODS = {
    "swapdims": lambda self, dim0, dim1: self.transpose(dim0, dim1),
    "swapdims_": lambda self, dim0, dim1: self.transpose_(dim0, dim1),
    "swapaxes_": lambda self, axis0, axis1: self.transpose_(axis0, axis1),
    "adjoint": _adjoint,
    "ger": lambda self, vec2: self.outer(vec2),
    "vdot": _vdot,
    "new": _new,
    "split_with_sizes": _split_with_sizes,
    "narrow_copy": _narrow_copy,
    "dim_order": _dim_order,
    "cfloat": lambda self: self.to(D.complex64),
    "cdouble": lambda self: self.to(D.complex128),
    "is_neg": _false,
    "resolve_neg": lambda self: self,
    "to_dense": lambda self, dtype=None, *, masked_grad=None: (
        self if dtype is None or dtype is self.dtype else self.to(dtype)),
    "xlogy_": _inplace("xlogy_", lambda x, other: x.xlogy(other)),
    "sinc_": _inplace("sinc_", lambda x: x.sinc()),
    "prelu": _prelu,
}
FALSE_PROPERTIES = ("is_meta", "is_xpu", "is_mps", "is_mkldnn", "is_quantized", "is_nested",
                    "is_sparse_csr", "is_vulkan", "is_ipu", "is_maia", "is_mtia", "is_xla")

FUNCTIONS = {
    "asarray": asarray, "unravel_index": unravel_index, "scalar_tensor": scalar_tensor,
    "rsub": rsub, "range": range_, "set_default_tensor_type": set_default_tensor_type,
    "set_float32_matmul_precision": set_float32_matmul_precision,
    "get_float32_matmul_precision": get_float32_matmul_precision,
    "get_num_interop_threads": get_num_interop_threads,
    "set_num_interop_threads": set_num_interop_threads,
    "fill": _fill, "is_neg": _false, "resolve_neg": _resolve_neg,
}
# torch.X(input, ...) for these Tensor methods (in-place forms and queries)
FUNCTION_FORMS = (
    "detach", "detach_", "zero_", "fill_", "get_device", "is_signed", "is_same_size",
    "adjoint", "split_with_sizes",
    "abs_", "acos_", "acosh_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_",
    "arctanh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_",
    "clamp_min_", "clip_", "cos_", "cosh_", "deg2rad_", "erf_", "erfc_", "exp2_", "exp_",
    "expm1_", "fix_", "floor_", "frac_", "gcd_", "i0_", "lcm_", "ldexp_", "log10_", "log1p_",
    "log2_", "log_", "logit_", "nan_to_num_", "neg_", "negative_", "rad2deg_", "reciprocal_",
    "relu_", "round_", "rsqrt_", "selu_", "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_",
    "square_", "tan_", "tanh_", "trunc_", "xlogy_", "celu_", "index_put_")


def install(torch) -> None:
    """Attach the functions to ``torch`` and the methods/properties to ``Tensor``, never over a
    name that already exists."""
    for name, fn in METHODS.items():
        if not hasattr(Tensor, name):
            if not fn.__doc__:
                fn.__doc__ = _DOCS.get(name)
            setattr(Tensor, name, fn)
    for name in FALSE_PROPERTIES:
        if not hasattr(Tensor, name):
            setattr(Tensor, name, property(_false))
    for name, fn in FUNCTIONS.items():
        if name not in vars(torch):
            setattr(torch, name, fn)
    for name in FUNCTION_FORMS:
        if name not in vars(torch) and hasattr(Tensor, name):
            setattr(torch, name, _function_form(name))
    from . import func
    from .legacy_types import CPU_TYPES
    extra = {"vmap": func.vmap, "newaxis": None,
             "ByteTensor": CPU_TYPES[D.uint8], "CharTensor": CPU_TYPES[D.int8],
             "ShortTensor": CPU_TYPES[D.int16], "HalfTensor": CPU_TYPES[D.float16]}
    # torch.BFloat16Tensor: dlcore_eager.__getattr__ (importing ml_dtypes on first use)
    if hasattr(torch, "amp") and hasattr(torch.amp, "GradScaler"):
        extra["GradScaler"] = torch.amp.GradScaler
    for name, value in extra.items():
        if name not in vars(torch):
            setattr(torch, name, value)
    from .distributions import more  # (imports the package: attached from here)
    for name in more.__all__:
        if not hasattr(torch.distributions, name):
            setattr(torch.distributions, name, getattr(more, name))
