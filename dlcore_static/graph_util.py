"""``tf.graph_util`` (also ``tf.compat.v1.graph_util``): transforms of a ``GraphDef``.

* ``extract_sub_graph(graph_def, dest_nodes)``: the nodes ``dest_nodes`` need (inputs,
  control inputs, the ops a control-flow op or a variable read refers to), in their order.
  A variable kept keeps its initializer (a dlcore variable is its op, its read and its
  initializer; TF keeps the VariableV2 node alone).
* ``convert_variables_to_constants(sess, graph_def, output_node_names)``: freezing.  The
  sub-graph of the outputs, each variable in it replaced by a ``Const`` of its value in
  ``sess`` under the variable's name, its read (``w/read``) an ``Identity`` of it, as TF 1.15
  freezes (VariableV2 -> Const, the ``read`` Identity kept).
* ``remove_training_nodes(graph_def, protected_nodes=None)``: ``Identity`` (outside
  control-flow bodies, without control inputs, not named in a control input) and
  ``tf.check_numerics`` nodes spliced out, as TF's.

Each returns a new GraphDef; the input is left as it was.
"""

from __future__ import annotations

import json

import numpy as np

from .graph_def import GraphDef, _DictArrays

__all__ = [
    "convert_variables_to_constants",
    "extract_sub_graph",
    "must_run_on_cpu",
    "remove_training_nodes",
    "tensor_shape_from_node_def_name",
]


def _check(graph_def) -> None:
    if not isinstance(graph_def, GraphDef):
        raise TypeError("graph_def must be a graph_pb2.GraphDef proto.")


def _refs(v, ops: set, tensors: list | None = None) -> None:
    """The op indices a tagged value refers to ({"op": i}, {"tensor": [i, k]})."""
    if isinstance(v, dict):
        if len(v) == 1 and "op" in v and isinstance(v["op"], int):
            ops.add(v["op"])
        elif len(v) == 1 and "tensor" in v and isinstance(v["tensor"], list):
            ops.add(v["tensor"][0])
        else:
            for x in v.values():
                _refs(x, ops)
    elif isinstance(v, list):
        for x in v:
            _refs(x, ops)


def _remap(v, new: dict, sub: dict | None = None):
    """A tagged value with its op indices renumbered by ``new`` (old -> new index) and the
    tensors in ``sub`` ((old op, output) -> (old op, output)) replaced first."""
    if isinstance(v, dict):
        if len(v) == 1 and "op" in v and isinstance(v["op"], int):
            return {"op": new[v["op"]]}
        if len(v) == 1 and "tensor" in v and isinstance(v["tensor"], list):
            a, b = v["tensor"]
            if sub:
                a, b = sub.get((a, b), (a, b))
            return {"tensor": [new[a], b]}
        return {k: _remap(x, new, sub) for k, x in v.items()}
    if isinstance(v, list):
        return [_remap(x, new, sub) for x in v]
    return v


def _needed(doc: dict, roots: list) -> set:
    recs = doc["ops"]
    var_of = {rec["op"]: rec for rec in doc.get("variables", [])}
    keep: set = set()
    todo = list(roots)
    while todo:
        i = todo.pop()
        if i in keep:
            continue
        keep.add(i)
        r = recs[i]
        deps: set = {a for a, _ in r["inputs"]} | set(r["control_inputs"])
        _refs([r.get("params"), r.get("attrs")], deps)
        if i in var_of:
            deps |= {var_of[i]["read"], var_of[i]["initializer"]}
        todo.extend(deps - keep)
    return keep


