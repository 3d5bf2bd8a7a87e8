"""``dlcore_eager.onnx.load_model``: run an ONNX model with eager operations (a small importer).

``OnnxModule(model)`` is an ``nn.Module`` whose parameters are the model's floating
initializers (``nn.Parameter``, named like the initializers with ``.`` and ``/`` replaced by
``_``, so the imported model can be fine-tuned) and whose ``forward(*inputs)`` interprets the
graph node by node with ``dlcore_eager`` operations, so gradients flow as for any eager code.
Nothing from the file is executed: every node's ``op_type`` must be one of ``_OPS``, otherwise
``NotImplementedError`` names it when the module is built.

Covered: the operators dlcore's exporter writes (elementwise math, MatMul, Gemm, reductions,
ArgMax, Reshape, Transpose, Concat, Unsqueeze/Squeeze, Expand, Cast, Slice, Gather, Conv,
MaxPool, AveragePool without ceil mode, LayerNormalization, BatchNormalization in inference
form, RNN/LSTM/GRU in ``_onnx_import_rnn``; Pad, Range, Shape, GatherElements, ScatterND, Mod,
IsNaN, IsInf, ReduceProd, ReduceLogSumExp and more trigonometry in ``_onnx_import_ops``; If
and Loop, whose subgraphs run with the same interpreter and see the enclosing names, in
``_onnx_import_control``) plus Softmax, LogSoftmax, Flatten and Gemm.  Axes are read as
attributes (older opsets: reductions before 18, Unsqueeze/Squeeze before 13) or as inputs;
reductions honour ``noop_with_empty_axes``.  Every operator of the
graph and of its subgraphs is checked when the module is built.
"""

from __future__ import annotations

from typing import Any

import numpy as np

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


def _slice(a: dict, x, starts, ends, axes=None, steps=None):
    st, en = _ints(starts), _ints(ends)
    ax = _ints(axes) if axes is not None else list(range(len(st)))
    sp = _ints(steps) if steps is not None else [1] * len(st)
    idx: list = [slice(None)] * x.dim()
    for s0, e, k, p in zip(st, en, ax, sp):
        n = x.shape[k]
        stop: int | None = None if (p > 0 and e >= n) or (p < 0 and e < -n) else e
        idx[k] = slice(s0, stop, p)
    return x[tuple(idx)]


def _pool(kind: str):
    """MaxPool (``dilations``) and AveragePool (``count_include_pad``), ``ceil_mode`` as
    PyTorch's (a last window starting in the right padding is dropped), symmetric pads."""
    def run(a: dict, x):
        k = list(a["kernel_shape"])
        nd = len(k)
        pads = list(a.get("pads", [0] * 2 * nd))
        if pads[:nd] != pads[nd:]:
            raise NotImplementedError(f"ONNX import: {kind} with asymmetric pads {pads}")
        if _str(a.get("auto_pad"), "NOTSET") != "NOTSET":
            raise NotImplementedError(f"ONNX import: {kind} with auto_pad {a['auto_pad']!r}")
        ceil = bool(a.get("ceil_mode", 0))
        strides = list(a.get("strides", [1] * nd))
        if kind == "MaxPool":
            return getattr(F, f"max_pool{nd}d")(x, k, stride=strides, padding=pads[:nd],
                                                dilation=list(a.get("dilations", [1] * nd)),
                                                ceil_mode=ceil)
        if any(d != 1 for d in a.get("dilations", [])):
            raise NotImplementedError(f"ONNX import: AveragePool with dilations "
                                      f"{list(a['dilations'])}")
        return getattr(F, f"avg_pool{nd}d")(x, k, stride=strides, padding=pads[:nd],
                                            ceil_mode=ceil,
                                            count_include_pad=bool(a.get("count_include_pad",
                                                                         0)))
    return run


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
    nd = w.dim() - 2
    pads = list(a.get("pads", [0] * 2 * nd))
    if pads[:nd] != pads[nd:]:
        raise NotImplementedError(f"ONNX import: Conv with asymmetric pads {pads}")
    return getattr(F, f"conv{nd}d")(x, w, b, stride=list(a.get("strides", [1] * nd)),
                                    padding=pads[:nd],
                                    dilation=list(a.get("dilations", [1] * nd)),
                                    groups=int(a.get("group", 1)))


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
        "Not": lambda a, x: x.logical_not(),
        "Where": lambda a, c, x, y: x.where(c, y),
        "ReduceSum": _reduce("sum"), "ReduceMean": _reduce("mean"),
        "ReduceMax": _reduce("amax"), "ReduceMin": _reduce("amin"),
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
        "Cast": _cast,
        "Slice": _slice,
        "Gather": lambda a, x, i: x.index_select(int(a.get("axis", 0)), i.reshape(-1))
        .reshape(*(tuple(x.shape[:int(a.get("axis", 0))]) + tuple(i.shape)
                   + tuple(x.shape[int(a.get("axis", 0)) + 1:]))),
        "Softmax": lambda a, x: F.softmax(x, dim=int(a.get("axis", -1))),
        "LogSoftmax": lambda a, x: F.log_softmax(x, dim=int(a.get("axis", -1))),
        "LayerNormalization": _layer_norm,
        "BatchNormalization": _batch_norm,
        "Gemm": _gemm, "Conv": _conv, "MaxPool": _pool("MaxPool"),
        "AveragePool": _pool("AveragePool"),
    })
    from ._onnx_import_ops import extra_ops
    from ._onnx_import_rnn import recurrent
    ops.update({k: recurrent(k) for k in ("RNN", "LSTM", "GRU")})
    ops.update(extra_ops())
    return ops


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
if getattr(_dtype, "bfloat16", None) is not None:
    _DTYPES[16] = _dtype.bfloat16
