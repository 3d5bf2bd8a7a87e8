"""A view's history after its base (or another view of it) changes in place, as PyTorch keeps it.

PyTorch's rule: a view remembers its base and how it was made; when the base, or any view of
the same memory, is modified in place by a recorded operation, the base's grad_fn becomes
``CopySlices`` (the in-place result written into the base's old history) and every view's
grad_fn is made again from the base's new one (``AsStridedBackward0``).  Without this a view
made before ``y.mul_(3)`` would send its gradient through ``y``'s old history (a silently wrong
gradient: 2 where PyTorch gives 6 for ``x * 2`` then ``* 3``).

Here (nothing of it runs on the usual path, which only appends a weak reference per recorded
view):

* ``record_view``: the tape node of a view primitive's result that shares its input's memory
  and version counter (``_dispatch._finish``), and its *recipe* kept on the view
  (``Tensor._view``: the tensor it was made from, the primitive, its parameters, the other
  inputs, and for one output of ``unbind``/``split`` that function's name and the index);
  a weak reference to the view is appended to the shared version counter (a list: ``[n,
  ref, ref, ...]``, dead references dropped as it grows), so an in-place change finds the views.
  A view that is not recorded (its base needs no gradient, or grad mode is off) keeps its
  recipe: an in-place op on it with an operand that requires grad gives its base the
  CopySlices history (``buf[0].copy_(h)``).  Made in grad mode, of a float or complex dtype by
  a differentiable primitive, it is registered too (its weak reference, inline in ``_finish``
  and through ``register`` in ``_views.alias``; measured with process_time on a loaded
  machine where torch's ``t()`` took 2.9 us: dlcore's ``t()`` 5.4 -> 7.4 us, ``x[1]`` 4.0 ->
  5.7 us, the weak reference and its list about two thirds of it), so that when its base or
  another view gets a history later its node is made then, as PyTorch remakes it
  (``y = zeros(2, 3); v = y.t(); y.add_(w)``: v's gradient reaches ``w``).  A view made in
  no_grad mode is not registered: PyTorch refuses its later use in grad mode once its base got
  a history, so no program that runs under PyTorch reads the node it would get (here it keeps
  none).  The fifth item of a recipe is PyTorch's creation meta: None, ``NO_GRAD`` (made in
  no_grad mode: an in-place op on it that is recorded, or on it while a base of it requires
  grad, raises ``ERR_NO_GRAD``), or the ``(function, index, recorded)`` of one output of
  ``unbind``/``split``.  A view made in no_grad mode requires grad as its base does, is a
  leaf, and has a sixth item, the version of its memory then: ``no_grad_parent`` (its edge in
  a recorded operation is None, as PyTorch's) and ``check_no_grad_view`` raise PyTorch's error
  once that memory changed in place;
* ``after_inplace``: run by ``Tensor._commit`` when it recorded an in-place result into a
  tensor whose counter holds views: each base up the chain of the changed view gets the
  recorded ``CopySlices`` value (``index_update`` of the old history with the new part for an
  indexing view; the inverse reshape/transpose for a view of all of its base), then every live
  view's node is recorded again from its base's current node, in creation order;
* ``check_view_inplace``: the in-place checks PyTorch makes for a view: a view of a leaf that
  requires grad; one output of a function returning several views; a view this module cannot
  write back into its base (an expanded view: PyTorch's "more than one element" error).
"""

from __future__ import annotations

import re
import sys
import weakref

import numpy as np

from dlcore import ops as _ops
from dlcore.kernels.cpu.indexing import getitem as _cpu_getitem
from dlcore.ops.broadcast import broadcast_to_p
from dlcore.ops.indexing import getitem_p, index_update
from dlcore.ops.shape import expand_dims_p, reshape_p, squeeze_p, transpose_p

from . import _tensor_aux
from ._graph import ERR_VIEW_OF_LEAF, Node, TapeNode, leaf_node
from .tensor import Tensor, _make

_ref = weakref.ref

#: view primitives whose output is all of the input's elements, in another shape
_RESHAPES = frozenset({reshape_p, expand_dims_p, squeeze_p})
#: the last item of the recipe of a view made in no_grad mode of a tensor that requires grad
NO_GRAD = ("no_grad",)
ERR_NO_GRAD = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. "
    "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your "
    "code by moving both the view and the inplace either both inside the no_grad block (if you "
    "don't want the inplace to be tracked) or both outside (if you want the inplace to be "
    "tracked).")
