"""The file format of ``tf.train.Saver`` checkpoints: variable values in a safetensors file.

``Saver.save(sess, "dir/model.ckpt", global_step=3)`` writes ``dir/model.ckpt-3.safetensors``
(one tensor per variable, named by the variable's op name, e.g. ``dense/kernel``; metadata
``{"format": "dlcore_static/1"}``) through the ``safetensors`` library, and the ``checkpoint``
index file next to it (``model_checkpoint_path: "model.ckpt-3"``, as TensorFlow writes it).
Any safetensors reader can open the values; ``Saver.restore`` reads them back by name into any
graph that has variables of those names, e.g. a fresh one rebuilt by the same code.

Reading is lazy and bounded: the file is memory-mapped by ``safetensors.safe_open``, its header
validated by the library, and a tensor is read only when a variable asks for it, after its
declared dtype and size were checked against the caller's limit.  Checkpoints of the previous
format (``prefix.npz``, NumPy arrays, read with ``dlcore.safe_io.NpzMembers``) still restore,
with a ``DeprecationWarning``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable

import numpy as np

from dlcore import safe_io
from dlcore.io import safetensors_io

SUFFIX = ".safetensors"
LEGACY_SUFFIX = ".npz"
FORMAT = "dlcore_static/1"
_CODES = {"F32": np.float32, "F64": np.float64, "I32": np.int32, "I64": np.int64,
          "BOOL": np.bool_, "F16": np.float16, "I8": np.int8, "I16": np.int16, "U8": np.uint8}


def data_path(prefix: str | os.PathLike) -> str:
    """The values file of checkpoint ``prefix`` (``prefix.safetensors``)."""
    return os.fspath(prefix) + SUFFIX


def exists(prefix: str | os.PathLike) -> bool:
    """Whether checkpoint ``prefix`` has a values file (current or previous format)."""
    p = os.fspath(prefix)
    return os.path.exists(p + SUFFIX) or os.path.exists(p + LEGACY_SUFFIX) or (
        p.endswith(LEGACY_SUFFIX) and os.path.exists(p))


def write_variables(prefix: str | os.PathLike, arrays: dict[str, np.ndarray]) -> str:
    """Write ``{variable name: value}`` to ``prefix.safetensors`` (atomically); returns the
    file's path."""
    path = data_path(prefix)
    safetensors_io.write(path, {k: np.asarray(v) for k, v in arrays.items()},
                         {"format": FORMAT})
    return path


class SafetensorsMembers:
    """The tensors of a safetensors checkpoint, read one at a time on request (the same
    interface as ``dlcore.safe_io.NpzMembers``)."""

    def __init__(self, path: str, label: str, error: Callable[[str], Exception]) -> None:
        from safetensors import safe_open
        self.label, self.error = label, error
        try:
            self._f = safe_open(path, framework="np")
            self._names = set(self._f.keys())
        except FileNotFoundError:
            raise
        except Exception as e:  # noqa: BLE001 - the library's SafetensorError
            raise error(f"cannot read {label}: {str(e)[:200]} (the file is truncated, corrupt "
                        "or not a safetensors file)") from None

    @property
    def names(self) -> set:
        return set(self._names)

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and name in self._names

    def read(self, name: str, max_bytes: int, shape: tuple | None = None,
             dtype: np.dtype | None = None, allowed_dtypes=None) -> np.ndarray:
        what = f"tensor {name!r} of {self.label}"
        if name not in self._names:
            raise self.error(f"{self.label} has no tensor {name!r}")
        sl = self._f.get_slice(name)
        code, a_shape = sl.get_dtype(), tuple(sl.get_shape())
        if code not in _CODES:
            raise self.error(f"{what} has an unsupported dtype {code}")
        a_dtype = np.dtype(_CODES[code])
        if allowed_dtypes is not None and a_dtype not in allowed_dtypes:
            raise self.error(f"{what} has an unsupported dtype {a_dtype}")
        if dtype is not None and a_dtype != dtype:
            raise self.error(f"{what} has dtype {a_dtype}, the file declares {np.dtype(dtype)}")
        safe_io.check_shape(a_shape, what, self.error)
        if shape is not None and (len(shape) != len(a_shape) or any(
                d is not None and d != a for d, a in zip(shape, a_shape))):
            raise self.error(f"{what} has shape {list(a_shape)}, expected {list(shape)}")
        nbytes = int(np.prod(a_shape, dtype=np.int64)) * a_dtype.itemsize
        if nbytes > max_bytes:
            raise self.error(f"{what} declares {nbytes} bytes, more than the {max_bytes} "
                             "expected; refusing to read it")
        return np.array(self._f.get_tensor(name), dtype=a_dtype.newbyteorder("="), order="C")


def open_variables(prefix: str | os.PathLike, label: str,
                   error: Callable[[str], Exception]):
    """The members of checkpoint ``prefix``: ``prefix.safetensors``, or a previous-format
    ``prefix.npz`` (with a ``DeprecationWarning``)."""
    p = os.fspath(prefix)
    if not p.endswith(LEGACY_SUFFIX) and (os.path.exists(p + SUFFIX) or
                                          not os.path.exists(p + LEGACY_SUFFIX)):
        return SafetensorsMembers(p + SUFFIX, label, error)
    npz = p if p.endswith(LEGACY_SUFFIX) else p + LEGACY_SUFFIX
    warnings.warn(f"{label} is a previous-format .npz checkpoint; a future release will stop "
                  "reading it: save it again to get a .safetensors checkpoint",
                  DeprecationWarning, stacklevel=3)
    with open(npz, "rb") as f:
        raw = f.read()
    return safe_io.NpzMembers(raw, label, error)


def remove(prefix: str | os.PathLike) -> None:
    """Delete checkpoint ``prefix``'s files (values, legacy values, meta graph)."""
    p = os.fspath(prefix)
    for f in (p + SUFFIX, p + LEGACY_SUFFIX, p + ".meta"):
        if os.path.exists(f):
            os.remove(f)
