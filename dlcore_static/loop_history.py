"""What a ``while_loop`` keeps for its gradient: TensorFlow 1's stacks, in a simpler form.

The gradient of a while_loop (``WhileGrad``) runs the body's gradient once per iteration, last
iteration first.  The body's gradient reads some of the body's *forward* values: that
iteration's loop variables and intermediate results (a ``tanh``'s output for its derivative,
the inputs of a ``matmul``).  TF1 pushes those values onto stacks in the forward loop and pops
them in the gradient loop.  Here:

* ``saved_tensors(grad_op)``: the forward tensors of the body that the body's gradient graph
  reads.  Found from the graph alone (so graphs loaded from a file work too): the gradient's
  ops were created after the ``While`` op, the body's forward ops before it.
* The forward ``While`` of a plan that also holds one of its ``WhileGrad`` s (the gradient's
  executor *links* to the loop's state when the plan is built: ``link_gradient``) runs a body
  that also returns those tensors and appends each iteration's values to a *history*
  (``run_forward``).  It hands the history on through the current *scope*, a thread-local
  dict (concurrent runs never mix), together with the loop's input values; the ``WhileGrad``
  takes it (``take``) only if its own inputs are those very objects, and otherwise runs the
  forward loop itself.  So the gradient never recomputes the forward loop in the common case,
  and never uses a history of other inputs.
* Nested loops: each iteration of a loop that keeps a history runs in a fresh scope, kept with
  that iteration's entry; an inner loop's history lands there, and ``run_gradient`` re-enters
  the scope when it replays that iteration, where the inner ``WhileGrad`` finds it.

* A loop variable that the gradient reads only for its shape (the ``ref`` of the
  ``scatter_add`` that is the gradient of a ``take``: reading an element of a ``TensorArray``
  that the loop writes) is not kept per iteration: each entry holds the first iteration's
  value of the same shape and dtype (``picks_for``'s kind 2), so a loop that reads and writes
  an (n, H) array for n iterations keeps O(n H) floats, not O(n^2 H).

A scope keeps at most one history per loop, so a history that no gradient took (a run that
failed half way) is dropped by the next run of the same loop.
"""

from __future__ import annotations

import operator
import threading
import weakref

import numpy as np

from dlcore.device import CPU, is_cuda_array, to_device

from .graph import Operation, Tensor

_tls = threading.local()


# ============================================================================ saved tensors
def saved_tensors(grad_op: Operation) -> list[Tensor]:
    """The forward tensors of the loop body (loop variables included) that the body's gradient
    graph of ``grad_op`` (a WhileGrad) reads, in creation order."""
    fwd = grad_op.attrs["forward"]
    ctx = fwd.attrs["context"]
    limit = fwd._id
    saved: set = set()
    seen: set = set()
    stack = [t.op for t in grad_op.attrs["grad_outputs"] if t.op._ctx is ctx]
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        for t in op.inputs:
            if t.op._ctx is not ctx:
                continue                      # an outer tensor: a capture of the WhileGrad
            if t.op._id < limit:
                saved.add(t)                  # a forward value of the body
            else:
                stack.append(t.op)
        for c in op.control_inputs:
            if c._ctx is ctx and c._id > limit:
                stack.append(c)
    return sorted(saved, key=lambda t: (t.op._id, t.value_index))


def is_forward_op(grad_op: Operation, op: Operation) -> bool:
    """Is ``op`` (in the loop body's context) one of the body's forward ops?"""
    return op._id < grad_op.attrs["forward"]._id


def unwrap_identity(t: Tensor) -> Tensor:
    """The input of ``t``'s op if that op is a plain identity (no control inputs) of the same
    context: the identities that ``cond``/``while_loop`` put on each branch and body output
    copy a value that nothing ever changes, so runners fetch their input instead."""
    op = t.op
    if op.prim is not None and op.prim.name == "identity" and not op.control_inputs:
        return op.inputs[0]
    return t


# ============================================================================ linking
class LoopState:
    """One forward While executor's wish list: the tensors its linked gradients read."""

    __slots__ = ("__weakref__", "consumers", "op", "saved")

    def __init__(self, op: Operation):
        self.op = op
        self.saved: tuple = ()           # union of the linked gradients' saved tensors
        self.consumers = 0               # linked WhileGrad executors

    @property
    def keeps_history(self) -> bool:
        return self.consumers > 0


def _latest() -> weakref.WeakKeyDictionary:
    """{session: {While op: the LoopState built last}}, per thread (a plan is built in one
    thread; two threads building plans at once do not link to each other's executors)."""
    d = getattr(_tls, "latest", None)
    if d is None:
        d = _tls.latest = weakref.WeakKeyDictionary()
    return d


def register_forward(session, op: Operation) -> LoopState:
    """Called by each While executor factory: the state a later gradient links to."""
    state = LoopState(op)
    _latest().setdefault(session, {})[op] = state
    return state


def link_gradient(session, fwd: Operation, saved: list) -> LoopState | None:
    """Called by each WhileGrad executor factory: the forward executor built last for ``fwd``
    in this session and thread (the one of the same plan: plans build a While before its
    WhileGrad) keeps a history of ``saved`` from now on."""
    state = _latest().get(session, {}).get(fwd)
    if state is None:
        return None
    have = set(state.saved)
    state.saved = tuple(state.saved) + tuple(t for t in saved if t not in have)
    state.consumers += 1
    return state


# ============================================================================ scopes
def _scope() -> dict:
    s = getattr(_tls, "scope", None)
    if s is None:
        s = _tls.scope = {}
    return s


def put(op: Operation, inputs: tuple, layout: tuple, history: list, consumers: int) -> None:
    """Hand a forward loop's history to its gradient(s) (see the module docstring)."""
    _scope()[op] = [inputs, layout, history, consumers]


