"""Named NumPy arrays in real safetensors files, through the ``safetensors`` library.

A safetensors file is::

    8 bytes    little-endian length N of the header
    N bytes    UTF-8 JSON: {"__metadata__": {str: str}, name: {"dtype", "shape",
               "data_offsets"}, ...}, padded with spaces to a multiple of 8 bytes
    ...        the raw little-endian bytes of every tensor

The ``safetensors`` library writes and validates it (header size, JSON, offsets that tile the
data section exactly), so any safetensors reader (``safetensors.torch.load_file``,
``safetensors.numpy.load_file``, Hugging Face tools) reads what dlcore writes, and dlcore reads
theirs.  Loading never executes anything and decodes at most the file's own bytes.

This module is the one place both front ends go through: ``dumps``/``write`` turn
``{name: ndarray}`` plus string metadata into bytes or a file; ``loads`` parses bytes back into
arrays (writable, native byte order, dlcore's dtypes only) and the metadata, raising the caller's
error (``error``: ``str -> Exception``) for anything malformed.
"""

from __future__ import annotations

import os
import secrets
import struct
from collections.abc import Callable
from typing import IO

import numpy as np

from .. import dtypes as _dt

ErrorFactory = Callable[[str], Exception]
MAX_HEADER = 100 * 1024 * 1024        # the library's own limit
SUPPORTED = {np.dtype(t) for t in (np.float32, np.float64, np.float16, np.int32, np.int64, np.int16,
                                  np.int8, np.uint8, np.bool_, np.complex64)}   # C64: the format's
#                                                              one complex type (no complex128)
_dt.on_bfloat16(SUPPORTED.add)         # BF16 entries (ml_dtypes' bfloat16), as PyTorch writes
READABLE = SUPPORTED


def _lib():
    try:
        import safetensors.numpy as st
    except ImportError as e:                               # pragma: no cover - a core dependency
        raise ImportError("dlcore needs the 'safetensors' package to read and write weight "
                          "files: pip install safetensors") from e
    return st


def is_safetensors_header(data: bytes) -> bool:
    """True when ``data`` starts like a safetensors file (length, then a JSON object)."""
    if len(data) < 10:
        return False
    (n,) = struct.unpack("<Q", data[:8])
    return 2 <= n <= MAX_HEADER and 8 + n <= len(data) and data[8:9] == b"{"


def read_header(data: bytes, error: ErrorFactory) -> dict:
    """The header JSON of a safetensors-style blob (length checked first; bounded)."""
    from dlcore.safe_io import json_loads
    if len(data) < 8:
        raise error(f"the file is only {len(data)} bytes long (truncated or empty)")
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER or 8 + n > len(data):
        raise error(f"the header claims {n} bytes but the file has {len(data) - 8} after the "
                    "length field (truncated or not a safetensors file)")
    header = json_loads(data[8:8 + n], "the header", error)
    if not isinstance(header, dict):
        raise error("the header is not a JSON object")
    return header


def dumps(arrays: dict[str, np.ndarray], metadata: dict[str, str] | None = None) -> bytes:
    """``arrays`` (C-contiguous copies are made where needed) as safetensors bytes."""
    st = _lib()
    flat = {}
    for name, a in arrays.items():
        a = np.asarray(a)
        if a.dtype not in SUPPORTED:
            _dt.load_bfloat16()       # (listed below when installed)
            raise TypeError(f"safetensors: array {name!r} has unsupported dtype {a.dtype} "
                            f"(supported: {sorted(str(d) for d in SUPPORTED)})")
        flat[name] = np.array(a, order="C", copy=not a.flags.c_contiguous)
    return st.save(flat, metadata=metadata)


def write(f: str | os.PathLike | IO[bytes], arrays: dict[str, np.ndarray],
          metadata: dict[str, str] | None = None) -> None:
    """Write a safetensors file to a path (atomically: a temporary file, then rename) or to a
    binary file object.  The temporary file's name is unique (two threads or processes saving
    to one path each rename a whole file; a shared ``path.tmp`` let one truncate the other's
    half-written file, or rename it away: a corrupt file or FileNotFoundError), and it is
    removed when the write fails or is interrupted."""
    blob = dumps(arrays, metadata)
    if isinstance(f, (str, os.PathLike)):
        write_file_atomic(f, blob)
    else:
        f.write(blob)


