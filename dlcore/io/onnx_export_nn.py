"""The normalisation, recurrent-cell and bitwise primitives of ``dlcore.io.onnx_export`` (the
builder ``b`` and the ``Op`` records are that module's): training-mode batch norm
(``batch_norm_stats`` as ReduceMean, ``batch_norm_train`` as BatchNormalization fed those
statistics), the fused LSTM cell (``lstm_gates``, ``lstm_step``) and layer (``lstm_seq``, a
Loop), the fused GRU update (``gru_gates``) and layers (``gru_seq``, ``gru_rb_seq``: Loops),
the fused Elman layer (``rnn_seq``, a Loop), and
``bitwise_and``/``or``/``xor``/``not``: And/Or/Xor of booleans (any opset; a static Keras
BatchNormalization combines its training flags with ``bitwise_and``),
BitwiseAnd/Or/Xor/Not of integers (opset 18); and
``scatter_add`` of floats before opset 16 (no ScatterND reduction) as a one-hot MatMul;
``cumsum`` as CumSum and ``argsort`` as TopK of every element (ties in index order, as ONNX's
TopK orders them since opset 11: dlcore's sort is stable); 2-D ``grid_sample2d`` as GridSample
(opset 16 on)."""

from __future__ import annotations

from typing import Any

import numpy as np

_LOGICAL = {"bitwise_and": "And", "bitwise_or": "Or", "bitwise_xor": "Xor",
            "bitwise_not": "Not"}
_BITWISE = {"bitwise_and": "BitwiseAnd", "bitwise_or": "BitwiseOr", "bitwise_xor": "BitwiseXor",
            "bitwise_not": "BitwiseNot"}


def convert_bitwise(b: Any, op: Any) -> None:
    """``bitwise_*`` of booleans as the logical operators, of integers as ONNX's bitwise ones
    (opset 18 on; before, ``NotImplementedError`` naming the opset)."""
    if np.dtype(op.out_dtype) == np.bool_ and op.prim in _LOGICAL:
        b.node(_LOGICAL[op.prim], op.inputs[:2], op.output)
        return
    if b.opset < 18:
        raise NotImplementedError(f"ONNX export: {op.prim} of {np.dtype(op.out_dtype)} needs "
                                  f"opset_version >= 18 (ONNX's {_BITWISE[op.prim]}), got "
                                  f"{b.opset}")
    b.node(_BITWISE[op.prim], op.inputs[:1 if op.prim == "bitwise_not" else 2], op.output)


def cumsum(b: Any, op: Any) -> None:
    """``cumsum`` along its axis (``exclusive``, ``reverse``): CumSum, the axis an input."""
    p = op.params
    b.node("CumSum", [op.inputs[0], b.const(int(p["axis"]))], op.output,
           exclusive=int(bool(p["exclusive"])), reverse=int(bool(p["reverse"])))


def argsort(b: Any, op: Any) -> None:
    """``argsort`` along its axis: the indices output of a TopK of all the axis' elements
    (``largest`` = ``descending``; sorted; equal values in index order)."""
    axis = int(op.params["axis"])
    k = b.node("Shape", op.inputs[:1], start=axis, end=axis + 1)
    b.nodes.append(b.h.make_node("TopK", [op.inputs[0], k], [b.fresh("values"), op.output],
                                 name=b.fresh("TopK"), axis=axis,
                                 largest=int(bool(op.params["descending"])), sorted=1))


def grid_sample2d(b: Any, op: Any) -> None:
    """GridSample (opset 16: modes 'bilinear' and 'nearest'; opset 20 calls bilinear 'linear'),
    the padding mode and align_corners as the primitive's; before 16 ``NotImplementedError``."""
    p = op.params
    if b.opset < 16:
        raise NotImplementedError(f"ONNX export: grid_sample2d needs opset_version >= 16 "
                                  f"(ONNX's GridSample), got {b.opset}")
    mode = "linear" if p["mode"] == "bilinear" and b.opset >= 20 else p["mode"]
    b.node("GridSample", op.inputs[:2], op.output, mode=mode, padding_mode=p["padding_mode"],
           align_corners=int(bool(p["align_corners"])))


