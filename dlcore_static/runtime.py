"""Running plan steps: the one loop every static execution path uses.

A plan's steps are tuples ``(fn, in_slots, out, params, op)`` (``plan.py``).  ``run_steps``
executes them over a list of value slots::

    for fn, ins, out, params, op in steps:
        vals[out] = fn(*[vals[i] for i in ins], **params)

It is used by the Session's interpreter, by the sub-plans of ``cond`` branches and loop bodies,
by the compiler's runner (the optimised steps, the tiered plan before it is optimised, the
step-by-step re-run that names a failing node) and by traced runs.

Tracing (``RunMetadata``): ``traced(stats)`` makes the current thread's runs append
``(node name, op type, seconds)`` per step to ``stats``, sub-plans included; a fused step of the
compiler (an object with ``members``) is reported as the ops it contains, its time shared
equally.  Steps whose ``op`` is None (device copies, the compiler's one-step wrapper) are not
reported.  The trace is per thread, so a traced run in one thread does not trace another's.

Errors: a kernel's exception becomes TensorFlow's executor error naming the node and the line
that created it (``wrap_error``); ``OpError``s, non-``Exception``s (``KeyboardInterrupt``) and
what a Python signal handler raised (``from_signal_handler``: a user's SIGINT handler raising its
own exception, which Python runs between any two bytecodes) pass through unchanged.

Ctrl-C: ``hold_to_run_end(session)``, called by a host op that takes from a shared source (a
queue's dequeue, an iterator's get_next) before it takes, holds a Ctrl-C back until the run
ends, so a run is never cut between taking elements and writing what it made of them.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
import types
from collections.abc import Iterator
from typing import Any

import numpy as np

from dlcore.deferred_interrupt import urgent_deferred_interrupt

from .errors import InvalidArgumentError, OpError, UnimplementedError, _OutOfMemory, node_suffix


class _Local(threading.local):
    """Per-thread run state; the class attributes are every thread's defaults, so reading one
    costs an attribute lookup (``getattr(threading.local(), name, None)`` on a thread that never
    set ``name`` raised and caught an AttributeError: 1.2 us, a tenth of a one-op graph call)."""

    trace: list | None = None       # the stats list of the traced run in this thread
    replay: bool = False            # see ``replaying``
    cost: Any = None                # the counter of a costed run (``costed``), or None


_local = _Local()


def current_trace() -> list | None:
    """The stats list of the traced run executing in this thread, or None."""
    return _local.trace


@contextlib.contextmanager
def traced(stats: list) -> Iterator[list]:
    """Within the block, ``run_steps`` (without an explicit trace) appends to ``stats``."""
    old = _local.trace
    _local.trace = stats
    try:
        yield stats
    finally:
        _local.trace = old


@contextlib.contextmanager
def costed(counter) -> Iterator[Any]:
    """Within the block, every sub-plan run in this thread (a branch of a cond, a loop's body
    or its gradient's, each trip) is counted: ``counter.add(steps, vals, True)`` after it ran,
    with its values (``compiler.runner.RunCost``: the estimated cost of a run whose loops'
    trips are known only when it runs)."""
    old = _local.cost
    _local.cost = counter
    try:
        yield counter
    finally:
        _local.cost = old


def replaying() -> bool:
    """True while this thread re-runs steps that already ran once in this Session run (the
    compiler's step-by-step re-run after a failed compiled call): host ops with side effects
    outside the run (an iterator's get_next) then give the outcome of their first call."""
    return _local.replay


@contextlib.contextmanager
def replay() -> Iterator[None]:
    """Within the block, ``replaying()`` is True in this thread."""
    old = _local.replay
    _local.replay = True
    try:
        yield
    finally:
        _local.replay = old


_MAIN = threading.main_thread().ident


def hold_to_run_end(session) -> None:
    """(in the main thread) From now to the end of this thread's Session run (the variable
    store's commit or discard, which call ``local.ending``), a Ctrl-C is held back: TF1's run
    is one C++ call and a Ctrl-C is raised after it, so a run that took elements from a queue
    or an iterator is never cut before writing what it made of them (``v += sum(
    q.dequeue_many(2))`` interrupted lost the two elements and kept the old ``v``).  A second
    Ctrl-C is delivered at once (``urgent_deferred_interrupt``: a run waiting on another queue,
    or a pipeline stuck in a user's generator, stays stoppable).  A nested hold (a queue
    runner's run inside a held one) does nothing."""
    local = session.variables.local
    if local.ending is not None or threading.get_ident() != _MAIN:
        return
    hold = urgent_deferred_interrupt()
    hold.__enter__()                # (from here a Ctrl-C is recorded, not raised)
    if hold.previous is not None:   # (None: not held: no Python handler, or nested)
        local.ending = hold.__exit__


def run_steps(steps, vals: list, trace: list | None = None) -> None:
    """Execute ``steps`` over ``vals`` (see the module docstring); ``trace``: a stats list."""
    if trace is None:
        op = None
        try:
            for fn, ins, out, params, op in steps:
                # Arity-specialised calls: no argument list is built for the common cases.
                n = len(ins)
                if params:
                    # (a slice's index, a concatenation's axis: no argument list either)
                    if n == 1:
                        vals[out] = fn(vals[ins[0]], **params)
                    elif n == 2:
                        vals[out] = fn(vals[ins[0]], vals[ins[1]], **params)
                    else:
                        vals[out] = fn(*[vals[i] for i in ins], **params)
                else:
                    if n == 2:
                        vals[out] = fn(vals[ins[0]], vals[ins[1]])
                    elif n == 1:
                        vals[out] = fn(vals[ins[0]])
                    elif n == 0:
                        vals[out] = fn()
                    else:
                        vals[out] = fn(*[vals[i] for i in ins])
        except BaseException as e:  # noqa: BLE001 - re-raised, naming the node
            raise wrap_error(e, op) from None
        return
    perf = time.perf_counter
    for fn, ins, out, params, op in steps:
        t0 = perf()
        try:
            vals[out] = fn(*[vals[i] for i in ins], **params)
        except BaseException as e:  # noqa: BLE001 - re-raised, naming the node
            raise wrap_error(e, op) from None
        dt = perf() - t0
        members = getattr(op, "members", None)
        if members:
            for m in members:
                trace.append((m.name, m.type, dt / len(members)))
        elif op is not None:
            trace.append((op.name, op.type, dt))


def run_plan(plan, inputs, counted: bool = True) -> list:
    """Run ``plan`` with ``inputs`` in its first slots (feeds, then captured values); return
    the values of ``plan.fetch_slots`` (None for a fetched Operation).  Traced when the calling
    run is (``traced``); counted when it is costed (``costed``: a cond's branch, a loop's body;
    ``counted`` False: a dataset function's, which no plan compiles)."""
    vals = [None] * plan.nslots
    vals[:len(inputs)] = inputs
    run_steps(plan.steps, vals, _local.trace)
    cost = _local.cost
    if cost is not None and counted:
        cost.add(plan.steps, vals, True)
    return [None if s is None else vals[s] for s in plan.fetch_slots]


def wrap_error(e: BaseException, op) -> BaseException:
    """Kernel errors become TensorFlow executor errors naming the node and where it was made
    (NumPy's broadcast failure in TF's words: "Incompatible shapes: [2,3] vs. [4,3]",
    ``_kernel_errors.py``)."""
    if isinstance(e, OpError) or not isinstance(e, Exception) or from_signal_handler(e):
        return e
    if isinstance(e, NotImplementedError):
        return UnimplementedError(None, op, f"{e}{node_suffix(op)}")
    if isinstance(e, MemoryError):
        return _OutOfMemory(None, op, f"{_oom_text(e)}{node_suffix(op)}")
    from ._kernel_errors import tf_kernel_text     # (TF's words where it has its own)
    text = tf_kernel_text(e)
    if text is not None:
        return InvalidArgumentError(None, op, f"{text}{node_suffix(op)}")
    return InvalidArgumentError(None, op, f"{type(e).__name__}: {e}{node_suffix(op)}")


def _oom_text(e: MemoryError) -> str:
    """TensorFlow's words for an allocation that failed ('OOM when allocating tensor with
    shape[300000,300000] and type float'), with the size NumPy asked for."""
    shape, dtype = getattr(e, "shape", None), getattr(e, "dtype", None)
    if shape is None or dtype is None:
        return f"OOM: {type(e).__name__}: {e}"
    nbytes = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
    tf_name = {"float32": "float", "float64": "double"}.get(dtype.name, dtype.name)
    return (f"OOM when allocating tensor with shape[{','.join(map(str, shape))}] and type "
            f"{tf_name} ({nbytes / 2**30:.1f} GiB) on the host")


def is_interrupt(e: BaseException | None) -> bool:
    """True for ``KeyboardInterrupt``, also when a C extension (Numba's dispatcher) turned it
    into a ``SystemError`` whose cause or context is the interrupt."""
    seen = 0
    while e is not None and seen < 8:
        if isinstance(e, KeyboardInterrupt):
            return True
        e = e.__cause__ or e.__context__
        seen += 1
    return False


def from_signal_handler(e: BaseException | None) -> bool:
    """True when ``e`` was raised by a Python-level signal handler installed now (a user's
    SIGINT handler raising its own exception), or by a function it called, also when a C
    extension (Numba's dispatcher) turned it into a ``SystemError``: its traceback passes
    through the handler's code.  Python runs a handler between any two bytecodes, so such an
    exception says nothing of the code it interrupted: neither a kernel's error to name a node
    by nor a failure of a compiled plan to re-run step by step (which applied the run's
    updates and lost the exception, and after a CUDA glue's in-place updates applied them
    twice).  Asked on error paths only (about 20 us: every signal's handler is looked up)."""
    codes = set()
    for s in signal.valid_signals():
        try:
            code = _code_of(signal.getsignal(s))
        except (ValueError, OSError, RuntimeError):
            continue
        if code is not None:
            codes.add(code)
    seen = 0
    while codes and e is not None and seen < 8:
        tb = e.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code in codes:
                return True
            tb = tb.tb_next
        e = (e.__cause__ or e.__context__) if isinstance(e, SystemError) else None
        seen += 1
    return False


def _code_of(handler) -> types.CodeType | None:
    """The code object a signal handler runs: a function's, a bound method's, a
    ``functools.partial``'s or a callable object's ``__call__``; None for the builtin handlers
    (``default_int_handler``), ``SIG_DFL``/``SIG_IGN`` and ``None``."""
    for _ in range(4):
        if handler is None or isinstance(handler, int):
            return None
        code = getattr(handler, "__code__", None)
        if isinstance(code, types.CodeType):
            return code
        inner = getattr(handler, "__func__", None) or getattr(handler, "func", None)
        handler = inner if inner is not None else getattr(type(handler), "__call__", None)
    return None
