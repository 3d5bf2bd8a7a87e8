"""``apply``: what "applying a dlcore primitive" means in eager mode.

``dlcore.registry.bind(prim, *args, **params)`` sees a ``Tensor`` among the arguments and calls
``EagerFrontend.apply(prim, args, params)``.  That does four things, and is kept lean because it
runs for every operation:

1. collect the buffers and the device; Python scalars become 0-d buffers of the tensors' dtype
   (weak scalars, as in PyTorch: ``float32_tensor * 2.0`` stays float32);
2. check shapes and dtypes with the primitive's shape rule, once per distinct signature
   (``dlcore.registry.check_rule``: the primitive's one rule cache, shared with raw calls);
3. run the primitive's kernel for the device (``prim.kernels['cpu' | 'cuda']``);
4. when grad mode is on and an input requires grad, record a ``Node`` (the tape entry) that
   saves the inputs and the output for the primitive's vjp rule.

This module holds ``apply`` with its fast paths for one or two CPU tensors, the binary ufunc
lane (``small_binary``), the matrix products (``matrix_product``/``matrix_product3``) and the
module state the other lanes read here at call time (``_AUTOCAST``, ``_autocast_hook``,
``_small_unary``, ``_small_many``).  The general path (any arguments or device, float16 and
bfloat16 computed in float32, sparse tensors) is in ``_dispatch_general``; wrapping the output
and recording the tape node (``_finish``, ``view1``) in ``_dispatch_finish``.

While some thread has an autocast region open (the ``_AUTOCAST`` flag: one test otherwise),
``_autocast.dispatch_hook`` first casts a listed primitive's inputs, as PyTorch's dispatcher
does per op (``torch.autocast``; the lists and the thread-local state are in ``_autocast``).

Outputs of *view* primitives (reshape, transpose, slicing, ...) share their input's version
counter when the kernel returned a view, so an in-place change through either is seen by both.
"""

from __future__ import annotations

import contextvars
import threading

import numpy as np

from dlcore import dtypes as _dt
from dlcore.dtypes import is_inexact
from dlcore.kernels.cpu._fp_quiet import _FP
from dlcore.kernels.cpu.elementwise import _QUIET
from dlcore.kernels.cpu.broadcast_loops import COLS_FROM as _COLS_FROM
from dlcore.kernels.cpu.broadcast_loops import col_op as _col_op
from dlcore.kernels.cpu.broadcast_loops import row_op as _row_op
from dlcore.kernels.cpu import blas_threads as _bt
from dlcore.kernels.cpu.linalg import NT_MKN_MIN as _NT_MKN_MIN
from dlcore.kernels.cpu.linalg import TINY_MKN as _TINY_MKN
from dlcore.kernels.cpu.linalg import small_product as _small_product
from dlcore.kernels.cpu.linalg import matmul as _cpu_matmul
from dlcore.kernels.cpu.runtime import PARALLEL_THRESHOLD
from dlcore.ops.elementwise import cast_p as _CAST_P
from dlcore.ops.power import TORCH_SCALAR_POW as _TORCH_SCALAR_POW
from dlcore.ops.power import pow_p as _pow_p
from dlcore.registry import scalar_buffer

from ._dispatch_finish import _finish
from ._dispatch_general import _apply_general, _apply_half, numpy_number
from ._graph import Node, leaf_node
from ._operand_rules import check_rule
from ._state import INFERENCE_ON, STATE, fresh_version
from .tensor import Tensor, _make, _new, _StaleTensor

_node_new = Node.__new__

_ndarray = np.ndarray
_asarray = np.asarray


