"""``tf.GraphDef``, ``Graph.as_graph_def`` and ``tf.import_graph_def``: a graph as data.

A ``GraphDef`` holds the same records ``tf.train.export_meta_graph`` writes (``graph_export``'s
one encoder: one tagged-JSON record per op, constants as NumPy arrays), without collections and
without variable values, as TensorFlow's GraphDef has neither.  ``SerializeToString()`` is the
bytes of that ``.npz`` archive (no pickle) and ``ParseFromString`` reads them back with the
loader of ``saving.py``: every record is checked before any op is added, and nothing in the
bytes is ever executed.  These are dlcore's bytes, not TensorFlow's protobuf: a ``.pb`` made
by TensorFlow is refused with a ``DecodeError`` that says so (re-export such a model with
dlcore).  ``.node`` lists the nodes as TensorFlow's NodeDef reads them
(``name``, ``op``, ``input``, ``device``, the last one writable: ``node.device = ''``).

``import_graph_def(graph_def, input_map=, return_elements=, name=)`` adds the nodes to the
default graph under ``name/`` (``import/`` by default, none for ``name=''``), replacing the
inputs named in ``input_map`` by the caller's tensors, and returns the elements asked for:
``'op'`` an Operation, ``'op:0'`` a Tensor.  The graph transforms (freezing variables into
constants, extracting a sub-graph) are in ``graph_util.py``.
"""

from __future__ import annotations

import io
import json
from collections.abc import MutableSequence
from typing import Any

import numpy as np

from dlcore import safe_io

from ._graph_checks import GraphFileError, _Arrays, _bad
from .graph import Graph, Operation, Tensor, get_default_graph
from .graph_export import FORMAT, VERSION, graph_to_json

_MAX_BYTES = 1 << 31


class DecodeError(GraphFileError):
    """Bytes that are not a serialized dlcore GraphDef (protobuf's ``DecodeError``)."""


class _DictArrays:
    """A GraphDef's arrays in memory, read as ``_Arrays`` reads a file's (``get``); ``base``:
    another store the keys not here come from (a transformed GraphDef shares its input's)."""

    def __init__(self, arrays: dict, base=None) -> None:
        self.arrays, self.base = arrays, base

    def __contains__(self, key) -> bool:
        return key in self.arrays or (self.base is not None and key in self.base)

    def get(self, key: str, shape=None, dtype=None) -> np.ndarray:
        if key in self.arrays:
            arr = self.arrays[key]
            if (shape is not None and arr.shape != tuple(shape)) or \
                    (dtype is not None and arr.dtype != dtype):
                _bad(f"array {key!r} does not match its declared shape and dtype")
            return arr
        if self.base is None:
            _bad(f"missing array {key!r}")
        return self.base.get(key, shape, dtype)


