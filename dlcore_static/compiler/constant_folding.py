"""Pass ``constant_folding``: compute, once while compiling, what does not depend on the run.

A primitive node whose inputs are all constants is evaluated now with the primitive's own CPU
kernel and replaced by a ``const`` node holding the result (``2.0 - 1.0`` in the gradient of
``x ** 2`` becomes ``1.0``).  Because the plan's key fixes the feed shapes, shape-only
primitives fold too, whatever their data input is: ``full_like(x, 1)`` (the ``ones_like`` seed of
``tf.gradients``) is a constant once ``x``'s shape is known, and so are ``broadcast_like``,
``reshape_like`` and ``expand_dims`` of a constant, and ``shape_of`` (``tf.shape``: the
sample count of ``tf.layers.batch_normalization``, which ran as two Python calls per layer and
split the compiled batch-norm code in two segments).  Broadcast results are kept as zero-copy
views, so folding never materialises an ``N x H`` array of ones.

Never folded: placeholders and feeds, variables (their reads and assigns), random ops (a
``random_normal`` must give a new sample on every run), control flow and anything else that is
not a pure core primitive; and results larger than ``MAX_ELEMENTS`` (folding would trade a
kernel call for a large constant held in memory).
"""

from __future__ import annotations

import math

import numpy as np

from dlcore.registry import AVal

from .ir import Node, Program, Val

MAX_ELEMENTS = 1 << 22
_SHAPE_ONLY = {"full_like": (0,), "broadcast_like": (1,), "reshape_like": (1,),
               "sum_to": (1,), "shape_of": (0,)}


def _const_value(v: Val):
    n = v.node
    if n.kind != "const" or n.value is None:
        return None
    return np.asarray(n.value)


def uniform_view(value: np.ndarray) -> np.ndarray:
    """A constant whose elements are all equal, as a zero-copy broadcast of one element."""
    if value.size > 1 and value.strides != (0,) * value.ndim and \
            bool((value == value.flat[0]).all()):
        return np.broadcast_to(value.reshape(-1)[:1].reshape(()), value.shape)
    return value


def run(prog: Program) -> int:
    """Fold what can be folded; return the number of nodes replaced by constants.  Each folded
    constant is placed before the node it replaces and the uses are redirected in one scan at
    the end (``Program.replace_many``; inputs are read through the pending redirections, so a
    chain of foldable nodes folds in one walk): an insert and a scan per folded node were
    quadratic in the plan's size (issue 19)."""
    folded = 0
    mapping: dict = {}
    nodes: list[Node] = []
    for n in prog.nodes:
        nodes.append(n)
        if n.kind != "prim" or n.control or len(n.avals) != 1:
            continue
        aval = n.avals[0]
        if not aval.fully_defined or math.prod(int(d) for d in aval.shape) > MAX_ELEMENTS:
            continue
        shape_only = _SHAPE_ONLY.get(n.prim.name, ())
        args = []
        for i, v in enumerate(n.inputs):
            v = mapping.get(v, v)
            c = _const_value(v)
            if c is None and i in shape_only and v.aval.fully_defined and not v.unknown_rank:
                c = np.broadcast_to(np.zeros((), v.aval.dtype), v.aval.shape)  # shape donor
            if c is None:
                break
            args.append(c)
        else:
            try:
                with np.errstate(all="ignore"):
                    value = n.prim.impl(*args, **n.params)
            except Exception:  # noqa: BLE001, S112 - left to run time, where the error names the node
                continue
            value = np.asarray(value)
            if value.shape != aval.shape or value.dtype != aval.dtype:
                continue
            value = uniform_view(value)
            if value.flags.writeable:
                value = value.view()
                value.flags.writeable = False
            c = Node("const", n.name, "Const(folded)", avals=[AVal(value.shape, value.dtype)],
                     value=value, defined_at=n.defined_at)
            nodes.insert(len(nodes) - 1, c)
            mapping[n.out()] = c.out()
            folded += 1
    prog.nodes = nodes
    prog.replace_many(mapping)
    prog.renumber()
    return folded
