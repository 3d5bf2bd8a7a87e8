"""``tf.SparseTensor`` and ``tf.sparse``: a sparse value as three dense graph tensors.

TensorFlow 1 represents a sparse tensor by ``indices`` (int64, ``[N, rank]``: the coordinates
of the ``N`` stored values, in row-major order), ``values`` (``[N]``, any dtype, strings
included) and ``dense_shape`` (int64, ``[rank]``).  ``tf.string_split`` and
``tf.io.parse_example``'s ``VarLenFeature`` return one.  ``Session.run`` of a ``SparseTensor``
gives a ``SparseTensorValue(indices, values, dense_shape)`` of NumPy arrays.

``sparse_tensor_to_dense`` / ``tf.sparse.to_dense`` scatter the values into a dense tensor
filled with ``default_value``: a host op (``host_ops.py``), with no gradient.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import dtypes as _dtypes
from . import errors as _errors
from .frontend import constant, to_tensor
from .graph import Tensor, get_default_graph
from .host_ops import host_op, register

__all__ = ["SparseTensor", "SparseTensorValue", "placeholder", "sparse_placeholder",
           "sparse_tensor_to_dense", "to_dense"]


class SparseTensorValue(NamedTuple):
    """What ``Session.run`` returns for a ``SparseTensor``."""

    indices: np.ndarray
    values: np.ndarray
    dense_shape: np.ndarray


class SparseTensor:
    """A sparse tensor of the graph: ``indices``, ``values`` and ``dense_shape`` tensors."""

    def __init__(self, indices, values, dense_shape):
        g = get_default_graph()
        if not isinstance(values, Tensor) and not hasattr(values, "_as_graph_element"):
            values = to_tensor(values, g)
        self.indices = to_tensor(np.asarray(indices, np.int64) if not isinstance(
            indices, Tensor) else indices, g)
        self.values = to_tensor(values, g)
        self.dense_shape = to_tensor(np.asarray(dense_shape, np.int64) if not isinstance(
            dense_shape, Tensor) else dense_shape, g)
        for t, label in ((self.indices, "indices"), (self.dense_shape, "dense_shape")):
            if t.aval.dtype != np.int64:
                raise TypeError(f"SparseTensor: {label} must be int64, got {t.dtype.name}")

    @property
    def dtype(self):
        return self.values.dtype

    @property
    def graph(self):
        return self.values.graph

    @property
    def op(self):
        return self.values.op

    @property
    def shape(self):
        from .frontend import constant_value
        from .graph import TensorShape
        c = constant_value(self.dense_shape) if isinstance(self.dense_shape, Tensor) else None
        if c is not None:               # (TF: constant_value_as_shape(dense_shape))
            return TensorShape([int(d) for d in np.asarray(c).reshape(-1)])
        return TensorShape([None] * (self.dense_shape.aval.shape[0] or 0)) \
            if self.dense_shape.aval.shape and self.dense_shape.aval.shape[0] is not None \
            else TensorShape(None)

    def get_shape(self):
        return self.shape

    def _dlcore_feed(self, value):
        """``feed_dict={sp: SparseTensorValue(...)}`` (or an ``(indices, values, shape)``
        triple) feeds the three component tensors, as TF1's registered expansion."""
        if not isinstance(value, (tuple, list)) or len(value) != 3:
            raise TypeError("The value fed to a SparseTensor must be a SparseTensorValue or a "
                            f"tuple (indices, values, dense_shape), got {type(value).__name__}")
        return list(zip((self.indices, self.values, self.dense_shape), value))

    def _dlcore_fetch(self):
        """Fetched as its three tensors, rebuilt into a ``SparseTensorValue``."""
        return ((self.indices, self.values, self.dense_shape),
                lambda v: SparseTensorValue(*v))

    def eval(self, feed_dict=None, session=None):
        from .graph import session_or_default
        return session_or_default(session).run(self, feed_dict)

    def __repr__(self) -> str:
        return (f"SparseTensor(indices={self.indices!r}, values={self.values!r}, "
                f"dense_shape={self.dense_shape!r})")


