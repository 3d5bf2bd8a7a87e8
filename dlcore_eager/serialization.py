"""``save(obj, path)`` / ``load(path)``: state dicts and checkpoints in real safetensors files.

PyTorch's ``torch.save`` uses pickle, and loading a pickle can run arbitrary code.  dlcore_eager
never pickles: ``save`` writes a real safetensors file through the ``safetensors`` library
(``dlcore.io.safetensors_io``), so ``safetensors.torch.load_file(path)`` gives PyTorch the same
state dict, and ``load`` reads any safetensors file (from PyTorch, Hugging Face, ...).

PyTorch's own files interoperate too, without pickle: ``load`` reads a ``torch.save`` zip file
by parsing its opcode stream (``_pt_read``: tensors with their strides, offsets and shared
storages, Parameters, containers, NumPy numbers and arrays; any other name in the stream is
refused, never looked up), and ``save(obj, f, format="torch")`` writes one that
``torch.load(f, weights_only=True)`` reads (``_pt_write``).

Layout (``dlcore_eager/2``)
---------------------------
* Tensor names are the paths of the tensors in the saved object, segments joined by ``/``:
  dict keys as ``str(key)`` (``~`` written ``~0`` and ``/`` written ``~1``, as in JSON
  pointers), list and tuple items by index.  A plain state dict (``{str: Tensor}``) is saved
  under its own keys, exactly as ``safetensors.torch.save_file`` would; a checkpoint
  ``{"epoch": 3, "model": sd, "optimizer": osd}`` has tensors ``model/0.weight``,
  ``optimizer/state/0/exp_avg``, ...  A tensor reached twice (same object) is stored once, and
  loads as one tensor referenced twice.  A name taken twice (keys ``1`` and ``"1"``) gets
  ``#2``, ``#3``, ... appended.
* ``__metadata__`` (strings only, as the format requires) holds ``"format": "pt"`` (what
  PyTorch's tools write), ``"dlcore.format": "dlcore_eager/2"`` and ``"dlcore.structure"``: the
  JSON of the saved object with every tensor replaced by ``{"__tensor__": name}`` (plus
  ``"requires_grad": true`` and ``"device": "cuda"`` when they apply), every NumPy array by
  ``{"__ndarray__": name}``, tuples by ``{"__tuple__": [...]}`` and dicts by
  ``{"__dict__": [[key, value], ...]}`` (keys str, int, float, bool or None, order kept), a
  sparse COO tensor (a sparse gradient, SGD's sparse momentum buffer) by ``{"__sparse_coo__":
  {"indices": name, "values": name, "size": [...], "coalesced": bool}}``; the non-tensor
  leaves (epoch, learning rates, betas, names) are plain JSON values in it; dtypes, devices,
  ``Size`` and layouts are ``{"__dtype__": "float16"}``, ``{"__device__": "cuda:1"}``,
  ``{"__size__": [2, 3]}``, ``{"__layout__": "strided"}``.
* A safetensors file without ``dlcore.structure`` (written by anyone else) loads as a
  ``{name: Tensor}`` dict in the file's order.

Files of the old ``dlcore_eager/1`` format (the same 8-byte length and JSON header, but with
``"format"``/``"structure"``/``"tensors"`` keys and unaligned data) still load, with a
``DeprecationWarning``.  ``load`` checks everything before using it (header size, JSON, dtypes,
offsets inside the file: the library for the new format, ``check_tensor_table`` for the old), so
a truncated or hostile file gives a clear ``ValueError`` with bounded memory: the structure may
only reference tensors of the file, each decoded once.
"""

from __future__ import annotations

import collections
import io
import json
import os
import struct
import warnings
from typing import IO, Any

import numpy as np

from dlcore.device import CPU, as_device, to_device
from dlcore.dtypes import is_floating
from dlcore.io import safetensors_io

from . import _pt_read
from ._safe_globals import (add_safe_globals, clear_safe_globals, get_safe_globals,
                            safe_globals)
from .tensor import Tensor

FORMAT = "dlcore_eager/2"
LEGACY_FORMAT = "dlcore_eager/1"
_DTYPES = {"F32": np.float32, "F64": np.float64, "I32": np.int32, "I64": np.int64,
           "BOOL": np.bool_}
