"""``deferred_interrupt()``: hold a Ctrl-C back until a state change is complete.

Python runs a signal handler between bytecodes (at a call or a backward jump), so a
``KeyboardInterrupt`` can land between any two steps of an update that writes several objects:
an optimizer's step that has moved some parameters (or a parameter's moment estimates) and not
the others, a checkpoint half-renamed.  Rolling such a change back costs a copy of everything it
touches; holding the interrupt back costs two calls of the C ``_signal.signal`` (about 1 us; the
``signal`` module's wrapper, which converts handlers to enums, took 10 us each)::

    with deferred_interrupt():
        ...                      # a SIGINT arriving here is recorded, not raised
    # left: the handler that was installed is back, and a recorded SIGINT is handed to it now
    # (the default handler raises KeyboardInterrupt here, after the whole change)

It acts only in the main thread (the only one Python delivers signals to) and only while a
Python-level SIGINT handler is installed (the default ``default_int_handler`` or the user's);
with ``SIG_IGN``/``SIG_DFL``, in another thread, or nested, it does nothing.  An exception
raised inside the block propagates as it would have; a recorded interrupt is then still
delivered (after the exception's own clean-up, as a second KeyboardInterrupt would be).

``urgent_deferred_interrupt()``: for a block that may wait or run long (the rest of a
Session run after a queue's dequeue, a tf.data element being made): the first SIGINT is held
back, a second one while it is pending is delivered at once (the handler that was installed
is back and called), so two Ctrl-C still stop a program stuck in the block.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]  # the C module behind ``signal``
import threading
from typing import Any

_SIGINT = _signal.SIGINT
_MAIN = threading.main_thread().ident
_get_ident = threading.get_ident
_getsignal, _setsignal = _signal.getsignal, _signal.signal
# whether a block holds SIGINT now: only the main thread's blocks act, so one flag (not a
# threading.local, whose attribute lookups cost more than the rest of ``__enter__``)
_held = [False]


class deferred_interrupt:
    __slots__ = ("pending", "previous")
    pending: object
    previous: Any
    urgent = False                        # see ``urgent_deferred_interrupt``

    def __enter__(self) -> None:
        self.previous = None
        if _get_ident() != _MAIN or _held[0]:
            return
        previous = _getsignal(_SIGINT)
        if not callable(previous):          # SIG_IGN / SIG_DFL / not set from Python
            return
        self.pending = None
        self.previous = previous
        _setsignal(_SIGINT, self._record)   # from here nothing can interrupt
        _held[0] = True

    def _record(self, signum, frame) -> None:
        if self.urgent and self.pending is not None and self.previous is not None:
            previous, self.previous = self.previous, None
            held, self.pending = self.pending, None
            _held[0] = False
            _setsignal(_SIGINT, previous)       # (``__exit__`` then does nothing)
            # both SIGINTs, in order (the default handler raises KeyboardInterrupt at the
            # first; a user's handler that counts them sees two)
            previous(signum, None if held is True else held)
            previous(signum, frame)
            return
        self.pending = frame if frame is not None else True

    def __exit__(self, *exc) -> None:
        previous = self.previous
        if previous is None:
            return
        _held[0] = False                  # nothing can interrupt here: ``_record`` is installed
        _setsignal(_SIGINT, previous)
        self.previous = None
        if self.pending is not None:
            frame, self.pending = self.pending, None
            previous(_SIGINT, None if frame is True else frame)


class urgent_deferred_interrupt(deferred_interrupt):
    """``deferred_interrupt`` whose second SIGINT, while the first is pending, is delivered at
    once (see the module docstring)."""

    __slots__ = ()
    urgent = True
