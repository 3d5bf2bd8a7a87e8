"""The eager lane's ``max(x, dim)`` (issue 19; see ``_lane``'s docstring): its parse, and the
fused plan of the call with a gradient (the argmax's and the gather's plans as one)."""

from __future__ import annotations

import numpy as np

from dlcore.kernels.cpu.scan import take_along_axis as _cpu_take_along_axis
from dlcore.ops.reduce import min_p as _min_p

from ._graph import Node, labelled, leaf_node
from ._lane import (_PLANS, MORE, _apply, _argmax_p, _axis_params, _bare_run, _extreme_params,
                    _float_args, _keep, _max_p, _ndarray, _squeeze_p, _take_along_axis_p,
                    _take_params, small_many, small_unary)
from ._state import STATE
from .return_types import values_indices
from .tensor import Tensor, _make

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


def max_parse(name: str = "max", prim=_max_p, arg_prim=_argmax_p, label="MaxBackward0"):
    """``max(x, dim)`` with an int dim: ``(values, indices)`` as the general entry
    (``_tensor_ops._reduce_extreme``) makes them: without a gradient the reduction and the
    arg-reduction; with one, the values gathered at the indices (the gradient goes to that
    element), squeezed (no view: see below), named MaxBackward0, and the indices a fresh
    tensor sharing the gather's saved version counter (min's: ``min_parse``); ``x.max()``:
    ``whole_parse``."""
    whole = whole_parse(prim, label[:-1] + "1")

    def parse(args, kw):
        a = _float_args(args, kw)
        if a is None or type(a[1]) is not int:
            return whole(args, kw) if a is not None and a[1] is None else None
        x, dim, keepdim = a
        if not (x._rg and STATE.enabled):
            values = small_unary(prim, x, (dim, keepdim), _extreme_params)
            if values is None:
                return None
            idx = small_unary(arg_prim, x, (dim, keepdim), _axis_params)
            return None if idx is None else values_indices(name, values, idx)
        b = x._buf
        pk = (_MAX_GRAD, arg_prim, arg_prim.kernels["cpu"], _take_along_axis_p.kernels["cpu"],
              b.shape, b.dtype, dim)
        plan = _PLANS.get(pk, False)
        if plan:
            return _max_grad_run(plan, name, x, b, keepdim, label)
        idx = small_unary(arg_prim, x, (dim, True), _axis_params)
        if idx is None:
            return None
        d = dim % b.ndim
        values = small_many(_take_along_axis_p, (x, idx), (b, idx._buf), d, _take_params)
        if values is None:
            values = _apply(_take_along_axis_p, (x, idx), {"axis": d})
        if type(values._node) is not Node and not isinstance(values._node, Node):
            return None
        if plan is False:
            _max_grad_plan(pk, arg_prim, b, idx._buf, dim, d)
        return _max_values(name, x, values, idx, d, keepdim, label)
    return parse


def _all_axes(b, key) -> dict | None:
    return {"axes": tuple(range(b.ndim)), "keepdims": False} if b.size else None


def whole_parse(prim, label: str):
    """``x.max()`` / ``x.min()`` of a float tensor: the reduction over every axis as the general
    entry binds it (``_ops.max_``), its node named ``label`` (MaxBackward1); an empty tensor,
    and a NaN result with a gradient (PyTorch shares it among the NaNs: the general entry's
    graph), go to the general entry (x.min() of 8x16 with grad 7.5-12 -> ~4-7 us, PyTorch
    1.7-3)."""
    def parse(args, kw):
        if len(args) != 1 or kw:
            return None
        x = args[0]
        if type(x) is not Tensor or type(x._buf) is not _ndarray or \
                (x._buf.dtype is not _F32 and x._buf.dtype is not _F64):
            return None
        out = small_unary(prim, x, "every axis", _all_axes)
        if out is None or out._node is None:
            return out
        if out._buf != out._buf:            # (NaN: not this graph, see above)
            return None
        return labelled(out, label, x, edges=(x,))
    return parse


def min_parse():
    """``min(x, dim)`` with an int dim as the general entry makes it (its index the argmax of
    ``-x``: the first minimum, or the first NaN), through the lanes: without a gradient the
    reduction's plan, with one the values gathered at the index as ``max``'s
    (``_max_values``: MinBackward0); ``x.min()``: ``whole_parse`` (x.min(1) of 8x16 with grad
    32 -> ~8-12 us, PyTorch 4)."""
    whole = whole_parse(_min_p, "MinBackward1")
    argmax = _argmax_p.kernels

    def parse(args, kw):
        a = _float_args(args, kw)
        if a is None or (a[1] is not None and type(a[1]) is not int):
            return None
        x, dim, keepdim = a
        if dim is None:
            return whole(args, kw)
        b = x._buf
        if type(b) is not _ndarray or not -b.ndim <= dim < b.ndim or b.shape[dim] == 0:
            return None
        d = dim % b.ndim
        ib = argmax["cpu"](np.negative(b), axis=d, keepdims=True)
        if not (x._rg and STATE.enabled):
            values = small_unary(_min_p, x, (dim, keepdim), _extreme_params)
            return None if values is None else \
                values_indices("min", values, _make(ib if keepdim else ib.squeeze(d)))
        idx = _make(ib)
        values = small_many(_take_along_axis_p, (x, idx), (b, ib), d, _take_params)
        return None if values is None else \
            _max_values("min", x, values, idx, d, keepdim, "MinBackward0")
    return parse


