"""``model.summary()`` as Keras 3 prints it (``keras/src/utils/summary_utils.py``).

``Model: "name"``, then a box table (``_text_table``: the text rich draws) of the layers:
"Layer (type)", "Output Shape", "Param #" for a chain of layers (88 characters wide), and
"Connected to" as well for a graph of layers (108), a "Trainable" column (12 more) with
``show_trainable``; the default width is narrowed to the terminal's width less 4.  Then the
totals with their memory at each weight's dtype: `` Total params: 1,234 (4.82 KB)``,
`` Trainable params``, `` Non-trainable params`` and, once the optimizer has taken a step
(Keras 3 builds it when ``fit`` begins), `` Optimizer params`` (its iteration count, learning
rate and slots).  ``print_fn`` gets the whole text in one call, as Keras 3 gives it; without
one the text goes to stdout.  ``positions`` are fractions of the line (absolute positions,
Keras 2's, are turned into fractions); ``expand_nested`` lists a nested model's layers under
it (``   └ name``); ``layer_range`` (two names or regexes) keeps the layers between them.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import numpy as np

from . import _progbar, _text_table
from ._history import keras_history


def _shape_text(shape) -> str:
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _layer_shape(layer) -> str:
    try:
        return _shape_text(layer.output_shape)
    except (AttributeError, ValueError, RuntimeError):
        return "?"


def _sequential_like(model) -> bool:
    if type(model).__name__ == "Sequential" or not getattr(model, "_is_graph_network", False):
        return True
    for layer in model._summary_layers():
        nodes = [n for n in layer._nodes if _in_model(model, n)]
        if len(nodes) > 1 or any(len(n.inputs) > 1 for n in nodes):
            return False
    users: dict = {}
    for layer in model._summary_layers():
        for n in layer._nodes:
            if _in_model(model, n) and type(layer).__name__ != "InputLayer":
                for t in n.inputs:
                    users[t] = users.get(t, 0) + 1
    return all(c <= 1 for c in users.values())


def _in_model(model, node) -> bool:
    return all(t in model._known_tensors() for t in node.outputs)


def _connections(model, layer) -> str:
    conns = []
    if type(layer).__name__ != "InputLayer":
        for n in layer._nodes:
            if _in_model(model, n):
                for t in n.inputs:
                    src, ni, ti = keras_history(t)
                    conns.append(f"{src.name}[{ni}][{ti}]")
    return ", ".join(conns) or "-"


def _class_name(layer) -> str:
    """The class Keras 3 names: ``keras.Model(inputs, outputs)`` makes a ``Functional``."""
    name = getattr(layer, "op_class", None) or type(layer).__name__   # (Keras 3's operations)
    return "Functional" if name == "Model" and getattr(layer, "_is_graph_network", False) \
        else name


def _own_build(layer) -> bool:
    """Whether the layer's class has a build() of its own, below the base Layer."""
    for cls in type(layer).__mro__:
        if cls.__name__ == "Layer" and cls.__module__.endswith("keras.engine"):
            return False
        if "build" in vars(cls):
            return True
    return False


def _params(layer) -> str:
    # Keras 3 marks a layer whose class has no build() of its own built as it is made
    # (Dropout, Flatten, ...): only the others read "0 (unbuilt)"
    if getattr(layer, "built", True) is False and not layer.weights and _own_build(layer):
        return "0 (unbuilt)"
    return f"{layer.count_params():,}"


def count_params(weights) -> int:
    return int(sum(int(np.prod(_shape(w))) for w in weights))


def _shape(w):
    return w.aval.shape if hasattr(w, "aval") else np.shape(w)


def _dtype(w):
    return np.dtype(w.aval.dtype if hasattr(w, "aval") else getattr(w, "dtype", "float32"))


def weight_memory_size(weights) -> int:
    unique = {id(w): w for w in weights}.values()
    return int(sum(int(np.prod(_shape(w))) * _dtype(w).itemsize for w in unique))


