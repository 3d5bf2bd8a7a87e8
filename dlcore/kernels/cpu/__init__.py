"""CPU kernels (Numba ``@njit``, compiled on first use and cached on disk).

The ``@njit`` functions of a kernel family live in a ``_jit_<family>.py`` module that the family's
wrapper module (``<family>.py``: argument checks, layouts, output allocation) imports only when a
kernel first runs, through :func:`jit_module`: importing it compiles or loads its functions, which
``import dlcore`` must not pay for.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from types import ModuleType

import numpy as np

from . import runtime as _rt


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


def compiled_form(loop, *args):
    """The compiled form of the Numba function ``loop`` for the types of ``args`` (whose
    call through ``loop`` has compiled or loaded it), which runs without the dispatcher's
    typing of each argument (~0.06-0.09 us of a small loop's call): the caller passes
    arguments of those types only (the eager small forms: C-contiguous, aligned, writeable
    arrays of the plan's shape and dtype, ``flags.carray``).  None where ``loop`` holds no
    such form."""
    from numba import typeof
    cres = loop.overloads.get(tuple(typeof(a) for a in args))
    return getattr(cres, "entry_point", None)


_DUMMY: dict = {}


def optional_vector(v, dtype) -> np.ndarray:
    """``v`` as a contiguous 1-D array, or, for an absent optional operand (a norm layer's weight
    or bias), one shared 1-element array of ``dtype`` that the kernel never reads (its flag is
    off): Numba's signature needs an array either way."""
    if v is None:
        d = _DUMMY.get(dtype)
        if d is None:
            d = _DUMMY[dtype] = np.zeros(1, dtype)
        return d
    return np.ascontiguousarray(v).reshape(-1)


#: Elements of work (columns written, window reads) from which the convolution and pooling
#: families' Numba loops (2-D in :mod:`.conv`, 3-D in :mod:`.conv3d`) run over the ``(n, c)``
#: planes in parallel (measured in :mod:`.conv`'s docstring); ``$DLCORE_PARALLEL_THRESHOLD``,
#: when set, overrides it (as it does the elementwise kernels' threshold), e.g. on a machine
#: with idle cores.
PARALLEL_MIN_WORK = int(os.environ.get("DLCORE_PARALLEL_THRESHOLD", str(1 << 23)))


def serial_or_parallel(jit: ModuleType, name: str, work: int):
    """The serial loop ``jit.<name>`` or its ``prange`` twin ``jit.<name>_par``, by the elements
    of work of the call (from :data:`PARALLEL_MIN_WORK` on, the parallel one, unless this
    process may not start parallel loops: :data:`.runtime.parallel_ok`)."""
    if work >= PARALLEL_MIN_WORK and _rt.parallel_ok:
        return getattr(jit, name + "_par")
    return getattr(jit, name)