_CODES = {np.dtype(v): k for k, v in _DTYPES.items()}
_MAX_HEADER = 100 * 1024 * 1024


def _segment(key: Any) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


class _Writer:
    """Walks the object: tensors and arrays go to ``arrays`` under their path names, the rest
    becomes the JSON structure."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.seen: dict[int, tuple[Any, str]] = {}       # id(tensor or array) -> (obj, name)

    def encode(self, obj: Any, path: tuple = (), depth: int = 0):
        if depth > 100:
            raise ValueError("dlcore_eager.save: the object is nested too deeply (or contains "
                             "itself)")
        if type(obj).__name__ == "QTensor":     # a quantized tensor (dlcore_eager._qsave)
            from . import _qsave
            return _qsave.encode(self, obj, path)
        if isinstance(obj, Tensor):
            if obj.is_sparse:                 # a sparse COO tensor: its indices and values
                b = obj._buf
                return {"__sparse_coo__": {
                    "indices": self.array(b.indices, b.indices, path + ("indices",)),
                    "values": self.array(b.values, b.values, path + ("values",)),
                    "size": list(b.shape), "coalesced": bool(b.coalesced)}}
            return self.tensor(obj, path)
        if isinstance(obj, np.ndarray):
            return {"__ndarray__": self.array(obj, obj, path)}
        value = _torch_value_node(obj)          # a dtype, device, Size or layout
        if value is not None:
            return value
        if isinstance(obj, dict):
            items = []
            for k, v in obj.items():
                if not (k is None or isinstance(k, (str, int, float, bool))):
                    raise TypeError(f"dlcore_eager.save: dict keys must be str, int, float, bool "
                                    f"or None, not {type(k).__name__}")
                items.append([k, self.encode(v, path + (_segment(k),), depth + 1)])
            return {"__dict__": items}
        if isinstance(obj, (tuple, list)):
            vals = [self.encode(v, path + (str(i),), depth + 1) for i, v in enumerate(obj)]
            return {"__tuple__": vals} if isinstance(obj, tuple) else vals
        if obj is None or isinstance(obj, (str, bool, int, float)):
            return obj
        if isinstance(obj, np.generic):
            return obj.item()
        from .nn.module import Module
        if isinstance(obj, Module):
            raise TypeError(f"dlcore_eager.save: saving a whole nn.Module "
                            f"({type(obj).__name__}) needs pickle, which dlcore never uses "
                            "(loading a pickle can run any code). Save its weights instead: "
                            "torch.save(model.state_dict(), PATH), and later "
                            "model.load_state_dict(torch.load(PATH))")
        raise TypeError(f"dlcore_eager.save: cannot save an object of type {type(obj).__name__} "
                        "(only tensors, arrays, dicts, lists, tuples, strings and numbers; "
                        "dlcore_eager never pickles)")

    def array(self, owner: Any, arr: np.ndarray, path: tuple) -> str:
        hit = self.seen.get(id(owner))
        if hit is not None:
            return hit[1]
        if arr.dtype not in safetensors_io.SUPPORTED:
            raise TypeError(f"dlcore_eager.save: unsupported dtype {arr.dtype} at "
                            f"{'/'.join(path) or 'the top level'}")
        name = "/".join(path) or "tensor"
        base, n = name, 1
        while name in self.arrays:
            n += 1
            name = f"{base}#{n}"
        self.arrays[name] = np.array(arr, order="C", copy=not arr.flags.c_contiguous)
        self.seen[id(owner)] = (owner, name)              # keeps owner alive: ids stay unique
        return name

    def tensor(self, t: Tensor, path: tuple) -> dict:
        buf: Any = t._buf if type(t._buf) is np.ndarray else to_device(t._buf, CPU)
        out: dict[str, Any] = {"__tensor__": self.array(t, buf, path)}
        if t.is_cuda:
            out["device"] = "cuda"
        if t.requires_grad:
            out["requires_grad"] = True
        return out


def save(obj: Any, f: str | os.PathLike | IO[bytes], pickle_module: Any = None,
         pickle_protocol: int = 2, _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False, *, format: str = "safetensors") -> None:
    """Write ``obj`` (a state dict, or a checkpoint dict holding state dicts and plain values)
    to a path or a binary file object as a safetensors file (layout in the module docstring),
    or with ``format="torch"`` as a ``torch.save`` zip file that
    ``torch.load(f, weights_only=True)`` reads (``_pt_write``; no pickle module involved).
    torch.save's other arguments are accepted as it takes them: ``pickle_module`` (None or the
    standard ``pickle``, unused), ``pickle_protocol`` (2 to 5; the file's own opcodes are
    protocol 2's), ``_use_new_zipfile_serialization`` (True only: the legacy format is a bare
    pickle), ``_disable_byteorder_record``."""
    if pickle_module is not None and getattr(pickle_module, "__name__", None) != "pickle":
        got = getattr(pickle_module, "__name__", pickle_module)
        raise TypeError("dlcore_eager.save never pickles: pickle_module must be None or the "
                        f"standard pickle module, not {got!r}")
    if type(pickle_protocol) is not int or not 2 <= pickle_protocol <= 5:
        raise ValueError(f"dlcore_eager.save: pickle_protocol must be 2 to 5, not "
                         f"{pickle_protocol!r}")
    if not _use_new_zipfile_serialization:
        raise ValueError("dlcore_eager.save: _use_new_zipfile_serialization=False asks for the "
                         "legacy format (a bare pickle), which dlcore never writes")
    if format == "torch":
        from . import _pt_write
        blob = _pt_write.dumps(obj, byteorder=not _disable_byteorder_record)
        if isinstance(f, (str, os.PathLike)):
            safetensors_io.write_file_atomic(f, blob)
        else:
            f.write(blob)
        return
    if format != "safetensors":
        raise ValueError(f"dlcore_eager.save: format must be 'safetensors' or 'torch', "
                         f"not {format!r}")
    w = _Writer()
    structure = w.encode(obj)
    meta = {"format": "pt", "dlcore.format": FORMAT,
            "dlcore.structure": json.dumps(structure, separators=(",", ":"))}
    safetensors_io.write(f, w.arrays, meta)


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


class _LegacyArrays:
    """The tensors of an old ``dlcore_eager/1`` file, the table checked as a whole first and
    each tensor decoded only when referenced."""

    def __init__(self, data: bytes, base: int, tensors: dict) -> None:
        self.data, self.base = data, base
        self.table = check_tensor_table(tensors, len(data) - base)

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and name in self.table

    def __getitem__(self, name: str) -> np.ndarray:
        dt, shape, start, end = self.table[name]
        count = (end - start) // dt.itemsize
        arr = np.frombuffer(self.data, dtype=dt, count=count, offset=self.base + start)
        return arr.astype(dt.newbyteorder("="), copy=True).reshape(shape)


class _Reader:
    def __init__(self, source, map_location) -> None:
        self.source = source              # name -> ndarray (a dict, or _LegacyArrays)
        self.map_location = map_location
        self.arrays: dict = {}           # name -> ndarray, decoded once
        self.objs: dict = {}             # (name, device, requires_grad) -> Tensor
        self.shared: dict = {}           # id(structure node) -> (node, decoded container)

    def array(self, name) -> np.ndarray:
        if not isinstance(name, str) or name not in self.source:
            raise _bad(f"reference to an unknown tensor {str(name)[:80]!r}")
        arr = self.arrays.get(name)
        if arr is None:
            arr = self.arrays[name] = self.source[name]
        return arr

    def tensor(self, obj: dict):
        from .creation import from_numpy
        name = obj["__tensor__"]
        saved = obj.get("device")
        if saved is not None and (not isinstance(saved, str) or saved.startswith("/")):
            raise _bad(f"tensor {str(name)[:80]!r} has a bad device {str(saved)[:40]!r}")
        try:
            loc = "cpu" if saved is None else str(as_device(saved))
        except ValueError:
            raise _bad(f"tensor {str(name)[:80]!r} has a bad device {str(saved)[:40]!r}") from None
        ml = self.map_location
        dev = ml.get(loc, loc) if isinstance(ml, dict) else \
            loc if ml is None or callable(ml) else ml
        key = (name, str(dev), bool(obj.get("requires_grad")), obj.get("parameter") is True)
        t = self.objs.get(key)
        if t is None:
            t = from_numpy(self.array(name))
            try:                       # the caller's errors are not the file's
                moved = ml(t, loc) if callable(ml) else None  # PyTorch's (storage, location)
                if moved is not None and (not isinstance(moved, Tensor) or
                                          tuple(moved.shape) != tuple(t.shape)):
                    raise TypeError(f"map_location returned {type(moved).__name__} for tensor "
                                    f"{str(name)[:80]!r}; expected the tensor it was given, "
                                    "or it moved to a device, or None")
                if moved is None and str(dev).startswith("cuda"):
                    moved = _to_cuda(t, str(dev))
            except Exception as e:
                raise _CallerError(e) from e
            if moved is not None:
                t = moved
            if obj.get("parameter") is True:       # a torch.save'd nn.Parameter
                from .nn.module import Parameter
                t = Parameter(t, requires_grad=obj.get("requires_grad") is True)
            elif obj.get("requires_grad") is True:
                if is_floating(np.dtype(t._buf.dtype)):
                    t.requires_grad_(True)
                else:
                    raise _bad(f"tensor {str(name)[:80]!r} of an integer dtype requires grad")
            self.objs[key] = t
        return t

    def sparse(self, obj: dict):
        """A sparse COO tensor, checked by ``sparse_coo_tensor`` (indices in range, nnz)."""
        from ._sparse import sparse_coo_tensor
        size = obj.get("size")
        if not (isinstance(size, list) and all(isinstance(d, int) and d >= 0 for d in size)):
            raise _bad("a sparse tensor has a malformed size")
        try:
            return sparse_coo_tensor(self.array(obj.get("indices")),
                                     self.array(obj.get("values")), size,
                                     is_coalesced=obj.get("coalesced") is True)
        except RuntimeError as e:
            raise _bad(f"a sparse tensor is invalid: {e}") from None

    def decode(self, obj, depth: int = 0):
        """A structure node -> its object.  Each list/tuple/dict node is decoded once: a node
        the structure references twice (a container shared in a torch file) gives one object
        referenced twice, as ``torch.load`` does, and is never expanded."""
        if depth > 100:
            raise _bad("the structure is nested too deeply")
        if isinstance(obj, (list, dict)):
            hit = self.shared.get(id(obj))
            if hit is not None:
                return hit[1]
            out = self.decode_node(obj, depth)
            if isinstance(out, (list, tuple, dict)):
                self.shared[id(obj)] = (obj, out)     # (the node kept alive: ids stay unique)
            return out
        if obj is None or isinstance(obj, (str, bool, int, float, complex, bytes, bytearray)):
            return obj                                   # (bytes, bytearray: from torch files)
        raise _bad(f"unexpected value of type {type(obj).__name__}")

    def decode_node(self, obj, depth: int):
        if isinstance(obj, list):
            return [self.decode(v, depth + 1) for v in obj]
        if isinstance(obj, dict):
            if "__tensor__" in obj:
                return self.tensor(obj)
            if "__ndarray__" in obj:
                return self.array(obj["__ndarray__"])
            if "__qtensor__" in obj:
                from . import _qsave
                return _qsave.decode(self, obj["__qtensor__"], _bad)
            if len(obj) == 1 and next(iter(obj)) in _TORCH_VALUES:    # from torch files
                return _torch_value(*next(iter(obj.items())))
            if "__sparse_coo__" in obj and isinstance(obj["__sparse_coo__"], dict):
                return self.sparse(obj["__sparse_coo__"])
            if "__tuple__" in obj and isinstance(obj["__tuple__"], list):
                return tuple(self.decode(v, depth + 1) for v in obj["__tuple__"])
            if "__dict__" in obj and isinstance(obj["__dict__"], list):
                out = collections.OrderedDict() if obj.get("ordered") is True else {}
                for item in obj["__dict__"]:
                    if not (isinstance(item, list) and len(item) == 2) or isinstance(
                            item[0], (list, dict)):
                        raise _bad("a dict entry is malformed")
                    out[item[0]] = self.decode(item[1], depth + 1)
                return out
            raise _bad(f"unknown object in the structure: keys {sorted(obj)[:5]}")
        raise _bad(f"unexpected value of type {type(obj).__name__}")


_TORCH_VALUES = ("__dtype__", "__device__", "__size__", "__layout__")


def _torch_value_node(obj: Any) -> dict | None:
    """The structure node of a dtype, device, Size or layout (``_torch_value`` reads it)."""
    from dlcore.device import Device

    from . import _dtype
    from ._long_tail import layout
    from .tensor import Size
    if isinstance(obj, _dtype.dtype):
        return {"__dtype__": str(obj).split(".")[-1]}
    if isinstance(obj, Device):
        return {"__device__": str(obj)}
    if isinstance(obj, Size):
        return {"__size__": [int(d) for d in obj]}
    if isinstance(obj, layout):
        return {"__layout__": str(obj).split(".")[-1]}
    return None


def _torch_value(key: str, value: Any) -> Any:
    """A dtype, device, Size or layout saved in a torch file, as dlcore_eager's object."""
    from . import _dtype
    from ._long_tail import strided
    from ._sparse import sparse_coo
    from .tensor import Size
    if key == "__dtype__" and value in ("qint8", "quint8", "qint32"):
        from ._qtensor import QDTYPES
        return QDTYPES[value]
    if key == "__dtype__" and value in _pt_read._TORCH_DTYPES:
        return getattr(_dtype, "bool_" if value == "bool" else value)
    if key == "__device__" and isinstance(value, str):
        try:
            return as_device(value)
        except ValueError:
            raise _bad(f"a bad device {value[:40]!r}") from None
    if key == "__size__" and isinstance(value, list) and all(type(d) is int for d in value):
        return Size(value)
    if key == "__layout__" and value in ("strided", "sparse_coo"):
        return strided if value == "strided" else sparse_coo
    raise _bad(f"a malformed {key.strip('_')} {str(value)[:40]}")


