"""Keras model files of functional models: ``Model(inputs, outputs)`` built from ``Input`` and
layer calls (several inputs and outputs, shared layers, merge layers).

The configuration is Keras's own (``functional.get_network_config`` in Keras 2,
``Functional.get_config`` in Keras 3)::

    {"class_name": "Model",                  # "Functional" in a .keras file (Keras 3)
     "config": {"name": ..., "layers": [
         {"name": "dense_1", "class_name": "Dense", "config": {...},
          "inbound_nodes": [[["input_1", 0, 0, {}]]]},     # one entry per call of the layer
         ...],
       "input_layers": [["input_1", 0, 0]], "output_layers": [["dense_2", 0, 0]]}}

An inbound node lists the tensors the layer was called on as ``[layer name, node index,
tensor index]``, the node index counting only the calls that belong to this model (Keras
re-indexes them the same way).  A functional model used as a layer is a record of class
"Model"/"Functional" whose config is its own network config; Keras counts such a layer's own
node (its inputs to its outputs) as node 0, so its calls are numbered from 1 (Keras 2: in every
reference; Keras 3: in ``input_layers``/``output_layers`` only).  Files are read by the
convention their node format shows (lists: Keras 2 / tf.keras, dicts: Keras 3).  Keras 3's
own ``.h5`` reader numbers from 0 in Keras 2 files too, so it misreads the nested models of
Keras 2 ``.h5`` files, tf.keras's and dlcore's alike: give Keras 3 the ``.keras`` file.  A
Sequential model used as a layer is refused (dlcore cannot call one inside another model).  A ``.keras`` file (Keras 3) writes each call as
``{"args": [tensor or [tensors]], "kwargs": {}}`` with each tensor as
``{"class_name": "__keras_tensor__", "config": {"shape", "dtype", "keras_history"}}``; both
forms are read.  Weights are stored by layer name (``.h5``) or by Keras 3's class-based
paths (``.keras``), see ``saving.py``.

Operations between layers (``x + y``) are records of their own: Keras 3's
(``keras.src.ops.numpy`` ``Add`` ..., ``_keras3_ops``) or dlcore's ``OpLayer`` program
(``_op_layers``), both data.  Rebuilding creates each layer from its class name among ``dlcore_static.keras.layers`` (data
only: nothing from the file is imported, unpickled or executed; a ``Lambda`` layer is refused as
Keras's ``safe_mode`` refuses it), then calls the layers on their inbound tensors in the order
that Keras uses (a node waits until the tensors it reads exist), in the current default graph.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np


def _tfop():
    return sys.modules[__package__ + "._tf_op_lambda"]


def _k3ops():
    """``_keras3_ops``, loaded by the keras package (an import here would close a cycle:
    engine -> _layer_config -> this module -> _keras3_ops -> engine)."""
    return sys.modules[__package__ + "._keras3_ops"]


_DTYPES = {"float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool",
           "string"}


def _dtype_name(t) -> str:
    """Keras's name of a tensor's dtype (strings, held as Python objects here: 'string')."""
    return "string" if t.aval.dtype == object else str(t.aval.dtype)


def is_functional(model) -> bool:
    return bool(getattr(model, "_is_graph_network", False)) and \
        type(model).__name__ != "Sequential"


def _kept_nodes(model) -> dict:
    """layer -> the layer's nodes (calls) that belong to ``model``, in call order."""
    mine = {id(n) for n in model._node_order}
    return {ly: [n for n in ly._nodes if id(n) in mine] for ly in model._summary_layers()}


