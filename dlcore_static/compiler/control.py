"""Compiled control flow: cond branches and while_loop bodies as compiled sub-programs.

The compile pass writes a whole ``cond`` or ``while_loop`` into the plan's Numba code when
every op of its branches or body compiles (``emit_numba.py``).  A body that holds a matmul
does not (BLAS is called from the Python glue between segments), and the gradient of a loop
(``WhileGrad``) never does.  Those nodes run here instead: each branch, loop body and loop
gradient body becomes a *sub-program* compiled exactly like a whole plan (the graph passes,
fusion, then segments of Numba code with BLAS and the other Python-only nodes in the glue:
``optimize_program``), and a Python loop calls it once per iteration::

    pred = cond(lvars, caps)                      # one compiled call
    while pred:
        lvars, saved, pred = step(lvars, caps)    # the body and the next cond: one call
        history.append(saved)                     # what the gradient reads (loop_history.py)

    for saved in reversed(history):               # WhileGrad
        gvars, gcaps = vjp(saved, gvars, gcaps, caps)   # the body's gradient, and the sum of
                                                        # the captures' gradients, in one call

A sub-program is compiled when it first runs, for the shapes and dtypes of its inputs (a
plan's key fixes the feeds' shapes, so this happens once per plan), and kept per shapes.

Not compiled (the interpreter's sub-plans run instead, as without the pass): a branch or body
that assigns variables, and a loop whose variables change shape between iterations.

This module holds the sub-programs and the cond; ``control_loops.py`` the while_loop and its
gradient (with loop-invariant code motion and in-place accumulators).
"""

from __future__ import annotations

import logging
import operator

import numpy as np

from dlcore.registry import AVal

from .. import control_flow as _cf
from ..graph import Operation, Tensor
from ..loop_history import HOST_TYPES, truthy, unwrap_identity
from ..plan import STATEFUL_TYPES, Plan
from .emit_numba import IN_SUB_PROGRAM, Unsupported
from .ir import Node, Program, Val, infer_shapes, node_from_op

#: The compiler's pipeline (``compiler.optimize_program``), set by the compiler package when it
#: loads (``use_pipeline``): a sub-program is optimised by the same passes as the whole plan,
#: and this module, reached from the code generator, does not import the package back.
_PIPELINE: list = []


def use_pipeline(optimize_program) -> None:
    _PIPELINE[:] = [optimize_program]

logger = logging.getLogger("dlcore_static.compiler")
MAX_SPECIALISATIONS = 16


_SHAPE_DTYPE = operator.attrgetter("shape", "dtype")


def _key(args) -> tuple:
    """The shapes and dtypes of ``args``: what a compiled sub-program is specialised on
    (``(shape, dtype)`` per argument, by ``map`` of an ``attrgetter``: 2.4 us for 7 arrays
    where a generator expression took 2.9; a loop's gradient computes one key per iteration)."""
    try:
        return tuple(map(_SHAPE_DTYPE, args))
    except AttributeError:
        return tuple((np.shape(a), np.asarray(a).dtype) for a in args)


# ============================================================================ sub-programs
class SubProgram:
    """An IR Program built from the ops of one control-flow context (not from a Session plan):
    feeds for the inputs, then the ops the outputs need, stopping at the inputs."""

    def __init__(self, device, ctx, inputs: list, avals: list):
        self.prog = Program()
        self.prog.device = device
        self.ctx = ctx
        self.ops: list[Operation] = []
        self.inputs = list(inputs)
        self.val_of: dict = {}
        self.feeds: list[Val] = []
        for k, (t, a) in enumerate(zip(inputs, avals)):
            node = Node("feed", t.name if isinstance(t, Tensor) else f"in{k}", "Feed",
                        avals=[a])
            self.prog.feeds.append(node)
            self.feeds.append(node.out())
            if isinstance(t, Tensor):
                self.val_of[t] = node.out()

    def add(self, outputs: list, binding: dict | None = None, skip_control=None) -> list[Val]:
        """Nodes for the ops of this context that ``outputs`` need; ``binding`` maps more
        tensors to values (``{loop variable: its new value}``); ``skip_control(op, c)``:
        control edges not to follow."""
        val_of = dict(self.val_of)
        val_of.update(binding or {})
        ops = _prune(outputs, set(val_of), self.ctx, skip_control)
        node_of: dict = {}
        for op in ops:
            if op.type in STATEFUL_TYPES:
                raise Unsupported(f"'{op.name}' assigns a variable inside the branch or body")
            self.prog.nodes.append(node_from_op(op, val_of, node_of, self.prog.nodes))
            self.ops.append(op)
        return [val_of[t] for t in outputs]

    def node(self, prim, name: str, inputs: list[Val]) -> Val:
        """A primitive node that no graph op stands for (the sum of a capture's gradients)."""
        n = Node("prim", name, prim.name, prim=prim, inputs=inputs,
                 avals=[prim.abstract_eval(*[v.aval for v in inputs])])
        self.prog.nodes.append(n)
        return n.out()

    def finish(self, fetches: list[Val]) -> Program:
        self.prog.fetches = list(fetches)
        infer_shapes(self.prog)
        self.prog.renumber()
        return self.prog

    def plan(self, outputs) -> Plan:
        """The Plan-shaped record ``lower`` and the runner copy names from."""
        p = Plan()
        p.device = self.prog.device
        p.ctx = self.ctx
        p.ops = list(self.ops)
        p.fed = tuple(t for t in self.inputs if isinstance(t, Tensor))
        p.fetches = tuple(outputs)
        return p


