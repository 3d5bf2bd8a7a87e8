"""Pass ``prune``: remove every node that no fetch and no fetched operation needs.

The Session already prunes when it builds a plan (it walks back from the fetches, TensorFlow's
"backtracking"), so on a fresh plan this pass finds nothing to do.  It matters *after* the other
passes: constant folding, CSE and simplification redirect uses to other nodes and leave the old
ones unreachable, and this pass sweeps them away (Grappler runs its pruner for the same reason).

Roots are the fetched values and the fetched operations; a node is live if a root reaches it
through data inputs or control inputs.  Nothing with a side effect can be lost this way: an
``Assign`` only runs in the first place because a fetch reaches it.
"""

from __future__ import annotations

from .ir import Program


def run(prog: Program) -> int:
    """Remove dead nodes; return how many were removed.  (It runs after every other pass: one
    walk, and only the nodes with control inputs get a new list.)"""
    live: set = set()
    add = live.add
    stack = [f.node for f in prog.fetches if f is not None] + list(prog.targets)
    pop, extend = stack.pop, stack.extend
    while stack:
        n = pop()
        if n in live:
            continue
        add(n)
        for v in n.inputs:
            stack.append(v.node)
        if n.control:
            extend(n.control)
    before = len(prog.nodes)
    prog.nodes = [n for n in prog.nodes if n in live]
    kept = set(prog.nodes)
    for n in prog.nodes:
        if n.control:
            n.control = [c for c in n.control if c in kept]
    prog.renumber()
    return before - len(prog.nodes)