class EagerFrontend:
    """The eager interpretation of dlcore primitives (see the module docstring)."""

    @staticmethod
    def shape_only(x):
        """``x`` where an op reads only its shape (``dlcore.ops.broadcast.bind_like``): a
        tensor that requires grad is detached, as PyTorch's expand/sum_to take sizes (a
        create_graph gradient of ``(x * 3).sum()`` does not require grad).  A saved tensor
        changed in place since (``tensor._StaleTensor``, whose values raise PyTorch's in-place
        error) gives a zero-stride stand-in of its shape and dtype: PyTorch saves only the
        sizes there, so ``y.sum()`` then ``y.mul_(2)`` still has a gradient."""
        if type(x) is _StaleTensor:
            aval = x.__dlcore_aval__()
            return _make(np.broadcast_to(np.zeros((), aval.dtype), aval.shape))
        return x.detach() if x._rg else x

    #: a NumPy number beside a tensor as PyTorch reads it (``_dispatch_general``; the core's
    #: promotion, ``dlcore.ops._promote``, asks for it by this name)
    numpy_number = staticmethod(numpy_number)

    @staticmethod
    def apply(prim, args, params):
        if _AUTOCAST:                       # some thread has an autocast region open
            out = _autocast_hook(prim, args, params)
            if out is not None:
                return out
        n = len(args)
        # Fast paths: one or two CPU tensors, or a float CPU tensor and a Python number (most
        # operations).  Only "NumPy buffers?" is asked here; the kernel's entry makes the
        # same-shape/contiguous test once, and ``check_rule``'s cache key (``rule_key``) is
        # looked up inline: for an elementwise primitive on operands of one shape and dtype it
        # is the dtype alone.  A result that needs no tape node and is no view is wrapped
        # directly (what ``_finish`` would do).
        # A float16 or bfloat16 operand takes the half path (computed in float32, see
        # _apply_half); the scalar fast paths take float32/float64, which the kernels compute.
        if n == 1:
            a = args[0]
            if isinstance(a, Tensor):
                ba = a._buf
                if type(ba) is _ndarray:
                    da = ba.dtype
                    if (da is _F16 or da is _BF16) and prim is not _CAST_P:
                        return _apply_half(prim, args, params)     # (a cast of a 16-bit
                    if params:                                      # tensor: its kernel)
                        # the one-tensor lane, for a kernel with a small-operand form (the
                        # rule and the params' key once per plan); without params the path
                        # below is as quick (measured: exp, tanh, relu of 4x8)
                        kernel = prim.kernels["cpu"]
                        small = _HAS_SMALL.get(kernel)
                        if small is None:
                            small = _HAS_SMALL[kernel] = hasattr(kernel, "small")
                        if small:
                            out = _small_unary(prim, a, tuple(params.items()), params_items)
                            if out is not None:
                                return out
                        # check_rule's key (rule_key with the params), looked up inline
                        try:
                            hit = ((ba.shape, da), tuple(params.items())) in prim._rule_cache
                        except TypeError:           # an unhashable parameter
                            hit = False
                        if not hit:
                            check_rule(prim, (ba,), params)
                        out = prim.kernels["cpu"](ba, **params)
                    else:
                        if (da if prim.elementwise else (ba.shape, da)) not in prim._rule_cache:
                            check_rule(prim, (ba,), params)
                        out = prim.kernels["cpu"](ba)
                    if prim.view or type(out) is not _ndarray:
                        return _finish(prim, args, params, out, a._rg)
                    if a._rg:
                        od = out.dtype
                        if (od is _F32 or od is _F64 or od.kind in "fc") and \
                                prim.differentiable and STATE.enabled:
                            # _finish's node for one tensor, spelled out: Node(...)'s
                            # stores inline (a field added to Node.__init__: here too)
                            version = [0]
                            node = _node_new(Node)
                            node.prim = prim
                            node.params = params
                            node.parents = (a._node or leaf_node(a),)
                            node.inputs = args
                            node.versions = (a._vc[0],)
                            node.out_buf = out
                            node.out_version = version
                            node.out_ver0 = 0
                            node.shape = out.shape
                            node.dtype = out.dtype
                            node.hooks = None
                            node.retain = None
                            return _make(out, version, node)
                        return _finish(prim, args, params, out, True)
                    return _make(out)
        elif n == 2:
            a, b = args
            if isinstance(a, Tensor):
                ba = a._buf
                if isinstance(b, Tensor):
                    bb = b._buf
                    if type(ba) is _ndarray and type(bb) is _ndarray:
                        da, db = ba.dtype, bb.dtype
                        # (a kernel known not to be a ufunc's skips the call: mm, matmul)
                        if da is db and not params and \
                                _SMALL.get(prim.kernels["cpu"]) is not False:
                            out = small_binary(prim, a, b, ba, bb)
                            if out is not None:
                                return out
                        if da is _F16 or db is _F16 or da is _BF16 or db is _BF16:
                            return _apply_half(prim, args, params)
                        if params or da is not db:
                            # the lane for several tensors (the rule once per plan)
                            out = _small_many(prim, args, (ba, bb),
                                              tuple(params.items()) if params else None,
                                              params_items)
                            if out is not None:
                                return out
                        if params:
                            check_rule(prim, (ba, bb), params)
                            out = prim.kernels["cpu"](ba, bb, **params)
                        else:
                            sa, sb = ba.shape, bb.shape
                            if (da if da is db and prim.elementwise and
                                    (sa == sb or not sb or not sa) else
                                    (sa, sb, da, db)) not in prim._rule_cache:
                                check_rule(prim, (ba, bb), params)
                            out = prim.kernels["cpu"](ba, bb)
                        if type(out) is _ndarray and not prim.view:
                            ra, rb = a._rg, b._rg
                            if not (ra or rb):
                                return _make(out)
                            if STATE.enabled and prim.differentiable and \
                                    out.dtype.kind in "fc":
                                # _finish's node for two tensors, spelled out (mm, matmul:
                                # issue 19, ~0.1 us of a 2.7 us 1x32 @ 32x32 with grad)
                                version = [0]
                                return _make(out, version, Node(
                                    prim, params, ((a._node or leaf_node(a)) if ra else None,
                                                   (b._node or leaf_node(b)) if rb else None),
                                    args, (a._vc[0], b._vc[0]), out, version))
                        return _finish(prim, args, params, out, a._rg or b._rg)
                elif type(b) in _NUM and type(ba) is _ndarray and \
                        (ba.dtype is _F32 or ba.dtype is _F64):
                    da = ba.dtype
                    sb = scalar_buffer(b, da)
                    bufs = (ba, sb)
                    if params or not prim.elementwise or da not in prim._rule_cache:
                        check_rule(prim, bufs, params)
                    if params:
                        out = prim.kernels["cpu"](ba, sb, **params)
                    elif prim is _pow_p and _QUIET_RUN is not None and (type(b) is int or type(
                            b) is float) and (f := _TORCH_SCALAR_POW.get(b)) is not None:
                        out = _QUIET_RUN.run(f, ba)       # (x ** 3, x ** 0.5: PyTorch's way)
                    else:
                        out = _number_ufunc(prim, ba, sb)
                        if out is None:
                            out = prim.kernels["cpu"](ba, sb)
                    if type(out) is _ndarray and not prim.view:
                        if not a._rg:
                            return _make(out)
                        if STATE.enabled and prim.differentiable and out.dtype.kind in "fc":
                            # _finish's node for a tensor and a number, spelled out
                            version = [0]
                            return _make(out, version, Node(
                                prim, params, (a._node or leaf_node(a), None),
                                (a, _make(sb)), (a._vc[0], 0), out, version))
                    return _finish(prim, args, params, out, a._rg, bufs)
            elif type(a) in _NUM and isinstance(b, Tensor):
                bb = b._buf
                if type(bb) is _ndarray and (bb.dtype is _F32 or bb.dtype is _F64):
                    db = bb.dtype
                    bufs = (scalar_buffer(a, db), bb)
                    if params or not prim.elementwise or db not in prim._rule_cache:
                        check_rule(prim, bufs, params)
                    out = None if params else _number_ufunc(prim, bufs[0], bb)
                    if out is None:
                        out = prim.kernels["cpu"](*bufs, **params)
                    if b._rg or prim.view or type(out) is not _ndarray:
                        return _finish(prim, args, params, out, b._rg, bufs)
                    return _make(out)
        elif n == 3:
            # three CPU tensors (layer_norm's x, weight and bias, where's mask and values,
            # index_add's scatter; issue 19: a transformer's every block): the lane for
            # several tensors, which is the general path's check_rule, kernel and node for
            # NumPy buffers (a 16-bit float or a view: its plan declines, the general path)
            a, b, c = args
            if isinstance(a, Tensor) and isinstance(b, Tensor) and isinstance(c, Tensor):
                ba, bb, bc = a._buf, b._buf, c._buf
                if type(ba) is _ndarray and type(bb) is _ndarray and type(bc) is _ndarray:
                    out = _small_many(prim, args, (ba, bb, bc),
                                      tuple(params.items()) if params else None,
                                      params_items)
                    if out is not None:
                        return out
        return _apply_general(prim, args, params)


