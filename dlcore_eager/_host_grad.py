"""The grad_fn of a result computed on the host (NumPy) whose PyTorch counterpart records one.

PyTorch marks the results of some functions it cannot differentiate as requiring grad, with a
``NotImplemented`` grad_fn whose backward raises ``RuntimeError: derivative for aten::<name> is
not implemented`` (``floor_divide``, ``heaviside``, ``histogram``); others have a simple rule
that a host computation does not record (``nextafter``: the gradient passes to ``input``, zero
to ``other``; ``frexp``'s mantissa: ``g * 2^-exponent``).  ``attach`` gives such a result its
node when an input requires grad and grad mode is on, so the flag, ``grad_fn`` and backward
match PyTorch's.
"""

from __future__ import annotations

from ._graph import TapeNode, leaf_node
from ._state import STATE
from .tensor import Tensor


class HostNode(TapeNode):
    """A grad_fn named ``label`` whose vjp is ``fn(g) -> one cotangent (or None) per parent``."""

    __slots__ = ("__weakref__", "dtype", "fn", "hooks", "label", "parents", "retain", "shape")

    def __init__(self, label, fn, parents, buf):
        self.label = label
        self.fn = fn
        self.parents = parents
        self.shape = buf.shape
        self.dtype = buf.dtype
        self.hooks = None
        self.retain = None

    def name(self) -> str:
        return self.label

    def vjp(self, g, retain: bool):
        return self.fn(g)


def not_implemented(name: str):
    """The vjp of PyTorch's ``NotImplemented`` node of ``aten::<name>``."""
    def fn(g):
        raise RuntimeError(f"derivative for aten::{name} is not implemented")
    return fn


def attach(out: Tensor, label: str, inputs, fn) -> Tensor:
    """``out`` (a fresh floating result) with a ``label`` node over the tensors of ``inputs``
    (None or numbers: no edge) when one of them requires grad and grad mode is on;
    ``fn(g)`` returns one cotangent per tensor input (None for one without a gradient)."""
    ins = [t for t in inputs if isinstance(t, Tensor)]
    if not (isinstance(out, Tensor) and STATE.enabled and any(t._rg for t in ins)):
        return out
    if out._buf.dtype.kind not in "fc":
        return out
    parents = tuple((t._node if t._node is not None else leaf_node(t))
                    if t._rg else None for t in ins)
    out._node = HostNode(label, fn, parents, out._buf)
    out._rg = True
    return out


def not_implemented_pair(op, rop, aten: str):
    """The binary operator pair ``(op, rop)`` (``rop(a, b)`` is ``b op a``) whose floating
    results get PyTorch's NotImplemented node of ``aten::<aten>`` (``//``: floor_divide)."""
    bw = not_implemented(aten)

    def op_recorded(a, b):
        return attach(op(a, b), "NotImplemented", (a, b), bw)

    def rop_recorded(a, b):
        return attach(rop(a, b), "NotImplemented", (b, a), bw)
    return op_recorded, rop_recorded
