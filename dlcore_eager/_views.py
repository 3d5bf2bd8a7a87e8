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
"""

from __future__ import annotations

import numpy as np

from dlcore.ops.shape import reshape_p

from ._graph import Node, leaf_node
from ._state import STATE
from ._view_rebase import NO_GRAD, register
from .tensor import Tensor, _make

_ndarray = np.ndarray


def alias(x: Tensor, label: str) -> Tensor:
    """A new tensor viewing all of ``x`` (same memory and version counter), its grad_fn named
    ``label`` when ``x`` requires grad."""
    b = x._buf
    out = b.view() if type(b) is _ndarray else b
    version = x._version
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
            t._view = (x, reshape_p, {"shape": b.shape}, (), NO_GRAD)
        return t
    return _make(out, version)
