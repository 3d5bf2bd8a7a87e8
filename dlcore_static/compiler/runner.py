"""How the Session runs an optimised plan: one step that runs the whole program.

The Session's interpreter loop sees a plan with a single step, ``run_program(*feeds)``, whose
outputs are the fetched values.  Inside it:

* normally, the compiled function (``codegen.py``) runs, or, without the ``compile`` pass (or
  when nothing could be compiled), the optimised steps run in the same loop the Session uses;
* during a traced run (``run_metadata``) the optimised steps run one by one and each is timed.
  A fused step is reported as the ops it contains (its time shared equally), so
  ``run_metadata.executed_ops`` still names the user's ops;
* when the compiled function raises, the optimised steps are re-run one by one, so the error
  names the node that failed and the file:line where it was defined (TensorFlow's
  ``[[node MatMul (defined at model.py:12) ]]``), not the generated code.
"""

from __future__ import annotations

import logging
import time

from .. import session as _session
from ..plan import Plan

logger = logging.getLogger("dlcore_static.compiler")


def _interpret(steps, nslots: int, feed_slots, fetch_slots, feeds) -> tuple:
    vals = [None] * nslots
    for s, v in zip(feed_slots, feeds):
        vals[s] = v
    try:
        for fn, ins, out, params, op in steps:
            vals[out] = fn(*[vals[i] for i in ins], **params)
    except BaseException as e:  # noqa: BLE001 - re-raised, naming the node
        raise _session._wrap_error(e, op) from None
    return tuple(None if s is None else vals[s] for s in fetch_slots)


def _traced(steps, nslots: int, feed_slots, fetch_slots, feeds, stats: list) -> tuple:
    vals = [None] * nslots
    for s, v in zip(feed_slots, feeds):
        vals[s] = v
    perf = time.perf_counter
    for fn, ins, out, params, op in steps:
        t0 = perf()
        try:
            vals[out] = fn(*[vals[i] for i in ins], **params)
        except BaseException as e:  # noqa: BLE001 - re-raised, naming the node
            raise _session._wrap_error(e, op) from None
        dt = perf() - t0
        members = getattr(op, "members", None)
        if members:
            for m in members:
                stats.append((m.name, m.type, dt / len(members)))
        elif op is not None:
            stats.append((op.name, op.type, dt))
    return tuple(None if s is None else vals[s] for s in fetch_slots)


def single_step_plan(lowered: Plan, nfeeds: int, compiled=None, report=None) -> Plan:
    """The plan the Session runs: see the module docstring.  The first compiled call (Numba
    compiles, or loads its disk cache, there) is timed into ``report.seconds['first_call']``."""
    steps, nslots = lowered.steps, lowered.nslots
    feed_slots, fetch_slots = lowered.feed_slots, lowered.fetch_slots
    nout = len(fetch_slots)

    state = {"compiled": compiled}

    def run_program(*feeds):
        if _session._TRACE is not None:
            return _traced(steps, nslots, feed_slots, fetch_slots, feeds, _session._TRACE)
        fn = state["compiled"]
        if fn is not None:
            try:
                if report is not None and "first_call" not in report.seconds:
                    t0 = time.perf_counter()
                    out = fn(*feeds)
                    report.seconds["first_call"] = time.perf_counter() - t0
                    return out
                return fn(*feeds)
            except Exception as e:  # noqa: BLE001 - see below
                # find (and raise) the error of the node that failed; if the step-by-step run
                # succeeds, its result is as good as the compiled one, and the compiled code
                # (which failed where the interpreter does not) is not used again
                out = _interpret(steps, nslots, feed_slots, fetch_slots, feeds)
                state["compiled"] = None
                logger.warning("compiled plan failed (%s: %s); this plan runs in the "
                               "interpreter from now on", type(e).__name__, e)
                return out
        return _interpret(steps, nslots, feed_slots, fetch_slots, feeds)

    new = Plan()
    for attr in ("device", "ctx", "ops", "fed", "fetches", "writes_state"):
        setattr(new, attr, getattr(lowered, attr))
    new.feed_slots = tuple(range(nfeeds))
    new.nslots = nfeeds + nout
    # op None: the Session neither times this step nor names it in errors (the inner steps do)
    new.steps = [(run_program, tuple(range(nfeeds)), slice(nfeeds, nfeeds + nout), {}, None)]
    new.fetch_slots = tuple(None if s is None else nfeeds + k for k, s in enumerate(fetch_slots))
    new.slot_of = {}
    new.optimized_steps = steps
    return new


class TieredPlan(Plan):
    """A plan that runs as the Session built it until its ``after``-th run, then optimises.

    A Session created without a ``passes`` option optimises every plan, but only once a plan
    runs a second time: ``sess.run(init)`` or a one-off ``sess.run(t)`` never pays for the
    passes and the Numba compilation, a training loop pays once, on its second step.
    """

    def __init__(self, session, plan: Plan, feed_values, passes, after: int):
        super().__init__()
        for attr in ("device", "ctx", "ops", "fed", "fetches", "writes_state"):
            setattr(self, attr, getattr(plan, attr))
        nfeeds, nout = len(plan.feed_slots), len(plan.fetch_slots)
        self.feed_slots = tuple(range(nfeeds))
        self.nslots = nfeeds + nout
        self.fetch_slots = tuple(None if s is None else nfeeds + k
                                 for k, s in enumerate(plan.fetch_slots))
        self.slot_of = {}
        self.original = plan
        self._args = (session, [_Shape(v) for v in feed_values], passes)
        self._optimized = None
        calls = {"n": 0}
        steps, nslots = plan.steps, plan.nslots
        feed_slots, fetch_slots = plan.feed_slots, plan.fetch_slots

        def run_tiered(*feeds):
            opt = self._optimized
            if opt is not None:
                return opt(*feeds)
            calls["n"] += 1
            if calls["n"] >= after and _session._TRACE is None:
                return self.optimized()(*feeds)
            if _session._TRACE is not None:
                return _traced(steps, nslots, feed_slots, fetch_slots, feeds, _session._TRACE)
            return _interpret(steps, nslots, feed_slots, fetch_slots, feeds)
        self.steps = [(run_tiered, tuple(range(nfeeds)), slice(nfeeds, nfeeds + nout), {},
                       None)]

    def optimized(self):
        """Optimise now (once); the step function of the optimised plan."""
        if self._optimized is None:
            from . import optimize
            session, shapes, passes = self._args
            plan = optimize(session, self.original, shapes, passes)
            self._plan = plan
            self._optimized = plan.steps[0][0]
        return self._optimized

    @property
    def compiler(self):
        self.optimized()
        return getattr(self._plan, "compiler", None)

    @property
    def optimized_steps(self):
        self.optimized()
        return getattr(self._plan, "optimized_steps", self._plan.steps)


class _Shape:
    """The shape and dtype of a feed value, kept instead of the value itself."""

    def __init__(self, v):
        self.shape, self.dtype = tuple(v.shape), v.dtype
