"""The eager lane's joins (issue 19): ``torch.cat`` and ``torch.stack`` of small CPU tensors
through ``_lane.small_many`` and the lane's plan table (see ``_lane``'s docstring).  Importing
this module puts its parses in ``_lane.JOINS``, which ``_lane.install`` puts in front of
``torch.cat``/``concat``/``concatenate``/``stack``, ``Tensor``'s and ``_shape_ops``' (internal
callers)."""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.ops.stacking import stack_p as _stack_p
from dlcore.registry import _rule_aval

from . import _dispatch as _D
from ._graph import Node, leaf_node
from ._lane import _DIM_KW, _PLANS, JOINS, _ndarray, _plan_many, small_many
from ._state import STATE
from .tensor import Tensor, _new
from .tracing import _RECORDERS

_concatenate_p = _ops.shape.concatenate_p
_node_new = Node.__new__
_V00 = (0, 0)           # (the versions of a node over two inputs at version 0: one tuple)


def _tensors_dim(args, kw):
    """``(tensors, buffers, dim)`` of a ``(tensors, dim=0)`` call with two or more CPU
    tensors of one dtype object and an int dim, else None."""
    n = len(args)
    if n > 2 or (kw and (n > 1 or "keepdim" in kw)):
        return None
    ts = args[0]
    tt = type(ts)
    if (tt is not list and tt is not tuple) or len(ts) < 2:
        return None
    dim = args[1] if n > 1 else kw.get("dim", 0)
    if type(dim) is not int:
        return None
    if len(ts) == 2:                            # (most calls: no loop, issue 19)
        t0, t1 = ts
        if not (isinstance(t0, Tensor) and isinstance(t1, Tensor)):
            return None
        b0, b1 = t0._buf, t1._buf
        if type(b0) is not _ndarray or type(b1) is not _ndarray or b0.dtype is not b1.dtype:
            return None
        return ts, (b0, b1), dim
    bufs = []
    dtype = None
    for t in ts:
        if not isinstance(t, Tensor):
            return None
        b = t._buf
        if type(b) is not _ndarray or (dtype is not None and b.dtype is not dtype):
            return None
        dtype = b.dtype
        bufs.append(b)
    return ts, bufs, dim


def _cat_params(bufs, dim) -> dict | None:
    nd = bufs[0].ndim
    if not nd or not -nd <= dim < nd:
        return None
    for b in bufs:
        if b.ndim != nd:
            return None
    return {"axis": dim % nd}


def _cat_parse(args, kw):
    """``torch.cat(tensors, dim)``: concatenate (grad_fn CatBackward0, as _graph names it)."""
    a = _tensors_dim(args, kw)
    if a is None:
        return None
    ts, bufs, dim = a
    return small_many(_concatenate_p, ts, bufs, dim, _cat_params)


def _stack_params(bufs, dim) -> dict | None:
    nd = bufs[0].ndim + 1
    if not -nd <= dim < nd:
        return None
    return {"axis": dim % nd}


def _stack_parse(args, kw):
    """``torch.stack(tensors, dim)`` of CPU tensors of one dtype object: the ``stack``
    primitive through ``small_many`` (its plan checks the rule: one shape), one node
    (StackBackward0, its parents the tensors' nodes, as PyTorch's)."""
    a = _tensors_dim(args, kw)
    if a is None:
        return None
    ts, bufs, dim = a
    return small_many(_stack_p, ts, bufs, dim, _stack_params)


