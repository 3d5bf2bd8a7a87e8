"""``F.conv1d/2d/3d`` of CPU tensors in one pass (issue 19): the kernel of ``conv`` or
``conv_bias`` and PyTorch's one ConvolutionBackward0 node, with the call's checks made once.

The general path (``functional_conv._conv``) checks the operands' dtypes, batches an unbatched
input, normalises the parameters (``ops.conv_params``: the padding pairs, 'same' resolved),
binds the primitive (its shape rule, the eager dispatch) and names the node.  Once that path
has succeeded for a call (the input's, weight's and bias's shapes, the rank, stride, padding,
dilation and groups), :func:`remember` keeps the parameters it made; the next call with the
same ones and CPU buffers of one float32/float64 dtype object, outside a trace, forward AD and
autocast (``_RECORDERS``, ``_dispatch._AUTOCAST``), takes :func:`conv`: the primitive's CPU
kernel (looked up at each call: a replaced kernel is called) and the node ``_dispatch._finish``
records.  Anything else returns None and takes the general path (and its errors).

Measured (a batch-1 LeNet layer, 8 -> 16 channels 3x3 on 10x10, input, weight and bias
requiring grad; CPU time, pinned, best of interleaved rounds): ``nn.Conv2d`` 62 -> ~40 us
(the kernel 28, PyTorch's whole call 23).
"""

from __future__ import annotations

import numpy as np

from dlcore.ops.conv import conv_bias_p as _conv_bias_p
from dlcore.ops.conv import conv_p as _conv_p

from . import _dispatch as _D
from ._dense_lane import float_operands as _float_operands
from ._graph import Node, leaf_node
from ._state import STATE
from .tensor import Tensor, _make
from .tracing import _RECORDERS

_ndarray = np.ndarray

#: (rank, input shape, weight shape, bias shape or None, stride, padding, dilation, groups) ->
#: the primitive's parameters the general path made for them (shared by the nodes: never
#: changed); bounded
_MEMO: dict = {}
_MAX = 512


def _key(nsp, xb, wb, bb, stride, padding, dilation, groups):
    return (nsp, xb.shape, wb.shape, None if bb is None else bb.shape, stride, padding,
            dilation, groups)


def remember(nsp, x, weight, bias, stride, padding, dilation, groups, params: dict) -> None:
    """Keep ``params``, made by the general path for this call, for :func:`conv`."""
    bb = bias._buf if isinstance(bias, Tensor) else None
    try:
        key = _key(nsp, x._buf, weight._buf, bb, stride, padding, dilation, groups)
        if len(_MEMO) >= _MAX:
            _MEMO.clear()
        _MEMO[key] = params
    except (TypeError, AttributeError):    # (a list argument: unhashable; not a tensor)
        pass


def conv(x, weight, bias, stride, padding, dilation, groups, nsp):
    """The convolution of a call the general path has made before (module docstring), or
    None."""
    bufs = None if _RECORDERS or _D._AUTOCAST else _float_operands(x, weight, bias)
    if bufs is None:
        return None
    xb, wb, bb = bufs
    try:
        params = _MEMO.get(_key(nsp, xb, wb, bb, stride, padding, dilation, groups))
    except TypeError:
        return None
    if params is None:
        return None
    rx, rw = x._rg, weight._rg
    if bb is None:
        prim = _conv_p
        out = prim.kernels["cpu"](xb, wb, **params)
        rb = False
    else:
        prim = _conv_bias_p
        out = prim.kernels["cpu"](xb, wb, bb, **params)
        rb = bias._rg
    if type(out) is not _ndarray:
        return None
    if not (rx or rw or rb) or not STATE.enabled:
        return _make(out)
    version = [0]
    px = (x._node or leaf_node(x)) if rx else None
    pw = (weight._node or leaf_node(weight)) if rw else None
    if bb is None:
        return _make(out, version, Node(prim, params, (px, pw), (x, weight),
                                        (x._vc[0], weight._vc[0]), out, version))
    return _make(out, version, Node(
        prim, params, (px, pw, (bias._node or leaf_node(bias)) if rb else None),
        (x, weight, bias), (x._vc[0], weight._vc[0], bias._vc[0]), out, version))