def readable_memory_size(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _optimizer_variables(model) -> list:
    """The optimizer's variables, as Keras 3 sizes them, once it has taken a step (Keras 3
    shows them once it is built, which ``fit`` does first)."""
    from . import backend as K
    opt: Any = getattr(model, "optimizer", None)
    it = getattr(opt, "_iterations", None)     # (the variable: not Keras 3's // n)
    if it is None:
        it = getattr(opt, "iterations", None)
    if it is None or not hasattr(it, "aval") or int(K.get_value(it)) == 0:
        return []
    lr = [] if getattr(opt, "_schedule", None) is not None else [opt._lr_var]
    # Keras 3 counts its steps in an int32 scalar (dlcore's Keras 2 counter is int64)
    return [np.zeros((), np.int32)] + lr + list(opt.weights)


def layer_index_bounds(layers, layer_range=None) -> list[int]:
    """Keras 3's ``get_layer_index_bound_by_layer_name``."""
    if layer_range is None:
        return [0, len(layers)]
    if len(layer_range) != 2:
        raise ValueError("layer_range must be a list or tuple of length 2. Received: "
                         f"layer_range = {layer_range} of length {len(layer_range)}")
    if not isinstance(layer_range[0], str) or not isinstance(layer_range[1], str):
        raise ValueError(f"layer_range should contain string type only. Received: {layer_range}")
    lower = [i for i, ly in enumerate(layers) if re.match(layer_range[0], ly.name)]
    upper = [i for i, ly in enumerate(layers) if re.match(layer_range[1], ly.name)]
    if not lower or not upper:
        raise ValueError("Passed layer_names do not match the layer names in the model. "
                         f"Received: {layer_range}")
    if min(lower) > max(upper):
        return [min(upper), max(lower) + 1]
    return [min(lower), max(upper) + 1]


def _columns(seq: bool, show_trainable: bool, line_length, positions):
    if seq:
        default, pos = 88, [0.45, 0.80, 1.0]
        header, align = ["Layer (type)", "Output Shape", "Param #"], ["left", "left", "right"]
    else:
        default, pos = 108, [0.3, 0.56, 0.74, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        align = ["left", "left", "right", "left"]
    pos = list(positions or pos)
    if show_trainable:
        default += 12
        pos = [p * 0.90 for p in pos] + [1.0]
        header.append("Trainable")
        align.append("center")
    line_length = line_length or min(default, _text_table.terminal_columns() - 4)
    if pos and pos[-1] > 1:                        # Keras 2's absolute positions
        pos = [p / line_length for p in pos]
    widths, current = [], 0
    for p in pos:
        width = int(p * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width)
        current += width
    return header, align, widths, line_length


def summary_text(model, line_length=None, positions=None, expand_nested=False,
                 show_trainable=False, layer_range=None) -> str:
    """The text Keras 3 prints for ``model.summary(...)`` (lines ending in newlines)."""
    seq = _sequential_like(model)
    header, align, widths, line_length = _columns(seq, show_trainable, line_length, positions)
    layers = list(model._summary_layers())

    batch = model.__dict__.get("_built_batch")    # (a Sequential built by a call on data)

    def fields(layer, prefix=""):
        shape = _layer_shape(layer)
        if batch is not None and not prefix and shape.startswith("(None"):
            shape = f"({batch}" + shape[5:]
        row = [f"{prefix}{layer.name} ({_class_name(layer)})", shape, _params(layer)]
        if not seq:
            row.append(_connections(model, layer))
        if show_trainable:
            row.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        return row

    def rows_of(layer, level=0):
        rows = [fields(layer, "   " * level + "└ " if level else "")]
        if expand_nested and getattr(layer, "layers", None):
            for inner in layer.layers:
                rows += rows_of(inner, level + 1)
        return rows

    lo, hi = layer_index_bounds(layers, layer_range)
    rows = [r for layer in layers[lo:hi] for r in rows_of(layer)]
    width = _text_table.console_width()
    lines = [f'Model: "{model.name}"']
    lines += [ln[:width] for ln in _text_table.render(header, rows, widths, align, line_length)]
    trainable, frozen = list(model.trainable_weights), list(model.non_trainable_weights)
    opt = _optimizer_variables(model)
    groups = [("Total", trainable + frozen + opt), ("Trainable", trainable),
              ("Non-trainable", frozen)] + ([("Optimizer", opt)] if opt else [])
    for what, ws in groups:
        lines.append(f" {what} params: {count_params(ws):,} "
                     f"({readable_memory_size(weight_memory_size(ws))})")
    return "".join(line + "\n" for line in lines)


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None) -> None:
    text = summary_text(model, line_length, positions, expand_nested, show_trainable,
                        layer_range)
    if print_fn is None and not _progbar.is_interactive_logging_enabled():
        _progbar.print_msg(text, line_break=False)     # (Keras 3: to logging, in one call)
    elif print_fn is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        print_fn(text)
