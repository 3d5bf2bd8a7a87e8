"""The eager front end's quick lanes for dlcore's vjp rules, and create_graph's entry points.

With ``create_graph=True`` a node's vjp rule runs on Tensors, so that its own operations are
recorded and the gradient can be differentiated again.  The rules are dlcore's, one per
primitive (dlcore/ops); their branches for concrete front-end values (``ops._fastpath.lean``)
call the lanes registered here in ``registry.CONCRETE`` for the Tensor type:

* ``binary(prim, a, b)``: two CPU Tensors of one float32/float64 dtype object (the caller
  checked: ``lean``), no params: the binary ufunc lane (``_dispatch.small_binary``), else
  ``apply`` itself;
* ``apply(prim, args, params)``: ``EagerFrontend.apply`` (what ``bind`` calls for Tensors),
  with a matrix's transpose and ``broadcast_to`` made as ``view1`` makes them in grad mode, in
  one frame (``_views.view_of``: the same view, version counter and node).

While an autocast region is open or a trace records, both lanes are ``apply`` itself (which
casts or records there).

The op functions (``ops.add``, ``mul``, ``sub``, ``div``, ``pow``) take the binary lane for two
such Tensors too: nothing to promote.  Without these lanes the rules' op layers (promotion,
AVals, axis normalisation, bind's search for the front end) cost two to three times the
operation on small tensors (issue 19: a gradient penalty's backward ran at ~2x PyTorch's).

``cg_vjp`` is called by ``engine``'s create_graph pass for a primitive's node.  Where the
primitive's rule has a branch for concrete values of its own (``_fastpath.LEAN_VJPS``: the
rules the common create_graph graphs are made of) and the node's cotangent and saved inputs
pass ``lean``'s tests (one dtype, NumPy buffers, Tensors: tested here once per node, with the
version counters), that branch is called directly, as the rule itself would call it; else
the node's rule (``_graph.eager_vjp``) is called as ``Node.vjp`` calls it, with that call's
checks for the common case inline (saved tensors unchanged, no 16-bit floats).  None otherwise
(``Node.vjp`` then runs: a stale saved tensor's error, the float32 computation of halves).  A
rule that never reads its output (``_code_reads.reads``) gets None for it: no Tensor made per node.
``cg_add`` sums two cotangents of one node there: ``ops.add``, whose binary lane it calls
directly for two Tensors.

Measured (issue 19, CPU time, one core, the old hand-written copies of 18 rules that lived
here against these entry points, interleaved in one process): the same speed within the
noise of a loaded machine (see the commit message).
"""

from __future__ import annotations

import sys as _sys

import numpy as np

from dlcore import dtypes as _dt
from dlcore import ops as _ops
from dlcore.kernels.cpu.shape import broadcast_to as _cpu_broadcast_to
from dlcore.kernels.cpu.shape import transpose as _cpu_transpose
from dlcore.ops._fastpath import LEAN_VJPS as _LEAN_VJPS
from dlcore.ops.broadcast import broadcast_to_p as _broadcast_to_p
from dlcore.ops.elementwise import add_p as _add_p
from dlcore.ops.elementwise import mul_p as _mul_p
from dlcore.ops.linalg import matmul_p as _matmul_p
from dlcore.ops.power import pow_p as _pow_p
from dlcore.ops.shape import _SWAP_PARAMS, transpose_p
from dlcore.registry import CONCRETE
from dlcore.registry import convention_rules as _convention_rules

from .. import _dispatch as _D
from .._code_reads import reads, real_rule
from .._graph import EAGER_VJPS as _EAGER_VJPS
from .._graph import Node as _Node
from .._graph import leaf_node as _leaf_node
from .._state import STATE
from .._views import view_of as _view_of
from ..tensor import Tensor, _make
from ..tracing import _RECORDERS

