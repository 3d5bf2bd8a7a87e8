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
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from .autodiff import reverse_pass
from .registry import AVal, Primitive, aval_of, bind


class _Node:
    """A front-end value and the primitive application that made it (None for an input)."""

    __slots__ = ("inputs", "params", "prim", "val")
    __dlcore_frontend__: ClassVar[Any]

    def __init__(self, val: Any, prim: Primitive | None = None, inputs: tuple = (),
                 params: dict | None = None):
        self.val = val
        self.prim = prim
        self.inputs = inputs
        self.params = params or {}

    def __dlcore_aval__(self) -> AVal:
        return aval_of(self.val)


class _Recorder:
    @staticmethod
    def apply(prim: Primitive, args, params):
        vals = [a.val if type(a) is _Node else a for a in args]
        out = bind(prim, *vals, **params)
        if isinstance(out, (tuple, list)):
            raise NotImplementedError(f"dlcore.recompute: primitive {prim.name!r} with several "
                                      "outputs in a recomputed composite")
        ins = tuple(a if type(a) is _Node else _Node(a) for a in args)
        return _Node(out, prim, ins, dict(params))


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
    leaves = [_Node(p) for p in primals]
    outs = fn(*leaves)
    grads = reverse_pass(list(outs), list(cotangents), parents=_parents, vjp=_vjp, add=add,
                         wanted=leaves)
    return tuple(grads.get(id(leaf)) for leaf in leaves)
