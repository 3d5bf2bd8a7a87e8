"""``save(obj, path)`` / ``load(path)``: state dicts in a file that cannot execute code.

PyTorch's ``torch.save`` uses pickle, and loading a pickle can run arbitrary code.  dlcore_eager
never pickles.  The file is safetensors-like::

    8 bytes    little-endian length N of the header
    N bytes    UTF-8 JSON: {"format": "dlcore_eager/1", "structure": ..., "tensors": {...}}
    ...        the raw bytes of every tensor, back to back

``structure`` is the saved object with each tensor replaced by ``{"__tensor__": name}``; it may
hold dicts (any hashable JSON-able keys: str, int, float, bool, None), lists, tuples, strings,
numbers, booleans and None.  ``tensors[name]`` gives dtype, shape and byte offsets.  ``load``
checks everything before using it (header size, JSON, known dtypes, offsets inside the file and
consistent with the shape), so a truncated or hostile file gives a clear ``ValueError``.

Bounded memory against hostile files: the tensor table is checked as a whole first
(``check_tensor_table``: known dtypes, shapes, offsets inside the data section and not
overlapping, so no byte can be decoded twice under two names); a tensor is decoded only when
the structure references it, and once (every later reference gets the same Tensor, as PyTorch
keeps aliasing), so a structure naming one tensor 10,000 times costs one copy.  Well-formed
JSON of the wrong structure gives the same ``ValueError`` (never ``AttributeError`` or
``KeyError``).  ``check_tensor_table`` and ``check_tensor_entry`` are reusable for any
safetensors-style header.
"""

from __future__ import annotations

import io
import json
import os
import struct
from typing import Any

import numpy as np

from dlcore.device import CPU, to_device

from .tensor import Tensor

FORMAT = "dlcore_eager/1"
_DTYPES = {"F32": np.float32, "F64": np.float64, "I32": np.int32, "I64": np.int64,
           "BOOL": np.bool_}
_CODES = {np.dtype(v): k for k, v in _DTYPES.items()}
_MAX_HEADER = 100 * 1024 * 1024


class _Writer:
    def __init__(self) -> None:
        self.tensors: dict = {}
        self.blobs: list = []
        self.offset = 0
        self.seen: dict = {}            # id(tensor) -> (tensor, name): one copy per tensor

    def encode(self, obj: Any):
        if isinstance(obj, Tensor):
            return self.tensor(obj)
        if isinstance(obj, np.ndarray):
            return {"__ndarray__": self.array(obj)}
        if isinstance(obj, dict):
            items = []
            for k, v in obj.items():
                if not (k is None or isinstance(k, (str, int, float, bool))):
                    raise TypeError(f"dlcore_eager.save: dict keys must be str, int, float, bool "
                                    f"or None, not {type(k).__name__}")
                items.append([k, self.encode(v)])
            return {"__dict__": items}
        if isinstance(obj, tuple):
            return {"__tuple__": [self.encode(v) for v in obj]}
        if isinstance(obj, list):
            return [self.encode(v) for v in obj]
        if obj is None or isinstance(obj, (str, bool, int, float)):
            return obj
        if isinstance(obj, np.generic):
            return obj.item()
        raise TypeError(f"dlcore_eager.save: cannot save an object of type {type(obj).__name__} "
                        "(only tensors, arrays, dicts, lists, tuples, strings and numbers; "
                        "dlcore_eager never pickles)")

    def array(self, arr: np.ndarray) -> str:
        arr = np.ascontiguousarray(arr)
        code = _CODES.get(arr.dtype)
        if code is None:
            raise TypeError(f"dlcore_eager.save: unsupported dtype {arr.dtype}")
        name = str(len(self.tensors))
        data = arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
        self.tensors[name] = {"dtype": code, "shape": list(arr.shape),
                              "data_offsets": [self.offset, self.offset + len(data)]}
        self.blobs.append(data)
        self.offset += len(data)
        return name

    def tensor(self, t: Tensor) -> dict:
        hit = self.seen.get(id(t))
        if hit is None:
            buf = t._buf if type(t._buf) is np.ndarray else to_device(t._buf, CPU)
            hit = self.seen[id(t)] = (t, self.array(buf))
        out = {"__tensor__": hit[1]}
        if t.is_cuda:
            out["device"] = "cuda"
        if t.requires_grad:
            out["requires_grad"] = True
        return out


