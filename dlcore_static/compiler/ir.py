"""The compiler's intermediate representation: a small, mutable copy of one Session plan.

The passes never touch the user's ``Graph``.  ``from_plan`` copies the pruned, ordered ops of a
``Plan`` into ``Node`` objects that the passes may rewrite freely:

* ``Node.kind`` says what a node is: ``'feed'`` (a fed tensor: its value is handed in),
  ``'const'`` (a value known while compiling: a ``Const`` op or a folded subgraph), ``'prim'``
  (a core primitive: pure, its kernel chosen by device), ``'fused'`` (a group of elementwise
  primitives that runs as one generated loop, made by the fusion pass) and ``'graph'`` (every
  other graph-level op: VariableRead, Assign, random ops, Cond, While, NoOp, ...: run by the
  Session's own executor and never rewritten).
* Edges are ``Val(node, index)``: output ``index`` of ``node``.  ``Node.control`` keeps the
  control inputs (ordering only).
* Every value has a *concrete* abstract value when the plan's key allows it: the key fixes the
  feed shapes, so ``infer_shapes`` re-runs the primitives' shape rules with those shapes and most
  ``None`` dimensions of the graph become numbers.  The passes rely on this (a ``full_like`` of a
  tensor whose shape is known is a constant; ``x * 1`` is ``x`` only when the product has ``x``'s
  shape).

``lower`` turns a Program back into interpreter steps ``(fn, in_slots, out, params, op)`` that the
Session's loop runs unchanged.  Nodes that come from an Operation keep that op's executor; new
nodes get a ``PassOp`` (a name, a type and the file:line of the op they replace) so run metadata
and error messages still say what ran and where it was defined.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from dlcore.dtypes import is_floating
from dlcore.ops.shape import transpose_p
from dlcore.registry import AVal

from .. import plan as _plan
from ..graph import Operation, Tensor


class PassOp:
    """Stands in for an Operation in a step made by a pass (folded constant, fused kernel)."""

    def __init__(self, name: str, type_: str, defined_at: str = "<compiler>",
                 contains: tuple = ()):
        self.name = name
        self.type = type_
        self.defined_at = defined_at
        self.contains = contains          # the original op names, for run metadata
        self.members: list = []           # fused: the member nodes (name, type)

    def __repr__(self) -> str:
        return f"<PassOp '{self.name}' type={self.type}>"


class Node:
    """One node of the IR.  See the module docstring."""

    __slots__ = (
        "__weakref__",
        "avals",
        "control",
        "defined_at",
        "id",
        "inputs",
        "kind",
        "members",
        "name",
        "op",
        "params",
        "prim",
        "type",
        "value",
    )

    def __init__(self, kind: str, name: str, type_: str, *, op: Operation | None = None,
                 prim=None, params: dict | None = None, inputs=(), avals=(), control=(),
                 value: Any = None, defined_at: str = "<compiler>"):
        self.id = -1
        self.kind = kind
        self.name = name
        self.type = type_
        self.op = op
        self.prim = prim
        self.params = dict(params or {})
        self.inputs: list[Val] = list(inputs)
        self.avals: list[AVal] = list(avals)
        self.control: list[Node] = list(control)
        self.value = value
        self.members: list = []          # fused nodes: the member nodes, in order
        self.defined_at = defined_at

    def graph_op(self) -> Operation:
        """The graph Operation this node stands for (a "graph" node, or one made from an op)."""
        if self.op is None:
            raise TypeError(f"dlcore compiler: node '{self.name}' has no graph Operation")
        return self.op

    def out(self, i: int = 0) -> Val:
        return Val(self, i)

    @property
    def pure(self) -> bool:
        """Deterministic and free of side effects: may be folded, merged, fused or removed."""
        return self.kind in ("prim", "const", "fused")

    def __repr__(self) -> str:
        return f"<Node {self.kind}:{self.type} '{self.name}'>"


class Val(NamedTuple):
    node: Node
    index: int          # type: ignore[assignment]  # a field named as tuple.index, by design

    @property
    def aval(self) -> AVal:
        return self.node.avals[self.index]

    @property
    def unknown_rank(self) -> bool:
        """Made by an op of unknown output rank (``py_func``, ``placeholder(shape=None)``):
        its aval is a stand-in scalar, so its shape is known only at run time."""
        op = self.node.op
        return op is not None and bool(op.attrs.get("unknown_rank"))


def node_reads(n: Node) -> list:
    """The values ``n`` reads from other nodes (a fused node: its members' outside inputs)."""
    vals = list(n.inputs)
    if n.kind == "fused":
        members = set(n.members)
        vals += [v for m in n.members for v in m.inputs if v.node not in members]
    return vals


def const_all(v: Val, x: float) -> bool:
    """Whether ``v`` is a constant of a number dtype whose every element equals ``x`` (the
    passes' test for a neutral or zero operand: ``simplify``, ``conv_pads``)."""
    n = v.node
    if n.kind != "const" or n.value is None:
        return False
    c = np.asarray(n.value)
    if c.size == 0 or not (c.dtype.kind in "iu" or is_floating(c.dtype)):
        return False
    return bool((c == x).all())


class Program:
    """The IR of one plan: nodes in a topological order, the feeds, fetches and targets."""

    keep_loops: set       # set on a loop body's program by control_loops (absent otherwise)

    def __init__(self):
        self.nodes: list[Node] = []
        self.feeds: list[Node] = []            # one per fed tensor, in the plan's feed order
        self.fetches: list = []                # per fetched leaf: a Val, or None (an Operation)
        self.targets: list[Node] = []          # fetched Operations (they must run)
        self.device: Any = None                # the Device it runs on, once lowered
        self.log: list[str] = []               # what the passes did, for users

    def copy(self) -> Program:
        """A shallow structural copy (nodes are copied; values and ops are shared)."""
        new = Program()
        mapping: dict[Node, Node] = {}
        for n in self.feeds + self.nodes:
            c = Node(n.kind, n.name, n.type, op=n.op, prim=n.prim, params=n.params,
                     avals=n.avals, value=n.value, defined_at=n.defined_at)
            c.members = list(n.members)
            mapping[n] = c
        for n in self.feeds + self.nodes:
            c = mapping[n]
            c.inputs = [Val(mapping[v.node], v.index) for v in n.inputs]
            c.control = [mapping[x] for x in n.control if x in mapping]
        new.feeds = [mapping[n] for n in self.feeds]
        new.nodes = [mapping[n] for n in self.nodes]
        new.fetches = [None if f is None else Val(mapping[f.node], f.index)
                       for f in self.fetches]
        new.targets = [mapping[n] for n in self.targets]
        new.device = self.device
        new.log = list(self.log)
        return new

    def consumers(self) -> dict:
        """{Node: [consumer Node, ...]} over data edges."""
        out: dict = {n: [] for n in self.feeds + self.nodes}
        for n in self.nodes:
            for v in n.inputs:
                out.setdefault(v.node, []).append(n)
        return out

    def replace_uses(self, old: Val, new: Val) -> None:
        """Every use of ``old`` (inputs and fetches) now reads ``new``."""
        for n in self.nodes:
            if old in n.inputs:
                n.inputs = [new if v == old else v for v in n.inputs]
            for m in n.members:               # a fused node's members read external values too
                if old in m.inputs and new.node is not n:
                    m.inputs = [new if v == old else v for v in m.inputs]
        self.fetches = [new if f == old else f for f in self.fetches]

    def replace_many(self, mapping: dict) -> None:
        """``replace_uses`` for every ``old -> new`` pair of ``mapping`` in one scan of the
        program (a pass that redirects many values, fusion, is then linear, not quadratic)."""
        if not mapping:
            return
        get = mapping.get
        for n in self.nodes:
            if any(v in mapping for v in n.inputs):
                n.inputs = [get(v, v) for v in n.inputs]
            for m in n.members:
                if any(v in mapping and mapping[v].node is not n for v in m.inputs):
                    m.inputs = [v if v not in mapping or mapping[v].node is n else mapping[v]
                                for v in m.inputs]
        self.fetches = [f if f is None else get(f, f) for f in self.fetches]

    def counts(self) -> dict:
        kinds: dict = {}
        for n in self.nodes:
            kinds[n.kind] = kinds.get(n.kind, 0) + 1
        return {"nodes": len(self.nodes), **kinds}

    def renumber(self) -> None:
        for i, n in enumerate(self.feeds + self.nodes):
            n.id = i


# ============================================================================ from a plan
def node_from_op(op: Operation, val_of: dict, node_of: dict, before: list | None = None) -> Node:
    """The Node for graph op ``op`` (a primitive, a constant, or a graph op left to Python),
    its inputs read from ``val_of``; records it in ``node_of`` and its outputs in ``val_of``.
    Control edges to ops outside ``node_of`` (not in this program) are dropped.  With
    ``before`` (the caller's node list), a MatMul with transpose flags appends a Transpose node
    per flag there and returns a plain matmul node (``_flagged_matmul``)."""
    if op.prim is not None:
        kind = "prim"
        if op.params and before is not None and op.prim.name == "matmul":
            return _flagged_matmul(op, val_of, node_of, before)
    elif op.type == "Const":
        kind = "const"
    else:
        kind = "graph"
    n = Node(kind, op.name, op.type, op=op, prim=op.prim, params=op.params,
             inputs=[val_of[t] for t in op.inputs], avals=[t.aval for t in op.outputs],
             control=[node_of[c] for c in op.control_inputs if c in node_of],
             value=op.attrs.get("value") if kind == "const" else None,
             defined_at=op.defined_at)
    node_of[op] = n
    for t in op.outputs:
        # a fed output keeps its feed (TF1: feeding replaces the tensor, the op may still run
        # for a sibling output or as a target)
        val_of.setdefault(t, n.out(t.value_index))
    return n


def _flagged_matmul(op: Operation, val_of: dict, node_of: dict, before: list) -> Node:
    """A MatMul with ``transpose_a``/``transpose_b`` set (``tf.gradients``' products, as
    TensorFlow's) as a Transpose node per flag (appended to ``before``) and a plain matmul
    node: the form the passes know (fusion, CSE, the glue's ``x.T`` views and GEMM choices,
    a weight gradient's transposed copy), so nothing downstream reads the flags."""
    ins = [val_of[t] for t in op.inputs]
    flags = (op.params.get("transpose_a"), op.params.get("transpose_b"))
    for i, flag in enumerate(flags):
        if flag:
            v = ins[i]
            sh = v.aval.shape
            perm = tuple(range(len(sh) - 2)) + (len(sh) - 1, len(sh) - 2)
            t = Node("prim", f"{op.name}/transpose_{'ab'[i]}", "Transpose", prim=transpose_p,
                     params={"perm": perm}, inputs=[v],
                     avals=[AVal(sh[:-2] + (sh[-1], sh[-2]), v.aval.dtype)],
                     defined_at=op.defined_at)
            before.append(t)
            ins[i] = t.out()
    n = Node("prim", op.name, op.type, op=op, prim=op.prim, params={}, inputs=ins,
             avals=[t.aval for t in op.outputs],
             control=[node_of[c] for c in op.control_inputs if c in node_of],
             defined_at=op.defined_at)
    node_of[op] = n
    for t in op.outputs:
        # a fed output keeps its feed (TF1: feeding replaces the tensor, the op may still run
        # for a sibling output or as a target)
        val_of.setdefault(t, n.out(t.value_index))
    return n


def from_plan(plan, feed_values) -> Program:
    """Copy a Session plan into a Program; ``feed_values`` give the concrete feed avals."""
    prog = Program()
    prog.device = plan.device
    val_of: dict[Tensor, Val] = {}
    node_of: dict[Operation, Node] = {}
    for t, v in zip(plan.fed, feed_values):
        n = Node("feed", t.name, "Feed", avals=[AVal(tuple(v.shape), np.dtype(v.dtype))])
        prog.feeds.append(n)
        val_of[t] = n.out()
    for op in plan.ops:
        prog.nodes.append(node_from_op(op, val_of, node_of, prog.nodes))
    for f in plan.fetches:
        if isinstance(f, Tensor):
            prog.fetches.append(val_of[f])
        else:
            prog.fetches.append(None)
            prog.targets.append(node_of[f])
    infer_shapes(prog)
    sink_control(prog)
    prog.renumber()
    return prog


def sink_control(prog: Program) -> int:
    """Move the control inputs of primitive nodes to the nodes that consume their values.

    ``with tf.control_dependencies(update_ops): train = opt.minimize(loss)`` (TF1's batch-norm
    idiom) gives every gradient op control inputs.  A primitive is pure: when it runs cannot
    change its value, only the ordering of the side effects after it matters.  So its control
    inputs are handed on to its consumers, through data and control edges (transitively, down
    to the graph ops that read or write state, which keep them) and the primitive is free to be simplified, merged, folded and
    fused like any other; every ordering between side effects stays as the user asked.  A
    primitive that is fetched, or a target, or has no consumer keeps its control inputs.
    Returns the number of primitives cleared (``Program.nodes`` must be in topological
    order)."""
    consumers = prog.consumers()
    for n in prog.nodes:                          # control consumers inherit the ordering too
        for c in n.control:
            consumers.setdefault(c, []).append(n)
    keep = {f.node for f in prog.fetches if f is not None} | set(prog.targets)
    cleared = 0
    for n in prog.nodes:
        if n.kind != "prim" or not n.control or n in keep:
            continue
        users = consumers.get(n)
        if not users:
            continue
        for u in users:
            for c in n.control:
                if c not in u.control and c is not u:
                    u.control.append(c)
        n.control = []
        cleared += 1
    return cleared


def infer_shapes(prog: Program) -> None:
    """Re-run the primitives' shape rules with the concrete feed shapes (see the docstring)."""
    for n in prog.nodes:
        if n.kind == "prim" and n.inputs and any(v.unknown_rank for v in n.inputs):
            continue        # its input's aval is a stand-in scalar: keep the graph's avals
        if n.kind == "prim" and n.inputs:
            try:
                n.avals = [n.prim.abstract_eval(*[v.aval for v in n.inputs], **n.params)]
            except Exception:  # noqa: BLE001, S110 - the kernel will raise at run time, naming the node
                pass
        elif n.kind == "const" and isinstance(n.value, np.ndarray):
            n.avals = [AVal(n.value.shape, n.value.dtype)]
        elif n.type == "Assign" and n.inputs and n.inputs[0].aval.fully_defined or n.type == "PlaceholderWithDefault" and n.inputs:
            n.avals = [n.inputs[0].aval]


def topo_sort(prog: Program) -> None:
    """Order the nodes so every node comes after its data and control inputs (stable)."""
    order: list[Node] = []
    state: dict[Node, int] = {}
    index = {n: i for i, n in enumerate(prog.nodes)}
    for root in prog.nodes:
        if root in state:
            continue
        stack = [(root, False)]
        while stack:
            n, done = stack.pop()
            if done:
                state[n] = 2
                order.append(n)
                continue
            if n in state:
                continue
            state[n] = 1
            stack.append((n, True))
            deps = [v.node for v in n.inputs] + list(n.control)
            for d in sorted((d for d in deps if d in index), key=index.__getitem__,
                            reverse=True):
                if d not in state:
                    stack.append((d, False))
    prog.nodes = order
    prog.renumber()


# ============================================================================ lowering
def const_fn(value) -> Callable:
    def const():
        return value
    return const


def lower(prog: Program, plan, session, kernel_for: Callable) -> Any:
    """Interpreter steps for ``prog``: a new Plan object that the Session runs as usual.

    ``kernel_for(node)`` returns ``(fn, params)`` for a fused node (see fusion.py).
    """
    new = _plan.Plan()
    new.device = plan.device
    new.ctx = plan.ctx
    new.ops = plan.ops
    new.fed = plan.fed
    new.fetches = plan.fetches
    new.writes_state = plan.writes_state
    slot: dict[Val, int] = {}
    n_slots = 0
    for f in prog.feeds:
        slot[f.out()] = n_slots
        n_slots += 1
    new.feed_slots = tuple(range(len(prog.feeds)))
    steps = []
    device = plan.device
    for n in prog.nodes:
        ins = tuple(slot[v] for v in n.inputs)
        k = len(n.avals)
        start = n_slots
        for i in range(k):
            slot[n.out(i)] = n_slots
            n_slots += 1
        out = start if k == 1 else slice(start, start + k)
        if n.kind == "fused":
            fn, params = kernel_for(n)
            pop = PassOp(n.name, n.type, n.defined_at, tuple(m.name for m in n.members))
            pop.members = n.members
            op: Operation | PassOp = pop
        elif n.kind == "graph":
            gop = n.graph_op()
            fn, params = _plan.executor_for(gop, session, _plan.placed(gop, session, device))
            op = gop
        elif n.kind == "const":
            value = n.value
            if device.type != "cpu":
                from dlcore.device import to_device
                value = to_device(value, device)
            fn, params = const_fn(value), {}
            op = n.op if n.op is not None else PassOp(n.name, n.type, n.defined_at)
        else:                                     # a primitive (possibly rewritten by a pass)
            dev = device if n.op is None else _plan.placed(n.op, session, device)
            fn = n.prim.kernels.get(dev.type) or n.prim.impl
            params = n.params
            op = n.op if n.op is not None else PassOp(n.name, n.type, n.defined_at)
        steps.append((fn, ins, out, params, op))
    new.steps = steps
    new.nslots = n_slots
    new.fetch_slots = tuple(None if f is None else slot[f] for f in prog.fetches)
    new.slot_of = {}
    return new
