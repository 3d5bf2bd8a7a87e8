"""Keras model files: HDF5 (``.h5``/``.hdf5``, Keras 2), ``.weights.h5`` and ``.keras`` (Keras 3).

No pickle anywhere: configurations are JSON, weights are HDF5 datasets written with ``h5py``
(the ``keras-files`` extra).  The layouts are Keras's own:

* ``save_weights('w.h5')`` (Keras 2): root attributes ``layer_names``, ``backend``,
  ``keras_version``; one group per layer with attribute ``weight_names`` (``dense_1/kernel:0``)
  and one dataset per weight at ``<layer>/<weight name>``.  Loading matches layers that have
  weights in order (or by layer name with ``by_name=True``) and checks every shape first.
* ``model.save('m.h5')`` (Keras 2): root attributes ``model_config`` (JSON: ``{"class_name":
  "Sequential", "config": {"name", "layers": [{"class_name": "Dense", "config": {...}}]}}``)
  and ``training_config`` (optimizer class and config, loss, metrics), the weights in the group
  ``model_weights``.
* ``save_weights('w.weights.h5')`` (Keras 3): ``layers/<layer name>/vars/<i>`` datasets.
* ``model.save('m.keras')`` (Keras 3): a zip of ``config.json`` (``{"module": "keras",
  "class_name": "Sequential", "config": {...}, "compile_config": {...}}``), ``metadata.json``
  and ``model.weights.h5`` (the Keras 3 weights layout).

``load_model`` reads both model files, rebuilds a ``Sequential`` or functional model from the
config (layer classes of ``dlcore_static.keras.layers`` only, by name: nothing is imported or
executed from the file; ``Lambda`` is refused), sets the weights and compiles it when the file
has a training configuration (loss, metrics, loss weights, optimizer class and config; a
``.keras`` file also keeps the optimizer's variables in Keras 3's ``optimizer/vars``, read back
after the compile, see ``optimizers_keras3``; an ``.h5`` file in tf.keras 2's
``optimizer_weights``, see ``saving_optimizer_h5``).  Functional models (``Model(inputs, outputs)``: several inputs/outputs,
shared layers, merge layers) use Keras's functional configuration with ``inbound_nodes``, see
``saving_functional.py``; recurrent layers and wrappers (``LSTM``, ``Bidirectional``,
``TimeDistributed``, ...) in ``saving_nested.py``.  Only models of these layers are saved with
their configuration; others (and models nested as layers) save their weights (``save_weights``) and
are rebuilt by the code that made them.

Every file is written to a temporary file next to it and moved over it when complete
(``_replacing``): a save interrupted or failing half-way leaves the previous file whole.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from typing import Any

import numpy as np

from . import _activation_files as _act_files
from . import saving_custom as _custom
from . import saving_more as _more
from . import saving_nested as _nested
from . import saving_optimizer_h5 as _opt_h5
from . import saving_training as _train
from ._files import KerasFileError, _h5py, _open_h5, _read_errors, _replacing
from ._keras3_names import keras3_paths as _keras3_paths
from .saving_custom import *  # (keras.saving's registration API: saving_custom.__all__)
from .saving_objects import deserialize_keras_object, serialize_keras_object  # noqa: F401

_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
KERAS_VERSION = "2.2.4"
_CONV = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
         "activation", "use_bias")
_POOL = ("pool_size", "strides", "padding", "data_format")
_LAYERS: dict[str, tuple] = {
    "Dense": ("units", "activation", "use_bias"),
    "Activation": ("activation",),
    "Dropout": ("rate", "noise_shape", "seed"),
    "Flatten": (),
    "Reshape": ("target_shape",),
    "Permute": ("dims",),
    "RepeatVector": ("n",),
    "Conv1D": _CONV, "Conv2D": _CONV,
    "MaxPooling1D": _POOL, "MaxPooling2D": _POOL,
    "AveragePooling1D": _POOL, "AveragePooling2D": _POOL,
    "GlobalAveragePooling1D": ("data_format",), "GlobalAveragePooling2D": ("data_format",),
    "GlobalMaxPooling1D": ("data_format",), "GlobalMaxPooling2D": ("data_format",),
    "Conv3D": _CONV, "MaxPooling3D": _POOL, "AveragePooling3D": _POOL,
    "GlobalAveragePooling3D": ("data_format",), "GlobalMaxPooling3D": ("data_format",),
    "BatchNormalization": ("axis", "momentum", "epsilon", "center", "scale"),
    "Embedding": ("input_dim", "output_dim", "mask_zero"),
    "Add": (), "Subtract": (), "Multiply": (), "Average": (), "Maximum": (), "Minimum": (),
    "Concatenate": ("axis",), "Dot": ("axes", "normalize"),
}
_LAYERS.update(_more.LAYERS)          # normalisation, noise, attention, padding, ... layers
_SAVED = [*_LAYERS, *_nested.RECURRENT, *_nested.WRAPPERS, "RNN"]


def is_keras_path(filepath: Any) -> bool:
    """True when ``filepath`` names a Keras file (by suffix, or by content when it exists)."""
    p = os.fspath(filepath) if isinstance(filepath, (str, os.PathLike)) else ""
    if p.endswith((".h5", ".hdf5", ".keras")):
        return True
    if p and os.path.isfile(p):
        with open(p, "rb") as f:
            head = f.read(8)
        return head == _HDF5_MAGIC
    return False


# ------------------------------------------------------------------------------- configs
def _json_value(v: Any) -> Any:
    if callable(v):                         # an activation: its name, as Keras serialises it
        return _custom.fn_name(v)
    if isinstance(v, tuple):
        return [_json_value(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    return v


def layer_config(layer, first: bool = False) -> dict:
    cls = type(layer).__name__
    if cls == "Lambda":
        raise NotImplementedError(f"model.save: layer {layer.name!r} is a Lambda layer, whose "
                                  "function is Python code; dlcore writes no code into model "
                                  "files (and Keras's safe_mode refuses to load it): use "
                                  "save_weights and rebuild the model in code")
    if _custom.is_custom(layer):                 # a user's class: its get_config()
        return _custom.layer_record(layer, first)
    if cls not in _LAYERS and not _nested.is_nested_class(cls):
        raise NotImplementedError(f"model.save: layer {layer.name!r} of class {cls} has no "
                                  f"saved configuration in dlcore (supported: "
                                  f"{', '.join(sorted(_SAVED))}); use save_weights and "
                                  "rebuild the model in code")
    cfg: dict[str, Any] = {"name": layer.name, "trainable": bool(layer.trainable)}
    if cls in _LAYERS:        # the values of layer.get_config() (one config per layer)
        full = layer.get_config()
        for k in _LAYERS[cls]:
            cfg[k] = _json_value(full[k] if k in full else getattr(layer, k, None))
        if cls in _more.LAYERS:
            _more.fix(layer, cfg)
    else:
        cfg.update(_nested.config(layer, _json_value, layer_config))
    if first:
        shp = tuple(layer.input_shape)
        cfg["batch_input_shape"] = [None if d is None else int(d) for d in shp]
        cfg["dtype"] = "float32"
    return {"class_name": cls, "config": cfg}


def _model_layers(model) -> list:
    return [ly for ly in model.layers if type(ly).__name__ != "InputLayer"]


def model_config(model, keras3: bool = False) -> dict:
    """Keras 2's configuration (``model_config`` of an ``.h5``), or with ``keras3`` a functional
    model's Keras 3 one (``config.json`` of a ``.keras``; Sequential converts it later)."""
    from .saving_functional import functional_config, is_functional
    if is_functional(model):
        return functional_config(model, layer_config, keras3)
    if type(model).__name__ != "Sequential":
        raise NotImplementedError(f"model.save: only Sequential and functional models are "
                                  f"saved with their configuration in dlcore, not "
                                  f"{type(model).__name__}; use save_weights and rebuild the "
                                  "model in code")
    unbuilt = model._unbuilt()      # no input shape yet: saved without one, as Keras 3
    if not unbuilt:
        model._build()        # a Sequential never called yet is saved too, as Keras 3 does
    layers = _model_layers(model)
    recs = [layer_config(ly, i == 0 and not unbuilt) for i, ly in enumerate(layers)]
    if recs and not unbuilt:  # the input shape as an InputLayer record (Keras 2.2.4, 3)
        c = recs[0]["config"]
        recs.insert(0, {"class_name": "InputLayer", "config": {
            "batch_input_shape": c.pop("batch_input_shape"), "dtype": c.pop("dtype"),
            "sparse": False, "name": f"{c['name']}_input"}})
    return {"class_name": "Sequential", "config": {"name": model.name, "layers": recs}}