#: True while some thread has an enabled CPU autocast region (set by ``_autocast``, which also
#: sets the hook that reads that thread's state and casts a listed primitive's inputs).
_AUTOCAST = False


def _autocast_hook(prim, args, params):
    return None                         # (replaced by ``_autocast.dispatch_hook``)


_NUM = frozenset({float, int})      # not bool: True is a valid key but kept on the slow path
_F16 = _dt.float16
_BF16: np.dtype | None = None   # bfloat16 once ml_dtypes is imported: no array has it before


def _set_bf16(d) -> None:
    global _BF16
    _BF16 = d


_dt.on_bfloat16(_set_bf16)
_HALF = _dt.HALF
_F32 = _dt.float32
_F64 = _dt.float64


_quiet, _loud, _IGNORE = _QUIET


class _QuietRun(threading.local):
    """``run(f, *args)``: ``f(*args)`` in this thread's own context, where NumPy's error state
    ignores floating-point errors (NumPy >= 2 keeps that state in a context
    variable, ``kernels.cpu.elementwise._QUIET``): one C call in and out, ~0.1 us less than
    setting and resetting the variable around the call (issue 19: 1x32 + 1x32 with grad).
    One context per thread, made on its first use: a context can be entered by one thread
    at a time (a ufunc on larger arrays releases the GIL), and only once."""

    def __init__(self):
        ctx = contextvars.Context()         # (empty: it holds NumPy's error state only)
        ctx.run(_quiet, _IGNORE)
        self.run = ctx.run


