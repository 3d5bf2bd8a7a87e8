"""Primitive parameters as tagged JSON values (the file form of ``torch.jit.save``).

Plain JSON values stay themselves (``None``, ``bool``, ``int``, ``str``, finite ``float``);
everything else is a one-key object: ``{"float": "inf"}``, ``{"tuple": [...]}``,
``{"list": [...]}``, ``{"dict": {...}}``, ``{"dtype": "float32"}``, ``{"slice": [a, b, c]}``,
``{"ellipsis": null}``, ``{"device": "cpu"}``, ``{"np": ["float32", 1.5]}`` (a NumPy scalar).
Decoding accepts only these tags, bounded in depth, so a file can describe values and nothing
that runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NoReturn

import numpy as np

_MAX_DEPTH = 32


def encode(v: Any) -> Any:
    """A JSON-able form of ``v``; ``TypeError`` for a value with no file form."""
    if isinstance(v, np.generic):
        return {"np": [v.dtype.name, encode(v.item())]}
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else {"float": repr(v)}
    if isinstance(v, np.dtype) or (isinstance(v, type) and issubclass(v, np.generic)):
        return {"dtype": np.dtype(v).name}
    if isinstance(v, tuple):
        return {"tuple": [encode(x) for x in v]}
    if isinstance(v, list):
        return {"list": [encode(x) for x in v]}
    if isinstance(v, dict):
        return {"dict": {str(k): encode(x) for k, x in v.items()}}
    if isinstance(v, slice):
        return {"slice": [encode(v.start), encode(v.stop), encode(v.step)]}
    if v is Ellipsis:
        return {"ellipsis": None}
    if type(v).__name__ == "Device":
        return {"device": str(v)}
    raise TypeError(f"a value of type {type(v).__name__}")


def decode(v: Any, bad: Callable[[str], NoReturn], depth: int = 0) -> Any:
    """The value ``encode`` wrote; ``bad(message)`` raises for anything else."""
    if depth > _MAX_DEPTH:
        bad("a parameter is nested too deeply")
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if not isinstance(v, dict) or len(v) != 1:
        bad(f"malformed parameter {str(v)[:60]!r}")
    (tag, x), = v.items()
    if tag == "float" and x in ("inf", "-inf", "nan"):
        return float(x)
    if tag in ("tuple", "list") and isinstance(x, list):
        items = [decode(i, bad, depth + 1) for i in x]
        return tuple(items) if tag == "tuple" else items
    if tag == "dict" and isinstance(x, dict):
        return {str(k): decode(i, bad, depth + 1) for k, i in x.items()}
    if tag == "dtype" and isinstance(x, str):
        return _dtype(x, bad)
    if tag == "np" and isinstance(x, list) and len(x) == 2:
        return _dtype(x[0], bad).type(decode(x[1], bad, depth + 1))
    if tag == "slice" and isinstance(x, list) and len(x) == 3 and \
            all(i is None or isinstance(i, int) for i in x):
        return slice(*x)
    if tag == "ellipsis" and x is None:
        return Ellipsis
    if tag == "device" and isinstance(x, str):
        from dlcore.device import as_device
        try:
            return as_device(x)
        except (ValueError, RuntimeError, TypeError):
            bad(f"unknown device {x[:40]!r}")
    bad(f"unknown parameter tag {str(tag)[:40]!r}")


def _dtype(name: str, bad: Callable[[str], NoReturn]) -> np.dtype:
    from dlcore import dtypes as _dt
    try:
        return np.dtype(_dt.as_dtype(str(name)))
    except TypeError:
        bad(f"unsupported dtype {str(name)[:40]!r}")
