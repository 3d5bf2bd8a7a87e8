"""The eager lane's joins (issue 19): ``torch.cat`` and ``torch.stack`` of small CPU tensors
through ``_lane.small_many`` and the lane's plan table (see ``_lane``'s docstring).  Importing
this module puts its parses in ``_lane.JOINS``, which ``_lane.install`` puts in front of
``torch.cat``/``concat``/``concatenate``/``stack``, ``Tensor``'s and ``_shape_ops``' (internal
callers)."""

from __future__ import annotations

from dlcore import ops as _ops
from dlcore.ops.stacking import stack_p as _stack_p

from ._lane import JOINS, _ndarray, small_many
from .tensor import Tensor

_concatenate_p = _ops.shape.concatenate_p


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


JOINS.update(cat=_cat_parse, concat=_cat_parse, concatenate=_cat_parse, stack=_stack_parse)
