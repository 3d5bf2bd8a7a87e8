"""``model.summary()`` laid out as Keras 2 prints it: three columns (65 characters) for a chain
of layers, four (98 characters, with "Connected to") for a graph of layers."""

from __future__ import annotations

import numpy as np

from ._history import keras_history


def _shape_text(shape) -> str:
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + \
        ("," if len(shape) == 1 else "") + ")"


def _sequential_like(model) -> bool:
    if type(model).__name__ == "Sequential" or not getattr(model, "_is_graph_network", False):
        return True
    for layer in model.layers:
        nodes = [n for n in layer._nodes if _in_model(model, n)]
        if len(nodes) > 1 or any(len(n.inputs) > 1 for n in nodes):
            return False
    users: dict = {}
    for layer in model.layers:
        for n in layer._nodes:
            if _in_model(model, n) and type(layer).__name__ != "InputLayer":
                for t in n.inputs:
                    users[t] = users.get(t, 0) + 1
    return all(c <= 1 for c in users.values())


def _in_model(model, node) -> bool:
    return all(t in model._known_tensors() for t in node.outputs)


def print_summary(model, line_length=None, positions=None, print_fn=print) -> None:
    seq = _sequential_like(model)
    if seq:
        line_length = line_length or 65
        positions = positions or [0.45, 0.85, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #"]
    else:
        line_length = line_length or 98
        positions = positions or [0.33, 0.55, 0.67, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]

    def row(fields):
        line = ""
        for i, f in enumerate(fields):
            if i > 0:
                line = line[:-1] + " "
            line += str(f)
            line = line[:positions[i]]
            line += " " * (positions[i] - len(line))
        print_fn(line)

    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    row(header)
    print_fn("=" * line_length)
    layers = model._summary_layers()
    for i, layer in enumerate(layers):
        try:
            shape = _shape_text(layer.output_shape)
        except AttributeError:
            shape = "multiple"
        name = f"{layer.name} ({type(layer).__name__})"
        if seq:
            row([name, shape, layer.count_params()])
        else:
            conns = []
            for n in layer._nodes:
                if not _in_model(model, n) or type(layer).__name__ == "InputLayer":
                    continue
                for t in n.inputs:
                    src, ni, ti = keras_history(t)
                    conns.append(f"{src.name}[{ni}][{ti}]")
            row([name, shape, layer.count_params(), conns[0] if conns else ""])
            for c in conns[1:]:
                row(["", "", "", c])
        print_fn(("=" if i == len(layers) - 1 else "_") * line_length)
    trainable = int(sum(np.prod(w.aval.shape) for w in model.trainable_weights))
    total = int(sum(np.prod(w.aval.shape) for w in model.weights))
    print_fn(f"Total params: {total:,}")
    print_fn(f"Trainable params: {trainable:,}")
    print_fn(f"Non-trainable params: {total - trainable:,}")
    print_fn("_" * line_length)
