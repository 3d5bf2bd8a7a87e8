"""PyTorch's ``out=`` argument: the one rule every eager binding that takes ``out`` follows
(``_api``'s conventions, fft, the complex, statistics and long-tail ops)."""
from __future__ import annotations

import warnings

from ._state import STATE
from .tensor import Tensor


def write_out(result: Tensor, out: Tensor | None, op: str) -> Tensor:
    """PyTorch's ``out=``: the result is written into ``out`` (resized if its shape differs)."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    from ._api_install import _check_cast  # (a float result into an int out: refused)
    _check_cast(result, out)
    if STATE.enabled and (result.requires_grad or out.requires_grad):
        raise RuntimeError(f"{op}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    if tuple(out.shape) != tuple(result.shape):
        if out.numel() != 0:
            warnings.warn(f"An output with one or more elements was resized since it had shape "
                          f"{list(out.shape)}, which does not match the required output shape "
                          f"{list(result.shape)}.", UserWarning, stacklevel=3)
        out._resize_storage(tuple(result.shape))
    return out._commit(result)