class NodeDef:
    """One node of a GraphDef as TensorFlow's NodeDef reads: ``name``, ``op`` (its type),
    ``input`` (``'x'``, ``'split:1'``, control inputs ``'^init'``) and ``device``."""

    __slots__ = ("_gd", "_i")

    def __init__(self, gd: GraphDef, i: int) -> None:
        self._gd, self._i = gd, i

    @property
    def _rec(self) -> dict:
        return self._gd._doc["ops"][self._i]

    @property
    def name(self) -> str:
        return self._rec["name"]

    @name.setter
    def name(self, value: str) -> None:
        value = str(value)
        if any(r["name"] == value for r in self._gd._doc["ops"] if r is not self._rec):
            raise ValueError(f"GraphDef already has a node named {value!r}")
        self._rec["name"] = value

    @property
    def op(self) -> str:
        return self._rec["type"]

    @op.setter
    def op(self, value) -> None:
        if value != self._rec["type"]:
            raise NotImplementedError(f"changing node {self.name!r}'s op from "
                                      f"{self._rec['type']!r} to {value!r} is not supported: a "
                                      "dlcore GraphDef node holds its core primitive")

    @property
    def input(self) -> _Inputs:
        """The inputs' names, editable in place as TF's repeated field (``node.input[i] =
        'add'``, ``del node.input[i]``, ``append``): each edit is written back."""
        return _Inputs(self)

    @input.setter
    def input(self, names) -> None:
        self._set_inputs(list(names))

    @property
    def attr(self):
        raise NotImplementedError(f"node {self.name!r}: a dlcore GraphDef node has no attr map "
                                  "(its parameters are the core primitive's)")

    def _names(self) -> list:
        ops = self._gd._doc["ops"]
        names = [ops[a]["name"] + (f":{b}" if b else "") for a, b in self._rec["inputs"]]
        return names + ["^" + ops[c]["name"] for c in self._rec["control_inputs"]]

    def _set_inputs(self, names: list) -> None:
        """Resolve ``names`` ('x', 'split:1', '^init') against the GraphDef and write them
        back; an unknown name or output is refused and nothing changes."""
        ops = self._gd._doc["ops"]
        index = {r["name"]: i for i, r in enumerate(ops)}
        data, ctl = [], []
        for n in names:
            if not isinstance(n, str):
                raise TypeError(f"node {self.name!r}: an input is a name, not {n!r}")
            if n.startswith("^"):
                i = index.get(n[1:])
                if i is None:
                    raise ValueError(f"node {self.name!r}: input {n!r} names no node of the "
                                     "GraphDef")
                ctl.append(i)
                continue
            if ctl:
                raise ValueError(f"node {self.name!r}: a data input {n!r} after control "
                                 "inputs")
            base, k = _tensor_name(n)
            i = index.get(base)
            if i is None or k >= len(ops[i]["outputs"]):
                raise ValueError(f"node {self.name!r}: input {n!r} names no node output of the "
                                 "GraphDef")
            data.append([i, k])
        self._rec["inputs"], self._rec["control_inputs"] = data, ctl

    @property
    def device(self) -> str:
        """TF's name of the node's device ('/device:GPU:0'), '' when unplaced."""
        d = self._rec.get("device")
        if not d:
            return ""
        kind, _, index = str(d).partition(":")
        return f"/device:{'GPU' if kind == 'cuda' else 'CPU'}:{index or 0}"

    @device.setter
    def device(self, value) -> None:
        """``node.device = ''`` clears the placement; a TF device name sets it."""
        from ._device_functions import parse_device, to_device
        dev = to_device(parse_device(value)) if value else None
        self._rec["device"] = None if dev is None else str(dev)

    def __repr__(self) -> str:
        return f"name: {self.name!r}\nop: {self.op!r}\n" + \
            "".join(f"input: {i!r}\n" for i in self.input)


class _Inputs(MutableSequence):
    """``NodeDef.input``: a list of names whose edits go back into the node's record."""

    def __init__(self, node: NodeDef) -> None:
        self._node = node

    def __len__(self) -> int:
        return len(self._node._names())

    def __getitem__(self, i):
        return self._node._names()[i]

    def __setitem__(self, i, value) -> None:
        names = self._node._names()
        names[i] = value
        self._node._set_inputs(names)

    def __delitem__(self, i) -> None:
        names = self._node._names()
        del names[i]
        self._node._set_inputs(names)

    def insert(self, i: int, value) -> None:
        names = self._node._names()
        names.insert(i, value)
        self._node._set_inputs(names)

    def __eq__(self, other) -> bool:
        return list(self) == (list(other) if isinstance(other, (list, tuple, _Inputs))
                              else other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._node._names())