_node_new = Node.__new__
_MAX_GRAD = "max with grad"


def _max_grad_run(plan, name, x, b, keepdim, label="MaxBackward0"):
    """The fused plan of ``max(x, dim)`` with a gradient (``_max_grad_plan``: one lookup, no
    call layers; the same kernels, node and tensors as its two plans): the index with
    keepdims, the values gathered there."""
    arun, d, tparams, trun = plan
    ib = arun(b)
    vb = trun(b, ib)
    if type(vb) is not _ndarray:
        vb = np.asarray(vb)
    idx = _make(ib)
    version = [0]
    # Node(_take_along_axis_p, tparams, (parent, None), (x, idx), (v, 0), vb, version)'s
    # stores inline (no class call; a field added to Node.__init__: here too)
    node = _node_new(Node)
    node.prim = _take_along_axis_p
    node.params = tparams
    node.parents = (x._node or leaf_node(x), None)
    node.inputs = (x, idx)
    node.versions = (x._vc[0], 0)
    node.out_buf = vb
    node.out_version = version
    node.out_ver0 = 0
    node.shape = vb.shape
    node.dtype = vb.dtype
    node.hooks = None
    node.retain = None
    values = _make(vb, version, node)
    return _max_values(name, x, values, idx, d, keepdim, label)


def _max_values(name, x, values, idx, d, keepdim, label):
    """``(values, indices)`` of max with a gradient from the gather's ``values`` (keepdims)."""
    node = values._node
    if not keepdim:
        # the squeeze node over the gather's result, which only that node holds: the
        # values are no view (as PyTorch's: changed in place, their grad_fn is the
        # in-place op's over MaxBackward0), the squeeze's rule needs no check (one
        # size-1 axis)
        out = values._buf.squeeze(d)
        version = [0]                       # (its own counter: not a view)
        parent = node                       # (Node(_squeeze_p, ...)'s stores inline)
        node = _node_new(Node)
        node.prim = _squeeze_p
        node.params = {"axes": (d,)}
        node.parents = (parent,)
        node.inputs = (values,)
        node.versions = (0,)
        node.out_buf = out
        node.out_version = version
        node.out_ver0 = 0
        node.shape = out.shape
        node.dtype = out.dtype
        node.hooks = None
        node.retain = None
        values = _make(out, version, node)
        idx = _make(idx._buf.squeeze(d), idx._vc)
    node.label = label                      # (labelled's: the node is the values')
    node.edges = (x._node or leaf_node(x),)
    return values_indices(name, values, idx)


def _max_grad_plan(pk, arg_prim, b, ib, dim, d) -> None:
    """The fused plan of ``max(x, dim)`` with a gradient, from the two plans its first call
    made (argmax with keepdims through ``small_unary``, take_along_axis through
    ``small_many``): ``(argmax's run, d, take's params, take's run)``; None (the two-plan
    path for good) where either is not a plain run.  Over the last axis of a matrix, the
    stock kernel's gather (fancy indexing, ~0.75 us) is the same copy of the same elements
    as ``x.take`` of the flat indices (~0.2 us for one row, ~0.55 with the row offsets
    added): that gather then."""
    arun = _bare_run(_PLANS.get((arg_prim, arg_prim.kernels["cpu"], b.shape, b.dtype,
                                 (dim, True))))
    tk = _take_along_axis_p.kernels["cpu"]
    tp = _PLANS.get((_take_along_axis_p, tk, d, b.shape, b.dtype, ib.shape, ib.dtype))
    plan = None
    if arun is not None and tp and tp[2]:
        run = tp[0]
        if tk is _cpu_take_along_axis and b.ndim == 2 and d == 1:
            run = _row_take(b.shape)
        plan = (arun, d, tp[1], run)
    _keep(pk, plan)


def _row_take(shape):
    """``take_along_axis(x, i, axis=1)`` of an (m, n) ``x`` and an (m, 1) index ``i`` as the
    flat ``x.take``: ``i`` itself for one row, ``i`` plus each row's offset for more."""
    m, n = shape
    if m == 1:
        return _ndarray.take
    off = (np.arange(m, dtype=np.int64) * n)[:, None]

    def run(x, i):
        return x.take(i + off)
    return run


MORE["max"] = max_parse()
MORE["min"] = min_parse()
