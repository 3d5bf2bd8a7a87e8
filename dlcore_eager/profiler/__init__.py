"""``torch.profiler``: time the operations a program runs and the regions it marks.

::

    from dlcore_eager.profiler import profile, record_function, ProfilerActivity
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        with record_function("model_inference"):
            model(inputs)
    print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))

While a profile records, every eager primitive goes through a timing wrapper of
``EagerFrontend.apply`` (``tracing.patch_apply``, as a trace and forward AD wrap it; the fast
lanes step aside while ``tracing._RECORDERS`` is non-empty), so each application is one event
named ``aten::<primitive>`` (dlcore's primitives, not ATen's operators: ``aten::matmul`` where
PyTorch shows ``aten::linear``/``aten::addmm``), nested under the open ``record_function``
regions; times are CPU wall times in microseconds.  ``profile_memory`` counts each
operation's output bytes.  ``schedule``/``step``/``on_trace_ready`` follow PyTorch's state
machine (wait, warmup, active, repeat; ``ProfilerStep#N`` regions), and
``tensorboard_trace_handler`` writes Chrome-trace files that TensorBoard's profile plugin
and chrome://tracing read.

As PyTorch's, a profile records the thread that started it (another thread's operations are
not in it) and each thread may run its own profile; the wrapper is installed once for all
of them (counted under a lock) and steps aside for threads that do not profile.  Backward:
each autograd node the engine calls is an event pair named as PyTorch's
(``autograd::engine::evaluate_function: MmBackward0`` holding ``MmBackward0``), through the
engine's ``checked_vjp`` hook, which sends the engine down its general loop while profiling.
The vjp rules run on buffers, so no ``aten::`` events appear inside a backward node (PyTorch
lists ``aten::threshold_backward``, ``aten::mm`` ...), and gradient accumulation into
``.grad`` (PyTorch's ``torch::autograd::AccumulateGrad``) is not an event.  Not profiled: CUDA
kernels (``ProfilerActivity.CUDA`` is accepted and records nothing more), Python stacks
(``with_stack``), FLOPs (``with_flops``)."""

from __future__ import annotations

import contextlib
import enum
import os
import socket
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from ._events import EventList, FunctionEvent, FunctionEventAvg

__all__ = ["EventList", "FunctionEvent", "FunctionEventAvg", "ProfilerAction",
           "ProfilerActivity", "profile", "record_function", "schedule",
           "supported_activities", "tensorboard_trace_handler"]


class ProfilerActivity(enum.Enum):
    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5


class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def supported_activities() -> set:
    return {ProfilerActivity.CPU}


def schedule(*, wait: int, warmup: int, active: int, repeat: int = 0, skip_first: int = 0,
             skip_first_wait: int = 0) -> Callable[[int], ProfilerAction]:
    """PyTorch's schedule: skip ``skip_first`` steps, then cycles of ``wait`` idle,
    ``warmup`` and ``active`` recording steps (the last one RECORD_AND_SAVE), ``repeat``
    cycles (0: no limit)."""
    def schedule_fn(step: int) -> ProfilerAction:
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait != 0:
            step += wait
        num_steps = wait + warmup + active
        if repeat > 0 and step / num_steps >= repeat:
            return ProfilerAction.NONE
        mod_step = step % num_steps
        if mod_step < wait:
            return ProfilerAction.NONE
        if mod_step < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if mod_step < num_steps - 1 else \
            ProfilerAction.RECORD_AND_SAVE
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(
            f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} "
            f"(need >= 0), active={active} (need > 0), repeat={repeat} (need >= 0), "
            f"skip_first={skip_first} (need >= 0).")
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results",
                      stacklevel=2)
    return schedule_fn


def _default_schedule_fn(_: int) -> ProfilerAction:
    return ProfilerAction.RECORD


