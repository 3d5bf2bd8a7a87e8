"""Compiled while_loops and their gradients (the loop parts of ``control.py``).

A ``While`` runs as ``cond`` (one compiled call), then ``step`` per iteration: the body and the
next cond in one compiled sub-program, returning the loop variables' new values, the values
the gradient reads (the history, ``loop_history.py``) and the accumulators' row updates
(``accumulators.py``).  A ``WhileGrad`` runs its gradient body once per kept iteration, in
reverse, the sums of the captures' gradients carried in the same call.

Loop-invariant code motion: ops of a body that read only the loop's captures (a weight's
transpose in the gradient body, a bias broadcast) are computed once per loop, by a *prologue*
sub-program, and handed to every iteration as inputs, C-contiguous: at an LSTM's shapes
``g @ W.T`` with ``W.T`` a transposed view took 434 us against 224 us with a contiguous copy
(OpenBLAS, one thread, (20,800)x(800,400)).  Ops that may raise at run time (gathers) are not
moved, so a loop that runs no iteration raises nothing it would not raise otherwise.  A
prologue whose invariants are all transposed input matrices takes them as views, with no
sub-program.  The invariants' search and the ``Prologue`` live in ``loop_invariants.py``.

Drivers (issue 19): the per-iteration glue is generated Python, one module per loop shape
(``forward_driver``, ``gradient_driver``; files in the cache folder like the plans' glue): the
loop variables live in locals and each iteration is one call of the body's program (and the
row updates of an accumulator the body writes, a TensorArray), for loops whose body holds no
control flow of its own (plan23: also those keeping an accumulator, the LSTM language model's
``dynamic_rnn`` output; they ran through the general loops below).  Such a loop's history
is a ``UniformHistory`` (every entry of the same shapes), so its WhileGrad chooses its compiled
program once per run rather than once per iteration.  Other loops run through
``loop_history.run_forward``/``run_gradient`` as before.  Errors are unchanged: each program
call still goes through the runner's fallback (``runner.single_step_plan``), which names the
failing node.
"""

from __future__ import annotations

import logging

import numpy as np

from dlcore.jitcache import load_generated_module
from dlcore.ops.elementwise import add_p

from .. import control_flow as _cf
from .. import loop_history
from ..graph import Operation
from ..loop_history import (
    HOST_TYPES,
    UniformHistory,
    is_forward_op,
    link_gradient,
    picks_for,
    put,
    register_forward,
    run_gradient,
    truthy,
    unwrap_identity,
)
from ..plan import CONTROL_TYPES, executor_for
from .accumulators import (
    find_updates,
    gradient_matmuls,
    gradient_updates,
    owned_copy,
    scatter_into,
    stacked_product,
)
from .control import (
    MAX_SPECIALISATIONS,
    ControlStatus,
    Specialised,
    SubProgram,
    _cond_executor,
    _key,
    _prune,
    contiguous,
)
from .emit_numba import Unsupported
from .loop_invariants import (
    Prologue,
    invariant_frontier,
    transposed_b_slow,
)

logger = logging.getLogger("dlcore_static.compiler")


def _same_shapes(avals: list, args) -> bool:
    return all(a.fully_defined and tuple(a.shape) == tuple(np.shape(x))
               for a, x in zip(avals, args))


def _loops_with_gradients(graph) -> set:
    return {op.attrs["forward"] for op in graph._ops if op.type == "WhileGrad"}


