"""Partitioned variables: ``tf.get_variable(..., partitioner=...)`` (or a ``variable_scope``'s
``partitioner``), ``tf.fixed_size_partitioner``, ``tf.min_max_variable_partitioner``,
``tf.variable_axis_size_partitioner`` and ``PartitionedVariable``, as TensorFlow 1.15's
``variable_scope.py``/``partitioned_variables.py``.

The variable ``<name>`` of shape S split ``k`` ways along one axis is ``k`` variables
``<name>/part_0`` ... ``<name>/part_{k-1}``: the first ``S[axis] % k`` parts have one more row
(TF's ``_compute_slice_dim_and_shape``), each is initialised by the initializer on its own
shape (a NumPy or constant initial value is sliced), and each sits in the variables'
collections (trainable, global) as TF's parts do.  The ``PartitionedVariable`` iterates over
its parts, converts to their concatenation (``tf.matmul(x, pv)``), and
``tf.nn.embedding_lookup(pv, ids)`` reads it with TF's partition strategies ("mod" by default:
id ``i`` is row ``i // k`` of part ``i % k``)."""

from __future__ import annotations

import math
import sys

import numpy as np

from . import dtypes as _dtypes
from .tensor_shape import TensorShape

__all__ = ["PartitionedVariable", "fixed_size_partitioner", "min_max_variable_partitioner",
           "variable_axis_size_partitioner"]


def _tf():
    """The ``tf`` namespace, read at call time (this module is imported by its modules)."""
    return sys.modules["dlcore_static"]


def _as_shape(shape) -> TensorShape:
    return shape if isinstance(shape, TensorShape) else TensorShape(shape)


def fixed_size_partitioner(num_shards, axis=0):
    """A partitioner making ``num_shards`` parts along ``axis`` (fewer when the axis is
    shorter)."""
    def _partitioner(shape, **unused_args):
        dims = _as_shape(shape).as_list()
        if not 0 <= axis < len(dims):
            raise ValueError(f"fixed_size_partitioner: axis {axis} is out of range for a "
                             f"variable of shape {dims}")
        out = [1] * len(dims)
        out[axis] = min(int(num_shards), dims[axis])
        return out
    return _partitioner


def _bytes_per_element(dtype, bytes_per_string_element) -> int:
    dt = _dtypes.as_dtype(dtype).base_dtype
    return bytes_per_string_element if dt == _dtypes.string else \
        np.dtype(dt.as_numpy_dtype).itemsize


def min_max_variable_partitioner(max_partitions=1, axis=0, min_slice_size=256 << 10,
                                 bytes_per_string_element=16):
    """Parts of at least ``min_slice_size`` bytes each, at most ``max_partitions``."""
    if max_partitions < 1:
        raise ValueError(f"max_partitions must be >= 1, got {max_partitions}")

    def _partitioner(shape, dtype):
        dims = _as_shape(shape).as_list()
        if axis >= len(dims):
            raise ValueError(f"Can not partition on axis {axis} of shape {dims}")
        total = int(np.prod(dims)) * _bytes_per_element(dtype, bytes_per_string_element)
        out = [1] * len(dims)
        out[axis] = max(1, min(dims[axis], max_partitions,
                               math.ceil(total / min_slice_size)))
        return out
    return _partitioner


def variable_axis_size_partitioner(max_shard_bytes, axis=0, bytes_per_string_element=16,
                                   max_shards=None):
    """Parts of at most ``max_shard_bytes`` each (TF's partitioner by slice size)."""
    if max_shard_bytes < 1 or bytes_per_string_element < 1:
        raise ValueError("Both max_shard_bytes and bytes_per_string_element must be positive. "
                         f"Currently, max_shard_bytes is {max_shard_bytes} and "
                         f"bytes_per_string_element is {bytes_per_string_element}")
    if max_shards and max_shards < 1:
        raise ValueError("max_shards must be positive.")

    def _partitioner(shape, dtype):
        dims = _as_shape(shape).as_list()
        if not 0 <= axis < len(dims):
            raise ValueError(f"Can not partition on axis {axis} of shape {dims}")
        slice_elems = int(np.prod(dims[:axis] + dims[axis + 1:]))
        slice_bytes = slice_elems * _bytes_per_element(dtype, bytes_per_string_element)
        slices_per_shard = max(1, math.floor(max_shard_bytes / max(1, slice_bytes)))
        shards = math.ceil(dims[axis] / slices_per_shard)
        if max_shards:
            shards = min(shards, max_shards)
        out = [1] * len(dims)
        out[axis] = max(1, shards)
        return out
    return _partitioner


class PartitionInfo:
    """What an initializer called for one part is told: the full shape and the offset."""

    def __init__(self, full_shape, var_offset):
        self.full_shape = list(full_shape)
        self.var_offset = list(var_offset)

    def single_offset(self, shape):
        axis = next((i for i, (a, b) in enumerate(zip(shape, self.full_shape)) if a != b), 0)
        return self.var_offset[axis]


