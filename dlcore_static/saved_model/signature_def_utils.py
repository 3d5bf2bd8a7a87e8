"""``tf.saved_model.signature_def_utils`` and the records a SavedModel's signatures are made of.

A *signature* names a meta graph's inputs and outputs for a client: ``SignatureDef`` holds
``inputs`` and ``outputs`` (``{key: TensorInfo}``) and a ``method_name``
(``signature_constants.PREDICT_METHOD_NAME`` for ``predict_signature_def``).  ``TensorInfo``
is TensorFlow's: the tensor's ``name`` (``"x:0"``), its ``dtype`` as TensorFlow's ``DataType``
number (``1`` is ``DT_FLOAT``) and its ``tensor_shape`` (``dim[i].size``, ``-1`` where
unknown; ``unknown_rank``).  These are plain Python records with the proto fields' names
(TensorFlow's are protocol buffers), written to and read from the SavedModel's JSON index.
"""

from __future__ import annotations

from . import signature_constants as _sc

__all__ = ["SignatureDef", "TensorInfo", "build_signature_def", "is_valid_signature",
           "predict_signature_def"]

#: TensorFlow's DataType numbers (types.proto) of the dtypes a graph tensor can have
DATA_TYPES = {"float32": 1, "float64": 2, "int32": 3, "uint8": 4, "int16": 5, "int8": 6,
              "string": 7, "complex64": 8, "int64": 9, "bool": 10, "bfloat16": 14,
              "uint16": 17, "complex128": 18, "float16": 19, "uint32": 22, "uint64": 23}
_BY_NUMBER = {v: k for k, v in DATA_TYPES.items()}
_TF_NAMES = {v: "DT_" + {"float32": "FLOAT", "float64": "DOUBLE", "float16": "HALF"}.get(
    k, k.upper()) for k, v in DATA_TYPES.items()}


def dtype_name(number: int) -> str:
    return _BY_NUMBER[number]


class Dim:
    """One dimension of a ``TensorShapeProto``: ``size`` (-1: unknown)."""

    __slots__ = ("name", "size")

    def __init__(self, size: int = -1, name: str = ""):
        self.size, self.name = int(size), name

    def __eq__(self, other) -> bool:
        return isinstance(other, Dim) and (self.size, self.name) == (other.size, other.name)

    def __repr__(self) -> str:
        return f"dim {{ size: {self.size} }}"


class TensorShapeProto:
    """``dim`` (a list of ``Dim``) and ``unknown_rank``."""

    __slots__ = ("dim", "unknown_rank")

    def __init__(self, dims=None, unknown_rank: bool = False):
        self.dim = [Dim(-1 if d is None else d) for d in (dims or [])]
        self.unknown_rank = bool(unknown_rank)

    def as_list(self):
        """The shape as ``[size or None, ...]``, or None for an unknown rank."""
        return None if self.unknown_rank else [None if d.size < 0 else d.size for d in self.dim]

    def __eq__(self, other) -> bool:
        return isinstance(other, TensorShapeProto) and self.as_list() == other.as_list()

    def __repr__(self) -> str:
        return "unknown_rank: true" if self.unknown_rank else " ".join(map(repr, self.dim))


class TensorInfo:
    """A signature's tensor: ``name``, ``dtype`` (DataType number), ``tensor_shape``."""

    __slots__ = ("dtype", "name", "tensor_shape")

    def __init__(self, name: str, dtype: int, tensor_shape: TensorShapeProto):
        self.name, self.dtype, self.tensor_shape = name, int(dtype), tensor_shape

    def __eq__(self, other) -> bool:
        return isinstance(other, TensorInfo) and (self.name, self.dtype, self.tensor_shape) == \
            (other.name, other.dtype, other.tensor_shape)

    def __repr__(self) -> str:
        return (f'name: "{self.name}"\ndtype: {_TF_NAMES.get(self.dtype, "DT_INVALID")}\n'
                f"tensor_shape {{ {self.tensor_shape!r} }}")

    # the index file's record
    def to_json(self) -> dict:
        return {"name": self.name, "dtype": dtype_name(self.dtype),
                "shape": self.tensor_shape.as_list()}


