"""The order in which a compiled plan runs its nodes (``codegen.compile_plan``): compiled nodes
kept together (fewest segments), the graph nodes left to Python in an order that keeps their
effects (split from ``codegen.py``).

Graph ops (variable reads and assigns, random ops, iterators, ...) run in their program order,
each after the one before it (``graph_order``), with one exception: a ``VariableRead`` of ``v``
may run before the assigns of *other* variables (and the reads) that precede it, never before
an assign of ``v`` itself or any other graph op.  An optimizer's update reads its variable
after the assigns of the variables updated before it (``w1 -= ...; b1 -= ...``), and those
reads were what kept each update in a segment of its own (a segment call, the buffer's glue
and a cut between updates: 4 segments for the 4 updates of the digits MLP); read first, the
updates are ready together and run in one segment (issue 19).

An update whose gradient is a cond's that is zeros in one branch (``source._zero_update``:
the glue skips it when that branch is taken) stays in a segment of its own
(``pinned_updates``), so its skip is kept.
"""

from __future__ import annotations

import heapq

from .ir import Node, Program

# graph op types that write a variable named by their ``variable`` attribute; a read of
# another variable may run before them
_ASSIGNS = frozenset({"Assign"})


def _variable(n: Node):
    op = n.op
    return None if op is None else op.attrs.get("variable")


def graph_order(prog: Program, compiled: dict) -> list[tuple[Node, Node]]:
    """The ordering edges ``(before, after)`` among the graph nodes left to Python (see the
    module docstring): each graph node after the last graph node before it that is not a
    read, and after every read since that one; a read of ``v`` only after the last graph node
    before it that is neither a read nor an assign of another variable (an assign of ``v``,
    a random op, a py_func, ...).  Linear in the plan's graph nodes."""
    edges: list[tuple[Node, Node]] = []
    last = None                 # the last graph node that is not a read
    reads: list[Node] = []      # the reads since ``last``
    barrier = None              # the last graph node that is neither a read nor an assign
    last_assign: dict = {}      # variable op -> its last assign so far
    for n in prog.nodes:
        if n.kind != "graph" or compiled.get(n):
            continue
        var = _variable(n)
        if n.type == "VariableRead" and var is not None:
            for d in (barrier, last_assign.get(var)):
                if d is not None:
                    edges.append((d, n))
            reads.append(n)
            continue
        if last is not None:
            edges.append((last, n))
        edges.extend((r, n) for r in reads)
        reads = []
        last = n
        if n.type in _ASSIGNS and var is not None:
            last_assign[var] = n
        else:
            barrier = n
    return edges


def pinned_updates(b, inplace: dict) -> set:
    """The in-place updates the glue may skip (``source.zero_update_cond``): each stays a
    segment of its own, followed by its assign."""
    from .source import zero_update_cond
    consumers = b.prog.consumers()
    out = set()
    for u in inplace:
        if u.kind != "fused" or len(u.members) != 2:
            continue
        assigns = [c for c in consumers.get(u, ()) if c.kind == "graph" and c.type == "Assign"]
        if len(assigns) == 1 and zero_update_cond(b, u, assigns[0]) is not None:
            out.add(u)
    return out


def _schedule(prog: Program, compiled: dict, late=frozenset(), first=frozenset(),
              alone=frozenset()) -> list[Node]:
    """A topological order that keeps compiled nodes together (fewest segments).

    The nodes of ``late`` (in-place updates) come after every node of ``first`` (those not
    downstream of an update): they are held back until the last of those is placed, instead of
    one ordering edge per pair (quadratic: a 250-layer training plan had 500 updates x 6,000
    nodes).  Graph ops (reads, assigns, random ops) keep the order of ``graph_order``.  Among
    the ready nodes the earliest in program order goes first (heaps: no sort per step).  The
    compiled nodes of ``alone`` (``pinned_updates``) are placed as the graph nodes are, by
    program order, not with the compiled nodes ready at the same time.
    """
    deps: dict = {n: {v.node for v in n.inputs} | set(n.control) for n in prog.nodes}
    for a, z in graph_order(prog, compiled):
        deps[z].add(a)
    nodeset = set(prog.nodes)
    for n in deps:
        deps[n] &= nodeset
    users: dict = {n: [] for n in prog.nodes}
    for n, ds in deps.items():
        for d in ds:
            users[d].append(n)
    pending = {n: len(ds) for n, ds in deps.items()}
    nodes = prog.nodes
    index = {n: i for i, n in enumerate(nodes)}
    ready_c: list = []
    ready_p: list = []
    held: list = []
    waiting = [len(first & nodeset)]             # nodes of ``first`` not placed yet

    def push(n):
        if waiting[0] and n in late:
            held.append(n)
        else:
            heapq.heappush(ready_c if compiled.get(n) and n not in alone else ready_p,
                           index[n])

    for n in nodes:
        if pending[n] == 0:
            push(n)
    order = []
    mode = False            # start with Python nodes (reads) so a segment can take them all
    while ready_c or ready_p:
        pool = ready_c if (mode and ready_c) or not ready_p else ready_p
        n = nodes[heapq.heappop(pool)]
        mode = bool(compiled.get(n)) and n not in alone
        order.append(n)
        if n in first:
            waiting[0] -= 1
            if not waiting[0]:
                for h in held:
                    push(h)
                held.clear()
        for u in users[n]:
            pending[u] -= 1
            if pending[u] == 0:
                push(u)
    if len(order) != len(nodes):
        from .emit_numba import Unsupported
        placed = set(order)
        left = [n.name for n in nodes if n not in placed]
        raise Unsupported(f"internal: no schedule for {left}")
    return order


def sink_transposes(prog: Program, order: list[Node], compiled: dict) -> list[Node]:
    """``order`` with each compiled 2-D transpose that only compiled nodes read moved to just
    before the first of them.  Placed where it is ready, the transpose of a weight or of an
    input (the ``W^T`` and ``x^T`` of a backward pass) was made in the forward segment and
    returned to the backward one: each a boxed array (~1.1 us) for a copy the reading segment
    makes itself (``gemm_in_numba.operand``: ``tcopy32`` of the matrix it is passed)."""
    consumers = prog.consumers()
    fetched = {f.node for f in prog.fetches if f is not None}
    moved: dict = {}                     # first consumer -> the transposes placed before it
    for t in order:
        if not compiled.get(t) or t.kind != "prim" or t.prim.name != "transpose" or \
                t in fetched or len(t.avals[0].shape) != 2 or t.control:
            continue
        cs = consumers.get(t, [])
        if not cs or not all(compiled.get(c) for c in cs):
            continue
        moved[t] = cs
    if not moved:
        return order
    pos = {n: i for i, n in enumerate(order)}
    before: dict = {}
    for t, cs in moved.items():
        first = min(cs, key=lambda c: pos[c])
        before.setdefault(first, []).append(t)
    out = []
    for n in order:
        if n in moved:
            continue
        out.extend(before.get(n, ()))
        out.append(n)
    return out