# ============================================================================ drivers
def forward_driver(n: int, nargs: int, ncap: int, picks: list, cf, sf, ups=()):
    """The forward loop of one compiled runner as generated Python (issue 19): the cond
    program once, then the fused body-and-cond program per iteration, its outputs unpacked into
    locals, and (``keep``) each iteration's saved values appended to the history, with no call
    but the program's and, for an accumulator (``ups``: (loop variable, position of its row
    values in the outputs, the graph's scatter_add), a TensorArray the body writes), the
    rows added into it in place (``accumulators.scatter_into``, as ``compiled_step`` adds
    them).  For loops whose body holds no control flow of its own (so no iteration needs a
    scope of its own, ``loop_history``) and has outputs of fixed shapes: every history entry
    then has the same shapes (``loop_history.UniformHistory``, which the gradient's driver
    relies on).  Returns ``drive(*vals, *caps, keep) -> (vals, history or None)``."""
    vs = [f"v{j}" for j in range(n)]
    cs = [f"c{k}" for k in range(nargs - n)]
    saved = ", ".join(f"r[{n + j}]" if kind else vs[j] for kind, j in picks)
    acc = {j for j, _, _ in ups}
    env = {"_cf": cf, "_sf": sf, "_truthy": truthy, "_host": HOST_TYPES,
           "_History": UniformHistory, "_scatter": scatter_into}
    rows = []
    for j, pos, sop in ups:         # (the accumulator keeps its name: written in place)
        env[f"_sop{j}"] = sop
        rows.append(f"        _scatter({vs[j]}, r[{pos}], r[{pos + 1}], _sop{j})")
    new = [j for j in range(n) if j not in acc]
    lines = [
        f"def drive({', '.join(vs + cs)}, keep, "
        + "".join(f"{k}=env[{k!r}], " for k in env) + "):",
        f"    p = _cf({', '.join(vs + cs[:ncap])})[0]",
        "    hist = _History() if keep else None",
        "    while (bool(p) if type(p) in _host else _truthy(p)):",
        f"        r = _sf({', '.join(vs + cs)})",
        f"        if keep:\n            hist.append(([{saved}], None))",   # (one per iteration)
        *rows,
        (f"        {''.join(vs[j] + ', ' for j in new)}p = "
         f"{''.join(f'r[{j}], ' for j in new)}r[-1]"),
        f"    return [{', '.join(vs)}], hist",
    ]
    return _load("a while_loop's forward loop", [x for x in lines if x], env)


def gradient_driver(nsaved: int, nfv: int, where: list, ntail: int):
    """A WhileGrad's loop over a uniform history as generated Python (issue 19): per
    iteration, last first, the saved values unpacked, one call of the gradient body's program,
    its outputs unpacked into the loop variables' gradients and the captures' sums (``sum``: the
    program's new sum; ``rows``: row updates added in place, ``scatter_into``; ``mm``: the
    factors of the stacked product appended).  ``consume``: the history is emptied after the
    loop.  Returns ``drive(history, consume, fn, *gvars, *sums, *tail) -> (gvars, sums,
    {k: (xs, gs)})``."""
    gs = [f"g{j}" for j in range(nfv)]
    acc = [f"a{k}" for k in range(len(where))]
    tail = [f"t{m}" for m in range(ntail)]
    sv = [f"s{i}" for i in range(nsaved)]
    lines: list = []
    mm = [k for k, (_, how, _) in enumerate(where) if how == "mm"]
    lines += [f"    x{k} = []\n    y{k} = []" for k in mm]
    lines.append("    for sv, _ in reversed(hist):")
    lines.append(f"        {''.join(x + ', ' for x in sv)}= sv" if sv else "        pass")
    lines.append(f"        r = _fn({', '.join(sv + gs + acc + tail)})")
    if gs:
        lines.append(f"        {''.join(g + ', ' for g in gs)}= r[:{nfv}]")
    env: dict = {"_scatter": scatter_into}
    for k, (at, how, sop) in enumerate(where):
        if how == "sum":
            lines.append(f"        a{k} = r[{at}]")
        elif how == "rows":
            env[f"_sop{k}"] = sop
            lines.append(f"        _scatter(a{k}, r[{at}], r[{at + 1}], _sop{k})")
        else:
            lines.append(f"        x{k}.append(r[{at}])\n        y{k}.append(r[{at + 1}])")
    lines.append("    if consume:\n        hist.clear()")
    stacks = ", ".join(f"{k}: (x{k}, y{k})" for k in mm)
    lines.append(f"    return [{', '.join(gs)}], [{', '.join(acc)}], {{{stacks}}}")
    params = ["hist", "consume", "_fn"] + gs + acc + tail + [f"{k}=env[{k!r}]" for k in env]
    lines.insert(0, f"def drive({', '.join(params)}):")
    return _load("a while_loop gradient's loop", lines, env)


