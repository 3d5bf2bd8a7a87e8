"""``create_graph``'s common vjps, recorded without the op layers (issue 19).

With ``create_graph=True`` a node's vjp rule runs on Tensors, so that its own operations are
recorded and the gradient can be differentiated again.  The rules are written with dlcore's op
functions (``mul``, ``sum_to``, ``expand_dims`` ...), whose argument handling (promotion,
AVals, axis normalisation, ``bind``'s search for the front end) cost two to three times the
operation itself on small tensors: a gradient penalty's backward ran at ~2x PyTorch's.

Here, for the primitives that such graphs are made of (mul, div, add, sub, pow, sum, tanh,
relu, leaky_relu, sigmoid, exp, log,
a matrix's transpose, matmul and addmm, softmax and log_softmax: their rules in
ops/elementwise, reduce, shape, linalg, softmax_prims) on
float32/float64 CPU Tensors of one dtype whose saved tensors are unchanged, the same
operations are applied directly: ``small_binary`` (the binary lane), else ``apply`` itself,
which is what ``bind`` calls for Tensors.  The same primitives, parameters, operands and
kernels, so the same values and the same recorded nodes as the rule's: only the layers in
between are left out, with three exceptions (tests/eager/test_cg_rules.py): a whole sum's
0-d cotangent is broadcast by one ``broadcast_to`` (PyTorch's ExpandBackward0) where the rule
makes two views (the same values); softmax's gradient is one softmax_backward_data node
(PyTorch's SoftmaxBackwardDataBackward0) where the rule records four, so its second
derivative sums in another order (within ~1e-17 in float64, not bit for bit); and a square
``x ** 2`` gets g (2 x), without the rule's (and PyTorch's) pow node for x ** (2 - 1) (the
same values and second derivative, one node fewer).  A case a rule here does not take
(broadcast operands that need a ``sum_to``, another dtype, a trace, autocast) returns None and
the node's own ``vjp`` runs.
``cg_vjp`` is called by ``engine``'s create_graph pass for a primitive's node, ``cg_add`` sums
two cotangents of one node there (``ops.add``'s bind, as directly).
"""

from __future__ import annotations

import numpy as np

from dlcore import dtypes as _dt
from dlcore import ops as _ops
from dlcore.kernels.cpu.shape import broadcast_to as _cpu_broadcast_to
from dlcore.kernels.cpu.shape import transpose as _cpu_transpose
from dlcore.ops.broadcast import broadcast_like_p as _broadcast_like_p
from dlcore.ops.broadcast import broadcast_to_p as _broadcast_to_p
from dlcore.ops.broadcast import sum_to_p as _sum_to_p
from dlcore.ops.activations import leaky_relu_grad_p, leaky_relu_p, threshold_backward_p
from dlcore.ops.elementwise import (add_p, div_p, exp_p, log_p, mul_p, neg_p, pow_p, relu_p,
                                   sigmoid_grad_p, sigmoid_p, sub_p, tanh_grad_p, tanh_p)
from dlcore.ops.linalg import addmm_p, matmul_p
from dlcore.ops.reduce import sum_p
from dlcore.ops.shape import expand_dims_p as _expand_dims_p
from dlcore.ops.shape import transpose_p
from dlcore.ops.softmax_prims import (log_softmax_p, softmax_backward_data_p, softmax_p,
                                     sparse_xent_grad_p, sparse_xent_p)
from dlcore.registry import scalar_buffer as _scalar_buffer

from .. import _dispatch as _D
from .._views import view_of as _view_of
from ..tensor import Tensor, _make
from ..tracing import _RECORDERS

_ndarray = np.ndarray
_F32, _F64 = _dt.float32, _dt.float64
_apply = _D.EagerFrontend.apply
_small_binary = _D.small_binary
_ops_add = _ops.add
_SUB_KERNELS = sub_p.kernels


def _bin(prim, a, b):
    """``bind(prim, a, b)`` of two Tensors with NumPy buffers of one dtype object: the binary
    lane where it applies, else ``apply`` (bind's call for Tensors)."""
    out = _small_binary(prim, a, b, a._buf, b._buf)
    return out if out is not None else _apply(prim, (a, b), {})


def _mul(node, g, ins):
    a, b = ins
    sa, sb, sg = a._buf.shape, b._buf.shape, g._buf.shape
    if sa != sg or (sb != sa and sb):       # (g * b summed to a, g * a to b: no sums)
        return None
    if not sb:                              # (x * number: the number needs no gradient)
        return (lambda: _bin(mul_p, g, b), None) if node.parents[1] is None else None
    return (lambda: _bin(mul_p, g, b), lambda: _bin(mul_p, g, a))