def training_config(model) -> dict | None:
    opt = getattr(model, "optimizer", None)
    if opt is None:
        return None
    args = getattr(model, "_compile_args", None) or {"loss": getattr(model, "loss", None)}
    loss = _train.serialize(args.get("loss"), "loss", _json_value)
    if getattr(model, "_compile_args", None) is not None:
        metrics = _train.serialize(args.get("metrics"), "metric", _json_value) or []
        if isinstance(metrics, list) and len(getattr(model, "outputs", ())) > 1:
            metrics = {n: list(metrics) for n in model.output_names}    # Keras 2 and 3 read it
        weighted = _train.serialize(args.get("weighted_metrics"), "metric", _json_value)
        if isinstance(weighted, list) and len(getattr(model, "outputs", ())) > 1:
            weighted = {n: list(weighted) for n in model.output_names}
    else:
        metrics = [m for m in (getattr(model, "metrics_names", None) or [])
                   if isinstance(m, str) and m != "loss"]
        weighted = None
    conf = dict(_json_value(opt.get_config()))
    if "lr" in conf:               # Keras >= 2.3 and Keras 3 call it learning_rate (3 refuses lr)
        conf["learning_rate"] = conf.pop("lr")
    if not conf.get("decay"):
        conf.pop("decay", None)
    conf = _train.optimizer_config(opt, conf, _json_value)     # its arguments and schedule
    return {"optimizer_config": {"class_name": type(opt).__name__, "config": conf},
            "loss": loss, "metrics": metrics, "loss_weights": args.get("loss_weights"),
            "weighted_metrics": weighted or None}


