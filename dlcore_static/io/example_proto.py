"""``tf.train.Example`` and its parts, with the protobuf wire format written by hand.

TensorFlow stores training records as ``Example`` protocol buffers (``example.proto``,
``feature.proto``)::

    message BytesList { repeated bytes value = 1; }
    message FloatList { repeated float value = 1 [packed = true]; }
    message Int64List { repeated int64 value = 1 [packed = true]; }
    message Feature   { oneof kind { BytesList bytes_list = 1; FloatList float_list = 2;
                                     Int64List int64_list = 3; } }
    message Features  { map<string, Feature> feature = 1; }
    message Example   { Features features = 1; }
    message FeatureList  { repeated Feature feature = 1; }
    message FeatureLists { map<string, FeatureList> feature_list = 1; }
    message SequenceExample { Features context = 1; FeatureLists feature_lists = 2; }

Only these messages are needed, so this module encodes and decodes them itself (no protobuf
dependency; the wire primitives are in ``proto_wire.py``): varints, little-endian fixed32 floats, length-delimited submessages; the packed
repeated fields are written packed, as protobuf does, and read packed or unpacked; map entries
are ``(key = 1, value = 2)`` submessages; unknown fields are skipped by wire type.  The Python
API follows protobuf's generated classes: keyword constructors, ``SerializeToString``,
``FromString``, ``ParseFromString``, ``CopyFrom``, ``WhichOneof('kind')``, ``HasField``,
``features.feature['x']`` creating an entry on first access, ``value.append``/``extend``
with protobuf's type checks (a ``str`` in a ``BytesList`` is a ``TypeError``), float values
stored as float32.  Malformed input raises ``DecodeError`` ("Error parsing message ...").
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

from .proto_wire import (
    DecodeError,
    _BytesValues,
    _FloatValues,
    _Int64Values,
    _Repeated,
    delimited,
    fields,
    read_varint,
    signed64,
    varint,
)

__all__ = ["BytesList", "DecodeError", "Example", "Feature", "FeatureList", "FeatureLists",
           "Features", "FloatList", "Int64List", "SequenceExample"]


# ============================================================================ messages
class _Message:
    """The shared behaviour of the messages below (protobuf's generated-class API)."""

    __slots__ = ()

    # each message defines these: its wire encoding, decoding of buf[start:end] into itself,
    # a comparable value, its text-format lines, and resetting itself
    def _encode(self) -> bytes:
        raise NotImplementedError

    def _decode(self, buf: bytes, start: int, end: int) -> None:
        raise NotImplementedError

    def _key(self) -> Any:
        raise NotImplementedError

    def _text(self) -> list:
        raise NotImplementedError

    def Clear(self) -> None:  # noqa: N802
        raise NotImplementedError

    def SerializeToString(self, deterministic: bool = False) -> bytes:  # noqa: N802
        return self._encode()

    def SerializePartialToString(self, deterministic: bool = False) -> bytes:  # noqa: N802
        return self._encode()

    @classmethod
    def FromString(cls, data):  # noqa: N802
        msg = cls()
        msg.ParseFromString(data)
        return msg

    def ParseFromString(self, data) -> int:  # noqa: N802
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"expected bytes, {type(data).__name__} found")
        buf = bytes(data)
        self.Clear()
        self._decode(buf, 0, len(buf))
        return len(buf)

    def MergeFromString(self, data) -> int:  # noqa: N802
        buf = bytes(data)
        self._decode(buf, 0, len(buf))
        return len(buf)

    def CopyFrom(self, other) -> None:  # noqa: N802
        if type(other) is not type(self):
            raise TypeError(f"Parameter to CopyFrom() must be instance of same class: expected "
                            f"{type(self).__name__} got {type(other).__name__}.")
        self.ParseFromString(other.SerializeToString())

    def ByteSize(self) -> int:  # noqa: N802
        return len(self._encode())

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and self._key() == other._key()

    def __ne__(self, other) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]   # mutable, as protobuf's messages

    def __str__(self) -> str:
        return "".join(line + "\n" for line in self._text())

    def __repr__(self) -> str:
        return str(self)


