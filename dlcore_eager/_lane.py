"""The eager fast lane (issue 19): one path for small ops on CPU tensors.

``small_unary(prim, x, key, params_of)`` is the lane for one tensor: one plan per (primitive,
kernel, shape, dtype, key), made on the first call (the rule checked, the params worked out,
the kernel's small-operand form chosen: ``kernel.small``), then one dict lookup, the kernel's
small form and the wrapping ``_dispatch._finish`` would do.  ``small_many`` is the same for
several tensors (``cat``, two-tensor primitives with params).  Unary primitives reach the lane through
``EagerFrontend.apply`` (this module sets its ``_small_unary`` hook); the entries here put it
in front of the PyTorch functions whose argument handling costs more than the operation on a
small tensor (``x.sum(1)``, ``x.max(1)``, ``F.log_softmax(x, 1)``, ``x.transpose(0, 1)``,
``torch.cat``).

Each entry is the one wrapper ``_entry(general, parse)``: ``parse(args, kw)`` reads the call
(positional arguments, ``dim``/``keepdim`` keywords) and returns the result through the lane,
or None for anything it does not take (other keywords, a non-float or CUDA tensor, autocast,
a trace, a dim out of range, the first call whose rule fails), which goes to ``general``, the
entry as it was: so results, grad_fn names, errors and devices are the general entry's.  A
parse per calling convention (reduce, arg-reduce, max, softmax, transpose, cat), not per
op.  The older hand-written paths went into the lane: ``torch.cat``'s (this entry is also
``_shape_ops.cat``), ``argmax``'s, ``x.t()``'s (``_shape_ops.fast_t``) and ``view``/
``reshape``'s (``_shape_ops._fast_view``), the last two calling ``small_unary`` directly.
A kernel's small form may be a Python function ``run(buf)`` or a pair ``(method, arg)``
run as ``method(buf, arg)`` (the ndarray methods of the shape kernels: no Python frame).
``cat`` and ``stack`` live in ``_lane_joins`` (their parses put in ``JOINS`` on import), with
their own entry (``parse.entry``: two tensors taken in the entry itself, one lookup); max's
parse and fused plan in ``_lane_max``; the one-frame entries of sum, argmax, max and the
softmaxes (the plan this module's parse made, looked up and run in the entry) in
``_lane_entries``.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from dlcore import ops as _ops
from dlcore.dtypes import is_inexact
from dlcore.ops._rules import normalize_axes
from dlcore.registry import AVal, _rule_aval, scalar_buffer

from . import _dispatch as _D
from . import _shown_saved
from ._dispatch import _HALF, small_binary
from ._dispatch_finish import _finish, view1
from ._graph import Node, leaf_node
from ._lane_plans import PLANS
from ._operand_rules import check_rule
from ._state import STATE
from .tensor import Tensor, _make
from .tracing import _RECORDERS

_apply = _D.EagerFrontend.apply
_ndarray = np.ndarray
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_DIM_KW = frozenset({"dim", "keepdim"})
_sum_p, _div_p = _ops.reduce.sum_p, _ops.elementwise.div_p
_max_p, _argmax_p = _ops.reduce.max_p, _ops.reduce.argmax_p
_softmax_p = _ops.softmax_prims.softmax_p
_log_softmax_p = _ops.softmax_prims.log_softmax_p
_transpose_p = _ops.shape.transpose_p
_squeeze_p = _ops.shape.squeeze_p
_take_along_axis_p = _ops.scan.take_along_axis_p


_PLANS = PLANS          # (the plan table: _lane_plans' docstring)


def _keep(k, plan):
    """``plan`` stored under ``k`` in ``_PLANS`` (cleared when it passes 4096 plans)."""
    if len(_PLANS) > 4096:
        _PLANS.clear()
    _PLANS[k] = plan
    return plan


def small_unary(prim, a, key, params_of):
    """The one-tensor fast lane (issue 19): ``prim(a, **params)`` for a CPU tensor ``a``
    outside autocast.  ``key`` is the caller's hashable digest of its arguments
    (``(dim, keepdim)``, a perm, ``None`` for no params) and ``params_of(buf, key)`` turns it
    into the primitive's params; both run only on the first call for a (prim, kernel, shape,
    dtype, key), which checks the rule and makes the plan (``params_of`` returns None for
    a call the lane never takes).  A later call is one dict lookup,
    the kernel's small form and the wrapping ``_finish`` would do (a view through ``view1``,
    the one-tensor node, or ``_make``).  None when the lane does not apply, or the rule (or
    ``params_of``) fails: the caller's general path then runs, and raises its own error.
    Outside ``apply``, the caller has checked that no trace is recording (``_lane``)."""
    b = a._buf
    if type(b) is not _ndarray or _D._AUTOCAST:
        return None
    kernel = prim.kernels["cpu"]
    k = (prim, kernel, b.shape, b.dtype, key)
    try:
        plan = _PLANS[k]
    except KeyError:
        plan = _plan1(prim, kernel, b, key, params_of, k)
    except TypeError:                       # an unhashable key
        return None
    if plan is None:
        return None
    run, arg, params, grad, view = plan
    out = run(b) if arg is None else run(b, arg)
    if type(out) is _ndarray:
        if view:
            ob = out.base
            if ob is b or (ob is not None and ob is b.base):    # a view of ``b``'s memory
                if view == 1:
                    return view1(prim, a, params, out, grad)    # (grad: out's dtype inexact)
                return _finish(prim, (a,), params, out, a._rg)
            # else a new array: NumPy's reshape of a non-contiguous array is a view of a
            # fresh copy (its base that copy, not ``b``'s): no shared version counter
        if a._rg and grad and STATE.enabled:
            version = [0]                   # _finish's node for one tensor
            return _make(out, version, Node(prim, params, (a._node or leaf_node(a),), (a,),
                                            (a._vc[0],), out, version))
        return _make(out)
    return _finish(prim, (a,), params, out, a._rg)


def small_form(kernel, bufs, params):
    """``kernel.small``'s run for operands like ``bufs`` (one buffer: its shape and dtype;
    several: their lists), an ``(ndarray method, argument)`` pair, or None where the kernel
    has no small-operand form (the lanes' plans and ``_replay_lane``'s steps ask here)."""
    small = getattr(kernel, "small", None)
    if small is None:
        return None
    if len(bufs) == 1:
        return small(bufs[0].shape, bufs[0].dtype, **params)
    return small([b.shape for b in bufs], [b.dtype for b in bufs], **params)


def _plan1(prim, kernel, b, key, params_of, k):
    if b.dtype in _HALF:
        plan = None
    else:
        try:
            params = params_of(b, key)
            if params is not None:          # (the shared rule cache too: other fast paths
                check_rule(prim, (b,), params)      # look their rules up there)
            aval = None if params is None else prim.abstract_eval(_rule_aval(b), **params)
        except Exception:  # noqa: BLE001 - the general path raises its own error
            return None
        if type(aval) is not AVal:          # (not for the lane; several outputs)
            plan = None
        else:
            run = small_form(kernel, (b,), params)
            arg = None
            if type(run) is tuple:          # (an ndarray method and its one argument: no
                run, arg = run              # Python frame between the lane and NumPy)
            plan = (run or partial(kernel, **params), arg, params,
                    prim.differentiable and is_inexact(aval.dtype),
                    (1 if prim.differentiable else 2) if prim.view else 0)
    return _keep(k, plan)


def small_many(prim, tensors, bufs, key, params_of):
    """The lane for several CPU tensors (``cat``, ``apply``'s two tensors with params or two
    dtypes): ``small_unary``'s plan, keyed by every buffer's shape and dtype, with
    ``kernel.small(shapes, dtypes, **params)`` (or the kernel) run on ``bufs``, the buffers
    of ``tensors``, and ``_finish``'s node over all of them.  None when the lane does not
    apply (see small_unary; not for views); the caller has checked autocast, traces and that
    every buffer is a NumPy array."""
    kernel = prim.kernels["cpu"]
    if len(bufs) == 2:                      # (most calls: no loop, issue 19)
        b0, b1 = bufs
        k: tuple = (prim, kernel, key, b0.shape, b0.dtype, b1.shape, b1.dtype)
    elif len(bufs) == 3:                    # (addmm)
        b0, b1, b2 = bufs
        k = (prim, kernel, key, b0.shape, b0.dtype, b1.shape, b1.dtype, b2.shape, b2.dtype)
    else:
        sig: list = [prim, kernel, key]
        for b in bufs:
            sig.append(b.shape)
            sig.append(b.dtype)
        k = tuple(sig)
    try:
        plan = _PLANS[k]
    except KeyError:
        plan = _plan_many(prim, kernel, bufs, key, params_of, k)
    except TypeError:                       # an unhashable key
        return None
    if plan is None:
        return None
    run, params, grad = plan
    out = run(*bufs)
    if type(out) is not _ndarray:           # (a NumPy scalar)
        out = np.asarray(out)
    if grad and STATE.enabled:
        for t in tensors:
            if t._rg:
                return _node_many(prim, params, tensors, out)
    return _make(out)


def _node_many(prim, params, tensors, out):
    """``out`` wrapped with ``_finish``'s node over ``tensors``, one of which requires grad
    (those that do are its parents)."""
    if len(tensors) == 2:                   # (unrolled: no comprehension frames)
        t0, t1 = tensors
        r0, r1 = t0._rg, t1._rg
        parents: tuple = ((t0._node or leaf_node(t0)) if r0 else None,
                          (t1._node or leaf_node(t1)) if r1 else None)
        versions: tuple = (t0._vc[0], t1._vc[0])
    elif len(tensors) == 3:                 # (addmm: F.linear with a bias)
        t0, t1, t2 = tensors
        parents = ((t0._node or leaf_node(t0)) if t0._rg else None,
                   (t1._node or leaf_node(t1)) if t1._rg else None,
                   (t2._node or leaf_node(t2)) if t2._rg else None)
        versions = (t0._vc[0], t1._vc[0], t2._vc[0])
    else:
        parents = tuple([(t._node or leaf_node(t)) if t._rg else None for t in tensors])
        versions = tuple([t._vc[0] for t in tensors])
    version = [0]
    return _make(out, version, Node(prim, params, parents, tuple(tensors), versions, out,
                                    version))


def _plan_many(prim, kernel, bufs, key, params_of, k):
    if prim.view or any(b.dtype in _HALF for b in bufs):
        plan = None
    else:
        try:
            params = params_of(bufs, key)
            if params is not None:
                check_rule(prim, bufs, params)
            aval = None if params is None else \
                prim.abstract_eval(*[_rule_aval(b) for b in bufs], **params)
        except Exception:  # noqa: BLE001 - the general path raises its own error
            return None
        if type(aval) is not AVal:
            plan = None
        else:
            run = small_form(kernel, bufs, params)
            plan = (run or partial(kernel, **params), params,
                    prim.differentiable and is_inexact(aval.dtype))
    return _keep(k, plan)



def fallback(general, parse, args, kw):
    """The default entry's body (``_entry``, written inline there: one frame less): ``parse``
    where it may take the call, else ``general``; the entry makers' own entries end in it."""
    if args and not _RECORDERS and not _D._AUTOCAST and (not kw or kw.keys() <= _DIM_KW):
        out = parse(args, kw)
        if out is not None:
            return out
    return general(*args, **kw)


