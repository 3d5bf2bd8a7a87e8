"""The binary operators of two tensors or a tensor and a Python number (``Tensor.__add__``,
``x * y`` inside nn and optim, ``torch.add``'s last step): ``_binary(prim)``'s ``(op, rop)``
pair, which applies the primitive directly once the operands have one dtype (the operand
conventions: promotion, broadcast errors, refusals, in ``_operand_rules``).  Two CPU tensors of
one dtype take the binary fast lane (``_dispatch.small_binary``); a float32/float64 result that
needs no tape node takes that lane's steps in the operator's own frame (issue 19)."""

from __future__ import annotations

import numpy as np

from dlcore.errors import ShapeError
from dlcore.ops import elementwise as _ew
from dlcore.ops.power import pow_p as _pow_p

from . import _dispatch as _D
from ._dispatch import EagerFrontend
from ._dispatch import small_binary as _small_binary
from ._front_entry import dressed
from ._graph import labelled
from ._operand_rules import _int_pow_check, _operands, _sub_bool_check, broadcast_error
from ._state import INFERENCE_ON, fresh_version
from .tensor import Tensor, _make, _new
from .tracing import _RECORDERS

_apply = EagerFrontend.apply
_ndarray = np.ndarray
_FLOAT_INT = (float, int)
_NOT_OPERANDS, _SEQUENCES = frozenset({np.ndarray, list, tuple}), (list, tuple)  # (operators)
_F32_F64 = (np.dtype(np.float32), np.dtype(np.float64))
_F32, _F64 = _F32_F64
_QUIET_RUN, _PT = _D._QUIET_RUN, _D._PT
_BOOL_DT = np.dtype(np.bool_)
_SLOW_CHECKS = {"pow": _int_pow_check, "sub": _sub_bool_check}


def _binary(prim, operator: bool = False):
    # ``_apply(prim, args, {})``: ``bind(prim, *args)`` minus the search for the front end.
    # ``operator`` (Tensor.__add__, ...): an ndarray, list or tuple is NotImplemented (torch's:
    # NumPy computes ``t + arr``; ``arr + t``, ``t + [1.]`` are Python's TypeError)
    slow_check = _SLOW_CHECKS.get(prim.name)
    kernels, cache = prim.kernels, prim._rule_cache
    # [CPU kernel, its NumPy ufunc for float32/float64 operands or None]: ``small_binary``'s
    # table entry for the kernel (``_dispatch._SMALL``), looked up again when it is replaced
    lane: list = [None, None]
    # an int64 tensor and a Python int (index arithmetic: ``inds - 1``, ``3 * ones_like(i)``):
    # NumPy's ufunc, exact and wrapping as PyTorch's int64 kernels (_int64_number)
    int_ufunc = _INT_UFUNCS.get(prim.name)

    def op(a, b):
        # Nothing to promote: two tensors of one dtype, or a float tensor and a Python number;
        # a Tensor subclass (nn.Parameter: ``h + bias``) too (1x32 + a Parameter 2.42 -> 1.9 us)
        tb = type(b)
        if tb is Tensor or (tb not in _FLOAT_INT and slow_check is None and
                            isinstance(b, Tensor)):
            ba, bb = a._buf, b._buf
            da = ba.dtype
            if da is not bb.dtype:
                if slow_check is not None:  # (checked where promotion is needed anyway)
                    slow_check(a, b)
                a, b = _operands(a, b)
            elif slow_check is not None and da is _BOOL_DT:
                slow_check(a, b)            # (pow of two masks: PyTorch's NotImplementedError)
            elif type(ba) is _ndarray and type(bb) is _ndarray and not _D._AUTOCAST and \
                    not _RECORDERS:
                if (da is _F32 or da is _F64) and not (a._rg or b._rg) and _QUIET_RUN:
                    # ``small_binary``'s steps for a float32/float64 result that needs no tape
                    # node and is no bias add, in this frame (issue 19: a + b of 1-element
                    # tensors ~0.15 us less): the ufunc in the quiet context, the result
                    # wrapped as ``_make`` wraps it; anything else (a ValueError: shapes that
                    # do not broadcast) goes on to ``small_binary``, which decides as before
                    k = kernels["cpu"]
                    ufunc = lane[1] if k is lane[0] else _lane_ufunc(prim, k, lane)
                    if ufunc is not None and ba.size < _PT and bb.size < _PT and \
                            da in cache and (bb.ndim != 1 or ba.ndim != 2):
                        try:
                            out = _QUIET_RUN.run(ufunc, ba, bb)
                        except ValueError:
                            out = None
                        if type(out) is _ndarray:
                            # ``tensor._make(out)``'s stores (a field added there: here too)
                            t = _new(Tensor)
                            t._buf = out
                            t._rg = False
                            t._node = None
                            t._acc = None
                            t._grad = None
                            t._vc = [0] if not INFERENCE_ON[0] else fresh_version()
                            t._hooks = None
                            t._view = None
                            return t
                # the binary fast lane (what ``_apply`` would call first), one call less
                try:
                    out = _small_binary(prim, a, b, ba, bb)
                except ShapeError:
                    raise broadcast_error(a, b) from None
                if out is not None:
                    return out
        elif tb not in _FLOAT_INT or a._buf.dtype not in _F32_F64:
            if tb is int and int_ufunc is not None:
                out = _int64_number(int_ufunc, a, b, False)
                if out is not None:
                    return out
            if operator and tb in _NOT_OPERANDS:
                return NotImplemented
            if slow_check is not None:      # (checked where promotion is needed anyway)
                slow_check(a, b)
            a, b = _operands(a, b)
        try:
            return _apply(prim, (a, b), {})
        except ShapeError:
            raise broadcast_error(a, b) from None

    # PyTorch's grad_fn of ``2 - x`` and ``2 ** x`` (functions of their own there)
    rlabel = _RLABELS.get(prim.name)

    def rop(a, b):
        if type(b) is int and int_ufunc is not None:
            out = _int64_number(int_ufunc, a, b, True)
            if out is not None:
                return out if rlabel is None else labelled(out, rlabel, a)
        if operator and type(b) in _NOT_OPERANDS:
            return NotImplemented
        if slow_check is not None:
            slow_check(b, a)
        a, b = _operands(a, b)
        try:
            out = _apply(prim, (b, a), {})
        except ShapeError:
            raise broadcast_error(b, a) from None
        return out if rlabel is None else labelled(out, rlabel, a)
    op.ndarray_aware = rop.ndarray_aware = operator  # type: ignore[attr-defined]
    return op, rop


