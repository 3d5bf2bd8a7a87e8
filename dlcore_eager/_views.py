"""Views of the whole of a tensor, as PyTorch makes them.

``x.view(x.shape)``, ``x.reshape(x.shape)``, ``x.squeeze(d)`` of a dimension that is not 1,
``x.expand(x.shape)``, ``x.permute(0, 1)``, ``x.t()`` of a vector and ``x[...]`` change no
shape, yet PyTorch returns a *new* tensor over the same memory: ``y is x`` is False, an
in-place change through ``y`` is seen in ``x`` (one shared version counter), and ``y`` has its
own grad_fn, named after the operation called (``ViewBackward0``, ``SqueezeBackward1``, ...).
dlcore's shape functions return their operand unchanged in these cases (what a static graph
wants), so the eager front end makes the view here: a new ndarray object over the same buffer
and, when a gradient is needed, one same-shape ``reshape`` node whose vjp passes the
cotangent through.

``view_of`` wraps a view a fast entry took (``x.view(-1)``, ``x.t()``, ``x[3]``, ``x[1:3]``:
issue 19) as ``_dispatch_finish.view1`` does in grad mode for an inexact dtype, in one frame;
``VIEWS`` is the table of ``view``/``reshape`` calls seen before (``_shape_ops``).
"""

from __future__ import annotations

import weakref

import numpy as np

from dlcore.ops.shape import reshape_p

from ._graph import Node, leaf_node
from ._state import STATE
from ._view_rebase import NO_GRAD, _prune, register
from .tensor import Tensor, _make, _new

_ndarray = np.ndarray
_ref = weakref.ref
_node_new = Node.__new__
_V0 = (0,)              # (the versions of a node over one input at version 0: one tuple)

#: (shape, dtype, the call's size arguments: one int as itself, else the tuple) ->
#: (reshape's CPU kernel, target, params, inexact) of a ``view``/``reshape`` of a contiguous
#: CPU tensor that went through the lane (``_shape_ops._fast_view``): the entries' one
#: lookup; bounded (cleared past 4096).
VIEWS: dict = {}


def ints(shape: tuple) -> bool:
    """Whether ``shape`` (a call's size arguments) is Python ints, or one tuple of them (the
    keys of ``VIEWS``: 32.0, True or np.int64(32) compare equal to 32, and must find no
    plan)."""
    if len(shape) == 1 and type(shape[0]) is tuple:
        shape = shape[0]
    for d in shape:
        if type(d) is not int:
            return False
    return True


def view_of(x: Tensor, prim, params: dict, out, label: str | None = None) -> Tensor:
    """``view1(prim, x, params, out, True)`` in grad mode (the caller checked
    ``STATE.enabled`` and that ``out``'s dtype is inexact): ``out``, a NumPy view of ``x``'s
    buffer made by the differentiable view primitive ``prim`` with ``params``, wrapped with
    ``x``'s version counter, its node when ``x`` requires grad, its recipe and its weak
    reference (``_view_rebase``); ``tensor._make``'s fields set here (one frame).  ``label``:
    the node's grad_fn name where it is not the primitive's (``labelled``'s rename)."""
    version = x._vc
    t = _new(Tensor)
    t._buf = out
    t._acc = None
    t._grad = None
    t._vc = version
    t._hooks = None
    if x._rg:
        t._rg = True
        # ``Node(prim, params, (parent,), (x,), (v,), out, version)``'s stores, inline (no
        # class call: view(-1) of a 4x8 leaf 1.39 -> 1.29 us, x[3] 1.28 -> 1.14 us); a field
        # added to ``Node.__init__`` must be added here too (test_inline_node_fields checks)
        t._node = node = _node_new(Node)
        v = version[0]
        node.prim = prim
        node.params = params
        node.parents = (x._node or leaf_node(x),)
        node.inputs = (x,)
        node.versions = (v,) if v else _V0
        node.out_buf = out
        node.out_version = version
        node.out_ver0 = v
        node.shape = out.shape
        node.dtype = out.dtype
        node.hooks = None
        node.retain = None
        if label is not None:
            node.label = label
    else:
        t._rg = False
        t._node = None
    t._view = (x, prim, params, (), None)
    n = len(version)
    if n >= 16 and not n & (n - 1):
        _prune(version)
    version.append(_ref(t))
    return t


def alias(x: Tensor, label: str) -> Tensor:
    """A new tensor viewing all of ``x`` (same memory and version counter), its grad_fn named
    ``label`` when ``x`` requires grad."""
    b = x._buf
    out = b.view() if type(b) is _ndarray else b
    version = x._vc
    if x._rg and STATE.enabled:             # (only float and complex tensors require grad)
        node = Node(reshape_p, {"shape": b.shape}, (x._node or leaf_node(x),), (x,),
                    (version[0],), out, version)
        node.label = label
        t = _make(out, version, node)
        register(t, x, reshape_p, node.params)
        return t
    if b.dtype.kind in "fc":
        # its recipe and, in grad mode, its weak reference (it may get a history through an
        # in-place op on it, its base or another view), as _dispatch._finish's views
        t = _make(out, version)
        if STATE.enabled:
            register(t, x, reshape_p, {"shape": b.shape})
        else:
            t._view = (x, reshape_p, {"shape": b.shape}, (), NO_GRAD, version[0])
            t._rg = x._rg
        return t
    return _make(out, version)
