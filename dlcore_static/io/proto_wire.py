"""The protobuf wire format, for the few messages dlcore_static reads and writes
(``example_proto.py``): varints (negative int64 as ten bytes), length-delimited fields, a
field iterator that skips by wire type and bounds every read by the enclosing message, and
repeated scalar containers with protobuf's Python type checks."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["DecodeError", "delimited", "fields", "read_varint", "signed64", "varint"]


class DecodeError(Exception):
    """A malformed serialized message (protobuf's ``message.DecodeError``)."""


# ============================================================================ wire helpers
def varint(v: int) -> bytes:
    v &= 0xFFFFFFFFFFFFFFFF                  # negative int64: ten-byte two's complement
    out = bytearray()
    while v > 0x7F:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def read_varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= end or shift > 63:
            raise DecodeError("Error parsing message: truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result & 0xFFFFFFFFFFFFFFFF, pos
        shift += 7


def signed64(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def delimited(number: int, payload: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def fields(buf: bytes, start: int, end: int):
    """Yield ``(field number, wire type, value)``: an int for varints and fixed32/64 (raw
    bytes for fixed widths), ``(start, end)`` for length-delimited fields."""
    pos = start
    value: Any
    while pos < end:
        key, pos = read_varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise DecodeError("Error parsing message: field number 0")
        if wire == 0:
            value, pos = read_varint(buf, pos, end)
        elif wire == 1:
            if pos + 8 > end:
                raise DecodeError("Error parsing message: truncated fixed64")
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            n, pos = read_varint(buf, pos, end)
            if pos + n > end:
                raise DecodeError("Error parsing message: truncated length-delimited field")
            value, pos = (pos, pos + n), pos + n
        elif wire == 5:
            if pos + 4 > end:
                raise DecodeError("Error parsing message: truncated fixed32")
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise DecodeError(f"Error parsing message: unsupported wire type {wire}")
        yield number, wire, value


# ============================================================================ repeated values
class _Repeated(list):
    """A repeated scalar field: a list that checks and converts what is put in it."""

    kind = ""

    def __init__(self, values=()):
        super().__init__(self._conv(v) for v in values)

    def _conv(self, v):
        raise NotImplementedError

    def append(self, v) -> None:
        super().append(self._conv(v))

    def extend(self, vs) -> None:
        super().extend(self._conv(v) for v in vs)

    def insert(self, i, v) -> None:
        super().insert(i, self._conv(v))

    def __setitem__(self, i, v) -> None:
        if isinstance(i, slice):
            super().__setitem__(i, [self._conv(x) for x in v])
        else:
            super().__setitem__(i, self._conv(v))


def _bad(v, want: str) -> TypeError:
    return TypeError(f"{v!r} has type {type(v).__name__}, but expected one of: {want}")


class _BytesValues(_Repeated):
    def _conv(self, v):
        if isinstance(v, (bytes, bytearray, np.bytes_)):
            return bytes(v)
        raise _bad(v, "bytes")


class _FloatValues(_Repeated):
    def _conv(self, v):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer,
                                                                  np.floating)):
            raise _bad(v, "int, float")
        return float(np.float32(v))


class _Int64Values(_Repeated):
    def _conv(self, v):
        if isinstance(v, (float, np.floating)) or not isinstance(v, (int, np.integer)):
            raise _bad(v, "int")
        v = int(v)
        if not -(1 << 63) <= v < 1 << 63:
            raise ValueError(f"Value out of range: {v}")
        return v
