"""PyTorch's range checks of a Python number argument of a floating tensor's op, where the
number is a fill value, a coefficient or a bound and PyTorch converts it with c10's
checked_convert (``value cannot be converted to type c10::Half without overflow``), where
dlcore computed with it (an inf or a NaN result, NumPy's overflow warning):

* to the tensor's own dtype: ``scatter``'s value, ``F.pad``'s value, ``hardshrink``'s lambda,
  ``histc``'s bounds, ``addmv``/``addr``'s alpha and beta, ``masked_fill``'s 0-d tensor value
  (``softshrink``'s lambda has its own message, and refuses a negative one);
* to ``float`` (ATen's opmath type of float16, bfloat16 and float32 tensors): ``addmm``,
  ``baddbmm``, ``addbmm``'s alpha and beta, ``addcmul``/``addcdiv``'s value, ``lerp``'s
  weight, ``elu``/``celu``'s alpha, ``leaky_relu``'s slope, ``softplus``'s beta and threshold.

A float64 tensor takes any float (PyTorch's double); integer tensors keep their own rules
(``_scalar_args``).  A number inside the dtype's range costs two comparisons.  Checks in the
``(args, kwargs)`` form of ``_dtype_guards_nn.CHECKS``, each in front of a check already
there."""

from __future__ import annotations

import math

import numpy as np

from . import _dtype as D
from ._dtype_guards import _first, _kernel_refusal, _legacy
from ._scalar_convert import scalar_as
from .tensor import Tensor

_F32 = np.dtype(np.float32)
_TOP = {"e": 65504.0, "E": 3.3895313892515355e38, "f": 3.4028234663852886e38}
_NUM = (int, float)


def _value(args, kwargs, pos, key):
    return args[pos] if len(args) > pos else kwargs.get(key)


def _check(v, to) -> None:
    """``v`` converted to the float dtype ``to`` (the tensor's, or float32) as PyTorch does."""
    if type(v) in _NUM:
        top = _TOP[to.char]
        if not -top <= v <= top and not math.isnan(v) and not math.isinf(v):
            scalar_as(v, to)


def in_range(v, dt: np.dtype) -> None:
    """A number ``v`` converted to the result dtype ``dt`` when it is float16, bfloat16 or
    float32 (``add``'s alpha): past the dtype's range PyTorch's RuntimeError."""
    if dt.char in _TOP:
        _check(v, dt)


def _ranged(specs, opmath: bool, ints: bool = False, trunc: bool = False):
    """A check of the numbers at ``specs`` ((position, keyword) pairs; position None: keyword
    only) of an op whose first tensor is floating (or, with ``ints``, an integer: where the
    op has no earlier refusal of its own).  With ``trunc``, an integer tensor's float keyword
    coefficient is replaced by its truncation, as ATen's ``Scalar.to<int64_t>()`` (the addmm
    family: ``addmm(int, ..., beta=1.5, alpha=2.7)`` is ``x + 2 * (a @ b)``, not a float
    result); the call's own ``kwargs`` dict is the one the wrapped function receives."""
    def check(args, kwargs):
        x = _first(args, kwargs)
        if x is None:
            return
        dt = x._buf.dtype
        if dt.char in _TOP:
            to = _F32 if opmath else dt
            for pos, key in specs:
                _check(args[pos] if pos is not None and len(args) > pos else kwargs.get(key), to)
        elif ints and dt.kind in "iu":  # (an integer's opmath type is itself; NumPy wrapped
            for pos, key in specs:      # 1e20 to INT_MIN, 300 into uint8 to 44)
                v = args[pos] if pos is not None and len(args) > pos else kwargs.get(key)
                if type(v) in _NUM:
                    scalar_as(v, dt)
                    if trunc and pos is None and type(v) is float:
                        kwargs[key] = int(v)
        return
    return check


def _pad(args, kwargs):
    """``F.pad(x, pad, mode, value)``: a constant pad's value, in x's dtype."""
    if _value(args, kwargs, 2, "mode") in (None, "constant"):
        x, v = _first(args, kwargs), _value(args, kwargs, 3, "value")
        if type(v) is int and x is not None and x._buf.dtype.kind == "u":
            v = float(v)        # (pad's value is a double: -1 into uint8 refused, not 255)
            scalar_as(v, x._buf.dtype)
        return _ranged(((3, "value"),), False, True)(args, kwargs)
    return None


def _scatter(args, kwargs):
    """``scatter(x, dim, index, value)`` (a number: the value overload)."""
    return _ranged(((3, "value"),), False, True)(args, kwargs)


def _masked_fill(args, kwargs):
    """``masked_fill(x, mask, value)``: a 0-d tensor value's number (``value.item()``)."""
    x, v = _first(args, kwargs), _value(args, kwargs, 2, "value")
    if isinstance(v, Tensor) and x is not None and v._buf.ndim == 0 and \
            v._buf.dtype.kind in "iuf" and (v._buf.dtype.itemsize > x._buf.dtype.itemsize or
                                            v._buf.dtype.kind != x._buf.dtype.kind):
        dt = x._buf.dtype
        if dt.char in _TOP:
            _check(v._buf.item(), dt)
        elif dt.kind in "iu":
            scalar_as(v._buf.item(), dt)


