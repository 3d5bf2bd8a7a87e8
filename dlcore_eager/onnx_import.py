"""``dlcore_eager.onnx.load_model``: run an ONNX model with eager operations (a small importer).

``OnnxModule(model)`` is an ``nn.Module`` whose parameters are the model's floating
initializers (``nn.Parameter``, named like the initializers with ``.`` and ``/`` replaced by
``_``, so the imported model can be fine-tuned) and whose ``forward(*inputs)`` interprets the
graph node by node with ``dlcore_eager`` operations, so gradients flow as for any eager code.
Nothing from the file is executed: every node's ``op_type`` must be one of ``_OPS``, otherwise
``NotImplementedError`` names it when the module is built.

Covered: the operators dlcore's exporter writes (elementwise math, MatMul, Gemm, reductions,
ArgMax, Reshape, Transpose, Concat, Unsqueeze/Squeeze, Expand, Tile, Cast, Slice, Gather, Not, Or,
Conv, MaxPool, AveragePool (``auto_pad``, asymmetric pads, dilations, ``ceil_mode``),
LayerNormalization, BatchNormalization in inference form, RNN/LSTM/GRU in ``_onnx_import_rnn``;
Pad, Range, Shape, GatherElements, ScatterND, Mod, IsNaN, IsInf, ReduceProd, ReduceLogSumExp
and more trigonometry in ``_onnx_import_ops``; Clip, Split and Resize (nearest, linear) in
``_onnx_import_resize``; If and Loop, whose subgraphs run with the same
interpreter and see the enclosing names, in ``_onnx_import_control``) plus Softmax, LogSoftmax,
Flatten, Gemm and Constant. Axes are read as attributes (older opsets: reductions before 18,
Unsqueeze/Squeeze before 13) or as inputs; reductions honour ``noop_with_empty_axes``. Every
operator of the graph and of its subgraphs is checked when the module is built.
"""

from __future__ import annotations

import functools
import operator
import os
from typing import Any

import numpy as np

from dlcore import dtypes as _dt
from dlcore.dtypes import is_floating

from . import _dtype, nn
from ._dtype import bool_ as _bool
from ._dtype import float16, float32, float64, int8, int16, int32, int64, uint8
from ._host import host as _host
from ._onnx_import_control import run_if, run_loop
from ._shape_ops import cat
from .creation import from_numpy
from .nn import functional as F
from .tensor import Tensor


def _ints(x: Any) -> list[int]:
    return [int(v) for v in _host(x).ravel()]


def _axes_of(node_attrs: dict, args: list, rank: int) -> list[int] | None:
    axes = node_attrs.get("axes")
    if axes is None and len(args) > 1 and args[1] is not None:
        axes = _ints(args[1])
    return None if axes is None else [a % rank for a in axes]


def _reduce(fn_name: str):
    def run(a: dict, x, *rest):
        axes = _axes_of(a, [x, *rest], x.dim())
        keep = bool(a.get("keepdims", 1))
        if not axes and int(a.get("noop_with_empty_axes", 0)):
            return x
        if axes is None or axes == []:
            axes = list(range(x.dim()))
        return getattr(x, fn_name)(dim=tuple(axes), keepdim=keep)
    return run


def _slice(a: dict, x, starts=None, ends=None, axes=None, steps=None):
    """Slice: ``starts``/``ends``/``axes``/``steps`` inputs (opset 10 on) or the attributes
    ``starts``/``ends``/``axes`` (before)."""
    if starts is None:
        st, en = [int(v) for v in a["starts"]], [int(v) for v in a["ends"]]
        axes = np.asarray(a["axes"], np.int64) if "axes" in a else None
    else:
        st, en = _ints(starts), _ints(ends)
    ax = _ints(axes) if axes is not None else list(range(len(st)))
    sp = _ints(steps) if steps is not None else [1] * len(st)
    idx: list = [slice(None)] * x.dim()
    flips = []
    for s0, e, k, p in zip(st, en, ax, sp):
        n = x.shape[k]
        stop: int | None = None if (p > 0 and e >= n) or (p < 0 and e < -n) else e
        if p < 0:           # (a tensor takes no negative step: the positive slice, flipped)
            r = range(*slice(s0, stop, p).indices(n))
            idx[k] = slice(r[-1], r[0] + 1, -p) if len(r) else slice(0, 0)
            flips.append(k % x.dim())
        else:
            idx[k] = slice(s0, stop, p)
    y = x[tuple(idx)]
    return y.flip(flips) if flips else y


