"""The padding, GLU, logsumexp and smooth L1 primitives of ``dlcore.io.onnx_export`` (the
builder ``b`` and the ``Op`` records are that module's): ``pad_constant`` as Pad (constant),
``pad_edge`` as Pad (reflect, edge; wrap from opset 19), ``glu`` as two Slices, Sigmoid and
Mul, ``logsumexp`` in its kernels' max-shifted steps (ReduceMax, the shift's Where, Sub, Exp,
ReduceSum, Log, Add), ``smooth_l1`` (and Huber) as its elementwise formula, ``group_norm`` as
the layer norm of the ``(N, groups, -1)`` Reshape (ReduceMean, Sub, Mul, Add, Sqrt, Div), the
Reshape back and the per-channel Mul and Add (ONNX's GroupNormalization scales per group in
opset 18 and per channel from 21: the plain steps read the same in every opset), and
``cosine_similarity`` as its kernels' sums (ReduceSum of the products, Max with eps squared,
Sqrt, Div), the KL-divergence terms ``kl_div`` (Where(t == 0, 0, t Log t) - t x) and
``kl_div_log`` (Exp(t) (t - x)), ``flip`` as one Slice of step -1 per flipped axis, ``roll``
as each rolled axis's two Slices joined by Concat, ``mse`` as Sub, Mul, ReduceSum and Div and
``nll`` as GatherElements, ReduceSum and Div (or Neg), ``index_add`` as ScatterND's add into
``x`` (opset 16; floats before it: the one-hot MatMul of ``scatter_add`` and an Add), the axis
Transposed to the front and back."""

from __future__ import annotations

from typing import Any

import numpy as np


def _pads(b: Any, pairs) -> str:
    """Pad's pads input: every axis's start, then every axis's end."""
    return b.const(np.array([lo for lo, _ in pairs] + [hi for _, hi in pairs], np.int64))


def pad_constant(b: Any, op: Any) -> None:
    b.node("Pad", [op.inputs[0], _pads(b, op.params["pairs"]),
                   b.const(op.params["value"], op.out_dtype)], op.output, mode="constant")


def pad_edge(b: Any, op: Any) -> None:
    mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[op.params["mode"]]
    if mode == "wrap" and b.opset < 19:
        raise NotImplementedError(f"ONNX export: circular padding needs opset_version >= 19 "
                                  f"(Pad's wrap mode), got {b.opset}")
    b.node("Pad", [op.inputs[0], _pads(b, op.params["pairs"])], op.output, mode=mode)


def glu(b: Any, op: Any) -> None:
    axis = int(op.params["axis"])
    n = op.in_shapes[0][axis]
    if n is None:
        raise NotImplementedError("ONNX export: glu along an axis of unknown length")
    h = n // 2
    a, gate = (b.node("Slice", [op.inputs[0], b.const([lo]), b.const([hi]), b.const([axis])])
               for lo, hi in ((0, h), (h, 2 * h)))
    b.node("Mul", [a, b.node("Sigmoid", [gate])], op.output)


def logsumexp(b: Any, op: Any) -> None:
    rank = len(op.in_shapes[0])
    axes = [a % rank for a in op.params["axes"]]
    x, out, keep = op.inputs[0], op.output, op.params["keepdims"]
    m = b.node("ReduceMax", [x], axes=axes, keepdims=1)
    finite = b.node("Less", [b.node("Abs", [m]), b.const(np.inf, op.out_dtype)])
    m = b.node("Where", [finite, m, b.const(0.0, op.out_dtype)])
    s = b.node("ReduceSum", [b.node("Exp", [b.node("Sub", [x, m])])], axes=axes, keepdims=1)
    y = b.node("Add", [b.node("Log", [s]), m], out if keep else None)
    if not keep:
        b.node("Squeeze", [y], out, axes=axes)


def mse(b: Any, op: Any) -> None:
    """The kernels' steps: Sub, Mul (the square), ReduceSum over every axis, Div by the count
    (``mean``)."""
    rank = len(op.in_shapes[0])
    d = b.node("Sub", op.inputs[:2])
    mean = op.params["mean"]
    s = b.node("ReduceSum", [b.node("Mul", [d, d])], None if mean else op.output,
               axes=list(range(rank)), keepdims=0)
    if mean:
        n = float(np.prod(op.in_shapes[0]))
        b.node("Div", [s, b.const(n, op.out_dtype)], op.output)


def nll(b: Any, op: Any) -> None:
    """The kernels' steps: GatherElements of the targets as a column, ReduceSum over both
    axes, Div by -N (``mean``) or Neg."""
    x, t = op.inputs[:2]
    col = b.node("Unsqueeze", [b.node("Cast", [t], to=7)], axes=[1])
    s = b.node("ReduceSum", [b.node("GatherElements", [x, col], axis=1)], axes=[0, 1],
               keepdims=0)
    if op.params["mean"]:
        b.node("Div", [s, b.const(-float(op.in_shapes[0][0]), op.out_dtype)], op.output)
    else:
        b.node("Neg", [s], op.output)


