"""PyTorch's conventions for a tensor operation's operands (``_tensor_ops`` and its users).

* promotion: ``_operands(a, b)`` brings a tensor and a tensor, Python number or array to
  PyTorch's result dtype (the rules are in ``_dtype``); ``as_tensor_like`` makes a NumPy value
  or a list a tensor on the other operand's device;
* broadcasting: ``infer_size`` (ATen's) and ``broadcast_error``, PyTorch's wording for shapes
  that do not broadcast;
* refusals the primitives' rules do not make: an integer tensor to a negative integer power
  (``_int_pow_check``), a subtraction with any bool operand (``_sub_bool_check``);
* ``scalar_as`` (from ``_scalar_convert``): a Python number converted to an integer or bool
  tensor's dtype as PyTorch does;
* ``split_ties``: torch.maximum/minimum's node marked for PyTorch's backward at a tie.
"""

from __future__ import annotations

import builtins
import numbers
import sys

import numpy as np

from dlcore import ops as _ops
from dlcore.errors import AxisError, BroadcastError, ShapeError
from dlcore.ops._rules import BOOL_REFUSALS
from dlcore.ops.elementwise import maximum_p as _maximum_p
from dlcore.ops.elementwise import minimum_p as _minimum_p
from dlcore.registry import check_rule as _check_rule

from . import _dtype as D
from ._arg_checks import type_name as _type_name
from ._scalar_convert import _INT64_MAX, scalar_as
from .tensor import Tensor

_ndarray = np.ndarray
_Number = numbers.Number


def as_tensor_like(x, ref: Tensor) -> Tensor:
    """A NumPy value or a list as a tensor on ``ref``'s device (no autograd history)."""
    if isinstance(x, Tensor):
        return x
    from .creation import tensor as _tensor
    t = _tensor(x)
    return t if t.device == ref.device else t.to(ref.device)


def _promote_pair(a: Tensor, b: Tensor):
    da, db = a._buf.dtype, b._buf.dtype
    t = D.promote_tensors(da, a._buf.ndim > 0, db, b._buf.ndim > 0)
    return (a if da == t else _ops.cast(a, t)), (b if db == t else _ops.cast(b, t))



def _operands(a, b, wrap: bool = True):
    """Bring ``a`` (a Tensor) and ``b`` (a Tensor, scalar or array) to PyTorch's result dtype.
    A Python int beside an integer tensor is wrapped into its type (``wrapped_int``), as the
    kernels that cast the number do (add, sub, mul, bitwise, shifts, ``//``, ``%``); with
    ``wrap=False`` (``promoted``) it is kept, for the operations whose kernel computes in
    another type (xlogy, zeta: PyTorch casts the number to the float result, unwrapped)."""
    if isinstance(b, Tensor):
        da, db = a._buf.dtype, b._buf.dtype
        if da is db or da == db:
            return a, b
        return _promote_pair(a, b)
    if isinstance(b, _Number) and (not isinstance(b, np.generic) or b.dtype.kind in "iufc"):
        if type(b) is not int and type(b) is not float and isinstance(b, np.generic):
            b = numpy_number(b)        # (a NumPy number: the one rule, PyTorch's reading)
        da = a._buf.dtype
        t = D.promote_with_scalar(da, b)
        if wrap and t.kind in "iu" and type(b) is int and \
                not (-128 if t.kind == "i" else 0) <= b <= 127:
            b = wrapped_int(b, t)
        return (a if t == da else _ops.cast(a, t)), b
    if isinstance(b, np.bool_):
        return _operands(a, 1.0 if b else 0.0, wrap)   # (PyTorch's parser reads it as 1.0)
    if isinstance(b, (_ndarray, np.generic, list, tuple)):
        return _operands(a, as_tensor_like(np.asarray(b), a))
    raise TypeError(f"unsupported operand type for a tensor operation: {type(b).__name__}")




