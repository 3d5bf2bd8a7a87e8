"""A memo for the functional ops' parameter normalisation (``pool_params``, ``conv_params``):
a call whose arguments are plain values (``plain``) is worked out once per operand shape, so a
network's layer pays the checks and the padding arithmetic once (issue 19: a LeNet's max_pool2d
spent 12 us of its 28 there).  Refusals are never kept (they raise before ``remember``)."""

from __future__ import annotations

#: entries kept before the memo starts again (shapes change little within a program)
LIMIT = 4096


def plain(v) -> bool:
    """An int, a bool, None, a string or a tuple of ints: a value that alone decides the
    normalised parameters (not its type: 2.0 == 2, where ``tuple_n`` refuses a float)."""
    t = type(v)
    if t is int or t is bool or v is None or t is str:
        return True
    return t is tuple and all(type(e) is int for e in v)


def key_of(shapes: tuple, *args) -> tuple | None:
    """The memo's key of a call (its operands' shapes and its arguments), or None when an
    argument is not plain."""
    for a in args:
        if not plain(a):
            return None
    return (shapes, args)


def remember(memo: dict, key, value) -> None:
    """``memo[key] = value`` (unless ``key`` is None), the memo cleared past ``LIMIT``."""
    if key is None:
        return
    if len(memo) > LIMIT:
        memo.clear()
    memo[key] = value