def smooth_l1(b: Any, op: Any) -> None:
    """z = |x - t| against the band b: 0.5 z z / b below it, z - 0.5 b above (Huber: 0.5 z z,
    b (z - 0.5 b)), the kernels' order of operations."""
    p, d = op.params, op.out_dtype
    half, beta = b.const(0.5, d), b.const(float(p["beta"]), d)
    z = b.node("Abs", [b.node("Sub", op.inputs[:2])])
    sq = b.node("Mul", [b.node("Mul", [half, z]), z])
    inner = sq if p["huber"] else b.node("Div", [sq, beta])
    outer = b.node("Sub", [z, b.node("Mul", [half, beta])])
    b.node("Where", [b.node("Less", [z, beta]), inner,
                     b.node("Mul", [beta, outer]) if p["huber"] else outer], op.output)


def group_norm(b: Any, op: Any) -> None:
    p, x, d = op.params, op.inputs[0], op.out_dtype
    rank = len(op.in_shapes[0])
    g = b.node("Reshape", [x, b.const(np.array([0, int(p["groups"]), -1], np.int64))])
    dev = b.node("Sub", [g, b.node("ReduceMean", [g], axes=[2], keepdims=1)])
    var = b.node("ReduceMean", [b.node("Mul", [dev, dev])], axes=[2], keepdims=1)
    eps = b.const(float(p["eps"]), d)
    y = b.node("Div", [dev, b.node("Sqrt", [b.node("Add", [var, eps])])])
    y = b.node("Reshape", [y, b.node("Shape", [x])])
    per_channel = b.const(np.array([-1] + [1] * (rank - 2), np.int64))
    rest = list(op.inputs[1:])
    if "w" in p["affine"]:
        y = b.node("Mul", [y, b.node("Reshape", [rest.pop(0), per_channel])])
    if "b" in p["affine"]:
        y = b.node("Add", [y, b.node("Reshape", [rest.pop(0), per_channel])])
    b.node("Identity", [y], op.output)


def cosine_similarity(b: Any, op: Any) -> None:
    x1, x2 = op.inputs[:2]
    axis = int(op.params["axis"])
    e2 = b.const(float(op.params["eps"]) ** 2, op.out_dtype)

    def norm(x: str) -> str:
        sq = b.node("ReduceSum", [b.node("Mul", [x, x])], axes=[axis], keepdims=0)
        return b.node("Sqrt", [b.node("Max", [sq, e2])])

    dot = b.node("ReduceSum", [b.node("Mul", [x1, x2])], axes=[axis], keepdims=0)
    b.node("Div", [dot, b.node("Mul", [norm(x1), norm(x2)])], op.output)


def kl_div(b: Any, op: Any) -> None:
    x, t = op.inputs[:2]
    zero = b.const(0.0, op.out_dtype)
    tlogt = b.node("Where", [b.node("Equal", [t, zero]), zero,
                             b.node("Mul", [t, b.node("Log", [t])])])
    b.node("Sub", [tlogt, b.node("Mul", [t, x])], op.output)


def kl_div_log(b: Any, op: Any) -> None:
    x, t = op.inputs[:2]
    b.node("Mul", [b.node("Exp", [t]), b.node("Sub", [t, x])], op.output)


def flip(b: Any, op: Any) -> None:
    axes = [int(a) for a in op.params["axes"]] if op.in_shapes[0] else []
    if not axes:
        b.node("Identity", [op.inputs[0]], op.output)
        return
    b.node("Slice", [op.inputs[0], b.const([-1] * len(axes)),
                     b.const([np.iinfo(np.int64).min] * len(axes)), b.const(axes),
                     b.const([-1] * len(axes))], op.output)


def roll(b: Any, op: Any) -> None:
    x, shape = op.inputs[0], op.in_shapes[0]
    for s, a in zip(op.params["shifts"], op.params["axes"] if shape else ()):
        n = shape[a]
        if n is None:
            raise NotImplementedError("ONNX export: roll along an axis of unknown length")
        k = int(s) % n if n else 0
        if k:
            tail, head = (b.node("Slice", [x, b.const([lo]), b.const([hi]), b.const([int(a)])])
                          for lo, hi in ((n - k, n), (0, n - k)))
            x = b.node("Concat", [tail, head], axis=int(a))
    b.node("Identity", [x], op.output)


def index_add(b: Any, op: Any) -> None:
    """``x`` with ``v``'s rows added at ``i`` along the axis (moved to the front by a Transpose,
    and back): ScatterND's ``add`` into ``x`` from opset 16, before it (floats) ``x`` plus the
    one-hot MatMul that exports ``scatter_add``."""
    from types import SimpleNamespace

    from .onnx_export_nn import scatter_add_onehot
    x, i, v = op.inputs[:3]
    axis, nd = int(op.params["axis"]), len(op.in_shapes[0])
    perm = [axis] + [d for d in range(nd) if d != axis]
    if axis:
        x, v = b.node("Transpose", [x], perm=perm), b.node("Transpose", [v], perm=perm)
    out = op.output if not axis else None
    if b.opset >= 16:
        rows = b.node("Unsqueeze", [b.node("Cast", [i], to=7)], axes=[-1])
        y = b.node("ScatterND", [x, rows, v], out, reduction="add")
    elif np.dtype(op.out_dtype).kind in "fc":
        added = b.fresh("index_add")
        scatter_add_onehot(b, SimpleNamespace(inputs=[v, i, x], output=added,
                                              out_dtype=op.out_dtype))
        y = b.node("Add", [x, added], out)
    else:
        raise NotImplementedError(f"ONNX export: index_add of integers needs opset_version >= "
                                  f"16 (ScatterND's reduction), got {b.opset}")
    if axis:
        b.node("Transpose", [y], op.output, perm=[int(p) for p in np.argsort(perm)])