class _Collector:
    """One recording window: the finished events and each thread's open ranges."""

    def __init__(self, record_shapes: bool, profile_memory: bool) -> None:
        self.t0 = time.perf_counter_ns()
        self.events: list[FunctionEvent] = []
        self.open = threading.local()
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.lock = threading.Lock()
        self.lost = False           # (a profile started inside took the session over)

    def stack(self) -> list:
        s = getattr(self.open, "s", None)
        if s is None:
            s = self.open.s = []
        return s

    def begin(self, name: str, shapes: list | None, user: bool) -> list:
        rec = [name, time.perf_counter_ns(), shapes, user, []]     # children: finished events
        self.stack().append(rec)
        return rec

    def end(self, rec: list, nbytes: int = 0) -> None:
        stack = self.stack()
        if rec not in stack:
            return
        while stack and stack[-1] is not rec:        # (a region left open inside: closed here)
            self.end(stack[-1])
        stack.pop()
        t1 = time.perf_counter_ns()
        name, t0, shapes, user, children = rec
        with self.lock:
            ev = FunctionEvent(len(self.events), name, threading.get_ident(),
                               (t0 - self.t0) / 1e3, (t1 - self.t0) / 1e3, shapes,
                               nbytes + sum(c.cpu_memory_usage for c in children)
                               if self.profile_memory else 0, user)
            self.events.append(ev)
        for c in children:
            ev.append_cpu_child(c)
            c.set_cpu_parent(ev)
        if stack:
            stack[-1][4].append(ev)


class _State(threading.local):
    collector: _Collector | None = None


#: the recording window of each thread (PyTorch's profiler is per thread: a profile records
#: the operations of the thread that started it, and each thread may run its own)
_TLS = _State()
_LOCK = threading.Lock()                # guards the patch and its count of users
_USERS = [0]                            # profiles recording now, all threads together
_PATCH: list = []                       # what tracing.patch_apply replaced, to put back
_ENGINE_PATCH: list = []                # (autograd engine module, its checked_vjp hook)


def _active() -> _Collector | None:
    return _TLS.collector


def _marker(prim, params, inputs, out) -> None:     # (a tracing recorder that records nothing)
    return None


def _shape_of(a: Any) -> list:
    b = getattr(a, "_buf", None)
    return list(b.shape) if b is not None and hasattr(b, "shape") else []


def _install() -> None:
    """Count one more recording profile; the first one wraps ``EagerFrontend.apply``."""
    with _LOCK:
        _USERS[0] += 1
        if _USERS[0] == 1:
            _patch()


def _patch() -> None:
    from .. import _dispatch
    from .. import tracing as _tracing
    inner = _dispatch.EagerFrontend.apply

    def profiled_apply(prim, args, params):
        col = _TLS.collector
        if col is None:                                 # (another thread's operation)
            return inner(prim, args, params)
        shapes = [_shape_of(a) for a in args] if col.record_shapes else None
        rec = col.begin("aten::" + prim.name, shapes, False)
        out = None
        try:
            out = inner(prim, args, params)
            return out
        finally:
            nbytes = 0
            if col.profile_memory and out is not None and not prim.view:   # (a view: no bytes)
                for o in out if isinstance(out, (tuple, list)) else (out,):
                    nbytes += int(getattr(getattr(o, "_buf", None), "nbytes", 0) or 0)
            col.end(rec, nbytes)
    _PATCH.extend(_tracing.patch_apply(profiled_apply))
    _tracing._RECORDERS.append(_marker)
    engine = sys.modules.get("dlcore_eager.autograd.engine")
    if engine is not None and hasattr(engine, "_checked_vjp"):
        hook = getattr(engine, "_checked_vjp")
        _ENGINE_PATCH.append((engine, hook))
        setattr(engine, "_checked_vjp", _profiled_checked_vjp(hook))


def _profiled_checked_vjp(checked_vjp: Callable) -> Callable:
    """The engine's ``checked_vjp`` hook wrapped so that each node's call is a pair of
    events named as PyTorch's (``autograd::engine::evaluate_function: MmBackward0`` holding
    ``MmBackward0``).  A wrapped vjp sends the engine down its general loop (``reverse_pass``,
    the anomaly-mode path: same nodes, same order) instead of the inline buffer pass."""
    def hook(vjp: Callable, name_of: Callable) -> Callable:
        inner = checked_vjp(vjp, name_of)

        def timed(node: Any, g: Any) -> Any:
            col = _TLS.collector
            if col is None:
                return inner(node, g)
            name = name_of(node)
            shapes: list | None = [] if col.record_shapes else None
            outer = col.begin("autograd::engine::evaluate_function: " + name, shapes, False)
            rec = col.begin(name, shapes, False)
            try:
                return inner(node, g)
            finally:
                col.end(rec)
                col.end(outer)
        return timed
    return hook