def _make_layer(cls: Any, c: dict, L, input_shape=None):
    """One layer of class ``cls`` (a name among ``_LAYERS``; nothing else is looked up) from
    its configuration ``c``; a user's class, resolved by ``saving_custom.resolve``."""
    if isinstance(cls, type):
        return _custom.make_layer(cls, c, input_shape)
    if cls == "Lambda":
        raise KerasFileError(f"load_model: layer {str(c.get('name'))[:60]!r} is a Lambda layer; "
                             "rebuilding it would run Python code from the file, which dlcore "
                             "never does (Keras refuses it too unless safe_mode=False). Build "
                             "the model in code and call load_weights")
    nested = isinstance(cls, str) and _nested.is_nested_class(cls)
    if cls not in _LAYERS and not nested:
        raise KerasFileError(f"load_model: unknown layer class {str(cls)[:40]!r}")
    kwargs = {k: c[k] for k in _LAYERS[cls] if k in c} if not nested else {}
    if cls == "LeakyReLU" and "alpha" in c and "negative_slope" not in c:
        kwargs["negative_slope"] = c["alpha"]          # (a Keras 2 file's name)
    if cls == "TextVectorization" and isinstance(kwargs.get("ngrams"), list):
        kwargs["ngrams"] = tuple(kwargs["ngrams"])      # (JSON's list, as Keras's from_config)
    for k in ("name", "trainable"):
        if k in c:
            kwargs[k] = c[k]
    if c.get("batch_input_shape") and c["batch_input_shape"][0] is not None:
        kwargs["batch_input_shape"] = tuple(c["batch_input_shape"])
    elif input_shape is not None:
        kwargs["input_shape"] = tuple(input_shape)
    try:
        if not nested:     # initializers, regularizers, constraints of a full get_config()
            kwargs.update(getattr(L, cls)._object_kwargs(c, kwargs))
        if nested:
            return _nested.make(cls, c, lambda k, ic: _make_layer(k, ic, L), L, kwargs,
                                KerasFileError)
        return getattr(L, cls)(**kwargs)
    except (TypeError, ValueError) as e:
        raise KerasFileError(f"load_model: cannot rebuild layer {cls}: {e}") from None


