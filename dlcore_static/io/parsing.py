"""Record decoding ops: ``tf.io.decode_raw``, ``tf.io.decode_csv`` and the ``tf.train.Example``
parsers ``tf.io.parse_single_example`` / ``tf.io.parse_example`` with ``FixedLenFeature``,
``VarLenFeature`` and ``FixedLenSequenceFeature``.

They are host ops (``dlcore_static/host_ops.py``): Python over the ``bytes`` of each record, no
gradient, left to the interpreter by the graph compiler.  Errors are TensorFlow's, as
``InvalidArgumentError`` naming the node: ``Expect 3 fields but have 2 in record 0``, ``Field 1
in record 0 is not a valid float: abc``, ``Name: <unknown>, Feature: x (data type: float) is
required but could not be found.``, ``Could not parse example input, value: '...'``.

CSV follows TensorFlow's rules (RFC 4180 quoting when ``use_quote_delim``: a quoted field may
hold the delimiter and ``""`` for a quote, and must end with a quote followed by the delimiter
or the end; an empty field or one equal to ``na_value`` takes its column's default, and a
column whose default is empty is required).  The dtype of each column is its default's:
Python floats float32, ints int32, strings ``tf.string``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from dlcore.dtypes import is_floating

from .. import dtypes as _dtypes
from ..errors import InvalidArgumentError
from ..frontend import to_tensor
from ..graph import Tensor, get_default_graph
from ..host_ops import host_op, register
from ..sparse import SparseTensor
from ..strings import _FLOAT_RE, _INT_RE
from .example_proto import DecodeError, Example

OBJ = np.dtype(object)
_TF_NAME = {"float32": "float", "float64": "double", "int32": "int32", "int64": "int64",
            "object": "string"}

__all__ = ["FixedLenFeature", "FixedLenSequenceFeature", "VarLenFeature", "decode_csv",
           "decode_raw", "parse_example", "parse_single_example"]


def _tf(dt) -> str:
    return _TF_NAME.get(np.dtype(dt).name, np.dtype(dt).name)


# ============================================================================ decode_raw
def _decode_raw_impl(x, *, dtype: str, little_endian: bool, out: str):
    dt = np.dtype(dtype).newbyteorder("<" if little_endian else ">")
    size = dt.itemsize
    items = x.ravel().tolist()
    n = None
    for i, s in enumerate(items):
        if len(s) % size:
            raise InvalidArgumentError(None, None, f"Input to DecodeRaw has length {len(s)} "
                                       f"that is not a multiple of {size}, the size of "
                                       f"{_tf(dtype) if dtype != 'uint8' else 'uint8'}")
        if n is None:
            n = len(s)
        elif len(s) != n:
            raise InvalidArgumentError(None, None, "DecodeRaw requires input strings to all "
                                       f"be the same size, but element {i} has size "
                                       f"{len(s)} != {n}")
    width = (n or 0) // size
    result = np.empty((len(items), width), dtype=np.dtype(out))
    for i, s in enumerate(items):
        result[i] = np.frombuffer(s, dt)
    return result.reshape(x.shape + (width,))


register("DecodeRaw", _decode_raw_impl)


def decode_raw(input_bytes=None, out_type=None, little_endian: bool = True, name=None,
               bytes=None):  # noqa: A002
    """Each string's bytes reinterpreted as a vector of ``out_type`` (uint8, uint16, int16,
    int32, int64, float16, float32, float64); all strings must have the same length.  The result has
    shape ``input.shape + [length / itemsize]``; narrow types are stored in dlcore_static's
    compute dtype (uint8 values in int32, ``dtypes.COMPUTE``).

    Example::

        >>> import numpy as np, dlcore_static as tf
        >>> raw = np.arange(3, dtype=np.float32).tobytes()
        >>> with tf.Session() as sess:
        ...     sess.run(tf.io.decode_raw(raw, tf.float32)).tolist()
        [0.0, 1.0, 2.0]
    """
    if input_bytes is None:
        input_bytes = bytes
    if out_type is None:
        raise TypeError("decode_raw() missing required argument 'out_type'")
    want = _dtypes.as_dtype(out_type)
    real = np.dtype(want.as_numpy_dtype)
    if not (real.kind in "iu" or is_floating(real)) or real.kind == "u" and real.itemsize > 2:
        raise TypeError(f"Value for attr 'out_type' of {want.name} is not in the list of "
                        "allowed values: half, float, double, int32, uint16, uint8, int16, int8, "
                        "int64")
    t = to_tensor(input_bytes, get_default_graph())
    if t.aval.dtype != OBJ:
        raise TypeError(f"decode_raw: input_bytes must be a tf.string tensor, got "
                        f"{t.dtype.name}")
    out = _dtypes.as_np(want)
    op = host_op("DecodeRaw", [t], [(tuple(t.aval.shape) + (None,), out)],
                 {"dtype": real.name, "little_endian": bool(little_endian), "out": out.name},
                 name or "DecodeRaw")
    return op.outputs[0]


# ============================================================================ CSV
def split_csv(record: bytes, delim: int, quote: bool, index: int) -> list:
    """The fields of one CSV record (TensorFlow's rules, see the module docstring)."""
    fields: list = []
    n = len(record)
    pos = 0
    while True:
        if quote and pos < n and record[pos] == 34:           # '"'
            buf = bytearray()
            pos += 1
            while True:
                if pos >= n:
                    raise InvalidArgumentError(None, None, "Quoted field has to end with "
                                               f"quote followed by delim or end (record "
                                               f"{index})")
                c = record[pos]
                if c == 34:
                    if pos + 1 < n and record[pos + 1] == 34:
                        buf.append(34)
                        pos += 2
                        continue
                    pos += 1
                    if pos < n and record[pos] != delim:
                        raise InvalidArgumentError(None, None, "Quoted field has to end with "
                                                   "quote followed by delim or end (record "
                                                   f"{index})")
                    break
                buf.append(c)
                pos += 1
            fields.append(bytes(buf))
        else:
            end = record.find(bytes((delim,)), pos)
            end = n if end < 0 else end
            field = record[pos:end]
            if quote and 34 in field:
                raise InvalidArgumentError(None, None, "Unquoted fields cannot have "
                                           f"quotes/CRLFs inside (record {index})")
            fields.append(field)
            pos = end
        if pos >= n:
            return fields
        pos += 1                                              # the delimiter
        if pos == n:
            fields.append(b"")
            return fields


class CsvSpec(NamedTuple):
    """How a CSV column is read: its dtype name and default (None: required)."""

    dtype: str
    default: object


def csv_specs(record_defaults, what: str) -> tuple[list, list]:
    """(tensors, static specs) from ``record_defaults``: a default is a list/array of 0 or 1
    values or a tensor; its dtype is the column's."""
    tensors, specs = [], []
    g = get_default_graph()
    for i, d in enumerate(record_defaults):
        t = d if isinstance(d, Tensor) else to_tensor(
            np.asarray([], np.float32) if isinstance(d, (list, tuple)) and not d else d, g)
        dt = t.aval.dtype
        if not (dt.kind in "iO" or is_floating(dt)) or dt == np.dtype(np.float16):
            raise TypeError(f"{what}: record_defaults[{i}] has dtype {t.dtype.name}; each "
                            "must be float32, float64, int32, int64 or string")
        shape = tuple(t.aval.shape)
        if len(shape) > 1 or (shape and shape[0] is not None and shape[0] > 1):
            raise ValueError(f"{what}: record_defaults[{i}] must have at most one element, "
                             f"got shape {list(shape)}")
        tensors.append(t)
        specs.append(dt.name)
    return tensors, specs


def parse_fields(fields: list, specs: list, defaults: Sequence, index: int, na: bytes,
                 select) -> list:
    """The typed values of one record's fields (``defaults``: arrays of 0 or 1 element)."""
    if select is not None:
        if len(fields) <= select[-1]:
            raise InvalidArgumentError(None, None, f"Expect {select[-1] + 1} fields but have "
                                       f"{len(fields)} in record {index}")
        fields = [fields[c] for c in select]
    elif len(fields) != len(specs):
        raise InvalidArgumentError(None, None, f"Expect {len(specs)} fields but have "
                                   f"{len(fields)} in record {index}")
    out = []
    for f, (s, dt, dflt) in enumerate(zip(fields, specs, defaults)):
        col = select[f] if select is not None else f
        if s == b"" or (na and s == na):
            if np.size(dflt) == 0:
                raise InvalidArgumentError(None, None, f"Field {col} is required but missing "
                                           f"in record {index}!")
            out.append(np.asarray(dflt).reshape(-1)[0])
            continue
        if dt == "object":
            out.append(s)
            continue
        is_int = dt.startswith("int")
        if (_INT_RE if is_int else _FLOAT_RE).fullmatch(s) is None:
            raise InvalidArgumentError(None, None, f"Field {col} in record {index} is not a "
                                       f"valid {_tf(dt)}: {s.decode('utf-8', 'replace')}")
        v = int(s) if is_int else float(s)
        if is_int:
            info = np.iinfo(np.dtype(dt))
            if not info.min <= v <= info.max:
                raise InvalidArgumentError(None, None, f"Field {col} in record {index} is "
                                           f"not a valid {_tf(dt)}: {s.decode()}")
        out.append(v)
    return out


def _decode_csv_impl(records, *defaults, specs, delim: int, quote: bool, na: bytes, select):
    rows = records.ravel().tolist()
    cols: list = [[] for _ in specs]
    for i, r in enumerate(rows):
        vals = parse_fields(split_csv(r, delim, quote, i), specs, defaults, i, na, select)
        for c, v in zip(cols, vals):
            c.append(v)
    outs = []
    for c, dt in zip(cols, specs):
        a = np.empty(len(c), dtype=np.dtype(dt))
        a[:] = c
        outs.append(a.reshape(records.shape))
    return tuple(outs)


register("DecodeCSV", _decode_csv_impl)


def check_csv_options(field_delim, select_cols, n: int, what: str):
    if not isinstance(field_delim, (str, bytes)) or len(field_delim) != 1:
        raise ValueError(f"{what}: field_delim must be a single character, got "
                         f"{field_delim!r}")
    delim = field_delim.encode() if isinstance(field_delim, str) else field_delim
    select = None
    if select_cols is not None:
        select = [int(c) for c in select_cols]
        if any(c < 0 for c in select) or any(b <= a for a, b in zip(select, select[1:])):
            raise ValueError(f"{what}: select_cols must be non-negative and strictly "
                             f"increasing, got {select}")
        if len(select) != n:
            raise ValueError(f"{what}: Length of select_cols ({len(select)}) and "
                             f"record_defaults ({n}) should match.")
    return delim[0], select


def decode_csv(records, record_defaults, field_delim=",", use_quote_delim: bool = True,
               name=None, na_value="", select_cols=None) -> list:
    """The columns of CSV ``records`` (a string tensor of any shape): one tensor per column,
    of ``records``' shape, typed by ``record_defaults`` (see the module docstring).

    Example::

        >>> import dlcore_static as tf
        >>> a, b = tf.decode_csv(["1,x", "2,"], record_defaults=[[0], ["none"]])
        >>> with tf.Session() as sess:
        ...     [v.tolist() for v in sess.run([a, b])]
        [[1, 2], [b'x', b'none']]
    """
    t = to_tensor(records, get_default_graph())
    if t.aval.dtype != OBJ:
        raise TypeError(f"decode_csv: records must be a tf.string tensor, got {t.dtype.name}")
    tensors, specs = csv_specs(record_defaults, "decode_csv")
    delim, select = check_csv_options(field_delim, select_cols, len(specs), "decode_csv")
    na = _dtypes.as_bytes_array(na_value, "na_value").item()
    shape = tuple(t.aval.shape)
    op = host_op("DecodeCSV", [t] + tensors, [(shape, np.dtype(s)) for s in specs],
                 {"specs": specs, "delim": delim, "quote": bool(use_quote_delim), "na": na,
                  "select": select}, name or "DecodeCSV",
                 unknown_rank=bool(t.op.attrs.get("unknown_rank")))
    return list(op.outputs)


# ============================================================================ Example parsing
class FixedLenFeature(NamedTuple):
    """A feature of fixed ``shape``; ``default_value`` when an example lacks it (else an
    error)."""

    shape: object
    dtype: object
    default_value: object = None


class VarLenFeature(NamedTuple):
    """A feature of any length: parsed into a ``SparseTensor``."""

    dtype: object


class FixedLenSequenceFeature(NamedTuple):
    """A feature holding any number of items of ``shape``, stacked into ``[count, *shape]``
    (``[batch, max count, *shape]`` for ``parse_example``, padded with ``default_value``);
    in an Example it needs ``allow_missing=True``."""

    shape: object
    dtype: object
    allow_missing: bool = False
    default_value: object = None


_KIND = {"object": "bytes_list", "float32": "float_list", "int64": "int64_list"}
_KIND_NAME = {"bytes_list": "string", "float_list": "float", "int64_list": "int64"}


def feature_specs(features: dict, what: str) -> list:
    """[(key, 'dense'|'seq'|'sparse', dtype name, shape, default array or None)], keys sorted
    (TensorFlow's order of the outputs)."""
    if not isinstance(features, dict) or not features:
        raise ValueError(f"{what}: features must be a non-empty dict of feature specs")
    out: list = []
    for key in sorted(features):
        f = features[key]
        if not isinstance(f, (FixedLenFeature, VarLenFeature, FixedLenSequenceFeature)):
            raise ValueError(f"{what}: Unsupported {type(f).__name__} for feature {key!r}")
        dt = _dtypes.as_dtype(f.dtype).np
        if dt.name not in _KIND:
            raise ValueError(f"{what}: Unsupported dtype {_dtypes.as_dtype(f.dtype).name} for "
                             f"feature {key!r}: use tf.string, tf.int64 or tf.float32")
        if isinstance(f, VarLenFeature):
            out.append((key, "sparse", dt.name, None, None))
            continue
        given: Any = f.shape
        shape = tuple(int(d) for d in ([given] if isinstance(given, int) else given))
        if any(d < 0 for d in shape):
            raise ValueError(f"{what}: feature {key!r} has an unknown dimension in its shape "
                             f"{list(shape)}; use VarLenFeature or FixedLenSequenceFeature")
        default = None
        if f.default_value is not None:
            arr = _dtypes.as_bytes_array(f.default_value) if dt == OBJ else \
                np.asarray(f.default_value, dt)
            if isinstance(f, FixedLenFeature):
                try:
                    arr = arr.reshape(shape) if arr.size == int(np.prod(shape)) else \
                        np.broadcast_to(arr, shape).copy()
                except ValueError:
                    raise ValueError(f"{what}: default_value of feature {key!r} has "
                                     f"{arr.size} values, which does not fit the shape "
                                     f"{list(shape)}") from None
            default = arr
        if isinstance(f, FixedLenSequenceFeature):
            if not f.allow_missing:
                raise ValueError(f"{what}: Unsupported: FixedLenSequenceFeature requires "
                                 f"allow_missing to be True (feature {key!r}).")
            out.append((key, "seq", dt.name, shape, default))
        else:
            out.append((key, "dense", dt.name, shape, default))
    return out


def _values(feature, want: str, key: str, index: int):
    kind = feature.WhichOneof("kind")
    if kind is None:
        return []
    if kind != _KIND[want]:
        raise InvalidArgumentError(None, None, f"Name: <unknown>, Key: {key}, Index: {index}."
                                   f"  Data types don't match. Data type: "
                                   f"{_KIND_NAME[kind]} but expected type: {_tf(want)}")
    return getattr(feature, kind).value


def _parse_one(data: bytes, specs: list, index: int) -> list:
    try:
        ex = Example.FromString(data)
    except DecodeError:
        shown = data[:64].decode("latin-1")
        raise InvalidArgumentError(None, None, "Could not parse example input, value: "
                                   f"'{shown}'") from None
    return parse_features(dict(dict.items(ex.features.feature)), specs, index)


def parse_features(fmap: dict, specs: list, index: int) -> list:
    """The values of ``specs``' features in ``fmap`` ({key: Feature}) for record ``index``:
    per spec an array (dense, sequence) or the flat values (sparse)."""
    out = []
    for key, kind, dt, shape, default in specs:
        f = fmap.get(key)
        vals = [] if f is None else _values(f, dt, key, index)
        if kind == "dense":
            size = int(np.prod(shape))
            if f is None or (not vals and size):
                if default is None:
                    raise InvalidArgumentError(None, None, f"Name: <unknown>, Feature: {key} "
                                               f"(data type: {_tf(dt)}) is required but could "
                                               "not be found.")
                out.append(default)
                continue
            if len(vals) != size:
                raise InvalidArgumentError(None, None, f"Name: <unknown>, Key: {key}, Index: "
                                           f"{index}.  Number of {_tf(dt)} values != expected."
                                           f"  Values size: {len(vals)} but output shape: "
                                           f"{list(shape)}")
        elif kind == "seq":
            size = int(np.prod(shape)) if shape else 1
            if size == 0 or len(vals) % size:
                raise InvalidArgumentError(None, None, f"Name: <unknown>, Key: {key}, Index: "
                                           f"{index}.  Number of {_tf(dt)} values is not a "
                                           f"multiple of {size} (shape {list(shape)})")
        a = np.empty(len(vals), dtype=np.dtype(dt))
        a[:] = list(vals)
        out.append(a.reshape(shape) if kind == "dense" else
                   a.reshape((-1,) + shape) if kind == "seq" else a)
    return out


def _parse_example_impl(serialized, *, specs, single: bool):
    rows = [serialized.item()] if single else serialized.reshape(-1).tolist()
    return assemble([_parse_one(s, specs, i) for i, s in enumerate(rows)], specs, single)


def assemble(per: list, specs: list, single: bool) -> tuple:
    """The op's outputs from each record's ``parse_features`` values."""
    outs: list = []
    for j, (_key, kind, dt, shape, default) in enumerate(specs):
        col = [p[j] for p in per]
        if kind == "dense":
            a = np.stack(col) if col else np.empty((0,) + shape, np.dtype(dt))
            outs.append(a[0] if single else a)
        elif kind == "seq":
            longest = max((len(c) for c in col), default=0)
            fill = default if default is not None else (b"" if dt == "object" else 0)
            a = np.empty((len(col), longest) + shape, dtype=np.dtype(dt))
            a[...] = fill
            for i, c in enumerate(col):
                a[i, :len(c)] = c
            outs.append(a[0] if single else a)
        else:
            longest = max((len(c) for c in col), default=0)
            idx = [(i, k) for i, c in enumerate(col) for k in range(len(c))]
            ind = np.asarray(idx, np.int64).reshape(len(idx), 2)
            vals = np.empty(len(idx), dtype=np.dtype(dt))
            vals[:] = [v for c in col for v in c.tolist()]
            if single:
                outs += [ind[:, 1:], vals, np.asarray([longest], np.int64)]
            else:
                outs += [ind, vals, np.asarray([len(col), longest], np.int64)]
    return tuple(outs)


register("ParseExample", _parse_example_impl)


def _parse(serialized, features, name, single: bool, what: str) -> dict:
    specs = feature_specs(features, what)
    t = to_tensor(serialized, get_default_graph())
    if t.aval.dtype != OBJ:
        raise TypeError(f"{what}: serialized must be a tf.string tensor, got {t.dtype.name}")
    shape = tuple(t.aval.shape)
    if not t.op.attrs.get("unknown_rank") and len(shape) != (0 if single else 1):
        raise ValueError(f"{what}: serialized must be a {'scalar' if single else 'vector'}, "
                         f"got shape {list(shape)}")
    batch = () if single else (shape[0] if shape else None,)
    avals: list = []
    for _key, kind, dt, fshape, _ in specs:
        if kind == "dense":
            avals.append((batch + fshape, dt))
        elif kind == "seq":
            avals.append((batch + (None,) + fshape, dt))
        else:
            r = 1 if single else 2
            avals += [((None, r), np.int64), ((None,), dt), ((r,), np.int64)]
    op = host_op("ParseExample", [t], avals, {"specs": specs, "single": single},
                 name or ("ParseSingleExample" if single else "ParseExample"))
    outs = iter(op.outputs)
    result = {}
    for key, kind, *_ in specs:
        result[key] = SparseTensor(next(outs), next(outs), next(outs)) if kind == "sparse" \
            else next(outs)
    return result


def parse_single_example(serialized, features, name=None, example_names=None) -> dict:
    """One serialized ``tf.train.Example`` (a scalar string) parsed into ``{key: tensor}``:
    ``FixedLenFeature`` -> a dense tensor of its shape, ``VarLenFeature`` -> a 1-D
    ``SparseTensor``, ``FixedLenSequenceFeature`` -> ``[count, *shape]``.

    Example::

        >>> import dlcore_static as tf
        >>> ex = tf.train.Example(features=tf.train.Features(feature={
        ...     "x": tf.train.Feature(float_list=tf.train.FloatList(value=[1.0, 2.0]))}))
        >>> parsed = tf.io.parse_single_example(ex.SerializeToString(),
        ...                                     {"x": tf.io.FixedLenFeature([2], tf.float32)})
        >>> with tf.Session() as sess:
        ...     sess.run(parsed["x"]).tolist()
        [1.0, 2.0]
    """
    return _parse(serialized, features, name, True, "parse_single_example")


def parse_example(serialized, features, name=None, example_names=None) -> dict:
    """A vector of serialized Examples parsed into batched tensors ``[batch, ...]`` (see
    :func:`parse_single_example`; a ``VarLenFeature`` gives a 2-D ``SparseTensor``)."""
    return _parse(serialized, features, name, False, "parse_example")
