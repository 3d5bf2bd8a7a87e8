"""``nn.Buffer`` (PyTorch 2.5+): marks a tensor as module state that is not a parameter.

``self.running = nn.Buffer(torch.zeros(3))`` inside a Module registers a buffer (as
``register_buffer`` does), persistent unless ``persistent=False``.  As in PyTorch,
``nn.Buffer(t)`` returns a plain ``Tensor`` (``t.detach()``, keeping ``requires_grad``), not an
instance of a subclass; ``isinstance(b, nn.Buffer)`` is true for exactly the tensors it made.
A Tensor here has ``__slots__`` (no ``_is_buffer`` attribute), so the marks live in a table
keyed by ``id`` that holds a weak reference, which a later tensor at the same address fails.
"""

from __future__ import annotations

import weakref

from ..tensor import Tensor

_MARKED: dict[int, tuple[weakref.ref, bool]] = {}


def _forgetter(key: int):
    def forget(_ref) -> None:
        _MARKED.pop(key, None)
    return forget


def buffer_persistent(t) -> bool | None:
    """True/False for a tensor made by ``nn.Buffer`` (its ``persistent``), else None."""
    entry = _MARKED.get(id(t))
    if entry is None or entry[0]() is not t:
        return None
    return entry[1]


class _BufferMeta(type):
    def __instancecheck__(cls, instance) -> bool:
        if cls is Buffer:
            return buffer_persistent(instance) is not None
        return super().__instancecheck__(instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    """A tensor that a Module registers as a buffer when assigned as an attribute."""

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        if data is None:
            from ..creation import empty
            data = empty(0)
        t = data.detach().requires_grad_(data.requires_grad)
        key = id(t)
        _MARKED[key] = (weakref.ref(t, _forgetter(key)), bool(persistent))
        return t