class GraphDef:
    """``tf.GraphDef``: see the module's docstring."""

    def __init__(self) -> None:
        self._doc: dict = _empty_doc()
        self._arrays: Any = _DictArrays({})     # (or a parsed file's _Arrays)

    @classmethod
    def _of(cls, doc: dict, arrays) -> GraphDef:
        gd = cls.__new__(cls)
        gd._doc, gd._arrays = doc, arrays
        return gd

    @property
    def node(self) -> list:
        """The nodes in the order they were made (a topological order)."""
        return [NodeDef(self, i) for i in range(len(self._doc["ops"]))]

    def SerializeToString(self, deterministic=None) -> bytes:
        arrays: dict[str, Any] = {key: self._arrays.get(key, *decl)
                                  for key, decl in _array_refs(self._doc)}
        payload = np.frombuffer(json.dumps(self._doc).encode(), dtype=np.uint8)
        buf = io.BytesIO()
        np.savez(buf, __graph__=payload, **arrays)
        return buf.getvalue()

    def ParseFromString(self, data) -> int:
        """Replace this GraphDef by the one serialized in ``data``; returns its length.
        Bytes of another kind raise ``DecodeError`` and leave this GraphDef as it was."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"ParseFromString expects bytes, not {type(data).__name__}")
        data = bytes(data)
        label = "the serialized GraphDef"
        if not data.startswith(b"PK\x03\x04"):
            raise DecodeError("Error parsing message: these bytes are not a dlcore GraphDef "
                              "(an .npz archive); TensorFlow's protobuf GraphDef (.pb) files "
                              "cannot be read by dlcore_static: re-export the model with "
                              "dlcore (graph.as_graph_def().SerializeToString())")
        members = safe_io.NpzMembers(data, label, DecodeError)
        if "__graph__" not in members:
            raise DecodeError(f"Error parsing message: {label} holds no dlcore graph")
        payload = members.read("__graph__", _MAX_BYTES, dtype=np.dtype(np.uint8))
        doc = safe_io.json_loads(payload.tobytes(), label, DecodeError)
        if not isinstance(doc, dict) or doc.get("format") != FORMAT or \
                doc.get("version") != VERSION or not isinstance(doc.get("ops"), list):
            raise DecodeError(f"Error parsing message: {label} is not a version-{VERSION} "
                              f"{FORMAT} record")
        try:                            # every record checked now, as import will
            _build_checked(doc, _Arrays(members), Graph())
        except GraphFileError as e:
            raise DecodeError(f"Error parsing message: {e}") from None
        doc.setdefault("contexts", [])
        doc.setdefault("variables", [])
        doc["collections"] = {}
        self._doc, self._arrays = doc, _Arrays(members)
        return len(data)

    def MergeFromString(self, data) -> int:
        if self._doc["ops"]:
            raise NotImplementedError("GraphDef.MergeFromString into a non-empty GraphDef is "
                                      "not supported (parse into a new tf.GraphDef())")
        return self.ParseFromString(data)

    def CopyFrom(self, other: GraphDef) -> None:
        if not isinstance(other, GraphDef):
            raise TypeError(f"Parameter to CopyFrom() must be instance of same class: "
                            f"expected GraphDef got {type(other).__name__}.")
        self._doc, self._arrays = json.loads(json.dumps(other._doc)), other._arrays

    def ByteSize(self) -> int:
        return len(self.SerializeToString())

    def __eq__(self, other) -> bool:
        return isinstance(other, GraphDef) and \
            self.SerializeToString() == other.SerializeToString()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<tf.GraphDef with {len(self._doc['ops'])} nodes>"


def _empty_doc() -> dict:
    return {"format": FORMAT, "version": VERSION, "contexts": [], "ops": [], "variables": [],
            "collections": {}}


def _array_refs(doc: dict):
    """(array key, (shape, dtype) declared or ()) for each array the records refer to."""
    from dlcore import dtypes as _core_dtypes
    seen = set()

    def walk(v):
        if isinstance(v, dict):
            if len(v) == 1 and "array" in v and isinstance(v["array"], str):
                yield v["array"]
            else:
                for x in v.values():
                    yield from walk(x)
        elif isinstance(v, list):
            for x in v:
                yield from walk(x)

    for r in doc["ops"]:
        decl: tuple = ()
        if r.get("type") == "Const" and len(r.get("outputs", [])) == 1:
            o = r["outputs"][0]
            decl = (tuple(o["shape"]), _core_dtypes.as_dtype(o["dtype"]))
        for key in walk([r.get("params"), r.get("attrs")]):
            if key not in seen:
                seen.add(key)
                yield key, decl


def as_graph_def(graph: Graph, from_version=None, add_shapes: bool = False) -> GraphDef:
    """``Graph.as_graph_def()``: the graph's ops as a GraphDef (no variable values)."""
    arrays: dict = {}
    doc = graph_to_json(graph, arrays)
    doc["collections"] = {}
    return GraphDef._of(doc, _DictArrays(arrays))


