"""``Operation.get_attr`` of the static front end (TensorFlow 1's ``tf.Operation.get_attr``)."""

from __future__ import annotations


def get_attr(self, name: str):
    """The value of the attribute ``name`` (TF's ``Operation.get_attr``): the op's params
    (``transpose_a`` of a MatMul, ``idx`` of a StridedSlice, ...), its attrs, ``T`` (the
    first output's dtype) and a MatMul's flags, False where unset; else ValueError
    ``Operation 'name' has no attr named 'x'.`` as TF's."""
    params = self.params
    if params and name in params:
        return params[name]
    if self.attrs and name in self.attrs:
        return self.attrs[name]
    if name == "T" and self.outputs:
        return self.outputs[0].dtype
    if self.type == "MatMul" and name in ("transpose_a", "transpose_b"):
        return False
    raise ValueError(f"Operation '{self.name}' has no attr named '{name}'.")
