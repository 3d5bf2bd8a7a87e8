"""Keras 3's operation nodes in a ``.keras`` file that Keras 3 wrote: ``x + res`` is the record
``{"module": "keras.src.ops.numpy", "class_name": "Add", "config": {"name": "add"}}`` called
with ``{"args": [tensor, tensor], "kwargs": {}}`` (``GetItem``'s key as ``__slice__`` and
``__ellipsis__`` records, ``Mean``'s ``axis``/``keepdims`` in its config).

``Keras3Op`` rebuilds one such node from data: the class name picks a function from the table
below (no other name is accepted, nothing from the file is executed), its config gives the
keyword arguments the table allows, and the node's arguments are kept as a template whose
tensors are the node's inputs.  ``model.save`` writes it back as Keras 3 wrote it.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from ..graph import Tensor
from . import ops as _ops
from ._keras3_op_table import CLASSES as _CLASSES

_o: Any = _ops           # (its Keras 3 functions are installed when it is imported)
from .engine import Layer


def _tf():
    """The ``tf`` namespace, read at call time (as ``keras.ops._tf``: the package imported
    this module, so importing it here would be a cycle)."""
    return sys.modules["dlcore_static"]


def _getitem(x, key):
    return x[tuple(key) if isinstance(key, list) else key]


def _unique(x, sorted, return_index, return_inverse, return_counts, axis, size,  # noqa: A002
            fill_value):
    if return_index:
        raise ValueError("keras.ops.unique: return_index=True is not supported")
    return _o.unique(x, sorted, return_inverse, return_counts, axis, size, fill_value)


def _reduce(fn):
    return lambda x, axis=None, keepdims=False: fn(x, axis=axis, keepdims=keepdims)


# class name -> (function of the node's positional arguments and config, config keys taken)
_TABLE: dict[str, tuple[Any, tuple]] = {
    # (operators: a Python number beside a tensor takes the tensor's dtype, as in Keras 3)
    "Add": (lambda x, y: x + y, ()), "Subtract": (lambda x, y: x - y, ()),
    "Multiply": (lambda x, y: x * y, ()), "TrueDivide": (lambda x, y: x / y, ()),
    "Divide": (lambda x, y: x / y, ()), "Matmul": (lambda x, y: x @ y, ()),
    "Maximum": (lambda x, y: _tf().maximum(x, y), ()),
    "Minimum": (lambda x, y: _tf().minimum(x, y), ()),
    "Negative": (lambda x: -x, ()), "Absolute": (_ops.abs, ()), "Exp": (_ops.exp, ()),
    "Log": (_ops.log, ()), "Sqrt": (_ops.sqrt, ()), "Square": (_ops.square, ()),
    "Tanh": (_ops.tanh, ()), "Sigmoid": (_ops.sigmoid, ()), "Relu": (_ops.relu, ()),
    "Power": (lambda x, y: x ** y, ()), "Greater": (lambda x, y: x > y, ()),
    "GreaterEqual": (lambda x, y: x >= y, ()), "Less": (lambda x, y: x < y, ()),
    "LessEqual": (lambda x, y: x <= y, ()),
    "Mean": (_reduce(_ops.mean), ("axis", "keepdims")),
    "Sum": (_reduce(_ops.sum), ("axis", "keepdims")),
    "Max": (_reduce(_ops.max), ("axis", "keepdims")),
    "Min": (_reduce(_ops.min), ("axis", "keepdims")),
    "GetItem": (_getitem, ()),
    "Reshape": (_ops.reshape, ("newshape",)), "Transpose": (_ops.transpose, ("axes",)),
    "ExpandDims": (_ops.expand_dims, ("axis",)), "Squeeze": (_ops.squeeze, ("axis",)),
    "Concatenate": (_ops.concatenate, ("axis",)), "Stack": (_ops.stack, ("axis",)),
    "Softmax": (_ops.softmax, ("axis",)), "LogSoftmax": (_ops.log_softmax, ("axis",)),
    "Clip": (_ops.clip, ("x_min", "x_max")), "Cast": (_ops.cast, ("dtype",)),
    "Argmax": (_ops.argmax, ("axis", "keepdims")), "Argmin": (_ops.argmin, ("axis", "keepdims")),
    "Where": (_ops.where, ()), "OneHot": (_ops.one_hot, ("num_classes", "axis", "dtype", "sparse")),
    # (operations whose function orders the node's arguments otherwise)
    "Average": (lambda x, weights=None, axis=None: _o.average(x, axis=axis, weights=weights),
                ("axis",)),
    "Einsum": (lambda *xs, subscripts: _o.einsum(subscripts, *xs), ("subscripts",)),
    "Full": (lambda fill_value, shape, dtype=None: _o.full(shape, fill_value, dtype),
             ("shape", "dtype")),
    "Pad": (lambda x, constant_values=None, pad_width=None, mode="constant":
            _o.pad(x, pad_width, mode, constant_values), ("pad_width", "mode")),
    "BatchNorm": (lambda x, mean, variance, offset=None, scale=None, axis=-1, epsilon=1e-3:
                  _o.batch_normalization(x, mean, variance, axis, offset, scale, epsilon),
                  ("axis", "epsilon")),
    "LayerNorm": (lambda x, gamma=None, beta=None, axis=-1, epsilon=None, rms_scaling=False:
                  _o.layer_normalization(x, gamma, beta, axis, epsilon,
                                           rms_scaling=rms_scaling),
                  ("axis", "epsilon", "rms_scaling")),
    "Unique": (lambda x, sorted=True, return_index=False, return_inverse=False,  # noqa: A002
               return_counts=False, axis=None, size=None, fill_value=None:
               _unique(x, sorted, return_index, return_inverse, return_counts, axis, size,
                       fill_value),
               ("sorted", "return_index", "return_inverse", "return_counts", "axis", "size",
                "fill_value")),
    "ConvertToTensor": (lambda x, dtype=None, sparse=None, ragged=None:
                        _ops.convert_to_tensor(x, dtype, sparse), ("dtype", "sparse", "ragged")),
}
# every other Keras 3 operation whose ``keras.ops`` function dlcore has (the generated table)
for _cls, (_mod, _fn, _keys) in _CLASSES.items():
    if _cls not in _TABLE and hasattr(_ops, _fn):
        _TABLE[_cls] = (getattr(_ops, _fn), _keys)


def is_keras3_op(rec: dict) -> bool:
    return str(rec.get("module") or "").startswith("keras.src.ops")


class Keras3Op(Layer):
    """One Keras 3 operation node read from a file (see the module docstring)."""

    def __init__(self, op_class: str, config: dict, error):
        if op_class not in _TABLE:
            raise error(f"load_model: Keras 3 operation {str(op_class)[:40]!r} is not one "
                        f"dlcore rebuilds (it rebuilds {len(_TABLE)} of Keras 3's "
                        f"operations: those whose keras.ops function dlcore has)")
        fn, keys = _TABLE[op_class]
        extra = set(config) - set(keys) - {"name"}
        if extra:
            raise error(f"load_model: Keras 3 operation {op_class} has settings dlcore does "
                        f"not rebuild: {', '.join(sorted(extra))[:80]}")
        super().__init__(name=config.get("name"))
        self.op_class, self.op_config = op_class, dict(config)
        self._fn, self._kwargs = fn, {k: _plain(config[k]) for k in keys if k in config}
        self._template: list = []
        self._call_kwargs: dict = {}
        self.built = True

    def set_arguments(self, args: list, kwargs: dict | None = None) -> list:
        """Keep the node's arguments (positional, and keyword ones as ``pad``'s
        ``constant_values``) with each tensor marked; returns the tensors, in order."""
        tensors: list = []

        def mark(v):
            if isinstance(v, Tensor):
                tensors.append(v)
                return ("__tensor__", len(tensors) - 1)
            if isinstance(v, list):
                return [mark(u) for u in v]
            return v
        self._template = [mark(a) for a in args]
        self._call_kwargs = {str(k): mark(v) for k, v in (kwargs or {}).items()}
        return tensors

    def call(self, inputs):
        xs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        kw = {k: fill_template(v, xs) for k, v in self._call_kwargs.items()}
        return self._fn(*[fill_template(a, xs) for a in self._template], **kw, **self._kwargs)

    def keras3_args(self, tensor_record) -> list:
        """The node's arguments as Keras 3 writes them (``tensor_record(t)`` for a tensor)."""
        return write_args(self._template, self._nodes[0].inputs, tensor_record)

    def keras3_kwargs(self, tensor_record) -> dict:
        """The node's keyword arguments as Keras 3 wrote them."""
        keys = list(self._call_kwargs)
        vals = write_args(list(self._call_kwargs.values()), self._nodes[0].inputs,
                          tensor_record)
        return dict(zip(keys, vals))

    def get_config(self) -> dict:
        return dict(self.op_config)


