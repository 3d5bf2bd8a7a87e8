"""``unary_lane(prim)``: ``apply(prim, (x,), {})`` for one tensor with the common case in one
frame (issue 19), for ``_api.unary``'s methods and functions (``-x``, ``x.exp()``,
``torch.exp(x)``, ``x.abs()``); the kernel entries' ufuncs are ``_dispatch._float_ufunc``'s."""

from __future__ import annotations

import numpy as np

from . import _dispatch as _D
from ._dispatch import EagerFrontend
from ._graph import Node, leaf_node
from ._state import INFERENCE_ON, STATE, fresh_version
from .tensor import Tensor, _new
from .tracing import _RECORDERS

_ndarray = np.ndarray
_F32, _F64 = _D._F32, _D._F64
_QUIET_RUN, _PT, _FLOAT_UFUNC = _D._QUIET_RUN, _D._PT, _D._FLOAT_UFUNC
_node_new = Node.__new__


def unary_lane(prim):
    """``f(x) = apply(prim, (x,), {})`` for an elementwise primitive without params (``-x``,
    ``x.exp()``, ``torch.exp(x)``: ``_api.unary``), whose first steps are apply's for a CPU
    float32/float64 tensor that needs no tape node when ``prim``'s kernel entry runs a NumPy
    ufunc for it (``_float_ufunc``): the ufunc, the rule's cache looked up, the result wrapped
    as ``_make`` wraps it, with apply's node for one tensor where it requires grad, in one
    frame (issue 19: -x of 1 element 1.05 -> ~0.8 us); anything else (a trace, autocast,
    another dtype or device, grad mode off for a tensor that requires grad) is ``apply``'s,
    looked up at call time (traces and the profiler replace it).  None for a view or
    non-elementwise primitive, or one whose kernel runs no ufunc (tanh: its own float32 loop;
    a kernel replaced later is followed, the lane then calling apply)."""
    if prim.view or not prim.elementwise or _QUIET_RUN is None or \
            not _D._float_ufunc(prim.kernels["cpu"]):
        return None         # (no ufunc to run: the caller applies the primitive directly)
    kernels, cache = prim.kernels, prim._rule_cache
    lane: list = [None, False]          # [CPU kernel, its _float_ufunc entry]
    front = EagerFrontend

    grad = prim.differentiable

    def f(x):
        b = x._buf
        if type(b) is _ndarray and not _D._AUTOCAST and not _RECORDERS:
            d = b.dtype
            rg = x._rg
            if (d is _F32 or d is _F64) and d in cache and (not rg or grad and STATE.enabled):
                k = kernels["cpu"]
                if k is lane[0]:
                    fu = lane[1]
                else:
                    fu = _FLOAT_UFUNC.get(k)
                    lane[0], lane[1] = k, fu if fu is not None else _D._float_ufunc(k)
                    fu = lane[1]
                if fu and (fu[2] or b.ndim and b.size < _PT and b.flags.c_contiguous):
                    out = _QUIET_RUN.run(fu[0], b) if fu[1] else fu[0](b)
                    if type(out) is _ndarray:
                        t = _new(Tensor)    # (_make's stores: a field added there, here too)
                        t._buf = out
                        t._acc = None
                        t._grad = None
                        t._hooks = None
                        t._view = None
                        if rg:
                            # apply's node for one tensor: Node(...)'s stores (a field added
                            # to Node.__init__: here too)
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
                            t._rg = True
                            t._node = node
                            t._vc = version
                            return t
                        t._rg = False
                        t._node = None
                        t._vc = [0] if not INFERENCE_ON[0] else fresh_version()
                        return t
        return front.apply(prim, (x,), {})
    return f
