"""Saving: a graph's structure and its variables' values in one file, without pickle.

The file is a NumPy ``.npz`` archive (a zip of ``.npy`` arrays) holding

* ``__graph__``: the structure as UTF-8 JSON (a uint8 array), one record per op in creation
  order: name, type, the core primitive's name (for math ops), inputs as ``[op index, output
  index]`` pairs, control inputs, parameters and attributes (tagged JSON: ``{"tuple": [...]}``,
  ``{"dtype": "float32"}``, ``{"array": key}``, ``{"op": index}``, ``{"tensor": [op, i]}``,
  ``{"ctx": index}``), the op's control-flow context (cond branch or loop body, listed in
  ``contexts`` with their parents), output shapes and dtypes, plus the variables and the
  collections (tensors, operations and variables, by name);
* one array per constant (``const/<i>``) and, when a Session is given, per variable value
  (``var/<i>``).

Loading (``import_meta_graph``) reads it with ``np.load(allow_pickle=False)``, validates every
record (known op types and primitives, inputs that refer to earlier ops, supported dtypes,
arrays of the declared shape) and rebuilds the ops from the core's registry, re-running each
primitive's shape rule; anything wrong raises ``GraphFileError`` before any op is added to the
caller's graph, and nothing is ever executed from the file.  So a graph trained in one process
can be run in a fresh process without the code that built it.

``Saver`` saves and restores variable values alone (``.safetensors``, ``checkpoint_format``),
like ``tf.train.Saver``.
"""

from __future__ import annotations

import os

import numpy as np

from dlcore import dtypes as _core_dtypes
from dlcore import safe_io
from dlcore.registry import PRIMITIVES, AVal

from ._graph_checks import (
    GraphFileError,
    _Arrays,
    _avals_txt,
    _bad,
    _check_control,
    _check_control_avals,
    _check_simple,
    _compatible,
    _contexts,
    _plain,
    _shape_of,
)
from .checkpoint_state import (  # noqa: F401 - re-exported
    CheckpointState,
    checkpoint_exists,
    get_checkpoint_state,
    latest_checkpoint,
    write_checkpoint_state,
)
from .graph import Graph, Operation, get_default_graph
from .graph_export import (  # noqa: F401
    _CONTROL_TYPES,
    _SIMPLE_TYPES,
    FORMAT,
    VERSION,
    export_meta_graph,
    graph_to_json,
    is_data_host_op,
)
from .saver import Saver

_MAX_OPS = 1_000_000
_MAX_GRAPH_JSON = 256 << 20          # bytes of the __graph__ record
_MAX_DEPTH = 64                      # nesting of tagged values


# ============================================================================ decoding
def _dec(v, nops: int, arrays, ops_built: list | None, ctxs: list | None = None,
         depth: int = 0):
    if depth > _MAX_DEPTH:
        _bad("a parameter is nested too deeply")
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, list):
        _bad("untagged list in a parameter")
    if not isinstance(v, dict) or len(v) != 1:
        _bad(f"malformed value {str(v)[:80]!r}")
    (tag, x), = v.items()
    if tag == "dtype":
        if str(x) in ("uint16", "uint32", "uint64"):     # (dtypes.STORED_UNSIGNED)
            return np.dtype(str(x))
        try:
            return _core_dtypes.as_dtype(str(x))
        except TypeError:
            _bad(f"unsupported dtype {x!r}")
    if tag in ("tuple", "list"):
        if not isinstance(x, list):
            _bad("malformed sequence")
        items = [_dec(i, nops, arrays, ops_built, ctxs, depth + 1) for i in x]
        return tuple(items) if tag == "tuple" else items
    if tag == "dict":
        if not isinstance(x, dict):
            _bad("malformed dict")
        return {str(k): _dec(i, nops, arrays, ops_built, ctxs, depth + 1) for k, i in x.items()}
    if tag == "tensor":
        if ops_built is None or not (
                isinstance(x, list) and len(x) == 2 and all(isinstance(k, int) for k in x)
                and 0 <= x[0] < nops and 0 <= x[1] < len(ops_built[x[0]].outputs)):
            _bad(f"reference to tensor {x!r} is out of range")
        return ops_built[x[0]].outputs[x[1]]
    if tag == "ctx":
        if ctxs is None or not isinstance(x, int) or not 0 <= x < len(ctxs):
            _bad(f"reference to control-flow context {x!r} is out of range")
        return ctxs[x]
    if tag == "op":
        if not isinstance(x, int) or not 0 <= x < nops:
            _bad(f"reference to op {x!r} is out of range")
        return ops_built[x] if ops_built is not None else x
    if tag == "bytes":
        if not isinstance(x, str) or any(ord(c) > 255 for c in x):
            _bad("malformed bytes")
        return x.encode("latin-1")
    if tag == "array":
        if not isinstance(x, str) or x not in arrays:
            _bad(f"missing array {x!r}")
        return arrays.get(x)
    if tag == "strings":
        return _dec_strings(x)
    _bad(f"unknown tag {tag!r}")


