"""NumPy numbers given as the float options of ``torch.nn.functional`` functions (an annealed
``np.float64`` margin, eps or p from a training loop) read as Python numbers, as PyTorch's
argument parser reads them: the core's promotion took ``np.float64`` as a float64 operand and
made a float32 loss float64.  ``install`` wraps the functions of ``OPTION_FUNCTIONS`` (the
tensors are untouched; an argument list without a NumPy number costs one scan)."""

from __future__ import annotations

import functools
import inspect
import types
from typing import Any

import numpy as np

#: functional entries with float options that reach the core ops as operands: the number of
#: leading positional arguments that are never options (a call with no more and no keyword
#: goes straight through)
OPTION_FUNCTIONS = {"normalize": 1, "threshold": 1, "softshrink": 1, "smooth_l1_loss": 2,
                    "huber_loss": 2, "margin_ranking_loss": 3, "triplet_margin_loss": 3,
                    "cosine_embedding_loss": 3, "cross_entropy": 2, "pairwise_distance": 2,
                    "cosine_similarity": 2, "group_norm": 1, "gaussian_nll_loss": 3,
                    "hinge_embedding_loss": 2, "multi_margin_loss": 2}
_GENERIC = np.generic


def _python(v):
    return v.item() if isinstance(v, _GENERIC) else v


def python_numbers(fn, lead: int):
    """``fn`` with its NumPy-number arguments passed as Python numbers (those after the
    ``lead`` first positional ones)."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        if not kwargs and len(args) <= lead:
            return fn(*args)
        for a in args:
            if isinstance(a, _GENERIC):
                args = tuple(map(_python, args))
                break
        if kwargs:
            for v in kwargs.values():
                if isinstance(v, _GENERIC):
                    kwargs = {k: _python(v) for k, v in kwargs.items()}
                    break
        return fn(*args, **kwargs)
    return call


def _same_signature(fn, lead: int):
    """``python_numbers``' wrapper with ``fn``'s own parameters (as ``_autocast``'s entries,
    which then wrap it with the same signature): each parameter after the ``lead`` first
    converted inline; None for a function with ``*args``/``**kwargs`` or positional-only
    parameters."""
    code = getattr(fn, "__code__", None)
    if type(fn) is not types.FunctionType or code is None or code.co_posonlyargcount or \
            code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        return None
    n, k = code.co_argcount, code.co_kwonlyargcount
    pos, kwo = code.co_varnames[:n], code.co_varnames[n:n + k]
    if any(v.startswith("_np_") for v in pos + kwo):
        return None

    def conv(v, i):
        return v if i < lead else f"({v}.item() if isinstance({v}, _np_G) else {v})"
    params = ", ".join(pos + (("*",) + kwo if kwo else ()))
    call = ", ".join([conv(v, i) for i, v in enumerate(pos)] +
                     [f"{v}={conv(v, lead)}" for v in kwo])
    src = f"def {fn.__name__}({params}):\n    return _np_fn({call})\n"
    space = {"_np_fn": fn, "_np_G": _GENERIC}
    exec(compile(src, f"<NumPy options of {fn.__qualname__}>", "exec"), space)  # noqa: S102
    w: Any = space[fn.__name__]
    w.__code__ = w.__code__.replace(co_qualname=fn.__qualname__)
    w.__defaults__, w.__kwdefaults__ = fn.__defaults__, fn.__kwdefaults__
    return functools.wraps(fn)(w)


def install(functional) -> None:
    for name, lead in OPTION_FUNCTIONS.items():
        fn = getattr(functional, name, None)
        if fn is not None:
            setattr(functional, name, _same_signature(fn, lead) or python_numbers(fn, lead))
