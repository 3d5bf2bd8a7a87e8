"""Size arguments as PyTorch's argument parser reads them (shared by creation functions and
shape methods, below both so neither imports the other)."""

from __future__ import annotations

import operator


def int_sizes(sizes, what: str = "size") -> tuple:
    """``sizes`` as Python ints, each taken by ``__index__`` (ints, NumPy integers, integer
    0-d tensors) as PyTorch's argument parser does; a float is PyTorch's TypeError (``int()``
    truncated it: ``reshape(2.7, 3)`` gave a (2, 3) view, ``zeros(2.5)`` two elements)."""
    try:
        out = tuple(map(operator.index, sizes))
        if bool in map(type, sizes):                # (PyTorch's parser refuses them)
            raise TypeError
        return out
    except TypeError:
        pos, bad = next((i, d) for i, d in enumerate(sizes) if not _is_index(d))
        raise TypeError(f"argument '{what}' must be tuple of ints, but found element of type "
                        f"{type(bad).__name__} at pos {pos}") from None


def _is_index(d) -> bool:
    if type(d) is bool:
        return False
    try:
        operator.index(d)
    except TypeError:
        return False
    return True
