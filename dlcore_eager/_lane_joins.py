"""The eager lane's joins (issue 19): ``torch.cat`` and ``torch.stack`` of small CPU tensors
through ``_lane.small_many`` and the lane's plan table (see ``_lane``'s docstring).  Importing
this module puts its parses in ``_lane.JOINS``, which ``_lane.install`` puts in front of
``torch.cat``/``concat``/``concatenate``/``stack``, ``Tensor``'s and ``_shape_ops``' (internal
callers)."""

from __future__ import annotations

from dlcore import ops as _ops
from dlcore.dtypes import is_inexact
from dlcore.registry import AVal

from ._dispatch import _HALF
from ._graph import Node, leaf_node
from ._lane import JOINS, _PLANS, _keep, _ndarray, _node_many, small_many
from ._state import STATE
from .tensor import Tensor, _make

_concatenate_p = _ops.shape.concatenate_p
_reshape_p = _ops.shape.reshape_p


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


_expand_dims_p = _ops.shape.expand_dims_p
_STACK = "stack"


def _stack_parse(args, kw):
    """``torch.stack(tensors, dim)`` of CPU tensors of one shape and dtype object: the general
    entry's ``concatenate`` of one ``expand_dims`` per tensor, planned once per (shapes,
    dtype, dim) in the lane's table (both rules checked on the plan's avals) and run as the
    concatenate kernel's small form on the buffers themselves, the result then viewed with
    the new axis (concatenating along ``dim`` and splitting that axis into (n, size) is the
    stack; the last new axis: each buffer viewed first; the first: the small form of size-1
    blocks along axis 0 takes the buffers as they are and makes the stack itself).  Tape: the
    general entry's nodes (an expand_dims node per tensor requiring grad, sharing its version
    counter, and the concatenate node named StackBackward0 over them); the views only that
    node holds are not registered for rebasing.  (Was ``_shape_ops._fast_stack``.)"""
    a = _tensors_dim(args, kw)
    if a is None:
        return None
    ts, bufs, dim = a
    kernel = _concatenate_p.kernels["cpu"]
    if len(bufs) == 2:                          # (most calls: no loop)
        b0, b1 = bufs
        k: tuple = (_STACK, kernel, dim, b0.dtype, b0.shape, b1.shape)
    else:
        sig: list = [_STACK, kernel, dim, bufs[0].dtype]
        for b in bufs:
            sig.append(b.shape)
        k = tuple(sig)
    plan = _PLANS.get(k, False)
    if plan is False:
        plan = _stack_plan(kernel, bufs, dim, k)
    if plan is None:
        return None
    run, full, view, mode, cparams, grad = plan
    if mode == 0:
        out = run(*bufs)
    elif mode == 1:
        out = run(*bufs).reshape(full)
    else:
        out = run(*[b.reshape(view) for b in bufs])
    if grad and STATE.enabled:
        for t in ts:
            if t._rg:
                return _stack_node(ts, out, view, cparams, mode)
    return _make(out)


def _stack_node(ts, out, view, cparams, mode):
    """``out`` with its tape over ``ts``: before the last axis (mode 0, 1) the concatenate
    node over the tensors themselves and a reshape node splitting its axis (two nodes for any
    number of tensors; 4.7 -> 3.x us two 4x8 tensors); along the last axis the general
    entry's (an expand_dims node per tensor, the concatenate node over them); the last node
    named StackBackward0, its edges the tensors' nodes."""
    if mode != 2:
        d = cparams["axis"]
        shape = out.shape
        cat = _node_many(_concatenate_p, cparams, ts, out.reshape(shape[:d] + (-1,) +
                                                                  shape[d + 2:]))
        version = [0]                           # (its own counter: the stack is no view)
        node = Node(_reshape_p, {"shape": shape}, (cat._node,), (cat,), (0,), out, version)
        node.label = "StackBackward0"
        node.edges = cat._node.parents
        return _make(out, version, node)
    eparams = {"axes": (cparams["axis"],)}
    views: list = []
    parents: list = []
    edges: list = []
    for t in ts:
        c = t._buf.reshape(view)
        version = t._version
        if t._rg:
            p = t._node or leaf_node(t)
            en = Node(_expand_dims_p, eparams, (p,), (t,), (version[0],), c, version)
            views.append(_make(c, version, en))
            parents.append(en)
        else:
            p = None
            views.append(_make(c, version))
            parents.append(None)
        edges.append(p)
    version = [0]
    node = Node(_concatenate_p, cparams, tuple(parents), tuple(views),
                tuple([t._version[0] for t in ts]), out, version)
    node.label = "StackBackward0"
    node.edges = tuple(edges)
    return _make(out, version, node)


def _stack_plan(kernel, bufs, dim, k):
    """``(run, full shape, expand_dims's view shape, mode: 0 run on the buffers makes the
    stack, 1 its result is viewed as the stack, 2 run takes the views, concatenate's params,
    grad)``; None where the lane does not take the call (the general entry raises its
    errors)."""
    b = bufs[0]
    shape, dtype = b.shape, b.dtype
    nd = len(shape) + 1
    small = getattr(kernel, "small", None)
    if dtype in _HALF or small is None or not -nd <= dim < nd:
        return None
    for c in bufs:
        if c.shape != shape:
            return None
    d = dim % nd
    n = len(bufs)
    try:
        e = _expand_dims_p.abstract_eval(AVal(shape, dtype), axes=(d,))
        aval = _concatenate_p.abstract_eval(*[e] * n, axis=d)
    except Exception:  # noqa: BLE001 - the general path raises its own error
        return None
    mode = 2 if d == nd - 1 else 1
    run = small([e.shape if mode == 2 else shape] * n, [dtype] * n, axis=d)
    if d == 0:
        run0 = small([e.shape] * n, [dtype] * n, axis=0)
        if getattr(run0, "rows", False):    # (the size-1 blocks' form: o[i] = x)
            run, mode = run0, 0
    plan = (run, aval.shape, e.shape, mode, {"axis": d}, is_inexact(dtype))
    return _keep(k, plan)


JOINS.update(cat=_cat_parse, concat=_cat_parse, concatenate=_cat_parse, stack=_stack_parse)
