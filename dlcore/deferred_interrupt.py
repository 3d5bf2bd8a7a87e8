"""``deferred_interrupt()``: hold a Ctrl-C back until a state change is complete.

Python runs a signal handler between bytecodes (at a call or a backward jump), so a
``KeyboardInterrupt`` can land between any two steps of an update that writes several objects:
an optimizer's step that has moved some parameters (or a parameter's moment estimates) and not
the others, a checkpoint half-renamed.  Rolling such a change back costs a copy of everything it
touches; holding the interrupt back costs two ``signal.signal`` calls (about 2 us)::

    with deferred_interrupt():
        ...                      # a SIGINT arriving here is recorded, not raised
    # left: the handler that was installed is back, and a recorded SIGINT is handed to it now
    # (the default handler raises KeyboardInterrupt here, after the whole change)

It acts only in the main thread (the only one Python delivers signals to) and only while a
Python-level SIGINT handler is installed (the default ``default_int_handler`` or the user's);
with ``SIG_IGN``/``SIG_DFL``, in another thread, or nested, it does nothing.  An exception
raised inside the block propagates as it would have; a recorded interrupt is then still
delivered (after the exception's own clean-up, as a second KeyboardInterrupt would be).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_depth = threading.local()


@contextmanager
def deferred_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread() or \
            getattr(_depth, "n", 0) > 0:
        yield
        return
    try:
        previous = signal.getsignal(signal.SIGINT)
    except (ValueError, OSError):         # pragma: no cover - no signals on this platform
        previous = None
    if not callable(previous):
        yield
        return
    pending: list = []

    def record(signum, frame):
        pending.append(frame)

    try:
        _depth.n = 1
        signal.signal(signal.SIGINT, record)
        yield
    finally:
        _depth.n = 0                      # nothing can interrupt here: ``record`` is installed
        signal.signal(signal.SIGINT, previous)
        if pending:
            previous(signal.SIGINT, pending[0])