def _subset(doc: dict, keep: set, sub: dict | None = None) -> dict:
    """The records of ``keep`` (old indices), renumbered; ``sub`` as in ``_remap``."""
    order = sorted(keep)
    new = {old: k for k, old in enumerate(order)}
    ops = []
    for old in order:
        r = dict(doc["ops"][old])
        ins = []
        for a, b in r["inputs"]:
            if sub:
                a, b = sub.get((a, b), (a, b))
            ins.append([new[a], b])
        r["inputs"] = ins
        r["control_inputs"] = [new[c] for c in r["control_inputs"] if c in new]
        r["params"] = _remap(r.get("params", {"dict": {}}), new, sub)
        r["attrs"] = _remap(r.get("attrs", {"dict": {}}), new, sub)
        ops.append(r)
    variables = [dict(v, op=new[v["op"]], read=new[v["read"]],
                      initializer=new[v["initializer"]])
                 for v in doc.get("variables", []) if v["op"] in keep]
    aliases = {n: [new[a], b] for n, (a, b) in doc.get("aliases", {}).items() if a in keep}
    out = dict(doc, ops=ops, variables=variables, collections={})
    out.pop("aliases", None)
    if aliases:
        out["aliases"] = aliases
    return json.loads(json.dumps(out))          # (a copy: nothing shared with the input)


def _indices(doc: dict, names, what: str) -> list:
    if isinstance(names, str):
        raise TypeError(f"{what} must be a list.")
    index = {r["name"]: i for i, r in enumerate(doc["ops"])}
    out = []
    for n in names:
        n = n[1:] if n.startswith("^") else n.split(":")[0]
        if n not in index:
            raise AssertionError(f"{n} is not in graph")
        out.append(index[n])
    return out


def extract_sub_graph(graph_def, dest_nodes) -> GraphDef:
    """``tf.graph_util.extract_sub_graph``: see the module's docstring."""
    _check(graph_def)
    doc = graph_def._doc
    keep = _needed(doc, _indices(doc, dest_nodes, "dest_nodes"))
    return GraphDef._of(_subset(doc, keep), graph_def._arrays)


def convert_variables_to_constants(sess, input_graph_def, output_node_names,
                                   variable_names_whitelist=None,
                                   variable_names_blacklist=None) -> GraphDef:
    """``tf.graph_util.convert_variables_to_constants``: see the module's docstring."""
    from dlcore.device import to_host

    from .errors import FailedPreconditionError
    _check(input_graph_def)
    sub = extract_sub_graph(input_graph_def, output_node_names)
    doc = sub._doc
    recs = doc["ops"]
    arrays: dict = {}
    frozen = []
    graph = sess.graph
    for vrec in doc.get("variables", []):
        name = recs[vrec["op"]]["name"]
        if variable_names_whitelist is not None and name not in variable_names_whitelist:
            continue
        if variable_names_blacklist is not None and name in variable_names_blacklist:
            continue
        try:
            op = graph.get_operation_by_name(name)
        except (KeyError, ValueError):
            raise ValueError(f"convert_variables_to_constants: variable {name!r} of the "
                             f"GraphDef is not in the Session's graph") from None
        if op not in sess.variables:
            raise FailedPreconditionError(
                None, op, f"Attempting to use uninitialized value {name}")
        value = np.array(to_host(sess.variables.get(op)))
        key = f"frozen/{vrec['op']}"
        arrays[key] = value
        r = recs[vrec["op"]]
        shape_out = [{"shape": list(value.shape), "dtype": value.dtype.name}]
        recs[vrec["op"]] = dict(r, type="Const", prim=None, inputs=[], control_inputs=[],
                                params={"dict": {}},
                                attrs={"dict": {"value": {"array": key}}}, outputs=shape_out)
        rd = recs[vrec["read"]]
        recs[vrec["read"]] = dict(rd, type="Identity", prim="identity",
                                  inputs=[[vrec["op"], 0]], params={"dict": {}},
                                  attrs={"dict": {}}, outputs=shape_out)
        frozen.append(vrec)
    # the initializers of the frozen variables (kept by extract_sub_graph) go, unless an
    # output needs them (then the graph assigns to a constant: refused, as TF refuses it)
    done = {v["op"] for v in frozen}
    inits = {v["initializer"] for v in frozen}
    doc["variables"] = [v for v in doc["variables"] if v["op"] not in done]
    roots = _indices(doc, output_node_names, "output_node_names")
    for i in roots:
        if i in inits:
            raise ValueError(f"convert_variables_to_constants: output node "
                             f"{recs[i]['name']!r} assigns to a variable being frozen")
    keep = _needed(dict(doc, variables=doc["variables"]), roots)
    for i in keep:
        if recs[i]["type"] == "Assign":
            target: set = set()
            _refs(recs[i].get("attrs"), target)
            if target & done:
                raise ValueError(f"convert_variables_to_constants: node {recs[i]['name']!r} "
                                 f"assigns to variable {recs[min(target)]['name']!r}, which "
                                 "is being frozen into a constant")
    out = _subset(doc, keep)
    return GraphDef._of(out, _DictArrays(arrays, sub._arrays))


