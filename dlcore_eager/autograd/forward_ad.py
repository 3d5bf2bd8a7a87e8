"""``torch.autograd.forward_ad``: forward-mode AD with dual tensors.

    import torch.autograd.forward_ad as fwAD
    with fwAD.dual_level():
        x = fwAD.make_dual(primal, tangent)        # x carries tangent
        y = f(x)
        jvp = fwAD.unpack_dual(y).tangent          # J_f(primal) @ tangent

A dual tensor is an ordinary Tensor (a view of its primal) whose tangent is kept here, by
the tensor's id, for the open level.  While a level is open, every primitive applied in eager
mode goes through :func:`_apply`: when an input carries a tangent, the output's tangent is
the primitive's Jacobian-vector product, computed from the primitive's one vjp rule by the
*double-vjp* trick (``u -> vjp(u)`` is linear, so ``J v = d/du <vjp(u), v>``), as
``torch.func.jvp`` does here: no forward rule is written twice.  To see every primitive,
the level switches off the eager fast paths the same way a running ``tracing`` trace does
(an entry in ``tracing._RECORDERS``) and wraps ``EagerFrontend.apply`` (and the modules'
references to it, as tracing does).  The tangent is itself differentiable where it depends on
a primal that requires grad (forward-over-reverse).

A custom ``autograd.Function`` given a dual input runs its ``forward`` on the primals and
takes its outputs' tangents from its ``jvp`` staticmethod (``ctx.save_for_forward``), as
PyTorch; without ``jvp`` it is PyTorch's NotImplementedError (``autograd/function.py``).

Differences from PyTorch: an in-place change of a dual tensor is refused (RuntimeError) when its tangent is next read,
instead of updating the tangent.  One level at a time (PyTorch also refuses nesting).  Whether
a tangent requires grad follows its real dependence on the primals (PyTorch's zero tangents
can make it require grad where it does not depend on them).
"""

from __future__ import annotations

import weakref
from collections import namedtuple
from typing import Any

__all__ = ["UnpackedDualTensor", "dual_level", "enter_dual_level", "exit_dual_level",
           "make_dual", "unpack_dual"]

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])

_LEVEL: list[int] = []               # the open level (one at most)
#: id(dual tensor) -> (weakref to it, its version when made, its tangent)
_TANGENTS: dict[int, tuple] = {}
_SAVED: list = []                    # the wrapped applies to restore on exit
_INSIDE: list = []                   # non-empty while a tangent is computed


def _marker(prim, params, inputs, out) -> None:   # (a tracing recorder that records nothing)
    return None


def enter_dual_level() -> int:
    """Open the forward-AD level (PyTorch: a new level's index, 0 for the first)."""
    if _LEVEL:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    from .. import _dispatch
    from .. import tracing as _tracing
    fn = _dispatch.EagerFrontend.apply

    def apply(prim, args, params):
        return _apply(fn, prim, args, params)
    # the class attribute and the modules' own references to it, as a trace patches them
    _SAVED.extend(_tracing.patch_apply(apply))
    _tracing._RECORDERS.append(_marker)
    _LEVEL.append(0)
    return 0


def exit_dual_level(*, level: int | None = None) -> None:
    """Close the level: every dual tensor made in it loses its tangent."""
    if not _LEVEL:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that "
                           "was created. This is not supported.")
    from .. import tracing as _tracing
    _tracing.restore_apply(_SAVED)
    _SAVED.clear()
    _tracing._RECORDERS.remove(_marker)
    _LEVEL.pop()
    _TANGENTS.clear()


class dual_level:
    """``with dual_level():`` opens the forward-AD level and closes it on exit."""

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc) -> None:
        exit_dual_level()


def _remember(t, tangent) -> None:
    key = id(t)

    def forget(_ref, k: int = key) -> None:
        _TANGENTS.pop(k, None)
    _TANGENTS[key] = (weakref.ref(t, forget), t._version[0], tangent)


def _tangent_of(t) -> Any:
    """The tangent of ``t`` at the open level, or None."""
    entry = _TANGENTS.get(id(t))
    if entry is None or entry[0]() is not t:
        return None
    if t._version[0] != entry[1]:
        raise RuntimeError("dlcore forward AD: a dual tensor was changed in place; its tangent "
                           "would no longer be right (make the dual tensor again)")
    return entry[2]


