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
"""

from __future__ import annotations

import logging

import numpy as np

from dlcore.ops.elementwise import add_p
from dlcore.registry import AVal

from .. import control_flow as _cf
from .. import loop_history
from ..graph import Operation, Tensor
from ..loop_history import (
    is_forward_op,
    link_gradient,
    picks_for,
    put,
    register_forward,
    run_gradient,
    truthy,
    unwrap_identity,
)
from ..plan import STATEFUL_TYPES, Plan, executor_for
from .accumulators import find_updates, gradient_updates, owned_copy, scatter_into
from .emit_numba import Unsupported
from .ir import Node, Program, Val, infer_shapes

logger = logging.getLogger("dlcore_static.compiler")
MAX_SPECIALISATIONS = 16


def _key(args) -> tuple:
    """The shapes and dtypes of ``args``: what a compiled sub-program is specialised on."""
    try:
        return tuple((a.shape, a.dtype) for a in args)
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
            kind = "prim" if op.prim is not None else ("const" if op.type == "Const"
                                                       else "graph")
            n = Node(kind, op.name, op.type, op=op, prim=op.prim, params=op.params,
                     inputs=[val_of[t] for t in op.inputs],
                     avals=[t.aval for t in op.outputs],
                     control=[node_of[c] for c in op.control_inputs if c in node_of],
                     value=op.attrs.get("value") if kind == "const" else None,
                     defined_at=op.defined_at)
            node_of[op] = n
            for t in op.outputs:
                val_of[t] = n.out(t.value_index)
            self.prog.nodes.append(n)
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
        from . import optimize_program
        avals = [AVal(tuple(np.shape(a)), a.dtype if hasattr(a, "dtype") else
                      np.asarray(a).dtype) for a in args]
        sub, outputs = self.build(avals)
        plan = optimize_program(self.session, sub.prog, sub.plan(outputs), self.passes)
        report = plan.compiler
        self.status.programs[self.what] = report
        if not report.compiled:
            logger.info("compile pass: %s runs in the interpreter: %s", self.what,
                        "; ".join(report.log[-1:]))
        fn = plan.steps[0][0]
        return fn, [f.aval for f in plan.program.fetches], report


def _same_shapes(avals: list, args) -> bool:
    return all(a.fully_defined and tuple(a.shape) == tuple(np.shape(x))
               for a, x in zip(avals, args))


def _loops_with_gradients(graph) -> set:
    return {op.attrs["forward"] for op in graph._ops if op.type == "WhileGrad"}


# ============================================================================ while_loop
class _Loop:
    """The compiled pieces of one While op: its cond, and its body fused with the next cond
    (``step``), per input shapes and per history layout."""

    def __init__(self, op: Operation, session, passes, status: ControlStatus):
        self.op = op
        self.session = session
        self.passes = passes
        self.status = status
        self.n = op.attrs["nvars"]
        self.ctx = op.attrs["context"]
        self.lvars = list(op.attrs["loop_vars"])
        self.caps = list(op.inputs[self.n:])
        self.index = {t: j for j, t in enumerate(self.lvars)}
        self.outs = [unwrap_identity(t) for t in op.attrs["body_outputs"]]
        self.max_iter = _cf._max_iter(op)
        self.fused = self.max_iter is None    # with a bound the cond may not run past it
        self.cond_spec = Specialised(session, passes, self._build_cond, "cond", status)
        self.step_specs: dict = {}
        self.runners: dict = {}
        self.unsupported: str | None = None

    def _sub(self, avals) -> SubProgram:
        return SubProgram(self.session.device, self.ctx, self.lvars + self.caps, avals)

    def _build_cond(self, avals):
        sub = self._sub(avals)
        pred = sub.add([self.op.attrs["pred"]])
        sub.finish(pred)
        return sub, [self.op.attrs["pred"]]

    def _build_step(self, avals, inter: list, updates: dict):
        sub = self._sub(avals)
        if inter:           # a history is kept: inner loops with gradients keep theirs too
            sub.prog.keep_loops = _loops_with_gradients(self.op.graph)
        # an accumulator's new value is made by the loop: the program returns its row update
        outs = [self.lvars[j] if j in updates else t for j, t in enumerate(self.outs)]
        rows = [t for j in sorted(updates) for t in updates[j].inputs[:2]]
        new = sub.add(outs + inter + rows)
        fetch = list(new)
        if self.fused:
            binding = dict(zip(self.lvars, new[:self.n]))
            fetch += sub.add([self.op.attrs["pred"]], binding)
        sub.finish(fetch)
        return sub, outs + inter + rows

    def _updates(self, layout: tuple) -> dict:
        """The accumulators the loop writes in place (``accumulators.py``)."""
        ops = _prune(self.outs + [self.op.attrs["pred"]] + list(layout),
                     set(self.lvars) | set(self.caps), self.ctx)
        return find_updates(self.lvars, self.outs, self.ctx, ops, set(layout))

    def runner(self, args, layout: tuple) -> tuple:
        """``(cond, step, picks, prepare)`` for ``run_forward`` on inputs like ``args``;
        ``prepare(vals)`` gives the loop the buffers it writes into."""
        k = (_key(args), layout)
        r = self.runners.get(k)
        if r is None:
            if len(self.runners) >= MAX_SPECIALISATIONS:
                self.runners.clear()
            r = self.runners[k] = self._make(k[0], args, layout)
        return r

    def _make(self, key, args, layout: tuple) -> tuple:
        inter = [t for t in layout if t not in self.index]
        picks = picks_for(layout, self.index, inter)
        n, ni = self.n, len(inter)
        try:
            if self.unsupported is not None:
                raise Unsupported(self.unsupported)
            cf = self.cond_spec.get(key, args)[0]
            spec = self.step_specs.get(layout)
            if spec is None:
                updates = self._updates(layout)
                spec = self.step_specs[layout] = Specialised(
                    self.session, self.passes,
                    lambda avals: self._build_step(avals, inter, updates),
                    "body" if not layout else "body keeping a history", self.status)
                spec.updates = updates
            sf, out_avals, _ = spec.get(key, args)
            if not _same_shapes(out_avals[:n], args[:n]):
                raise Unsupported("a loop variable changes shape")
        except Unsupported as e:
            self.unsupported = self.status.interpreted = str(e)
            logger.info("compile pass: %s runs in the interpreter: %s", self.op.name, e)
            step, picks = _cf._body_runner(self.session, self.op, layout)
            return _cf._cond_runner(self.session, self.op), step, picks, _contiguous
        # (loop variable, position of its row values in the outputs, the graph's scatter_add)
        ups = [(j, n + ni + 2 * k, spec.updates[j]) for k, j in enumerate(sorted(spec.updates))]
        end = n + ni

        def cond_(vals, caps):
            return cf(*vals, *caps)[0]

        def step(vals, caps):
            r = sf(*vals, *caps)
            new = list(r[:n])
            for j, pos, sop in ups:
                acc = vals[j]
                scatter_into(acc, r[pos], r[pos + 1], sop)
                new[j] = acc
            return new, r[n:end], (r[-1] if self.fused else None)

        def prepare(vals):
            vals = _contiguous(vals)
            for j, _, _ in ups:
                vals[j] = owned_copy(vals[j])
            return vals
        return cond_, step, picks, prepare


def _contiguous(vals: list) -> list:
    """The values as the compiled programs take them (C-contiguous arrays), made once per loop
    rather than in every iteration's call."""
    return [v if type(v) is not np.ndarray or v.flags.c_contiguous else np.ascontiguousarray(v)
            for v in vals]


