"""Interrupt-safe lazy imports of Numba (and llvmlite).

dlcore imports Numba lazily, on the first kernel call, so a user's first training step pays
for it (a fraction of a second).  A ``KeyboardInterrupt`` landing in that import used to break
the process for good: Python removes the interrupted package (``numba``) from ``sys.modules``
but keeps the submodules that had finished (``numba.core``), and the next ``import numba``
builds a fresh package object that never gets its ``core`` attribute back (submodules are bound
to their parent only when first imported), so every later step raised ``AttributeError: module
'numba' has no attribute 'core'``.

The guard here is one ``sys.meta_path`` finder: for every module of ``numba``/``llvmlite`` it
wraps the loader's ``exec_module``; if the import of one fails with any exception (an interrupt
included), every ``numba``/``llvmlite`` module added to ``sys.modules`` since the outermost such
import began is removed, so the next attempt imports the whole package afresh and
consistently.  The interrupt itself still propagates at once.  Nothing is imported here.

:func:`after_import` lets dlcore run a hook once a given Numba module has been imported (the
kernel cache registers its locator that way without importing Numba early), or once one of the
other modules named in ``_WATCHED`` has (``ml_dtypes``: :mod:`dlcore.dtypes` registers bfloat16
when whoever imports it first does, see there); those imports are not guarded.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading

_PREFIXES = ("numba", "llvmlite")
#: NumPy names that a Numba module registers overloads for while it is imported, and that a
#: newer NumPy has removed: numba-cuda 0.30.4's CUDA array lowering (``numba.cuda.np.arrayobj``,
#: imported at the first kernel compile on a real GPU) runs ``overload(np.row_stack)``, which
#: NumPy 2.5 removed, so on NumPy 2.5.2 every CUDA compile raised ``AttributeError: module
#: 'numpy' has no attribute 'row_stack'`` (seen on an H200, 2026-12-04).  Such a name is lent for
#: that import only (a stand-in function of its own, so no NumPy function gets a second
#: overload) and taken back after it.
_REMOVED_NUMPY_NAMES = {"numba.cuda.np.arrayobj": ("row_stack",)}
#: modules outside Numba whose import runs :func:`after_import` hooks (not guarded)
_WATCHED = ("ml_dtypes",)
_state = threading.local()


def _guarded(name: str) -> bool:
    return name.split(".", 1)[0] in _PREFIXES


class _GuardedLoader(importlib.abc.Loader):
    def __init__(self, inner) -> None:
        self._inner = inner

    def create_module(self, spec):
        return self._inner.create_module(spec)

    def exec_module(self, module) -> None:
        depth = getattr(_state, "depth", 0)
        if depth == 0:
            # (a copy first: another thread may import meanwhile, and a set made by iterating
            # sys.modules itself raised "dictionary changed size during iteration")
            _state.before = {k for k in list(sys.modules) if _guarded(k)}
        _state.depth = depth + 1
        lent = _lend_numpy_names(module.__name__)
        try:
            self._inner.exec_module(module)
        except BaseException:
            if depth == 0:           # the outermost guarded import failed: drop the debris
                for k in [k for k in list(sys.modules) if _guarded(k) and k not in
                          _state.before]:
                    sys.modules.pop(k, None)
            raise
        finally:
            _state.depth = depth
            _take_back(lent)
        for hook in _after.get(module.__name__, ()):
            hook(module)

    def __getattr__(self, item):        # get_code, get_source, is_package, ...
        return getattr(self._inner, item)


def _lend_numpy_names(module_name: str) -> list:
    """The removed NumPy names ``module_name``'s import needs (``_REMOVED_NUMPY_NAMES``), set
    on NumPy as stand-ins that raise if called; the names set, for :func:`_take_back`."""
    names = _REMOVED_NUMPY_NAMES.get(module_name, ())
    if not names:
        return []
    import numpy as np
    lent = []
    for name in names:
        if name not in np.__dict__:
            setattr(np, name, _stand_in(name))
            lent.append(name)
    return lent


def _stand_in(name: str):
    def removed(*args, **kwargs):
        raise AttributeError(f"numpy.{name} was removed from NumPy {_numpy_version()}")
    removed.__name__ = removed.__qualname__ = name
    return removed


def _numpy_version() -> str:
    import numpy as np
    return np.__version__


def _take_back(lent: list) -> None:
    if lent:
        import numpy as np
        for name in lent:
            np.__dict__.pop(name, None)


class _HookedLoader(importlib.abc.Loader):
    """A watched module's loader: runs its :func:`after_import` hooks once it has executed."""

    def __init__(self, inner) -> None:
        self._inner = inner

    def create_module(self, spec):
        return self._inner.create_module(spec)

    def exec_module(self, module) -> None:
        self._inner.exec_module(module)
        for hook in _after.get(module.__name__, ()):
            hook(module)

    def __getattr__(self, item):
        return getattr(self._inner, item)


class _GuardFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        guarded = _guarded(name)
        if not guarded and name not in _WATCHED:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = (_GuardedLoader if guarded else _HookedLoader)(spec.loader)
                return spec
        return None


_after: dict = {}


def after_import(name: str, hook) -> None:
    """Call ``hook(module)`` once the module ``name`` (numba's or llvmlite's, or one of
    ``_WATCHED``) has been imported through this guard (used by :mod:`dlcore.kernel_cache` to
    register its cache locator, and by :mod:`dlcore.dtypes` for ml_dtypes)."""
    hooks = _after.setdefault(name, [])
    if hook not in hooks:
        hooks.append(hook)


def install() -> None:
    """Put the guard first on ``sys.meta_path`` (idempotent)."""
    if not any(isinstance(f, _GuardFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _GuardFinder())