def _dec_strings(x) -> np.ndarray:
    """A tf.string constant from ``[shape, values]`` (graph_export._enc_strings)."""
    if not (isinstance(x, list) and len(x) == 2 and isinstance(x[0], list) and
            isinstance(x[1], list) and len(x[0]) <= 32 and
            all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in x[0]) and
            all(isinstance(s, str) for s in x[1])):
        _bad("malformed string constant")
    shape, vals = tuple(x[0]), x[1]
    if int(np.prod(shape, dtype=np.int64)) != len(vals) or \
            any(ord(c) > 255 for s in vals for c in s):
        _bad("malformed string constant")
    out = np.empty(len(vals), dtype=object)
    for i, s in enumerate(vals):
        out[i] = s.encode("latin-1")
    out = out.reshape(shape)
    out.flags.writeable = False
    return out


def _read_raw(path) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _read(path) -> tuple[dict, _Arrays]:
    label = f"graph file {os.fspath(path)!r}"
    members = safe_io.NpzMembers(_read_raw(path), label, GraphFileError)
    if "__graph__" not in members:
        _bad(f"{os.fspath(path)!r} is not a dlcore graph file (no __graph__ record)")
    payload = members.read("__graph__", _MAX_GRAPH_JSON, dtype=np.dtype(np.uint8))
    if payload.ndim != 1:
        _bad(f"{os.fspath(path)!r} is not a dlcore graph file (no __graph__ record)")
    doc = safe_io.json_loads(payload.tobytes(), f"the graph structure in {label}",
                             GraphFileError)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("version") != VERSION:
        _bad(f"{os.fspath(path)!r} is not a version-{VERSION} {FORMAT} file")
    return doc, _Arrays(members)


def _dtype_of(name, what: str) -> np.dtype:
    if str(name) in ("uint16", "uint32", "uint64"):      # (dtypes.STORED_UNSIGNED)
        return np.dtype(str(name))
    try:
        return _core_dtypes.as_dtype(str(name))
    except (TypeError, ValueError):
        _bad(f"{what} has an unsupported dtype {str(name)[:40]!r}")


def _build(doc: dict, arrays: _Arrays, graph: Graph) -> dict:
    """Add the file's ops to ``graph``; returns {op index: Operation}.  Raises GraphFileError."""
    recs = doc.get("ops")
    if not isinstance(recs, list) or len(recs) > _MAX_OPS:
        _bad("missing or oversized op list")
    ctxs = _contexts(doc)
    names = set()
    for i, r in enumerate(recs):                     # names first: a clash adds no op
        if not isinstance(r, dict):
            _bad(f"op record {i} is not an object")
        name = r.get("name")
        if not isinstance(name, str) or not name or len(name) > 1000:
            _bad(f"op {i} has a bad name")
        if name in graph._ops_by_name or name in names:
            _bad(f"op name {name!r} already exists in the graph")
        names.add(name)
    built: list = []
    for i, r in enumerate(recs):
        try:
            built.append(_build_one(i, r, graph, arrays, built, ctxs))
        except (AttributeError, TypeError, KeyError, IndexError, RecursionError,
                OverflowError) as e:
            raise GraphFileError(f"op record {i} ({str(r.get('name'))[:80]!r}) is malformed: "
                                 f"{type(e).__name__}: {str(e)[:160]}") from None
    return {i: op for i, op in enumerate(built)}


