"""A Session's first run without a plan (issue 19: a graph built per batch runs once).

A Session builds a plan for each new (fetches, feeds) key and caches it (``plan.py``): the
needed ops marked back from the fetches, then one step per op with its input and output slots,
then the interpreter loop over the steps (``runtime.run_steps``).  A graph built per batch runs
its Session once, so the steps are made to be walked once: ``direct_run`` runs the needed ops
as it reaches them instead, in creation order (an op is made after its inputs), each value
kept under its tensor (a dict: a graph tensor hashes by identity), no slots and no steps.

It serves a Session's first run only (not a traced one, nor one whose pipeline optimises a
plan from its first run: ``DLCORE_OPTIMIZE_AFTER=1``), and only what ``plan._swept`` serves
without any state: ops of no control-flow context and no device placement, primitives and
``Const`` nodes, no control input, no variable write, no fed tensor whose op must run.  Anything else (and every later
run) builds the plan as before.  Same values, same errors: the feeds are checked as
``Session._make_entry`` checks them, an unfed placeholder is refused before any op runs (the
first in creation order, as there), a kernel's error is wrapped naming its node
(``runtime.wrap_error``), and the run ends as ``Session._execute`` ends it (the variable
store's commit, or its discard on an error).  The key is then left unbuilt: the same key run
again builds its plan (``Session.run``), which counts the direct run as its first run (a
``compiler.TieredPlan`` optimises on the key's second run, as before).
"""

from __future__ import annotations

from itertools import compress as _compress
from typing import Any

import numpy as np

from dlcore.device import CPU

from ._op_empties import NO_PARAMS
from ._placement import check_graph
from .errors import InvalidArgumentError
from .fetches import FetchMapper
from .graph import Operation, Tensor
from .plan import CONTROL_TYPES, EXECUTORS, HOISTED_TYPES, STATEFUL_TYPES, missing_feed_message
from .runtime import wrap_error

#: what ``direct_run`` returns when it ran nothing (the Session builds a plan)
NOT_DIRECT = object()

#: op types without a primitive that a direct run runs (their executor, as the plan's step)
DIRECT_TYPES = frozenset({"Const"})


def direct_run(session, fetches, fed, vals, check_feeds):
    """The fetched values of one run of ``session``'s graph, or ``NOT_DIRECT`` when this run
    needs a plan (nothing ran then).  ``check_feeds(fed, vals)``: the Session's checks of its
    feeds (raised before anything runs)."""
    graph = session.graph
    every = graph._ops
    if not every or session.device is not CPU:
        return NOT_DIRECT
    pipe = session.pipeline
    if pipe is not None:
        # (a plan optimised from its first run: the run is the optimised plan's, as asked;
        # a pipeline of the user's own sees every plan)
        first = getattr(pipe, "optimizes_first_run", None)
        if first is None or first():
            return NOT_DIRECT
    leaves: Any
    if type(fetches) is Tensor and fetches.op.graph is graph:
        mapper, leaves = None, (fetches,)
    else:
        mapper = FetchMapper(graph, fetches)
        leaves = mapper.leaves
    check_feeds(fed, vals)
    values = dict(zip(fed, vals))
    mark = bytearray(len(every))
    top = -1
    for f in leaves:
        if type(f) is Tensor:
            if f in values:
                continue                    # (a fed tensor fetched is its feed)
            op = f.op
        elif isinstance(f, Operation):
            op = f
            if op._outputs in values:
                return NOT_DIRECT           # (a fed tensor's op run: see below)
        else:
            return NOT_DIRECT
        if op.graph is not graph:
            return NOT_DIRECT
        i = op._id
        mark[i] = 1
        if i > top:
            top = i
    check_graph(session)            # TF 1.15 places the whole graph on a run (_placement)
    # -- back from the fetches: what each needed op needs, and whether a direct run serves
    special = STATEFUL_TYPES | CONTROL_TYPES | HOISTED_TYPES
    find = mark.rfind
    unfed: Operation | None = None
    i = top + 1
    while i:
        i -= 1
        if not mark[i]:
            i = find(1, 0, i)               # (a run of ops not needed: skipped in C)
            if i < 0:
                break
        op = every[i]
        if op.prim is None:
            typ = op.type
            if typ == "Placeholder":
                unfed = op                  # (the first in creation order, at the end)
                continue
            if typ not in DIRECT_TYPES:
                return NOT_DIRECT
        elif op.type in special:
            return NOT_DIRECT
        if op._ctx is not None or op.device is not None or op.control_inputs:
            return NOT_DIRECT
        outs = op._outputs
        if type(outs) is not Tensor and (not outs or any(t in values for t in outs)):
            return NOT_DIRECT               # (a fed tensor's op run: its own slot, a plan's)
        for t in op.inputs:
            if t not in values:
                mark[t.op._id] = 1
    if unfed is not None:
        raise InvalidArgumentError(None, unfed, missing_feed_message(unfed))
    # -- the needed ops in creation order, each run as it is reached
    store = session.variables
    try:
        for op in _compress(every, mark):
            prim = op.prim
            if prim is not None:
                fn = prim.kernels.get("cpu")
                if fn is None:
                    fn = prim.impl
                params = op.params
                k = op._kernel      # (the kernel for its static shapes: frontend._static_kernel)
                if k is not None and k[0] is fn:
                    fn, params = k[1], NO_PARAMS
            else:
                fn, params = EXECUTORS[op.type](op, session, CPU)
            ins = op.inputs
            n = len(ins)
            if params:
                r = fn(*[values[t] for t in ins], **params)
            elif n == 2:
                r = fn(values[ins[0]], values[ins[1]])
            elif n == 1:
                r = fn(values[ins[0]])
            elif n == 0:
                r = fn()
            else:
                r = fn(*[values[t] for t in ins])
            outs = op._outputs
            if type(outs) is Tensor:
                values[outs] = r
            else:
                for t, v in zip(outs, r):
                    values[t] = v
    except BaseException as e:  # noqa: BLE001 - re-raised, naming the node
        store.discard()
        raise wrap_error(e, op) from None
    try:
        store.commit()              # (the run's end, as Session._execute)
    except BaseException:
        store.discard()
        raise
    out: list = []
    for f in leaves:
        if type(f) is not Tensor:
            out.append(None)
            continue
        v = values[f]
        if type(v) is np.ndarray:
            if v.ndim == 0:
                v = v[()]
            elif not v.flags.writeable:
                v = v.copy()
        out.append(v)
    return mapper.rebuild(out) if mapper is not None else out[0]


def count_direct_run(plan) -> None:
    """The plan built for a key that ``direct_run`` ran: a ``compiler.TieredPlan`` counts that
    run as its first (it optimises on the key's second run, as it would have)."""
    calls = getattr(plan, "_calls", None)
    if calls is not None:
        calls["n"] += 1
