"""The reliability tests' interrupt helper (one copy, shared by the probe files): run a function
raising ``KeyboardInterrupt`` at the ``n``-th line executed inside the library."""

from __future__ import annotations

import os
import sys

import dlcore
import dlcore_eager
import dlcore_static

LIBRARY_DIRS = tuple(os.path.dirname(m.__file__) for m in (dlcore, dlcore_eager, dlcore_static))


def _traced(n, fn, dirs, hit, watch=None) -> int:
    """Run ``fn`` calling ``hit(frame)`` at the ``n``-th line executed in a file under ``dirs``
    (and ``watch(k, frame)`` at each, the k-th, when given); a KeyboardInterrupt out of ``fn``
    ends the run; the number of such lines it ran."""
    count = [0]

    def local(frame, event, arg):
        if event == "line":
            count[0] += 1
            if watch is not None:
                watch(count[0], frame)
            if count[0] == n:
                hit(frame)
        return local

    sys.settrace(lambda frame, event, arg: local if frame.f_code.co_filename.startswith(dirs)
                 else None)
    try:
        fn()
    except KeyboardInterrupt:
        pass
    finally:
        sys.settrace(None)
    return count[0]


def interrupted_at(n, fn, dirs=LIBRARY_DIRS) -> int:
    """Run ``fn`` raising KeyboardInterrupt at the ``n``-th line executed in a file under
    ``dirs`` (dlcore's three packages unless told); the number of such lines it ran."""

    def hit(frame):
        raise KeyboardInterrupt

    return _traced(n, fn, dirs, hit)


def signalled_at(n, fn, dirs=LIBRARY_DIRS, watch=None) -> int:
    """``interrupted_at`` with a Ctrl-C's own path: at the ``n``-th line the SIGINT handler
    installed at that moment is called (the default one raises KeyboardInterrupt; one that a
    ``dlcore.deferred_interrupt`` block installed records it), as Python calls it between two
    bytecodes when the signal arrives; ``watch``: see ``_traced``."""
    import signal

    def hit(frame):
        handler = signal.getsignal(signal.SIGINT)
        if callable(handler):
            handler(signal.SIGINT, frame)

    return _traced(n, fn, dirs, hit, watch)
