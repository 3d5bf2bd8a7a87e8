"""``Operation.get_attr`` of the static front end (TensorFlow 1's ``tf.Operation.get_attr``)."""

from __future__ import annotations

import numpy as np

from . import dtypes as _dtypes


def get_attr(self, name: str):
    """The value of the attribute ``name`` (TF's ``Operation.get_attr``), as far as an op's
    params and attrs say it: a dtype-valued one as a ``tf.DType``; ``T`` the type of the first
    input (of the output for an op without inputs: TF's type attribute of Equal, Shape, ArgMax
    is its input's); ``dtype`` of an op without inputs (Placeholder, Const, a variable) its
    output's; Cast's ``SrcT``/``DstT``; a MatMul's flags, False where unset.  Else ValueError
    ``Operation 'name' has no attr named 'x'.`` as TF's."""
    params = self.params
    if params and name in params and not (self.type == "Cast" and name == "dtype"):
        return _tf_value(params[name])
    if self.attrs and name in self.attrs:
        return _tf_value(self.attrs[name])
    ins, outs = self.inputs, self.outputs
    if name == "T" and (ins or outs):
        return (ins[0] if ins else outs[0]).dtype
    if name == "dtype" and not ins and outs:
        return outs[0].dtype
    if self.type == "Cast" and name in ("SrcT", "DstT") and ins and outs:
        return (ins[0] if name == "SrcT" else outs[0]).dtype
    if self.type == "MatMul" and name in ("transpose_a", "transpose_b"):
        return False
    raise ValueError(f"Operation '{self.name}' has no attr named '{name}'.")


def _tf_value(v):
    """A param's value as TF returns the attribute: a NumPy dtype (or scalar type) as a
    ``tf.DType``, anything else as it is."""
    if isinstance(v, np.dtype) or (isinstance(v, type) and issubclass(v, np.generic)):
        return _dtypes.as_dtype(v)
    return v
