"""``dlcore_eager.onnx.export``: an ``nn.Module`` (or any function of tensors) to ONNX, like
``torch.onnx.export``.

The model runs once on ``args`` under ``dlcore_eager.tracing.trace`` (call ``model.eval()``
first, as for PyTorch), and the recorded primitives become an ONNX graph through
``dlcore.io.onnx_export`` (opset 17 by default, 11 and newer: ``opset_version``; checked by
``onnx.checker``): the example inputs are the graph inputs (``input_names``, default
``input.0``, ...), the parameters and buffers are initializers named by their qualified names
(``0.weight``), other constants are initializers too, and the outputs are named ``output_names``
(default ``output.0``, ...). Shapes are those of the example inputs except the ``dynamic_axes``
(symbolic dimensions, see ``_onnx_dynamic``), and Python control flow is frozen at the branch
the example took, as with PyTorch's tracer. ``nn.RNN``/``nn.LSTM``/``nn.GRU`` become ONNX
``RNN``/``LSTM``/``GRU`` operators (``_onnx_rnn``), as torch.onnx.export writes them, so their
time axis can be dynamic; on a ``PackedSequence`` from ``pack_padded_sequence`` with
``sequence_lens`` (the padded output's time axis is then the symbolic ``<output>_time``, or
``pad_packed_sequence``'s ``total_length``; its ``padding_value`` is exported too). Records no
output needs are left out.
"""

from __future__ import annotations

import os
from typing import IO, Any

import numpy as np

from dlcore.io import onnx_export

from . import _onnx_rnn
from .nn.utils.rnn import PAD_PACKED_OP


