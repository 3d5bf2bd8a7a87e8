"""PyTorch's rule for a dimension argument on a 0-d tensor (ATen's ``maybe_wrap_dim`` with
``wrap_scalar``): the scalar counts as a 1-element vector, so dims 0 and -1 are valid, and the
results are 0-d again.  ``torch.max(torch.tensor(2.5), 0)`` is ``(2.5, 0)``;
``torch.sort``/``topk``/``cummax``/``var``/``gather``/``index_select`` alike.

The primitives' shape rules index the input's shape by the dim, which a 0-d shape has not, so
the entries of :data:`DIMS` apply the rule before they bind: a 0-d input with an integer dim
(given, or the entry's default, -1 for sort/argsort/topk) is called as a 1-element vector, with
its other 0-d tensor arguments likewise, and the results are made 0-d; a dim out of range is
the vector's IndexError (PyTorch's range ``[-1, 0]``).  A call on a tensor of rank 1 or more
costs one check.  The entry sits under the fast lane (``_lane``), which takes its own tiny-
tensor calls first and passes a 0-d one on."""

from __future__ import annotations

import functools

import numpy as np

from ._graph import labelled
from .tensor import Tensor

#: The entries (functions on dlcore_eager and Tensor methods) that take a dim on a 0-d input:
#: the dim's position (the input, or ``self``, first) and its default (None: every dim,
#: nothing to wrap).
DIMS = {"max": (1, None), "min": (1, None), "argmax": (1, None), "argmin": (1, None),
        "var": (1, None), "std": (1, None), "var_mean": (1, None), "std_mean": (1, None),
        "sort": (1, -1), "argsort": (1, -1), "topk": (2, -1), "cummax": (1, None),
        "cummin": (1, None), "gather": (1, None), "index_select": (1, None),
        "kthvalue": (2, -1), "median": (1, None), "mode": (1, -1)}

#: PyTorch's grad_fn of the (first) result, where the 1-element call's reshape back to 0-d
#: would show ViewBackward0
LABELS = {"sort": "SortBackward0", "topk": "TopkBackward0", "cummax": "CummaxBackward0",
          "cummin": "CumminBackward0", "gather": "GatherBackward0",
          "index_select": "IndexSelectBackward0", "kthvalue": "KthvalueBackward0",
          "median": "MedianBackward1", "mode": "ModeBackward0"}


def _is_dim(d) -> bool:
    """An integer dim or a sequence of them (not a bool: ``var(x, True)`` is ``unbiased``)."""
    if isinstance(d, (tuple, list)):
        return len(d) > 0 and all(_is_dim(e) for e in d)
    return isinstance(d, (int, np.integer)) and not isinstance(d, bool)


def _as_vector(a):
    return a.reshape(1) if isinstance(a, Tensor) and not a._buf.ndim else a


def _as_scalar(r, label=None, x=None):
    # (``x``: the 0-d input, the node's edge as PyTorch's next_functions shows it, its
    # AccumulateGrad for a leaf, not the 1-element call's internal reshape)
    if isinstance(r, Tensor):
        if r.numel() != 1 or r.dim() != 1:     # (already 0-d: kthvalue, median, mode)
            return r if label is None or x is None or r.dim() else labelled(
                r, label, x, edges=(x,))
        return r.reshape(()) if label is None else \
            labelled(r.reshape(()), label, r, edges=None if x is None else (x,))
    if isinstance(r, tuple):
        parts = [_as_scalar(p, label if i == 0 else None, x) for i, p in enumerate(r)]
        return r._make(parts) if hasattr(r, "_make") else type(r)(parts)
    return r


def _index_to_scalar(args, kwargs):
    """``index_select`` of a 0-d tensor takes one index, as PyTorch."""
    index = args[2] if len(args) > 2 else kwargs.get("index")
    if isinstance(index, Tensor) and index.numel() != 1:
        raise RuntimeError("index_select(): Index to scalar can have only 1 value, got "
                           f"{index.numel()} value(s)")


#: name -> a check of a 0-d input's call (raises PyTorch's error)
CHECKS = {"index_select": _index_to_scalar}


_VAR_FAMILY = ("var", "std", "var_mean", "std_mean")


def scalar_dims(fn, pos: int, default, check=None, var: bool = False, label=None):
    """``fn`` with PyTorch's 0-d rule (see the module docstring); ``pos`` and ``default``
    locate its dim argument; ``check(args, kwargs)`` runs first on a 0-d input.  ``var``:
    PyTorch's older ``var(input, unbiased)`` form is taken too (a bool second argument is
    ``unbiased``, not dim 0/1; one frame, as the bindings have no wrapper of their own)."""
    @functools.wraps(fn)
    def scalar_dims_entry(*args, **kwargs):
        if var and len(args) == 2 and type(args[1]) is bool:
            kwargs = {**kwargs, "unbiased": args[1]}
            args = args[:1]
        x = args[0] if args else kwargs.get("input")
        if isinstance(x, Tensor) and not x._buf.ndim and _is_dim(
                kwargs["dim"] if "dim" in kwargs else args[pos] if len(args) > pos else default):
            if check is not None:
                check(args, kwargs)
            return _as_scalar(fn(*[_as_vector(a) for a in args],
                                 **{k: _as_vector(v) for k, v in kwargs.items()}), label, x)
        return fn(*args, **kwargs)
    return scalar_dims_entry


def install(module) -> None:
    """Wrap the entries of ``DIMS`` on ``module`` (dlcore_eager) and on Tensor, where they
    exist (after ``_int_dims``' refusals of a dim sequence where one int is taken)."""
    from . import _int_dims
    _int_dims.install(module)
    for name, (pos, default) in DIMS.items():
        var = name in _VAR_FAMILY
        fn = getattr(module, name, None)
        label = LABELS.get(name)
        if fn is not None:
            setattr(module, name, scalar_dims(fn, pos, default, CHECKS.get(name), var, label))
        method = Tensor.__dict__.get(name)
        if method is not None and callable(method):
            setattr(Tensor, name, scalar_dims(method, pos, default, CHECKS.get(name), var,
                                              label))