def _entry(general, parse):
    """``general`` with ``parse`` in front (see the module docstring); where the parse has its
    own entry maker (``parse.entry(general, parse)``: the joins' two-tensor entry), that."""
    make = getattr(parse, "entry", None)
    lane_entry: Any
    if make is not None:
        lane_entry = make(general, parse)
    else:
        def lane_entry(*args, **kw):
            if args and not _RECORDERS and not _D._AUTOCAST and \
                    (not kw or kw.keys() <= _DIM_KW):
                out = parse(args, kw)
                if out is not None:
                    return out
            return general(*args, **kw)

    lane_entry.__name__ = lane_entry.__qualname__ = general.__name__
    lane_entry.__doc__ = general.__doc__
    lane_entry.__wrapped__ = general
    lane_entry.__lane__ = True
    lane_entry.__lane_parse__ = parse
    return lane_entry


def in_front(f):
    """``f`` (a wrapper of a lane entry made later, with the entry's attributes copied by
    ``functools.wraps``: ``_numpy_keywords``' renaming of ``axis=``) with the lane's parse
    in front again, so that a call the lane takes does not go through ``f`` first (issue 19:
    one call layer, ~0.4 us of a 7 us softmax); ``f`` itself where it wraps no lane entry."""
    parse = getattr(f, "__lane_parse__", None)
    return f if parse is None else _entry(f, parse)