def batch_norm_stats(b: Any, op: Any) -> None:
    """``[mean, biased variance]`` over every axis but 1, shape (2, C): ReduceMean of x and of
    the squared deviations (the CPU kernel sums in float64; this sums in x's dtype)."""
    x = op.inputs[0]
    nd = len(op.in_shapes[0])
    channel = nd - 1 if op.params.get("last") else 1        # (``last``: channels-last, NHWC)
    axes = [a for a in range(nd) if a != channel]
    mean = b.node("ReduceMean", [x], axes=axes, keepdims=1)
    dev = b.node("Sub", [x, mean])
    var = b.node("ReduceMean", [b.node("Mul", [dev, dev])], axes=axes, keepdims=0)
    mean = b.node("Reshape", [mean, b.const([-1])])
    b.node("Concat", [b.node("Unsqueeze", [v], axes=[0]) for v in (mean, var)], op.output,
           axis=0)


def batch_norm_train(b: Any, op: Any) -> None:
    """``y = (x - st[0]) / sqrt(st[1] + eps) [* w] [+ b]``: ONNX BatchNormalization in inference
    form, fed the batch's own statistics ``st`` (``batch_norm_stats``), so the graph computes
    what the training-mode forward computed for any batch; the running statistics, a side
    effect of that forward, are not part of the exported computation."""
    x, st, *rest = op.inputs
    last = op.params.get("last", False)
    channels = op.in_shapes[0][-1 if last else 1]
    if not isinstance(channels, (int, np.integer)):
        raise NotImplementedError("ONNX export: batch_norm_train with an unknown channel count")
    affine = op.params.get("affine", "")
    scale = rest.pop(0) if "w" in affine else b.const(np.ones(channels), op.out_dtype)
    bias = rest.pop(0) if "b" in affine else b.const(np.zeros(channels), op.out_dtype)
    mean, var = (b.node("Gather", [st, b.const(k)], axis=0) for k in (0, 1))
    if last:
        # channels on the last axis (ONNX's BatchNormalization wants axis 1): the same formula,
        # its (C,) vectors broadcasting over the last axis
        rstd = b.node("Div", [b.const(np.ones(1), op.out_dtype), b.node("Sqrt", [b.node(
            "Add", [var, b.const(np.full(1, float(op.params["eps"])), op.out_dtype)])])])
        xhat = b.node("Mul", [b.node("Sub", [x, mean]), rstd])
        b.node("Add", [b.node("Mul", [xhat, scale]), bias], op.output)
        return
    b.node("BatchNormalization", [x, scale, bias, mean, var], op.output,
           epsilon=float(op.params["eps"]))


def lstm_step(b: Any, op: Any) -> None:
    """The fused LSTMCell step: ``z = (x w_ih^T + b_ih) + (h w_hh^T + b_hh)`` (MatMul,
    Transpose, Add), then the gates as ``lstm_gates``; y = [h', c', z] (the step keeps z)."""
    x, h, c, w_ih, w_hh, b_ih, b_hh = op.inputs[:7]
    zx = b.node("Add", [b.node("MatMul", [x, b.node("Transpose", [w_ih], perm=[1, 0])]), b_ih])
    zh = b.node("Add", [b.node("MatMul", [h, b.node("Transpose", [w_hh], perm=[1, 0])]), b_hh])
    z = b.node("Add", [zx, zh])
    lstm_update(b, z, c, op.in_shapes[2][1], op.output, keep_z=True)


def lstm_gates(b: Any, op: Any) -> None:
    lstm_update(b, op.inputs[0], op.inputs[1], op.in_shapes[1][1], op.output)


def lstm_update(b: Any, z, c, hid, output, keep_z: bool = False) -> None:
    """PyTorch's gate order: i, f, g, o = s(z_i), s(z_f), tanh(z_g), s(z_o);
    c' = f c + i g;  y = [o tanh(c'), c'] (and z after them with ``keep_z``)."""
    if hid is None:
        raise NotImplementedError("ONNX export: lstm_gates with an unknown hidden size")
    part = [b.node("Slice", [z, b.const([k * hid]), b.const([(k + 1) * hid]), b.const([1])])
            for k in range(4)]
    i, f, o = (b.node("Sigmoid", [part[k]]) for k in (0, 1, 3))
    g = b.node("Tanh", [part[2]])
    c2 = b.node("Add", [b.node("Mul", [f, c]), b.node("Mul", [i, g])])
    h2 = b.node("Mul", [o, b.node("Tanh", [c2])])
    b.node("Concat", [h2, c2, z] if keep_z else [h2, c2], output, axis=1)


def value_info(helper, name, shape, dtype):
    """A graph input's or output's ``ValueInfoProto``: each dimension an int, a name (a
    symbolic dimension) or None (unknown)."""
    return helper.make_tensor_value_info(
        name, helper.np_dtype_to_tensor_dtype(np.dtype(dtype)),
        [d if d is None or isinstance(d, str) else int(d) for d in shape])