def write_file_atomic(path: str | os.PathLike, blob: bytes) -> None:
    """Write ``blob`` to ``path`` through a uniquely named temporary file in the same folder,
    then rename it: a reader sees the old file or the new one, whole; the temporary file is
    removed when the write fails or is interrupted (its name is chosen before it is created,
    so a Ctrl-C landing just after the creation still finds it; the creation and the file
    object's construction hold a Ctrl-C back, so no descriptor leaks); the file gets the mode
    ``open()`` would give it."""
    from dlcore.deferred_interrupt import deferred_interrupt
    folder, base = os.path.split(os.path.abspath(os.fspath(path)))
    tmp = ""
    fh = None
    try:
        while fh is None:
            tmp = os.path.join(folder, f"{base}.{secrets.token_hex(6)}.tmp")
            try:
                with deferred_interrupt():
                    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL |
                                 getattr(os, "O_BINARY", 0), 0o666)     # (umask applies)
                    fh = os.fdopen(fd, "wb")
            except FileExistsError:
                continue
        fh.write(blob)
        fh.close()
        os.replace(tmp, path)
    except BaseException:
        if fh is not None:
            fh.close()
        if tmp and os.path.exists(tmp):
            os.remove(tmp)
        raise


def _read_umask() -> int:
    """The process's umask, read once when this module is imported (mkstemp makes files 0600;
    a saved file gets the mode open() would give it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


UMASK = _read_umask()


def loads(data: bytes, error: ErrorFactory) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Parse a safetensors blob: ``({name: ndarray}, metadata)`` in the header's order.  Every
    failure (truncated, corrupt, unsupported dtype) raises ``error``."""
    header = read_header(data, error)
    meta = header.get("__metadata__") or {}
    if not isinstance(meta, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                              for k, v in meta.items()):
        raise error("the __metadata__ entry must map strings to strings")
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(info, dict) or not isinstance(info.get("dtype"), str):
            raise error(f"tensor {str(name)[:80]!r} has a malformed entry")
        if info["dtype"] in ("F8_E4M3", "F8_E5M2") or \
                (info["dtype"] == "BF16" and _dt.bfloat16 is None):
            raise error(f"tensor {str(name)[:80]!r} has dtype {info['dtype']}, which dlcore "
                        "does not support (convert it to float32 first)")
    bf16 = [k for k, v in header.items() if k != "__metadata__" and v["dtype"] == "BF16"]
    if bf16:
        data = _bf16_as_u16(data, header, bf16)
    try:
        raw = _lib().load(bytes(data))
    except Exception as e:  # noqa: BLE001 - the library's SafetensorError and friends
        raise error(f"{type(e).__name__}: {str(e)[:200]}") from None
    out = {}
    for name in header:
        if name == "__metadata__":
            continue
        a = raw[name]
        if name in bf16:
            a = a.view(_dt.bfloat16)
        if a.dtype not in READABLE:
            raise error(f"tensor {name[:80]!r} has an unsupported dtype {a.dtype}")
        if a.dtype == np.bool_:                     # bytes other than 0/1 are True (stored 1)
            out[name] = np.ascontiguousarray(a).view(np.uint8) != 0
            continue
        out[name] = np.array(a, dtype=a.dtype.newbyteorder("="), order="C")   # writable copy
    return out, dict(meta)


def _bf16_as_u16(data: bytes, header: dict, names: list) -> bytes:
    """The blob with its BF16 entries declared U16 (safetensors.numpy reads no BF16; the
    bits are viewed as bfloat16 after loading).  Offsets count from the end of the header, so
    only the header and its length change."""
    import json
    (n,) = struct.unpack("<Q", data[:8])
    new = dict(header)
    for k in names:
        new[k] = dict(header[k], dtype="U16")
    text = json.dumps(new, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data[8 + n:]


def read(path: str | os.PathLike, error: ErrorFactory) -> tuple[dict[str, np.ndarray],
                                                                 dict[str, str]]:
    """``loads`` of the file at ``path``."""
    with open(path, "rb") as fh:
        return loads(fh.read(), error)


def metadata_json(meta: dict[str, str], key: str, error: ErrorFactory):
    """``json.loads`` of one metadata value (bounded nesting; errors become ``error``)."""
    from dlcore.safe_io import json_loads
    raw = meta.get(key)
    if raw is None:
        return None
    return json_loads(raw.encode("utf-8"), f"metadata {key!r}", error)


__all__ = [
    "SUPPORTED",
    "dumps",
    "is_safetensors_header",
    "loads",
    "metadata_json",
    "read",
    "read_header",
    "write",
]
