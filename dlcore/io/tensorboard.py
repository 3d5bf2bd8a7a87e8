"""TensorBoard event files, written with TensorBoard's own writer and protocol buffers.

An event file (``events.out.tfevents.<time>.<host>``) is a sequence of TFRecords, each an
``Event`` protocol buffer: a ``Summary`` (a list of tagged values: a scalar, a histogram, a PNG
image, a string tensor for the text plugin) at a global step and wall time, or a serialised
``GraphDef`` (one ``NodeDef`` per op: name, op type, inputs as ``"op:index"`` and ``"^op"`` for
control inputs, ``dtype`` and ``_output_shapes`` attributes) that the graph tab draws.

The writer is ``tensorboard.summary.writer.event_file_writer.EventFileWriter`` from the
``tensorboard`` package (the one ``torch.utils.tensorboard`` uses: a queue flushed by a
background thread, CRC-checked records).  We tried ``tensorboardX`` too: it writes the same
records through its own copy of the protos, but ``tensorboard`` is needed anyway to look at the
files and to read them back (``EventAccumulator``), is maintained with the viewer it feeds, and
is one dependency instead of two.  Install it with the ``tensorboard`` extra.

Both front ends build on this module: ``dlcore_static.summary`` (``tf.summary``),
``dlcore_eager.utils.tensorboard`` (``SummaryWriter``) and the Keras ``TensorBoard`` callback.
Histograms use TensorFlow's default buckets (edges ``+-1e-12 * 1.1**k`` and 0, empty buckets
at both ends dropped), as ``tf.summary.histogram`` and ``SummaryWriter.add_histogram`` do.
"""

from __future__ import annotations

import os
import struct
import time
import zlib
from collections.abc import Iterable
from typing import Any

import numpy as np

from dlcore.dtypes import is_floating


def protos():
    """The protobuf modules (``event_pb2``, ``summary_pb2``, ...), or a clear ImportError."""
    try:
        from tensorboard.compat.proto import (
            attr_value_pb2,
            event_pb2,
            graph_pb2,
            node_def_pb2,
            summary_pb2,
            tensor_pb2,
            tensor_shape_pb2,
            types_pb2,
        )
    except ImportError as e:
        raise ImportError("TensorBoard event files need the 'tensorboard' package: "
                          "pip install 'dlcore[tensorboard]'") from e
    import types
    return types.SimpleNamespace(attr_value=attr_value_pb2, event=event_pb2, graph=graph_pb2,
                                 node_def=node_def_pb2, summary=summary_pb2,
                                 tensor=tensor_pb2, tensor_shape=tensor_shape_pb2,
                                 types=types_pb2)


_DT = {"float32": 1, "float64": 2, "int32": 3, "uint8": 4, "int16": 5, "int8": 6, "int64": 9,
       "bool": 10, "float16": 19}


def datatype(dtype: Any) -> int:
    """TensorFlow's ``DataType`` enum value for a NumPy dtype (``DT_INVALID`` = 0 if none)."""
    try:
        return _DT.get(np.dtype(dtype).name, 0)
    except TypeError:
        return 0