def _prune(outputs, stop: set, ctx, skip_control=None) -> list[Operation]:
    """The ops of ``ctx`` that ``outputs`` need, in creation order (``plan.prune``, with
    control edges that ``skip_control`` rejects left out)."""
    needed: set = set()
    stack: list = []

    def need(t: Tensor) -> None:
        if t in stop:
            return
        op = t.op
        if op not in needed:
            if op._ctx is not ctx:
                raise Unsupported(f"tensor '{t.name}' of another context")
            needed.add(op)
            stack.append(op)

    for t in outputs:
        need(t)
    while stack:
        op = stack.pop()
        for t in op.inputs:
            need(t)
        for c in op.control_inputs:
            if c._ctx is ctx and c not in needed and \
                    (skip_control is None or not skip_control(op, c)):
                needed.add(c)
                stack.append(c)
    return sorted(needed, key=lambda o: o._id)


class ControlStatus:
    """What one compiled control-flow executor did, for tools and tests: the report of each
    compiled sub-program (``Report``, keyed by what it is), why the interpreter's sub-plans ran
    instead (``interpreted``), and for a WhileGrad how often it had to run the forward loop
    itself (``recomputed``: 0 when the forward loop's history was there).  A compiled plan's
    ``explain(...).codegen['control']`` maps each cond/while node left to the glue to its
    status."""

    def __init__(self, op: Operation):
        self.name = op.name
        self.type = op.type
        self.programs: dict = {}
        self.interpreted: str | None = None
        self.recomputed = 0
        self.runs = 0

    @property
    def compiled(self) -> bool:
        """Every sub-program that ran was compiled (and the interpreter never stood in)."""
        return self.interpreted is None and bool(self.programs) and \
            all(r.compiled for r in self.programs.values())

    @property
    def left_to_python(self) -> list[str]:
        """The nodes of the sub-programs left to the glue, with the reason (matmuls: BLAS)."""
        out: list = []
        for r in self.programs.values():
            out += [w for w in r.codegen.get("left_to_python", []) if w not in out]
        return out

    def __repr__(self) -> str:
        how = "compiled" if self.compiled else f"interpreted ({self.interpreted})"
        return f"<{self.type} {self.name}: {how}, {len(self.programs)} sub-program(s)>"


class Specialised:
    """A sub-program compiled once per input shapes: ``get(key, args) -> (fn, out_avals,
    report)`` with ``fn(*args) -> tuple of outputs``.  ``build(avals) -> (SubProgram,
    outputs)``."""

    def __init__(self, session, passes, build, what: str, status: ControlStatus):
        self.session = session
        self.passes = passes
        self.build = build
        self.what = what
        self.status = status
        self.fns: dict = {}

    def get(self, key: tuple, args) -> tuple:
        got = self.fns.get(key)
        if got is None:
            if len(self.fns) >= MAX_SPECIALISATIONS:
                self.fns.clear()
            got = self.fns[key] = self._compile(args)
        return got

    def _compile(self, args) -> tuple:
        optimize_program = _PIPELINE[0]
        avals = [AVal(tuple(np.shape(a)), a.dtype if hasattr(a, "dtype") else
                      np.asarray(a).dtype) for a in args]
        sub, outputs = self.build(avals)
        token = IN_SUB_PROGRAM.set(True)           # small matmuls as loops (emit_numba.py)
        try:
            plan = optimize_program(self.session, sub.prog, sub.plan(outputs), self.passes)
        finally:
            IN_SUB_PROGRAM.reset(token)
        report = plan.compiler
        self.status.programs[self.what] = report
        if not report.compiled:
            logger.info("compile pass: %s runs in the interpreter: %s", self.what,
                        "; ".join(report.log[-1:]))
        fn = plan.steps[0][0]
        return fn, [f.aval for f in plan.program.fetches], report


def contiguous(vals: list) -> list:
    """The values as the compiled programs take them (C-contiguous arrays), made once per loop
    rather than in every iteration's call."""
    return [v if type(v) is not np.ndarray or v.flags.c_contiguous else np.ascontiguousarray(v)
            for v in vals]


# ============================================================================ cond
def _cond_executor(op: Operation, session, device, passes):
    caps = list(op.inputs[1:])
    outs = [[unwrap_identity(t) for t in o] for o in op.attrs["branch_outputs"]]
    ctxs = op.attrs["branches"]
    single = len(op.outputs) == 1

    def builder(i):
        def build(avals):
            sub = SubProgram(session.device, ctxs[i], caps, avals)
            sub.finish(sub.add(outs[i]))
            return sub, outs[i]
        return build
    status = ControlStatus(op)
    specs = [Specialised(session, passes, builder(i), f"{'true' if i == 0 else 'false'} branch",
                         status) for i in (0, 1)]
    interp: list = []
    lasts: list = [(None, None), (None, None)]     # per branch: (key, program) last run

    def cond_(pred, *captured):
        status.runs += 1
        if interp:
            return interp[0](pred, *captured)
        i = 0 if (bool(pred) if type(pred) in HOST_TYPES else truthy(pred)) else 1
        key = _key(captured)
        last = lasts[i]
        try:
            if key == last[0]:          # the shapes of the branch's last run (the common case)
                fn = last[1]
            else:
                fn = specs[i].get(key, captured)[0]
                lasts[i] = (key, fn)
        except Unsupported as e:
            logger.info("compile pass: %s runs in the interpreter: %s", op.name, e)
            status.interpreted = str(e)
            interp.append(_cf._cond_factory(op, session, device)[0])
            return interp[0](pred, *captured)
        r = fn(*captured)
        return r[0] if single else tuple(r)
    cond_.status = status  # type: ignore[attr-defined]  # the executor's status, on it
    return cond_, {}
