"""A minimal front end, JAX-style: ``vjp(f, *xs)`` and ``grad(f)`` on plain arrays.

This is the smallest complete example of how a front end plugs into the core, and it lets the
core's own tests check every vjp rule without either real front end:

* a value type whose class has ``__dlcore_frontend__`` (here ``Traced``) so that ``bind`` hands
  ops on it to the front end's ``apply``;
* ``apply`` runs the primitive's kernel on the underlying buffers and records which primitive
  produced the result from which inputs;
* the one reverse-mode routine (``dlcore.autodiff.reverse_pass``) walks those records, calling
  each primitive's vjp rule.  The rule's ops act on ``Traced`` values again, so gradients of
  gradients work by nesting ``vjp``.
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar

import numpy as np

from . import dtypes as _dt
from .autodiff import reverse_pass
from .registry import AVal, Primitive, aval_of, scalar_context_dtype


class Traced:
    """A buffer plus the record of the primitive that produced it (None for an input)."""

    __slots__ = ("buf", "prim", "inputs", "params")
    __dlcore_frontend__: ClassVar[Any]      # set below, once _TapeFrontend exists

    def __init__(self, buf, prim: Primitive | None = None, inputs=(), params=None):
        self.buf = buf
        self.prim = prim
        self.inputs = inputs
        self.params = params or {}

    def __dlcore_aval__(self) -> AVal:
        return AVal(tuple(self.buf.shape), np.dtype(self.buf.dtype))

    def __repr__(self) -> str:
        return f"Traced({self.buf!r}, prim={self.prim})"


class _TapeFrontend:
    @staticmethod
    def apply(prim: Primitive, args, params):
        other = scalar_context_dtype(args)
        vals = [a if isinstance(a, Traced) else Traced(np.asarray(
            a, dtype=_dt.scalar_dtype(a, other) if _dt.is_python_scalar(a) else None))
            for a in args]
        prim.abstract_eval(*(aval_of(v) for v in vals), **params)
        out = prim.impl(*(v.buf for v in vals), **params)
        return Traced(np.asarray(out) if not hasattr(out, "copy_to_host") else out, prim,
                      tuple(vals), params)


Traced.__dlcore_frontend__ = _TapeFrontend


def _parents(v: Traced):
    return v.inputs if v.prim is not None and v.prim.differentiable else ()


def _vjp_of(v: Traced, g):
    prim = v.prim        # reverse_pass asks only nodes with parents: a differentiable primitive
    assert prim is not None and prim.vjp is not None
    return prim.vjp(g, v, *v.inputs, **v.params)


def vjp(fun: Callable, *primals):
    """Run ``fun`` on ``primals`` and return ``(out, vjp_fn)``; ``vjp_fn(g)`` gives one
    cotangent per primal (zeros for primals the output does not depend on)."""
    ins = [p if isinstance(p, Traced) else Traced(np.asarray(p)) for p in primals]
    out = fun(*ins)

    def vjp_fn(g):
        from .ops import add, zeros_like
        g = g if isinstance(g, Traced) else Traced(np.asarray(g, dtype=out.buf.dtype))
        grads = reverse_pass([out], [g], parents=_parents, vjp=_vjp_of, add=add, wanted=ins)
        return tuple(grads.get(id(x), None) if id(x) in grads else zeros_like(x) for x in ins)
    return out, vjp_fn


def grad(fun: Callable, argnums: int | tuple = 0) -> Callable:
    """``grad(f)(*xs)``: the gradient of a scalar-valued ``f`` with respect to ``xs[argnums]``,
    as plain arrays.  Nest ``vjp`` (not ``grad``) for higher orders."""
    def g(*xs):
        out, f_vjp = vjp(fun, *xs)
        grads = f_vjp(np.ones_like(out.buf))
        if isinstance(argnums, int):
            return grads[argnums].buf
        return tuple(grads[i].buf for i in argnums)
    return g