# ---------------------------------------------------------------------------------- writer
class EventWriter:
    """One event file in ``logdir`` (created if missing)."""

    def __init__(self, logdir: str | os.PathLike, max_queue: int = 10, flush_secs: float = 120,
                 filename_suffix: str = "") -> None:
        try:
            from tensorboard.summary.writer.event_file_writer import EventFileWriter
        except ImportError:
            protos()                                       # raises the clear error
            raise
        self.logdir = os.fspath(logdir)
        os.makedirs(self.logdir, exist_ok=True)
        self._w = EventFileWriter(self.logdir, max_queue, flush_secs, filename_suffix)

    def get_logdir(self) -> str:
        return self.logdir

    def add_event(self, event) -> None:
        self._w.add_event(event)

    def add_summary(self, summary, global_step: int | None = None,
                    walltime: float | None = None) -> None:
        """``summary``: a ``Summary`` proto or its serialised bytes (what ``sess.run`` of a
        ``tf.summary`` op returns)."""
        pb = protos()
        if isinstance(summary, (bytes, bytearray, np.bytes_)):
            s = pb.summary.Summary()
            s.ParseFromString(bytes(summary))
            summary = s
        if not isinstance(summary, pb.summary.Summary):
            raise TypeError(f"add_summary: expected a Summary or its serialised bytes, got "
                            f"{type(summary).__name__}")
        ev = pb.event.Event(summary=summary, wall_time=time.time() if walltime is None
                            else walltime)
        if global_step is not None:
            ev.step = int(global_step)
        self.add_event(ev)

    def add_graph_def(self, graph_def, walltime: float | None = None) -> None:
        pb = protos()
        raw = graph_def if isinstance(graph_def, bytes) else graph_def.SerializeToString()
        self.add_event(pb.event.Event(graph_def=raw, wall_time=time.time() if walltime is None
                                      else walltime))

    def flush(self) -> None:
        self._w.flush()

    def close(self) -> None:
        self._w.close()


# -------------------------------------------------------------------------------- summaries
def scalar(tag: str, value: Any):
    """A ``Summary`` with one scalar (``simple_value``)."""
    pb = protos()
    v = np.asarray(value)
    if v.size != 1:
        raise ValueError(f"scalar summary {tag!r}: expected one value, got shape "
                         f"{list(v.shape)}")
    return pb.summary.Summary(value=[pb.summary.Summary.Value(tag=tag,
                                                              simple_value=float(v.ravel()[0]))])


def _tf_bucket_limits() -> np.ndarray:
    edges = [1e-12]
    while edges[-1] < 1e20:
        edges.append(edges[-1] * 1.1)
    pos = np.array(edges)
    return np.concatenate([-pos[::-1], [0.0], pos, [np.finfo(np.float64).max]])


_LIMITS = None


def histogram_proto(values: Any, bins: Any = "tensorflow"):
    """A ``HistogramProto`` of ``values`` (any shape, flattened): min, max, num, sum,
    sum_squares and the buckets (``bins='tensorflow'``, an int or an array of edges)."""
    global _LIMITS
    pb = protos()
    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size and not np.all(np.isfinite(x)):
        raise ValueError("histogram: the values contain NaN or Inf")
    if x.size == 0:
        return pb.summary.HistogramProto()
    if isinstance(bins, str):
        if bins != "tensorflow":
            edges = np.histogram_bin_edges(x, bins=bins)
        else:
            if _LIMITS is None:
                _LIMITS = _tf_bucket_limits()
            # bucket i holds (limit[i-1], limit[i]]
            idx = np.searchsorted(_LIMITS, x, side="left")
            counts = np.bincount(idx, minlength=len(_LIMITS)).astype(np.float64)
            nz = np.nonzero(counts)[0]
            lo, hi = nz[0], nz[-1] + 1
            return pb.summary.HistogramProto(
                min=float(x.min()), max=float(x.max()), num=float(x.size), sum=float(x.sum()),
                sum_squares=float(np.dot(x, x)), bucket_limit=_LIMITS[lo:hi].tolist(),
                bucket=counts[lo:hi].tolist())
    else:
        edges = np.histogram_bin_edges(x, bins=bins)
    counts, edges = np.histogram(x, bins=edges)
    return pb.summary.HistogramProto(
        min=float(x.min()), max=float(x.max()), num=float(x.size), sum=float(x.sum()),
        sum_squares=float(np.dot(x, x)), bucket_limit=edges[1:].tolist(),
        bucket=counts.astype(np.float64).tolist())


def histogram(tag: str, values: Any, bins: Any = "tensorflow"):
    pb = protos()
    return pb.summary.Summary(value=[pb.summary.Summary.Value(
        tag=tag, histo=histogram_proto(values, bins))])


