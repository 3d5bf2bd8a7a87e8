"""Control flow in the graph: ``group``/``no_op``/``tuple``, ``cond`` and ``while_loop``.

``cond(pred, true_fn, false_fn)`` calls each branch function exactly once, while the graph is
being built, inside its own *context*: ops created there belong to the branch and are not part of
the outer graph's plans.  The ``Cond`` node's inputs are ``pred`` plus every outer tensor the
branches use (its *captures*); at run time it runs the sub-plan of the branch that ``pred``
selects and nothing of the other.  Ops created *outside* the branch functions run regardless of
``pred`` (TensorFlow's documented gotcha).

``while_loop(cond, body, loop_vars)`` builds ``cond`` and ``body`` once in a loop context on
``LoopVar`` nodes; the ``While`` node runs the body's sub-plan until the cond's sub-plan says
stop (or ``maximum_iterations`` is reached).  Loop variables keep their shapes unless
``shape_invariants`` relaxes them.

Gradients (no rule of their own: the core's ``reverse_pass`` and the primitives' vjps):

* Cond: a second ``Cond`` on the same ``pred`` whose branches hold the gradient nodes of each
  branch with respect to the captures (built in the same branch contexts, so the branch's
  forward values are recomputed inside the gradient's sub-plan).  Only the taken branch's
  gradient runs.
* While: a ``WhileGrad`` node runs the body's gradient sub-graph once per iteration in reverse,
  accumulating the gradient of the captured tensors.  It reads the forward values it needs
  (loop variables, intermediate results) from the history the forward loop of the same run kept
  (``loop_history.py``, TF1's stacks), so the forward loop is not run again.

Caveat: a random op *inside* a cond branch is sampled again by the gradient's re-computation.
The compiled versions of these executors (loop bodies as compiled sub-programs) live in
``compiler/control.py``.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.device import CPU, is_cuda_array, to_device
from dlcore.dtypes import is_floating
from dlcore.registry import AVal

from . import loop_history
from . import plan as _plan
from .frontend import to_tensor
from .gradients import GRAD_RULES, backprop
from .graph import Operation, Tensor, _as_op, get_default_graph
from .loop_history import (
    layout_index,
    link_gradient,
    picks_for,
    put,
    register_forward,
    run_gradient,
    saved_tensors,
    take,
    unwrap_identity,
)
from .runtime import run_plan


class ControlFlowContext:
    """A cond branch or a loop body under construction; ``parent`` is the enclosing context."""

    def __init__(self, parent, kind: str, name: str):
        self.parent = parent
        self.kind = kind
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.kind} {self.name}>"


# ============================================================================ group & co.
def no_op(name: str | None = None) -> Operation:
    g = get_default_graph()
    return Operation(g, "NoOp", g.unique_name(name or "NoOp"))


def group(*inputs, name: str | None = None) -> Operation:
    """One NoOp that runs after all ``inputs``: fetching it runs them and returns None."""
    g = get_default_graph()
    ops = []
    for x in inputs:
        for y in (x if isinstance(x, (list, tuple)) else [x]):
            o = _as_op(g, y)
            if o is not None:
                ops.append(o)
    op = Operation(g, "NoOp", g.unique_name(name or "group_deps"))
    op._add_control_inputs(ops)
    return op


def tuple_(tensors, name: str | None = None, control_inputs=None) -> list:
    """Identity of each tensor, each running after all of them (and ``control_inputs``)."""
    g = get_default_graph()
    deps = [_as_op(g, t) for t in tensors if t is not None] + list(control_inputs or [])
    with g.name_scope(name or "tuple"), g.control_dependencies(deps):
        return [None if t is None else _ops.identity(to_tensor(t)) for t in tensors]


# ============================================================================ nested structures
def _flatten(x, leaves: list):
    if isinstance(x, (list, tuple)):
        kids = [_flatten(v, leaves) for v in x]
        return (type(x), kids)
    if isinstance(x, dict):
        keys = sorted(x)
        return (dict, keys, [_flatten(x[k], leaves) for k in keys])
    leaves.append(x)
    return None


def _unflatten(spec, it):
    if spec is None:
        return next(it)
    if spec[0] is dict:
        return {k: _unflatten(s, it) for k, s in zip(spec[1], spec[2])}
    typ, kids = spec
    vals = [_unflatten(s, it) for s in kids]
    if typ is list:
        return vals
    if hasattr(typ, "_fields"):
        return typ(*vals)
    return typ(vals)


def _spec_repr(spec) -> str:
    if spec is None:
        return "Tensor"
    if spec[0] is dict:
        return "{" + ", ".join(f"{k}: {_spec_repr(s)}" for k, s in zip(spec[1], spec[2])) + "}"
    return f"{spec[0].__name__}(" + ", ".join(_spec_repr(s) for s in spec[1]) + ")"


def collect_captures(ctx, outputs) -> tuple[list, list]:
    """Outer tensors (and outer control inputs) that the ops of ``ctx`` reaching ``outputs``
    use."""
    captures: list = []
    seen_caps: set = set()
    ctl: list = []
    seen: set = set()
    stack = [t.op for t in outputs if t.op._ctx is ctx]
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        for t in op.inputs:
            if t.op._ctx is ctx:
                stack.append(t.op)
            elif t not in seen_caps:
                seen_caps.add(t)
                captures.append(t)
        for c in op.control_inputs:
            if c._ctx is ctx:
                stack.append(c)
            elif c not in ctl:
                ctl.append(c)
    captures.sort(key=lambda t: (t.op._id, t.value_index))
    return captures, ctl


def _merge_aval(a: AVal, b: AVal) -> AVal:
    """The static shape of a cond output: dimensions on which the branches disagree are None."""
    if len(a.shape) != len(b.shape):
        raise ValueError(f"Outputs of true_fn and false_fn must have the same rank: "
                         f"{list(a.shape)} and {list(b.shape)}")
    return AVal(tuple(x if x == y else None for x, y in zip(a.shape, b.shape)), a.dtype)


def _truthy(p) -> bool:
    if is_cuda_array(p):
        p = to_device(p, CPU)
    return bool(p)


# ============================================================================ cond
def cond(pred, true_fn=None, false_fn=None, strict: bool = False, name: str | None = None,
         fn1=None, fn2=None):
    """Run ``true_fn``'s ops if ``pred`` else ``false_fn``'s; both are built once, now."""
    true_fn = true_fn if true_fn is not None else fn1
    false_fn = false_fn if false_fn is not None else fn2
    if not callable(true_fn) or not callable(false_fn):
        raise TypeError("true_fn and false_fn must be callable.")
    g = get_default_graph()
    pred = to_tensor(pred, g)
    if pred.aval.dtype != np.bool_ or pred.aval.shape not in ((),):
        raise ValueError(f"pred must be a scalar bool tensor, got shape {pred.shape} and dtype "
                         f"{pred.dtype.name}")
    parent = g._ctx_stack[-1] if g._ctx_stack else None
    with g.name_scope(name or "cond") as scope:
        specs, outs = [], []
        ctxs = (ControlFlowContext(parent, "cond branch", scope + "true"),
                ControlFlowContext(parent, "cond branch", scope + "false"))
        for ctx, fn in zip(ctxs, (true_fn, false_fn)):
            with g._enter_context(ctx):
                res = fn()
                if res is None:
                    raise ValueError("true_fn and false_fn must return a value (a tensor or a "
                                     "nested structure of tensors); got None.")
                leaves: list = []
                spec = _flatten(res, leaves)
                leaves = [to_tensor(x, g) for x in leaves]
                outs.append([_ops.identity(t) for t in leaves])
                specs.append(spec)
        if specs[0] != specs[1]:
            raise ValueError("true_fn and false_fn arguments to tf.cond must have the same "
                             f"number, type, and overall structure of return values.\n\ntrue_fn "
                             f"output: {_spec_repr(specs[0])}\nfalse_fn output: "
                             f"{_spec_repr(specs[1])}")
        for a, b in zip(*outs):
            if a.aval.dtype != b.aval.dtype:
                raise ValueError(f"Outputs of true_fn and false_fn must have the same type: "
                                 f"{a.dtype.name}, {b.dtype.name}")
        # TF1's names: the outputs of cond(name='n') are n/Merge:0, n/Merge_1:0, ... (one
        # Merge op each); ours is one op named n/Merge, its outputs i >= 1 each handed out
        # through an Identity named n/Merge_i (_named_outputs)
        op = _make_cond(g, pred, ctxs, outs, g.unique_name("Merge"))
        results = _named_outputs(g, op, "Merge", 1)
    result = _unflatten(specs[0], iter(results))
    if not strict and isinstance(result, (list, tuple)) and len(result) == 1 and \
            not hasattr(result, "_fields"):
        return result[0]
    return result


def _named_outputs(g, op: Operation, base: str, start: int) -> list:
    """``op``'s outputs, those from ``start`` on each through an Identity named ``base`` made
    unique in the current name scope (``Merge_1``, ``Exit_1``: TF1's one op per output)."""
    from .frontend import rename
    outs = op.outputs
    for i in range(start, len(outs)):
        first = len(g._ops)
        outs[i] = rename(_ops.identity(outs[i]), base, first)
    return outs


def _make_cond(g, pred, ctxs, outs, name: str) -> Operation:
    caps0, ctl0 = collect_captures(ctxs[0], outs[0])
    caps1, ctl1 = collect_captures(ctxs[1], outs[1])
    caps = list(dict.fromkeys(caps0 + caps1))
    avals = [_merge_aval(a.aval, b.aval) for a, b in zip(*outs)]
    op = Operation(g, "Cond", name, [pred] + caps, avals,
                   attrs={"branches": ctxs, "branch_outputs": (tuple(outs[0]), tuple(outs[1]))})
    op._add_control_inputs([c for c in ctl0 + ctl1 if c not in op.control_inputs])
    return op


def _cond_factory(op: Operation, session, device, inner=()):
    """``inner``: fed tensors inside the branches; their values follow the captures."""
    caps = list(op.inputs[1:]) + list(inner)
    outs = [[unwrap_identity(t) for t in o] for o in op.attrs["branch_outputs"]]
    plans = [session.subplan(outs[i], caps, op.attrs["branches"][i]) for i in (0, 1)]
    single = len(op.outputs) == 1

    def cond_(pred, *captured):
        r = run_plan(plans[0] if _truthy(pred) else plans[1], captured)
        return r[0] if single else tuple(r)
    return cond_, {}


def _cond_grad(op: Operation, t: Tensor, g):
    """Gradient of output ``t`` of a Cond: a Cond of the branches' gradients."""
    caps = op.inputs[1:]
    fcaps = [c for c in caps if is_floating(c.aval.dtype)]
    if not fcaps:
        return (None,) * len(op.inputs)
    graph = op.graph
    ctxs = op.attrs["branches"]
    outs = []
    for ctx, bouts in zip(ctxs, op.attrs["branch_outputs"]):
        y = bouts[t.value_index]
        with graph._enter_context(ctx):
            res = backprop([y], [g], fcaps, stop=lambda v, c=ctx: v.op._ctx is not c)
            outs.append([_ops.identity(res[id(c)] if id(c) in res else _ops.zeros_like(c))
                         for c in fcaps])
    gop = _make_cond(graph, op.inputs[0], ctxs, outs, graph.unique_name("Cond_grad"))
    by_cap = dict(zip(fcaps, gop.outputs))
    return (None,) + tuple(by_cap.get(c) for c in caps)


_plan.EXECUTORS["Cond"] = _cond_factory
GRAD_RULES["Cond"] = _cond_grad


# ============================================================================ while_loop
def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations: int = 10,
               back_prop: bool = True, swap_memory: bool = False, name: str | None = None,
               maximum_iterations=None, return_same_structure: bool = False):
    """Repeat ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)``."""
    if not callable(cond) or not callable(body):
        raise TypeError("cond and body must be callable.")
    g = get_default_graph()
    single_input = not isinstance(loop_vars, (list, tuple, dict))
    leaves: list = []
    spec = _flatten(loop_vars if not single_input else [loop_vars], leaves)
    # a Python int starts an int32 loop variable, as tf.convert_to_tensor makes it (the core's
    # weak scalars default to int64): `i < tf.shape(x)[0]` compares int32 with int32
    inits = [to_tensor(x, g, np.dtype(np.int32) if type(x) is int else None) for x in leaves]
    if shape_invariants is not None:
        inv_leaves: list = []
        _flatten(shape_invariants if not single_input else [shape_invariants], inv_leaves)
        avals = [AVal(tuple(getattr(s, "dims", s) or ()) if s is not None else t.aval.shape,
                      t.aval.dtype) for s, t in zip(inv_leaves, inits)]
    else:
        avals = [t.aval for t in inits]
    parent = g._ctx_stack[-1] if g._ctx_stack else None
    with g.name_scope(name or "while") as scope:
        ctx = ControlFlowContext(parent, "while_loop body", scope)
        with g._enter_context(ctx):
            lvars = [Operation(g, "LoopVar", g.unique_name("LoopVar"), avals=[a]).outputs[0]
                     for a in avals]
            args = _unflatten(spec, iter(lvars))
            args = [args[0]] if single_input else (args if isinstance(args, (list, tuple))
                                                   else [args])
            pred = to_tensor(cond(*args), g)
            if pred.aval.dtype != np.bool_ or pred.aval.shape != ():
                raise ValueError("while_loop cond must return a scalar bool tensor.")
            new = body(*args)
            if single_input and not isinstance(new, (list, tuple)):
                new = [new]
            new_leaves: list = []
            _flatten(new if not single_input else list(new), new_leaves)
            if len(new_leaves) != len(lvars):
                raise ValueError("The two structures don't have the same number of elements. "
                                 f"loop_vars: {len(lvars)}, body output: {len(new_leaves)}")
            outs = []
            for t, lv, a in zip(new_leaves, lvars, avals):
                t = to_tensor(t, g, a.dtype)
                if t.aval.dtype != a.dtype:
                    raise TypeError(f"Loop variable '{lv.name}' enters the loop with type "
                                    f"{lv.dtype.name}, but has type {t.dtype.name} after one "
                                    "iteration.")
                shp = t.shape
                if not lv.shape.is_compatible_with(shp) or shp.dims is None or \
                        len(a.shape) != len(shp.dims) or \
                        any(x is not None and y != x for x, y in zip(a.shape, shp.dims)):
                    raise ValueError(f"Input tensor '{lv.name}' enters the loop with shape "
                                     f"{lv.shape}, but has shape {shp} after one iteration. To "
                                     "allow the shape to vary across iterations, use the "
                                     "`shape_invariants` argument of tf.while_loop to specify "
                                     "a less-specific shape.")
                outs.append(_ops.identity(t))
            pred = _ops.identity(pred)
        caps, ctl = collect_captures(ctx, [pred] + outs)
        # TF1's names: while_loop(name='w')'s outputs are w/Exit:0, w/Exit_1:0, ... (one Exit
        # op per loop variable).  Ours is one op named w/Exit, its outputs k >= 1 handed out
        # through Identities named w/Exit_k.  With maximum_iterations TF's int32 counter is
        # w/Exit and the user's variables start at w/Exit_1: our op is then w/While (no
        # w/Exit: we have no counter to give) and every output is an Exit_k Identity.
        bounded = maximum_iterations is not None
        op = Operation(g, "While", g.unique_name("While" if bounded else "Exit"),
                       inits + caps, avals,
                       attrs={"context": ctx, "loop_vars": tuple(lvars), "pred": pred,
                              "body_outputs": tuple(outs), "nvars": len(lvars),
                              "max_iter": maximum_iterations})
        op._add_control_inputs(ctl)
        if bounded:
            g.unique_name("Exit")               # (TF's counter's name: the user's start at 1)
        results = _named_outputs(g, op, "Exit", 0 if bounded else 1)
    res = _unflatten(spec, iter(results))
    if single_input and not return_same_structure:
        return res[0]
    if not return_same_structure and len(results) == 1:
        return results[0]                       # TF1 unpacks a single loop variable
    return res