def _to_dense_impl(indices, values, shape, default, *, validate: bool):
    shape = tuple(int(d) for d in shape)
    out = np.empty(shape, dtype=values.dtype)
    out[...] = default
    n = indices.shape[0] if indices.ndim else 1
    if np.ndim(values) and np.shape(values) != (n,):
        raise _errors.InvalidArgumentError(       # (TF checks this with or without validate)
            None, None, f"sparse_values has incorrect shape {list(np.shape(values))}, should be "
                        f"[] or [{n}]")
    if indices.size:
        if validate:
            prev = None
            for i, ix in enumerate(indices.tolist()):
                if any(not 0 <= c < d for c, d in zip(ix, shape)):
                    raise _errors.InvalidArgumentError(
                        None, None, f"indices[{i}] = {ix} is out of bounds: need 0 <= index "
                                    f"< {list(shape)}")
                if prev is not None and ix <= prev:     # TF: sorted (row-major) and unique
                    word = "repeated" if ix == prev else (
                        "out of order. Many sparse ops require sorted indices.\n    Use "
                        "`tf.sparse.reorder` to create a correctly ordered copy.\n")
                    raise _errors.InvalidArgumentError(
                        None, None, f"indices[{i}] = [{','.join(map(str, ix))}] is {word}")
                prev = ix
        out[tuple(indices.T)] = values
    return out


register("SparseToDense", _to_dense_impl)


def sparse_tensor_to_dense(sp_input: SparseTensor, default_value=None,
                           validate_indices: bool = True, name=None) -> Tensor:
    """The dense tensor of ``sp_input``: its values at its indices, ``default_value``
    elsewhere (0, or ``b""`` for strings).

    Example::

        >>> import dlcore_static as tf
        >>> st = tf.SparseTensor([[0, 1], [1, 0]], [5, 6], [2, 2])
        >>> with tf.Session() as sess:
        ...     sess.run(tf.sparse.to_dense(st)).tolist()
        [[0, 5], [6, 0]]
    """
    if not isinstance(sp_input, SparseTensor):
        raise TypeError(f"Input must be a SparseTensor, got {type(sp_input).__name__}")
    dt = sp_input.values.aval.dtype
    if default_value is None:
        default_value = b"" if dt.kind == "O" else 0
    if dt.kind == "O":
        d = to_tensor(_dtypes.as_bytes_array(default_value, "default_value"))
    else:
        d = to_tensor(np.asarray(default_value, dtype=dt))
    rank = sp_input.dense_shape.aval.shape[0] if sp_input.dense_shape.aval.shape else None
    shape = (None,) * rank if rank is not None else ()
    op = host_op("SparseToDense", [sp_input.indices, sp_input.values, sp_input.dense_shape, d],
                 [(shape, dt)], {"validate": bool(validate_indices)},
                 name or "SparseToDense", unknown_rank=rank is None)
    return op.outputs[0]


to_dense = sparse_tensor_to_dense


def sparse_placeholder(dtype, shape=None, name=None) -> SparseTensor:
    """TF1's ``tf.sparse_placeholder``: a SparseTensor of three placeholders, ``values``
    ([None], ``dtype``), ``indices`` ([None, rank], int64) and ``shape`` ([rank], int64), named
    ``<name>/values`` ... when ``name`` is given.  A fully known ``shape`` becomes a constant
    ``dense_shape`` (still fed by a SparseTensorValue, as TensorFlow allows); fed with
    ``feed_dict={sp: tf.SparseTensorValue(indices, values, dense_shape)}``.

    Example::

        >>> import dlcore_static as tf
        >>> sp = tf.sparse_placeholder(tf.float32)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.sparse.to_dense(sp), {sp: ([[0, 1]], [5.0], [1, 2])}).tolist()
        [[0.0, 5.0]]
    """
    from .array_ops import placeholder as _placeholder
    g = get_default_graph()
    if shape is None:
        dense_shape, rank = None, None
    else:
        dims = list(getattr(shape, "dims", shape))
        rank = len(dims)
        dense_shape = None if any(d is None for d in dims) else \
            constant(np.asarray(dims, np.int64), name=f"{name}/shape" if name else "Const",
                     graph=g)
    if dense_shape is None:
        dense_shape = _placeholder(np.int64, [rank], name=f"{name}/shape" if name else None)
    values = _placeholder(dtype, [None], name=f"{name}/values" if name else None)
    indices = _placeholder(np.int64, [None, rank], name=f"{name}/indices" if name else None)
    return SparseTensor(indices, values, dense_shape)


placeholder = sparse_placeholder