def png(hwc: np.ndarray) -> bytes:
    """PNG bytes of an ``(H, W, C)`` uint8 image, C in 1 (grey), 3 (RGB) or 4 (RGBA)."""
    img = np.ascontiguousarray(hwc, dtype=np.uint8)
    if img.ndim != 3 or img.shape[2] not in (1, 3, 4):
        raise ValueError(f"png: expected an (H, W, C) image with C in 1, 3 or 4, got shape "
                         f"{list(img.shape)}")
    h, w, c = img.shape
    color = {1: 0, 3: 2, 4: 6}[c]
    raw = b"".join(b"\x00" + img[r].tobytes() for r in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def image_value(tag: str, hwc: np.ndarray):
    """One ``Summary.Value`` holding a PNG image (``hwc`` uint8)."""
    pb = protos()
    h, w, c = hwc.shape
    return pb.summary.Summary.Value(tag=tag, image=pb.summary.Summary.Image(
        height=h, width=w, colorspace=c, encoded_image_string=png(hwc)))


def to_uint8(img: np.ndarray) -> np.ndarray:
    """Float images in [0, 1] scaled to 0..255 (clipped), integer images kept."""
    a = np.asarray(img)
    if is_floating(a.dtype):
        return (np.clip(a, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    return np.clip(a, 0, 255).astype(np.uint8)


def text(tag: str, strings: Any):
    """A text-plugin ``Summary``: a string tensor (a str, or a nested list of str)."""
    pb = protos()
    arr = np.asarray(strings, dtype=object)
    flat = [str(s).encode("utf-8") for s in arr.ravel()]
    shape = pb.tensor_shape.TensorShapeProto(
        dim=[pb.tensor_shape.TensorShapeProto.Dim(size=d) for d in arr.shape])
    tensor = pb.tensor.TensorProto(dtype=7, tensor_shape=shape, string_val=flat)
    meta = pb.summary.SummaryMetadata(
        plugin_data=pb.summary.SummaryMetadata.PluginData(plugin_name="text"))
    return pb.summary.Summary(value=[pb.summary.Summary.Value(tag=tag, metadata=meta,
                                                              tensor=tensor)])


def merge(summaries: Iterable[Any]):
    """One ``Summary`` holding the values of several (protos or serialised bytes)."""
    pb = protos()
    out = pb.summary.Summary()
    for s in summaries:
        if isinstance(s, (bytes, bytearray, np.bytes_)):
            out.MergeFromString(bytes(s))
        else:
            out.MergeFrom(s)
    return out


# ------------------------------------------------------------------------------------ graphs
def graph_def(nodes: Iterable[dict]):
    """A ``GraphDef`` from node records: ``name``, ``op``, ``inputs`` (``"op"``, ``"op:1"``,
    ``"^op"``), optional ``dtype`` (NumPy), ``shapes`` (a list of output shapes, ``None`` for
    an unknown dimension), ``device`` and ``attrs`` (str -> str, shown in the node's panel)."""
    pb = protos()
    g = pb.graph.GraphDef()
    g.versions.producer = 22
    for rec in nodes:
        n = g.node.add(name=rec["name"], op=rec["op"], input=list(rec.get("inputs", ())))
        if rec.get("device"):
            n.device = str(rec["device"])
        if rec.get("dtype") is not None:
            n.attr["dtype"].type = datatype(rec["dtype"])
        shapes = rec.get("shapes")
        if shapes is not None:
            lst = n.attr["_output_shapes"].list
            for shp in shapes:
                sp = lst.shape.add()
                if shp is None:
                    sp.unknown_rank = True
                    continue
                for d in shp:
                    sp.dim.add(size=-1 if d is None else int(d))
        for k, v in (rec.get("attrs") or {}).items():
            n.attr[k].s = str(v).encode("utf-8")
    return g