def export(model: Any, args: Any, f: str | os.PathLike | IO[bytes] | None = None,
           input_names: list[str] | None = None, output_names: list[str] | None = None,
           opset_version: int = onnx_export.OPSET, dynamic_axes: dict | None = None,
           **_ignored: Any):
    """Trace ``model(*args)`` and write the ONNX model to ``f`` (a path or a binary file) when
    given; returns the ``onnx.ModelProto``.  ``dynamic_axes`` (as torch.onnx.export: ``{name:
    {axis: "batch"}}`` or ``{name: [axes]}`` for inputs and outputs) makes those dimensions
    symbolic; the model is then traced a second time with longer dynamic axes to find the
    sizes that follow them (``_onnx_dynamic``)."""
    from . import _onnx_dynamic as dyn
    from .tracing import trace
    onnx_export.check_opset(opset_version)       # before the model runs (buffers unchanged)
    before = _buffers(model) if dynamic_axes else {}
    tr = trace(model, args, as_ops=_as_ops())
    in_names = list(input_names or [f"input.{i}" for i in range(len(tr.inputs))])
    out_names = list(output_names or [f"output.{k}" for k in range(len(tr.outputs))])
    if len(in_names) != len(tr.inputs) or len(out_names) != len(tr.outputs):
        raise ValueError(f"onnx.export: {len(in_names)} input names for {len(tr.inputs)} inputs "
                         f"and {len(out_names)} output names for {len(tr.outputs)} outputs")
    out_ranks = [len(_ref_shape(tr, ref)) for ref in tr.outputs]
    spec = dyn.normalize(dynamic_axes or {}, in_names, out_names,
                         [x.ndim for x in tr.inputs], out_ranks)
    res = tr2 = None
    if any(spec.get(n) for n in in_names):
        xs2, symbols = dyn.second_inputs(tr.inputs, in_names, spec)
        tr2 = _trace_again(model, xs2, before)
        dyn.check_same(tr, tr2, symbols)
        res = dyn.Resolver(symbols)
    inits: dict[str, np.ndarray] = dict(tr.params)
    shapes: dict[str, tuple] = {n: tuple(v.shape) for n, v in tr.params.items()}
    shapes.update({n: tuple(x.shape) for n, x in zip(in_names, tr.inputs)})
    node_out = {j: f"{r.prim.name}_{j}" for j, r in enumerate(tr.records)}
    for k, ref in enumerate(tr.outputs):
        if ref[0] == "node" and node_out[ref[1]] not in out_names:
            node_out[ref[1]] = out_names[k]
    ops: list[onnx_export.Op] = []

    def name_of(ref, ref2=None, where: str = "") -> str:
        if ref[0] == "input":
            return in_names[ref[1]]
        if ref[0] == "param":
            return ref[1]
        if ref[0] == "node":
            return node_out[ref[1]]
        nm = f"const.{len(inits) + len(ops)}"
        made = None if res is None or ref2 is None else res.const(ref[1], ref2[1], where)
        value = np.asarray(ref[1])
        if made is None:
            inits[nm] = value
        else:
            ops.append(onnx_export.Op(made[0], made[1], [], nm, [], value.shape, value.dtype))
        shapes[nm] = tuple(value.shape)
        return nm

    live = _live_records(tr)
    for j, r in enumerate(tr.records):
        if j not in live:                         # nothing the outputs need (dead code)
            continue
        if r.prim is _onnx_rnn.RNN_OP:            # one ONNX node group for all its outputs
            k = r.params["__output__"]
            if k == 0:
                n_out = 3 if r.params["mode"] == "LSTM" else 2
                r2 = tr2.records[j] if tr2 is not None else None
                where = f"the inputs of {r.params['mode']} (operation {j})"
                ins = [name_of(x, r2.inputs[i] if r2 is not None else None, where)
                       for i, x in enumerate(r.inputs)]
                params = {key: v for key, v in r.params.items() if key != "__output__"}
                params["outputs"] = [node_out[j + i] for i in range(n_out)]
                ops.append(onnx_export.Op("__rnn__", params, ins, node_out[j],
                                          [shapes[i] for i in ins], r.shape, r.dtype))
            shapes[node_out[j]] = r.shape
            continue
        if "__output__" in r.params:
            raise NotImplementedError(f"ONNX export: primitive {r.prim.name!r} with several "
                                      "outputs")
        params, dyn_shape = r.params, None
        r2 = tr2.records[j] if tr2 is not None else None
        if res is not None and r2 is not None:
            params = res.params(r.prim.name, r.params, r2.params, j)
            dyn_shape = res.shape(r.shape, r2.shape)
        where = f"primitive {r.prim.name!r} (operation {j})"
        ins = [name_of(x, r2.inputs[i] if r2 is not None else None, where)
               for i, x in enumerate(r.inputs)]
        ops.append(onnx_export.Op(r.prim.name, params, ins, node_out[j],
                                  [shapes[i] for i in ins], r.shape, r.dtype, dyn_shape))
        shapes[node_out[j]] = r.shape
    outputs = []
    time_axes = _time_axes(tr)
    for k, ref in enumerate(tr.outputs):
        src = name_of(ref, tr2.outputs[k] if tr2 is not None else None, "an output")
        dtype = tr.records[ref[1]].dtype if ref[0] == "node" else (
            tr.inputs[ref[1]].dtype if ref[0] == "input" else inits[src].dtype)
        if src != out_names[k]:
            ops.append(onnx_export.Op("identity", {}, [src], out_names[k], [shapes[src]],
                                      shapes[src], dtype))
        shape: list = list(shapes[src])
        if tr2 is not None and res is not None:
            for ax, (a1, a2) in enumerate(zip(shapes[src], _ref_shape(tr2, tr2.outputs[k]))):
                if a1 != a2:
                    shape[ax] = res.symbol_name(a1, a2) or f"{out_names[k]}_dim{ax}"
        time_axis = time_axes.get(ref[1]) if ref[0] == "node" else None
        if time_axis is not None:             # the longest length, known at run time
            shape[time_axis] = f"{out_names[k]}_time"
        for ax, sym in spec.get(out_names[k], {}).items():
            shape[ax] = sym
        outputs.append((out_names[k], tuple(shape), dtype))
    inputs = []
    for n, x in zip(in_names, tr.inputs):
        dims: list = list(x.shape)
        for ax, sym in spec.get(n, {}).items():
            dims[ax] = sym
        inputs.append((n, tuple(dims), x.dtype))
    model_proto = onnx_export.build_model(ops, inputs, outputs, inits, producer="dlcore_eager",
                                          opset=opset_version)
    if f is not None:
        onnx_export.save(model_proto, f)
    return model_proto


