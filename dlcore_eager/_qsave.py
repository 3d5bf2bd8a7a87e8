"""Quantized tensors in dlcore_eager's safetensors files (``serialization``'s hooks).

A QTensor is stored as its integers (an int8 / uint8 / int32 tensor entry under its path, as
any tensor) and a structure node that carries the rest::

    {"__qtensor__": {"int_repr": name, "dtype": "qint8", "qscheme": "per_tensor_affine",
                     "scale": 0.0123, "zero_point": 0}}
    per channel: "scales": name (float64), "zero_points": name (int64), "axis": 0

Loading checks every field (dtype and integer storage agree, a positive finite scale, zero
points within the dtype's range, per-channel lengths equal to the axis' size) and refuses a
malformed node with ``serialization``'s ValueError: nothing is executed.
"""

from __future__ import annotations

import math

import numpy as np

from ._qtensor import QDTYPES, QSCHEMES, RANGES, QTensor, per_channel_affine, per_tensor_affine


def encode(writer, q: QTensor, path: tuple) -> dict:
    node: dict = {"int_repr": writer.array(q, q._int, path), "dtype": q.dtype.name,
                  "qscheme": q.qscheme().name}
    if q.is_per_channel:
        s = np.asarray(q._scale, np.float64)
        z = np.asarray(q._zero_point, np.int64)
        node["scales"] = writer.array(s, s, path + ("scales",))
        node["zero_points"] = writer.array(z, z, path + ("zero_points",))
        node["axis"] = int(q._axis)  # type: ignore[arg-type]
    else:
        node["scale"] = float(q._scale)
        node["zero_point"] = int(q._zero_point)
    return {"__qtensor__": node}


def decode(reader, node, bad) -> QTensor:
    if not isinstance(node, dict):
        raise bad("a quantized tensor node is malformed")
    dtype = QDTYPES.get(node.get("dtype"))  # type: ignore[arg-type]
    scheme = QSCHEMES.get(node.get("qscheme"))  # type: ignore[arg-type]
    if dtype is None or scheme not in (per_tensor_affine, per_channel_affine):
        raise bad(f"a quantized tensor has an unknown dtype {str(node.get('dtype'))[:20]!r} or "
                  f"qscheme {str(node.get('qscheme'))[:30]!r}")
    ints = reader.array(node.get("int_repr"))
    if ints.dtype != dtype.np_dtype:
        raise bad(f"a {dtype} tensor stores {ints.dtype} integers")
    qmin, qmax = RANGES[dtype]
    if scheme is per_tensor_affine:
        scale, zp = node.get("scale"), node.get("zero_point")
        if not (isinstance(scale, float) and math.isfinite(scale)) or type(zp) is not int or \
                not qmin <= zp <= qmax:
            raise bad(f"a quantized tensor has a bad scale {str(scale)[:20]} or zero point "
                      f"{str(zp)[:20]}")
        return QTensor(np.array(ints), dtype, scheme, scale, zp)
    axis = node.get("axis")
    scales = reader.array(node.get("scales"))
    zps = reader.array(node.get("zero_points"))
    if type(axis) is not int or not 0 <= axis < ints.ndim or scales.dtype != np.float64 or \
            zps.dtype != np.int64 or scales.shape != (ints.shape[axis],) or \
            zps.shape != scales.shape or not np.all(np.isfinite(scales)) or \
            (zps.size and (zps.min() < qmin or zps.max() > qmax)):
        raise bad("a per-channel quantized tensor has malformed scales, zero points or axis")
    return QTensor(np.array(ints), dtype, scheme, np.array(scales), np.array(zps), axis)
