"""``tf.io.serialize_tensor`` / ``tf.io.parse_tensor``: a tensor as a serialized
``TensorProto`` (TensorFlow's ``tensor.proto``) in a scalar ``tf.string``, and back.

The message, as TensorFlow's ``SerializeTensor`` writes it::

    dtype = 1           (varint: DT_FLOAT 1, DT_DOUBLE 2, DT_INT32 3, DT_UINT8 4, DT_INT16 5,
                         DT_INT8 6, DT_STRING 7, DT_INT64 9, DT_BOOL 10, DT_HALF 19)
    tensor_shape = 2    (TensorShapeProto: repeated Dim dim = 2, Dim { int64 size = 1 })
    tensor_content = 4  (the little-endian bytes of a numeric tensor, row-major)
    string_val = 8      (one entry per element of a string tensor)

``parse_tensor`` also reads the typed repeated fields other writers use (``float_val`` 5,
``double_val`` 6, ``int_val`` 7, ``int64_val`` 10, ``bool_val`` 11, ``half_val`` 13; fewer
values than elements repeat the last, as TensorFlow's ``FromProto``).  The result's rank is
unknown at build time (use ``set_shape``); uint8, int8, int16 and float16 results are held in
dlcore_static's compute dtype (``dtypes.COMPUTE``).  Host ops (``host_ops.py``), no gradient; written
with the wire primitives of ``proto_wire.py``, nothing executed.
"""

from __future__ import annotations

import math

import numpy as np

from .. import dtypes as _dtypes
from ..errors import InvalidArgumentError
from ..frontend import to_tensor
from ..graph import Tensor, get_default_graph
from ..host_ops import as_array, host_op, register
from .proto_wire import DecodeError, delimited, fields, read_varint, signed64, varint

OBJ = np.dtype(object)
_ENUM = {"float32": 1, "float64": 2, "int32": 3, "uint8": 4, "int16": 5, "int8": 6,
         "object": 7, "int64": 9, "bool": 10, "float16": 19}
_BY_ENUM = {v: k for k, v in _ENUM.items()}
_MAX_ELEMENTS = 1 << 31
_TF = {"float32": "float", "float64": "double", "object": "string", "float16": "half"}

__all__ = ["parse_tensor", "serialize_tensor"]


def encode(a: np.ndarray) -> bytes:
    """A ``TensorProto`` of ``a`` (numeric: tensor_content; strings: string_val)."""
    name = a.dtype.name
    shape = b"".join(delimited(2, varint(1 << 3) + varint(d) if d else b"") for d in a.shape)
    out = varint(1 << 3) + varint(_ENUM[name]) + delimited(2, shape)
    if name == "object":
        return out + b"".join(delimited(8, s) for s in a.ravel().tolist())
    content = np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
    return out + (delimited(4, content) if content else b"")


def _packed(buf: bytes, wire: int, val, kind: str) -> list:
    """Values of a repeated numeric field, packed (wire 2) or not (wire 5, 1 or 0)."""
    width = {"f32": 4, "f64": 8}.get(kind)
    if wire not in (2, {4: 5, 8: 1}.get(width or 0, 0)):
        raise DecodeError(f"TensorProto: a {kind} value with wire type {wire}")
    if width is not None:
        raw = buf[val[0]:val[1]] if wire == 2 else val
        if len(raw) % width:
            raise DecodeError(f"TensorProto: packed values of {len(raw)} bytes")
        return np.frombuffer(raw, "<f4" if width == 4 else "<f8").tolist()
    if wire == 2:
        out, pos = [], val[0]
        while pos < val[1]:
            v, pos = read_varint(buf, pos, val[1])
            out.append(signed64(v))
        return out
    return [signed64(val)]


_VALS = {5: ("float32", "f32"), 6: ("float64", "f64"), 7: ("int", "var"), 10: ("int64", "var"),
         11: ("bool", "var"), 13: ("float16", "var")}


