"""Writing a static graph to a file (``tf.train.export_meta_graph``): each op, its params and
constant attributes encoded as tagged JSON plus NumPy arrays in one ``.npz`` (no pickle: a
tf.string constant, an object array, is written into the JSON as Latin-1 text).  ``tf.Assert`` and the host ops (string ops,
record parsing: ``host_ops.py``) are written by type and plain-data attributes; a ``py_func``
is refused, naming the node (its Python function cannot be stored).  ``saving.py`` reads it back and checks it;
``saver.py`` writes it beside each checkpoint."""
from __future__ import annotations

import json
from typing import Any

import numpy as np

from .graph import Graph, Operation, Tensor, get_default_graph

FORMAT, VERSION = "dlcore-static-graph", 1
_SIMPLE_TYPES = {"Const", "Placeholder", "PlaceholderWithDefault", "VariableV2", "VariableRead",
                 "Assign", "NoOp", "RandomStandardNormal", "TruncatedNormal", "RandomUniform",
                 "LoopVar", "CheckIndices", "CheckScatterIndices", "CheckDivisor",
                 "CheckExponent", "CheckNdIndices", "CheckSegmentIds", "IsVariableInitialized",
                 "ReportUninitializedVariables", "InitializedValue"}
_CONTROL_TYPES = {"Cond", "While", "WhileGrad"}
#: graph-level ops whose attributes are plain data and whose kernel is found by their type:
#: tf.Assert and the host ops of ``host_ops.IMPLS`` (string ops, parsing, ...); the loader
#: re-creates them from the file (a py_func's Python function cannot be: refused)
_DATA_OP_TYPES = {"Assert"}


def is_data_host_op(op_type) -> bool:
    from . import host_ops
    return op_type in _DATA_OP_TYPES or op_type in host_ops.IMPLS


def _enc(v, index: dict, arrays: dict, key: str, ctxs: dict | None = None):
    if ctxs is not None and type(v).__name__ == "ControlFlowContext":
        return {"ctx": ctxs[v]}
    if isinstance(v, Tensor):
        return {"tensor": [index[v.op], v.value_index]}
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, bytes):            # (a host op's pattern or separator)
        return {"bytes": v.decode("latin-1")}
    if isinstance(v, np.generic) and not isinstance(v, np.bytes_):
        return v.item()
    if isinstance(v, np.dtype):
        return {"dtype": v.name}
    if isinstance(v, tuple):
        return {"tuple": [_enc(x, index, arrays, key, ctxs) for x in v]}
    if isinstance(v, list):
        return {"list": [_enc(x, index, arrays, key, ctxs) for x in v]}
    if isinstance(v, dict):
        return {"dict": {str(k): _enc(x, index, arrays, key, ctxs) for k, x in v.items()}}
    if isinstance(v, Operation):
        return {"op": index[v]}
    if isinstance(v, np.ndarray):
        if v.dtype.kind == "O":         # NumPy would pickle an object array: never; a
            return _enc_strings(v)      # tf.string constant's bytes go in the JSON
        arrays[key] = np.asarray(v, order="C")
        return {"array": key}
    raise NotImplementedError(f"cannot save a value of type {type(v).__name__}")


def _enc_strings(v: np.ndarray) -> dict:
    """A tf.string constant (an object array of bytes) as ``{"strings": [shape, values]}``,
    each value's bytes as a Latin-1 string."""
    vals = []
    for x in v.reshape(-1).tolist():
        if not isinstance(x, bytes):
            raise NotImplementedError(f"cannot save a string constant holding "
                                      f"{type(x).__name__}")
        vals.append(x.decode("latin-1"))
    return {"strings": [list(v.shape), vals]}


def graph_to_json(graph: Graph, arrays: dict | None = None, sess=None) -> dict:
    arrays = {} if arrays is None else arrays
    index = {op: i for i, op in enumerate(graph._ops)}
    ctxs: dict = {}
    contexts: list = []

    def ctx_id(c):
        if c is None:
            return None
        if c not in ctxs:
            parent = ctx_id(c.parent)
            ctxs[c] = len(contexts)
            contexts.append({"parent": parent, "kind": c.kind, "name": c.name})
        return ctxs[c]
    ops = []
    for i, op in enumerate(graph._ops):
        if op.prim is None and op.type not in _SIMPLE_TYPES | _CONTROL_TYPES and \
                not is_data_host_op(op.type):
            why = (": its Python function cannot be stored in a file (TF's file keeps only a "
                   "token, and the function is gone in a new process)"
                   if op.type in ("PyFunc", "EagerPyFunc", "NumpyFunction") else "")
            raise NotImplementedError(f"saving a graph with '{op.type}' nodes is not supported "
                                      f"(node '{op.name}'){why}")
        if op.prim is None and is_data_host_op(op.type):
            try:                                    # (its attributes must be plain data)
                _enc(op.attrs, index, {}, "probe")
            except NotImplementedError as e:
                raise NotImplementedError(f"saving a graph with '{op.type}' node "
                                          f"'{op.name}' is not supported: {e}") from None
        for v in op.attrs.values():
            for c in (v if isinstance(v, tuple) else (v,)):
                if type(c).__name__ == "ControlFlowContext":
                    ctx_id(c)
        ops.append({
            "name": op.name, "type": op.type, "prim": op.prim.name if op.prim else None,
            "inputs": [[index[t.op], t.value_index] for t in op.inputs],
            "control_inputs": [index[c] for c in op.control_inputs],
            "params": _enc(op.params, index, arrays, f"param/{i}"),
            "attrs": _enc(op.attrs, index, arrays, f"const/{i}", ctxs),
            "ctx": ctx_id(op._ctx),
            "outputs": [{"shape": [d for d in t.aval.shape], "dtype": t.aval.dtype.name}
                        for t in op.outputs],
            "device": None if op.device is None else str(op.device),
        })
    variables = []
    for op, var in graph._variables_by_op.items():
        rec: dict[str, Any] = {"op": index[op], "read": index[var._read.op], "initializer":
               index[var.initializer], "trainable": bool(var.trainable), "value": None}
        if sess is not None and op in sess.variables:
            from dlcore.device import to_host
            arrays[f"var/{index[op]}"] = np.asarray(to_host(sess.variables.get(op)))
            rec["value"] = f"var/{index[op]}"
        variables.append(rec)
    collections = {}
    for k, items in graph._collections.items():
        enc = []
        for it in items:
            if isinstance(it, Tensor):
                enc.append({"tensor": it.name})
            elif isinstance(it, Operation):
                enc.append({"operation": it.name})
            elif hasattr(it, "_reads"):
                enc.append({"variable": it.op.name})
        collections[k] = enc
    doc = {"format": FORMAT, "version": VERSION, "contexts": contexts, "ops": ops,
           "variables": variables, "collections": collections}
    # TF1's names of the outputs of ops made here as several (split:1: Graph.alias_outputs)
    aliases = {n: [index[t.op], t.value_index] for n, t in graph._output_aliases.items()
               if t.op in index}
    if aliases:
        doc["aliases"] = aliases
    return doc


def export_meta_graph(filename, graph: Graph | None = None, sess=None, **_ignored) -> dict:
    """Write the graph (and, with ``sess``, its variables' values) to ``filename``."""
    graph = graph or (sess.graph if sess is not None else get_default_graph())
    arrays: dict = {}
    doc = graph_to_json(graph, arrays, sess)
    payload = np.frombuffer(json.dumps(doc).encode(), dtype=np.uint8)
    with open(filename, "wb") as f:
        np.savez(f, __graph__=payload, **arrays)
    return doc
