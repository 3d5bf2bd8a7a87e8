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
        if dims is None:
            self.dims = None
            return
        if isinstance(dims, (str, bytes)):
            raise ValueError("A string has ambiguous TensorShape, please wrap in a list or "
                             f"convert to an int: {dims!s}")
        try:
            it = iter(dims)
        except TypeError:           # TF: a scalar is one dimension (TensorShape(5): (5,))
            it = iter((dims,))
        vals = (dimension_value(d) for d in it)
        self.dims = tuple(None if d is None else int(d) for d in vals)

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

    def num_elements(self):
        """The product of the dimensions; None when any (or the rank) is unknown."""
        if self.dims is None or None in self.dims:
            return None
        n = 1
        for d in self.dims:
            n *= int(d or 0)
        return n

    def merge_with(self, other) -> TensorShape:
        """The most specific shape compatible with both (ValueError when incompatible)."""
        other = as_shape(other)
        if self.dims is None:
            return other
        if other.dims is None:
            return self
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are not compatible")
        return TensorShape([a if a is not None else b for a, b in zip(self.dims, other.dims)])

    def concatenate(self, other) -> TensorShape:
        """This shape's dimensions followed by ``other``'s (unknown if either rank is)."""
        other = as_shape(other)
        if self.dims is None or other.dims is None:
            return TensorShape(None)
        return TensorShape(self.dims + other.dims)

    def __add__(self, other) -> TensorShape:
        return self.concatenate(other)

    def __radd__(self, other) -> TensorShape:
        return as_shape(other).concatenate(self)

    def assert_same_rank(self, other) -> None:
        other = as_shape(other)
        if self.dims is not None and other.dims is not None and \
                len(self.dims) != len(other.dims):
            raise ValueError(f"Shapes {self} and {other} must have the same rank")

    def with_rank(self, rank: int) -> TensorShape:
        """This shape, known to have rank ``rank`` (ValueError when it has another)."""
        if self.dims is None:
            return TensorShape([None] * rank)
        if len(self.dims) != rank:
            raise ValueError(f"Shape {self} must have rank {rank}")
        return self

    def with_rank_at_least(self, rank: int) -> TensorShape:
        if self.dims is not None and len(self.dims) < rank:
            raise ValueError(f"Shape {self} must have rank at least {rank}")
        return self

    def assert_has_rank(self, rank: int) -> None:
        if self.dims is not None and len(self.dims) != rank:
            raise ValueError(f"Shape {self} must have rank {rank}")

    def assert_is_compatible_with(self, other) -> None:
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {as_shape(other)} are incompatible")

    def assert_is_fully_defined(self) -> None:
        if not self.is_fully_defined():
            raise ValueError(f"Shape {self} is not fully defined")

    def __iter__(self):
        return iter(self.dims or ())

    def __len__(self) -> int:
        if self.dims is None:
            raise ValueError("Cannot take the length of shape with unknown rank.")
        return len(self.dims)

    def __getitem__(self, i):
        if self.dims is None:          # TensorFlow's: an unknown dimension, an unknown shape
            return TensorShape(None) if isinstance(i, slice) else None
        if isinstance(i, slice):       # TensorFlow's: a TensorShape of those dimensions
            return TensorShape(self.dims[i])
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


def as_shape(shape) -> TensorShape:
    """``tf.TensorShape(shape)`` unless it already is one."""
    return shape if isinstance(shape, TensorShape) else TensorShape(shape)
