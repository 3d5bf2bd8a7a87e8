"""The one reverse-mode routine, shared by both front ends.

Reverse mode walks the graph from the outputs back to the inputs in reverse topological order and
applies each primitive's vjp rule, summing cotangents where a value feeds several consumers::

    grads[y] = seed
    for node in reversed(topological order):          # every consumer before its producers
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

The eager front end's ``backward()`` and ``grad()`` on plain buffers (no ``create_graph`` or
anomaly mode; ``wanted`` included) run this loop specialised to its tape, with its callbacks'
common cases inline (``dlcore_eager.autograd._buffer_pass``: same order, same sums, same checks;
its tests compare the two bit for bit): a Python call per callback was most of a small node's
cost.
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

import numpy as np

from .registry import aval_of

_ndarray = np.ndarray


def _sort(roots: Iterable, parents: Callable, key: Callable):
    """Values reachable from ``roots`` (through ``parents``), each after all of its parents, and
    what the reverse pass needs of each value in that order: its key, its parents (``parents``
    is called once per value) and their keys (None for a None parent)."""
    order: list = []
    keys: list = []
    pars: list = []
    pkeys: list = []
    seen: set = set()           # keys met (on the stack or emitted)
    see = seen.add
    for root in roots:
        k = key(root)
        if k in seen:
            continue
        see(k)
        # a depth-first walk; the value being walked is held in locals, the ones below it on
        # ``stack`` (pushed when a new parent is entered, popped when it is emitted)
        node, ps = root, parents(root)
        pks: list = []
        it = iter(ps)
        stack: list[tuple] = []
        while True:
            for p in it:
                if p is None:
                    pks.append(None)
                    continue
                pk = key(p)
                pks.append(pk)
                if pk not in seen:
                    see(pk)
                    stack.append((node, k, ps, pks, it))
                    node, k, ps, pks = p, pk, parents(p), []
                    it = iter(ps)
                    break
            else:
                order.append(node)
                keys.append(k)
                pars.append(ps)
                pkeys.append(pks)
                if not stack:
                    break
                node, k, ps, pks, it = stack.pop()
    return order, keys, pars, pkeys


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


def _check(value, g, node, name_of) -> None:
    """``check_cotangent``, with the common case (equal, fully known shapes) first and the
    error's description of ``node`` built only when the check fails."""
    if type(g) is _ndarray:
        # an eager tape node carries its output's shape (a tuple) and dtype: no AVal to build
        shape = getattr(value, "shape", None)
        if type(shape) is tuple and shape == g.shape and value.dtype == g.dtype:
            return
        va = aval_of(value)
        if va.shape == g.shape and va.dtype == g.dtype:
            return
    else:
        own = getattr(value, "aval", None)   # a graph tensor's own (no call): equal, or
        if own is not None and own == getattr(g, "aval", None):  # the full check below
            return
        va = aval_of(value)
        ga = aval_of(g)
        if va.shape == ga.shape and va.dtype == ga.dtype:
            return
    check_cotangent(value, g, f" (flowing out of {name_of(node) if name_of else 'an op'})")


def reverse_pass(roots: Sequence, seeds: Sequence, *, parents: Callable, vjp: Callable,
                 add: Callable, wanted: Iterable | None = None, key: Callable = id,
                 stop: Callable | None = None, on_grad: Callable | None = None,
                 name_of: Callable | None = None, add_n: Callable | None = None) -> dict:
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
      add_n: ``add_n(terms)`` -> their sum: with it a value's cotangents are gathered and
        summed once, when the value is reached (TensorFlow's AddN: one sum of several terms in
        their arrival order, which a front end may build as fewer nodes than a chain of
        ``add``); without it they are summed pairwise as they arrive.

    Returns:
      ``{key(v): cotangent}`` for the wanted values reached.  Unreached values are absent.
    """
    if stop is None:
        par = parents
    else:
        def par(v):
            if stop(v):
                return ()
            return parents(v)

    # Each value's parents are asked for once (in the sort) and kept with their keys.
    order, keys, pars, pkeys = _sort(roots, par, key)
    if wanted is None:
        wanted_keys = {k for k, ps in zip(keys, pars) if not ps}
    else:
        wanted_keys = {key(v) for v in wanted}
    # Keep only nodes from which a wanted value is reachable.
    useful: set = set()
    isdisjoint = useful.isdisjoint
    for k, pks in zip(keys, pkeys):      # parents come first; None is never in useful
        if k in wanted_keys or not isdisjoint(pks):
            useful.add(k)

    grads: dict = {}
    for r, s in zip(roots, seeds):
        if s is None:
            continue
        k = key(r)
        if k not in useful:
            continue
        grads[k] = s if k not in grads else add(grads[k], s)

    result: dict = {}
    for v, k, ps, pks in zip(reversed(order), reversed(keys), reversed(pars), reversed(pkeys)):
        # (only useful values get cotangents: the seeds and the inputs' below are filtered)
        g = grads.pop(k, None)
        if g is None:                    # not useful, or no cotangent reached it
            continue
        if type(g) is _Terms and add_n is not None:
            g = add_n(g)                 # (only made when add_n is given)
        if on_grad is not None:
            g = on_grad(v, g)
        if k in wanted_keys:
            result[k] = g
            if isdisjoint(pks):
                continue                 # nothing wanted above it: its graph is left intact
        if not ps:
            continue
        in_grads = vjp(v, g)
        if len(in_grads) != len(ps):
            raise AssertionError(f"dlcore autodiff: vjp returned {len(in_grads)} cotangents for "
                                 f"{len(ps)} inputs")
        for p, pk, pg in zip(ps, pks, in_grads):
            if pg is None or pk not in useful:
                continue
            if type(pg) is not _ndarray and callable(pg):
                pg = pg()           # a thunk: computed only because this input needs it
                if pg is None:
                    continue
            if type(pg) is _ndarray:    # _check's common case inline: a tape node's shape
                shape = getattr(p, "shape", None)
                if type(shape) is not tuple or shape != pg.shape or \
                        (p.dtype is not pg.dtype and p.dtype != pg.dtype):
                    _check(p, pg, v, name_of)
            else:                       # a graph tensor's own AVal, equal: _check's
                own = getattr(p, "aval", None)   # common case inline
                if own is None or own != getattr(pg, "aval", None):
                    _check(p, pg, v, name_of)
            if pk in grads:
                if add_n is None:
                    grads[pk] = add(grads[pk], pg)
                else:
                    terms = grads[pk]
                    if type(terms) is _Terms:
                        terms.append(pg)
                    else:
                        grads[pk] = _Terms((terms, pg))
            else:
                grads[pk] = pg
    return result


class _Terms(list):
    """The cotangents gathered for one value when ``reverse_pass`` is given ``add_n``."""

    __slots__ = ()