def _build_one(i: int, r: dict, graph: Graph, arrays: _Arrays, built: list,
               ctxs: list) -> Operation:
    name, typ, pname = r.get("name"), r.get("type"), r.get("prim")
    if not isinstance(name, str):                    # (_build checked every name first)
        _bad(f"op {i} has a bad name")
    ins = r.get("inputs", [])
    if not isinstance(ins, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(k, int) for k in p)
            and 0 <= p[0] < i and 0 <= p[1] < len(built[p[0]].outputs) for p in ins):
        _bad(f"op {name!r} has inputs that do not refer to earlier ops")
    inputs = [built[a].outputs[b] for a, b in ins]
    outs = r.get("outputs", [])
    if not isinstance(outs, list) or not all(isinstance(o, dict) for o in outs):
        _bad(f"op {name!r} has malformed outputs")
    avals = [AVal(_shape_of(o.get("shape"), f"output {k} of op {name!r}"),
                  np.dtype(object) if (typ in ("ReportUninitializedVariables", "Placeholder",
                                              "Const") or is_data_host_op(typ)) and
                  o.get("dtype") == "object" else      # (strings: an output, no data stored)
                  _dtype_of(o.get("dtype"), f"output {k} of op {name!r}"))
             for k, o in enumerate(outs)]
    if typ == "Const":          # read the value with the declared size, before decoding
        a = r.get("attrs")
        ref = a.get("dict", {}).get("value") if isinstance(a, dict) else None
        strings = isinstance(ref, dict) and "strings" in ref and len(avals) == 1 and \
            avals[0].dtype == object
        if len(avals) != 1 or not isinstance(ref, dict) or None in avals[0].shape or not (
                strings or isinstance(ref.get("array"), str)):
            _bad(f"constant {name!r} does not match its declared shape and dtype")
        if strings:
            if tuple(_dec_strings(ref["strings"]).shape) != tuple(avals[0].shape):
                _bad(f"constant {name!r} does not match its declared shape and dtype")
        else:
            arrays.get(ref["array"], avals[0].shape, avals[0].dtype)
    params = _dec(r.get("params", {"dict": {}}), i, arrays, built, ctxs)
    attrs = _dec(r.get("attrs", {"dict": {}}), i, arrays, built, ctxs)
    if not isinstance(params, dict) or not isinstance(attrs, dict):
        _bad(f"op {name!r} has malformed params")
    graph._names_in_use[name.lower()] = 1
    dev = r.get("device")
    c = r.get("ctx")
    if c is not None and (not isinstance(c, int) or not 0 <= c < len(ctxs)):
        _bad(f"op {name!r} has a bad control-flow context")
    try:
        with graph._enter_context(None if c is None else ctxs[c]):
            op = _make_op(graph, typ, name, pname, inputs, avals, params, attrs)
    except ValueError as e:
        if isinstance(e, GraphFileError):
            raise
        raise GraphFileError(f"op {name!r}: {e}") from None
    if dev is not None:
        from dlcore.device import as_device
        try:
            op.device = as_device(dev)
        except ValueError:
            _bad(f"op {name!r} has a bad device {dev!r}")
        if op.device.type == "cuda":
            from ._placement import mark_pinned
            mark_pinned(graph)              # the Session's placer looks at the graph
    ctl = r.get("control_inputs", [])
    if not isinstance(ctl, list) or not all(isinstance(c, int) and 0 <= c < i for c in ctl):
        _bad(f"op {name!r} has bad control inputs")
    op.control_inputs = [built[c] for c in ctl]
    return op