_ndarray = np.ndarray
_F32, _F64 = _dt.float32, _dt.float64
_HALF = _dt.HALF
_apply = _D.EagerFrontend.apply
_small_binary = _D.small_binary
_matrix_product = _D.matrix_product
_params_items = _D.params_items
_T_KERNELS = transpose_p.kernels
_BT_KERNELS = _broadcast_to_p.kernels


class _Lanes:
    """The Tensor type's entry in ``registry.CONCRETE`` (see the module docstring)."""

    @staticmethod
    def binary(prim, a, b):
        if not _D._AUTOCAST and not _RECORDERS:
            out = _small_binary(prim, a, b, a._buf, b._buf)
            if out is not None:
                return out
            if prim is _pow_p:
                bb = b._buf
                if not bb.shape and bb.item() == 1 and STATE.enabled:
                    # a ** 1 (a square's da: PyTorch's pow node kept, ``_pow_da``): the pow
                    # kernel's own a ** 1 case, ``a`` itself, copied; apply's node
                    return _node2(prim, a, b, a._buf.copy())
        return _apply(prim, (a, b), {})

    @staticmethod
    def apply(prim, args, params):
        if (prim is transpose_p or prim is _broadcast_to_p) and len(args) == 1 and \
                STATE.enabled and not _D._AUTOCAST and not _RECORDERS:
            x = args[0]
            b = x._buf
            if type(b) is _ndarray and (b.dtype is _F32 or b.dtype is _F64):
                # view1's view in grad mode, made in one frame (as F.linear's weight.t())
                if prim is transpose_p:
                    if b.ndim == 2 and params["perm"] == (1, 0) and \
                            _T_KERNELS["cpu"] is _cpu_transpose:
                        return _view_of(x, prim, params, b.transpose((1, 0)))
                elif _BT_KERNELS["cpu"] is _cpu_broadcast_to:
                    return _view_of(x, prim, params, _cpu_broadcast_to(b, **params))
        return _apply(prim, args, params)

    @staticmethod
    def expand(g, shape):
        """``apply(broadcast_to_p, (g,), {"shape": shape})`` for a 0-d ``g`` (the caller
        checked: ``lean``; a whole sum's cotangent, ``_sum_lean``): view1's view in grad mode,
        the stride-0 array ``_broadcast`` makes, without apply's tests (issue 19)."""
        if STATE.enabled and not _D._AUTOCAST and not _RECORDERS and \
                _BT_KERNELS["cpu"] is _cpu_broadcast_to:
            b = g._buf
            out = _ndarray(shape, b.dtype, b, 0, (0,) * len(shape))
            out.flags.writeable = False
            return _view_of(g, _broadcast_to_p, {"shape": shape}, out)
        return _apply(_broadcast_to_p, (g,), {"shape": shape})

    @staticmethod
    def swap(g):
        """``apply(transpose_p, (g,), {"perm": (1, 0)})`` for a matrix ``g`` (the caller
        checked: ``lean``, 2-d; a matmul's vjp and a .t()'s): view1's view in grad mode,
        without apply's tests."""
        if STATE.enabled and not _D._AUTOCAST and not _RECORDERS and \
                _T_KERNELS["cpu"] is _cpu_transpose:
            return _view_of(g, transpose_p, _SWAP_PARAMS, g._buf.transpose(_SWAP))
        return _apply(transpose_p, (g,), {"perm": _SWAP})

    @staticmethod
    def mm(a, b):
        """``apply(matmul_p, (a, b), {})`` for two matrices whose inner sizes agree (the
        caller checked: ``lean3``, 2-d; a matmul's vjp): ``_dispatch.matrix_product``, the
        same kernel and node without apply's tests."""
        if not _D._AUTOCAST and not _RECORDERS:
            return _matrix_product(_matmul_p, a, b, a._buf, b._buf)
        return _apply(_matmul_p, (a, b), {})

    @staticmethod
    def square_da(g, a, b):
        """``_pow_da(fe, g, a, b)`` for a constant 0-d exponent ``b`` of 2 (the caller checked:
        ``dlcore.ops.power.torch_pow_lean``; ``g`` and ``a`` of one float32/float64 dtype and
        shape):
        PyTorch's three nodes, ``g * (b * a.pow(b - 1))``, each buffer what its lane computes
        (``a ** 1`` the pow kernel's copy of ``a``, then NumPy's multiply, the ufunc lane's),
        made in one frame; None where the lanes would not run (autocast, a trace, no grad
        mode: ``_pow_da`` then runs)."""
        if _D._AUTOCAST or _RECORDERS or not STATE.enabled or _QUIET_RUN is None:
            return None
        bb = b._buf
        m1 = _M1.get(bb.dtype)
        if m1 is None:
            m1 = _M1[bb.dtype] = _make(np.ones((), bb.dtype))
        x, y, z = _QUIET_RUN.run(_square_bufs, g._buf, a._buf, bb)
        x = _node2(_pow_p, a, m1, x)
        y = _node2(_mul_p, b, x, y)
        node = y._node
        if node is not None:            # (PyTorch's mul of a Scalar exponent: one input)
            node.label = "MulBackward1"
            node.edges = (x._node,)
        return _node2(_mul_p, g, y, z)

    @staticmethod
    def pair(prim, a, b, params):
        """``apply(prim, (a, b), params)`` for two tensors of one float32/float64 dtype object
        (the caller checked: ``lean2``) and a primitive with params that is no view
        (softmax_backward_data): apply's lane for them (``_dispatch._small_many``) directly,
        without apply's tests; apply itself where that lane declines."""
        if not _D._AUTOCAST and not _RECORDERS:
            out = _D._small_many(prim, (a, b), (a._buf, b._buf), tuple(params.items()),
                                 _params_items)
            if out is not None:
                return out
        return _apply(prim, (a, b), params)


