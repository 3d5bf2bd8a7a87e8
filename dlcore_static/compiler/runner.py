"""How the Session runs an optimised plan: one step that runs the whole program.

The Session's interpreter loop sees a plan with a single step, ``run_program(*feeds)``, whose
outputs are the fetched values.  Inside it:

* normally, the compiled function (``codegen.py``) runs, or, without the ``compile`` pass (or
  when nothing could be compiled), the optimised steps run in the loop the Session uses
  (``runtime.run_steps``: there is one such loop in dlcore_static);
* during a traced run (``run_metadata``) the optimised steps run one by one and each is timed.
  A fused step is reported as the ops it contains (its time shared equally), so
  ``run_metadata.executed_ops`` still names the user's ops;
* when the compiled function raises, the optimised steps are re-run one by one, so the error
  names the node that failed and the file:line where it was defined (TensorFlow's
  ``[[node MatMul (defined at model.py:12) ]]``), not the generated code; the failed attempt's
  staged variable writes are discarded first, so nothing is applied twice, and the re-run is
  marked (``runtime.replay``) so that an iterator's get_next gives the element it gave the
  failed attempt instead of advancing again;
* a ``KeyboardInterrupt`` (which Numba's dispatcher may hand back as a ``SystemError``) is
  raised as ``KeyboardInterrupt`` and the compiled code stays in use; so is, as it was raised,
  an exception a user's signal handler raised (``runtime.from_signal_handler``): no re-run
  (it would apply the run's updates and lose the exception; after a CUDA glue's in-place
  updates, committed whole before a held interrupt is delivered, apply them twice), the
  Session discards what the run staged;
* in a child forked after its parent's GNU OpenMP pool ran (``dlcore.kernels.cpu.runtime.
  parallel_ok`` False), a compiled plan with parallel (``prange``) loops is not called: Numba
  would terminate the process at its first parallel loop; the optimised steps run instead, each
  kernel on its serial loop.

The runner imports neither the Session nor the compiler's pipeline: ``TieredPlan`` is handed
the pipeline's ``optimize`` function.
"""

from __future__ import annotations

import logging
import math
import sys
import threading
import time
import weakref

from dlcore.kernels.cpu import runtime as _cpu_runtime

from .. import runtime as _runtime
from ..plan import CONTROL_TYPES, Plan
from ..runtime import (
    costed,
    current_trace,
    from_signal_handler,
    is_interrupt,
    replay,
    run_steps,
)

logger = logging.getLogger("dlcore_static.compiler")


def _run(steps, nslots: int, feed_slots, fetch_slots, feeds, trace=None,
         counter=None) -> tuple:
    """The optimised (or original) steps, one by one: ``runtime.run_steps``; ``counter``: a
    ``RunCost`` that counts them, their sub-plans' runs included (``runtime.costed``)."""
    vals = [None] * nslots
    for s, v in zip(feed_slots, feeds):
        vals[s] = v
    if counter is None:
        run_steps(steps, vals, trace)
    else:
        with costed(counter):
            run_steps(steps, vals, trace)
        counter.add(steps, vals)
    return tuple(None if s is None else vals[s] for s in fetch_slots)


