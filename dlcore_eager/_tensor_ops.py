"""PyTorch's tensor operations, each a thin call into ``dlcore.ops``: both a method (``x.exp()``)
and a function (``torch.exp(x)``), adding PyTorch's calling conventions only (``dim``/``keepdim``,
PyTorch's promotion, ``max(dim=...)``'s ``(values, indices)``, ``squeeze(d)`` a no-op where ``d``
is not of size 1, ...); the values and gradients come from dlcore's primitives and composites.
Binary operators apply the primitive directly once the operands have one dtype; the operand
conventions (promotion, broadcast errors, refusals, ``scalar_as``) are in ``_operand_rules``."""

from __future__ import annotations

import builtins
import math
import warnings

import numpy as np

from dlcore import dtypes as _dt
from dlcore import ops as _ops
from dlcore.dtypes import is_floating
from dlcore.errors import AxisError, ShapeError
from dlcore.ops import elementwise as _ew
from dlcore.ops import linalg as _la
from dlcore.ops.clamp import clamp_p as _clamp_p
from dlcore.ops._rules import normalize_axes as _normalize_axes
from dlcore.ops.std_root import std_root_p as _std_root_p
from dlcore.ops.var_prims import var as _var_p_bind
from dlcore.registry import bind

from . import _dispatch as _D
from . import _dtype as D
from ._arg_checks import user_stacklevel as _user_level
from ._arg_reductions import argmax, argmin  # (their home; Tensor/torch names from here)

# the operators' home is ``_binary``: their names, read here by the rest of the front end (O.add_)
from ._binary import (  # noqa: F401
    _BOOL_DT,
    _FLOAT_INT,
    _NOT_OPERANDS,
    _SEQUENCES,
    _binary,
    add_,
    mul_,
    pow_,
    radd_,
    rmul_,
    rpow_,
    rsub_,
    sub_,
)
from ._closeness import allclose, equal  # noqa: F401  (Tensor.allclose/equal: _methods)
from ._dims import reduce_dims as _dims
from ._dims import unique_dims
from ._dispatch import EagerFrontend
from ._dispatch import matrix_product as _matrix_product
from ._graph import labelled
from ._matmul_checks import check_matmul as _check_matmul
from ._matmul_checks import check_same_dtype as _check_same_dtype
from ._matmul_checks import check_vector_dtypes as _check_vector_dtypes
from ._operand_rules import (
    _operands,
    broadcast_error,
    clamp_tangent,
    clamp_ties,
    scalar_as,
    split_ties,
    torch_error,
    torch_errors,
)
from ._operand_rules import as_tensor_like as as_tensor_like  # (re-export: O.as_tensor_like)
from ._operand_rules import infer_size as infer_size  # (re-export: O.infer_size)
from ._operand_rules import int_scalar as _int_scalar
from ._scalar_convert import rounded as _rounded
from ._shape_lanes import vector_product as _vector_product
from ._shown_saved import show_var as _show_var
from ._state import SAVED_HOOKS_ON
from .return_types import values_indices as _pair_result
from .tensor import Tensor, _make
from .tracing import _RECORDERS

_apply = EagerFrontend.apply
_matmul_p = _la.matmul_p

_ndarray = np.ndarray
_F32_F64 = (np.dtype(np.float32), np.dtype(np.float64))
_F32, _F64 = _F32_F64




def _float_operands(a, b):
    if type(b) is int and a._buf.dtype.kind in "biu":
        b = float(b)        # (a true division: the number is not wrapped into a's type)
    if isinstance(b, Tensor) and a._buf.dtype.kind in "biu" and b._buf.dtype.kind in "biu":
        # two integer tensors: each to the default float from its own dtype, as PyTorch's
        # integer inputs are (a 0-d int32 2**31 - 1 beside a uint8 tensor was wrapped to 255)
        f = D.get_default_dtype().np_dtype
        return _ops.cast(a, f), _ops.cast(b, f)
    a, b = _operands(a, b)
    if not is_floating(a._buf.dtype) and a._buf.dtype.kind != "c":
        a = _ops.cast(a, D.get_default_dtype().np_dtype)
        if isinstance(b, Tensor):
            b = _ops.cast(b, a._buf.dtype)
    return a, b