#: None with NumPy 1.x (its error state is no context variable: ``_quiet``/``_loud``)
_QUIET_RUN = _QuietRun() if _IGNORE is not None else None
_np_multiply = np.multiply
_PT = PARALLEL_THRESHOLD
#: CPU kernel entry -> (NumPy ufunc, the dtypes it runs on, those of them whose result is
#: recorded for autograd) for the elementwise primitives whose small operands go to NumPy's
#: ufunc (``kernels.cpu.elementwise.UFUNC_BINARY``), False for every other kernel; keyed by
#: the kernel function, so a replaced kernel is looked up afresh.
_SMALL: dict = {}


def _small_ufunc(prim, kernel):
    kern = getattr(kernel, "kernel", None)
    ufunc = getattr(kern, "ufunc", None)
    small: tuple | bool = False
    # (a wrapper of the kernel, ``functools.wraps``: its copied attributes are not its own)
    if ufunc is not None and prim.elementwise and not prim.view and \
            getattr(kernel, "__wrapped__", None) is None:
        # dtype objects, float32 and float64 first (``in`` tests identity before equality);
        # float16 and bfloat16 stay on the half path
        cands: list[np.dtype] = [np.dtype(_F32), np.dtype(_F64)]
        cands += [np.dtype(c) for c in np.typecodes["All"]]
        kinds = getattr(kern, "ufunc_kinds", "")
        dtypes = tuple(dict.fromkeys(d for d in cands if d.kind in kinds and
                                     d.kind not in "mM" and d not in _HALF))
        # the dtypes whose result gets a tape node (what _finish asks: a differentiable
        # primitive, an inexact output, which for these ufuncs has the operands' dtype)
        grad = tuple(d for d in dtypes if prim.differentiable and is_inexact(d) and
                     prim.kind != "compare")
        small = (ufunc, dtypes, grad, _row_op(ufunc), _col_op(ufunc))
    _SMALL[kernel] = small
    return small


