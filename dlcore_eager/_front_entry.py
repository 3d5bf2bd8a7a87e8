"""``dressed``: a front entry (a quick path put in front of a public function: the lanes of
``_factory_lane``, ``_shape_lanes``, ``_binary``, ``_inplace_ops``) given the function's
name, docstring and ``__wrapped__``, and a mark that makes installing it twice a no-op."""

from __future__ import annotations

from collections.abc import Callable


def dressed(entry: Callable, general: Callable, mark: str = "__front__",
            name: str | None = None) -> Callable:
    """``entry`` named as ``general`` (or ``name``), with its docstring, ``__wrapped__`` set
    to it (``inspect.signature`` and ``help`` read the general entry) and ``mark`` True."""
    entry.__name__ = entry.__qualname__ = name or general.__name__
    entry.__doc__ = general.__doc__
    entry.__wrapped__ = general             # type: ignore[attr-defined]
    setattr(entry, mark, True)
    return entry
