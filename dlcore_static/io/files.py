"""``tf.io.read_file`` / ``tf.read_file``, ``tf.io.write_file`` / ``tf.write_file``, and
``tf.io.encode_base64`` / ``decode_base64``: host ops on ``tf.string`` tensors
(``dlcore_static/host_ops.py``; no gradient, left to the interpreter by the compiler).

``read_file`` gives a file's whole contents as a scalar string each time it runs (a missing
file is ``tf.errors.NotFoundError``); ``write_file`` is an op with no output that writes its
contents when run (as a fetch target or a control dependency).  The base64 ops use TensorFlow's
web-safe alphabet (``-`` and ``_`` for ``+`` and ``/``); ``encode_base64`` pads with ``=`` only
when ``pad=True``, and ``decode_base64`` accepts either form.
"""

from __future__ import annotations

import base64
import binascii

import numpy as np

from ..errors import InvalidArgumentError, NotFoundError
from ..frontend import to_tensor
from ..graph import Operation, Tensor, get_default_graph
from ..host_ops import as_array, elementwise, host_op, register

OBJ = np.dtype(object)

__all__ = ["decode_base64", "encode_base64", "matching_files", "read_file", "write_file"]


def _scalar_string(x, what: str, label: str) -> Tensor:
    t = to_tensor(x, get_default_graph())
    if t.aval.dtype != OBJ:
        raise TypeError(f"{what}: {label} must be a tf.string tensor, got {t.dtype.name}")
    if not t.op.attrs.get("unknown_rank") and t.aval.shape != ():
        raise ValueError(f"{what}: {label} must be a scalar, got shape {list(t.aval.shape)}")
    return t


def _path(v) -> str:
    return np.asarray(v).item().decode("utf-8")


def _read_impl(filename):
    path = _path(filename)
    try:
        with open(path, "rb") as f:
            return as_array(f.read())
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise NotFoundError(None, None, f"{path}; No such file or directory") from None


def _write_impl(filename, contents):
    path = _path(filename)
    try:
        with open(path, "wb") as f:
            f.write(np.asarray(contents).item())
    except (FileNotFoundError, NotADirectoryError):
        raise NotFoundError(None, None, f"{path}; No such file or directory") from None
    return ()


def _matching_impl(pattern):
    """TF's MatchingFiles: each pattern's matches (``*``, ``?``, ``[...]``), sorted, one
    pattern's after the other's."""
    import glob
    out: list[bytes] = []
    for p in np.asarray(pattern, dtype=object).reshape(-1).tolist():
        path = p.decode("utf-8") if isinstance(p, bytes) else str(p)
        out.extend(sorted(m.encode("utf-8") for m in glob.glob(path)))
    arr = np.empty(len(out), dtype=object)
    arr[:] = out
    return arr


register("ReadFile", _read_impl)
register("WriteFile", _write_impl)
register("MatchingFiles", _matching_impl)


def matching_files(pattern, name=None) -> Tensor:
    """``tf.io.matching_files`` / ``tf.matching_files``: the names of the files that match
    ``pattern`` (a string, or a vector of them), sorted, as a vector of strings; nothing
    matched gives an empty vector."""
    t = to_tensor(pattern, get_default_graph())
    if t.aval.dtype != OBJ:
        raise TypeError(f"matching_files: pattern must be a tf.string tensor, got "
                        f"{t.dtype.name}")
    if not t.op.attrs.get("unknown_rank") and len(t.aval.shape) > 1:
        raise ValueError(f"Shape must be at most rank 1 but is rank {len(t.aval.shape)} for "
                         f"'MatchingFiles' (op: 'MatchingFiles') with input shapes: "
                         f"[{','.join(str(d) for d in t.aval.shape)}].")
    return host_op("MatchingFiles", [t], [((None,), OBJ)],
                   name=name or "MatchingFiles").outputs[0]


def read_file(filename, name=None) -> Tensor:
    """The contents of the file ``filename`` (a scalar string) as a scalar string, read each
    time the op runs.

    Example::

        >>> import dlcore_static as tf, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "a.bin")
        >>> with open(path, "wb") as f:
        ...     _ = f.write(b"\\x00ab")
        >>> with tf.Session() as sess:
        ...     sess.run(tf.io.read_file(path))
        b'\\x00ab'
    """
    t = _scalar_string(filename, "read_file", "filename")
    return host_op("ReadFile", [t], [((), OBJ)], name=name or "ReadFile").outputs[0]


def write_file(filename, contents, name=None) -> Operation:
    """An op that writes the scalar string ``contents`` to the file ``filename`` when run."""
    f = _scalar_string(filename, "write_file", "filename")
    c = _scalar_string(contents, "write_file", "contents")
    return host_op("WriteFile", [f, c], [], name=name or "WriteFile")


def _encode_impl(x, *, pad: bool):
    def enc(s: bytes) -> bytes:
        out = base64.urlsafe_b64encode(s)
        return out if pad else out.rstrip(b"=")
    return elementwise(enc, x, OBJ)


def _decode_impl(x):
    def dec(s: bytes) -> bytes:
        try:
            std = s.rstrip(b"=").translate(_TO_STANDARD)
            return base64.b64decode(std + b"=" * (-len(std) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidArgumentError(None, None, f"Invalid character found in base64: "
                                       f"{s[:64]!r}") from None
    return elementwise(dec, x, OBJ)


_TO_STANDARD = bytes.maketrans(b"-_+/", b"+/!!")      # '+' and '/' are not web-safe


register("EncodeBase64", _encode_impl)
register("DecodeBase64", _decode_impl)


def _strings(x, what: str) -> Tensor:
    t = to_tensor(x, get_default_graph())
    if t.aval.dtype != OBJ:
        raise TypeError(f"{what}: input must be a tf.string tensor, got {t.dtype.name}")
    return t


def encode_base64(input, pad: bool = False, name=None) -> Tensor:
    """Each string in web-safe base64 (``-``, ``_``), ``=``-padded only with ``pad``.

    Example::

        >>> import dlcore_static as tf
        >>> with tf.Session() as sess:
        ...     sess.run(tf.io.encode_base64([b"\\xfb\\xff", b"a"])).tolist()
        [b'-_8', b'YQ']
    """
    t = _strings(input, "encode_base64")
    return host_op("EncodeBase64", [t], [(tuple(t.aval.shape), OBJ)], {"pad": bool(pad)},
                   name or "EncodeBase64").outputs[0]


def decode_base64(input, name=None) -> Tensor:
    """Each web-safe base64 string decoded (padding optional); an invalid one is an
    ``InvalidArgumentError``."""
    t = _strings(input, "decode_base64")
    return host_op("DecodeBase64", [t], [(tuple(t.aval.shape), OBJ)],
                   name=name or "DecodeBase64").outputs[0]