def numpy_number(v):
    """A NumPy number as PyTorch's argument parser reads it (``scalar_slow``): the Python
    number of its kind, so it is a weak scalar as that number would be (``float32_tensor *
    np.float64(0.5)`` stays float32, ``int_tensor + np.float32(0.5)`` is the default float,
    ``lerp(a, b, np.float64(0.3))`` keeps a's dtype): an integer -> int, complex128 (a
    ``complex``) -> complex (an np.uint64 beyond int64's range refused: PyTorch's TypeError
    'an integer is required'), a float -> float, complex64 -> its real part (PyTorch's
    ``float()`` of it, with NumPy's ComplexWarning).  ``np.bool_`` -> bool here: the eager
    layer itself passes ``np.bool_`` values of a bool tensor (``scalar_as``: ``masked_fill`` of
    a bool tensor), which must stay bool; a user's ``np.bool_`` beside a tensor (``_operands``:
    the operators, ``torch.mul(t, np.bool_(True))``) is PyTorch 2.13's 1.0 / 0.0 there
    (``int_tensor * np.bool_(True)`` and ``bool_tensor + np.bool_(True)`` are float32).
    Anything else (a 0-d array, a string) is returned as it is.  The one rule for every eager op: ``apply``'s operands
    (``_convert_plain``) and the core's promotion (``dlcore.ops._promote``, through
    ``EagerFrontend.numpy_number``)."""
    if isinstance(v, np.integer):
        if v > _INT64_MAX:          # (np.uint64 beyond int64: PyTorch's parser's TypeError)
            raise TypeError("an integer is required")
        return int(v)
    if isinstance(v, complex):
        return complex(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, (np.floating, np.complexfloating)):
        return float(v)
    return v


def promoted(a, b):
    """``_operands(a, b)`` without wrapping a Python int into an integer tensor's type."""
    return _operands(a, b, False)


def int_divisor(a, b):
    """The Python int divisor ``b`` of an integer tensor ``a`` (``//``, ``%``, fmod) as
    PyTorch's kernel sees it, wrapped into the result type (int8 // 256 divides by 0: its
    ZeroDivisionError); anything else unchanged."""
    if type(b) is int and isinstance(a, Tensor) and a._buf.dtype.kind in "iu":
        t = D.promote_with_scalar(a._buf.dtype, b)
        if t.kind in "iu":
            try:
                return wrapped_int(b, t)
            except OverflowError:
                return b
    return b


def wrapped_int(v: int, dtype: np.dtype):
    """A Python int operand of an integer tensor's operation as PyTorch converts it: wrapped
    into ``dtype`` modulo 2^bits (int8 + 1000 adds -24), from anything in [-2^63, 2^64); beyond
    that Python's OverflowError, as PyTorch's argument parser raises it."""
    info = np.iinfo(dtype)
    if info.min <= v <= info.max:
        return v
    if v >= 1 << 64:
        raise OverflowError("int too big to convert")
    if v < -(1 << 63):
        raise OverflowError("can't convert negative int to unsigned")
    return np.array(v & ((1 << 64) - 1), np.uint64).astype(dtype)[()]


def infer_size(sa: tuple, sb: tuple) -> tuple:
    """PyTorch's broadcast of two shapes (ATen's ``infer_size``): the broadcast shape, or its
    RuntimeError naming the rightmost dimension where neither size is 1 and they differ."""
    n = builtins.max(len(sa), len(sb))
    out = [1] * n
    for i in range(1, n + 1):
        da = sa[-i] if i <= len(sa) else 1
        db = sb[-i] if i <= len(sb) else 1
        if da != db and da != 1 and db != 1:
            raise RuntimeError(f"The size of tensor a ({da}) must match the size of tensor b "
                               f"({db}) at non-singleton dimension {n - i}")
        out[n - i] = db if da == 1 else da
    return tuple(out)


