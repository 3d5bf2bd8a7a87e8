"""Element structures of ``tf.data``: nesting, flattening, static types and shapes.

A dataset element is a nested structure whose leaves are tensors: a single tensor, a tuple
(or namedtuple) of structures, or a dict of structures, as in TensorFlow (``tf.nest``).  A
``SparseTensor`` (what ``parse_example``'s ``VarLenFeature`` gives a ``map``) is one leaf of
kind 'sparse' that travels as its three components (indices, values, dense_shape).  A
dict is flattened in sorted key order; a Python list is *not* a structure, it is data (the
list ``[1, 2, 3]`` is one tensor of shape ``(3,)``), as TensorFlow 1's ``from_tensor_slices``
treats it.

Inside the pipeline an element travels flattened: a tuple of NumPy arrays, one per leaf.  A
``Structure`` keeps the nesting (to rebuild the user's tuples and dicts), and a ``Spec`` the
leaves' dtypes (NumPy) and static shapes (tuples with ``None`` for an unknown dimension, or
``None`` for an unknown rank).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dlcore.dtypes import is_floating

from .. import dtypes as _dtypes
from ..graph import Tensor, TensorShape
from ..sparse import SparseTensor, SparseTensorValue


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def flatten(value) -> list:
    """The leaves of ``value`` in TensorFlow's order (dict keys sorted); a SparseTensor gives
    its three component tensors."""
    if isinstance(value, SparseTensor):
        return [value.indices, value.values, value.dense_shape]
    if isinstance(value, tuple):
        return [leaf for v in value for leaf in flatten(v)]
    if isinstance(value, dict):
        return [leaf for k in sorted(value) for leaf in flatten(value[k])]
    return [value]


def types_structure(value):
    """``output_types`` with lists read as tuples (a list of dtypes can only be structure)."""
    if isinstance(value, list):
        return tuple(types_structure(v) for v in value)
    if isinstance(value, tuple) and not _is_namedtuple(value):
        return tuple(types_structure(v) for v in value)
    if isinstance(value, dict):
        return type(value)((k, types_structure(v)) for k, v in value.items())
    return value


def flatten_up_to(structure, value) -> list:
    """``value``'s parts at ``structure``'s leaves (a leaf takes the whole sub-value, so a
    shape ``(None, 3)`` stays one leaf); [] when ``value`` does not have the structure."""
    if structure.kind == "leaf":
        return [value]
    if structure.kind == "dict":
        if not isinstance(value, dict) or sorted(value) != list(structure.keys):
            return []
        parts = [flatten_up_to(c, value[k]) for k, c in zip(structure.keys, structure.children)]
    else:
        if not isinstance(value, (tuple, list)) or len(value) != len(structure.children):
            return []
        parts = [flatten_up_to(c, v) for c, v in zip(structure.children, value)]
    if any(not p for p in parts):
        return []
    return [x for p in parts for x in p]


class Structure:
    """The nesting of an element: ``kind`` is 'leaf', 'tuple', 'namedtuple' or 'dict'."""

    __slots__ = ("children", "cls", "keys", "kind")

    def __init__(self, kind: str, children=(), keys=(), cls=None):
        self.kind, self.children, self.keys, self.cls = kind, tuple(children), tuple(keys), cls

    @staticmethod
    def of(value) -> Structure:
        if isinstance(value, SparseTensor):
            return SPARSE
        if isinstance(value, tuple):
            kids = [Structure.of(v) for v in value]
            if _is_namedtuple(value):
                return Structure("namedtuple", kids, cls=type(value))
            return Structure("tuple", kids)
        if isinstance(value, dict):
            keys = sorted(value)
            return Structure("dict", [Structure.of(value[k]) for k in keys], keys,
                             cls=type(value))
        return LEAF

    @property
    def size(self) -> int:
        if self.kind in ("leaf", "sparse"):
            return 1 if self.kind == "leaf" else 3
        return sum(c.size for c in self.children)

    def pack(self, flat, sparse=None) -> Any:
        """Rebuild the nested value from its leaves; ``sparse(indices, values, dense_shape)``
        makes a sparse leaf (default: a SparseTensor of tensors, else a SparseTensorValue)."""
        it = iter(flat)
        return self._pack(it, sparse or _sparse_value)

    def sparse_starts(self) -> list:
        """Flat positions of the first component of each sparse leaf."""
        out: list = []
        self._starts(0, out)
        return out

    def _starts(self, pos: int, out: list) -> int:
        if self.kind == "sparse":
            out.append(pos)
        for c in self.children:
            pos = c._starts(pos, out)
        return pos + (self.size if not self.children else 0)

    def _pack(self, it, sparse):
        if self.kind == "leaf":
            return next(it)
        if self.kind == "sparse":
            return sparse(next(it), next(it), next(it))
        vals = [c._pack(it, sparse) for c in self.children]
        if self.kind == "tuple":
            return tuple(vals)
        if self.kind == "namedtuple":
            return self.cls(*vals)
        try:
            return self.cls(zip(self.keys, vals))
        except TypeError:                   # a dict subclass with another constructor
            return dict(zip(self.keys, vals))

    def same_as(self, other: Structure) -> bool:
        if self.kind != other.kind or len(self.children) != len(other.children):
            return False
        if self.kind == "dict" and self.keys != other.keys:
            return False
        return all(a.same_as(b) for a, b in zip(self.children, other.children))

    def __repr__(self) -> str:
        return repr(self.pack(["."] * self.size))


LEAF = Structure("leaf")
SPARSE = Structure("sparse")


def _sparse_value(indices, values, dense_shape):
    if isinstance(values, Tensor):
        return SparseTensor(indices, values, dense_shape)
    return SparseTensorValue(indices, values, dense_shape)


def _sparse_rank(shape) -> TensorShape:
    dims = shape.dims if isinstance(shape, TensorShape) else shape
    return TensorShape(None if not dims or dims[0] is None else [None] * dims[0])


@dataclass(frozen=True)
class Spec:
    """Flat leaf specs of a dataset's elements and how they nest."""

    structure: Structure
    dtypes: tuple          # np.dtype per leaf
    shapes: tuple          # tuple (None for unknown dims) or None (unknown rank), per leaf

    def output_types(self):
        return self.structure.pack([_dtypes.as_dtype(d) for d in self.dtypes],
                                   lambda i, v, s: v)

    def output_shapes(self):
        return self.structure.pack([TensorShape(s) for s in self.shapes],
                                   lambda i, v, s: _sparse_rank(s))

    def output_classes(self):
        return self.structure.pack([Tensor] * len(self.dtypes),
                                   lambda i, v, s: SparseTensor)

    def describe_types(self) -> str:
        return _text(self.structure.pack([f"tf.{_dtypes.as_dtype(d).name}"
                                          for d in self.dtypes],
                                         lambda i, v, s: f"SparseTensor({v})"))

    def describe_shapes(self) -> str:
        return _text(self.structure.pack([TensorShape(s) for s in self.shapes],
                                         lambda i, v, s: f"SparseTensor{_sparse_rank(s)}"))

    @staticmethod
    def declared(output_types, output_shapes, what: str) -> Spec:
        """The spec a user declares (``from_generator``, ``Iterator.from_structure``): nested
        dtypes, and shapes of the same structure or None (unknown rank)."""
        output_types = types_structure(output_types)
        structure = Structure.of(output_types)
        dts = tuple(_dtypes.as_np(t) for t in flatten(output_types))
        if output_shapes is None:
            return Spec(structure, dts, (None,) * len(dts))
        flat = flatten_up_to(structure, output_shapes)
        if len(flat) != len(dts):
            raise TypeError(f"{what}: `output_shapes` must have the same structure as "
                            f"`output_types`: {len(flat)} shapes for {len(dts)} types")
        return Spec(structure, dts, tuple(normalize_shape(s) for s in flat))