def _load(what: str, lines: list, env: dict):
    """``drive`` of the generated module of ``lines`` (its ``def drive``), made with ``env``:
    a real file in the cache folder (``dlcore.jitcache``), so a traceback shows its lines."""
    src = [f'"""Generated by dlcore_static.compiler (control_loops.py): {what}."""', "", "",
           "def make(env):"] + ["    " + x for x in "\n".join(lines).split("\n")] + \
        ["    return drive", ""]
    return load_generated_module("loop", "\n".join(src)).make(env)


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
        self.parts: dict = {}                 # layout -> (updates, frontier, prologue, spec)
        self.runners: dict = {}
        self.unsupported: str | None = None
        # a body or cond holding control flow of its own (whose loops may keep histories in
        # the iteration's scope) runs through ``loop_history.run_forward``, never a driver
        self.nested = any(o.type in CONTROL_TYPES for o in self.ctx_ops())

    def ctx_ops(self) -> list:
        pred = [self.op.attrs["pred"]]
        return _prune(self.outs + pred, set(self.lvars) | set(self.caps), self.ctx)

    def _build_cond(self, avals):
        sub = SubProgram(self.session.device, self.ctx, self.lvars + self.caps, avals)
        pred = sub.add([self.op.attrs["pred"]])
        sub.finish(pred)
        return sub, [self.op.attrs["pred"]]

    def _wanted(self, updates: dict, inter: list) -> list:
        """What the step program computes: new values (an accumulator's: its row update, at
        the end), the saved intermediates, the rows and indices of the updates."""
        outs = [self.lvars[j] if j in updates else t for j, t in enumerate(self.outs)]
        rows = [t for j in sorted(updates) for t in updates[j].inputs[:2]]
        return outs + inter + rows

    def _build_step(self, avals, inter: list, updates: dict, frontier: list):
        sub = SubProgram(self.session.device, self.ctx, self.lvars + self.caps + frontier,
                         avals)
        if inter:           # a history is kept: inner loops with gradients keep theirs too
            sub.prog.keep_loops = _loops_with_gradients(self.op.graph)
        wanted = self._wanted(updates, inter)
        fetch = list(sub.add(wanted))
        if self.fused:
            binding = dict(zip(self.lvars, fetch[:self.n]))
            fetch += sub.add([self.op.attrs["pred"]], binding)
        sub.finish(fetch)
        return sub, wanted

    def _parts(self, layout: tuple) -> tuple:
        got = self.parts.get(layout)
        if got is None:
            inter = [t for t in layout if t not in self.index]
            pred = [self.op.attrs["pred"]] if self.fused else []
            ops = _prune(self.outs + pred + list(layout), set(self.lvars) | set(self.caps),
                         self.ctx)
            updates = find_updates(self.lvars, self.outs, self.ctx, ops, set(layout))
            frontier = invariant_frontier(self._wanted(updates, inter) + pred, self.ctx,
                                          self.lvars + self.caps, set(self.lvars))
            prologue = Prologue(self.session, self.passes, self.ctx, self.caps, frontier,
                                self.status, "invariants of the body")
            spec = Specialised(
                self.session, self.passes,
                lambda avals: self._build_step(avals, inter, updates, frontier),
                "body" if not layout else "body keeping a history", self.status)
            got = self.parts[layout] = (updates, frontier, prologue, spec)
        return got

    def runner(self, args, layout: tuple) -> tuple:
        """``(cond, step, picks, prepare)`` for ``run_forward`` on inputs like ``args``;
        ``prepare(vals, caps) -> (vals, caps)`` gives the loop the buffers it writes into and
        the loop-invariant values."""
        k = (_key(args), layout)
        r = self.runners.get(k)
        if r is None:
            if len(self.runners) >= MAX_SPECIALISATIONS:
                self.runners.clear()
            r = self.runners[k] = self._make(k[0], args, layout)
        return r

    def _make(self, key, args, layout: tuple) -> tuple:
        inter = [t for t in layout if t not in self.index]
        picks = picks_for(layout, self.index, inter, self.op)
        n, ni = self.n, len(inter)
        try:
            if self.unsupported is not None:
                raise Unsupported(self.unsupported)
            cf = self.cond_spec.get(key, args)[0]
            updates, _, prologue, spec = self._parts(layout)
            inv = prologue(contiguous(list(args[n:])))
            full = list(args) + inv
            sf, out_avals, _ = spec.get(_key(full), full)
            if not _same_shapes(out_avals[:n], args[:n]):
                raise Unsupported("a loop variable changes shape")
        except Unsupported as e:
            self.unsupported = self.status.interpreted = str(e)
            logger.info("compile pass: %s runs in the interpreter: %s", self.op.name, e)
            step, picks = _cf._body_runner(self.session, self.op, layout)

            def plain(vals, caps):
                return contiguous(vals), contiguous(caps)
            return _cf._cond_runner(self.session, self.op), step, picks, plain
        # (loop variable, position of its row values in the outputs, the graph's scatter_add)
        ups = [(j, n + ni + 2 * k, updates[j]) for k, j in enumerate(sorted(updates))]
        end, ncap = n + ni, len(self.caps)
        fused = self.fused

        def cond_(vals, caps):
            return cf(*vals, *caps[:ncap])[0]

        def compiled_step(vals, caps):
            r = sf(*vals, *caps)
            new = list(r[:n])
            for j, pos, sop in ups:
                acc = vals[j]
                scatter_into(acc, r[pos], r[pos + 1], sop)
                new[j] = acc
            return new, r[n:end], (r[-1] if fused else None)

        def prepare(vals, caps):
            vals = contiguous(vals)
            for j, _, _ in ups:
                vals[j] = owned_copy(vals[j])
            caps = contiguous(caps)
            return vals, caps + prologue(caps)
        if fused and not self.nested and all(k != 2 for k, _ in picks) and \
                all(a.fully_defined for a in out_avals):
            prepare.drive = forward_driver(  # type: ignore[attr-defined]
                n, len(full), ncap, picks, cf, sf, ups)
        return cond_, compiled_step, picks, prepare


