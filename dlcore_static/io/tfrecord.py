"""TFRecord files: ``tf.io.TFRecordWriter``, ``tf.python_io.tf_record_iterator`` and the
record framing they share with TensorFlow, byte for byte.

A TFRecord file is a sequence of records, each framed as::

    uint64  length            little-endian
    uint32  masked_crc32c(length bytes)
    byte    data[length]
    uint32  masked_crc32c(data)

where ``masked_crc32c(b) = ((crc >> 15 | crc << 17) + 0xa282ead8) mod 2**32`` of the CRC-32C
(Castagnoli polynomial, reflected 0x82F63B78) of ``b``.  ``compression_type='GZIP'`` gzips the
whole stream (``ZLIB``: one zlib stream), as TensorFlow's ``TFRecordOptions`` do.

CRC-32C here is table-driven in pure Python over ``bytes`` (slicing-by-8 would be faster but a
record pipeline's time goes into parsing, and this keeps the reference obvious); it is checked
against the standard vector ``crc32c(b"123456789") == 0xE3069283``.

Reading validates every frame: a truncated header or body, or a CRC mismatch, raises
``tf.errors.DataLossError`` with TensorFlow's wording (``corrupted record at 12``: the byte
offset of the frame) instead of returning garbage; nothing is ever executed or unpickled, and a
length larger than what is left of the file is caught before anything is allocated.
"""

from __future__ import annotations

import gzip
import io
import struct
import zlib
from typing import Any

from ..errors import DataLossError, NotFoundError

__all__ = ["TFRecordCompressionType", "TFRecordOptions", "TFRecordWriter", "crc32c",
           "masked_crc32c", "tf_record_iterator"]


def _make_table() -> list:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _make_table()


def crc32c(data: bytes, crc: int = 0) -> int:
    """The CRC-32C (Castagnoli) of ``data``, continuing from ``crc``."""
    table = _TABLE
    c = crc ^ 0xFFFFFFFF
    for b in bytes(data):
        c = table[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """TensorFlow's masked CRC: the CRC rotated right by 15 bits plus 0xa282ead8."""
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def frame(record: bytes) -> bytes:
    """One record as it is stored in a TFRecord file."""
    header = struct.pack("<Q", len(record))
    return (header + struct.pack("<I", masked_crc32c(header)) + record
            + struct.pack("<I", masked_crc32c(record)))


class TFRecordCompressionType:
    """The compression of a TFRecord file, as TensorFlow numbers them."""

    NONE = 0
    ZLIB = 1
    GZIP = 2


_NAMES = {None: "", "": "", "NONE": "", "GZIP": "GZIP", "ZLIB": "ZLIB",
          TFRecordCompressionType.NONE: "", TFRecordCompressionType.ZLIB: "ZLIB",
          TFRecordCompressionType.GZIP: "GZIP"}


class TFRecordOptions:
    """``compression_type``: None/'' (none), 'GZIP' or 'ZLIB' (or a TFRecordCompressionType)."""

    def __init__(self, compression_type=None, compression_level=None, **_ignored):
        self.compression_type = compression_name(compression_type)
        self.compression_level = compression_level

    @classmethod
    def get_compression_type_string(cls, options) -> str:
        if options is None:
            return ""
        return options.compression_type if isinstance(options, TFRecordOptions) else \
            compression_name(options)


def compression_name(value) -> str:
    """'' , 'GZIP' or 'ZLIB' from anything TensorFlow accepts."""
    if isinstance(value, TFRecordOptions):
        return value.compression_type
    key = value.upper() if isinstance(value, str) else value
    if key not in _NAMES:
        raise ValueError(f"Unsupported compression type: {value!r} (use None, 'GZIP' or "
                         "'ZLIB')")
    return _NAMES[key]


class TFRecordWriter:
    """Writes records to a TFRecord file (``write(bytes)``, ``flush()``, ``close()``, and a
    context manager).

    Example::

        >>> import dlcore_static as tf, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "a.tfrecord")
        >>> with tf.io.TFRecordWriter(path) as w:
        ...     w.write(b"hello")
        >>> list(tf.python_io.tf_record_iterator(path))
        [b'hello']
    """

    def __init__(self, path, options=None):
        self._path = str(path)
        self._kind = compression_name(options)
        raw = open(self._path, "wb")
        self._f: Any
        self._raw: Any
        level = getattr(options, "compression_level", None)
        level = 6 if level is None or level < 0 else level
        if self._kind == "GZIP":
            self._f = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=level, mtime=0)
            self._raw = raw
        elif self._kind == "ZLIB":
            self._f, self._raw, self._z = raw, raw, zlib.compressobj(level)
        else:
            self._f, self._raw = raw, raw
        self._closed = False

    def write(self, record) -> None:
        if self._closed:
            raise ValueError(f"TFRecordWriter for {self._path} is closed")
        if isinstance(record, str):
            record = record.encode("utf-8")
        data = frame(bytes(record))
        if self._kind == "ZLIB":
            data = self._z.compress(data)
        self._f.write(data)

    def flush(self) -> None:
        if self._kind == "ZLIB":
            self._f.write(self._z.flush(zlib.Z_SYNC_FLUSH))
        self._f.flush()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._kind == "ZLIB":
            self._f.write(self._z.flush())
        self._f.close()
        if self._raw is not self._f:
            self._raw.close()

    def __enter__(self) -> TFRecordWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _open_stream(path: str, kind: str):
    try:
        if kind == "GZIP":
            return gzip.open(path, "rb")          # owns (and closes) the file
        raw = open(path, "rb")
    except (FileNotFoundError, IsADirectoryError):
        raise NotFoundError(None, None, f"{path}; No such file or directory") from None
    if kind == "ZLIB":
        data = raw.read()
        raw.close()
        try:
            return io.BytesIO(zlib.decompress(data))
        except zlib.error as e:
            raise DataLossError(None, None, f"corrupted record at 0 ({path}: ZLIB stream: "
                                            f"{e})") from None
    return raw


