"""``dlcore_eager.onnx.export``: an ``nn.Module`` (or any function of tensors) to ONNX, like
``torch.onnx.export``.

The model runs once on ``args`` under ``dlcore_eager.tracing.trace`` (call ``model.eval()``
first, as for PyTorch), and the recorded primitives become an ONNX graph through
``dlcore.io.onnx_export`` (opset 17, checked by ``onnx.checker``): the example inputs are the
graph inputs (``input_names``, default ``input.0``, ...), the parameters and buffers are
initializers named by their qualified names (``0.weight``), other constants are initializers
too, and the outputs are named ``output_names`` (default ``output.0``, ...).  Shapes are those
of the example inputs (no dynamic axes), and Python control flow is frozen at the branch the
example took, as with PyTorch's tracer.
"""

from __future__ import annotations

import os
from typing import IO, Any

import numpy as np

from dlcore.io import onnx_export


def export(model: Any, args: Any, f: str | os.PathLike | IO[bytes] | None = None,
           input_names: list[str] | None = None, output_names: list[str] | None = None,
           opset_version: int = onnx_export.OPSET, **_ignored: Any):
    """Trace ``model(*args)`` and write the ONNX model to ``f`` (a path or a binary file) when
    given; returns the ``onnx.ModelProto``."""
    from .tracing import trace
    tr = trace(model, args)
    in_names = list(input_names or [f"input.{i}" for i in range(len(tr.inputs))])
    out_names = list(output_names or [f"output.{k}" for k in range(len(tr.outputs))])
    if len(in_names) != len(tr.inputs) or len(out_names) != len(tr.outputs):
        raise ValueError(f"onnx.export: {len(in_names)} input names for {len(tr.inputs)} inputs "
                         f"and {len(out_names)} output names for {len(tr.outputs)} outputs")
    inits: dict[str, np.ndarray] = dict(tr.params)
    shapes: dict[str, tuple] = {n: tuple(v.shape) for n, v in tr.params.items()}
    shapes.update({n: tuple(x.shape) for n, x in zip(in_names, tr.inputs)})
    node_out = {j: f"{r.prim.name}_{j}" for j, r in enumerate(tr.records)}
    for k, ref in enumerate(tr.outputs):
        if ref[0] == "node" and node_out[ref[1]] not in out_names:
            node_out[ref[1]] = out_names[k]

    def name_of(ref) -> str:
        if ref[0] == "input":
            return in_names[ref[1]]
        if ref[0] == "param":
            return ref[1]
        if ref[0] == "node":
            return node_out[ref[1]]
        nm = f"const.{len(inits)}"
        inits[nm] = np.asarray(ref[1])
        shapes[nm] = tuple(np.shape(ref[1]))
        return nm

    ops = []
    for j, r in enumerate(tr.records):
        if "__output__" in r.params:
            raise NotImplementedError(f"ONNX export: primitive {r.prim.name!r} with several "
                                      "outputs")
        ins = [name_of(x) for x in r.inputs]
        ops.append(onnx_export.Op(r.prim.name, r.params, ins, node_out[j],
                                  [shapes[i] for i in ins], r.shape, r.dtype))
        shapes[node_out[j]] = r.shape
    outputs = []
    for k, ref in enumerate(tr.outputs):
        src = name_of(ref)
        if src != out_names[k]:
            ops.append(onnx_export.Op("identity", {}, [src], out_names[k], [shapes[src]],
                                      shapes[src], np.dtype(np.float32)))
        shape = shapes[src]
        dtype = tr.records[ref[1]].dtype if ref[0] == "node" else (
            tr.inputs[ref[1]].dtype if ref[0] == "input" else inits[src].dtype)
        outputs.append((out_names[k], shape, dtype))
    model_proto = onnx_export.build_model(
        ops, [(n, x.shape, x.dtype) for n, x in zip(in_names, tr.inputs)], outputs, inits,
        producer="dlcore_eager", opset=opset_version)
    if f is not None:
        onnx_export.save(model_proto, f)
    return model_proto


def load_model(f: Any):
    """Import an ONNX model as an eager ``nn.Module`` (``dlcore_eager.onnx_import``)."""
    from .onnx_import import load_model as _load
    return _load(f)
