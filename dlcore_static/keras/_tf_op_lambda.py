"""tf.keras 2's operation layers in an ``.h5`` file it wrote: ``x * 2.0`` between layers is the
record ``{"class_name": "TFOpLambda", "config": {"name": "tf.math.multiply", "function":
"math.multiply", ...}, "inbound_nodes": [["dense", 0, 0, {"y": 2.0, "name": null}]]}``: the
function's public TensorFlow name, and one node per call written as its first argument (a tensor
reference, or a list of them, ``tf.concat``'s) with the other arguments as keyword arguments
beside it (tensor references ``[layer, node, index]``, numbers, nested lists of numbers).
``SlicingOpLambda`` is ``x[:, 1:]`` (``tf.__operators__.getitem`` with ``slice_spec``, each
slice a ``{"start", "stop", "step"}`` record).

``TFOpLambda`` rebuilds one such layer from data: the function's name must be one of
``FUNCTIONS`` (array functions without effects; nothing else is looked up, nothing from the
file is executed), it is found in the ``tf`` namespace at call time, and each node's arguments
are kept as a template whose tensors are the node's inputs (as ``_keras3_ops.Keras3Op``).
``model.save('m.h5')`` writes it back as tf.keras 2 wrote it.
"""

from __future__ import annotations

import sys
from typing import Any, Callable

from ._keras3_ops import fill_template
from .engine import Layer

CLASSES = ("TFOpLambda", "SlicingOpLambda")

_OPERATORS: dict[str, Callable] = {
    "__operators__.add": lambda x, y: x + y,
    "__operators__.getitem": lambda x, slice_spec: x[
        tuple(slice_spec) if isinstance(slice_spec, list) else slice_spec],
    "__operators__.eq": lambda self, other: _tf().equal(self, other),
    "__operators__.ne": lambda self, other: _tf().not_equal(self, other),
}

FUNCTIONS = frozenset(_OPERATORS) | frozenset(
    ["math." + n for n in (
        "add", "subtract", "multiply", "truediv", "divide", "floordiv", "floormod", "negative",
        "abs", "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "square", "pow", "reciprocal",
        "maximum", "minimum", "squared_difference", "sigmoid", "tanh", "sin", "cos", "softplus",
        "softsign", "erf", "floor", "ceil", "round", "sign", "reduce_mean", "reduce_sum",
        "reduce_max", "reduce_min", "reduce_prod", "reduce_std", "reduce_variance",
        "reduce_logsumexp", "reduce_any", "reduce_all", "argmax", "argmin", "cumsum",
        "l2_normalize", "log_softmax", "greater", "greater_equal", "less", "less_equal",
        "equal", "not_equal", "logical_and", "logical_or", "logical_not", "divide_no_nan",
        "multiply_no_nan", "is_nan", "is_finite", "count_nonzero")] +
    ["nn." + n for n in (
        "relu", "relu6", "elu", "selu", "leaky_relu", "softmax", "log_softmax", "sigmoid",
        "tanh", "swish", "silu", "softplus", "l2_normalize", "bias_add", "moments")] +
    ["reshape", "expand_dims", "squeeze", "compat.v1.squeeze", "concat", "stack", "transpose",
     "cast", "matmul", "linalg.matmul", "einsum", "clip_by_value", "tile", "gather", "one_hot",
     "where", "pad", "broadcast_to", "identity", "stop_gradient", "zeros_like", "ones_like",
     "split", "reverse", "linalg.norm", "norm", "sequence_mask", "boolean_mask"])


def _tf():
    """The ``tf`` namespace, read at call time (the package imports this module)."""
    return sys.modules["dlcore_static"]


def function(symbol: str, error) -> Callable:
    """The function a file names (``math.multiply``), if it is one of ``FUNCTIONS``."""
    if symbol not in FUNCTIONS:
        raise error(f"load_model: TFOpLambda function {str(symbol)[:60]!r} is not one dlcore "
                    "rebuilds (array functions only)")
    if symbol in _OPERATORS:
        return _OPERATORS[symbol]
    fn: Any = _tf()
    for part in symbol.split("."):
        fn = getattr(fn, part, None)
    if not callable(fn):
        raise error(f"load_model: TFOpLambda function tf.{symbol} is missing from dlcore")
    return fn