#: the same when the view's base (or another view of it) was changed: on the view's next use
ERR_NO_GRAD_REBASE = ERR_NO_GRAD.replace(
    "is being modified inplace", "its base or another view of its base has been modified inplace")
_MULTI_TAIL = (" This view is the output of a function that returns multiple views. Such "
               "functions do not allow the output views to be modified inplace. You should "
               "replace the inplace operation by an out-of-place one.")
_MULTI = {"UnbindBackward0": "Unbind", "SplitBackward0": "Split",
          "SplitWithSizesBackward0": "SplitWithSizes"}


class BrokenViewNode(TapeNode):
    """The grad_fn of one output of ``unbind``/``split`` whose base changed in place: using it
    in backward raises PyTorch's error (PyTorch raises it on the next use of the view)."""

    __slots__ = ("__weakref__", "dtype", "hooks", "message", "parents", "retain", "shape")

    def __init__(self, parents, buf, message):
        self.parents = parents
        self.shape = buf.shape
        self.dtype = buf.dtype
        self.hooks = None
        self.retain = None
        self.message = message

    def name(self) -> str:
        return "AsStridedBackward0"

    def vjp(self, g, retain: bool):
        raise RuntimeError(self.message)


def record_view(prim, params, out, version, node):
    """The result of a view primitive sharing its first input's memory, recorded by ``node``
    (made by ``_dispatch._finish``; its inputs are the recipe's base and other inputs)."""
    t = _make(out, version, node)
    ins = node.inputs
    register(t, ins[0], prim, params, ins[1:])
    return t


class _NoGradMark:
    """A version counter's mark that a view was made of its tensor in no_grad mode while it
    did not require grad (``follow_base`` then looks for it); called as a dead weak
    reference (None), kept by ``_prune``."""
    __slots__ = ()

    def __call__(self):
        return None


NO_GRAD_MARK = _NoGradMark()


def _prune(version) -> None:
    live = [r for r in version[1:] if r() is not None or r is NO_GRAD_MARK]
    del version[1:]
    version.extend(live)


def register(t, base, prim, params, rest=(), multi=None) -> None:
    """Record ``t`` as a view of ``base`` made by ``prim(base, *rest, **params)``."""
    t._view = (base, prim, params, rest, multi)
    version = t._vc
    n = len(version)
    if n >= 16 and not n & (n - 1):
        _prune(version)
    version.append(_ref(t))


def mark_multi(t, label: str, index: int) -> None:
    """``t`` is output ``index`` of ``unbind``/``split`` (``label``: its grad_fn name); a view
    made in no_grad mode keeps that mark (PyTorch's errors then speak of no_grad mode)."""
    recipe = getattr(t, "_view", None)
    if recipe is not None and recipe[4] is not NO_GRAD:
        t._view = recipe[:4] + ((_MULTI[label], index, t._node is not None),)


def _multi_error(multi, what: str) -> str:
    """PyTorch's words for one output of ``unbind``/``split`` ``multi`` that ``what`` (``is
    being`` / ``its base or another view of its base has been``) modified in place."""
    if multi[2]:
        head = f"Output {multi[1]} of {multi[0]} is a view and {what} modified inplace."
    else:                               # (made with no history: PyTorch names no_grad mode)
        head = f"A view was created in no_grad mode and {what} modified inplace with grad " \
               "mode enabled."
    return head + _MULTI_TAIL


def base_requires_grad(t) -> bool:
    """Whether a base up ``t``'s chain of views requires grad (PyTorch's ``requires_grad`` of a
    view made in no_grad mode)."""
    recipe = _recipe(t)
    while recipe is not None:
        base = recipe[0]
        if base._rg:
            return True
        recipe = _recipe(base)
    return False


def _recipe(t):
    return getattr(t, "_view", None)


def no_grad_parent(t) -> None:
    """The tape parent of ``t``, a view made in no_grad mode (its recipe's creation meta is
    ``NO_GRAD``), used by an operation recorded in grad mode: None (PyTorch's next_functions
    ``(None, 0)``: no gradient reaches it or its base); raises PyTorch's error when its memory
    was changed in place since it was made (by it, its base or another view)."""
    check_no_grad_view(t)
    return None


