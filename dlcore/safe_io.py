"""Bounded, validating readers for untrusted files (graph files, checkpoints, state dicts).

A hostile file must give its loader's own clear error with bounded memory.  Three rules:

* nothing is decompressed unless something references it: ``NpzMembers`` opens a ``.npz`` (a
  zip of ``.npy`` arrays) and lists its members *without* reading them; ``read`` decompresses
  one member on demand;
* sizes are bounded before decompression: the zip's declared size, then the ``.npy`` header's
  shape and dtype are checked against a byte limit (and, when the caller knows it, against the
  expected shape and dtype) before a single data byte is read, and exactly that many bytes are
  read;
* structure is checked, not trusted: ``check_shape`` accepts only lists/tuples of non-negative
  ints (or ``None`` where allowed) of bounded rank and element count; ``json_loads`` turns
  every JSON failure (including deeply nested input, which raises ``RecursionError``) into the
  caller's error.

Every function takes ``error``, the loader's exception factory (``str -> Exception``), so each
loader keeps its own error class.  No function here pickles or executes anything from a file.
"""

from __future__ import annotations

import io
import json
import tokenize
import zipfile
import zlib
from typing import Callable

import numpy as np

ErrorFactory = Callable[[str], Exception]
MAX_RANK = 32
MAX_ELEMENTS = 1 << 40          # any shape larger than this is refused outright
_MAX_NPY_HEADER = 10_000


def check_shape(shape, what: str, error: ErrorFactory, allow_none: bool = False) -> tuple:
    """``shape`` as a tuple of ints (``None`` kept when ``allow_none``); anything else (floats,
    bools, negative or absurd dims, too high a rank) raises ``error``."""
    if not isinstance(shape, (list, tuple)) or len(shape) > MAX_RANK:
        raise error(f"{what} has a malformed shape {str(shape)[:80]}")
    total = 1
    for d in shape:
        if d is None and allow_none:
            continue
        if not isinstance(d, int) or isinstance(d, bool) or d < 0:
            raise error(f"{what} has a malformed shape {str(list(shape))[:80]}")
        total *= d
        if total > MAX_ELEMENTS:
            raise error(f"{what} declares an absurd shape {list(shape)}")
    return tuple(shape)


def json_loads(raw: bytes, what: str, error: ErrorFactory):
    """Parse UTF-8 JSON; any failure (bad bytes, bad syntax, nesting too deep) is ``error``."""
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise error(f"{what} is not valid JSON ({str(e)[:120]})") from None


class _Reject(Exception):
    """Internal: a check failed inside a guarded read (re-raised as the loader's error)."""


class NpzMembers:
    """The members of an ``.npz`` archive, read one at a time and only on request."""

    def __init__(self, raw: bytes, label: str, error: ErrorFactory) -> None:
        self.label, self.error = label, error
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(raw))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, ValueError, EOFError, OSError, NotImplementedError) as e:
            raise error(f"cannot read {label}: {e} (the file is truncated, corrupt or not an "
                        "npz archive)") from None
        self._infos = {}
        for zi in infos:
            if zi.filename.endswith(".npy"):
                self._infos[zi.filename[:-4]] = zi

    @property
    def names(self) -> set:
        return set(self._infos)

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and name in self._infos

    def read(self, name: str, max_bytes: int, shape: tuple | None = None,
             dtype: np.dtype | None = None, allowed_dtypes=None) -> np.ndarray:
        """Decompress member ``name`` after checking its sizes: at most ``max_bytes`` of data,
        and, when given, exactly ``shape`` (``None`` dims match anything) and ``dtype``."""
        err, what = self.error, f"array {name!r} of {self.label}"
        zi = self._infos.get(name)
        if zi is None:
            raise err(f"{self.label} has no array {name!r}")
        if zi.file_size > max_bytes + _MAX_NPY_HEADER:
            raise err(f"{what} declares {zi.file_size} bytes, more than the {max_bytes} "
                      "expected; refusing to decompress it")
        try:
            with self._zip.open(zi) as f:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    hdr = np.lib.format.read_array_header_1_0(f, max_header_size=_MAX_NPY_HEADER)
                elif version in ((2, 0), (3, 0)):
                    hdr = np.lib.format.read_array_header_2_0(f, max_header_size=_MAX_NPY_HEADER)
                else:
                    raise ValueError(f"unsupported .npy version {version}")
                a_shape, fortran, a_dtype = hdr
                if a_dtype.hasobject:
                    raise _Reject(f"{what} holds Python objects; refusing to load it (no pickle)")
                if allowed_dtypes is not None and a_dtype not in allowed_dtypes:
                    raise _Reject(f"{what} has an unsupported dtype {a_dtype}")
                if dtype is not None and a_dtype != dtype:
                    raise _Reject(f"{what} has dtype {a_dtype}, the file declares "
                                  f"{np.dtype(dtype)}")
                check_shape(a_shape, what, _Reject)
                if shape is not None and (len(shape) != len(a_shape) or any(
                        d is not None and d != a for d, a in zip(shape, a_shape))):
                    raise _Reject(f"{what} has shape {list(a_shape)}, the file declares "
                              f"{list(shape)}")
                nbytes = int(np.prod(a_shape, dtype=np.int64)) * a_dtype.itemsize
                if nbytes > max_bytes or nbytes > zi.file_size:
                    raise _Reject(f"{what}: its header claims {nbytes} bytes of data but the "
                              f"member holds at most {min(zi.file_size, max_bytes)}")
                data = f.read(nbytes)
        except _Reject as e:
            raise err(str(e)) from None
        except (zipfile.BadZipFile, ValueError, EOFError, OSError, NotImplementedError,
                SyntaxError, tokenize.TokenError, zlib.error) as e:
            # (TokenError: NumPy's header parser on a damaged header, as "{'shape(: ...")
            raise err(f"cannot read {what}: {str(e)[:200]}") from None
        if len(data) != nbytes:
            raise err(f"{what} is truncated ({len(data)} of {nbytes} bytes)")
        arr = np.frombuffer(data, dtype=a_dtype)
        arr = arr.reshape(a_shape, order="F" if fortran else "C")
        return np.array(arr, dtype=a_dtype.newbyteorder("="), order="C")


def read_npz(path, label: str, error: ErrorFactory, max_bytes: int = 1 << 36) -> dict:
    """Every array of the ``.npz`` file at ``path`` ({name: array}, names without ``.npy``),
    each read by ``NpzMembers.read`` (sizes checked before decompression, no pickle): a
    damaged file is ``error`` naming ``label`` (where ``np.load`` let NumPy's own errors out,
    ``tokenize.TokenError`` or ``zipfile.BadZipFile`` naming neither the file nor the array);
    a missing file is ``open``'s ``FileNotFoundError``."""
    with open(path, "rb") as f:
        raw = f.read()
    members = NpzMembers(raw, label, error)
    return {name: members.read(name, max_bytes) for name in sorted(members.names)}