_OPS: dict = {}
_CONTROL: dict = {"If": run_if, "Loop": run_loop}


class OnnxModule(nn.Module):
    """An ONNX graph as an eager module (see the module docstring)."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        from onnx import numpy_helper

        if not _OPS:
            _OPS.update(_build_ops())
        g = model.graph
        bad = sorted(_unsupported(g))
        if bad:
            raise NotImplementedError(f"ONNX import: operators {bad} are not supported")
        self._consts: dict[str, Any] = {}
        self._pnames: dict[str, str] = {}
        for init in g.initializer:
            arr = numpy_helper.to_array(init).copy()
            if is_floating(arr.dtype) and arr.ndim > 0:
                pname = init.name.replace(".", "_").replace("/", "_").replace(":", "_")
                self.register_parameter(pname, nn.Parameter(from_numpy(arr)))
                self._pnames[init.name] = pname
            else:
                self._consts[init.name] = from_numpy(np.asarray(arr))
        names = {i.name for i in g.initializer}
        self._inputs = [i.name for i in g.input if i.name not in names]
        self._outputs = [o.name for o in g.output]
        self._nodes = _parse_nodes(g.node)

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

    def __init__(self, g: Any) -> None:
        from onnx import numpy_helper
        self.consts = {i.name: from_numpy(np.asarray(numpy_helper.to_array(i).copy()))
                       for i in g.initializer}
        self.inputs = [i.name for i in g.input]
        self.outputs = [o.name for o in g.output]
        self.nodes = _parse_nodes(g.node)


def _unsupported(g: Any) -> set:
    """The operators of ``g`` and its subgraphs that the importer does not run."""
    bad = {n.op_type for n in g.node if (n.op_type not in _OPS and n.op_type not in _CONTROL)
           or n.domain not in ("", "ai.onnx")}
    for n in g.node:
        for a in n.attribute:
            for sub in ([a.g] if a.HasField("g") else []) + list(a.graphs):
                bad |= _unsupported(sub)
    return bad


def _parse_nodes(nodes: Any) -> list:
    from onnx import GraphProto, helper

    def value(a):
        v = helper.get_attribute_value(a)
        return _Graph(v) if isinstance(v, GraphProto) else v
    return [(n.op_type, list(n.input), list(n.output),
             {a.name: value(a) for a in n.attribute}) for n in nodes]


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


def load_model(f: Any) -> OnnxModule:
    """An ``OnnxModule`` for an ONNX file (a path or bytes) or an ``onnx.ModelProto``."""
    import onnx
    if isinstance(f, (bytes, bytearray)):
        model = onnx.load_from_string(bytes(f))
    elif hasattr(f, "graph"):
        model = f
    else:
        model = onnx.load(f)
    onnx.checker.check_model(model)
    return OnnxModule(model)