def _max_iter(op):
    m = op.attrs["max_iter"]
    return None if m is None else int(m)


def _body_runner(session, op, layout: tuple):
    """``(step, picks)`` for the interpreter: the body's sub-plan, fetching the loop's new values
    and the intermediate tensors of ``layout`` (a history's saved tensors)."""
    n = op.attrs["nvars"]
    ctx, lvars = op.attrs["context"], list(op.attrs["loop_vars"])
    captured = lvars + list(op.inputs[n:])
    index = {t: j for j, t in enumerate(lvars)}
    inter = [t for t in layout if t not in index]
    outs = [unwrap_identity(t) for t in op.attrs["body_outputs"]]
    plan = session.subplan(outs + inter, captured, ctx)

    def step(vals, caps):
        r = run_plan(plan, vals + caps)
        return r[:n], r[n:], None
    return step, picks_for(layout, index, inter, op)


def _cond_runner(session, op):
    n = op.attrs["nvars"]
    captured = list(op.attrs["loop_vars"]) + list(op.inputs[n:])
    plan = session.subplan([op.attrs["pred"]], captured, op.attrs["context"])

    def cond_(vals, caps):
        return run_plan(plan, vals + caps)[0]
    return cond_


def _while_factory(op: Operation, session, device):
    """The interpreter's While: sub-plans of the cond and the body, run until the cond says
    stop; keeps a history when a gradient of the same plan wants one (``loop_history``)."""
    n = op.attrs["nvars"]
    state = register_forward(session, op)
    cond_ = _cond_runner(session, op)
    max_iter = _max_iter(op)
    steps: dict = {}

    def while_(*args):
        keep = state.keeps_history
        layout = state.saved if keep else ()
        got = steps.get(layout)
        if got is None:
            got = steps[layout] = _body_runner(session, op, layout)
        step, picks = got
        vals, history = loop_history.run_forward(cond_, step, list(args[:n]), list(args[n:]), max_iter,
                                    picks if keep else None)
        if keep:
            put(op, args, layout, history, state.consumers)
        return vals[0] if n == 1 else tuple(vals)
    return while_, {}


