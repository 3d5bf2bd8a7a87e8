"""Write a file ``torch.load(path, weights_only=True)`` reads: ``save(obj, f, format="torch")``.

The layout is ``torch.save``'s zip format (see ``_pt_read``): ``archive/data.pkl``, a protocol-2
opcode stream emitted here opcode by opcode (no pickle module), naming only what PyTorch's
``weights_only`` loader accepts: ``collections.OrderedDict``, ``torch._utils._rebuild_tensor_v2``,
``torch._utils._rebuild_parameter`` and the typed storages (``torch.FloatStorage``, ...); one
stored entry ``archive/data/<key>`` per storage, its bytes 64-byte aligned as PyTorch writes
them.  Tensors that share memory (views, slices, a transposed tensor) are written as views of
one storage with their offsets and strides, so they share memory again after ``torch.load``;
the same tensor reached twice is one tensor there too.

Quantized tensors (``dlcore_eager.ao``) are written with ``torch._utils._rebuild_qtensor`` over
``QInt8Storage`` & co., as torch.save writes them.

Only what a PyTorch file can hold without running code is accepted: tensors, Parameters, dicts
(``OrderedDict`` kept), lists, tuples, str, bytes, int, float, bool, None, dtypes, devices,
``Size`` and layouts.  NumPy arrays and
sparse tensors raise ``TypeError`` (``torch.load(weights_only=True)`` refuses NumPy objects).
"""

from __future__ import annotations

import io
import struct
import sys
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from dlcore import dtypes as _dt
from dlcore.device import CPU, to_device

from .tensor import Tensor

_NAMES = {np.dtype(np.float32): "FloatStorage", np.dtype(np.float64): "DoubleStorage",
          np.dtype(np.float16): "HalfStorage", np.dtype(np.int64): "LongStorage",
          np.dtype(np.int32): "IntStorage", np.dtype(np.int16): "ShortStorage",
          np.dtype(np.int8): "CharStorage", np.dtype(np.uint8): "ByteStorage",
          np.dtype(np.bool_): "BoolStorage", np.dtype(np.complex64): "ComplexFloatStorage",
          np.dtype(np.complex128): "ComplexDoubleStorage"}
_dt.on_bfloat16(lambda d: _NAMES.__setitem__(d, "BFloat16Storage"))


def _root(buf: np.ndarray) -> np.ndarray:
    root = buf
    while isinstance(root.base, np.ndarray):
        root = root.base
    return root


