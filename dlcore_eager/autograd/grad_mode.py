"""Grad mode: ``no_grad``, ``enable_grad``, ``set_grad_enabled`` and ``inference_mode``.

Inside ``no_grad`` nothing is recorded on the tape and every result has ``requires_grad=False``
(factory functions called with ``requires_grad=True`` are the exception).  Each is a context
manager and a decorator; the state is per thread, as in PyTorch.
"""

from __future__ import annotations

import functools
import inspect
import threading
from typing import Literal

from .._state import INFERENCE_ON, STATE, is_grad_enabled  # noqa: F401

_COUNT_LOCK = threading.Lock()          # guards INFERENCE_ON[0] (threads inside the mode)


class _GradModeContext:
    """Base of the grad-mode switches: a context manager that also decorates functions."""

    _target: bool = True

    def __enter__(self) -> None:                 # (PyTorch's return None: ``as g`` is None)
        self._prev = STATE.enabled
        STATE.enabled = self._target

    def __exit__(self, *exc) -> Literal[False]:
        STATE.enabled = self._prev
        return False

    def clone(self):
        """A fresh context of the same mode (PyTorch's ``clone``: one per decorated call)."""
        return type(self)()

    def __call__(self, fn):
        make = self.clone
        if inspect.isgeneratorfunction(fn):
            return _wrap_generator(make, fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with make():
                return fn(*args, **kwargs)
        return wrapper


def _wrap_generator(make, fn):
    """PyTorch's ``_wrap_generator``: a decorated generator function runs each resume (the first
    ``next``, every ``send``/``throw``, and ``close``) inside a fresh context, and the caller's
    code between two resumes outside it (a streaming ``generate()`` under ``@no_grad`` records
    nothing)."""
    @functools.wraps(fn)
    def generator_context(*args, **kwargs):
        gen = fn(*args, **kwargs)
        try:
            with make():
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with make():
                        gen.close()
                    raise
                except BaseException as e:     # noqa: BLE001 - thrown into the generator
                    with make():
                        response = gen.throw(e)
                else:
                    with make():
                        response = gen.send(request)
        except StopIteration as e:
            return e.value
    return generator_context


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
    _prev = False           # (PyTorch's ``prev``: an exit never entered switches recording off)


class enable_grad(_NoParamDecorator):
    """Switch recording back on inside ``no_grad``."""

    _target = True


class inference_mode(_GradModeContext):
    """``no_grad`` that also sets ``is_inference_mode_enabled()``: ``with
    torch.inference_mode():``, ``@torch.inference_mode()``, bare ``@torch.inference_mode``, and
    ``inference_mode(False)`` (recording on again, as PyTorch's).  A tensor made inside is an
    inference tensor (``is_inference()``, shared by its views and ``detach()``), and
    ``requires_grad_()`` on one outside the mode raises PyTorch's RuntimeError.  Not modelled:
    PyTorch's refusal of an in-place update of one outside the mode, and of its ``_version``."""

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
        if self._mode:
            with _COUNT_LOCK:
                INFERENCE_ON[0] += 1
        STATE.inference = self._mode
        super().__enter__()

    def __exit__(self, *exc) -> Literal[False]:
        STATE.inference = self._prev_inference
        if self._mode:
            with _COUNT_LOCK:
                INFERENCE_ON[0] -= 1
        return super().__exit__(*exc)

    def clone(self) -> inference_mode:
        return inference_mode(self._mode)


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

    def clone(self) -> set_grad_enabled:
        return set_grad_enabled(self._target)

    def __call__(self, fn):
        STATE.enabled = self._prev            # (as a decorator: no switch at decoration time)
        return super().__call__(fn)
