"""PyTorch's refusals of a sequence of dims where an entry takes one int dim (the core's
reductions take several, so dlcore computed them):

* ``prod(dim=(0, 1))``: PyTorch's 'invalid combination of arguments' TypeError (its overloads
  take one int);
* ``argmax``/``argmin`` with a tuple, list or float dim: ``argmax(): argument 'dim' must be
  int, not tuple`` (``dim_error``, raised by ``_tensor_ops`` when the dim failed: those entries
  take no wrapper; PyTorch adds the position of a positional dim, which this does not know).

``install`` wraps prod of ``torch`` and ``Tensor`` (called by ``_scalar_dims.install``); an
int dim costs one type test."""

from __future__ import annotations

import functools

from ._arg_checks import type_name
from .tensor import Tensor

_SEQ = (tuple, list)


def _prod_error(args, kwargs, method: bool) -> TypeError:
    got = [("Tensor" if isinstance(a, Tensor) else type_name(a)) for a in args[1 if method
                                                                                else 0:]]
    got += [f"{k}={'Tensor' if isinstance(v, Tensor) else type_name(v)}" for k, v in
            kwargs.items()]
    text = ", ".join(got) + (", " if method and kwargs and len(args) == 1 else "")
    over = (" * (*, torch.dtype dtype = None)\n * (int dim, bool keepdim = False, *, torch.dtype "
            "dtype = None)\n") if method else (
        " * (Tensor input, *, torch.dtype dtype = None)\n * (Tensor input, int dim, bool keepdim"
        " = False, *, torch.dtype dtype = None, Tensor out = None)\n")
    return TypeError(f"prod() received an invalid combination of arguments - got ({text}), "
                     f"but expected one of:\n{over}")


def _prod(fn, method: bool):
    @functools.wraps(fn)
    def prod(*args, **kwargs):
        dim = args[1] if len(args) > 1 else kwargs.get("dim")
        if isinstance(dim, _SEQ):
            raise _prod_error(args, kwargs, method)
        return fn(*args, **kwargs)
    return prod


def dim_error(name: str, dim) -> TypeError | None:
    """PyTorch's TypeError for ``argmax``/``argmin``'s dim that is not an int (a tuple, list or
    float), worded as for a keyword argument (a positional one adds its position); None for
    an int."""
    if isinstance(dim, (tuple, list, float)):
        return TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    return None


def install(torch) -> None:
    for target, method in ((torch, False), (Tensor, True)):
        setattr(target, "prod", _prod(getattr(target, "prod"), method))