def _read_bytes(f) -> bytes:
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return fh.read()
    if isinstance(f, (bytes, bytearray)):
        return bytes(f)
    if isinstance(f, io.IOBase) or hasattr(f, "read"):
        return f.read()
    raise TypeError(f"dlcore_eager.load: expected a path or a file, got {type(f).__name__}")


def _to_cuda(t: Tensor, dev: str) -> Tensor:
    from dlcore.device import cuda_available
    if not cuda_available():
        raise RuntimeError("Attempting to deserialize object on a CUDA device but CUDA is not "
                           "available. If you are running on a CPU-only machine, please use "
                           "dlcore_eager.load with map_location='cpu' to map your storages to "
                           "the CPU.")
    return t.to(dev)


def load(f: str | os.PathLike | IO[bytes] | bytes, map_location: Any = None,
         pickle_module: Any = None, *, weights_only: bool = True, mmap: bool | None = None,
         **pickle_load_args: Any) -> Any:
    """Read a safetensors file (what ``save`` writes, or anyone's), a ``torch.save`` zip file
    (parsed, never unpickled: tensors and containers only, as ``weights_only=True``), or an old
    ``dlcore_eager/1`` file (with a ``DeprecationWarning``).  ``map_location='cpu'`` keeps CUDA
    tensors on the host.  ``mmap`` is accepted as PyTorch does (a torch.save file at a path is
read storage by storage, each into its own tensors' memory, without a copy of the whole file);
    ``pickle_module`` and pickle's arguments are refused: nothing is ever unpickled."""
    if pickle_module is not None or pickle_load_args:
        got = sorted(pickle_load_args) or "pickle_module"
        raise TypeError("dlcore_eager.load never unpickles: pickle_module and pickle load "
                        f"arguments are not accepted (got {got})")
    _check_map_location(map_location)
    try:
        if isinstance(f, (str, os.PathLike)):
            with open(f, "rb") as fh:
                if _pt_read.is_zip(fh.read(4)):     # a torch.save file: read storage by storage
                    structure, arrays = _pt_read.parse(fh, _bad)
                    return _decode(_Reader(arrays, map_location), structure)
                fh.seek(0)
                data = fh.read()
        else:
            data = _read_bytes(f)
        return _load_bytes(data, map_location)
    except LoadError as e:
        where = _file_name(f)
        if where is None:
            raise
        raise LoadError(f"{e} (file {where})") from None