def _number_ufunc(prim, ba, bb):
    """``apply``'s tensor-and-number case (one of ``ba``/``bb`` a 0-d float32/float64 buffer
    of the other's dtype, the rule checked): what the kernel's entry runs for such small
    operands, NumPy's ufunc with floating-point warnings off, without the entry's tests
    (``1 - x``, ``x * 0.5``; ``x ** 2``/``x ** 1``: the pow kernel's v * v and v, bit for bit);
    None where that does not apply (the caller runs the kernel)."""
    kernel = prim.kernels["cpu"]
    small = _SMALL.get(kernel)
    if small is None:
        small = _small_ufunc(prim, kernel)
    if not small or _QUIET_RUN is None or ba.size >= _PT or bb.size >= _PT or \
            ba.dtype not in small[1]:
        if prim is _pow_p and _QUIET_RUN is not None and not bb.shape and ba.size < _PT:
            # x ** 2 and x ** 1: the pow kernel's own cases (v * v, v), without its entry
            e = bb.item()
            if e == 2:
                out = _QUIET_RUN.run(_np_multiply, ba, ba)
                return out if type(out) is _ndarray else _asarray(out)
            if e == 1:
                return ba.copy()
        return None
    out = _QUIET_RUN.run(small[0], ba, bb)
    return out if type(out) is _ndarray else _asarray(out)


def small_binary(prim, a, b, ba, bb):
    """The binary fast lane: ``prim(a, b)`` for two CPU tensors whose buffers ``ba`` and
    ``bb`` hold one dtype object, without params, when ``prim``'s CPU kernel hands such small
    operands (below the parallel threshold) to NumPy's ufunc: the ufunc itself, without the
    kernel entry's tests; None when that does not apply (the caller goes on, to the general
    path).  The rule's outcome is "dtype accepted and shapes broadcast": the dtype is looked
    up in the rule cache, the shapes are left to the ufunc, and a ValueError from it is the
    rule's ShapeError.  A result that needs no tape node is wrapped by ``_make``, one
    that does gets ``_finish``'s node for two tensors.  The one copy of this sequence: ``apply`` and the operators (``_tensor_ops._binary``) both call it; the
    caller has checked ``_AUTOCAST`` and, outside ``apply``, that no trace is recording."""
    try:
        small = _SMALL[prim.kernels["cpu"]]
    except KeyError:
        small = _small_ufunc(prim, prim.kernels["cpu"])
    da = ba.dtype
    if not small or da not in small[1] or ba.size >= _PT or bb.size >= _PT:
        return None
    cache = prim._rule_cache
    if da not in cache:
        check_rule(prim, (ba, bb), {})
        cache[da] = True                    # (see check_rule: dtype accepted)
    rows = small[3]
    out = None
    if rows is not None and bb.ndim == 1 and ba.ndim == 2 and (da is _F32 or da is _F64) and \
            ba.shape[1] == bb.shape[0] and ba.flags.c_contiguous and bb.flags.c_contiguous:
        out = rows(ba, bb)                  # (a bias add: the kernel entry's row loop)
    elif small[4] is not None and (da is _F32 or da is _F64) and ba.ndim > 1 and \
            (ba.size >= _COLS_FROM or bb.size >= _COLS_FROM) and ba.shape != bb.shape:
        out = small[4](ba, bb)              # (a channel's value over its plane, or None)
    if out is None:
        try:
            if _QUIET_RUN is not None:
                out = _QUIET_RUN.run(small[0], ba, bb)
            else:                           # (NumPy 1.x: set inside the try, see _fp_quiet)
                before = _FP[0]()
                try:
                    _FP[1](_FP[2])
                    out = small[0](ba, bb)
                finally:
                    _FP[1](before)
        except ValueError:
            check_rule(prim, (ba, bb), {})      # its ShapeError
            raise
        if type(out) is not _ndarray:           # (0-d operands: a NumPy scalar)
            out = _asarray(out)
    if a._rg or b._rg:
        if da in small[2] and STATE.enabled:
            # _finish's node for two tensors, spelled out: ``Node(...)``'s and ``_make``'s
            # stores inline (no class call, no frame: add 1x32 + 1x32 with grad, issue 19); a
            # field added to ``Node.__init__`` or ``tensor._make`` must be added here too
            version = [0]
            node = _node_new(Node)
            node.prim = prim
            node.params = {}
            node.parents = ((a._node or leaf_node(a)) if a._rg else None,
                            (b._node or leaf_node(b)) if b._rg else None)
            node.inputs = (a, b)
            node.versions = (a._vc[0], b._vc[0])
            node.out_buf = out
            node.out_version = version
            node.out_ver0 = 0
            node.shape = out.shape
            node.dtype = out.dtype
            node.hooks = None
            node.retain = None
            t = _new(Tensor)
            t._buf = out
            t._rg = True
            t._node = node
            t._acc = None
            t._grad = None
            t._vc = version
            t._hooks = None
            t._view = None
            return t
        return _finish(prim, (a, b), {}, out, True)
    return _make(out)