def _plain(v):
    return tuple(_plain(u) for u in v) if isinstance(v, list) else v


def revive_argument(x):
    """A Keras 3 node argument that is not a tensor: a slice, ``...``, or a plain value;
    None for a record it does not know."""
    if isinstance(x, dict):
        c = x.get("config") or {}
        if x.get("class_name") == "__slice__" and isinstance(c, dict) and \
                all(isinstance(c.get(k), (int, type(None))) for k in ("start", "stop", "step")):
            return slice(c.get("start"), c.get("stop"), c.get("step"))
        if x.get("class_name") == "__ellipsis__":
            return Ellipsis
        if x.get("class_name") == "__tensor__" and isinstance(c, dict) and \
                c.get("dtype") in _DTYPES and isinstance(c.get("value"), (list, int, float)):
            try:                            # a constant argument (x @ ops.ones((2, 3)))
                return np.asarray(c["value"], dtype=c["dtype"])
            except (TypeError, ValueError):
                return None
        return None
    return x


# -- dlcore's own operation nodes written as Keras 3 records (so Keras 3 reads the file)
_MODULES = {cls: f"keras.src.ops.{mod}" for cls, (mod, _, _) in _CLASSES.items()}
_MODULES.update(Average="keras.src.ops.numpy", Einsum="keras.src.ops.numpy",
                Full="keras.src.ops.numpy", Pad="keras.src.ops.numpy",
                BatchNorm="keras.src.ops.nn", LayerNorm="keras.src.ops.nn",
                ConvertToTensor="keras.src.ops.core", Unique="keras.src.ops.numpy")