def save(obj: Any, f) -> None:
    """Write ``obj`` (typically a state dict) to a path or a binary file object."""
    w = _Writer()
    structure = w.encode(obj)
    header = json.dumps({"format": FORMAT, "structure": structure, "tensors": w.tensors},
                        separators=(",", ":")).encode("utf-8")
    payload = struct.pack("<Q", len(header)) + header
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            fh.write(payload)
            fh.writelines(w.blobs)
    else:
        f.write(payload)
        for b in w.blobs:
            f.write(b)


class LoadError(ValueError):
    """A file ``load`` refuses: truncated, corrupt, hostile or of another format."""


def _bad(msg: str) -> ValueError:
    return LoadError(f"dlcore_eager.load: not a valid dlcore_eager file: {msg}")


def check_tensor_entry(name, info, error=_bad) -> tuple:
    """One safetensors-style table entry -> (numpy dtype, shape, start, end); checks the
    dtype code, the shape (non-negative ints, bounded) and that the byte range fits the shape."""
    from dlcore.safe_io import check_shape
    if not isinstance(info, dict) or info.get("dtype") not in _DTYPES:
        raise error(f"tensor {str(name)[:80]!r} has an unknown dtype")
    shape = check_shape(info.get("shape"), f"tensor {str(name)[:80]!r}", error)
    offs = info.get("data_offsets")
    if not (isinstance(offs, list) and len(offs) == 2 and all(
            isinstance(o, int) and not isinstance(o, bool) for o in offs)):
        raise error(f"tensor {str(name)[:80]!r} has bad data offsets")
    dt = np.dtype(_DTYPES[info["dtype"]]).newbyteorder("<")
    start, end = offs
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if not 0 <= start <= end or end - start != count * dt.itemsize:
        raise error(f"tensor {str(name)[:80]!r}: offsets {offs} do not match shape "
                    f"{list(shape)} and dtype {info['dtype']}")
    return dt, shape, start, end


def check_tensor_table(tensors, data_len: int, error=_bad) -> dict:
    """Validate a whole table before anything is decoded: every entry, every byte range inside
    the ``data_len`` bytes of data, and no two ranges overlapping (no aliasing bomb)."""
    if not isinstance(tensors, dict):
        raise error("the tensor table is missing")
    out = {name: check_tensor_entry(name, info, error) for name, info in tensors.items()}
    spans = sorted((v[2], v[3], k) for k, v in out.items() if v[3] > v[2])
    prev_end = 0
    for start, end, name in spans:
        if end > data_len:
            raise error(f"the file is truncated (tensor {str(name)[:80]!r} needs bytes up to "
                        f"{end} of the data section, which has {data_len})")
        if start < prev_end:
            raise error(f"tensor {str(name)[:80]!r} overlaps another tensor's bytes")
        prev_end = end
    return out