class _ValueList(_Message):
    __slots__ = ("value",)
    _values: type = _Repeated

    def __init__(self, value=()):
        self.value = self._values(value)

    def __setattr__(self, name, v) -> None:
        if name == "value" and hasattr(self, "value"):
            raise AttributeError("Assignment not allowed to repeated field \"value\" in "
                                 "protocol message object.")
        object.__setattr__(self, name, v)

    def Clear(self) -> None:  # noqa: N802
        del self.value[:]

    def _key(self):
        return tuple(self.value)

    def _text(self) -> list:
        return [f"value: {_text_scalar(v)}" for v in self.value]


def _text_scalar(v) -> str:
    if isinstance(v, bytes):
        return '"' + "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else
                             f"\\{b:03o}" if b not in (34, 92) else "\\" + chr(b)
                             for b in v) + '"'
    if isinstance(v, float):
        if v != v or abs(v) == float("inf"):
            return "nan" if v != v else ("inf" if v > 0 else "-inf")
        return str(int(v)) if v == int(v) and abs(v) < 1e16 else repr(v)
    return str(v)


class BytesList(_ValueList):
    """``repeated bytes value = 1``."""

    __slots__ = ()
    _values = _BytesValues

    def _encode(self) -> bytes:
        return b"".join(delimited(1, v) for v in self.value)

    def _decode(self, buf, start, end) -> None:
        for number, wire, val in fields(buf, start, end):
            if number == 1 and wire == 2:
                list.append(self.value, buf[val[0]:val[1]])