def _file_name(f) -> str | None:
    if isinstance(f, (str, os.PathLike)):
        return repr(os.fspath(f))
    name = getattr(f, "name", None)
    return repr(name) if isinstance(name, (str, bytes)) else None


def _load_bytes(data: bytes, map_location: Any) -> Any:
    if _pt_read.is_zip(data):              # torch.save's zip: parsed, never unpickled
        structure, arrays = _pt_read.parse(data, _bad)
        return _decode(_Reader(arrays, map_location), structure)
    if len(data) < 8:
        raise _bad(f"the file is only {len(data)} bytes long (truncated or empty)")
    (n,) = struct.unpack("<Q", data[:8])
    if n > safetensors_io.MAX_HEADER or 8 + n > len(data):
        if data[:1] == b"\x80" or data[:2] == b"PK":
            raise _bad("this looks like a raw pickle or a legacy (pre-1.6, non-zip) torch.save "
                       "file; dlcore_eager never unpickles (re-save it with PyTorch >= 1.6, "
                       "torch.save's default zip format, or with safetensors.torch.save_file)")
        raise _bad(f"the header claims {n} bytes but the file has {len(data) - 8} after the "
                   "length field (truncated or not a safetensors file)")
    header = safetensors_io.read_header(data, _bad)
    fmt = header.get("format")
    if isinstance(fmt, str) or "structure" in header:
        if fmt != LEGACY_FORMAT:
            raise _bad(f"unknown format {str(fmt)[:40]!r} (expected a safetensors file)")
        warnings.warn(f"dlcore_eager.load: this file is in the old {LEGACY_FORMAT!r} format, "
                      "which a future release will stop reading; re-save it with "
                      "dlcore_eager.save to get a standard .safetensors file",
                      DeprecationWarning, stacklevel=2)
        return _load_legacy(data, n, header, map_location)
    arrays, meta = safetensors_io.loads(data, _bad)
    structure = safetensors_io.metadata_json(meta, "dlcore.structure", _bad)
    if structure is None:                  # a plain safetensors file from another tool
        structure = {"__dict__": [[k, {"__tensor__": k}] for k in arrays]}
    return _decode(_Reader(arrays, map_location), structure)