def take(op: Operation, inputs) -> tuple | None:
    """``(layout, history, last)`` of ``op``'s forward loop in this scope if it ran on exactly
    ``inputs`` (the same objects), else None.  ``last``: no other gradient will take it (the
    caller may consume the history)."""
    scope = _scope()
    rec = scope.get(op)
    if rec is None:
        return None
    old = rec[0]
    if len(old) != len(inputs) or not all(map(operator.is_, old, inputs)):
        return None
    rec[3] -= 1
    last = rec[3] <= 0
    if last:
        del scope[op]
    return rec[1], rec[2], last


#: primitive -> the inputs it reads only for their shape and dtype
SHAPE_ONLY_INPUTS = {"scatter_add": (2,), "full_like": (0,), "broadcast_like": (1,),
                     "reshape_like": (1,), "sum_to": (1,)}


def shape_only_in_gradient(fwd: Operation, t: Tensor) -> bool:
    """Do the ops of ``fwd``'s loop context made after ``fwd`` (its gradients) read ``t``
    only for its shape and dtype?"""
    ctx, limit = fwd.attrs["context"], fwd._id
    used = False
    for op in t.consumers():
        if op._ctx is not ctx or op._id < limit:
            continue
        positions = SHAPE_ONLY_INPUTS.get(op.prim.name, ()) if op.prim is not None else ()
        if any(x is t and k not in positions for k, x in enumerate(op.inputs)):
            return False
        used = True
    return used


def picks_for(layout: tuple, lvar_index: dict, inter: list, fwd: Operation | None = None
              ) -> list:
    """How each history value is made: ``(0, j)`` loop variable j, ``(1, k)`` the k-th extra
    output of the body, ``(2, j)`` loop variable j read by the gradient only for its shape
    (given the While op ``fwd``: see the module docstring)."""
    where = {t: k for k, t in enumerate(inter)}
    out = []
    for t in layout:
        if t not in lvar_index:
            out.append((1, where[t]))
        elif fwd is not None and shape_only_in_gradient(fwd, t):
            out.append((2, lvar_index[t]))
        else:
            out.append((0, lvar_index[t]))
    return out


def _pick(kind: int, j: int, vals: list, extra: list, first: dict):
    if kind == 1:
        return extra[j]
    v = vals[j]
    if kind == 2:                   # read for its shape: one value of each shape and dtype
        kept = first.get(j)
        if kept is not None and kept.shape == v.shape and kept.dtype == v.dtype and \
                type(kept) is type(v):
            return kept
        first[j] = v
    return v


# ============================================================================ drivers
class UniformHistory(list):
    """A history whose entries all have the same shapes and dtypes, entry by entry (made by a
    compiled loop whose body's outputs have fixed shapes: ``compiler/control_loops.py``), so a
    gradient loop may choose its compiled program once rather than per iteration."""

    __slots__ = ()


#: a predicate of these types is on the host: ``bool(p)`` is its value
HOST_TYPES = (bool, np.bool_, np.ndarray)


def truthy(p) -> bool:
    """A predicate's value as a Python bool (a CUDA scalar is copied to the host)."""
    if type(p) not in HOST_TYPES and is_cuda_array(p):
        p = to_device(p, CPU)
    return bool(p)


def run_forward(cond, step, vals: list, caps: list, max_iter, picks=None):
    """The forward loop: ``cond(vals, caps) -> pred``; ``step(vals, caps) -> (new vals, extra
    outputs, pred of the new vals or None)``.  With ``picks``, also the history (one entry of
    saved values and a scope per iteration).  Returns ``(vals, history or None)``."""
    history: list | None = [] if picks is not None else None
    it = 0
    p = None
    first: dict = {}
    # per iteration, the glue is all there is besides the body (issue 19): the outer scope is
    # read once (a step restores it), and without shape-only picks (kind 2) each saved value
    # is an index into the new values or the extra outputs, without a call
    outer = _scope() if history is not None else None
    plain = picks is not None and all(k != 2 for k, _ in picks)
    while max_iter is None or it < max_iter:
        if p is None:
            p = cond(vals, caps)
        if not (bool(p) if type(p) in HOST_TYPES else truthy(p)):
            break
        if history is None:
            vals, _, p = step(vals, caps)
        else:
            inner = _tls.scope = {}
            try:
                new, extra, p = step(vals, caps)
            finally:
                _tls.scope = outer
            if plain:
                history.append(([extra[j] if k else vals[j] for k, j in picks],
                                inner or None))
            else:
                history.append(([_pick(k, j, vals, extra, first) for k, j in picks],
                                inner or None))
            vals = new
        it += 1
    return vals, history


def run_gradient(vjp, history: list, gvars: list, gcaps: list, consume: bool):
    """The gradient loop: ``vjp(saved values, gvars, gcaps) -> (gvars, gcaps)`` per iteration,
    last first, each in the scope its forward iteration ran in."""
    outer = _scope()
    try:
        if consume:
            while history:
                saved, inner = history.pop()
                _tls.scope = inner if inner is not None else {}
                gvars, gcaps = vjp(saved, gvars, gcaps)
        else:
            for saved, inner in reversed(history):
                _tls.scope = dict(inner) if inner is not None else {}
                gvars, gcaps = vjp(saved, gvars, gcaps)
    finally:
        _tls.scope = outer
    return gvars, gcaps


def layout_index(layout: tuple, wanted: list) -> list | None:
    """Positions of ``wanted`` in ``layout``, or None if one is missing."""
    where = {t: k for k, t in enumerate(layout)}
    try:
        return [where[t] for t in wanted]
    except KeyError:
        return None
