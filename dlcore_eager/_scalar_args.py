"""PyTorch's conversion of a Python number argument to the input tensor's dtype (c10's
checked_convert, through ``_operand_rules.scalar_as``) for functions whose number is a fill
value or a bound: ``F.threshold`` (threshold and value), ``F.hardtanh`` (its bounds, first as
int64 for an integer tensor, then the unsigned refusal), ``index_fill``.  A number that does
not fit raises PyTorch's RuntimeError ``value cannot be converted to type int8_t without
overflow`` (NumPy's OverflowError before), an int beyond 64 bits its binding's OverflowError.
Checks in the ``(args, kwargs)`` form of ``_dtype_guards_nn.CHECKS``."""

from __future__ import annotations

import numpy as np

from ._dtype_guards import _first, _kernel_refusal
from ._scalar_convert import python_int, scalar_as

_INT64 = np.dtype(np.int64)


def _arg(args, kwargs, pos: int, key: str):
    return args[pos] if len(args) > pos else kwargs.get(key)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _binding(*values) -> None:
    for v in values:
        if isinstance(v, int) and not isinstance(v, bool):
            python_int(v)


def threshold(args, kwargs):
    """``F.threshold(x, threshold, value)``: both numbers converted to an integer dtype, the
    value to a float one; a bool tensor has no kernel."""
    x = _first(args, kwargs)
    thr, value = _arg(args, kwargs, 1, "threshold"), _arg(args, kwargs, 2, "value")
    _binding(thr, value)
    if x is None:
        return
    dt = x._buf.dtype
    if dt.kind == "b":
        raise _kernel_refusal("threshold_cpu", dt)
    if dt.kind in "iu" and _is_number(thr):
        scalar_as(thr, dt)
    if _is_number(value):
        scalar_as(value, dt)


def hardtanh(args, kwargs, ordered: bool = True):
    """``F.hardtanh(x, min_val, max_val)``: the bounds in order (PyTorch's Python function's
    ValueError; not ``hardtanh_``'s, ``ordered`` False), an integer tensor's bounds are int64
    first, an unsigned one refuses negative bounds, then each is converted to the dtype."""
    x = _first(args, kwargs)
    lo, hi = _arg(args, kwargs, 1, "min_val"), _arg(args, kwargs, 2, "max_val")
    _binding(lo, hi)
    if ordered and _is_number(lo) and _is_number(hi) and lo > hi:
        raise ValueError("min_val cannot be greater than max_val")
    if x is None:
        return
    dt = x._buf.dtype
    if dt.kind == "b":
        raise RuntimeError("Bool inputs not supported for hardtanh")
    bounds = [v for v in (lo, hi) if _is_number(v)]
    if dt.kind in "iu":
        bounds = [int(scalar_as(v, _INT64)) for v in bounds]     # (-0.5: 0)
        if dt.kind == "u" and any(v < 0 for v in bounds):
            raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")
    for v in bounds:
        scalar_as(v, dt)


def relu6(args, kwargs):
    """``F.relu6(x)``: PyTorch's hardtanh, which refuses a bool tensor."""
    x = _first(args, kwargs)
    if x is not None and x._buf.dtype.kind == "b":
        raise RuntimeError("Bool inputs not supported for hardtanh")


def index_fill(args, kwargs):
    """``index_fill(x, dim, index, value)``: a number value converted to x's dtype."""
    x = _first(args, kwargs)
    value = _arg(args, kwargs, 3, "value")
    if x is not None and (_is_number(value) or isinstance(value, bool)):
        scalar_as(value, x._buf.dtype)


def _tensors_only(name: str, method: bool):
    """torch functions of two tensors whose binding takes no Python number (or array) for
    either operand: PyTorch's TypeError ``fmax(): argument 'other' (position 2) must be
    Tensor, not int`` (dlcore computed with it)."""
    def check(args, kwargs):
        from ._arg_checks import not_tensor
        from .tensor import Tensor
        for arg, pos in (("input", 1), ("other", 2)):
            if method and arg == "input":
                continue
            i = pos - 1
            v = args[i] if len(args) > i else kwargs.get(arg)
            if v is not None and not isinstance(v, Tensor):
                raise not_tensor(name, arg, pos - (1 if method else 0), v)
    return check


def _int_max_pool(name: str):
    """``F.max_pool2d``/``max_pool3d`` of an integer tensor (a uint8 image): PyTorch pools it
    in its dtype; here in float64 (float32 for 1- and 2-byte types: exact) and cast back, 64-bit
    integers as their ranks among the tensor's distinct values (exact beyond 2**53), the
    indices as they are (the primitive takes floats only)."""
    def check(args, kwargs):
        x = _first(args, kwargs)
        if x is None or x._buf.dtype.kind not in "iu":
            return None
        from .creation import from_numpy
        orig = _ORIG[("F", name)]
        uniq = None
        if x._buf.dtype.itemsize == 8:      # (ranks: float64 would round values > 2**53)
            uniq, inv = np.unique(x._buf, return_inverse=True)
            xf = from_numpy(inv.reshape(x._buf.shape).astype(np.float64))
        else:
            xf = x.double() if x._buf.dtype.itemsize >= 4 else x.float()
        if args and args[0] is x:
            r = orig(xf, *args[1:], **kwargs)
        else:
            r = orig(*args, **{**kwargs, "input": xf})
        v = r[0] if isinstance(r, tuple) else r
        v = v.to(x.dtype) if uniq is None else from_numpy(uniq[v._buf.astype(np.int64)])
        return (v, r[1]) if isinstance(r, tuple) else v
    return check


#: (namespace, name) -> the function a check wraps (``_dtype_guards_nn._ORIG``, filled by its
#: install)
_ORIG: dict = {}


def install(checks: dict, originals: dict) -> None:
    """The checks into ``_dtype_guards_nn.CHECKS`` (before its install runs, which fills
    ``originals``, the wrapped functions)."""
    global _ORIG
    _ORIG = originals
    for name in ("threshold", "threshold_"):
        checks[("F", name)] = threshold
        checks[("torch", name)] = threshold
    checks[("F", "hardtanh")] = hardtanh
    checks[("F", "hardtanh_")] = lambda args, kwargs: hardtanh(args, kwargs, False)
    checks[("F", "relu6")] = relu6
    for name in ("max_pool2d", "max_pool3d"):
        checks[("F", name)] = _int_max_pool(name)
    for ns in ("torch", "Tensor"):
        for name in ("index_fill", "index_fill_"):
            checks[(ns, name)] = index_fill
        for name in ("fmax", "fmin", "gcd", "lcm", "ldexp", "logical_and", "logical_or",
                     "logical_xor", "gcd_", "lcm_", "ldexp_", "logical_and_", "logical_or_",
                     "logical_xor_"):
            if (ns, name) not in checks and not (ns == "torch" and name.endswith("_")):
                checks[(ns, name)] = _tensors_only(name, ns == "Tensor")
