"""``nn.RNN``/``nn.LSTM``/``nn.GRU`` as ONNX ``RNN``/``LSTM``/``GRU`` operators in
``dlcore_eager.onnx.export``, so that the exported model takes any sequence length.

The eager forward is a Python loop over time steps; traced primitive by primitive it would
unroll into the graph and freeze the example's length.  Instead the tracer records each call of
such a module as one pseudo-primitive ``__rnn__`` (``tracing.trace(as_ops=...)``) with one record
per output (``output``, ``h_n``, and ``c_n`` for an LSTM), and ``dlcore.io.onnx_export`` writes
one ONNX recurrent node per layer (see ``_rnn`` there).

The weights become new initializers in ONNX's layout, named after the module
(``lstm.W_l0``, ``lstm.R_l0``, ``lstm.B_l0``), one per layer with the directions stacked:

* ``W`` (directions, gates * H, input) from ``weight_ih_l{k}`` (``_reverse``), ``R`` (directions,
  gates * H, H) from ``weight_hh_l{k}``, ``B`` (directions, 2 * gates * H) = ``[b_ih, b_hh]``;
* gate blocks reordered: PyTorch's LSTM ``i, f, g, o`` is ONNX's ``i, o, f, c``; PyTorch's GRU
  ``r, z, n`` is ONNX's ``z, r, h``, with ``linear_before_reset=1`` (PyTorch's
  ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``); an Elman RNN has one block.

A ``PackedSequence`` input made by ``pack_padded_sequence`` in the traced code (the tracer's
notes say which padded batch and lengths it came from) is recorded the same way with ONNX's
``sequence_lens``: the operation reads the padded batch (the packing ops then feed nothing and
are left out) and the lengths (an input of the model or a constant), sorted or not (ONNX needs
no sorting, and ``h0``/``h_n`` keep the batch order, as PyTorch's ``hx`` and ``h_n`` do); its
output is the padded output (max length, batch, dirs * H), zeros past each length, which
``pad_packed_sequence`` of the module's packed output returns in the trace.  With a
``padding_value`` or ``total_length`` that call is recorded as one more pseudo-primitive,
``__pad_packed__`` (inputs: that padded output and the lengths), which ``dlcore.io.onnx_rnn``
writes as ``Where(t < lengths, y, padding_value)`` and a ``Pad`` of the time axis to
``total_length``.

Not recorded as one operation (traced step by step as before): a ``PackedSequence`` built
another way (``pack_sequence``, by hand), and a training-mode module with dropout between
layers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_ONNX_GATES = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN_TANH": [0], "RNN_RELU": [0]}


class _RNNOp:
    """The pseudo-primitive of a whole recurrent module (one object: traces compare it by
    identity)."""

    name = "__rnn__"


RNN_OP = _RNNOp()


def _gates(w: np.ndarray, mode: str, hidden: int) -> np.ndarray:
    blocks = w.reshape(len(_ONNX_GATES[mode]), hidden, *w.shape[1:])
    return blocks[_ONNX_GATES[mode]].reshape(w.shape)


def _value(t: Any) -> np.ndarray:
    return np.array(t.detach().numpy(force=True))


def describe(module: Any, args: tuple, kwargs: dict, ref_of, params: dict, param_name):
    """The tracer's ``describe`` for ``RNNBase`` (see ``tracing``)."""
    from .nn.utils.rnn import PackedSequence, pad_packed_sequence
    from .tensor import Tensor
    from .tracing import notes
    x = args[0] if args else kwargs.get("input")
    hx = args[1] if len(args) > 1 else kwargs.get("hx")
    packed = None
    note = notes()
    if isinstance(x, PackedSequence):
        packed = note.get(id(x.data)) if note is not None else None
        if packed is None or packed[0] != "packed" or packed[1].dim() != 3:
            return None
        x = packed[1]                               # the padded batch the rows came from
    if not isinstance(x, Tensor) or x.dim() not in (2, 3):
        return None
    if module.training and module.dropout and module.num_layers > 1:
        return None
    mode, hidden = module.mode, module.hidden_size
    ndir = 2 if module.bidirectional else 1
    lstm = mode == "LSTM"
    first = module._flat_weights_names[0]
    qual = param_name(getattr(module, first))
    if qual is not None and qual.endswith(first):
        prefix = qual[: -len(first)]          # "lstm." for the model's submodule "lstm"
    else:                                     # a module outside the traced model
        prefix = f"{mode.lower()}_{len(params)}."
    ins = [ref_of(x)]
    for layer in range(module.num_layers):
        w_ih, w_hh, bias = [], [], []
        for sfx in ("", "_reverse")[:ndir]:
            w_ih.append(_gates(_value(getattr(module, f"weight_ih_l{layer}{sfx}")), mode,
                               hidden))
            w_hh.append(_gates(_value(getattr(module, f"weight_hh_l{layer}{sfx}")), mode,
                               hidden))
            if module.bias:
                bias.append(np.concatenate([
                    _gates(_value(getattr(module, f"{b}_l{layer}{sfx}")), mode, hidden)
                    for b in ("bias_ih", "bias_hh")]))
        for tag, arrays in (("W", w_ih), ("R", w_hh), ("B", bias)):
            if arrays:
                name = f"{prefix}{tag}_l{layer}"
                params[name] = np.stack(arrays)
                ins.append(("param", name))
    if packed is not None:
        lengths = packed[2]
        ins.append(ref_of(lengths) if isinstance(lengths, Tensor) else
                   ("const", np.asarray(lengths, dtype=np.int64).reshape(-1)))
    h0 = c0 = None
    if hx is not None:
        h0, c0 = (hx[0], hx[1]) if lstm else (hx, None)
        ins.append(ref_of(h0))
        if c0 is not None:
            ins.append(ref_of(c0))
    op_params = {"mode": mode, "hidden_size": hidden, "num_layers": module.num_layers,
                 "bidirectional": bool(module.bidirectional), "bias": bool(module.bias),
                 "batch_first": bool(module.batch_first if packed is None else packed[3]),
                 "unbatched": x.dim() == 2, "packed": packed is not None,
                 "initial_h": h0 is not None, "initial_c": c0 is not None}

    def pick(out):
        y, state = out
        if packed is not None and note is not None:     # the padded output stands for y
            padded = pad_packed_sequence(y)[0]
            note[id(y.data)] = ("rnn_output", padded, y.data, packed[2])
            y = padded
        return [y, *state] if lstm else [y, state]
    return RNN_OP, op_params, ins, pick