def decode(buf: bytes) -> np.ndarray:
    dtype_enum, dims, content, strings, vals = 0, [], None, [], []
    for number, wire, val in fields(buf, 0, len(buf)):
        if number == 1 and wire == 0:
            dtype_enum = val
        elif number == 2 and wire == 2:
            for n2, w2, v2 in fields(buf, *val):
                if n2 == 2 and w2 == 2:
                    size = 0
                    for n3, w3, v3 in fields(buf, *v2):
                        if n3 == 1 and w3 == 0:
                            size = signed64(v3)
                    dims.append(size)
        elif number == 4 and wire == 2:
            content = buf[val[0]:val[1]]
        elif number == 8 and wire == 2:
            strings.append(buf[val[0]:val[1]])
        elif number in _VALS:
            vals += _packed(buf, wire, val, _VALS[number][1])
    name = _BY_ENUM.get(dtype_enum)
    if name is None:
        raise DecodeError(f"unsupported TensorProto dtype enum {dtype_enum}")
    if any(d < 0 for d in dims):
        raise DecodeError(f"negative dimension in TensorProto shape {dims}")
    shape = tuple(dims)
    size = math.prod(shape)
    if size > _MAX_ELEMENTS:                  # a hostile shape: refuse before allocating
        raise DecodeError(f"TensorProto shape {list(shape)} has more than {_MAX_ELEMENTS} "
                          "elements")
    dt = np.dtype(name)
    if name == "float16" and vals:                # half_val holds the raw 16-bit patterns
        vals = np.asarray([v & 0xFFFF for v in vals], np.uint16).view(np.float16).tolist()
    if name == "object":
        items = strings
    elif content is not None:
        if len(content) != size * dt.itemsize:
            raise DecodeError(f"tensor_content has {len(content)} bytes for shape "
                              f"{list(shape)} of {name}")
        return np.frombuffer(content, dt.newbyteorder("<")).astype(dt).reshape(shape)
    else:
        items = vals
    if len(items) > size:
        raise DecodeError(f"{len(items)} values for shape {list(shape)}")
    out = np.empty(size, dtype=dt)
    try:
        if items:
            out[:len(items)] = items
            out[len(items):] = items[-1]
        else:
            out[:] = b"" if name == "object" else 0
    except (OverflowError, ValueError, TypeError) as e:
        raise DecodeError(f"TensorProto values do not fit {name}: {e}") from None
    return out.reshape(shape)


def _serialize_impl(x):
    return as_array(encode(np.asarray(x)))


def _parse_impl(s, *, out: str, stored: str):
    data = np.asarray(s).item()
    try:
        a = decode(data)
    except DecodeError:
        raise InvalidArgumentError(None, None, "Could not parse `serialized` as TensorProto: "
                                   f"'{data[:64].decode('latin-1')}'") from None
    want = np.dtype(out)
    if a.dtype != want:
        raise InvalidArgumentError(None, None, f"Type mismatch between parsed tensor "
                                   f"({_TF.get(a.dtype.name, a.dtype.name)}) and dtype "
                                   f"({_TF.get(want.name, want.name)})")
    return a.astype(stored, copy=False)


register("SerializeTensor", _serialize_impl)
register("ParseTensor", _parse_impl)


def serialize_tensor(tensor, name=None) -> Tensor:
    """``tensor`` as a serialized ``TensorProto`` (a scalar string).

    Example::

        >>> import dlcore_static as tf
        >>> s = tf.io.serialize_tensor(tf.constant([1.5, 2.0]))
        >>> with tf.Session() as sess:
        ...     sess.run(tf.io.parse_tensor(s, tf.float32)).tolist()
        [1.5, 2.0]
    """
    t = to_tensor(tensor, get_default_graph())
    return host_op("SerializeTensor", [t], [((), OBJ)], name=name or "SerializeTensor") \
        .outputs[0]


def parse_tensor(serialized, out_type, name=None) -> Tensor:
    """The tensor a serialized ``TensorProto`` holds; its dtype must be ``out_type`` (else an
    ``InvalidArgumentError``: "Type mismatch between parsed tensor (float) and dtype
    (double)").  Its rank is unknown until ``set_shape``."""
    t = to_tensor(serialized, get_default_graph())
    if t.aval.dtype != OBJ:
        raise TypeError(f"parse_tensor: serialized must be a tf.string tensor, got "
                        f"{t.dtype.name}")
    want = _dtypes.as_dtype(out_type)
    real = np.dtype(want.as_numpy_dtype)
    if real.name not in _ENUM:
        raise TypeError(f"parse_tensor: out_type {want.name} is not supported")
    stored = _dtypes.as_np(want)          # uint8/int8/int16/float16: their compute dtype
    return host_op("ParseTensor", [t], [((), stored)], {"out": real.name,
                                                        "stored": stored.name},
                   name or "ParseTensor", unknown_rank=True).outputs[0]
