"""The entries of the one-tensor fast lane (issue 19): reductions, softmaxes and transpose.

``_dispatch.small_unary(prim, x, key, params_of)`` is the lane itself: one plan per (primitive,
kernel, shape, dtype, key), made on the first call (the rule checked, the params worked out,
the kernel's small-operand form chosen: ``kernel.small``), then one dict lookup, the kernel's
small form and the wrapping ``_finish`` would do.  Unary primitives reach it through
``EagerFrontend.apply``; the entries here put it in front of the PyTorch functions whose
argument handling costs more than the operation on a small tensor (``x.sum(1)``,
``x.max(1)``, ``F.log_softmax(x, 1)``, ``x.transpose(0, 1)``).

Each entry is the one wrapper ``_entry(general, parse)``: ``parse(args, kw)`` reads the call
(positional arguments, ``dim``/``keepdim`` keywords) and returns the result through the lane,
or None for anything it does not take (other keywords, a non-float or CUDA tensor, autocast,
a trace, a dim out of range, the first call whose rule fails), which goes to ``general``, the
entry as it was: so results, grad_fn names, errors and devices are the general entry's.  A
parse per calling convention (reduce, arg-reduce, max/min, softmax, transpose), not per op.
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.ops._rules import normalize_axes
from dlcore.registry import scalar_buffer

from . import _dispatch as _D
from ._dispatch import small_binary, small_unary
from ._graph import Node, labelled
from ._state import STATE
from .return_types import values_indices
from .tensor import Tensor, _make
from .tracing import _RECORDERS

_apply = _D.EagerFrontend.apply
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_DIM_KW = frozenset({"dim", "keepdim"})
_sum_p, _div_p = _ops.reduce.sum_p, _ops.elementwise.div_p
_max_p, _argmax_p = _ops.reduce.max_p, _ops.reduce.argmax_p
_softmax_p = _ops.softmax_prims.softmax_p
_log_softmax_p = _ops.softmax_prims.log_softmax_p
_transpose_p = _ops.shape.transpose_p
_squeeze_p = _ops.shape.squeeze_p
_take_along_axis_p = _ops.scan.take_along_axis_p


def _entry(general, parse):
    """``general`` with ``parse`` in front (see the module docstring)."""
    def lane_entry(*args, **kw):
        if args and not _RECORDERS and (not kw or kw.keys() <= _DIM_KW):
            out = parse(args, kw)
            if out is not None:
                return out
        return general(*args, **kw)

    lane_entry.__name__ = lane_entry.__qualname__ = general.__name__
    lane_entry.__doc__ = general.__doc__
    lane_entry.__wrapped__ = general            # type: ignore[attr-defined]
    return lane_entry


def _float_args(args, kw):
    """``(x, dim, keepdim)`` of a ``(input, dim=None, keepdim=False)`` call on a float32 or
    float64 tensor, else None."""
    x = args[0]
    if not isinstance(x, Tensor):
        return None
    d = x._buf.dtype
    if d is not _F32 and d is not _F64:
        return None
    n = len(args)
    if n > 3:
        return None
    dim = args[1] if n > 1 else kw.get("dim")
    keepdim = args[2] if n > 2 else kw.get("keepdim", False)
    if (n > 1 and "dim" in kw) or (n > 2 and "keepdim" in kw):
        return None                             # (the general entry's TypeError)
    return x, dim, keepdim


# ----------------------------------------------------------------------------- params_of
def _axes_params(b, key) -> dict | None:
    dim, keepdim = key
    if not (dim is None or type(dim) is int or
            (type(dim) is tuple and dim and all(type(d) is int for d in dim))):
        return None
    if type(keepdim) is not bool:
        return None
    return {"axes": normalize_axes("sum", dim, b.ndim, b.shape), "keepdims": keepdim}


def _axis_params(b, key) -> dict | None:
    dim, keepdim = key
    if type(dim) is not int or type(keepdim) is not bool or not b.ndim:
        return None
    nd = b.ndim
    if not -nd <= dim < nd or b.shape[dim] == 0:
        return None
    return {"axis": dim % nd, "keepdims": keepdim}


def _extreme_params(b, key) -> dict | None:
    """max_p over one int dim (``x.max(1)``'s values without a gradient)."""
    p = _axis_params(b, key)
    return None if p is None else {"axes": (p["axis"],), "keepdims": p["keepdims"]}


def _softmax_params(b, dim) -> dict | None:
    nd = b.ndim
    if type(dim) is not int or not nd or not -nd <= dim < nd:
        return None
    return {"axis": dim % nd}


def _perm_params(b, key) -> dict | None:
    nd = b.ndim
    d0, d1 = key
    if type(d0) is not int or type(d1) is not int or not nd or \
            not (-nd <= d0 < nd and -nd <= d1 < nd) or d0 % nd == d1 % nd:
        return None
    perm = list(range(nd))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return {"perm": tuple(perm)}


def _squeeze_params(b, axis) -> dict:
    return {"axes": (axis,)}


# ----------------------------------------------------------------------------- parses
def _reduce_parse(prim, labels, mean: bool):
    """sum/mean: the sum primitive over the axes (mean: then a div by the count, as
    ``composites.mean`` binds it), the node renamed as PyTorch names it."""
    def parse(args, kw):
        a = _float_args(args, kw)
        if a is None:
            return None
        x, dim, keepdim = a
        out = small_unary(prim, x, (dim, keepdim), _axes_params)
        if out is None:
            return None
        if mean:
            b = x._buf
            count = b.size // out._buf.size if out._buf.size else 0
            if not count:
                return None                     # (an empty reduction: the general entry)
            # the div node ``_finish`` records for ``sum / float(count)`` (the count's 0-d
            # buffer a saved input): through the binary lane, else ``apply``
            ob = out._buf
            cb = scalar_buffer(float(count), ob.dtype)
            q = small_binary(_div_p, out, _make(cb), ob, cb)
            out = q if q is not None else _apply(_div_p, (out, float(count)), {})
        node = out._node
        if type(node) is Node:
            node.label = labels[dim is not None]
        return out
    return parse


def _arg_parse(prim):
    """argmax over an int dim (dim None flattens first: the general entry)."""
    def parse(args, kw):
        a = _float_args(args, kw)
        if a is None or a[1] is None:
            return None
        return small_unary(prim, a[0], (a[1], a[2]), _axis_params)
    return parse


def _max_parse(name: str = "max", prim=_max_p, arg_prim=_argmax_p, label="MaxBackward0"):
    """``max(x, dim)`` with an int dim: ``(values, indices)`` as the general entry
    (``_tensor_ops._reduce_extreme``) makes them: without a gradient the reduction and the
    arg-reduction; with one, the values gathered at the indices (the gradient goes to that
    element), squeezed, named MaxBackward0, and the indices a fresh tensor sharing the
    gather's saved version counter.  (min takes argmax of -x there: not in the lane.)"""
    def parse(args, kw):
        a = _float_args(args, kw)
        if a is None or type(a[1]) is not int:
            return None
        x, dim, keepdim = a
        if not (x._rg and STATE.enabled):
            values = small_unary(prim, x, (dim, keepdim), _extreme_params)
            if values is None:
                return None
            idx = small_unary(arg_prim, x, (dim, keepdim), _axis_params)
            return None if idx is None else values_indices(name, values, idx)
        idx = small_unary(arg_prim, x, (dim, True), _axis_params)
        if idx is None:
            return None
        d = dim % x._buf.ndim
        values = _apply(_take_along_axis_p, (x, idx), {"axis": d})
        if not keepdim:
            values = small_unary(_squeeze_p, values, d, _squeeze_params)
            b = idx._buf
            idx = _make(b.reshape(b.shape[:d] + b.shape[d + 1:]), idx._version)
        return values_indices(name, labelled(values, label, x, edges=(x,)), idx)
    return parse


def _softmax_parse(prim):
    """softmax/log_softmax over an int dim (``dim`` positional or keyword; no dtype)."""
    def parse(args, kw):
        if len(args) > 2 or (kw and (len(args) > 1 or "keepdim" in kw)):
            return None
        x = args[0]
        if not isinstance(x, Tensor):
            return None
        d = x._buf.dtype
        if d is not _F32 and d is not _F64:
            return None
        return small_unary(prim, x, args[1] if len(args) > 1 else kw.get("dim"),
                           _softmax_params)
    return parse


def _transpose_parse(args, kw):
    if kw or len(args) != 3 or not isinstance(args[0], Tensor):
        return None
    return small_unary(_transpose_p, args[0], (args[1], args[2]), _perm_params)


# ----------------------------------------------------------------------------- install
_REDUCE_LABELS = {"sum": ("SumBackward0", "SumBackward1"),
                  "mean": ("MeanBackward0", "MeanBackward1")}


def _parses() -> dict:
    """name -> parse: the entries the lane goes in front of."""
    return {
        "sum": _reduce_parse(_sum_p, _REDUCE_LABELS["sum"], False),
        "mean": _reduce_parse(_sum_p, _REDUCE_LABELS["mean"], True),
        "argmax": _arg_parse(_argmax_p),
        "max": _max_parse(),
        "softmax": _softmax_parse(_softmax_p),
        "log_softmax": _softmax_parse(_log_softmax_p),
        "transpose": _transpose_parse,
        "swapaxes": _transpose_parse,
    }


def install() -> None:
    """Put the lane's entries in front of ``torch.X``, ``Tensor.X`` and ``F.X`` for each name
    of ``_parses``; idempotent (an entry already in place is kept)."""
    import sys
    torch = sys.modules["dlcore_eager"]
    F = sys.modules.get("dlcore_eager.nn.functional")
    for name, parse in _parses().items():
        for target in (torch, Tensor, F):
            if target is None:
                continue
            f = target.__dict__.get(name) if target is Tensor else getattr(target, name, None)
            if f is None or not callable(f) or isinstance(f, (staticmethod, classmethod)) or \
                    getattr(f, "__lane__", False):
                continue
            e = _entry(f, parse)
            e.__lane__ = True
            setattr(target, name, e)