def _while_grad(op: Operation, t: Tensor, g):
    """Gradient of output ``t`` of a While with respect to its initial values and captures."""
    n = op.attrs["nvars"]
    graph = op.graph
    ctx, lvars = op.attrs["context"], list(op.attrs["loop_vars"])
    outs = op.attrs["body_outputs"]
    caps = list(op.inputs[n:])
    fv = [j for j in range(n) if is_floating(lvars[j].aval.dtype)]
    fcaps = [c for c in caps if is_floating(c.aval.dtype)]
    if t.value_index not in fv:
        return (None,) * len(op.inputs)
    with graph._enter_context(ctx):
        gys = [Operation(graph, "LoopVar", graph.unique_name("grad_in"),
                         avals=[lvars[j].aval]).outputs[0] for j in fv]
        wanted = [lvars[j] for j in fv] + fcaps
        res = backprop([outs[j] for j in fv], gys, wanted,
                       stop=lambda v: v.op._ctx is not ctx)
        gouts = [_ops.identity(res[id(w)] if id(w) in res else _ops.zeros_like(w))
                 for w in wanted]
    extra, _ = collect_captures(ctx, gouts)
    extra = [e for e in extra if e not in caps]
    seeds = [g if j == t.value_index else _ops.zeros_like(op.outputs[j]) for j in fv]
    gop = Operation(graph, "WhileGrad", graph.unique_name("While_grad"),
                    list(op.inputs) + seeds + extra, [w.aval for w in wanted],
                    attrs={"forward": op, "grad_in": tuple(gys), "grad_outputs": tuple(gouts),
                           "float_vars": tuple(fv), "float_caps": tuple(fcaps),
                           "extra": tuple(extra)})
    gop._add_control_inputs([op])     # the forward loop runs first in the same run: its history
    grads: dict = {}
    for j, gt in zip(fv, gop.outputs[:len(fv)]):
        grads[j] = gt
    cap_grads = dict(zip(fcaps, gop.outputs[len(fv):]))
    return tuple(grads.get(j) for j in range(n)) + tuple(cap_grads.get(c) for c in caps)


