"""TF1's file readers for queue pipelines: ``tf.TextLineReader`` (one line of a text file per
``read``, the key ``b"<file>:<line number>"``, optional header lines skipped) and
``tf.WholeFileReader`` (one whole file per ``read``, the key its name).  ``reader.read(queue)``
takes a file name from ``queue`` (``tf.train.string_input_producer``) whenever the current file
is done; when that queue is closed and empty the read raises its ``OutOfRangeError``.  Reader
state lives in the Session, as TensorFlow's reader resources."""

from __future__ import annotations

import threading
import weakref

import numpy as np

from dlcore.device import CPU
from dlcore.registry import AVal

from . import input_queues as _queues
from . import plan as _plan
from .errors import InvalidArgumentError, NotFoundError, OpError, node_suffix
from .graph import Operation, Tensor, get_default_graph
from .runtime import replaying

__all__ = ["FixedLengthRecordReader", "TFRecordReader", "TextLineReader", "WholeFileReader"]

_STATE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()   # session -> {reader: st}


class _ReaderState:
    __slots__ = ("last", "lock", "produced", "records", "work")

    def __init__(self):
        self.records: list = []         # (key, value) pairs of the current file, reversed
        self.last: dict = {}            # (op, thread) -> its last read (compiler replays)
        self.lock = threading.RLock()   # one read at a time per reader (TF's reader ops)
        self.produced = 0
        self.work = 0


class ReaderBase:
    """A reader: ``read(queue)`` gives ``(key, value)`` string tensors."""

    _type = "ReaderBase"
    _bad: str | None = None     # a size its kernel refuses (FixedLengthRecordReader)

    def __init__(self, name=None):
        g = get_default_graph()
        self._graph = g
        self.name = g.unique_name(name or self._type)

    def read(self, queue, name=None) -> tuple[Tensor, Tensor]:
        """The next record; a new file name is taken from ``queue`` when the current file is
        done."""
        g = self._graph
        op = Operation(g, "ReaderReadV2", g.unique_name(name or "ReaderReadV2"), [],
                       [AVal((), np.dtype(object)), AVal((), np.dtype(object))],
                       attrs={"reader": self, "queue": queue})
        op.device = CPU                 # (a host op: files and strings)
        return op.outputs[0], op.outputs[1]

    def _records(self, filename: bytes) -> list:
        raise NotImplementedError

    def _next(self, op, session):
        if self._bad is not None:
            raise InvalidArgumentError(None, op, self._bad + node_suffix(op))
        d = _STATE.get(session)
        if d is None:
            d = _STATE[session] = {}
        st = d.get(self)
        if st is None:
            st = d[self] = _ReaderState()
        key_ = (op, threading.get_ident())
        if replaying():
            last = st.last.get(key_)
            if last is not None:
                if isinstance(last, BaseException):
                    raise last
                return last
        with st.lock:
            try:
                while not st.records:
                    elems = op.attrs["queue"]._take(op, session, 1, False)
                    name = elems[0][0]
                    name = name if isinstance(name, bytes) else np.asarray(name).item()
                    try:
                        recs = self._records(name)
                    except OSError as e:
                        raise NotFoundError(None, op, f"{name.decode()}; {e.strerror or e}"
                                            f"{node_suffix(op)}") from None
                    except OpError as e:
                        raise _named(e, op) from None
                    st.work += 1
                    st.records = recs[::-1]
                rec = st.records.pop()
                if isinstance(rec, OpError):    # (after the file's good records: its error)
                    raise _named(rec, op)
                key, value = rec
            except Exception as e:
                st.last[key_] = e
                raise
            st.produced += 1
            out = (np.array(key, dtype=object), np.array(value, dtype=object))
            st.last[key_] = out
        return out


class TextLineReader(ReaderBase):
    """``tf.TextLineReader(skip_header_lines=None)``: the lines of each file, newline (and a
    carriage return before it) removed."""

    _type = "TextLineReaderV2"

    def __init__(self, skip_header_lines=None, name=None):
        super().__init__(name)
        self._skip = int(skip_header_lines or 0)

    def _records(self, filename: bytes) -> list:
        with open(filename, "rb") as f:
            data = f.read()
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        out = []
        for i, line in enumerate(lines):
            if i < self._skip:
                continue
            if line.endswith(b"\r"):
                line = line[:-1]
            out.append((filename + b":" + str(i + 1).encode(), line))
        return out