def check_rule(prim, bufs, params) -> None:
    """The registry's ``check_rule`` (the dispatchers call it when a rule outcome is not cached)
    with operands that do not broadcast worded as PyTorch words them: the operands' shapes
    folded left to right by :func:`infer_size` (ATen's TensorIterator), so a composite such as
    ``F.cosine_similarity`` or ``torch.where`` raises ``The size of tensor a (3) must match the
    size of tensor b (4) at non-singleton dimension 1``, not TensorFlow's text; an index or
    axis out of range PyTorch's IndexError with the rule's own words (``reason``, without the
    op and shapes TensorFlow's text appends).  Other shape clashes stay ShapeErrors (the
    callers' ``except ValueError`` add PyTorch's words; ``torch_error`` at the API's edge)."""
    try:
        _check_rule(prim, bufs, params)
    except (BroadcastError, AxisError) as e:
        raise torch_error(e) from None


def torch_error(e: ShapeError) -> Exception:
    """PyTorch's exception for the core's ShapeError ``e``: operands that do not broadcast
    worded by :func:`infer_sizes` (raised here), an axis out of range PyTorch's IndexError, any
    other shape clash its RuntimeError, with the rule's words (``e.reason``)."""
    if isinstance(e, BroadcastError):
        infer_sizes(*e.shapes)
        return e
    if isinstance(e, AxisError):
        return IndexError(e.reason)
    return RuntimeError(e.reason)


def wrap_dim(dim: int, ndim: int) -> int:
    """``dim`` of a tensor of rank ``ndim`` >= 1 made non-negative (ATen's maybe_wrap_dim), or
    PyTorch's IndexError ``Dimension out of range (expected to be in range of [-2, 1], but got
    3)``."""
    if not -ndim <= dim < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, "
                         f"{ndim - 1}], but got {dim})")
    return dim % ndim


