"""PyTorch's NumPy-style keyword aliases.  PyTorch's argument parser accepts ``axis=`` for
``dim=`` and ``keepdims=`` for ``keepdim=`` on its native functions and Tensor methods, so
programs write ``P.sum(1, keepdims=True)`` (Karpathy's makemore) or ``torch.cat(xs, axis=0)``.
Functions PyTorch writes in Python (``F.softmax``, ``torch.norm``, ``torch.split``) and those
whose parameter is ``dims`` (``flip``, ``roll``) do not take them, and neither do these.

Installed last, over the final ``torch.X`` and ``Tensor.X`` of each name below (the names PyTorch
2.13 was checked to accept ``axis=`` for): a call with no keywords goes straight through, a call
with keywords has ``axis``/``keepdims`` renamed first.  An alias given with its own name
(``x.sum(dim=1, axis=1)``) is PyTorch's TypeError ("sum() got an unexpected keyword argument
'axis'"), not one silently dropped."""

from __future__ import annotations

import functools
import operator

from ._arg_words import torch_words
from .tensor import Tensor

NAMES = ["sum", "mean", "nansum", "nanmean", "prod", "max", "min", "amax", "amin", "aminmax",
         "argmax", "argmin", "std", "var", "std_mean", "var_mean", "all", "any",
         "logsumexp", "median", "nanmedian", "mode", "cumsum", "cumprod", "cummax",
         "cummin", "logcumsumexp", "softmax", "log_softmax", "squeeze", "unsqueeze",
         "cat", "concat", "concatenate", "stack", "count_nonzero", "sort", "argsort",
         "topk", "kthvalue", "select", "narrow", "index_select", "gather", "chunk",
         "unbind", "diff", "quantile", "nanquantile", "renorm", "repeat_interleave",
         "take_along_dim", "tensor_split", "trapezoid", "cumulative_trapezoid"]
_ALIASES = {"axis": "dim", "keepdims": "keepdim"}


def _renamed(name: str, kwargs: dict) -> dict:
    """``kwargs`` with ``axis``/``keepdims`` renamed; PyTorch's TypeError where an alias comes
    with the name it stands for (torch 2.13 names the first alias: ``axis``, then
    ``keepdims``)."""
    if ("dim" in kwargs and "axis" in kwargs) or ("keepdim" in kwargs and "keepdims" in kwargs):
        alias = "axis" if "axis" in kwargs else "keepdims"
        raise TypeError(f"{name}() got an unexpected keyword argument '{alias}'")
    return {_ALIASES.get(k, k): v for k, v in kwargs.items()}


def _aliased(f, name: str, method: bool):
    inner = getattr(f, "__autocast_original__", None)
    if inner is not None:
        return _aliased_autocast(f, inner, name, method)

    @functools.wraps(f)
    def numpy_keywords(*args, **kwargs):
        if kwargs and ("axis" in kwargs or "keepdims" in kwargs):
            kwargs = _renamed(name, kwargs)
        try:
            return f(*args, **kwargs)
        except Exception:       # (PyTorch's parser words where it refuses the call first)
            e = torch_words(name, args, kwargs, method)
            if e is None:
                raise
        raise e
    return numpy_keywords


def _aliased_autocast(f, inner, name: str, method: bool):
    """``_aliased`` of an autocast entry ``f`` (``_autocast.entry``, installed first) of
    ``inner``: the entry's flag test is made here, and outside autocast ``inner`` is called
    directly (one call layer less on every cat, stack, softmax, ...)."""
    from . import _dispatch as _D

    @functools.wraps(f)
    def numpy_keywords(*args, **kwargs):
        if kwargs and ("axis" in kwargs or "keepdims" in kwargs):
            kwargs = _renamed(name, kwargs)
        try:
            if not _D._AUTOCAST:
                return inner(*args, **kwargs)
            return f(*args, **kwargs)
        except Exception:       # (PyTorch's parser words where it refuses the call first)
            e = torch_words(name, args, kwargs, method)
            if e is None:
                raise
        raise e
    return numpy_keywords


def _count_nonzero_dims(f):
    """``Tensor.count_nonzero`` taking its dims as varargs, as PyTorch's method does
    (``x.count_nonzero(0, 1)`` is ``x.count_nonzero((0, 1))``; bools count as ints there)."""
    @functools.wraps(f)
    def count_nonzero(self, *dims, **kwargs):
        if len(dims) > 1 and not kwargs:
            try:
                dims = (tuple(operator.index(d) for d in dims),)
            except TypeError:
                pass                    # (the call fails: _arg_words' words)
        return f(self, *dims, **kwargs)
    return count_nonzero


def _none_dim_refused(f, name: str, method: bool):
    """median/nanmedian refusing an explicit ``dim=None`` as PyTorch's parser does (``dim``
    left out is the whole tensor's median)."""
    @functools.wraps(f)
    def none_refused(*args, **kwargs):
        if (len(args) > 1 and args[1] is None) or ("dim" in kwargs and kwargs["dim"] is None):
            e = torch_words(name, args, kwargs, method)
            if e is not None:
                raise e
        return f(*args, **kwargs)
    return none_refused


def install(torch) -> None:
    """Rename the aliases in front of each name; where the entry is the eager lane's
    (``_lane``), the lane's parse goes in front of the renaming again (``_lane.in_front``)."""
    from ._lane import in_front
    for target in (torch, Tensor):
        for name in NAMES:
            f = target.__dict__.get(name) if target is Tensor else getattr(target, name, None)
            if f is not None and callable(f) and not isinstance(f, (staticmethod, classmethod)):
                g = _aliased(f, name, target is Tensor)
                if name in ("median", "nanmedian"):
                    g = _none_dim_refused(g, name, target is Tensor)
                elif name == "count_nonzero" and target is Tensor:
                    g = _count_nonzero_dims(g)
                setattr(target, name, in_front(g))
