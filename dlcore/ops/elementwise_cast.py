"""Cast & co.: the elementwise primitive factory and the primitives that need no arithmetic.

``_elementwise`` builds an elementwise primitive from its scalar expression (the CPU and CUDA
kernel factories compile from it); ``cast`` (with its float16/bfloat16/complex conversions),
``full_like``/``zeros_like``/``ones_like``, ``identity`` and ``stop_gradient`` are defined here,
below :mod:`dlcore.ops.elementwise`, whose arithmetic casts (``_promote``) and fills (``where``,
``sign``'s vjp) with them: no import cycle.  :mod:`dlcore.ops.elementwise` re-exports them.
"""

from __future__ import annotations

import warnings
from functools import partial

import numpy as np

from .. import dtypes as _dt
from ..kernels.cpu.elementwise import elementwise_kernel as _cpu_kernel
from ..kernels.cuda.elementwise import elementwise_kernel as _cuda_kernel
from ..kernels.cpu import bfloat16 as _cpu_bf16
from ..kernels.cpu import indexing as _cpu_indexing
from ..kernels.cpu._fp_quiet import _FP
from ..kernels.cuda import indexing as _cuda_indexing
from ..registry import PRIMITIVES, AVal, Primitive, aval_of, bind

_F32 = np.dtype(np.float32)
_I64, _U8 = np.dtype(np.int64), np.dtype(np.uint8)


def _elementwise(name, expr, nin, np_fn, shape_rule, vjp, doc, kind, simd=False, **names):
    """``names``: the public names and convention (``api=``, ``convention=``, options; see
    dlcore.api) and ``differentiable=False`` where there is no vjp."""
    return Primitive(name, shape_rule, vjp, doc=doc, expr=expr, kind=kind, kernels={
        "cpu": _cpu_kernel(name, expr, nin, np_fn, kind=kind, simd_fn=np_fn if simd else None),
        "cuda": _cuda_kernel(name, expr, nin),
    }, **names)


# ----------------------------------------------------------------------------- cast & co.
def _cast_rule(x: AVal, *, dtype) -> AVal:
    return AVal(x.shape, _dt.as_dtype(dtype))


def _cast_vjp(g, y, x, *, dtype):
    xd, gd = aval_of(x).dtype, aval_of(g).dtype
    if not _dt.is_inexact(xd) or not _dt.is_inexact(gd):
        return (None,)
    if gd.kind == "c" and xd.kind != "c":        # real -> complex: the real part flows back
        return (cast(bind(PRIMITIVES["real"], g), xd),)
    return (cast(g, xd),)


cast_p = _elementwise("cast", "{0}", 1, lambda x, dtype: x.astype(dtype), _cast_rule,
                      _cast_vjp, "y = x as dtype;  dx = g as x.dtype (floating x only)", "cast",
                      convention="cast", api={"tf": "cast", "tf.math": "cast"})


_cast_cpu = cast_p.kernels["cpu"]


def _cast_cpu_half(x, *, dtype):
    """Conversions to and from float16 and bfloat16 by NumPy and ml_dtypes (Numba, behind the
    other kernels, has neither; the front ends compute their ops in float32)."""
    if x.dtype.kind == "c" or dtype.kind == "c":
        with np.errstate(over="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", np.exceptions.ComplexWarning)   # (real part kept)
            return x.astype(dtype)
    if dtype in _dt.HALF or x.dtype in _dt.HALF:
        bf16 = _dt.loaded_bfloat16()              # (float32 <-> bfloat16: on the bits)
        if dtype == _F32 and x.dtype == bf16:
            return _cpu_bf16.to_float32(x)
        if x.dtype == _F32 and dtype == bf16:
            return _cpu_bf16.from_float32(x, dtype)
        if dtype.kind == "f" and dtype.itemsize > x.dtype.itemsize:
            return x.astype(dtype)                # (up: nothing can overflow, no errstate)
        get, put, ignore = _FP              # (NumPy's error state set directly: 0.2 us
        before = get()                      # where np.errstate's keywords took 2-3)
        try:
            put(ignore)
            return x.astype(dtype)                # (70000 -> inf, silently, as PyTorch)
        finally:
            put(before)
    if dtype == _U8 and x.dtype.kind == "f":        # (PyTorch's: through int64, so that
        return _cast_cpu(_cast_cpu(x, dtype=_I64), dtype=dtype)     # -2**31 - 1 is 255)
    return _cast_cpu(x, dtype=dtype)


