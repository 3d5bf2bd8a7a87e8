"""Composite ops under ``saved_tensors_hooks``: PyTorch's one node, and what it saves.

dlcore computes ``F.silu``, ``F.gelu``, ``var``, ``std`` and ``logsumexp`` as several
primitives, each of whose nodes saves its own tensors (silu: sigmoid's result, then mul's
operands).  PyTorch's node of each saves fewer, and a pack hook sees exactly those:
SiluBackward0 and GeluBackward0 its input (``_saved_self``), VarBackward0 its input,
StdBackward0 and LogsumexpBackward0 its input and its result (``_saved_result``).

While a hook pair is active in this thread (and only then: the entries test
``_saved_hooks.ACTIVE`` first, one list read), a call of one of them that would be recorded
computes its values without recording and makes one ``CompositeNode``: the tensors PyTorch
saves go through the pack hook (in PyTorch's order, under no_grad), nothing else is kept,
and its vjp unpacks them (checked as any node's: ``_saved_hooks._unpacked``), puts them back
at their places in the graph and computes PyTorch's gradient formula with dlcore's ops (so a
create_graph pass records it: gradients of gradients flow through the saved tensors):

* silu:  dx = g s (1 + x (1 - s)),  s = sigmoid(x)
* gelu:  dx = g (Phi(x) + x phi(x)); approximate="tanh": PyTorch's tanh form's derivative
* var:   dx = g 2 (x - mean x) / (N - correction)
* std:   dx = g (x - mean x) / ((N - correction) std), 0 where std is 0
* logsumexp: dx = g exp(x - result)

(g, and the result, reshaped to the kept dimensions where ``keepdim`` is False.)
"""

from __future__ import annotations

import math

from dlcore import ops as _core

from .._graph import ERR_BACKWARD_TWICE, TapeNode, leaf_node, public, shown_name
from .._state import STATE
from ..tensor import Tensor, _make
from . import _saved_hooks as _sh


class CompositeNode(TapeNode):
    """One composite's node while hooks are active: PyTorch's name, its input's edge, and the
    packed tensors it saves."""

    __slots__ = ("__weakref__", "dtype", "formula", "hooks", "label", "packed", "params",
                 "parents", "retain", "shape", "shown", "spec")

    def __init__(self, label, formula, parent, out_buf, params, spec):
        self.label = label
        self.formula = formula
        self.parents = (parent,)
        self.shape = out_buf.shape
        self.dtype = out_buf.dtype
        self.params = params
        self.shown = params              # (the non-tensor _saved_* attributes)
        self.spec = spec                 # ("self",) or ("self", "result")
        self.packed = None
        self.hooks = None
        self.retain = None

    def name(self) -> str:
        return self.label

    def relabel(self, label: str) -> None:
        """``_graph.labelled``'s renaming (``var_mean``'s VarMeanBackward0)."""
        self.label = label

    @property
    def next_functions(self) -> tuple:
        return ((public(self.parents[0]), 0),)

    def _unpack(self, what: str) -> Tensor:
        st = self.packed
        if st is None:
            raise RuntimeError(ERR_BACKWARD_TWICE)
        j = self.spec.index(what)
        t = _sh._unpacked(self, st, j, st.packed[j])
        return _sh._attached(t, self.parents[0] if what == "self" else self)

    def vjp(self, g, retain: bool):
        x = self._unpack("self")
        y = self._unpack("result") if "result" in self.spec else None
        res = self.formula(g if isinstance(g, Tensor) else _make(g), x, y, **self.params)
        if not retain:
            self.packed = None
        return (res,)


def _saved_attr(what: str):
    def get(node):
        if what not in node.spec:
            raise AttributeError(f"'{shown_name(node)}' object has no attribute '_saved_{what}'")
        return node._unpack(what)
    return property(get, doc=f"PyTorch's ``grad_fn._saved_{what}`` (unpacked).")


CompositeNode._saved_self = _saved_attr("self")           # type: ignore[attr-defined]
CompositeNode._saved_result = _saved_attr("result")       # type: ignore[attr-defined]


def _saved_param(what: str):
    """PyTorch's non-tensor ``grad_fn._saved_<what>`` (dim as PyTorch shows it: a tuple, a
    negative dim as its unsigned 64-bit value; None for all dimensions)."""
    def get(node):
        p = node.shown
        if what not in p:
            raise AttributeError(f"'{shown_name(node)}' object has no attribute '_saved_{what}'")
        v = p[what]
        if what == "dim" and v is not None:
            v = tuple(d % 2 ** 64 for d in (v if isinstance(v, (list, tuple)) else (v,)))
        return v
    return property(get, doc=f"PyTorch's ``grad_fn._saved_{what}``.")


for _what in ("dim", "keepdim", "correction", "approximate"):
    setattr(CompositeNode, "_saved_" + _what, _saved_param(_what))


def applies(x) -> bool:
    """Does a call with input ``x`` take this path?  (A pair active in this thread, and the
    call recorded.)"""
    return bool(_sh.LOCAL.stack) and STATE.enabled and isinstance(x, Tensor) and x._rg and \
        x._buf.dtype.kind == "f"