def _div(node, g, ins):
    a, b = ins
    sb = b._buf.shape
    if a._buf.shape != g._buf.shape or (sb and sb != g._buf.shape) or \
            node.parents[1] is not None:
        return None                         # (a mean's, or x / number)
    return (lambda: _bin(div_p, g, b), None)


def _add(node, g, ins):
    sg = g._buf.shape
    if ins[0]._buf.shape != sg:
        return None
    if ins[1]._buf.shape != sg:             # (x + number: the number needs no gradient)
        return (g, None) if node.parents[1] is None else None
    return (g, g)                           # (sum_to of g to its own shape: g itself)


def _sub(node, g, ins):
    sg = g._buf.shape
    if ins[0]._buf.shape != sg:
        return None
    if ins[1]._buf.shape != sg:             # (x - number)
        return (g, None) if node.parents[1] is None else None
    return (g, lambda: _apply(neg_p, (g,), {}))


def _pow(node, g, ins):
    a, b = ins
    if b._buf.shape or a._buf.shape != g._buf.shape or node.parents[1] is not None:
        return None                         # (x ** number: the number needs no gradient)

    if b._buf == 2:
        # the square: the rule's g (b a^(b - 1)) with a^1 = a exactly (pow's kernel takes the
        # exponent 1 as a itself), so g (b a): the same values without the b - 1 and the pow
        # (PyTorch's graph has them; its second derivative is the same, b c)
        return (lambda: _bin(mul_p, g, _bin(mul_p, b, a)), None)

    def da():                               # (the rule's g (b a^(b - 1)))
        # b - 1 of the exponent (no gradient): apply's kernel call for a tensor and a number
        c = _SUB_KERNELS["cpu"](b._buf, _scalar_buffer(1, b._buf.dtype))
        c = _make(c) if type(c) is _ndarray else _apply(sub_p, (b, 1), {})
        return _bin(mul_p, g, _bin(mul_p, b, _bin(pow_p, a, c)))
    return (da, None)


def _sum(node, g, ins):
    x, = ins
    params = node.params
    axes = params["axes"]
    xs = x._buf.shape
    if not g._buf.ndim and xs:
        # a whole reduction's 0-d cotangent: one broadcast_to (PyTorch's ExpandBackward0, as
        # its sum_backward expands it) where the rule unsqueezes it to x's rank and then
        # broadcasts that: the same values, the view the buffer pass makes of it
        params = {"shape": xs}
        if _BT_KERNELS["cpu"] is _cpu_broadcast_to:     # (view1's view in one frame, as _t's)
            return (_view_of(g, _broadcast_to_p, params, _cpu_broadcast_to(g._buf, shape=xs)),)
        return (_apply(_broadcast_to_p, (g,), params),)
    if not params["keepdims"] and axes:     # (sum's axes are normalised for x's rank)
        g = _apply(_expand_dims_p, (g,), {"axes": axes})
    if g._buf.shape != x._buf.shape:        # (broadcast_like reads only x's shape)
        g = _apply(_broadcast_like_p, (g, x.detach() if x._rg else x), {})
    return (g,)


def _tanh(node, g, ins):
    y = _make(node.out_buf, node.out_version, node)
    if y._buf.shape != g._buf.shape:
        return None
    return (_bin(tanh_grad_p, g, y),)


def _out(node):
    """The node's output as its vjp rule gets it (``Node.vjp``'s ``make``)."""
    return _make(node.out_buf, node.out_version, node)


def _relu(node, g, ins):
    return (_bin(threshold_backward_p, g, _out(node)),)  # (eager's rule: threshold_backward)


def _sigmoid(node, g, ins):
    return (_bin(sigmoid_grad_p, g, _out(node)),)       # (sigmoid_grad(g, y))


def _exp(node, g, ins):
    return (_bin(mul_p, g, _out(node)),)                # (g y: real y, no conjugate)


def _log(node, g, ins):
    return (_bin(div_p, g, ins[0]),)                    # (g / x)


def _leaky(node, g, ins):
    params = node.params
    if params.get("inplace") or len(ins) != 1:
        return None                         # (the in-place form's check: the rule's)
    return (_apply(leaky_relu_grad_p, (g, ins[0]), {"alpha": float(params["alpha"])}),)


def _softmax(node, g, ins):
    y = _make(node.out_buf, node.out_version, node)
    if y._buf.shape != g._buf.shape:
        return None
    # the rule's y (g - sum(g y)) as one node (PyTorch's SoftmaxBackwardDataBackward0), its
    # kernel the rule's kernels in the rule's order: the same values
    return (_apply(softmax_backward_data_p, (g, y), {"axis": node.params["axis"]}),)


