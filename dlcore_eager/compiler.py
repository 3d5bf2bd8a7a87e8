"""``torch.compiler``: the queries and decorators modern training code calls around
``torch.compile``.  dlcore_eager's ``torch.compile`` returns the model to run eagerly (see
``_compile``), so nothing is ever being compiled: ``is_compiling()`` is False, ``disable`` and
``allow_in_graph`` return their function unchanged, ``reset()`` has no cache to clear."""

from __future__ import annotations

from ._compile import compile  # noqa: F401  (torch.compiler.compile is torch.compile)

__all__ = ["allow_in_graph", "assume_constant_result", "disable", "is_compiling",
           "is_dynamo_compiling", "is_exporting", "reset"]


def is_compiling() -> bool:
    """False: dlcore_eager never traces Python code (torch.compile runs the model eagerly)."""
    return False


def is_dynamo_compiling() -> bool:
    return False


def is_exporting() -> bool:
    return False


def reset() -> None:
    """Nothing to clear: no compiled code is cached by dlcore_eager's torch.compile."""


def disable(fn=None, recursive: bool = True, *, reason=None):
    """``fn`` unchanged (it runs eagerly already); without ``fn``, a decorator."""
    if fn is None:
        return lambda f: f
    return fn


def allow_in_graph(fn):
    return fn


def assume_constant_result(fn):
    return fn