def _build_checked(doc: dict, arrays, graph: Graph) -> dict:
    from .saving import _build
    return _build(doc, arrays, graph)


def _tensor_name(name: str) -> tuple[str, int]:
    """'x' -> ('x', 0), 'split:1' -> ('split', 1)."""
    base, sep, idx = name.rpartition(":")
    if sep and idx.isdigit():
        return base, int(idx)
    return name, 0


def import_graph_def(graph_def, input_map=None, return_elements=None, name=None,
                     op_dict=None, producer_op_list=None):
    """``tf.import_graph_def``: see the module's docstring."""
    from .saving import _restore_variables, _with_scope
    if not isinstance(graph_def, GraphDef):
        raise TypeError("graph_def must be a GraphDef proto.")
    if input_map is not None and not isinstance(input_map, dict):
        raise TypeError("input_map must be a dictionary mapping strings to Tensor objects.")
    if return_elements is not None and (isinstance(return_elements, str) or not all(
            isinstance(e, str) for e in return_elements)):
        raise TypeError("return_elements must be a list of strings.")
    doc = graph_def._doc
    recs = doc["ops"]
    index = {r["name"]: i for i, r in enumerate(recs)}
    graph = get_default_graph()
    mapped = _check_input_map(input_map or {}, recs, index, graph)
    wanted = []
    for e in return_elements or ():
        base, k = _tensor_name(e.removeprefix("^"))
        i = index.get(base)
        if i is None or (":" in e and not k < len(recs[i]["outputs"])):
            raise ValueError(f"Requested return_element {e!r} not found in graph_def.")
        wanted.append((i, k if ":" in e else None))
    scope = "import" if name is None else str(name).rstrip("/")
    if scope:
        scope = graph.unique_name(scope, mark_as_used=False)
        doc = _with_scope(doc, scope)
    doc = dict(doc, collections={})
    scratch = Graph()                   # everything checked first: a failure adds nothing
    arrays: Any = graph_def._arrays
    _restore_variables(doc, arrays, scratch, _build_checked(doc, arrays, scratch))
    built = _build_checked(doc, arrays, graph)
    if scope:
        graph._names_in_use.setdefault(scope.lower(), 1)
    _restore_variables(doc, arrays, graph, built)
    imported = {graph._variables_by_op[op] for op in built.values() if op.type == "VariableV2"}
    for key in ("variables", "trainable_variables"):    # (a GraphDef has no collections)
        coll = graph._collections.get(key)
        if coll:
            coll[:] = [v for v in coll if v not in imported]
    if mapped:
        _rewire(built, {(i, k): t for (i, k), t in mapped.items()})
    if return_elements is None:
        return None
    out: list = []
    for i, at in wanted:
        op = built[i]
        out.append(op if at is None else op.outputs[at])
    return out


