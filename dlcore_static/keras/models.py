"""``Sequential`` and ``Model``: Keras models on the static engine.

``Model(inputs, outputs)`` (``training.py``) works in the graph of its inputs, like Keras on
TensorFlow 1.  A ``Sequential`` model owns a graph of its own: ``add`` collects layers, and the
graph (an ``Input`` for the first layer's ``input_shape``, then each layer) is built on first use
(``compile``, ``predict``, ``summary``); training is ``Model``'s.

Deferred build (Keras 2 and 3): when the first layer has no ``input_shape``/``input_dim``, the
model is *unbuilt* (``built`` False) until ``build(input_shape)`` or its first data
(``fit``/``evaluate``/``predict``/``*_on_batch``, or a call on a tensor) gives the input shape:
then an ``InputLayer`` of that shape (batch dimension ``None``; float32, or the array's integer
dtype) is put first and the graph is built as above, and a ``compile`` made before runs then.
Unbuilt, it behaves as Keras 3: ``weights`` is ``[]``, ``summary`` lists the layers as
unbuilt, ``input_shape``/``inputs``/... raise ``AttributeError`` and ``count_params``
``ValueError``.
"""

from __future__ import annotations

import numpy as np

from ..graph import Tensor, get_default_graph
from . import _dataset_input as _ds
from . import _keras3_args, _run_phase
from . import _layer_config
from . import saving_custom as _custom_objects
from ._history import HISTORY, unique_layer_name
from .engine import Input, InputLayer, Layer
from .training import Model

__all__ = ["Sequential", "Model"]


