"""Graph passes and a whole-plan compiler for ``dlcore_static`` (TensorFlow's Grappler idea, small).

A static graph is known before it runs, so it can be rewritten before it runs.  The Session
builds a ``Plan`` for each (fetches, feed shapes and dtypes); with passes switched on, the plan
is copied into a small IR (``ir.py``) and rewritten by named passes, each in its own module:

=================  ==========================================================================
``prune``          drop nodes no fetch needs (``prune.py``)
``constant_folding``  compute constant subgraphs once (``constant_folding.py``)
``simplify``       algebraic identities: ``x*1``, ``x+0``, ``x**2 -> x*x``, transposes (``simplify.py``)
``cse``            merge duplicate pure nodes (``cse.py``)
``fusion``         elementwise chains -> one generated kernel each (``fusion.py``, ``loops.py``)
``compile``        the whole plan -> one generated Numba function on the CPU (``codegen.py``);
                   on CUDA one generated function calling the kernels (``cuda_glue.py``)
=================  ==========================================================================

Switch them per Session::

    sess = tf.Session(passes="all")                    # every pass (also: True)
    sess = tf.Session(passes=())                       # none: the plain interpreter (False)
    sess = tf.Session(passes=["constant_folding", "fusion"])
    sess = tf.Session(passes={"compile": False})       # all but one

or for every Session that does not say: ``DLCORE_PASSES=all`` (or ``none``, or a comma list).
Whatever the passes, a plan runs as built on its first run and is optimised on its second
(``Pipeline``'s ``after``; ``DLCORE_OPTIMIZE_AFTER=1`` optimises before the first run), so a
plan that runs once never pays for them; by default the optimised plan is used from the run
by which the runs as built are expected to have paid for its compilation (``runner.TieredPlan``:
estimated from the plan's code and shapes, so the same run every time).
The Session does not import this package: ``Session(passes=...)`` builds a ``Pipeline`` through
the factory that ``dlcore_static/__init__`` installs, and ``Session(pipeline=...)`` takes one
directly.

Seeing what they did: ``explain(sess, fetches, feed_dict)`` returns the node counts before and
after each pass and the log lines; ``sess.plan(fetches, feed_dict).compiler`` holds the same
report for a cached plan; ``dlcore_static.viz.draw_compiler_passes(sess, fetches, feed_dict)``
draws the program before and after (the compiler itself knows nothing of pictures).
``run_metadata`` keeps working: a traced run executes the optimised program step by step, and a
fused step is reported under a name listing the ops it contains.

Recompiles: a plan is built (and compiled) only when its key changes: the fetches, the fed
tensors with their shapes and dtypes, or the passes.  ``explain_recompiles(True)`` (or
``DLCORE_LOG_RECOMPILES=1``) logs each rebuild and *which part of the key changed*, in the spirit
of JAX's ``explain_cache_misses`` (``recompiles.py``).
"""

from __future__ import annotations

import os
import time
from typing import NamedTuple

import numpy as np

from dlcore.registry import AVal

from .. import _gc_pause
from ..runtime import from_signal_handler
from . import constant_folding, cse, fusion, prune, simplify
from . import control as _control
from .ir import Program, from_plan, lower
from .recompiles import explain_recompiles, note_plan_built
from .runner import TieredPlan, single_step_plan

PASSES: tuple[str, ...] = ("prune", "constant_folding", "simplify", "cse", "fusion", "compile")
DEFAULT_PASSES = "all"          # for a Session that does not say (tf.Session())
DEFAULT_OPTIMIZE_AFTER = 2       # plans are optimised on their second run (Pipeline)
GRAPH_PASSES = {"prune": prune.run, "constant_folding": constant_folding.run,
                "simplify": simplify.run, "cse": cse.run}

__all__ = [
    "PASSES",
    "Pipeline",
    "explain",
    "explain_recompiles",
    "optimize",
    "optimize_program",
    "resolve_passes",
    "session_hook",
]


def resolve_passes(passes) -> tuple[str, ...]:
    """Normalise a ``passes`` option to a tuple of pass names, in pipeline order."""
    if passes is None:
        passes = os.environ.get("DLCORE_PASSES", DEFAULT_PASSES)
    if passes is True or passes == "all":
        return PASSES
    if passes is False or passes == "none" or passes == "":
        return ()
    if isinstance(passes, str):
        passes = [p.strip() for p in passes.split(",") if p.strip()]
    if isinstance(passes, dict):
        chosen = {p for p in PASSES if passes.get(p, True)}
        unknown = set(passes) - set(PASSES)
    else:
        chosen = set(passes)
        unknown = chosen - set(PASSES)
    if unknown:
        raise ValueError(f"unknown graph pass(es) {sorted(unknown)}; the passes are "
                         f"{list(PASSES)}")
    return tuple(p for p in PASSES if p in chosen)


