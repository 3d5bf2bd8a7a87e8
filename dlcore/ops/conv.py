"""Convolution over one, two or three spatial axes: the forward primitive and its two gradients.

Three primitives, each the adjoint of the others in one argument, so the family is closed
under differentiation (gradients of gradients included)::

    conv(x, w)                y[n,o,p] = sum_{c in group(o), k} x[n,c,p*s - pad_lo + k*d] w[o,c,k]
    conv_transpose(g, w)      the adjoint of conv in x: dx = conv_transpose(g, w)
    conv_filter_grad(x, g)    the adjoint of conv in w: dw = conv_filter_grad(x, g)

A fourth, ``conv_bias(x, w, b)`` = ``conv(x, w) + b`` per output channel, is PyTorch's one
ConvolutionBackward0 node of a layer with a bias: its vjp is conv's two and ``db = sum(g)`` over
every axis but the channels, and its kernels add the bias to the convolution's fresh result in
place (no reshape and add nodes: a batch-1 LeNet convolution 76 -> ~50 us, issue 19).

``<conv(x, w), g> = <x, conv_transpose(g, w)> = <w, conv_filter_grad(x, g)>`` gives every
vjp: conv_transpose's are ``(conv(c, w), conv_filter_grad(c, g))``, conv_filter_grad's are
``(conv_transpose(g, c), conv(x, c))``.  ``conv_transpose`` is also the user-facing transposed
convolution (PyTorch ``ConvTranspose2d``, TF ``conv2d_transpose``): its ``in_size`` parameter picks
the output size among those that the strided forward maps to the same size (output_padding).

Parameters (normalised by :func:`conv_params`): ``strides`` and ``dilation`` (one int per
spatial axis), ``padding`` (one ``(lo, hi)`` pair per spatial axis: explicit, or resolved from
'SAME'/'VALID' with TensorFlow's rule, the odd pixel going to ``hi``), ``groups`` (the channels
split into ``groups`` independent convolutions; ``groups == C`` is depthwise).

Layout (a DESIGN decision): the primitives are channels-first, ``x: (N, C, *spatial)``,
``w: (O, C/groups, *kernel)`` as PyTorch stores them; TensorFlow/Keras front ends transpose NHWC
input and HWIO filters at the boundary.  Measured (process CPU time, one thread, batch 64,
float32): at LeNet-5's second layer the NHWC->NCHW input copy and NCHW->NHWC output copy cost
23 + 42 us against 801 us for the convolution (8%); at its first layer (one input channel, six
output channels) the input copy is free but the output copy costs 237 us against 474 us (50%),
the one place where a layout parameter in the kernels would pay.  It was not added: one layout
keeps every kernel (CPU, CUDA, pooling, gradients) single, and the transposes are visible graph
nodes that a pass could cancel or fold into the next elementwise kernel; that is the lever.
Issue 19 pulled it inside the CPU kernels instead: an operand that is the NCHW view of an NHWC
buffer (what those transpose nodes give) is read in place and the result is written NHWC and
returned as its NCHW view, so the transpose back is free too (PyTorch's channels_last memory
format rule: a channels-last input gives a channels-last output; C-contiguous in, C-contiguous
out).  See :mod:`dlcore.kernels.cpu.conv_grid` for the convolution routes and figures.
CPU kernels: im2col + BLAS GEMM, one set per rank (figures in :mod:`dlcore.kernels.cpu.conv` and,
for 3-D, :mod:`dlcore.kernels.cpu.conv3d`); CUDA: one thread per output element
(:mod:`dlcore.kernels.cuda.conv`, :mod:`dlcore.kernels.cuda.conv3d`).
"""

from __future__ import annotations

import numpy as np

from ..api import exports
from ..errors import ShapeError
from ..kernels.cpu import conv as _cpu
from ..kernels.cuda import conv as _cuda
from ..registry import AVal, Primitive, aval_of, bind
from . import _rules
from ._params_memo import key_of, remember
from .reduce import sum as _sum
from .reduce import sum_p