_JSON = (bool, int, float, str, type(None))
_DTYPES = {"float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"}
_PRIMS = {"add": "Add", "sub": "Subtract", "mul": "Multiply", "div": "TrueDivide",
          "matmul": "Matmul", "neg": "Negative", "getitem": "GetItem", "pow": "Power",
          "greater": "Greater", "greater_equal": "GreaterEqual", "less": "Less",
          "less_equal": "LessEqual"}


def _record(cls: str, config: dict, template: list) -> dict:
    return {"module": _MODULES.get(cls, "keras.src.ops.numpy"), "class_name": cls,
            "config": config, "template": template}


def call_spec(call, inputs: list) -> dict | None:
    """A ``keras.ops`` call (``ops.CALLS``) as Keras 3 records it, or None."""
    import inspect
    cls, _, fn, args, kwargs = call
    if cls not in _TABLE:
        return None
    keys = _TABLE[cls][1]
    try:
        bound = inspect.signature(inspect.unwrap(fn)).bind(*args, **kwargs)
    except TypeError:
        return None
    bound.apply_defaults()
    config, template = {}, []
    params = inspect.signature(inspect.unwrap(fn)).parameters
    for k, v in bound.arguments.items():
        if params[k].kind is inspect.Parameter.VAR_POSITIONAL:
            template.extend(v)              # (einsum's operands: the node's arguments)
        elif params[k].kind is inspect.Parameter.VAR_KEYWORD:
            if v:
                return None
        elif k in keys:
            v = list(v) if isinstance(v, tuple) else v
            if not (isinstance(v, _JSON) or isinstance(v, list) and
                    all(isinstance(u, _JSON) for u in v)):
                return None                 # (a dtype object: dlcore's own record instead)
            config[k] = v
        elif k in ("initial", "sparse", "dtype") and v is None or k == "sparse" and not v:
            continue
        else:
            template.append(v)
    template = _marked(template, inputs)
    return None if template is None else _record(cls, config, template)


