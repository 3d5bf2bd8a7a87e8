"""How the hand-written long-tail modules (``_extra_ops``, ``_stats_ops``, ``_math_extra``) put
their functions on ``dlcore_eager`` and their methods on ``Tensor``: after the names generated
from the registry, and never over a name that already exists."""

from __future__ import annotations

from .tensor import Tensor


def install_names(module, namespace: dict, functions, methods) -> None:
    for name in functions:
        if not hasattr(module, name):
            setattr(module, name, namespace[name])
    for name in methods:
        if not hasattr(Tensor, name):
            setattr(Tensor, name, namespace[name])