class _Emitter:
    def __init__(self) -> None:
        self.out = bytearray(b"\x80\x02")
        self.storages: dict[int, tuple[str, np.ndarray]] = {}   # id(root) -> (key, flat)
        self.keep: list = []
        self.memo: dict[int, int] = {}                                # id(tensor) -> memo index

    def op(self, b: bytes) -> None:
        self.out += b

    def str_(self, s: str) -> None:
        raw = s.encode("utf-8")
        self.op(b"X" + struct.pack("<I", len(raw)) + raw)

    def int_(self, v: int) -> None:
        if 0 <= v < 256:
            self.op(b"K" + bytes([v]))
        elif -(1 << 31) <= v < (1 << 31):
            self.op(b"J" + struct.pack("<i", v))
        else:
            raw = v.to_bytes((v.bit_length() + 8) // 8, "little", signed=True)
            if len(raw) > 255:
                raise OverflowError(f"dlcore_eager.save: integer too large ({len(raw)} bytes)")
            self.op(b"\x8a" + bytes([len(raw)]) + raw)

    def glob(self, module: str, name: str) -> None:
        self.op(b"c" + module.encode() + b"\n" + name.encode() + b"\n")

    def tuple_(self, items) -> None:
        self.op(b"(")
        for v in items:
            self.int_(v)
        self.op(b"t")

    def storage(self, buf: np.ndarray) -> tuple[str, int, tuple, np.ndarray]:
        """(key, element offset, element strides, flat storage) for ``buf``: a view of its root
        array when the layout allows it, else a contiguous copy of its own."""
        item = buf.dtype.itemsize
        root = _root(buf)
        ok = (root.dtype == buf.dtype and root.flags.c_contiguous and buf.size > 0
              and all(s >= 0 and s % item == 0 for s in buf.strides))
        if ok:
            off = buf.__array_interface__["data"][0] - root.__array_interface__["data"][0]
            ok = off >= 0 and off % item == 0
        if not ok:
            root = np.ascontiguousarray(buf)
            off = 0
        strides = tuple(s // item for s in (buf if ok else root).strides)
        hit = self.storages.get(id(root))
        if hit is None:
            key = str(len(self.storages))
            hit = self.storages[id(root)] = (key, root.reshape(-1))
            self.keep.append(root)
        return hit[0], off // item, strides, hit[1]

    def tensor(self, t: Tensor) -> None:
        idx = self.memo.get(id(t))
        if idx is not None:                      # the same tensor again: one tensor on load
            self.op(b"j" + struct.pack("<I", idx))
            return
        self.rebuild(t)
        idx = self.memo[id(t)] = len(self.memo)
        self.keep.append(t)
        self.op(b"r" + struct.pack("<I", idx))

    def rebuild(self, t: Tensor) -> None:
        if t.is_sparse:
            raise TypeError("dlcore_eager.save(format='torch'): sparse tensors are not written "
                            "in PyTorch's format (save them with the default format)")
        buf: Any = t._buf if type(t._buf) is np.ndarray else to_device(t._buf, CPU)
        if buf.dtype not in _NAMES:
            raise TypeError(f"dlcore_eager.save(format='torch'): unsupported dtype {buf.dtype}")
        key, off, strides, flat = self.storage(buf)
        from .nn.module import Parameter
        param = isinstance(t, Parameter)
        if param:
            self.glob("torch._utils", "_rebuild_parameter")
            self.op(b"(")
        self.glob("torch._utils", "_rebuild_tensor_v2")
        self.op(b"((")                                  # args, persistent id
        self.str_("storage")
        self.glob("torch", _NAMES[buf.dtype])
        self.str_(key)
        self.str_(f"cuda:{t.device.index or 0}" if t.is_cuda else "cpu")   # torch's location
        self.int_(int(flat.size))
        self.op(b"tQ")
        self.int_(off)
        self.tuple_(int(d) for d in buf.shape)
        self.tuple_(strides)
        self.op(b"\x88" if t.requires_grad and not param else b"\x89")
        self.glob("collections", "OrderedDict")
        self.op(b")R")
        self.op(b"tR")
        if param:
            self.op(b"\x88" if t.requires_grad else b"\x89")
            self.glob("collections", "OrderedDict")
            self.op(b")RtR")

    def qtensor(self, q: Any) -> None:
        """A quantized tensor as torch.save writes it: ``_rebuild_qtensor(storage, offset,
        size, stride, (qscheme, scale, zero_point) or (qscheme, scales, zero_points, axis),
        False, OrderedDict())`` over a ``QInt8Storage`` / ``QUInt8Storage`` / ``QInt32Storage``."""
        idx = self.memo.get(id(q))
        if idx is not None:
            self.op(b"j" + struct.pack("<I", idx))
            return
        key, off, strides, flat = self.storage(q._int)
        self.glob("torch._utils", "_rebuild_qtensor")
        self.op(b"((")
        self.str_("storage")
        self.glob("torch", {"qint8": "QInt8Storage", "quint8": "QUInt8Storage",
                            "qint32": "QInt32Storage"}[q.dtype.name])
        self.str_(key)
        self.str_("cpu")
        self.int_(int(flat.size))
        self.op(b"tQ")
        self.int_(off)
        self.tuple_(int(d) for d in q._int.shape)
        self.tuple_(strides)
        self.op(b"(")
        self.glob("torch", q.qscheme().name)
        if q.is_per_channel:
            self.tensor(q.q_per_channel_scales())
            self.tensor(q.q_per_channel_zero_points())
            self.int_(int(q.q_per_channel_axis()))
        else:
            self.op(b"G" + struct.pack(">d", float(q.q_scale())))
            self.int_(int(q.q_zero_point()))
        self.op(b"t\x89")
        self.glob("collections", "OrderedDict")
        self.op(b")RtR")
        idx = self.memo[id(q)] = len(self.memo)
        self.keep.append(q)
        self.op(b"r" + struct.pack("<I", idx))

    def encode(self, obj: Any, depth: int = 0) -> None:
        if depth > 100:
            raise ValueError("dlcore_eager.save: the object is nested too deeply (or contains "
                             "itself)")
        if type(obj).__name__ == "QTensor":        # (dlcore_eager._qtensor; a Tensor too)
            self.qtensor(obj)
        elif isinstance(obj, Tensor):
            self.tensor(obj)
        elif self.torch_value(obj):
            pass
        elif isinstance(obj, dict):
            if isinstance(obj, OrderedDict):
                self.glob("collections", "OrderedDict")
                self.op(b")R")
            else:
                self.op(b"}")
            items = list(obj.items())
            for i in range(0, len(items), 1000):
                self.op(b"(")
                for k, v in items[i:i + 1000]:
                    if not (k is None or isinstance(k, (str, int, float, bool))):
                        raise TypeError(f"dlcore_eager.save: dict keys must be str, int, float, "
                                        f"bool or None, not {type(k).__name__}")
                    self.encode(k, depth + 1)
                    self.encode(v, depth + 1)
                self.op(b"u")
            meta = getattr(obj, "_metadata", None)
            if isinstance(obj, OrderedDict) and isinstance(meta, dict):
                # a state dict's module versions (set by modules whose loading in PyTorch
                # reads them: the quantized ones), written as torch.save does: BUILD
                self.op(b"}(")
                self.str_("_metadata")
                self.encode(meta, depth + 1)
                self.op(b"ub")
        elif isinstance(obj, list):
            self.op(b"]")
            for i in range(0, len(obj), 1000):
                self.op(b"(")
                for v in obj[i:i + 1000]:
                    self.encode(v, depth + 1)
                self.op(b"e")
        elif isinstance(obj, tuple):
            self.op(b"(")
            for v in obj:
                self.encode(v, depth + 1)
            self.op(b"t")
        elif obj is None:
            self.op(b"N")
        elif isinstance(obj, (bool, np.bool_)):
            self.op(b"\x88" if obj else b"\x89")
        elif isinstance(obj, (int, np.integer)):
            self.int_(int(obj))
        elif isinstance(obj, (float, np.floating)):
            self.op(b"G" + struct.pack(">d", float(obj)))
        elif isinstance(obj, str):
            self.str_(obj)
        elif isinstance(obj, (bytes, bytearray)):     # protocol 2's form, as torch.save writes
            self.glob("_codecs", "encode")
            self.str_(bytes(obj).decode("latin-1"))
            self.str_("latin1")
            self.op(b"\x86R")
        elif isinstance(obj, np.ndarray):
            raise TypeError("dlcore_eager.save(format='torch'): a NumPy array cannot be read by "
                            "torch.load(weights_only=True); convert it with "
                            "dlcore_eager.from_numpy first")
        else:
            raise TypeError(f"dlcore_eager.save(format='torch'): cannot save an object of type "
                            f"{type(obj).__name__} (only tensors, dicts, lists, tuples, strings, "
                            "bytes and numbers)")


    def torch_value(self, obj: Any) -> bool:
        """A dtype, device, Size or layout, written as torch.save writes them; False for
        anything else."""
        from dlcore.device import Device

        from . import _dtype
        from ._long_tail import layout
        from .tensor import Size
        if isinstance(obj, _dtype.dtype):
            self.glob("torch", str(obj).split(".")[-1])
        elif isinstance(obj, Device):
            self.glob("torch", "device")
            self.op(b"(")
            self.str_(obj.type)
            if obj.index is not None:
                self.int_(obj.index)
            self.op(b"tR")
        elif isinstance(obj, Size):
            self.glob("torch", "Size")
            self.op(b"(")
            self.tuple_(int(d) for d in obj)
            self.op(b"tR")
        elif isinstance(obj, layout):
            self.glob("torch.serialization", "_get_layout")
            self.op(b"(")
            self.str_(str(obj))
            self.op(b"tR")
        else:
            return False
        return True


def dumps(obj: Any, byteorder: bool = True) -> bytes:
    """``obj`` as the bytes of a ``torch.save`` zip file (``byteorder``: write the
    ``byteorder`` record, as torch.save does unless ``_disable_byteorder_record``)."""
    em = _Emitter()
    em.encode(obj)
    em.op(b".")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        _add(zf, "archive/data.pkl", bytes(em.out))
        if byteorder:
            _add(zf, "archive/byteorder", b"little")
        for key, flat in em.storages.values():
            data = flat.tobytes()          # native order: little-endian on every target
            _add(zf, f"archive/data/{key}", data if sys.byteorder == "little" else
                 flat.byteswap().tobytes())
        _add(zf, "archive/version", b"3\n")
    return buf.getvalue()


def _add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    """A stored entry whose data starts on a 64-byte boundary (PyTorch's alignment), padded
    through the local header's extra field as PyTorch's writer does."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    fp: Any = zf.fp
    start = fp.tell() + 30 + len(name.encode())        # where the data would begin
    pad = (-(start + 4)) % 64
    info.extra = struct.pack("<HH", 0x4646, pad) + b"Z" * pad   # PyTorch's "FF" padding id
    zf.writestr(info, data)