def single_step_plan(lowered: Plan, nfeeds: int, compiled=None, report=None,
                     discard=None) -> Plan:
    """The plan the Session runs: see the module docstring.  The first compiled call (Numba
    compiles, or loads its disk cache, there) is timed into ``report.seconds['first_call']``.
    ``discard()`` drops the failed compiled attempt's staged variable writes before the
    step-by-step re-run (so an update is not applied twice)."""
    steps, nslots = lowered.steps, lowered.nslots
    # a store's ``discard`` also ends the run (a held Ctrl-C is raised there); mid-run only the
    # staged writes are dropped (``VariableStore.drop_staged``), the run's end stays the Session's
    discard = getattr(getattr(discard, "__self__", None), "drop_staged", discard)
    feed_slots, fetch_slots = lowered.feed_slots, lowered.fetch_slots
    nout = len(fetch_slots)

    state = [compiled]             # the function called; None once it failed
    codegen = getattr(report, "codegen", None)
    parallel = isinstance(codegen, dict) and bool(codegen.get("parallel"))
    local = _runtime._local         # this thread's run state: ``local.trace``

    def first_call(*feeds):
        """The first compiled call: timed, then the glue's segments are bound to their entry
        points (``bind_entry_points``) and later calls go to the glue directly."""
        t0 = time.perf_counter()
        out = compiled(*feeds)
        if report is not None:
            report.seconds["first_call"] = time.perf_counter() - t0
        bind_entry_points(compiled)
        if state[0] is first_call:
            state[0] = compiled
        return out

    if compiled is not None:
        state[0] = first_call

    def run_program(*feeds):
        if parallel and not _cpu_runtime.parallel_ok:
            # a child forked after its parent's GNU OpenMP pool ran: Numba would terminate it
            # at the plan's first parallel loop; the interpreter's kernels run serial there
            state[0] = None
        fn = state[0]
        if local.trace is not None or fn is None:
            return _run(steps, nslots, feed_slots, fetch_slots, feeds, local.trace)
        try:
            return fn(*feeds)
        except Exception as e:  # noqa: BLE001 - see below
            if is_interrupt(e):
                # Ctrl-C while Numba's dispatcher ran comes back as a SystemError: it is an
                # interrupt, not a failure of the compiled code (which stays in use)
                raise KeyboardInterrupt from None
            if from_signal_handler(e):
                raise               # (between two bytecodes: not the compiled code's failure)
            # find (and raise) the error of the node that failed; if the step-by-step run
            # succeeds, its result is as good as the compiled one, and the compiled code
            # (which failed where the interpreter does not) is not used again
            if discard is not None:
                discard()
            with replay():          # an iterator's get_next gives the same element again
                out = _run(steps, nslots, feed_slots, fetch_slots, feeds)
            state[0] = None
            logger.warning("compiled plan failed (%s: %s); this plan runs in the "
                           "interpreter from now on", type(e).__name__, e)
            return out

    new = Plan()
    for attr in ("device", "ctx", "ops", "fed", "fetches", "writes_state"):
        setattr(new, attr, getattr(lowered, attr))
    new.feed_slots = tuple(range(nfeeds))
    new.nslots = nfeeds + nout
    # op None: the Session neither times this step nor names it in errors (the inner steps do)
    new.steps = [(run_program, tuple(range(nfeeds)), slice(nfeeds, nfeeds + nout), {}, None)]
    new.fetch_slots = tuple(None if s is None else nfeeds + k for k, s in enumerate(fetch_slots))
    new.slot_of = {}
    new.one_step = True             # the Session calls run_program(*feeds) directly
    new.optimized_steps = steps
    new.compiled_run = compiled     # the generated glue itself (None: the interpreter runs)
    return new


def bind_entry_points(glue) -> int:
    """Replace each segment ``S<k>`` among the glue's default arguments, a Numba dispatcher,
    by the entry point of its one compiled overload (the compiled function the dispatcher
    itself calls after resolving the argument types) when it has exactly one: the glue passes
    a segment the same types on every call (its plan's key fixes the feeds' shapes and
    dtypes, every array argument is C-contiguous: made so by the glue (``source._arg_text``),
    allocated by it, or returned so by an earlier segment; a rank-0 value is a NumPy scalar
    of its dtype), so the resolution (about 0.3 us a call with
    4 arguments, 0.5 us with 17) is done once.  A wrong dtype or rank would still be refused
    by the entry point's unboxing (TypeError, so the plan falls back to the interpreter), but
    not a wrong layout: so only segments, never an executor ``E<k>`` that happens to be a
    dispatcher (its arguments are not made C-contiguous).  A dispatcher with several overloads
    (a segment text shared by plans of other types) is kept.  Returns how many were bound."""
    defaults = getattr(glue, "__defaults__", None)
    if not defaults:
        return 0
    from numba.core.dispatcher import Dispatcher
    code = glue.__code__
    names = code.co_varnames[code.co_argcount - len(defaults):code.co_argcount]
    new, bound = list(defaults), 0
    for i, (name, d) in enumerate(zip(names, defaults)):
        if name[:1] == "S" and name[1:].isdigit() and isinstance(d, Dispatcher) and \
                len(d.overloads) == 1:
            new[i] = next(iter(d.overloads.values())).entry_point
            bound += 1
    if bound:
        glue.__defaults__ = tuple(new)
    return bound