def record(label: str, formula, x: Tensor, compute, params: dict, spec: tuple) -> Tensor:
    """``compute()`` (the composite's values, not recorded) as the output of one
    ``CompositeNode`` whose saved tensors (``spec``) went through the innermost pack hook."""
    prev = STATE.enabled
    STATE.enabled = False
    try:
        y = compute()
    finally:
        STATE.enabled = prev
    parent = x._node if x._node is not None else leaf_node(x)
    node = CompositeNode(label, formula, parent, y._buf, params, spec)
    out = _make(y._buf, None, node)
    pack, unpack = _sh.LOCAL.stack[-1]
    STATE.enabled = False
    try:
        packed, avals = [], []
        for what in spec:
            t = x if what == "self" else out
            v = t._vc[0]
            packed.append(pack(t))
            if t._vc[0] != v:
                raise RuntimeError(_sh.ERR_PACK_INPLACE)
            avals.append((t._buf.shape, t._buf.dtype))
    finally:
        STATE.enabled = prev
    node.packed = _sh.Saved(unpack, spec, packed, avals, None, None, 0)
    return out


# ----------------------------------------------------------------------------- formulas
def _ops():
    return _core


def _kept(t: Tensor, shape: tuple, dims) -> Tensor:
    """``t`` (reduced over ``dims``, kept or not) in the shape with those dimensions 1."""
    n = len(shape)
    ds = range(n) if dims is None else [d % n for d in (dims if isinstance(
        dims, (list, tuple)) else (dims,))]
    return t.reshape(tuple(1 if i in ds else s for i, s in enumerate(shape)))


def silu_grad(g, x, y):
    s = _ops().sigmoid(x)
    return g * s * (1 + x * (1 - s))


def gelu_grad(g, x, y, approximate: str = "none"):
    T = _ops()
    if approximate == "tanh":
        k = math.sqrt(2.0 / math.pi)
        x2 = x * x
        t = T.tanh(k * (x + 0.044715 * x2 * x))
        return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x2))
    cdf = 0.5 * (1 + T.erf(x * (1 / math.sqrt(2.0))))
    pdf = T.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
    return g * (cdf + x * pdf)


def _count(shape: tuple, dims) -> int:
    if dims is None:
        return math.prod(shape)
    n = len(shape)
    return math.prod(shape[d % n] for d in (dims if isinstance(dims, (list, tuple)) else
                                             (dims,)))


def var_grad(g, x, y, dim=None, correction=1, keepdim=False):
    shape = tuple(x.shape)
    d = x - x.mean(dim=dim, keepdim=True) if dim is not None else x - x.mean()
    gk = g if keepdim else _kept(g, shape, dim)
    return gk * d * (2.0 / (_count(shape, dim) - correction))


def std_grad(g, x, y, dim=None, correction=1, keepdim=False):
    shape = tuple(x.shape)
    d = x - x.mean(dim=dim, keepdim=True) if dim is not None else x - x.mean()
    gk, yk = (g, y) if keepdim else (_kept(g, shape, dim), _kept(y, shape, dim))
    scale = (gk / (yk * (_count(shape, dim) - correction))).masked_fill(yk == 0, 0.0)
    return scale * d


def logsumexp_grad(g, x, y, dim=None, keepdim=False):
    shape = tuple(x.shape)
    gk, yk = (g, y) if keepdim else (_kept(g, shape, dim), _kept(y, shape, dim))
    return gk * _ops().exp(x - yk)


# ----------------------------------------------------------------------------- entries
def _arg(args, kwargs, i: int, name: str, default=None):
    return args[i] if len(args) > i else kwargs.get(name, default)


def labelled_entry(label: str, f, args, kwargs):
    """``f(*args, **kwargs)`` (``F.silu``, ``F.gelu``, ``logsumexp`` by ``_api_install``'s
    labelling) as one ``CompositeNode`` when it takes this path, else None (the caller then
    computes it as usual).  An ``out=`` is left to the usual path."""
    x = args[0] if args else kwargs.get("input", kwargs.get("self"))
    if not applies(x) or kwargs.get("out") is not None:
        return None
    def compute():
        return f(*args, **kwargs)
    if label == "SiluBackward0":
        if _arg(args, kwargs, 1, "inplace", False):     # (PyTorch saves the original values)
            x._check_inplace()
            src = x._original()
            return x._commit(record(label, silu_grad, src, lambda: f(src), {}, ("self",)))
        return record(label, silu_grad, x, compute, {}, ("self",))
    if label == "GeluBackward0":
        return record(label, gelu_grad, x, compute,
                      {"approximate": _arg(args, kwargs, 1, "approximate", "none")}, ("self",))
    dim, keepdim = _arg(args, kwargs, 1, "dim"), _arg(args, kwargs, 2, "keepdim", False)
    if dim is None or isinstance(dim, (list, tuple)) and not dim:
        dim = None
    return record(label, logsumexp_grad, x, compute, {"dim": dim, "keepdim": bool(keepdim)},
                  ("self", "result"))


#: the labels ``labelled_entry`` takes
LABELS = frozenset({"SiluBackward0", "GeluBackward0", "LogsumexpBackward0"})


def var_entry(std: bool, x: Tensor, compute, dim, correction, keepdim: bool,
              given=None):
    """``var``/``std`` of ``x`` as one ``CompositeNode`` (``_tensor_ops``' entries call it
    where ``applies(x)``); ``given``: the correction as called (``_saved_correction``:
    PyTorch's None for a call without dim or correction)."""
    if isinstance(dim, (list, tuple)) and not dim:
        dim = None
    params = {"dim": dim, "correction": correction, "keepdim": bool(keepdim)}
    out = record("StdBackward0", std_grad, x, compute, params, ("self", "result")) if std \
        else record("VarBackward0", var_grad, x, compute, params, ("self",))
    if given is None and dim is None:
        out._node.shown = {**params, "correction": None}
    return out