def _uninstall() -> None:
    """Count one profile less; the last one puts ``EagerFrontend.apply`` back."""
    from .. import tracing as _tracing
    with _LOCK:
        _USERS[0] -= 1
        if _USERS[0]:
            return
        _tracing.restore_apply(_PATCH)
        _PATCH.clear()
        for engine, original in _ENGINE_PATCH:
            setattr(engine, "_checked_vjp", original)
        _ENGINE_PATCH.clear()
        if _marker in _tracing._RECORDERS:
            _tracing._RECORDERS.remove(_marker)


class record_function(contextlib.ContextDecorator):
    """A named region in the profile (a context manager or a decorator); nothing while no
    profile records."""

    def __init__(self, name: str, args: str | None = None) -> None:
        self.name = name
        self.args = args
        self._rec: tuple | None = None

    def __enter__(self) -> record_function:
        col = _TLS.collector
        if col is not None:
            self._rec = (col, col.begin(self.name, [] if col.record_shapes else None, True))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._rec is not None:
            col, rec = self._rec
            self._rec = None
            col.end(rec)


class profile:
    """PyTorch's ``torch.profiler.profile`` (see the module docstring)."""

    def __init__(self, *, activities: Iterable | None = None, schedule: Callable | None = None,
                 on_trace_ready: Callable | None = None, record_shapes: bool = False,
                 profile_memory: bool = False, with_stack: bool = False,
                 with_flops: bool = False, with_modules: bool = False,
                 experimental_config: Any = None, execution_trace_observer: Any = None,
                 acc_events: bool = False, use_cuda: bool | None = None,
                 custom_trace_id_callback: Any = None) -> None:
        self.activities = set(activities) if activities else supported_activities()
        self.record_steps = schedule is not None
        self.schedule = schedule if schedule is not None else _default_schedule_fn
        self.on_trace_ready = on_trace_ready
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack, self.with_flops, self.with_modules = with_stack, with_flops, with_modules
        self.acc_events = acc_events
        self.step_num = 0
        self.current_action = self.schedule(self.step_num)
        self.step_rec_fn: record_function | None = None
        self._collector: _Collector | None = None
        self._events = EventList(profile_memory=profile_memory)
        self._metadata: dict[str, str] = {}

    # ------------------------------------------------------------------ the state machine
    def _prepare_trace(self) -> None:
        self._collector = _Collector(self.record_shapes, self.profile_memory)

    def _start_trace(self) -> None:
        if self._collector is None:
            self._prepare_trace()
        assert self._collector is not None
        if _TLS.collector is not None:
            # PyTorch's: a profile started inside another on one thread takes the session
            # over; the outer one then ends with no events (and a logged warning)
            _TLS.collector.lost = True
            _TLS.collector = None
            _uninstall()
        _TLS.collector = self._collector
        _install()

    def _stop_trace(self) -> None:
        if self._collector is not None and _TLS.collector is self._collector:
            _TLS.collector = None
            _uninstall()
            new = list(self._collector.events)
            self._events = EventList((self._events if self.acc_events else []) + new,
                                     profile_memory=self.profile_memory)
        elif self._collector is not None and getattr(self._collector, "lost", False):
            self._events = EventList(self._events if self.acc_events else [],
                                     profile_memory=self.profile_memory)
            sys.stderr.write("[W profiler_kineto.cpp] disableProfiler called but no active "
                             "profiling session found. This can happen if profiling was "
                             "cancelled during warmup.\n")
        self._collector = None

    def _trace_ready(self) -> None:
        if self.on_trace_ready:
            self.on_trace_ready(self)

    def _transit(self, prev: ProfilerAction, cur: ProfilerAction | None) -> None:
        A = ProfilerAction
        if prev == cur:
            return
        if prev is A.NONE:
            if cur is A.WARMUP:
                self._prepare_trace()
            elif cur in (A.RECORD, A.RECORD_AND_SAVE):
                self._prepare_trace()
                self._start_trace()
        elif prev is A.WARMUP:
            if cur is A.NONE or cur is None:
                warnings.warn("Incorrect schedule: WARMUP followed by NONE", stacklevel=3)
                self._start_trace()
                self._stop_trace()
            else:
                self._start_trace()
        elif prev is A.RECORD:
            if cur is not A.RECORD_AND_SAVE:
                self._stop_trace()
                self._trace_ready()
                if cur is A.WARMUP:
                    self._prepare_trace()
        else:                                              # RECORD_AND_SAVE
            self._stop_trace()
            self._trace_ready()
            if cur is A.WARMUP:
                self._prepare_trace()
            elif cur is A.RECORD:
                self._prepare_trace()
                self._start_trace()

    def _transit_same(self, action: ProfilerAction) -> None:
        if action is ProfilerAction.RECORD_AND_SAVE:      # a save every step
            self._stop_trace()
            self._trace_ready()
            self._prepare_trace()
            self._start_trace()

    def start(self) -> None:
        self._transit(ProfilerAction.NONE, self.current_action)
        if self.record_steps:
            self.step_rec_fn = record_function("ProfilerStep#" + str(self.step_num))
            self.step_rec_fn.__enter__()

    def stop(self) -> None:
        if self.record_steps and self.step_rec_fn is not None:
            self.step_rec_fn.__exit__(None, None, None)
            self.step_rec_fn = None
        self._transit(self.current_action, None)

    def step(self) -> None:
        """Mark the end of a training step (the schedule's clock)."""
        if self.record_steps and self.step_rec_fn is not None:
            self.step_rec_fn.__exit__(None, None, None)
        prev = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        if prev == self.current_action:
            self._transit_same(prev)
        else:
            self._transit(prev, self.current_action)
        if self.record_steps:
            self.step_rec_fn = record_function("ProfilerStep#" + str(self.step_num))
            self.step_rec_fn.__enter__()

    def __enter__(self) -> profile:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ the results
    def events(self) -> EventList:
        return self._events

    @property
    def profiler(self) -> Any:
        """(PyTorch's underlying legacy profile: here the events as ``function_events``)"""
        from types import SimpleNamespace
        return SimpleNamespace(function_events=self._events)

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0,
                     group_by_overload_name: bool = False) -> EventList:
        """The events added up by name (PyTorch's).  Backward nodes appear under their
        PyTorch names, without the ``aten::`` operations inside them nor
        ``AccumulateGrad`` (see the module docstring)."""
        return self._events.key_averages(group_by_input_shape, group_by_stack_n)

    def export_chrome_trace(self, path: str | os.PathLike) -> None:
        self._events.export_chrome_trace(path)

    def add_metadata(self, key: str, value: str) -> None:
        self._metadata[key] = value

    def add_metadata_json(self, key: str, value: str) -> None:
        self._metadata[key] = value