class WholeFileReader(ReaderBase):
    """``tf.WholeFileReader()``: each file whole, its name the key."""

    _type = "WholeFileReaderV2"

    def _records(self, filename: bytes) -> list:
        with open(filename, "rb") as f:
            return [(filename, f.read())]


class FixedLengthRecordReader(ReaderBase):
    """``tf.FixedLengthRecordReader(record_bytes, header_bytes=0, footer_bytes=0,
    hop_bytes=0)``: each file after its header, before its footer, cut into records of
    ``record_bytes`` (CIFAR-10's binary files); the key ``b"<file>:<record number>"``.  As TF
    1.15's kernel (a lookahead of ``record_bytes + footer_bytes``): record k starts at
    ``header + k * hop`` (``hop_bytes``, or ``record_bytes`` when 0) and is read when
    ``start + record_bytes + footer_bytes`` fits in the file; a shorter tail is the end of the
    file, dropped without an error (TF's ReadNBytes OutOfRange is ``at_end``)."""

    _type = "FixedLengthRecordReaderV2"

    def __init__(self, record_bytes, header_bytes=None, footer_bytes=None, hop_bytes=None,
                 name=None, encoding=None):
        super().__init__(name)
        if encoding:
            raise NotImplementedError("FixedLengthRecordReader: compressed files (encoding="
                                      f"{encoding!r}) are not supported")
        self._record = int(record_bytes)
        self._header = int(header_bytes or 0)
        self._footer = int(footer_bytes or 0)
        hop = int(hop_bytes or 0)
        # TF's FixedLengthRecordReaderOp refuses a negative size (InvalidArgumentError,
        # 'record_bytes must be >= 0 not -3') when its kernel is made: the graph builds, the
        # first run that reads fails (ReaderBase._next); a record of 0 bytes (TF: an endless
        # run of empty records) is refused there too, as would be a loop that never advances
        for what, n in (("header_bytes", self._header), ("record_bytes", self._record),
                        ("footer_bytes", self._footer), ("hop_bytes", hop)):
            if n < 0:
                self._bad = f"{what} must be >= 0 not {n}"
                break
        else:
            if self._record == 0:
                self._bad = ("FixedLengthRecordReader: record_bytes must be > 0 (0 would "
                             "give empty records forever)")
        self._hop = hop or self._record

    def _records(self, filename: bytes) -> list:
        with open(filename, "rb") as f:
            data = f.read()
        body = data[self._header:len(data) - self._footer]
        out: list = []
        pos = 0
        while pos + self._record <= len(body):
            out.append((filename + b":" + str(len(out)).encode(), body[pos:pos + self._record]))
            pos += self._hop
        return out


class TFRecordReader(ReaderBase):
    """``tf.TFRecordReader(options=None)``: the records of TFRecord files (``io/tfrecord.py``
    checks their CRCs), the key ``b"<file>:<record number>"``."""

    _type = "TFRecordReaderV2"

    def __init__(self, name=None, options=None):
        super().__init__(name)
        self._options = options

    def _records(self, filename: bytes) -> list:
        """The file's records; a damaged one ends the list with its DataLossError (TF's reader
        gives the records before it, then the error)."""
        from .io.tfrecord import read_records
        out: list = []
        try:
            for i, r in enumerate(read_records(filename.decode(), self._options)):
                out.append((filename + b":" + str(i).encode(), bytes(r)))
        except OpError as e:
            if not out:
                raise
            out.append(e)
        return out


def _named(e, op):
    """A reader's OpError (made without a node) as ``op``'s."""
    if e.op is not None:
        return e
    return type(e)(None, op, f"{e.message}{node_suffix(op)}")


def _read_factory(op: Operation, session, device):
    reader = op.attrs["reader"]

    def read():
        with _queues._LOCK:
            return reader._next(op, session)
    return read, {}


_plan.EXECUTORS["ReaderReadV2"] = _read_factory
_plan.HOISTED_TYPES.add("ReaderReadV2")
