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


_LEGACY_REDUCES = {"max": "amax", "min": "amin"}


def legacy_scatter_reduce(orig, inplace: bool = False):
    """``scatter_reduce`` accepting the legacy ``reduce='max'``/``'min'`` as PyTorch 2.13 does:
    computed as ``'amax'``/``'amin'``, but the result's backward raises PyTorch's error (its
    ScatterReduceBackward0 knows only the new names).  An in-place form is mapped only when
    nothing requires grad (else the core's refusal stands)."""
    def scatter_reduce(*args, **kwargs):
        r = kwargs.get("reduce", args[4] if len(args) > 4 else None)
        if type(r) is not str or r not in _LEGACY_REDUCES:
            return orig(*args, **kwargs)
        tensors = [t for t in (*args, *kwargs.values()) if isinstance(t, Tensor)]
        grad = STATE.enabled and any(t._rg for t in tensors)
        if inplace and grad:
            return orig(*args, **kwargs)
        if "reduce" in kwargs:
            kwargs = {**kwargs, "reduce": _LEGACY_REDUCES[r]}
        else:
            args = (*args[:4], _LEGACY_REDUCES[r], *args[5:])
        if not grad:
            return orig(*args, **kwargs)
        from .autograd import no_grad
        with no_grad():
            out = orig(*args, **kwargs)

        def fn(g):
            raise RuntimeError("Expected 'reduce' to be one of 'sum', 'prod', 'mean', 'amax', "
                               f"'amin' but got {r}.")
        return attach(out, "ScatterReduceBackward0", tensors, fn)
    scatter_reduce.__doc__ = getattr(orig, "__doc__", None)
    scatter_reduce.__wrapped__ = orig  # type: ignore[attr-defined]
    return scatter_reduce
