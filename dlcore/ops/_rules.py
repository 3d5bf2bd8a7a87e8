"""Shared pieces of shape/dtype rules: broadcasting with unknown (None) dimensions, axis
normalisation and dtype checks.  Every primitive's shape rule is built from these."""

from __future__ import annotations

import operator

import numpy as np

from ..dtypes import is_floating
from ..errors import AxisError, BroadcastError, DTypeError, DTypeNotImplemented
from ..registry import AVal


def broadcast_shapes(op: str, *shapes) -> tuple:
    """NumPy broadcasting where a dimension may be None (unknown until run time)."""
    first = shapes[0]
    for s in shapes[1:]:
        if s != first:
            break
    else:                        # equal shapes (the common case): nothing to broadcast
        return tuple(first)
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for i in range(-ndim, 0):
        dim: int | None = 1
        for s in shapes:
            if -i > len(s):
                continue
            d = s[i]
            if d == 1:
                continue
            if d is None:
                dim = None if dim in (1, None) else dim
            elif dim in (1, None) or dim == d:
                dim = d
            else:
                known = [x[i] for x in shapes if -i <= len(x) and x[i] not in (None, 1)]
                raise BroadcastError(op, f"Dimensions must be equal, but are {known[0]} and {d}",
                                     shapes)
        out.append(dim)
    return tuple(out)


def as_dim(dim, op: str | None = None, arg: str = "dim") -> int:
    """An axis as an int: an int, a NumPy integer or a one-element integer tensor
    (``__index__``); a float, a float tensor or a string is PyTorch's and NumPy's TypeError
    (``int(0.5)`` silently made ``amax(x, 0.5)`` reduce dim 0 and ``tile(x, 0.5)`` empty)."""
    if type(dim) is int:
        return dim
    where = f"{op}(): argument '{arg}'" if op else f"argument '{arg}'"
    if type(dim) is bool or type(dim) is np.bool_:  # (an int to Python, not to PyTorch/NumPy)
        raise TypeError(f"{where} must be int, not bool")
    try:
        return operator.index(dim)
    except TypeError:
        pass
    raise TypeError(f"{where} must be int or tuple of ints, not {type(dim).__name__}")


def normalize_axis(op: str, axis: int, ndim: int, shape=()) -> int:
    if not -max(ndim, 1) <= axis < max(ndim, 1):     # (a 0-d tensor takes 0 and -1)
        n = max(ndim, 1)         # PyTorch's wording (a 0-d tensor counts as 1-d), both front ends
        raise AxisError(op, f"Dimension out of range (expected to be in range of [{-n}, {n - 1}]"
                            f", but got {axis})", [shape])
    return axis % ndim if ndim else 0


def normalize_axes(op: str, axis, ndim: int, shape=()) -> tuple:
    """None -> all axes; an int or a sequence -> a sorted tuple of non-negative axes.

    The result depends on ``(axis, ndim)`` alone (``op`` and ``shape`` only word the error),
    so an int or tuple ``axis`` that passed is remembered (a reduction in a training loop asks
    the same question every step; the set, sort and checks cost several microseconds).
    Failures are never cached."""
    t = type(axis)
    memo = t is int or t is tuple
    if memo:
        key = (axis, ndim)
        try:
            hit = _AXES.get(key)
        except TypeError:        # an unhashable entry: the checks below word the error
            memo = False
            hit = None
        if hit is not None:
            return hit
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (as_dim(axis, op),)
    elif isinstance(axis, (float, str)):
        as_dim(axis, op)
    axes = tuple(sorted({normalize_axis(op, as_dim(a, op), ndim, shape) for a in axis}))
    if not ndim:                # (a 0-d tensor's dim 0 / -1, checked: nothing to reduce over)
        axes = ()
    if memo:
        if len(_AXES) > 1024:
            _AXES.clear()
        _AXES[key] = axes
    return axes


_AXES: dict = {}


def same_shape(a: tuple, b: tuple) -> bool:
    """Shapes ``a`` and ``b`` can be equal: same rank, and each dimension equal or unknown
    (``None``) in one of them."""
    return len(a) == len(b) and all(p is None or q is None or p == q for p, q in zip(a, b))


def known_differ(pairs) -> bool:
    """Whether any pair of dimensions ``(a, b)`` are both known (not None) and differ."""
    return any(a is not None and b is not None and a != b for a, b in pairs)


def same_dtype(op: str, *avals: AVal) -> np.dtype:
    d = avals[0].dtype
    for a in avals[1:]:
        if a.dtype != d:
            raise DTypeNotImplemented(
                op, "inputs must have the same dtype (cast one of them first)",
                [x.dtype for x in avals])
    return d


def require_float(op: str, *avals: AVal) -> None:
    for a in avals:
        if not is_floating(a.dtype):
            raise DTypeNotImplemented(op, "expects floating-point inputs", [x.dtype for x in avals])


#: PyTorch's words where a user meets the refusal most: ``-mask`` and ``mask_a - mask_b``
BOOL_REFUSALS = {
    "neg": "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
           "to invert a mask, use the `~` or `logical_not()` operator instead.",
    "sub": "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
           "or `logical_xor()` operator instead.",
}


def require_numeric(op: str, *avals: AVal) -> None:
    for a in avals:
        if a.dtype.kind == "b":
            if op in BOOL_REFUSALS:
                raise DTypeError(op, BOOL_REFUSALS[op], [x.dtype for x in avals], exact=True)
            raise DTypeNotImplemented(op, "does not accept bool inputs", [x.dtype for x in avals])
