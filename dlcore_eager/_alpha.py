"""PyTorch's rules for the ``alpha`` of ``add``/``sub`` (``a + alpha * b``): a bool alpha only
with a bool result, a floating alpha never with an integral (or bool) result, and a bool
result computed in bool (``alpha`` truth-valued: ``b.add(b, alpha=2)`` is ``b | b``, where
dlcore gave int64 ``3``s and ``i.add(i, alpha=1.5)`` a float32 result instead of the error)."""

from __future__ import annotations

import numbers

from .tensor import Tensor


def checked_alpha(a, b, alpha):
    """``alpha`` as PyTorch uses it for ``a op alpha * b``; raises PyTorch's RuntimeError."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        return alpha
    from ._long_tail import _result_dtype
    kind = _result_dtype((a, b)).kind
    if isinstance(alpha, bool):
        if kind != "b":
            raise RuntimeError("Boolean alpha only supported for Boolean results.")
        return alpha
    if kind in "biu" and isinstance(alpha, numbers.Number) and \
            not isinstance(alpha, numbers.Integral):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")
    if kind in "iu" and isinstance(alpha, numbers.Integral):
        from ._operand_rules import scalar_as     # (range-checked, not wrapped: PyTorch's
        scalar_as(int(alpha), _result_dtype((a, b)))     # RuntimeError for int8 alpha=1000)
    if kind in "fV":                    # (f16 alpha=1e20: PyTorch's overflow error)
        from ._scalar_ranges import in_range
        in_range(alpha, _result_dtype((a, b)))
    return bool(alpha) if kind == "b" else alpha