def _make_op(graph: Graph, typ, name: str, pname, inputs, avals, params, attrs) -> Operation:
    """One op from a validated record; the primitive's shape rule is re-run."""
    from .frontend import type_name
    if pname is not None:
        prim = PRIMITIVES.get(pname)
        if prim is None or typ != type_name(prim):
            _bad(f"op {name!r}: unknown primitive {pname!r}")
        if not _plain(params):
            _bad(f"op {name!r}: a primitive's parameters may not refer to graph elements")
        # an input of unknown rank (a 0-d stand-in): the rule as the front end ran it
        which = [k for k, t in enumerate(inputs)
                 if not t.aval.shape and t.op.attrs.get("unknown_rank")]
        known = True
        try:
            if which:
                from ._unknown_apply import derive_unknown_rank
                out, known = derive_unknown_rank(prim, [t.aval for t in inputs], which, params)
            else:
                out = prim.abstract_eval(*[t.aval for t in inputs], **params)
        except Exception as e:       # noqa: BLE001 - a hostile file may give anything
            raise GraphFileError(f"op {name!r} fails its shape rule: {e}") from None
        if len(avals) != 1 or avals[0].dtype != out.dtype or \
                tuple(avals[0].shape) != tuple(out.shape):
            _bad(f"op {name!r}: stored output {_avals_txt(avals)} does not match "
                 f"{_avals_txt([out])}, what the primitive's shape rule derives")
        op = Operation(graph, typ, name, inputs, [out], prim=prim, params=params,
                       defined_at="<loaded>")
        if not known:
            op.attrs["unknown_rank"] = True
        override = attrs.get("_gradient_op_type")    # gradient_override_map / custom_gradient
        if isinstance(override, str):
            op.attrs["_gradient_op_type"] = override
        return op
    if typ in _SIMPLE_TYPES:
        _check_simple(typ, name, inputs, avals, attrs)
        if typ == "Const":
            v = attrs.get("value")
            if not isinstance(v, np.ndarray) or len(avals) != 1 or \
                    v.shape != avals[0].shape or v.dtype != avals[0].dtype:
                _bad(f"constant {name!r} does not match its declared shape and dtype")
            v.flags.writeable = False
        if typ in ("VariableRead", "Assign") and not (
                isinstance(attrs.get("variable"), Operation)
                and attrs["variable"].type == "VariableV2"):
            _bad(f"op {name!r} must refer to a variable")
        return Operation(graph, typ, name, inputs, avals, attrs=attrs, defined_at="<loaded>")
    if typ in _CONTROL_TYPES:
        _check_control(typ, name, attrs, avals)
        _check_control_avals(typ, name, attrs, avals)
        return Operation(graph, typ, name, inputs, avals, attrs=attrs, defined_at="<loaded>")
    if is_data_host_op(typ):
        _check_data_op(typ, name, inputs, avals, attrs)
        op = Operation(graph, typ, name, inputs, avals, attrs=attrs, defined_at="<loaded>")
        if typ != "Assert":
            from dlcore.device import CPU
            op.device = CPU                      # (a host op runs on the host: host_ops.py)
        return op
    _bad(f"op {name!r} has unknown type {typ!r}")


def _plain_data(v, depth: int = 0) -> bool:
    """Attributes a host op may have: numbers, strings, dtypes, numeric arrays and lists,
    tuples and dicts of them (no graph element, nothing to call)."""
    if depth > _MAX_DEPTH:
        return False
    if v is None or isinstance(v, (bool, int, float, str, bytes, np.dtype)):
        return True
    if isinstance(v, np.ndarray):
        return v.dtype.kind != "O"
    if isinstance(v, (list, tuple)):
        return all(_plain_data(x, depth + 1) for x in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and _plain_data(x, depth + 1) for k, x in v.items())
    return False


def _check_data_op(typ: str, name: str, inputs, avals, attrs) -> None:
    """A host op or tf.Assert from a file: plain-data attributes; an Assert has no output, a
    condition and its data tensors, and ``parts`` that name them or hold strings."""
    if not _plain_data(attrs):
        _bad(f"op {name!r} ({typ}) has attributes that are not plain data")
    if typ == "Assert":
        parts, summarize = attrs.get("parts"), attrs.get("summarize")
        ok = (avals == [] and len(inputs) >= 1 and isinstance(parts, list)
              and isinstance(summarize, int) and not isinstance(summarize, bool)
              and all(isinstance(p, tuple) and len(p) == 2 and (
                  (p[0] == "t" and isinstance(p[1], int) and 0 <= p[1] < len(inputs) - 1)
                  or (p[0] == "s" and isinstance(p[1], str))) for p in parts))
        if not ok:
            _bad(f"op {name!r}: a malformed Assert")