def _float_args(args, kw, kinds: str = ""):
    """``(x, dim, keepdim)`` of a ``(input, dim=None, keepdim=False)`` call on a float32 or
    float64 tensor (or one whose dtype kind is in ``kinds``), else None."""
    x = args[0]
    if not isinstance(x, Tensor):
        return None
    d = x._buf.dtype
    if d is not _F32 and d is not _F64 and d.kind not in kinds:
        return None
    n = len(args)
    if n > 3:
        return None
    dim = args[1] if n > 1 else kw.get("dim")
    keepdim = args[2] if n > 2 else kw.get("keepdim", False)
    if (n > 1 and "dim" in kw) or (n > 2 and "keepdim" in kw):
        return None                             # (the general entry's TypeError)
    td = type(dim)
    if type(keepdim) is not bool or not (dim is None or td is int or (
            td is tuple and all(type(d) is int for d in dim))):
        return None     # (True == 1, 0 == False as plan keys: not for a plan of an int dim)
    return x, dim, keepdim


# ----------------------------------------------------------------------------- params_of
def _axes_params(b, key) -> dict | None:
    dim, keepdim = key
    if not (dim is None or type(dim) is int or
            (type(dim) is tuple and dim and all(type(d) is int for d in dim))):
        return None
    if type(keepdim) is not bool:
        return None
    if type(dim) is tuple and len({d % b.ndim if -b.ndim <= d < b.ndim else d
                                   for d in dim}) < len(dim):
        return None          # (a dim named twice: the general path's PyTorch error)
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
    # (a negative dim: PyTorch's grad_fn._saved_dim shows it as given, _shown_saved)
    return {"axis": dim % nd} if dim >= 0 else _shown_saved.plan_dim({"axis": dim % nd}, dim)


