"""``out=`` of the factories: ``torch.zeros(3, out=t)``, ``torch.arange(n, out=t)``,
``torch.randperm(n, out=t)`` and the rest of PyTorch's factories that take it.

PyTorch makes the values in ``out``'s dtype and device (a ``dtype=`` that differs is its error),
resizes ``out`` to the result's shape without a warning (``arange``, which warns when a
non-empty ``out`` has the wrong number of elements, and the ranges, which keep ``out``'s shape
when the number of elements is right, aside) and returns ``out``.  The general entry computes
the result as without ``out``; everything is checked before ``out`` is touched, so a refused
call leaves it as it was (PyTorch resizes ``out`` before some of its refusals: ``rand`` into an
int64 tensor, ``requires_grad=True`` into one)."""

from __future__ import annotations

import warnings
from collections.abc import Callable

from . import _dtype as D
from ._out import write_out
from ._state import ERR_INFERENCE_INPLACE, STATE, inference_write
from .tensor import Tensor

# the factories of PyTorch that take ``out=`` (dlcore's entry of ``range`` is named ``range_``)
NAMES = ("zeros", "ones", "empty", "full", "eye", "arange", "range", "linspace", "logspace",
         "rand", "randn", "randint", "randperm")
_RANGES = ("arange", "range", "linspace", "logspace")   # (1-D: ``out``'s shape kept if it fits)


def _legacy(dtype) -> str:
    return D.from_numpy_dtype(D.to_numpy_dtype(dtype))._legacy


def _into(general: Callable, name: str, args: tuple, kw: dict, out) -> Tensor:
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    dtype = kw.get("dtype")
    if dtype is not None and D.to_numpy_dtype(dtype) != D.to_numpy_dtype(out.dtype):
        raise RuntimeError(f"dtype {_legacy(dtype)} does not match dtype of out parameter "
                           f"({_legacy(out.dtype)})")
    if STATE.enabled and out.requires_grad:
        raise RuntimeError(f"aten::{name}(): functions with out=... arguments don't support "
                           "automatic differentiation, but one of the arguments requires grad.")
    if inference_write(out):
        raise RuntimeError(ERR_INFERENCE_INPLACE)
    grad = kw.pop("requires_grad", False)
    if grad and not (out.is_floating_point() or out.is_complex()):
        raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                           "gradients")
    kw["dtype"] = out.dtype
    if kw.get("device") is None:
        kw["device"] = out.device
    result = general(*args, **kw)       # (a refused call raises here, ``out`` untouched)
    shape, n = tuple(result.shape), out.numel()
    if name in _RANGES and n == result.numel():
        shape = tuple(out.shape)
        result = result.reshape(shape)
    elif name == "arange" and n:
        warnings.warn(f"The number of elements in the out tensor of shape {list(out.shape)} is "
                      f"{n} which does not match the computed number of elements "
                      f"{result.numel()}. Note that this may occur as a result of rounding "
                      f"error. The out tensor will be resized to a tensor of shape "
                      f"({result.numel()},).", UserWarning, stacklevel=3)
    if tuple(out.shape) != shape:
        out._resize_storage(shape)      # (PyTorch's resize_: no warning for a factory)
    write_out(result, out, f"aten::{name}")
    if grad or (out.requires_grad and out.is_leaf):
        out.requires_grad_(bool(grad))  # (PyTorch's: ``out`` takes the factory's flag)
    return out


def with_out(general: Callable, name: str) -> Callable:
    """``general`` taking ``out=``; without it, ``general`` itself is called."""
    def factory(*args, out=None, **kw):
        if out is None:
            return general(*args, **kw)
        return _into(general, name, args, kw, out)

    factory.__name__ = factory.__qualname__ = getattr(general, "__name__", name)
    factory.__doc__ = general.__doc__
    factory.__wrapped__ = general       # type: ignore[attr-defined]
    factory.__factory_out__ = True      # type: ignore[attr-defined]
    return factory


def install(module) -> None:
    """``out=`` on ``module``'s (torch's) factories (before the quick entries go in front)."""
    for name in NAMES:
        f = getattr(module, name, None)
        if f is not None and not getattr(f, "__factory_out__", False):
            setattr(module, name, with_out(f, name))
