"""ONNX export of a static graph: the subgraph between the feeds and fetches the user chooses.

``export(sess, fetches=[probs], feeds=[x], f="model.onnx")`` walks back from the fetched
tensors to the fed placeholders (TensorFlow's rule: only what the fetches need), and writes
through ``dlcore.io.onnx_export`` (opset 17, checked by ``onnx.checker``):

* each fed tensor is a graph input named by its op (``x``), its ``None`` dimensions symbolic
  (``N`` for the first axis, ``<input>_dim<k>`` for the others, or the names given in
  ``dynamic_axes`` as torch.onnx.export takes them), so the model accepts any batch size (and
  sequence length); the outputs' ``None`` dimensions are unknown unless ``dynamic_axes``
  names them;
* each variable read is an initializer holding the variable's current value in ``sess``, named
  by the variable (``out/kernel``); constants are initializers too;
* each primitive op becomes ONNX nodes; the outputs are named by the fetched tensors' ops.

A placeholder the fetches need but that is not fed is an error (``PlaceholderWithDefault``
exports its default); control flow (``cond``, ``while_loop``), assignments and random ops are
refused with ``NotImplementedError``; control dependencies are dropped (ONNX has none).
"""

from __future__ import annotations

import os
from typing import IO, Any

import numpy as np

from dlcore.io import onnx_export

from .graph import Tensor


def _name(t: Tensor) -> str:
    return t.op.name if t.value_index == 0 else f"{t.op.name}:{t.value_index}"


def export(sess: Any, fetches: Any, feeds: Any, f: str | os.PathLike | IO[bytes] | None = None,
           output_names: list[str] | None = None, opset_version: int = onnx_export.OPSET,
           dynamic_axes: dict | None = None):
    """The ONNX model computing ``fetches`` (tensors) from ``feeds`` (placeholders or any
    tensors); written to ``f`` when given; returns the ``onnx.ModelProto``.  ``dynamic_axes``
    (``{name: {axis: "batch"}}`` or ``{name: [axes]}``) names symbolic dimensions of inputs and
    outputs; only dimensions unknown in the graph (``None``) can be dynamic."""
    from dlcore.device import to_host
    fetches = [fetches] if isinstance(fetches, Tensor) else list(fetches)
    feeds = [feeds] if isinstance(feeds, Tensor) else list(feeds)
    for t in fetches + feeds:
        if not isinstance(t, Tensor):
            raise TypeError(f"ONNX export: fetches and feeds must be graph Tensors, got "
                            f"{type(t).__name__}")
    fed = {t: _name(t) for t in feeds}
    needed, stack = {}, list(fetches)
    while stack:                                   # ops the fetches need, stopping at feeds
        t = stack.pop()
        if t in fed or t.op in needed:
            continue
        needed[t.op] = True
        if t.op.type == "Placeholder":
            raise ValueError(f"ONNX export: placeholder {t.op.name!r} (defined at "
                             f"{t.op.defined_at}) is needed by the fetches but is not among "
                             "the feeds")
        if t.op.type == "VariableRead" or t.op.type == "Const":
            continue
        stack.extend(t.op.inputs)
    inits: dict[str, np.ndarray] = {}
    ops = []
    shapes = {fed[t]: tuple(t.aval.shape) for t in feeds}

    def src(t: Tensor) -> str:
        return fed.get(t) or _name(t)
    for op in sorted(needed, key=lambda o: o._id):
        out = op.outputs[0]               # reached through one of its output tensors
        if op.type == "Const":
            inits[_name(out)] = np.asarray(op.attrs["value"])
        elif op.type == "VariableRead":
            var = op.attrs["variable"]
            val = sess.variables.get(var) if hasattr(sess, "variables") else None
            if val is None:
                raise ValueError(f"ONNX export: variable {var.name!r} is not initialised in "
                                 "this session")
            inits[_name(out)] = np.array(to_host(val))
        elif op.type == "PlaceholderWithDefault" or op.type == "Identity":
            ops.append(onnx_export.Op("identity", {}, [src(op.inputs[0])], _name(out),
                                      [tuple(op.inputs[0].aval.shape)], tuple(out.aval.shape),
                                      out.aval.dtype))
        elif op.prim is not None:
            ins = [src(t) for t in op.inputs]
            ops.append(onnx_export.Op(op.prim.name, dict(op.params), ins, _name(out),
                                      [tuple(t.aval.shape) for t in op.inputs],
                                      tuple(out.aval.shape), out.aval.dtype))
        else:
            raise NotImplementedError(f"ONNX export: op {op.name!r} of type {op.type} (defined "
                                      f"at {op.defined_at}) has no ONNX conversion")
        shapes[_name(out)] = tuple(out.aval.shape)
    names = list(output_names or [_name(t) for t in fetches])
    outputs = []
    for t, nm in zip(fetches, names):
        if src(t) != nm or t in fed or t.op.type in ("Const", "VariableRead"):
            nm = nm if nm != src(t) else nm + "_output"
            ops.append(onnx_export.Op("identity", {}, [src(t)], nm, [tuple(t.aval.shape)],
                                      tuple(t.aval.shape), t.aval.dtype))
        outputs.append((nm, tuple(t.aval.shape), t.aval.dtype))
    inputs = [(fed[t], tuple("N" if d is None and k == 0 else
                             (f"{fed[t]}_dim{k}" if d is None else d)
                             for k, d in enumerate(t.aval.shape)), t.aval.dtype) for t in feeds]
    inputs, outputs = _name_axes(dynamic_axes or {}, inputs, outputs)
    model = onnx_export.build_model(ops, inputs, outputs, inits, producer="dlcore_static",
                                    opset=opset_version)
    if f is not None:
        onnx_export.save(model, f)
    return model


def _name_axes(dynamic_axes: dict, inputs: list, outputs: list) -> tuple[list, list]:
    """``inputs``/``outputs`` (name, shape, dtype) with the symbolic dimension names of
    ``dynamic_axes``; a named axis must be unknown (``None``) in the graph."""
    if not isinstance(dynamic_axes, dict):
        raise TypeError(f"ONNX export: dynamic_axes must be a dict of name -> {{axis: name}} or "
                        f"[axes], got {type(dynamic_axes).__name__}")
    known = {n: (i, kind) for kind, lst in (("input", inputs), ("output", outputs))
             for i, (n, _, _) in enumerate(lst)}
    result = {"input": list(inputs), "output": list(outputs)}
    for name, axes in dynamic_axes.items():
        if name not in known:
            raise ValueError(f"ONNX export: dynamic_axes names {name!r}, which is neither a "
                             f"feed {[n for n, _, _ in inputs]} nor an output "
                             f"{[n for n, _, _ in outputs]}")
        i, kind = known[name]
        _, shape, dtype = result[kind][i]
        dims = list(shape)
        spec = axes if isinstance(axes, dict) else {
            a: f"{name}_dynamic_axes_{k + 1}" for k, a in enumerate(axes)}
        for a, sym in spec.items():
            if not isinstance(a, int) or not -len(dims) <= a < len(dims):
                raise ValueError(f"ONNX export: dynamic axis {a!r} of {name!r} is out of range "
                                 f"for rank {len(dims)}")
            fixed = dims[a] if isinstance(dims[a], int) else None
            if fixed is not None:
                raise ValueError(f"ONNX export: axis {a % len(dims)} of {kind} {name!r} has the "
                                 f"fixed size {fixed} in the graph; only unknown (None) "
                                 "dimensions can be dynamic")
            dims[a] = str(sym)
        result[kind][i] = (name, tuple(dims), dtype)
    return result["input"], result["output"]
