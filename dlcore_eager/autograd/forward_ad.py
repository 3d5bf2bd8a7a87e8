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
a primal that requires grad (forward-over-reverse); a node's saved output, which backward makes
again as a new Tensor, carries the tangent of the result it stands for (as PyTorch's saved
variables keep their forward gradients), so a Hessian-vector product through exp, tanh, sigmoid
or softmax's vjps is right.  A vjp rule that is not differentiable in its cotangent gives no jvp:
``<vjp(u), t> = <u, J t>`` is checked at u = 1 and a failure is PyTorch's NotImplementedError
for an op without a forward formula (a zero derivative, sign's or floor's, is a zero tangent).
Complex tangents: with PyTorch's convention ``vjp(u) = grad_z Re <u, f(z)>``, the trick
differentiates ``Re <vjp(u), t>`` in ``u`` (the same numbers as PyTorch's forward AD).

A custom ``autograd.Function`` given a dual input runs its ``forward`` on the primals and
takes its outputs' tangents from its ``jvp`` staticmethod (``ctx.save_for_forward``), as
PyTorch; without ``jvp`` it is PyTorch's NotImplementedError (``autograd/function.py``).

In-place ops carry tangents as PyTorch's: while the level is open ``Tensor._commit`` (the write
of an in-place op's result) gives the written tensor the result's tangent (``zeros(3).add_(d)``,
``copy_``, ``index_add_``, ``lerp_``, ``d.mul_(2)``), a zero one for a value without a tangent
(``d.copy_(x)``, ``fill_``, ``zero_``), and a write into a view (or into a tensor with views)
writes into that region of its base's tangent, each live view getting its region
(``_commit_of``); ``Tensor._into`` (the kernels that write straight into a tensor) declines
where a tangent is involved; ``unsqueeze_``/``squeeze_`` reshape the tangent.  Differences from
PyTorch: such a view write where the base's memory is not C-contiguous or a tangent requires
grad, and ``t_``/``transpose_`` of a dual, are refused (RuntimeError naming forward AD), as is
reading the tangent of a dual changed in place by anything else; ``f16.copy_(f64 dual)`` keeps
a float16 tangent (PyTorch's stays float64: copy_ casts its source first).  One level at a
time (PyTorch also refuses nesting).  Whether a tangent requires grad follows its real
dependence on the primals (PyTorch's zero tangents can make it require grad where it does not depend on them).
"""

from __future__ import annotations

import weakref
from collections import namedtuple
from typing import Any

from .._state import STATE

__all__ = ["UnpackedDualTensor", "dual_level", "enter_dual_level", "exit_dual_level",
           "make_dual", "unpack_dual"]

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])

_LEVEL: list[int] = []               # the open level (one at most)
#: id(dual tensor) -> (weakref to it, its version when made, its tangent)
_TANGENTS: dict[int, tuple] = {}
#: id(grad_fn node) -> (weakref to it, its output's version counter, id of its output buffer,
#: the tangent): the tangent of a recorded result, for the tensor its node makes around its
#: saved output when backward runs (``Node.vjp``: exp's, tanh's, softmax's vjp read it), as
#: PyTorch's saved variables keep their forward gradients
_NODE_TANGENTS: dict[int, tuple] = {}
_SAVED: list = []                    # the wrapped applies to restore on exit
_INSIDE: list = []                   # non-empty while a tangent is computed
_SAVED_COMMIT: list = []             # Tensor._commit as it was before the level
_SAVED_ZERO: list = []               # Tensor.zero_ as it was before the level
#: id(dual made by make_dual) -> a weak reference to it: the base of its views' tangents
#: (its primal, whose view it is, has no tangent: a write into the primal leaves it alone)
_ROOTS: dict[int, Any] = {}


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
    from ..tensor import Tensor
    commit = Tensor._commit
    Tensor._commit = _commit_of(commit)
    _SAVED_COMMIT.append(commit)
    into = Tensor._into
    Tensor._into = _into_of(into)
    _SAVED_COMMIT.append(into)
    zero = Tensor.zero_
    Tensor.zero_ = _zero_of(zero)
    _SAVED_ZERO.append(zero)
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
    if _SAVED_COMMIT:
        from ..tensor import Tensor
        Tensor._into = _SAVED_COMMIT.pop()
        Tensor._commit = _SAVED_COMMIT.pop()
    if _SAVED_ZERO:
        from ..tensor import Tensor
        Tensor.zero_ = _SAVED_ZERO.pop()
    _tracing._RECORDERS.remove(_marker)
    _LEVEL.pop()
    _TANGENTS.clear()
    _NODE_TANGENTS.clear()
    _ROOTS.clear()


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
    ver0 = t._vc[0]
    _TANGENTS[key] = (weakref.ref(t, forget), ver0, tangent, t._buf, _layout(t._buf))
    node = t._node
    if node is not None and getattr(node, "out_version", None) is t._vc:
        nkey = id(node)
        entry = (t._vc, id(t._buf), ver0, tangent)

        def forget_node(_ref, k: int = nkey) -> None:
            _NODE_TANGENTS.pop(k, None)
        _NODE_TANGENTS[nkey] = (weakref.ref(node, forget_node), *entry)


def _tangent_of(t) -> Any:
    """The tangent of ``t`` at the open level, or None."""
    entry = _TANGENTS.get(id(t))
    if entry is None or entry[0]() is not t:
        node = t._node
        if node is None:
            return None
        # the same recorded result in another Tensor (a node's saved output, made again)
        ne = _NODE_TANGENTS.get(id(node))
        if ne is None or ne[0]() is not node or ne[1] is not t._vc or \
                ne[2] != id(t._buf):
            return None
        entry = (None, ne[3], ne[4])
    if len(entry) > 3 and t._buf is not entry[3]:
        return _reviewed(t, entry)      # (first: a shape change in place bumps the version)
    if t._vc[0] != entry[1]:
        raise RuntimeError("dlcore forward AD: a dual tensor was changed in place; its tangent "
                           "would no longer be right (make the dual tensor again)")
    return entry[2]


def _layout(b) -> tuple | None:
    """A buffer's sizes and strides without its size-1 axes (None: no strides, a device's)."""
    st = getattr(b, "strides", None)
    if st is None:
        return None
    return tuple((n, s) for n, s in zip(b.shape, st) if n != 1)


def _reviewed(t, entry):
    """The tangent of ``t`` whose buffer an in-place shape change replaced (``squeeze_``,
    ``unsqueeze_``, ``t_``, ``transpose_``: the tensor became a view of itself): reshaped
    where only size-1 axes came or went (the same sizes and strides otherwise), as PyTorch's
    tangent follows the view; anything else (a transpose) refused, RuntimeError naming forward
    AD, rather than a tangent of the old layout."""
    lay = _layout(t._buf)
    if lay is None or lay != entry[4]:
        raise RuntimeError("dlcore forward AD: the shape of a dual tensor was changed in place "
                           "(t_, transpose_); its tangent would no longer be right (use the "
                           "out-of-place view)")
    tangent = entry[2].reshape(tuple(t._buf.shape))
    _remember(t, tangent)
    return tangent


def _commit_of(commit):
    """``Tensor._commit`` (the write of an in-place op's out-of-place result into the tensor)
    while the level is open, the forward gradient updated as PyTorch's in-place ops update it:
    the result's tangent becomes the written tensor's (``zeros(3).add_(dual)`` has the dual's
    tangent, in its own dtype where the tensor had none: a float16 tensor's ``add_`` of a
    float32 dual keeps a float32 tangent; ``dual.mul_(2)`` twice it, in the dual's tangent's
    dtype); a value without a tangent written into a dual makes its tangent zero (``copy_``,
    ``fill_``, ``zero_``).  A write into a view, or into a tensor with views, writes the
    tangent into the same region of the base's tangent (zeros where the base had none), and
    every live view of that memory gets its region of it (``_spread``)."""
    def _commit(self, result):
        if not _LEVEL or _INSIDE or not (_TANGENTS or _NODE_TANGENTS):
            return commit(self, result)
        tangent = _tangent_of(result)
        old = _tangent_of(self) if _carries(self) else None
        shared = getattr(self, "_view", None) is not None or _has_live_views(self)
        if not shared:
            if tangent is None and old is None:
                return commit(self, result)
            tangent = _written(self, tangent, old)
            out = commit(self, result)
            _remember(self, tangent)
            return out
        keep = _bystanders(self)            # (their tangents, read before the write)
        if tangent is None and old is None and not _family_carries(self):
            out = commit(self, result)
        else:
            tangent = _written(self, tangent, old)
            plan = _spread_plan(self, tangent)      # (before anything is written)
            out = commit(self, result)
            _spread(self, tangent, *plan)
        for v, tan in keep:                 # (tensors of this memory outside the family: a
            entry = _TANGENTS.get(id(v))    # dual made of it keeps its tangent, as PyTorch's)
            if entry is not None and entry[1] != v._vc[0]:
                _remember(v, tan)
        return out
    return _commit


def _written(t, tangent, old):
    """The tangent ``t`` gets from a write of a value with ``tangent`` (None: zeros), ``old``
    its tangent before (None where it had none; its dtype is kept)."""
    if tangent is None:
        return _zeros(t, old.dtype if old is not None else t.dtype)
    if old is not None and tangent.dtype != old.dtype:
        return tangent.to(old.dtype)
    return tangent


def _bystanders(t) -> list:
    """(tensor, tangent) of the tensors sharing ``t``'s memory that carry a tangent of their
    own (read now; a stale one is left out, and raises when read, as before)."""
    owner = t
    while getattr(owner, "_view", None) is not None:
        owner = owner._view[0]
    out = []
    for v in [owner] + [v for r in owner._vc[1:] for v in (r(),) if v is not None]:
        entry = _TANGENTS.get(id(v))
        if entry is not None and entry[0]() is v and entry[1] == v._vc[0]:
            out.append((v, entry[2]))
    return out


def _zeros(t, dtype):
    from .. import creation
    return creation.zeros(tuple(t.shape), dtype=dtype, device=t.device)


def _zero_of(zero):
    """``Tensor.zero_`` while the level is open: through ``_commit`` (its zero tangent) where
    the tensor or its memory's family carries a tangent, or a dual made of its memory does
    (whose tangent ``_commit`` keeps); zero_ writes the memory directly otherwise.  A recorded
    tensor takes zero_'s own recorded path (its history cut; the write through ``_commit``)."""
    def zero_(self):
        if not _INSIDE and not (self._rg and STATE.enabled) and \
                (_carries(self) or _family_carries(self) or _bystanders(self)):
            self._check_inplace()
            return self._commit(_zeros(self, self.dtype))
        return zero(self)
    return zero_


def _is_root(t) -> bool:
    r = _ROOTS.get(id(t))
    return r is not None and r() is t


def _top(t):
    """The tensor whose memory ``t`` views (``t`` itself when it is no view), as far as a
    dual made by make_dual (the base of its views' tangents, not its primal's)."""
    while getattr(t, "_view", None) is not None and not _is_root(t):
        t = t._view[0]
    return t


def _live_views(top) -> list:
    """The live views of ``top``'s memory whose base (``_top``) is ``top``."""
    return [v for r in top._vc[1:] for v in (r(),)
            if v is not None and v is not top and _top(v) is top]


def _family_carries(t) -> bool:
    """Whether ``t``'s base or a live view of its memory carries a tangent."""
    top = _top(t)
    return _carries(top) or any(_carries(v) for v in _live_views(top))


_ERR_SHARED = ("dlcore forward AD: an in-place operation writing a tangent into a view or a "
               "tensor with views is supported for CPU tensors whose base is C-contiguous and "
               "whose tangents do not require grad")


def _spread_plan(t, tangent) -> tuple:
    """(the base, its tangent's values before the write, as a C-contiguous array): checked
    before ``t`` is written (the RuntimeError above where the memory or a tangent is of a kind
    this cannot map)."""
    import numpy as np
    top = _top(t)
    tb = top._buf
    if type(tb) is not np.ndarray or type(t._buf) is not np.ndarray or \
            not tb.flags.c_contiguous or tangent.requires_grad or \
            type(tangent._buf) is not np.ndarray:
        raise RuntimeError(_ERR_SHARED)
    old = _tangent_of(top) if _carries(top) else None
    if old is not None and (old.requires_grad or type(old._buf) is not np.ndarray):
        raise RuntimeError(_ERR_SHARED)
    base = np.zeros(tb.shape, tangent._buf.dtype if old is None else old._buf.dtype)
    if old is not None:
        base[...] = old._buf
    return top, base


def _region(tb, vb, arr):
    """The part of ``arr`` (C-contiguous, the shape of the C-contiguous buffer ``tb``) that
    ``vb``, a view of ``tb``'s memory, covers: the same offset and strides in elements."""
    import numpy as np
    size = tb.itemsize
    start = vb.__array_interface__["data"][0] - tb.__array_interface__["data"][0]
    flat = arr.reshape(-1)
    return np.lib.stride_tricks.as_strided(
        flat[start // size:], vb.shape, tuple(st // size * arr.itemsize for st in vb.strides))


def _spread(t, tangent, top, base) -> None:
    """After the write: ``tangent`` into ``t``'s region of its base's tangent ``base``, and
    every tensor sharing that memory (the base, its live views) given its region."""
    from ..tensor import _make
    tb = top._buf
    _region(tb, t._buf, base)[...] = tangent._buf
    _remember(top, _make(base))
    for v in _live_views(top):
        if type(v._buf) is type(tb):
            _remember(v, _make(_region(tb, v._buf, base)))


def _has_live_views(t) -> bool:
    """Whether a view of ``t``'s memory is still alive: the version counter keeps weak
    references of every view made (dead ones until a prune), and a view dropped long ago
    (``x[0]`` printed) shares nothing any more."""
    version = t._vc
    return len(version) > 1 and any(r() is not None for r in version[1:])


def _into_of(into):
    """``Tensor._into`` (an in-place op's kernel writing straight into the tensor, no result
    tensor) while the level is open: declined where the tensor or the operand carries a
    tangent, so that the op computes its result, tangent and all, and ``_commit`` writes it;
    declined too where a dual made of this memory carries one (``_commit`` keeps it)."""
    from ..tensor import Tensor

    def _into(self, prim, kernel_into, other):
        if _LEVEL and not _INSIDE and (_TANGENTS or _NODE_TANGENTS) and \
                (_carries(self) or (isinstance(other, Tensor) and _carries(other)) or
                 _bystanders(self)):
            return False
        return into(self, prim, kernel_into, other)
    return _into


def refuse_out(result, out, op: str) -> None:
    """PyTorch's refusal of an ``out=`` function when the result or ``out`` carries a tangent
    at the open level (its out= kernels have no forward-AD formula): NotImplementedError, the
    out tensor left as it was (``write_out`` calls this before writing)."""
    from ..tensor import Tensor
    if not _LEVEL or _INSIDE or not (_TANGENTS or _NODE_TANGENTS):
        return
    if (isinstance(result, Tensor) and _carries(result)) or \
            (isinstance(out, Tensor) and _carries(out)):
        name = op.rsplit(".", 1)[-1].rstrip("_")
        raise NotImplementedError(f"Trying to use forward AD with {name}_out that does not "
                                  "support it because it is an out= function")


def _carries(t) -> bool:
    entry = _TANGENTS.get(id(t))
    if entry is not None and entry[0]() is t:
        return True
    node = t._node
    return node is not None and id(node) in _NODE_TANGENTS


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
    key = id(dual)

    def forget(_ref, k: int = key) -> None:
        _ROOTS.pop(k, None)
    _ROOTS[key] = weakref.ref(dual, forget)
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
    from ..creation import ones_like
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
        # u = 1, not 0: vjp(u) is linear in u, so J t does not depend on u's value, and a
        # vjp that is not differentiable in u shows as nonzero cotangents (_check_linear)
        u = ones_like(y).requires_grad_()
        gs = grad(y, leaves, u, create_graph=True, allow_unused=True)
        total = None
        pairs = []
        for g, (_, t) in zip(gs, duals):
            if g is not None:
                pairs.append((g, t))
                # Re <g, t>: with PyTorch's complex convention vjp(u) = grad_z Re <u, f(z)>,
                # so Re <vjp(u), t> = Re <u, J t>, whose gradient in u is J t
                term = (g.conj() * t).real.sum() if g.is_complex() or t.is_complex() else \
                    (g * t).sum()
                total = term if total is None else total + term
        if total is None:            # (no input with a tangent has a cotangent: J t = 0)
            return zeros_like(y).detach()
        jv = None
        if total.requires_grad:
            (jv,) = grad(total, [u], create_graph=keep, allow_unused=True)
    _check_linear(prim.name, pairs, jv)
    if jv is None:                   # (the cotangents are zero: sign, floor, ...)
        return zeros_like(y).detach()
    return jv if keep else jv.detach()


def _host(t) -> Any:
    import numpy as np
    b = t.detach()._buf
    return np.asarray(b if isinstance(b, np.ndarray) else b.copy_to_host())


def _check_linear(name: str, pairs, jv, u=None, detail: str = "") -> None:
    """Refuse a tangent that the double-vjp trick cannot give: ``<vjp(u), t> = <u, J t>`` must
    hold (``u``: ones where None), and it fails where a vjp rule's cotangent is not recorded as
    a function of ``u`` (a rule computed off the tape, through a non-differentiable step): such
    a primitive has no forward derivative here, and a zero or partial tangent would be silently
    wrong (PyTorch raises NotImplementedError for an op without a forward formula)."""
    import numpy as np
    total = 0.0
    scale = 0.0
    narrow = False
    def wide(x):
        return _host(x).astype(np.complex128 if x.is_complex() else np.float64)
    for g, t in pairs:
        gt = np.conj(wide(g)) * wide(t)             # (Re <g, t>, see _double_vjp)
        total += float(gt.real.sum())
        scale += float(np.abs(gt).sum())
        narrow = narrow or g.dtype.itemsize < 8 or (g.is_complex() and g.dtype.itemsize < 16)
    got = 0.0
    for k, v in enumerate(jv if isinstance(jv, list) else [jv]):
        if v is None:
            continue
        j = wide(v)
        if u is not None:
            j = np.conj(wide(u[k])) * j
        got += float(j.real.sum())
        scale += float(np.abs(j).sum())
        # (a cast to a narrower type: the tangent rounded there, f64 -> f16)
        narrow = narrow or v.dtype.itemsize < 8 or (v.is_complex() and v.dtype.itemsize < 16)
    if not np.isfinite(scale):
        return                       # (inf/nan values: nothing to compare)
    if abs(total - got) <= (2e-3 if narrow else 1e-7) * scale + 1e-300:
        return
    raise NotImplementedError(
        f"Trying to use forward AD with {name} that does not support it because it has not "
        f"been implemented yet. ({detail or f'dlcore derives the jvp of {name} from its vjp rule, which'} "
        f"is not differentiable in its cotangent: <vjp(u), t> = {total:.6g} but "
        f"<u, J t> = {got:.6g}.)")