def div(a, b, rounding_mode=None):
    if rounding_mode is None and isinstance(a, Tensor) and a._buf.dtype in _F32_F64 and (
            type(b) in _FLOAT_INT or (type(b) is Tensor and b._buf.dtype is a._buf.dtype)):
        # nothing to promote (a float tensor and a Python number or a tensor of its dtype):
        # the primitive applied directly, as the operators of ``_binary`` do (s / 160.0 on a
        # 0-d float32 tensor: 11.2 -> 7 us)
        try:
            return _apply(_ew.div_p, (a, b), {})
        except ShapeError:
            raise broadcast_error(a, b) from None
    if rounding_mode is not None:
        return _div_rounded(a, b, rounding_mode)
    if type(b) in _SEQUENCES:      # (t / [1.]: the operator's NotImplemented, as torch's)
        return NotImplemented
    a, b = _float_operands(a, b)
    try:
        return bind(_ew.div_p, a, b)
    except ShapeError:
        raise broadcast_error(a, b) from None


def _div_rounded(a, b, mode):
    """``torch.div(a, b, rounding_mode=mode)``: the quotient rounded toward zero (``'trunc'``)
    or down (``'floor'``, Python's ``//``), in the operands' result dtype (integers stay
    integers); its gradient is zero (PyTorch's ``DivBackward2``)."""
    if mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{mode}'")
    a, b = _operands(a, b)
    kind = a._buf.dtype.kind
    if kind == "b":
        raise NotImplementedError(f'"div_{mode}_cpu" not implemented for \'Bool\'')
    try:
        if kind in "iu":
            if not np.all(np.asarray(b._buf if isinstance(b, Tensor) else b)) and \
                    a._buf.size and (not isinstance(b, Tensor) or b._buf.size):
                raise RuntimeError("ZeroDivisionError")     # (not for an empty result)
            if mode == "floor":
                return _ops.floor_divide(a, b)
            # exact: a - fmod(a, b) is a multiple of b, so its floor quotient is the truncated one
            return _ops.floor_divide(_ops.sub(a, _ops.fmod(a, b)), b)
        rounded = _ops.trunc(bind(_ew.div_p, a, b))
        if mode == "floor":
            # floor_divide's kernel is Python's //, exact where floor(a / b) is not (1 // 0.1 is
            # 9.0, floor(1 / 0.1) 10.0); it records no gradient, so the zero gradient comes from
            # the truncated quotient, a branch never taken
            q = _ops.floor_divide(a, b)
            if not rounded.requires_grad:
                return q
            rounded = _ops.where(_ops.ones_like(q, dtype=np.bool_), q, rounded)
    except ShapeError:
        raise broadcast_error(a, b) from None
    return labelled(rounded, "DivBackward2", a, edges=(a, b if isinstance(b, Tensor) else None))


def rdiv(a, b):
    a, b = _float_operands(a, b)
    return bind(_ew.div_p, b, a)


def rtruediv(a, b):
    """``b / a`` as the operator (``Tensor.__rtruediv__``): a number ``b`` other than 1 divides
    as PyTorch's operator does, ``a.reciprocal() * b`` (two roundings: PyTorch's values to the
    ulp; ``torch.div(b, a)`` divides once, as ``rdiv``); a complex ``a`` so for any number
    (``1 / z`` at 0: (inf + nan j) * 1 = nan + nan j, as PyTorch's); a NumPy array ``b`` so
    too, whose ``*`` leaves it to NumPy (float64 values in a Tensor, as PyTorch's)."""
    if type(b) in _SEQUENCES:
        return NotImplemented
    if type(b) is _ndarray:
        return a.reciprocal() * b
    a, b = _float_operands(a, b)
    if type(b) in (float, int, complex) and (b != 1 or a._buf.dtype.kind == "c"):
        return bind(_ew.mul_p, bind(_ew.div_p, 1.0, a), b)
    return bind(_ew.div_p, b, a)


maximum, _ = _binary(_ew.maximum_p)
minimum, _ = _binary(_ew.minimum_p)


