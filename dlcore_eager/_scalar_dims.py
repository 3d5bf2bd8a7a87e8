"""PyTorch's rule for a dimension argument on a 0-d tensor: the scalar counts as a 1-element
vector (dims 0 and -1 are valid) and the results are 0-d again.  ``torch.max(torch.tensor(2.5),
0)`` is ``(2.5, 0)``, ``torch.sort``/``topk``/``cummax``/``var``/``gather``/``index_select`` alike.

The primitives' shape rules index the input's shape by the dim, which a 0-d shape has not, so
these entries retry a call that failed on a 0-d input with every 0-d tensor argument as a
1-element vector, and make the results 0-d.  Nothing changes for a call that succeeds (no cost
but the wrapper's call); a dim out of range still fails, with the 1-element call's error
(PyTorch's range [-1, 0])."""

from __future__ import annotations

import functools

from .tensor import Tensor

#: The entries (functions on dlcore_eager and Tensor methods) that take a dim and failed on 0-d.
NAMES = ("max", "min", "argmax", "argmin", "sort", "argsort", "topk", "var", "std", "var_mean",
         "std_mean", "cummax", "cummin", "gather", "index_select")


def _as_vector(a):
    return a.reshape(1) if isinstance(a, Tensor) and a.dim() == 0 else a


def _as_scalar(r):
    if isinstance(r, Tensor):
        return r.reshape(()) if r.numel() == 1 and r.dim() == 1 else r
    if isinstance(r, tuple):
        parts = [_as_scalar(p) for p in r]
        return r._make(parts) if hasattr(r, "_make") else type(r)(parts)
    return r


def scalar_dims(fn):
    """``fn`` with PyTorch's 0-d rule (see the module docstring)."""
    @functools.wraps(fn)
    def scalar_dims_entry(input, *args, **kwargs):
        try:
            return fn(input, *args, **kwargs)
        except (IndexError, ValueError, RuntimeError):
            if not (isinstance(input, Tensor) and input.dim() == 0):
                raise
        out = fn(input.reshape(1), *[_as_vector(a) for a in args],
                 **{k: _as_vector(v) for k, v in kwargs.items()})
        return _as_scalar(out)
    return scalar_dims_entry


def install(module) -> None:
    """Wrap ``NAMES`` on ``module`` (dlcore_eager) and on Tensor, where they exist."""
    for name in NAMES:
        fn = getattr(module, name, None)
        if fn is not None:
            setattr(module, name, scalar_dims(fn))
        method = Tensor.__dict__.get(name)
        if method is not None and callable(method):
            setattr(Tensor, name, scalar_dims(method))