def _time_loop(b: Any, op: Any, name: str, inits: list, width: int, body) -> None:
    """A fused recurrent layer ``op`` (``xw`` its first input, (T, B, G); its second's first
    dimension the hidden size H) as an ONNX ``Loop`` over time carrying the states ``inits``
    (each (B, H)) whose scan output is the step's (B, width H) row of the primitive's output
    (stacked: ``op.output``).  ``body(xt, states, outs, y, hid)`` adds a step's nodes: from
    ``xt = xw[t]`` and the carried states' names, the new states into the names ``outs`` and
    the step's row into ``y``."""
    xw = op.inputs[0]
    hid = op.in_shapes[1][0]
    if hid is None:
        raise NotImplementedError(f"ONNX export: {name} with an unknown hidden size")
    dt = op.out_dtype
    pre = b.fresh(name)
    it, cond, y = f"{pre}/t", f"{pre}/cond", f"{pre}/y"
    states = [f"{pre}/s{k}" for k in range(len(inits))]
    outs = [f"{pre}/s{k}_out" for k in range(len(inits))]
    outer, b.nodes = b.nodes, []
    try:
        body(b.node("Gather", [xw, it], axis=0), states, outs, y, hid)
        b.node("Identity", [cond], f"{pre}/cond_out")
        body_nodes = b.nodes
    finally:
        b.nodes = outer
    state = [None, hid]
    graph = b.h.make_graph(
        body_nodes, f"{pre}/body",
        [value_info(b.h, it, [], np.int64), value_info(b.h, cond, [], np.bool_)] +
        [value_info(b.h, v, state, dt) for v in states],
        [value_info(b.h, f"{pre}/cond_out", [], np.bool_)] +
        [value_info(b.h, v, state, dt) for v in outs] +
        [value_info(b.h, y, [None, width * hid], dt)])
    trips = b.node("Gather", [b.node("Shape", [xw]), b.const(0)], axis=0)
    b.nodes.append(b.h.make_node("Loop", [trips, ""] + list(inits),
                                 [f"{pre}/s{k}_last" for k in range(len(inits))] + [op.output],
                                 name=b.fresh("Loop"), body=graph))


def _cols(b: Any, t, k: int, m: int, hid: int, output=None):
    return b.node("Slice", [t, b.const([k * hid]), b.const([m * hid]), b.const([1])], output)


def lstm_seq(b: Any, op: Any) -> None:
    """The fused LSTM layer ``lstm_seq(xw, u, h0, c0)`` as an ONNX ``Loop`` over time whose
    body is ``z = xw[t] + h u`` and ``lstm_update``, its scan output the step's ``[h, c, z]``
    (stacked: ``y`` (T, B, 6H), as the primitive's).  (ONNX's ``LSTM`` would give only the
    ``h`` sequence and the last state, and a graph may read ``c`` or ``z`` of any step.)"""
    u = op.inputs[1]

    def body(xt, states, outs, y, hid):
        z = b.node("Add", [xt, b.node("MatMul", [states[0], u])])
        lstm_update(b, z, states[1], hid, y, keep_z=True)
        for k, out in enumerate(outs):
            _cols(b, y, k, k + 1, hid, out)

    _time_loop(b, op, "lstm_seq", op.inputs[2:4], 6, body)


def gru_gates(b: Any, op: Any) -> None:
    hid = op.in_shapes[2][1]
    if hid is None:
        raise NotImplementedError("ONNX export: gru_gates with an unknown hidden size")
    xz, hz, h = op.inputs[:3]
    gru_update(b, xz, hz, h, hid, op.output)


def gru_update(b: Any, xz, hz, h, hid, output, keep_hn: bool = False) -> None:
    """PyTorch's GRU update (the fused ``gru_gates``): ``[r, z] = s(xz[:2H] + hz[:2H])``,
    ``n = tanh(xz_n + r hz_n)``, ``h' = n + z (h - n)``;  y = [h', r, z, n] (and ``hz_n``
    after them with ``keep_hn``: ``gru_seq``'s step)."""
    def cols(t, k, m):
        return _cols(b, t, k, m, hid)

    rz = b.node("Sigmoid", [b.node("Add", [cols(xz, 0, 2), cols(hz, 0, 2)])])
    r, z = cols(rz, 0, 1), cols(rz, 1, 2)
    hn = cols(hz, 2, 3)
    n = b.node("Tanh", [b.node("Add", [cols(xz, 2, 3), b.node("Mul", [r, hn])])])
    h2 = b.node("Add", [n, b.node("Mul", [z, b.node("Sub", [h, n])])])
    b.node("Concat", [h2, r, z, n, hn] if keep_hn else [h2, r, z, n], output, axis=1)