def while_executor(op: Operation, session, device, passes):
    status = ControlStatus(op)
    loop = _Loop(op, session, passes, status)
    state = register_forward(session, op)
    n, max_iter = loop.n, loop.max_iter

    def while_(*args):
        status.runs += 1
        keep = state.keeps_history
        layout = state.saved if keep else ()
        cond_, step, picks, prepare = loop.runner(args, layout)
        vals, caps = prepare(list(args[:n]), list(args[n:]))
        drive = getattr(prepare, "drive", None)
        if drive is not None:
            vals, history = drive(*vals, *caps, keep=keep)
        else:
            vals, history = loop_history.run_forward(cond_, step, vals, caps, max_iter,
                                                     picks if keep else None)
        if keep:
            put(op, args, layout, history, state.consumers)
        return vals[0] if n == 1 else tuple(vals)
    while_.status = status  # type: ignore[attr-defined]  # the executor's status, on it
    return while_, {}


# ============================================================================ WhileGrad
_PLACEHOLDERS: dict = {}


def _placeholder(dtype) -> np.ndarray:
    """A read-only 0-d zero of ``dtype``, shared (a WhileGrad's unread running sum)."""
    got = _PLACEHOLDERS.get(dtype)
    if got is None:
        got = _PLACEHOLDERS[dtype] = np.zeros((), dtype)
        got.flags.writeable = False
    return got