def functional_config(model, layer_config: Callable, keras3: bool) -> dict:
    """The Keras configuration of a functional ``model`` (see the module docstring);
    ``layer_config(layer)`` is ``saving.layer_config`` (it refuses unsupported layers)."""
    from ._history import keras_history  # not .engine: engine imports saving

    kept = _kept_nodes(model)

    def ref(t, ends: bool = False) -> list:
        layer, ni, ti = keras_history(t)
        if type(layer).__name__ == "Captured":
            raise NotImplementedError(f"model.save: model {model.name!r} gives a layer a tensor "
                                      "that depends on no input; save the model as .keras")
        index = kept[layer].index(layer._nodes[ni])
        if _is_model(layer) and (ends or not keras3):
            index += 1          # Keras counts a nested model's own node first (see below)
        return [layer.name, index, ti]

    def k3_tensor(t) -> dict:
        if type(keras_history(t)[0]).__name__ == "Captured":   # Keras 3: its value
            from .backend import batch_get_value
            v = np.asarray(batch_get_value([t])[0])
            return {"class_name": "__tensor__",
                    "config": {"value": v.tolist(), "dtype": str(v.dtype)}}
        return {"class_name": "__keras_tensor__", "config": {
            "shape": [None if d is None else int(d) for d in t.aval.shape],
            "dtype": _dtype_name(t), "keras_history": ref(t)}}

    records = []
    for ly in model._summary_layers():
        if _is_model(ly) and not is_functional(ly):
            raise NotImplementedError(f"model.save: model {model.name!r} uses the "
                                      f"{type(ly).__name__} model {ly.name!r} as a layer; "
                                      "dlcore saves functional models nested in functional "
                                      "models only (use save_weights and rebuild the model in "
                                      "code)")
        if type(ly).__name__ == "InputLayer":
            shape = [None if d is None else int(d) for d in ly.batch_input_shape]
            t = ly._nodes[0].outputs[0]
            cfg = {"batch_shape" if keras3 else "batch_input_shape": shape,
                   "dtype": _dtype_name(t), "sparse": False, "name": ly.name}
            rec: dict[str, Any] = {"class_name": "InputLayer", "config": cfg}
            nodes: list = []
        else:
            spec = getattr(ly, "keras3", None) if keras3 else None
            if spec is not None:                     # x + y as Keras 3 writes it
                records.append({"module": spec["module"], "class_name": spec["class_name"],
                                "config": {"name": ly.name, **spec["config"]},
                                "registered_name": spec["class_name"], "name": ly.name,
                                "inbound_nodes": [{"args": _k3ops().write_args(
                                    spec["template"], ly._nodes[0].inputs, k3_tensor),
                                    "kwargs": {}}]})
                continue
            if type(ly).__name__ == "OpLayer":       # x + y between layers: data, no code
                rec = {"class_name": "OpLayer", "config": ly.get_config()}
            elif isinstance(ly, _k3ops().Keras3Op):     # read from a Keras 3 file: as it was
                if not keras3:
                    raise NotImplementedError(
                        f"model.save: operation {ly.name!r} came from a Keras 3 file; save "
                        "the model as .keras")
                records.append({"module": ly.op_module, "class_name": ly.op_class,
                                "config": ly.get_config(), "registered_name": ly.op_class,
                                "name": ly.name, "inbound_nodes": [
                                    {"args": ly.keras3_args(k3_tensor),
                                     "kwargs": ly.keras3_kwargs(k3_tensor)}]})
                continue
            elif isinstance(ly, _tfop().TFOpLambda):    # read from a tf.keras 2 file
                if keras3:
                    raise NotImplementedError(
                        f"model.save: layer {ly.name!r} is a tf.keras 2 TFOpLambda; save the "
                        "model as .h5")
                records.append({"class_name": ly.class_name, "config": ly.get_config(),
                                "name": ly.name, "inbound_nodes": [ly.keras2_node(ref)]})
                continue
            elif _is_model(ly):                      # a functional model used as a layer
                inner = functional_config(ly, layer_config, keras3)
                rec = {"class_name": inner["class_name"], "config": inner["config"]}
            else:
                rec = layer_config(ly)
            nodes = []
            for node in kept[ly]:
                if keras3 and type(ly).__name__ == "MultiHeadAttention":   # (q, v[, k])
                    nodes.append({"args": [k3_tensor(t) for t in node.inputs], "kwargs": {}})
                elif keras3:            # (a training= given to the call: its kwargs)
                    arg = k3_tensor(node.inputs[0]) if len(node.inputs) == 1 else \
                        [k3_tensor(t) for t in node.inputs]
                    nodes.append({"args": [arg], "kwargs": _call_kwargs(node)})
                else:
                    nodes.append([ref(t) + [_call_kwargs(node)] for t in node.inputs])
        if keras3:
            rec = {"module": "keras.src.models.functional" if _is_model(ly) else
                   "dlcore_static.keras" if rec["class_name"] == "OpLayer" else
                   "keras.layers", **rec,
                   "registered_name": "Functional" if _is_model(ly) else
                   rec.get("registered_name")}                   # (a user's class: its own)
        rec["name"] = ly.name
        rec["inbound_nodes"] = nodes
        records.append(rec)

    def ends(tensors) -> list:
        refs = [ref(t, ends=True) for t in tensors]
        return refs[0] if keras3 and len(refs) == 1 else refs   # Keras 3: Model(x, y) unnested
    keys = getattr(model, "_input_keys", None)      # Model({key: Input}, ...): a dict, as
    inputs = {k: ref(t, ends=True) for k, t in zip(keys, model.inputs)} if keys else \
        ends(model.inputs)                          # Keras' _nested_inputs / _inputs_struct
    config = {"name": model.name, "trainable": bool(getattr(model, "trainable", True)),
              "layers": records, "input_layers": inputs,
              "output_layers": ends(model.outputs)}
    if keras3:
        return {"module": "keras.src.models.functional", "class_name": "Functional",
                "config": config, "registered_name": "Functional"}
    return {"class_name": "Model", "config": config}