#: dtype -> the constant 0-d exponent 1 (b - 1 of a square), made once
_M1: dict = {}
_QUIET_RUN = _D._QUIET_RUN
_np_multiply = np.multiply


def _square_bufs(gb, ab, bb):
    """The three buffers of a square's da, ``a ** 1``, ``b * a``, ``g * (b * a)`` (run with
    NumPy's floating-point warnings off, as the kernels run)."""
    x = ab.copy()
    y = _np_multiply(bb, x)
    z = _np_multiply(gb, y)
    if not x.ndim:                      # (0-d operands: NumPy scalars, made arrays)
        return x, np.asarray(y), np.asarray(z)
    return x, y, z


def _node2(prim, a, b, out):
    """``_dispatch.small_binary``'s result Tensor and node for ``prim(a, b)`` with output
    buffer ``out`` (the same stores, grad mode on; plain Tensors where neither requires
    grad)."""
    ra, rb = a._rg, b._rg
    if not (ra or rb):
        return _make(out)
    version = [0]
    return _make(out, version, _Node(
        prim, {}, ((a._node or _leaf_node(a)) if ra else None,
                   (b._node or _leaf_node(b)) if rb else None),
        (a, b), (a._vc[0], b._vc[0]), out, version))


_SWAP = (1, 0)
CONCRETE[Tensor] = _Lanes
#: primitive -> the LEAN_VJPS-style branch of its PyTorch convention (``EAGER_VJPS`` has the rule:
#: pow's, dlcore/ops/power.py, whose create_graph branch for a constant 0-d exponent this is)
_EAGER_LEAN: dict = _convention_rules("torch", "lean")
_binary = _Lanes.binary
_ops_add = _ops.add


def cg_add(a, b):
    """``ops.add(a, b)`` of two cotangents: its binary lane for two Tensors, directly."""
    if type(a) is Tensor and type(b) is Tensor:
        ba, bb = a._buf, b._buf
        if type(ba) is _ndarray and type(bb) is _ndarray:
            d = ba.dtype
            if d is bb.dtype and (d is _F32 or d is _F64):
                return _binary(_add_p, a, b)
    return _ops_add(a, b)


