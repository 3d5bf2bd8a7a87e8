"""How the hand-written long-tail modules (``_extra_ops``, ``_stats_ops``, ``_math_extra``) put
their functions on ``dlcore_eager`` and their methods on ``Tensor``: after the names generated
from the registry, and never over a name that already exists.

A function PyTorch's top-level form gives ``out=`` (``TAKES_OUT``) and whose Python definition
does not take it itself is installed wrapped in PyTorch's out rule (``_out.write_out``); the
Tensor method stays unwrapped, as PyTorch's methods take no ``out``.  A function whose first
parameter is ``input`` refuses anything but a Tensor there with PyTorch's TypeError (an int or a
list gave AttributeError: 'int' object has no attribute '_buf'), except the three PyTorch
gives a number overload (``SCALAR_INPUT``)."""

from __future__ import annotations

import functools
import inspect

from ._arg_checks import not_tensor as _not_tensor
from .tensor import Tensor

#: torch.X names (defined in the long-tail modules) whose torch form accepts ``out=``
TAKES_OUT = frozenset({"clamp_max", "clamp_min", "deg2rad", "rad2deg", "diff", "fmax", "fmin",
                       "heaviside", "histc", "inner", "kron", "ldexp", "logaddexp2", "msort",
                       "nanmean", "nansum", "nextafter", "sinc", "xlogy"})


#: functions whose torch form also takes a Python number as ``input``
SCALAR_INPUT = frozenset({"xlogy", "bucketize", "float_power"})


def _tensor_input(fn, name: str):
    @functools.wraps(fn)
    def checked(*args, **kwargs):
        x = args[0] if args else kwargs.get("input", checked)
        if not isinstance(x, Tensor) and x is not checked:
            raise _not_tensor(name, "input", 1, x)
        return fn(*args, **kwargs)
    return checked


def _first_is_input(fn) -> bool:
    try:
        return next(iter(inspect.signature(fn).parameters), None) == "input"
    except (TypeError, ValueError):
        return False


def _with_out(fn, name: str):
    from ._out import write_out

    @functools.wraps(fn)
    def with_out(*args, out=None, **kwargs):
        return write_out(fn(*args, **kwargs), out, name)
    return with_out


def _takes_out(fn) -> bool:
    try:
        return "out" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return True


def install_names(module, namespace: dict, functions, methods) -> None:
    for name in functions:
        if not hasattr(module, name):
            fn = namespace[name]
            if name not in SCALAR_INPUT and _first_is_input(fn):
                fn = _tensor_input(fn, name)
            if name in TAKES_OUT and not _takes_out(fn):
                fn = _with_out(fn, name)
            setattr(module, name, fn)
    for name in methods:
        if not hasattr(Tensor, name):
            setattr(Tensor, name, namespace[name])
