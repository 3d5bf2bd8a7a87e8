"""Grad mode: ``no_grad``, ``enable_grad``, ``set_grad_enabled`` and ``inference_mode``.

Inside ``no_grad`` nothing is recorded on the tape and every result has ``requires_grad=False``
(factory functions called with ``requires_grad=True`` are the exception).  Each is a context
manager and a decorator; the state is per thread, as in PyTorch.
"""

from __future__ import annotations

import functools
from typing import Literal

from .._state import STATE, is_grad_enabled  # noqa: F401


class _GradModeContext:
    """Base of the grad-mode switches: a context manager that also decorates functions."""

    _target: bool = True

    def __enter__(self) -> None:                 # (PyTorch's return None: ``as g`` is None)
        self._prev = STATE.enabled
        STATE.enabled = self._target

    def __exit__(self, *exc) -> Literal[False]:
        STATE.enabled = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)
        return wrapper


class _NoParamDecorator(_GradModeContext):
    """Also usable bare, as ``@torch.no_grad`` (PyTorch 2 allows both spellings)."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecorator):
    """Switch recording off: ``with torch.no_grad(): ...``, ``@torch.no_grad()`` or
    ``@torch.no_grad``."""

    _target = False


class enable_grad(_NoParamDecorator):
    """Switch recording back on inside ``no_grad``."""

    _target = True


class inference_mode(_GradModeContext):
    """Here ``no_grad`` that also sets ``is_inference_mode_enabled()``: ``with
    torch.inference_mode():``, ``@torch.inference_mode()``, bare ``@torch.inference_mode``, and
    ``inference_mode(False)`` (recording on again, as PyTorch's)."""

    _target = False

    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)                      # bare decorator: mode is the function

    def __init__(self, mode: bool = True):
        self._mode = bool(mode)
        self._target = not mode

    def __enter__(self) -> None:
        self._prev_inference = STATE.inference
        STATE.inference = self._mode
        super().__enter__()

    def __exit__(self, *exc) -> Literal[False]:
        STATE.inference = self._prev_inference
        return super().__exit__(*exc)

    def __call__(self, fn):
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return fn(*args, **kwargs)
        return wrapper


def is_inference_mode_enabled() -> bool:
    """True inside ``torch.inference_mode()`` (per thread, as PyTorch's)."""
    return STATE.inference


class set_grad_enabled(_GradModeContext):
    """``set_grad_enabled(False)`` switches recording off at once; also a context manager."""

    def __init__(self, mode: bool):
        self._prev = STATE.enabled
        self._target = bool(mode)
        STATE.enabled = self._target

    def __enter__(self) -> None:
        return None

    def __call__(self, fn):
        target = self._target
        STATE.enabled = self._prev

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(target):
                return fn(*args, **kwargs)
        return wrapper