def _check_input_map(input_map: dict, recs: list, index: dict, graph: Graph) -> dict:
    """{(op index, output or -1 for '^op'): the caller's Tensor or Operation}, each checked
    against the record it replaces (TF's errors: missing names, another dtype)."""
    out: dict = {}
    missing = []
    for key, value in input_map.items():
        if not isinstance(key, str):
            raise TypeError(f"input_map keys must be strings, not {type(key).__name__}")
        if key.startswith("^"):
            i = index.get(key[1:])
            if i is None:
                missing.append(key)
                continue
            if not isinstance(value, Operation):
                raise ValueError(f"input_map entry {key!r} must map to an Operation, not "
                                 f"{value!r}")
            out[(i, -1)] = value
            continue
        base, k = _tensor_name(key)
        i = index.get(base)
        if i is None or k >= len(recs[i]["outputs"]):
            missing.append(key if ":" in key else f"{key}:0")
            continue
        t = value if isinstance(value, Tensor) else getattr(value, "_as_graph_element",
                                                             lambda: None)()
        if not isinstance(t, Tensor):
            raise TypeError(f"input_map[{key!r}] must be a Tensor, not {type(value).__name__}")
        if t.graph is not graph:
            raise ValueError(f"input_map[{key!r}] = {t.name} is not an element of the graph "
                             "being imported into")
        o = recs[i]["outputs"][k]
        want = np.dtype(o["dtype"])
        if t.aval.dtype != want:
            raise ValueError(f"Input 0 of node {base} was passed {t.dtype.name} from "
                             f"{t.name} incompatible with expected "
                             f"{np.dtype(want).name}.")
        shape = o["shape"]
        have = t.aval.shape
        if len(shape) != len(have) or any(
                a is not None and b is not None and a != b for a, b in zip(shape, have)):
            raise ValueError(f"input_map[{key!r}]: {t.name} has shape "
                             f"{list(have)}, which is not compatible with {key}'s "
                             f"{list(shape)}")
        out[(i, k)] = t
    if missing:
        raise ValueError(f"Attempted to map inputs that were not found in graph_def: "
                         f"[{', '.join(missing)}]")
    return out


def _rewire(built: dict, mapped: dict) -> None:
    """Replace, in the imported ops, each use of a mapped output (an input, a captured
    tensor in a control-flow op's attributes, a control input) by the caller's."""
    by_tensor = {}
    by_op = {}
    for (i, k), new in mapped.items():
        if k == -1:
            by_op[built[i]] = new
        else:
            by_tensor[built[i].outputs[k]] = new

    def sub(v):
        if isinstance(v, Tensor):
            return by_tensor.get(v, v)
        if isinstance(v, tuple):
            return tuple(sub(x) for x in v)
        if isinstance(v, list):
            return [sub(x) for x in v]
        if isinstance(v, dict):
            return {k: sub(x) for k, x in v.items()}
        return v

    for op in built.values():
        if by_tensor:
            if any(t in by_tensor for t in op.inputs):
                op.inputs = tuple(by_tensor.get(t, t) for t in op.inputs)
            if op.prim is None and op.attrs:
                op.attrs = sub(op.attrs)
        if by_op and any(c in by_op for c in op.control_inputs):
            op.control_inputs = [by_op.get(c, c) for c in op.control_inputs]


def write_graph(graph_or_graph_def, logdir, name, as_text: bool = True) -> str:
    """``tf.train.write_graph``: the graph's GraphDef in ``logdir/name``; returns the path.
    ``as_text=False``: the bytes of ``SerializeToString`` (what ``ParseFromString`` reads);
    ``as_text=True`` (TF's default): a readable JSON text of the records (constants as
    nested lists) for people to read; it is not parsed back, as TF's text format is only
    read by protobuf's ``text_format``."""
    import os
    gd = graph_or_graph_def
    if isinstance(gd, Graph):
        gd = as_graph_def(gd)
    if not isinstance(gd, GraphDef):
        raise TypeError(f"write_graph expects a Graph or a GraphDef, not {type(gd).__name__}")
    os.makedirs(logdir, exist_ok=True)
    path = os.path.join(logdir, name)
    if as_text:
        arrays = {key: gd._arrays.get(key, *decl).tolist() for key, decl in _array_refs(gd._doc)}
        text = json.dumps({"graph": gd._doc, "arrays": arrays}, indent=1)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        with open(path, "wb") as f:
            f.write(gd.SerializeToString())
    return path


def _graph_as_graph_def(self: Graph, from_version=None, add_shapes: bool = False) -> GraphDef:
    return as_graph_def(self, from_version, add_shapes)


_graph_as_graph_def.__doc__ = as_graph_def.__doc__
Graph.as_graph_def = _graph_as_graph_def        # type: ignore[attr-defined]
Graph.graph_def_versions = property(             # type: ignore[attr-defined]
    lambda self: type("VersionDef", (), {"producer": 134, "min_consumer": 0})())