def _restore_variables(doc: dict, arrays: _Arrays, graph: Graph, built: dict) -> dict:
    try:
        return _restore_variables_unchecked(doc, arrays, graph, built)
    except (AttributeError, TypeError, KeyError, IndexError, RecursionError) as e:
        raise GraphFileError(f"malformed variable or collection records: {type(e).__name__}: "
                             f"{str(e)[:160]}") from None


def _restore_variables_unchecked(doc: dict, arrays: _Arrays, graph: Graph, built: dict) -> dict:
    from .variables import GLOBAL_VARIABLES, TRAINABLE_VARIABLES, Variable
    values = {}
    recs, colls = doc.get("variables", []), doc.get("collections", {})
    if not isinstance(recs, list) or not isinstance(colls, dict):
        _bad("malformed variable or collection lists")
    # the file lists each variable's collections (global, trainable, local, ...): those are
    # rebuilt as they were; a file without such entries puts them in the global collections
    listed = any(isinstance(it, dict) and "variable" in it
                 for items in colls.values() if isinstance(items, list) for it in items)
    by_name: dict = {}
    for rec in recs:
        if not isinstance(rec, dict) or not all(
                isinstance(rec.get(k), int) and not isinstance(rec.get(k), bool)
                for k in ("op", "read", "initializer")):
            _bad("a variable record refers to missing ops")
        try:
            op, read, init = built[rec["op"]], built[rec["read"]], built[rec["initializer"]]
        except KeyError:
            _bad("a variable record refers to missing ops")
        if op.type != "VariableV2" or read.type != "VariableRead" or init.type != "Assign" or \
                read.attrs["variable"] is not op or init.attrs["variable"] is not op:
            _bad("a variable record refers to ops of the wrong types")
        if op in graph._variables_by_op:
            _bad(f"variable {op.name!r} is listed twice")
        var = Variable.__new__(Variable)
        var.graph, var.op, var.aval = graph, op, AVal(op.attrs["shape"], op.attrs["dtype"])
        var._read, var.initializer = read.outputs[0], init
        var._initial_value = init.inputs[0]
        var.trainable = bool(rec.get("trainable", True))
        var._reads = [read.outputs[0]]
        graph._variables_by_op[op] = var
        by_name[op.name] = var
        if not listed:
            graph.add_to_collection(GLOBAL_VARIABLES, var)
            if var.trainable:
                graph.add_to_collection(TRAINABLE_VARIABLES, var)
        key = rec.get("value")
        if key is not None:
            if not isinstance(key, str) or key not in arrays:
                _bad(f"missing value for variable {op.name!r}")
            shape = var.aval.shape
            if None in shape:
                arr = arrays.get(key)
                if arr.dtype != var.aval.dtype or not _compatible(shape, arr.shape):
                    _bad(f"the stored value of variable {op.name!r} has the wrong shape or "
                         "dtype")
            else:
                arr = arrays.get(key, shape, var.aval.dtype)
            values[op.name] = arr
    for k, items in colls.items():
        for it in items if isinstance(items, list) else []:
            if not isinstance(it, dict) or len(it) != 1:
                continue
            (kind, nm), = it.items()
            if not isinstance(nm, str):
                _bad(f"collection {k!r} holds a malformed element")
            try:
                if kind == "tensor":
                    graph.add_to_collection(k, graph.get_tensor_by_name(nm))
                elif kind == "operation":
                    graph.add_to_collection(k, graph.get_operation_by_name(nm))
                elif kind == "variable":
                    graph.add_to_collection(k, by_name[nm])
            except (KeyError, ValueError):
                _bad(f"collection {k!r} names a missing element {nm!r}")
    _restore_aliases(doc, graph, built)
    return values


