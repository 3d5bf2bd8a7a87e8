"""Read a PyTorch ``torch.save`` zip file by *parsing* it: no pickle module, nothing executed.

A ``torch.save`` file (PyTorch >= 1.6) is a zip archive ``<name>/data.pkl`` (a pickle opcode
stream, protocol 2), ``<name>/byteorder`` and one stored entry ``<name>/data/<key>`` per tensor
storage (its raw bytes).  ``data.pkl`` rebuilds the object by calling a few functions
(``collections.OrderedDict``, ``torch._utils._rebuild_tensor_v2``, ``_rebuild_parameter``) on
storages named by *persistent ids* ``('storage', torch.FloatStorage, key, location, numel)``.

``parse`` interprets that opcode stream itself: a small stack machine that knows the opcodes
PyTorch writes and the handful of names PyTorch's own ``weights_only=True`` loader accepts for
tensors and containers, plus NumPy scalars, dtypes and arrays (plain data).  Any other name
(``os.system``, ``builtins.eval``, a class to instantiate) is refused *by name*, never looked
up, so a hostile file cannot run code.  Every size is checked before it is used: the pickle
entry's size, each storage's declared element count against its zip entry (stored entries must
lie inside the file; compressed ones may inflate to 64 MiB + 64 x the file's size in all), each
tensor's (offset, size, stride) against its storage and each NumPy array's shape against its
bytes, so a file claiming a huge tensor is refused without allocating it.
``data.pkl`` may create at most ``MAX_VALUES`` values and ``MAX_OBJECTS`` containers (fixed
limits, whatever the file's size), and the stored storages together may hold at most the file's
size (zip entries overlapping one region are refused, and an entry's local header must name it).
Containers shared in the stream stay shared (``_pt_names._structure``): nothing is expanded.

The result is dlcore_eager's structure format (``serialization._Reader`` decodes it): every
container as ``{"__dict__": ...}`` / ``{"__tuple__": ...}`` / lists, every tensor as
``{"__tensor__": name, "device": location, "requires_grad": bool}`` with ``arrays[name]`` an
``ndarray`` *view* of its storage's one array, so tensors sharing a storage in PyTorch (views,
slices, a transposed weight) share memory after loading, with PyTorch's offsets and strides.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections import OrderedDict
from typing import Any

import numpy as np

from ._pt_names import (  # noqa: F401
    _NP_CODES,
    _QDTYPE_OF,
    _STORAGES,
    _TORCH_DTYPES,
    MAX_NODES,
    ErrorFactory,
    _Global,
    _NpArray,
    _NpDtype,
    _QRef,
    _resolve,
    _Storage,
    _structure,
    _TRef,
    _Value,
)

MAX_PICKLE = 256 * 1024 * 1024       # data.pkl larger than this is refused
MAX_RATIO = 1100                     # deflate's own ceiling is ~1032x
INFLATE_RATIO = 64                   # compressed storages may inflate to 64 MiB + 64 x the file
INFLATE_ALLOWANCE = 64 * 1024 * 1024
MAX_VALUES = 5_000_000               # values pushed or memoized by data.pkl's opcodes, in all
MAX_OBJECTS = 1_000_000              # containers and calls' results data.pkl creates
_ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError,
               RuntimeError, zlib.error, struct.error)


def is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


class _Parser:
    def __init__(self, stream: bytes, zf: zipfile.ZipFile, prefix: str, swap: bool,
                 data: Any, total: int, error: ErrorFactory) -> None:
        self.s, self.pos, self.zf, self.prefix, self.swap = stream, 0, zf, prefix, swap
        self.total, self.error, self.data = total, error, data
        self.storages: dict[str, _Storage] = {}
        self.arrays: dict[str, np.ndarray] = {}
        self.inflated = 0                 # bytes of compressed storages inflated so far
        self.stored_bytes = 0             # bytes of stored (uncompressed) storages read so far

    # ------------------------------------------------------------------ raw reads
    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.s):
            raise self.error(f"data.pkl is truncated (needs {n} bytes at offset {self.pos}, "
                             f"has {len(self.s) - self.pos})")
        out = self.s[self.pos:self.pos + n]
        self.pos += n
        return out

    def line(self) -> str:
        end = self.s.find(b"\n", self.pos, self.pos + 256)
        if end < 0:
            raise self.error(f"data.pkl has an unterminated name at offset {self.pos}")
        out = self.s[self.pos:end].decode("utf-8", "replace")
        self.pos = end + 1
        return out

    def unpack(self, fmt: str):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    # ------------------------------------------------------------------ storages and tensors
    def storage(self, pid) -> _Storage:
        err = self.error
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _Global) and pid[1].kind == "storage_type"
                and isinstance(pid[2], str) and isinstance(pid[3], str)
                and type(pid[4]) is int and pid[4] >= 0):
            raise err(f"a persistent id is not a storage reference: {str(pid)[:100]}")
        _, st, key, loc, numel = pid
        dt: np.dtype = st.value
        hit = self.storages.get(key)
        if hit is not None:
            if hit.array.dtype != dt or hit.array.size != numel:
                raise err(f"storage {key[:40]!r} is referenced with two different types or sizes")
            return hit
        nbytes = numel * dt.itemsize
        try:
            info = self.zf.getinfo(f"{self.prefix}data/{key}")
        except KeyError:
            raise err(f"storage {key[:40]!r} is missing from the archive") from None
        if info.file_size != nbytes:
            raise err(f"storage {key[:40]!r} declares {numel} elements of {dt} ({nbytes} bytes) "
                      f"but its entry holds {info.file_size} bytes")
        if info.compress_type == zipfile.ZIP_STORED:
            if info.header_offset + info.compress_size > self.total or \
                    info.compress_size != info.file_size:
                raise err(f"storage {key[:40]!r} claims {nbytes} bytes past the end of the file "
                          f"({self.total} bytes)")
            if self.stored_bytes + nbytes > self.total:      # entries sharing one region
                raise err(f"storage {key[:40]!r} and the storages before it claim "
                          f"{self.stored_bytes + nbytes} stored bytes of a {self.total}-byte "
                          "file (zip entries overlap)")
            self.stored_bytes += nbytes
        elif self.inflated + nbytes > INFLATE_ALLOWANCE + INFLATE_RATIO * self.total:
            raise err(f"storage {key[:40]!r} claims {nbytes} bytes from {info.compress_size} "
                      f"compressed bytes of a {self.total}-byte file (a decompression bomb: "
                      f"refused before inflating)")
        else:
            self.inflated += nbytes
        raw = self.stored(info) if info.compress_type == zipfile.ZIP_STORED else None
        if raw is None:
            try:
                raw = bytearray(self.zf.read(info))
            except _ZIP_ERRORS as e:
                raise err(f"storage {key[:40]!r} cannot be read ({str(e)[:120]})") from None
        if dt == np.bool_:                   # bytes other than 0/1 read as True, as PyTorch
            u8 = np.frombuffer(raw, dtype=np.uint8)
            np.not_equal(u8, 0, out=u8)
        arr = np.frombuffer(raw, dtype=dt)
        if self.swap and dt.itemsize > 1:
            arr = arr.byteswap()                    # a new native-order array, writable
        out = self.storages[key] = _Storage(key, arr, loc, getattr(st, "quantized", None))
        return out

    def read_at(self, offset: int, size: int) -> bytearray:
        """``size`` bytes at ``offset`` of the file (fewer at its end), in a new buffer."""
        src = self.data
        if isinstance(src, (bytes, bytearray)):
            return bytearray(memoryview(src)[offset:offset + size])
        src.seek(offset)
        out = bytearray(size)
        got = src.readinto(out)
        return out if got == size else out[:got]

    def stored(self, info: zipfile.ZipInfo) -> bytearray | None:
        """A stored entry's bytes copied once from the file (zipfile's read copies twice), its
        CRC checked; None when its local header is not where the directory says (zipfile then
        reads it, or says what is wrong)."""
        h = info.header_offset
        head = self.read_at(h, 30)
        if len(head) < 30 or head[:4] != b"PK\x03\x04":
            return None
        n_name = int.from_bytes(head[26:28], "little")
        name = bytes(self.read_at(h + 30, n_name))
        try:                                  # the local header must name this entry
            same = name.decode("utf-8" if info.flag_bits & 0x800 else "cp437") == \
                info.orig_filename
        except UnicodeDecodeError:
            same = False
        if not same:
            return None                       # zipfile's read says what is wrong
        start = h + 30 + n_name + int.from_bytes(head[28:30], "little")
        if start + info.file_size > self.total:
            return None
        raw = self.read_at(start, info.file_size)
        if len(raw) != info.file_size or zlib.crc32(raw) != info.CRC:
            raise self.error(f"storage entry {info.filename[:60]!r} fails its CRC check "
                             "(the file is damaged)")
        return raw

    def tensor(self, args: tuple, v1: bool = False, quantized: bool = False) -> _TRef:
        err = self.error
        st0 = args[0] if args else None
        if isinstance(st0, _Storage) and st0.quantized and not quantized:
            raise err(f"a plain tensor over a 'torch.{st0.quantized}' (a quantized tensor's "
                      "integers, which only _rebuild_qtensor reads)")
        if v1:                                # _rebuild_tensor(storage, offset, size, stride)
            if len(args) != 4:
                raise err("_rebuild_tensor has malformed arguments")
            args = (*args, False)
        if not (v1 or 6 <= len(args) <= 7) or not isinstance(args[0], _Storage):
            raise err("_rebuild_tensor_v2 has malformed arguments")
        st, offset, size, stride, rg = args[:5]
        from dlcore.safe_io import check_shape
        size = check_shape(size, "a tensor", err)
        if not (isinstance(stride, tuple) and len(stride) == len(size) and all(
                type(s) is int and s >= 0 for s in stride)) or type(offset) is not int \
                or offset < 0 or not isinstance(rg, bool):
            raise err(f"a tensor has a malformed offset/stride ({str(offset)[:20]}, "
                      f"{str(stride)[:80]}) for size {list(size)}")
        n = st.array.size
        if all(size):
            last = offset + sum((d - 1) * s for d, s in zip(size, stride))
            if last >= n:
                raise err(f"a tensor of size {list(size)}, stride {list(stride)}, offset {offset} "
                          f"reaches element {last} of storage {st.key[:40]!r}, which has {n}")
        item = st.array.dtype.itemsize
        try:
            view = np.ndarray(size, st.array.dtype, buffer=st.array,
                              offset=min(offset, n) * item if all(size) else 0,
                              strides=tuple(s * item for s in stride))
        except (ValueError, OverflowError) as e:     # a stride NumPy cannot hold
            raise err(f"a tensor of size {list(size)}, stride {str(stride)[:80]} cannot be "
                      f"built ({str(e)[:80]})") from None
        name = f"t{len(self.arrays)}"
        self.arrays[name] = view
        return _TRef(name, st.loc, rg)

    def qtensor(self, args: tuple) -> _QRef:
        """``_rebuild_qtensor(storage, offset, size, stride, quantizer, requires_grad, hooks)``:
        the integers as any tensor's view; the quantizer's values checked for their types here
        (their ranges when the structure is decoded, ``dlcore_eager._qsave``)."""
        err = self.error
        if len(args) != 7 or not isinstance(args[4], tuple) or not args[4] or not (
                isinstance(args[4][0], _Global) and args[4][0].kind == "qscheme"):
            raise err("_rebuild_qtensor has malformed arguments")
        ints = self.tensor(args[:4] + args[5:], quantized=True)
        q = args[4]
        if q[0].value == "per_tensor_affine":
            ok = len(q) == 3 and isinstance(q[1], float) and type(q[2]) is int
            params: tuple = (q[0].value, q[1], q[2])
        else:
            ok = len(q) == 4 and isinstance(q[1], _TRef) and isinstance(q[2], _TRef) and \
                type(q[3]) is int
            params = (q[0].value, *q[1:])
        dtype = _QDTYPE_OF.get(self.arrays[ints.name].dtype)
        if not ok or dtype is None:
            kinds = ", ".join(type(v).__name__.strip("_") for v in q[1:5])
            raise err(f"_rebuild_qtensor has a malformed {q[0].value} quantizer ({kinds})")
        return _QRef(ints, dtype, params)

    # ------------------------------------------------------------------ the stack machine
    def call(self, fn: Any, args: Any) -> Any:
        err = self.error
        if not isinstance(fn, _Global) or not isinstance(args, tuple):
            raise err("REDUCE on something that is not an allowed function")
        if fn.kind == "odict":
            if args:
                raise err("OrderedDict called with arguments")
            return OrderedDict()
        if fn.kind in ("tensor", "tensor_v1"):
            return self.tensor(args, fn.kind == "tensor_v1")
        if fn.kind == "qtensor":
            return self.qtensor(args)
        if fn.kind == "parameter":
            if len(args) < 2 or not isinstance(args[0], _TRef) or not isinstance(args[1], bool):
                raise err("_rebuild_parameter has malformed arguments")
            t = args[0]
            return _TRef(t.name, t.loc, args[1], param=True)
        if fn.kind == "encode":                  # protocol 2's bytes: str.encode('latin1')
            if len(args) != 2 or not isinstance(args[0], str) or args[1] not in (
                    "latin1", "latin-1"):
                raise err("_codecs.encode has malformed arguments")
            try:
                return args[0].encode("latin-1")
            except UnicodeEncodeError:
                raise err("_codecs.encode of a string that is not latin-1") from None
        if fn.kind == "np_dtype":
            if not args or args[0] not in _NP_CODES:
                raise err(f"numpy.dtype of {str(args[:1])[:40]} (only numbers and bool are read)")
            return _NpDtype(np.dtype(args[0]))
        if fn.kind == "np_scalar":
            if len(args) != 2 or not isinstance(args[0], _NpDtype) or not isinstance(
                    args[1], bytes) or len(args[1]) != args[0].dtype.itemsize:
                raise err("numpy scalar has malformed arguments")
            return np.frombuffer(args[1], args[0].dtype)[0].item()
        if fn.kind == "np_reconstruct":
            if not (args and isinstance(args[0], _Global) and args[0].kind == "np_ndarray"):
                raise err("numpy _reconstruct of something other than an ndarray")
            return _NpArray()
        if fn.kind == "np_frombuffer":
            if len(args) != 4 or not isinstance(args[0], (bytes, bytearray)) or not isinstance(
                    args[1], _NpDtype) or args[3] not in ("C", "F"):
                raise err("numpy _frombuffer has malformed arguments")
            holder = _NpArray()
            self.build(holder, (1, args[2], args[1], args[3] == "F", bytes(args[0])), self.pos)
            return holder
        if fn.kind == "size":
            if len(args) != 1 or not isinstance(args[0], tuple) or not all(
                    type(d) is int for d in args[0]):
                raise err("torch.Size has malformed arguments")
            return _Value("__size__", list(args[0]))
        if fn.kind == "device":
            if not (1 <= len(args) <= 2 and isinstance(args[0], str)) or (
                    len(args) == 2 and args[1] is not None and type(args[1]) is not int):
                raise err("torch.device has malformed arguments")
            return _Value("__device__", args[0] if len(args) == 1 or args[1] is None
                          else f"{args[0]}:{args[1]}")
        if fn.kind == "layout":
            if args not in (("torch.strided",), ("torch.sparse_coo",)):
                raise err(f"an unknown layout {str(args)[:40]}")
            return _Value("__layout__", args[0][len("torch."):])
        raise err(f"a {fn.kind} cannot be called")

    def run(self) -> Any:
        err = self.error
        stack: list[Any] = []
        memo: dict[int, Any] = {}
        marks: list[int] = []

        def pop_mark() -> list:
            if not marks:
                raise err(f"data.pkl pops a mark that was never set (offset {self.pos})")
            m = marks.pop()
            items = stack[m:]
            del stack[m:]
            return items

        def top():
            if not stack:
                raise err(f"data.pkl uses an empty stack (offset {self.pos})")
            return stack[-1]

        def pop():
            top()
            return stack.pop()

        objects = [0]

        def new() -> None:                  # one more container or call result
            objects[0] += 1
            if objects[0] > MAX_OBJECTS:
                raise err(f"data.pkl creates more than {MAX_OBJECTS} containers and objects "
                          "(the limit for a tensor file; refused before building more)")

        steps = 0
        while True:
            at = self.pos
            op = self.take(1)
            steps += 1                      # each opcode pushes or memoizes at most one value
            if steps > MAX_VALUES:
                raise err(f"data.pkl holds more than {MAX_VALUES} values (the limit for a "
                          "tensor file; refused before building more)")
            if op == b"\x80":                                   # PROTO
                self.take(1)
            elif op == b"\x95":                                 # FRAME
                self.take(8)
            elif op == b".":                                    # STOP
                if len(stack) != 1 or marks:
                    raise err("data.pkl ends with a malformed stack")
                return stack[0]
            elif op == b"(":
                marks.append(len(stack))
            elif op == b"0":
                pop()
            elif op == b"1":
                pop_mark()
            elif op == b"2":
                stack.append(top())
            elif op == b"}":
                new()
                stack.append({})
            elif op == b"]":
                new()
                stack.append([])
            elif op == b")":
                stack.append(())
            elif op == b"t":
                new()
                stack.append(tuple(pop_mark()))
            elif op in (b"\x85", b"\x86", b"\x87"):
                k = op[0] - 0x84
                if len(stack) < k:
                    raise err(f"data.pkl uses an empty stack (offset {at})")
                new()
                tup = tuple(stack[-k:])
                del stack[-k:]
                stack.append(tup)
            elif op == b"l":
                new()
                stack.append(pop_mark())
            elif op == b"d":
                new()
                items = pop_mark()
                stack.append(self.setitems({}, items))
            elif op == b"a":
                v = pop()
                self.append(top(), [v])
            elif op == b"e":
                items = pop_mark()
                self.append(top(), items)
            elif op == b"s":
                v, k = pop(), pop()
                self.setitems(top(), [k, v])
            elif op == b"u":
                items = pop_mark()
                self.setitems(top(), items)
            elif op == b"q":
                memo[self.take(1)[0]] = top()
            elif op == b"r":
                memo[self.unpack("<I")] = top()
            elif op == b"\x94":
                memo[len(memo)] = top()
            elif op in (b"h", b"j"):
                i = self.take(1)[0] if op == b"h" else self.unpack("<I")
                if i not in memo:
                    raise err(f"data.pkl refers to memo entry {i}, never stored (offset {at})")
                stack.append(memo[i])
            elif op == b"J":
                stack.append(self.unpack("<i"))
            elif op == b"K":
                stack.append(self.take(1)[0])
            elif op == b"M":
                stack.append(self.unpack("<H"))
            elif op in (b"\x8a", b"\x8b"):
                n = self.take(1)[0] if op == b"\x8a" else self.unpack("<i")
                if not 0 <= n <= 64:
                    raise err(f"data.pkl has an integer of {n} bytes (offset {at})")
                stack.append(int.from_bytes(self.take(n), "little", signed=True))
            elif op == b"G":
                stack.append(self.unpack(">d"))
            elif op == b"N":
                stack.append(None)
            elif op in (b"\x88", b"\x89"):
                stack.append(op == b"\x88")
            elif op in (b"X", b"\x8c", b"\x8d", b"T", b"U", b"B", b"C", b"\x8e", b"\x96"):
                n = {b"X": "<I", b"T": "<I", b"B": "<I", b"\x8d": "<Q", b"\x8e": "<Q",
                     b"\x96": "<Q"}.get(op)
                size = self.unpack(n) if n else self.take(1)[0]
                raw = self.take(size)
                if op in (b"B", b"C", b"\x8e", b"\x96"):      # bytes (and protocol 5's bytearray)
                    stack.append(bytes(raw))
                else:
                    try:
                        stack.append(raw.decode("utf-8" if op in (b"X", b"\x8c", b"\x8d")
                                                else "latin-1"))
                    except UnicodeDecodeError:
                        raise err(f"data.pkl has a string that is not UTF-8 (offset {at})") \
                            from None
            elif op == b"c":
                stack.append(_resolve(self.line(), self.line(), err))
            elif op == b"\x93":
                name, module = pop(), pop()
                if not (isinstance(module, str) and isinstance(name, str)):
                    raise err(f"data.pkl has a malformed global (offset {at})")
                stack.append(_resolve(module, name, err))
            elif op == b"R":
                new()
                args = pop()
                stack.append(self.call(pop(), args))
            elif op == b"Q":
                stack.append(self.storage(pop()))
            elif op == b"b":
                state = pop()
                self.build(top(), state, at)
            else:
                raise err(f"data.pkl has the pickle opcode {op!r} at offset {at}, which a "
                          "tensor file does not use (only tensors and containers are read)")

    def build(self, obj, state, at: int) -> None:
        """BUILD: an OrderedDict's attributes (ignored), a NumPy dtype's byte order, a NumPy
        array's (version, shape, dtype, fortran, bytes); nothing else has a state to set."""
        err = self.error
        if isinstance(obj, OrderedDict) and isinstance(state, dict):
            return
        if isinstance(obj, _NpDtype) and isinstance(state, tuple) and len(state) >= 2:
            if state[1] not in ("<", ">", "|", "="):
                raise err(f"a NumPy dtype has the byte order {str(state[1])[:8]!r}")
            if state[1] in "<>":
                obj.dtype = obj.dtype.newbyteorder(state[1])
            return
        if isinstance(obj, _NpArray) and obj.name is None and isinstance(state, tuple) and \
                len(state) == 5 and isinstance(state[2], _NpDtype):
            from dlcore.safe_io import check_shape
            shape = check_shape(state[1], "a NumPy array", err)
            dt, fortran, raw = state[2].dtype, state[3], state[4]
            count = int(np.prod(shape, dtype=np.int64)) if shape else 1
            if not isinstance(raw, bytes) or len(raw) != count * dt.itemsize:
                raise err(f"a NumPy array of shape {list(shape)} and dtype {dt} does not have "
                          f"{count * dt.itemsize} bytes of data")
            arr = np.frombuffer(raw, dt).astype(dt.newbyteorder("="))
            obj.name = f"t{len(self.arrays)}"
            self.arrays[obj.name] = arr.reshape(shape, order="F" if fortran else "C")
            return
        raise err(f"data.pkl sets the state of a {type(obj).__name__} (offset {at}); only "
                  "OrderedDicts and NumPy dtypes and arrays have a state")

    def append(self, target, items) -> None:
        if not isinstance(target, list):
            raise self.error(f"data.pkl appends to a {type(target).__name__}")
        target.extend(items)

    def setitems(self, target, items) -> dict:
        if not isinstance(target, dict) or len(items) % 2:
            raise self.error(f"data.pkl sets {len(items)} items on a {type(target).__name__} "
                             "(a dict and key/value pairs expected)")
        for i in range(0, len(items), 2):
            k = items[i]
            if not (k is None or isinstance(k, (str, int, float, bool))):
                raise self.error(f"a dict key of type {type(k).__name__} (only str, int, float, "
                                 "bool or None keys are read)")
            target[k] = items[i + 1]
        return target