def _hardshrink(args, kwargs):
    """``hardshrink(x, lambd)``: no integer kernel; lambd converted to a float x's dtype."""
    x = _first(args, kwargs)
    if x is not None and x._buf.dtype.kind in "biu":
        raise _kernel_refusal("hardshrink_cpu", x._buf.dtype)
    return _ranged(((1, "lambd"),), False)(args, kwargs)


def _softshrink(args, kwargs):
    """``F.softshrink(x, lambd)``: ATen's own range check, negative values included."""
    x, lambd = _first(args, kwargs), _value(args, kwargs, 1, "lambd")
    if x is None or type(lambd) not in _NUM or x._buf.dtype.kind not in "fV":
        return
    dt = x._buf.dtype
    top = _TOP.get(dt.char, float(np.finfo(np.float64).max))
    if not 0 <= lambd <= top:
        raise RuntimeError(f"lambda must be in range [0, {top:g}] for input dtype "
                           f"{_legacy(dt)}, but found {lambd:g}")
    return


def _where(args, kwargs):
    """``where(cond, x, y)`` with a Python float for ``x`` or ``y``: converted to the result
    dtype, float32 for a float32 or integer tensor (the default dtype), checked there (float16
    and bfloat16 round to inf, as ATen's)."""
    method = isinstance(args[0], Tensor) and len(args) > 1 and isinstance(args[1], Tensor) \
        and args[1]._buf.dtype.kind == "b" and args[0]._buf.dtype.kind != "b"
    vals = [args[0], _value(args, kwargs, 2, "other")] if method else \
        [_value(args, kwargs, 1, "input"), _value(args, kwargs, 2, "other")]
    t = next((v for v in vals if isinstance(v, Tensor)), None)
    for v in vals:
        if type(v) is int and not -2 ** 63 <= v <= 2 ** 64 - 1:    # (PyTorch's argument
            raise OverflowError("int too big to convert" if v > 0 else       # parser, for
                                "can't convert negative int to unsigned")    # any dtype)
        if type(v) is float and not -_TOP["f"] <= v <= _TOP["f"] and \
                not math.isnan(v) and not math.isinf(v):
            k = t._buf.dtype if t is not None else None
            if k is None or k.char == "f" or k.kind in "biu" and \
                    D.get_default_dtype().np_dtype.char == "f":
                scalar_as(v, _F32)


_ADD_MUL = ((None, "beta"), (None, "alpha"))

#: (namespaces, names, check)
_SPECS = (
    (("torch", "Tensor"), ("scatter", "scatter_"), _scatter),
    (("F",), ("pad",), _pad),
    (("F", "torch", "Tensor"), ("hardshrink",), _hardshrink),
    (("F", "Tensor"), ("softshrink",), _softshrink),
    (("torch", "Tensor"), ("histc",), _ranged(((2, "min"), (3, "max")), False)),
    (("torch", "Tensor"), ("addmv", "addmv_"), _ranged(_ADD_MUL, False, True, True)),
    (("torch", "Tensor"), ("addr", "addr_"), _ranged(_ADD_MUL, False)),
    (("torch", "Tensor"), ("masked_fill", "masked_fill_"), _masked_fill),
    (("torch", "Tensor"), ("addmm", "addmm_", "baddbmm", "baddbmm_", "addbmm", "addbmm_"),
     _ranged(_ADD_MUL, True, True, True)),
    (("torch", "Tensor"), ("addcmul", "addcmul_"), _ranged(((None, "value"),), True, True)),
    (("torch", "Tensor"), ("addcdiv", "addcdiv_"), _ranged(((None, "value"),), True)),
    (("torch", "Tensor"), ("lerp", "lerp_"), _ranged(((2, "weight"),), True)),
    (("torch", "Tensor"), ("where",), _where),
    (("F",), ("elu", "celu", "elu_", "celu_"), _ranged(((1, "alpha"),), True)),
    (("F",), ("leaky_relu", "leaky_relu_"), _ranged(((1, "negative_slope"),), True)),
    (("F",), ("softplus",), _ranged(((1, "beta"), (2, "threshold")), True)),
)


def _chained(first, then):
    def check(args, kwargs):
        first(args, kwargs)
        return then(args, kwargs)
    return check


def install(checks: dict) -> None:
    """These checks into ``checks`` (``_dtype_guards_nn.CHECKS``), each before the check
    already there for its function."""
    for namespaces, names, check in _SPECS:
        for ns in namespaces:
            for name in names:
                old = checks.get((ns, name))
                checks[(ns, name)] = check if old is None else _chained(check, old)