def torch_errors(fn):
    """``fn`` (a composite of the core's ops) raising :func:`torch_error` for a ShapeError."""
    def composite(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ShapeError as e:     # (PyTorch's exception and words)
            raise torch_error(e) from None
    composite.__name__ = getattr(fn, "__name__", "composite")
    composite.__doc__ = getattr(fn, "__doc__", None)
    composite.__wrapped__ = fn  # type: ignore[attr-defined]
    return composite


def infer_sizes(*shapes) -> tuple:
    """The broadcast of ``shapes`` folded left to right by :func:`infer_size`, as ATen's
    TensorIterator does for an op's operands (so its error names the same sizes as
    PyTorch's); tensors stand for their shapes, numbers for ()."""
    out: tuple = ()
    for s in shapes:
        out = infer_size(out, tuple(s.shape) if isinstance(s, Tensor) else
                         tuple(s) if isinstance(s, (tuple, list)) else ())
    return out


def check_operands(operands) -> None:
    """PyTorch's checks on the tensor operands of ``einsum(equation, *operands)``: all
    tensors, one dtype (no promotion)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = operands[0]
    for i, x in enumerate(operands):
        if not isinstance(x, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got "
                            f"{_type_name(x)}")
    if operands:
        first = operands[0]._buf.dtype
        for x in operands[1:]:
            if x._buf.dtype != first:
                raise RuntimeError(f"expected scalar type "
                                   f"{D.from_numpy_dtype(first)._legacy} but found "
                                   f"{D.from_numpy_dtype(x._buf.dtype)._legacy}")


def broadcast_error(a, b) -> RuntimeError:
    """PyTorch's wording (:func:`infer_size`'s) for operands whose shapes do not broadcast."""
    sa = tuple(a.shape) if isinstance(a, Tensor) else ()
    sb = tuple(b.shape) if isinstance(b, Tensor) else ()
    try:
        infer_size(sa, sb)
    except RuntimeError as e:
        return e
    return RuntimeError(f"shapes {list(sa)} and {list(sb)} cannot be broadcast together")


def _int_pow_check(a, b):
    """An integer or bool tensor to a negative Python integer power: PyTorch's RuntimeError
    (dlcore's kernel, as NumPy's, gives 0; a tensor exponent gives 0, 1 or -1 as in PyTorch)."""
    if type(b) is int and isinstance(a, Tensor) and a._buf.dtype.kind in "biu":
        if b < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        # the exponent converted to the tensor's type, range-checked (not wrapped: int8 ** 258
        # was x ** 2): first to int64 as PyTorch's Scalar, then to the dtype
        if b >= 1 << 64:
            raise OverflowError("int too big to convert")
        if b >= 1 << 63:
            raise RuntimeError("value cannot be converted to type int64_t without overflow")
        if a._buf.dtype.kind != "b":
            scalar_as(b, a._buf.dtype)
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._buf.dtype is _BOOL and \
            b._buf.dtype is _BOOL:          # (a bool tensor to a Python number is computed)
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")


_BOOL = np.dtype(np.bool_)
_SUB_ONE_BOOL = ("Subtraction, the `-` operator, with a bool tensor is not supported. If you "
                 "are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
_SUB_TWO_BOOLS = BOOL_REFUSALS["sub"]        # (the primitive's rule's words, one copy)


def _sub_bool_check(a, b):
    """PyTorch refuses a subtraction with any bool operand (a tensor or a Python bool), not
    only of two bool tensors (the primitive's rule): ``int_tensor - mask`` was computed."""
    ba, bb = getattr(a, "_buf", None), getattr(b, "_buf", None)     # (cheap: on 2 - x)
    ka = a is True or a is False or (ba is not None and ba.dtype is _BOOL)
    kb = b is True or b is False or (bb is not None and bb.dtype is _BOOL)
    if ka or kb:
        raise RuntimeError(_SUB_TWO_BOOLS if ka and kb else _SUB_ONE_BOOL)



def int_scalar(v, t: Tensor):
    """A Python int beside an integer tensor in ``where``: converted as PyTorch does (out of
    range: its RuntimeError, not wrapped as arithmetic's operand is)."""
    return scalar_as(v, t._buf.dtype) if type(v) is int and t._buf.dtype.kind in "iu" else v


def split_ties(y, a=None, b=None):
    """``y``, a result of torch.maximum/minimum (max/min of two tensors) of ``a`` and ``b``,
    with its node marked ``ties="split"``: eager's maximum/minimum rule (``dlcore.ops.
    math_binary``, registered by ``_math_extra``) then splits a tie's cotangent half and half
    and sends a NaN's to both inputs, as PyTorch.  Unmarked nodes (clamp, fmax, the losses:
    PyTorch's clamp gives a tie to its input) keep the core rule, a tie's cotangent to the
    first input.  The mark reaches a running trace's record (``torch.jit.trace`` replays it);
    at an open forward-AD level ``y``'s tangent is PyTorch's maximum/minimum forward formula
    (a tie: the mean of the two tangents), which the core rule's double vjp does not give."""
    node = y._node
    if node is not None and not node.params and \
            (node.prim is _maximum_p or node.prim is _minimum_p):
        node.params = {"ties": "split"}
    _mark_trace(y, {"ties": "split"})
    fwd = sys.modules.get("dlcore_eager.autograd.forward_ad")
    if fwd is not None and fwd._LEVEL and isinstance(a, Tensor) and isinstance(b, Tensor):
        _split_tangent(fwd, y, a, b)
    return y


def _mark_trace(y, params: dict) -> None:
    """``params`` into a running trace's record of ``y`` (dlcore_eager.tracing)."""
    tracing = sys.modules.get("dlcore_eager.tracing")
    if tracing is not None and tracing._MARKERS:
        tracing._MARKERS[-1](y, params)


def _split_tangent(fwd, y, a: Tensor, b: Tensor) -> None:
    """PyTorch's forward formula of maximum/minimum: ``b_t + where(a == b, 0.5, a wins) *
    (a_t - b_t)`` (``a wins``: ``a > b`` for maximum, ``a < b`` for minimum)."""
    ta, tb = fwd._tangent_of(a), fwd._tangent_of(b)
    if (ta is None and tb is None) or not y.is_floating_point() or fwd._tangent_of(y) is None:
        return
    node_prim = y._node.prim if y._node is not None else None
    fwd._INSIDE.append(True)
    try:
        ta = _ops.zeros_like(a) if ta is None else ta
        tb = _ops.zeros_like(b) if tb is None else tb
        ad, bd = a.detach(), b.detach()
        is_max = node_prim is _maximum_p if node_prim is not None else bool(
            _ops.equal(y.detach(), _ops.maximum(ad, bd)).all())
        wins = _ops.greater(ad, bd) if is_max else _ops.less(ad, bd)
        w = _ops.where(_ops.equal(ad, bd), 0.5, _ops.cast(wins, y._buf.dtype))
        t = _ops.add(tb, _ops.mul(_ops.cast(w, y._buf.dtype), _ops.sub(ta, tb)))
        t = t if tuple(t.shape) == tuple(y.shape) else _ops.broadcast_to(t, tuple(y.shape))
    finally:
        fwd._INSIDE.pop()
    fwd._remember(y, t)


def clamp_ties(y):
    """``y``, clamp's maximum/minimum of its input and a tensor bound, with its node marked
    ``ties="clamp"``: the bound's gradient only where the input is strictly beyond it (0 at a
    NaN input, PyTorch's clamp.Tensor backward; eager's rule in ``dlcore.ops.math_binary``)."""
    node = y._node
    if node is not None and not node.params and \
            (node.prim is _maximum_p or node.prim is _minimum_p):
        node.params = {"ties": "clamp"}
    _mark_trace(y, {"ties": "clamp"})
    return y


def clamp_tangent(y, x, lo, hi):
    """``y`` = clamp(x, lo, hi) with a tensor bound: at an open forward-AD level its tangent
    is PyTorch's clamp_jvp (both bounds: ``where(lo > hi, hi_t, where(x < lo, lo_t, where(x >
    hi, hi_t, x_t)))``; one: ``where(x > lo, x_t, lo_t)`` / ``where(x < hi, x_t, hi_t)``, a
    tie or a NaN x taking the bound's), which the double vjp of the two marked nodes does not
    give."""
    fwd = sys.modules.get("dlcore_eager.autograd.forward_ad")
    if fwd is None or not fwd._LEVEL or not y.is_floating_point():
        return y
    ts = [None if v is None else fwd._tangent_of(v) if isinstance(v, Tensor) else None
          for v in (x, lo, hi)]
    if all(t is None for t in ts):
        return y
    dt = y._buf.dtype
    fwd._INSIDE.append(True)
    try:
        def val(v):
            return v.detach() if isinstance(v, Tensor) else v

        def tan(v, t):
            return _ops.zeros_like(y) if t is None else _ops.broadcast_to(
                _ops.cast(t, dt), tuple(y.shape))
        xv, lv, hv = val(x), val(lo), val(hi)
        xt, lt, ht = tan(x, ts[0]), tan(lo, ts[1]), tan(hi, ts[2])
        if lo is not None and hi is not None:
            t = _ops.where(_ops.greater(lv, hv), ht, _ops.where(
                _ops.less(xv, lv), lt, _ops.where(_ops.greater(xv, hv), ht, xt)))
        elif lo is not None:
            t = _ops.where(_ops.greater(xv, lv), xt, lt)
        else:
            t = _ops.where(_ops.less(xv, hv), xt, ht)
    finally:
        fwd._INSIDE.pop()
    fwd._remember(y, t)
    return y


def split_ties_op(op):
    """``op`` (a tensor-first maximum/minimum) with ``split_ties`` applied to its result."""
    def tied(a, b):
        return split_ties(op(a, b), a, b)
    return tied