def grad_parts(op: Operation) -> dict:
    """What a WhileGrad executor needs, interpreted or compiled: the forward loop's parts,
    the saved tensors and the inputs of the body's gradient sub-graph."""
    fwd = op.attrs["forward"]
    n = fwd.attrs["nvars"]
    caps = list(fwd.inputs[n:])
    fcaps = list(op.attrs["float_caps"])
    return {"fwd": fwd, "n": n, "ctx": fwd.attrs["context"],
            "lvars": list(fwd.attrs["loop_vars"]), "caps": caps,
            "fv": list(op.attrs["float_vars"]), "fcaps": fcaps,
            "cap_index": [caps.index(c) for c in fcaps],
            "gys": list(op.attrs["grad_in"]), "extra": list(op.attrs["extra"]),
            "gouts": [unwrap_identity(t) for t in op.attrs["grad_outputs"]],
            "saved": saved_tensors(op), "max_iter": _max_iter(fwd)}


def history_for(parts: dict, state, args, forward):
    """The saved values of each iteration, for this WhileGrad's ``args`` (see
    ``loop_history``): ``(history, consume)``.  ``forward(init, caps, picks)`` runs the forward
    loop when no history of the same inputs was kept."""
    n, ncap, saved = parts["n"], len(parts["caps"]), parts["saved"]
    got = take(parts["fwd"], args[:n + ncap])
    if got is not None:
        layout, history, last = got
        if tuple(layout) == tuple(saved):
            return history, last
        pos = layout_index(layout, saved)
        if pos is not None:
            return [([s[k] for k in pos], inner) for s, inner in history], True
    # how each saved value is picked depends on the graph alone (``picks_for`` scans every op
    # of the graph once per loop variable saved): made once, and again when the graph grew
    nops = len(parts["fwd"].graph._ops)
    got = parts.get("picks")
    if got is None or got[0] != nops:
        index = {t: j for j, t in enumerate(parts["lvars"])}
        inter = [t for t in saved if t not in index]
        got = parts["picks"] = (nops, picks_for(tuple(saved), index, inter, parts["fwd"]),
                                inter)
    history = forward(list(args[:n]), list(args[n:n + ncap]), got[1], got[2])
    return history, True


