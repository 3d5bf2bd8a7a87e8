"""ONNX export of a graph of dlcore primitives, with the ``onnx`` library (the ``onnx`` extra).

Both front ends reduce a program to the same thing: primitive applications with their
parameters, in an order where inputs come first (a static graph's ops between the chosen feeds
and fetches; an eager module traced by ``dlcore_eager.tracing``).  ``build_model`` turns such a
list of ``Op`` records into an ONNX ``ModelProto`` (opset 17): graph inputs, initializers (the
weights and constants), one or a few ONNX nodes per primitive, graph outputs, checked with
``onnx.checker``.  ``opset`` may be 11 (``MIN_OPSET``) to the installed onnx's newest, else
``ValueError``; the builder writes each operator in that opset's form: ``axes`` an attribute
before 13 (ReduceSum, Squeeze, Unsqueeze) or 18 (the other reductions) and an input after;
before 13 Softmax/LogSoftmax over another axis than the last between two Transposes (they
flattened the axes from ``axis`` on); before 12 ``Or(Less, Equal)`` for LessOrEqual; before 15
Shape then Slice for Shape's start/end; before 17 layer norm from ReduceMean, Sub, Sqrt, Div.
``scatter_add`` of integers (ScatterND's reduction, 16; floats: a one-hot MatMul before) and
max/min/pow of integers (12) raise
``NotImplementedError`` at older opsets.  Slice (inputs from 10) and Pad (11) need no change.
Graph input and output dimensions are ints, names (symbolic dimensions: ``"batch"``) or
``None`` (unknown).

Dynamic axes: a shape-like parameter (``reshape``/``broadcast_to`` shapes, ``getitem`` slice
bounds, ``reshape_like``/``broadcast_like`` output shapes in ``Op.dyn_shape``) may hold a
``Dim``, a size known only at run time (``factor`` times dimension ``axis`` of the tensor
named ``source``): it becomes ``Shape(source, start=axis, end=axis + 1)`` (times ``factor``)
concatenated with the known entries.  Two pseudo-primitives make run-time constants:
``__fill__`` (``params`` ``value`` and ``shape``: ``Expand`` of the scalar) and ``__dim__``
(``params`` ``dim`` and ``shape``: the size as a tensor of that shape and of the op's dtype).

Covered primitives (ONNX operator in brackets): elementwise unary (Exp, Log, Neg, Abs, Sqrt,
Reciprocal, Sin, Cos, Tanh, Sigmoid, Relu, LeakyRelu, Erf, Floor, Ceil, Sign, Round; rsqrt as
Reciprocal(Sqrt), log1p/expm1 as Log/Exp with Add/Sub), binary (Add, Sub, Mul, Div, Pow, Max,
Min, comparisons, Where; the remainder of floats as Mod with fmod=1 and a sign fix), MatMul,
reductions (ReduceSum, ReduceMax, ReduceMin, ReduceProd, ReduceL2 of norm2; ``axes=()``
means all axes), ArgMax,
Reshape, Transpose, Concat, Unsqueeze, Squeeze, Expand (broadcast_to), Cast, Identity
(identity, stop_gradient), Slice/Squeeze/Unsqueeze (basic indexing with getitem: slices,
integers and None), Gather (take), ScatterND with reduction add (scatter_add),
Conv/MaxPool/AveragePool (NCHW, as the core's convolution primitives), softmax's vjp,
bitwise and/or/xor/not and 2-D grid_sample (GridSample, opset 16) (``onnx_export_nn``),
constant and reflect/replicate/circular padding (Pad), glu, logsumexp (max-shifted), smooth
L1/Huber, group norm, cosine similarity and the KL-divergence terms (``onnx_export_more``), the
fused training-mode batch norm (``batch_norm_stats`` as ReduceMean, ``batch_norm_train`` as
BatchNormalization fed those statistics), the
fused ``lstm_gates`` (Slice, Sigmoid, Tanh, Mul, Add, Concat), ``lstm_step`` (MatMul and Add,
then the same), ``lstm_seq`` (a Loop over time of the same), ``gru_gates`` (Slice, Add,
Sigmoid, Tanh, Mul, Sub, Concat), ``gru_seq`` (a Loop over time of the same) and ``rnn_seq``
(a Loop of MatMul, Add and Tanh or Relu), and the
run-time shape primitives of static graphs with unknown dimensions: ``full_like`` (Expand of Shape),
``shape_of`` (Shape), ``reshape_dynamic`` (Reshape); control flow as the pseudo-primitives
``__if__`` (``params`` ``then``/``else``: ``Sub`` subgraphs, ``outputs``: names; input: the
condition) and ``__loop__`` (``params`` ``body``: a ``Sub``, ``outputs``; inputs: the trip
count or ``""``, the initial condition, the initial loop values), ONNX ``If`` and ``Loop``; a
whole recurrent network as ``__rnn__`` (ONNX ``RNN``/``LSTM``/``GRU``, ``onnx_rnn``).
Anything else raises ``NotImplementedError`` naming the primitive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dlcore.dtypes import is_floating

from .onnx_export_nn import value_info as _value_info

OPSET = 17


@dataclass
class Op:
    """One primitive application: ``prim`` (its registry name), ``params``, the names of its
    ``inputs`` and of its ``output``, and the input and output shapes and dtypes."""

    prim: str
    params: dict
    inputs: list
    output: str
    in_shapes: list
    out_shape: tuple
    out_dtype: np.dtype
    dyn_shape: tuple | None = None       # out_shape with Dims where it is dynamic


@dataclass
class Sub:
    """A subgraph (an ``If`` branch, a ``Loop`` body): its ``ops``, its graph ``inputs``
    ``(name, shape, dtype)`` (a loop body's), and its ``outputs`` ``(name, source, shape,
    dtype)``, each an Identity of ``source`` (a name of the subgraph or of an enclosing one)."""

    ops: list
    inputs: list
    outputs: list


@dataclass(frozen=True)
class Dim:
    """A size known at run time: ``factor`` times dimension ``axis`` of tensor ``source``."""

    source: str
    axis: int
    factor: int = 1


def _onnx():
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError as e:
        raise ImportError("ONNX export needs the 'onnx' package: pip install 'dlcore[onnx]'"
                          ) from e
    return onnx, helper, numpy_helper


_UNARY = {"exp": "Exp", "log": "Log", "neg": "Neg", "abs": "Abs", "sqrt": "Sqrt",
          "reciprocal": "Reciprocal", "sin": "Sin", "cos": "Cos", "tan": "Tan", "tanh": "Tanh",
          "sigmoid": "Sigmoid", "relu": "Relu", "erf": "Erf", "floor": "Floor", "ceil": "Ceil",
          "sign": "Sign", "rint": "Round", "identity": "Identity", "stop_gradient": "Identity",
          "asin": "Asin", "acos": "Acos", "atan": "Atan", "sinh": "Sinh", "cosh": "Cosh",
          "isnan": "IsNaN", "isinf": "IsInf", "softplus": "Softplus"}
_BINARY = {"add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "pow": "Pow",
           "maximum": "Max", "minimum": "Min", "matmul": "MatMul", "equal": "Equal",
           "less": "Less", "greater": "Greater", "less_equal": "LessOrEqual",
           "greater_equal": "GreaterOrEqual", "remainder": "Mod"}
_REDUCE = {"max": "ReduceMax", "min": "ReduceMin", "prod": "ReduceProd", "norm2": "ReduceL2"}


# ``axes`` is an attribute before the opset given here and an input from it on
_AXES_INPUT = {"ReduceSum": 13, "Squeeze": 13, "Unsqueeze": 13, "ReduceMax": 18,
               "ReduceMin": 18, "ReduceProd": 18, "ReduceMean": 18, "ReduceLogSumExp": 18,
               "ReduceL2": 18}
MIN_OPSET = 11      # Slice/Pad with inputs (10, 11), Range, GatherElements, Equal of floats


class _Builder:
    def __init__(self, opset: int = OPSET) -> None:
        _, self.h, self.nh = _onnx()
        self.nodes: list = []
        self.inits: dict[str, np.ndarray] = {}
        self.n = 0
        self.opset = opset

    def fresh(self, base: str) -> str:
        self.n += 1
        return f"{base}__{self.n}"

    def const(self, value: Any, dtype=np.int64) -> str:
        name = self.fresh("const")
        self.inits[name] = np.asarray(value, dtype=dtype)
        return name

    def node(self, op: str, inputs: list, output: str | None = None, **attrs) -> str:
        out = output or self.fresh(op.lower())
        if op in _AXES_INPUT and self.opset >= _AXES_INPUT[op] and "axes" in attrs:
            inputs = [*inputs, self.const(list(attrs.pop("axes")))]
        elif "axes" in attrs and not list(attrs["axes"]):      # (no empty attribute: all)
            attrs.pop("axes")
        elif op == "Shape" and self.opset < 15 and ("start" in attrs or "end" in attrs):
            start, end = attrs.pop("start", 0), attrs.pop("end", np.iinfo(np.int64).max)
            whole = self.node("Shape", inputs)
            return self.node("Slice", [whole, self.const([start]), self.const([end])], output)
        elif op in ("LessOrEqual", "GreaterOrEqual") and self.opset < 12:
            strict = self.node("Less" if op == "LessOrEqual" else "Greater", inputs)
            return self.node("Or", [strict, self.node("Equal", inputs)], output)
        self.nodes.append(self.h.make_node(op, inputs, [out], name=self.fresh(op), **attrs))
        return out

    def vector(self, entries) -> str:
        """A 1-D int64 tensor of ``entries`` (ints, and ``Dim`` sizes read at run time)."""
        entries = list(entries)
        if not any(isinstance(e, Dim) for e in entries):
            return self.const(entries)
        parts: list[str] = []
        run: list[int] = []
        for e in entries:
            if not isinstance(e, Dim):
                run.append(int(e))
                continue
            if run:
                parts.append(self.const(run))
                run = []
            size = self.node("Shape", [e.source], start=e.axis, end=e.axis + 1)
            parts.append(size if e.factor == 1 else
                         self.node("Mul", [size, self.const([e.factor])]))
        if run:
            parts.append(self.const(run))
        return parts[0] if len(parts) == 1 else self.node("Concat", parts, axis=0)


def _axes(params: dict, rank: int) -> list[int]:
    axes = params.get("axes")
    if axes is None or axes == ():
        return list(range(rank))
    if isinstance(axes, int):
        axes = (axes,)
    return [a % rank if rank else a for a in axes]


def _elu(b: _Builder, x, out, d, p: dict) -> None:
    """The elu primitive (PyTorch's elu with ``scale`` and ``input_scale``): ONNX's Elu, Selu
    or Celu where its coefficients are theirs, else ``where(x > 0, x s, (exp(x i) - 1) a s)``."""
    a, s, i = float(p["alpha"]), float(p.get("scale", 1.0)), float(p.get("input_scale", 1.0))
    if i == 1.0 and s == 1.0:
        b.node("Elu", [x], out, alpha=a)
    elif i == 1.0:
        b.node("Selu", [x], out, alpha=a, gamma=s)
    elif s == 1.0 and a * i == 1.0 and b.opset >= 12:
        b.node("Celu", [x], out, alpha=a)
    else:
        neg = b.node("Mul", [b.node("Sub", [b.node("Exp", [b.node(
            "Mul", [x, b.const(i, d)])]), b.const(1.0, d)]), b.const(a * s, d)])
        b.node("Where", [b.node("Greater", [x, b.const(0.0, d)]),
                         b.node("Mul", [x, b.const(s, d)]), neg], out)


def _convert(b: _Builder, op: Op) -> None:
    p, ins, out = op.params, op.inputs, op.output
    name = op.prim
    if name in _UNARY:
        b.node(_UNARY[name], ins[:1], out)
    elif name == "leaky_relu":
        b.node("LeakyRelu", ins[:1], out, alpha=float(p["alpha"]))
    elif name == "elu":
        _elu(b, ins[0], out, op.out_dtype, p)
    elif name == "gelu":                # x (1 + erf(x / sqrt 2)) / 2 (ONNX's Gelu: opset 20)
        d = op.out_dtype
        cdf = b.node("Add", [b.const(1.0, d), b.node("Erf", [b.node(
            "Mul", [ins[0], b.const(0.7071067811865476, d)])])])
        b.node("Mul", [b.node("Mul", [ins[0], b.const(0.5, d)]), cdf], out)
    elif name == "gelu_tanh":           # x (1 + tanh(b (x + k x^3))) / 2
        d, x = op.out_dtype, ins[0]
        cube = b.node("Mul", [b.node("Mul", [x, x]), x])
        inner = b.node("Mul", [b.node("Add", [x, b.node("Mul", [cube, b.const(0.044715, d)])]),
                               b.const(0.7978845608028654, d)])
        b.node("Mul", [b.node("Mul", [x, b.const(0.5, d)]),
                       b.node("Add", [b.const(1.0, d), b.node("Tanh", [inner])])], out)
    elif name == "silu":                # x sigmoid(x)
        b.node("Mul", [ins[0], b.node("Sigmoid", ins[:1])], out)
    elif name == "logsigmoid":          # -softplus(-x)
        b.node("Neg", [b.node("Softplus", [b.node("Neg", ins[:1])])], out)
    elif name == "mish":                # x tanh(softplus(x)) (ONNX's Mish: opset 18)
        b.node("Mul", [ins[0], b.node("Tanh", [b.node("Softplus", ins[:1])])], out)
    elif name in ("clamp", "hardtanh"):     # (number bounds: Clip's optional inputs, opset 11 on)
        bounds = ["" if v is None else b.const(v, op.out_dtype)
                  for v in (p.get("lo"), p.get("hi"))]
        b.node("Clip", [ins[0], *bounds] if bounds[1] else [ins[0], bounds[0]], out)
    elif name == "remainder" and is_floating(np.dtype(op.out_dtype)):
        _float_remainder(b, ins[:2], out, op.out_dtype)
    elif name == "matmul" and (p.get("transpose_a") or p.get("transpose_b")):
        # TensorFlow's flags (tf.gradients' products): a Transpose of the last two axes per
        # flag, then MatMul
        mm = list(ins[:2])
        for i, flag in enumerate((p.get("transpose_a"), p.get("transpose_b"))):
            if flag:
                r = len(op.in_shapes[i])
                mm[i] = b.node("Transpose", [mm[i]], perm=list(range(r - 2)) + [r - 1, r - 2])
        b.node("MatMul", mm, out)
    elif name in _BINARY:
        if name in ("maximum", "minimum", "pow") and b.opset < 12 and \
                not is_floating(np.dtype(op.out_dtype)):
            raise NotImplementedError(f"ONNX export: {name} of {np.dtype(op.out_dtype)} needs "
                                      f"opset_version >= 12 (floats only before), got {b.opset}")
        b.node(_BINARY[name], ins[:2], out)
    elif name == "addmm":                 # (linear, addmm: bias + a @ b)
        b.node("Add", [ins[0], b.node("MatMul", list(ins[1:3]))], out)
    elif name == "add_n":                 # (tf.gradients' sums of cotangents)
        b.node("Sum", list(ins), out)
    elif name == "not_equal":
        b.node("Not", [b.node("Equal", ins[:2])], out)
    elif name == "rsqrt":
        b.node("Reciprocal", [b.node("Sqrt", ins[:1])], out)
    elif name == "log1p":
        one = b.const(1.0, op.out_dtype)
        b.node("Log", [b.node("Add", [ins[0], one])], out)
    elif name == "expm1":
        one = b.const(1.0, op.out_dtype)
        b.node("Sub", [b.node("Exp", ins[:1]), one], out)
    elif name == "where":
        b.node("Where", ins[:3], out)
    elif name == "sum":
        b.node("ReduceSum", ins[:1], out, axes=_axes(p, len(op.in_shapes[0])),
               keepdims=int(bool(p.get("keepdims"))))
    elif name in _REDUCE:
        b.node(_REDUCE[name], ins[:1], out, axes=_axes(p, len(op.in_shapes[0])),
               keepdims=int(bool(p.get("keepdims"))))
    elif name in ("argmax",):
        ax = p.get("axis")
        if ax is None:
            flat = b.node("Reshape", [ins[0], b.const([-1])])
            b.node("ArgMax", [flat], out, axis=0, keepdims=0)
        else:
            b.node("ArgMax", ins[:1], out, axis=int(ax), keepdims=int(bool(p.get("keepdims"))))
    elif name == "reshape":
        b.node("Reshape", [ins[0], b.vector([-1 if d is None else d for d in p["shape"]])], out)
    elif name in ("reshape_like", "broadcast_like"):
        shape = b.vector([-1 if d is None else d for d in (op.dyn_shape or op.out_shape)])
        b.node("Reshape" if name == "reshape_like" else "Expand", [ins[0], shape], out)
    elif name == "full_like":
        value = b.const(p["value"], op.out_dtype)
        b.node("Expand", [value, b.node("Shape", ins[:1])], out)
    elif name == "shape_of":
        from onnx import helper
        b.node("Cast", [b.node("Shape", ins[:1])], out,
               to=helper.np_dtype_to_tensor_dtype(np.dtype(op.out_dtype)))
    elif name == "reshape_dynamic":
        b.node("Reshape", [ins[0], b.node("Cast", [ins[1]], to=7)], out)      # 7: int64
    elif name == "__if__":
        b.nodes.append(b.h.make_node(
            "If", ins[:1], list(p["outputs"]), name=b.fresh("If"),
            then_branch=_subgraph(b, p["then"], out + "/then"),
            else_branch=_subgraph(b, p["else"], out + "/else")))
    elif name == "__loop__":
        b.nodes.append(b.h.make_node("Loop", ins, list(p["outputs"]), name=b.fresh("Loop"),
                                     body=_subgraph(b, p["body"], out + "/body")))
    elif name == "__fill__":
        value = b.const(p["value"], op.out_dtype)
        b.node("Expand", [value, b.vector(p["shape"])], out)
    elif name == "__dim__":
        from onnx import helper
        size = b.node("Reshape", [b.vector([p["dim"]]), b.const(list(p["shape"]))])
        b.node("Cast", [size], out, to=helper.np_dtype_to_tensor_dtype(np.dtype(op.out_dtype)))
    elif name == "transpose":
        b.node("Transpose", ins[:1], out, perm=list(p["perm"]))
    elif name == "concatenate":
        b.node("Concat", ins, out, axis=int(p["axis"]))
    elif name == "stack":                        # each input unsqueezed, then one Concat
        axis = int(p["axis"])
        b.node("Concat", [b.node("Unsqueeze", [x], axes=[axis]) for x in ins], out, axis=axis)
    elif name == "expand_dims":
        b.node("Unsqueeze", ins[:1], out, axes=list(p["axes"]))
    elif name == "squeeze":
        b.node("Squeeze", ins[:1], out, axes=_axes(p, len(op.in_shapes[0])))
    elif name == "broadcast_to":
        b.node("Expand", [ins[0], b.vector([-1 if d is None else d for d in p["shape"]])], out)
    elif name == "cast":
        from onnx import helper
        b.node("Cast", ins[:1], out, to=helper.np_dtype_to_tensor_dtype(np.dtype(p["dtype"])))
    elif name == "scatter_add" and b.opset < 16 and is_floating(np.dtype(op.out_dtype)):
        from .onnx_export_nn import scatter_add_onehot
        scatter_add_onehot(b, op)
    elif name == "scatter_add":                  # zeros like ref; rows of v added at i
        zeros = b.node("Expand", [b.const(0, op.out_dtype), b.node("Shape", [ins[2]])])
        if b.opset < 16:
            raise NotImplementedError(f"ONNX export: scatter_add needs opset_version >= 16 "
                                      f"(ScatterND's reduction), got {b.opset}")
        rows = b.node("Unsqueeze", [b.node("Cast", [ins[1]], to=7)], axes=[-1])
        b.node("ScatterND", [zeros, rows, ins[0]], out, reduction="add")
    elif name == "take":
        b.node("Gather", ins[:2], out, axis=0)
    elif name == "tile":                         # (x's rank padded first, as the rule does)
        reps, x, nd = [int(r) for r in p["reps"]], ins[0], len(op.in_shapes[0])
        if len(reps) > nd:
            x = b.node("Unsqueeze", [x], axes=list(range(len(reps) - nd)))
        b.node("Tile", [x, b.vector(reps)], out)
    elif name in ("smooth_l1", "glu", "pad_edge", "pad_constant", "logsumexp", "group_norm",
                  "cosine_similarity", "kl_div", "kl_div_log", "flip", "roll", "mse", "nll",
                  "index_add"):
        from . import onnx_export_more
        getattr(onnx_export_more, name)(b, op)
    elif name == "getitem":
        _getitem(b, op)
    elif name in ("conv", "conv_bias", "max_pool", "avg_pool"):
        _spatial(b, op)
    elif name in ("lstm_gates", "lstm_step", "lstm_seq", "gru_gates", "gru_seq", "gru_rb_seq",
                  "rnn_seq", "cumsum", "argsort", "batch_norm_stats", "batch_norm_train",
                  "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "grid_sample2d"):
        from . import onnx_export_nn as nn_ops
        getattr(nn_ops, "convert_bitwise" if name.startswith("bitwise") else name)(b, op)
    elif name == "__rnn__":
        from .onnx_rnn import convert
        convert(b, op)
    elif name == "__pad_packed__":
        from .onnx_rnn import convert_pad_packed
        convert_pad_packed(b, op)
    elif name in ("softmax", "log_softmax"):
        _softmax(b, op)
    elif name == "softmax_backward_data":       # softmax's vjp: y * (g - sum(g * y, axis))
        ax = [int(p["axis"]) % max(len(op.in_shapes[1]), 1)]
        s = b.node("ReduceSum", [b.node("Mul", ins[:2])], axes=ax, keepdims=1)
        b.node("Mul", [ins[1], b.node("Sub", [ins[0], s])], out)
    elif name == "sparse_softmax_xent":         # logsumexp(x) - x[k] over the last axis
        last = len(op.in_shapes[0]) - 1
        k = b.node("Unsqueeze", [b.node("Cast", [ins[1]], to=7)], axes=[last])
        picked = b.node("GatherElements", [ins[0], k], axis=last)
        lse = b.node("ReduceLogSumExp", ins[:1], axes=[last], keepdims=1)
        b.node("Squeeze", [b.node("Sub", [lse, picked])], out, axes=[last])
    elif name == "layer_norm" and b.opset < 17:
        _layer_norm(b, op)
    elif name == "layer_norm":                  # opset 17's LayerNormalization (Scale required)
        first = len(op.in_shapes[0]) - int(p["k"])          # the first normalised axis
        rest = ins[1:]
        scale = rest.pop(0) if "w" in p["affine"] else \
            b.const(np.ones([int(d) for d in op.in_shapes[0][first:]]), op.out_dtype)
        b.node("LayerNormalization", [ins[0], scale] + rest, out, axis=first,
               epsilon=float(p["eps"]))
    else:
        raise NotImplementedError(f"ONNX export: primitive {name!r} has no ONNX conversion yet")


def _float_remainder(b: _Builder, ins: list, out: str, dtype) -> None:
    """``remainder`` of floats takes the divisor's sign (PyTorch, Python's ``%``); ONNX's
    ``Mod`` of floats needs ``fmod=1`` (the dividend's sign), so::

        r = Mod(x, y, fmod=1);  out = r if r == 0 or (r < 0) == (y < 0) else r + y
    """
    x, y = ins
    r = b.node("Mod", [x, y], fmod=1)
    zero = b.const(0.0, dtype)
    same = b.node("Equal", [b.node("Less", [r, zero]), b.node("Less", [y, zero])])
    keep = b.node("Where", [same, r, b.node("Add", [r, y])])
    b.node("Where", [b.node("Equal", [r, zero]), r, keep], out)


def _softmax(b: _Builder, op: Op) -> None:
    """Softmax/LogSoftmax over ``axis``; before opset 13 they flatten the axes from ``axis`` on
    into one, so another axis than the last is moved last by a Transpose and back."""
    kind = "Softmax" if op.prim == "softmax" else "LogSoftmax"
    rank = len(op.in_shapes[0])
    axis = int(op.params["axis"]) % max(rank, 1)
    if b.opset >= 13 or axis == rank - 1:
        b.node(kind, op.inputs[:1], op.output, axis=axis)
        return
    perm = [a for a in range(rank) if a != axis] + [axis]
    back = [perm.index(a) for a in range(rank)]
    y = b.node(kind, [b.node("Transpose", op.inputs[:1], perm=perm)], axis=rank - 1)
    b.node("Transpose", [y], op.output, perm=back)


def _layer_norm(b: _Builder, op: Op) -> None:
    """Before opset 17 (no LayerNormalization): ``(x - mean) / sqrt(var + eps) [* w] [+ b]``
    with ReduceMean over the last ``k`` axes (the biased variance)."""
    p, x = op.params, op.inputs[0]
    rank = len(op.in_shapes[0])
    axes = list(range(rank - int(p["k"]), rank))
    dev = b.node("Sub", [x, b.node("ReduceMean", [x], axes=axes, keepdims=1)])
    var = b.node("ReduceMean", [b.node("Mul", [dev, dev])], axes=axes, keepdims=1)
    eps = b.const(float(p["eps"]), op.out_dtype)
    y = b.node("Div", [dev, b.node("Sqrt", [b.node("Add", [var, eps])])])
    rest = list(op.inputs[1:])
    if "w" in p["affine"]:
        y = b.node("Mul", [y, rest.pop(0)])
    if "b" in p["affine"]:
        y = b.node("Add", [y, rest.pop(0)])
    b.node("Identity", [y], op.output)


def _getitem(b: _Builder, op: Op) -> None:
    """Basic indexing: Slice of the sliced and indexed axes, Squeeze of the indexed ones, then
    Unsqueeze of the new axes (``None``) at their places in the output."""
    idx = op.params["idx"]
    idx = idx if isinstance(idx, tuple) else (idx,)
    starts, ends, axes, steps, squeeze, new = [], [], [], [], [], []
    ax = out_ax = 0
    for item in idx:
        kind = item[0] if isinstance(item, tuple) else None
        if item is None:
            new.append(out_ax)
            out_ax += 1
            continue
        here, ax, out_ax = ax, ax + 1, out_ax + (kind == "slice")
        if kind == "slice":
            _, s, e, st = item
            if (s, e, st) == (None, None, None):
                continue
            st = 1 if st is None else st
            if st < 0 and (isinstance(s, Dim) or isinstance(e, Dim)):
                raise NotImplementedError("ONNX export: a negative-step slice with bounds that "
                                          "depend on a dynamic axis")
            starts.append(s if s is not None else (0 if st > 0 else -1))
            ends.append(e if e is not None else (np.iinfo(np.int64).max if st > 0
                                                 else np.iinfo(np.int64).min))
            axes.append(here)
            steps.append(st)
        elif kind == "int" or isinstance(item, int):
            i = item[1] if kind == "int" else item
            starts.append(i)
            ends.append(i + 1 if i != -1 else np.iinfo(np.int64).max)
            axes.append(here)
            steps.append(1)
            squeeze.append(here)
        else:
            raise NotImplementedError(f"ONNX export: getitem with index {item!r} (only slices, "
                                      "integers and None are exported)")
    x = op.inputs[0]
    if axes:
        x = b.node("Slice", [x, b.vector(starts), b.vector(ends), b.const(axes),
                             b.const(steps)], None if squeeze or new else op.output)
    if squeeze:
        x = b.node("Squeeze", [x], None if new else op.output, axes=squeeze)
    if new:
        b.node("Unsqueeze", [x], op.output, axes=new)
    elif not axes and not squeeze:
        b.node("Identity", [x], op.output)


def _pads(padding, nd: int) -> list[int]:
    if isinstance(padding, str):
        raise NotImplementedError(f"ONNX export: padding {padding!r} (explicit pads only)")
    lo_hi = [(pp, pp) if isinstance(pp, int) else tuple(pp) for pp in padding]
    return [lo for lo, _ in lo_hi] + [hi for _, hi in lo_hi]


def _spatial(b: _Builder, op: Op) -> None:
    p = op.params
    nd = len(op.in_shapes[0]) - 2
    if p.get("layout", "NCHW") not in ("NCHW", "NCW", "NCDHW", None):
        raise NotImplementedError(f"ONNX export: {op.prim} with layout {p.get('layout')!r}")
    pads = _pads([(0, 0) if isinstance(pp, str) else pp for pp in p["padding"]]
                 if op.prim not in ("conv", "conv_bias") else p["padding"], nd)
    strides = list(p["strides"])
    if op.prim in ("conv", "conv_bias"):                # (Conv's B: conv_bias's third input)
        b.node("Conv", op.inputs[:3 if op.prim == "conv_bias" else 2], op.output,
               strides=strides, pads=pads, dilations=list(p.get("dilation") or [1] * nd),
               group=int(p.get("groups", 1)))
        return
    k, dil = list(p["kernel_size"]), list(p.get("dilation") or [1] * nd)
    if None in op.in_shapes[0][2:]:
        # a pool on a size unknown until run time (dlcore.ops.pool.pool_axis): no ceil_mode;
        # a strided 'SAME' is ONNX's SAME_UPPER (the odd pixel at the end, as TensorFlow)
        ceil, same = 0, any(isinstance(pp, str) for pp in p["padding"])
    else:
        floor = [(n + pads[i] + pads[nd + i] - dil[i] * (k[i] - 1) - 1) // strides[i] + 1
                 for i, n in enumerate(op.in_shapes[0][2:])]
        ceil, same = int(list(op.out_shape[2:]) != floor), False   # the primitive's ceil_mode
    where = {"auto_pad": "SAME_UPPER"} if same else {"pads": pads}
    if op.prim == "max_pool":
        b.node("MaxPool", op.inputs[:1], op.output, kernel_shape=k, strides=strides,
               dilations=dil, ceil_mode=ceil, **where)
    else:
        b.node("AveragePool", op.inputs[:1], op.output, kernel_shape=k, strides=strides,
               ceil_mode=ceil, count_include_pad=int(bool(p.get("count_include_pad", True))),
               **where)


def _subgraph(b: _Builder, sub: Sub, name: str):
    """``sub`` as a GraphProto; its constants join the model's initializers (outer scope)."""
    outer, b.nodes = b.nodes, []
    try:
        for op in sub.ops:
            _convert(b, op)
        for out, src, _, _ in sub.outputs:
            b.node("Identity", [src], out)
        nodes = b.nodes
    finally:
        b.nodes = outer
    return b.h.make_graph(nodes, name, [_value_info(b.h, *i) for i in sub.inputs],
                          [_value_info(b.h, n, s, d) for n, _, s, d in sub.outputs])


def check_opset(opset: int) -> int:
    """``opset`` as an int when dlcore writes it (``MIN_OPSET`` to the installed onnx's
    newest), else ``ValueError``; the front ends call it before tracing or walking a graph."""
    onnx, _, _ = _onnx()
    newest = onnx.defs.onnx_opset_version()
    if not isinstance(opset, (int, np.integer)) or not MIN_OPSET <= int(opset) <= newest:
        raise ValueError(f"Unsupported ONNX opset version: {opset}. dlcore exports opset "
                         f"versions {MIN_OPSET} to {newest} (the installed onnx's newest)")
    return int(opset)


def build_model(ops: list[Op], inputs: list[tuple], outputs: list[tuple],
                initializers: dict[str, np.ndarray], producer: str = "dlcore",
                opset: int = OPSET):
    """An ONNX ``ModelProto``: ``inputs``/``outputs`` are ``(name, shape, dtype)``, each
    dimension an int, a name (a symbolic dimension) or ``None`` (unknown)."""
    onnx, helper, numpy_helper = _onnx()
    b = _Builder(check_opset(opset))
    for op in ops:
        _convert(b, op)

    def vi(name, shape, dtype):
        return _value_info(helper, name, shape, dtype)
    inits = [numpy_helper.from_array(np.ascontiguousarray(v) if np.ndim(v) else np.asarray(v),
                                     name) for name, v in {**initializers, **b.inits}.items()]
    graph = helper.make_graph(b.nodes, producer, [vi(*i) for i in inputs],
                              [vi(*o) for o in outputs], initializer=inits)
    model = helper.make_model(graph, producer_name=producer,
                              opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = min(model.ir_version, 8)
    onnx.checker.check_model(model)
    return model


def save(model, f) -> None:
    """Write ``model`` to a path or a binary file object."""
    raw = model.SerializeToString()
    if hasattr(f, "write"):
        f.write(raw)
    else:
        with open(f, "wb") as fh:
            fh.write(raw)