def parse(data: Any, error: ErrorFactory) -> tuple[Any, dict[str, np.ndarray]]:
    """A ``torch.save`` zip (its bytes, or a seekable binary file: then each storage is read
    from the file into its own buffer, nothing else held) -> (structure, {name: ndarray
    view}); ``error`` for anything bad."""
    try:
        if isinstance(data, (bytes, bytearray)):
            total = len(data)
            zf = zipfile.ZipFile(io.BytesIO(data))
        else:
            total = data.seek(0, 2)
            data.seek(0)
            zf = zipfile.ZipFile(data)
        names = zf.namelist()
    except _ZIP_ERRORS as e:
        raise error(f"a zip archive that cannot be opened ({str(e)[:120]})") from None
    pkls = [n for n in names if n == "data.pkl" or n.endswith("/data.pkl")]
    if len(pkls) != 1:
        raise error(f"a zip archive with {len(pkls)} data.pkl entries (a torch.save file "
                    "has exactly one)")
    prefix = pkls[0][:-len("data.pkl")]
    if f"{prefix}constants.pkl" in names:
        raise error("a TorchScript archive (torch.jit.save): it holds code, which dlcore never "
                    "runs; save the model's weights with torch.save(model.state_dict(), PATH) "
                    "and load them into a dlcore_eager model")
    info = zf.getinfo(pkls[0])
    if info.file_size > MAX_PICKLE or info.file_size > MAX_RATIO * max(info.compress_size, 1) \
            + 4096:
        raise error(f"data.pkl claims {info.file_size} bytes (refused)")
    order = b"little"
    try:
        if f"{prefix}byteorder" in names:
            bo = zf.getinfo(f"{prefix}byteorder")
            order = zf.read(bo).strip() if bo.file_size <= 16 else b"?"
        stream = zf.read(info)
    except _ZIP_ERRORS as e:
        raise error(f"a damaged zip archive ({str(e)[:120]})") from None
    if order not in (b"little", b"big"):
        raise error(f"unknown byte order {order[:16]!r} in the byteorder entry")
    swap = order == b"big"
    parser = _Parser(stream, zf, prefix, swap, data, total, error)
    obj = parser.run()
    return _structure(obj, error, MAX_NODES), parser.arrays