class SignatureDef:
    """``inputs`` and ``outputs`` (``{key: TensorInfo}``) and ``method_name``."""

    __slots__ = ("inputs", "method_name", "outputs")

    def __init__(self, inputs=None, outputs=None, method_name: str = ""):
        self.inputs: dict = dict(inputs or {})
        self.outputs: dict = dict(outputs or {})
        self.method_name = method_name or ""

    def __eq__(self, other) -> bool:
        return isinstance(other, SignatureDef) and (self.inputs, self.outputs,
                                                    self.method_name) == (
            other.inputs, other.outputs, other.method_name)

    def __repr__(self) -> str:
        return (f"SignatureDef(inputs={self.inputs}, outputs={self.outputs}, "
                f"method_name={self.method_name!r})")

    def to_json(self) -> dict:
        return {"method_name": self.method_name,
                "inputs": {k: v.to_json() for k, v in self.inputs.items()},
                "outputs": {k: v.to_json() for k, v in self.outputs.items()}}


def tensor_info_of(tensor) -> TensorInfo:
    """``tf.saved_model.utils.build_tensor_info``: the TensorInfo of a graph tensor."""
    from ..graph import Tensor
    if not isinstance(tensor, Tensor):
        raise TypeError(f"build_tensor_info: expected a graph Tensor, got "
                        f"{type(tensor).__name__}")
    name = tensor.dtype.name
    if name not in DATA_TYPES:
        raise TypeError(f"build_tensor_info: tensor {tensor.name} has dtype {name}, which has no "
                        "TensorFlow DataType")
    shape = tensor.get_shape()
    return TensorInfo(tensor.name, DATA_TYPES[name], TensorShapeProto(
        None if shape.ndims is None else shape.as_list(), unknown_rank=shape.ndims is None))


def build_signature_def(inputs=None, outputs=None, method_name=None) -> SignatureDef:
    """A SignatureDef of ``{key: TensorInfo}`` inputs and outputs."""
    return SignatureDef(inputs, outputs, method_name or "")


def predict_signature_def(inputs, outputs) -> SignatureDef:
    """The Predict API's signature of ``{key: Tensor}`` inputs and outputs."""
    if inputs is None or not inputs:
        raise ValueError("Prediction inputs cannot be None or empty.")
    if outputs is None or not outputs:
        raise ValueError("Prediction outputs cannot be None or empty.")
    return build_signature_def({k: tensor_info_of(t) for k, t in inputs.items()},
                               {k: tensor_info_of(t) for k, t in outputs.items()},
                               _sc.PREDICT_METHOD_NAME)


def _floating(info: TensorInfo) -> bool:
    return dtype_name(info.dtype) in ("float16", "float32", "float64", "bfloat16")


def is_valid_signature(signature_def) -> bool:
    """Whether ``signature_def`` is a valid Predict, Classify or Regress signature (TF's
    rules: the method's keys, string inputs for Classify/Regress, named tensors)."""
    if not isinstance(signature_def, SignatureDef):
        return False
    ins, outs, m = signature_def.inputs, signature_def.outputs, signature_def.method_name
    if m == _sc.PREDICT_METHOD_NAME:
        return bool(ins) and bool(outs) and all(t.name for t in (*ins.values(),
                                                                 *outs.values()))
    if m == _sc.REGRESS_METHOD_NAME:
        return (set(ins) == {_sc.REGRESS_INPUTS} and set(outs) == {_sc.REGRESS_OUTPUTS}
                and dtype_name(ins[_sc.REGRESS_INPUTS].dtype) == "string"
                and _floating(outs[_sc.REGRESS_OUTPUTS]))
    if m == _sc.CLASSIFY_METHOD_NAME:
        keys = {_sc.CLASSIFY_OUTPUT_CLASSES, _sc.CLASSIFY_OUTPUT_SCORES}
        if set(ins) != {_sc.CLASSIFY_INPUTS} or not outs or set(outs) - keys or \
                dtype_name(ins[_sc.CLASSIFY_INPUTS].dtype) != "string":
            return False
        classes, scores = outs.get(_sc.CLASSIFY_OUTPUT_CLASSES), outs.get(
            _sc.CLASSIFY_OUTPUT_SCORES)
        return (classes is None or dtype_name(classes.dtype) == "string") and \
            (scores is None or _floating(scores))
    return False