def _is_ref(v) -> bool:
    """A tensor reference of a Keras 2 node: ``[layer name, node index, tensor index(,
    kwargs)]``."""
    return isinstance(v, list) and len(v) in (3, 4) and isinstance(v[0], str) and \
        all(isinstance(i, int) and not isinstance(i, bool) for i in v[1:3]) and \
        (len(v) == 3 or isinstance(v[3], dict))


class TFOpLambda(Layer):
    """One tf.keras 2 operation layer read from a file (see the module docstring)."""

    def __init__(self, class_name: str, config: dict, error):
        self.symbol = config.get("function")
        if not isinstance(self.symbol, str):
            raise error("load_model: a TFOpLambda record has no function name")
        self._fn = function(self.symbol, error)
        super().__init__(name=config.get("name"))
        self.class_name, self.op_config = class_name, dict(config)
        self._error = error
        self._template: list = []       # [first argument, keyword arguments], tensors marked
        self.built = True

    def set_node(self, node: list, tensor: Callable) -> list:
        """Read one Keras 2 node (``tensor(ref)`` resolves a reference); returns the node's
        tensors, in order (the layer is then called on them)."""
        tensors: list = []

        def mark(v):
            if _is_ref(v):
                tensors.append(tensor(v[:3]))
                return ("__tensor__", len(tensors) - 1)
            if isinstance(v, list):
                return [mark(u) for u in v]
            if isinstance(v, dict) and set(v) == {"start", "stop", "step"}:
                return slice(v["start"], v["stop"], v["step"])
            if isinstance(v, dict) and v == {"class_name": "__ellipsis__"}:
                return Ellipsis                 # (tf.keras 2's json encoding of ...)
            if isinstance(v, dict):
                return {k: mark(u) for k, u in v.items()}
            return v
        if _is_ref(node):                               # one tensor first
            first, kw = mark(node[:3]), node[3] if len(node) == 4 else {}
        elif isinstance(node, list) and node and all(_is_ref(r) for r in node):
            first = [mark(r[:3]) for r in node]         # a list of them (tf.concat)
            kw = node[0][3] if len(node[0]) == 4 else {}
        else:
            raise self._error(f"load_model: layer {self.name!r} has a malformed inbound node "
                              f"{str(node)[:80]}")
        self._template = [first, {k: mark(v) for k, v in kw.items() if k != "name"}]
        return tensors

    def call(self, inputs):
        xs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        return self._fn(fill_template(self._template[0], xs),
                        **fill_template(self._template[1], xs))

    def compute_output_shape(self, input_shape):
        return tuple(self._nodes[0].outputs[0].aval.shape)

    def keras2_node(self, ref: Callable) -> list:
        """The node as tf.keras 2 writes it (``ref(t)``: a tensor's reference)."""
        ins = self._nodes[0].inputs

        def write(v):
            if isinstance(v, tuple) and len(v) == 2 and v[0] == "__tensor__":
                return ref(ins[v[1]])
            if isinstance(v, slice):
                return {"start": v.start, "stop": v.stop, "step": v.step}
            if isinstance(v, list):
                return [write(u) for u in v]
            if isinstance(v, dict):
                return {k: write(u) for k, u in v.items()}
            return v
        first, kw = self._template
        kw = {k: write(v) for k, v in kw.items()}
        if isinstance(first, list):
            return [write(r) + [kw] for r in first]
        return write(first) + [kw]

    def get_config(self) -> dict:
        return dict(self.op_config)


class SlicingOpLambda(TFOpLambda):
    """``x[:, 1:]`` (``tf.__operators__.getitem``): a ``TFOpLambda`` whose slices are records."""


def make(class_name: str, config: dict, error) -> TFOpLambda:
    return (SlicingOpLambda if class_name == "SlicingOpLambda" else TFOpLambda)(
        class_name, config, error)
