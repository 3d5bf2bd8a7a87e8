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
exports its default); ``cond`` becomes ONNX ``If`` and ``while_loop`` ``Loop`` (nested ones
too; the branches and the body read captured outer tensors by name); assignments and random ops
are refused with ``NotImplementedError``; control dependencies are dropped (ONNX has none).
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
    onnx_export.check_opset(opset_version)
    fetches = [fetches] if isinstance(fetches, Tensor) else list(fetches)
    feeds = [feeds] if isinstance(feeds, Tensor) else list(feeds)
    for t in fetches + feeds:
        if not isinstance(t, Tensor):
            raise TypeError(f"ONNX export: fetches and feeds must be graph Tensors, got "
                            f"{type(t).__name__}")
    fed = {t: _name(t) for t in feeds}
    ex = _Exporter(sess)
    ops = ex.emit(ex.walk(fetches, set(fed)), fed, "")

    def src(t: Tensor) -> str:
        return fed.get(t) or _name(t)
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
    model = onnx_export.build_model(ops, inputs, outputs, ex.inits, producer="dlcore_static",
                                    opset=opset_version)
    if f is not None:
        onnx_export.save(model, f)
    return model


class _Exporter:
    """Walks a graph (or a cond branch, a loop body) back from some tensors and emits
    ``onnx_export.Op`` records; constants and variable values collect in ``inits``."""

    def __init__(self, sess: Any):
        self.sess = sess
        self.inits: dict[str, np.ndarray] = {}

    @staticmethod
    def walk(roots: list, stop: set) -> list:
        """The ops ``roots`` need, stopping at the tensors in ``stop`` (feeds, a subgraph's
        captured outer tensors and loop variables), in creation order."""
        needed: dict = {}
        stack = list(roots)
        while stack:
            t = stack.pop()
            if t in stop or t.op in needed:
                continue
            needed[t.op] = True
            if t.op.type == "Placeholder":
                raise ValueError(f"ONNX export: placeholder {t.op.name!r} (defined at "
                                 f"{t.op.defined_at}) is needed by the fetches but is not "
                                 "among the feeds")
            if t.op.type in ("VariableRead", "Const"):
                continue
            stack.extend(t.op.inputs)          # a Cond's or While's captures are inputs too
        return sorted(needed, key=lambda o: o._id)

    def emit(self, ops: list, names: dict, suffix: str) -> list:
        """Op records for ``ops``: a tensor in ``names`` is read by that name, any other by its
        own name plus ``suffix`` (copies of a loop condition get their own names)."""
        from dlcore.device import to_host

        def src(t: Tensor) -> str:
            return names.get(t) or _name(t) + suffix
        out_ops: list = []
        for op in ops:
            out = op.outputs[0]
            name = _name(out) + suffix
            if op.type == "Const":
                self.inits[name] = np.asarray(op.attrs["value"])
            elif op.type == "VariableRead":
                var = op.attrs["variable"]
                val = self.sess.variables.get(var) if hasattr(self.sess, "variables") else None
                if val is None:
                    raise ValueError(f"ONNX export: variable {var.name!r} is not initialised "
                                     "in this session")
                self.inits[name] = np.array(to_host(val))
            elif op.type in ("PlaceholderWithDefault", "Identity", "CheckIndices",
                             "CheckScatterIndices", "CheckDivisor", "CheckExponent",
                             "CheckNdIndices", "CheckSegmentIds"):   # (checks: ONNX has none)
                out_ops.append(onnx_export.Op("identity", {}, [src(op.inputs[0])], name,
                                              [tuple(op.inputs[0].aval.shape)],
                                              tuple(out.aval.shape), out.aval.dtype))
            elif op.type == "Cond":
                out_ops.append(self._cond(op, src, suffix))
            elif op.type == "While":
                out_ops.extend(self._while(op, src, suffix))
            elif op.prim is not None:
                out_ops.append(onnx_export.Op(op.prim.name, dict(op.params),
                                              [src(t) for t in op.inputs], name,
                                              [tuple(t.aval.shape) for t in op.inputs],
                                              tuple(out.aval.shape), out.aval.dtype))
            else:
                raise NotImplementedError(f"ONNX export: op {op.name!r} of type {op.type} "
                                          f"(defined at {op.defined_at}) has no ONNX "
                                          "conversion")
        return out_ops

    def _cond(self, op: Any, src: Any, suffix: str) -> onnx_export.Op:
        """``cond`` as ONNX ``If``: each branch a subgraph of the ops its outputs need, reading
        the captured outer tensors by their outer names."""
        caps = list(op.inputs[1:])
        outer = {t: src(t) for t in caps}
        subs = []
        for k, outs in enumerate(op.attrs["branch_outputs"]):
            inner = dict(outer)
            ops = self.emit(self.walk(list(outs), set(caps)), inner, suffix)
            subs.append(onnx_export.Sub(ops, [], [
                (f"{_name(o)}{suffix}/branch{k}", inner.get(t) or _name(t) + suffix,
                 tuple(t.aval.shape), t.aval.dtype) for o, t in zip(op.outputs, outs)]))
        return onnx_export.Op("__if__", {"then": subs[0], "else": subs[1],
                                         "outputs": [_name(o) + suffix for o in op.outputs]},
                              [src(op.inputs[0])], _name(op.outputs[0]) + suffix, [], (),
                              np.dtype(np.bool_))

    def _while(self, op: Any, src: Any, suffix: str) -> list:
        """``while_loop`` as ONNX ``Loop``: the condition is computed once on the initial
        values before the loop and again on the new values at the end of the body (ONNX tests
        the body's condition output before the next iteration); ``maximum_iterations`` is the
        trip count."""
        n = op.attrs["nvars"]
        lvars, inits, caps = list(op.attrs["loop_vars"]), op.inputs[:n], list(op.inputs[n:])
        outs, pred = list(op.attrs["body_outputs"]), op.attrs["pred"]
        stop = set(lvars) | set(caps)
        outer = {t: src(t) for t in caps}
        pred_ops = self.walk([pred], stop)
        first = self.emit(pred_ops, {**outer, **{lv: src(x) for lv, x in zip(lvars, inits)}},
                          suffix + "/init")
        body_names = {**outer, **{lv: _name(lv) + suffix for lv in lvars}}
        body = self.emit(self.walk(outs, stop), body_names, suffix)

        def in_body(t: Tensor) -> str:
            return body_names.get(t) or _name(t) + suffix
        nxt = {**outer, **{lv: in_body(o) for lv, o in zip(lvars, outs)}}
        body += self.emit(pred_ops, nxt, suffix + "/next")
        it, cond_in = f"{op.name}{suffix}/iteration", f"{op.name}{suffix}/cond_in"
        sub = onnx_export.Sub(
            body, [(it, (), np.int64), (cond_in, (), np.bool_)] +
            [(body_names[lv], tuple(lv.aval.shape), lv.aval.dtype) for lv in lvars],
            [(f"{op.name}{suffix}/cond_out", nxt.get(pred) or _name(pred) + suffix + "/next",
              (), np.bool_)] +
            [(f"{_name(o)}{suffix}/next_value", in_body(o), tuple(o.aval.shape), o.aval.dtype)
             for o in outs])
        trip = ""
        if op.attrs.get("max_iter") is not None:
            trip = f"{op.name}{suffix}/max_iter"
            self.inits[trip] = np.asarray(int(op.attrs["max_iter"]), np.int64)
        cond0 = {**outer, **{lv: src(x) for lv, x in zip(lvars, inits)}}.get(pred) or \
            _name(pred) + suffix + "/init"
        loop = onnx_export.Op("__loop__", {"body": sub,
                                           "outputs": [_name(o) + suffix for o in op.outputs]},
                              [trip, cond0] + [src(x) for x in inits],
                              _name(op.outputs[0]) + suffix, [], (), np.dtype(np.bool_))
        return first + [loop]


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