def _build_model(config: dict, classes: dict):
    L, Sequential = classes["layers"], classes["Sequential"]
    config = _custom.resolve(config, _SAVED, KerasFileError)      # (users' classes)
    what = config.get("class_name") if isinstance(config, dict) else config
    if what in ("Model", "Functional"):
        from .saving_functional import build_functional
        return build_functional(config, lambda cls, c: _make_layer(cls, c, L), classes,
                                KerasFileError)
    if what != "Sequential":
        raise KerasFileError(f"load_model: dlcore rebuilds Sequential and functional models "
                             f"only, the file holds {str(what)[:40]!r}")
    cfg = config.get("config")
    recs = cfg.get("layers") if isinstance(cfg, dict) else cfg
    if not isinstance(recs, list):
        raise KerasFileError("load_model: the model configuration has no layer list")
    built: list = []
    shape = None
    for rec in recs:
        if not isinstance(rec, dict) or not isinstance(rec.get("config"), dict):
            raise KerasFileError("load_model: a layer record is malformed")
        cls, c = rec.get("class_name"), dict(rec["config"])
        if cls == "InputLayer":                                  # Keras 3 configs
            shape = c.get("batch_shape") or c.get("batch_input_shape")
            continue
        bis = c.get("batch_input_shape") or shape
        if not built and bis is not None and bis[0] is not None:
            c["batch_input_shape"] = list(bis)   # a fixed batch size (a stateful model's): kept
            built.append(_make_layer(cls, c, L))
            continue
        built.append(_make_layer(cls, c, L, bis[1:] if not built and bis is not None
                                 else None))
    return Sequential(built, name=cfg.get("name") if isinstance(cfg, dict) else None)


def _compile(model, tc: dict | None, classes: dict) -> None:
    if not tc:
        return
    optimizers = classes["optimizers"]
    oc = tc.get("optimizer_config") or {}
    cls = getattr(optimizers, str(oc.get("class_name")), None)
    if not isinstance(cls, type) or tc.get("loss") is None:
        return
    conf = dict(oc.get("config") or {})
    if "lr" in conf and "learning_rate" not in conf:
        conf["learning_rate"] = conf.pop("lr")
    conf = _train.optimizer_kwargs(conf, KerasFileError)
    try:
        opt = cls(**conf)
    except (TypeError, ValueError, NotImplementedError):  # (tf.keras 2.11's jit_compile, ...)
        opt = cls()
    loss = _train.deserialize(tc["loss"], "loss", KerasFileError)
    metrics = _train.deserialize(tc.get("metrics"), "metric", KerasFileError)
    weighted = _train.deserialize(tc.get("weighted_metrics"), "metric", KerasFileError)
    try:
        model.compile(optimizer=opt, loss=loss, metrics=metrics or None,
                      loss_weights=tc.get("loss_weights"), weighted_metrics=weighted or None)
    except (TypeError, ValueError) as e:
        raise KerasFileError(f"load_model: cannot compile the model with the file's training "
                             f"configuration ({e}); load it with compile=False") from None


# ------------------------------------------------------------------------------- weights
def _layer_weights(model) -> list:
    """[(layer, [variables], [values])] for every layer, in order."""
    out, vals = [], iter(model.get_weights())
    by_var = list(zip(model.weights, vals))
    idx = {id(v): a for v, a in by_var}
    for ly in _model_layers(model):
        ws = list(getattr(ly, "weights", []))
        out.append((ly, ws, [idx[id(w)] for w in ws]))
    return out


def _write_keras2(group, model) -> None:
    lw = _layer_weights(model)
    group.attrs["layer_names"] = np.array([ly.name.encode() for ly, _, _ in lw], dtype="S")
    group.attrs["backend"] = b"tensorflow"
    group.attrs["keras_version"] = KERAS_VERSION.encode()
    for ly, ws, vals in lw:
        g = group.create_group(ly.name)
        names = [getattr(w, "name", f"{ly.name}/w{i}:0") for i, w in enumerate(ws)]
        g.attrs["weight_names"] = np.array([n.encode() for n in names], dtype="S")
        for n, v in zip(names, vals):
            g.create_dataset(n, data=np.asarray(v))