def _perm_params(b, key) -> dict | None:
    nd = b.ndim
    d0, d1 = key
    if type(d0) is not int or type(d1) is not int or not nd or \
            not (-nd <= d0 < nd and -nd <= d1 < nd) or d0 % nd == d1 % nd:
        return None
    perm = list(range(nd))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return {"perm": tuple(perm)}


def _take_params(bufs, axis) -> dict:
    return {"axis": axis}


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
        if mean:
            b = x._buf
            try:
                mp = _PLANS.get((_MEAN, b.shape, b.dtype, dim, keepdim)) \
                    if type(b) is _ndarray and not _D._AUTOCAST else None
            except TypeError:                   # (an unhashable dim: the general entry's)
                mp = None
            if mp is not None:
                out = _mean_run(mp, x, b, labels[dim is not None])
                if out is not None:
                    return out
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
            if q is not None:
                _mean_plan(prim, b, dim, keepdim, cb)
            out = q if q is not None else _apply(_div_p, (out, float(count)), {})
        node = out._node
        if type(node) is Node:
            node.label = labels[dim is not None]
        return out
    return parse


_MEAN = "mean"      # (the plan key's tag: (_MEAN, shape, dtype, dim, keepdim))


def _mean_plan(prim, b, dim, keepdim, cb) -> None:
    """After a mean through both lanes: their plans as one (``_mean_run``: one lookup, no
    lane calls; the same kernels, nodes and tensors)."""
    plan = _PLANS.get((prim, prim.kernels["cpu"], b.shape, b.dtype, (dim, keepdim)))
    small = _D._SMALL.get(_div_p.kernels["cpu"])
    if plan and small and not plan[4] and plan[3] and cb.dtype in small[2] and \
            _D._QUIET_RUN is not None:          # (NumPy 1.x: the two lanes, as they were)
        _keep((_MEAN, b.shape, b.dtype, dim, keepdim), (plan[0], plan[1], plan[2], cb,
                                                          small[0], prim))


def _mean_run(mp, x, b, label):
    """``sum / count`` as ``small_unary`` then ``small_binary`` make it (the div's node, over
    the sum's and the count, named ``label``); None where the sum gives no array."""
    run, arg, params, cb, div, prim = mp
    ob = run(b) if arg is None else run(b, arg)
    if type(ob) is not _ndarray:
        return None
    q = _D._QUIET_RUN.run(div, ob, cb)  # type: ignore[union-attr]  # (as small_binary)
    if type(q) is not _ndarray:                 # (0-d operands: a NumPy scalar)
        q = np.asarray(q)
    if x._rg and STATE.enabled:
        v = [0]
        s = _make(ob, v, Node(prim, params, (x._node or leaf_node(x),), (x,),
                              (x._vc[0],), ob, v))
        v = [0]
        node = Node(_div_p, {}, (s._node, None), (s, _make(cb)), (0, 0), q, v)
        node.label = label
        return _make(q, v, node)
    return _make(q)


def _arg_parse(prim):
    """argmax over an int dim, or over the flattened tensor (no dim, no keepdim: as the
    general entry, ``_tensor_ops.argmax``, binds it, on the buffer viewed as a vector); float
    and integer tensors (a bool one: the general entry's error)."""
    def parse(args, kw):
        a = _float_args(args, kw, "iu")
        if a is None:
            return None
        x, dim, keepdim = a
        if dim is None:
            if keepdim is not False:
                return None
            fb = x._buf.reshape(-1)
            run = _bare_run(_PLANS.get((prim, prim.kernels["cpu"], fb.shape, fb.dtype,
                                        (0, False))))
            if run is not None:
                out = run(fb)                   # (small_unary's steps on the flat buffer,
                if type(out) is _ndarray:       # no Tensor around it: an index has no node)
                    return _make(out)
            x = _make(fb)
            dim = 0
        return small_unary(prim, x, (dim, keepdim), _axis_params)
    return parse