def _cast_small(shape, dtype_in, *, dtype):
    """The cast's small-operand form (the eager lanes' ``kernel.small``): NumPy's ``astype``,
    one C call, where it is the kernel's conversion exactly and silent (booleans and integers
    to anything real, anything real to bool, float32 to float64); for a float to an integer
    (``x.long()``) ``astype`` with NumPy's warnings silenced (NaN, +-inf and values out of
    range: the same machine conversion as the kernel's, INT_MIN on x86, as PyTorch's; checked
    equal for every integer dtype in tests/eager/test_cast_lane.py); None (the kernel) for
    float64 to float32."""
    src, dst = dtype_in.kind, dtype.kind
    if dtype_in in _dt.HALF or dtype in _dt.HALF or "c" in (src, dst):
        return None
    if src in "biu" and dst in "biuf" or src == "f" and (
            dst == "b" or dst == "f" and dtype.itemsize > dtype_in.itemsize):
        return np.ndarray.astype, dtype
    if src == "f" and dst in "iu":
        return partial(_quiet_astype, dtype=dtype)
    return None


def _quiet_astype(x, dtype):
    get, put, ignore = _FP
    before = get()
    try:
        put(ignore)
        return x.astype(_I64).astype(dtype) if dtype == _U8 else x.astype(dtype)
    finally:
        put(before)


_cast_cpu_half.small = _cast_small  # type: ignore[attr-defined]
cast_p.kernels["cpu"] = _cast_cpu_half
_cast_cuda = cast_p.kernels["cuda"]


def _cast_cuda_bf16(x, *, dtype):
    """bfloat16 conversions on CUDA by their own bit kernels (numba.cuda has no bfloat16)."""
    bf16 = _dt.loaded_bfloat16()
    if bf16 is not None and (dtype == bf16 or x.dtype == bf16):
        from ..kernels.cuda import bfloat16 as _cuda_bf16
        return _cuda_bf16.cast(x, dtype, _cast_cuda)
    return _cast_cuda(x, dtype=dtype)


cast_p.kernels["cuda"] = _cast_cuda_bf16


def cast(x, dtype):
    dtype = _dt.as_dtype(dtype)
    if not _dt.is_python_scalar(x) and aval_of(x).dtype == dtype:
        return x
    return bind(cast_p, x, dtype=dtype)


def _full_like_rule(x: AVal, *, value, dtype) -> AVal:
    return AVal(x.shape, _dt.as_dtype(dtype) if dtype is not None else x.dtype)


full_like_p = Primitive(
    "full_like", _full_like_rule, None, kind="fill", differentiable=False, tf_type="Fill",
    doc="y = full(shape(x), value);  not differentiable (does not depend on x's values)",
    kernels={"cpu": _cpu_indexing.full_like, "cuda": _cuda_indexing.full_like})


def full_like(x, value, dtype=None):
    return bind(full_like_p, x, value=value,
                dtype=None if dtype is None else _dt.as_dtype(dtype))


def zeros_like(x, dtype=None): return full_like(x, 0, dtype)
def ones_like(x, dtype=None): return full_like(x, 1, dtype)


identity_p = _elementwise("identity", "{0}", 1, lambda x: x.copy(),
                          lambda x: AVal(x.shape, x.dtype), lambda g, y, x: (g,),
                          "y = x;  dx = g", "unary", convention="unary",
                          api={"tf": "identity"})
stop_gradient_p = _elementwise("stop_gradient", "{0}", 1, lambda x: x,
                               lambda x: AVal(x.shape, x.dtype), None,
                               "y = x;  no gradient flows through", "unary",
                               differentiable=False, view=True, convention="unary",
                               api={"tf": "stop_gradient"})


def identity(x): return bind(identity_p, x)
def stop_gradient(x): return bind(stop_gradient_p, x)
