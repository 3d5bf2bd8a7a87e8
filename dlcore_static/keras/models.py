"""``Sequential`` and ``Model``: Keras models on the static engine.

``Model(inputs, outputs)`` (``training.py``) works in the graph of its inputs, like Keras on
TensorFlow 1.  A ``Sequential`` model owns a graph of its own: ``add`` collects layers, and the
graph (an ``Input`` for the first layer's ``input_shape``, then each layer) is built on first use
(``compile``, ``predict``, ``summary``); training is ``Model``'s.
"""

from __future__ import annotations

from ..graph import Tensor, get_default_graph
from . import _layer_config
from . import saving_custom as _custom_objects
from ._history import HISTORY
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
            self.add(layer)

    def add(self, layer: Layer) -> None:
        origin = HISTORY.get(layer) if isinstance(layer, Tensor) else None
        if origin is not None and isinstance(origin[0], InputLayer):
            layer = origin[0]       # Sequential([keras.Input(shape), ...]): tf.keras's, Keras 3's
            if self._layers:
                raise ValueError("An `Input` can only be the first layer of a Sequential model "
                                 f"(it has {len(self._layers)} layer(s) already).")
        if not isinstance(layer, Layer):
            raise TypeError(f"The added layer must be an instance of class Layer. Found: {layer}")
        if not self._layers and layer.input_shape_arg is None:
            raise ValueError("The first layer in a Sequential model must get an `input_shape` "
                             "or `input_dim` argument.")
        if self._built_graph:
            raise RuntimeError("dlcore Sequential: add layers before compile()")
        layer._model = self
        self._layers.append(layer)

    def pop(self) -> None:
        if not self._layers:
            raise TypeError("There are no layers in the model.")
        if self._built_graph:
            raise RuntimeError("dlcore Sequential: pop layers before compile()")
        self._layers.pop()

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
        with self.graph.as_default():
            shape = first.input_shape_arg
            if shape is None:                       # (add() refuses such a first layer)
                raise ValueError("The first layer in a Sequential model must get an "
                                 "`input_shape` or `input_dim` argument.")
            batch = first.batch_input_shape[0] if isinstance(first, InputLayer) else \
                getattr(first, "_batch_size_arg", None)
            x = Input(batch_shape=(batch,) + tuple(shape),
                      name=first.name if given else f"{first.name}_input")
            out = x
            for layer in self._layers[1:] if given else self._layers:
                out = layer(out)
            self._init_graph(x, out)
        self._built_graph = True

    _prepare = _build

    def _summary_layers(self) -> list:
        return self.layers

    def _known_tensors(self) -> set:
        self._build()
        return super()._known_tensors()

    def summary(self, line_length=None, positions=None, print_fn=None) -> None:
        self._build()
        super().summary(line_length, positions, print_fn)

    def predict(self, x, batch_size=None, verbose=0, steps=None, **kwargs):
        self._build()
        return super().predict(x, batch_size, verbose, steps, **kwargs)

    def predict_on_batch(self, x):
        self._build()
        return super().predict_on_batch(x)

    def get_weights(self) -> list:
        self._build()
        return super().get_weights()

    def set_weights(self, weights) -> None:
        self._build()
        super().set_weights(weights)

    @property
    def weights(self) -> list:
        self._build()
        return super().weights

    @property
    def output_shape(self):
        self._build()
        return tuple(self.outputs[0].aval.shape)

    @property
    def input_shape(self):
        self._build()
        return tuple(self.inputs[0].aval.shape)

    def count_params(self) -> int:
        self._build()
        return super().count_params()

    @property
    def input(self):
        self._build()
        return super().input

    @property
    def output(self):
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
    return model_from_config(json_loads(raw, "model JSON", KerasFileError), custom_objects)