def _decode(reader: "_Reader", structure: Any) -> Any:
    try:
        return reader.decode(structure)
    except _CallerError as e:
        raise e.args[0] from None
    except (AttributeError, TypeError, KeyError, IndexError, RecursionError) as e:
        raise _bad(f"malformed structure ({type(e).__name__}: {str(e)[:120]})") from None


class _CallerError(Exception):
    """Carries an error of the caller's ``map_location`` (or of moving to its device) past the
    handler that reports a malformed file."""


def _check_map_location(ml) -> None:
    """PyTorch's forms, checked before the file is read: None, a device (string or object), a
    dict {saved location: device}, or a function (storage, location) -> storage or None.  A
    device string naming no device raises as ``torch.device`` does."""
    if ml is None or (callable(ml) and not isinstance(ml, type)):
        return
    if isinstance(ml, dict):
        for k, v in ml.items():
            as_device(k)
            as_device(v)
        return
    if isinstance(ml, str) or (hasattr(ml, "type") and hasattr(ml, "index")):
        as_device(ml)
        return
    raise TypeError(f"map_location should be a str, a torch.device, a dict or a callable, "
                    f"not {type(ml).__name__}")


def _load_legacy(data: bytes, n: int, header: dict, map_location: Any) -> Any:
    tensors = header.get("tensors")
    if not isinstance(tensors, dict):
        raise _bad("the tensor table is missing")
    reader = _Reader(_LegacyArrays(data, 8 + n, tensors), map_location)
    try:
        return reader.decode(header.get("structure"))
    except _CallerError as e:
        raise e.args[0] from None
    except (AttributeError, TypeError, KeyError, IndexError, RecursionError) as e:
        raise _bad(f"malformed structure ({type(e).__name__}: {str(e)[:120]})") from None


__all__ = ["LoadError", "add_safe_globals", "clear_safe_globals", "get_safe_globals", "load",
           "safe_globals", "save"]
