"""PyTorch's ``out=`` argument: the one rule every eager binding that takes ``out`` follows
(``_api``'s conventions, fft, the complex, statistics and long-tail ops)."""
from __future__ import annotations

import sys
import warnings

from ._overlap import check_no_partial_overlap
from ._state import ERR_INFERENCE_INPLACE, STATE, inference_write
from .tensor import Tensor


def check_cast(result, self) -> None:
    """PyTorch's can_cast for in-place results and ``out=``: a float result into an integer
    tensor (or an integer one into bool, a complex one into a real one) is an error, not a
    truncation."""
    rd, sd = getattr(result, "_buf", None), self._buf
    if rd is None or rd.dtype == sd.dtype:
        return
    from ._dtype import category, from_numpy_dtype
    if category(rd.dtype) > category(sd.dtype):
        raise RuntimeError(f"result type {from_numpy_dtype(rd.dtype)._legacy} can't be cast to "
                           f"the desired output type {from_numpy_dtype(sd.dtype)._legacy}")


def write_out(result: Tensor, out: Tensor | None, op: str, inputs: tuple = ()) -> Tensor:
    """PyTorch's ``out=``: the result is written into ``out`` (resized if its shape differs);
    ``inputs``: the op's tensor arguments, none of which may partly overlap ``out``
    (``torch.add(x[:-1], 1, out=x[1:])``: PyTorch's error, nothing written)."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if inputs:
        check_no_partial_overlap(out, inputs)
    if inference_write(out):
        raise RuntimeError(ERR_INFERENCE_INPLACE)
    check_cast(result, out)         # (a float result into an int out: refused)
    fwd = sys.modules.get("dlcore_eager.autograd.forward_ad")
    if fwd is not None and fwd._LEVEL:
        fwd.refuse_out(result, out, op)     # (forward AD: PyTorch's out= refusal)
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