class PartitionedVariable:
    """The parts of one variable split along one axis (TF1's ``PartitionedVariable``)."""

    def __init__(self, name, shape, dtype, variable_list, partitions):
        self._name = name
        self._shape = TensorShape(shape)
        self._dtype = _dtypes.as_dtype(dtype)
        self._variable_list = list(variable_list)
        self._partitions = list(partitions)
        self._axis = next((i for i, p in enumerate(self._partitions) if p > 1), 0)

    def __iter__(self):
        return iter(self._variable_list)

    def __len__(self) -> int:
        n = self._partitions[self._axis] if self._partitions else 1
        if n != len(self._variable_list):
            raise ValueError(f"Variable count mismatch: {len(self._variable_list)} parts for "
                             f"{n} partitions")
        return n

    def __repr__(self) -> str:
        return (f"<tf.PartitionedVariable '{self._name}' shape={self._shape} "
                f"dtype={self._dtype.name} parts={len(self._variable_list)}>")

    __hash__ = object.__hash__

    @property
    def name(self) -> str:
        return self._name

    @property
    def dtype(self):
        return self._dtype

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def get_shape(self) -> TensorShape:
        return self._shape

    @property
    def graph(self):
        return self._variable_list[0].graph

    @property
    def op(self):
        return self.as_tensor().op

    def _get_variable_list(self) -> list:
        return list(self._variable_list)

    def _get_partitions(self) -> list:
        return list(self._partitions)

    def as_tensor(self):
        """The parts concatenated along the partition axis (TF's ``ConcatPartitions``)."""
        tf = _tf()
        if len(self._variable_list) == 1:
            return self._variable_list[0].value()
        with tf.get_default_graph().name_scope(None):
            return tf.concat([v.value() for v in self._variable_list], self._axis,
                                    name=self._name + "/ConcatPartitions/concat")

    def _as_graph_element(self):
        return self.as_tensor()

    @property
    def aval(self):
        return self._variable_list[0].value().aval.__class__(
            tuple(self._shape.as_list()), self._variable_list[0].value().aval.dtype)

    def _slices(self, value):
        sizes = [v.shape.as_list()[self._axis] for v in self._variable_list]
        return _tf().split(value, sizes, axis=self._axis)

    def assign(self, value, use_locking=False, name=None, read_value=True):
        """Assign each part its slice of ``value``: the list of the parts' assign results."""
        value = _tf().convert_to_tensor(value, dtype=self._dtype)
        if not value.shape.is_compatible_with(self._shape):
            raise ValueError(f"PartitionedVariable.assign: value of shape {value.shape} for "
                             f"variable '{self._name}' of shape {self._shape}")
        parts = [v.assign(s, use_locking=use_locking)
                 for v, s in zip(self._variable_list, self._slices(value))]
        return parts if read_value else [p.op for p in parts]


def part_shapes(shape, partitions):
    """``[(offset, shape)]`` of each part: TF's slices, the first ``dim % k`` one row longer."""
    axis = next((i for i, p in enumerate(partitions) if p > 1), 0)
    k, dim = partitions[axis], shape[axis]
    base, extra = divmod(dim, k)
    out, offset = [], 0
    for i in range(k):
        n = base + (1 if i < extra else 0)
        off = [0] * len(shape)
        off[axis] = offset
        s = list(shape)
        s[axis] = n
        out.append((off, s))
        offset += n
    return axis, out


def validate_partitions(name, shape, partitions) -> list:
    parts = [int(p) for p in partitions]
    if len(parts) != len(shape):
        raise ValueError(f"Partitioner returned a partition list that does not match the "
                         f"Variable's rank: {parts} vs. {list(shape)}")
    if any(p < 1 for p in parts):
        raise ValueError(f"Partitioner returned zero partitions for some axes: {parts}")
    if sum(p > 1 for p in parts) > 1:
        raise ValueError(f"Can only slice a variable along one dimension: shape: {list(shape)}, "
                         f"partitioning: {parts}")
    return parts


def slice_initial_value(value, axis, offset, size):
    """The part of a non-callable initial value (array or tensor) a partition starts from."""
    if isinstance(value, _tf().Tensor) or hasattr(value, "_as_graph_element"):
        begin = [0] * len(value.shape.as_list())
        begin[axis] = offset
        sz = [-1] * len(begin)
        sz[axis] = size
        return _tf().slice(value, begin, sz)
    arr = np.asarray(value)
    idx = [slice(None)] * arr.ndim
    idx[axis] = slice(offset, offset + size)
    return arr[tuple(idx)]