def gru_seq(b: Any, op: Any) -> None:
    """The fused GRU layer ``gru_seq(xw, u, bh, h0)`` as an ONNX ``Loop`` over time whose body
    is ``hz = h u + bh`` and ``gru_update``, its scan output the step's ``[h, r, z, n, hn]``
    (stacked: ``y`` (T, B, 5H), as the primitive's)."""
    u, bh = op.inputs[1:3]

    def body(xt, states, outs, y, hid):
        hz = b.node("Add", [b.node("MatMul", [states[0], u]), bh])
        gru_update(b, xt, hz, states[0], hid, y, keep_hn=True)
        _cols(b, y, 0, 1, hid, outs[0])

    _time_loop(b, op, "gru_seq", op.inputs[3:4], 5, body)


def gru_rb_seq(b: Any, op: Any) -> None:
    """The reset-before GRU layer ``gru_rb_seq(xw, ug, uc, h0)`` (TensorFlow's GRUCell) as an
    ONNX ``Loop`` over time whose body is ``[r, u] = s(xw[t][:2H] + h ug)``, ``c = tanh(xw[t][2H:]
    + (r h) uc)``, ``h' = c + u (h - c)``, its scan output the step's ``[h', r, u, c]``
    (stacked: ``y`` (T, B, 4H), as the primitive's)."""
    ug, uc = op.inputs[1:3]

    def body(xt, states, outs, y, hid):
        h = states[0]
        zg = b.node("Sigmoid", [b.node("Add", [_cols(b, xt, 0, 2, hid),
                                               b.node("MatMul", [h, ug])])])
        r, u = _cols(b, zg, 0, 1, hid), _cols(b, zg, 1, 2, hid)
        c = b.node("Tanh", [b.node("Add", [_cols(b, xt, 2, 3, hid),
                                           b.node("MatMul", [b.node("Mul", [r, h]), uc])])])
        h2 = b.node("Add", [c, b.node("Mul", [u, b.node("Sub", [h, c])])])
        b.node("Concat", [h2, zg, c], y, axis=1)
        b.node("Identity", [h2], outs[0])

    _time_loop(b, op, "gru_rb_seq", op.inputs[3:4], 4, body)


def rnn_seq(b: Any, op: Any) -> None:
    """The fused Elman layer ``rnn_seq(xw, u, h0)`` as an ONNX ``Loop`` over time whose body is
    ``h = act(xw[t] + h u)`` (Tanh or Relu), its scan output the step's h (stacked: ``y``
    (T, B, H), as the primitive's)."""
    u = op.inputs[1]
    act = "Relu" if op.params["nonlinearity"] == "relu" else "Tanh"

    def body(xt, states, outs, y, hid):
        b.node(act, [b.node("Add", [xt, b.node("MatMul", [states[0], u])])], outs[0])
        b.node("Identity", [outs[0]], y)

    _time_loop(b, op, "rnn_seq", op.inputs[2:3], 1, body)


def scatter_add_onehot(b: Any, op: Any) -> None:
    """``scatter_add(v, i, ref)`` of floats before opset 16: ``out = onehot(i)^T @ v`` with
    ``onehot[k, n] = (i[k] == n)`` (n < ref's first dimension; negative indices count from
    the end), so repeated indices add up as in ScatterND's ``reduction="add"``."""
    v, i, ref = op.inputs[:3]
    n = b.node("Shape", [ref], start=0, end=1)                            # [N]
    flat = b.node("Reshape", [b.node("Cast", [i], to=7), b.const([-1])])  # (K,) int64
    flat = b.node("Where", [b.node("Less", [flat, b.const(0)]), b.node("Add", [flat, n]), flat])
    rows = b.node("Range", [b.const(0), b.node("Squeeze", [n], axes=[0]), b.const(1)])
    from onnx import helper
    hot = b.node("Cast", [b.node("Equal", [b.node("Unsqueeze", [flat], axes=[1]), rows])],
                 to=helper.np_dtype_to_tensor_dtype(np.dtype(op.out_dtype)))   # (K, N)
    v2 = b.node("Reshape", [v, b.node("Concat", [b.node("Shape", [flat]), b.const([-1])],
                                      axis=0)])                           # (K, R)
    out = b.node("MatMul", [b.node("Transpose", [hot], perm=[1, 0]), v2])  # (N, R)
    b.node("Reshape", [out, b.node("Shape", [ref])], op.output)