def _explicit_pads(a: dict, kind: str, size: list, k: list, strides: list,
                   dil: list) -> list[int]:
    """ONNX's ``pads`` ``[b_1, ..., b_n, e_1, ..., e_n]``, from ``auto_pad`` when it is set:
    ``VALID`` none; ``SAME_UPPER``/``SAME_LOWER`` the total ``max(0, (ceil(n / s) - 1) s +
    (k - 1) d + 1 - n)`` split in two, the odd one at the end (UPPER) or the beginning (LOWER)."""
    nd = len(k)
    auto = _str(a.get("auto_pad"), "NOTSET")
    if auto == "NOTSET":
        return [int(v) for v in a.get("pads", [0] * 2 * nd)]
    if auto == "VALID":
        return [0] * 2 * nd
    if auto not in ("SAME_UPPER", "SAME_LOWER"):
        raise ValueError(f"ONNX import: {kind} with unknown auto_pad {auto!r}")
    lo, hi = [], []
    for n, kk, s, d in zip(size, k, strides, dil):
        total = max(0, (-(-n // s) - 1) * s + (kk - 1) * d + 1 - n)
        small, big = total // 2, total - total // 2
        lo.append(small if auto == "SAME_UPPER" else big)
        hi.append(big if auto == "SAME_UPPER" else small)
    return lo + hi


def _pad_input(x, pads: list, value: float = 0.0):
    """``x`` padded with ``value``: ``pads`` in ONNX's order, for the spatial axes."""
    nd = len(pads) // 2
    flat: list[int] = []
    for i in reversed(range(nd)):
        flat += [pads[i], pads[nd + i]]
    return F.pad(x, tuple(flat), value=value) if any(flat) else x


def _pool(kind: str):
    """MaxPool (``dilations``) and AveragePool (``count_include_pad``, ``dilations``),
    ``ceil_mode`` as PyTorch's (a last window starting in the right padding is dropped),
    ``auto_pad``.  Symmetric pads up to half the kernel go to PyTorch's pooling functions;
    other pads (and AveragePool's dilations) take ``_general_pool``."""
    def run(a: dict, x):
        k = list(a["kernel_shape"])
        nd = len(k)
        ceil = bool(a.get("ceil_mode", 0))
        strides = [int(v) for v in a.get("strides", [1] * nd)]
        dil = [int(v) for v in a.get("dilations", [1] * nd)]
        pads = _explicit_pads(a, kind, list(x.shape[2:]), k, strides, dil)
        # PyTorch's pooling takes symmetric pads of at most half the kernel (ONNX: any)
        sym = pads[:nd] == pads[nd:] and all(p <= kk // 2 for p, kk in zip(pads, k))
        include = bool(a.get("count_include_pad", 0))
        if kind == "MaxPool" and sym:
            return getattr(F, f"max_pool{nd}d")(x, k, stride=strides, padding=pads[:nd],
                                                dilation=dil, ceil_mode=ceil)
        if sym and dil == [1] * nd:
            return getattr(F, f"avg_pool{nd}d")(x, k, stride=strides, padding=pads[:nd],
                                                ceil_mode=ceil, count_include_pad=include)
        return _general_pool(kind, x, k, strides, dil, pads, ceil, include)
    return run


def _general_pool(kind: str, x, k: list, strides: list, dil: list, pads: list, ceil: bool,
                  include: bool):
    """Pooling with any ``pads``: the output size ``floor`` (or ``ceil``, dropping a last window
    that starts in the right padding) of ``(n + b + e - (k - 1) d - 1) / s + 1``; the input
    is padded with ``b``, ``e`` and, for ceil mode, the overhang of the last window.  MaxPool
    pads with -inf and pools without padding.  AveragePool is a depthwise convolution with a
    kernel of ones, divided by the count of each window's elements: the input's, plus the
    pads' when ``count_include_pad`` (the overhang past the pads never counts)."""
    nd = len(k)
    size = list(x.shape[2:])
    out, extra = [], []
    for i, n in enumerate(size):
        span = n + pads[i] + pads[nd + i] - (k[i] - 1) * dil[i] - 1
        o = (-(-span // strides[i]) if ceil else span // strides[i]) + 1
        if ceil and (o - 1) * strides[i] >= n + pads[i]:
            o -= 1
        out.append(o)
        extra.append(max(0, (o - 1) * strides[i] - span))
    crop = (slice(None), slice(None), *(slice(0, o) for o in out))
    if kind == "MaxPool":
        xs = _pad_input(x, pads[:nd] + [e + p for e, p in zip(extra, pads[nd:])],
                        float("-inf"))
        return getattr(F, f"max_pool{nd}d")(xs, k, stride=strides, dilation=dil)[crop]
    n, c = x.shape[0], x.shape[1]
    conv = getattr(F, f"conv{nd}d")
    ones = x.new_ones((1, 1, *k))
    overhang = [0] * nd + extra
    xs = _pad_input(_pad_input(x.reshape(n * c, 1, *size), pads), overhang)
    total = conv(xs, ones, stride=strides, dilation=dil)
    mask = _pad_input(_pad_input(x.new_ones((1, 1, *size)), pads, float(include)), overhang)
    y = (total / conv(mask, ones, stride=strides, dilation=dil))[crop]
    return y.reshape(n, c, *y.shape[2:])


def _str(v: Any, default: str) -> str:
    if v is None:
        return default
    return v.decode() if isinstance(v, bytes) else str(v)


def _cast(a: dict, x):
    to = int(a["to"])
    if to not in _DTYPES:
        raise NotImplementedError(f"ONNX import: Cast to ONNX element type {to}")
    return x.to(_DTYPES[to])


def _conv(a: dict, x, w, b=None):
    """Conv with ``pads`` or ``auto_pad``; asymmetric pads pad the input with zeros first."""
    nd = w.dim() - 2
    strides = [int(v) for v in a.get("strides", [1] * nd)]
    dil = [int(v) for v in a.get("dilations", [1] * nd)]
    pads = _explicit_pads(a, "Conv", list(x.shape[2:]), list(w.shape[2:]), strides, dil)
    if pads[:nd] != pads[nd:]:
        x, pads = _pad_input(x, pads), [0] * 2 * nd
    return getattr(F, f"conv{nd}d")(x, w, b, stride=strides, padding=pads[:nd], dilation=dil,
                                    groups=int(a.get("group", 1)))


def _selu(a: dict, x):
    """ONNX's Selu: ``gamma x`` above 0, ``gamma alpha (exp(x) - 1)`` elsewhere (the elu
    primitive with ``scale = gamma``; ONNX's float32 defaults)."""
    from dlcore.ops.activations import elu_p
    from dlcore.registry import bind
    return bind(elu_p, x, alpha=float(a.get("alpha", 1.67326319217681884765625)),
                scale=float(a.get("gamma", 1.05070102214813232421875)), input_scale=1.0)


def _constant(a: dict):
    """ONNX's Constant: ``value`` (a tensor), ``value_float(s)`` (float32) or
    ``value_int(s)`` (int64), as torch.onnx.export writes its constants."""
    from onnx import numpy_helper
    if "value" in a:
        return from_numpy(np.array(_decoded(numpy_helper.to_array, a["value"], "a constant")))
    for key, dtype in (("value_float", np.float32), ("value_floats", np.float32),
                       ("value_int", np.int64), ("value_ints", np.int64)):
        if key in a:
            return from_numpy(np.array(a[key], dtype=dtype))
    raise NotImplementedError(f"ONNX import: Constant with attributes {sorted(a)}")


def _gemm(a: dict, x, w, c=None):
    if a.get("transA", 0):
        x = x.t()
    if a.get("transB", 0):
        w = w.t()
    y = (x @ w) * float(a.get("alpha", 1.0))
    return y if c is None else y + c * float(a.get("beta", 1.0))


def _batch_norm(a: dict, x, scale, bias, mean, var):
    """ONNX's BatchNormalization in inference form: ``(x - mean) / sqrt(var + epsilon) * scale
    + bias`` per channel (axis 1), the statistics being inputs (running ones, or a batch's own
    computed in the graph, as dlcore's export of training-mode batch norm feeds them)."""
    if int(a.get("training_mode", 0)):
        raise NotImplementedError("ONNX import: BatchNormalization with training_mode=1")
    return F.batch_norm(x, mean, var, scale, bias, training=False,
                        eps=float(a.get("epsilon", 1e-5)))


def _build_ops() -> dict:
    """ONNX operator -> ``run(attrs, *inputs)``, with the eager Tensor's methods (generated
    from the registry at import) and ``nn.functional``."""
    def un(name):
        return lambda a, x: getattr(x, name)()

    def bi(name):
        return lambda a, x, y: getattr(x, name)(y)
    ops = {k: un(v) for k, v in {
        "Exp": "exp", "Log": "log", "Neg": "neg", "Abs": "abs", "Sqrt": "sqrt",
        "Reciprocal": "reciprocal", "Sin": "sin", "Cos": "cos", "Tanh": "tanh",
        "Sigmoid": "sigmoid", "Relu": "relu", "Erf": "erf", "Floor": "floor", "Ceil": "ceil",
        "Sign": "sign", "Round": "round"}.items()}
    ops.update({k: bi(v) for k, v in {
        "Add": "add", "Sub": "sub", "Mul": "mul", "Div": "div", "Pow": "pow",
        "Max": "maximum", "Min": "minimum", "MatMul": "matmul", "Equal": "eq", "Less": "lt",
        "Greater": "gt", "LessOrEqual": "le", "GreaterOrEqual": "ge"}.items()})
    ops.update({
        "Identity": lambda a, x: x,
        "LeakyRelu": lambda a, x: F.leaky_relu(x, float(a.get("alpha", 0.01))),
        "Elu": lambda a, x: F.elu(x, float(a.get("alpha", 1.0))),
        "Celu": lambda a, x: F.celu(x, float(a.get("alpha", 1.0))),
        "Selu": _selu,
        "Softplus": lambda a, x: F.softplus(x),
        "Sum": lambda a, *xs: functools.reduce(operator.add, xs),    # left to right, as add_n
        "Constant": _constant,
        "Not": lambda a, x: x.logical_not(),
        "Or": lambda a, x, y: x.logical_or(y),
        "Where": lambda a, c, x, y: x.where(c, y),
        "ReduceSum": _reduce("sum"), "ReduceMean": _reduce("mean"),
        "ReduceMax": _reduce("amax"), "ReduceMin": _reduce("amin"),
        "ReduceL2": _reduce("norm"),        # (Tensor.norm: p=2 by default)
        "ArgMax": lambda a, x: x.argmax(dim=int(a.get("axis", 0)),
                                         keepdim=bool(a.get("keepdims", 1))),
        "Reshape": lambda a, x, s: x.reshape(*[x.shape[i] if d == 0 else d
                                               for i, d in enumerate(_ints(s))]),
        "Flatten": lambda a, x: x.reshape(int(np.prod(x.shape[:int(a.get("axis", 1))])), -1),
        "Transpose": lambda a, x: x.permute(*a.get("perm", list(range(x.dim()))[::-1])),
        "Concat": lambda a, *xs: cat(list(xs), int(a["axis"])),
        "Unsqueeze": lambda a, x, ax=None: _unsqueeze(x, _ints(ax) if ax is not None
                                                      else list(a["axes"])),
        "Squeeze": lambda a, x, ax=None: _squeeze(x, _ints(ax)) if ax is not None else (
            _squeeze(x, list(a["axes"])) if "axes" in a else x.squeeze()),
        "Expand": lambda a, x, s: x.expand(*np.broadcast_shapes(tuple(x.shape),
                                                                tuple(_ints(s)))),
        "Tile": lambda a, x, r: x.repeat(*_ints(r)),
        "Cast": _cast,
        "Slice": _slice,
        "Gather": lambda a, x, i: x.index_select(int(a.get("axis", 0)), i.reshape(-1))
        .reshape(*(tuple(x.shape[:int(a.get("axis", 0))]) + tuple(i.shape)
                   + tuple(x.shape[int(a.get("axis", 0)) + 1:]))),
        "Softmax": lambda a, x: _softmax(F.softmax, a, x),
        "LogSoftmax": lambda a, x: _softmax(F.log_softmax, a, x),
        "LayerNormalization": _layer_norm,
        "BatchNormalization": _batch_norm,
        "Gemm": _gemm, "Conv": _conv, "MaxPool": _pool("MaxPool"),
        "AveragePool": _pool("AveragePool"),
    })
    from ._onnx_import_ops import extra_ops
    from ._onnx_import_resize import ops as resize_ops
    from ._onnx_import_rnn import recurrent
    ops.update({k: recurrent(k) for k in ("RNN", "LSTM", "GRU")})
    ops.update(extra_ops())
    ops.update(resize_ops())
    return ops


def _softmax(fn, a: dict, x):
    """Softmax/LogSoftmax over ``axis`` (default -1) from opset 13; before, over the axes from
    ``axis`` (default 1) on flattened into one (the input coerced to 2-D)."""
    if a.get("__opset__", 13) >= 13:
        return fn(x, dim=int(a.get("axis", -1)))
    axis = int(a.get("axis", 1)) % max(x.dim(), 1)
    shape = tuple(x.shape)
    return fn(x.reshape(int(np.prod(shape[:axis])), -1), dim=1).reshape(*shape)


def _layer_norm(a, x, scale, bias=None):
    """ONNX's LayerNormalization (one output): statistics over the axes from ``axis``; Scale
    and B shaped like those axes go to the fused layer norm, broadcastable ones after it."""
    axis = int(a.get("axis", -1)) % x.dim()
    ns, eps = tuple(x.shape[axis:]), float(a.get("epsilon", 1e-5))
    if tuple(scale.shape) == ns and (bias is None or tuple(bias.shape) == ns):
        return F.layer_norm(x, ns, scale, bias, eps)
    y = F.layer_norm(x, ns, eps=eps) * scale
    return y if bias is None else y + bias


def _unsqueeze(x, axes: list[int]):
    for ax in sorted(a % (x.dim() + len(axes)) for a in axes):
        x = x.unsqueeze(ax)
    return x


def _squeeze(x, axes: list[int]):
    for ax in sorted((a % x.dim() for a in axes), reverse=True):
        x = x.squeeze(ax)
    return x


_DTYPES: dict = {1: float32, 11: float64, 6: int32, 7: int64, 9: _bool, 2: uint8, 3: int8,
                 5: int16, 10: float16}
_dt.on_bfloat16(lambda d: _DTYPES.__setitem__(16, _dtype.from_numpy_dtype(d)))
_OPS: dict = {}
_CONTROL: dict = {"If": run_if, "Loop": run_loop}


class OnnxModule(nn.Module):
    """An ONNX graph as an eager module (see the module docstring)."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        from onnx import numpy_helper

        if not _OPS:
            _OPS.update(_build_ops())
        model = _with_loop_shapes(model)
        g = model.graph
        bad = sorted(_unsupported(g))
        if bad:
            raise NotImplementedError(f"ONNX import: operators {bad} are not supported")
        self._consts: dict[str, Any] = {}
        self._pnames: dict[str, str] = {}
        for init in g.initializer:
            arr = _decoded(numpy_helper.to_array, init, "initializer").copy()
            if is_floating(arr.dtype) and arr.ndim > 0:
                pname = init.name.replace(".", "_").replace("/", "_").replace(":", "_")
                self.register_parameter(pname, nn.Parameter(from_numpy(arr)))
                self._pnames[init.name] = pname
            else:
                self._consts[init.name] = from_numpy(np.asarray(arr))
        names = {i.name for i in g.initializer}
        self._inputs = [i.name for i in g.input if i.name not in names]
        self._outputs = [o.name for o in g.output]
        opset = next((int(o.version) for o in model.opset_import
                      if o.domain in ("", "ai.onnx")), 13)
        self._nodes = _parse_nodes(g.node, opset)

    def forward(self, *inputs: Any) -> Any:
        if len(inputs) != len(self._inputs):
            raise TypeError(f"OnnxModule.forward: the model takes {len(self._inputs)} inputs "
                            f"({self._inputs}), got {len(inputs)}")
        env: dict[str, Any] = dict(self._consts)
        env.update({k: getattr(self, v) for k, v in self._pnames.items()})
        env.update({n: x if isinstance(x, Tensor) else from_numpy(np.asarray(x))
                    for n, x in zip(self._inputs, inputs)})
        _run_nodes(self._nodes, env)
        res = [env[o] for o in self._outputs]
        return res[0] if len(res) == 1 else tuple(res)


class _Graph:
    """A subgraph (an ``If`` branch, a ``Loop`` body): its input and output names, its own
    initializers (constants) and its parsed nodes."""

    def __init__(self, g: Any, opset: int) -> None:
        from onnx import numpy_helper
        self.consts = {i.name: from_numpy(np.asarray(
            _decoded(numpy_helper.to_array, i, "initializer").copy())) for i in g.initializer}
        self.inputs = [i.name for i in g.input]
        self.outputs = [o.name for o in g.output]
        self.output_types = [_value_type(o) for o in g.output]
        self.nodes = _parse_nodes(g.node, opset)


def _value_type(v: Any) -> tuple:
    """``(NumPy dtype or None, dims or None)`` of a graph output's declared (or inferred) type;
    a symbolic dimension is -1."""
    from onnx import helper
    t = v.type.tensor_type
    try:
        dtype = np.dtype(helper.tensor_dtype_to_np_dtype(t.elem_type)) if t.elem_type else None
    except (KeyError, TypeError, ValueError):
        dtype = None
    dims = [d.dim_value if d.HasField("dim_value") else -1 for d in t.shape.dim] \
        if t.HasField("shape") else None
    return dtype, dims


def _with_loop_shapes(model: Any) -> Any:
    """The model with ONNX's shape inference run when it has a Loop (the types of a body's
    scan outputs give a loop that runs no iteration its empty outputs, as onnxruntime)."""
    def loops(g):
        return any(n.op_type == "Loop" or any(a.HasField("g") and loops(a.g)
                                              for a in n.attribute) for n in g.node)
    if not loops(model.graph):
        return model
    from onnx import shape_inference
    try:
        return shape_inference.infer_shapes(model)
    except Exception:  # noqa: BLE001 - inference is best effort; declared types stay
        return model


def _unsupported(g: Any) -> set:
    """The operators of ``g`` and its subgraphs that the importer does not run."""
    bad = {n.op_type for n in g.node if (n.op_type not in _OPS and n.op_type not in _CONTROL)
           or n.domain not in ("", "ai.onnx")}
    for n in g.node:
        for a in n.attribute:
            for sub in ([a.g] if a.HasField("g") else []) + list(a.graphs):
                bad |= _unsupported(sub)
    return bad


def _decoded(fn: Any, proto: Any, what: str) -> Any:
    """``fn(proto)`` for a tensor or attribute of the file; what the file holds wrongly there
    (an unknown data type, a byte count that does not match the dims, a mangled string)
    raises ``OnnxLoadError`` naming it.  The importer's own code runs outside this, so a bug
    in it is not reported as a malformed file."""
    try:
        return fn(proto)
    except (KeyError, UnicodeError, TypeError, ValueError) as e:
        raise OnnxLoadError(f"{what} {str(getattr(proto, 'name', ''))[:80]!r} cannot be "
                            f"decoded ({type(e).__name__}: {str(e)[:160]})") from None


def _parse_nodes(nodes: Any, opset: int) -> list:
    """``(op_type, inputs, outputs, attributes)`` per node; Softmax and LogSoftmax also get the
    model's opset as ``__opset__`` (their meaning changed at 13)."""
    from onnx import GraphProto, helper

    def value(a):
        v = _decoded(helper.get_attribute_value, a, "attribute")
        return _Graph(v, opset) if isinstance(v, GraphProto) else v

    def attrs(n):
        got = {a.name: value(a) for a in n.attribute}
        if n.op_type in ("Softmax", "LogSoftmax", "Resize"):
            got["__opset__"] = opset
        if n.op_type == "Split":                  # how many parts: the node's outputs
            got["__outputs__"] = len(n.output)
        return got
    return [(n.op_type, list(n.input), list(n.output), attrs(n)) for n in nodes]


def _run_nodes(nodes: list, env: dict) -> None:
    """Run ``nodes`` in order, reading and writing the values in ``env``."""
    for op, ins, outs, attrs in nodes:
        args = [env[i] if i else None for i in ins]
        while args and args[-1] is None:
            args.pop()
        if op in _CONTROL:
            out = _CONTROL[op](attrs, env, _run_graph, *args)
        else:
            out = _OPS[op](attrs, *args)
        if isinstance(out, tuple):                 # several outputs (LSTM: Y, Y_h, Y_c)
            env.update({name: v for name, v in zip(outs, out) if name})
        else:
            env[outs[0]] = out


def _run_graph(g: _Graph, outer: dict, inputs: list) -> list:
    """The outputs of subgraph ``g`` on ``inputs``, seeing the names of the enclosing scopes."""
    env = dict(outer)
    env.update(g.consts)
    env.update(zip(g.inputs, inputs))
    _run_nodes(g.nodes, env)
    return [env[o] for o in g.outputs]


class OnnxLoadError(ValueError):
    """An ONNX file ``load_model`` cannot read: not protobuf, truncated, or failing
    ``onnx.checker`` (the message names the file and what was wrong)."""


def load_model(f: Any) -> OnnxModule:
    """An ``OnnxModule`` for an ONNX file (a path, a binary file object or bytes) or an
    ``onnx.ModelProto``.  A file that is not a valid ONNX model raises ``OnnxLoadError``; an
    operator the importer does not run raises ``NotImplementedError`` naming it."""
    import onnx
    from google.protobuf.message import DecodeError  # type: ignore[import-untyped]
    what = "the bytes given" if isinstance(f, (bytes, bytearray)) else "the model given" \
        if hasattr(f, "graph") else repr(getattr(f, "name", None) or os.fspath(f)) \
        if isinstance(f, (str, os.PathLike)) or hasattr(f, "name") else "the file given"
    try:
        if isinstance(f, (bytes, bytearray)):
            model = onnx.load_from_string(bytes(f))
        elif hasattr(f, "graph"):
            model = f
        else:
            model = onnx.load(f)
        onnx.checker.check_model(model)
    except (DecodeError, onnx.checker.ValidationError, UnicodeError, KeyError) as e:
        raise OnnxLoadError(f"ONNX import: {what} is not a valid ONNX model "
                            f"({type(e).__name__}: {str(e)[:200]})") from None
    try:
        return OnnxModule(model)
    except OnnxLoadError as e:         # only a tensor or attribute that cannot be decoded
        raise OnnxLoadError(f"ONNX import: {what} has a malformed graph: {e}") from None