def _consumers(recs: list) -> dict:
    """op index -> the indices of the ops that use it (input, control input, attribute)."""
    out: dict = {i: set() for i in range(len(recs))}
    for j, r in enumerate(recs):
        refs: set = {a for a, _ in r["inputs"]} | set(r["control_inputs"])
        _refs([r.get("params"), r.get("attrs")], refs)
        for i in refs:
            out[i].add(j)
    return out


def remove_training_nodes(input_graph, protected_nodes=None) -> GraphDef:
    """``tf.graph_util.remove_training_nodes``: see the module's docstring.  A
    ``tf.check_numerics`` (dlcore's: a ``CheckNumericsHost`` node fed by its IsNan/IsInf
    sub-graph, and an Identity of the data with a control input on it) goes as a whole, as
    TF's one CheckNumerics node does."""
    _check(input_graph)
    protected = set(protected_nodes or ())
    doc = input_graph._doc
    recs = doc["ops"]
    checks = {i for i, r in enumerate(recs) if r["type"] in ("CheckNumerics",
                                                             "CheckNumericsHost")
              and r["name"] not in protected and r.get("ctx") is None}
    in_control = {c for r in recs for c in r["control_inputs"] if c not in checks}
    splice: dict = {}                   # op index -> (op, output) it forwards
    for i, r in enumerate(recs):
        if r["name"] in protected or i in in_control or r.get("ctx") is not None:
            continue
        if r["type"] in ("Identity", "CheckNumerics") and r.get("prim") in (
                "identity", None) and len(r["inputs"]) == 1 and \
                set(r["control_inputs"]) <= checks:
            splice[i] = tuple(r["inputs"][0])

    def final(a, b):
        while b == 0 and a in splice:
            a, b = splice[a]
        return a, b

    referenced: set = set()             # an identity a control-flow op names stays
    for r in recs:
        _refs([r.get("params"), r.get("attrs")], referenced)
    for v in doc.get("variables", []):
        referenced |= {v["read"], v["op"], v["initializer"]}
    splice = {i: s for i, s in splice.items() if i not in referenced}
    # a check goes when only spliced identities wait on it; then the sub-graph only it used
    users = _consumers(recs)
    dead = {c for c in checks if users[c] <= set(splice)}
    for i in range(len(recs) - 1, -1, -1):
        if i not in dead and users[i] and users[i] <= dead and \
                recs[i]["name"] not in protected and i not in referenced:
            dead.add(i)
    sub = {(i, 0): final(i, 0) for i in splice}
    keep = set(range(len(recs))) - set(splice) - dead
    out = _subset(doc, keep, sub)
    for r in out["ops"]:                # (control inputs on a removed check)
        r["control_inputs"] = [c for c in r["control_inputs"] if c is not None]
    return GraphDef._of(out, input_graph._arrays)


def must_run_on_cpu(node, pin_variables_on_cpu: bool = False) -> bool:
    """``tf.graph_util.must_run_on_cpu``: string data and (optionally) variables."""
    op = getattr(node, "op", None)
    if isinstance(op, str):
        typ = op
    else:
        typ = getattr(node, "type", "")
    if pin_variables_on_cpu and typ in ("Variable", "VariableV2", "VarHandleOp"):
        return True
    outs = getattr(node, "outputs", None)
    if outs:
        return any(t.dtype.name == "string" for t in outs)
    return False


def tensor_shape_from_node_def_name(graph, input_name):
    """``tf.graph_util.tensor_shape_from_node_def_name``."""
    name = input_name if ":" in input_name else input_name + ":0"
    return graph.get_tensor_by_name(name).get_shape()
