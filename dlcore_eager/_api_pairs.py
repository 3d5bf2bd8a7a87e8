"""The operator pairs of ``_api``'s binary conventions: ``(op, rop)`` of a binary export
(PyTorch's promotion, then the primitive; ``O._binary`` for a primitive's own bind), the
broadcast check of their error path, and the NumPy-array (list, tuple) rule of the operators (``Tensor.__add__``
returns NotImplemented for an ndarray, as torch's: NumPy computes ``t + arr`` and
``Tensor.__array_wrap__`` makes its result a tensor; ``arr + t`` is Python's TypeError)."""

from __future__ import annotations

from dlcore.errors import ShapeError as _ShapeError

from . import _tensor_ops as O
from .tensor import Tensor


def _binary_pair(export, check=None, wrap: bool = True, operator: bool = False):
    """``(op, rop)``: PyTorch promotion, then the primitive (operators' hot path).  ``check``:
    the name's ``_DTYPE_POLICY`` check (``%`` of two bools), run first (it raises); ``wrap``
    False (zeta, xlog1py: float kernels) keeps a Python int unwrapped (xlog1py(int8, 1000))."""
    if export.prim is not None and export.fn == export.prim.bind and check is None and wrap:
        return O._binary(export.prim, operator)
    if check is not None:
        op0, rop0 = _binary_pair(export, None, wrap)

        def op_checked(a, b):
            if operator and type(b) in O._NOT_OPERANDS:
                return NotImplemented
            check((a, b), {})
            return op0(a, b)
        def rop_checked(a, b):
            if operator and type(b) in O._NOT_OPERANDS:
                return NotImplemented
            check((b, a), {})
            return rop0(a, b)
        return _aware(op_checked, rop_checked, operator)
    fn = export.fn

    def op(a, b):
        if operator and type(b) in O._NOT_OPERANDS:
            return NotImplemented
        a, b = O._operands(a, b, wrap)
        try:
            return fn(a, b)
        except _ShapeError:     # operands that do not broadcast: PyTorch's RuntimeError
            _broadcast_check(a, b)
            raise

    def rop(a, b):
        if operator and type(b) in O._NOT_OPERANDS:
            return NotImplemented
        a, b = O._operands(a, b, wrap)
        try:
            return fn(b, a)
        except _ShapeError:
            _broadcast_check(b, a)
            raise
    return _aware(op, rop, operator)


def _aware(op, rop, operator: bool):
    op.ndarray_aware = rop.ndarray_aware = operator
    return op, rop


def _broadcast_check(a, b):
    """Raise PyTorch's ``The size of tensor a (3) must match the size of tensor b (4) at
    non-singleton dimension 0`` when the operands' shapes do not broadcast."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        O.infer_size(tuple(a.shape), tuple(b.shape))


def _ndarray_not_implemented(f):
    """An operator's function (``Tensor.__mod__``) returning NotImplemented for a NumPy array
    operand, as torch's (``O._binary(prim, operator=True)`` pairs test it themselves)."""
    if getattr(f, "ndarray_aware", False):
        return f

    def operator(a, b):
        return NotImplemented if type(b) in O._NOT_OPERANDS else f(a, b)
    return operator