def _bare_run(plan):
    """A one-tensor plan's ``run(buf) -> out`` where the plan is nothing more (no argument, no
    gradient, not a view: its output needs no node), else None."""
    if plan and plan[1] is None and not plan[3] and not plan[4]:
        return plan[0]
    return None


def _dim_parse(prim, params_of):
    """A one-tensor op over an int dim (``dim`` positional or keyword; no dtype or keepdim) of a
    float32/float64 tensor: the primitive's plan, its params from ``params_of``."""
    def parse(args, kw):
        if len(args) > 2 or (kw and (len(args) > 1 or "keepdim" in kw)):
            return None
        x = args[0]
        if not isinstance(x, Tensor):
            return None
        d = x._buf.dtype
        dim = args[1] if len(args) > 1 else kw.get("dim")
        if (d is not _F32 and d is not _F64) or type(dim) is not int:
            return None
        return small_unary(prim, x, dim, params_of)
    return parse


def _softmax_parse(prim):
    """softmax/log_softmax over an int dim."""
    return _dim_parse(prim, _softmax_params)


def _scan_params(b, dim) -> dict | None:
    nd = b.ndim
    if not nd or not -nd <= dim < nd:     # (a 0-d operand: the general path's reshapes)
        return None
    return {"axis": dim % nd, "reverse": False, "exclusive": False}


def _scan_parse(prim):
    """cumsum/cumprod over an int dim: the scan primitive's plan (10.4 -> ~3 us at 4x8)."""
    return _dim_parse(prim, _scan_params)


def _transpose_parse(args, kw):
    if kw or len(args) != 3 or not isinstance(args[0], Tensor) or \
            type(args[1]) is not int or type(args[2]) is not int:
        return None
    return small_unary(_transpose_p, args[0], (args[1], args[2]), _perm_params)


# ----------------------------------------------------------------------------- install
#: name -> parse of the joins (cat, stack: ``_lane_joins``, which fills it on import)
JOINS: dict = {}
#: name -> parse of the lane's other modules (max: ``_lane_max``, which fills it on import)
MORE: dict = {}
#: name -> ``parse.entry``, the one-frame entry maker (``_lane_entries``, on import)
ENTRIES: dict = {}
_REDUCE_LABELS = {"sum": ("SumBackward0", "SumBackward1"),
                  "mean": ("MeanBackward0", "MeanBackward1")}


def _parses() -> dict:
    """name -> parse: the entries the lane goes in front of (with the one-frame entries of
    ``_lane_entries``: ``ENTRIES``)."""
    parses = {
        "sum": _reduce_parse(_sum_p, _REDUCE_LABELS["sum"], False),
        "mean": _reduce_parse(_sum_p, _REDUCE_LABELS["mean"], True),
        "argmax": _arg_parse(_argmax_p),
        "softmax": _softmax_parse(_softmax_p),
        "log_softmax": _softmax_parse(_log_softmax_p),
        "transpose": _transpose_parse,
        "swapaxes": _transpose_parse,
        "cumsum": _scan_parse(_ops.scan.cumsum_p),
        "cumprod": _scan_parse(_ops.scan.cumprod_p),
        **JOINS,
        **MORE,
    }
    for name, make in ENTRIES.items():
        parses[name].entry = make
    return parses


def install() -> None:
    """Put the lane's entries in front of ``torch.X``, ``Tensor.X`` and ``F.X`` for each name
    of ``_parses``; idempotent (an entry already in place is kept)."""
    import sys

    from . import _shape_ops as S
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
            setattr(target, name, _entry(f, parse))
    cat, stack = JOINS["cat"], JOINS["stack"]
    if not getattr(S.cat, "__lane__", False):  # cat for internal callers (S.cat, cat(out=))
        S.cat = S.concat = S.concatenate = _entry(S.cat, cat)
    if not getattr(S.stack, "__lane__", False):        # (the same for stack)
        S.stack = _entry(S.stack, stack)


_D._small_unary = small_unary                   # (apply's one-tensor branch)
_D._small_many = small_many                     # (apply's two-tensor branch with params)
