"""CPU kernels (Numba ``@njit``, compiled on first use and cached on disk).

The ``@njit`` functions of a kernel family live in a ``_jit_<family>.py`` module that the family's
wrapper module (``<family>.py``: argument checks, layouts, output allocation) imports only when a
kernel first runs, through :func:`jit_module`: importing it compiles or loads its functions, which
``import dlcore`` must not pay for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType


def jit_module(name: str) -> Callable[[], ModuleType]:
    """A function returning the module ``dlcore.kernels.cpu.<name>``, imported on its first call
    (after that, one list lookup per call: wrappers call it on every kernel launch)."""
    box: list = []

    def get() -> ModuleType:
        if not box:
            box.append(importlib.import_module(f"{__name__}.{name}"))
        return box[0]

    get.__name__ = get.__qualname__ = f"jit_module({name!r})"
    return get