#: primitive -> (its LEAN_VJPS entry, whether that reads the output), or () where it has none
#: or eager has its own rule for it (EAGER_VJPS) without an ``_EAGER_LEAN`` branch; emptied by ``refresh`` (once per create_graph
#: pass) when either table has grown since (a rule registered after a pass)
_LEAN: dict = {}
_SIZES = [0, 0]


def refresh() -> None:
    """Forget ``_LEAN`` where EAGER_VJPS or LEAN_VJPS changed size since it was filled (review
    of fb06e48, item 5; a rule replaced under the same primitive is not seen: register rules
    at import, as dlcore's and eager's are)."""
    n, m = len(_EAGER_VJPS), len(_LEAN_VJPS)
    if n != _SIZES[0] or m != _SIZES[1]:
        _LEAN.clear()
        _SIZES[0], _SIZES[1] = n, m


#: the types whose values take the lean rules here: Tensor, and nn.Parameter (registered with
#: the same lanes once nn is imported, see ``_lean_of``; a stale saved tensor is another type)
_LEAN_TYPES: set = {Tensor}


def _lean_of(prim) -> tuple:
    if len(_LEAN_TYPES) == 1:
        # nn.Parameter (a Tensor subclass, the same buffer and node slots): the same lanes
        # (review of fb06e48, item 3: a module's weights took the general path); looked up
        # where nn has been imported (autograd is imported below nn: no import here)
        mod = _sys.modules.get("dlcore_eager.nn.module")
        param = getattr(mod, "Parameter", None)
        if param is not None:
            CONCRETE[param] = _Lanes
            _LEAN_TYPES.add(param)
    lv = _EAGER_LEAN.get(prim) or (None if prim in _EAGER_VJPS else _LEAN_VJPS.get(prim))
    _LEAN[prim] = out = () if lv is None else (lv, reads(lv, 2))
    return out


def cg_vjp(node, g, retain: bool):
    """``node.vjp(g, retain)`` of a primitive's node under create_graph: its rule on the saved
    tensors where they are unchanged and hold no 16-bit floats, else None (``Node.vjp``); for
    a float32/float64 output, a holomorphic primitive's rule without its complex wrapper
    (which would call it so)."""
    ins = node.inputs
    if ins is None or node.out_version[0] != node.out_ver0:
        return None
    prim = node.prim
    params = node.params
    lean = _LEAN.get(prim)
    if lean is None:
        lean = _lean_of(prim)
    if lean and type(g) is Tensor:
        gb = g._buf
        gd = gb.dtype
        if type(gb) is _ndarray and (gd is _F32 or gd is _F64):
            for t, v in zip(ins, node.versions):    # (lean's tests, and the versions)
                b = t._buf
                if t._vc[0] != v or b.dtype is not gd or type(t) not in _LEAN_TYPES or \
                        type(b) is not _ndarray:
                    break
            else:
                lv, reads_y = lean
                y = _make(node.out_buf, node.out_version, node) if reads_y else None
                res = lv(_Lanes, g, y, *ins, **params) if params else lv(_Lanes, g, y, *ins)
                if res is not None and not retain:
                    node.inputs = None
                    node.out_buf = None
                return res                  # (None: its case does not hold, the rule runs)
    for t, v in zip(ins, node.versions):
        if t._vc[0] != v:
            return None
        d = t._buf.dtype
        if d is not _F32 and d is not _F64 and d in _HALF:
            return None
    out = node.out_buf
    d = out.dtype
    rule = _EAGER_VJPS.get(prim) or prim.vjp
    if d is _F32 or d is _F64:
        rule = real_rule(rule)
    elif d in _HALF:
        return None
    y = _make(out, node.out_version, node) if reads(rule, 1) else None
    res = rule(g, y, *ins, **params) if params else rule(g, y, *ins)
    if not retain:
        node.inputs = None
        node.out_buf = None
    return res