# ----------------------------------------------------------------------------- unary
def _float(x: Tensor) -> Tensor:
    return x if is_floating(x._buf.dtype) or x._buf.dtype.kind == "c" else _ops.cast(x, D.get_default_dtype().np_dtype)


def rsqrt(x): return rdiv(_ops.sqrt(_float(x)), 1.0)
def reciprocal(x): return rdiv(_float(x), 1.0)
def log1p(x): return _ops.log(add_(_float(x), 1.0))
def expm1(x): return sub_(_ops.exp(_float(x)), 1.0)
def logical_not(x):
    # (a boolean tensor: bitwise_not's one kernel, as ``~mask``; others: x == 0)
    if getattr(getattr(x, "_buf", None), "dtype", None) == np.bool_:
        return _ops.bitwise_not(x)
    return _ops.logical_not(x)


_NUMBER = (int, float)          # (by type: not bool, nor NumPy's numbers: the general path's)


def clamp(x, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    d = x._buf.dtype
    if (min is None or type(min) in _NUMBER) and (max is None or type(max) in _NUMBER) and \
            is_floating(d):
        # number bounds of a float tensor: one primitive (dlcore.ops.clamp), one node named
        # ClampBackward1 (_graph's name of the primitive), its vjp one kernel; the values those
        # of the composite below.  A 16-bit float's bounds are rounded to its type first, as
        # _apply_half rounds maximum's and minimum's number operands.
        if d in _dt.HALF:
            min, max = _half_bound(min, d), _half_bound(max, d)
        return bind(_clamp_p, x, lo=min, hi=max)
    if x._buf.dtype.kind in "iu":       # an int bound keeps the dtype: converted as PyTorch does
        if isinstance(min, float) or isinstance(max, float):
            # a float bound: the result is the default float, the tensor converted first and
            # no bound wrapped into its type (uint8.clamp(-1, 1e10) was 255 throughout)
            return clamp(_ops.cast(x, D.get_default_dtype().np_dtype), min, max)
        if isinstance(min, int) and not isinstance(min, bool):
            min = scalar_as(min, x._buf.dtype)
        if isinstance(max, int) and not isinstance(max, bool):
            max = scalar_as(max, x._buf.dtype)
    y = x
    if min is not None:             # (a tensor bound's gradient: PyTorch's, clamp_ties)
        y = maximum(y, min) if not isinstance(min, Tensor) else clamp_ties(maximum(y, min))
    if max is not None:
        y = minimum(y, max) if not isinstance(max, Tensor) else clamp_ties(minimum(y, max))
    # PyTorch's names: clamp.Tensor (a bound is a tensor) and clamp (numbers)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return clamp_tangent(labelled(y, "ClampBackward0", x, edges=(x, min, max)), x, min, max)
    return labelled(y, "ClampBackward1", x, edges=(x,))


clip = clamp


def _half_bound(v, half):
    """A number bound of a float16/bfloat16 tensor's clamp as ``_apply_half`` makes a number
    operand of maximum/minimum (computed in float32): rounded to ``half``, or past float16's
    range, ``rounded``'s value (inf for float16; NaN and inf as they are)."""
    if v is None:
        return None
    if -65504.0 <= v <= 65504.0:
        return builtins.float(np.asarray(v, dtype=half).astype(np.float32))
    return _rounded(v, half)


def where(condition, x, y):
    if not isinstance(condition, Tensor):
        raise TypeError("where(): the condition must be a bool tensor")
    if condition._buf.dtype != np.bool_:
        if condition._buf.dtype != np.uint8:       # (uint8: deprecated in PyTorch, accepted)
            raise RuntimeError("where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {condition.dtype._legacy}")
        condition = _ops.cast(condition, np.bool_)
    if isinstance(x, Tensor) and isinstance(y, Tensor) or isinstance(x, Tensor):
        x, y = _operands(x, _int_scalar(y, x))
    elif isinstance(y, Tensor):
        y, x = _operands(y, _int_scalar(x, y))
    return _ops.where(condition, x, y)


from ._masked_fill import masked_fill  # noqa: E402, F401 - (re-exported: O.masked_fill)


# ----------------------------------------------------------------------------- reductions
def _reduce_extreme(x, dim, keepdim, other, is_max):
    if other is not None and not isinstance(other, (int, bool)):
        return split_ties(maximum(x, other) if is_max else minimum(x, other), x, other)
    if other is not None:
        dim = other
    name = "max" if is_max else "min"
    if x._buf.dtype.kind == "b":    # PyTorch takes a bool max/min (the primitives refuse bool)
        r = _reduce_extreme(_ops.cast(x, np.uint8), dim, keepdim, None, is_max)
        if isinstance(r, tuple):
            return _pair_result(name, _ops.cast(r[0], np.bool_), r[1])
        return _ops.cast(r, np.bool_)
    if dim is None:
        if x.numel() == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        out = _ops.max_(x) if is_max else _ops.min_(x)
        if x.requires_grad and type(out._buf) is np.ndarray and out._buf.dtype.kind == "f" \
                and np.isnan(out._buf):     # (CPU only: no hidden device sync)
            # PyTorch shares the gradient among the NaNs (the shared reduction's TF rule,
            # equal(x, y), matches none of them: NaN for every element)
            nan = _ops.isnan(x)
            out = _ops.div(_ops.sum(_ops.where(nan, x, 0.0)), _ops.sum(_ops.cast(nan, out.dtype)))
        return labelled(out, "MaxBackward1" if is_max else "MinBackward1", x, edges=(x,))
    from ._shape_ops import wrap_dim
    b = x._buf
    nd = b.ndim
    d = wrap_dim(dim, nd)
    if nd and b.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    if not (x._rg and nd and is_floating(b.dtype)):
        values = _ops.max_(x, int(dim), keepdim) if is_max else _ops.min_(x, int(dim), keepdim)
        return _pair_result(name, values, argmax(x, dim, keepdim) if is_max else
                            argmin(x, dim, keepdim))
    # the values read at the indices, so the gradient goes to that one element, as PyTorch's
    # (a tie: the first; a row holding NaN: its first NaN, where the reduction's evenly shared
    # gradient, TensorFlow's rule, was NaN for the whole row).  Only when a gradient is needed:
    # the gather costs ~2x the reduction (64x100 float32: 86 -> 166 us)
    idx = argmax(x, d, True) if is_max else argmin(x, d, True)
    values = _ops.take_along_axis(x, idx, d)
    if not keepdim:
        values = _ops.squeeze(values, d)
        b = idx._buf
        if type(b) is np.ndarray:
            # the indices as a fresh tensor (PyTorch's are no view; one dispatch less), sharing
            # the version counter of those the gather saved: changed in place, backward fails
            idx = _make(b.reshape(b.shape[:d] + b.shape[d + 1:]), idx._vc)
        else:
            idx = _ops.squeeze(idx, d)
    return _pair_result(name, labelled(values, "MaxBackward0" if is_max else "MinBackward0",
                                       x, edges=(x,)), idx)


def max(x, dim=None, keepdim=False, *, other=None):
    if isinstance(dim, Tensor):
        return split_ties(maximum(x, dim), x, dim)
    return _reduce_extreme(x, dim, keepdim, other, True)


def min(x, dim=None, keepdim=False, *, other=None):
    if isinstance(dim, Tensor):
        return split_ties(minimum(x, dim), x, dim)
    return _reduce_extreme(x, dim, keepdim, other, False)


_VAR_DTYPES = ("std and var only support floating point and complex dtypes")


def var(x, dim=None, unbiased=True, keepdim=False, *, correction=None):
    """PyTorch's dtype rules here, not in a wrapper: integers and bools refused, a complex
    input's variance real (``var z = var Re z + var Im z``); no degree of freedom left gives
    torch's UserWarning (``_var``)."""
    return _var(x, dim, unbiased, keepdim, correction, "var")


_DOF = ("{}(): degrees of freedom is <= 0. Correction should be strictly less than the "
        "reduction factor (input numel divided by output numel).")


def _var(x, dim, unbiased, keepdim, correction, name):
    """``var``, warning as torch 2.13 when the reduced count minus the correction is <= 0
    (every call, named ``name``: var or std, the function called; None: no warning, for
    var_mean/std_mean, whose own warning is ``_torch_warnings``')."""
    if isinstance(dim, (list, tuple)) and not dim:
        dim = None                      # (an empty dim list: every dim, as PyTorch's)
    k = x._buf.dtype.kind
    if k in "biuc":
        if k != "c":
            raise RuntimeError(_VAR_DTYPES)
        return labelled(add_(_var(_ops.real(x), dim, unbiased, keepdim, correction, name),
                             _var(_ops.imag(x), dim, unbiased, keepdim, correction, name)),
                        "VarBackward0", x, edges=(x,))
    corr = (1 if unbiased else 0) if correction is None else correction
    if SAVED_HOOKS_ON[0]:               # (saved_tensors_hooks: PyTorch's one node)
        out = _saved_var(False, x, dim, unbiased, keepdim, correction, corr)
        if out is not None:
            return out
    x = _float(x)
    # the var primitive (dlcore/ops/var_prims.py: one node each way, float64 passes, 16-bit
    # floats computed in float32; x.std(1) of 4x8 19 -> 11.6 us with the composite it replaced)
    if isinstance(dim, (list, tuple)) and len(dim) > 1:
        unique_dims(tuple(dim), x.ndim)         # (PyTorch's error for a dim named twice)
    try:
        axes = tuple(range(x.ndim)) if dim is None else \
            _normalize_axes("var", dim, x.ndim, x._buf.shape)
    except AxisError as e:          # (PyTorch's IndexError and words)
        raise torch_error(e) from None
    if math.prod(x._buf.shape[a] for a in axes) - corr <= 0 and name is not None:
        # no degrees of freedom left (an empty tensor too): NaN, as PyTorch's
        warnings.warn(_DOF.format(name), UserWarning, stacklevel=_user_level())
    out = _var_p_bind(x, axes, corr, keepdim)
    return _show_var(labelled(out, "VarBackward0", x, edges=(x,)), x, False, dim, keepdim,
                     corr, correction, unbiased)


def std(x, dim=None, unbiased=True, keepdim=False, *, correction=None):
    if isinstance(dim, (list, tuple)) and not dim:
        dim = None                      # (an empty dim list: every dim, as PyTorch's)
    # (complex: the root of the parts' summed variances, finite where both are 0)
    if SAVED_HOOKS_ON[0] and x._buf.dtype.kind == "f":
        out = _saved_var(True, x, dim, unbiased, keepdim, correction,
                         (1 if unbiased else 0) if correction is None else correction)
        if out is not None:
            return out
    v = _var(x, dim, unbiased, keepdim, correction, "std")
    # (PyTorch's std_backward: a zero deviation's gradient 0, not sqrt's NaN; complex: the
    # root of the parts' summed variances, its own gradient)
    root = bind(_std_root_p, v) if v._buf.dtype.kind == "f" else _ops.sqrt(v)
    out = labelled(root, "StdBackward0", x, edges=(x,))
    return out if x._buf.dtype.kind == "c" else _show_var(out, x, True, dim, keepdim, (
        1 if unbiased else 0) if correction is None else correction, correction, unbiased)


def _saved_var(is_std, x, dim, unbiased, keepdim, correction, corr):
    from .autograd import _saved_composites as sc  # (loaded while hooks are active)
    if not sc.applies(x):
        return None
    f = std if is_std else var
    return sc.var_entry(is_std, x, lambda: f(x, dim, unbiased, keepdim, correction=correction),
                        dim, corr, keepdim, correction)


def norm2_lane(x, p, dim, keepdim):
    """The 2-norm primitive (``dlcore.ops.norm2``) through the one-tensor lane, labelled as
    PyTorch's; None where the lane does not take the call (the plan once per shape, dim and
    keepdim: None for a half, complex or CUDA tensor, a bad dim, autocast, a trace).  An
    empty ``dim`` reduces over all dims, as PyTorch's."""
    if (type(dim) is tuple or type(dim) is list) and not dim:
        dim = None
    if p == 2 and type(p) in (int, float) and isinstance(x, Tensor) and not _RECORDERS:
        out = _D._small_unary(_norm2_p(), x, (dim if type(dim) is not list else tuple(dim),
                                              keepdim), _norm2_params)
        if out is not None:
            node = out._node                # (a new node, one parent: ``labelled``'s work)
            if node is not None:
                node.label = "LinalgVectorNormBackward0"
            return out
    return None


def norm(x, p=2, dim=None, keepdim=False):
    if (type(dim) is tuple or type(dim) is list) and not dim:
        dim = None                  # (an empty dim: all dims, as PyTorch's)
    out = norm2_lane(x, p, dim, keepdim)
    if out is not None:
        return out
    try:
        out = _norm(x, p, dim, keepdim)
    except AxisError as e:          # (PyTorch's IndexError and words)
        raise torch_error(e) from None
    return labelled(out, "LinalgVectorNormBackward0", x, edges=(x,))


def _norm2_p():
    from dlcore.ops.norm2 import norm2_p
    return norm2_p


def _norm2_params(b, key) -> dict | None:
    """norm2's params of the lane's key ``(dim, keepdim)`` for a float32/float64 buffer."""
    dim, keepdim = key
    if b.dtype.kind != "f" or type(keepdim) is not bool or not (
            dim is None or type(dim) is int or (type(dim) is tuple and dim and
                                               all(type(d) is int for d in dim))):
        return None
    if type(dim) is tuple and len({d % b.ndim if -b.ndim <= d < b.ndim else d
                                   for d in dim}) < len(dim):
        return None          # (a dim named twice: the general path's PyTorch error)
    from dlcore.ops._rules import normalize_axes
    return {"axes": normalize_axes("sum", dim, b.ndim, b.shape), "keepdims": keepdim}


def _norm(x, p, dim, keepdim):
    if x._buf.dtype.kind in "fc" and not isinstance(p, str):
        # (linalg's vector_norm: a zero gradient at a zero norm, as PyTorch's; sqrt of the
        # sum of squares gave 0 * inf = NaN there: x.norm() of zeros)
        from dlcore.ops.linalg_extra import vector_norm
        return vector_norm(x, p, _dims(dim, x.ndim), keepdim)
    if p == 2 or p == "fro":
        return _ops.sqrt(_ops.sum(mul_(x, x), _dims(dim, x.ndim), keepdim))
    if p == 1:
        return _ops.sum(_ops.abs(x), _dims(dim, x.ndim), keepdim)
    if p == 0 or p in (float("inf"), -float("inf")):        # count of nonzeros, max/min |x|
        from dlcore.ops.linalg_extra import vector_norm
        return vector_norm(_float(x), p, _dims(dim, x.ndim), keepdim)
    return pow_(_ops.sum(pow_(_ops.abs(x), p), _dims(dim, x.ndim), keepdim), 1.0 / p)


@torch_errors       # (a dim out of range: PyTorch's IndexError and words)
def all(x, dim=None, keepdim=False):
    b = x if x._buf.dtype == np.bool_ else _ops.not_equal(x, 0)
    out = _ops.equal(_ops.sum(_ops.logical_not(b), _dims(dim, x.ndim, False), keepdim), 0)
    # (PyTorch keeps uint8 for a uint8 input, its pre-bool behaviour; bool for all else)
    return _ops.cast(out, np.uint8) if x._buf.dtype == np.uint8 else out


@torch_errors
def any(x, dim=None, keepdim=False):
    b = x if x._buf.dtype == np.bool_ else _ops.not_equal(x, 0)
    out = _ops.greater(_ops.sum(b, _dims(dim, x.ndim, False), keepdim), 0)
    return _ops.cast(out, np.uint8) if x._buf.dtype == np.uint8 else out


# ----------------------------------------------------------------------------- linear algebra
# (PyTorch's checks and messages: _matmul_checks)
def matmul(self, other):
    if isinstance(self, Tensor) and isinstance(other, Tensor):
        ba, bb = self._buf, other._buf
        if type(ba) is _ndarray and type(bb) is _ndarray:
            d = ba.dtype
            sa, sb = ba.shape, bb.shape
            if d is bb.dtype and len(sa) >= 2 and len(sb) >= 2 and sa[-1] == sb[-2]:
                # two CPU matrices (or stacks) of one dtype whose inner sizes agree: what the
                # checks, _operands and bind below come to (4x4 @ 4x4: 11.3 -> 8 us); two
                # matrices straight to apply's two-tensor branch (the shapes and dtype read
                # once: 1x32 @ 32x32 with grad ~0.04 us less)
                if len(sa) == 2 and len(sb) == 2 and (d is _F32 or d is _F64) and \
                        not _D._AUTOCAST and not _RECORDERS:
                    return _matrix_product(_matmul_p, self, other, ba, bb)
                try:
                    return _apply(_la.matmul_p, (self, other), {})
                except ShapeError:              # batch dimensions that do not broadcast
                    _check_matmul(self, other)
                    raise
            if d is bb.dtype and (d is _F32 or d is _F64) and not _D._AUTOCAST and \
                    not _RECORDERS and (len(sa) == 1 or len(sb) == 1):
                out = _vector_product(self, other, sa, sb)   # (the lanes)
                if out is not None:
                    return out
    if isinstance(self, Tensor) and isinstance(other, Tensor) and (
            self._buf.dtype != other._buf.dtype or
            self._buf.shape[-1:] != other._buf.shape[-2:-1]
            if other._buf.ndim >= 2 else self._buf.dtype != other._buf.dtype or
            self._buf.ndim == 1 or self._buf.shape[-1:] != other._buf.shape):
        _check_matmul(self, other)
    self, other = _operands(self, other)
    if self.ndim == 1 or other.ndim == 1:
        na, nb = self.ndim, other.ndim         # PyTorch's grad_fn for each pair of ranks
        return labelled(_la.dot(self, other), "DotBackward0" if na == nb else "MvBackward0"
                        if na == 2 else "SqueezeBackward4" if na == 1 and nb == 2
                        else "UnsafeViewBackward0", self, other,
                        edges=(self, other) if na + nb <= 3 and (na, nb) != (1, 2) else None)
    return bind(_la.matmul_p, self, other)


def mm(self, mat2):
    if isinstance(self, Tensor) and isinstance(mat2, Tensor):
        sa, sb = self._buf.shape, mat2._buf.shape      # (no Size objects: dispatch cost)
    else:
        sa, sb = tuple(self.shape), tuple(mat2.shape)
    if len(sa) != 2:
        raise RuntimeError("self must be a matrix")
    if len(sb) != 2:
        raise RuntimeError("mat2 must be a matrix")
    if sa[1] != sb[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sa[0]}x"
                           f"{sa[1]} and {sb[0]}x{sb[1]})")
    if not (isinstance(self, Tensor) and isinstance(mat2, Tensor)):
        self, mat2 = _operands(self, mat2)
    elif self._buf.dtype is not mat2._buf.dtype:
        _check_same_dtype(self, mat2)                  # (PyTorch's mm promotes nothing)
        self, mat2 = _operands(self, mat2)
    else:
        ba, bb = self._buf, mat2._buf
        d = ba.dtype
        if type(ba) is _ndarray and type(bb) is _ndarray and (d is _F32 or d is _F64) and \
                not _D._AUTOCAST and not _RECORDERS:
            return _matrix_product(_matmul_p, self, mat2, ba, bb)
    return _apply(_matmul_p, (self, mat2), {})


def bmm(self, mat2):
    if self.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    sa, sb = self.shape, mat2.shape
    if sa[0] != sb[0] or sa[2] != sb[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{sa[0]}, {sa[2]}] but got: [{sb[0]}, {sb[1]}].")
    return labelled(matmul(self, mat2), "BmmBackward0", self, mat2)


def dot(self, tensor):
    if self.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {self.ndim}D and {tensor.ndim}D tensors")
    if isinstance(self, Tensor) and isinstance(tensor, Tensor):
        _check_vector_dtypes(self, tensor)
        if self.shape[0] != tensor.shape[0]:      # (PyTorch's words, matmul's for two vectors)
            _check_matmul(self, tensor)
    return labelled(_la.dot(*_operands(self, tensor)), "DotBackward0", self, tensor)


def outer(self, vec2):
    for name, v in (("self", self), ("vec2", vec2)):
        if getattr(v, "ndim", 1) != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {v.ndim}-D")
    return mul_(_ops.expand_dims(self, 1), _ops.expand_dims(vec2, 0))
