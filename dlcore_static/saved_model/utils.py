"""``tf.saved_model.utils``: TensorInfo from a tensor and back."""

from __future__ import annotations

from .signature_def_utils import TensorInfo, tensor_info_of

__all__ = ["build_tensor_info", "get_tensor_from_tensor_info"]


def build_tensor_info(tensor) -> TensorInfo:
    """The TensorInfo (name, DataType number, shape) of a graph tensor."""
    return tensor_info_of(tensor)


def get_tensor_from_tensor_info(tensor_info, graph=None, import_scope=None):
    """The tensor ``tensor_info`` names, in ``graph`` (default: the default graph)."""
    from ..graph import get_default_graph
    if not isinstance(tensor_info, TensorInfo):
        raise TypeError(f"get_tensor_from_tensor_info: expected a TensorInfo, got "
                        f"{type(tensor_info).__name__}")
    graph = graph or get_default_graph()
    name = tensor_info.name
    if import_scope:
        name = f"{import_scope.rstrip('/')}/{name}"
    return graph.get_tensor_by_name(name)