# A segment's Numba compilation with nothing on disk, in seconds, for its function of n lines
# (decorator included): max(SEGMENT_MIN_S, n * SEGMENT_S_PER_LINE + SEGMENT_S_OFFSET).  Fitted
# on the 98 segments of the Keras GNN tutorial (tests/programs/static/
# keras_gnn_node_classification.py) compiled afresh one by one on the 2-core AMD EPYC (Zen 4):
# modules of 17-247 lines, 0.1-3.0 s each, 102.5 s in all, 43 s of it LLVM's; fitted on the
# modules' lines (0.0125 s a line, -0.244 s), here shifted by their 13-line header; the fit's
# sums per size band: 0-49 lines 3.5 s against 4.2 s measured, 50-99 12.3 / 10.8, 100-149
# 43.7 / 44.0, 150-249 43.2 / 43.5 (issue 19).
SEGMENT_S_PER_LINE = 0.0125
SEGMENT_S_OFFSET = -0.08
SEGMENT_MIN_S = 0.05
# A plan's run as built, in seconds: STEP_S per step, ELEMENT_S per element of the values its
# ops make, FLOP_S per multiply-add's flop of its matrix products and convolutions.  Fitted
# (least relative error) on seven training steps interpreted on the same machine, 40 us to
# 3.4 ms (MLPs of 16-256 rows, a LeNet-like CNN with Adam, chains of 20 and 100 tanh layers):
# the estimate within 0.78-1.18x of each measured median.
STEP_S = 0.75e-6
ELEMENT_S = 0.25e-9
FLOP_S = 1e-11
# A step of a sub-plan (a cond's branch, a loop's body or its gradient's, run once a trip), for
# a plan with a cond or a loop (``RunCost``), SUBPLAN_STEP_S rather than STEP_S (a body's ops
# are many and small, a trip's values made and passed in Python): fitted with the others fixed
# on the 38 plans with loops of 14 tutorials' tests (Keras and TF1 RNNs, seq2seq with
# attention, a BiLSTM-CRF, a map_fn over images), 0.12-64 ms a run as built: the estimate
# within 0.59-1.53x of each measured median (0.43-1.43x, median 0.65x, at STEP_S); on nine
# smaller training steps (RNNs of 3-50 trips, dynamic_rnn LSTMs, a cond and a loop, a map_fn),
# 0.1-57 ms, within 0.79-1.36x.
SUBPLAN_STEP_S = 1.75e-6
# The compiled plan's sub-programs (``control.py``: a branch, a loop body and its gradient's,
# compiled when the compiled plan first runs them), SUBPROGRAM_S each and SUBPROGRAM_S_SCALE *
# n ** SUBPROGRAM_EXPONENT for the n steps of the sub-plan it is made of (a long body leaves
# more of its steps to the glue): fitted on the first compiled runs with nothing on disk, less
# the plan's own segments' estimate, of six of those programs (1.0-3.7 s for 2-5 sub-programs
# of 1-30 steps) and of the Hvass CIFAR tutorial's map_fn over images (2 sub-programs, one of
# 482 steps: 8.3 s), within 0.81-1.18x of each.
SUBPROGRAM_S = 0.09
SUBPROGRAM_S_SCALE = 0.11
SUBPROGRAM_EXPONENT = 0.7


def compile_seconds(plan) -> float:
    """The estimated seconds of Numba compilation of ``plan`` (an optimised plan) with nothing
    on disk: its distinct generated segments costed by their length (``SEGMENT_S_PER_LINE``).
    0.0 for a plan without segments (not compiled, or a CUDA plan's glue)."""
    info = getattr(getattr(plan, "compiler", None), "codegen", None)
    if not isinstance(info, dict):
        return 0.0
    return sum(max(SEGMENT_MIN_S, lines * SEGMENT_S_PER_LINE + SEGMENT_S_OFFSET)
               for _, lines in info.get("segment_lines", ()))


def _numel(shape) -> int:
    n = 1
    for d in shape:
        n *= d if d is not None else 1     # (a size known only at run time: counted as 1)
    return n