_RLABELS = {"sub": "RsubBackward1", "pow": "PowBackward2"}
_INT_UFUNCS = {"add": np.add, "sub": np.subtract, "mul": np.multiply}
_I64 = np.dtype(np.int64)


def _int64_number(ufunc, a, b: int, reflected: bool, overflows: bool = True):
    """``a (op) b`` (``b (op) a`` when ``reflected``) of an int64 CPU tensor ``a`` and a Python
    int ``b`` in int64's range, for add, sub and mul (and ``int_division_front``'s remainder
    and floor_divide), outside autocast and traces: the int64
    result of NumPy's ufunc (a Python int is a weak scalar: no promotion), as the general
    path's kernel computes it, exactly and wrapping on overflow as PyTorch's; None for anything
    else (issue 19: ``inds - 1`` 22 -> ~3 us, PyTorch 6).  ``overflows``: whether the op can
    overflow (its warning silenced then, np.errstate's 2 us)."""
    ba = a._buf
    if type(ba) is not _ndarray or ba.dtype is not _I64 or _D._AUTOCAST or _RECORDERS or \
            not -9223372036854775808 <= b <= 9223372036854775807:
        return None
    if not overflows:
        out = ufunc(b, ba) if reflected else ufunc(ba, b)
    else:
        with np.errstate(over="ignore"):
            out = ufunc(b, ba) if reflected else ufunc(ba, b)
    if type(out) is not _ndarray:           # (a 0-d operand: NumPy's scalar)
        out = np.asarray(out)
    return _make(out)


#: the integer divisions of an int64 tensor by a Python int (``inds % n``, ``i // n``: the
#: index arithmetic of an NMS or a beam search) -> NumPy's ufunc: Python's floor rules, as
#: PyTorch's remainder and floor_divide (the general entry composes floor_divide, mul and sub:
#: 25 -> ~3 us, PyTorch 3.3)
INT_DIVISIONS = {"__mod__": np.remainder, "remainder": np.remainder,
                 "__floordiv__": np.floor_divide, "floor_divide": np.floor_divide}


def int_division_front(general, ufunc):
    """``general`` (``Tensor.__mod__``, ``torch.remainder``, ...) with NumPy's ``ufunc`` in
    front for ``(int64 CPU tensor, Python int)`` (``_int64_number``'s cases, -1 too: the
    general entry's kernel gives 0 for int64's min // -1, PyTorch and NumPy min); a divisor
    of 0 (PyTorch's ZeroDivisionError) and every other call go to ``general``."""
    def int_entry(*args, **kw):
        if len(args) == 2 and not kw:
            a, b = args
            if type(b) is int and type(a) is Tensor and b != 0:
                # (int64's one overflow: min // -1, min as PyTorch's)
                out = _int64_number(ufunc, a, b, False, b == -1)
                if out is not None:
                    return out
        return general(*args, **kw)
    return dressed(int_entry, general, "__int_lane__")


def _lane_ufunc(prim, kernel, lane: list):
    """``lane[:] = [kernel, ufunc]`` for ``_binary``'s operators: the NumPy ufunc that
    ``small_binary`` runs for ``prim``'s CPU kernel ``kernel`` on float32/float64 operands (its
    ``_dispatch._SMALL`` entry), or None where it runs none; returns the ufunc."""
    small = _D._SMALL.get(kernel)
    if small is None:
        small = _D._small_ufunc(prim, kernel)
    ufunc = small[0] if small and _F32 in small[1] and _F64 in small[1] else None
    lane[0], lane[1] = kernel, ufunc
    return ufunc


# The operator pairs the rest of the eager front end calls directly (``x * y`` inside nn and
# optim).  The public names (torch.add, Tensor.__add__, ...) are generated from the registry
# by ``_api`` through the same ``_binary`` convention.
add_, radd_ = _binary(_ew.add_p)
sub_, rsub_ = _binary(_ew.sub_p)
mul_, rmul_ = _binary(_ew.mul_p)
pow_, rpow_ = _binary(_pow_p)