def tensorboard_trace_handler(dir_name: str, worker_name: str | None = None,
                              use_gzip: bool = False) -> Callable[[profile], None]:
    """An ``on_trace_ready`` that writes each trace to ``dir_name`` as
    ``<worker>.<ms>.pt.trace.json`` (TensorBoard's profile plugin reads that folder)."""
    def handler_fn(prof: profile) -> None:
        nonlocal worker_name
        os.makedirs(dir_name, exist_ok=True)
        if not worker_name:
            worker_name = f"{socket.gethostname()}_{os.getpid()}"
        # nanoseconds, as PyTorch names them (milliseconds: two traces of one millisecond, a
        # fast schedule's, took one name and the second overwrote the first); a name a clock
        # too coarse for that still repeats is moved on by one
        stamp = time.time_ns()
        while True:
            file_name = f"{worker_name}.{stamp}.pt.trace.json" + (".gz" if use_gzip else "")
            path = os.path.join(dir_name, file_name)
            if not os.path.exists(path):
                break
            stamp += 1
        if use_gzip:
            import gzip
            import shutil
            tmp = path[:-3]
            prof.export_chrome_trace(tmp)
            with open(tmp, "rb") as fi, gzip.open(path, "wb") as fo:
                shutil.copyfileobj(fi, fo)
            os.remove(tmp)
        else:
            prof.export_chrome_trace(path)
    return handler_fn