class SpecView:
    """``output_types``, ``output_shapes`` and ``output_classes`` of a ``_spec`` (a Dataset's
    or an Iterator's)."""

    _spec: Spec

    @property
    def output_types(self):
        return self._spec.output_types()

    @property
    def output_shapes(self):
        return self._spec.output_shapes()

    @property
    def output_classes(self):
        return self._spec.output_classes()


def _text(value) -> str:
    if isinstance(value, tuple):
        inner = ", ".join(_text(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def host_array(value, what: str) -> np.ndarray:
    """A NumPy array from user data, with TensorFlow's default dtypes for Python values
    (int -> int32, float -> float32, bool -> bool); NumPy arrays keep their dtype; strings
    (``str``, ``bytes``, NumPy ``str``/``bytes`` arrays) become ``tf.string`` data, an object
    array of ``bytes``."""
    if _is_text(value):
        return _dtypes.as_bytes_array(value, what)
    if isinstance(value, np.ndarray):
        arr = value
    elif isinstance(value, np.generic):
        arr = np.asarray(value)
    else:
        arr = np.asarray(value)
        if arr.dtype == np.float64:
            arr = arr.astype(np.float32)
        elif arr.dtype.kind == "i" and arr.dtype != np.int32:
            arr = arr.astype(np.int32)
    if not (arr.dtype.kind in "biu" or is_floating(arr.dtype)):
        raise TypeError(f"{what}: cannot use a value of dtype {arr.dtype} as a tensor (only "
                        "bool, integer, floating-point and string data are supported)")
    return arr


def _is_text(value) -> bool:
    if isinstance(value, (str, bytes)):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "SU" or (value.dtype.kind == "O" and value.size > 0 and
                                            isinstance(value.flat[0], (str, bytes)))
    if isinstance(value, (list, tuple)) and value:
        first = value
        while isinstance(first, (list, tuple)) and first:
            first = first[0]
        return isinstance(first, (str, bytes))
    return False


def shape_compatible(shape, want) -> bool:
    """Does a concrete (or static) ``shape`` match static ``want``?"""
    return TensorShape(want).is_compatible_with(TensorShape(shape))


def most_specific_common(a, b):
    """The static shape both ``a`` and ``b`` are instances of (unequal dims become None)."""
    if a is None or b is None or len(a) != len(b):
        return None
    return tuple(x if x == y else None for x, y in zip(a, b))


def normalize_shape(shape):
    if shape is None:
        return None
    if isinstance(shape, TensorShape):
        return shape.dims
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(None if d is None or d == -1 else int(d) for d in
                 (shape.dims if hasattr(shape, "dims") else shape))


def shape_text(shape) -> str:
    return str(TensorShape(shape))
