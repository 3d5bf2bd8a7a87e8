"""The eager lane's one-frame entries (issue 19): ``F.log_softmax(x, dim=1)``, ``x.sum()``,
``x.sum(1)``, ``x.argmax()``, ``x.max(1)`` of a small CPU tensor taken in the entry itself.

``_lane._entry(general, parse)`` puts a parse in front of the general entry; the parse reads
the call and runs ``small_unary`` (or the max's fused plan): three frames before the kernel
runs, ~0.3 us of a ~2 us call.  The entries here (``parse.entry``, as ``_lane_joins``'
two-tensor entries) take the common forms of the call (a ``Tensor``, an int dim given
positionally, or as ``dim=`` for the softmaxes) in one frame: the lookup of the plan the
parse made (``_lane._PLANS``, under ``small_unary``'s key: only a call the parse took has one,
so a dtype, dim or shape the lane refuses never finds one; the key holds the current CPU
kernel), its run and the wrapping ``small_unary`` would do.  Everything else (the first
call, other arguments, a trace, autocast, a CUDA tensor, a Tensor subclass, a plan that is
more than a run) goes through ``parse`` and then ``general``, as ``_lane._entry``'s, so
results, grad_fn names and errors are theirs.  A dim is taken only as an ``int`` (``True``
and ``1.0`` hash as ``1``: they go to the parse).
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.registry import check_rule

from . import _dispatch as _D
from . import _lane as L
from . import _lane_max as M
from . import _shown_saved as _shown
from ._dispatch_finish import view1
from ._graph import Node, leaf_node
from ._state import INFERENCE_ON, SAVED_HOOKS_ON, STATE, fresh_version
from .return_types import values_indices
from .tensor import Tensor, _make, _new
from ._views import view_of
from .tracing import _RECORDERS

_ndarray = np.ndarray
_PLANS = L._PLANS
_F32, _F64 = L._F32, L._F64
_F32_MAX, _INF = float(np.finfo(np.float32).max), float("inf")


_fallback = L.fallback
_node_new = Node.__new__


def _run1(prim, plan, x, b, label=None):
    """``small_unary``'s steps after its lookup for its plan ``plan`` of ``x``'s buffer ``b``
    where that plan is a run and nothing more (no argument, no view), the node named
    ``label`` where given (the parse's renaming); None for any other plan, or a run that
    gives no array."""
    if not plan or plan[1] is not None or plan[4]:
        return None
    out = plan[0](b)
    if type(out) is not _ndarray:
        return None
    if x._rg and plan[3] and STATE.enabled:
        version = [0]
        # ``Node(prim, plan[2], (parent,), (x,), (v,), out, version)``'s stores inline (no
        # class call, as _views.view_of: log_softmax of 1x32 with grad ~0.1 us less); a field
        # added to ``Node.__init__`` must be added here too
        node = _node_new(Node)
        node.prim = prim
        node.params = plan[2]
        node.parents = (x._node or leaf_node(x),)
        node.inputs = (x,)
        node.versions = (x._vc[0],)
        node.out_buf = out
        node.out_version = version
        node.out_ver0 = 0
        node.shape = out.shape
        node.dtype = out.dtype
        node.hooks = None
        node.retain = None
        if label is not None:
            node.label = label
        return _make(out, version, node)
    return _make(out)


def softmax_entry(prim):
    """``parse.entry`` of softmax/log_softmax: ``(x, dim)`` or ``(x, dim=d)``."""
    kernels = prim.kernels

    def make(general, parse):
        def lane_entry(*args, **kw):
            n = len(args)
            if n == 2 and not kw:
                x, dim = args
            elif n == 1 and len(kw) == 1 and "dim" in kw:
                x = args[0]
                dim = kw["dim"]
            else:
                x = dim = None
            if type(x) is Tensor and type(dim) is int and not _RECORDERS and \
                    not _D._AUTOCAST:
                b = x._buf
                if type(b) is _ndarray:
                    out = _run1(prim, _PLANS.get((prim, kernels["cpu"], b.shape, b.dtype, dim)),
                                x, b)
                    if out is not None:
                        return out
            return _fallback(general, parse, args, kw)
        return lane_entry
    return make


def _dim_call(args, kw):
    """``(x, dim)`` of ``f(x)`` (dim None) or ``f(x, d)`` with an int ``d`` on a ``Tensor``
    with a CPU buffer, outside traces and autocast; else None."""
    if kw or _RECORDERS or _D._AUTOCAST:
        return None
    n = len(args)
    if n == 1:
        x = args[0]
        dim = None
    elif n == 2:
        x, dim = args
        if type(dim) is not int:
            return None
    else:
        return None
    if type(x) is not Tensor or type(x._buf) is not _ndarray:
        return None
    return x, dim


def sum_entry(prim, labels):
    """``parse.entry`` of sum: ``x.sum()`` and ``x.sum(d)`` (``keepdim`` False), the node
    named as the parse names it."""
    kernels = prim.kernels

    def make(general, parse):
        def lane_entry(*args, **kw):
            c = _dim_call(args, kw)
            if c is not None:
                x, dim = c
                b = x._buf
                out = _run1(prim, _PLANS.get((prim, kernels["cpu"], b.shape, b.dtype,
                                              (dim, False))), x, b, labels[dim is not None])
                if out is not None:
                    return out
                if b.dtype.kind in "biu" and b.ndim and (dim is None or -b.ndim <= dim < b.ndim):
                    # a bool or integer tensor (a mask's count): NumPy's int64 sum, PyTorch's
                    # result, no node (the general path's cast and sum: 38.7 -> ~5 us)
                    return _make(np.asarray(np.sum(b, axis=dim, dtype=np.int64)))
            return _fallback(general, parse, args, kw)
        return lane_entry
    return make


def argmax_entry(prim):
    """``parse.entry`` of argmax: ``x.argmax()`` (over the flattened buffer: the parse's plan
    for ``(size,)``, run on ``ravel``, the parse's ``reshape(-1)``) and ``x.argmax(d)``; an
    index has no node (``_lane._bare_run``)."""
    kernels = prim.kernels

    def make(general, parse):
        def lane_entry(*args, **kw):
            c = _dim_call(args, kw)
            if c is not None:
                x, dim = c
                b = x._buf
                if dim is None:
                    run = L._bare_run(_PLANS.get((prim, kernels["cpu"], (b.size,), b.dtype,
                                                  (0, False))))
                    b = b.ravel()
                else:
                    run = L._bare_run(_PLANS.get((prim, kernels["cpu"], b.shape, b.dtype,
                                                  (dim, False))))
                if run is not None:
                    out = run(b)
                    if type(out) is _ndarray:
                        return _make(out)
            return _fallback(general, parse, args, kw)
        return lane_entry
    return make


def max_entry(name, prim, arg_prim):
    """``parse.entry`` of max: ``x.max(d)``, with a gradient through ``_lane_max``'s fused
    plan, without one the two plans (values, index) the parse made; every other call
    through the parse."""
    kernels = prim.kernels
    ak = arg_prim.kernels
    tk = L._take_along_axis_p.kernels

    def make(general, parse):
        def lane_entry(*args, **kw):
            if len(args) == 2 and not kw:
                x, dim = args
                if type(x) is Tensor and type(dim) is int and not _RECORDERS and \
                        not _D._AUTOCAST:
                    b = x._buf
                    if type(b) is _ndarray:
                        if x._rg and STATE.enabled:
                            plan = _PLANS.get((M._MAX_GRAD, arg_prim, ak["cpu"], tk["cpu"],
                                               b.shape, b.dtype, dim))
                            if plan:
                                return M._max_grad_run(plan, name, x, b, False)
                        else:
                            key = (dim, False)
                            run = L._bare_run(_PLANS.get((arg_prim, ak["cpu"], b.shape,
                                                          b.dtype, key)))
                            if run is not None:
                                values = _run1(prim, _PLANS.get((prim, kernels["cpu"],
                                                                 b.shape, b.dtype, key)), x, b)
                                if values is not None:
                                    idx = run(b)
                                    if type(idx) is _ndarray:
                                        return values_indices(name, values, _make(idx))
            return _fallback(general, parse, args, kw)
        return lane_entry
    return make


def _unary_parse():
    """A parse of its own per name (its ``entry`` attribute is the name's): none; the unary
    entries take their calls themselves (``unary_entry``)."""
    def parse(args, kw):
        return None
    return parse


def _unary_plan(prim, plans: dict, kernel, b):
    """``(kernel, run, grad)`` for ``prim`` (no params) of a float32/float64 buffer like
    ``b``, kept in ``plans`` under its dtype once the rule passed (as ``apply`` checks it: an
    elementwise rule depends on the dtype alone); ``run`` the kernel's float32 form for float32
    (``kernel.float32``, sigmoid's: what its kernel runs on a float32 ndarray), else the
    kernel.  None for another dtype, or where the rule fails (the general entry raises)."""
    d = b.dtype
    if (d is not _F32 and d is not _F64) or not prim.elementwise:
        return None
    try:
        if d not in prim._rule_cache:
            check_rule(prim, (b,), {})
    except Exception:  # noqa: BLE001 - the general entry raises its own error
        return None
    f32 = getattr(kernel, "float32", None) if d is _F32 else None
    # relu's: the entry's ufunc of the operand and a constant of its shape (its ``float_const``,
    # kept by the entry itself for a C-contiguous operand), without the entry's tests
    fc = getattr(kernel, "float_const", None)
    fc = fc if type(fc) is tuple and len(fc) == 3 and fc[2] is kernel else (None, None)
    plan = plans[d] = (kernel, f32 or kernel, prim.differentiable, fc[0], fc[1])
    return plan


def unary_entry(prim, label: str | None = None, more=None):
    """``parse.entry`` of an elementwise primitive without params (sigmoid, relu:
    ``torch.X(x)``, ``x.X()``, ``F.X(x)``) on a float32/float64 CPU tensor: ``apply``'s
    steps (the rule, the kernel, ``_finish``'s node for one tensor) in the entry, with one
    lookup by dtype in the entry's own table (checked against the current CPU kernel);
    any other call to ``general`` (sigmoid 1x32 with grad ~1.95 -> ~1.75 us).  An empty
    float32 operand runs the float32 form too (sigmoid's kernel sends it to its NumPy
    form: the same empty C-ordered array).  ``label``: the node's PyTorch name where it is
    not the primitive's (``F.silu``'s ``SiluBackward0``), the node showing ``x`` as
    ``_saved_self`` (``_shown_saved``, as the general entry's ``_labelling``); such a call
    goes to ``general`` while saved_tensors_hooks are active (its node of its own there).
    ``more(args, kw)``: the shown values of a call with more arguments that is still this
    primitive's (``F.softplus(x, 1, 20)``: ``{"beta": 1, "threshold": 20}``), else None."""
    kernels = prim.kernels
    plans: dict = {}
    hooks = SAVED_HOOKS_ON if label is not None else [0]

    def make(general, parse):
        def lane_entry(*args, **kw):
            shown = _PLAIN if not kw and len(args) == 1 else None
            if more is not None and args:
                shown = more(args, kw)
            if shown is not None:
                x = args[0]
                if type(x) is Tensor:
                    b = x._buf
                    if type(b) is _ndarray and not _RECORDERS and not _D._AUTOCAST and \
                            not hooks[0]:
                        plan = plans.get(b.dtype)
                        kernel = kernels["cpu"]
                        if plan is None or plan[0] is not kernel:
                            plan = _unary_plan(prim, plans, kernel, b)
                        if plan is not None:
                            if plan[3] is not None:     # (relu: issue 19, 1 element ~0.1 us)
                                shapes = plan[4].get(b.dtype)
                                c = shapes.get(b.shape) if shapes else None
                                out = plan[3](b, c) if c is not None and \
                                    b.flags.c_contiguous else plan[1](b)
                            else:
                                out = plan[1](b)
                            if type(out) is not _ndarray:
                                out = np.asarray(out)
                            if x._rg and plan[2] and STATE.enabled:
                                # _finish's node for one tensor: Node(...)'s stores inline,
                                # as _run1's (a field added to Node.__init__: here too)
                                version = [0]
                                node = _node_new(Node)
                                node.prim = prim
                                node.params = {}
                                node.parents = (x._node or leaf_node(x),)
                                node.inputs = (x,)
                                node.versions = (x._vc[0],)
                                node.out_buf = out
                                node.out_version = version
                                node.out_ver0 = 0
                                node.shape = out.shape
                                node.dtype = out.dtype
                                node.hooks = None
                                node.retain = None
                                if label is not None:
                                    node.label = label
                                    node.shown = {"self": x, "version": x._vc[0],
                                                  "result": False, **shown}
                                return _make(out, version, node)
                            t = _new(Tensor)    # (_make(out)'s stores: a field added there,
                            t._buf = out        # here too)
                            t._rg = False
                            t._node = None
                            t._acc = None
                            t._grad = None
                            t._vc = [0] if not INFERENCE_ON[0] else fresh_version()
                            t._hooks = None
                            t._view = None
                            return t
            return general(*args, **kw)
        return lane_entry
    make.plans = plans                          # type: ignore[attr-defined]  # (for tests)
    return make


_PLAIN: dict = {}                       # (a one-argument call's shown values: none)
_BUFFER = {"buffer": True}              # (log_sigmoid's node shows its buffer, exp(-|x|))


def _bound(args, kw, names: tuple):
    """The arguments after ``x`` by name (``names``, in order: positional, then keywords), or
    None for a call the general entry must answer (too many, an unknown keyword, one given
    twice: its TypeError)."""
    if len(args) > len(names) + 1:
        return None
    by = dict(zip(names, args[1:]))
    for k, v in kw.items():
        if k in by or k not in names:
            return None
        by[k] = v
    return by


def _softplus_more(args, kw):
    """``F.softplus(x[, beta[, threshold]])`` (keywords too) with PyTorch's defaults, 1 and 20
    (the ``softplus`` primitive's): the values its node shows, as called; else None."""
    by = _bound(args, kw, ("beta", "threshold"))
    if by is None:
        return None
    beta, threshold = by.get("beta", 1), by.get("threshold", 20)
    tb, tt = type(beta), type(threshold)
    if (tb is int or tb is float) and (tt is int or tt is float) and beta == 1 and \
            threshold == 20:
        return {"beta": beta, "threshold": threshold}
    return None




def _gelu_more(form: str):
    """``F.gelu(x[, approximate=...])`` with ``approximate`` the string ``form``: the values
    its node shows; else None (``approximate`` is keyword-only, as PyTorch's)."""
    shown = {"approximate": form}

    def more(args, kw):
        if len(args) != 1 or (kw and kw.keys() != _GELU_KW):
            return None
        a = kw["approximate"] if kw else "none"
        return shown if type(a) is str and a == form else None
    return more


_GELU_KW = frozenset(("approximate",))


def gelu_entry():
    """``parse.entry`` of ``F.gelu``: ``unary_entry``'s of the exact GELU (``gelu_p``) or of
    its tanh form (``gelu_tanh_p``) by ``approximate``, the node PyTorch's ``GeluBackward0``
    showing it (nn.GELU's call, ``approximate=`` as a keyword: 4x8x32 float32 ~8 -> ~4 us);
    any other call to ``general``."""
    exact = unary_entry(_ops.activations.gelu_p, "GeluBackward0", _gelu_more("none"))
    tanh = unary_entry(_ops.gelu_tanh.gelu_tanh_p, "GeluBackward0", _gelu_more("tanh"))

    def make(general, parse):
        e_exact, e_tanh = exact(general, parse), tanh(general, parse)

        def lane_entry(*args, **kw):
            if kw and kw.get("approximate") == "tanh":
                return e_tanh(*args, **kw)
            return e_exact(*args, **kw)
        return lane_entry
    return make


for _name, _prim, _label, _more in (
        ("sigmoid", _ops.elementwise.sigmoid_p, None, None),
        ("relu", _ops.elementwise.relu_p, None, None),
        ("silu", _ops.activations.silu_p, "SiluBackward0", None),
        ("softplus", _ops.activations.softplus_p, "SoftplusBackward0", _softplus_more),
        ("mish", _ops.softplus_family.mish_p, "MishBackward0", None),
        ("hardswish", _ops.activations.hardswish_p, "HardswishBackward0", None),
        ("hardsigmoid", _ops.activations.hardsigmoid_p, "HardsigmoidBackward0", None),
        ("logsigmoid", _ops.softplus_family.logsigmoid_p, "LogSigmoidBackward0",
         lambda args, kw: _BUFFER if not kw and len(args) == 1 else None)):
    L.MORE[_name] = _unary_parse()
    L.ENTRIES[_name] = unary_entry(_prim, _label, _more)
L.MORE["gelu"] = _unary_parse()
L.ENTRIES["gelu"] = gelu_entry()


def slope_entry(prim, name: str = "leaky_relu", slope: str = "negative_slope",
                default: float = 0.01, fixed: dict | None = None,
                labels=(None, "LeakyReluBackward1")):
    """``parse.entry`` of ``F.leaky_relu(x[, s[, inplace]])`` (``negative_slope=``, ``inplace=``
    as keywords too; ``s`` a float or an int, ``inplace`` a bool: nn.LeakyReLU's call) on a
    float32/float64 CPU tensor: the kernel and the node (params ``alpha``) in the entry, as
    ``unary_entry``'s; the rule is checked once per dtype (it depends on nothing else).  In
    place, the general entry's steps (``_check_inplace``, the recorded copy ``_original``,
    ``_commit``) around the same run, the node named PyTorch's ``LeakyReluBackward1``.  Any
    other call to ``general`` (64x64 float32 with grad 6.0 -> 2.4 us; in place 14.2 -> ~7).
    The same for ``F.elu(x[, alpha[, inplace]])`` (``name``, the keyword ``slope`` and its
    ``default``, the primitive's ``fixed`` params, ``labels``: the out-of-place and in-place
    nodes' names and what they show, as the general entry's; 4x8 11.3 -> 4.9 us)."""
    kernels = prim.kernels
    ok: dict = {}
    keywords = frozenset((slope, "inplace"))
    leaky = fixed is None
    out_label, in_label = labels

    def make(general, parse):
        def lane_entry(*args, **kw):
            n = len(args)
            s, inplace = (args[1] if n > 1 else default), (args[2] if n > 2 else False)
            if kw:
                if kw.keys() - keywords or (slope in kw and n > 1) or \
                        ("inplace" in kw and n > 2):        # (general: its TypeError)
                    return general(*args, **kw)
                s, inplace = kw.get(slope, s), kw.get("inplace", inplace)
            x = args[0] if 0 < n < 4 else None
            ts = type(s)
            if type(x) is Tensor and (ts is float or ts is int) and \
                    (inplace is False or inplace is True):
                b = x._buf
                if type(b) is _ndarray and not _RECORDERS and not _D._AUTOCAST:
                    d = b.dtype
                    # (a float32 slope past float32's range that is no inf or NaN: general's
                    # torch error, 'value cannot be converted ...'; review22 EG3)
                    if (d is _F64 or d is _F32 and not _F32_MAX < abs(s) < _INF) and \
                            (d in ok or _leaky_rule(prim, b, ok)):
                        params = {"alpha": float(s)} if fixed is None else \
                            {"alpha": float(s), **fixed}
                        if inplace:
                            x._check_inplace()
                            src = x._original()
                            out = _leaky_run(prim, kernels, src, src._buf, params, in_label,
                                             leaky)
                            # (PyTorch's in-place node saves the result, and the slope)
                            return x._commit(_shown.activation(name, out, src, (s,), {},
                                                               inplace=True))
                        out = _leaky_run(prim, kernels, x, b, params, out_label)
                        return out if out_label is None else \
                            _shown.activation(name, out, x, (s,), {})
            return general(*args, **kw)
        return lane_entry
    return make


_LEAKY_KW = frozenset(("negative_slope", "inplace"))


def _leaky_run(prim, kernels, x, b, params, label, inplace=False):
    """leaky_relu of ``x`` (buffer ``b``) by the CPU kernel, recorded where ``x`` requires
    grad (its node named ``label`` where given; in place, the vjp's ``inplace`` param: its
    backward refuses a negative slope, as PyTorch's)."""
    out = kernels["cpu"](b, **params)
    if x._rg and STATE.enabled:
        version = [0]
        node = Node(prim, {**params, "inplace": True} if inplace else params,
                    (x._node or leaf_node(x),), (x,), (x._vc[0],), out, version)
        if label is not None:
            node.label = label
        return _make(out, version, node)
    return _make(out)


def _leaky_rule(prim, b, ok) -> bool:
    try:
        check_rule(prim, (b,), {"alpha": 0.0})
    except Exception:  # noqa: BLE001 - the general entry raises its own error
        return False
    ok[b.dtype] = True
    return True


L.MORE["leaky_relu"] = _unary_parse()
L.ENTRIES["leaky_relu"] = slope_entry(_ops.activations.leaky_relu_p)
L.MORE["elu"] = _unary_parse()
L.ENTRIES["elu"] = slope_entry(_ops.activations.elu_p, "elu", "alpha", 1.0,
                               {"scale": 1.0, "input_scale": 1.0},
                               ("EluBackward0", "EluBackward1"))


def transpose_entry(prim):
    """``parse.entry`` of ``x.transpose(d0, d1)``, ``torch.transpose(x, d0, d1)`` and
    ``swapaxes`` (two ints given positionally): the plan ``_lane._transpose_parse`` made
    (``small_unary``'s: the kernel's small form ``(ndarray.transpose, perm)``, a view) looked
    up and run in the entry, wrapped as ``small_unary`` wraps a view (``view1``; in grad mode
    ``_views.view_of``, its one-frame form), as ``t()`` is (issue 19: two frames less)."""
    kernels = prim.kernels

    def make(general, parse):
        def lane_entry(*args, **kw):
            if not kw and len(args) == 3 and not _RECORDERS and not _D._AUTOCAST:
                x, d0, d1 = args
                if type(x) is Tensor and type(d0) is int and type(d1) is int:
                    b = x._buf
                    plan = _PLANS.get((prim, kernels["cpu"], b.shape, b.dtype, (d0, d1))) \
                        if type(b) is _ndarray else None
                    if plan and plan[1] is not None and plan[4] == 1:
                        out = plan[0](b, plan[1])
                        if type(out) is _ndarray:
                            ob = out.base
                            if ob is b or (ob is not None and ob is b.base):
                                if plan[3] and STATE.enabled:
                                    return view_of(x, prim, plan[2], out)
                                return view1(prim, x, plan[2], out, plan[3])
            return _fallback(general, parse, args, kw)
        return lane_entry
    return make


L.ENTRIES["transpose"] = L.ENTRIES["swapaxes"] = transpose_entry(L._transpose_p)
L.ENTRIES.update(sum=sum_entry(L._sum_p, L._REDUCE_LABELS["sum"]),
                 argmax=argmax_entry(L._argmax_p),
                 max=max_entry("max", L._max_p, L._argmax_p),
                 softmax=softmax_entry(L._softmax_p),
                 log_softmax=softmax_entry(L._log_softmax_p))
