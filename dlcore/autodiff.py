"""The one reverse-mode routine, shared by both front ends.

Reverse mode walks the graph from the outputs back to the inputs in reverse topological order and
applies each primitive's vjp rule, summing cotangents where a value feeds several consumers::

    grads[y] = seed
    for node in reversed(topological_order):          # every consumer before its producers
        for parent, g in zip(parents(node), vjp(node, grads[node])):
            grads[parent] = grads[parent] + g  (or g, the first time)

The routine knows nothing about Sessions or Tensors.  A front end passes two functions:
``parents(v)`` (the input values of the op that produced ``v``; empty for a leaf) and
``vjp(v, g)`` (the cotangents of those inputs).  In the static front end values are graph
tensors and ``vjp`` adds gradient nodes; in the eager front end values are tensors on the tape and
``vjp`` computes.  Because vjp rules are written with dlcore ops, running this routine on
gradient nodes gives gradients of gradients.

The topological sort is iterative (a 10,000-deep chain is fine), only nodes on a path from the
roots to the wanted values are visited, and every cotangent is checked against its value's shape
and dtype before it is used.
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

from .registry import aval_of


def topological_order(roots: Iterable, parents: Callable, key: Callable = id) -> list:
    """Values reachable from ``roots`` (through ``parents``), each after all of its parents."""
    order: list = []
    state: dict = {}            # key -> 1 while on the stack, 2 when emitted
    for root in roots:
        if key(root) in state:
            continue
        stack = [(root, iter(parents(root)))]
        state[key(root)] = 1
        while stack:
            node, it = stack[-1]
            for p in it:
                if p is None:
                    continue
                k = key(p)
                if k not in state:
                    state[k] = 1
                    stack.append((p, iter(parents(p))))
                    break
            else:
                stack.pop()
                state[key(node)] = 2
                order.append(node)
    return order


def check_cotangent(value, g, where: str = "") -> None:
    """Assert that a cotangent has its value's shape (None matches anything) and dtype."""
    va, ga = aval_of(value), aval_of(g)
    ok = len(va.shape) == len(ga.shape) and all(
        a is None or b is None or a == b for a, b in zip(va.shape, ga.shape))
    if not ok or va.dtype != ga.dtype:
        raise AssertionError(
            f"dlcore autodiff: the gradient of a value of shape {va.shape} and dtype "
            f"{va.dtype.name} came out with shape {ga.shape} and dtype {ga.dtype.name}{where}; "
            f"this is a bug in a vjp rule")


def reverse_pass(roots: Sequence, seeds: Sequence, *, parents: Callable, vjp: Callable,
                 add: Callable, wanted: Iterable | None = None, key: Callable = id,
                 stop: Callable | None = None, on_grad: Callable | None = None,
                 name_of: Callable | None = None) -> dict:
    """Accumulate cotangents from ``roots`` (seeded with ``seeds``) back to the ``wanted`` values.

    Args:
      roots, seeds: the outputs and their cotangents (``seeds[i]`` may be None to skip a root).
      parents: ``parents(v)`` -> input values of the op that made ``v`` (empty for leaves).
      vjp: ``vjp(v, g)`` -> one entry per parent of ``v``: a cotangent, None, or a zero-argument
        callable that computes the cotangent; callables are called only for parents on a path
        to a wanted value (so ``x @ w`` with data ``x`` never computes the cotangent of ``x``).
      add: how two cotangents are summed (a dlcore op, so this works on nodes and on values).
      wanted: the values whose cotangents are returned; only nodes on a path from a root to a
        wanted value are visited.  ``None`` means every leaf.
      stop: ``stop(v)`` -> True to treat ``v`` as a leaf (tf.stop_gradient, detach, stop_gradients).
      on_grad: ``on_grad(v, g)`` -> g, called once ``v``'s cotangent is complete (eager hooks,
        retain_grad); it may return a replacement.
      name_of: for error messages, ``name_of(v)`` describing the node.

    Returns:
      ``{key(v): cotangent}`` for the wanted values reached.  Unreached values are absent.
    """
    def par(v):
        if stop is not None and stop(v):
            return ()
        return parents(v)

    order = topological_order(roots, par, key)
    if wanted is None:
        wanted_keys = {key(v) for v in order if not par(v)}
    else:
        wanted_keys = {key(v) for v in wanted}
    # Keep only nodes from which a wanted value is reachable.
    useful: set = set()
    for v in order:                      # parents come first
        k = key(v)
        if k in wanted_keys or any(p is not None and key(p) in useful for p in par(v)):
            useful.add(k)

    grads: dict = {}
    for r, s in zip(roots, seeds):
        if s is None or key(r) not in useful:
            continue
        k = key(r)
        grads[k] = s if k not in grads else add(grads[k], s)

    result: dict = {}
    for v in reversed(order):
        k = key(v)
        if k not in useful or k not in grads:
            continue
        g = grads.pop(k) if k not in wanted_keys else grads[k]
        if on_grad is not None:
            g = on_grad(v, g)
            if k in wanted_keys:
                grads[k] = g
        ps = par(v)
        if k in wanted_keys:
            result[k] = g
        if not ps:
            continue
        in_grads = vjp(v, g)
        if len(in_grads) != len(ps):
            raise AssertionError(f"dlcore autodiff: vjp returned {len(in_grads)} cotangents for "
                                 f"{len(ps)} inputs")
        for p, pg in zip(ps, in_grads):
            if p is None or pg is None:
                continue
            pk = key(p)
            if pk not in useful:
                continue
            if callable(pg):        # a thunk: computed only because this input needs it
                pg = pg()
                if pg is None:
                    continue
            check_cotangent(p, pg, f" (flowing out of {name_of(v) if name_of else 'an op'})")
            grads[pk] = pg if pk not in grads else add(grads[pk], pg)
    return result
