"""The ``__rnn__`` pseudo-primitive of ``dlcore.io.onnx_export``: a whole multi-layer recurrent
network (PyTorch's ``nn.RNN``/``nn.LSTM``/``nn.GRU``, recorded by ``dlcore_eager._onnx_rnn``)
as ONNX ``RNN``/``LSTM``/``GRU`` nodes, one per layer, whose time axis is dynamic.

``params``: ``mode`` (``LSTM``, ``GRU``, ``RNN_TANH``, ``RNN_RELU``), ``hidden_size``,
``num_layers``, ``bidirectional``, ``bias``, ``batch_first``, ``unbatched`` (a 2-D input
(T, D)), ``initial_h``/``initial_c`` (whether initial states are inputs), ``outputs`` (the
names of output, h_n and, for an LSTM, c_n).  Inputs: ``X``, then per layer ``W``, ``R`` and
(with ``bias``) ``B`` in ONNX's layout and gate order, then ``h0`` and ``c0``
(num_layers * directions, batch, H) when given.  Per layer::

    Y, Y_h[, Y_c] = LSTM(X, W, R, B, "", h0[2l:2l+2], c0[...])     Y: (T, dirs, batch, H)
    X = Reshape(Transpose(Y, perm=[0, 2, 1, 3]), [0, 0, -1])       (T, batch, dirs * H)

``h_n`` (``c_n``) is the concatenation of the layers' ``Y_h`` (``Y_c``) along axis 0, as
PyTorch stacks them; a ``batch_first`` input and output are transposed, an unbatched one gets a
batch axis of 1.

``packed`` (a ``PackedSequence`` input): ``X`` is the padded batch (``batch_first`` says its
layout) and an input after the weights holds the lengths, every layer's ``sequence_lens``
(Cast to int32); output 0 is then time-major, the last layer's output up to the longest
length (``Slice`` to ``ReduceMax(sequence_lens)``), as ``pad_packed_sequence`` returns it.

``__pad_packed__`` (``pad_packed_sequence(..., padding_value=v, total_length=L)`` of that
output; inputs: the time-major padded output ``y`` (T, B, *) and the lengths)::

    t = Range(0, Shape(y)[0], 1)
    y = Where(t[:, None] < lengths[None, :], y, v)               (v != 0: y is 0 past a length)
    y = Pad(y, [0, ..., 0, L - T, 0, ..., 0], v)                 (L given: the time axis to L)
"""

from __future__ import annotations

from typing import Any

_ONNX_OP = {"LSTM": "LSTM", "GRU": "GRU", "RNN_TANH": "RNN", "RNN_RELU": "RNN"}


def convert(b: Any, op: Any) -> None:
    """Append the nodes of ``op`` (an ``onnx_export.Op`` ``__rnn__``) to builder ``b``."""
    p = op.params
    mode, layers = p["mode"], int(p["num_layers"])
    ndir = 2 if p["bidirectional"] else 1
    per = 3 if p["bias"] else 2
    x = op.inputs[0]
    states = op.inputs[1 + layers * per:]
    packed = bool(p.get("packed"))
    seq_lens = ""
    if packed:
        seq_lens = b.node("Cast", [states[0]], to=6)          # 6: int32, as ONNX requires
        states = states[1:]
    h0 = states[0] if p["initial_h"] else None
    c0 = states[1] if p["initial_c"] else None
    if p["unbatched"]:
        x = b.node("Unsqueeze", [x], axes=[1])
        h0 = None if h0 is None else b.node("Unsqueeze", [h0], axes=[1])
        c0 = None if c0 is None else b.node("Unsqueeze", [c0], axes=[1])
    elif p["batch_first"]:
        x = b.node("Transpose", [x], perm=[1, 0, 2])
    attrs: dict = {"hidden_size": int(p["hidden_size"]),
                   "direction": "bidirectional" if ndir == 2 else "forward"}
    if mode == "GRU":
        attrs["linear_before_reset"] = 1
    elif mode.startswith("RNN"):
        attrs["activations"] = ["Tanh" if mode == "RNN_TANH" else "Relu"] * ndir
    finals: list[list[str]] = [[], []]
    n_states = 2 if mode == "LSTM" else 1
    for layer in range(layers):
        w = op.inputs[1 + layer * per: 1 + (layer + 1) * per]
        ins = [x, w[0], w[1], w[2] if p["bias"] else "", seq_lens]
        for s in (h0, c0)[:n_states]:
            ins.append("" if s is None else b.node(
                "Slice", [s, b.const([layer * ndir]), b.const([(layer + 1) * ndir]),
                          b.const([0])]))
        while ins[-1] == "":
            ins.pop()
        outs = [b.fresh("Y")] + [b.fresh(n) for n in ("Y_h", "Y_c")[:n_states]]
        b.nodes.append(b.h.make_node(_ONNX_OP[mode], ins, outs, name=b.fresh(_ONNX_OP[mode]),
                                     **attrs))
        x = b.node("Reshape", [b.node("Transpose", [outs[0]], perm=[0, 2, 1, 3]),
                               b.const([0, 0, -1])])
        for k in range(n_states):
            finals[k].append(outs[1 + k])
    names = list(p["outputs"])
    if packed:                                  # up to the longest sequence, time-major
        longest = b.node("ReduceMax", [b.node("Cast", [seq_lens], to=7)], axes=[0],
                         keepdims=1)                          # 7: int64
        x = b.node("Slice", [x, b.const([0]), longest, b.const([0])])
    last = [x] + [f[0] if layers == 1 else b.node("Concat", f, axis=0)
                  for f in finals[:n_states]]
    for k, (src, name) in enumerate(zip(last, names)):
        if p["unbatched"]:
            b.node("Squeeze", [src], name, axes=[1])
        elif k == 0 and p["batch_first"] and not packed:
            b.node("Transpose", [src], name, perm=[1, 0, 2])
        else:
            b.node("Identity", [src], name)


def convert_pad_packed(b: Any, op: Any) -> None:
    """Append the nodes of ``op`` (an ``onnx_export.Op`` ``__pad_packed__``) to builder ``b``."""
    import numpy as np
    y, lengths = op.inputs
    rank = len(op.in_shapes[0])
    value = float(op.params["padding_value"])
    total = op.params.get("total_length")
    pad = b.const(value, op.out_dtype)
    t_len = b.node("Shape", [y], start=0, end=1)                     # (1,) int64
    if value != 0:
        steps = b.node("Range", [b.const(0), b.node("Squeeze", [t_len], axes=[0]),
                                 b.const(1)])
        lens = b.node("Cast", [lengths], to=7)                       # 7: int64
        mask = b.node("Less", [b.node("Unsqueeze", [steps], axes=[1]),
                               b.node("Unsqueeze", [lens], axes=[0])])         # (T, B)
        if rank > 2:
            mask = b.node("Unsqueeze", [mask], axes=list(range(2, rank)))
        y = b.node("Where", [mask, y, pad])
    if total is None:
        b.node("Identity", [y], op.output)
        return
    ends = b.node("Sub", [b.const([int(total)]), t_len])
    pads = b.node("Concat", [b.const(np.zeros(rank, np.int64)), ends,
                             b.const(np.zeros(rank - 1, np.int64))], axis=0)
    b.node("Pad", [y, pads, pad], op.output, mode="constant")
