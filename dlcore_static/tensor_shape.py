"""Static shapes (TensorFlow's ``tensor_shape`` module): ``TensorShape``, a shape whose rank or
dimensions may be unknown (``None``, printed ``?``), and ``Dimension``, TF1's known dimension
(an ``int`` with ``.value``).  ``graph.py`` gives every Tensor one and re-exports both names."""

from __future__ import annotations


class Dimension(int):
    """TensorFlow 1's ``Dimension`` of a known size: an ``int`` that also has ``.value``, so
    TF1's ``x.get_shape()[1].value`` works (an unknown dimension is ``None``, as TF2's)."""

    __slots__ = ()

    @property
    def value(self) -> int:
        return int(self)

    def __repr__(self) -> str:
        return f"Dimension({int(self)})"

    def __str__(self) -> str:
        return str(int(self))


def dimension_value(dimension):
    """``tf.compat.v1.dimension_value``: the int (or None) of a dimension or an int."""
    return dimension.value if isinstance(dimension, Dimension) else dimension


class TensorShape:
    """A static, possibly partially known shape: ``TensorShape([None, 3])`` prints ``(?, 3)``."""

    __slots__ = ("dims",)

    def __init__(self, dims):
        self.dims = None if dims is None else tuple(None if d is None else int(d) for d in dims)

    @property
    def ndims(self):
        return None if self.dims is None else len(self.dims)

    rank = ndims

    def as_list(self) -> list:
        if self.dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self.dims)

    def is_fully_defined(self) -> bool:
        return self.dims is not None and None not in self.dims

    def is_compatible_with(self, other) -> bool:
        other = other if isinstance(other, TensorShape) else TensorShape(other)
        if self.dims is None or other.dims is None:
            return True
        return len(self.dims) == len(other.dims) and all(
            a is None or b is None or a == b for a, b in zip(self.dims, other.dims))

    def __iter__(self):
        return iter(self.dims or ())

    def __len__(self) -> int:
        if self.dims is None:
            raise ValueError("Cannot take the length of shape with unknown rank.")
        return len(self.dims)

    def __getitem__(self, i):
        if self.dims is None:          # TensorFlow's: an unknown dimension, an unknown shape
            return TensorShape(None) if isinstance(i, slice) else None
        d = self.dims[i]
        return Dimension(d) if isinstance(d, int) else d

    def __eq__(self, other) -> bool:
        if isinstance(other, TensorShape):
            return self.dims == other.dims
        try:
            return self.dims == tuple(other)
        except TypeError:
            return False

    def __hash__(self) -> int:
        return hash(self.dims)

    def __str__(self) -> str:
        if self.dims is None:
            return "<unknown>"
        inner = ", ".join("?" if d is None else str(d) for d in self.dims)
        return f"({inner},)" if len(self.dims) == 1 else f"({inner})"

    def __repr__(self) -> str:
        return f"TensorShape({list(self.dims) if self.dims is not None else None})"