def _write_keras3(f, model, values: dict | None = None) -> None:
    """``layers/<path>/vars/<i>``; a functional model nested as a layer is a group with its
    own ``layers`` (``values``: variable id -> value, read once for the whole model)."""
    if values is None:
        values = {id(w): v for w, v in zip(model.weights, model.get_weights())}
    layers = f.create_group("layers")
    mine = _model_layers(model)
    for path, ly in zip(_keras3_paths(mine), mine):
        g = layers.create_group(path)
        if _is_nested(ly):
            _write_keras3(g, ly, values)
            continue
        for sub, ws in _nested.var_groups(ly):
            vg = g.require_group(sub)
            for i, w in enumerate(ws):
                vg.create_dataset(str(i), data=np.asarray(values[id(w)]))
        g.require_group("vars")
    n_inputs = len(model.inputs) if getattr(model, "_is_graph_network", False) and \
        type(model).__name__ != "Sequential" else 0
    for path in _keras3_paths(model.layers[:n_inputs]):   # Keras 3 lists a functional
        layers.create_group(path).create_group("vars")     # model's InputLayers too
    f.create_group("vars")


def _is_nested(layer) -> bool:
    """A model used as a layer (its weights are its layers')."""
    return hasattr(layer, "_init_graph")


def _read_keras2(group, model, by_name: bool, complete: bool = False) -> None:
    def txt(x):
        return x.decode() if isinstance(x, bytes) else str(x)
    names = [txt(n) for n in group.attrs.get("layer_names", [])]
    file_layers = []
    for n in names:
        if n not in group:
            raise KerasFileError(f"load_weights: layer {n!r} is listed but missing")
        wn = [txt(w) for w in group[n].attrs.get("weight_names", [])]
        file_layers.append((n, [np.asarray(group[n][w]) for w in wn]))
    if complete:                 # load_model by layer name: every weighted layer must be there
        have = {n for n, _ in file_layers}
        for ly, ws, _ in _layer_weights(model):
            if ws and ly.name not in have:
                raise KerasFileError(f"load_model: the file has no weights for layer "
                                     f"{ly.name!r}")
    _assign(model, file_layers, by_name)


def _read_keras3(f, model, by_name: bool) -> None:
    """Keras 3 layouts are matched by position (the class-based paths of this model's
    layers), as Keras 3 itself loads them."""
    file_layers = _keras3_values(f, model)
    _assign(model, file_layers, True)


def _keras3_values(f, model) -> list:
    """[(layer name, [arrays])] of ``model``'s layers from a Keras 3 layout; a nested model's
    arrays are its layers', in the order of its ``weights``."""
    layers = f["layers"]
    mine = _model_layers(model)
    file_layers = []
    for ly, path in zip(mine, _keras3_paths(mine)):
        grp = layers.get(path)
        if grp is not None and _is_nested(ly) and "layers" in grp:
            file_layers.append((ly.name, [v for _, vs in _keras3_values(grp, ly) for v in vs]))
            continue
        vals = []
        for sub, _ in ([] if grp is None else _nested.var_groups(ly)):
            vg = grp.get(sub)
            vals += [] if vg is None else [np.asarray(vg[str(i)]) for i in range(len(vg))]
        if grp is None and getattr(ly, "weights", None):
            raise KerasFileError(f"load_weights: the file has no weights for layer {ly.name!r} "
                                 f"(expected the group layers/{path})")
        file_layers.append((ly.name, vals))
    return file_layers


