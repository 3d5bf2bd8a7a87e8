"""``F.linear`` of small CPU matrices in one pass (issue 19): the weight's transpose view, the
product and the bias row, and PyTorch's nodes (TBackward0, then AddmmBackward0 with a bias or
MmBackward0 without), with every test made once.

For a CPU (m, k) input and (n, k) weight of one float32/float64 dtype object, a bias of shape
(n,) and that dtype (or none), no trace and no autocast, ``linear`` here does what the stock
kernels would do for a *tiny* product (``kernels.cpu.linalg.matmul``'s ``np.dot`` case, see
``_dispatch.matrix_product``), written out:

* ``transpose(weight, perm=(1, 0))``: the stock kernel's ``ndarray.transpose`` view, wrapped as
  the lane (``_shape_ops.fast_t``) wraps it: ``_views.view_of`` in grad mode (view1's node,
  recipe and weak reference in one frame), ``_dispatch_finish.view1`` otherwise;
* ``matmul``/``addmm``: ``np.dot`` on one BLAS thread, then the bias added by ``addmm``'s own
  row loop (``_jit_rows.add_row_into``, or ``np.add(c, out, out=out)`` for a strided bias);
  the same values, bit for bit;
* the node ``_dispatch.matrix_product``/``matrix_product3`` record.

The shape rules are not looked up: they pass for every such operand list.  None (the caller's
paths: ``nn.functional._fast_linear``, then the general one) for any other operands, when a
kernel is replaced, under autocast or a trace, or for a product that is not tiny.
Measured (1x32 input, 32x32 weight, bias, all requiring grad; CPU time, pinned, best of
interleaved rounds): the former path (``_fast_linear``: the lane's transpose, matrix_product3,
the addmm kernel) 4.87 us, this one 3.55-3.7 us (torch 2.85-3.1 us).
"""

from __future__ import annotations

import numpy as np

from dlcore.kernels.cpu import blas_threads as _bt
from dlcore.kernels.cpu.linalg import NT_MKN_MIN as _NT_MKN_MIN
from dlcore.kernels.cpu.linalg import TINY_MKN as _TINY_MKN
from dlcore.kernels.cpu.linalg import small_product as _small_product
from dlcore.kernels.cpu.linalg import matmul as _cpu_matmul
from dlcore.ops.linalg import _cpu_addmm
from dlcore.ops.linalg import _rows as _ROWS
from dlcore.ops.linalg import addmm_p as _addmm_p
from dlcore.ops.linalg import matmul_p as _matmul_p
from dlcore.ops.shape import transpose_p as _transpose_p

from . import _dispatch as _D
from ._dispatch_finish import view1 as _view1
from ._graph import Node, leaf_node
from ._state import STATE
from ._views import view_of as _view_of
from .tensor import Tensor, _make
from .tracing import _RECORDERS

_ndarray = np.ndarray
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_add = np.add
_KT, _KM, _KA = _transpose_p.kernels, _matmul_p.kernels, _addmm_p.kernels
_cpu_transpose = _KT["cpu"]            # (the stock kernel: x.transpose(perm))
_PERM10 = (1, 0)
_T_PARAMS = {"perm": _PERM10}          # (the params of a matrix's transpose; never changed)
_NO_PARAMS: dict = {}


_ROW_LOOP = None


def _row_loop():
    """``_jit_rows.add_row_into`` (addmm's bias row loop), loaded on first use."""
    global _ROW_LOOP
    _ROW_LOOP = _ROWS().add_row_into
    return _ROW_LOOP


def float_operands(x, weight, bias):
    """``(x, weight, bias)``'s NumPy buffers (None for no bias) where ``x`` and ``weight`` are
    CPU Tensors of one float32/float64 dtype object and ``bias`` is None or one of that dtype
    too: the operands of the dense lanes (linear's, the convolutions'); None otherwise."""
    if not isinstance(x, Tensor) or not isinstance(weight, Tensor):
        return None
    xb, wb = x._buf, weight._buf
    if type(xb) is not _ndarray or type(wb) is not _ndarray:
        return None
    d = xb.dtype
    if (d is not _F32 and d is not _F64) or wb.dtype is not d:
        return None
    if bias is None:
        return xb, wb, None
    bb = bias._buf if isinstance(bias, Tensor) else None
    if type(bb) is not _ndarray or bb.dtype is not d:
        return None
    return xb, wb, bb


def linear(x, weight, bias):
    """``F.linear(x, weight, bias)`` of a tiny product of CPU matrices (see the module
    docstring), or None."""
    bufs = None if _RECORDERS else float_operands(x, weight, bias)
    if bufs is None:
        return None
    xb, wb, bb = bufs
    if xb.ndim != 2 or wb.ndim != 2:
        return None
    m, k = xb.shape
    n, k2 = wb.shape
    if k != k2 or (bb is not None and (bb.ndim != 1 or bb.shape[0] != n)):
        return None
    mkn = m * k * n
    if mkn >= _TINY_MKN or 2.0 * mkn >= _bt.SMALL_GEMM_FLOPS or _D._AUTOCAST or \
            _KT["cpu"] is not _cpu_transpose or _KM["cpu"] is not _cpu_matmul or \
            (bb is not None and _KA["cpu"] is not _cpu_addmm):
        return None
    wtb = wb.transpose(_PERM10)
    enabled = STATE.enabled
    if enabled:
        # weight.t(): view1's view of a float matrix in one frame (PyTorch's linear names it)
        wt = _view_of(weight, _transpose_p, _T_PARAMS, wtb, "TBackward0")
        rw = weight._rg
    else:
        wt = _view1(_transpose_p, weight, _T_PARAMS, wtb, True)
        rw = False
    if _bt._state[1] != 1:                  # (the matmul kernel's BLAS thread choice)
        _bt.for_gemm(2.0 * mkn)
    # (np.dot's C product without its Python dispatcher frame; MKL for x @ W.T from
    # NT_MKN_MIN, as the stock kernel: linalg.small_product)
    out = xb.dot(wtb) if mkn < _NT_MKN_MIN else _small_product(xb, wtb)
    rx = x._rg
    if bb is None:
        if not (rx or rw) or not enabled:
            return _make(out)
        version = [0]                       # (matrix_product's node)
        return _make(out, version, Node(
            _matmul_p, _NO_PARAMS, ((x._node or leaf_node(x)) if rx else None,
                                    wt._node if rw else None),
            (x, wt), (x._vc[0], wt._vc[0]), out, version))
    if bb.flags.c_contiguous:
        (_ROW_LOOP or _row_loop())(out, bb)     # (addmm's bias row loop)
    else:
        _add(bb, out, out=out)
    rb = bias._rg
    if not (rb or rx or rw) or not enabled:
        return _make(out)
    version = [0]                           # (matrix_product3's node)
    return _make(out, version, Node(
        _addmm_p, _NO_PARAMS, ((bias._node or leaf_node(bias)) if rb else None,
                               (x._node or leaf_node(x)) if rx else None,
                               wt._node if rw else None),
        (bias, x, wt), (bias._vc[0], x._vc[0], wt._vc[0]), out, version))
