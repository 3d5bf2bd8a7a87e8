"""The reliability tests' interrupt helper (one copy, shared by the probe files): run a function
raising ``KeyboardInterrupt`` at the ``n``-th line executed inside the library."""

from __future__ import annotations

import os
import sys

import dlcore
import dlcore_eager
import dlcore_static

LIBRARY_DIRS = tuple(os.path.dirname(m.__file__) for m in (dlcore, dlcore_eager, dlcore_static))


def interrupted_at(n, fn, dirs=LIBRARY_DIRS) -> int:
    """Run ``fn`` raising KeyboardInterrupt at the ``n``-th line executed in a file under
    ``dirs`` (dlcore's three packages unless told); the number of such lines it ran."""
    count = [0]

    def local(frame, event, arg):
        if event == "line":
            count[0] += 1
            if count[0] == n:
                raise KeyboardInterrupt
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


def signalled_at(n, fn, dirs=LIBRARY_DIRS) -> int:
    """``interrupted_at`` with a Ctrl-C's own path: at the ``n``-th line the SIGINT handler
    installed at that moment is called (the default one raises KeyboardInterrupt; one that a
    ``dlcore.deferred_interrupt`` block installed records it), as Python calls it between two
    bytecodes when the signal arrives."""
    import signal
    count = [0]

    def local(frame, event, arg):
        if event == "line":
            count[0] += 1
            if count[0] == n:
                handler = signal.getsignal(signal.SIGINT)
                if callable(handler):
                    handler(signal.SIGINT, frame)
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
