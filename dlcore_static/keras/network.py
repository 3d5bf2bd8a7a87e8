"""Keras' ``Network`` (Keras 2 on the TF1 backend): the layers between a model's ``inputs`` and
``outputs`` in topological order, the weight list, ``get_weights``/``set_weights`` (Keras'
layout: each layer's weights in creation order), ``save_weights``/``load_weights`` (an ``.npz``
of named arrays, no pickle), ``to_json`` and ``summary()`` as Keras 2 prints it.  The layers
and their nodes are ``engine.py``'s; training is ``training.py``'s."""

from __future__ import annotations

from typing import Any

import numpy as np

from dlcore import safe_io as _safe_io

from . import _loss_inputs, _tracking, _weight_assign
from . import backend as K
from . import engine as _engine
from ._history import keras_history, output_list, unique_output_names
from .engine import InputLayer, Layer, _as_list
from .summary import print_summary


class Network(Layer):
    """The layers from ``inputs`` to ``outputs`` (see the module docstring)."""

    def get_config(self) -> dict:
        """Keras 3's model configuration (``_layer_config.model_get_config``)."""
        from ._layer_config import model_get_config
        return model_get_config(self)

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        from ._layer_config import model_from_config
        return model_from_config(cls, config)

    def _init_graph(self, inputs, outputs, name=None, ops: bool = True) -> None:
        attach, is_op_layer, unique_names = _engine.OP_NODES
        self._input_keys = sorted(inputs) if isinstance(inputs, dict) else None
        if self._input_keys:            # (tf.keras 2: a dict's inputs in sorted key order)
            inputs = [inputs[k] for k in self._input_keys]
        self.inputs = _as_list(inputs)
        self.outputs, self._output_keys = output_list(outputs)      # (a dict: Keras 3's)
        for t in self.inputs:
            layer, _, _ = keras_history(t)
            if not isinstance(layer, InputLayer):
                raise ValueError("Input tensors to a Model must come from `keras.layers.Input`. "
                                 f"Received: {t!r} (missing previous layer metadata).")
        self.graph = self.inputs[0].graph
        if ops:                         # ``x + y`` between layers: operation nodes
            attach(self.outputs, self.inputs)
        self._operations = unique_names(self._topological_layers())  # (Keras 3: ops: summary)
        self.layers = [ly for ly in self._operations if not is_op_layer(ly)]
        self.input_names = [keras_history(t)[0].name for t in self.inputs]
        self.output_names = self._output_keys or unique_output_names(
            [keras_history(t)[0].name for t in self.outputs])
        self._is_graph_network = True

    def _own(self, what: str):
        ts = getattr(self, what + "s", None)
        if ts is None:
            raise AttributeError(f"Layer {self.name} is not connected, no {what} to return.")
        return ts[0] if len(ts) == 1 else list(ts)

    @property
    def input(self):
        """The model's input tensor (a list when it has several), as Keras' ``model.input``."""
        return self._own("input")

    @property
    def output(self):
        """The model's output tensor (a list when it has several)."""
        return self._own("output")

    def _topological_layers(self) -> list:
        """Keras' order: layers by decreasing depth from the outputs (a layer's depth is the
        largest of its nodes'), ties in the order they are first reached from the outputs."""
        inputs = set(self.inputs)
        layer_index: dict = {}
        post: list = []                 # nodes, inputs before consumers
        seen: set = set()

        def visit(t):
            layer, ni, _ = keras_history(t)
            layer_index.setdefault(layer, len(layer_index))
            node = layer._nodes[ni]
            if id(node) in seen:
                return
            seen.add(id(node))
            if t not in inputs:
                for x in node.inputs:
                    visit(x)
            post.append(node)
        for t in self.outputs:
            visit(t)
        known, ok = set(self.inputs), []
        for node in post:               # every tensor a node needs comes from the inputs
            if isinstance(node.layer, InputLayer):
                if all(t in known for t in node.outputs):
                    ok.append(node.layer.name)
                continue
            for x in node.inputs:
                if x not in known:
                    raise ValueError(f"Graph disconnected: cannot obtain value for tensor {x} "
                                     f"at layer \"{node.layer.name}\". The following previous "
                                     f"layers were accessed without issue: {ok}")
            known.update(node.outputs)
            ok.append(node.layer.name)
        node_depth: dict = {}
        layer_depth: dict = {}
        for node in reversed(post):
            d = max(node_depth.get(id(node), 0), layer_depth.get(node.layer, 0))
            layer_depth[node.layer] = d
            node_depth[id(node)] = d
            if any(t in inputs for t in node.outputs) and isinstance(node.layer, InputLayer):
                continue
            for x in node.inputs:
                src = keras_history(x)
                inb = src[0]._nodes[src[1]]
                node_depth[id(inb)] = max(node_depth.get(id(inb), 0), d + 1)
        # (an input that reaches no output is kept and fed, unused: Keras 3 accepts it)
        order = sorted(layer_depth, key=lambda lay: (-layer_depth[lay], layer_index[lay]))
        ins = [keras_history(t)[0] for t in self.inputs]     # Keras lists inputs first
        self._node_order = post         # for calling the network on new tensors
        return ins + [lay for lay in order if lay not in ins]

    def get_layer(self, name=None, index=None) -> Layer:
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}")

    @property
    def weights(self) -> list:
        out: list = []
        for layer in self.layers:
            for w in layer.weights:
                if w not in out:
                    out.append(w)
        return out

    @property
    def trainable_weights(self) -> list:
        if not self.trainable:        # model.trainable = False freezes every layer (a GAN's
            return []                 # discriminator inside the combined model)
        out: list = []
        for layer in self.layers:
            for w in layer.trainable_weights:
                if w not in out:
                    out.append(w)
        return out

    @property
    def non_trainable_weights(self) -> list:
        tw = self.trainable_weights
        return [w for w in self.weights if w not in tw]

    @property
    def losses(self) -> list:
        """The layers' regularization and added losses, then the model's own (add_loss); of
        a layer's, those computed from this model's inputs or from none (Keras 2's
        ``get_losses_for``: not an inner model's call on its own Input, ``_loss_inputs``)."""
        return _loss_inputs.own_losses(self, self._all_losses())

    @losses.setter
    def losses(self, value):
        pass

    def reset_metrics(self) -> None:
        """tf.keras 2's / Keras 3's: every metric back to its initial state (with Keras 3
        steps its trackers, else the counts and the running values of ``*_on_batch``)."""
        from . import _custom_step
        from .confusion_metrics import reset
        if not _custom_step.overridden(self):
            return reset(self)
        for m in getattr(self, "metrics", None) or []:      # (as _custom_eval.reset_metrics)
            if hasattr(m, "reset_state"):
                m.reset_state()

    def _all_losses(self) -> list:
        """Every loss of the layers (a nested model's of all its calls), then add_loss's."""
        out: list = []
        for layer in self.layers:
            every = getattr(layer, "_all_losses", None)
            for loss in every() if every is not None else _tracking.layer_losses(layer):
                if not any(loss is x for x in out):
                    out.append(loss)
        return out + self.__dict__.get("_added_losses", [])

    def add_loss(self, losses, inputs=None):
        own = self.__dict__.setdefault("_added_losses", [])
        for loss in _as_list(losses):
            own.append(K._to_tensor(loss() if callable(loss) else loss))

    def count_params(self) -> int:
        return int(sum(np.prod(v.aval.shape) for v in self.weights))

    def get_weights(self) -> list:
        ws = self.weights
        return K.batch_get_value(ws) if ws else []

    def set_weights(self, weights) -> None:
        _weight_assign.set_weights(self, "model", weights)     # (checked, copied, all or none)

    def save_weights(self, filepath, overwrite: bool = True) -> None:
        """Every weight as a named array in ``filepath`` (NumPy ``.npz``, no pickle); Keras's
        HDF5 layouts for ``.h5``/``.hdf5``/``.weights.h5`` (``keras/saving.py``)."""
        import os

        from . import saving as _kfiles
        if _kfiles.is_keras_path(filepath):
            return _kfiles.save_weights(self, filepath, overwrite)
        if not overwrite and os.path.exists(filepath):
            raise FileExistsError(filepath)
        vals = self.get_weights()
        # (Any: NumPy's stubs type savez's **kwds like its allow_pickle flag)
        arrays: dict[str, Any] = {f"{i:04d}:{w.op.name}": np.asarray(v) for i, (w, v) in
                  enumerate(zip(self.weights, vals))}
        with open(filepath, "wb") as f:
            np.savez(f, **arrays)

    def load_weights(self, filepath, by_name: bool = False) -> None:
        from . import saving as _kfiles
        if _kfiles.is_keras_path(filepath):
            return _kfiles.load_weights(self, filepath, by_name)
        z = _safe_io.read_npz(filepath, f"load_weights: {str(filepath)!r}",  # (bounded reads,
                              _kfiles.KerasFileError)      # no pickle; damaged: the error)
        keys = sorted(z)
        if by_name:
            by = {k.split(":", 1)[1]: z[k] for k in keys}
            pairs = [(w, by[w.op.name]) for w in self.weights if w.op.name in by]
            _weight_assign.assign(_weight_assign.staged(*zip(*pairs)) if pairs else [])
            return
        self.set_weights([z[k] for k in keys])

    def to_json(self, **kwargs) -> str:
        """The model's architecture as JSON that Keras 3's and dlcore's ``model_from_json``
        rebuild (without weights): Sequential and functional models (``_json_config``)."""
        from ._json_config import to_json
        return to_json(self, **kwargs)

    # -- summary
    summary = print_summary       # Keras 3's model.summary(line_length, ..., layer_range)

    def _summary_layers(self) -> list:
        return list(self.__dict__.get("_operations", self.layers))

    def _known_tensors(self) -> set:
        known = set(self.inputs)
        for layer in self._summary_layers():
            for n in layer._nodes:
                if all(t in known for t in n.inputs) or type(layer).__name__ == "InputLayer":
                    known.update(n.outputs)
        return known