def check_no_grad_view(t) -> None:
    """PyTorch's error on the use (``grad_fn``, ``is_leaf``, a recorded operation) of ``t``, a
    view made in no_grad mode, once its memory changed in place while a base of it requires
    grad (PyTorch regenerates a view's grad_fn then and refuses to for such a view)."""
    recipe = t._view
    if recipe is not None and recipe[4] is NO_GRAD and len(recipe) > 5 and \
            recipe[5] != t._vc[0] and base_requires_grad(t):
        raise RuntimeError(ERR_NO_GRAD_REBASE)


def _in_chain(t, field: int, value) -> bool:
    """Whether a recipe of ``t``'s view chain holds ``value`` at ``field`` (4: NO_GRAD, a view
    made in no_grad mode; 1: a primitive)."""
    recipe = _recipe(t)
    while recipe is not None:
        if recipe[field] is value:
            return True
        recipe = _recipe(recipe[0])
    return False


def _no_grad_ancestor(t) -> bool:
    return _in_chain(t, 4, NO_GRAD)


def check_view_inplace(t) -> None:
    """PyTorch's errors for an in-place operation on view ``t`` (recorded); returns when it can
    be written back into its bases."""
    cur = t
    written = t
    recipe = _recipe(cur)
    if recipe is not None and _no_grad_ancestor(t):
        # (made in no_grad mode, or a view of such a view: PyTorch's creation meta is inherited)
        node = t._node
        if recipe[4] is NO_GRAD or node is None:
            raise RuntimeError(ERR_NO_GRAD)
        name = re.sub(r"Backward\d*$", "", node.name())
        raise RuntimeError(ERR_NO_GRAD.replace(
            "A view was created", f"Output 0 of {name} is a view of a view which was created"))
    while recipe is not None:
        base, prim, multi = recipe[0], recipe[1], recipe[4]
        if base._rg and base._node is None:
            raise RuntimeError(ERR_VIEW_OF_LEAF)
        if multi is NO_GRAD:
            raise RuntimeError(ERR_NO_GRAD)
        if multi is not None:
            raise RuntimeError(_multi_error(multi, "is being"))
        if not _writable_back(prim, cur, base, written):
            raise RuntimeError("unsupported operation: more than one element of the written-to "
                               "tensor refers to a single memory location. Please clone() the "
                               "tensor before performing the operation.")
        cur = base
        recipe = _recipe(cur)


def _writable_back(prim, view, base, written) -> bool:
    if prim is getitem_p or prim is transpose_p:
        return True
    if prim is broadcast_to_p:          # (a slice of an expand: the written tensor itself must
        b = written._buf                # hold no element twice, PyTorch's overlap rule; CPU)
        return type(b) is np.ndarray and not _tensor_aux.repeats(b)
    return prim in _RESHAPES and view._buf.size == base._buf.size


def _has_broadcast(t) -> bool:
    return _in_chain(t, 1, broadcast_to_p)


def _mask_back(prim, params, base, mask: np.ndarray) -> np.ndarray:
    """Where in ``base`` a view's True positions (``mask``, the view's shape) lie."""
    shape = tuple(base._buf.shape)
    if prim is getitem_p:
        out = np.zeros(shape, bool)
        _cpu_getitem(out, idx=params["idx"])[...] = mask     # (a view recipe's basic index)
        return out
    if prim is transpose_p:
        return np.transpose(mask, tuple(int(i) for i in np.argsort(params["perm"])))
    if prim is broadcast_to_p:
        lead = mask.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                          if n == 1 and mask.shape[lead + i] != 1)
        return np.logical_or.reduce(mask, axis=axes).reshape(shape) if axes else \
            mask.reshape(shape)
    return mask.reshape(shape)


def _broadcast_back(base, old, new, written: np.ndarray, mask: np.ndarray):
    """``base`` after a write into a slice of its expand: where it was written (``mask``), the
    one written alias of each element (``written``: the expand's written positions; the others
    are -0.0, which adds nothing exactly, so the sum is that value bit for bit), else its old
    value; the gradient reaches the written value there and the old one elsewhere."""
    like = _make(np.zeros((), dtype=new._buf.dtype))
    picked = _ops.where(_make(written), new, _ops.neg(like))
    summed = _ops.sum_to(picked, _make(np.empty(tuple(base._buf.shape), base._buf.dtype)))
    return _ops.where(_make(mask), summed, old)


