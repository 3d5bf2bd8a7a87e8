"""The common cases of ``F.cross_entropy`` and ``F.nll_loss`` through the eager lane (issue 19):
(N, C) float32/float64 CPU inputs and int64 CPU class indices, as the general path computes them
(``nn.functional``), in fewer nodes and no argument handling.  Each returns None for anything
else, and the general path runs (and raises its own errors)."""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.kernels.cpu.gather import in_range as _in_range
from dlcore.registry import scalar_buffer as _scalar_buffer

from .. import _dispatch as _Dp
from .._dispatch import EagerFrontend as _EF
from .._lane import _axes_params
from ..tensor import Tensor, _make
from ..tracing import _RECORDERS

_apply = _EF.apply
_ndarray = np.ndarray
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_I64 = np.dtype(np.int64)
_sparse_xent_p = _ops.softmax_prims.sparse_xent_p
_sum_p, _div_p = _ops.reduce.sum_p, _ops.elementwise.div_p
_nll_p = _ops.nll_prim.nll_p
_MEAN, _SUM = (("mean", True),), (("mean", False),)


def _rows_and_classes(input, target, ignore_index):
    """The buffers of (N, C) float32/float64 CPU rows and N int64 CPU class indices (N > 0),
    ``ignore_index`` an int outside [0, C), outside autocast and traces; None otherwise."""
    if type(input) is not Tensor and not isinstance(input, Tensor) or \
            type(target) is not Tensor and not isinstance(target, Tensor):
        return None
    xb, tb = input._buf, target._buf
    if type(xb) is not _ndarray or type(tb) is not _ndarray or xb.ndim != 2 or \
            tb.ndim != 1 or tb.dtype is not _I64 or _Dp._AUTOCAST or _RECORDERS:
        return None
    d = xb.dtype
    n, c = xb.shape
    if (d is not _F32 and d is not _F64) or tb.shape[0] != n or not n or \
            type(ignore_index) is not int or 0 <= ignore_index < c:
        return None
    return xb, tb


def _fast_cross_entropy(input, target, ignore_index, reduction):
    """``cross_entropy`` of (N, C) float32/float64 CPU logits and N int64 CPU class indices,
    no weight or smoothing, ``ignore_index`` outside [0, C) (the default -100), outside
    autocast and traces: the nodes the general path records (sparse_xent, then for 'mean' the
    sum and the div by N, for 'sum' the sum; the last one named NllLossBackward0) through the
    eager lane, the targets' range checked by the kernel itself (a target outside [0, C), an
    ignored one included, sends the call to the general path, which checks them first and
    raises PyTorch's IndexError or ignores them).  Issue 19: the digits step's loss,
    (32, 10), 18.6 -> ~8 us a call.  None for anything else (the general path)."""
    bufs = _rows_and_classes(input, target, ignore_index)
    if bufs is None:
        return None
    xb, tb = bufs
    d = xb.dtype
    n = xb.shape[0]
    if reduction == "mean":
        pass
    elif reduction != "sum" and reduction != "none":
        return None
    try:
        loss = _Dp._small_many(_sparse_xent_p, (input, target), (xb, tb), None,
                               _Dp.params_items)
    except IndexError:                  # (a target outside [0, C): the general path's error)
        return None
    if loss is None:
        return None
    if reduction != "none":
        s = _Dp._small_unary(_sum_p, loss, (None, False), _axes_params)
        if s is None:
            return None
        if reduction == "mean":
            sb = s._buf
            cb = _scalar_buffer(float(n), d)
            q = _Dp.small_binary(_div_p, s, _make(cb), sb, cb)
            loss = q if q is not None else _apply(_div_p, (s, float(n)), {})
        else:
            loss = s
    node = loss._node
    if node is not None:
        node.label = "NllLossBackward0"     # (labelled's: a node made here, never named yet)
    return loss


def _fast_nll_loss(input, target, ignore_index, reduction):
    """``nll_loss`` of (N, C) float32/float64 CPU log-probabilities and N int64 CPU class
    indices in [0, C), no weight, ``ignore_index`` outside [0, C) (the default -100), 'mean' or
    'sum', outside autocast and traces (the MNIST example's ``log_softmax`` + ``nll_loss``, the
    character-level RNN tutorials' per-step ``NLLLoss``): the general path's values bit for bit
    in one node (the ``nll`` primitive) where it made five, through the eager lane: the
    targets' column gathered (``take_along_axis``), summed, and divided by -N ('mean':
    ``sum(-p) / N`` is ``sum(p) / -N`` exactly, negation commuting with every rounding) or
    negated ('sum'), named NllLossBackward0.  Issue 19: (1, 59) 54 -> ~12 us a call in three
    nodes, 7.8 in one.  None for anything else (a target out of range included: the general
    path raises PyTorch's error)."""
    bufs = _rows_and_classes(input, target, ignore_index)
    if bufs is None or (reduction != "mean" and reduction != "sum"):
        return None
    xb, tb = bufs
    c = xb.shape[1]
    if not _in_range(tb, c):                # (every target in [0, C))
        return None
    # (the nll primitive: one node, these three nodes' kernels, their values bit for bit)
    loss = _Dp._small_many(_nll_p, (input, target), (xb, tb), _MEAN if reduction == "mean"
                           else _SUM, _Dp.params_items)
    if loss is None:
        return None
    node = loss._node
    if node is not None:
        node.label = "NllLossBackward0"     # (labelled's: a node made here, never named yet)
    return loss