def _read(f, n: int) -> bytes:
    try:
        return f.read(n)
    except (OSError, EOFError, zlib.error) as e:      # a broken gzip stream
        raise DataLossError(None, None, f"corrupted record: {e}") from None


def read_records(path, compression_type=None):
    """Yield the records of one TFRecord file, validating every frame (see the docstring)."""
    path = str(path)
    kind = compression_name(compression_type)
    f = _open_stream(path, kind)
    try:
        seekable = kind == "" and f.seekable()
        size = None
        if seekable:
            f.seek(0, 2)
            size = f.tell()
            f.seek(0)
        offset = 0
        while True:
            header = _read(f, 12)
            if not header:
                return
            if len(header) < 12:
                raise DataLossError(None, None, f"truncated record at {offset}")
            (length,) = struct.unpack("<Q", header[:8])
            (crc,) = struct.unpack("<I", header[8:])
            if crc != masked_crc32c(header[:8]):
                raise DataLossError(None, None, f"corrupted record at {offset}")
            if size is not None and length + 4 > size - offset - 12:
                raise DataLossError(None, None, f"truncated record at {offset}")
            body = _read(f, length + 4) if size is not None else _read_bounded(f, length + 4)
            if len(body) < length + 4:
                raise DataLossError(None, None, f"truncated record at {offset}")
            data = body[:length]
            (dcrc,) = struct.unpack("<I", body[length:])
            if dcrc != masked_crc32c(data):          # TensorFlow names the data's offset
                raise DataLossError(None, None, f"corrupted record at {offset + 12}")
            yield data
            offset += 16 + length
    finally:
        f.close()


def _read_bounded(f, n: int, chunk: int = 1 << 24) -> bytes:
    """Read ``n`` bytes from a stream of unknown size in chunks, so that a corrupt length
    cannot make one huge allocation before the stream ends."""
    parts, left = [], n
    while left > 0:
        piece = _read(f, min(left, chunk))
        if not piece:
            break
        parts.append(piece)
        left -= len(piece)
    return b"".join(parts)


def tf_record_iterator(path, options=None):
    """``tf.python_io.tf_record_iterator``: a Python iterator over the records of ``path``."""
    return read_records(path, options)