def while_grad_executor(op: Operation, session, device, passes):
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
    # the gradient of a capture read one row at a time is added into its sum in place; a
    # weight's gradient x^T @ g is one matmul of the stacked x and g after the loop
    ups = gradient_updates(p["gouts"][nfv:], ctx)
    mms = gradient_matmuls(p["gouts"][nfv:], ctx)
    where: list = []            # per float capture: (output position, "sum" | "rows" | "mm", op)
    wanted = list(p["gouts"][:nfv])
    for k, g in enumerate(p["gouts"][nfv:]):
        if k in ups:
            where.append((len(wanted), "rows", ups[k]))
            wanted += list(ups[k].inputs[:2])
        elif k in mms:
            where.append((len(wanted), "mm", None))
            wanted += list(mms[k])
        else:
            where.append((len(wanted), "sum", None))
            wanted.append(g)

    def skip(o, c):
        return is_forward_op(op, c)
    variant = saved + gys
    frontier = invariant_frontier(wanted, ctx, variant + caps + extra, set(variant), skip)
    prologue = Prologue(session, passes, ctx, caps + extra, frontier, status,
                        "invariants of the gradient body", skip)

    def build(avals):
        # inputs: saved values, gradients of the float loop variables, the sums of the
        # captures' gradients so far, captures, extra outer tensors, invariant values
        sub = SubProgram(session.device, ctx, saved + gys + accs + caps + extra + frontier,
                         avals)
        outs = sub.add(wanted, skip_control=skip)
        acc_vals = sub.feeds[nsaved + nfv:nsaved + nfv + len(fcaps)]
        fetch = list(outs[:nfv])
        for k, (a, (at, how, _)) in enumerate(zip(acc_vals, where)):
            if how == "sum":
                fetch.append(sub.node(add_p, f"{op.name}/acc{k}", [a, outs[at]]))
            else:
                fetch += outs[at:at + 2]
        sub.finish(fetch)
        return sub, wanted
    vjp_spec = Specialised(session, passes, build, "gradient body", status)
    unsupported: list = []
    interp: list = []

    def forward(init, cap_vals, picks, inter):
        status.recomputed += 1
        cond_, step, _, prepare = loop.runner(init + cap_vals, tuple(saved))
        vals, cv = prepare(init, cap_vals)
        return loop_history.run_forward(cond_, step, vals, cv, p["max_iter"], picks)[1]

    checked: dict = {}         # key of the inputs -> (program, driver or None)

    def driven(history, consume, seeds, gcaps, tail):
        """The gradient loop by its generated driver (``gradient_driver``) when the program
        chosen for the last iteration's shapes serves every iteration: a uniform history, and
        the values fed back (the loop variables' gradients, the running sums) keep their
        shapes and dtypes.  None: the general loop runs instead."""
        ins = history[-1][0] + seeds + gcaps + tail
        key = _key(ins)
        got = checked.get(key)
        if got is None:
            fn, out_avals, _ = vjp_spec.get(key, ins)
            back = list(seeds)
            back_avals = list(out_avals[:nfv])
            for k, (at, how, _) in enumerate(where):
                if how == "sum":
                    back.append(gcaps[k])
                    back_avals.append(out_avals[at])
            drive = None
            if all(a.fully_defined and tuple(a.shape) == np.shape(x) and a.dtype == x.dtype
                   for a, x in zip(back_avals, back)):
                drive = gradient_driver(nsaved, nfv, where, len(tail))
            if len(checked) >= MAX_SPECIALISATIONS:
                checked.clear()
            got = checked[key] = (fn, drive)
        fn, drive = got
        if drive is None:
            return None
        return drive(history, consume, fn, *seeds, *gcaps, *tail)

    def while_grad(*args):
        status.runs += 1
        if unsupported:
            if not interp:
                interp.append(_cf._while_grad_factory(op, session, device, state)[0])
            return interp[0](*args)
        cap_vals = list(args[n:n + ncap])
        seeds = contiguous(list(args[n + ncap:n + ncap + nfv]))
        history, consume = _cf.history_for(p, state, args, forward)
        # a capture whose gradient is one stacked matmul after the loop has no running sum:
        # the body's program is handed a 0-d placeholder it never reads (one per dtype, made
        # once: nothing writes into it)
        gcaps = [_placeholder(cap_vals[i].dtype) if how == "mm" else
                 np.zeros(np.shape(cap_vals[i]), cap_vals[i].dtype)
                 for i, (_, how, _) in zip(cap_index, where)]
        stacks: dict[int, tuple[list, list]] = {}
        try:
            tail = contiguous(cap_vals + list(args[n + ncap + nfv:]))
            tail += prologue(tail, len(history) >= prologue.copy_b_min_iterations and
                             transposed_b_slow())
            got = None
            if type(history) is UniformHistory and history:
                got = driven(history, consume, seeds, gcaps, tail)
            if got is not None:
                gvars, gcaps, stacks = got
            else:
                stacks = {k: ([], []) for k, (_, how, _) in enumerate(where) if how == "mm"}

                def vjp(sv, gvars, gc):
                    ins = sv + gvars + gc + tail
                    fn = vjp_spec.get(_key(ins), ins)[0]
                    r = fn(*ins)
                    new = []
                    for k, (at, how, sop) in enumerate(where):
                        if how == "sum":
                            new.append(r[at])
                            continue
                        if how == "rows":
                            scatter_into(gc[k], r[at], r[at + 1], sop)
                        else:
                            stacks[k][0].append(r[at])
                            stacks[k][1].append(r[at + 1])
                        new.append(gc[k])
                    return list(r[:nfv]), new
                gvars, gcaps = run_gradient(vjp, history, seeds, gcaps, consume)
            for k, (xs, gs) in stacks.items():
                gcaps[k] = stacked_product(xs, gs, cap_vals[cap_index[k]])
        except Unsupported as e:
            logger.info("compile pass: %s runs in the interpreter: %s", op.name, e)
            unsupported.append(str(e))
            status.interpreted = str(e)
            status.runs -= 1
            return while_grad(*args)
        out = tuple(gvars) + tuple(gcaps)
        return out[0] if single else out
    while_grad.status = status  # type: ignore[attr-defined]  # the executor's status, on it
    return while_grad, {}


def executor(op: Operation, session, device, passes) -> tuple:
    """``(fn, params)`` running control-flow op ``op`` (cond, while_loop or while-gradient) with
    compiled sub-programs; on a GPU the interpreter's executor."""
    if device.type != "cpu":
        return executor_for(op, session, device)
    if op.type == "Cond":
        return _cond_executor(op, session, device, passes)
    make = while_executor if op.type == "While" else while_grad_executor
    return make(op, session, device, passes)