# ----------------------------------------------------------------------------- parameters
def tuple_n(name: str, value, n: int, op: str) -> tuple:
    """An int or a length-n sequence of ints, as a tuple of n ints."""
    if isinstance(value, int):
        return (int(value),) * n
    t = tuple(int(v) for v in value)
    if len(t) == 1 and n > 1:
        t = t * n
    if len(t) != n:
        raise ValueError(f"{op}: expected {name} to be a single integer or a list of {n} "
                         f"integers, got {list(t)}")
    return t


def same_padding(in_size: int, k: int, s: int, d: int) -> tuple:
    """TensorFlow's 'SAME': out = ceil(in / s); the total padding split, the odd pixel at hi."""
    out = -(-in_size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - in_size, 0)
    return (total // 2, total - total // 2)


def resolve_padding(padding, spatial: tuple, kernel: tuple, strides: tuple, dilation: tuple,
                    op: str) -> tuple:
    """``padding`` as one ``(lo, hi)`` pair per spatial axis."""
    n = len(kernel)
    if isinstance(padding, str):
        mode = padding.upper()
        if mode == "VALID":
            return ((0, 0),) * n
        if mode == "SAME":
            # at stride 1 the padding, (k - 1) d split with the odd pixel at hi, does not
            # depend on the size: an unknown size (a [None, None, None, C] placeholder) is fine
            if any(i is None and s != 1 for i, s in zip(spatial, strides)):
                raise ValueError(f"{op}: padding='SAME' with strides {list(strides)} needs "
                                 f"known spatial sizes, got {list(spatial)}")
            return tuple(same_padding(k if i is None else i, k, s, d)
                         for i, k, s, d in zip(spatial, kernel, strides, dilation))
        raise ValueError(f"{op}: padding must be 'SAME', 'VALID', an int or a list, "
                         f"got {padding!r}")
    if isinstance(padding, int):
        pads = ((int(padding),) * 2,) * n
    else:
        items = list(padding)
        if all(isinstance(p, int) for p in items):
            if len(items) == 1:
                items = items * n
            if len(items) != n:
                raise ValueError(f"{op}: expected padding of {n} values, got {items}")
            pads = tuple((int(p), int(p)) for p in items)
        else:
            pads = tuple((int(p[0]), int(p[1])) for p in items)
            if len(pads) != n:
                raise ValueError(f"{op}: expected {n} (lo, hi) padding pairs, got {items}")
    if any(p < 0 for pair in pads for p in pair):
        raise ValueError("negative padding is not supported")     # (PyTorch's words)
    return pads


def out_size(in_size, k: int, s: int, pad: tuple, d: int):
    """The number of windows along one axis (None when ``in_size`` is unknown)."""
    if in_size is None:
        return None
    return (in_size + pad[0] + pad[1] - d * (k - 1) - 1) // s + 1


_CONV_PARAMS: dict = {}       # _params_memo's key -> conv_params' result


def conv_params(x, w, strides=1, padding=0, dilation=1, groups: int = 1, op: str = "conv"):
    """Normalised primitive parameters for ``conv(x, w, ...)`` (channels-first operands);
    a call with plain arguments is worked out once per pair of shapes (``_params_memo``).  A
    fresh dict every call."""
    xa, wa = aval_of(x), aval_of(w)
    key = key_of((xa.shape, wa.shape), strides, padding, dilation, groups, op)
    hit = _CONV_PARAMS.get(key) if key is not None else None
    if hit is None:
        hit = _conv_params(xa, wa, strides, padding, dilation, groups, op)
        remember(_CONV_PARAMS, key, hit)
    return dict(hit)


def _conv_params(xa, wa, strides, padding, dilation, groups, op) -> dict:
    n = wa.ndim - 2
    if n not in (1, 2, 3) or xa.ndim != n + 2:
        raise ShapeError(op, "expected a (N, C, L), (N, C, H, W) or (N, C, D, H, W) input and a "
                         "filter of the same rank", [xa.shape, wa.shape])
    st = tuple_n("stride", strides, n, op)
    dl = tuple_n("dilation", dilation, n, op)
    if min(st) < 1:                     # (PyTorch's words)
        raise ValueError("non-positive stride is not supported")
    if min(dl) < 1:
        raise ValueError(f"dilation should be greater than zero, but got {list(dl)}")
    pads = resolve_padding(padding, tuple(xa.shape[2:]), tuple(wa.shape[2:]), st, dl, op)
    return dict(strides=st, padding=pads, dilation=dl, groups=int(groups))


# ----------------------------------------------------------------------------- shape rules
def _check_common(op, x: AVal, w: AVal, strides, padding, dilation, groups) -> int:
    n = len(strides)
    if x.ndim != n + 2 or w.ndim != n + 2:
        raise ShapeError(op, f"expected rank-{n + 2} operands", [x.shape, w.shape])
    _rules.require_float(op, x, w)
    _rules.same_dtype(op, x, w)
    if groups < 1:
        raise ValueError(f"{op}: groups must be a positive integer, got {groups}")
    return n


def _conv_out_spatial(op, x_sp, k_sp, strides, padding, dilation, shapes) -> tuple:
    out = []
    for i, k, s, p, d in zip(x_sp, k_sp, strides, padding, dilation):
        o = out_size(i, k, s, p, d)
        if o is not None and o < 1:
            raise ShapeError(op, f"Kernel size {k} (dilation {d}) can't be greater than the padded "
                             f"input size {i + p[0] + p[1]}", shapes)
        out.append(o)
    return tuple(out)


def _conv_rule(x: AVal, w: AVal, *, strides, padding, dilation, groups) -> AVal:
    _check_common("conv", x, w, strides, padding, dilation, groups)
    c, o, cg = x.shape[1], w.shape[0], w.shape[1]
    shapes = [x.shape, w.shape]
    if o is not None and o % groups:
        raise ShapeError("conv", f"out_channels {o} must be divisible by groups {groups}", shapes)
    if c is not None and cg is not None and c != cg * groups:
        raise ShapeError("conv", f"expected input with {cg * groups} channels (filter "
                         f"{w.shape[1]} per group x {groups} groups), but got {c} channels",
                         shapes)
    sp = _conv_out_spatial("conv", x.shape[2:], w.shape[2:], strides, padding, dilation, shapes)
    return AVal((x.shape[0], o) + sp, x.dtype)


def _conv_bias_rule(x: AVal, w: AVal, b: AVal, *, strides, padding, dilation,
                    groups) -> AVal:
    y = _conv_rule(x, w, strides=strides, padding=padding, dilation=dilation, groups=groups)
    _rules.same_dtype("conv_bias", x, b)
    o = w.shape[0]
    if b.ndim != 1 or (b.shape[0] is not None and o is not None and b.shape[0] != o):
        raise ShapeError("conv_bias", f"expected a bias of shape ({o},): one per output "
                         f"channel", [x.shape, w.shape, b.shape])
    return y


def _conv_transpose_rule(g: AVal, w: AVal, *, in_size, strides, padding, dilation,
                         groups) -> AVal:
    _check_common("conv_transpose", g, w, strides, padding, dilation, groups)
    shapes = [g.shape, w.shape]
    if g.shape[1] is not None and w.shape[0] is not None and g.shape[1] != w.shape[0]:
        raise ShapeError("conv_transpose", f"expected input with {w.shape[0]} channels, but got "
                         f"{g.shape[1]} channels", shapes)
    want = _conv_out_spatial("conv_transpose", in_size, w.shape[2:], strides, padding, dilation,
                             shapes)
    for have, o in zip(g.shape[2:], want):
        if have is not None and have != o:
            raise ShapeError("conv_transpose", f"output size {list(in_size)} is not reachable: "
                             f"its convolution has spatial size {list(want)}", shapes)
    cg = w.shape[1]
    return AVal((g.shape[0], None if cg is None else cg * groups) + tuple(in_size), g.dtype)


def _conv_filter_grad_rule(x: AVal, g: AVal, *, kernel_size, strides, padding, dilation,
                           groups) -> AVal:
    _check_common("conv_filter_grad", x, g, strides, padding, dilation, groups)
    shapes = [x.shape, g.shape]
    want = _conv_out_spatial("conv_filter_grad", x.shape[2:], kernel_size, strides, padding,
                             dilation, shapes)
    for have, o in zip(g.shape[2:], want):
        if have is not None and o is not None and have != o:
            raise ShapeError("conv_filter_grad", f"the output gradient's spatial size must be "
                             f"{list(want)}, the convolution's", shapes)
    c = x.shape[1]
    return AVal((g.shape[1], None if c is None else c // groups) + tuple(kernel_size), x.dtype)


def known_in_size(in_size, g_shape, w_shape, strides, padding, dilation) -> tuple:
    """``in_size`` with its unknown (None) entries filled in: a static graph's conv gradient is
    built before the input's spatial size is known (``Input((None, None, 3))``).  With stride 1
    the input size is the one whose convolution has g's size, ``o + d (k - 1) - lo - hi``; with
    a larger stride several input sizes share an output size, so that is an error."""
    if None not in in_size:
        return in_size
    out = []
    for i, o, k, s, (lo, hi), d in zip(in_size, g_shape[2:], w_shape[2:], strides, padding,
                                       dilation):
        if i is None:
            if s != 1:
                raise ValueError("conv_transpose: the gradient of a strided convolution needs "
                                 "the input's spatial size, unknown when the graph was built "
                                 f"(in_size {list(in_size)}, strides {list(strides)})")
            i = int(o) + d * (k - 1) - lo - hi
        out.append(int(i))
    return tuple(out)


def _in_size_known(kernel):
    """``kernel`` (conv_transpose's, any device) called with ``in_size`` complete: the entries
    a static graph left unknown are filled in by :func:`known_in_size` from the buffers."""
    def conv_transpose(g, w, *, in_size, strides, padding, dilation, groups):
        if None in in_size:
            in_size = known_in_size(in_size, tuple(int(d) for d in g.shape),
                                    tuple(int(d) for d in w.shape), strides, padding, dilation)
        return kernel(g, w, in_size=in_size, strides=strides, padding=padding,
                      dilation=dilation, groups=groups)
    return conv_transpose


# ----------------------------------------------------------------------------- vjps
def _conv_vjp(g, y, x, w, *, strides, padding, dilation, groups):
    p = dict(strides=strides, padding=padding, dilation=dilation, groups=groups)
    return (lambda: bind(conv_transpose_p, g, w, in_size=tuple(aval_of(x).shape[2:]), **p),
            lambda: bind(conv_filter_grad_p, x, g, kernel_size=tuple(aval_of(w).shape[2:]), **p))


def _conv_bias_vjp(g, y, x, w, b, *, strides, padding, dilation, groups):
    dx, dw = _conv_vjp(g, y, x, w, strides=strides, padding=padding, dilation=dilation,
                       groups=groups)
    axes = (0,) + tuple(range(2, len(aval_of(g).shape)))
    return dx, dw, lambda: _sum(g, axes)


_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


def _plain(g, *bufs) -> bool:
    """Eager backward's common case: NumPy buffers of g's one float32/float64 dtype object,
    for which bind would call the CPU kernels themselves (no promotion, no device)."""
    if type(g) is not np.ndarray or (g.dtype is not _F32 and g.dtype is not _F64):
        return False
    for b in bufs:
        if type(b) is not np.ndarray or b.dtype is not g.dtype:
            return False
    return True


def _kernel_grads(g, x, w, p: dict) -> tuple:
    """conv's two cotangents as ``_conv_vjp``'s thunks, each calling the primitive's CPU
    kernel on the buffers (no bind: 7-13 us a call on a batch-1 LeNet layer, issue 19)."""
    return (lambda: conv_transpose_p.kernels["cpu"](g, w, in_size=tuple(x.shape[2:]), **p),
            lambda: conv_filter_grad_p.kernels["cpu"](x, g, kernel_size=tuple(w.shape[2:]),
                                                      **p))


def eager_conv_vjp(g, y, x, w, **p):
    """conv's vjp, the kernels called directly on eager backward's plain buffers."""
    return _kernel_grads(g, x, w, p) if _plain(g, x, w) else _conv_vjp(g, y, x, w, **p)


def eager_conv_bias_vjp(g, y, x, w, b, **p):
    """conv_bias's vjp, the kernels called directly on eager backward's plain buffers (the
    bias's: the sum primitive's kernel over every axis but the channels)."""
    if not _plain(g, x, w):                  # (b is not read: its dtype is g's)
        return _conv_bias_vjp(g, y, x, w, b, **p)
    axes = (0,) + tuple(range(2, g.ndim))
    return _kernel_grads(g, x, w, p) + (
        lambda: sum_p.kernels["cpu"](g, axes=axes, keepdims=False),)


def _conv_transpose_vjp(c, y, g, w, *, in_size, strides, padding, dilation, groups):
    p = dict(strides=strides, padding=padding, dilation=dilation, groups=groups)
    return (lambda: bind(conv_p, c, w, **p),
            lambda: bind(conv_filter_grad_p, c, g, kernel_size=tuple(aval_of(w).shape[2:]), **p))


def _conv_filter_grad_vjp(c, y, x, g, *, kernel_size, strides, padding, dilation, groups):
    p = dict(strides=strides, padding=padding, dilation=dilation, groups=groups)
    return (lambda: bind(conv_transpose_p, g, c, in_size=tuple(aval_of(x).shape[2:]), **p),
            lambda: bind(conv_p, x, c, **p))


conv_p = Primitive(
    "conv", _conv_rule, _conv_vjp, kind="conv",
    doc="y[n,o,p] = sum_{c,k} x[n,c,p*s-pad+k*d] * w[o,c,k] (per group);  "
        "dx = conv_transpose(g, w),  dw = conv_filter_grad(x, g)",
    kernels={"cpu": _cpu.conv, "cuda": _cuda.conv})

conv_bias_p = Primitive(
    "conv_bias", _conv_bias_rule, _conv_bias_vjp, kind="conv",
    doc="y[n,o,p] = conv(x, w)[n,o,p] + b[o];  dx = conv_transpose(g, w),  "
        "dw = conv_filter_grad(x, g),  db[o] = sum_{n,p} g[n,o,p]",
    kernels={"cpu": _cpu.conv_bias, "cuda": _cuda.conv_bias})

conv_transpose_p = Primitive(
    "conv_transpose", _conv_transpose_rule, _conv_transpose_vjp, kind="conv",
    doc="y = conv's adjoint in x: y[n,c,q] = sum_{o,p,k: q = p*s-pad+k*d} g[n,o,p] * w[o,c,k];  "
        "dg = conv(c, w),  dw = conv_filter_grad(c, g)",
    kernels={"cpu": _in_size_known(_cpu.conv_transpose),
             "cuda": _in_size_known(_cuda.conv_transpose)})

conv_filter_grad_p = Primitive(
    "conv_filter_grad", _conv_filter_grad_rule, _conv_filter_grad_vjp, kind="conv",
    doc="y[o,c,k] = sum_{n,p} g[n,o,p] * x[n,c,p*s-pad+k*d];  "
        "dx = conv_transpose(g, c),  dg = conv(x, c)",
    kernels={"cpu": _cpu.conv_filter_grad, "cuda": _cuda.conv_filter_grad})
conv_p.options["vjp_conventions"] = {"torch": eager_conv_vjp}
conv_bias_p.options["vjp_conventions"] = {"torch": eager_conv_bias_vjp}


# ----------------------------------------------------------------------------- functional ops
# The public names: each front end's ``conv`` convention writes its library's function of that
# name (PyTorch: dlcore_eager/nn/functional_conv.py; TensorFlow: dlcore_static/nn_conv.py).
@exports({"torch": ("conv1d", "conv2d", "conv3d"),
          "torch.nn.functional": ("conv1d", "conv2d", "conv3d"),
          "tf.nn": ("conv1d", "conv2d", "depthwise_conv2d", "conv3d", "atrous_conv2d",
                    "separable_conv2d", "convolution")}, "conv")
def conv(x, w, strides=1, padding=0, dilation=1, groups: int = 1):
    """Channels-first convolution (cross-correlation, as every DL library): ``x (N, C, *sp)``,
    ``w (O, C/groups, *k)``; padding an int, per-axis ints, (lo, hi) pairs, 'SAME' or 'VALID'."""
    if aval_of(x).dtype != aval_of(w).dtype:     # (the common case, one dtype: no _promote)
        from .elementwise import _promote
        x, w = _promote(x, w)
    return bind(conv_p, x, w, **conv_params(x, w, strides, padding, dilation, groups))


def conv_bias(x, w, b, strides=1, padding=0, dilation=1, groups: int = 1):
    """``conv(x, w, ...)`` plus ``b`` (O,) along the channels, as one primitive (PyTorch's
    convolution layers with a bias: one node, ConvolutionBackward0)."""
    if aval_of(x).dtype != aval_of(w).dtype:
        from .elementwise import _promote
        x, w = _promote(x, w)
    return bind(conv_bias_p, x, w, b, **conv_params(x, w, strides, padding, dilation, groups))


@exports({"torch": ("conv_transpose1d", "conv_transpose2d", "conv_transpose3d"),
          "torch.nn.functional": ("conv_transpose1d", "conv_transpose2d", "conv_transpose3d"),
          "tf.nn": ("conv2d_transpose", "conv3d_transpose")}, "conv")
def conv_transpose(x, w, strides=1, padding=0, output_padding=0, dilation=1, groups: int = 1,
                   output_size=None):
    """The transposed convolution (PyTorch ``conv_transpose*d``): ``x (N, O, *sp)``,
    ``w (O, C/groups, *k)`` -> ``(N, C, *out)`` with out = (sp-1)*s - pad_lo - pad_hi +
    d*(k-1) + 1 + output_padding, or ``output_size`` (TF ``conv2d_transpose``'s output_shape,
    with which 'SAME'/'VALID' are resolved)."""
    from .elementwise import _promote
    x, w = _promote(x, w)
    xa, wa = aval_of(x), aval_of(w)
    n = wa.ndim - 2
    st = tuple_n("stride", strides, n, "conv_transpose")
    dl = tuple_n("dilation", dilation, n, "conv_transpose")
    k = tuple(wa.shape[2:])
    if output_size is not None:
        size = tuple(int(v) for v in output_size)[-n:]
        pads = resolve_padding(padding, size, k, st, dl, "conv_transpose")
    else:
        pads = resolve_padding(padding, (1,) * n, k, st, dl, "conv_transpose")
        op_ = tuple_n("output_padding", output_padding, n, "conv_transpose")
        for o, s, d in zip(op_, st, dl):
            if o >= max(s, d):
                raise ValueError(f"conv_transpose: output padding must be smaller than either "
                                 f"stride or dilation, got output_padding={list(op_)}")
        size = tuple((i - 1) * s - p[0] - p[1] + d * (kk - 1) + 1 + o
                     for i, s, p, d, kk, o in zip(xa.shape[2:], st, pads, dl, k, op_))
    return bind(conv_transpose_p, x, w, in_size=size, strides=st, padding=pads, dilation=dl,
                groups=int(groups))


def conv_filter_grad(x, g, kernel_size, strides=1, padding=0, dilation=1, groups: int = 1):
    """The gradient of ``conv(x, w)`` with respect to ``w`` for the output cotangent ``g``."""
    n = len(aval_of(x).shape) - 2
    k = tuple_n("kernel_size", kernel_size, n, "conv_filter_grad")
    st = tuple_n("stride", strides, n, "conv_filter_grad")
    dl = tuple_n("dilation", dilation, n, "conv_filter_grad")
    pads = resolve_padding(padding, tuple(aval_of(x).shape[2:]), k, st, dl, "conv_filter_grad")
    return bind(conv_filter_grad_p, x, g, kernel_size=k, strides=st, padding=pads, dilation=dl,
                groups=int(groups))


@exports({"torch": "conv_tbc"}, "plain")
def conv_tbc(input, weight, bias, pad: int = 0):
    """PyTorch's ``conv_tbc``: a 1-D convolution of a time-major sequence, ``x`` (T, B, C),
    ``weight`` (K, C, O), ``bias`` (O,), ``pad`` steps of zeros at both ends (a negative
    ``pad`` crops) -> (T + 2 pad - K + 1, B, O).  A composite, time-major throughout: the K
    shifted windows of the padded ``x`` side by side, (L, B, K C), times ``weight`` as
    (K C, O) (one matmul), plus ``bias`` (in ``x``'s dtype)."""
    from .elementwise import add, cast
    from .indexing import getitem
    from .shape import broadcast_to, concatenate, reshape
    x = input
    if isinstance(pad, bool) or not isinstance(pad, int):
        raise TypeError(f"conv_tbc(): argument 'pad' must be int, not {type(pad).__name__}")
    xs, ws, bs = (tuple(aval_of(v).shape) for v in (x, weight, bias))
    if len(xs) != 3:
        raise RuntimeError("Input must have 3 dims: time, batch, in_channel")
    if len(ws) != 3:
        raise RuntimeError("Weight tensor must have 3 dims: kernel_width, in_channels, "
                           "out_channels.")
    if len(bs) != 1:
        raise RuntimeError("Bias must be 1-D")
    if xs[2] != ws[1]:
        raise RuntimeError("Input dim 2 (input channels) is not == dim 1 in the weight tensor")
    if ws[2] != bs[0]:
        raise RuntimeError("Bias size must equal dim 2 in the weight tensor (output channels).")
    dx, dw = aval_of(x).dtype, aval_of(weight).dtype
    if dx != dw:
        from .linalg_extra import _SCALAR_NAMES
        raise RuntimeError(f"self and mat2 must have the same dtype, but got "
                           f"{_SCALAR_NAMES.get(dx.name, dx.name)} and "
                           f"{_SCALAR_NAMES.get(dw.name, dw.name)}")
    (t, b, _), (k, _, o) = xs, ws
    length = t + 2 * pad - k + 1
    if length < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {length}: "
                           f"[{length}, {b}, {o}]")
    bias = cast(bias, dx)
    if length == 0:
        return broadcast_to(reshape(bias, (1, 1, o)), (0, b, o))
    if pad < 0:                                  # cropping: the middle of the sequence
        x = getitem(x, (slice(-pad, t + pad),))
    elif pad > 0:
        from .spatial import pad as _pad
        x = _pad(x, ((pad, pad), (0, 0), (0, 0)))
    # y[s] = sum_k x[s + k] @ w[k]: the K shifted windows side by side (L, B, K C), one GEMM
    # with w as (K C, O), already time-major (no transposes)
    cols = x if k == 1 else concatenate([getitem(x, (slice(i, i + length),)) for i in
                                         range(k)], -1)
    from .linalg import matmul
    y = matmul(reshape(cols, (length * b, k * ws[1])), reshape(weight, (k * ws[1], o)))
    return reshape(add(y, bias), (length, b, o))
