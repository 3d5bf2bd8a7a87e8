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
# dlcore/deferred_interrupt.py itself is never a point: a real SIGINT there is recorded by the
# hold's own handler (installed before anything else in ``__enter__``), while a KeyboardInterrupt
# raised on one of its lines would leave the hold entered (its handler installed, no __exit__)
# and swallow every later Ctrl-C on the worker (test_random_timer_interrupts_during_training
# saw 0 of 25 after such a run in a full suite)
_NOT_POINTS = (os.path.join(os.path.dirname(dlcore.__file__), "deferred_interrupt.py"),)


def _point_file(name: str, dirs) -> bool:
    return name.startswith(dirs) and name not in _NOT_POINTS


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

    sys.settrace(lambda frame, event, arg: local if _point_file(frame.f_code.co_filename, dirs)
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


_CHECKS = frozenset({"CALL", "CALL_FUNCTION_EX", "RESUME", "JUMP_BACKWARD"})
_OPNAMES: dict = {}


def interrupted_at_signal_checks(n, fn, dirs=LIBRARY_DIRS) -> int:
    """Raise KeyboardInterrupt at the ``n``-th point where CPython (3.11) would run a SIGINT
    handler in a file under ``dirs``: the instruction after a call returned, after a function's
    ``RESUME`` or after a backward jump (the eval-breaker checks), traced opcode by opcode.  A
    line event can fire where no signal lands (between a ``with`` body and its ``__exit__``,
    between an assignment and the ``try`` that undoes it); these points cannot.  At the point
    the SIGINT handler installed at that moment is called, as CPython calls it (Python's
    default one, installed for the run, raises KeyboardInterrupt; one a
    ``dlcore.deferred_interrupt`` block installed records it).  The number of such points it
    ran."""
    import signal
    import threading
    count = [0]
    last: dict = {}

    def local(frame, event, arg):
        if event == "call":
            frame.f_trace_opcodes = True
            frame.f_trace_lines = False
        elif event == "opcode":
            code = frame.f_code
            names = _OPNAMES.get(code)
            if names is None:
                names = _OPNAMES[code] = {i.offset: i.opname for i in dis.get_instructions(code)}
            key = id(frame)
            prev = last.get(key)
            last[key] = names.get(frame.f_lasti)
            if prev in _CHECKS:
                count[0] += 1
                if count[0] == n:
                    handler = signal.getsignal(signal.SIGINT)
                    if callable(handler):
                        handler(signal.SIGINT, frame)
                    else:
                        raise KeyboardInterrupt
        elif event == "return":
            last.pop(id(frame), None)
        return local

    def glob(frame, event, arg):
        if _point_file(frame.f_code.co_filename, dirs):
            frame.f_trace_opcodes = True
            frame.f_trace_lines = False
            return local(frame, event, arg)
        return None

    main = threading.current_thread() is threading.main_thread()
    saved = signal.signal(signal.SIGINT, signal.default_int_handler) if main else None
    sys.settrace(glob)
    try:
        fn()
    except KeyboardInterrupt:
        pass
    finally:
        sys.settrace(None)
        if main:
            signal.signal(signal.SIGINT, saved)
    return count[0]