def _write_back(prim, params, base, new):
    """``base`` (its old history) with view ``new`` written into it: the recorded value of
    PyTorch's CopySlices."""
    old = _make(base._buf, base._vc, base._node or (leaf_node(base) if base._rg else None))
    old._rg = base._rg
    if prim is getitem_p:
        return index_update(old, params["idx"], new)
    if prim is transpose_p:
        return _ops.transpose(new, tuple(int(i) for i in np.argsort(params["perm"])))
    return new.reshape(base._buf.shape)     # (the Tensor method's planned view: issue 19)


def move_retain(t, old, node) -> None:
    """``t.retain_grad()`` follows ``t`` to its new node ``node`` (PyTorch keeps the gradient of
    a tensor's latest version in ``.grad``)."""
    ref = getattr(old, "retain", None)
    if ref is not None and ref() is t and node is not old:
        old.retain = None
        node.retain = ref


def after_inplace(t) -> None:
    """``t``'s memory was written by a recorded in-place operation (``t._node`` is its node):
    give each base of ``t`` its CopySlices history, then remake every view's node.  Below an
    expand, the written positions are followed up the chain (``mask``) so that the base takes
    the written value of each of its elements once (``_broadcast_back``)."""
    new = t
    mask = np.ones(t._buf.shape, bool) if _has_broadcast(t) else None
    recipe = _recipe(t)                 # (``_commit`` ran ``check_view_inplace`` before writing)
    while recipe is not None:
        base, prim, params = recipe[0], recipe[1], recipe[2]
        if mask is not None:
            up = _mask_back(prim, params, base, mask)
            if prim is broadcast_to_p:
                old = _make(base._buf, base._vc,
                            base._node or (leaf_node(base) if base._rg else None))
                old._rg = base._rg
                value = _broadcast_back(base, old, new, mask, up)
            else:
                value = _write_back(prim, params, base, new)
            mask = up
        else:
            value = _write_back(prim, params, base, new)
        node = value._node
        node.label = "CopySlices"
        node.out_version = base._vc
        node.out_ver0 = base._vc[0]
        move_retain(base, base._node, node)
        base._node = node
        if not base._rg:
            base._rg = True
            follow_base(base)
        new = base
        recipe = _recipe(base)
    value = new = None
    version = t._vc
    for r in version[1:]:
        v = r()
        if v is not None:
            _rebuild(v)


def follow_base(t) -> None:
    """``t`` now requires grad: so do the views made of it in no_grad mode (PyTorch's
    ``requires_grad`` of such a view is its base's).  They are not registered one by one when
    made (a cost on every no_grad view), only marked (``NO_GRAD_MARK``); they are the tensors
    sharing ``t``'s version counter, looked up through the garbage collector then."""
    version = t._vc
    if len(version) == 1 or NO_GRAD_MARK not in version:
        return
    import gc
    for v in gc.get_referrers(version):
        if not isinstance(v, Tensor) or v is t or v._vc is not version or v._rg:
            continue
        recipe = _recipe(v)
        if recipe is not None and recipe[4] is NO_GRAD and len(recipe) > 5 and \
                base_requires_grad(v):
            v._rg = True


def _rebuild(v) -> None:
    base, prim, params, rest, multi = v._view
    if not base._rg:
        return
    inputs = (base,) + rest
    parents = tuple((a._node or leaf_node(a)) if a._rg else None for a in inputs)
    versions = tuple(a._vc[0] for a in inputs)
    node: TapeNode
    if multi is None:
        node = Node(prim, params, parents, inputs, versions, v._buf, v._vc)
        node.label = "AsStridedBackward0"
    elif multi is NO_GRAD:
        node = BrokenViewNode(parents, v._buf, ERR_NO_GRAD_REBASE)
    else:
        node = BrokenViewNode(parents, v._buf, _multi_error(
            multi, "its base or another view of its base has been"))
    move_retain(v, v._node, node)
    v._node = node
    v._rg = True


def _base(t):
    """PyTorch's ``Tensor._base``: the tensor whose memory view ``t`` shows (the first of a
    chain of views), None for a tensor that is no view."""
    recipe = _recipe(t)
    if recipe is None:
        return None
    while True:
        base = recipe[0]
        recipe = _recipe(base)
        if recipe is None:
            return base


Tensor._base = property(_base)          # type: ignore[attr-defined]
_tensor_aux.VIEW_REBASE = sys.modules[__name__]    # (tensor and _graph call back through it)