class FloatList(_ValueList):
    """``repeated float value = 1 [packed = true]`` (values stored as float32)."""

    __slots__ = ()
    _values = _FloatValues

    def _encode(self) -> bytes:
        if not self.value:
            return b""
        return delimited(1, np.asarray(self.value, "<f4").tobytes())

    def _decode(self, buf, start, end) -> None:
        for number, wire, val in fields(buf, start, end):
            if number != 1:
                continue
            if wire == 2:                   # packed
                a, b = val
                if (b - a) % 4:
                    raise DecodeError("Error parsing message: packed float length "
                                      f"{b - a} is not a multiple of 4")
                list.extend(self.value, np.frombuffer(buf, "<f4", (b - a) // 4, a).tolist())
            elif wire == 5:
                list.append(self.value, struct.unpack("<f", val)[0])
            else:
                raise DecodeError(f"Error parsing message: FloatList.value with wire type "
                                  f"{wire}")


class Int64List(_ValueList):
    """``repeated int64 value = 1 [packed = true]``."""

    __slots__ = ()
    _values = _Int64Values

    def _encode(self) -> bytes:
        if not self.value:
            return b""
        return delimited(1, b"".join(varint(v) for v in self.value))

    def _decode(self, buf, start, end) -> None:
        for number, wire, val in fields(buf, start, end):
            if number != 1:
                continue
            if wire == 2:
                pos, stop = val
                while pos < stop:
                    v, pos = read_varint(buf, pos, stop)
                    list.append(self.value, signed64(v))
            elif wire == 0:
                list.append(self.value, signed64(val))
            else:
                raise DecodeError(f"Error parsing message: Int64List.value with wire type "
                                  f"{wire}")


_KINDS = (("bytes_list", 1, BytesList), ("float_list", 2, FloatList),
          ("int64_list", 3, Int64List))


class Feature(_Message):
    """One of ``bytes_list``, ``float_list`` or ``int64_list`` (the oneof ``kind``)."""

    __slots__ = ("_kind", "_pending", "_value")

    def __init__(self, bytes_list=None, float_list=None, int64_list=None):
        object.__setattr__(self, "_kind", None)
        object.__setattr__(self, "_value", None)
        object.__setattr__(self, "_pending", {})
        given = [(n, v) for n, v in (("bytes_list", bytes_list), ("float_list", float_list),
                                     ("int64_list", int64_list)) if v is not None]
        for n, v in given:          # protobuf: the last one given wins the oneof
            setattr(self, n, v)

    def _resolve(self) -> None:
        """A list read while no kind was set, then filled (``f.float_list.value.append``),
        becomes the kind, as protobuf's lazy submessages do."""
        if self._kind is None and self._pending:
            for n, v in self._pending.items():
                if v.value:
                    object.__setattr__(self, "_kind", n)
                    object.__setattr__(self, "_value", v)
                    break
            self._pending.clear()

    def __getattr__(self, name):
        for n, _, cls in _KINDS:
            if n == name:
                self._resolve()
                if self._kind == n:
                    return self._value
                if self._kind is None:
                    return self._pending.setdefault(n, cls())
                return cls()
        raise AttributeError(f"Feature has no field {name!r}")

    def __setattr__(self, name, v) -> None:
        for n, _, cls in _KINDS:
            if n == name:
                if not isinstance(v, cls):
                    raise TypeError(f"Feature.{n} must be a {cls.__name__}, got "
                                    f"{type(v).__name__}")
                object.__setattr__(self, "_kind", n)
                object.__setattr__(self, "_value", cls(v.value))
                self._pending.clear()
                return
        raise AttributeError(f"Feature has no field {name!r}")

    def WhichOneof(self, group: str):  # noqa: N802
        if group != "kind":
            raise ValueError(f'Protocol message has no oneof "{group}" field.')
        self._resolve()
        return self._kind

    def HasField(self, name: str) -> bool:  # noqa: N802
        if name not in ("bytes_list", "float_list", "int64_list", "kind"):
            raise ValueError(f'Protocol message Feature has no field {name}.')
        self._resolve()
        return self._kind is not None if name == "kind" else self._kind == name

    def Clear(self) -> None:  # noqa: N802
        object.__setattr__(self, "_kind", None)
        object.__setattr__(self, "_value", None)
        self._pending.clear()

    def _key(self):
        self._resolve()
        return (self._kind, None if self._value is None else self._value._key())

    def _encode(self) -> bytes:
        self._resolve()
        if self._kind is None:
            return b""
        number = {n: k for n, k, _ in _KINDS}[self._kind]
        return delimited(number, self._value._encode())

    def _decode(self, buf, start, end) -> None:
        for number, wire, val in fields(buf, start, end):
            for n, k, cls in _KINDS:
                if number == k and wire == 2:
                    if self._kind != n:       # a new member of the oneof replaces the old
                        object.__setattr__(self, "_kind", n)
                        object.__setattr__(self, "_value", cls())
                    self._value._decode(buf, *val)

    def _text(self) -> list:
        self._resolve()
        if self._kind is None:
            return []
        return [f"{self._kind} {{"] + ["  " + s for s in self._value._text()] + ["}"]


class _MessageMap(dict):
    """A ``map<string, Message>``: reading a missing key adds an empty message."""

    def __init__(self, cls, items=None):
        super().__init__()
        self._cls = cls
        for k, v in (items or {}).items():
            self[k] = v

    def __missing__(self, key):
        v = self[key] = self._cls()
        return v

    def __setitem__(self, key, v) -> None:
        if not isinstance(key, str):
            raise TypeError(f"{key!r} has type {type(key).__name__}, but expected one of: str")
        if not isinstance(v, self._cls):
            raise TypeError(f"map value must be a {self._cls.__name__}, got "
                            f"{type(v).__name__}")
        super().__setitem__(key, v)

    def get_or_create(self, key):
        return self[key]


def _map_class(name: str, field: str, number: int, value_cls):
    def __init__(self, **kw):
        items = kw.pop(field, None)
        if kw:
            raise ValueError(f'Protocol message {name} has no "{next(iter(kw))}" field.')
        object.__setattr__(self, field, _MessageMap(value_cls, items))

    def __setattr__(self, n, v):
        raise AttributeError(f"Assignment not allowed to map field \"{field}\" in protocol "
                             "message object." if n == field else
                             f"{name} has no field {n!r}")

    def Clear(self):  # noqa: N802
        getattr(self, field).clear()

    def _key(self):
        return tuple(sorted((k, v._key()) for k, v in getattr(self, field).items()))

    def _encode(self):
        out = []
        for k, v in getattr(self, field).items():
            out.append(delimited(number, delimited(1, k.encode("utf-8"))
                                  + delimited(2, v._encode())))
        return b"".join(out)

    def _decode(self, buf, start, end):
        m = getattr(self, field)
        for num, wire, val in fields(buf, start, end):
            if num != number or wire != 2:
                continue
            key, value = "", value_cls()
            for n2, w2, v2 in fields(buf, *val):
                if n2 == 1 and w2 == 2:
                    try:
                        key = buf[v2[0]:v2[1]].decode("utf-8")
                    except UnicodeDecodeError:
                        raise DecodeError("Error parsing message: map key is not valid "
                                          "UTF-8") from None
                elif n2 == 2 and w2 == 2:
                    value._decode(buf, *v2)
            dict.__setitem__(m, key, value)

    def _text(self):
        lines = []
        for k, v in getattr(self, field).items():
            lines += [f"{field} {{", f'  key: "{k}"', "  value {"]
            lines += ["    " + s for s in v._text()] + ["  }", "}"]
        return lines

    return type(name, (_Message,), {
        "__slots__": (field,), "__init__": __init__, "__setattr__": __setattr__,
        "Clear": Clear, "_key": _key, "_encode": _encode, "_decode": _decode, "_text": _text,
        "__doc__": f"``map<string, {value_cls.__name__}> {field} = {number}``."})


Features = _map_class("Features", "feature", 1, Feature)


class _Features(list):
    """A ``repeated Feature``: a list with protobuf's ``add()``."""

    def add(self, **kw) -> Feature:
        f = Feature(**kw)
        self.append(f)
        return f


class FeatureList(_Message):
    """``repeated Feature feature = 1``."""

    __slots__ = ("feature",)
    feature: _Features

    def __init__(self, feature=()):
        object.__setattr__(self, "feature", _Features(feature))

    def Clear(self) -> None:  # noqa: N802
        del self.feature[:]

    def _key(self):
        return tuple(f._key() for f in self.feature)

    def _encode(self) -> bytes:
        return b"".join(delimited(1, f._encode()) for f in self.feature)

    def _decode(self, buf, start, end) -> None:
        for number, wire, val in fields(buf, start, end):
            if number == 1 and wire == 2:
                f = Feature()
                f._decode(buf, *val)
                self.feature.append(f)

    def _text(self) -> list:
        out = []
        for f in self.feature:
            out += ["feature {"] + ["  " + s for s in f._text()] + ["}"]
        return out


FeatureLists = _map_class("FeatureLists", "feature_list", 1, FeatureList)


def _struct_class(name: str, parts):
    """A message of singular submessage fields ``parts``: ((name, number, class), ...)."""
    names = tuple(p[0] for p in parts)

    def __init__(self, **kw):
        for n, _, cls in parts:
            v = kw.pop(n, None)
            obj = cls()
            if v is not None:
                if not isinstance(v, cls):
                    raise TypeError(f"{name}.{n} must be a {cls.__name__}, got "
                                    f"{type(v).__name__}")
                obj.CopyFrom(v)
            object.__setattr__(self, n, obj)
        if kw:
            raise ValueError(f'Protocol message {name} has no "{next(iter(kw))}" field.')

    def __setattr__(self, n, v):
        raise AttributeError(f"Assignment not allowed to field \"{n}\" in protocol message "
                             "object." if n in names else f"{name} has no field {n!r}")

    def Clear(self):  # noqa: N802
        for n, _, cls in parts:
            object.__setattr__(self, n, cls())

    def HasField(self, n):  # noqa: N802
        return bool(getattr(self, n)._encode())

    def _key(self):
        return tuple(getattr(self, n)._key() for n in names)

    def _encode(self):
        out = []
        for n, number, _ in parts:
            payload = getattr(self, n)._encode()
            if payload:
                out.append(delimited(number, payload))
        return b"".join(out)

    def _decode(self, buf, start, end):
        for number, wire, val in fields(buf, start, end):
            for n, k, _ in parts:
                if number == k and wire == 2:
                    getattr(self, n)._decode(buf, *val)

    def _text(self):
        lines = []
        for n in names:
            inner = getattr(self, n)._text()
            if inner:
                lines += [f"{n} {{"] + ["  " + s for s in inner] + ["}"]
        return lines

    return type(name, (_Message,), {
        "__slots__": names, "__init__": __init__, "__setattr__": __setattr__,
        "Clear": Clear, "HasField": HasField, "_key": _key, "_encode": _encode,
        "_decode": _decode, "_text": _text,
        "__doc__": "; ".join(f"``{c.__name__} {n} = {k}``" for n, k, c in parts) + "."})


Example = _struct_class("Example", (("features", 1, Features),))
SequenceExample = _struct_class("SequenceExample", (("context", 1, Features),
                                                    ("feature_lists", 2, FeatureLists)))