def _live_records(tr: Any) -> set[int]:
    """The records the outputs depend on, as torch.onnx's dead-code elimination keeps: the
    rest (an in-place update of a buffer such as ``num_batches_tracked``, values computed and
    dropped) is left out of the graph.  A recurrent module's records stay together."""
    live: set[int] = set()
    stack = [ref[1] for ref in tr.outputs if ref[0] == "node"]
    while stack:
        j = stack.pop()
        if j in live:
            continue
        live.add(j)
        r = tr.records[j]
        group = [j]
        if r.prim is _onnx_rnn.RNN_OP:            # one call's records are consecutive
            first = i = j - r.params["__output__"]
            group = []
            while i < len(tr.records) and tr.records[i].prim is _onnx_rnn.RNN_OP and \
                    tr.records[i].params["__output__"] == i - first:
                group.append(i)
                i += 1
        for i in group:
            live.add(i)
            stack.extend(ref[1] for ref in tr.records[i].inputs if ref[0] == "node")
    return live


def _time_axes(tr: Any) -> dict[int, int]:
    """The axis of each record whose size is the longest of the lengths fed at run time: a
    packed recurrent module's padded output (``_onnx_rnn``; ``pad_packed_sequence``'s without
    ``total_length``), and what keeps that axis: a transpose, a reduction over other axes, and
    an elementwise op, cast, where or matmul (a row of its first operand) whose output has the
    axis at the same place and size."""
    axes: dict[int, int] = {}
    for j, r in enumerate(tr.records):
        prim = r.prim
        if prim is _onnx_rnn.RNN_OP:
            if r.params.get("packed") and r.params["__output__"] == 0:
                axes[j] = 0
            continue
        if prim is PAD_PACKED_OP:   # to total_length: a fixed size
            if r.params["total_length"] is None:
                axes[j] = 0
            continue
        name = getattr(prim, "name", "")
        reduce = getattr(prim, "kind", None) == "reduce" and "axes" in r.params
        keeps = getattr(prim, "elementwise", False) or name in ("cast", "where", "matmul")
        if name != "transpose" and not keeps and not reduce:
            continue
        for k, ref in enumerate(r.inputs):
            if ref[0] != "node" or ref[1] not in axes:
                continue
            inner = axes[ref[1]]
            src = tr.records[ref[1]].shape
            if name == "transpose":
                axes[j] = list(r.params["perm"]).index(inner)
            elif reduce:                          # (over other axes)
                over = [a % len(src) for a in (r.params["axes"] or range(len(src)))]
                if inner not in over:
                    axes[j] = inner if r.params.get("keepdims") else \
                        inner - sum(a < inner for a in over)
            elif len(src) == len(r.shape) and r.shape[inner] == src[inner] and \
                    (name != "matmul" or (k == 0 and inner < len(r.shape) - 1)):
                axes[j] = inner                   # (matmul: a row of its first operand)
            break
    return axes


def _as_ops() -> list:
    """Modules exported as one ONNX operator each (``_onnx_rnn``)."""
    from .nn.rnn import RNNBase
    return [(RNNBase, _onnx_rnn.describe)]


def _buffers(model: Any) -> dict:
    return {n: b.detach().clone() for n, b in model.named_buffers()} \
        if hasattr(model, "named_buffers") else {}


def _trace_again(model: Any, xs: list, before: dict):
    """The second trace of dynamic axes: from the buffers (batch-norm statistics in training
    mode) the first one started with, leaving them as the first run left them."""
    from .autograd import no_grad
    from .tracing import trace
    after = _buffers(model)

    def put(values: dict) -> None:
        with no_grad():
            for n, b in model.named_buffers() if values else ():
                b.copy_(values[n])
    put(before)
    try:
        return trace(model, xs, as_ops=_as_ops())
    finally:
        put(after)


def _ref_shape(tr: Any, ref: tuple) -> tuple:
    if ref[0] == "node":
        return tuple(tr.records[ref[1]].shape)
    if ref[0] == "input":
        return tuple(tr.inputs[ref[1]].shape)
    if ref[0] == "param":
        return tuple(tr.params[ref[1]].shape)
    return tuple(np.shape(ref[1]))


def load_model(f: Any):
    """Import an ONNX model as an eager ``nn.Module`` (``dlcore_eager.onnx_import``)."""
    from .onnx_import import load_model as _load
    return _load(f)


def __getattr__(name: str) -> Any:
    if name == "OnnxLoadError":               # (the importer's module loads on first use)
        from .onnx_import import OnnxLoadError
        return OnnxLoadError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