def _is_model(layer) -> bool:
    return hasattr(layer, "_init_graph")


class _NotReady(Exception):
    """An inbound node reads a call of a layer that has not been rebuilt yet."""


def build_functional(config: dict, make_layer: Callable, classes: dict, error: Callable):
    """The ``Model`` that ``config`` describes (``class_name`` "Model" or "Functional"), built in
    the default graph.  ``make_layer(class_name, layer_config)`` creates one layer (and refuses
    unknown classes and ``Lambda``); ``error`` is the loader's exception class."""
    from dlcore.safe_io import check_shape
    L, Model = classes["layers"], classes["Model"]
    cfg = config.get("config")
    if not isinstance(cfg, dict) or not isinstance(cfg.get("layers"), list):
        raise error("load_model: the functional model configuration has no layer list")
    # Keras 3 writes calls as {"args", "kwargs"} (and numbers a nested model's calls from 0
    # there), Keras 2 and tf.keras as lists (numbered from 1), whatever the class name says
    keras3 = any(isinstance(n, dict) for rec in cfg["layers"] if isinstance(rec, dict)
                 for n in (rec.get("inbound_nodes") or []))
    created: dict[str, Any] = {}
    pending: list[tuple[Any, list]] = []
    for rec in cfg["layers"]:
        if not isinstance(rec, dict) or not isinstance(rec.get("config"), dict):
            raise error("load_model: a layer record is malformed")
        cls, c = rec.get("class_name"), dict(rec["config"])
        name = rec.get("name", c.get("name"))
        if not isinstance(name, str) or name in created:
            raise error(f"load_model: layer name {str(name)[:60]!r} is missing or repeated")
        c["name"] = name
        nodes = rec.get("inbound_nodes", [])
        if not isinstance(nodes, list):
            raise error(f"load_model: layer {name!r} has malformed inbound_nodes")
        if cls == "InputLayer":
            shape = c.get("batch_shape", c.get("batch_input_shape"))
            shape = check_shape(shape, f"load_model: input {name!r}", error, allow_none=True)
            dtype = c.get("dtype") or "float32"
            if dtype not in _DTYPES:
                raise error(f"load_model: input {name!r} has unsupported dtype "
                            f"{str(dtype)[:40]!r}")
            created[name] = L.InputLayer(batch_input_shape=shape, dtype=dtype, name=name)
            continue
        if cls == "OpLayer":                        # an operation node, as data
            revive_op = sys.modules[__package__ + "._op_layers"].revive_op
            created[name] = revive_op(c, error)
        elif cls in _tfop().CLASSES:                # one tf.keras 2 wrote (tf.math.multiply)
            created[name] = _tfop().make(cls, c, error)
        elif _k3ops().is_keras3_op(rec):              # one Keras 3 wrote (x + y: Add)
            created[name] = _k3ops().Keras3Op(cls, c, error)
            created[name].op_module = rec["module"]
        elif cls in ("Model", "Functional"):        # a functional model used as a layer
            created[name] = build_functional({"class_name": cls, "config": c}, make_layer,
                                             classes, error)
        else:
            created[name] = make_layer(cls, c)
        pending.append((created[name], list(nodes)))

    def tensor(r, where: str, ends: bool = False):
        if not (isinstance(r, (list, tuple)) and len(r) in (3, 4) and isinstance(r[0], str)
                and all(isinstance(i, int) and not isinstance(i, bool) and i >= 0
                        for i in r[1:3])):
            raise error(f"load_model: {where} has a malformed tensor reference "
                        f"{str(r)[:80]}")
        if r[0] not in created:
            raise error(f"load_model: {where} reads layer {r[0][:60]!r}, which the model "
                        "does not have")
        layer = created[r[0]]
        index = r[1]
        if _is_model(layer) and (ends or not keras3):
            index -= 1      # Keras counts a nested model's own node (inputs -> outputs) first
        if index >= len(layer._nodes):
            raise _NotReady
        outs = layer.outputs if index < 0 else layer._nodes[index].outputs
        if r[2] >= len(outs):
            raise error(f"load_model: {where} reads output {r[2]} of layer {r[0]!r}, which "
                        f"has {len(outs)}")
        return outs[r[2]]

    def revive(x, where: str):                  # Keras 3 node arguments
        if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
            hist = (x.get("config") or {}).get("keras_history")
            return tensor(hist, where)
        if isinstance(x, list):
            return [revive(v, where) for v in x]
        if isinstance(x, dict) and _k3ops().revive_argument(x) is not None:
            return _k3ops().revive_argument(x)     # (a slice or ... of GetItem's key)
        if isinstance(x, dict):
            raise error(f"load_model: {where} has an argument dlcore cannot rebuild: "
                        f"{str(x)[:80]}")
        return x

    def call(layer, node) -> None:
        where = f"layer {layer.name!r}"
        kw: Any
        if isinstance(layer, _tfop().TFOpLambda) and isinstance(node, list) and node:
            xs = layer.set_node(node, lambda r: tensor(r, where))
            arg, kw = (xs[0] if len(xs) == 1 else xs), {}
        elif isinstance(node, list):                             # Keras 2
            if not node:
                raise error(f"load_model: {where} has an empty inbound node")
            ins = [tensor(r, where) for r in node]
            kw = node[-1][3] if len(node[-1]) == 4 else {}
            arg = ins[0] if len(ins) == 1 else ins
        elif isinstance(layer, _k3ops().Keras3Op) and isinstance(node, dict) and \
                isinstance(node.get("args"), list):
            kwargs = node.get("kwargs") or {}
            if not isinstance(kwargs, dict):
                raise error(f"load_model: {where} has malformed call arguments")
            xs = layer.set_arguments(revive(node["args"], where),
                                     {k: revive(v, where) for k, v in kwargs.items()})
            arg, kw = (xs[0] if len(xs) == 1 else xs), {}
        elif isinstance(node, dict) and isinstance(node.get("args"), list):     # Keras 3
            args = revive(node["args"], where)
            kwargs = node.get("kwargs") or {}
            if not isinstance(kwargs, dict):
                raise error(f"load_model: {where} has malformed call arguments")
            kw = {k: revive(v, where) for k, v in kwargs.items() if v is not None}
            mha = type(layer).__name__ == "MultiHeadAttention" and len(args) in (2, 3)
            if len(args) != 1 and not mha:
                raise error(f"load_model: {where} is called with {len(args)} positional "
                            "arguments; dlcore layers take one (a tensor or a list)")
            arg = args if mha else args[0]
        else:
            raise error(f"load_model: {where} has a malformed inbound node")
        if not isinstance(kw, dict):
            raise error(f"load_model: {where} has malformed call arguments")
        try:
            layer(arg, **kw)
        except (TypeError, ValueError) as e:
            raise error(f"load_model: calling {where} failed: {e}") from None

    while pending:                   # Keras's order: each layer's calls in turn, as they can
        progressed = False
        left = []
        for layer, nodes in pending:
            done = 0
            for node in nodes:
                try:
                    call(layer, node)
                except _NotReady:
                    break
                done += 1
            progressed |= done > 0
            if done < len(nodes):
                left.append((layer, nodes[done:]))
        if not progressed and left:
            raise error("load_model: the functional model configuration has loops or "
                        "disconnected nodes; unresolved: " +
                        ", ".join(ly.name for ly, _ in left)[:200])
        pending = left

    def ends(key: str):
        v = cfg.get(key)
        if isinstance(v, dict) and v and key == "input_layers":     # Model({key: Input}, ...)
            return dict(zip(v, ends_of(key, list(v.values()))))
        return ends_of(key, v)

    def ends_of(key: str, v) -> list:
        if isinstance(v, list) and len(v) in (3, 4) and isinstance(v[0], str):
            v = [v]                                   # Keras 3: a single tensor, unnested
        if not isinstance(v, list) or not v:
            raise error(f"load_model: the model configuration has no {key}")
        try:
            return [tensor(r, key, ends=True) for r in v]
        except _NotReady:
            raise error(f"load_model: {key} reads a layer call that does not exist: "
                        f"{str(v)[:80]}") from None
    try:
        return Model(ends("input_layers"), ends("output_layers"), name=cfg.get("name"))
    except ValueError as e:
        raise error(f"load_model: cannot build the functional model: {e}") from None


def _call_kwargs(node) -> dict:
    """The keyword arguments Keras writes for a node: the ``training=`` its call was given."""
    t = node.extra.get("training")
    return {} if t is None or not isinstance(t, (bool, int)) else {"training": bool(t)}