class Report:
    """What the passes did to one plan: node counts after each pass, timings, log lines."""

    def __init__(self):
        self.counts: list[tuple[str, dict]] = []
        self.seconds: dict[str, float] = {}
        self.log: list[str] = []
        self.compiled = False
        self.codegen: dict = {}
        self._programs: dict[str, Program] = {}
        self._replay: tuple | None = None     # (input copy, pass names, passes): see programs

    @property
    def programs(self) -> dict:
        """{stage: Program}: the input and the program after each pass (for ``explain`` and
        ``viz.draw_compiler_passes``).  Only the input is copied while optimising; the later
        stages are made on first access by replaying the (deterministic) passes on a copy of
        it, so a plan nobody inspects pays for one copy, not one per pass (a 420-node tree plan
        spent 20% of its optimisation copying)."""
        if self._replay is not None:
            start, names, passes = self._replay
            self._replay = None
            if callable(start):              # remade from the plan (see optimize)
                start = self._programs["input"] = start()
            prog = start.copy()
            for name in names:
                _apply_pass(prog, name, passes)
                self._programs[name] = prog.copy()
        return self._programs

    @programs.setter
    def programs(self, value: dict) -> None:
        self._programs, self._replay = value, None

    def table(self) -> str:
        lines = [f"{'after':18s} {'nodes':>6s} {'ms':>8s}  kinds"]
        for name, c in self.counts:
            kinds = ", ".join(f"{k}={v}" for k, v in c.items() if k != "nodes")
            s = self.seconds.get(name)
            ms = f"{s * 1e3:8.2f}" if s is not None else " " * 8
            lines.append(f"{name:18s} {c['nodes']:6d} {ms}  {kinds}")
        if "compile" in self.seconds:
            lines.append(f"{'compile':18s} {'':6s} {self.seconds['compile'] * 1e3:8.2f}  "
                         "(code generation; Numba compiles on the first call)")
        if "first_call" in self.seconds:
            lines.append(f"{'first call':18s} {'':6s} {self.seconds['first_call'] * 1e3:8.2f}  "
                         "(Numba compilation or its disk cache, and one run)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.table() + ("\n" + "\n".join(self.log) if self.log else "")


def optimize(session, plan, feed_values, passes) -> object:
    """Run ``passes`` over ``plan``; return the plan the Session should run instead.

    CPython's cyclic garbage collector is paused meanwhile (``dlcore_static/_gc_pause.py``: a
    10,000-op training chain spent 3 s of 15 in collections, issue 19); a plan optimised on
    its second run (``TieredPlan``) is not built inside the Session's own pause."""
    report = Report()
    if not plan.steps or any(op is None for *_, op in plan.steps):
        report.log.append("passes skipped: the plan copies values between devices")
        plan.compiler = report
        return plan
    # the input program, for ``Report.programs``, is remade from what from_plan reads rather
    # than copied (a copy of a 35,000-node program took 0.3 s and kept 250,000 objects alive)
    source = _PlanSource(plan.device, list(plan.fed), plan.ops, list(plan.fetches),
                         [AVal(tuple(v.shape), np.dtype(v.dtype)) for v in feed_values])
    return _gc_pause.call(_optimize_plan, session, plan, feed_values, passes, report, source)


def _optimize_plan(session, plan, feed_values, passes, report, source):
    """``optimize``'s work, run with the cyclic collector paused."""
    prog = from_plan(plan, feed_values)
    return optimize_program(session, prog, plan, passes, report,
                            discard=session.variables.discard,
                            source=lambda: from_plan(source, source.avals))


class _PlanSource(NamedTuple):
    """What ``from_plan`` reads of a plan and its feeds (shapes and dtypes only)."""

    device: object
    fed: list
    ops: list
    fetches: list
    avals: list


def optimize_program(session, prog: Program, plan, passes, report: Report | None = None,
                     discard=None, source=None) -> object:
    """The passes, lowering and the compile pass for a Program (a Session plan's, or a loop
    body's or cond branch's: ``control.py``); ``plan`` gives the device and the names;
    ``source()``, when given, remakes ``prog`` as it is now (else it is copied) for
    ``Report.programs``."""
    report = report if report is not None else Report()
    report.counts.append(("input", prog.counts()))
    start = source if source is not None else prog.copy()
    report.programs = {} if source is not None else {"input": start}
    names = []
    for name in PASSES:
        if name not in passes or name == "compile":
            continue
        t0 = time.perf_counter()
        n = _apply_pass(prog, name, passes)
        report.seconds[name] = time.perf_counter() - t0
        report.counts.append((name, prog.counts()))
        report.log.append(f"{name}: {n} change(s)")
        names.append(name)
    if names or source is not None:
        report._replay = (start, names, passes)
    kernel_for = _kernel_factory(plan.device)
    lowered = lower(prog, plan, session, kernel_for)
    compiled = None
    if "compile" in passes:
        t0 = time.perf_counter()
        from . import codegen
        try:
            compiled, info = codegen.compile_plan(prog, lowered, session, passes)
        except Exception as e:                     # noqa: BLE001 - the interpreter still works
            if from_signal_handler(e):
                raise                       # (a user's handler: the run stops, nothing ran)
            compiled, info = None, f"code generation failed: {type(e).__name__}: {e}"
        report.seconds["compile"] = time.perf_counter() - t0
        if compiled is not None:
            report.compiled = True
            report.codegen = info
            what = "Numba code" if plan.device.type == "cpu" else \
                "glue calling its numba.cuda kernels"
            report.log.append(f"compile: the whole plan runs as generated {what} "
                              f"({info['compiled_nodes']} nodes compiled, "
                              f"{len(info['python_nodes'])} left to Python)")
        else:
            report.log.append(f"compile: fell back to the interpreter: {info}")
            codegen.log_fallback(info, plan)
    new = single_step_plan(lowered, len(prog.feeds), compiled, report, discard=discard)
    new.compiler = report
    new.program = prog
    return new


_control.use_pipeline(optimize_program)


def _apply_pass(prog: Program, name: str, passes) -> int:
    """Run graph pass ``name`` on ``prog`` (then prune, when pruning is on); the changes."""
    if name in GRAPH_PASSES:
        n = GRAPH_PASSES[name](prog)
        if name != "prune" and "prune" in passes:
            prune.run(prog)
        return n
    return fusion.run(prog)


def _kernel_factory(device):
    if device.type == "cuda":
        from . import cuda_fusion
        return cuda_fusion.cuda_kernel
    return fusion.cpu_kernel


class Pipeline:
    """What a ``Session`` hands each plan it builds to: ``Session(passes=...)`` makes
    ``Pipeline(passes)`` (``dlcore_static/__init__`` installs this class as the Session's
    pipeline factory, so the session module never imports the compiler).

    Called as ``pipeline(session, plan, fetches, fed, feed_values)`` on each plan-cache miss:
    logs the rebuild (``recompiles.py``), then returns the plan to run: the same plan (no
    passes, or values copied between devices), a ``TieredPlan`` that runs as built and
    optimises on its ``after``-th run, or (``after`` 1) the optimised plan.

    When (``after``): a JIT's tiering, whatever the passes (TensorFlow's XLA lazy compilation
    likewise runs a cluster through the plain executor for its first runs).  A plan is
    interpreted on its first run and optimised on its second (``DEFAULT_OPTIMIZE_AFTER``), so a
    plan that runs once (``sess.run(init)``, a one-off fetch, a graph built for one batch of
    trees) never pays for the passes and the Numba compilation, and a training loop pays once.
    ``after`` is the argument, else ``DLCORE_OPTIMIZE_AFTER``, else 2; ``after=1`` optimises
    before the first run (as tests/compiler do, to test the optimised plan itself).  Given
    neither, the plan is adaptive (``runner.TieredPlan``): optimised on its second run, it
    switches to the compiled code once its runs as built are expected to have taken as long
    as its compilation (``compile_seconds`` over ``run_seconds``: from the plan alone; a plan
    with a cond or a loop from its second run, costed trip by trip: ``runner.RunCost``).
    """

    def __init__(self, passes=None, after: int | None = None):
        self.option = passes
        self.after = after
        if passes is not None:
            resolve_passes(passes)              # unknown pass names fail now

    @property
    def passes(self) -> tuple[str, ...]:
        return resolve_passes(self.option)

    def optimizes_first_run(self) -> bool:
        """Does a plan built now run optimised from its first run (passes, ``after`` 1)?  A
        Session whose pipeline does runs its first run through a plan, never without one
        (``dlcore_static._direct_run``)."""
        if not resolve_passes(self.option):
            return False
        after = self.after
        if after is None:
            after = int(os.environ.get("DLCORE_OPTIMIZE_AFTER", DEFAULT_OPTIMIZE_AFTER))
        return after <= 1

    def __call__(self, session, plan, fetches, fed, vals):
        passes = resolve_passes(self.option)
        note_plan_built(session, fetches, fed, vals, passes)
        copies = plan.copies if plan.copies is not None else _has_copies(plan.steps)
        if not passes or not plan.steps or copies or plan.feeds_inside:
            return plan     # nothing to do, values copied between devices, or a fed branch
        after = self.after
        adaptive = False
        if after is None:                   # the default: optimise a plan on its 2nd run,
            fixed = os.environ.get("DLCORE_OPTIMIZE_AFTER")     # and switch to it once its
            adaptive = fixed is None        # compilation is expected to be paid for (runner)
            after = int(fixed) if fixed is not None else DEFAULT_OPTIMIZE_AFTER
        if after > 1:
            return TieredPlan(session, plan, vals, passes, after, optimize, adaptive)
        return optimize(session, plan, vals, passes)


def _has_copies(steps) -> bool:
    """Does the plan copy values between devices (a step without an op)?"""
    for step in steps:
        if step[4] is None:
            return True
    return False


def session_hook(session, plan, fetches, fed, vals):
    """The pipeline of ``session.passes`` applied to ``plan`` (kept for callers of the old
    name)."""
    return Pipeline(getattr(session, "passes", None))(session, plan, fetches, fed, vals)


def explain(session, fetches, feed_dict=None) -> Report:
    """The report of the passes for these fetches and feeds (builds the plan if needed)."""
    plan = session.plan(fetches, feed_dict)
    rep = getattr(plan, "compiler", None)
    if rep is None:
        rep = Report()
        rep.log.append("no passes: this Session runs with passes=()")
    return rep