class _Reader:
    def __init__(self, data: bytes, base: int, tensors: dict, map_location) -> None:
        self.data, self.base = data, base
        self.table = check_tensor_table(tensors, len(data) - base)
        self.map_location = map_location
        self.arrays: dict = {}           # name -> ndarray, decoded once
        self.objs: dict = {}             # (name, device, requires_grad) -> Tensor

    def array(self, name) -> np.ndarray:
        if not isinstance(name, str) or name not in self.table:
            raise _bad(f"reference to an unknown tensor {str(name)[:80]!r}")
        arr = self.arrays.get(name)
        if arr is None:
            dt, shape, start, end = self.table[name]
            count = (end - start) // dt.itemsize
            arr = np.frombuffer(self.data, dtype=dt, count=count, offset=self.base + start)
            arr = arr.astype(dt.newbyteorder("="), copy=True).reshape(shape)
            self.arrays[name] = arr
        return arr

    def tensor(self, obj: dict):
        from .creation import from_numpy
        name = obj["__tensor__"]
        dev = self.map_location if self.map_location is not None else obj.get("device")
        if dev is not None and not isinstance(dev, str) and not hasattr(dev, "type"):
            raise _bad(f"tensor {str(name)[:80]!r} has a bad device {str(dev)[:40]!r}")
        key = (name, str(dev), bool(obj.get("requires_grad")))
        t = self.objs.get(key)
        if t is None:
            t = from_numpy(self.array(name))
            if dev is not None and str(dev).startswith("cuda"):
                t = t.cuda()
            if obj.get("requires_grad") is True:
                if np.dtype(t._buf.dtype).kind == "f":
                    t.requires_grad_(True)
                else:
                    raise _bad(f"tensor {str(name)[:80]!r} of an integer dtype requires grad")
            self.objs[key] = t
        return t

    def decode(self, obj, depth: int = 0):
        if depth > 100:
            raise _bad("the structure is nested too deeply")
        if isinstance(obj, list):
            return [self.decode(v, depth + 1) for v in obj]
        if isinstance(obj, dict):
            if "__tensor__" in obj:
                return self.tensor(obj)
            if "__ndarray__" in obj:
                return self.array(obj["__ndarray__"])
            if "__tuple__" in obj and isinstance(obj["__tuple__"], list):
                return tuple(self.decode(v, depth + 1) for v in obj["__tuple__"])
            if "__dict__" in obj and isinstance(obj["__dict__"], list):
                out = {}
                for item in obj["__dict__"]:
                    if not (isinstance(item, list) and len(item) == 2) or isinstance(
                            item[0], (list, dict)):
                        raise _bad("a dict entry is malformed")
                    out[item[0]] = self.decode(item[1], depth + 1)
                return out
            raise _bad(f"unknown object in the structure: keys {sorted(obj)[:5]}")
        if obj is None or isinstance(obj, (str, bool, int, float)):
            return obj
        raise _bad(f"unexpected value of type {type(obj).__name__}")


def load(f, map_location=None, weights_only: bool = True) -> Any:
    """Read what ``save`` wrote.  ``map_location='cpu'`` keeps CUDA tensors on the host."""
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            data = fh.read()
    elif isinstance(f, (bytes, bytearray)):
        data = bytes(f)
    elif isinstance(f, io.IOBase) or hasattr(f, "read"):
        data = f.read()
    else:
        raise TypeError(f"dlcore_eager.load: expected a path or a file, got {type(f).__name__}")
    if len(data) < 8:
        raise _bad(f"the file is only {len(data)} bytes long (truncated or empty)")
    (n,) = struct.unpack("<Q", data[:8])
    if n > _MAX_HEADER or 8 + n > len(data):
        if data[:2] == b"PK" or data[:1] == b"\x80":
            raise _bad("this looks like a PyTorch/pickle file; dlcore_eager never unpickles "
                       "(load it with PyTorch and re-save the tensors with dlcore_eager.save)")
        raise _bad(f"the header claims {n} bytes but the file has {len(data) - 8} after the "
                   "length field (truncated or not a dlcore_eager file)")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise _bad(f"the header is not valid JSON ({str(e)[:120]})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise _bad(f"unknown format {header.get('format') if isinstance(header, dict) else None!r}"
                   f" (expected {FORMAT!r})")
    tensors = header.get("tensors")
    if not isinstance(tensors, dict):
        raise _bad("the tensor table is missing")
    reader = _Reader(data, 8 + n, tensors, map_location)
    try:
        return reader.decode(header.get("structure"))
    except (AttributeError, TypeError, KeyError, IndexError, RecursionError) as e:
        raise _bad(f"malformed structure ({type(e).__name__}: {str(e)[:120]})") from None
