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


def size_type_error(name: str, sizes: tuple, keyword: bool) -> TypeError:
    """PyTorch's argument parser's words for a size that is not integers: one value, a list,
    a tuple or several values (they differ)."""
    one = sizes[0] if len(sizes) == 1 else None
    items = one if isinstance(one, (tuple, list)) else sizes
    i, bad = next(((i, d) for i, d in enumerate(items) if not _is_index(d)), (0, one))
    t = type(bad).__name__
    if keyword:
        return TypeError(f"{name}(): argument 'size' must be tuple of ints, not "
                         f"{type(one).__name__}")
    if len(sizes) == 1 and not isinstance(one, tuple):
        return TypeError(f"{name}(): argument 'size' (position 1) must be tuple of ints, " + (
            f"but found element of type {t} at pos {i}" if isinstance(one, (tuple, list))
            else f"not {t}"))
    return TypeError(f"{name}(): argument 'size' failed to unpack the object at pos {i + 1} "
                     f"with error \"type must be tuple of ints,but got {t}\"")


def one_keyword(op: str, name: str, positional: tuple, value) -> tuple:
    """The size/dims arguments of ``op`` given as the keyword ``name`` (PyTorch's), as the
    positional form takes them; both at once is PyTorch's TypeError."""
    if positional:
        raise TypeError(f"{op}() got multiple values for argument '{name}'")
    return (value,)


def shape_arg(shape, what: str = "size") -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return int_sizes(shape, what)