def _two_entry(prim, params_of):
    """The entry maker of a join (``parse.entry``, used by ``_lane._entry``): ``general`` with
    the call of two CPU tensors of one dtype object and an int dim (``cat([a, b], 1)``,
    ``stack((a, b))``, ``cat([a, b], dim=1)``) taken in the entry itself: one lookup of
    ``(shapes, dtype, dim)`` in this join's table of ``small_many``'s plans (made by
    ``_lane._plan_many``, stored under ``small_many``'s key too, checked against the current
    CPU kernel), the plan's run and ``small_many``'s wrapping (issue 19: no parse, no
    ``_tensors_dim``, no seven-part key: cat 2 x 4x8 ~1.6 -> ~1.2 us).  Every other call
    goes through ``parse`` (``small_many`` for more tensors) and then ``general``, as
    ``_lane._entry``'s."""
    kernels = prim.kernels
    plans: dict = {}

    def learn(k, kernel, b0, b1, dim):
        kp = (prim, kernel, dim, b0.shape, b0.dtype, b1.shape, b1.dtype)     # small_many's
        plan = _PLANS[kp] if kp in _PLANS else \
            _plan_many(prim, kernel, (b0, b1), dim, params_of, kp)
        if plan is None:
            return None
        # the result's shape and dtype (its rule's; the node's, one tuple for every call)
        aval = prim.abstract_eval(_rule_aval(b0), _rule_aval(b1), **plan[1])
        if len(plans) > 1024:
            plans.clear()
        plan = plans[k] = (kernel,) + plan + (tuple(aval.shape), aval.dtype)
        return plan

    def make(general, parse):
        def lane_entry(*args, **kw):
            if _RECORDERS or _D._AUTOCAST:
                return general(*args, **kw)
            n = len(args)
            if n == 2 and not kw:
                ts, dim = args
            elif n == 1 and (not kw or (len(kw) == 1 and "dim" in kw)):
                ts = args[0]
                dim = kw["dim"] if kw else 0
            else:
                ts = dim = None
            if (type(ts) is list or type(ts) is tuple) and len(ts) == 2 and \
                    type(dim) is int:
                t0, t1 = ts
                if isinstance(t0, Tensor) and isinstance(t1, Tensor):
                    b0 = t0._buf
                    b1 = t1._buf
                    if type(b0) is _ndarray and type(b1) is _ndarray and \
                            (d0 := b0.dtype) is b1.dtype:
                        k = (b0.shape, b1.shape, d0, dim)
                        plan = plans.get(k)
                        kernel = kernels["cpu"]
                        if plan is None or plan[0] is not kernel:
                            plan = learn(k, kernel, b0, b1, dim)
                            if plan is None:        # (not for the lane, or a failing rule)
                                return general(*args, **kw)
                        out = plan[1](b0, b1)
                        if type(out) is not _ndarray:       # (a NumPy scalar)
                            out = np.asarray(out)
                        # _make's stores and, with a gradient, _lane._node_many's node for
                        # two tensors, ``Node.__init__``'s stores: inline, no calls
                        # (test_inline_node_fields checks the fields against _make's and a
                        # Node's): cat 2 x 4x8 with grad 2.26 -> 2.13 us
                        t = _new(Tensor)
                        t._buf = out
                        t._acc = None
                        t._grad = None
                        t._vc = version = [0]
                        t._hooks = None
                        t._view = None
                        r0 = t0._rg
                        r1 = t1._rg
                        if (r0 or r1) and plan[3] and STATE.enabled:
                            t._rg = True
                            t._node = node = _node_new(Node)
                            node.prim = prim
                            node.params = plan[2]
                            node.parents = ((t0._node or leaf_node(t0)) if r0 else None,
                                            (t1._node or leaf_node(t1)) if r1 else None)
                            node.inputs = (t0, t1)
                            v0 = t0._vc[0]
                            v1 = t1._vc[0]
                            node.versions = (v0, v1) if v0 or v1 else _V00
                            node.out_buf = out
                            node.out_version = version
                            node.out_ver0 = 0
                            node.shape = plan[4]
                            node.dtype = plan[5]
                            node.hooks = None
                            node.retain = None
                        else:
                            t._rg = False
                            t._node = None
                        return t
            if args and (not kw or kw.keys() <= _DIM_KW):
                out = parse(args, kw)
                if out is not None:
                    return out
            return general(*args, **kw)
        return lane_entry
    make.plans = plans                          # type: ignore[attr-defined]  # (for tests)
    return make


_cat_parse.entry = _two_entry(_concatenate_p, _cat_params)  # type: ignore[attr-defined]
_stack_parse.entry = _two_entry(_stack_p, _stack_params)  # type: ignore[attr-defined]
JOINS.update(cat=_cat_parse, concat=_cat_parse, concatenate=_cat_parse, stack=_stack_parse)