def run_seconds(plan, program=None) -> float:
    """The estimated seconds of one run of ``plan`` as built (``STEP_S`` a step, ``ELEMENT_S``
    and ``FLOP_S``), from shapes alone: the same for every run of the same program.  The
    elements and flops are counted on ``program`` (the optimised plan's: its shapes are the
    feeds', where the graph's may be unknown, a batch of None) when given, each fused node's
    members included, else on the plan's ops (an unknown size counted as 1)."""
    total = STEP_S * len(plan.steps)
    if program is not None:
        nodes: list = []
        for n in program.nodes:
            nodes.extend(n.members or (n,))
        for n in nodes:
            total += _node_seconds(n.prim, [v.aval.shape for v in n.inputs],
                                   [a.shape for a in n.avals], n.params)
        return total
    for step in plan.steps:
        op = step[4]
        if op is not None:
            total += _node_seconds(op.prim, [t.aval.shape for t in op.inputs],
                                   [t.aval.shape for t in op.outputs], op.params)
    return total


def _has_control_flow(plan) -> bool:
    """Has the plan a cond or a loop?  Its runs as built cannot be costed from its shapes alone
    (a loop's trips are known only when it runs, a cond's branch taken too): such a plan is
    costed on a run (``RunCost``)."""
    for op in plan.ops:
        if op.type in CONTROL_TYPES:
            return True
    return False


class RunCost:
    """The estimated seconds of one run as built, counted as it runs (``runtime.costed``):
    each step ``STEP_S`` (a sub-plan's, a cond's branch or a loop's body or its gradient's, run
    once a trip: ``SUBPLAN_STEP_S``) and its values' elements and products (``_node_seconds``,
    on the shapes the values have).  For a plan with a cond or a loop, whose runs
    cost what their trips make them: the same data, the same count (no clock)."""

    def __init__(self):
        self.seconds = 0.0
        self.subplans: dict = {}        # id(steps) -> its steps, of each sub-plan run

    def add(self, steps, vals, subplan: bool = False) -> None:
        step = STEP_S
        if subplan:
            step = SUBPLAN_STEP_S
            self.subplans[id(steps)] = len(steps)
        total = step * len(steps)
        for _, ins, out, _, op in steps:
            v = vals[out]
            outs = v if type(out) is slice else (v,)
            if op is None:
                continue
            total += _node_seconds(op.prim, [_shape(vals[i]) for i in ins],
                                   [_shape(o) for o in outs], op.params)
        self.seconds += total

    def compile_seconds(self) -> float:
        """The estimated Numba compilation of the sub-programs that the compiled plan would
        make of the sub-plans run (``control.py`` compiles a branch, a loop body and its
        gradient's when the compiled plan first runs them, so ``compile_seconds`` of the plan
        does not see them): ``SUBPROGRAM_S`` each and ``SUBPROGRAM_S_SCALE`` times its steps
        to the power ``SUBPROGRAM_EXPONENT``."""
        return sum(SUBPROGRAM_S + SUBPROGRAM_S_SCALE * n ** SUBPROGRAM_EXPONENT
                   for n in self.subplans.values())


def _shape(v) -> tuple:
    """A value's shape (a Python number's: (); anything without one, a string, ())."""
    shape = getattr(v, "shape", ())
    return shape if type(shape) is tuple else ()


def _node_seconds(prim, ins: list, outs: list, params: dict) -> float:
    """One node's elements made and, for a matrix product or a convolution, its flops."""
    total = 0.0
    for shape in outs:
        total += _numel(shape) * ELEMENT_S
    name = getattr(prim, "name", None)
    if not outs or name is None:
        return total
    if name == "matmul" and ins:
        a = ins[0]
        k = (a[-2] if params.get("transpose_a") else a[-1]) if len(a) >= 2 else 1
        total += 2 * _numel(outs[0]) * (k or 1) * FLOP_S
    elif "conv" in name and len(ins) >= 2:
        w = ins[1]                          # (a filter, its output channels last)
        if w and w[-1]:
            total += 2 * _numel(outs[0]) * _numel(w) // w[-1] * FLOP_S
    return total