def make_partitioned(full, shape, dtype, init, partitioner, *, trainable, collections,
                     validate_shape, regularizer=None) -> PartitionedVariable:
    """``get_variable``'s partitioned branch: the parts ``<full>/part_<i>`` and their
    ``PartitionedVariable``."""
    tf = _tf()
    if shape is None and init is not None and not callable(init) and \
            not isinstance(init, str):      # the shape of the initial value
        shape = init.shape if hasattr(init, "_as_graph_element") or hasattr(init, "aval") \
            else np.shape(init)
    if shape is None or any(d is None for d in _as_shape(shape).as_list() or [None]):
        raise ValueError(f"Shape of a new partitioned variable ({full}) must be fully defined, "
                         f"but instead was {_as_shape(shape)}.")
    shape = [int(d) for d in _as_shape(shape).as_list()]
    if not shape:
        raise ValueError(f"A partitioned Variable must have rank at least 1, shape: {full} "
                         f"has shape []")
    dt = _dtypes.as_dtype(dtype if dtype is not None else _dtypes.float32)
    partitions = validate_partitions(full, shape, partitioner(shape=TensorShape(shape),
                                                              dtype=dt))
    axis, parts = part_shapes(shape, partitions)
    init = tf.initializers.get(init) if isinstance(init, str) else init
    g = tf.get_default_graph()
    made = []
    for i, (offset, pshape) in enumerate(parts):
        if callable(init):
            value = (lambda s=tuple(pshape): init(s, dtype=dt))
        else:
            value = slice_initial_value(init, axis, offset[axis], pshape[axis])
        with g.name_scope(None):
            var = tf.Variable(value, trainable=trainable, name=f"{full}/part_{i}", dtype=dt,
                           collections=collections, validate_shape=validate_shape)
        var._save_slice_info = (full, list(shape), offset, pshape)   # TF's SaveSliceInfo
        if regularizer is not None:
            with g.name_scope(var.op.name + "/Regularizer/"), tf.init_scope():
                loss = regularizer(var)
            if loss is not None:
                g.add_to_collection(tf.GraphKeys.REGULARIZATION_LOSSES, loss)
        made.append(var)
    return PartitionedVariable(full, shape, dt, made, partitions)


def partitioned_lookup(params, ids, partition_strategy, name):
    """``tf.nn.embedding_lookup`` over several parts (a list, or a PartitionedVariable's):
    TF's "mod" (id ``i``: row ``i // k`` of part ``i % k``) or "div" (contiguous blocks, the
    first ``total % k`` one id larger) assignment of ids to parts.  As TF's: the ids are
    split by part (``dynamic_partition``), each part gathers its own rows (the one-variable
    lookup, so each part gets that lookup's gradient) and ``dynamic_stitch`` puts the rows
    back in the ids' order: no step reads the whole table.  An id outside its part is the
    InvalidArgumentError of that part's gather (or of the partition, for a negative "div"
    id)."""
    tf = _tf()
    embedding_lookup = tf.nn.embedding_lookup          # (one part: the one-variable lookup)
    if partition_strategy not in ("mod", "div"):
        raise ValueError(f"Unrecognized partition strategy: {partition_strategy}")
    parts = list(params)
    n = len(parts)
    raw = [p.shape.as_list()[0] if p.shape.ndims else None for p in parts]
    if any(s is None for s in raw):
        raise ValueError(f"embedding_lookup: each part needs a known first dimension, got "
                         f"shapes {[str(p.shape) for p in parts]}")
    trailing = {tuple(p.shape.as_list()[1:]) for p in parts}
    if len(trailing) != 1:
        raise ValueError(f"embedding_lookup: the parts' shapes past the first dimension "
                         f"differ: {[str(p.shape) for p in parts]}")
    with tf.name_scope(name or "embedding_lookup"):
        ids = tf.convert_to_tensor(ids)
        flat = tf.reshape(ids, [-1])
        total = int(sum(int(s) for s in raw if s is not None))
        if partition_strategy == "mod":
            p = tf.floormod(flat, n)
            new = tf.floordiv(flat, n)
        else:
            ipp, extras = divmod(total, n)
            ipp = max(ipp, 1)
            p = tf.maximum(flat // (ipp + 1), (flat - extras) // ipp)
            new = tf.where(p < extras, flat % (ipp + 1), (flat - extras) % ipp)
        p = tf.cast(p, tf.int32)
        gather_ids = tf.dynamic_partition(new, p, n)
        where = tf.dynamic_partition(tf.range(tf.size(flat)), p, n)
        rows = [embedding_lookup(part, g) for part, g in zip(parts, gather_ids)]
        out = tf.dynamic_stitch(where, rows)
        static = ids.shape.as_list() if ids.shape.ndims is not None else None
        rest = list(next(iter(trailing)))
        if static is not None and None not in static + rest:
            return tf.reshape(out, static + rest)
        return tf.reshape(out, tf.concat([tf.shape(ids), tf.shape(rows[0])[1:]], 0))