def _assign(model, file_layers: list, by_name: bool) -> None:
    # (the variables only: reading their values here initialised every one, a hostile
    # config's units=10**9 kernel included, before the file's shapes were checked)
    unbuilt = getattr(model, "_unbuilt", None)
    if unbuilt is not None and unbuilt() and not any(v for _, v in file_layers):
        return                     # an unbuilt Sequential's file (Keras 3 saves it: no weights)
    _ = model.weights                            # (a Sequential builds its layers here)
    lw = [(ly, list(getattr(ly, "weights", []))) for ly in _model_layers(model)]
    if by_name:
        mine = {ly.name: ws for ly, ws in lw}
        pairs = [(mine[n], vals) for n, vals in file_layers if n in mine]
    else:
        theirs = [(n, v) for n, v in file_layers if v]
        with_w = [(ly, ws) for ly, ws in lw if ws]
        if len(theirs) != len(with_w):
            raise KerasFileError(f"You are trying to load a weight file containing "
                                 f"{len(theirs)} layers into a model with {len(with_w)} layers.")
        pairs = [(ws, v) for (_, ws), (_, v) in zip(with_w, theirs)]
    todo = []
    for ws, vals in pairs:
        if len(ws) != len(vals):
            raise KerasFileError(f"load_weights: a layer has {len(ws)} weights, the file has "
                                 f"{len(vals)}")
        for w, v in zip(ws, vals):
            if tuple(v.shape) != tuple(w.aval.shape):
                raise KerasFileError(f"load_weights: weight {w.name} has shape "
                                     f"{tuple(w.aval.shape)}, the file has {tuple(v.shape)}")
            todo.append((w, v.astype(w.aval.dtype, copy=False)))
    values = model.get_weights()                 # all checked: now assign, in one call
    where = {id(w): i for i, w in enumerate(model.weights)}
    for w, v in todo:
        values[where[id(w)]] = v
    model.set_weights(values)


def save_weights(model, filepath, overwrite: bool = True) -> None:
    path = os.fspath(filepath)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(path)
    h5py = _h5py()
    with _replacing(path) as tmp, h5py.File(tmp, "w") as f:
        if path.endswith(".weights.h5"):
            _write_keras3(f, model)
        else:
            _write_keras2(f, model)


def load_weights(model, filepath, by_name: bool = False) -> None:
    with _read_errors(filepath):
        _load_weights(model, filepath, by_name)


def _load_weights(model, filepath, by_name: bool) -> None:
    if zipfile.is_zipfile(os.fspath(filepath)):
        with zipfile.ZipFile(os.fspath(filepath)) as z:
            data = io.BytesIO(z.read("model.weights.h5"))
        with _open_h5(data) as f:
            _read_keras3(f, model, by_name)
        return
    with _open_h5(filepath) as f:
        if "layers" in f and "layer_names" not in f.attrs:
            _read_keras3(f, model, by_name)
        else:
            _read_keras2(f.get("model_weights", f), model, by_name)


