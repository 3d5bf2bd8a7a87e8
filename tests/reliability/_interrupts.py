"""The reliability tests' interrupt helper (one copy, shared by the probe files): run a function
raising ``KeyboardInterrupt`` at the ``n``-th line executed inside the library."""

from __future__ import annotations

import dis
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


_EXIT_SEQUENCES: dict = {}


def _in_with_exit(frame) -> bool:
    """Whether ``frame`` stands in a ``with`` block's exit sequence (``LOAD_CONST None`` three
    times, then the call of ``__exit__``): a line event fires there, but CPython runs no
    signal handler between leaving the block's body and calling ``__exit__`` (it checks for
    signals after a call returns, at a function's start and at a backward jump)."""
    code = frame.f_code
    ops = _EXIT_SEQUENCES.get(code)
    if ops is None:
        ops = _EXIT_SEQUENCES[code] = [(i.offset, i.opname, i.argval)
                                       for i in dis.get_instructions(code)]
    k = next((j for j, (off, _, _) in enumerate(ops) if off >= frame.f_lasti), len(ops))
    ahead = [(name, val) for _, name, val in ops[k:k + 6] if name != "CACHE"]
    for j in range(len(ahead) - 2):
        if all(ahead[j + d] == ("LOAD_CONST", None) for d in range(3)):
            return all(name in ("LOAD_CONST", "LOAD_FAST", "SWAP", "COPY", "NOP")
                       for name, _ in ahead[:j])
    return False


def interrupted_where_signals_land(n, fn, dirs=LIBRARY_DIRS) -> int:
    """``interrupted_at``, skipping the line events where a real SIGINT cannot raise (a
    ``with`` block's exit sequence, where an exception would leave its lock held): at those the
    run goes on uninterrupted; the number of lines it ran."""

    def hit(frame):
        if not _in_with_exit(frame):
            raise KeyboardInterrupt

    return _traced(n, fn, dirs, hit)