class TieredPlan(Plan):
    """A plan that runs as the Session built it until its ``after``-th run, then optimises.

    The pipeline (``compiler.Pipeline``) optimises a plan only once it runs a second time:
    ``sess.run(init)``, a one-off ``sess.run(t)`` or a graph built for one batch never pays for
    the passes and the Numba compilation.  Reading what the optimiser made (``compiler``,
    ``optimized_steps``, ``program``, ``compiled_run``) optimises now; the runs that follow
    then use it.

    ``adaptive`` (the Session's default, when neither ``Pipeline(after=...)`` nor
    ``DLCORE_OPTIMIZE_AFTER`` fixes the run): on the ``after``-th run the passes run and the
    code is generated, and the plan keeps running as built until its runs as built are
    expected to have taken as long as compiling that code (``compile_seconds`` over
    ``run_seconds``), then switches: a JIT's hotness threshold scaled by what the compilation
    costs (the rent-or-buy rule, so a program spends at most about twice the time of the best
    choice made knowing its length).  A short program (a tutorial's few epochs, an
    evaluation, a test) is not stalled by a compilation its remaining runs could not repay:
    the Keras GNN tutorial took 106 s with every plan compiled on its second run and an empty
    disk cache, against 3.3 s warm.  Both estimates come from the plan's text and shapes, not
    from clocks or the disk cache, so the run at which a plan switches, and with it every
    value a program computes, is the same from run to run and machine to machine (the compiled
    code rounds differently from the interpreter in places: a switch that moved with the load
    made a tutorial's last loss 0.33 in one run and 0.002 in another, issue 19).  A plan with
    a cond or a loop is costed on its ``after``-th run, which runs as built and counts each
    trip of its loops and each branch taken (``RunCost``: the same data, the same count), and
    its compilation includes the sub-programs the compiled plan would make of the sub-plans
    that ran (``RunCost.compile_seconds``): the Keras IMDB LSTM tutorial's test took 16.9 s
    with its training plan compiled on the second run and an empty disk cache, 3.8 s costed
    (warm: 1.26 and 1.07 s).
    """

    def __init__(self, session, plan: Plan, feed_values, passes, after: int, optimize,
                 adaptive: bool = False):
        super().__init__()
        self.device, self.ctx, self.ops = plan.device, plan.ctx, plan.ops
        self.fed, self.fetches, self.writes_state = plan.fed, plan.fetches, plan.writes_state
        self.copies = False
        nfeeds, nout = len(plan.feed_slots), len(plan.fetch_slots)
        self.feed_slots = ins = tuple(range(nfeeds))
        self.nslots = nfeeds + nout
        self.fetch_slots = tuple(None if s is None else nfeeds + k
                                 for k, s in enumerate(plan.fetch_slots))
        self.slot_of = {}
        self.one_step = True            # the Session calls steps[0][0](*feeds) directly
        self.original = plan
        self._args = (session, [_Shape(v) for v in feed_values], passes)
        self._optimize = optimize           # the pipeline's optimize(session, plan, ...)
        self._optimized = None
        # (adaptive) the optimised plan, waiting for the run ``_switch_at``
        self._adaptive = adaptive
        self._pending = None
        self._switch_at = after
        # (adaptive, a plan with a cond or a loop) the compilation's estimate, until the run
        # that costs the runs as built (``_costed_run``)
        self._compile_cost: float | None = None
        # held while optimising: threads reaching the switch together optimise once
        self._lock = threading.RLock()
        # its runs so far (a Session's first run may have run the key without a plan:
        # _direct_run.count_direct_run counts it)
        calls = self._calls = {"n": 0}
        steps, nslots = plan.steps, plan.nslots
        feed_slots, fetch_slots = plan.feed_slots, plan.fetch_slots

        # run_tiered reaches the plan through a weak reference: the plan holds run_tiered (in
        # steps), so a strong one would make every plan a reference cycle, left for the cyclic
        # garbage collector when its Session closes (a graph built per batch drops one plan
        # per step).  The Session holds the plan while it calls the step; a step called after
        # its plan is gone (nobody does) runs as built.
        me = weakref.ref(self)

        def run_tiered(*feeds):
            plan = me()
            if plan is not None:
                opt = plan._optimized
                if opt is not None:
                    return opt(*feeds)
            trace = current_trace()
            calls["n"] += 1
            if calls["n"] >= after and trace is None and plan is not None:
                fn = plan._try_optimized()
                if fn is not None:
                    return fn(*feeds)
                if plan._compile_cost is not None:      # (adaptive, a cond or a loop)
                    return plan._costed_run(feeds)
            return _run(steps, nslots, feed_slots, fetch_slots, feeds, trace)
        self.steps = [(run_tiered, ins, slice(nfeeds, nfeeds + nout), {}, None)]

    def _try_optimized(self):
        """The optimised step, optimising now, unless another thread is optimising this plan
        (or, adaptive, before the run it switches on): then None, and this run is interpreted
        rather than waiting for (or repeating) the other thread's passes and compilation."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            return self.optimized(wait=self._adaptive)
        finally:
            self._lock.release()

    def optimized(self, wait: bool = False):
        """Optimise now (once, whichever threads ask); the step function of the optimised
        plan.  ``wait`` (an adaptive plan's run): None before the run it switches on
        (``TieredPlan``)."""
        if self._optimized is not None:
            return self._optimized
        with self._lock:
            if self._optimized is not None:
                return self._optimized
            plan = self._pending
            if plan is None:
                session, shapes, passes = self._args
                plan = self._optimize(session, self.original, shapes, passes)
                if self._adaptive:
                    self._pending = plan
                    cost = compile_seconds(plan)
                    if cost > 0 and _has_control_flow(self.original):
                        # this run, as built, is costed as it goes (``_costed_run``)
                        self._compile_cost = cost
                        self._switch_at = sys.maxsize
                    elif cost > 0:
                        run = run_seconds(self.original, getattr(plan, "program", None))
                        runs = math.ceil(cost / max(run, STEP_S))
                        self._switch_at = self._calls["n"] + runs
            if wait and self._calls["n"] < self._switch_at:
                return None
            self._pending = None
            self._plan = plan
            self._optimized = plan.steps[0][0]
            # the Session's loop calls the optimised step itself from now on (one Python call
            # less per run than through run_tiered)
            _, ins, out, params, op = self.steps[0]
            self.steps[0] = (self._optimized, ins, out, params, op)
        return self._optimized

    def _costed_run(self, feeds) -> tuple:
        """A run as built, costed as it runs (``RunCost``: its loops' trips, the branches its
        conds take); the plan then switches once its runs as built are expected to have taken
        as long as compiling its code.  Another thread's run meanwhile is not costed; a run
        that fails leaves the costing to the next."""
        cost, self._compile_cost = self._compile_cost, None
        plan = self.original
        if cost is None:
            return _run(plan.steps, plan.nslots, plan.feed_slots, plan.fetch_slots, feeds)
        counter = RunCost()
        t0 = time.perf_counter()        # (for the log only: the switch is not timed)
        try:
            out = _run(plan.steps, plan.nslots, plan.feed_slots, plan.fetch_slots, feeds,
                       counter=counter)
        except BaseException:
            self._compile_cost = cost
            raise
        took = time.perf_counter() - t0
        cost += counter.compile_seconds()
        self._switch_at = self._calls["n"] + math.ceil(cost / max(counter.seconds, STEP_S))
        logger.info("a plan with control flow costed: a run as built about %.3g ms (this one "
                    "took %.3g ms, costing included), its compilation about %.3g s (%d "
                    "sub-programs): compiled from run %d", counter.seconds * 1e3, took * 1e3,
                    cost, len(counter.subplans), self._switch_at)
        return out

    @property
    def compiler(self):
        self.optimized()
        return getattr(self._plan, "compiler", None)

    @property  # (a TieredPlan computes it; a plain Plan carries it as an attribute)
    def optimized_steps(self):  # type: ignore[override]
        self.optimized()
        return getattr(self._plan, "optimized_steps", self._plan.steps)

    @property
    def tier(self) -> str:
        """Where the plan is, without optimising it: ``"built"`` (it runs as the Session
        built it), ``"waiting"`` (optimised, and run as built until the run it switches on,
        ``switch_at``: adaptive) or ``"optimized"``."""
        if self._optimized is not None:
            return "optimized"
        return "waiting" if self._pending is not None else "built"

    @property
    def switch_at(self) -> int:
        """The run from which the optimised plan is used (its ``after``; adaptive, once
        optimised, ``after`` plus the runs that pay for the compilation)."""
        return self._switch_at

    @property
    def program(self):
        self.optimized()
        return getattr(self._plan, "program", None)

    @property
    def compiled_run(self):
        self.optimized()
        return getattr(self._plan, "compiled_run", None)


class _Shape:
    """The shape and dtype of a feed value, kept instead of the value itself."""

    def __init__(self, v):
        self.shape, self.dtype = tuple(v.shape), v.dtype
