"""The execution plan: what one ``Session.run`` executes, built once and cached.

For a given (fetches, fed tensors with their shapes and dtypes) the Session builds a ``Plan``:

1. **prune**: walk back from the fetched tensors and target ops through data inputs and control
   inputs, stopping at fed tensors (a fed tensor's producer does not run) and at the edge of the
   current control-flow context (ops inside a ``cond`` branch or a loop body belong to the Cond
   or While node and run only in its sub-plan);
2. **order**: sort the needed ops by creation id; creation order is a topological order.
   Ops of ``HOISTED_TYPES`` (an iterator's ``get_next``) and what they need go first, so a
   run that ends its data raises before anything else of it has run;
3. **allocate**: give every value a *slot* (an index into a flat list): fed tensors first, then
   captured outer values (sub-plans only), then each op's outputs;
4. **compile steps**: one step per op, ``(fn, in_slots, out, params, op)``, where ``fn`` is the
   primitive's kernel for the op's device (``prim.kernels[device.type]``, i.e. what
   ``prim.impl`` would pick, resolved once here instead of on every call) or the executor of a
   graph-level op (Const, VariableRead, Assign, random ops, Cond, While...), and ``out`` is a slot
   (one output) or a slice of slots (zero or several outputs).  When an input lives on another
   device a ``copy`` step is inserted (its ``op`` is None).

A Session's own plan on the CPU (no device placement, control-flow context or hoisted op in
it) does the four in one sweep down the graph's list of ops (``_swept``; a graph built per
batch, issue 19); everything else takes the passes above.

The interpreter is one loop (``runtime.run_steps``, shared by every execution path)::

    for fn, ins, out, params, op in plan.steps:
        vals[out] = fn(*[vals[i] for i in ins], **params)

Plan fields, for tools (the graph compiler, pictures, tests):

    plan.ops          the pruned, topologically ordered Operations that run
    plan.steps        the compiled steps, as above
    plan.nslots       size of the value list
    plan.slot_of      {Tensor: slot}
    plan.feed_slots   slots of the fed tensors, in the order of the key's feeds
    plan.fetch_slots  per fetched leaf: a slot, or None for an Operation (fetches as None)
    plan.fed          the fed Tensors;  plan.fetches  the fetched leaves
    plan.writes_state True if the plan may assign variables (also inside a cond or loop); such
                      a run holds the Session's variable lock (``variable_store.py``)
    plan.copies       True if a step copies a value between devices (an ``op`` of None),
                      False if none does, None where the plan's maker did not say
    plan.one_step     True for the compiler's plans (``compiler/runner.py``): one step that
                      takes the feeds in order and returns every fetched leaf's value (None
                      for an Operation), which ``Session.run`` calls without a slot list
    plan.device       the Session's default device
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from itertools import compress as _compress
from typing import Any

from dlcore.device import CPU, to_device

from . import dtypes as _dtypes
from ._op_empties import NO_PARAMS
from ._placement import check_graph, check_placement
from .errors import InvalidArgumentError, node_suffix
from .graph import Operation, Tensor, shape_text

# op type -> factory(op, session, device) -> (fn, params).  Graph-level op types register here.
EXECUTORS: dict[str, Callable] = {}
STATEFUL_TYPES = {"Assign"}
# source ops that run before every other op of a run (with what they need): an iterator's
# get_next, so that at the end of its data (OutOfRangeError) nothing else of the run has run
HOISTED_TYPES: set[str] = set()
# ops whose sub-plans may hold an Assign (a cond branch, a loop body)
CONTROL_TYPES = {"Cond", "While", "WhileGrad"}


class Plan:
    """See the module docstring."""

    # set on the plans that dlcore_static.compiler makes (absent on the Session's own)
    optimized_steps: list[tuple]
    compiled_run: Any               # a compiled plan's generated glue (None: interpreted)
    compiler: Any                   # the compile report
    program: Any                    # the compiled ir.Program

    def __init__(self):
        self.ops: list[Operation] = []
        self.steps: list[tuple] = []
        self.nslots = 0
        self.slot_of: dict[Any, int] = {}   # Tensor -> slot; (Tensor, device) -> its copy
        self.feed_slots: tuple = ()
        self.fetch_slots: tuple = ()
        self.fed: tuple = ()
        self.fetches: tuple = ()
        self.writes_state = False
        self.one_step = False           # see the module docstring
        self.copies: bool | None = None  # see the module docstring
        self.feeds_inside = False       # a fed tensor inside a cond branch (not compiled)
        self.device = CPU
        self.ctx = None

    def __repr__(self) -> str:
        lines = [f"Plan({len(self.ops)} ops, {self.nslots} slots, device={self.device})"]
        for fn, ins, out, params, op in self.steps:
            name = op.name if op is not None else "<copy>"
            typ = op.type if op is not None else "Copy"
            lines.append(f"  {name} ({typ}) in={list(ins)} out={out}")
        return "\n".join(lines)

    def describe(self) -> list[str]:
        return [op.name for op in self.ops]


def prune(fetch_tensors, target_ops, fed: set, ctx=None) -> list[Operation]:
    """The ops needed to compute ``fetch_tensors`` and run ``target_ops``, in creation order."""
    needed: set = set()
    stack: list[Operation] = []

    def need_tensor(t: Tensor) -> None:
        if t in fed:
            return
        op = t.op
        if op not in needed:
            if op._ctx is not ctx:
                where = "the outer graph" if ctx is None else f"this {ctx.kind}"
                made = f"inside a {op._ctx.kind}" if op._ctx is not None else \
                    "in the outer graph"
                raise ValueError(f"Tensor '{t.name}' was created {made} and "
                                 f"cannot be used from {where}; return it from the branch or "
                                 "loop body instead.")
            needed.add(op)
            stack.append(op)

    for t in fetch_tensors:
        need_tensor(t)
    for op in target_ops:
        if op not in needed:
            needed.add(op)
            stack.append(op)
    while stack:
        op = stack.pop()
        for t in op.inputs:
            # need_tensor(t), its common case inline (one call less per edge, issue 19)
            top = t.op
            if top in needed or t in fed:
                continue
            if top._ctx is ctx:
                needed.add(top)
                stack.append(top)
            else:
                need_tensor(t)          # (raises)
        for c in op.control_inputs:
            if c not in needed and c._ctx is ctx:
                needed.add(c)
                stack.append(c)
    if len(needed) > 64:
        # creation order is the graph's list of ops (an op's ``_id`` is its index there): when
        # the fetches need much of the graph (a graph built per batch needs all of it, issue
        # 19), the ops of that list that are needed, in one pass, instead of a keyed sort
        every = next(iter(needed)).graph._ops
        if len(needed) * 4 >= len(every):
            out = [op for op in every if op in needed]
            if len(out) == len(needed):         # (all of one graph: always)
                return out
    return sorted(needed, key=_op_id)


_op_id = operator.attrgetter("_id")
_HOST = frozenset({None, CPU})      # an op's device that needs no copy on a CPU Session


class _SoftHost:
    """The devices that need no copy on a CPU Session with soft placement and no CUDA: all."""

    def __contains__(self, dev) -> bool:
        return dev is None or dev.type in ("cpu", "cuda")


_SOFT_HOST = _SoftHost()


def placed(op, session, default):
    """The device ``op`` runs on in ``session``: its ``tf.device`` placement, else ``default``
    (the Session's); a GPU placement is the CPU on a Session with soft placement and no CUDA."""
    dev = op.device
    if dev is None or (dev.type == "cuda" and getattr(session, "_soft_cpu", False)):
        return default
    return dev


def build_with_pipeline(session, leaves, fed, fetches, vals, per_shape):
    """``build_plan`` and then the Session's pass pipeline where it has one (for new shapes):
    what ``Session.plan`` runs with the cyclic collector paused (``_gc_pause.call``)."""
    plan = build_plan(session, leaves, list(fed))
    if session.pipeline is not None and per_shape:
        plan = session.pipeline(session, plan, fetches, fed, vals)
    return plan


def build_plan(session, fetch_leaves, fed_tensors, ctx=None, captured=()) -> Plan:
    """Prune, order, allocate and compile.  ``captured`` (sub-plans) are outer tensors whose
    values are handed in, like feeds."""
    plan = Plan()
    plan.device = session.device
    plan.ctx = ctx
    fetch_tensors = [f for f in fetch_leaves if isinstance(f, Tensor)]
    target_ops = [f for f in fetch_leaves if isinstance(f, Operation)]
    if ctx is None and not captured:
        check_graph(session)        # TF 1.15 places the whole graph on a run (_placement)
        if session.device == CPU and \
                _swept(plan, fetch_tensors, target_ops, fed_tensors, session):
            return _finish(plan, plan.steps, fed_tensors, fetch_leaves)
    fed = set(fed_tensors) | set(captured)
    ops = prune(fetch_tensors, target_ops, fed, ctx)
    if HOISTED_TYPES:
        ops = _hoist(ops, fed, ctx)
    # an unfed placeholder is an error; device checks only when something is placed off the
    # CPU (the common case pays nothing): one pass for both
    mixed = session.device != CPU
    host: frozenset | _SoftHost = _HOST
    if getattr(session, "_soft_cpu", False):
        host = _SOFT_HOST               # soft placement without CUDA: GPU ops run on the CPU
    for op in ops:
        if op.type == "Placeholder" and ctx is None:
            raise InvalidArgumentError(None, op, missing_feed_message(op))
        if not mixed and op.device not in host:
            mixed = True
    if mixed:                   # a GPU placement without CUDA: TF's placer error (_placement)
        check_placement(ops, session)
    plan.ops = ops
    slot_of = plan.slot_of
    slot_dev: list = []
    for t in list(fed_tensors) + list(captured):
        if t not in slot_of:
            slot_of[t] = len(slot_dev)
            slot_dev.append(session.device if t in fed_tensors else None)
    plan.feed_slots = tuple(slot_of[t] for t in fed_tensors)
    # fed (or captured) tensors made inside a cond branch nested in this context (TF1 feeds
    # them: the branch uses the fed value); a loop body's tensors may not be fed (Session)
    inside = [t for t in list(fed_tensors) + list(captured) if _strictly_inside(t.op._ctx, ctx)]
    steps: list[tuple] = []
    sdev = session.device
    sdev_type = sdev.type
    slot_index = slot_of.__getitem__
    soft = host is _SOFT_HOST
    if not mixed and not inside:
        # every op on the Session's device and no fed tensor inside a cond branch (a graph
        # built per batch, issue 19): the loop below without its device copies, with one slot
        # per output counted instead of its device listed
        plan.nslots = _plain_steps(plan, ops, steps, slot_of, len(slot_dev), session)
        plan.copies = False
        return _finish(plan, steps, fed_tensors, fetch_leaves)
    for op in ops:
        dev = op.device or sdev
        if dev is not sdev and soft and dev.type == "cuda":
            dev = sdev                  # soft placement without CUDA (see placed)
        if mixed:
            moved = []
            for t in op.inputs:
                s = slot_of[t]
                src = slot_dev[s]
                if src is not None and src != dev:
                    key = (t, dev)
                    c = slot_of.get(key)
                    if c is None:
                        c = slot_of[key] = len(slot_dev)
                        slot_dev.append(dev)
                        steps.append((_copier(dev), (s,), c, {}, None))
                        plan.copies = True
                    s = c
                moved.append(s)
            ins = tuple(moved)
        else:
            ins = tuple(map(slot_index, op.inputs))
        inner = _feeds_inside(op, inside) if inside else ()
        prim = op.prim
        if inner:                       # a fed tensor in this cond's branches: its value too
            ins = (*ins, *(slot_of[t] for t in inner))
            fn, params = EXECUTORS[op.type](op, session, dev, inner)
            plan.feeds_inside = True
        elif prim is not None and dev is sdev:
            # executor_for's primitive case inline (one call less per node, issue 19)
            fn = prim.kernels.get(sdev_type)
            if fn is None:
                fn = prim.impl
            params = op.params
            k = op._kernel          # (the kernel for its static shapes, while fn is the one
            if k is not None and k[0] is fn:    # it replaces: frontend._static_kernel)
                fn, params = k[1], NO_PARAMS
        else:
            fn, params = executor_for(op, session, dev)
        outputs = op.outputs
        start = len(slot_dev)
        out: int | slice
        # (setdefault: a fed output keeps its feed's slot, which the op's step must not
        # overwrite: TF1 replaces the fed tensor only, its op may still run for a sibling)
        if len(outputs) == 1:
            slot_of.setdefault(outputs[0], start)
            slot_dev.append(dev)
            out = start
        else:
            for t in outputs:
                slot_of.setdefault(t, len(slot_dev))
                slot_dev.append(dev)
            out = slice(start, start + len(outputs))
        steps.append((fn, ins, out, params, op))
        typ = op.type
        if typ in STATEFUL_TYPES or (typ in CONTROL_TYPES and _assigns_inside(op)):
            plan.writes_state = True
    plan.nslots = len(slot_dev)
    if plan.copies is None:
        plan.copies = False
    return _finish(plan, steps, fed_tensors, fetch_leaves)


def _finish(plan: Plan, steps: list, fed_tensors, fetch_leaves) -> Plan:
    slot_of = plan.slot_of
    plan.steps = steps
    plan.fed = tuple(fed_tensors)
    plan.fetches = tuple(fetch_leaves)
    plan.fetch_slots = tuple(slot_of[f] if isinstance(f, Tensor) else None for f in fetch_leaves)
    return plan


def _plain_steps(plan: Plan, ops: list, steps: list, slot_of: dict, nslots: int,
                 session) -> int:
    """``build_plan``'s loop when no op needs a device copy and no fed tensor is inside a
    cond branch (see there): the same steps and slots, one slot per output counted from
    ``nslots`` (returned: the plan's slot count) instead of its device listed."""
    sdev = session.device
    sdev_type = sdev.type
    slot_index = slot_of.__getitem__
    soft = getattr(session, "_soft_cpu", False)
    append = steps.append
    writes = False
    stateful, control = STATEFUL_TYPES, CONTROL_TYPES
    for op in ops:
        ins = tuple(map(slot_index, op.inputs))
        prim = op.prim
        dev = op.device or sdev
        if dev is not sdev and soft and dev.type == "cuda":
            dev = sdev                  # soft placement without CUDA (see placed)
        if prim is not None and dev is sdev:
            fn = prim.kernels.get(sdev_type)
            if fn is None:
                fn = prim.impl
            params = op.params
            k = op._kernel          # (the kernel for its static shapes, while fn is the one
            if k is not None and k[0] is fn:    # it replaces: frontend._static_kernel)
                fn, params = k[1], NO_PARAMS
        else:
            fn, params = executor_for(op, session, dev)
        outputs = op._outputs       # (op.outputs without its list: the one Tensor, or a tuple)
        out: int | slice
        if type(outputs) is Tensor:     # (setup_op keeps one output bare, never a 1-tuple)
            slot_of.setdefault(outputs, nslots)     # (a fed output keeps its feed's slot,
            out = nslots                            # as in build_plan's loop)
            nslots += 1
        else:
            out = slice(nslots, nslots + len(outputs))
            for t in outputs:
                slot_of.setdefault(t, nslots)
                nslots += 1
        append((fn, ins, out, params, op))
        typ = op.type
        if typ in stateful or (typ in control and _assigns_inside(op)):
            writes = True
    if writes:
        plan.writes_state = True
    return nslots


def _swept(plan: Plan, fetch_tensors: list, target_ops: list, fed_tensors, session) -> bool:
    """``build_plan`` for a Session's own plan on the CPU as two sweeps over the graph's list
    of ops (an op's ``_id`` is its index there, and its inputs were made before it): back from
    the fetches, each needed op marks the producers of its inputs that are not fed (prune);
    then, in creation order over the marked ops (``itertools.compress``, in C), each op gets
    its output slots and its step, its inputs' slots being known by then (allocate and
    compile).  The same steps, ops and fields as the passes of ``prune`` and ``_plain_steps``
    (slots other numbers: fed tensors first as there, then outputs in creation order).  A
    graph built per batch (issue 19, the tree net's 210 ops): build_plan 141 -> 91 us; the
    two sweeps (one sweep making the steps last op first before): 156 -> 121 bytecodes an op.

    False (``plan`` left for the general path) when that path must decide: an op placed on a
    device or of ``HOISTED_TYPES``, a fed tensor made inside a cond branch, a needed op of a
    control-flow context, a fetch or control input of another graph, a control input added
    after its op was made.  An unfed placeholder raises as there: the first one, in creation
    order."""
    slot_of: dict = {}
    for t in fed_tensors:
        if t not in slot_of:
            if t.op._ctx is not None or t.op._outputs is not t:
                return False                # (fed inside a cond branch; one output of several)
            slot_of[t] = len(slot_of)
    n = len(slot_of)
    first = fetch_tensors[0] if fetch_tensors else target_ops[0] if target_ops else None
    if first is None:
        return False
    every = first.graph._ops
    mark = bytearray(len(every))
    top = -1
    for t in fetch_tensors:
        if t not in slot_of:                # (a fed tensor fetched is its feed)
            op = t.op
            if op._ctx is not None or op.graph._ops is not every:
                return False
            i = op._id
            mark[i] = 1
            top = max(top, i)
    for op in target_ops:
        if op.graph._ops is not every:
            return False
        i = op._id
        mark[i] = 1
        top = max(top, i)
    # -- back from the fetches: what each needed op needs
    find = mark.rfind
    i = top + 1
    while i:
        i -= 1
        if not mark[i]:
            i = find(1, 0, i)           # (a run of ops not needed: skipped in C)
            if i < 0:
                break
        op = every[i]
        for t in op.inputs:
            if t not in slot_of:        # (only fed tensors have slots yet)
                mark[t.op._id] = 1
        for c in op.control_inputs:
            j = c._id
            if not mark[j] and c._ctx is None:
                if j > i or c.graph._ops is not every:
                    return False
                mark[j] = 1
    # -- the needed ops in creation order: slots and steps
    sdev = session.device
    sdev_type = sdev.type
    special = STATEFUL_TYPES | CONTROL_TYPES | HOISTED_TYPES
    writes = False
    unfed = None
    steps: list = []
    ops: list = []
    graph_ops: list = []                # positions in ``steps`` of ops without a primitive
    append, keep = steps.append, ops.append
    get = slot_of.get
    for op in _compress(every, mark):
        if op._ctx is not None or op.device is not None:
            return False
        outputs = op._outputs       # (the one Tensor, or a tuple)
        out: int | slice
        if type(outputs) is Tensor:
            if outputs not in slot_of:  # (a fed tensor's op, run as a target or control
                slot_of[outputs] = n    # input: its value goes to a slot of its own, not
            out = n                     # the feed's)
            n += 1
        elif outputs:
            out = slice(n, n + len(outputs))
            n = _give_slots(op, slot_of, n)
        else:
            out = slice(n, n)
        prim = op.prim
        if prim is not None:
            fn = prim.kernels.get(sdev_type)
            if fn is None:
                fn = prim.impl
            params = op.params
            k = op._kernel          # (the kernel for its static shapes, while fn is the one
            if k is not None and k[0] is fn:    # it replaces: frontend._static_kernel)
                fn, params = k[1], NO_PARAMS
        elif op.type == "Placeholder":
            if unfed is None:
                unfed = op
            continue
        else:                           # (made below, after the unfed check, as there)
            fn = params = None
            graph_ops.append(len(steps))
        typ = op.type
        if typ in special:
            if typ in HOISTED_TYPES:
                return False
            if typ in STATEFUL_TYPES or (typ in CONTROL_TYPES and _assigns_inside(op)):
                writes = True
        append((fn, tuple(map(get, op.inputs)), out, params, op))
        keep(op)
    if unfed is not None:
        raise InvalidArgumentError(None, unfed, missing_feed_message(unfed))
    for k in graph_ops:                 # the executors of graph-level ops (Const, ...)
        _, ins_, out_, _, op = steps[k]
        fn, params = executor_for(op, session, sdev)
        steps[k] = (fn, ins_, out_, params, op)
    plan.steps = steps
    plan.ops = ops
    plan.slot_of = slot_of
    plan.nslots = n
    plan.feed_slots = tuple(slot_of[t] for t in fed_tensors)
    plan.writes_state = writes
    plan.copies = False
    return True


def _give_slots(op: Operation, slot_of: dict, n: int) -> int:
    """Slots ``n, n + 1, ...`` for ``op``'s outputs (consecutive: a step's ``out``); the next
    free slot."""
    outputs = op._outputs
    if type(outputs) is Tensor:
        slot_of[outputs] = n
        return n + 1
    for t in outputs:
        slot_of[t] = n
        n += 1
    return n


def _hoist(ops: list, fed: set, ctx) -> list:
    """``ops`` with the HOISTED_TYPES ops and their ancestors moved to the front (both parts
    keep creation order, so the order stays topological)."""
    first = [op for op in ops if op.type in HOISTED_TYPES]
    if not first:
        return ops
    front = set(prune([t for op in first for t in op.inputs], first, fed, ctx))
    return [op for op in ops if op in front] + [op for op in ops if op not in front]


def _strictly_inside(c, ctx) -> bool:
    """Is control-flow context ``c`` nested (strictly) inside ``ctx`` (None: the graph)?"""
    while c is not None:
        c = c.parent
        if c is ctx:
            return True
    return False


def _feeds_inside(op: Operation, inside: list) -> list:
    if op.type != "Cond":
        return []
    branches = op.attrs["branches"]
    return [t for t in inside
            if t.op._ctx in branches or any(_strictly_inside(t.op._ctx, b) for b in branches)]


def _assigns_inside(op: Operation) -> bool:
    """True if any Assign of the graph was built inside a cond branch or loop body (then a
    control-flow op may write variables: the run is treated as stateful)."""
    return any(o.type in STATEFUL_TYPES and o._ctx is not None for o in op.graph._ops)


def executor_for(op: Operation, session, device) -> tuple:
    if op.prim is not None:
        kernel = op.prim.kernels.get(device.type)
        if kernel is None:
            return op.prim.impl, op.params
        return kernel, op.params
    factory = EXECUTORS.get(op.type)
    if factory is None:
        raise NotImplementedError(f"no executor for op type '{op.type}' (node '{op.name}')")
    return factory(op, session, device)


def _copier(device) -> Callable:
    def copy(x):
        return to_device(x, device)
    return copy


def missing_feed_message(op: Operation) -> str:
    t = op.outputs[0]
    dt = _dtypes.TF_NAMES.get(t.aval.dtype.name, t.aval.dtype.name)
    shape = op.attrs.get("shape")
    tail = "" if shape is None else f" and shape {shape_text(shape)}"
    return (f"You must feed a value for placeholder tensor '{op.name}' with dtype {dt}{tail}"
            + node_suffix(op))
