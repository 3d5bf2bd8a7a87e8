"""Lane parses of the truth reductions and tests (issue 19): ``x.any()``, ``x.all()``,
``x.any(d)``, ``x.all(d, keepdim)`` and ``x.count_nonzero()``/``x.count_nonzero(d)``
(``torch.any``, ...) of a CPU tensor, the common test of a loop (``while (x > 0).any():``, an
NMS's ``if (iou < t).all()``), taken by NumPy's ``any``/``all``/``count_nonzero`` in the
entry; ``torch.isnan``/``isinf``/``isfinite`` (``x.isnan()``) of a CPU tensor of any dtype
but bfloat16, NumPy's ufunc of the same name (4.9 -> ~1.0 us, PyTorch 2.1; a composite over
the primitive's kernel before); ``torch.logical_and``/``or``/``xor``/``not`` likewise.

The general entries compose them of primitives (``any`` = sum of ``x != 0`` > 0; ``all`` =
sum of ``not x`` == 0): two to three kernel calls and their checks, 19-23 us against
PyTorch's 1.1-2.5 for 20 elements; NumPy's reductions give the same truth values (a NaN is
nonzero in both; an empty reduction is False for any, True for all, 0 for a count) and need
no tape node (a bool or int64 result).  Left to the general entries: a dim that is not an
``int`` (a tuple, a name), a dim out of range or on a 0-d tensor, ``keepdim`` that is not a
bool, ``out=``, a uint8 input (PyTorch keeps uint8 there), 16-bit floats' ml_dtypes
(bfloat16's kind "V"), CUDA, a Tensor subclass, tracing and autocast (``_lane.fallback``)."""

from __future__ import annotations

import numpy as np

from . import _dispatch as _D
from . import _lane as L
from ._front_entry import dressed
from ._state import STATE
from .creation import _FULL_TOPS
from .tensor import Tensor, _make
from .tracing import _RECORDERS

_ndarray = np.ndarray
_KINDS = "bifc"                           # (u: uint8 stays uint8 in PyTorch; V: bfloat16)
_I64 = np.dtype(np.int64)
_BOOL = np.dtype(np.bool_)
_TOPS = _FULL_TOPS      # (float dtype -> the largest number operand PyTorch takes: full's)


def _axis(b, dim):
    """NumPy's axis for ``dim`` of ``b`` (None: every element), or False where the general
    entry decides."""
    if dim is None:
        return None
    if type(dim) is not int or not b.ndim or not -b.ndim <= dim < b.ndim:
        return False
    return dim % b.ndim


def _truth(reduce):
    """The parse of ``any``/``all`` (``reduce``: ``np.logical_or``/``np.logical_and``):
    ``(input, dim=None, keepdim=False)``."""
    def parse(args, kw):
        x = args[0]
        if type(x) is not Tensor:
            return None
        b = x._buf
        n = len(args)
        if type(b) is not _ndarray or b.dtype.kind not in _KINDS or n > 3 or \
                (n > 1 and "dim" in kw) or (n > 2 and "keepdim" in kw):
            return None
        dim = args[1] if n > 1 else kw.get("dim")
        keepdim = args[2] if n > 2 else kw.get("keepdim", False)
        axis = _axis(b, dim)
        if axis is False or type(keepdim) is not bool or (dim is None and keepdim):
            return None
        if b.dtype.kind != "b":
            b = b != 0                          # (NaN != 0: nonzero, as PyTorch's)
        out = reduce.reduce(b, axis=axis, keepdims=keepdim)
        return _make(out if type(out) is _ndarray else np.array(out))
    return parse


def _count_parse(args, kw):
    """``count_nonzero(input, dim=None)`` with an int dim or none."""
    x = args[0]
    if type(x) is not Tensor or "keepdim" in kw:
        return None
    b = x._buf
    n = len(args)
    if type(b) is not _ndarray or b.dtype.kind not in "biufc" or n > 2 or \
            (n > 1 and "dim" in kw):
        return None
    axis = _axis(b, args[1] if n > 1 else kw.get("dim"))
    if axis is False:
        return None
    out = np.count_nonzero(b, axis=axis)
    return _make(np.asarray(out, _I64))


