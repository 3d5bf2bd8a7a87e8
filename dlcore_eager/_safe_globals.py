"""PyTorch's allowlist API for ``torch.load(weights_only=True)``: ``add_safe_globals``,
``get_safe_globals``, ``clear_safe_globals`` and the ``safe_globals`` context manager
(``dlcore_eager.serialization``, as ``torch.serialization``).

PyTorch's restricted unpickler constructs the classes and calls the functions a program lists
here.  dlcore never runs anything named in a file: ``load`` parses tensors, containers and
plain data (NumPy numbers and arrays, dtypes, devices) whether or not they are listed, so the
list changes nothing that loads; it is kept so that programs calling these functions run, and a
file naming a listed class is refused with a message saying why listing it does not help."""

from __future__ import annotations

from typing import Any

_SAFE: list = []


def _check(items: Any) -> list:
    if not isinstance(items, (list, tuple)):
        raise TypeError(f"safe_globals must be a list, got {type(items).__name__}")
    for g in items:
        ok = callable(g) or (isinstance(g, tuple) and len(g) == 2 and callable(g[0])
                             and isinstance(g[1], str))
        if not ok:
            raise TypeError(f"Expected safe_globals to be a list of callables or "
                            f"(callable, str) tuples, got {type(g).__name__}")
    return list(items)


def add_safe_globals(safe_globals: list) -> None:
    """Record ``safe_globals`` (callables, or (callable, "module.name") pairs); an entry
    already recorded is kept once (PyTorch keeps a set)."""
    for g in _check(safe_globals):
        if g not in _SAFE:
            _SAFE.append(g)


def get_safe_globals() -> list:
    """The recorded allowlist, oldest first."""
    return list(_SAFE)


def clear_safe_globals() -> None:
    """Forget every recorded entry."""
    _SAFE.clear()


class safe_globals:
    """``with safe_globals([...]):`` the entries are recorded inside the block; leaving it
    removes those entries (as PyTorch does: entries that ``add_safe_globals`` recorded inside
    the block stay)."""

    def __init__(self, safe_globals: list) -> None:
        self.items = _check(safe_globals)

    def __enter__(self) -> None:
        add_safe_globals(self.items)

    def __exit__(self, *exc: Any) -> None:
        _SAFE[:] = [g for g in _SAFE if g not in self.items]


def listed(full_name: str) -> bool:
    """Whether ``module.name`` (as a file names it) is on the allowlist."""
    for g in _SAFE:
        if isinstance(g, tuple):
            if g[1] == full_name:
                return True
        elif f"{getattr(g, '__module__', '')}.{getattr(g, '__qualname__', '')}" == full_name:
            return True
    return False
