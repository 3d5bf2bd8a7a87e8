"""The running backward passes of this thread, and what runs when one ends.

Each pass of the engine (``engine._run_raw``, and ``engine._run``'s create_graph pass) opens a
frame on this thread's stack while it runs (a hook may itself run backward: frames nest) and
closes it at the end.  A frame stays ``None`` (nothing made) until something asks for it:

* ``queue_callback(fn)`` (PyTorch's ``Variable._execution_engine.queue_callback``): ``fn()``
  runs once the pass has computed every gradient and accumulated every ``.grad``, in the grad
  mode of the pass (on for create_graph, off otherwise), in the order queued, including
  callbacks queued by a callback; outside a pass it is PyTorch's RuntimeError.  A pass that
  raises runs none of its callbacks.
* ``current()``: the running pass's ``Pass`` (its callbacks and a ``states`` dict in which a
  hook keeps what it needs for the rest of that pass: ``register_multi_grad_hook``'s
  gradients so far).

Cost of a backward pass with no callback: a thread-local read, an append and a pop.
(``engine.ExecutionEngine``: PyTorch's ``Variable._execution_engine`` around these.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable

ERR_NOT_IN_BACKWARD = "Final callbacks can only be installed during backward pass."


class _Frames(threading.local):
    def __init__(self) -> None:
        self.stack: list = []            # one entry per running pass: None or its Pass


FRAMES = _Frames()


class Pass:
    """A running backward pass's end-of-pass callbacks and its hooks' per-pass state."""

    __slots__ = ("callbacks", "states")

    def __init__(self) -> None:
        self.callbacks: list[Callable[[], object]] = []
        self.states: dict = {}


def current() -> Pass | None:
    """This thread's innermost running pass (made on first use), None outside backward."""
    stack = FRAMES.stack
    if not stack:
        return None
    p = stack[-1]
    if p is None:
        p = stack[-1] = Pass()
    return p


def queue_callback(callback: Callable[[], object]) -> None:
    """Run ``callback()`` when the running backward pass ends (see the module docstring)."""
    p = current()
    if p is None:
        raise RuntimeError(ERR_NOT_IN_BACKWARD)
    if not callable(callback):
        raise TypeError(f"queue_callback(): expected a callable, got {type(callback).__name__}")
    p.callbacks.append(callback)


def finish(p: Pass) -> None:
    """The end of a pass that made its ``Pass``: its callbacks, in order (a list that grows
    while it runs: one queued by a callback runs too)."""
    cbs = p.callbacks
    i = 0
    while i < len(cbs):
        cbs[i]()
        i += 1
