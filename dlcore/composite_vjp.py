"""The vjp of a composite function on any front end's values, for a primitive whose gradient of
a gradient is its composite's (``grid_sample``'s: dlcore/ops/grid_sample.py).

``vjp(fun, *primals)`` runs ``fun`` (written with dlcore ops) on wrappers of ``primals`` and
returns ``vjp_fn(g)``, the cotangents of the primals.  The primals and ``g`` may be anything a
primitive takes: a static graph's tensors, eager tensors (a ``create_graph`` backward), plain
buffers, or this module's own wrappers of an enclosing call.  Every op on a wrapper is bound
again on the wrapped values, so the front end that owns them sees (and records) each op and
the cotangents are its values again: the gradient of a gradient of a primitive whose vjp is
this is built from the composite's primitives, whatever the front end.

This is JAX's nesting of interpreters (autodidax's "levels") cut down to reverse mode: a
wrapper (:class:`Traced`) belongs to one call (its level); an op on wrappers of several calls
is recorded at the innermost call's level, the others passed through as constants to the
enclosing one.  The reverse pass is the one routine (:func:`dlcore.autodiff.reverse_pass`).
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any, Callable, ClassVar

from .autodiff import reverse_pass
from .device import is_cuda_array
from .registry import AVal, Primitive, aval_of, bind

_LEVELS = itertools.count(1)      # a nested call gets a higher level than any enclosing one
_CUDA = SimpleNamespace(type="cuda")


class Traced:
    """A value of the enclosing front end (``val``), the call it belongs to (``level``) and the
    primitive that made it from ``args`` (None for an input or a cotangent)."""

    __slots__ = ("val", "level", "prim", "args", "params")
    __dlcore_frontend__: ClassVar[Any]      # set below

    def __init__(self, val, level: int, prim: Primitive | None = None, args=(), params=None):
        self.val = val
        self.level = level
        self.prim = prim
        self.args = args
        self.params = params or {}

    def __dlcore_aval__(self) -> AVal:
        return aval_of(self.val)

    @property
    def shape(self) -> tuple:
        return aval_of(self.val).shape

    @property
    def dtype(self):
        return aval_of(self.val).dtype

    @property
    def ndim(self) -> int:
        return len(aval_of(self.val).shape)

    @property
    def device(self):
        """The wrapped value's device (``device.const_like`` places an op's constants there)."""
        return _CUDA if is_cuda_array(self.val) else getattr(self.val, "device", None)


def _mine(a, level: int) -> bool:
    return type(a) is Traced and a.level == level


class _Frontend:
    @staticmethod
    def apply(prim: Primitive, args, params):
        level = max(a.level for a in args if type(a) is Traced)
        out = bind(prim, *(a.val if _mine(a, level) else a for a in args), **params)
        return Traced(out, level, prim, tuple(args), params)


Traced.__dlcore_frontend__ = _Frontend


def _parents(v: Traced):
    if v.prim is None or not v.prim.differentiable:
        return ()
    return tuple(a if _mine(a, v.level) else None for a in v.args)


def _vjp_of(v: Traced, g):
    return v.prim.vjp(g, v, *v.args, **v.params)


def vjp(fun: Callable, *primals) -> Callable:
    """``vjp_fn(g)``: one cotangent per primal of ``fun(*primals)`` for the cotangent ``g`` of
    its output, as the enclosing front end's values (zeros where the output does not depend on
    a primal)."""
    from .ops import add, zeros_like
    level = next(_LEVELS)
    ins = [Traced(p, level) for p in primals]
    out = fun(*ins)

    def vjp_fn(g):
        if not _mine(out, level):
            return tuple(zeros_like(p) for p in primals)
        grads = reverse_pass([out], [Traced(g, level)], parents=_parents, vjp=_vjp_of, add=add,
                             wanted=ins)
        res = []
        for p, x in zip(primals, ins):
            c = grads.get(id(x))
            res.append(zeros_like(p) if c is None else c.val if _mine(c, level) else c)
        return tuple(res)
    return vjp_fn
