"""Operand promotion for the binary op functions, and their lane for concrete values.

``_promote`` casts two operands to their common dtype (NumPy promotion; Python scalars are
weak), ``_float_binary`` also computes in the default float where both are integers (true
division).  ``_op2`` is the binary op functions' body (``ops.add``, ``sub``, ``mul``, ``pow``;
``div`` with ``_float_binary``): two concrete front-end values of one float dtype go to their
front end's binary lane (``registry.CONCRETE``, tested by ``_fastpath.lean2``: nothing to
promote), everything else is promoted and bound.  Below :mod:`dlcore.ops.elementwise`, which
re-exports these names.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..registry import CONCRETE, aval_of, bind
from ._fastpath import lean2
from .elementwise_cast import cast


def _promote(a, b):
    """Cast two operands to their common dtype (NumPy promotion; Python scalars are weak)."""
    ta = type(a)
    if ta is type(b):
        if ta is np.ndarray:
            if a.dtype == b.dtype:
                return a, b      # the common case, first (dispatch cost)
        elif ta is not float and ta is not int:
            # two front-end values of one kind (graph tensors: a static graph's gradient nodes,
            # issue 19) whose dtypes are one object: nothing to cast
            get = getattr(ta, "__dlcore_aval__", None)
            if get is not None and get(a).dtype is get(b).dtype:
                return a, b
    if (type(b) is float or type(b) is int) and not _dt.is_python_scalar(a) and \
            aval_of(a).dtype in _dt.FLOAT32_64:
        return a, b              # a float array and a weak Python number: nothing to cast
    if (type(a) is float or type(a) is int) and type(b) is np.ndarray and \
            b.dtype in _dt.FLOAT32_64:
        return a, b              # the same, the number first (``sub(1.0, y * y)`` in tanh's vjp)
    if isinstance(a, _GENERIC) or isinstance(b, _GENERIC):
        a, b = _front_numbers(a, b)
    sa, sb = _dt.is_python_scalar(a), _dt.is_python_scalar(b)
    if sa and sb:
        return a, b
    if sa or sb:
        # A weak scalar takes the array's dtype where it can; where it cannot (int32 array
        # * 0.5, bool array + 1) the array is cast to the scalar's dtype, as NumPy does.
        arr, sc = (b, a) if sa else (a, b)
        ad = aval_of(arr).dtype
        sd = _dt.scalar_dtype(sc, ad)
        if sd == ad:
            return a, b
        return (a, cast(b, sd)) if sa else (cast(a, sd), b)
    da, db = aval_of(a).dtype, aval_of(b).dtype
    if da == db:
        return a, b
    t = _dt.result_type(da, db)
    return (a if da == t else cast(a, t)), (b if db == t else cast(b, t))


_GENERIC = np.generic


def _front_numbers(a, b):
    """A NumPy number beside a front end's value, as that front end reads it: the eager
    front end's ``numpy_number`` makes it the Python number PyTorch's argument parser makes
    of it (``float32_tensor * np.float64(0.5)`` stays float32); a front end without the hook
    (static graphs) and raw arrays keep it as it is."""
    g = isinstance(a, _GENERIC)
    other = b if g else a
    conv = getattr(getattr(type(other), "__dlcore_frontend__", None), "numpy_number", None)
    if conv is None:
        return a, b
    return (conv(a), b) if g else (a, conv(b))


def _op2(prim, a, b):
    """``bind(prim, *_promote(a, b))``; two concrete front-end values of one float dtype
    (``lean``: nothing to promote) go to their front end's binary lane (``registry.CONCRETE``):
    the vjp rules' ops under create_graph (the op functions call it for a concrete first
    operand, and bind anything else themselves)."""
    if type(a) is type(b) and type(a) in CONCRETE:
        fe = lean2(a, b)
        if fe is not None:
            return fe.binary(prim, a, b)
    return bind(prim, *_promote(a, b))


def _float_binary(a, b):
    """Promote two operands and compute in the default float where both are integers."""
    a, b = _promote(a, b)
    if (type(b) is float or type(b) is int) and not _dt.is_python_scalar(a) and \
            aval_of(a).dtype in _dt.FLOAT32_64:
        return a, b              # (the common case: a float array and a number)
    for x in (a, b):
        if not _dt.is_python_scalar(x):
            if not _dt.is_inexact(aval_of(x).dtype):
                a = a if _dt.is_python_scalar(a) else cast(a, _dt.default_float)
                b = b if _dt.is_python_scalar(b) else cast(b, _dt.default_float)
            break
    return a, b