def _log_softmax(node, g, ins):
    y = _make(node.out_buf, node.out_version, node)
    if y._buf.shape != g._buf.shape:
        return None                         # (the rule's g - exp(y) sum(g), sum kept)
    e = _apply(exp_p, (y,), {})
    s = _apply(sum_p, (g,), {"axes": (node.params["axis"],), "keepdims": True})
    return (_bin(sub_p, g, _bin(mul_p, e, s)),)


_SWAP = {"perm": (1, 0)}
_PERM = (1, 0)
_T_KERNELS = transpose_p.kernels
_BT_KERNELS = _broadcast_to_p.kernels


def _t(x):
    """``matrix_transpose(x)`` of a matrix: bind(transpose_p, x, perm=(1, 0)); with the stock
    CPU kernel (a NumPy transposed view) ``view1``'s view in grad mode made in one frame
    (``_views.view_of``, as F.linear's weight.t()): the same view, version counter and node."""
    if _T_KERNELS["cpu"] is _cpu_transpose:
        return _view_of(x, transpose_p, _SWAP, x._buf.transpose(_PERM))
    return _apply(transpose_p, (x,), _SWAP)


def _mm(a, b):
    return _apply(matmul_p, (a, b), {})


def _transpose(node, g, ins):
    if node.params["perm"] != (1, 0) or g._buf.ndim != 2:
        return None
    return (_t(g),)                         # (the inverse of (1, 0): itself)


def _matmul(node, g, ins):
    a, b = ins
    if a._buf.ndim != 2 or b._buf.ndim != 2:
        return None                         # (matmul's rule: g b^T, a^T g; no sums for matrices)
    return (lambda: _mm(g, _t(b)), lambda: _mm(_t(a), g))


def _addmm(node, g, ins):
    c, a, b = ins
    if a._buf.ndim != 2 or b._buf.ndim != 2:
        return None

    def dc():                               # (sum_to(g, c): reads only c's shape)
        if c._buf.shape == g._buf.shape:
            return g
        return _apply(_sum_to_p, (g, c.detach() if c._rg else c), {})
    return (dc, lambda: _mm(g, _t(b)), lambda: _mm(_t(a), g))


def _xent(node, g, ins):
    # the rule's sparse_xent_grad(g, x, k) (no gradient for the labels k)
    return (_apply(sparse_xent_grad_p, (g, ins[0], ins[1]), {}), None)


_RULES = {mul_p: _mul, div_p: _div, add_p: _add, sub_p: _sub, pow_p: _pow, sum_p: _sum,
          tanh_p: _tanh, transpose_p: _transpose, matmul_p: _matmul, addmm_p: _addmm,
          softmax_p: _softmax, log_softmax_p: _log_softmax, relu_p: _relu,
          sigmoid_p: _sigmoid, exp_p: _exp, log_p: _log, leaky_relu_p: _leaky,
          sparse_xent_p: _xent}


def cg_add(a, b):
    """The create_graph pass's sum of two cotangents of a node, ``ops.add(a, b)``: two Tensors
    with NumPy buffers of one dtype object go to ``_bin`` (what ops.add's bind calls for
    them: nothing to promote), anything else to ops.add itself."""
    if type(a) is Tensor and type(b) is Tensor and not _D._AUTOCAST and not _RECORDERS:
        ba, bb = a._buf, b._buf
        if type(ba) is _ndarray and type(bb) is _ndarray and ba.dtype is bb.dtype:
            return _bin(add_p, a, b)
    return _ops_add(a, b)


def cg_vjp(node, g, retain: bool):
    """``node.vjp(g, retain)`` of a primitive's node under create_graph through a rule above,
    or None (the node's own vjp then runs: any case not covered, which includes a saved tensor
    changed in place, whose error that raises, and 16-bit floats)."""
    rule = _RULES.get(node.prim)
    if rule is None or _D._AUTOCAST or _RECORDERS:
        return None
    ins = node.inputs
    gb = getattr(g, "_buf", None)
    if ins is None or type(gb) is not _ndarray or node.out_version[0] != node.out_ver0:
        return None
    d = gb.dtype
    if d is not _F32 and d is not _F64:
        return None
    labels = rule is _xent                  # (its second input: integer labels)
    for i, (t, v) in enumerate(zip(ins, node.versions)):
        b = t._buf
        if t._version[0] != v or type(b) is not _ndarray or (
                b.dtype is not d and not (labels and i == 1 and b.dtype.kind in "iu")):
            return None
    res = rule(node, g, ins)
    if res is not None and not retain:
        node.inputs = None
        node.out_buf = None
    return res