def _while_executor(op: Operation, session, device, passes):
    status = ControlStatus(op)
    loop = _Loop(op, session, passes, status)
    state = register_forward(session, op)
    n, max_iter = loop.n, loop.max_iter

    def while_(*args):
        status.runs += 1
        keep = state.keeps_history
        layout = state.saved if keep else ()
        cond_, step, picks, prepare = loop.runner(args, layout)
        vals, history = loop_history.run_forward(cond_, step, prepare(list(args[:n])),
                                                 _contiguous(list(args[n:])), max_iter,
                                                 picks if keep else None)
        if keep:
            put(op, args, layout, history, state.consumers)
        return vals[0] if n == 1 else tuple(vals)
    while_.status = status
    return while_, {}


# ============================================================================ WhileGrad
def _while_grad_executor(op: Operation, session, device, passes):
    p = _cf.grad_parts(op)
    fwd, n, ctx = p["fwd"], p["n"], p["ctx"]
    caps, fcaps, saved, gys, extra = p["caps"], p["fcaps"], p["saved"], p["gys"], p["extra"]
    cap_index = p["cap_index"]
    ncap, nfv, nsaved = len(caps), len(p["fv"]), len(saved)
    state = link_gradient(session, fwd, saved)
    status = ControlStatus(op)
    loop = _Loop(fwd, session, passes, ControlStatus(fwd))
    single = len(op.outputs) == 1
    accs = [f"acc_{c.name}" for c in fcaps]
    # the gradient of a capture read one row at a time is added into its sum in place
    ups = gradient_updates(p["gouts"][nfv:], ctx)
    where: list = []                         # per float capture: (output position, update op)
    pos = nfv
    for k in range(len(fcaps)):
        where.append((pos, ups.get(k)))
        pos += 2 if k in ups else 1

    def build(avals):
        # inputs: saved values, gradients of the float loop variables, the sums of the
        # captures' gradients so far, captures, extra outer tensors
        sub = SubProgram(session.device, ctx, saved + gys + accs + caps + extra, avals)
        wanted = list(p["gouts"][:nfv])
        for k, g in enumerate(p["gouts"][nfv:]):
            wanted += list(ups[k].inputs[:2]) if k in ups else [g]
        outs = sub.add(wanted, skip_control=lambda o, c: is_forward_op(op, c))
        acc_vals = sub.feeds[nsaved + nfv:nsaved + nfv + len(fcaps)]
        fetch = list(outs[:nfv])
        for k, (a, (at, sop)) in enumerate(zip(acc_vals, where)):
            if sop is not None:
                fetch += outs[at:at + 2]
            else:
                fetch.append(sub.node(add_p, f"{op.name}/acc{k}", [a, outs[at]]))
        sub.finish(fetch)
        return sub, wanted
    vjp_spec = Specialised(session, passes, build, "gradient body", status)
    unsupported: list = []
    interp: list = []

    def forward(init, cap_vals, picks, inter):
        status.recomputed += 1
        cond_, step, _, prepare = loop.runner(init + cap_vals, tuple(saved))
        return loop_history.run_forward(cond_, step, prepare(init), _contiguous(cap_vals),
                                        p["max_iter"], picks)[1]

    def while_grad(*args):
        status.runs += 1
        if unsupported:
            if not interp:
                interp.append(_cf._while_grad_factory(op, session, device, state)[0])
            return interp[0](*args)
        cap_vals = list(args[n:n + ncap])
        seeds = _contiguous(list(args[n + ncap:n + ncap + nfv]))
        tail = _contiguous(cap_vals + list(args[n + ncap + nfv:]))
        history, consume = _cf.history_for(p, state, args, forward)
        gcaps = [np.zeros(np.shape(cap_vals[i]), cap_vals[i].dtype) for i in cap_index]

        def vjp(sv, gvars, gc):
            ins = sv + gvars + gc + tail
            fn = vjp_spec.get(_key(ins), ins)[0]
            r = fn(*ins)
            new = []
            for k, (at, sop) in enumerate(where):
                if sop is None:
                    new.append(r[at])
                else:
                    scatter_into(gc[k], r[at], r[at + 1], sop)
                    new.append(gc[k])
            return list(r[:nfv]), new
        try:
            gvars, gcaps = run_gradient(vjp, history, seeds, gcaps, consume)
        except Unsupported as e:
            logger.info("compile pass: %s runs in the interpreter: %s", op.name, e)
            unsupported.append(str(e))
            status.interpreted = str(e)
            status.runs -= 1
            return while_grad(*args)
        out = tuple(gvars) + tuple(gcaps)
        return out[0] if single else out
    while_grad.status = status
    return while_grad, {}


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

    def cond_(pred, *captured):
        status.runs += 1
        if interp:
            return interp[0](pred, *captured)
        i = 0 if truthy(pred) else 1
        try:
            fn = specs[i].get(_key(captured), captured)[0]
        except Unsupported as e:
            logger.info("compile pass: %s runs in the interpreter: %s", op.name, e)
            status.interpreted = str(e)
            interp.append(_cf._cond_factory(op, session, device)[0])
            return interp[0](pred, *captured)
        r = fn(*captured)
        return r[0] if single else tuple(r)
    cond_.status = status
    return cond_, {}


_EXECUTORS = {"While": _while_executor, "WhileGrad": _while_grad_executor,
              "Cond": _cond_executor}


def executor(op: Operation, session, device, passes) -> tuple:
    """``(fn, params)`` running control-flow op ``op`` with compiled sub-programs."""
    if device.type != "cpu":
        return executor_for(op, session, device)
    return _EXECUTORS[op.type](op, session, device, passes)