def _test(ufunc):
    """The parse of ``isnan``/``isinf``/``isfinite(input)``."""
    def parse(args, kw):
        x = args[0]
        if type(x) is not Tensor or len(args) != 1 or kw:
            return None
        b = x._buf
        if type(b) is not _ndarray or b.dtype.kind not in "biufc":
            return None
        out = ufunc(b)
        return _make(out if type(out) is _ndarray else np.array(out))
    return parse


def _logical(ufunc):
    """The parse of ``logical_and``/``or``/``xor(input, other)`` and ``logical_not(input)``
    (``mask & (d < t)`` written as a function): NumPy's ufunc of the same name over two CPU
    tensors of one dtype (not bfloat16; a bool result, no tape node: 7.6 -> 1.1 us, PyTorch
    1.4); two dtypes (PyTorch tests the truth of the common dtype's values: a 0-d int32
    -2**31 beside a uint8 tensor is 0) and operands that do not broadcast go to the general
    entry."""
    two = ufunc.nin == 2

    def parse(args, kw):
        if kw or len(args) != ufunc.nin:
            return None
        x = args[0]
        if type(x) is not Tensor:
            return None
        b = x._buf
        if type(b) is not _ndarray or b.dtype.kind not in "biufc":
            return None
        if not two:
            out = ufunc(b)              # (a 0-d array gives NumPy's scalar)
            return _make(out if type(out) is _ndarray else np.array(out))
        y = args[1]
        if type(y) is not Tensor:
            return None
        c = y._buf
        if type(c) is not _ndarray or c.dtype is not b.dtype:   # (two dtypes: the general
            return None                 # entry's promotion first, PyTorch's common dtype)
        try:
            out = ufunc(b, c)
        except ValueError:                  # (shapes that do not broadcast)
            return None
        return _make(out if type(out) is _ndarray else np.array(out))
    return parse


L.MORE.update(logical_and=_logical(np.logical_and), logical_or=_logical(np.logical_or),
              logical_xor=_logical(np.logical_xor), logical_not=_logical(np.logical_not))
L.MORE.update(any=_truth(np.logical_or), all=_truth(np.logical_and),
              count_nonzero=_count_parse, isnan=_test(np.isnan), isinf=_test(np.isinf),
              isfinite=_test(np.isfinite))


def where_front(general):
    """``general`` (``torch.where``) with its common call in front: ``where(cond, x, y)`` of
    a bool CPU mask, a float32/float64 CPU tensor ``x`` and a tensor of its dtype or a Python
    number within its range as ``y``, where nothing requires grad: NumPy's ``where`` (its
    broadcasting is PyTorch's; a number operand weak, as NumPy 2's: 3.9 -> ~1.5 us, PyTorch
    1.7).  Anything else (a gradient to record, other dtypes, one argument, keywords, a trace,
    autocast, operands that do not broadcast) goes to ``general``."""
    def where(*args, **kw):
        if len(args) == 3 and not kw and not _RECORDERS and not _D._AUTOCAST:
            c, x, y = args
            if type(c) is Tensor and type(x) is Tensor:
                cb, xb = c._buf, x._buf
                top = _TOPS.get(xb.dtype) if type(xb) is _ndarray else None
                if top is not None and type(cb) is _ndarray and cb.dtype is _BOOL and \
                        not (x._rg and STATE.enabled):
                    ty = type(y)
                    yb = None
                    if ty is Tensor:
                        b = y._buf
                        if type(b) is _ndarray and b.dtype is xb.dtype and \
                                not (y._rg and STATE.enabled):
                            yb = b
                    elif ty is float and (-top <= y <= top or y != y) or \
                            ty is int and -9223372036854775808 <= y <= 9223372036854775807:
                        yb = y          # (an int past int64: the parser's OverflowError)
                    if yb is not None:
                        try:
                            return _make(np.where(cb, xb, yb))
                        except ValueError:      # (shapes that do not broadcast)
                            pass
        return general(*args, **kw)
    return dressed(where, general, name="where")