def matrix_product(prim, a, b, ba, bb):
    """``apply(prim, (a, b), {})`` for a caller that has checked what apply's two-tensor branch
    tests and more: ``ba``/``bb`` the NumPy buffers of tensors ``a``/``b``, two matrices whose
    inner sizes agree, of one float32 or float64 dtype object (16-bit floats take
    ``_apply_half``), no autocast, no trace, and ``prim`` no view and no ufunc primitive
    (``mm``/``matmul`` of CPU matrices, ``_tensor_ops``; ``nn.functional._fast_linear``: issue
    19, one call and the branch's tests less: 1x32 @ 32x32 with grad 3.04 -> 2.86 us).  The
    same rule-cache key, kernel and node as that branch.  A tiny product by the stock CPU
    kernel (``kernels.cpu.linalg.matmul``) is that kernel's own tiny case inline (``np.dot``
    on one BLAS thread: the kernel call and its tests less, and no rule lookup: the rule
    passes for every such pair), 1x32 @ 32x32 with grad 2.05 -> ~1.7 us."""
    if prim.kernels["cpu"] is _cpu_matmul:
        m, k = ba.shape
        mkn = m * k * bb.shape[1]
        if mkn < _TINY_MKN and 2.0 * mkn < _bt.SMALL_GEMM_FLOPS:
            if _bt._state[1] != 1:          # (the kernel's BLAS thread choice)
                _bt.for_gemm(2.0 * mkn)
            # (np.dot's C product without its Python dispatcher; from NT_MKN_MIN the kernel's
            # small_product: MKL for x @ W.T)
            out = ba.dot(bb) if mkn < _NT_MKN_MIN else _small_product(ba, bb)
            ra, rb = a._rg, b._rg
            if (ra or rb) and STATE.enabled:
                # apply's two-tensor node: Node(...)'s and _make's stores inline, as
                # small_binary's (a field added to either must be added here too)
                version = [0]
                node = _node_new(Node)
                node.prim = prim
                node.params = {}
                node.parents = ((a._node or leaf_node(a)) if ra else None,
                                (b._node or leaf_node(b)) if rb else None)
                node.inputs = (a, b)
                node.versions = (a._vc[0], b._vc[0])
                node.out_buf = out
                node.out_version = version
                node.out_ver0 = 0
                node.shape = out.shape
                node.dtype = out.dtype
                node.hooks = None
                node.retain = None
                t = _new(Tensor)
                t._buf = out
                t._rg = True
                t._node = node
                t._acc = None
                t._grad = None
                t._vc = version
                t._hooks = None
                t._view = None
                return t
            t = _new(Tensor)        # (_make(out)'s stores: a field added there, here too)
            t._buf = out
            t._rg = False
            t._node = None
            t._acc = None
            t._grad = None
            t._vc = [0] if not INFERENCE_ON[0] else fresh_version()
            t._hooks = None
            t._view = None
            return t
    d = ba.dtype
    if (ba.shape, bb.shape, d, d) not in prim._rule_cache:
        check_rule(prim, (ba, bb), {})
    out = prim.kernels["cpu"](ba, bb)
    if type(out) is _ndarray:
        ra, rb = a._rg, b._rg
        if not (ra or rb):
            return _make(out)
        if STATE.enabled and prim.differentiable and out.dtype.kind in "fc":
            version = [0]                   # (apply's two-tensor node)
            return _make(out, version, Node(
                prim, {}, ((a._node or leaf_node(a)) if ra else None,
                           (b._node or leaf_node(b)) if rb else None),
                (a, b), (a._vc[0], b._vc[0]), out, version))
    return _finish(prim, (a, b), {}, out, a._rg or b._rg)