def _while_grad_factory(op: Operation, session, device, state=None):
    """The interpreter's WhileGrad: the body's gradient sub-plan once per iteration, in
    reverse, on the values the forward loop kept (``loop_history``).  ``state``: the forward
    loop's state when the caller linked to it already."""
    p = grad_parts(op)
    fwd, n, ctx, caps = p["fwd"], p["n"], p["ctx"], p["caps"]
    fv, cap_index, saved = p["fv"], p["cap_index"], p["saved"]
    if state is None:
        state = link_gradient(session, fwd, saved)
    ncap, nfv = len(caps), len(fv)
    vjp_plan = session.subplan(p["gouts"], saved + p["gys"] + caps + p["extra"], ctx)
    cond_ = _cond_runner(session, fwd)
    single = len(op.outputs) == 1

    recompute: list = []

    def forward(init, cap_vals, picks, inter):
        if not recompute:
            recompute.append(_body_runner(session, fwd, tuple(saved))[0])
        return loop_history.run_forward(cond_, recompute[0], init, cap_vals, p["max_iter"], picks)[1]

    def while_grad(*args):
        cap_vals = list(args[n:n + ncap])
        seeds = list(args[n + ncap:n + ncap + nfv])
        extra_vals = list(args[n + ncap + nfv:])
        history, consume = history_for(p, state, args, forward)
        tail = cap_vals + extra_vals

        def vjp(sv, gvars, gcaps):
            r = run_plan(vjp_plan, sv + gvars + tail)
            return r[:nfv], [_ops.add(a, b) for a, b in zip(gcaps, r[nfv:])]
        gcaps0 = [_ops.zeros_like(cap_vals[i]) for i in cap_index]
        gvars, gcaps = run_gradient(vjp, history, seeds, gcaps0, consume)
        out = tuple(gvars) + tuple(gcaps)
        return out[0] if single else out
    return while_grad, {}


_plan.EXECUTORS["While"] = _while_factory
_plan.EXECUTORS["WhileGrad"] = _while_grad_factory
GRAD_RULES["While"] = _while_grad
