"""Pass ``cse``: common subexpression elimination.

Two nodes that apply the same primitive with the same parameters to the same inputs compute the
same value, so the second is replaced by the first.  Equal small constants merge too (by dtype,
shape and bytes).  The pass walks the nodes in order, keying each by ``(primitive, parameters,
inputs)``; inputs are already canonical when a node is reached, so chains of duplicates collapse
in one walk.

Never merged (tinygrad #9597: never merge leaves or parameters): feeds and placeholders,
variable reads (two reads of one variable can see different values when an assign is ordered
between them), assigns, random ops (two ``random_normal`` nodes are two independent samples),
control flow, and any node with control inputs (merging would drop an ordering the user asked
for).  Only pure core primitives and constants qualify.
"""

from __future__ import annotations

import numpy as np

from .ir import Program

MAX_CONST_BYTES = 256


def _params_key(params: dict):
    items = []
    for k, v in sorted(params.items()):
        if isinstance(v, np.ndarray):
            v = (v.dtype.str, v.shape, v.tobytes())
        elif isinstance(v, np.dtype):
            v = v.str
        items.append((k, v))
    key = tuple(items)
    hash(key)
    return key


def run(prog: Program) -> int:
    """Merge duplicates; return how many nodes were merged away.  The uses are redirected in
    one scan at the end (``Program.replace_many``): one scan per merged node made a 10,000-op
    chain with 6,666 equal constants take 33 s here (quadratic); inputs are read through the
    pending redirections, so chains of duplicates still collapse in one walk."""
    seen: dict = {}
    mapping: dict = {}
    merged = 0
    for n in prog.nodes:
        if n.control:
            continue
        key: tuple
        if n.kind == "prim":
            try:
                key = ("prim", n.prim.name, _params_key(n.params),
                       tuple((id(w.node), w.index) for w in
                             (mapping.get(v, v) for v in n.inputs)))
            except TypeError:            # an unhashable parameter: leave the node alone
                continue
        elif n.kind == "const" and n.value is not None:
            v = np.asarray(n.value)
            if v.nbytes > MAX_CONST_BYTES:
                continue
            key = ("const", v.dtype.str, v.shape, np.ascontiguousarray(v).tobytes())
        else:
            continue
        first = seen.get(key)
        if first is None:
            seen[key] = n
            continue
        for i in range(len(n.avals)):
            mapping[n.out(i)] = first.out(i)
        merged += 1
    prog.replace_many(mapping)
    return merged