def program_spec(op_class: str, program: dict, consts: list, inputs: list) -> dict | None:
    """A one-primitive node (``x + y``, ``-x``, ``x[:, 0]``, ``2 * x``) as Keras 3 records the
    operator, or None."""
    prim, params, args = program["steps"][0]
    cls = _PRIMS.get(prim)
    if cls is None or cls != op_class:
        return None
    template: list = []
    for a in args:
        if a[0] == "in":
            template.append(("__tensor__", a[1]))
        elif a[0] == "const" and isinstance(consts[a[1]]["value"], (int, float)):
            template.append(consts[a[1]]["value"])
        elif a[0] == "const":
            template.append(np.asarray(consts[a[1]]["value"], dtype=consts[a[1]]["dtype"]))
        else:
            return None
    if cls == "GetItem":
        key: list = []
        for k in params.get("idx", []):
            if isinstance(k, list) and k and k[0] == "slice":
                key.append(slice(*k[1:]))
            elif isinstance(k, dict) and "__ellipsis__" in k:
                key.append(Ellipsis)
            elif k is None or isinstance(k, int):
                key.append(k)
            else:
                return None
        template.append(key)
    elif params:
        return None
    if cls == "Negative" and len(template) != 1 or cls != "Negative" and len(template) != 2:
        return None
    return _record(cls, {}, template)


def _marked(values: list, inputs: list):
    """``values`` with each tensor as ``("__tensor__", its index in inputs)``; None when one
    is not an input of the node."""
    out: list = []
    for v in values:
        if isinstance(v, Tensor):
            k = next((i for i, x in enumerate(inputs) if x is v), None)
            if k is None:
                return None
            out.append(("__tensor__", k))
        elif isinstance(v, (list, tuple)) and any(isinstance(u, Tensor) for u in v):
            inner = _marked(list(v), inputs)
            if inner is None:
                return None
            out.append(inner)
        elif v is None or isinstance(v, (bool, int, float, str)) or \
                isinstance(v, (list, tuple)) and all(isinstance(u, (int, type(None))) for u in v):
            out.append(list(v) if isinstance(v, tuple) else v)
        else:
            return None
    return out


def write_args(template: list, inputs: list, tensor_record) -> list:
    """A template's arguments as Keras 3 writes them (tensors as ``tensor_record``)."""
    def out(v):
        if isinstance(v, tuple) and len(v) == 2 and v[0] == "__tensor__":
            return tensor_record(inputs[v[1]])
        if isinstance(v, list):
            return [out(u) for u in v]
        if isinstance(v, slice):
            return {"class_name": "__slice__",
                    "config": {"start": v.start, "stop": v.stop, "step": v.step}}
        if v is Ellipsis:
            return {"class_name": "__ellipsis__", "config": {}}
        if isinstance(v, np.ndarray):
            return {"class_name": "__tensor__",
                    "config": {"value": v.tolist(), "dtype": str(v.dtype)}}
        return v
    return [out(a) for a in template]


def fill_template(v, xs):
    """An op layer's recorded argument ``v`` with each ``("__tensor__", i)`` mark replaced by
    the layer's input ``xs[i]`` (lists and dicts walked; shared with ``_tf_op_lambda``)."""
    if isinstance(v, tuple) and len(v) == 2 and v[0] == "__tensor__":
        return xs[v[1]]
    if isinstance(v, list):
        return [fill_template(u, xs) for u in v]
    if isinstance(v, dict):
        return {k: fill_template(u, xs) for k, u in v.items()}
    return v