# ------------------------------------------------------------------------------- models
def save_model(model, filepath, overwrite: bool = True, include_optimizer: bool = True) -> None:
    path = os.fspath(filepath)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(path)
    keras3 = path.endswith(".keras")
    cfg, tc = model_config(model, keras3), training_config(model) if include_optimizer else None
    cfg = _custom.for_file(_act_files.for_file(cfg, keras3), keras3)   # (hard_sigmoid, users')
    h5py = _h5py()
    if keras3:
        buf = io.BytesIO()
        with h5py.File(buf, "w") as f:
            _write_keras3(f, model)
            if tc:                         # the optimizer's state, as Keras 3 (optimizer/vars)
                _optimizers_k3().write_state(f, model.optimizer)
        k3 = cfg if cfg["class_name"] == "Functional" else _sequential_keras3(cfg)  # Keras 3's
        if tc:
            oc = tc["optimizer_config"]
            k3["compile_config"] = {
                "optimizer": {"module": "keras.optimizers", "class_name": oc["class_name"],
                              "config": oc["config"], "registered_name": None},
                "loss": tc["loss"], "loss_weights": tc["loss_weights"],
                "metrics": tc["metrics"] or None,
                "weighted_metrics": tc.get("weighted_metrics")}
        meta = {"keras_version": "3.0.0", "saved_by": "dlcore"}
        with _replacing(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("config.json", json.dumps(k3))
            z.writestr("metadata.json", json.dumps(meta))
            z.writestr("model.weights.h5", buf.getvalue())
        return
    with _replacing(path) as tmp, h5py.File(tmp, "w") as f:
        f.attrs["model_config"] = json.dumps(cfg).encode()
        f.attrs["keras_version"] = KERAS_VERSION.encode()
        f.attrs["backend"] = b"tensorflow"
        if tc:
            f.attrs["training_config"] = json.dumps(tc).encode()
        _write_keras2(f.create_group("model_weights"), model)
        if tc:                                       # tf.keras 2's optimizer_weights
            _opt_h5.write(f, model.optimizer)


def _optimizers_k3():
    from . import optimizers_keras3
    return optimizers_keras3


def _sequential_keras3(cfg: dict) -> dict:
    """A Sequential model's Keras 2 configuration in Keras 3's names (batch_shape, module)."""
    layers = []
    for rec in cfg["config"]["layers"]:
        c = dict(rec["config"])
        if "batch_input_shape" in c:
            c["batch_shape"] = c.pop("batch_input_shape")
        layers.append({"module": "keras.layers", "registered_name": None, **rec, "config": c})
    return {"module": "keras", "class_name": cfg["class_name"],
            "config": {**cfg["config"], "layers": layers}, "registered_name": None}


def load_model(filepath, custom_objects=None, compile: bool = True, *, classes=None):
    """A model saved by ``model.save`` (``.h5`` or ``.keras``), rebuilt, with its weights, and
    compiled when the file has a training configuration and ``compile`` is true.  ``classes``
    (``layers`` and ``optimizers`` modules, the ``Sequential`` and ``Model`` classes) come from
    the caller, ``keras.models.load_model``, so that this module imports no other Keras module.
    A functional model's ``.h5`` weights are matched by layer name (all must be there).

    A file refused half-way leaves the graph's collections as they were: the variables of the
    model it was building are dropped from them, so the Keras session never initialises them
    (a hostile config's ``units=10**9`` made every later model of the graph fail with a
    MemoryError, initialising the abandoned 4e9-element kernel)."""
    from ..graph import get_default_graph
    g = get_default_graph()
    sizes = {k: len(g.get_collection_ref(k)) for k in g.get_all_collection_keys()}
    try:
        with _read_errors(filepath), _custom.loading(custom_objects):
            return _load_model(filepath, compile, classes or _custom.model_classes())
    except BaseException:
        for k in g.get_all_collection_keys():
            del g.get_collection_ref(k)[sizes.get(k, 0):]
        raise


def _load_model(filepath, compile: bool, classes: dict):
    from dlcore.safe_io import json_loads
    path = os.fspath(filepath)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if not {"config.json", "model.weights.h5"} <= names:
                raise KerasFileError(f"load_model: {path!r} is a zip without config.json and "
                                     "model.weights.h5 (not a .keras file)")
            cfg = json_loads(z.read("config.json"), "config.json", KerasFileError)
        model = _build_model(_act_files.from_file(cfg, True), classes)
        load_weights(model, path)
        cc = cfg.get("compile_config") if isinstance(cfg, dict) else None
        if compile and cc:
            _compile(model, {"optimizer_config": cc.get("optimizer"), "loss": cc.get("loss"),
                             "metrics": cc.get("metrics"),
                             "loss_weights": cc.get("loss_weights"),
                             "weighted_metrics": cc.get("weighted_metrics")}, classes)
            if getattr(model, "optimizer", None) is not None:
                with zipfile.ZipFile(path) as z, _open_h5(io.BytesIO(
                        z.read("model.weights.h5"))) as f:
                    _optimizers_k3().read_state(f, model.optimizer, KerasFileError)
        return model
    with _open_h5(path) as f:
        raw = f.attrs.get("model_config")
        if raw is None:
            raise KerasFileError(f"load_model: {path!r} has no model configuration (a weights "
                                 "file: build the model and call load_weights)")
        cfg = json_loads(raw if isinstance(raw, bytes) else str(raw).encode(), "model_config",
                         KerasFileError)
        tc_raw = f.attrs.get("training_config")
        k3 = _act_files.is_keras3_version(f.attrs.get("keras_version", ""))
        model = _build_model(_act_files.from_file(cfg, k3), classes)
        functional = not isinstance(model, classes["Sequential"])
        _read_keras2(f["model_weights"], model, functional, complete=functional)
    if compile and tc_raw is not None:
        _compile(model, json_loads(tc_raw if isinstance(tc_raw, bytes) else
                                   str(tc_raw).encode(), "training_config", KerasFileError),
                 classes)
        if getattr(model, "optimizer", None) is not None:
            with _open_h5(path) as f:
                _opt_h5.read(f, model.optimizer, path, KerasFileError)
    return model