def matrix_product3(prim, c, a, b, bc, ba, bb):
    """``matrix_product`` for a three-tensor primitive (``addmm(c, a, b)``: F.linear with a
    bias, ``nn.functional._fast_linear``): the same tests made by the caller, the rule cache's
    three-buffer key, the kernel, and ``_finish``'s node over the three (issue 19: the lane's
    plan lookup and its nine-part key less)."""
    d = ba.dtype
    if (bc.shape, ba.shape, bb.shape, d, d, d) not in prim._rule_cache:
        check_rule(prim, (bc, ba, bb), {})
    out = prim.kernels["cpu"](bc, ba, bb)
    if type(out) is _ndarray:
        rc, ra, rb = c._rg, a._rg, b._rg
        if not (rc or ra or rb):
            return _make(out)
        if STATE.enabled and prim.differentiable and out.dtype.kind in "fc":
            version = [0]
            return _make(out, version, Node(
                prim, {}, ((c._node or leaf_node(c)) if rc else None,
                           (a._node or leaf_node(a)) if ra else None,
                           (b._node or leaf_node(b)) if rb else None),
                (c, a, b), (c._vc[0], a._vc[0], b._vc[0]), out, version))
    return _finish(prim, (c, a, b), {}, out, c._rg or a._rg or b._rg)


#: CPU kernel -> its entry's ``float_ufunc`` (``kernels.cpu.elementwise``: (ufunc, silenced,
#: any layout and size, the entry) for float32/float64 operands), False for a kernel without
#: one of its own (a wrapper) or a silenced one under NumPy 1.x: ``_unary_lane``'s; keyed by
#: the kernel function, so a replaced kernel is looked up afresh
_FLOAT_UFUNC: dict = {}


def _float_ufunc(kernel):
    fu = getattr(kernel, "float_ufunc", None)
    if not (type(fu) is tuple and len(fu) == 4 and fu[3] is kernel) or \
            fu[1] and _QUIET_RUN is None:
        fu = False
    _FLOAT_UFUNC[kernel] = fu
    return fu


#: CPU kernel -> whether it has a small-operand form (``kernel.small``) for the lane
_HAS_SMALL: dict = {}


def _small_unary(prim, a, key, params_of):
    """The one-tensor lane (``_lane.small_unary``, which replaces this stub on import): None
    until then, so ``apply`` takes its own path."""


def _small_many(prim, tensors, bufs, key, params_of):
    """The lane for several tensors (``_lane.small_many``, which replaces this stub on
    import): None until then."""


def params_items(b, key) -> dict:
    """``small_unary``'s ``params_of`` where the key is the params' items (or None)."""
    return dict(key) if key else {}


Tensor.__dlcore_frontend__ = EagerFrontend