def _restore_aliases(doc: dict, graph: Graph, built: dict) -> None:
    """TF1's tensor names of several ops' outputs (``split:1``, graph.alias_outputs), each
    ``name:i`` of an op output in the file; ``name`` is reserved as the name scope was."""
    aliases = doc.get("aliases", {})
    if not isinstance(aliases, dict):
        _bad("malformed output aliases")
    for nm, ref in aliases.items():
        base, _sep, num = nm.rpartition(":") if isinstance(nm, str) else ("", "", "")
        if not base or not num.isdigit() or len(nm) > 1000 or not isinstance(ref, list) or \
                len(ref) != 2 or not all(type(x) is int for x in ref):
            _bad(f"malformed output alias {str(nm)[:80]!r}")
        op = built.get(ref[0])
        if op is None or not 0 <= ref[1] < len(op.outputs):
            _bad(f"output alias {nm!r} refers to a missing op output")
        if base in graph._ops_by_name:
            _bad(f"output alias {nm!r} clashes with an op of the graph")
        graph._output_aliases[nm] = op.outputs[ref[1]]
        graph._names_in_use.setdefault(base.lower(), 1)


def _with_scope(doc: dict, scope: str) -> dict:
    """The file's records with every op, context and collection name under ``scope/``."""
    def pre(name):
        return f"{scope}/{name}" if isinstance(name, str) else name

    out = dict(doc)
    for key in ("ops", "contexts"):
        recs = doc.get(key)
        if isinstance(recs, list):
            out[key] = [dict(r, name=pre(r["name"])) if isinstance(r, dict) and
                        isinstance(r.get("name"), str) and r["name"] else r for r in recs]
    aliases = doc.get("aliases")
    if isinstance(aliases, dict):
        out["aliases"] = {pre(k): v for k, v in aliases.items()}
    colls = doc.get("collections")
    if isinstance(colls, dict):
        out["collections"] = {k: [{kind: pre(nm) for kind, nm in it.items()}
                                  if isinstance(it, dict) else it for it in items]
                              if isinstance(items, list) else items
                              for k, items in colls.items()}
    return out


def import_meta_graph(meta_graph_or_file, clear_devices: bool = False, import_scope=None,
                      graph: Graph | None = None) -> Saver:
    """Rebuild a saved graph in the default graph; returns a Saver whose ``restore(sess)``
    loads the variable values stored in the file.

    ``import_scope``: as TensorFlow 1.15, every imported name (ops, tensors, variables,
    collection entries) is prefixed with ``import_scope/`` (made unique like a name scope:
    importing twice under ``'a'`` gives ``a/...`` and ``a_1/...``), and the returned Saver
    still reads the checkpoint keys the variables were saved under (the unscoped names)."""
    doc, arrays = _read(meta_graph_or_file)
    graph = graph if graph is not None else get_default_graph()   # (an empty Graph is falsy)
    scope = None
    if import_scope:
        scope = graph.unique_name(str(import_scope).rstrip("/"), mark_as_used=False)
        doc = _with_scope(doc, scope)
    scratch = Graph()                                  # validate everything first
    _restore_variables(doc, arrays, scratch, _build(doc, arrays, scratch))
    built = _build(doc, arrays, graph)
    if scope is not None:
        graph._names_in_use.setdefault(scope.lower(), 1)
    if clear_devices:
        for op in built.values():
            op.device = None
    values = _restore_variables(doc, arrays, graph, built)
    variables = [graph._variables_by_op[op] for op in built.values() if op.type == "VariableV2"]
    # TF1's default Saver saves the global variables: local ones (metrics' counters, a
    # local_variables_initializer's) are not in the checkpoint, nor restored from it
    local = {id(v) for v in graph.get_collection("local_variables")}
    variables = [v for v in variables if id(v) not in local]
    if scope is None:
        saver = Saver(var_list=variables)
    else:                       # checkpoint keys: the names the variables were saved under
        cut = len(scope) + 1
        saver = Saver(var_list={v.op.name[cut:]: v for v in variables})
        values = {name[cut:]: arr for name, arr in values.items()}
    saver._embedded = values
    return saver
