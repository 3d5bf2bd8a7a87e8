"""The vjp of a composite, by recomputing it: how a fused gradient primitive gets its own vjp.

A fused gradient kernel (``lstm_seq_grad``, the backpropagation through time of a whole LSTM
layer) is fast because it is one kernel; its derivative (a second derivative of the layer:
a gradient penalty, a Hessian-vector product) is rare.  Rather than a second hand-written
kernel, its vjp recomputes the same function as a composite of primitives and runs the one
reverse-mode routine (``dlcore.autodiff.reverse_pass``) over that composite::

    outs = fn(*primals)                 # each primitive application recorded here
    grads = reverse_pass(outs, cotangents)   # each primitive's own vjp rule

Values are the front end's own (eager Tensors, static graph tensors, NumPy buffers): while
``fn`` runs they are wrapped in ``_Node``, whose front end (``__dlcore_frontend__``) binds each
primitive on the unwrapped values (so the front end records or builds it as usual: a gradient
of this gradient works too) and keeps the record the reverse pass walks.  Only the vjp rules of
the recorded primitives are used, so the result is a gradient *node* in a static graph and a
gradient *value* (on the tape under ``create_graph``) in eager mode, as any vjp rule's.

Calls nest (``grid_sample``'s grid gradient has its vjp from the composite's own vjp, itself
recomputed: dlcore/ops/grid_sample.py): each call's nodes carry its *level* (a nested call's is
higher), and an op on nodes of several calls is recorded at the innermost one, the others kept
as its constants, so the enclosing call still sees that op depend on them (JAX's nesting of
interpreters, autodidax's levels, cut down to this).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from .autodiff import reverse_pass
from .device import device_of, is_cuda_array
from .registry import AVal, Primitive, aval_of, bind

_LEVELS = itertools.count(1)      # a nested call's level is higher than its enclosing one's


class _Node:
    """A front-end value (or a node of an enclosing call), the call it belongs to (``level``)
    and the primitive application that made it (None for an input or a constant)."""

    __slots__ = ("inputs", "level", "params", "prim", "val")
    __dlcore_frontend__: ClassVar[Any]

    def __init__(self, val: Any, level: int, prim: Primitive | None = None,
                 inputs: tuple = (), params: dict | None = None):
        self.val = val
        self.level = level
        self.prim = prim
        self.inputs = inputs
        self.params = params or {}

    def __dlcore_aval__(self) -> AVal:
        return aval_of(self.val)

    @property
    def device(self):
        """The value's device: ``device.const_like`` puts a composite's constants there."""
        v = self.val
        return device_of(v) if is_cuda_array(v) else getattr(v, "device", None)


class _Recorder:
    @staticmethod
    def apply(prim: Primitive, args, params):
        level = max(a.level for a in args if type(a) is _Node)
        mine = [type(a) is _Node and a.level == level for a in args]
        out = bind(prim, *(a.val if m else a for a, m in zip(args, mine)), **params)
        if isinstance(out, (tuple, list)):
            raise NotImplementedError(f"dlcore.recompute: primitive {prim.name!r} with several "
                                      "outputs in a recomputed composite")
        ins = tuple(a if m else _Node(a, level) for a, m in zip(args, mine))
        return _Node(out, level, prim, ins, dict(params))


_Node.__dlcore_frontend__ = _Recorder


def _parents(v: _Node) -> tuple:
    return v.inputs if v.prim is not None else ()


def _vjp(v: _Node, g):
    prim = v.prim                            # reverse_pass asks only nodes with parents
    assert prim is not None
    if prim.vjp is None:                     # a comparison, a mask: no gradient flows
        return (None,) * len(v.inputs)
    return prim.vjp(g, v.val, *(i.val for i in v.inputs), **v.params)


def composite_vjp(fn: Callable, primals: Sequence, cotangents: Sequence) -> tuple:
    """``fn(*primals)`` (a tuple of outputs, written with dlcore ops) recomputed, and the
    cotangents of ``primals`` given ``cotangents`` of its outputs (None where none flows)."""
    from .ops.elementwise import add
    level = next(_LEVELS)
    leaves = [_Node(p, level) for p in primals]
    outs = fn(*leaves)
    grads = reverse_pass(list(outs), list(cotangents), parents=_parents, vjp=_vjp, add=add,
                         wanted=leaves)
    return tuple(grads.get(id(leaf)) for leaf in leaves)