def make_dual(tensor, tangent, *, level: int | None = None):
    """A view of ``tensor`` carrying ``tangent`` at the open level."""
    if not _LEVEL:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, "
                           "make sure to enter_dual_level() first.")
    from ..tensor import Tensor
    if not isinstance(tensor, Tensor) or not isinstance(tangent, Tensor):
        raise TypeError("make_dual(): expected Tensor arguments, got "
                        f"{type(tensor).__name__} and {type(tangent).__name__}")
    if not tensor.is_floating_point() and not tensor.is_complex():
        raise ValueError(f"Expected primal to be floating point or complex, but got: "
                         f"{tensor.dtype}")
    if not tangent.is_floating_point() and not tangent.is_complex():
        raise ValueError(f"Expected tangent to be floating point or complex, but got: "
                         f"{tangent.dtype}")
    if tuple(tensor.shape) != tuple(tangent.shape):
        raise RuntimeError(f"Trying to set a forward gradient that has a different size than "
                           f"that of the original Tensor, this is not supported. Tensor is of "
                           f"size {list(tensor.shape)} while the given forward gradient is of "
                           f"size {list(tangent.shape)}.")
    dual = tensor.view_as(tensor)
    _remember(dual, tangent)
    return dual


def unpack_dual(tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """``(primal, tangent)``: a view of ``tensor`` without tangent, and its tangent (None when
    it has none or no level is open)."""
    from ..tensor import Tensor
    if not isinstance(tensor, Tensor):
        return UnpackedDualTensor(tensor, None)
    tangent = _tangent_of(tensor) if _LEVEL else None
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    return UnpackedDualTensor(tensor.view_as(tensor), tangent)


# ----------------------------------------------------------------------------- propagation
def _apply(apply, prim, args, params):
    """``apply(prim, args, params)`` with the outputs' tangents when an input has one."""
    from ..tensor import Tensor
    if _INSIDE:                      # a tangent being computed: its own ops carry none
        return apply(prim, args, params)
    duals = [(i, t) for i, a in enumerate(args) if isinstance(a, Tensor)
             for t in (_tangent_of(a),) if t is not None]
    if not duals:
        return apply(prim, args, params)
    out = apply(prim, args, params)
    if not prim.differentiable:
        return out
    outs = out if isinstance(out, (tuple, list)) else (out,)
    for k, o in enumerate(outs):
        if isinstance(o, Tensor) and (o.is_floating_point() or o.is_complex()):
            _remember(o, _jvp(apply, prim, args, params, duals, k if o is not out else None))
    return out


def _jvp(apply, prim, args, params, duals, k):
    """The tangent of output ``k`` (None: the only output) by the double-vjp trick."""
    from .._state import is_grad_enabled
    from ..creation import zeros_like
    from .engine import grad
    from .grad_mode import enable_grad
    # the tangent is itself differentiable (forward-over-reverse) when grad mode is on and a
    # dual input or a tangent requires grad, as PyTorch's
    keep = is_grad_enabled() and any(args[i].requires_grad or t.requires_grad
                                     for i, t in duals)
    _INSIDE.append(True)
    try:
        return _double_vjp(apply, prim, args, params, duals, k, keep, zeros_like, grad,
                           enable_grad)
    finally:
        _INSIDE.pop()


def _double_vjp(apply, prim, args, params, duals, k, keep, zeros_like, grad, enable_grad):
    with enable_grad():
        xs = list(args)
        leaves = []
        for i, _ in duals:
            # one leaf per operand slot (x * x: two slots, each its own part of J v); with
            # ``keep`` a view, still connected to the primal's graph
            leaf = args[i].view_as(args[i]) if keep and args[i].requires_grad else \
                args[i].detach().requires_grad_()
            xs[i] = leaf
            leaves.append(leaf)
        y = apply(prim, tuple(xs), params)
        if k is not None:
            y = y[k]
        u = zeros_like(y).requires_grad_()
        gs = grad(y, leaves, u, create_graph=True, allow_unused=True)
        total = None
        for g, (_, t) in zip(gs, duals):
            if g is not None:
                term = (g * t).sum()
                total = term if total is None else total + term
        if total is None:
            return zeros_like(y).detach()
        (jv,) = grad(total, [u], create_graph=keep, allow_unused=True)
    if jv is None:
        return zeros_like(y).detach()
    return jv if keep else jv.detach()