class Sequential(Model):
    """A linear stack of layers: ``Sequential([Dense(...), ...])`` or ``.add(layer)``."""

    def __init__(self, layers=None, name: str | None = None, device=None):
        super().__init__(name=name)
        self._layers: list[Layer] = []
        self.graph = get_default_graph()     # as Keras on TF1: one graph, models compose
        self.device = device
        self._built_graph = False
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def _maybe_rebuild(self) -> None:
        """Keras 3 builds a Sequential that starts with an Input as soon as it has a layer
        more (its layers have their weights at once), again after each ``add``."""
        if len(self._layers) > 1 and isinstance(self._layers[0], InputLayer):
            if self._built_graph and self.__dict__.get("_built_count") == len(self._layers) - 1 \
                    and len(self.outputs) == 1:
                try:
                    self._extend()                  # only the new layer: no ops rebuilt
                except Exception:
                    self._built_graph = False       # (as a failed rebuild leaves it)
                    raise
                return
            self._built_graph = False
            self._build()

    def _extend(self) -> None:
        """The built graph grown by the layer just added, applied to the current output (the
        earlier layers' ops stay as they are; a rebuild made them all again per ``add``)."""
        unique_layer_name("functional")            # (Keras 3: each build makes a Functional)
        with self.graph.as_default():
            out = self._layers[-1](self.outputs[0])
            self._init_graph(self.inputs[0], out)
        self._built_count = len(self._layers)

    def add(self, layer: Layer, rebuild: bool = True) -> None:
        origin = HISTORY.get(layer) if isinstance(layer, Tensor) else None
        if origin is not None and isinstance(origin[0], InputLayer):
            layer = origin[0]       # Sequential([keras.Input(shape), ...]): tf.keras's, Keras 3's
            if self._layers:
                raise ValueError("An `Input` can only be the first layer of a Sequential model "
                                 f"(it has {len(self._layers)} layer(s) already).")
        if not isinstance(layer, Layer):
            raise TypeError(f"The added layer must be an instance of class Layer. Found: {layer}")
        if self._built_graph and (self._compiled or self.__dict__.get("_pending_compile")):
            raise RuntimeError("dlcore Sequential: add layers before compile()")
        layer._model = self
        self._layers.append(layer)
        self.built = not self._unbuilt()
        if rebuild:
            self._maybe_rebuild()

    def pop(self) -> None:
        if not self._layers:
            raise TypeError("There are no layers in the model.")
        if self._built_graph:
            raise RuntimeError("dlcore Sequential: pop layers before compile()")
        self._layers.pop()
        self.built = not self._unbuilt()

    @property
    def layers(self) -> list:
        return [lay for lay in self._layers if not isinstance(lay, InputLayer)]

    @layers.setter
    def layers(self, value) -> None:
        pass                      # Network._init_graph sets it; the user's list is the truth

    def _build(self) -> None:
        if self._built_graph:
            return
        first = self._layers[0]
        given = isinstance(first, InputLayer)      # model.add(InputLayer(input_shape=...))
        if first.input_shape_arg is not None:
            unique_layer_name("functional")        # (Keras 3: each build makes a Functional)
        with self.graph.as_default():
            shape = first.input_shape_arg
            if shape is None:                       # unbuilt: no input shape yet
                raise ValueError("This model has not yet been built. Build the model first by "
                                 "calling `build()` or by calling the model on a batch of "
                                 "data.")
            batch = first.batch_input_shape[0] if isinstance(first, InputLayer) else \
                getattr(first, "_batch_size_arg", None)
            x = Input(batch_shape=(batch,) + tuple(shape),   # an InputLayer's dtype kept
                      name=first.name if given else f"{first.name}_input",
                      dtype=first._nodes[0].outputs[0].aval.dtype.name if given else None)
            out = x
            for layer in self._layers[1:] if given else self._layers:
                out = layer(out)
            self._init_graph(x, out)
        self._built_graph = True
        self._built_count = len(self._layers)

    _prepare = _build

    # -- deferred build (see the module docstring)
    def _unbuilt(self) -> bool:
        return not self._built_graph and bool(self._layers) and \
            self._layers[0].input_shape_arg is None

    def _build_for(self, shape, dtype="float32") -> None:
        """Build an unbuilt model for inputs of ``shape`` (batch dimension first)."""
        if not self._unbuilt():
            return
        with self.graph.as_default():
            first = InputLayer(batch_input_shape=(None,) + tuple(shape[1:]), dtype=dtype)
        self._layers.insert(0, first)
        try:
            with _run_phase.own_graph(self.graph):     # (no outer call's mode recorded)
                self._build()
        except Exception:
            self._layers.remove(first)
            raise
        self.built = True
        pending = self.__dict__.pop("_pending_compile", None)
        if pending is not None:
            self.compile(*pending[0], **pending[1])

    def _build_on(self, x) -> None:
        """``fit``/``evaluate``/``predict``/``*_on_batch``'s hook (``subclassing.build_on``):
        build an unbuilt model from the first input array's shape and dtype."""
        from .utils import Sequence
        if not self._unbuilt() or x is None:
            return
        if _ds.is_dataset(x):           # Keras 3: from the dataset's input spec
            shapes, types = x.output_shapes, x.output_types
            if isinstance(shapes, tuple) and len(shapes) in (2, 3):     # (x, y[, weights])
                shapes, types = shapes[0], types[0]
            if isinstance(shapes, dict):
                shapes, types = next(iter(shapes.values())), next(iter(types.values()))
            elif isinstance(shapes, tuple):
                shapes, types = shapes[0], types[0]
            dims = shapes.as_list() if shapes.ndims is not None else None
            if dims:
                kind = np.dtype(types.as_numpy_dtype).kind
                self._build_for(tuple(dims), types.name if kind in "iu" else "float32")
            return
        if isinstance(x, Sequence):     # (Keras 3's PyDataset: its first batch)
            if len(x) == 0:
                return
            x = _ds.unpack(x[0], False)[0]
        if isinstance(x, dict):
            x = next(iter(x.values()))
        a = x[0] if isinstance(x, (list, tuple)) else x
        a = a if hasattr(a, "shape") and hasattr(a, "dtype") else np.asarray(a)
        if len(a.shape) < 1:
            raise ValueError(f"Model {self.name}: an input array needs a batch dimension, got "
                             f"shape {tuple(a.shape)}")
        kind = np.dtype(a.dtype).kind
        self._build_for(tuple(a.shape), np.dtype(a.dtype).name if kind in "iu" else "float32")

    def build(self, input_shape=None) -> None:
        """Keras's ``model.build(input_shape)``: ``input_shape`` with its batch dimension
        first, e.g. ``(None, 4)``."""
        if input_shape is None:
            if self._unbuilt():
                raise ValueError("You must provide an `input_shape` argument.")
            self._build()
            return
        shape = input_shape.as_list() if hasattr(input_shape, "as_list") else input_shape
        if not isinstance(shape, (tuple, list)) or len(shape) < 2 or \
                not all(d is None or isinstance(d, (int, np.integer)) for d in shape):
            raise ValueError(f"Sequential model {self.name}: build expects a shape tuple with "
                             f"a batch dimension first, e.g. (None, 4), got {input_shape!r}")
        if self._unbuilt():
            self._build_for(tuple(None if d is None else int(d) for d in shape))
        else:
            self._build()

    def compile(self, *args, **kwargs) -> None:
        """``Model.compile``; on an unbuilt model it runs when the model is built."""
        if not self._unbuilt():
            super().compile(*args, **kwargs)
            return
        import inspect
        bound = inspect.signature(Model.compile).bind(self, *args, **kwargs)
        _keras3_args.compile_rest(dict(bound.arguments.get("kwargs") or {}),
                                  bound.arguments.get("weighted_metrics"))
        self._pending_compile = (args, kwargs)

    def __call__(self, inputs, *args, **kwargs):
        if self._unbuilt():
            from . import backend as K
            t = K._to_tensor(inputs[0] if isinstance(inputs, (list, tuple)) else inputs)
            kind = np.dtype(t.aval.dtype).kind
            self._build_for(tuple(t.aval.shape),
                            np.dtype(t.aval.dtype).name if kind in "iu" else "float32")
            self._built_batch = t.aval.shape[0]    # (Keras 3's summary shows it; the graph's
        return super().__call__(inputs, *args, **kwargs)      # batch stays free)

    def __getattr__(self, name):
        # (a property raising AttributeError comes here too: the unbuilt model's messages)
        if self.__dict__.get("_layers") is not None and self._unbuilt():
            if name in ("inputs", "outputs", "input_shape", "output_shape"):
                raise AttributeError(f"Sequential model '{self.name}' has no defined "
                                     f"{name.replace('_', ' ')} yet.")
            if name in ("input", "output"):
                raise AttributeError(f"The layer {self.name} has never been called and thus "
                                     f"has no defined {name}.")
        return super().__getattr__(name)

    def _summary_layers(self) -> list:
        return self.layers

    def _known_tensors(self) -> set:
        self._build()
        return super()._known_tensors()

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None) -> None:
        """Keras 3's summary; an unbuilt model lists its layers with "?" shapes and
        "0 (unbuilt)" parameters."""
        if not self._unbuilt():
            self._build()
        super().summary(line_length, positions, print_fn, expand_nested, show_trainable,
                        layer_range)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, **kwargs):
        self._build_on(x)
        self._build()
        return super().predict(x, batch_size, verbose, steps, **kwargs)

    def predict_on_batch(self, x):
        self._build_on(x)
        self._build()
        return super().predict_on_batch(x)

    def get_weights(self) -> list:
        if self._unbuilt():
            return []
        self._build()
        return super().get_weights()

    def set_weights(self, weights) -> None:
        self._build()
        super().set_weights(weights)

    @property
    def weights(self) -> list:
        if self._unbuilt():
            return []
        self._build()
        return super().weights

    @property
    def trainable_weights(self) -> list:
        if self._unbuilt():
            return []
        self._build()               # (its layers are known once built)
        return super().trainable_weights

    @property
    def non_trainable_weights(self) -> list:
        if self._unbuilt():
            return []
        self._build()
        return super().non_trainable_weights

    @property
    def output_shape(self):
        if self._unbuilt():
            raise AttributeError("unbuilt")         # (__getattr__ gives Keras's message)
        self._build()
        return tuple(self.outputs[0].aval.shape)

    @property
    def input_shape(self):
        if self._unbuilt():
            raise AttributeError("unbuilt")         # (__getattr__ gives Keras's message)
        self._build()
        return tuple(self.inputs[0].aval.shape)

    def save_weights(self, filepath, overwrite: bool = True) -> None:
        if self._unbuilt():
            raise ValueError("You are saving a model that has not yet been built. Try building "
                             "the model first by calling it on some data or by using "
                             "`build()`.")
        super().save_weights(filepath, overwrite)

    def count_params(self) -> int:
        if self._unbuilt():
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but the "
                             "layer isn't built. You can build it manually via: "
                             "`layer.build(input_shape)`.")
        self._build()
        return super().count_params()

    @property
    def input(self):
        if self._unbuilt():
            raise AttributeError("unbuilt")         # (__getattr__ gives Keras's message)
        self._build()
        return super().input

    @property
    def output(self):
        if self._unbuilt():
            raise AttributeError("unbuilt")         # (__getattr__ gives Keras's message)
        self._build()
        return super().output

    # attributes earlier versions exposed (tests and tools read them)
    @property
    def _x(self):
        self._build()
        return self.inputs[0]

    @property
    def _y_pred(self):
        self._build()
        return self.outputs[0]

    @property
    def _training(self):
        self._build()
        return self._learning_phase()

    # Keras 2.2's Sequential-only prediction helpers
    def predict_proba(self, x, batch_size=32, verbose=0):
        """``predict``, for a model whose outputs are probabilities (warns otherwise)."""
        import warnings
        preds = self.predict(x, batch_size, verbose)
        if preds.min() < 0.0 or preds.max() > 1.0:
            warnings.warn("Network returning invalid probability values. The last layer might "
                          "not normalize predictions into probabilities (like softmax or "
                          "sigmoid would).", stacklevel=2)
        return preds

    def predict_classes(self, x, batch_size=32, verbose=0):
        """The class of each sample: the arg-max of a softmax output, or ``p > 0.5`` of a
        single sigmoid unit (int32), as Keras 2.2."""
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002
    """A model written by ``model.save`` (``.h5`` or ``.keras``; see ``keras/saving.py``):
    Sequential or functional.  Nothing in the file is executed whatever ``safe_mode`` says
    (Keras 3's argument; a ``Lambda`` layer is always refused)."""
    from . import layers, optimizers
    from .saving import load_model as _load
    return _load(filepath, custom_objects, compile,
                 classes={"layers": layers, "optimizers": optimizers, "Sequential": Sequential,
                          "Model": Model})


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """Keras's ``clone_model``: new layers, new weights (see ``keras/cloning.py``)."""
    from .cloning import clone_model as _clone
    return _clone(model, input_tensors, clone_function, call_function, recursive,
                  kinds=(Model, Sequential, _classes()), **kwargs)


def _classes() -> dict:
    from . import layers, optimizers
    return {"layers": layers, "optimizers": optimizers, "Sequential": Sequential, "Model": Model}


_layer_config.MODEL_CLASSES[:] = [_classes]      # Sequential/Model.from_config rebuild with them
_custom_objects.MODEL_CLASSES[:] = [_classes]     # keras.saving.load_model(path)


def model_from_config(config, custom_objects=None):
    """A new, untrained model from a configuration dict (``{"class_name", "config"}``)."""
    from .saving import _build_model
    if isinstance(config, list):
        raise TypeError("`model_from_config` expects a dictionary, not a list. Maybe you meant "
                        "to use `Sequential.from_config(config)`?")
    with _custom_objects.loading(custom_objects):
        return _build_model(config, _classes())


def model_from_json(json_string, custom_objects=None):
    """A new, untrained model from ``model.to_json()``'s text (JSON only: nothing is
    executed)."""
    from dlcore.safe_io import json_loads

    from .saving import KerasFileError
    raw = json_string.encode() if isinstance(json_string, str) else json_string
    from ._json_config import from_json
    return model_from_config(from_json(json_loads(raw, "model JSON", KerasFileError)),
                             custom_objects)
